"""ROOT TTree reader and writer (uproot).

Reading: the user names the tree (optional when the file holds exactly one) and
the branches (default: all). Flat branches become EventSet columns; fixed-size
array branches of shape ``(C, H, W)`` (or ``(H, W)``) named ``pixelmaps`` become
the pixel maps, other fixed-size arrays are split into columns ``name_0, name_1, ...``;
jagged branches whose names end in the particle fields (``pdg, px, py, pz, e`` and
optionally ``status``, with a common prefix such as ``part_`` or ``mc``) become
the particle table (status defaults to FINAL = 1). Any other jagged branch is an
error for :func:`read_root`; :func:`read_root_arrays` returns every branch as an
awkward array.

Writing: columns as flat branches, particles as jagged branches ``part_pdg,
part_px, ...`` with the counter ``npart``, pixel maps as a fixed-size branch
``pixelmaps``, labels as ``labels``; the attrs and label names go to a
``TObjString`` named ``<tree>_nugan_meta`` (JSON).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import awkward as ak
import numpy as np

from nugan._atomic import atomic_path
from nugan.data._checks import (
    existing_file,
    finite_events,
    foreign_attrs,
    json_default,
    nonempty,
    one_line,
)
from nugan.data.eventset import PARTICLE_DTYPES, PARTICLE_FIELDS, SCHEMA_VERSION, EventSet
from nugan.errors import InputFileError, SchemaError

DEFAULT_TREE = "events"
PARTICLE_PREFIX = "part"
_REQUIRED = ("pdg", "px", "py", "pz", "e")
_TREE_CLASSES = ("TTree", "TNtuple", "TNtupleD", "ROOT::RNTuple")


def _meta_key(tree: str) -> str:
    return f"{tree}_nugan_meta"


# ---------------------------------------------------------------------- write
def write_root(events: EventSet, path: str | os.PathLike[str], tree: str = DEFAULT_TREE) -> None:
    """Write ``events`` to a ROOT file with one TTree, atomically."""
    import uproot

    branches: dict[str, Any] = {}
    for name, arr in events.columns.items():
        if arr.dtype.kind not in "biuf":
            raise SchemaError(
                f"column {name!r} has dtype {arr.dtype}, which a ROOT branch cannot hold; drop it or write "
                "Parquet/HDF5"
            )
        branches[name] = arr
    if events.particles is not None:
        branches[PARTICLE_PREFIX] = ak.zip(
            {f: ak.values_astype(events.particles[f], PARTICLE_DTYPES[f]) for f in PARTICLE_FIELDS}
        )
    if events.pixelmaps is not None:
        branches["pixelmaps"] = np.ascontiguousarray(events.pixelmaps)
    if events.labels is not None:
        branches["labels"] = events.labels
    reserved = {"n" + PARTICLE_PREFIX} | {f"{PARTICLE_PREFIX}_{f}" for f in PARTICLE_FIELDS}
    clash = sorted(reserved & set(events.columns))
    if clash and events.particles is not None:
        raise SchemaError(f"column name(s) {clash} clash with the particle branches; rename them")
    meta = {"schema_version": SCHEMA_VERSION, "attrs": events.attrs, "label_names": events.label_names}
    with atomic_path(path) as tmp:
        with uproot.recreate(tmp) as f:
            types = {k: _branch_type(v) for k, v in branches.items()}
            f.mktree(tree, types)
            if len(events):
                f[tree].extend(branches)
            f[_meta_key(tree)] = json.dumps(meta, default=json_default)


def _branch_type(value: Any) -> Any:
    if isinstance(value, ak.Array):
        return value.type
    arr = np.asarray(value)
    return (arr.dtype, arr.shape[1:]) if arr.ndim > 1 else arr.dtype


# ----------------------------------------------------------------------- read
def _open_tree(path: str | os.PathLike[str], tree: str | None) -> tuple[Any, Any, str]:
    import uproot

    p = existing_file(path, "a ROOT file")
    try:
        f = uproot.open(p)
    except Exception as exc:  # uproot raises many types for non-ROOT or damaged files
        raise InputFileError(
            f"{p}: not a readable ROOT file ({one_line(exc)}); check the file"
        ) from None
    trees = list(dict.fromkeys(k.split(";")[0] for k, c in f.classnames().items() if c in _TREE_CLASSES))
    if tree is None:
        if len(trees) != 1:
            f.close()
            raise InputFileError(
                f"{p}: holds {len(trees)} trees {trees}; name the one to read (`--tree NAME`, or tree=...)"
            )
        tree = trees[0]
    if tree not in trees:
        f.close()
        raise InputFileError(f"{p}: no tree {tree!r}; the file has the trees {trees} (pass one with --tree)")
    return f, f[tree], tree


def read_root_arrays(
    path: str | os.PathLike[str], tree: str | None = None, branches: Sequence[str] | None = None
) -> ak.Array:
    """The chosen branches of a tree as one awkward record array (jagged branches stay jagged)."""
    f, t, _ = _open_tree(path, tree)
    with f:
        names = _check_branches(path, t, branches)
        return t.arrays(names, library="ak")


def _check_branches(path: Any, t: Any, branches: Sequence[str] | None) -> list[str]:
    have = list(t.keys())
    if branches is None:
        return have
    missing = [b for b in branches if b not in have]
    if missing:
        raise InputFileError(f"{path}: tree {t.name!r} has no branch(es) {missing}; it has {have}")
    return list(branches)


def read_root(
    path: str | os.PathLike[str],
    tree: str | None = None,
    branches: Sequence[str] | None = None,
) -> EventSet:
    """Read a TTree into an EventSet (see the module docstring).

    Arguments:
        tree: the tree name (default: the only tree in the file).
        branches: the branches to read (default: all).
    """
    f, t, tree = _open_tree(path, tree)
    with f:
        names = _check_branches(path, t, branches)
        meta: dict[str, Any] = {}
        if _meta_key(tree) in f:
            meta = json.loads(str(f[_meta_key(tree)]))
        if int(meta.get("schema_version", 0)) > SCHEMA_VERSION:
            raise InputFileError(
                f"{path}: written with event schema version {meta['schema_version']}, newer than this "
                f"nugan's ({SCHEMA_VERSION}); upgrade nugan to read it"
            )
        try:
            arrays = t.arrays(names, library="ak")
        except Exception as exc:
            raise InputFileError(f"{path}: cannot read tree {tree!r} ({one_line(exc)})") from None
    nonempty(EventSet({"n": np.zeros(len(arrays))}), path, f"events in tree {tree!r}")
    meta.setdefault("attrs", foreign_attrs(path, "root", tree=tree, branches=branches))
    events = _arrays_to_events(arrays, path, meta)
    return finite_events(events, path)


def _arrays_to_events(arrays: ak.Array, path: Any, meta: dict[str, Any]) -> EventSet:
    columns: dict[str, np.ndarray] = {}
    jagged: dict[str, ak.Array] = {}
    pixelmaps = labels = None
    for name in arrays.fields:
        arr = arrays[name]
        if arr.ndim == 1:
            columns[name] = ak.to_numpy(arr)
        elif _is_regular(arr):
            np_arr = ak.to_numpy(arr)
            if name == "pixelmaps" and np_arr.ndim in (3, 4):
                pixelmaps = np_arr if np_arr.ndim == 4 else np_arr[:, None]
            else:
                flat = np_arr.reshape(len(np_arr), -1)
                columns.update({f"{name}_{i}": flat[:, i] for i in range(flat.shape[1])})
        else:
            jagged[name] = arr
    particles, prefix = _particles_from_branches(jagged, path)
    if particles is not None:  # drop the counter branch uproot/ROOT adds (e.g. nmc for mc_px)
        counts = ak.to_numpy(ak.num(particles))
        stem = prefix.rstrip("_")
        for c in (f"n{stem}", f"n_{stem}", f"n{prefix}"):
            if c in columns and np.array_equal(columns[c], counts):
                columns.pop(c)
    if "labels" in columns and meta.get("label_names") is not None:
        labels = columns.pop("labels")
    return EventSet(
        columns,
        particles,
        pixelmaps,
        labels,
        meta.get("label_names") if labels is not None else None,
        meta["attrs"],
    )


def _is_regular(arr: ak.Array) -> bool:
    """Whether ``arr`` has fixed-size inner dimensions only (no ``var`` lists)."""
    t = arr.type.content
    while isinstance(t, ak.types.RegularType):
        t = t.content
    return isinstance(t, ak.types.NumpyType)


def _particles_from_branches(jagged: dict[str, ak.Array], path: Any) -> tuple[ak.Array | None, str]:
    """The particle table from jagged branches ``<prefix>pdg, ...`` and the prefix."""
    if not jagged:
        return None, ""
    prefixes: dict[str, dict[str, str]] = {}
    for name in jagged:
        for f in PARTICLE_FIELDS:
            if name.lower().endswith(f):
                prefix = name[: len(name) - len(f)]
                prefixes.setdefault(prefix, {})[f] = name
    found = [(p, m) for p, m in prefixes.items() if all(r in m for r in _REQUIRED)]
    used = {b for _, m in found[:1] for b in m.values()}
    other = sorted(set(jagged) - used)
    if not found or other:
        names = other or sorted(jagged)
        raise SchemaError(
            f"{path}: branch(es) {names} are jagged (a list per event) but not a set of particle fields "
            f"(<prefix>pdg, px, py, pz, e[, status]); choose flat branches with --branches, or use "
            "nugan.data.root.read_root_arrays for raw awkward arrays"
        )
    prefix, mapping = found[0]
    counts = ak.num(jagged[mapping["pdg"]])
    for b in mapping.values():
        if not ak.all(ak.num(jagged[b]) == counts):
            raise SchemaError(f"{path}: particle branch {b!r} has other list lengths than {mapping['pdg']!r}")
    fields = {
        f: ak.values_astype(jagged[mapping[f]], PARTICLE_DTYPES[f])
        if f in mapping
        else ak.values_astype(ak.ones_like(jagged[mapping["pdg"]]), PARTICLE_DTYPES[f])
        for f in PARTICLE_FIELDS
    }
    return ak.zip(fields), prefix
