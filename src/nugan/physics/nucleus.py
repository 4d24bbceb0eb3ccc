"""Targets and the relativistic Fermi gas (RFG) nuclear model.

Nuclear parameters (Fermi momenta k_F, removal energies E_b) are GENIE's RFG tables
(``FermiMomentumTables.xml``, ``CommonParam.xml``; Moniz et al., PRL 26 (1971) 445), see
PHYSICS-REFERENCES §3. Targets are lists of (nucleus, count) components: hydrogen in CH and
CH₂ is a free proton at rest.

References:
    R. A. Smith and E. J. Moniz, Nucl. Phys. B43 (1972) 605 — the RFG: nucleons fill a
    sphere |p| < k_F, bound nucleon energy E = √(M² + p²) − E_b, Pauli blocking |p′| > k_F.
    A. Bodek and J. L. Ritchie, PRD 23 (1981) 1070 — high-momentum tail (optional).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from nugan.errors import ConfigError
from nugan.physics import constants as c
from nugan.physics.params import PhysicsParams


@dataclasses.dataclass(frozen=True)
class Nucleus:
    """A nucleus (or a free nucleon, A = 1) with its RFG parameters.

    Attributes:
        name, z, a: label, protons, nucleons.
        kf_p_gev, kf_n_gev: Fermi momenta of protons and neutrons (0 for free nucleons).
        eb_gev: removal (binding) energy in the RFG.
        mass_gev: nuclear mass (atomic mass − Z m_e, electron binding neglected).
        density: ("ho", a_fm, alpha) modified harmonic oscillator or ("ws", c_fm, z_fm) Woods–Saxon
            (GENIE ``NuclearUtils.cxx`` profiles, PHYSICS-REFERENCES §3), used for FSI path lengths.
    """

    name: str
    z: int
    a: int
    kf_p_gev: float
    kf_n_gev: float
    eb_gev: float
    mass_gev: float
    density: tuple[str, float, float] = ("ho", 1.69, 1.08)

    @property
    def n(self) -> int:
        return self.a - self.z

    @property
    def pdg(self) -> int:
        if self.a == 1:
            return c.PDG_PROTON if self.z == 1 else c.PDG_NEUTRON
        return c.nucleus_pdg(self.z, self.a)

    @property
    def is_free(self) -> bool:
        return self.a == 1

    def kf_gev(self, is_proton: np.ndarray, params: PhysicsParams | None = None) -> np.ndarray:
        """Fermi momentum of the hit nucleons (param ``fermi_momentum_gev`` overrides both species)."""
        if self.is_free:
            return np.zeros(np.shape(is_proton))
        if params is not None and params.fermi_momentum_gev is not None:
            return np.full(np.shape(is_proton), float(params.fermi_momentum_gev))
        return np.where(is_proton, self.kf_p_gev, self.kf_n_gev)

    def eb(self, params: PhysicsParams | None = None) -> float:
        if self.is_free:
            return 0.0
        if params is not None and params.binding_energy_gev is not None:
            return float(params.binding_energy_gev)
        return self.eb_gev

    def radius_fm(self) -> float:
        """Tracking radius for FSI: 3 × 1.4 fm × A^⅓ capped to where the density is negligible."""
        return 2.5 * 1.2 * self.a ** (1.0 / 3.0) + 2.0

    def density_profile(self, r_fm: np.ndarray) -> np.ndarray:
        """Nucleon number density ρ(r) [fm⁻³], normalised to ∫ρ d³r = A."""
        kind, p1, p2 = self.density
        r = np.asarray(r_fm, dtype=float)
        grid = np.linspace(0.0, 4.0 * self.radius_fm(), 2001)
        shape = _profile(kind, p1, p2, grid)
        norm = self.a / float(np.sum(4 * np.pi * grid**2 * shape) * (grid[1] - grid[0]))
        return norm * _profile(kind, p1, p2, r)


def _profile(kind: str, p1: float, p2: float, r: np.ndarray) -> np.ndarray:
    if kind == "ho":
        return (1.0 + p2 * r**2 / p1**2) * np.exp(-(r**2) / p1**2)
    return 1.0 / (1.0 + np.exp((r - p1) / p2))


def _mass(atomic_u: float, z: int) -> float:
    return atomic_u * c.AMU_GEV - z * c.M_ELECTRON


FREE_PROTON = Nucleus("H1", 1, 1, 0.0, 0.0, 0.0, c.M_PROTON)
FREE_NEUTRON = Nucleus("n", 0, 1, 0.0, 0.0, 0.0, c.M_NEUTRON)
CARBON12 = Nucleus("C12", 6, 12, 0.221, 0.221, 0.025, _mass(12.0, 6), ("ho", 1.69, 1.08))
OXYGEN16 = Nucleus("O16", 8, 16, 0.225, 0.225, 0.027, _mass(15.99491462, 8), ("ho", 1.83, 1.54))
ARGON40 = Nucleus("Ar40", 18, 40, 0.242, 0.259, 0.0295, _mass(39.9623831, 18), ("ws", 3.53, 0.54))

#: target name → list of (nucleus, count per molecule)
TARGETS: dict[str, tuple[tuple[Nucleus, int], ...]] = {
    "free-n": ((FREE_NEUTRON, 1),),
    "free-p": ((FREE_PROTON, 1),),
    "C12": ((CARBON12, 1),),
    "O16": ((OXYGEN16, 1),),
    "Ar40": ((ARGON40, 1),),
    "CH": ((CARBON12, 1), (FREE_PROTON, 1)),
    "CH2": ((CARBON12, 1), (FREE_PROTON, 2)),
}


def get_target(name: str) -> tuple[tuple[Nucleus, int], ...]:
    """Components of a target by name (free-n, free-p, C12, O16, Ar40, CH, CH2)."""
    try:
        return TARGETS[name]
    except KeyError:
        raise ConfigError(f"unknown target {name!r}; choose one of {sorted(TARGETS)}") from None


def nucleons_per_molecule(name: str) -> int:
    """Number of nucleons in one 'molecule' of the target (the per-nucleon normalisation)."""
    return sum(nuc.a * count for nuc, count in get_target(name))


BR_A_GEV_INV = 2.0  # Bodek–Ritchie a [GeV⁻¹]
BR_PMAX_GEV = 4.0
BR_PCUT_GEV = 0.5  # GENIE RFG-MomentumCutOff


def bodek_ritchie_density(p_gev: np.ndarray, kf_gev: float) -> np.ndarray:
    """Bodek–Ritchie momentum density n(p) (PRD 23 (1981) 1070; GENIE ``FGMBodekRitchie.cxx``).

    n ∝ 1 − 6(k_F a/π)² for p ≤ k_F and 2R(k_F a/π)²(k_F/p)⁴ for k_F < p < 0.5 GeV,
    R = 1/(1 − k_F/4 GeV), a = 2 GeV⁻¹ (PHYSICS-REFERENCES §3); not normalised.
    """
    p = np.asarray(p_gev, dtype=float)
    c2 = (kf_gev * BR_A_GEV_INV / np.pi) ** 2
    r = 1.0 / (1.0 - kf_gev / BR_PMAX_GEV)
    inside = np.full(p.shape, 1.0 - 6.0 * c2)
    tail = 2.0 * r * c2 * (kf_gev / np.maximum(p, 1e-12)) ** 4
    return np.where(p <= kf_gev, inside, np.where(p < BR_PCUT_GEV, tail, 0.0))


def _br_inverse_cdf(kf_gev: float) -> tuple[np.ndarray, np.ndarray]:
    grid = np.linspace(0.0, BR_PCUT_GEV, 4001)
    pdf = grid**2 * bodek_ritchie_density(grid, kf_gev)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (pdf[1:] + pdf[:-1]) * np.diff(grid))])
    return cdf / cdf[-1], grid


def sample_fermi_momentum(rng: np.random.Generator, kf_gev: np.ndarray, model: str = "rfg") -> np.ndarray:
    """Nucleon momenta (N, 3): uniform in the Fermi sphere |p| < k_F (Smith–Moniz RFG), or with the
    Bodek–Ritchie high-momentum tail (``model="bodek-ritchie"``); isotropic directions."""
    n = kf_gev.size
    if model == "rfg":
        p = kf_gev * rng.uniform(0.0, 1.0, n) ** (1.0 / 3.0)
    elif model == "bodek-ritchie":
        p = np.zeros(n)
        u = rng.uniform(0.0, 1.0, n)
        for kf in np.unique(kf_gev):
            sel = kf_gev == kf
            if kf > 0:
                cdf, grid = _br_inverse_cdf(float(kf))
                p[sel] = np.interp(u[sel], cdf, grid)
    else:
        raise ConfigError(f"unknown fermi_model {model!r}; use 'rfg' or 'bodek-ritchie'")
    cos = rng.uniform(-1.0, 1.0, n)
    phi = rng.uniform(0.0, 2 * np.pi, n)
    sin = np.sqrt(1.0 - cos**2)
    return np.stack([p * sin * np.cos(phi), p * sin * np.sin(phi), p * cos], axis=1)


def bound_nucleon_p4(
    rng: np.random.Generator, nucleus: Nucleus, is_proton: np.ndarray, params: PhysicsParams
) -> np.ndarray:
    """Four-momenta (N, 4) of hit nucleons: RFG momentum, off-shell energy √(M²+p²) − E_b.

    Free nucleons are at rest and on shell.
    """
    n = is_proton.size
    mass = np.where(is_proton, c.M_PROTON, c.M_NEUTRON)
    p4 = np.zeros((n, 4))
    if nucleus.is_free:
        p4[:, 3] = mass
        return p4
    p4[:, :3] = sample_fermi_momentum(rng, nucleus.kf_gev(is_proton, params), params.fermi_model)
    p4[:, 3] = np.sqrt(mass**2 + np.sum(p4[:, :3] ** 2, axis=1)) - nucleus.eb(params)
    return p4


def sample_vertex_radius(rng: np.random.Generator, nucleus: Nucleus, n: int) -> np.ndarray:
    """Radii [fm] of interaction points, distributed as r²ρ(r) (inverse CDF on a grid)."""
    grid = np.linspace(0.0, nucleus.radius_fm(), 801)
    pdf = grid**2 * nucleus.density_profile(grid)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (pdf[1:] + pdf[:-1]))])
    cdf /= cdf[-1]
    return np.interp(rng.uniform(0.0, 1.0, n), cdf, grid)
