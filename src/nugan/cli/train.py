"""`nugan train`: train a zoo model on events and write a run directory."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(
        subparsers,
        "train",
        "train a generative model",
        "Train a zoo model (see `nugan models`) on a nugan event file; writes RUN_DIR with the config, "
        "FeatureSpecs, checkpoints, metrics.csv, progress images/GIF and loss curves.",
    )
    parser.add_argument("--model", required=True, help="model name or preset (nugan models)")
    parser.add_argument("--data", required=True, help="nugan HDF5 event file to learn")
    parser.add_argument("--features", default="", help="comma-separated columns to learn (table models)")
    parser.add_argument("--condition", default="", help="condition columns, e.g. enu_gev,nu_pdg")
    parser.add_argument("--config", default=None, help="YAML file of configuration keys")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a configuration key (repeatable), e.g. --set lr=2e-4 --set precision=bf16-mixed",
    )
    bound = parser.add_mutually_exclusive_group()
    bound.add_argument(
        "--steps", type=int, default=None, help="total training steps (None: the model's default)"
    )
    bound.add_argument("--minutes", type=float, default=None, help="train for this many wall-clock minutes")
    parser.add_argument("--out", required=True, help="run directory to write")
    parser.add_argument("--devices", type=int, default=1, help="processes/accelerators (DDP when > 1)")
    parser.add_argument("--resume", action="store_true", help="continue --out from its last checkpoint")
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of initialisation, batches and noise (None: 0, or the run's on --resume)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)
    return parser


def split_list(text: str) -> list[str]:
    """``"a, b,c"`` → ``["a", "b", "c"]``."""
    return [p.strip() for p in text.split(",") if p.strip()]


class TqdmProgress:
    """Progress bar with the latest losses (picklable, so it also works in spawned DDP workers)."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"bar": None}

    def __call__(self, step: int, total: int | None, losses: dict[str, float]) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=step - 1, unit="step", dynamic_ncols=True, leave=True)
        self.bar.update(step - self.bar.n)
        if step % 10 == 0 or step == total:
            self.bar.set_postfix({k: f"{v:.3g}" for k, v in list(losses.items())[:4]}, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run(args: argparse.Namespace) -> int:
    from nugan.training import train
    from nugan.training.config import load_config_file, parse_set_values
    from nugan.training.engine import launched_rank

    config: dict[str, Any] = {}
    if args.config:
        config.update(load_config_file(args.config))
    config.update(parse_set_values(args.set))
    progress = None if args.no_progress else TqdmProgress()
    try:
        result = train(
            args.model,
            args.data,
            args.out,
            features=split_list(args.features),
            condition=split_list(args.condition),
            config=config,
            steps=args.steps,
            minutes=args.minutes,
            devices=args.devices,
            resume=args.resume,
            seed=args.seed,
            progress=progress,
        )
    finally:
        if progress is not None:
            progress.close()
    if launched_rank() != 0:  # other processes of a torchrun/SLURM/script-launched DDP run stay quiet
        return 0
    losses = ", ".join(f"{k} {v:.4g}" for k, v in result.losses.items())
    print(
        f"{result.run_dir}: {result.step} steps ({result.stopped_by} bound), {result.wall_s:.1f} s, "
        f"{result.samples_per_s:.1f} samples/s; last losses: {losses}"
    )
    print(
        f"  checkpoint {result.run_dir / 'checkpoints' / 'last.pt'}; generate with: "
        f"nugan generate {result.run_dir} --n 1000 --out generated.h5"
    )
    return 0
