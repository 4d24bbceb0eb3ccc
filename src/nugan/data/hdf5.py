"""nugan HDF5 event files: writer, reader and chunked iteration.

Layout (one file per sample, see ``docs/architecture.md``)::

    /                       attrs: format="nugan-events", schema_version, nugan_version,
                                   created, config (JSON), seed, n_events, extra attrs
    /events/<column>        1-D, length N
    /particles/offsets      N+1 int64
    /particles/{pdg,px,py,pz,e,status}
    /pixelmaps              either a dataset (N, C, H, W), chunked per event block, compressed
                            ("dense"), or a group ("sparse", schema >= 2) with
                              attrs: storage="sparse", shape=[C, H, W], dtype
                              offsets  N+1 int64 (hits of event i: offsets[i]:offsets[i+1])
                              index    flat cell index within the event (uint16 if C*H*W <= 65536)
                              values   the non-zero cell values (original dtype)
    /labels                 (N,) int64, attrs: names (JSON)

Detector pixel maps are mostly empty (a full-size NOvA event has 100-400 hit
cells out of 16000), so by default maps with fewer than 25 % non-zero cells are
stored sparse: about 6 bytes per hit before compression, 1-2 kB per event after,
and 5-10x faster to write than gzip on the dense array. Schema version 1 files
(dense maps only) are read as well.

Writes go to a temporary file renamed into place, so a crash never leaves a
half-written file under the final name.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from nugan._atomic import atomic_path
from nugan.data._checks import finite_events, one_line
from nugan.data.eventset import (
    FORMAT_NAME,
    PARTICLE_FIELDS,
    SCHEMA_VERSION,
    EventSet,
    particles_from_offsets,
    particles_to_offsets,
)
from nugan.errors import ConfigError, InputFileError, SchemaError

_JSON_PREFIX = "json:"


def _encode_attr(value: Any) -> Any:
    if isinstance(value, (str, bool, int, float, np.integer, np.floating)):
        return value
    return _JSON_PREFIX + json.dumps(value, sort_keys=True, default=_json_default)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.integer, np.floating)):
        return obj.item()
    raise TypeError(f"attribute value of type {type(obj).__name__} is not JSON-able")


def _decode_attr(value: Any) -> Any:
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str) and value.startswith(_JSON_PREFIX):
        return json.loads(value[len(_JSON_PREFIX) :])
    if isinstance(value, np.generic):
        return value.item()
    return value


SPARSE_DENSITY_LIMIT = 0.25
_PIXEL_STORAGES = ("auto", "dense", "sparse")


def write_events(
    events: EventSet,
    path: str | os.PathLike[str],
    compression: str | None = "gzip",
    compression_opts: int | None = 1,
    chunk_events: int = 4096,
    pixelmap_storage: str = "auto",
) -> None:
    """Write ``events`` to ``path`` (nugan HDF5), atomically.

    Arguments:
        compression: h5py filter (``"gzip"``, ``"lzf"`` or None), with byte shuffle.
        compression_opts: gzip level.
        chunk_events: events per chunk of the column datasets (pixel maps use
            chunks of about 1 MiB uncompressed).
        pixelmap_storage: ``"sparse"`` (non-zero cells only), ``"dense"``, or
            ``"auto"``: sparse when fewer than 25 % of the cells are non-zero.
    """
    if pixelmap_storage not in _PIXEL_STORAGES:
        raise ConfigError(f"pixelmap_storage must be one of {_PIXEL_STORAGES}, got {pixelmap_storage!r}")
    n = len(events)
    kw: dict[str, Any] = {}
    if compression:
        kw = {"compression": compression, "shuffle": True}
        if compression == "gzip":
            kw["compression_opts"] = compression_opts

    def dataset(group: h5py.Group, name: str, data: np.ndarray, chunk_rows: int, **extra: Any) -> None:
        if data.size == 0:
            group.create_dataset(name, data=data)
            return
        chunks = (max(1, min(chunk_rows, data.shape[0])), *data.shape[1:])
        group.create_dataset(name, data=data, chunks=chunks, **(kw | extra))

    attrs = dict(events.attrs)
    attrs.update(format=FORMAT_NAME, schema_version=SCHEMA_VERSION)
    attrs.setdefault("nugan_version", __import__("nugan").__version__)
    attrs["n_events"] = n
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            _write_attrs(f, attrs)
            grp = f.create_group("events")
            for name, arr in events.columns.items():
                if arr.dtype.kind in "OU":
                    arr = np.char.encode(arr.astype(str), "utf-8")  # fixed-width UTF-8 bytes
                dataset(grp, name, np.ascontiguousarray(arr), chunk_events)
            if events.particles is not None:
                pgrp = f.create_group("particles")
                offsets, flat = particles_to_offsets(events.particles)
                pgrp.create_dataset("offsets", data=offsets)
                for field, arr in flat.items():
                    dataset(pgrp, field, arr, 4 * chunk_events)
            if events.pixelmaps is not None:
                pm = np.ascontiguousarray(events.pixelmaps)
                storage = pixelmap_storage
                if storage == "auto":
                    storage = "sparse" if _density(pm) < SPARSE_DENSITY_LIMIT else "dense"
                if storage == "sparse":
                    _write_sparse(f, pm, dataset)
                else:
                    per_event = max(1, int(np.prod(pm.shape[1:])) * pm.dtype.itemsize)
                    dataset(f, "pixelmaps", pm, max(1, (1 << 20) // per_event))
            if events.labels is not None:
                f.create_dataset("labels", data=events.labels)
                f["labels"].attrs["names"] = json.dumps(events.label_names or [])


_BIG_ATTRS = "_attrs"
_MAX_ATTR_BYTES = 16 * 1024


def _write_attrs(f: h5py.File, attrs: dict[str, Any]) -> None:
    """File attributes; values longer than 16 kB (e.g. a large config) go to datasets
    under ``/_attrs`` because HDF5 limits attribute headers to 64 kB."""
    for key, value in attrs.items():
        encoded = _encode_attr(value)
        if isinstance(encoded, str) and len(encoded) > _MAX_ATTR_BYTES:
            grp = f.require_group(_BIG_ATTRS)
            grp.create_dataset(key, data=np.frombuffer(encoded.encode(), dtype=np.uint8), compression="gzip")
        else:
            f.attrs[key] = encoded


def _read_attrs(f: h5py.File) -> dict[str, Any]:
    out = {k: _decode_attr(v) for k, v in f.attrs.items()}
    if _BIG_ATTRS in f:
        for key, ds in f[_BIG_ATTRS].items():
            out[key] = _decode_attr(ds[()].tobytes().decode())
    return out


def _density(pm: np.ndarray, sample: int = 256) -> float:
    """Fraction of non-zero cells, estimated on up to ``sample`` evenly spaced events."""
    if pm.size == 0:
        return 0.0
    step = max(1, pm.shape[0] // sample)
    return float(np.count_nonzero(pm[::step])) / float(pm[::step].size)


def _write_sparse(f: h5py.File, pm: np.ndarray, dataset: Any, block: int = 1024) -> None:
    """Store the non-zero cells of ``pm`` (N, C, H, W) as offsets + flat index + values."""
    n = pm.shape[0]
    cells = int(np.prod(pm.shape[1:]))
    index_dtype = np.uint16 if cells <= 1 << 16 else np.uint32
    flat = pm.reshape(n, cells)
    counts = np.zeros(n, dtype=np.int64)
    index_parts, value_parts = [], []
    for lo in range(0, n, block):  # bounded memory for np.nonzero
        rows, cols = np.nonzero(flat[lo : lo + block])
        counts[lo : lo + block] = np.bincount(rows, minlength=min(block, n - lo))
        index_parts.append(cols.astype(index_dtype))
        value_parts.append(flat[lo : lo + block][rows, cols])
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    grp = f.create_group("pixelmaps")
    grp.attrs["storage"] = "sparse"
    grp.attrs["shape"] = np.asarray(pm.shape[1:], dtype=np.int64)
    grp.attrs["dtype"] = pm.dtype.str
    dataset(grp, "offsets", offsets, 1 << 16)
    dataset(grp, "index", np.concatenate(index_parts) if index_parts else np.zeros(0, index_dtype), 1 << 18)
    values = np.concatenate(value_parts) if value_parts else np.zeros(0, pm.dtype)
    dataset(grp, "values", values, 1 << 18)


def _read_pixelmaps(node: Any, start: int, stop: int) -> np.ndarray:
    """Events ``[start, stop)`` of the pixel maps, dense, from either storage."""
    if isinstance(node, h5py.Dataset):
        return _rows(node, start, stop)
    shape = tuple(int(s) for s in node.attrs["shape"])
    offsets = node["offsets"][start : stop + 1]
    n = max(0, len(offsets) - 1)
    out = np.zeros((n, int(np.prod(shape))), dtype=np.dtype(_decode_attr(node.attrs["dtype"])))
    if n:
        lo, hi = int(offsets[0]), int(offsets[-1])
        rows = np.repeat(np.arange(n), np.diff(offsets))
        out[rows, _rows(node["index"], lo, hi).astype(np.int64)] = _rows(node["values"], lo, hi)
    return out.reshape((n, *shape))


def _rows(ds: h5py.Dataset, start: int, stop: int) -> np.ndarray:
    """Rows ``[start, stop)`` of a dataset; a whole-dataset read skips h5py's selection path."""
    if start <= 0 and stop >= ds.shape[0]:
        return np.asarray(ds[()])
    return np.asarray(ds[start:stop])


def _pixelmaps_shape(node: Any, n: int) -> tuple[int, ...]:
    if isinstance(node, h5py.Dataset):
        return tuple(int(s) for s in node.shape)
    return (n, *(int(s) for s in node.attrs["shape"]))


def _corrupt(path: Any, exc: BaseException) -> InputFileError:
    return InputFileError(f"{path}: the file is truncated or corrupt ({one_line(exc)}); regenerate it")


def _open(path: str | os.PathLike[str]) -> h5py.File:
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"{p}: no such file; check the path (nugan simulate writes one)")
    if p.is_dir():
        raise InputFileError(f"{p}: is a folder, expected a nugan HDF5 event file")
    if p.stat().st_size == 0:
        raise InputFileError(
            f"{p}: the file is empty (0 bytes); it was not written completely: regenerate it"
        )
    try:
        f = h5py.File(p, "r")
    except OSError as exc:
        raise InputFileError(
            f"{p}: not a readable HDF5 file (truncated, corrupt or another format: {one_line(exc)}); "
            "regenerate it, or use `nugan convert` to read a foreign format"
        ) from None
    fmt = _decode_attr(f.attrs.get("format", ""))
    if fmt != FORMAT_NAME:
        f.close()
        raise InputFileError(
            f"{p}: an HDF5 file but not a nugan event file (format attribute {fmt!r}); "
            "if it is CaloChallenge data, convert it: `nugan convert IN OUT --from calochallenge`"
        )
    try:
        version = int(_decode_attr(f.attrs.get("schema_version", -1)))
    except (TypeError, ValueError):
        version = -1
    if version > SCHEMA_VERSION:
        f.close()
        raise InputFileError(
            f"{p}: written with event schema version {version}, newer than this nugan's "
            f"({SCHEMA_VERSION}); upgrade nugan to read it"
        )
    if version < 1:
        bad_value = f.attrs.get("schema_version")
        f.close()
        raise InputFileError(
            f"{p}: missing or invalid schema_version attribute ({bad_value!r}); "
            "the file was not written by nugan or is damaged: regenerate it"
        )
    return f


def read_attrs(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The file-level attributes (provenance) of a nugan event file."""
    with _open(path) as f:
        try:
            return _read_attrs(f)
        except (OSError, KeyError, ValueError, RuntimeError) as exc:
            raise _corrupt(path, exc) from None


def describe(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Summary of a nugan event file without reading it whole: counts, columns with
    dtype/min/max, image shapes, particles count, labels, provenance."""
    out: dict[str, Any] = {}
    with _open(path) as f:
        try:
            out["attrs"] = _read_attrs(f)
            out["n_events"] = int(out["attrs"].get("n_events", 0))
            out["columns"] = {name: column_summary(ds) for name, ds in f.get("events", {}).items()}
            if "particles" in f:
                out["n_particles"] = int(f["particles/pdg"].shape[0])
            if "pixelmaps" in f:
                node = f["pixelmaps"]
                out["pixelmaps_shape"] = _pixelmaps_shape(node, out["n_events"])
                if isinstance(node, h5py.Group):
                    out["pixelmaps_storage"] = "sparse"
                    out["pixelmaps_nonzero"] = int(node["values"].shape[0])
                else:
                    out["pixelmaps_storage"] = "dense"
            if "labels" in f:
                out["label_names"] = json.loads(_decode_attr(f["labels"].attrs.get("names", "[]")))
                out["label_counts"] = np.bincount(f["labels"][()]).tolist() if f["labels"].shape[0] else []
        except (OSError, KeyError, ValueError, RuntimeError) as exc:
            raise _corrupt(path, exc) from None
    return out


def column_summary(data: Any, block: int = 1 << 20) -> dict[str, Any]:
    """dtype, and for numbers min/max/mean over the finite values and the count of
    NaN/inf values, of a 1-D array or HDF5 dataset (read in blocks of ``block`` rows)."""
    info: dict[str, Any] = {"dtype": str(data.dtype)}
    if data.dtype.kind not in "biuf" or data.shape[0] == 0:
        return info
    lo, hi, total, count, bad = np.inf, -np.inf, 0.0, 0, 0
    for start in range(0, data.shape[0], block):
        x = np.asarray(data[start : start + block])
        if x.dtype.kind == "f":
            ok = np.isfinite(x)
            bad += int(x.size - np.count_nonzero(ok))
            x = x[ok]
        if x.size:
            lo, hi = min(lo, float(np.min(x))), max(hi, float(np.max(x)))
            total += float(np.sum(x, dtype=np.float64))
            count += int(x.size)
    if count:
        info.update(min=lo, max=hi, mean=total / count)
    if bad:
        info["nonfinite"] = bad
    return info


def describe_events(events: EventSet) -> dict[str, Any]:
    """The same summary as :func:`describe`, for an EventSet in memory."""
    out: dict[str, Any] = {"attrs": dict(events.attrs), "n_events": len(events)}
    out["columns"] = {name: column_summary(arr) for name, arr in events.columns.items()}
    if events.particles is not None:
        out["n_particles"] = len(particles_to_offsets(events.particles)[1]["pdg"])
    if events.pixelmaps is not None:
        out["pixelmaps_shape"] = tuple(int(s) for s in events.pixelmaps.shape)
        out["pixelmaps_nonzero"] = int(np.count_nonzero(events.pixelmaps))
    if events.labels is not None:
        out["label_names"] = list(events.label_names or [])
        out["label_counts"] = np.bincount(events.labels).tolist() if len(events.labels) else []
    return out


def read_events(
    path: str | os.PathLike[str],
    columns: Sequence[str] | None = None,
    start: int = 0,
    stop: int | None = None,
    particles: bool = True,
    pixelmaps: bool = True,
    check_finite: bool = False,
) -> EventSet:
    """Read events ``[start, stop)`` of a nugan HDF5 file.

    Arguments:
        columns: the columns to read (default: all); unknown names raise.
        particles, pixelmaps: whether to read those parts (when present).
        check_finite: raise SchemaError if a float value is NaN or inf (nugan's own
            files are not checked by default; foreign formats always are).
    """
    with _open(path) as f:
        try:
            events = _read_open(f, str(path), columns, start, stop, particles, pixelmaps)
        except (OSError, KeyError, ValueError, RuntimeError, SchemaError) as exc:
            raise _corrupt(path, exc) from None
    return finite_events(events, path) if check_finite else events


def _read_open(
    f: h5py.File,
    path: str,
    columns: Sequence[str] | None,
    start: int,
    stop: int | None,
    want_particles: bool,
    want_pixelmaps: bool,
) -> EventSet:
    attrs = _read_attrs(f)
    n = int(attrs.get("n_events", 0))
    stop = n if stop is None else min(stop, n)
    start = max(0, start)
    grp = f.get("events", {})
    names = list(grp.keys()) if columns is None else list(columns)
    missing = [c for c in names if c not in grp]
    if missing:
        raise InputFileError(f"{path}: no column(s) {missing}; the file has {sorted(grp.keys())}")
    cols: dict[str, np.ndarray] = {}
    for name in names:
        arr = _rows(grp[name], start, stop)
        if arr.dtype.kind == "S":
            arr = np.char.decode(arr, "utf-8")
        elif arr.dtype.kind == "O":  # variable-length strings (EventWriter)
            arr = np.array([v.decode() if isinstance(v, bytes) else str(v) for v in arr], dtype=str)
        cols[name] = arr
    parts = None
    if want_particles and "particles" in f:
        offsets = f["particles/offsets"][start : stop + 1]
        lo, hi = int(offsets[0]), int(offsets[-1])
        fields = {fld: _rows(f["particles"][fld], lo, hi) for fld in PARTICLE_FIELDS}
        parts = particles_from_offsets(offsets - lo, fields)
    pm = _read_pixelmaps(f["pixelmaps"], start, stop) if want_pixelmaps and "pixelmaps" in f else None
    labels = names_ = None
    if "labels" in f:
        labels = _rows(f["labels"], start, stop)
        names_ = json.loads(_decode_attr(f["labels"].attrs.get("names", "[]")))
    return EventSet(cols, parts, pm, labels, names_, attrs)


def iter_events(
    path: str | os.PathLike[str],
    chunk_size: int = 10_000,
    **options: Any,
) -> Iterator[EventSet]:
    """Iterate over a file in chunks of ``chunk_size`` events (for files larger than memory).

    Concatenating the chunks gives the same EventSet as :func:`read_events`.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be >= 1")
    n = int(read_attrs(path).get("n_events", 0))
    for start in range(0, n, chunk_size):
        yield read_events(path, start=start, stop=start + chunk_size, **options)


def count_events(path: str | os.PathLike[str]) -> int:
    """Number of events in a nugan HDF5 file."""
    return int(read_attrs(path).get("n_events", 0))
