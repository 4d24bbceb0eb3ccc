"""`nugan uq`: uncertainty quantification — train CVN-like networks that know their
uncertainty (`nugan uq train`) and evaluate their calibration and OOD detection
(`nugan uq evaluate`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nugan.cli._common import add_verb


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(subparsers, "uq", "uncertainty quantification (train / evaluate)")
    sub = parser.add_subparsers(dest="uq_action", metavar="ACTION")
    train = sub.add_parser(
        "train",
        help="train a classifier or energy regressor with uncertainty",
        description="Train a CVN-like classifier (--task classify) or a heteroscedastic energy "
        "regressor (--task energy) on the pixel maps of an event file, as a deep ensemble, "
        "with MC dropout, or as a single heteroscedastic network; calibrate on a validation split.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    train.add_argument("--task", choices=["classify", "energy"], required=True)
    train.add_argument("--method", choices=["ensemble", "mc-dropout", "heteroscedastic"], required=True)
    train.add_argument("--data", required=True, help="nugan event file with pixel maps (and labels)")
    train.add_argument("--out", required=True, help="run directory to write")
    train.add_argument("--members", type=int, default=None, help="ensemble size (default 5 for ensembles)")
    train.add_argument("--epochs", type=int, default=10)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--exclude-class",
        action="append",
        default=[],
        metavar="NAME",
        help="leave this class out of training (repeatable), e.g. nue_cc for the OOD test",
    )
    train.add_argument("--dropout", type=float, default=None, help="dropout probability (method default)")
    train.add_argument("--mc-samples", type=int, default=None, help="MC dropout samples at prediction")
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--lr", type=float, default=1e-3)
    train.add_argument("--width", type=int, default=16, help="channels of the first convolution")
    train.add_argument("--device", default="auto", help="cpu, cuda or auto")
    train.set_defaults(func=run_train)
    ev = sub.add_parser(
        "evaluate",
        help="calibration, coverage and OOD report of a UQ run",
        description="Evaluate a UQ run: accuracy/NLL/Brier/ECE (classify) or resolution/NLL/coverage "
        "(energy) before and after calibration, OOD AUROCs (unseen classes, --ood file, detector "
        "shifts), and a markdown report with figures.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ev.add_argument("run_dir", help="run directory written by `nugan uq train`")
    ev.add_argument(
        "--data", required=True, help="evaluation event file (held-out split used if it is the training file)"
    )
    ev.add_argument("--ood", default=None, help="event file treated as out of distribution")
    ev.add_argument("--out", required=True, help="output folder (metrics.json, report.md, PNGs)")
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--max-events", type=int, default=None, help="evaluate at most this many events")
    ev.add_argument("--device", default="auto", help="cpu, cuda or auto")
    ev.set_defaults(func=run_evaluate)

    def show_help(args: argparse.Namespace) -> int:
        parser.print_help()
        return 0

    parser.set_defaults(func=show_help)
    return parser


def _device(name: str) -> str:
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def run_train(args: argparse.Namespace) -> int:
    from nugan.data import EventSet
    from nugan.uncertainty.runs import save_run
    from nugan.uncertainty.train import train_uq

    events = EventSet.read(args.data)
    run = train_uq(
        events,
        args.task,
        args.method,
        members=args.members,
        epochs=args.epochs,
        seed=args.seed,
        exclude_class=args.exclude_class,
        dropout=args.dropout,
        mc_samples=args.mc_samples,
        width=args.width,
        batch_size=args.batch_size,
        lr=args.lr,
        device=_device(args.device),
        source=str(args.data),
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    path = save_run(run, args.out)
    last = [h[-1]["val_loss"] for h in run.info["history"]]
    best = [min(e["val_loss"] for e in h) for h in run.info["history"]]
    print(
        f"trained {len(run.members)} {args.task} network(s) ({args.method}) on {run.info['n_train']} events; "
        f"best validation loss per member {', '.join(f'{b:.4f}' for b in best)} "
        f"(last epoch {', '.join(f'{v:.4f}' for v in last)})"
    )
    if args.task == "classify":
        print(f"classes {run.class_names}; temperature fitted on validation split: {run.temperature:.3f}")
    else:
        print(f"variance scale fitted on validation split: {run.variance_scale:.3f}")
    print(f"run written to {path}")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from nugan.data import EventSet
    from nugan.uncertainty.evaluate import evaluate_run

    events = EventSet.read(args.data)
    ood = EventSet.read(args.ood) if args.ood else None
    m = evaluate_run(
        args.run_dir,
        events,
        args.out,
        ood_events=ood,
        seed=args.seed,
        max_events=args.max_events,
        device=_device(args.device),
        source=str(args.data),
        ood_source=str(args.ood),
    )
    print(
        f"{m['task']} / {m['method']}: {m['n_events']} events"
        f"{' (held-out test split)' if m['held_out_test_split'] else ''}"
    )
    if m["task"] == "classify":
        for key in ("uncalibrated", "calibrated"):
            s = m[key]
            print(
                f"  {key:<12} accuracy {s['accuracy']:.4f}  NLL {s['nll']:.4f}  Brier {s['brier']:.4f}  "
                f"ECE {s['ece']:.4f}"
            )
    else:
        r = m["resolution"]
        print(f"  resolution: RMS {r['rms']:.4f}, bias {r['bias']:+.4f}")
        for key in ("uncalibrated", "calibrated"):
            s = m[key]
            print(
                f"  {key:<12} NLL {s['nll']:.4f}  coverage 68% {s['coverage_68']:.4f}  "
                f"95% {s['coverage_95']:.4f}"
            )
    for name, block in m.get("ood", {}).items():
        print(f"  OOD {name}: best {block['best_score']} AUROC {block['best_auroc']:.4f}")
    print(f"report written to {args.out}/report.md")
    return 0
