"""Event data: the :class:`EventSet` schema, HDF5 I/O, foreign-format readers and
writers, and :class:`FeatureSpec` (columns/images ⇄ normalised tensors)."""

from nugan.data.eventset import (
    PARTICLE_FIELDS,
    SCHEMA_VERSION,
    EventSet,
    ParticleStatus,
    make_particles,
    provenance,
)
from nugan.data.features import FeatureSpec
from nugan.data.hdf5 import count_events, describe, iter_events, read_attrs, read_events, write_events
from nugan.data.readers import read_any, write_any
from nugan.data.writer import EventWriter, merge_files

__all__ = [
    "PARTICLE_FIELDS",
    "SCHEMA_VERSION",
    "EventSet",
    "EventWriter",
    "FeatureSpec",
    "ParticleStatus",
    "count_events",
    "describe",
    "iter_events",
    "make_particles",
    "merge_files",
    "provenance",
    "read_any",
    "read_attrs",
    "read_events",
    "write_any",
    "write_events",
]
