"""Benchmark: EventSet HDF5 write/read throughput against plain h5py on the same arrays.

Run: ``.venv/bin/python benchmarks/bench_eventset_io.py [--quick]``

Three cases, each timed as the best of ``--repeat`` runs (EventSet and h5py alternating):

* ``table``: per-event columns (14, like the generator's) + a jagged particle
  table (offsets + 6 flat fields), gzip level 1 + shuffle on both sides;
* ``pixelmaps dense``: full-size NOvA-like pixel maps (2 × 100 × 80, 100-400 hit
  cells per event) stored dense by both, gzip level 1 + shuffle on both sides;
* ``pixelmaps (default)``: the same maps, EventSet with its default storage
  (sparse) against plain h5py dense gzip.

Throughput is events/s and MB/s of uncompressed in-memory payload. The ratio is
EventSet / plain h5py (higher is better; target ≥ 0.8). The results go to
``benchmarks/results/eventset_io.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import h5py
import numpy as np

from nugan.data import EventSet, make_particles, provenance, read_events
from nugan.data.eventset import particles_to_offsets

RESULTS = Path(__file__).parent / "results" / "eventset_io.md"
GZIP = {"compression": "gzip", "compression_opts": 1, "shuffle": True}


def table_events(n: int, rng: np.random.Generator) -> EventSet:
    cols = {f"f{i}": rng.normal(size=n) for i in range(10)}
    cols.update({f"i{i}": rng.integers(0, 20, n).astype(np.int32) for i in range(3)})
    cols["is_cc"] = rng.random(n) < 0.7
    counts = rng.poisson(5, n)
    m = int(counts.sum())
    particles = make_particles(counts, rng.choice([13, 211, 2212, 2112, 111], m), *rng.normal(size=(4, m)),
                               np.ones(m, np.int16))
    return EventSet(cols, particles, attrs=provenance({"bench": "table"}, seed=0))


def nova_events(n: int, rng: np.random.Generator) -> EventSet:
    pix = np.zeros((n, 2, 100, 80), dtype=np.float32)
    for i in range(n):
        hits = int(rng.integers(100, 401))
        view = rng.integers(0, 2, hits)
        plane = np.clip(rng.integers(0, 30) + np.abs(rng.normal(0, 20, hits)).astype(int), 0, 99)
        cell = np.clip((40 + rng.normal(0, 6, hits)).astype(int), 0, 79)
        pix[i, view, plane, cell] += rng.gamma(2.0, 4.0, hits).astype(np.float32)
    return EventSet({"enu_gev": rng.uniform(0.5, 5, n)}, pixelmaps=pix, attrs=provenance({}, seed=0))


def payload_bytes(ev: EventSet) -> int:
    total = sum(a.nbytes for a in ev.columns.values())
    if ev.particles is not None:
        offsets, flat = particles_to_offsets(ev.particles)
        total += offsets.nbytes + sum(a.nbytes for a in flat.values())
    if ev.pixelmaps is not None:
        total += ev.pixelmaps.nbytes
    return total


def plain_write(ev: EventSet, path: Path, chunk_events: int = 4096) -> None:
    """What a user would write with h5py by hand: the same arrays, chunks and filters."""
    with h5py.File(path, "w") as f:
        g = f.create_group("events")
        for k, v in ev.columns.items():
            g.create_dataset(k, data=v, chunks=(min(chunk_events, len(v)),), **GZIP)
        if ev.particles is not None:
            offsets, flat = particles_to_offsets(ev.particles)
            p = f.create_group("particles")
            p.create_dataset("offsets", data=offsets)
            for k, v in flat.items():
                p.create_dataset(k, data=v, chunks=(min(4 * chunk_events, len(v)),), **GZIP)
        if ev.pixelmaps is not None:
            pm = ev.pixelmaps
            per = max(1, (1 << 20) // (int(np.prod(pm.shape[1:])) * pm.itemsize))
            f.create_dataset("pixelmaps", data=pm, chunks=(min(per, len(pm)), *pm.shape[1:]), **GZIP)


def plain_read(path: Path) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}

    def grab(name: str, obj: object) -> None:
        if isinstance(obj, h5py.Dataset):
            out[name] = obj[()]

    with h5py.File(path, "r") as f:
        f.visititems(grab)
    return out


def best_of_interleaved(
    repeat: int, ours: Callable[[], object], plain: Callable[[], object]
) -> tuple[float, float]:
    """Best times of ``ours`` and ``plain``, run alternately so that load changes on a
    shared machine hit both alike."""
    t_ours, t_plain = [], []
    for _ in range(repeat):
        for func, times in ((ours, t_ours), (plain, t_plain)):
            t0 = time.perf_counter()
            func()
            times.append(time.perf_counter() - t0)
    return min(t_ours), min(t_plain)


def run_case(name: str, ev: EventSet, storage: str, repeat: int, tmp: Path) -> list[str]:
    n, mb = len(ev), payload_bytes(ev) / 1e6
    ours, plain = tmp / f"{name}-nugan.h5", tmp / f"{name}-plain.h5"
    t_w_ours, t_w_plain = best_of_interleaved(
        repeat, lambda: ev.write(ours, pixelmap_storage=storage), lambda: plain_write(ev, plain)
    )
    t_r_ours, t_r_plain = best_of_interleaved(repeat, lambda: read_events(ours), lambda: plain_read(plain))
    size_ours, size_plain = ours.stat().st_size / n, plain.stat().st_size / n
    rows = []
    for op, t_ours, t_plain in (("write", t_w_ours, t_w_plain), ("read", t_r_ours, t_r_plain)):
        rows.append(
            f"| {name} | {op} | {n} | {n / t_ours:,.0f} | {mb / t_ours:,.1f} | {n / t_plain:,.0f} | "
            f"{mb / t_plain:,.1f} | **{t_plain / t_ours:.2f}** |"
        )
    rows.append(f"| {name} | bytes/event on disk | {n} | {size_ours:,.0f} | | {size_plain:,.0f} | | "
                f"{size_plain / size_ours:.2f} |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (a few seconds)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-record", action="store_true", help="do not write the results file")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n_table, n_pix = (20_000, 300) if args.quick else (200_000, 2_000)
    table, nova = table_events(n_table, rng), nova_events(n_pix, rng)
    header = [
        "| case | op | events | EventSet events/s | EventSet MB/s | h5py events/s | h5py MB/s | ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = run_case("table + particles", table, "auto", args.repeat, tmp)
        rows += run_case("pixelmaps, both dense", nova, "dense", args.repeat, tmp)
        rows += run_case("pixelmaps, EventSet default (sparse)", nova, "auto", args.repeat, tmp)
    lines = header + rows
    print("\n".join(lines))
    if not args.no_record:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(
            "# EventSet HDF5 I/O vs plain h5py\n\n"
            f"Measured by `benchmarks/bench_eventset_io.py{' --quick' if args.quick else ''}` on "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.machine()}, Python "
            f"{sys.version.split()[0]}, h5py {h5py.__version__}, HDF5 {h5py.version.hdf5_version}; "
            f"best of {args.repeat}, EventSet and h5py runs alternating; OMP_NUM_THREADS=1; the machine "
            "was shared with other jobs, so absolute rates vary run to run.\n\n"
            "Same arrays and the same filters (gzip level 1 + shuffle, same chunking) on both sides. "
            "MB = uncompressed in-memory payload. ratio = EventSet throughput / plain h5py throughput "
            "(target ≥ 0.8); for bytes/event, ratio = plain size / EventSet size.\n\n"
            + "\n".join(lines)
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
