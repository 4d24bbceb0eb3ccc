"""The run directory of one training, and :func:`load_run` to rebuild its model.

Layout::

    RUN_DIR/
      config.json            resolved configuration (model, its arguments, training settings, data, seed)
      features.json          FeatureSpec of the learnt data (nugan.data.features)
      condition.json         FeatureSpec of the condition columns (``null`` when unconditional)
      train_conditions.npz   condition columns and labels of (up to 100k) training events, for generate
      checkpoints/last.pt    weights, optimiser states, step, EMA weights, RNG state, metadata
      metrics.csv            losses, gradient norms, samples/s every ``log_every`` steps
      progress/step_*.png    samples from fixed noise during training
      progress.gif           the progress images animated
      loss_curves.png        losses and gradient norms against the step
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nugan._atomic import atomic_path, write_text_atomic
from nugan.errors import CheckpointError, ConfigError

RUN_FORMAT = "nugan-run"


@dataclass(frozen=True)
class RunDir:
    """Paths inside a run directory."""

    root: Path

    @classmethod
    def at(cls, path: str | os.PathLike[str]) -> RunDir:
        return cls(Path(path))

    @property
    def config(self) -> Path:
        return self.root / "config.json"

    @property
    def features(self) -> Path:
        return self.root / "features.json"

    @property
    def condition(self) -> Path:
        return self.root / "condition.json"

    @property
    def train_conditions(self) -> Path:
        return self.root / "train_conditions.npz"

    @property
    def checkpoint(self) -> Path:
        return self.root / "checkpoints" / "last.pt"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics.csv"

    @property
    def progress_dir(self) -> Path:
        return self.root / "progress"

    @property
    def gif(self) -> Path:
        return self.root / "progress.gif"

    @property
    def loss_curves(self) -> Path:
        return self.root / "loss_curves.png"

    def progress_png(self, step: int) -> Path:
        return self.progress_dir / f"step_{step:07d}.png"

    def read_config(self) -> dict[str, Any]:
        if not self.config.is_file():
            raise ConfigError(
                f"{self.root}: not a nugan run directory (no config.json); train one with nugan train"
            )
        try:
            cfg = json.loads(self.config.read_text())
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{self.config}: corrupt run configuration ({exc})") from exc
        if not isinstance(cfg, dict) or cfg.get("format") != RUN_FORMAT:
            raise ConfigError(f"{self.config}: not a nugan run configuration")
        return cfg

    def write_config(self, cfg: dict[str, Any]) -> None:
        write_text_atomic(self.config, json.dumps(cfg, indent=2, sort_keys=True, default=str) + "\n")


def spec_digest(spec: Any | None) -> str:
    """SHA-256 of a FeatureSpec's JSON form ("none" for no spec)."""
    if spec is None:
        return "none"
    text = json.dumps(spec.to_dict(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def save_specs(run: RunDir, feature_spec: Any, condition_spec: Any | None) -> None:
    feature_spec.save(str(run.features))
    if condition_spec is None:
        write_text_atomic(run.condition, "null\n")
    else:
        condition_spec.save(str(run.condition))


def load_specs(run: RunDir) -> tuple[Any, Any | None]:
    """The run's FeatureSpec and condition FeatureSpec (None when unconditional)."""
    from nugan.data.features import FeatureSpec

    if not run.features.is_file():
        raise CheckpointError(f"{run.features}: missing; the run directory is incomplete")
    feature_spec = FeatureSpec.load(str(run.features))
    condition_spec = None
    if run.condition.is_file() and json.loads(run.condition.read_text()) is not None:
        condition_spec = FeatureSpec.load(str(run.condition))
    return feature_spec, condition_spec


def save_train_conditions(
    run: RunDir, columns: dict[str, np.ndarray], labels: np.ndarray | None, seed: int, limit: int = 100_000
) -> None:
    """Store (a seeded subsample of) the training conditions and labels, for :func:`generate`."""
    n = len(labels) if labels is not None else (len(next(iter(columns.values()))) if columns else 0)
    if n == 0:
        return
    idx = np.sort(np.random.default_rng([seed, 11]).permutation(n)[:limit]) if n > limit else np.arange(n)
    arrays = {f"col_{k}": np.asarray(v)[idx] for k, v in columns.items()}
    if labels is not None:
        arrays["labels"] = np.asarray(labels, dtype=np.int64)[idx]
    with atomic_path(run.train_conditions) as tmp, open(tmp, "wb") as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]


def load_train_conditions(run: RunDir) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    if not run.train_conditions.is_file():
        return {}, None
    with np.load(run.train_conditions, allow_pickle=False) as data:
        cols = {k[4:]: data[k] for k in data.files if k.startswith("col_")}
        labels = data["labels"] if "labels" in data.files else None
    return cols, labels


def load_run(
    run_dir: str | os.PathLike[str], use_ema: bool = True
) -> tuple[Any, Any, Any | None, dict[str, Any]]:
    """Rebuild a trained model from its run directory.

    Arguments:
        run_dir: the ``--out`` of ``nugan train``.
        use_ema: load the EMA weights of ``model.ema_modules`` (when the run kept an EMA).

    Returns:
        ``(model, feature_spec, condition_spec, run_config)``; the model is in eval mode on CPU,
        ``run_config["step"]`` is the checkpoint's step.

    Raises CheckpointError when the checkpoint is missing, corrupt, from another model,
    or does not match the run's FeatureSpec.
    """
    import torch

    from nugan.models.registry import create_model
    from nugan.training.checkpoint import load_checkpoint

    run = RunDir.at(run_dir)
    cfg = run.read_config()
    payload = load_checkpoint(run.checkpoint)
    meta = payload["meta"]
    if meta.get("model") != cfg["model"]:
        raise CheckpointError(
            f"{run.checkpoint}: checkpoint of model {meta.get('model')!r}, "
            f"but {run.config} says {cfg['model']!r}; "
            "the checkpoint comes from another run"
        )
    feature_spec, condition_spec = load_specs(run)
    for what, spec, key in (
        ("FeatureSpec", feature_spec, "features_sha256"),
        ("condition FeatureSpec", condition_spec, "condition_sha256"),
    ):
        if meta.get(key) != spec_digest(spec):
            raise CheckpointError(
                f"{run.checkpoint}: was trained with a different {what} than {run.root} holds; "
                "the run directory was mixed with files of another run: retrain or restore its json files"
            )
    args = cfg["model_args"]
    model = create_model(
        cfg["model"],
        tuple(args["data_shape"]),
        condition_dim=int(args["condition_dim"]),
        n_classes=int(args["n_classes"]),
        **args["overrides"],
    )
    try:
        model.load_state_dict(payload["model"])
        if use_ema and payload["ema"]:
            for name, state in payload["ema"].items():
                (model.get_submodule(name) if name else model).load_state_dict(state)
    except (RuntimeError, KeyError, AttributeError) as exc:
        raise CheckpointError(
            f"{run.checkpoint}: weights do not fit model {cfg['model']!r} ({str(exc).splitlines()[0][:200]})"
        ) from exc
    model.eval()
    model.to(torch.device("cpu"))
    cfg = dict(cfg)
    cfg["step"] = int(payload["step"])
    return model, feature_spec, condition_spec, cfg
