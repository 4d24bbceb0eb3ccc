"""CSV and Parquet readers/writers (pyarrow).

Parquet holds a whole EventSet: per-event columns as columns, ``particles`` as a
``large_list<struct<pdg, px, py, pz, e, status>>`` column, ``pixelmaps`` as a
fixed-size list column (the flattened ``(C, H, W)`` map of each event), ``labels``
as an int64 column, and the attrs, label names and image shape as JSON in the
schema metadata (key ``nugan``). CSV holds per-event columns (and ``labels``)
only.

Reading a foreign table: every numeric/bool/string column becomes an EventSet
column; a list column named ``particles`` with the particle fields becomes the
particle table; ``label_column`` turns a column into class labels.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import awkward as ak
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from nugan._atomic import atomic_path
from nugan.data._checks import (
    existing_file,
    finite_events,
    foreign_attrs,
    json_default,
    nonempty,
    one_line,
)
from nugan.data.eventset import (
    PARTICLE_DTYPES,
    PARTICLE_FIELDS,
    SCHEMA_VERSION,
    EventSet,
    particles_from_offsets,
    particles_to_offsets,
)
from nugan.errors import InputFileError, SchemaError

META_KEY = b"nugan"
PARTS = ("particles", "pixelmaps", "labels")


# --------------------------------------------------------------------- write
def events_to_arrow(events: EventSet, drop_parts: bool = False, flat_only: bool = False) -> pa.Table:
    """An Arrow table holding ``events`` (see the module docstring).

    Arguments:
        flat_only: hold per-event columns and labels only (for CSV); particles or
            pixel maps then raise SchemaError unless ``drop_parts``.
    """
    arrays: dict[str, pa.Array] = {}
    for name, arr in events.columns.items():
        if name in PARTS:
            raise SchemaError(f"column name {name!r} is reserved for the EventSet part; rename the column")
        arrays[name] = pa.array(arr.astype(str) if arr.dtype.kind in "OU" else arr)
    meta: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "attrs": events.attrs}
    if flat_only:
        held = [p for p in ("particles", "pixelmaps") if getattr(events, p) is not None]
        if held and not drop_parts:
            raise SchemaError(
                f"this format holds only per-event columns, but the events also have {held}; "
                "write Parquet, ROOT or nugan HDF5 instead, or drop them (`nugan convert --drop-parts`)"
            )
    if events.particles is not None and not flat_only:
        offsets, flat = particles_to_offsets(events.particles)
        fields = [pa.array(flat[f]) for f in PARTICLE_FIELDS]
        content = pa.StructArray.from_arrays(fields, list(PARTICLE_FIELDS))
        arrays["particles"] = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), content)
    if events.pixelmaps is not None and not flat_only:
        pm = np.ascontiguousarray(events.pixelmaps)
        size = int(np.prod(pm.shape[1:]))
        arrays["pixelmaps"] = pa.FixedSizeListArray.from_arrays(pa.array(pm.reshape(-1)), size)
        meta["pixelmaps_shape"] = list(pm.shape[1:])
    if events.labels is not None:
        arrays["labels"] = pa.array(events.labels)
        meta["label_names"] = events.label_names
    table = pa.table(arrays) if arrays else pa.table({"__empty__": pa.nulls(len(events))})
    return table.replace_schema_metadata({META_KEY: json.dumps(meta, default=json_default).encode()})


def write_parquet(events: EventSet, path: str | os.PathLike[str], compression: str = "zstd") -> None:
    """Write ``events`` to a Parquet file, atomically (all parts and attrs are kept)."""
    table = events_to_arrow(events)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression=compression)


def write_csv(events: EventSet, path: str | os.PathLike[str], drop_parts: bool = False) -> None:
    """Write the per-event columns (and labels) of ``events`` to a CSV file, atomically."""
    table = events_to_arrow(events, drop_parts=drop_parts, flat_only=True)
    table = table.replace_schema_metadata(None)
    with atomic_path(path) as tmp:
        pacsv.write_csv(table, tmp)


# ---------------------------------------------------------------------- read
def read_parquet(
    path: str | os.PathLike[str],
    columns: Sequence[str] | None = None,
    label_column: str | None = None,
) -> EventSet:
    """Read a Parquet file into an EventSet.

    Arguments:
        columns: the columns to read (default all; the parts ``particles``,
            ``pixelmaps``, ``labels`` are read when present unless ``columns`` is given
            and omits them).
        label_column: a column to use as class labels (its distinct values become
            ``label_names``).
    """
    p = existing_file(path, "a Parquet file")
    try:
        schema = pq.read_schema(p)
        names = None if columns is None else _existing(p, schema.names, columns, label_column)
        table = pq.read_table(p, columns=names)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(
            f"{p}: not a readable Parquet file ({one_line(exc)}); check the file or pass --from"
        ) from None
    return table_to_events(table, p, label_column, reader="parquet")


def read_csv(
    path: str | os.PathLike[str],
    columns: Sequence[str] | None = None,
    label_column: str | None = None,
) -> EventSet:
    """Read a CSV file (header line with column names) into an EventSet (see :func:`read_parquet`)."""
    p = existing_file(path, "a CSV file")
    try:
        table = pacsv.read_csv(p)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(
            f"{p}: not a readable CSV file ({one_line(exc)}); it needs a header line and the same "
            "number of fields on every line"
        ) from None
    if columns is not None:
        table = table.select(_existing(p, table.column_names, columns, label_column))
    return table_to_events(table, p, label_column, reader="csv")


def _existing(path: Any, have: Sequence[str], want: Sequence[str], label_column: str | None) -> list[str]:
    want = list(want) + ([label_column] if label_column and label_column not in want else [])
    missing = [c for c in want if c not in have]
    if missing:
        raise SchemaError(f"{path}: no column(s) {missing}; the file has {list(have)}")
    return want


def table_to_events(
    table: pa.Table, path: Any, label_column: str | None = None, reader: str = "arrow"
) -> EventSet:
    """Turn an Arrow table into an EventSet (see the module docstring)."""
    meta: dict[str, Any] = {}
    raw = (table.schema.metadata or {}).get(META_KEY)
    if raw:
        meta = json.loads(raw)
        if int(meta.get("schema_version", 0)) > SCHEMA_VERSION:
            raise InputFileError(
                f"{path}: written with event schema version {meta['schema_version']}, newer than this "
                f"nugan's ({SCHEMA_VERSION}); upgrade nugan to read it"
            )
    if table.num_rows == 0:
        nonempty(EventSet(), path, "rows")
    columns: dict[str, np.ndarray] = {}
    particles = pixelmaps = labels = None
    label_names = meta.get("label_names")
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        if name == "__empty__" or name.startswith("__index_level_"):  # nugan / pandas bookkeeping
            continue
        if col.null_count:
            raise SchemaError(
                f"{path}: column {name!r} has {col.null_count} missing value(s); fill or drop those rows"
            )
        if name == "particles" and _is_list(col.type):
            particles = _arrow_particles(col, path)
        elif name == "pixelmaps" and pa.types.is_fixed_size_list(col.type):
            shape = meta.get("pixelmaps_shape") or [1, 1, col.type.list_size]
            pixelmaps = col.flatten().to_numpy().reshape((len(col), *shape))
        elif name == "labels" and label_column is None and pa.types.is_integer(col.type):
            labels = col.to_numpy()
        elif _is_list(col.type) or pa.types.is_struct(col.type):
            raise SchemaError(
                f"{path}: column {name!r} is nested ({col.type}); an EventSet column holds one value per "
                "event: flatten it first, or name a particle list column 'particles'"
            )
        else:
            arr = col.to_numpy(zero_copy_only=False)
            columns[name] = arr.astype(str) if arr.dtype == object else arr
    if label_column is not None:
        values = columns.pop(label_column)
        names, labels = np.unique(values, return_inverse=True)
        label_names = [str(v) for v in names]
    if labels is not None and label_names is None:
        label_names = [str(i) for i in range(int(labels.max()) + 1)] if len(labels) else []
    events = EventSet(columns, particles, pixelmaps, labels, label_names if labels is not None else None,
                      attrs=meta.get("attrs") or foreign_attrs(path, reader, label_column=label_column))
    return finite_events(events, path)


def _is_list(t: pa.DataType) -> bool:
    return bool(pa.types.is_list(t) or pa.types.is_large_list(t))


def _arrow_particles(col: pa.Array, path: Any) -> ak.Array:
    struct = col.values
    if not pa.types.is_struct(struct.type):
        raise SchemaError(
            f"{path}: column 'particles' must be a list of structs with fields {PARTICLE_FIELDS}"
        )
    have = [struct.type.field(i).name for i in range(struct.type.num_fields)]
    missing = [f for f in PARTICLE_FIELDS if f not in have and f != "status"]
    if missing:
        raise SchemaError(f"{path}: the particles lack the field(s) {missing}; they have {have}")
    n_flat = len(struct)
    fields = {
        f: struct.field(f).to_numpy(zero_copy_only=False).astype(PARTICLE_DTYPES[f])
        if f in have
        else np.ones(n_flat, dtype=PARTICLE_DTYPES[f])
        for f in PARTICLE_FIELDS
    }
    offsets = np.asarray(col.offsets.to_numpy(), dtype=np.int64)
    return particles_from_offsets(offsets - offsets[0], fields)
