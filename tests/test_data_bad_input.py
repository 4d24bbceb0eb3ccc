"""Bad input through the CLI: every case ends in one `error:` line naming the file, exit 2, no traceback."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import uproot
from PIL import Image

from nugan.cli import main
from nugan.data import EventSet, FeatureSpec, provenance
from nugan.errors import SchemaError


def _fails(capsys, argv: list[str], *fragments: str) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (code, out, err)
    assert "Traceback" not in err + out
    assert err.startswith(f"nugan {argv[0]}: error: ")
    assert len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


@pytest.fixture
def good_h5(small_events, tmp_path):
    path = tmp_path / "good.h5"
    small_events.write(path)
    return path


@pytest.mark.parametrize("verb", ["inspect", "convert"])
def test_missing_file(verb, capsys, tmp_path):
    missing = tmp_path / "nope.h5"
    argv = [verb, str(missing)] + ([str(tmp_path / "out.parquet")] if verb == "convert" else [])
    _fails(capsys, argv, str(missing), "no such file")


@pytest.mark.parametrize("suffix", [".h5", ".root", ".csv", ".parquet", ".npz"])
def test_empty_file(suffix, capsys, tmp_path):
    empty = tmp_path / f"empty{suffix}"
    empty.write_bytes(b"")
    _fails(capsys, ["convert", str(empty), str(tmp_path / "out.h5")], str(empty), "empty")
    _fails(capsys, ["inspect", str(empty)], str(empty), "empty")


def test_header_only_csv_and_empty_tree(capsys, tmp_path):
    csv = tmp_path / "h.csv"
    csv.write_text("a,b\n")
    _fails(capsys, ["convert", str(csv), str(tmp_path / "o.h5")], str(csv), "no rows")
    root = tmp_path / "e.root"
    with uproot.recreate(root) as f:
        f.mktree("events", {"a": np.float64})
    _fails(capsys, ["convert", str(root), str(tmp_path / "o.h5")], str(root), "no events in tree 'events'")


def test_missing_tree_and_branch(capsys, tmp_path, small_events):
    root = tmp_path / "ev.root"
    assert main(["convert", _h5(small_events, tmp_path), str(root)]) == 0
    capsys.readouterr()
    _fails(capsys, ["convert", str(root), str(tmp_path / "o.h5"), "--tree", "nt"], "no tree 'nt'", "events")
    _fails(capsys, ["convert", str(root), str(tmp_path / "o.h5"), "--branches", "enu_gev,qq"],
           str(root), "no branch(es) ['qq']")


def _h5(events: EventSet, tmp_path) -> str:
    path = tmp_path / "src.h5"
    events.write(path)
    return str(path)


@pytest.mark.parametrize("version", [99, 0, "abc"])
def test_wrong_or_newer_schema_version(version, capsys, good_h5, tmp_path):
    with h5py.File(good_h5, "a") as f:
        f.attrs["schema_version"] = version
    expect = "newer" if version == 99 else "invalid schema_version"
    _fails(capsys, ["inspect", str(good_h5)], str(good_h5), expect)
    _fails(capsys, ["convert", str(good_h5), str(tmp_path / "o.parquet")], str(good_h5), expect)


def test_newer_schema_in_parquet(capsys, small_events, tmp_path):
    import json

    import pyarrow.parquet as pq

    path = tmp_path / "ev.parquet"
    small_events.write(tmp_path / "ev.h5")
    assert main(["convert", str(tmp_path / "ev.h5"), str(path)]) == 0
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"nugan"])
    meta["schema_version"] = 99
    pq.write_table(table.replace_schema_metadata({b"nugan": json.dumps(meta).encode()}), path)
    _fails(capsys, ["inspect", str(path)], str(path), "newer")


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_hdf5(fraction, capsys, good_h5, tmp_path):
    data = good_h5.read_bytes()
    good_h5.write_bytes(data[: int(len(data) * fraction)])
    _fails(capsys, ["inspect", str(good_h5)], str(good_h5))
    _fails(capsys, ["convert", str(good_h5), str(tmp_path / "o.parquet")], str(good_h5))
    assert not (tmp_path / "o.parquet").exists()


def test_corrupt_hdf5_payload(capsys, tmp_path, rng):
    """A file whose header is intact but whose compressed data is damaged."""
    ev = EventSet({"enu_gev": rng.normal(size=20000)}, attrs=provenance({}, seed=0))
    path = tmp_path / "c.h5"
    ev.write(path)
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 4000] = bytes(4000)
    path.write_bytes(bytes(data))
    _fails(capsys, ["convert", str(path), str(tmp_path / "o.parquet")], str(path))


def test_mixed_image_sizes(capsys, tmp_path):
    root = tmp_path / "imgs"
    for cls, size in (("a", (10, 10)), ("b", (12, 9))):
        (root / cls).mkdir(parents=True)
        Image.new("L", size, 5).save(root / cls / "x.png")
    argv = ["convert", str(root), str(tmp_path / "o.h5")]
    _fails(capsys, argv, str(root), "different sizes", "--image-size")
    assert main(["convert", str(root), str(tmp_path / "o.h5"), "--image-size", "8"]) == 0
    capsys.readouterr()
    assert EventSet.read(tmp_path / "o.h5").image_shape == (1, 8, 8)


def test_broken_image_and_empty_folder(capsys, tmp_path):
    root = tmp_path / "imgs"
    (root / "a").mkdir(parents=True)
    _fails(capsys, ["convert", str(root), str(tmp_path / "o.h5")], str(root), "no PNG/JPEG")
    (root / "a" / "bad.png").write_bytes(b"not a png")
    _fails(capsys, ["convert", str(root), str(tmp_path / "o.h5")], "bad.png", "not a readable image")


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_nan_inf_values(bad, capsys, tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_text(f"enu,q2\n1.0,0.5\n2.0,{bad}\n")
    expect = "missing value" if bad == "nan" else "NaN/inf"  # pyarrow reads 'nan' in a CSV as a null
    _fails(capsys, ["convert", str(csv), str(tmp_path / "o.h5")], str(csv), "'q2'", expect)
    np.savez(tmp_path / "a.npz", x=np.array([1.0, float(bad)]))
    _fails(capsys, ["convert", str(tmp_path / "a.npz"), str(tmp_path / "o.h5")], "a.npz", "NaN/inf")
    h5 = tmp_path / "n.h5"
    EventSet({"x": np.array([1.0, float(bad)])}, attrs=provenance({}, seed=0)).write(h5)
    _fails(capsys, ["convert", str(h5), str(tmp_path / "o.parquet")], str(h5), "NaN/inf")
    assert main(["inspect", str(h5)]) == 0  # inspect reports them instead
    assert "1 NaN/inf" in capsys.readouterr().out


def test_unknown_format_and_foreign_hdf5(capsys, tmp_path, good_h5):
    weird = tmp_path / "data.xyz"
    weird.write_text("1,2\n")
    _fails(capsys, ["convert", str(weird), str(tmp_path / "o.h5")], str(weird), "--from")
    _fails(capsys, ["convert", str(good_h5), str(tmp_path / "o.txt")], "o.txt", "--to")
    _fails(capsys, ["convert", str(good_h5), str(tmp_path / "o.h5"), "--to", "gif"], "unknown format 'gif'")
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = np.arange(3)
    _fails(capsys, ["inspect", str(foreign)], str(foreign), "not a nugan event file")
    _fails(capsys, ["convert", str(good_h5), str(tmp_path / "o.csv")], "--drop-parts")
    _fails(capsys, ["convert", str(good_h5), str(tmp_path / "o.h5"), "--image-size", "4"],
           "do not apply to the 'nugan' format")


def test_featurespec_on_data_without_its_columns(small_events, tmp_path):
    spec = FeatureSpec.fit(small_events, ["enu_gev", "mode"], images=True)
    with pytest.raises(SchemaError, match=r"needs the column\(s\) \['mode'\]"):
        spec.encode_table(small_events.with_parts(columns={"enu_gev": small_events.columns["enu_gev"]}))
    with pytest.raises(SchemaError, match="no pixel maps"):
        spec.encode_images(small_events.with_parts(pixelmaps=None))


def test_convert_success_and_inspect_foreign(capsys, good_h5, tmp_path):
    out = tmp_path / "ev.root"
    assert main(["convert", str(good_h5), str(out)]) == 0
    assert "50 events" in capsys.readouterr().out
    assert main(["inspect", str(out)]) == 0
    text = capsys.readouterr().out
    assert "50 events" in text and "particles:" in text and "converted_from" in text


@pytest.mark.parametrize("suffix", [".root", ".parquet", ".npz"])
def test_truncated_foreign_files(suffix, capsys, tmp_path, rng):
    n = 3000
    ev = EventSet({"enu_gev": rng.uniform(1, 2, n), "q": rng.normal(size=n)}, attrs=provenance({}, seed=0))
    src = tmp_path / "ev.h5"
    ev.write(src)
    full = tmp_path / f"full{suffix}"
    assert main(["convert", str(src), str(full)]) == 0
    capsys.readouterr()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 3])
    _fails(capsys, ["convert", str(cut), str(tmp_path / "o.h5")], str(cut))


def test_inspect_json_is_parseable(capsys, good_h5):
    import json

    assert main(["inspect", str(good_h5), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["n_events"] == 50 and info["pixelmaps_storage"] == "sparse"
    assert info["columns"]["mode"]["dtype"] == "int32" and info["attrs"]["seed"] == 7
