"""Checks shared by the readers: the input exists, is not empty, and holds finite numbers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from nugan.data.eventset import EventSet
from nugan.errors import InputFileError, SchemaError


def existing_file(path: str | os.PathLike[str], what: str, folder: bool = False) -> Path:
    """``path`` as a Path, after checking it exists, is a file (or a folder) and is not empty.

    Arguments:
        what: the expected content, for the message (e.g. ``"a ROOT file"``).
        folder: expect a folder instead of a file.
    """
    p = Path(path)
    if not p.exists():
        kind = "folder" if folder else "file"
        raise InputFileError(f"{p}: no such {kind}; check the path (expected {what})")
    if folder:
        if not p.is_dir():
            raise InputFileError(f"{p}: is a file, expected {what} (a folder)")
        return p
    if p.is_dir():
        raise InputFileError(f"{p}: is a folder, expected {what}")
    if p.stat().st_size == 0:
        raise InputFileError(f"{p}: the file is empty (0 bytes), expected {what}; regenerate or re-copy it")
    return p


def finite_events(events: EventSet, path: str | os.PathLike[str]) -> EventSet:
    """``events`` after checking that every float value is finite; a SchemaError names ``path``."""
    try:
        events.check_finite(source=str(path))
    except SchemaError as exc:
        raise SchemaError(f"{exc} (clean the input file, e.g. drop those rows, and convert again)") from None
    return events


def nonempty(events: EventSet, path: str | os.PathLike[str], what: str = "events") -> EventSet:
    """``events`` after checking there is at least one event."""
    if len(events) == 0:
        raise InputFileError(f"{path}: holds no {what} (0 rows); check that the right file/tree was given")
    return events


def foreign_attrs(path: str | os.PathLike[str], reader: str, **options: Any) -> dict[str, Any]:
    """Provenance attrs for events read from a foreign file: the reader, the file and its options."""
    from nugan.data.eventset import provenance

    config = {"reader": reader, "source": str(path), **{k: v for k, v in options.items() if v is not None}}
    return provenance(config, seed=None, source=str(path))


def one_line(exc: BaseException) -> str:
    """``Type: message`` of an exception from a third-party library, on one line."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def json_default(obj: Any) -> Any:
    """``json.dumps(default=...)`` for metadata of foreign formats: numpy → Python, anything else → str."""
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return str(obj)
