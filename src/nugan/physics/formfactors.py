"""Nucleon form factors for quasi-elastic scattering (pure numpy, Q² in GeV²).

References (PHYSICS-REFERENCES §2):
    Dipole: G_D = (1 + Q²/M_V²)⁻²; G_E^p = G_D, G_M^{p,n} = μ_{p,n} G_D, G_E^n = 0.
    BBBA05: R. Bradford, A. Bodek, H. Budd, J. Arrington, Nucl. Phys. B Proc. Suppl. 159 (2006) 127
        [hep-ex/0602017], Eq. (1) and Table 1: G = (a₀ + a₁τ + a₂τ²)/(1 + b₁τ + b₂τ² + b₃τ³ + b₄τ⁴).
    Axial: F_A = g_A (1 + Q²/M_A²)⁻²; PCAC pseudoscalar F_P = 2M² F_A/(m_π² + Q²)
        (Llewellyn Smith, Phys. Rep. 3 (1972) 261; GENIE ``LwlynSmithFF.cxx``).
"""

from __future__ import annotations

import numpy as np

from nugan.physics import constants as c

# BBBA05 coefficients (a0, a1, a2, b1, b2, b3, b4), hep-ex/0602017 Table 1
_BBBA05 = {
    "GEp": (1.0, -0.0578, 0.0, 11.1, 13.6, 33.0, 0.0),
    "GMp": (1.0, 0.150, 0.0, 11.1, 19.6, 7.54, 0.0),
    "GEn": (0.0, 1.25, 1.30, -9.86, 305.0, -758.0, 802.0),
    "GMn": (1.0, 1.81, 0.0, 14.1, 20.7, 68.7, 0.0),
}


def _bbba05(name: str, tau: np.ndarray) -> np.ndarray:
    a0, a1, a2, b1, b2, b3, b4 = _BBBA05[name]
    return (a0 + a1 * tau + a2 * tau**2) / (1.0 + b1 * tau + b2 * tau**2 + b3 * tau**3 + b4 * tau**4)


def sachs_form_factors(
    q2_gev2: np.ndarray, model: str = "dipole", mv_gev: float = 0.84
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sachs form factors (G_E^p, G_M^p, G_E^n, G_M^n) for ``model`` "dipole" or "bbba05".

    Example:
        >>> [round(float(g), 4) for g in sachs_form_factors(np.array(0.0), "bbba05")]
        [1.0, 2.7928, 0.0, -1.913]
    """
    q2 = np.asarray(q2_gev2, dtype=float)
    if model == "dipole":
        gd = 1.0 / (1.0 + q2 / mv_gev**2) ** 2
        return gd, c.MU_P * gd, np.zeros_like(gd), c.MU_N * gd
    if model == "bbba05":
        tau = q2 / (4.0 * c.M_NUCLEON**2)
        return (
            _bbba05("GEp", tau),
            c.MU_P * _bbba05("GMp", tau),
            _bbba05("GEn", tau),
            c.MU_N * _bbba05("GMn", tau),
        )
    from nugan.errors import ConfigError

    raise ConfigError(f"unknown vector form-factor model {model!r}; use 'dipole' or 'bbba05'")


def dirac_pauli(ge: np.ndarray, gm: np.ndarray, q2_gev2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(F₁, ξF₂) from Sachs (G_E, G_M): F₁ = (G_E + τG_M)/(1+τ), ξF₂ = (G_M − G_E)/(1+τ)."""
    tau = np.asarray(q2_gev2) / (4.0 * c.M_NUCLEON**2)
    return (ge + tau * gm) / (1.0 + tau), (gm - ge) / (1.0 + tau)


def isovector_f1_f2(
    q2_gev2: np.ndarray, model: str = "dipole", mv_gev: float = 0.84
) -> tuple[np.ndarray, np.ndarray]:
    """CC (isovector) F₁ᵛ, ξF₂ᵛ from G^V = G^p − G^n (``LwlynSmithFF.cxx``); ξF₂ᵛ(0) = μ_p − μ_n − 1."""
    gep, gmp, gen, gmn = sachs_form_factors(q2_gev2, model, mv_gev)
    return dirac_pauli(gep - gen, gmp - gmn, q2_gev2)


def nc_f1_f2(
    q2_gev2: np.ndarray, is_proton: np.ndarray, model: str = "dipole", mv_gev: float = 0.84
) -> tuple[np.ndarray, np.ndarray]:
    """NC elastic F₁, ξF₂ on p or n.

    F^{Z,p} = ½(F^p − F^n) − 2 sin²θ_W F^p,  F^{Z,n} = −½(F^p − F^n) − 2 sin²θ_W F^n.

    Strange vector form factors are neglected. Reference: Ahrens et al., PRD 35 (1987) 785, Eq. (3);
    Formaggio & Zeller, RMP 84 (2012) 1307, NC elastic section.
    """
    gep, gmp, gen, gmn = sachs_form_factors(q2_gev2, model, mv_gev)
    f1p, f2p = dirac_pauli(gep, gmp, q2_gev2)
    f1n, f2n = dirac_pauli(gen, gmn, q2_gev2)
    s2w = c.SIN2_THETA_W
    sign = np.where(is_proton, 1.0, -1.0)
    f1 = 0.5 * sign * (f1p - f1n) - 2 * s2w * np.where(is_proton, f1p, f1n)
    f2 = 0.5 * sign * (f2p - f2n) - 2 * s2w * np.where(is_proton, f2p, f2n)
    return f1, f2


def axial_dipole(q2_gev2: np.ndarray, ma_gev: float, ga: float = c.G_A) -> np.ndarray:
    """Dipole axial form factor F_A = g_A (1 + Q²/M_A²)⁻² (g_A < 0 in the LS/GENIE convention)."""
    return ga / (1.0 + np.asarray(q2_gev2) / ma_gev**2) ** 2


def pseudoscalar(q2_gev2: np.ndarray, fa: np.ndarray) -> np.ndarray:
    """PCAC pseudoscalar form factor F_P = 2M² F_A/(m_π² + Q²)."""
    return 2.0 * c.M_NUCLEON**2 * fa / (c.M_PI_CHARGED**2 + np.asarray(q2_gev2))
