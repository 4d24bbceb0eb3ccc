"""2p2h / meson-exchange currents: the GENIE empirical MEC model (Dytman; Katori 2015).

Reference: T. Katori, AIP Conf. Proc. 1663 (2015) 030001 [arXiv:1304.6014], Sec. 2 ("empirical
MEC"), GENIE ``EmpiricalMECPXSec2015`` (PHYSICS-REFERENCES §4):

* shape  d²σ/dW dQ² ∝ G(W) · Q² (1 + Q²/M_q²)⁻⁸ · [A + (s−u)² C],  G(W) = exp[−½((W − 2.15)/0.05)²],
  W = invariant mass of the outgoing two-nucleon system, M_q² = 0.4 GeV², and the Llewellyn-Smith-like
  transverse factor of ``EmpiricalMECPXSec2015::XSec``: with the cluster mass M₂ = 2M, τ = Q²/4M₂²,
  A = (m_ℓ² + Q²)/M₂² · (τ(1+τ) − τ²(1−τ) + 4τ²)/(1+τ)², C = τ/(4(1+τ)), s − u = 4M₂E − Q² − m_ℓ²;
* normalisation  σ_MEC(E) = mec_norm · f_CC · σ_QE,free(E) · N_hit (N_hit/6)^{P−1} · (phase-space
  fraction at E), f_CC = ``mec_frac_ccqe`` = 0.30, P = 0.9, σ_QE,free on a neutron (ν) or proton (ν̄);
* pair: ν takes an (np) pair with probability 0.8 (→ pp) and (nn) with 0.2 (→ np);
  ν̄ takes (np) 0.8 (→ nn) and (pp) 0.2 (→ np).

Differences from GENIE (documented): σ_QE is the free-nucleon (not the nuclear) CCQE cross section, and
the shape is normalised at each energy by its integral over the kinematically allowed region of a
cluster at rest (:func:`shape_norm`).
"""

from __future__ import annotations

import functools

import numpy as np

from nugan.physics import constants as c

W_PEAK_GEV = 2.15
W_WIDTH_GEV = 0.05
MQ2_GEV2 = 0.4
A_POWER = 0.9
FRAC_PN = 0.8


def shape(w_gev: np.ndarray, q2_gev2: np.ndarray) -> np.ndarray:
    """Unnormalised d²σ/dW dQ² shape G(W) Q² (1 + Q²/M_q²)⁻⁸ (Katori 2015)."""
    w = np.asarray(w_gev)
    q2 = np.asarray(q2_gev2)
    return np.exp(-0.5 * ((w - W_PEAK_GEV) / W_WIDTH_GEV) ** 2) * q2 * (1.0 + q2 / MQ2_GEV2) ** -8


M_CLUSTER = 2.0 * c.M_NUCLEON


def transverse_factor(enu_gev: np.ndarray, q2_gev2: np.ndarray, m_lep: float) -> np.ndarray:
    """A + (s−u)² C of GENIE ``EmpiricalMECPXSec2015::XSec`` (cluster mass 2M, E in the cluster frame)."""
    q2 = np.asarray(q2_gev2)
    m2 = M_CLUSTER
    tau = q2 / (4 * m2**2)
    a = (m_lep**2 + q2) / m2**2 * (tau * (1 + tau) - tau**2 * (1 - tau) + 4 * tau**2) / (1 + tau) ** 2
    cc = tau / 4 / (1 + tau)
    su = 4 * m2 * np.asarray(enu_gev) - q2 - m_lep**2
    return a + su**2 * cc


def full_shape(enu_gev: np.ndarray, w_gev: np.ndarray, q2_gev2: np.ndarray, m_lep: float) -> np.ndarray:
    """Unnormalised d²σ/dW dQ² (Gaussian in W × Q² factor × transverse factor)."""
    return shape(w_gev, q2_gev2) * transverse_factor(enu_gev, q2_gev2, m_lep)


_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)


@functools.lru_cache(maxsize=8)
def _norm_table(m_lep: float) -> tuple[np.ndarray, np.ndarray]:
    e = np.geomspace(0.05, 500.0, 400)
    w = W_PEAK_GEV + 6 * W_WIDTH_GEV * _GL_X
    m2 = M_CLUSTER
    s = m2**2 + 2 * m2 * e[:, None]
    rs = np.sqrt(s)
    ek = (s - m2**2) / (2 * rs)
    el = (s + m_lep**2 - w[None, :] ** 2) / (2 * rs)
    pl = np.sqrt(np.clip(el**2 - m_lep**2, 0.0, None))
    lo = np.clip(-(m_lep**2) + 2 * ek * (el - pl), 0.0, None)
    hi = -(m_lep**2) + 2 * ek * (el + pl)
    ok = (rs > w[None, :] + m_lep) & (hi > lo)
    half = 0.5 * np.where(ok, hi - lo, 0.0)
    q2 = half[:, :, None] * (_GL_X[None, None, :] + 1) + lo[:, :, None]
    f = full_shape(e[:, None, None], w[None, :, None], q2, m_lep)
    inner = np.sum(f * _GL_W[None, None, :], axis=2) * half
    total = np.sum(inner * _GL_W[None, :], axis=1) * 6 * W_WIDTH_GEV
    return e, total


def shape_norm(enu_gev: np.ndarray, m_lep: float) -> np.ndarray:
    """Normalisation D(E) = max(S(E), K E²) of the shape.

    S(E) = ∫∫ full_shape dW dQ² over the allowed region of a cluster at rest (tabulated); above ~1 GeV
    S ≈ K E² (K fixed at 5 GeV), so σ_MEC = f σ_QE there, while near threshold the closing phase space
    suppresses σ_MEC smoothly instead of dividing by a vanishing integral.
    """
    e, total = _norm_table(float(m_lep))
    k = float(np.interp(np.log(5.0), np.log(e), total)) / 25.0
    s = np.exp(np.interp(np.log(np.maximum(enu_gev, 1e-6)), np.log(e), np.log(np.maximum(total, 1e-300))))
    return np.maximum(s, k * np.asarray(enu_gev) ** 2)


def nucleus_factor(n_hit: int) -> float:
    """N_hit (N_hit/6)^{P−1}: number of hit nucleons with the empirical A scaling (P = 0.9)."""
    return float(n_hit * (n_hit / 6.0) ** (A_POWER - 1.0)) if n_hit > 0 else 0.0


def pair_final_pdgs(
    nu_pdg: int, initial_is_np: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(initial pdg 1, initial pdg 2, final pdg 1, final pdg 2) of the two nucleons for CC 2p2h."""
    p, n = c.PDG_PROTON, c.PDG_NEUTRON
    k = initial_is_np.size
    if nu_pdg > 0:
        i1 = np.where(initial_is_np, n, n)
        i2 = np.where(initial_is_np, p, n)
        f1 = np.full(k, p)
        f2 = np.where(initial_is_np, p, n)
    else:
        i1 = np.where(initial_is_np, p, p)
        i2 = np.where(initial_is_np, n, p)
        f1 = np.full(k, n)
        f2 = np.where(initial_is_np, n, p)
    return i1, i2, f1, f2
