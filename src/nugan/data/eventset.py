"""The event schema: :class:`EventSet`.

An EventSet holds N events as

* ``columns``: per-event 1-D numpy arrays, all of length N (``enu_gev``, ``mode``, ...);
* ``particles``: an awkward array of N variable-length lists of records with
  fields ``pdg`` (int32), ``px``, ``py``, ``pz``, ``e`` (float64, GeV) and
  ``status`` (int16, :class:`ParticleStatus`), or ``None``;
* ``pixelmaps``: a float32 array ``(N, views, planes, cells)`` (two-view detector
  images; any ``(N, C, H, W)`` image stack is accepted, e.g. RGB image folders), or ``None``;
* ``labels``: int64 class labels ``(N,)`` with their ``label_names``, or ``None``;
* ``attrs``: provenance and metadata (JSON-able): ``config``, ``seed``,
  ``created``, ``nugan_version``, ``schema_version``, plus anything a producer adds
  (e.g. ``xsec_fluxavg_cm2_per_nucleon``).

On disk it is one self-describing HDF5 file (:mod:`nugan.data.hdf5`).
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import awkward as ak
import numpy as np

from nugan import __version__
from nugan.errors import SchemaError

SCHEMA_VERSION = 2  # 2: sparse pixel-map storage (version 1 files are still read)
FORMAT_NAME = "nugan-events"
PARTICLE_FIELDS: tuple[str, ...] = ("pdg", "px", "py", "pz", "e", "status")
PARTICLE_DTYPES: dict[str, Any] = {
    "pdg": np.int32,
    "px": np.float64,
    "py": np.float64,
    "pz": np.float64,
    "e": np.float64,
    "status": np.int16,
}


class ParticleStatus(enum.IntEnum):
    """Status codes of particles in an event (GENIE's numbering).

    ``INITIAL`` incoming neutrino and target; ``FINAL`` stable final state (what
    leaves the nucleus and reaches the detector); ``DECAYED`` a particle that
    decayed (e.g. a resonance); ``HIT_NUCLEON`` the struck nucleon;
    ``PRE_FSI`` a hadron as produced at the vertex, before final-state
    interactions; ``REMNANT`` the final-state nuclear remnant.
    """

    INITIAL = 0
    FINAL = 1
    INTERMEDIATE = 2
    DECAYED = 3
    HIT_NUCLEON = 11
    PRE_FSI = 14
    REMNANT = 15


def provenance(
    config: Mapping[str, Any] | None = None, seed: int | None = None, **extra: Any
) -> dict[str, Any]:
    """Provenance attributes for a new file: how it was made.

    ``config`` is the full generating configuration (it must be JSON-able).
    """
    attrs: dict[str, Any] = {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "nugan_version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "config": dict(config or {}),
        "seed": -1 if seed is None else int(seed),
    }
    json.dumps(attrs["config"])  # fail early on non-JSON-able configs
    attrs.update(extra)
    return attrs


class EventSet:
    """N events: columns, particles, pixel maps, labels and provenance.

    Arguments:
        columns: name → 1-D array of length N.
        particles: awkward array of N lists of particle records (fields
            :data:`PARTICLE_FIELDS`), or None.
        pixelmaps: ``(N, C, H, W)`` array (two views: C = 2), or None.
        labels: ``(N,)`` integer classes, or None.
        label_names: the names of the classes (index = label).
        attrs: provenance and metadata (JSON-able values).

    Example:
        >>> import numpy as np
        >>> ev = EventSet({"enu_gev": np.array([1.0, 2.0, 3.0])})
        >>> len(ev), ev[1:].columns["enu_gev"].tolist()
        (3, [2.0, 3.0])
    """

    def __init__(
        self,
        columns: Mapping[str, Any] | None = None,
        particles: ak.Array | None = None,
        pixelmaps: np.ndarray | None = None,
        labels: np.ndarray | None = None,
        label_names: Sequence[str] | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> None:
        self.columns: dict[str, np.ndarray] = {}
        for name, values in (columns or {}).items():
            arr = np.asarray(values)
            if arr.ndim != 1:
                raise SchemaError(f"column {name!r} must be 1-D (one value per event), got shape {arr.shape}")
            self.columns[str(name)] = arr
        self.particles = particles
        self.pixelmaps = None if pixelmaps is None else np.asarray(pixelmaps)
        self.labels = None if labels is None else np.asarray(labels).astype(np.int64, copy=False)
        self.label_names = list(label_names) if label_names is not None else None
        self.attrs: dict[str, Any] = dict(attrs or {})
        self._check_lengths()

    # ------------------------------------------------------------------ shape
    def _check_lengths(self) -> None:
        lengths: dict[str, int] = {f"column {k!r}": len(v) for k, v in self.columns.items()}
        if self.particles is not None:
            lengths["particles"] = len(self.particles)
            missing = [f for f in PARTICLE_FIELDS if f not in self.particles.fields]
            if missing:
                raise SchemaError(f"particles lack the field(s) {missing}; required: {list(PARTICLE_FIELDS)}")
        if self.pixelmaps is not None:
            if self.pixelmaps.ndim != 4:
                raise SchemaError(
                    f"pixelmaps must have shape (N, views, planes, cells), got {self.pixelmaps.shape}"
                )
            lengths["pixelmaps"] = self.pixelmaps.shape[0]
        if self.labels is not None:
            if self.labels.ndim != 1:
                raise SchemaError(f"labels must be 1-D, got shape {self.labels.shape}")
            lengths["labels"] = len(self.labels)
        if len(set(lengths.values())) > 1:
            detail = ", ".join(f"{k}: {v}" for k, v in lengths.items())
            raise SchemaError(f"EventSet parts have different numbers of events ({detail})")

    def __len__(self) -> int:
        if self.columns:
            return len(next(iter(self.columns.values())))
        if self.particles is not None:
            return len(self.particles)
        if self.pixelmaps is not None:
            return int(self.pixelmaps.shape[0])
        if self.labels is not None:
            return len(self.labels)
        return 0

    @property
    def image_shape(self) -> tuple[int, ...] | None:
        """Shape of one event's pixel maps ``(C, H, W)``, or None."""
        return None if self.pixelmaps is None else tuple(self.pixelmaps.shape[1:])

    def __repr__(self) -> str:
        parts = [f"n={len(self)}", f"columns={list(self.columns)}"]
        if self.particles is not None:
            parts.append(f"particles={int(ak.sum(ak.num(self.particles)))}")
        if self.pixelmaps is not None:
            parts.append(f"pixelmaps={self.image_shape}")
        if self.labels is not None:
            parts.append(f"labels={self.label_names}")
        return f"EventSet({', '.join(parts)})"

    # -------------------------------------------------------------- selection
    def __getitem__(self, index: Any) -> EventSet:
        """Select events with a slice, an integer array or a boolean mask."""
        if isinstance(index, (int, np.integer)):
            index = slice(int(index), int(index) + 1 if int(index) != -1 else None)
        if isinstance(index, str):
            raise TypeError("use .columns[name] to read a column")
        idx = index if isinstance(index, slice) else np.asarray(index)
        if isinstance(idx, np.ndarray) and idx.dtype == bool and len(idx) != len(self):
            raise SchemaError(f"boolean mask has length {len(idx)}, the EventSet has {len(self)} events")
        return EventSet(
            columns={k: v[idx] for k, v in self.columns.items()},
            particles=None if self.particles is None else self.particles[idx],
            pixelmaps=None if self.pixelmaps is None else self.pixelmaps[idx],
            labels=None if self.labels is None else self.labels[idx],
            label_names=self.label_names,
            attrs=self.attrs,
        )

    def select(self, mask: np.ndarray) -> EventSet:
        """The events where the boolean ``mask`` is true."""
        return self[np.asarray(mask, dtype=bool)]

    def with_columns(self, **columns: Any) -> EventSet:
        """A new EventSet with columns added or replaced (other parts shared)."""
        merged = dict(self.columns)
        merged.update({k: np.asarray(v) for k, v in columns.items()})
        return EventSet(merged, self.particles, self.pixelmaps, self.labels, self.label_names, self.attrs)

    def with_parts(self, **parts: Any) -> EventSet:
        """A new EventSet with some of ``particles``, ``pixelmaps``, ``labels``,
        ``label_names``, ``attrs`` replaced."""
        allowed = {"particles", "pixelmaps", "labels", "label_names", "attrs", "columns"}
        bad = set(parts) - allowed
        if bad:
            raise TypeError(f"unknown EventSet part(s) {sorted(bad)}")
        kw: dict[str, Any] = {
            "columns": self.columns,
            "particles": self.particles,
            "pixelmaps": self.pixelmaps,
            "labels": self.labels,
            "label_names": self.label_names,
            "attrs": self.attrs,
        }
        kw.update(parts)
        return EventSet(**kw)

    def require_columns(self, names: Iterable[str], what: str = "this operation") -> None:
        """Raise SchemaError naming the missing columns, if any."""
        missing = [n for n in names if n not in self.columns]
        if missing:
            source = self.attrs.get("source")
            where = f"{source}: " if source else ""
            raise SchemaError(
                f"{where}{what} needs the column(s) {missing}, which this EventSet lacks "
                f"(they have {sorted(self.columns)}); use events that have them"
            )

    def check_finite(self, source: str = "EventSet") -> None:
        """Raise SchemaError if any float column, particle momentum or pixel is NaN or inf."""
        for name, arr in self.columns.items():
            if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
                bad = int(np.count_nonzero(~np.isfinite(arr)))
                raise SchemaError(
                    f"{source}: column {name!r} has {bad} NaN/inf value(s); remove or fix those events"
                )
        if self.particles is not None:
            for field in ("px", "py", "pz", "e"):
                flat = ak.to_numpy(ak.flatten(self.particles[field]))
                if not np.all(np.isfinite(flat)):
                    raise SchemaError(f"{source}: particle field {field!r} has NaN/inf values")
        if self.pixelmaps is not None and np.issubdtype(self.pixelmaps.dtype, np.floating):
            if not np.all(np.isfinite(self.pixelmaps)):
                raise SchemaError(f"{source}: pixelmaps contain NaN/inf values")

    # ---------------------------------------------------------------- combine
    @staticmethod
    def concatenate(sets: Sequence[EventSet], attrs: Mapping[str, Any] | None = None) -> EventSet:
        """Concatenate EventSets with the same columns and parts (e.g. shards).

        The result's attrs are ``attrs`` if given, else the first set's, with
        ``n_shards`` and the shards' seeds recorded.
        """
        if not sets:
            raise SchemaError("cannot concatenate an empty list of EventSets")
        first = sets[0]
        for i, other in enumerate(sets[1:], start=1):
            if set(other.columns) != set(first.columns):
                raise SchemaError(
                    f"EventSet {i} has columns {sorted(other.columns)}, "
                    f"EventSet 0 has {sorted(first.columns)}"
                )
            for part in ("particles", "pixelmaps", "labels"):
                if (getattr(other, part) is None) != (getattr(first, part) is None):
                    raise SchemaError(f"EventSet {i} and EventSet 0 differ in whether they hold {part}")
            if first.pixelmaps is not None and other.image_shape != first.image_shape:
                raise SchemaError(
                    f"EventSet {i} has pixelmaps {other.image_shape}, EventSet 0 has {first.image_shape}"
                )
        merged_attrs = dict(attrs) if attrs is not None else dict(first.attrs)
        if attrs is None and len(sets) > 1:
            merged_attrs["n_shards"] = len(sets)
            merged_attrs["shard_seeds"] = [s.attrs.get("seed", -1) for s in sets]
        return EventSet(
            columns={k: np.concatenate([s.columns[k] for s in sets]) for k in first.columns},
            particles=None if first.particles is None else ak.concatenate([s.particles for s in sets]),
            pixelmaps=None if first.pixelmaps is None else np.concatenate([s.pixelmaps for s in sets]),  # type: ignore[misc]
            labels=None if first.labels is None else np.concatenate([s.labels for s in sets]),  # type: ignore[misc]
            label_names=first.label_names,
            attrs=merged_attrs,
        )

    # ------------------------------------------------------------------- I/O
    def write(self, path: str | os.PathLike[str], **options: Any) -> None:
        """Write to a nugan HDF5 file atomically (see :func:`nugan.data.hdf5.write_events`)."""
        from nugan.data.hdf5 import write_events

        write_events(self, path, **options)

    @staticmethod
    def read(path: str | os.PathLike[str], **options: Any) -> EventSet:
        """Read a nugan HDF5 file (see :func:`nugan.data.hdf5.read_events`)."""
        from nugan.data.hdf5 import read_events

        return read_events(path, **options)


def make_particles(
    counts: np.ndarray,
    pdg: np.ndarray,
    px: np.ndarray,
    py: np.ndarray,
    pz: np.ndarray,
    e: np.ndarray,
    status: np.ndarray,
) -> ak.Array:
    """Build the jagged particle table from flat arrays and per-event counts."""
    counts = np.asarray(counts, dtype=np.int64)
    flat: dict[str, np.ndarray] = {
        "pdg": np.asarray(pdg, dtype=np.int32),
        "px": np.asarray(px, dtype=np.float64),
        "py": np.asarray(py, dtype=np.float64),
        "pz": np.asarray(pz, dtype=np.float64),
        "e": np.asarray(e, dtype=np.float64),
        "status": np.asarray(status, dtype=np.int16),
    }
    n = int(counts.sum())
    for k, v in flat.items():
        if len(v) != n:
            raise SchemaError(f"particle field {k!r} has {len(v)} entries, counts sum to {n}")
    return ak.unflatten(ak.zip(flat), counts)


def particles_from_offsets(offsets: np.ndarray, fields: Mapping[str, np.ndarray]) -> ak.Array:
    """Build the jagged particle table from an offsets array (length N+1) and flat fields."""
    offsets = np.asarray(offsets, dtype=np.int64)
    content = ak.zip({f: np.asarray(fields[f], dtype=PARTICLE_DTYPES[f]) for f in PARTICLE_FIELDS}).layout
    layout = ak.contents.ListOffsetArray(ak.index.Index64(offsets), content)
    return ak.Array(layout)


def particles_to_offsets(particles: ak.Array) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Flatten the particle table to (offsets, flat fields)."""
    counts = ak.to_numpy(ak.num(particles)).astype(np.int64)
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    flat = {
        f: ak.to_numpy(ak.flatten(particles[f])).astype(PARTICLE_DTYPES[f], copy=False)
        for f in PARTICLE_FIELDS
    }
    return offsets, flat
