"""Generate events from a trained run, in physical units, with provenance pointing to the run."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from nugan.data import EventSet, provenance
from nugan.errors import ConfigError
from nugan.training.rundir import RunDir, load_run, load_train_conditions


def parse_condition(text: str) -> dict[str, Any]:
    """Parse ``enu_gev=2.0,nu_pdg=14`` (values as numbers where possible, else strings).

    Example:
        >>> parse_condition("enu_gev=2.0,nu_pdg=14,label=nc")
        {'enu_gev': 2.0, 'nu_pdg': 14, 'label': 'nc'}
    """
    out: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"--condition {text!r}: expected column=value pairs, e.g. enu_gev=2.0,nu_pdg=14"
            )
        value = value.strip()
        try:
            out[key.strip()] = int(value)
        except ValueError:
            try:
                out[key.strip()] = float(value)
            except ValueError:
                out[key.strip()] = value
    return out


def generate(
    run_dir: str | os.PathLike[str],
    n: int,
    condition: Mapping[str, Any] | None = None,
    seed: int = 0,
    batch_size: int = 4096,
    use_ema: bool = True,
    device: str = "cpu",
    precision: str = "32-true",
) -> EventSet:
    """Draw ``n`` events from the model of a run directory.

    Arguments:
        run_dir: a ``nugan train`` output directory.
        n: number of events.
        condition: for conditional runs, column → value (scalar or array of length n), e.g.
            ``{"enu_gev": 2.0, "nu_pdg": 14}``; ``label`` (class name or index) for label models.
            None draws conditions and labels from those of the training events stored in the run.
        seed: seed of the generation (same seed → same events).
        batch_size: events per forward pass.
        use_ema: sample with the EMA weights (when the run kept them).
        device: torch device to run the model on (``cpu``, ``cuda``, ``cuda:1``, ...); the noise is
            drawn on the CPU, so the same seed gives the same events on any device (up to rounding).
        precision: ``32-true`` (default) or ``bf16-mixed`` (bf16 autocast: faster on GPUs and on CPUs
            with native bf16, for models trained in bf16; outputs rounded to ~3 significant digits
            in the normalised space).

    Returns:
        An EventSet in physical units (the inverse FeatureSpec), with the condition columns and
        labels added, and attrs recording the run (directory, step, model, configuration).
    """
    import torch

    if n < 1:
        raise ConfigError(f"--n must be >= 1, got {n}")
    if precision not in ("32-true", "bf16-mixed"):
        raise ConfigError(f"generation precision {precision!r} unknown; use 32-true or bf16-mixed")
    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ConfigError(f"--device {device!r}: {exc}") from exc
    model, fspec, cspec, cfg = load_run(run_dir, use_ema=use_ema)
    model.to(dev)
    rng = np.random.default_rng([seed, 3])
    stored_cols, stored_labels = load_train_conditions(RunDir.at(run_dir))
    given = dict(condition or {})
    label_value = given.pop("label", None)
    cond_cols = _condition_columns(cfg, given, stored_cols, n, rng)
    labels = _labels(model, cfg, label_value, stored_labels, n, rng)
    cond = None
    if cspec is not None:
        cond = torch.from_numpy(
            np.ascontiguousarray(cspec.encode_table(EventSet(cond_cols)), dtype=np.float32)
        )
    gen = torch.Generator().manual_seed(int(seed))
    chunks = []
    autocast = torch.autocast(dev.type, dtype=torch.bfloat16, enabled=precision == "bf16-mixed")
    with torch.no_grad(), autocast:
        for start in range(0, n, batch_size):
            stop = min(n, start + batch_size)
            c = None if cond is None else cond[start:stop]
            lab = None if labels is None else torch.from_numpy(labels[start:stop])
            chunks.append(
                model.sample(stop - start, condition=c, labels=lab, generator=gen).float().cpu().numpy()
            )
    sample = np.concatenate(chunks)
    attrs = provenance(
        {"run": cfg},
        seed=int(seed),
        generated_from={
            "run_dir": str(Path(run_dir).resolve()),
            "step": cfg["step"],
            "model": cfg["model"],
            "use_ema": use_ema,
            "precision": precision,
        },
    )
    events = (
        fspec.decode(images=sample, attrs=attrs)
        if cfg.get("images")
        else fspec.decode(table=sample, attrs=attrs)
    )
    if cond_cols:
        events = events.with_columns(**cond_cols)
    if labels is not None:
        events = events.with_parts(labels=labels, label_names=cfg.get("label_names"))
    return events


def _condition_columns(
    cfg: dict[str, Any],
    given: dict[str, Any],
    stored: dict[str, np.ndarray],
    n: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    needed = list(cfg.get("condition") or [])
    if not needed:
        if given:
            raise ConfigError(
                f"the run's model {cfg['model']!r} is not conditional; drop --condition {sorted(given)}"
            )
        return {}
    if not given:
        if not stored:
            raise ConfigError(
                f"the run stores no training conditions; give --condition {'=...,'.join(needed)}=..."
            )
        rows = rng.integers(0, len(next(iter(stored.values()))), size=n)
        return {c: stored[c][rows] for c in needed}
    missing = [c for c in needed if c not in given]
    unknown = [c for c in given if c not in needed]
    if missing or unknown:
        raise ConfigError(
            f"the run is conditioned on {needed}; --condition lacks {missing}"
            + (f" and has unknown {unknown}" if unknown else "")
            + f"; e.g. --condition {','.join(f'{c}=...' for c in needed)}"
        )
    out = {}
    for c in needed:
        value = np.asarray(given[c])
        if value.dtype.kind not in "biuf":
            raise ConfigError(f"--condition {c}={given[c]!r}: expected a number")
        out[c] = np.broadcast_to(value, (n,)).copy() if value.ndim == 0 else value
        if len(out[c]) != n:
            raise ConfigError(f"condition {c!r} has {len(out[c])} values for {n} events")
    return out


def _labels(
    model: Any, cfg: dict[str, Any], value: Any, stored: np.ndarray | None, n: int, rng: np.random.Generator
) -> np.ndarray | None:
    if not getattr(model, "uses_labels", False):
        if value is not None:
            raise ConfigError(f"the run's model {cfg['model']!r} does not use class labels; drop label=...")
        return None
    names = list(cfg.get("label_names") or [])
    n_classes = int(cfg["model_args"]["n_classes"])
    if value is None:
        if stored is not None and len(stored):
            return stored[rng.integers(0, len(stored), size=n)].astype(np.int64)
        return rng.integers(0, n_classes, size=n).astype(np.int64)
    if isinstance(value, str):
        if value not in names:
            raise ConfigError(f"label {value!r} unknown; the run's classes are {names}")
        index = names.index(value)
    else:
        index = int(value)
        if not 0 <= index < n_classes:
            raise ConfigError(f"label {index} out of range; the run has {n_classes} classes {names}")
    return np.full(n, index, dtype=np.int64)
