"""Benchmark: time to compute nugan's full evaluation metric set.

Cases (synthetic samples from ``nugan.evaluation.synthetic.toy_events``; generated =
a slightly distorted copy of the reference's distribution):

* tables: 10⁴ and 10⁵ events per sample (8 columns + particle-derived observables);
* pixel maps: 10⁴ events of the ``mini`` geometry 2 × 32 × 32 (pixel maps only).

"Full metric set" = ``nugan.evaluation.evaluate(..., plots=False)``: observables, W1/KS/
separation power/χ² with bootstrap errors for every observable, FPD, KPD, PRDC and the two
classifier tests; the figures are timed separately for the 10⁴-event cases. Baseline
measured in the same run: the per-observable W1 + KS with the same bootstrap done by a
loop over ``scipy.stats.wasserstein_distance`` and ``scipy.stats.ks_2samp``.

Run: ``.venv/bin/python benchmarks/bench_metrics.py`` (writes benchmarks/results/metrics.md).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from nugan.data import EventSet
from nugan.evaluation import evaluate
from nugan.evaluation import metrics as M
from nugan.evaluation.observables import common_observables, compute_observables
from nugan.evaluation.synthetic import toy_events

RESULTS = Path(__file__).parent / "results" / "metrics.md"
N_BOOTSTRAP = 10


def _time(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def scipy_w1_ks(gen: dict, ref: dict, names: list[str], seed: int = 0) -> float:
    """Baseline: the same W1/KS + bootstrap with scipy's functions, one call per resample."""
    import warnings

    from scipy.stats import ks_2samp, wasserstein_distance

    warnings.filterwarnings("ignore", message="ks_2samp: Exact calculation unsuccessful")
    rng = np.random.default_rng(seed)
    t = time.perf_counter()
    for n in names:
        g, r = gen[n][np.isfinite(gen[n])], ref[n][np.isfinite(ref[n])]
        wasserstein_distance(g, r)
        ks_2samp(g, r)
        for _ in range(N_BOOTSTRAP):
            gb, rb = g[rng.integers(0, g.size, g.size)], r[rng.integers(0, r.size, r.size)]
            wasserstein_distance(gb, rb)
            ks_2samp(gb, rb)
    return time.perf_counter() - t


def nugan_w1_ks(gen: dict, ref: dict, names: list[str], seed: int = 0) -> float:
    t = time.perf_counter()
    for i, n in enumerate(names):
        g, r = gen[n][np.isfinite(gen[n])], ref[n][np.isfinite(ref[n])]
        M.w1_ks(g, r, seed=seed + i, n_bootstrap=N_BOOTSTRAP)
    return time.perf_counter() - t


def case(label: str, gen: EventSet, ref: EventSet, plots: bool, out: Path) -> dict:
    t_metrics, metrics = _time(evaluate, gen, ref, out / "m", plots=False, n_bootstrap=N_BOOTSTRAP)
    row = {
        "case": label,
        "n": len(ref),
        "n_obs": len(metrics["observables"]),
        "total": t_metrics,
        **{k: v for k, v in metrics["timings_s"].items() if k != "total"},
        "auc_high": metrics["classifier_auc"]["high_level"]["value"],
        "fpd": metrics["fpd"]["value"],
    }
    if plots:
        t_all, _ = _time(evaluate, gen, ref, out / "p", plots=True, n_bootstrap=N_BOOTSTRAP)
        row["with_plots"] = t_all
    og, orf = compute_observables(gen), compute_observables(ref)
    names = common_observables(og, orf)
    row["w1ks_nugan"] = nugan_w1_ks(og, orf, names)
    row["w1ks_scipy"] = scipy_w1_ks(og, orf, names)
    return row


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        # warm-up: imports (scikit-learn, matplotlib, mplhep) and first-call costs are not timed
        warm = toy_events(300, seed=0, image_shape=(2, 8, 8))
        evaluate(warm, toy_events(300, seed=9, image_shape=(2, 8, 8)), out / "warm", plots=True)
        for n in (10_000, 100_000):
            ref = toy_events(n, seed=1, pixelmaps=False)
            gen = toy_events(n, seed=2, pixelmaps=False, shift=0.02, width=1.05)
            rows.append(case(f"tables 10^{int(np.log10(n))}", gen, ref, plots=(n == 10_000), out=out))
            print(rows[-1], flush=True)
        ref = toy_events(10_000, seed=3, particles=False)
        gen = toy_events(10_000, seed=4, particles=False, shift=0.02, width=1.05)
        rows.append(
            case(
                "pixel maps 10^4 (mini 2x32x32)",
                EventSet(pixelmaps=gen.pixelmaps),
                EventSet(pixelmaps=ref.pixelmaps),
                plots=True,
                out=out,
            )
        )
        print(rows[-1], flush=True)
    t4, t5 = rows[0], rows[1]
    lines = [
        "# Benchmark: evaluation metric set (`benchmarks/bench_metrics.py`)",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs (shared), "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, Python {sys.version.split()[0]}, "
        f"date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average at the end "
        f"{os.getloadavg()[0]:.1f} (other jobs share the CPUs: absolute times are upper bounds).",
        "Samples: `toy_events` (generated = energy scale +2%, width ×1.05); "
        "metrics = `evaluate(plots=False)`, "
        f"{N_BOOTSTRAP} bootstrap resamplings per observable; classifier on ≤ 20 000 events per sample; "
        "pixel-map classifier inputs average-pooled to ≤ 512.",
        "",
        "| case | observables | metric set [s] | observables [s] | W1/KS/sep/χ² [s] | FPD+KPD+PRDC [s] "
        "| classifiers [s] | with figures [s] | AUC (high) | FPD |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['n_obs']} | {r['total']:.1f} | {r['observables']:.2f} | "
            f"{r['observable_metrics']:.2f} | {r['fpd_kpd_prdc']:.2f} | {r['classifier']:.2f} | "
            f"{r.get('with_plots', float('nan')):.1f} | {r['auc_high']:.3f} | {r['fpd']:.4f} |"
        )
    lines += [
        "",
        "Ratios measured in this run:",
        "",
        f"- tables 10^5 / 10^4 metric-set time: {t5['total'] / t4['total']:.2f} (×10 events; classifier, "
        "KPD and PRDC work on capped subsamples, so the growth is sub-linear)",
    ]
    for r in rows:
        lines.append(
            f"- {r['case']}: per-observable W1+KS with bootstrap, scipy loop / nugan = "
            f"{r['w1ks_scipy']:.2f} s / {r['w1ks_nugan']:.2f} s = {r['w1ks_scipy'] / r['w1ks_nugan']:.1f}×"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
