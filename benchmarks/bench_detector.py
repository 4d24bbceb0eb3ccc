"""Benchmark of the detector simulation: events/s on one core and bytes/event on disk.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_detector.py [--n 400]``.
Writes ``benchmarks/results/detector.md``.

Events: typical 2 GeV νμ CC events from the interaction generator when it is available
(``nugan.physics.generator.generate_events``), else the particle-gun stand-in
``topology_gun("numu_cc")`` (μ 1.3 GeV + p + π⁺). Baseline (same run): the bare event loop —
per-event random stream and an empty pixel map, no physics — so the ratio shows what the physics costs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from nugan.data import EventSet
from nugan.physics.detector import get_detector_config, simulate_detector
from nugan.physics.detector.guns import topology_gun

TARGET_EV_PER_S = 200.0
TARGET_BYTES = 5000.0


def numu_events(n: int) -> tuple[EventSet, str]:
    """νμ CC events from the generator (NuMI off-axis flux, CH2) if it is there, else the stand-in."""
    try:
        from nugan.physics.generator import generate_events  # type: ignore[import-not-found]

        ev = generate_events("numi-offaxis", "CH2", 2 * n, seed=1, flavour="numu")
        ev = ev.select(np.asarray(ev.columns["is_cc"], bool))[:n]
        if len(ev) >= n // 2:
            return ev, "interaction generator (νμ CC, numi-offaxis flux, CH2)"
    except Exception:  # the generator has not landed (or its names differ): use the stand-in
        pass
    return topology_gun("numu_cc", n=n), "particle-gun stand-in: μ⁻ 1.3 GeV + p 0.15 GeV + π⁺ 0.25 GeV"


def baseline_rate(n: int, preset: str, seed: int = 0) -> float:
    cfg = get_detector_config(preset)
    t0 = time.perf_counter()
    pm = np.zeros((n, 2, cfg.window_planes, cfg.window_cells), np.float32)
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        pm[i] = 0.0
        rng.random()
    return n / (time.perf_counter() - t0)


def rate(events: EventSet, preset: str) -> tuple[float, float, EventSet]:
    """(wall-clock events/s, CPU-time events/s, output): the CPU rate is what one core does when the
    machine is shared (the wall rate then also counts time spent waiting for the core)."""
    simulate_detector(events[:5], preset, seed=99)  # warm caches (range tables)
    t0, c0 = time.perf_counter(), time.process_time()
    out = simulate_detector(events, preset, seed=1)
    n = len(events)
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0), out


def bytes_per_event(events: EventSet) -> float:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bench.h5")
        events.write(path)
        return os.path.getsize(path) / len(events)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=400)
    args = parser.parse_args()
    events, source = numu_events(args.n)
    rows = []
    for preset in ("nova", "mini"):
        base = baseline_rate(len(events), preset)
        r_wall, r, out = rate(events, preset)
        size = bytes_per_event(out)
        size_pm = bytes_per_event(out.with_parts(particles=None))
        rows.append((preset, r, r_wall, base, size, size_pm, float(out.columns["n_hits"].mean())))
        print(f"{preset:5s}: {r:8.1f} events/s CPU ({r_wall:.1f} wall) "
              f"(baseline loop {base:8.0f}/s, ratio {r / base:.3f}; "
              f"target {TARGET_EV_PER_S:.0f}/s: ×{r / TARGET_EV_PER_S:.2f}); "
              f"{size:7.0f} B/event on disk ({size_pm:.0f} without particles; target {TARGET_BYTES:.0f}: "
              f"×{size / TARGET_BYTES:.2f}); mean hits {rows[-1][-1]:.0f}")
    lines = [
        "# Detector simulation benchmark",
        "",
        f"Measured {dt.datetime.now(dt.UTC).isoformat(timespec='minutes')} "
        f"on {platform.processor() or platform.machine()}, "
        f"one core (OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}), shared machine; "
        f"{len(events)} events: {source}.",
        "Baseline: the bare event loop (per-event random stream + empty pixel map). "
        "Disk size: `EventSet.write` defaults (gzip level 1 + shuffle) with particles, columns "
        "and pixel maps.",
        "",
        "Events/s: per CPU-second of this process (one core); wall-clock rate in brackets (lower when "
        "the shared machine is loaded).",
        "",
        "| preset | window (planes × cells per view) | events/s (CPU) | events/s (wall) | baseline loop /s "
        "| vs target 200/s | bytes/event | bytes/event w/o particles | vs target 5 kB | mean hits |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for preset, r, r_wall, base, size, size_pm, hits in rows:
        cfg = get_detector_config(preset)
        lines.append(
            f"| {preset} | {cfg.window_planes} × {cfg.window_cells} | {r:.0f} | {r_wall:.0f} | {base:.0f} "
            f"| ×{r / TARGET_EV_PER_S:.2f} "
            f"| {size:.0f} | {size_pm:.0f} | ×{size / TARGET_BYTES:.2f} | {hits:.0f} |"
        )
    out_path = Path(__file__).parent / "results" / "detector.md"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text("\n".join(lines) + "\n")
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
