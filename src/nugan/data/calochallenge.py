"""Reader of the Fast Calorimeter Simulation Challenge 2022 ("CaloChallenge") HDF5 layout.

A CaloChallenge file holds two datasets (arXiv:2410.21611, Sec. 2):

* ``incident_energies``: ``(N, 1)`` energy of the incident particle [MeV];
* ``showers``: ``(N, V)`` energy deposited in each of the V voxels [MeV].

They become the column ``incident_energy_mev`` and the pixel maps: the flat voxel
vector reshaped to ``shape`` = (C, H, W) when given (e.g. dataset 2:
``(45, 16, 9)`` = layers × angular bins × radial bins), else ``(N, 1, 1, V)``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from nugan.data._checks import existing_file, finite_events, foreign_attrs, nonempty, one_line
from nugan.data.eventset import EventSet
from nugan.errors import InputFileError, SchemaError


def is_calochallenge(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is an HDF5 file with the CaloChallenge datasets."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            return "incident_energies" in f and "showers" in f
    except OSError:
        return False


def read_calochallenge(
    path: str | os.PathLike[str],
    shape: Sequence[int] | None = None,
    start: int = 0,
    stop: int | None = None,
) -> EventSet:
    """Read a CaloChallenge HDF5 file (see the module docstring).

    Arguments:
        shape: the voxel geometry ``(C, H, W)`` with C·H·W = V, or None for ``(1, 1, V)``.
        start, stop: read only showers ``[start, stop)``.
    """
    import h5py

    p = existing_file(path, "a CaloChallenge HDF5 file")
    try:
        with h5py.File(p, "r") as f:
            missing = [k for k in ("incident_energies", "showers") if k not in f]
            if missing:
                raise InputFileError(
                    f"{p}: not a CaloChallenge file: no dataset(s) {missing} (it has {sorted(f.keys())}); "
                    "a CaloChallenge file holds 'incident_energies' (N, 1) and 'showers' (N, V)"
                )
            energies = np.asarray(f["incident_energies"][start:stop], dtype=np.float64).reshape(-1)
            showers = np.asarray(f["showers"][start:stop], dtype=np.float32)
    except OSError as exc:
        raise InputFileError(
            f"{p}: not a readable HDF5 file (truncated or corrupt: {one_line(exc)}); re-download it"
        ) from None
    if showers.ndim != 2 or len(showers) != len(energies):
        raise SchemaError(
            f"{p}: 'showers' must be (N, V) with N = len(incident_energies) = {len(energies)}, "
            f"got {showers.shape}"
        )
    voxels = showers.shape[1]
    geometry = (1, 1, voxels) if shape is None else tuple(int(s) for s in shape)
    if len(geometry) != 3 or int(np.prod(geometry)) != voxels:
        raise SchemaError(
            f"{p}: cannot reshape {voxels} voxels to {tuple(geometry)}; give (C, H, W) with C*H*W = {voxels}"
        )
    events = EventSet(
        {"incident_energy_mev": energies},
        pixelmaps=showers.reshape((len(showers), *geometry)),
        attrs=foreign_attrs(p, "calochallenge", shape=list(geometry), start=start, stop=stop),
    )
    nonempty(events, p, "showers")
    return finite_events(events, p)


def write_calochallenge(
    events: EventSet, path: str | os.PathLike[str], energy_column: str = "incident_energy_mev"
) -> None:
    """Write ``events`` in the CaloChallenge layout, atomically: ``incident_energies`` (N, 1)
    from ``energy_column`` and ``showers`` (N, C·H·W) from the flattened pixel maps."""
    import h5py

    from nugan._atomic import atomic_path

    events.require_columns([energy_column], "the CaloChallenge writer")
    if events.pixelmaps is None:
        raise SchemaError("the CaloChallenge writer needs pixel maps (the showers); these events have none")
    showers = np.ascontiguousarray(events.pixelmaps, dtype=np.float32).reshape(len(events), -1)
    energies = np.asarray(events.columns[energy_column], dtype=np.float64).reshape(-1, 1)
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.create_dataset("incident_energies", data=energies, compression="gzip", compression_opts=1)
        f.create_dataset("showers", data=showers, compression="gzip", compression_opts=1, shuffle=True,
                         chunks=(max(1, min(len(showers), 1024)), showers.shape[1]) if len(showers) else None)
