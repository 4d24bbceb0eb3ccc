"""Particle guns: EventSets of chosen particles at chosen energies, directions and vertices.

Used by the tests, the validation plots and the benchmark (and handy for studies).

Example:
    >>> ev = particle_gun([13], [1.0], n=3, vertex_cm=(0.0, 0.0, 50.0))
    >>> len(ev), ev.columns["vtx_z_cm"].tolist()
    (3, [50.0, 50.0, 50.0])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nugan.data.eventset import EventSet, make_particles
from nugan.physics.detector.secondaries import mass_of


def particle_gun(
    pdg: Sequence[int],
    t_gev: Sequence[float],
    n: int = 1,
    directions: Sequence[Sequence[float]] | None = None,
    vertex_cm: Sequence[float] = (0.0, 0.0, 50.0),
) -> EventSet:
    """``n`` identical events, each with the particles ``pdg`` of kinetic energies ``t_gev``
    (status 1) leaving ``vertex_cm``; ``directions`` (one per particle, any length) default to +z."""
    pdg_a = np.asarray(pdg, dtype=np.int64)
    t = np.asarray(t_gev, dtype=float)
    m = mass_of(pdg_a)
    d = np.tile([0.0, 0.0, 1.0], (len(pdg_a), 1)) if directions is None else np.asarray(directions, float)
    d = d / np.linalg.norm(d, axis=1, keepdims=True)
    e = t + m
    p = np.sqrt(np.maximum(e * e - m * m, 0.0))
    k = len(pdg_a)
    parts = make_particles(
        np.full(n, k),
        np.tile(pdg_a, n),
        np.tile(p * d[:, 0], n),
        np.tile(p * d[:, 1], n),
        np.tile(p * d[:, 2], n),
        np.tile(e, n),
        np.ones(n * k, dtype=np.int16),
    )
    cols = {name: np.full(n, float(v)) for name, v in zip(("vtx_x_cm", "vtx_y_cm", "vtx_z_cm"), vertex_cm)}
    return EventSet(cols, particles=parts)


# Particle-gun stand-ins for the three CVN topologies (about 2 GeV of neutrino energy each).
TOPOLOGIES: dict[str, tuple[tuple[int, float, tuple[float, float, float]], ...]] = {
    # νμ CC (RES-like): μ⁻ 1.3 GeV, proton 0.15 GeV, π⁺ 0.25 GeV
    "numu_cc": ((13, 1.3, (0.15, 0.05, 1.0)), (2212, 0.15, (-0.6, 0.2, 1.0)), (211, 0.25, (0.3, -0.5, 1.0))),
    # νe CC (QE-like): e⁻ 1.6 GeV, proton 0.2 GeV
    "nue_cc": ((11, 1.6, (0.1, -0.1, 1.0)), (2212, 0.2, (-0.4, 0.3, 1.0))),
    # NC (RES-like): proton 0.2 GeV, π⁰ 0.4 GeV, neutron 0.1 GeV, π⁺ 0.15 GeV
    "nc": ((2212, 0.2, (0.5, 0.1, 1.0)), (111, 0.4, (-0.3, 0.2, 1.0)), (2112, 0.1, (0.2, -0.6, 1.0)),
           (211, 0.15, (-0.2, -0.4, 1.0))),
}


def topology_gun(kind: str, n: int = 1, vertex_cm: Sequence[float] = (0.0, 0.0, 150.0)) -> EventSet:
    """``n`` copies of a particle-gun stand-in for a νμ CC, νe CC or NC event (see TOPOLOGIES)."""
    spec = TOPOLOGIES[kind]
    return particle_gun([s[0] for s in spec], [s[1] for s in spec], n, [s[2] for s in spec], vertex_cm)
