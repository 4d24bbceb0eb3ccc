"""Benchmark: interaction events per second on one core (NuMI-like flux, carbon).

Measures, after a warm-up that builds/loads the cross-section tables:

* the full process mix (CCQE, 2p2h, RES, DIS, COH, NC; FSI on);
* CCQE alone (the baseline of the ratio);
* the mix without DIS (to show the cost of DIS hadronisation);

prints the rates and their ratios to the CCQE-only rate, and writes ``benchmarks/results/generator.md``.
Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_generator.py``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import datetime as _dt
import platform
import time
from pathlib import Path

import numpy as np

from nugan.physics.generator import generate_events

N = int(os.environ.get("NUGAN_BENCH_N", "50000"))


def rate(processes: list[str] | None, n: int = N, repeats: int = 2) -> tuple[float, dict[int, int]]:
    generate_events("numi-offaxis", "C12", 2000, seed=99, processes=processes)  # warm-up: tables
    best = 0.0
    modes: dict[int, int] = {}
    for r in range(repeats):
        t0 = time.perf_counter()
        ev = generate_events("numi-offaxis", "C12", n, seed=r, processes=processes)
        dt = time.perf_counter() - t0
        best = max(best, n / dt)
        m = ev.columns["mode"]
        modes = {int(k): int((m == k).sum()) for k in np.unique(m)}
    return best, modes


def main() -> None:
    full, modes = rate(None)
    ccqe, _ = rate(["ccqe"])
    nodis, _ = rate(["ccqe", "2p2h", "res", "coh", "ncel", "ncres", "nccoh"])
    lines = [
        "# Interaction generator benchmark",
        "",
        f"Measured {_dt.datetime.now(_dt.UTC).isoformat(timespec='seconds')} on "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, one core "
        f"(OMP_NUM_THREADS=1), {N} events per run, best of 2, tables cached;",
        "shared machine (other jobs running at the same time).",
        "",
        "| sample (NuMI-like 14.6 mrad off-axis flux, C12) | events/s | ratio to CCQE-only |",
        "|---|---|---|",
        f"| CCQE only (baseline) | {ccqe:,.0f} | 1.00 |",
        f"| full mix without DIS | {nodis:,.0f} | {nodis / ccqe:.2f} |",
        f"| full mix (CCQE, 2p2h, RES, DIS, COH, NC; FSI) | {full:,.0f} | {full / ccqe:.2f} |",
        "",
        f"Target: ≥ 10,000 full-mix events/s/core — {'met' if full >= 10_000 else 'NOT met'}.",
        "",
        f"Mode counts in the last full-mix run: {modes}",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(__file__).parent / "results" / "generator.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)


if __name__ == "__main__":
    main()
