"""Inputs of the UQ networks: checked pixel maps, labels and energies from an EventSet,
input scales, splits and a data fingerprint."""

from __future__ import annotations

import hashlib

import numpy as np

from nugan.data import EventSet
from nugan.errors import SchemaError


def pixelmaps_of(events: EventSet, source: str = "events") -> np.ndarray:
    """The (N, V, H, W) float32 pixel maps of ``events``, checked (present, 4-D, ≥ 4×4, finite)."""
    pix = events.pixelmaps
    if pix is None:
        raise SchemaError(
            f"{source}: has no pixel maps; the UQ networks need detector images "
            "(run the detector simulation first, e.g. `nugan simulate ... --detector mini`)"
        )
    if pix.ndim != 4 or pix.shape[2] < 4 or pix.shape[3] < 4:
        raise SchemaError(
            f"{source}: pixel maps must have shape (N, views, planes, cells) with at least "
            f"4 planes and 4 cells, got {pix.shape}"
        )
    pix = np.asarray(pix, dtype=np.float32)
    if not np.all(np.isfinite(pix)):
        bad = int(np.count_nonzero(~np.isfinite(pix).all(axis=(1, 2, 3))))
        raise SchemaError(f"{source}: {bad} event(s) have NaN/inf pixel values; remove or fix them")
    return pix


def labels_of(events: EventSet, source: str = "events") -> tuple[np.ndarray, list[str]]:
    """Integer labels and their names, checked (present, named, in range)."""
    if events.labels is None or not events.label_names:
        raise SchemaError(
            f"{source}: has no labels (or no label names); classification needs them, "
            "e.g. the physics chain's labels ['numu_cc', 'nue_cc', 'nc']"
        )
    labels = np.asarray(events.labels, dtype=np.int64)
    if len(labels) and (labels.min() < 0 or labels.max() >= len(events.label_names)):
        raise SchemaError(
            f"{source}: labels range over [{labels.min()}, {labels.max()}] but only "
            f"{len(events.label_names)} label names are given ({events.label_names})"
        )
    return labels, list(events.label_names)


def energies_of(events: EventSet, source: str = "events", column: str = "enu_gev") -> np.ndarray:
    """The true energy column [GeV], checked (present, finite, positive)."""
    events.require_columns([column], f"energy regression on {source}")
    e = np.asarray(events.columns[column], dtype=np.float64)
    if not np.all(np.isfinite(e)) or np.any(e <= 0):
        raise SchemaError(f"{source}: column {column!r} must be finite and positive for energy regression")
    return e


def fit_input_scales(pix_mev: np.ndarray) -> dict[str, float]:
    """Normalisation constants for :class:`nugan.uncertainty.networks.CVNBackbone`:
    the RMS of ``log1p(pixel)`` over non-empty cells, and mean/std of ``log1p(view sum)``."""
    logs = np.log1p(np.clip(pix_mev, 0.0, None))
    nz = logs[logs > 0]
    sums = np.log1p(np.clip(pix_mev, 0.0, None).sum(axis=(2, 3)))
    return {
        "image_scale": float(np.sqrt(np.mean(nz**2))) if nz.size else 1.0,
        "sum_mean": float(sums.mean()),
        "sum_std": float(max(sums.std(), 1e-3)),
    }


def split_indices(
    n: int, seed: int, val_fraction: float = 0.15, test_fraction: float = 0.15
) -> dict[str, np.ndarray]:
    """A seeded random partition of ``range(n)`` into train / val / test index arrays.

    Example:
        >>> s = split_indices(100, seed=0)
        >>> [len(s[k]) for k in ("train", "val", "test")]
        [70, 15, 15]
    """
    if not (0 < val_fraction < 1 and 0 <= test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError("need 0 < val_fraction, 0 ≤ test_fraction and val_fraction + test_fraction < 1")
    perm = np.random.default_rng(seed).permutation(n)
    n_val, n_test = round(val_fraction * n), round(test_fraction * n)
    return {
        "val": np.sort(perm[:n_val]),
        "test": np.sort(perm[n_val : n_val + n_test]),
        "train": np.sort(perm[n_val + n_test :]),
    }


def fingerprint(events: EventSet) -> str:
    """A short hash of the events' pixel maps and labels (to recognise the training file)."""
    h = hashlib.sha256()
    h.update(str(len(events)).encode())
    if events.pixelmaps is not None:
        h.update(np.ascontiguousarray(events.pixelmaps, dtype=np.float32).tobytes())
    if events.labels is not None:
        h.update(np.ascontiguousarray(events.labels, dtype=np.int64).tobytes())
    return h.hexdigest()[:16]
