"""Foreign-format readers: ROOT trees, CSV/Parquet, npy/npz, image folders, CaloChallenge; image grids."""

from __future__ import annotations

import awkward as ak
import h5py
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import uproot
from PIL import Image

from nugan.data import ParticleStatus
from nugan.data.arrays import read_numpy
from nugan.data.calochallenge import read_calochallenge
from nugan.data.images import make_grid, read_image_folder, save_grid
from nugan.data.readers import detect_format, read_any, write_any
from nugan.data.root import read_root, read_root_arrays
from nugan.data.tables import read_csv, read_parquet
from nugan.errors import InputFileError, SchemaError


@pytest.fixture
def foreign_root(tmp_path, rng):
    """A ROOT file as another generator might write it: tree 'nt', jagged mc_* branches."""
    n = 12
    counts = rng.integers(1, 4, n)
    m = int(counts.sum())

    def jag(x):
        return ak.unflatten(x, counts)

    path = tmp_path / "ntuple.root"
    branches = {
            "enu": rng.uniform(0.5, 5, n),
            "q2": rng.uniform(0, 2, n),
            "vtx": rng.normal(size=(n, 3)),
            "mc": ak.zip({
                "pdg": jag(rng.choice([13, 2212], m).astype(np.int32)),
                "px": jag(rng.normal(size=m)),
                "py": jag(rng.normal(size=m)),
                "pz": jag(rng.normal(size=m)),
                "e": jag(rng.uniform(1, 2, m)),
            }),
            "hit_adc": jag(rng.integers(0, 100, m).astype(np.int32)),
    }
    with uproot.recreate(path) as f:
        types = {k: (v.type if isinstance(v, ak.Array) else (v.dtype, v.shape[1:]))
                 for k, v in branches.items()}
        f.mktree("nt", types)
        f["nt"].extend(branches)
        f["other"] = {"a": np.arange(3.0)}  # an RNTuple (uproot's default for new objects)
    return path, counts


def test_root_flat_jagged_and_particles(foreign_root):
    path, counts = foreign_root
    ev = read_root(path, tree="nt", branches=["enu", "q2", "vtx", "nmc", "mc_pdg", "mc_px", "mc_py", "mc_pz",
                                              "mc_e"])
    assert set(ev.columns) == {"enu", "q2", "vtx_0", "vtx_1", "vtx_2"}  # counter dropped, array split
    np.testing.assert_array_equal(ak.to_numpy(ak.num(ev.particles)), counts)
    assert ak.all(ev.particles.status == int(ParticleStatus.FINAL))
    raw = read_root_arrays(path, "nt", ["enu", "mc_px"])
    assert raw.mc_px.tolist() == ev.particles.px.tolist()
    assert raw.enu.tolist() == ev.columns["enu"].tolist()
    assert ev.attrs["config"]["reader"] == "root" and ev.attrs["config"]["tree"] == "nt"


def test_root_errors_name_tree_and_branch(foreign_root, tmp_path):
    path, _ = foreign_root
    with pytest.raises(InputFileError, match=r"holds 2 trees \['nt', 'other'\]"):
        read_root(path)
    with pytest.raises(InputFileError, match=r"no tree 'events'.*--tree"):
        read_root(path, tree="events")
    with pytest.raises(InputFileError, match=r"no branch\(es\) \['q3'\]"):
        read_root(path, tree="nt", branches=["enu", "q3"])
    with pytest.raises(SchemaError, match=r"\['hit_adc'\] are jagged"):
        read_root(path, tree="nt")
    junk = tmp_path / "junk.root"
    junk.write_bytes(b"x" * 100)
    with pytest.raises(InputFileError, match="not a readable ROOT file"):
        read_root(junk)


def test_csv_labels_and_missing_values(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("enu,flavour,n\n1.5,numu,3\n2.5,nue,4\n0.5,numu,1\n")
    ev = read_csv(p, label_column="flavour")
    assert ev.label_names == ["nue", "numu"]
    np.testing.assert_array_equal(ev.labels, [1, 0, 1])
    assert ev.columns["n"].dtype.kind == "i" and ev.columns["enu"].tolist() == [1.5, 2.5, 0.5]
    assert read_csv(p, columns=["enu"]).columns.keys() == {"enu"}
    holes = tmp_path / "holes.csv"
    holes.write_text("a,b\n1,2\n3,\n")
    with pytest.raises(SchemaError, match=r"'b' has 1 missing value"):
        read_csv(holes)
    with pytest.raises(SchemaError, match=r"no column\(s\) \['zz'\]"):
        read_csv(p, columns=["zz"])


def test_parquet_foreign_nested_column_rejected(tmp_path):
    p = tmp_path / "f.parquet"
    pq.write_table(pa.table({"a": [1.0, 2.0], "hits": pa.array([[1, 2], [3]])}), p)
    with pytest.raises(SchemaError, match="'hits' is nested"):
        read_parquet(p)
    assert read_parquet(p, columns=["a"]).columns["a"].tolist() == [1.0, 2.0]


def test_numpy_layouts(tmp_path):
    table = np.arange(12.0).reshape(6, 2)
    np.save(tmp_path / "t.npy", table)
    ev = read_numpy(tmp_path / "t.npy", columns=["a", "b"])
    assert ev.columns["b"].tolist() == [1.0, 3.0, 5.0, 7.0, 9.0, 11.0]
    np.save(tmp_path / "img.npy", np.ones((4, 5, 6), np.float32))
    assert read_numpy(tmp_path / "img.npy").image_shape == (1, 5, 6)
    np.savez(tmp_path / "a.npz", x=np.arange(3.0), images=np.zeros((3, 2, 4, 4)), labels=np.array([0, 1, 1]))
    ev = read_numpy(tmp_path / "a.npz")
    assert ev.image_shape == (2, 4, 4) and ev.label_names == ["0", "1"]
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(InputFileError, match="pickled"):
        read_numpy(tmp_path / "obj.npy")


def _png(path, size, value, mode="L"):
    path.parent.mkdir(parents=True, exist_ok=True)
    color = value if mode == "L" else (value, 0, 255 - value)
    Image.new(mode, size, color).save(path)


def test_image_folder_like_imagefolder(tmp_path):
    root = tmp_path / "imgs"
    _png(root / "cats" / "a.png", (8, 6), 200)
    _png(root / "cats" / "b.png", (8, 6), 100)
    _png(root / "dogs" / "c.png", (8, 6), 0)
    ev = read_image_folder(root)
    assert ev.label_names == ["cats", "dogs"]
    np.testing.assert_array_equal(ev.labels, [0, 0, 1])
    assert ev.image_shape == (1, 6, 8)  # grey, (C, H, W)
    np.testing.assert_allclose(ev.pixelmaps[:, 0, 0, 0], [200 / 255, 100 / 255, 0.0], rtol=1e-6)
    assert detect_format(root) == "images"


def test_image_folder_mixed_sizes_need_resize(tmp_path):
    root = tmp_path / "imgs"
    _png(root / "a" / "wide.png", (40, 20), 10, "RGB")
    _png(root / "b" / "tall.jpg", (16, 32), 10, "RGB")
    with pytest.raises(InputFileError, match=r"different sizes.*--image-size"):
        read_image_folder(root)
    ev = read_image_folder(root, image_size=12)
    assert ev.image_shape == (3, 12, 12)
    np.testing.assert_allclose(ev.pixelmaps[0, :, 6, 6], [10 / 255, 0, 245 / 255], atol=2 / 255)


def test_calochallenge_layout(tmp_path, rng):
    p = tmp_path / "dataset_2.hdf5"
    showers = rng.exponential(size=(5, 24)).astype(np.float32)
    with h5py.File(p, "w") as f:
        f["incident_energies"] = rng.uniform(1e3, 1e6, (5, 1))
        f["showers"] = showers
    assert detect_format(p) == "calochallenge"
    flat = read_any(p)
    assert flat.image_shape == (1, 1, 24) and len(flat.columns["incident_energy_mev"]) == 5
    ev = read_calochallenge(p, shape=(2, 3, 4))
    np.testing.assert_array_equal(ev.pixelmaps.reshape(5, -1), showers)
    with pytest.raises(SchemaError, match="cannot reshape 24 voxels"):
        read_calochallenge(p, shape=(5, 5, 1))
    out = tmp_path / "again.hdf5"
    write_any(ev, out, format="calochallenge")
    again = read_calochallenge(out, shape=(2, 3, 4))
    np.testing.assert_array_equal(again.pixelmaps, ev.pixelmaps)
    np.testing.assert_array_equal(again.columns["incident_energy_mev"], ev.columns["incident_energy_mev"])


def test_make_grid_places_images_and_scales(tmp_path):
    imgs = np.zeros((3, 1, 2, 2))
    imgs[1] = 1.0
    imgs[2, 0, 0, 1] = 0.5
    grid = make_grid(imgs, nrow=2, padding=1)
    assert grid.shape == (1 + 2 * 3, 1 + 2 * 3, 3) and grid.dtype == np.uint8
    assert grid[1:3, 4:6].min() == 255  # image 1: top right, white
    assert grid[1:3, 1:3].max() == 0  # image 0: black
    assert tuple(grid[4, 2]) == (128, 128, 128)  # image 2, pixel (0, 1): half grey
    assert grid[0].max() == 0  # padding black
    two_views = make_grid(np.ones((1, 2, 3, 4), np.uint8) * 7, pad_value=255)
    assert two_views.shape == (2 + 3 + 2, 2 + 4 + 2 + 4 + 2, 3)  # views side by side, 2 apart
    assert two_views[3, 2:6].max() == 7 and two_views[3, 6:8].min() == 255 and two_views[3, 8:12].max() == 7
    save_grid(imgs, tmp_path / "g.png", nrow=2)
    with Image.open(tmp_path / "g.png") as im:
        assert im.size == (10, 10)


def test_data_package_does_not_import_torch():
    import subprocess
    import sys

    code = (
        "import sys, nugan.data, nugan.data.readers, nugan.data.features, nugan.data.images, "
        "nugan.data.root, nugan.data.tables, nugan.data.arrays, nugan.data.calochallenge, nugan.cli.convert; "
        "sys.exit('torch' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
