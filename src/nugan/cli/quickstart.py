"""`nugan quickstart`: simulate → train → generate → evaluate → report, end to end."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(
        subparsers,
        "quickstart",
        "run the end-to-end quick start: simulate with the built-in chain, train, generate, evaluate",
        "Simulate a training sample and an independent reference sample with the built-in physics "
        "chain, train the default model, generate as many events as the reference at the reference's "
        "neutrino energies, evaluate them and write an HTML report.",
    )
    parser.add_argument("--out", default="quickstart_out", help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="master seed")
    parser.add_argument("--n-train", type=int, default=20_000, help="simulated training events")
    parser.add_argument("--n-reference", type=int, default=10_000, help="simulated reference events")
    parser.add_argument("--steps", type=int, default=2000, help="training steps")
    parser.add_argument("--minutes", type=float, default=None,
                        help="also stop after this many minutes (makes the result machine-dependent)")
    parser.add_argument("--model", default="flow", help="zoo model to train (see `nugan models`)")
    parser.add_argument("--detector", default="mini", help="detector preset, or 'none' to skip it")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from nugan.cli.train import TqdmProgress
    from nugan.pipeline import QuickstartConfig, quickstart

    cfg = QuickstartConfig(
        n_train=args.n_train,
        n_reference=args.n_reference,
        steps=args.steps,
        minutes=args.minutes,
        model=args.model,
        detector=None if args.detector.lower() == "none" else args.detector,
        seed=args.seed,
    )
    progress = TqdmProgress()

    def log(message: str) -> None:
        progress.close()  # finish the training bar (if any) before the next stage's line
        progress.bar = None
        print(message, flush=True)

    try:
        summary = quickstart(args.out, cfg, log=log, train_progress=progress)
    finally:
        progress.close()
    print(f"\nreport:  {summary['report']}")
    print(f"metrics: {summary['metrics_json']}")
    for line in summary["headline_text"]:
        print(f"  {line}")
    timings = ", ".join(f"{k} {v:.0f} s" for k, v in summary["timings_s"].items())
    print(f"timings: {timings}")
    return 0
