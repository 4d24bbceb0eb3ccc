"""Round trips through every writable format and the streaming writer, with hypothesis-generated EventSets."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nugan.cli import main
from nugan.data import EventSet, iter_events, make_particles, provenance, read_attrs, read_events
from nugan.data.readers import read_any, write_any
from nugan.data.writer import EventWriter, merge_files
from nugan.errors import SchemaError

_finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
_finite32 = st.floats(allow_nan=False, allow_infinity=False, width=32)


@st.composite
def eventsets(draw: st.DrawFn, parts: bool = True) -> EventSet:
    n = draw(st.integers(1, 25))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cols = {
        "enu_gev": draw(hnp.arrays(np.float64, n, elements=_finite)),
        "w32": draw(hnp.arrays(np.float32, n, elements=_finite32)),
        "mode": draw(hnp.arrays(np.int32, n, elements=st.integers(-(2**31), 2**31 - 1))),
        "n_hits": rng.integers(0, 2**40, n, dtype=np.int64),
        "is_cc": rng.random(n) < 0.5,
    }
    if not parts:
        return EventSet(cols, attrs=provenance({"gen": "hypothesis"}, seed=1))
    counts = rng.integers(0, 5, n)
    counts[0] = draw(st.integers(0, 3))
    m = int(counts.sum())
    particles = make_particles(
        counts, rng.choice([11, 13, 22, 111, 211, 2112, 2212, 1000060120], m), *rng.normal(size=(4, m)),
        rng.choice([0, 1, 2, 3, 11, 14, 15], m),
    )
    density = draw(st.sampled_from([0.0, 0.05, 0.6]))  # empty, sparse-stored, dense-stored
    shape = (n, 2, draw(st.integers(1, 6)), draw(st.integers(1, 5)))
    pix = np.where(rng.random(shape) < density, rng.exponential(10.0, shape), 0.0).astype(np.float32)
    labels = rng.integers(0, 3, n)
    return EventSet(cols, particles, pix, labels, ["numu_cc", "nue_cc", "nc"],
                    provenance({"gen": "hypothesis", "nested": {"a": [1, 2]}}, seed=5, note="x"))


def assert_same(a: EventSet, b: EventSet, dtypes: bool = True) -> None:
    assert len(a) == len(b)
    assert set(a.columns) == set(b.columns)
    for k, v in a.columns.items():
        np.testing.assert_array_equal(b.columns[k], v, err_msg=k)
        if dtypes:
            assert b.columns[k].dtype == v.dtype, k
    assert (a.particles is None) == (b.particles is None)
    if a.particles is not None:
        assert a.particles.tolist() == b.particles.tolist()
        for f in a.particles.fields:
            assert str(a.particles[f].type) == str(b.particles[f].type)
    assert (a.pixelmaps is None) == (b.pixelmaps is None)
    if a.pixelmaps is not None:
        np.testing.assert_array_equal(b.pixelmaps, a.pixelmaps)
        assert b.pixelmaps.dtype == a.pixelmaps.dtype
    assert (a.labels is None) == (b.labels is None)
    if a.labels is not None:
        np.testing.assert_array_equal(b.labels, a.labels)
        assert b.label_names == a.label_names


_settings = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("suffix", [".h5", ".parquet", ".root"])
@_settings
@given(ev=eventsets())
def test_full_round_trip(suffix, ev):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"ev{suffix}"
        write_any(ev, path)
        back = read_any(path)
    assert_same(ev, back)
    assert back.attrs["config"] == {"gen": "hypothesis", "nested": {"a": [1, 2]}}
    assert back.attrs["seed"] == 5 and back.attrs["note"] == "x"


@_settings
@given(ev=eventsets(parts=False))
def test_csv_round_trip_keeps_values(ev):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ev.csv"
        write_any(ev, path)
        back = read_any(path)
    # CSV keeps the values; integer widths come back as int64 and float32 as float64
    for k, v in ev.columns.items():
        np.testing.assert_array_equal(back.columns[k].astype(v.dtype), v, err_msg=k)


@_settings
@given(ev=eventsets(parts=False))
def test_npz_round_trip(ev):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ev.npz"
        write_any(ev, path)
        back = read_any(path)
    assert_same(ev, back)


@_settings
@given(ev=eventsets(), chunk=st.integers(1, 30))
def test_chunked_iteration_equals_whole(ev, chunk):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ev.h5"
        ev.write(path, chunk_events=3)
        chunks = list(iter_events(path, chunk_size=chunk))
        whole = read_events(path)
    assert len(chunks) == -(-len(ev) // chunk)
    assert all(len(c) == chunk for c in chunks[:-1])
    assert_same(EventSet.concatenate(chunks), whole)
    assert_same(whole, ev)


def test_dense_and_sparse_storage_read_identically(small_events, tmp_path):
    small_events.write(tmp_path / "d.h5", pixelmap_storage="dense")
    small_events.write(tmp_path / "s.h5", pixelmap_storage="sparse")
    d, s = read_events(tmp_path / "d.h5"), read_events(tmp_path / "s.h5")
    assert_same(d, s)
    np.testing.assert_array_equal(read_events(tmp_path / "s.h5", start=13, stop=29).pixelmaps,
                                  small_events.pixelmaps[13:29])


def nova_like_batch(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 2, 100, 80) float32 maps with 100-400 hit cells each, clustered along tracks."""
    pix = np.zeros((n, 2, 100, 80), dtype=np.float32)
    for i in range(n):
        hits = int(rng.integers(100, 401))
        view = rng.integers(0, 2, hits)
        plane = np.clip(rng.integers(0, 30) + np.abs(rng.normal(0, 20, hits)).astype(int), 0, 99)
        cell = np.clip((40 + rng.normal(0, 6, hits)).astype(int), 0, 79)
        pix[i, view, plane, cell] += rng.gamma(2.0, 4.0, hits).astype(np.float32)  # MeV per cell
    return pix


def test_full_size_nova_event_takes_under_5kb(rng, tmp_path):
    n = 200
    pix = nova_like_batch(rng, n)
    ev = EventSet({"enu_gev": rng.uniform(0.5, 5, n)}, pixelmaps=pix, attrs=provenance({}, seed=0))
    path = tmp_path / "nova.h5"
    ev.write(path)
    per_event = path.stat().st_size / n
    assert per_event <= 5000, f"{per_event:.0f} bytes per event"
    np.testing.assert_array_equal(read_events(path).pixelmaps, pix)
    dense = tmp_path / "dense.h5"
    ev.write(dense, pixelmap_storage="dense")
    assert path.stat().st_size < dense.stat().st_size


# ------------------------------------------------------------ streaming writer


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ev=eventsets(), cut=st.integers(0, 25), storage=st.sampled_from(["auto", "dense", "sparse"]))
def test_appending_chunks_equals_writing_whole(ev, cut, storage):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.h5"
        with EventWriter(path, pixelmap_storage=storage, chunk_events=4) as w:
            w.append(ev[:cut])
            w.append(ev[cut:])
        back = read_events(path)
    assert_same(ev, back)
    assert back.attrs["config"] == ev.attrs["config"] and back.attrs["n_events"] == len(ev)


def test_string_columns_and_attrs(tmp_path):
    path = tmp_path / "s.h5"
    with EventWriter(path, attrs=provenance({"k": 1}, seed=4)) as w:
        w.append(EventSet({"tag": np.array(["a", "ν"])}))
        w.append(EventSet({"tag": np.array(["a much longer string than before"])}))
    back = read_events(path)
    assert back.columns["tag"].tolist() == ["a", "ν", "a much longer string than before"]
    assert back.attrs["seed"] == 4


def test_mismatched_chunks_rejected_and_nothing_written(small_events, tmp_path):
    path = tmp_path / "bad.h5"
    with pytest.raises(SchemaError, match="differ"), EventWriter(path) as w:
        w.append(small_events[:5])
        w.append(small_events[5:].with_columns(extra=np.zeros(len(small_events) - 5)))
    with pytest.raises(SchemaError, match="pixel maps"), EventWriter(path) as w:
        w.append(small_events[:5])
        w.append(small_events[5:].with_parts(pixelmaps=None))
    assert list(tmp_path.iterdir()) == []


def test_merge_shards(small_events, tmp_path):
    shards = []
    for i, (lo, hi) in enumerate([(0, 20), (20, 21), (21, 50)]):
        p = tmp_path / f"shard{i}.h5"
        small_events[lo:hi].with_parts(attrs=provenance({"s": i}, seed=100 + i)).write(p)
        shards.append(p)
    out = tmp_path / "all.h5"
    assert merge_files(shards, out, chunk_size=7) == 50
    assert_same(small_events, read_events(out))
    attrs = read_attrs(out)
    assert attrs["n_shards"] == 3 and attrs["shard_seeds"] == [100, 101, 102]


def test_convert_nugan_to_nugan_streams(small_events, tmp_path):
    src = tmp_path / "v.h5"
    small_events.write(src, pixelmap_storage="dense")
    out = tmp_path / "out.h5"
    assert main(["convert", str(src), str(out)]) == 0
    back = read_events(out)
    assert_same(small_events, back)
    assert back.attrs["converted_from"]["format"] == "nugan"
