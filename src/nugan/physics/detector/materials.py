"""Materials of the NOvA-like detector and their electromagnetic/nuclear properties.

Every property is computed from an elemental composition with the PDG formulas
(``PHYSICS-REFERENCES.md`` §9–10):

* radiation length of a mixture, ``1/X0 = Σ w_j / X0_j`` (PDG "Passage of particles
  through matter", §34.4.2), with elemental X0 from the PDG atomic-and-nuclear-properties tables;
* critical energy ``E_c = 610 MeV / (Z_eff + 1.24)`` (solids/liquids, PDG §34.4.4), with
  ``Z_eff = Σ w_j Z_j``;
* Molière radius ``R_M = X0 E_s / E_c``, ``E_s = m_e sqrt(4π/α) = 21.2052 MeV``;
* nuclear interaction length ``1/λ_I = Σ w_j / λ_j``;
* mean excitation energy by Bragg additivity ``ln I = Σ w_j (Z/A)_j ln I_j / Σ w_j (Z/A)_j``;
* Sternheimer density-effect parameters from the Sternheimer–Peierls recipe
  (R. M. Sternheimer, R. F. Peierls, PRB 3 (1971) 3681; as in the Geant4 physics manual):
  ``C̄ = 1 + 2 ln(I/ħω_p)``, ``ħω_p = 28.816 sqrt(ρ <Z/A>) eV``; condensed media with
  I < 100 eV: ``x0 = 0.2`` (C̄ ≤ 3.681) else ``0.326 C̄ − 1.0``, ``x1 = 2``, ``k = 3``,
  ``a = (C̄ − 2 ln10 x0)/(x1 − x0)^3``. Tabulated parameters can be given instead.

The NOvA detector is modelled as one homogeneous mixture (PVC + liquid scintillator +
glue + air voids, mean density 0.975 g/cm³) with elemental mass fractions
C 66.7 %, Cl 16.1 %, H 10.8 %, Ti 3.2 %, O 3.0 % (``PHYSICS-REFERENCES.md`` §9); a
fraction of every energy deposit goes to the scintillator (its share of the electrons).

Example:
    >>> m = nova_mixture()
    >>> round(m.x0_g_cm2, 1), round(m.x0_cm, 1)
    (35.0, 35.9)
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from nugan.physics.constants import ALPHA_EM, M_ELECTRON, M_MUON

# (Z, A [g/mol], X0 [g/cm²], λ_I [g/cm²], I [eV]) — PDG atomic and nuclear properties.
# X0 of H, C, O, Cl, Ti: PHYSICS-REFERENCES §10 (PDG values); λ_I of H, C, O from the PDG
# tables, of Cl and Ti rough (tag U); I: ICRU-37 values for atoms bound in compounds (C 81 eV,
# O 106 eV: tag U) so that Bragg additivity gives sensible I for hydrocarbons.
ELEMENTS: dict[str, tuple[int, float, float, float, float]] = {
    "H": (1, 1.00794, 63.04, 52.0, 19.2),
    "C": (6, 12.0107, 42.70, 85.8, 81.0),
    "O": (8, 15.9994, 34.24, 90.2, 106.0),
    "Cl": (17, 35.453, 19.28, 106.0, 174.0),
    "Ti": (22, 47.867, 16.16, 115.8, 233.0),
}

K_BETHE_MEV_CM2_MOL = 0.307075  # 4π N_A r_e² m_e c² (PDG §34.2)
E_S_MEV = 1000.0 * M_ELECTRON * math.sqrt(4.0 * math.pi / ALPHA_EM)  # 21.2052 MeV
M_E_MEV = 1000.0 * M_ELECTRON


@dataclasses.dataclass(frozen=True)
class Sternheimer:
    """Density-effect parameters: δ = 2 ln10 x − C̄ (+ a (x1 − x)^k below x1), x = log10 βγ."""

    cbar: float
    x0: float
    x1: float
    a: float
    k: float
    delta0: float = 0.0


@dataclasses.dataclass(frozen=True)
class Material:
    """A homogeneous material given by elemental mass fractions.

    Arguments:
        name: label.
        fractions: element symbol → mass fraction (normalised on construction).
        density_g_cm3: mass density.
        i_ev: mean excitation energy (None: Bragg additivity).
        sternheimer: tabulated density-effect parameters (None: Sternheimer–Peierls).
    """

    name: str
    fractions: tuple[tuple[str, float], ...]
    density_g_cm3: float
    i_ev: float | None = None
    sternheimer: Sternheimer | None = None

    @property
    def weights(self) -> dict[str, float]:
        total = sum(w for _, w in self.fractions)
        return {el: w / total for el, w in self.fractions}

    @property
    def z_over_a(self) -> float:
        """<Z/A> [mol/g]."""
        return sum(w * ELEMENTS[el][0] / ELEMENTS[el][1] for el, w in self.weights.items())

    @property
    def z_eff(self) -> float:
        """Mass-weighted Z (Grindhammer–Peters compound rule)."""
        return sum(w * ELEMENTS[el][0] for el, w in self.weights.items())

    @property
    def mean_excitation_ev(self) -> float:
        if self.i_ev is not None:
            return self.i_ev
        num = sum(
            w * ELEMENTS[el][0] / ELEMENTS[el][1] * math.log(ELEMENTS[el][4])
            for el, w in self.weights.items()
        )
        return math.exp(num / self.z_over_a)

    @property
    def x0_g_cm2(self) -> float:
        return 1.0 / sum(w / ELEMENTS[el][2] for el, w in self.weights.items())

    @property
    def x0_cm(self) -> float:
        return self.x0_g_cm2 / self.density_g_cm3

    @property
    def lambda_i_g_cm2(self) -> float:
        return 1.0 / sum(w / ELEMENTS[el][3] for el, w in self.weights.items())

    @property
    def lambda_i_cm(self) -> float:
        return self.lambda_i_g_cm2 / self.density_g_cm3

    @property
    def critical_energy_mev(self) -> float:
        return 610.0 / (self.z_eff + 1.24)

    @property
    def moliere_radius_cm(self) -> float:
        return self.x0_cm * E_S_MEV / self.critical_energy_mev

    @property
    def plasma_energy_ev(self) -> float:
        return 28.816 * math.sqrt(self.density_g_cm3 * self.z_over_a)

    def density_params(self) -> Sternheimer:
        """Tabulated parameters, or the Sternheimer–Peierls recipe (condensed media)."""
        if self.sternheimer is not None:
            return self.sternheimer
        i_ev = self.mean_excitation_ev
        cbar = 1.0 + 2.0 * math.log(i_ev / self.plasma_energy_ev)
        if i_ev < 100.0:
            x0 = 0.2 if cbar <= 3.681 else 0.326 * cbar - 1.0
            x1 = 2.0
        else:
            x0 = 0.2 if cbar <= 5.215 else 0.326 * cbar - 1.5
            x1 = 3.0
        a = (cbar - 2.0 * math.log(10.0) * x0) / (x1 - x0) ** 3
        return Sternheimer(cbar, x0, x1, a, 3.0)

    def summary(self) -> dict[str, float]:
        """The derived properties (JSON-able), for docs and attrs."""
        return {
            "density_g_cm3": self.density_g_cm3,
            "z_over_a": self.z_over_a,
            "z_eff": self.z_eff,
            "mean_excitation_ev": self.mean_excitation_ev,
            "x0_g_cm2": self.x0_g_cm2,
            "x0_cm": self.x0_cm,
            "lambda_i_cm": self.lambda_i_cm,
            "critical_energy_mev": self.critical_energy_mev,
            "moliere_radius_cm": self.moliere_radius_cm,
        }


def nova_mixture(density_g_cm3: float = 0.975) -> Material:
    """The NOvA detector as a homogeneous mixture (ND elemental composition, §9)."""
    return Material(
        "nova-mixture",
        (("C", 0.667), ("Cl", 0.161), ("H", 0.108), ("Ti", 0.032), ("O", 0.030)),
        density_g_cm3,
    )


def nova_scintillator() -> Material:
    """NOvA liquid scintillator: ≈95 % mineral oil (CH2)n + ≈5 % pseudocumene C9H12, 0.853 g/cm³."""
    return Material("nova-scintillator", (("H", 0.1415), ("C", 0.8585)), 0.853)


def polystyrene() -> Material:
    """Polystyrene (C8H8)n with the Sternheimer–Berger–Seltzer (1984) parameters of §10."""
    return Material(
        "polystyrene",
        (("C", 0.922582), ("H", 0.077418)),
        1.06,
        i_ev=68.7,
        sternheimer=Sternheimer(3.2999, 0.1647, 2.5031, 0.16454, 3.2224),
    )


def density_effect(material: Material, betagamma: np.ndarray) -> np.ndarray:
    """Sternheimer density-effect correction δ(βγ) (PDG §34.2.5)."""
    p = material.density_params()
    x = np.log10(np.maximum(betagamma, 1e-12))
    two_ln10 = 2.0 * math.log(10.0)
    delta = two_ln10 * x - p.cbar
    mid = (x >= p.x0) & (x < p.x1)
    delta = np.where(mid, delta + p.a * np.clip(p.x1 - x, 0.0, None) ** p.k, delta)
    low = x < p.x0
    return np.where(low, p.delta0 * 10.0 ** (2.0 * (x - p.x0)), delta)


def bethe_dedx_mev_cm2_g(material: Material, betagamma: np.ndarray, mass_gev: float = M_MUON) -> np.ndarray:
    """Mean ionisation loss −<dE/dx> [MeV cm²/g] of a singly charged particle (Bethe, PDG Eq. 34.5).

    Arguments:
        betagamma: βγ of the particle.
        mass_gev: its mass (enters only through W_max).

    Example:
        >>> float(bethe_dedx_mev_cm2_g(polystyrene(), np.array([3.5]))[0])  # doctest: +ELLIPSIS
        1.93...
    """
    bg2 = np.asarray(betagamma, dtype=float) ** 2
    beta2 = bg2 / (1.0 + bg2)
    gamma = np.sqrt(1.0 + bg2)
    ratio = M_ELECTRON / mass_gev
    wmax_mev = 2.0 * M_E_MEV * bg2 / (1.0 + 2.0 * gamma * ratio + ratio**2)
    i_mev = material.mean_excitation_ev * 1e-6
    log_term = 0.5 * np.log(2.0 * M_E_MEV * bg2 * wmax_mev / i_mev**2)
    delta = density_effect(material, np.sqrt(bg2))
    return K_BETHE_MEV_CM2_MOL * material.z_over_a / beta2 * (log_term - beta2 - 0.5 * delta)


@dataclasses.dataclass(frozen=True)
class RangeTable:
    """CSDA range per unit mass, ``R/M`` [cm/GeV], against ``τ = T/M`` (z = 1 particles).

    dE/dx depends on the particle only through βγ (up to W_max, evaluated for a muon),
    so one table serves muons, pions, kaons and protons: ``R_M(T) = M · f(T/M)``.
    """

    tau: np.ndarray
    r_over_m_cm_per_gev: np.ndarray
    dedx_mev_cm: np.ndarray  # linear stopping power at tau

    def range_cm(self, t_gev: np.ndarray, mass_gev: np.ndarray) -> np.ndarray:
        return mass_gev * np.interp(t_gev / mass_gev, self.tau, self.r_over_m_cm_per_gev)

    def kinetic_gev(self, range_cm: np.ndarray, mass_gev: np.ndarray) -> np.ndarray:
        return mass_gev * np.interp(range_cm / mass_gev, self.r_over_m_cm_per_gev, self.tau)


def range_table(material: Material, tau_min: float = 1e-4, tau_max: float = 2e3, n: int = 3000) -> RangeTable:
    """CSDA range table from the Bethe formula (radiative losses neglected: fine below a few GeV).

    Below ``tau_min`` the stopping power is taken as constant (range ≈ τ/S).
    """
    return _range_table_cached(material, tau_min, tau_max, n)


@functools.lru_cache(maxsize=16)
def _range_table_cached(material: Material, tau_min: float, tau_max: float, n: int) -> RangeTable:
    tau = np.geomspace(tau_min, tau_max, n)
    bg = np.sqrt(tau * (tau + 2.0))
    dedx_mev_cm = bethe_dedx_mev_cm2_g(material, bg) * material.density_g_cm3
    # R/M [cm/GeV]: ∫ dτ / (dT/dx) with dT/dx in GeV/cm
    inv_s = 1.0 / (dedx_mev_cm * 1e-3)
    steps = 0.5 * (inv_s[1:] + inv_s[:-1]) * np.diff(tau)
    r0 = tau[0] * inv_s[0]
    r = np.concatenate([[0.0, r0], r0 + np.cumsum(steps)])
    return RangeTable(np.concatenate([[0.0], tau]), r, np.concatenate([[dedx_mev_cm[0]], dedx_mev_cm]))


def minimum_ionisation_mev_cm2_g(material: Material) -> tuple[float, float]:
    """(minimum of −<dE/dx> [MeV cm²/g], βγ at the minimum) for muons."""
    bg = np.geomspace(0.5, 50.0, 4000)
    d = bethe_dedx_mev_cm2_g(material, bg)
    i = int(np.argmin(d))
    return float(d[i]), float(bg[i])
