from __future__ import annotations

import h5py
import numpy as np
import pytest

from nugan.data import EventSet, iter_events, provenance, read_attrs, read_events
from nugan.errors import InputFileError, SchemaError


def _assert_same(a: EventSet, b: EventSet) -> None:
    assert len(a) == len(b)
    assert a.columns.keys() == b.columns.keys()
    for k in a.columns:
        np.testing.assert_array_equal(a.columns[k], b.columns[k])
    assert (a.particles is None) == (b.particles is None)
    if a.particles is not None:
        assert a.particles.tolist() == b.particles.tolist()
    if a.pixelmaps is not None:
        np.testing.assert_array_equal(a.pixelmaps, b.pixelmaps)
    if a.labels is not None:
        np.testing.assert_array_equal(a.labels, b.labels)
        assert a.label_names == b.label_names


def test_hdf5_round_trip(small_events, tmp_path):
    path = tmp_path / "ev.h5"
    small_events.write(path)
    back = read_events(path)
    _assert_same(small_events, back)
    assert back.attrs["config"] == {"source": "test"}
    assert back.attrs["seed"] == 7
    assert back.attrs["format"] == "nugan-events"


def test_chunked_iteration_equals_whole(small_events, tmp_path):
    path = tmp_path / "ev.h5"
    small_events.write(path)
    chunks = list(iter_events(path, chunk_size=7))
    assert len(chunks) == 8
    _assert_same(EventSet.concatenate(chunks), read_events(path))


def test_selection_and_concatenation(small_events):
    mask = small_events.columns["enu_gev"] > 2
    sel = small_events.select(mask)
    assert len(sel) == int(mask.sum())
    assert np.all(sel.columns["enu_gev"] > 2)
    both = EventSet.concatenate([small_events[:10], small_events[10:]])
    _assert_same(both, small_events)


def test_mismatched_lengths_rejected():
    with pytest.raises(SchemaError, match="different numbers of events"):
        EventSet({"a": np.zeros(3), "b": np.zeros(4)})


def test_nan_detected(small_events):
    bad = small_events.with_columns(enu_gev=np.full(len(small_events), np.nan))
    with pytest.raises(SchemaError, match="NaN"):
        bad.check_finite()


def test_bad_files(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        read_events(tmp_path / "missing.h5")
    empty = tmp_path / "empty.h5"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty"):
        read_events(empty)
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not hdf5 at all" * 10)
    with pytest.raises(InputFileError, match="not a readable HDF5"):
        read_events(junk)
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(InputFileError, match="not a nugan event file"):
        read_events(foreign)


def test_newer_schema_rejected(small_events, tmp_path):
    path = tmp_path / "ev.h5"
    small_events.write(path)
    with h5py.File(path, "a") as f:
        f.attrs["schema_version"] = 99
    with pytest.raises(InputFileError, match="newer"):
        read_attrs(path)


def test_truncated_file_rejected(small_events, tmp_path):
    path = tmp_path / "ev.h5"
    small_events.write(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputFileError):
        read_events(path)


def test_write_is_atomic(small_events, tmp_path, monkeypatch):
    path = tmp_path / "ev.h5"
    small_events.write(path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr("nugan.data.hdf5.particles_to_offsets", boom)
    with pytest.raises(RuntimeError):
        small_events.write(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ev.h5"]


def test_schema_v1_dense_file_still_read(small_events, tmp_path):
    path = tmp_path / "v1.h5"
    small_events.write(path, pixelmap_storage="dense")
    with h5py.File(path, "a") as f:
        f.attrs["schema_version"] = 1
    _assert_same(read_events(path), small_events)


def test_zero_events_round_trip(small_events, tmp_path):
    empty = small_events[np.zeros(len(small_events), dtype=bool)]
    path = tmp_path / "zero.h5"
    empty.write(path)
    back = read_events(path)
    assert len(back) == 0 and back.image_shape == small_events.image_shape
    assert list(iter_events(path, chunk_size=5)) == []


def test_describe_reports_storage_and_nonfinite(small_events, tmp_path):
    from nugan.data import describe

    path = tmp_path / "ev.h5"
    bad = small_events.with_columns(q=np.where(np.arange(len(small_events)) < 3, np.nan, 1.0))
    bad.write(path)
    info = describe(path)
    assert info["pixelmaps_storage"] == "sparse"
    assert info["pixelmaps_nonzero"] == int(np.count_nonzero(small_events.pixelmaps))
    assert info["columns"]["q"] == {"dtype": "float64", "min": 1.0, "max": 1.0, "mean": 1.0, "nonfinite": 3}
    with pytest.raises(SchemaError, match="'q' has 3 NaN/inf"):
        read_events(path, check_finite=True)


def test_large_config_and_unicode_strings(tmp_path):
    big = {"table": list(range(30_000)), "name": "ν-flux"}
    tags = np.array(["νμ CC", "ν̄e", "nc"])
    ev = EventSet({"tag": tags, "x": np.arange(3.0)}, attrs=provenance(big, seed=1))
    path = tmp_path / "big.h5"
    ev.write(path)
    back = read_events(path)
    assert back.attrs["config"] == big
    assert back.columns["tag"].tolist() == ["νμ CC", "ν̄e", "nc"]
    assert read_attrs(path)["config"]["name"] == "ν-flux"


def test_written_files_get_the_usual_permissions(small_events, tmp_path):
    import os
    import stat

    path = tmp_path / "ev.h5"
    small_events.write(path)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
