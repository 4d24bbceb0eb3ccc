"""`nugan generate`: draw events from a trained run, in physical units, with provenance."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(
        subparsers,
        "generate",
        "generate events from a trained run",
        "Draw events from the model of a `nugan train` run directory and write a nugan event file "
        "(physical units; its attrs point to the run).",
    )
    parser.add_argument("run_dir", help="run directory written by nugan train")
    parser.add_argument("--n", type=int, required=True, help="number of events")
    parser.add_argument(
        "--condition",
        default="",
        help="condition values, e.g. enu_gev=2.0,nu_pdg=14 (label=NAME for label models); "
        "default: drawn from the training events' conditions",
    )
    parser.add_argument("--out", required=True, help="output nugan HDF5 file")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generation")
    parser.add_argument("--no-ema", action="store_true", help="use the raw weights instead of their EMA")
    parser.add_argument("--device", default="cpu", help="torch device: cpu, cuda, cuda:1, ...")
    parser.add_argument(
        "--precision", default="32-true", choices=["32-true", "bf16-mixed"], help="bf16-mixed: bf16 autocast"
    )
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from nugan.training import generate, parse_condition

    condition = parse_condition(args.condition) if args.condition else None
    events = generate(
        args.run_dir,
        args.n,
        condition=condition,
        seed=args.seed,
        use_ema=not args.no_ema,
        device=args.device,
        precision=args.precision,
    )
    events.write(args.out)
    origin = events.attrs["generated_from"]
    print(
        f"{args.out}: {len(events)} events from {origin['model']} at step {origin['step']} ({args.run_dir})"
    )
    return 0
