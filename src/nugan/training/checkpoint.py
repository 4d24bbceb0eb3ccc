"""Checkpoints: weights, optimiser states, step, EMA weights, RNG states and metadata only.

A checkpoint is a ``torch.save`` of a dict of tensors, numbers and strings (the
metadata is a JSON string), written atomically and read back with
``torch.load(weights_only=True)``: loading never unpickles arbitrary objects.

Layout::

    format "nugan-checkpoint", version 1, step int,
    model {param: tensor}, optimizers {name: optimiser state}, ema {module: {param: tensor}},
    rng {"torch": ByteTensor}, meta JSON string (model name and arguments, FeatureSpec hashes, run config)
"""

from __future__ import annotations

import json
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from nugan._atomic import atomic_path
from nugan.errors import CheckpointError

FORMAT = "nugan-checkpoint"
VERSION = 1


def save_checkpoint(
    path: str | os.PathLike[str],
    *,
    step: int,
    model: torch.nn.Module,
    optimizers: dict[str, torch.optim.Optimizer],
    ema: dict[str, dict[str, torch.Tensor]] | None,
    meta: dict[str, Any],
) -> None:
    """Write a checkpoint atomically (refuses weights with NaN/inf, keeping the previous file)."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    bad = [k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        raise CheckpointError(
            f"not writing {path} at step {step}: weights {bad[:3]} are NaN/inf; "
            "the previous checkpoint is kept"
        )
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "step": int(step),
        "model": state,
        "optimizers": {name: opt.state_dict() for name, opt in optimizers.items()},
        "ema": ema or {},
        "rng": {"torch": torch.get_rng_state()},
        "meta": json.dumps(meta, sort_keys=True, default=str),
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a checkpoint safely (``weights_only=True``); ``meta`` comes back as a dict.

    Raises CheckpointError when the file is missing, truncated, corrupt or not a nugan checkpoint.
    """
    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"{p}: no checkpoint here; train first (nugan train ... --out RUN_DIR)")
    try:
        payload = torch.load(p, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile, pickle.UnpicklingError) as exc:
        raise CheckpointError(
            f"{p}: corrupt or unreadable checkpoint "
            f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
            "resume from another run or retrain"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{p}: not a nugan checkpoint (no format={FORMAT!r} marker)")
    if int(payload.get("version", 0)) > VERSION:
        raise CheckpointError(
            f"{p}: checkpoint version {payload['version']} is newer than this nugan; upgrade"
        )
    try:
        payload["meta"] = json.loads(payload["meta"])
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{p}: checkpoint metadata is missing or corrupt") from exc
    return payload
