"""Benchmark: nugan's default ``dcgan`` against the seed paper's DCGAN (``seed-dcgan``), in one process.

Both models are trained through the real engine (``nugan.training.train``) on the same synthetic
64×64 RGB images (coloured Gaussian blobs, seeded), with one CPU thread:

1. training throughput: samples/s over the steady-state log windows of a short run;
2. generation throughput: samples/s of ``model.sample`` on the trained model (eval, fp32);
3. quality at equal wall time: each model trains for ``--minutes``, then 1000 generated images are
   compared with 1000 held-out real ones by a Fréchet distance (FD) of simple image statistics
   (4×4 average-pooled RGB means, per-channel standard deviation and maximum: 54 numbers per image).
   The FD of two independent real sets is printed as the noise floor; lower is better.

``seed-dcgan`` runs as the listing does (fp32, plain Adam, contiguous layout); ``dcgan`` runs with the
engine's defaults (``precision=auto``: bf16 autocast on a CPU with native bf16, channels-last, fused Adam).

Usage: ``.venv/bin/python benchmarks/bench_dcgan.py [--minutes 2.5] [--threads 1]``; writes
``benchmarks/results/dcgan.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import scipy.linalg
import torch

from nugan.data import EventSet, provenance
from nugan.training import load_run, train
from nugan.training.engine import cpu_has_native_bf16
from nugan.training.metrics import read_metrics

RESULTS = Path(__file__).with_name("results") / "dcgan.md"
QUIET = {"sample_every": 0, "checkpoint_every": 10**9}


def blob_images(n: int, seed: int, size: int = 64) -> np.ndarray:
    """``n`` RGB images ``(n, 3, size, size)`` in [0, 1]: 1-3 coloured Gaussian blobs each."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    img = np.zeros((n, 3, size, size), dtype=np.float32)
    n_blobs = rng.integers(1, 4, n)
    for j in range(3):
        on = (n_blobs > j).astype(np.float32)[:, None, None, None]
        cx, cy = rng.uniform(0.2 * size, 0.8 * size, (2, n, 1, 1)).astype(np.float32)
        sigma = rng.uniform(0.05 * size, 0.12 * size, (n, 1, 1)).astype(np.float32)
        color = rng.uniform(0.2, 1.0, (n, 3, 1, 1)).astype(np.float32)
        g = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * sigma**2))[:, None]
        img += on * color * g
    return np.clip(img, 0.0, 1.0)


def image_stats(images: np.ndarray) -> np.ndarray:
    """54 statistics per image: 4×4 pooled channel means (48), channel std (3) and max (3)."""
    n, c, h, w = images.shape
    pooled = images.reshape(n, c, 4, h // 4, 4, w // 4).mean(axis=(3, 5)).reshape(n, -1)
    flat = images.reshape(n, c, -1)
    return np.concatenate([pooled, flat.std(axis=2), flat.max(axis=2)], axis=1).astype(np.float64)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (rows = samples)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(cov_a @ cov_b)
    covmean = np.real(covmean)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * covmean))


def alternating_throughput(
    models: dict[str, dict], events: EventSet, tmp: Path, rounds: int, steps: int
) -> dict[str, list[float]]:
    """Training samples/s of each model in ``rounds`` alternating windows of ``steps`` steps.

    Each model's run is extended by ``steps`` per round through ``--resume`` (same process, so the
    kernels stay warm), and the models take turns, so that load from other jobs hits both alike.
    The first window (warm-up) is dropped.
    """
    for rnd in range(rounds + 1):
        for name, cfg in models.items():
            config = {**QUIET, **cfg, "log_every": steps}
            train(name, events, tmp / f"{name}-speed", config=config, steps=(rnd + 1) * steps, resume=rnd > 0)
    return {
        name: [r["samples_per_s"] for r in read_metrics(tmp / f"{name}-speed" / "metrics.csv")[1:]]
        for name in models
    }


def generation_rate(run_dir: Path, bf16: bool = False, n: int = 512) -> float:
    """Samples/s of ``model.sample`` (fp32, or bf16 autocast as ``generate(precision="bf16-mixed")``)."""
    model, *_ = load_run(run_dir)
    gen = torch.Generator().manual_seed(0)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        model.sample(64, generator=gen)  # warm-up
        t = time.perf_counter()
        model.sample(n, generator=gen)
    return n / (time.perf_counter() - t)


def quality(run_dir: Path, reference: np.ndarray, n: int = 1000) -> float:
    from nugan.training import generate

    generated = generate(run_dir, n, seed=1).pixelmaps
    assert generated is not None
    return frechet_distance(image_stats(np.clip(generated, 0, 1)), image_stats(reference))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=2.5, help="wall time of each quality run")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n-train", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=5, help="steps per throughput window")
    ap.add_argument("--rounds", type=int, default=6, help="alternating throughput windows per model")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    train_images = blob_images(args.n_train, seed=0)
    events = EventSet(
        {"idx": np.arange(args.n_train)}, pixelmaps=train_images, attrs=provenance({"bench": 1}, 0)
    )
    held_out, second = blob_images(1000, seed=1), blob_images(1000, seed=2)
    floor = frechet_distance(image_stats(held_out), image_stats(second))
    models = {
        "seed-dcgan": {"precision": "32-true"},
        "dcgan": {},
    }
    res: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        speeds = alternating_throughput(models, events, Path(tmp), args.rounds, args.steps)
        for name in models:
            res[name] = {"train_sps": float(np.median(speeds[name]))}
            print(
                f"{name}: training {res[name]['train_sps']:.1f} samples/s "
                f"(windows: {', '.join(f'{v:.0f}' for v in speeds[name])})",
                flush=True,
            )
        for name, cfg in models.items():
            r = res[name]
            run = Path(tmp) / f"{name}-quality"
            result = train(
                name, events, run, config={**QUIET, **cfg, "log_every": 20}, minutes=args.minutes, seed=0
            )
            stored = (run / "config.json").read_text()
            r["precision"] = "bf16-mixed" if '"precision": "bf16-mixed"' in stored else "32-true"  # type: ignore[assignment]
            r["steps"] = result.step
            r["gen_sps"] = generation_rate(run)
            r["gen_sps_bf16"] = generation_rate(run, bf16=True)
            r["fd"] = quality(run, held_out)
            print(
                f"{name}: {result.step} steps in {args.minutes} min, "
                f"generation {r['gen_sps']:.1f} samples/s, "
                f"FD {r['fd']:.4f} (real-vs-real floor {floor:.4f})",
                flush=True,
            )
    seed, best = res["seed-dcgan"], res["dcgan"]
    ratio_train = best["train_sps"] / seed["train_sps"]
    ratio_gen = best["gen_sps"] / seed["gen_sps"]
    ratio_gen_bf16 = best["gen_sps_bf16"] / seed["gen_sps"]
    ratio_steps = best["steps"] / seed["steps"]
    print(
        f"ratio dcgan/seed-dcgan: training {ratio_train:.2f}x (steps in equal wall time {ratio_steps:.2f}x), "
        f"generation {ratio_gen:.2f}x (dcgan in bf16: {ratio_gen_bf16:.2f}x); "
        f"FD {best['fd']:.4f} vs {seed['fd']:.4f} at equal wall time"
    )
    write_results(res, ratio_train, ratio_gen, ratio_steps, floor, args)


def write_results(
    res: dict,
    ratio_train: float,
    ratio_gen: float,
    ratio_steps: float,
    floor: float,
    args: argparse.Namespace,
) -> None:
    cpu = platform.processor() or platform.machine()
    lines = [
        "# DCGAN benchmark: default `dcgan` vs the seed paper's `seed-dcgan`",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/bench_dcgan.py` "
        f"(torch {torch.__version__}, {args.threads} CPU thread(s), {cpu}, "
        f"native bf16: {cpu_has_native_bf16()}; "
        "the machine was shared with other jobs, so absolute numbers vary by ~±20 %).",
        "",
        f"Training throughput: median of {args.rounds} alternating windows of {args.steps} steps per model "
        "(each run extended by --resume in turn). "
        f"Data: {args.n_train} synthetic 64×64 RGB images (1-3 coloured Gaussian blobs), batch 64, "
        "both trained through `nugan.training.train`.",
        "",
        "| model | precision | training samples/s | generated samples/s (fp32 / bf16) | steps in "
        f"{args.minutes} min | FD (lower is better) |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in res.items():
        lines.append(
            f"| `{name}` | {r['precision']} | {r['train_sps']:.1f} | "
            f"{r['gen_sps']:.1f} / {r['gen_sps_bf16']:.1f} | "
            f"{r['steps']} | {r['fd']:.4f} |"
        )
    lines += [
        "",
        f"**Ratio dcgan / seed-dcgan: training {ratio_train:.2f}× (steps done in the same wall time: "
        f"{ratio_steps:.2f}×), generation {ratio_gen:.2f}× (fp32 both) or "
        f"{res['dcgan']['gen_sps_bf16'] / res['seed-dcgan']['gen_sps']:.2f}× (`dcgan` with "
        "`nugan generate --precision bf16-mixed`, vs `seed-dcgan` in fp32).** "
        f"FD noise floor (two independent real sets of 1000): {floor:.4f}.",
        "",
        "FD: Fréchet distance between Gaussians fitted to 54 statistics per image (4×4 average-pooled "
        "RGB means, per-channel standard deviation and maximum) of 1000 generated (EMA weights for `dcgan`) "
        "and 1000 held-out real images, in physical units (decoded by the run's FeatureSpec).",
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
