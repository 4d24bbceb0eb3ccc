"""Read any supported format into an EventSet, and write an EventSet to any writable one.

=============  =========================  ======  ======  =====================================
format         suffix                     read    write   holds
=============  =========================  ======  ======  =====================================
nugan          ``.h5 .hdf5`` (nugan)      yes     yes     everything
calochallenge  ``.h5 .hdf5`` (Calo)       yes     yes     incident energy + showers as images
parquet        ``.parquet .pq``           yes     yes     everything
root           ``.root``                  yes     yes     everything (attrs in a TObjString)
csv            ``.csv``                   yes     yes     per-event columns and labels
numpy          ``.npy .npz``              yes     .npz    columns, pixel maps, labels
images         a folder                   yes     no      pixel maps + labels (ImageFolder)
=============  =========================  ======  ======  =====================================

An ``.h5``/``.hdf5`` file is read as nugan or CaloChallenge depending on its
content. Reader options (passed through ``**opts``): ``columns`` (nugan, parquet,
csv, numpy), ``label_column`` (parquet, csv), ``tree`` and ``branches`` (root),
``image_size`` and ``channels`` (images), ``shape`` (calochallenge).

Example:
    >>> import numpy as np, tempfile, pathlib
    >>> from nugan.data import EventSet
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "ev.parquet"
    >>> write_any(EventSet({"enu_gev": np.array([1.0, 2.0])}), out)
    >>> read_any(out).columns["enu_gev"].tolist()
    [1.0, 2.0]
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nugan.data.eventset import EventSet
from nugan.errors import ConfigError, InputFileError, SchemaError

READ_FORMATS = ("nugan", "calochallenge", "parquet", "root", "csv", "numpy", "images")
WRITE_FORMATS = ("nugan", "calochallenge", "parquet", "root", "csv", "numpy")
_SUFFIX = {
    ".h5": "nugan",
    ".hdf5": "nugan",
    ".hdf": "nugan",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".root": "root",
    ".csv": "csv",
    ".npy": "numpy",
    ".npz": "numpy",
}
_ALIASES = {"hdf5": "nugan", "h5": "nugan", "calo": "calochallenge", "npy": "numpy", "npz": "numpy",
            "imagefolder": "images", "image-folder": "images", "pq": "parquet"}


def normalise_format(fmt: str, allowed: tuple[str, ...]) -> str:
    """The canonical format name for ``fmt`` (aliases: hdf5, h5, calo, npy, npz, imagefolder)."""
    name = _ALIASES.get(fmt.lower(), fmt.lower())
    if name not in allowed:
        raise ConfigError(f"unknown format {fmt!r}; choose from {list(allowed)}")
    return name


def detect_format(path: str | os.PathLike[str]) -> str:
    """The format of an existing input, from its suffix (and content for HDF5)."""
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"{p}: no such file or folder; check the path")
    if p.is_dir():
        return "images"
    fmt = _SUFFIX.get(p.suffix.lower())
    if fmt is None:
        raise ConfigError(
            f"{p}: cannot tell the format from the suffix {p.suffix!r}; name it (`--from FORMAT`, one of "
            f"{list(READ_FORMATS)})"
        )
    if fmt == "nugan" and p.stat().st_size > 0:
        from nugan.data.calochallenge import is_calochallenge

        if is_calochallenge(p):
            return "calochallenge"
    return fmt


def output_format(path: str | os.PathLike[str]) -> str:
    """The format to write ``path`` in, from its suffix."""
    p = Path(path)
    fmt = _SUFFIX.get(p.suffix.lower())
    if fmt is None or (fmt == "numpy" and p.suffix.lower() == ".npy"):
        raise ConfigError(
            f"{p}: cannot tell the output format from the suffix {p.suffix!r}; use .h5, .parquet, .root, "
            ".csv or .npz, or name it (`--to FORMAT`)"
        )
    return fmt


def _reader(fmt: str) -> Callable[..., EventSet]:
    if fmt == "nugan":
        from nugan.data.hdf5 import read_events

        return read_events
    if fmt == "calochallenge":
        from nugan.data.calochallenge import read_calochallenge

        return read_calochallenge
    if fmt == "parquet":
        from nugan.data.tables import read_parquet

        return read_parquet
    if fmt == "csv":
        from nugan.data.tables import read_csv

        return read_csv
    if fmt == "root":
        from nugan.data.root import read_root

        return read_root
    if fmt == "numpy":
        from nugan.data.arrays import read_numpy

        return read_numpy
    from nugan.data.images import read_image_folder

    return read_image_folder


def _writer(fmt: str) -> Callable[..., None]:
    if fmt == "nugan":
        from nugan.data.hdf5 import write_events

        return write_events
    if fmt == "calochallenge":
        from nugan.data.calochallenge import write_calochallenge

        return write_calochallenge
    if fmt == "parquet":
        from nugan.data.tables import write_parquet

        return write_parquet
    if fmt == "csv":
        from nugan.data.tables import write_csv

        return write_csv
    if fmt == "root":
        from nugan.data.root import write_root

        return write_root
    from nugan.data.arrays import write_npz

    return write_npz


def _call(func: Callable[..., Any], fmt: str, *args: Any, **opts: Any) -> Any:
    accepted = inspect.signature(func).parameters
    given = {k: v for k, v in opts.items() if v is not None}
    bad = sorted(set(given) - set(accepted))
    if bad:
        raise ConfigError(f"option(s) {bad} do not apply to the {fmt!r} format")
    return func(*args, **given)


def read_any(path: str | os.PathLike[str], format: str | None = None, **opts: Any) -> EventSet:
    """Read ``path`` in ``format`` (default: from the suffix/content) into an EventSet.

    Options that are None are ignored; others must apply to the format.
    """
    fmt = detect_format(path) if format is None else normalise_format(format, READ_FORMATS)
    try:
        return _call(_reader(fmt), fmt, path, **opts)  # type: ignore[no-any-return]
    except SchemaError as exc:
        if str(path) in str(exc):
            raise
        raise SchemaError(f"{path}: {exc}") from None


def write_any(events: EventSet, path: str | os.PathLike[str], format: str | None = None, **opts: Any) -> None:
    """Write ``events`` to ``path`` in ``format`` (default: from the suffix)."""
    fmt = output_format(path) if format is None else normalise_format(format, WRITE_FORMATS)
    _call(_writer(fmt), fmt, events, path, **opts)
