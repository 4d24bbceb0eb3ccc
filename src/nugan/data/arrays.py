"""``.npy`` / ``.npz`` reader and ``.npz`` writer.

A ``.npy`` file holds one array:

* structured ``(N,)`` → one column per field;
* plain ``(N,)`` → one column named after the file (or ``columns[0]``);
* ``(N, F)`` → columns ``columns`` (default ``f0 .. f{F-1}``);
* ``(N, H, W)`` → pixel maps ``(N, 1, H, W)``; ``(N, C, H, W)`` → pixel maps.

A ``.npz`` file: 1-D arrays become columns; the keys ``pixelmaps`` (or
``images``: 3-D or 4-D), ``labels`` and ``label_names`` become those parts.
Pickled object arrays are refused.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from typing import Any

import numpy as np

from nugan._atomic import atomic_path
from nugan.data._checks import existing_file, finite_events, foreign_attrs, nonempty, one_line
from nugan.data.eventset import EventSet
from nugan.errors import InputFileError, SchemaError


def _load(path: Any) -> Any:
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputFileError(
            f"{path}: not a readable .npy/.npz file ({one_line(exc)}); it is truncated, corrupt or not "
            "NumPy data (pickled object arrays are refused)"
        ) from None


def _images(arr: np.ndarray, path: Any, key: str) -> np.ndarray:
    if arr.ndim == 3:
        return arr[:, None]
    if arr.ndim == 4:
        return arr
    raise SchemaError(f"{path}: array {key!r} of shape {arr.shape} is not images (N, H, W) or (N, C, H, W)")


def read_numpy(path: str | os.PathLike[str], columns: Sequence[str] | None = None) -> EventSet:
    """Read a ``.npy`` or ``.npz`` file (see the module docstring)."""
    p = existing_file(path, "a .npy or .npz file")
    data = _load(p)
    if isinstance(data, np.ndarray):
        events = _from_array(data, p, columns)
        events.attrs = foreign_attrs(p, "npy", columns=columns)
    else:
        with data:
            events = _from_npz({k: data[k] for k in data.files}, p, columns)
        events.attrs = foreign_attrs(p, "npz", columns=columns)
    nonempty(events, p)
    return finite_events(events, p)


def _from_array(arr: np.ndarray, path: Any, columns: Sequence[str] | None) -> EventSet:
    if arr.dtype.names:
        return EventSet({n: arr[n] for n in arr.dtype.names}, attrs={"source": str(path)})
    if arr.ndim == 1:
        name = columns[0] if columns else path.stem
        return EventSet({name: arr}, attrs={"source": str(path)})
    if arr.ndim == 2:
        names = list(columns) if columns else [f"f{i}" for i in range(arr.shape[1])]
        if len(names) != arr.shape[1]:
            raise SchemaError(f"{path}: {arr.shape[1]} columns in the array but {len(names)} names given")
        return EventSet({n: arr[:, i] for i, n in enumerate(names)}, attrs={"source": str(path)})
    return EventSet(pixelmaps=_images(arr, path, "array"), attrs={"source": str(path)})


def _from_npz(data: dict[str, np.ndarray], path: Any, columns: Sequence[str] | None) -> EventSet:
    if not data:
        raise InputFileError(f"{path}: the .npz archive holds no arrays")
    pix = labels = names = None
    cols: dict[str, np.ndarray] = {}
    for key, arr in data.items():
        if key in ("pixelmaps", "images"):
            pix = _images(arr, path, key)
        elif key == "labels":
            labels = arr
        elif key == "label_names":
            names = [str(s) for s in arr]
        elif arr.ndim == 1:
            cols[key] = arr
        else:
            raise SchemaError(
                f"{path}: array {key!r} has shape {arr.shape}; a column must be 1-D (name image stacks "
                "'pixelmaps')"
            )
    if columns is not None:
        missing = [c for c in columns if c not in cols]
        if missing:
            raise SchemaError(f"{path}: no array(s) {missing}; the archive has {sorted(data)}")
        cols = {c: cols[c] for c in columns}
    if labels is not None and names is None:
        names = [str(i) for i in range(int(labels.max()) + 1)] if labels.size else []
    return EventSet(cols, pixelmaps=pix, labels=labels, label_names=names if labels is not None else None,
                    attrs={"source": str(path)})


def write_npz(events: EventSet, path: str | os.PathLike[str], drop_parts: bool = False) -> None:
    """Write columns, pixel maps and labels to a compressed ``.npz``, atomically.

    Particles cannot be held; they raise SchemaError unless ``drop_parts``.
    """
    if events.particles is not None and not drop_parts:
        raise SchemaError(
            "a .npz file cannot hold the particle table; write Parquet, ROOT or nugan HDF5 instead, "
            "or drop it (`nugan convert --drop-parts`)"
        )
    reserved = {"pixelmaps", "images", "labels", "label_names"} & set(events.columns)
    if reserved:
        raise SchemaError(f"column name(s) {sorted(reserved)} are reserved in .npz files; rename them")
    arrays: dict[str, np.ndarray] = dict(events.columns)
    if events.pixelmaps is not None:
        arrays["pixelmaps"] = events.pixelmaps
    if events.labels is not None:
        arrays["labels"] = events.labels
        arrays["label_names"] = np.array(events.label_names or [], dtype=str)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
