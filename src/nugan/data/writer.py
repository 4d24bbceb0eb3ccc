"""Streaming writer of nugan HDF5 files: append EventSets chunk by chunk.

:class:`EventWriter` writes the same layout as :func:`nugan.data.hdf5.write_events`
(readable by :func:`~nugan.data.hdf5.read_events`) without holding the whole sample
in memory: the datasets are resizable and grow with each :meth:`EventWriter.append`.
The file appears under its final name only when the writer is closed without an
error (temporary file + rename). :func:`merge_files` concatenates shard files.

Example:
    >>> import numpy as np, tempfile, pathlib
    >>> from nugan.data import EventSet, read_events
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ev.h5"
    >>> with EventWriter(path) as w:
    ...     for k in range(3):
    ...         w.append(EventSet({"i": np.arange(2) + 2 * k}))
    >>> read_events(path).columns["i"].tolist()
    [0, 1, 2, 3, 4, 5]
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import h5py
import numpy as np

import nugan
from nugan._atomic import atomic_path
from nugan.data.eventset import FORMAT_NAME, SCHEMA_VERSION, EventSet, particles_to_offsets
from nugan.data.hdf5 import (
    _PIXEL_STORAGES,
    SPARSE_DENSITY_LIMIT,
    _density,
    _write_attrs,
    iter_events,
    read_attrs,
)
from nugan.errors import ConfigError, SchemaError

_STR = h5py.string_dtype("utf-8")


class _Growing:
    """A resizable dataset along axis 0."""

    def __init__(self, group: h5py.Group, name: str, like: np.ndarray, chunk_rows: int, kw: dict[str, Any]):
        shape = like.shape[1:]
        filters = kw if like.dtype != _STR else {"compression": kw["compression"]} if kw else {}
        self.ds = group.create_dataset(
            name,
            shape=(0, *shape),
            maxshape=(None, *shape),
            dtype=like.dtype,
            chunks=(max(1, chunk_rows), *shape),
            **filters,
        )

    def append(self, arr: np.ndarray) -> None:
        n = self.ds.shape[0]
        if tuple(arr.shape[1:]) != tuple(self.ds.shape[1:]):
            raise SchemaError(
                f"dataset {self.ds.name}: appended shape {arr.shape[1:]}, expected {self.ds.shape[1:]}"
            )
        self.ds.resize(n + len(arr), axis=0)
        self.ds[n:] = arr


class _Offsets:
    """An offsets dataset (N+1 entries) that continues across appends."""

    def __init__(self, group: h5py.Group, chunk_rows: int) -> None:
        self.ds = group.create_dataset(
            "offsets", data=np.zeros(1, np.int64), maxshape=(None,), chunks=(chunk_rows,)
        )
        self.total = 0

    def append(self, counts: np.ndarray) -> None:
        ends = self.total + np.cumsum(counts, dtype=np.int64)
        n = self.ds.shape[0]
        self.ds.resize(n + len(ends), axis=0)
        self.ds[n:] = ends
        if len(ends):
            self.total = int(ends[-1])


class EventWriter:
    """Append EventSets to one nugan HDF5 file (see the module docstring).

    Arguments:
        path: the output file.
        attrs: the file's attrs (default: the first appended EventSet's).
        compression, compression_opts, chunk_events: as in
            :func:`nugan.data.hdf5.write_events`.
        pixelmap_storage: ``"sparse"``, ``"dense"`` or ``"auto"`` (decided on the
            first appended chunk).

    Every appended EventSet must have the same columns (and dtypes), parts, image
    shape and label names as the first.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        attrs: Mapping[str, Any] | None = None,
        compression: str | None = "gzip",
        compression_opts: int | None = 1,
        chunk_events: int = 4096,
        pixelmap_storage: str = "auto",
    ) -> None:
        if pixelmap_storage not in _PIXEL_STORAGES:
            raise ConfigError(f"pixelmap_storage must be one of {_PIXEL_STORAGES}, got {pixelmap_storage!r}")
        self.path = path
        self.attrs = None if attrs is None else dict(attrs)
        self.kw: dict[str, Any] = {}
        if compression:
            self.kw = {"compression": compression, "shuffle": True}
            if compression == "gzip":
                self.kw["compression_opts"] = compression_opts
        self.chunk_events = chunk_events
        self.storage = pixelmap_storage
        self.n_events = 0
        self._stack = contextlib.ExitStack()
        self._tmp = self._stack.enter_context(atomic_path(path))
        self._file = h5py.File(self._tmp, "w")
        self._parts: dict[str, Any] | None = None

    # ---------------------------------------------------------------- set up
    def _setup(self, ev: EventSet) -> dict[str, Any]:
        f, ce = self._file, self.chunk_events
        if self.attrs is None:
            self.attrs = dict(ev.attrs)
        parts: dict[str, Any] = {"columns": {}, "dtypes": {}, "label_names": ev.label_names}
        grp = f.create_group("events")
        for name, arr in ev.columns.items():
            arr = _column(arr)
            parts["columns"][name] = _Growing(grp, name, arr, ce, self.kw)
            parts["dtypes"][name] = arr.dtype
        if ev.particles is not None:
            pgrp = f.create_group("particles")
            _, flat = particles_to_offsets(ev.particles[:0])
            parts["particles"] = (
                _Offsets(pgrp, ce),
                {k: _Growing(pgrp, k, v, 4 * ce, self.kw) for k, v in flat.items()},
            )
        if ev.pixelmaps is not None:
            pm = np.asarray(ev.pixelmaps)
            storage = self.storage
            if storage == "auto":
                storage = "sparse" if _density(pm) < SPARSE_DENSITY_LIMIT else "dense"
            parts["image_shape"], parts["pixel_dtype"] = pm.shape[1:], pm.dtype
            if storage == "sparse":
                g = f.create_group("pixelmaps")
                g.attrs["storage"] = "sparse"
                g.attrs["shape"] = np.asarray(pm.shape[1:], dtype=np.int64)
                g.attrs["dtype"] = pm.dtype.str
                cells = int(np.prod(pm.shape[1:]))
                index_dtype = np.uint16 if cells <= 1 << 16 else np.uint32
                parts["sparse"] = (
                    _Offsets(g, ce),
                    _Growing(g, "index", np.zeros(0, index_dtype), 1 << 18, self.kw),
                    _Growing(g, "values", np.zeros(0, pm.dtype), 1 << 18, self.kw),
                )
            else:
                per_event = max(1, int(np.prod(pm.shape[1:])) * pm.dtype.itemsize)
                parts["dense"] = _Growing(f, "pixelmaps", pm, max(1, (1 << 20) // per_event), self.kw)
        if ev.labels is not None:
            parts["labels"] = _Growing(f, "labels", np.zeros(0, np.int64), ce, {})
            f["labels"].attrs["names"] = json.dumps(ev.label_names or [])
        return parts

    def _check(self, ev: EventSet, parts: dict[str, Any]) -> None:
        if list(ev.columns) != list(parts["columns"]) or any(
            _column(v).dtype != parts["dtypes"][k] for k, v in ev.columns.items() if k in parts["dtypes"]
        ):
            have = {k: str(v.dtype) for k, v in ev.columns.items()}
            want = {k: str(v) for k, v in parts["dtypes"].items()}
            raise SchemaError(f"{self.path}: appended columns {have} differ from the first chunk's {want}")
        for part, key in (("particles", "particles"), ("labels", "labels")):
            if (getattr(ev, part) is None) == (key in parts):
                raise SchemaError(
                    f"{self.path}: appended events differ from the first chunk in holding {part}"
                )
        if (ev.pixelmaps is None) == ("image_shape" in parts):
            raise SchemaError(
                f"{self.path}: appended events differ from the first chunk in holding pixel maps"
            )
        if ev.pixelmaps is not None and tuple(ev.pixelmaps.shape[1:]) != tuple(parts["image_shape"]):
            raise SchemaError(
                f"{self.path}: appended pixel maps {ev.pixelmaps.shape[1:]}, "
                f"first chunk {parts['image_shape']}"
            )
        if ev.labels is not None and ev.label_names != parts["label_names"]:
            raise SchemaError(f"{self.path}: label names {ev.label_names} differ from {parts['label_names']}")

    # ---------------------------------------------------------------- append
    def append(self, events: EventSet) -> None:
        """Append ``events`` to the file."""
        if self._parts is None:
            self._parts = self._setup(events)
        parts = self._parts
        self._check(events, parts)
        for name, arr in events.columns.items():
            parts["columns"][name].append(_column(arr))
        if events.particles is not None:
            offsets, flat = particles_to_offsets(events.particles)
            parts["particles"][0].append(np.diff(offsets))
            for k, v in flat.items():
                parts["particles"][1][k].append(v)
        if events.pixelmaps is not None:
            pm = np.ascontiguousarray(events.pixelmaps, dtype=parts["pixel_dtype"])
            if "dense" in parts:
                parts["dense"].append(pm)
            else:
                flat_pm = pm.reshape(len(pm), int(np.prod(pm.shape[1:])))
                rows, cols = np.nonzero(flat_pm)
                parts["sparse"][0].append(np.bincount(rows, minlength=len(pm)))
                parts["sparse"][1].append(cols.astype(parts["sparse"][1].ds.dtype))
                parts["sparse"][2].append(flat_pm[rows, cols])
        if events.labels is not None:
            parts["labels"].append(events.labels)
        self.n_events += len(events)

    # ----------------------------------------------------------------- close
    def close(self) -> None:
        """Write the attrs, close the file and move it to its final name."""
        if self._file.id.valid:
            attrs = dict(self.attrs or {})
            attrs.update(format=FORMAT_NAME, schema_version=SCHEMA_VERSION, n_events=self.n_events)
            attrs.setdefault("nugan_version", nugan.__version__)
            _write_attrs(self._file, attrs)
            self._file.close()
            self._stack.close()

    def abort(self) -> None:
        """Close and delete the temporary file; nothing appears under ``path``."""
        if self._file.id.valid:
            self._file.close()
        with contextlib.suppress(RuntimeError):
            self._stack.__exit__(RuntimeError, RuntimeError("aborted"), None)

    def __enter__(self) -> EventWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _column(arr: np.ndarray) -> np.ndarray:
    """A column as stored: strings as variable-length UTF-8."""
    if arr.dtype.kind in "OU":
        return np.asarray(arr.astype(str), dtype=object).astype(_STR)
    return np.ascontiguousarray(arr)


def merge_files(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    chunk_size: int = 100_000,
    **options: Any,
) -> int:
    """Concatenate nugan HDF5 files (e.g. shards generated with different seeds) into
    ``output`` without reading them whole. The attrs are the first file's, plus
    ``n_shards``, ``shard_seeds`` and ``shard_files``. Returns the number of events."""
    if not inputs:
        raise ConfigError("merge_files needs at least one input file")
    first = read_attrs(inputs[0])
    seeds = [read_attrs(p).get("seed", -1) for p in inputs]
    attrs = dict(first) | {
        "n_shards": len(inputs),
        "shard_seeds": seeds,
        "shard_files": [os.fspath(p) for p in inputs],
    }
    with EventWriter(output, attrs=attrs, **options) as w:
        for path in inputs:
            for chunk in iter_events(path, chunk_size=chunk_size):
                w.append(chunk)
    return w.n_events
