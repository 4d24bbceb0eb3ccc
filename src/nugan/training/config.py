"""Training configuration: engine defaults, ``--set key=value`` parsing and resolution.

A run's configuration is one flat mapping. Keys the engine knows
(:data:`ENGINE_DEFAULTS`, plus whatever the model registry's
``training_defaults(name)`` returns) steer the training loop; every other key is
passed to the model's constructor as a hyper-parameter override (``lr``, ``nz``, ...).

Resolution order, later wins: :data:`ENGINE_DEFAULTS` < registry training
defaults < YAML config file < ``--set`` pairs < explicit ``steps``/``minutes``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from nugan.errors import ConfigError

#: Engine settings with their defaults (the registry's training defaults override them).
ENGINE_DEFAULTS: dict[str, Any] = {
    "batch_size": 64,  # per process; the global batch is batch_size × world size
    "steps": 2000,  # optimisation steps (one training_step call each)
    "ema_decay": 0.999,  # EMA of model.ema_modules; 0 disables it
    "grad_clip": 0.0,  # max global gradient norm per optimiser; 0 = no clipping
    "log_every": 10,  # metrics.csv row (and gradient norms) every N steps
    "sample_every": 250,  # progress image every N steps (0 = only at the end)
    "checkpoint_every": 500,  # checkpoints/last.pt every N steps (and at the end)
    "n_progress": 64,  # samples in a progress image
    # auto: bf16-mixed on a bf16 GPU (else 16-mixed); on CPU bf16-mixed for image models when the CPU has
    # native bf16 (AVX512-BF16/AMX), else 32-true. Or 32-true, bf16-mixed, 16-mixed (GPU).
    "precision": "auto",
    "accelerator": "auto",  # auto, cpu, cuda, gpu, mps
    "strategy": "auto",  # auto (ddp_spawn when devices > 1, ddp under torchrun/SLURM), ddp, ddp_spawn
    "num_nodes": 1,
    "channels_last": False,  # image models: NHWC memory layout (faster convolutions on CPU/GPU)
}

#: Keys that may differ between an interrupted run and its ``--resume``.
RESUMABLE_KEYS: frozenset[str] = frozenset(
    {
        "steps",
        "minutes",
        "log_every",
        "sample_every",
        "checkpoint_every",
        "devices",
        "accelerator",
        "strategy",
        "num_nodes",
        "data",
    }
)


def parse_set_values(pairs: Iterable[str]) -> dict[str, Any]:
    """Parse ``key=value`` strings; values are read as YAML scalars (numbers, booleans, lists).

    Example:
        >>> parse_set_values(["lr=2e-4", "batch_size=32", "precision=bf16-mixed", "betas=[0.5, 0.9]"])
        {'lr': 0.0002, 'batch_size': 32, 'precision': 'bf16-mixed', 'betas': [0.5, 0.9]}
    """
    import yaml

    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set {pair!r}: expected key=value (e.g. --set lr=2e-4)")
        out[key] = _yaml_scalar(yaml.safe_load(text) if text.strip() else "", text)
    return out


def _yaml_scalar(value: Any, text: str) -> Any:
    # YAML 1.1 reads "2e-4" as a string; accept it as a float as a user means it.
    if isinstance(value, str):
        try:
            return float(text) if any(c in text.lower() for c in ".e") else int(text)
        except ValueError:
            return value
    return value


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML (or JSON) mapping of configuration keys."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: config file not found; pass a YAML file with key: value lines")
    try:
        data = yaml.safe_load(p.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: not valid YAML ({exc}); fix the syntax") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a mapping of key: value, got {type(data).__name__}")
    return {str(k): _yaml_scalar(v, str(v)) for k, v in data.items()}


def resolve_config(
    registry_defaults: Mapping[str, Any],
    user: Mapping[str, Any],
    steps: int | None = None,
    minutes: float | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split and merge configuration into (training settings, model overrides).

    Arguments:
        registry_defaults: ``training_defaults(name)`` of the model registry.
        user: the user's keys (YAML file merged with ``--set``).
        steps, minutes: explicit bounds of the training (override the config).
    """
    training = dict(ENGINE_DEFAULTS)
    training.update(registry_defaults)
    training["minutes"] = None
    overrides: dict[str, Any] = {}
    for key, value in user.items():
        if key in training:
            training[key] = value
        else:
            overrides[key] = value
    if steps is not None:
        training["steps"] = steps
        if minutes is None:
            training["minutes"] = None
    if minutes is not None:
        training["minutes"] = float(minutes)
        if steps is None:
            training["steps"] = None
    _validate(training)
    return training, overrides


def _validate(training: dict[str, Any]) -> None:
    def positive_int(key: str, allow_zero: bool = False) -> None:
        value = training[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < (0 if allow_zero else 1):
            raise ConfigError(
                f"{key} must be a {'non-negative' if allow_zero else 'positive'} integer, got {value!r}"
            )

    positive_int("batch_size")
    for key in ("log_every", "checkpoint_every", "n_progress"):
        positive_int(key)
    positive_int("sample_every", allow_zero=True)
    if training["steps"] is not None:
        positive_int("steps")
    if training["minutes"] is not None and not training["minutes"] > 0:
        raise ConfigError(f"--minutes must be positive, got {training['minutes']}")
    if training["steps"] is None and training["minutes"] is None:
        raise ConfigError("give --steps or --minutes to bound the training")
    if not 0.0 <= float(training["ema_decay"]) < 1.0:
        raise ConfigError(f"ema_decay must be in [0, 1), got {training['ema_decay']}")
    if training["grad_clip"] is None:
        training["grad_clip"] = 0.0
    if float(training["grad_clip"]) < 0:
        raise ConfigError(f"grad_clip must be >= 0 (0 = off), got {training['grad_clip']}")
    allowed = {"auto", "32-true", "32", "bf16-mixed", "16-mixed", "bf16-true"}
    if str(training["precision"]) not in allowed:
        raise ConfigError(f"precision {training['precision']!r} unknown; use one of {sorted(allowed)}")
