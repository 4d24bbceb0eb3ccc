"""Coherent pion production ν A → ℓ π A (Rein–Sehgal, with the PCAC lepton-mass correction).

References:
    D. Rein and L. M. Sehgal, Nucl. Phys. B223 (1983) 29, Eq. (8) (NC):
      d³σ/dx dy d|t| = (G_F² M f_π² / 2π²) A² E (1−y) (1/16π) σ_πN² (1 + r²)
                       (M_A²/(M_A² + Q²))² e^{−b|t|} F_abs,
      b = R²/3, R = R₀ A^⅓, F_abs = exp(−9 A^⅓ σ_inel / (16π R₀²)), f_π = 0.93 m_π, r = 0.3;
    D. Rein and L. M. Sehgal, PLB 657 (2007) 207 [hep-ph/0606185], Eq. (11)–(12) (CC, lepton mass):
      σ_CC = 2 σ_NC × C,  C = (1 − ½ Q²_min/(Q² + m_π²))² + ¼ y Q²_min (Q² − Q²_min)/(Q² + m_π²)²,
      Q²_min = m_ℓ² y/(1 − y); C = 0 for Q² < Q²_min.
    GENIE ``ReinSehgalCOHPiPXSec.cxx`` (PHYSICS-REFERENCES §7).

The πN cross sections are a simple isospin-averaged parametrisation (:func:`sigma_pin_mb`):
Δ(1232) Breit–Wigner of 120 mb over a continuum rising to 27 mb (≈ 134 mb at the peak),
inelastic part rising above W ≈ 1.4 GeV
[U: approximate, documented in docs/physics.md].
"""

from __future__ import annotations

import numpy as np

from nugan.physics import constants as c
from nugan.physics.params import PhysicsParams

F_PI_GEV = 0.93 * c.M_PI_CHARGED
RE_IM = 0.3
MB_TO_GEV2 = 1.0 / 0.389379372  # 1 mb = 2.568 GeV⁻²
FM2_TO_GEV2 = 1.0 / c.HBARC_GEV_FM**2


def sigma_pin_mb(epi_gev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Isospin-averaged πN (total, inelastic) cross sections [mb] at pion lab energy E_π (nucleon at rest)."""
    e = np.maximum(np.asarray(epi_gev, dtype=float), c.M_PI_CHARGED)
    w = np.sqrt(c.M_NUCLEON**2 + c.M_PI_CHARGED**2 + 2 * c.M_NUCLEON * e)
    gam = 0.117
    delta = 120.0 * (0.25 * gam**2) / ((w - c.M_DELTA) ** 2 + 0.25 * gam**2)
    cont = 27.0 * np.clip((w - c.M_NUCLEON - c.M_PI_CHARGED) / 0.3, 0.0, 1.0)
    tot = delta + cont
    inel = cont * 0.5 * (1.0 + np.tanh((w - 1.45) / 0.12))
    return tot, inel


def d2xsec_dq2dnu_coh_cm2(
    enu_gev: np.ndarray,
    q2_gev2: np.ndarray,
    nu_gev: np.ndarray,
    a: int,
    nu_pdg: int,
    cc: bool,
    params: PhysicsParams | None = None,
) -> np.ndarray:
    """d²σ/dQ²dν [cm²/GeV³] per nucleus, integrated over |t| > |t|_min (Rein–Sehgal 1983 Eq. 8;
    CC with the PCAC factor of Rein–Sehgal 2007 Eq. 11). ν = energy transfer, y = ν/E.

    Example:
        >>> x = d2xsec_dq2dnu_coh_cm2(np.array([2.0]), np.array([0.05]), np.array([0.5]), 12, 14, True)
        >>> float(x[0]) > 0
        True
    """
    p = params or PhysicsParams()
    e = np.asarray(enu_gev, dtype=float)
    q2 = np.asarray(q2_gev2, dtype=float)
    nu = np.asarray(nu_gev, dtype=float)
    m = c.M_NUCLEON
    y = nu / np.maximum(e, 1e-12)
    m_lep = c.LEPTON_MASS_GEV[abs(nu_pdg) - 1] if cc else 0.0
    sig_tot, sig_inel = sigma_pin_mb(nu)
    stot = sig_tot * MB_TO_GEV2
    sinel = sig_inel * MB_TO_GEV2
    r0 = p.coh_r0_fm * (1.0 / c.HBARC_GEV_FM)  # GeV⁻¹
    rad = r0 * a ** (1.0 / 3.0)
    b = rad**2 / 3.0
    f_abs = np.exp(-9.0 * a ** (1.0 / 3.0) * sinel / (16.0 * np.pi * r0**2))
    tmin = ((q2 + c.M_PI_CHARGED**2) / (2.0 * np.maximum(nu, 1e-12))) ** 2
    t_int = np.exp(-b * tmin) / b
    prop = (p.ma_coh_gev**2 / (p.ma_coh_gev**2 + q2)) ** 2
    d3 = (
        (c.G_FERMI_GEV2**2 * m * F_PI_GEV**2 / (2 * np.pi**2))
        * a**2
        * e
        * (1 - y)
        / (16 * np.pi)
        * stot**2
        * (1 + RE_IM**2)
        * prop
        * f_abs
    )
    # dx dy = dQ² dν / (2 M E ν)
    d2 = d3 * t_int / (2 * m * e * np.maximum(nu, 1e-12))
    if cc:
        q2min = m_lep**2 * y / np.maximum(1 - y, 1e-12)
        corr = (1 - 0.5 * q2min / (q2 + c.M_PI_CHARGED**2)) ** 2 + 0.25 * y * q2min * (q2 - q2min) / (
            q2 + c.M_PI_CHARGED**2
        ) ** 2
        d2 = 2.0 * d2 * np.where(q2 >= q2min, corr, 0.0) * c.COS2_THETA_C
    el = e - nu
    ok = (nu > c.M_PI_CHARGED) & (el > m_lep) & (y < 1)
    pl = np.sqrt(np.clip(el**2 - m_lep**2, 0.0, None))
    q2lo = -(m_lep**2) + 2 * e * (el - pl)
    q2hi = -(m_lep**2) + 2 * e * (el + pl)
    ok &= (q2 >= q2lo) & (q2 <= q2hi)
    return np.where(ok, d2, 0.0) * c.HBARC2_GEV2_CM2 * p.coh_norm
