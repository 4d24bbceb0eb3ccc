"""`nugan evaluate GENERATED REFERENCE --out DIR`: metrics.json and report.html for a generated sample."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nugan.cli._common import add_verb


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(
        subparsers,
        "evaluate",
        "evaluate generated events against a reference (metrics.json + report.html)",
        description=(
            "Compare a generated nugan event file with a reference: per-observable W1, KS, separation "
            "power and chi2/ndf, classifier AUC (low- and high-level), FPD, KPD, precision/recall/"
            "density/coverage; with --ensemble, per-bin uncertainty bands and whether the reference "
            "lies inside them. Writes DIR/metrics.json and a self-contained DIR/report.html."
        ),
    )
    parser.add_argument("generated", help="generated events (nugan HDF5)")
    parser.add_argument("reference", help="reference events (nugan HDF5)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="seed of bootstraps, subsamples and classifiers")
    parser.add_argument(
        "--ensemble",
        nargs="+",
        default=[],
        metavar="GEN",
        help="further generated files (other runs/seeds of the model) for per-bin uncertainty bands",
    )
    parser.add_argument(
        "--run",
        nargs="+",
        default=[],
        metavar="RUN_DIR",
        help="training run folders: loss curves, progress images",
    )
    parser.add_argument("--max-events", type=int, default=None, help="read at most N events of each file")
    parser.add_argument(
        "--hit-threshold",
        type=float,
        default=None,
        help="cell energy above which a pixel counts as a hit [None: half the reference's smallest cell]",
    )
    parser.add_argument("--no-plots", action="store_true", help="skip the figures (faster)")
    parser.set_defaults(func=run)
    return parser


def _read(path: str, max_events: int | None) -> Any:
    from nugan.data.hdf5 import read_events

    return read_events(path, stop=max_events)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nugan.errors import ConfigError, InputFileError
    from nugan.evaluation import evaluate
    from nugan.evaluation.report import headline_lines

    if args.max_events is not None and args.max_events < 1:
        raise ConfigError(f"--max-events must be a positive number of events, got {args.max_events}")
    for run_dir in args.run:
        if not Path(run_dir).is_dir():
            raise InputFileError(
                f"{run_dir}: --run needs a training run folder (with metrics.csv), not found"
            )
    generated = _read(args.generated, args.max_events)
    reference = _read(args.reference, args.max_events)
    ensemble = [_read(p, args.max_events) for p in args.ensemble]

    def progress(msg: str) -> None:
        print(f"nugan evaluate: {msg} ...", file=sys.stderr, flush=True)

    metrics = evaluate(
        generated,
        reference,
        args.out,
        seed=args.seed,
        ensemble=ensemble,
        run_dirs=args.run,
        plots=not args.no_plots,
        hit_threshold=args.hit_threshold,
        names={"generated": args.generated, "reference": args.reference, "ensemble": list(args.ensemble)},
        progress=progress,
    )
    out = Path(args.out)
    print(f"report:  {out / 'report.html'}")
    print(f"metrics: {out / 'metrics.json'}")
    for line in headline_lines(metrics):
        print(f"  {line}")
    return 0
