"""Benchmark of the UQ methods: prediction cost of a deep ensemble and of MC dropout relative to one
deterministic CVN-like network (the baseline, measured in the same run), and one training epoch.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_uncertainty.py [--n 1000]``.
Writes ``benchmarks/results/uncertainty.md``. Inputs: toy two-view events (2 × 32 × 32).
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import time
from pathlib import Path

import numpy as np
import torch

from nugan.uncertainty.methods import predict_classifier
from nugan.uncertainty.networks import CVNClassifier
from nugan.uncertainty.toy import make_toy_events
from nugan.uncertainty.train import fit_member


def best_of(fn: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    ev = make_toy_events(args.n, seed=1)
    pix = ev.pixelmaps
    torch.manual_seed(0)
    nets = [CVNClassifier(dropout=0.3) for _ in range(5)]
    base = best_of(lambda: predict_classifier(nets[:1], pix))
    ens = best_of(lambda: predict_classifier(nets, pix))
    mc = best_of(lambda: predict_classifier(nets[:1], pix, mc_samples=30), repeat=1)
    x, y = torch.as_tensor(pix), torch.as_tensor(ev.labels)
    net = CVNClassifier()
    t0 = time.perf_counter()
    fit_member(net, "classify", x, y, x[:100], y[:100], epochs=1, seed=0)
    epoch = time.perf_counter() - t0
    n_params = sum(p.numel() for p in nets[0].parameters())
    rows = [
        ("single network (baseline)", base, 1.0),
        ("deep ensemble, 5 members", ens, ens / base),
        ("MC dropout, 30 samples", mc, mc / base),
    ]
    lines = [
        "# UQ benchmark",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"torch {torch.__version__}, 1 thread, {args.n} toy events (2 × 32 × 32), "
        f"CVN-like classifier with {n_params} parameters.",
        "",
        "| prediction | seconds | events/s | ratio to baseline |",
        "|---|---|---|---|",
        *[f"| {name} | {t:.3f} | {args.n / t:.0f} | {r:.1f} |" for name, t, r in rows],
        "",
        f"One training epoch over {args.n} events (batch 64, Adam): {epoch:.2f} s "
        f"({epoch / base:.1f} × the baseline prediction).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    out = Path(__file__).parent / "results" / "uncertainty.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
