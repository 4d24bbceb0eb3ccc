"""Quasi-elastic scattering on a free nucleon: Llewellyn Smith dσ/dQ² (CC) and NC elastic.

Reference: C. H. Llewellyn Smith, Phys. Rep. 3 (1972) 261, Eqs. (3.18)–(3.22); written out with
A, B, C in Formaggio & Zeller, Rev. Mod. Phys. 84 (2012) 1307, Eq. (46)–(47), and in GENIE
``LwlynSmithQELCCPXSec.cxx`` (checked term by term, PHYSICS-REFERENCES §2):

    dσ/dQ² = (M² G_F² cos²θ_C / 8π E²) [A ∓ B (s−u)/M² + C (s−u)²/M⁴],  s − u = 4ME − Q² − m_ℓ²,

with −B for ν and +B for ν̄ when g_A < 0. NC elastic uses the same expression with the NC form
factors, m_ℓ = 0 and no cos²θ_C (Ahrens et al., PRD 35 (1987) 785).
"""

from __future__ import annotations

import numpy as np

from nugan.physics import constants as c
from nugan.physics import formfactors as ff
from nugan.physics.params import PhysicsParams

_GL_X, _GL_W = np.polynomial.legendre.leggauss(96)


def ls_abc(
    q2_gev2: np.ndarray,
    m_lep_gev: float | np.ndarray,
    f1: np.ndarray,
    xf2: np.ndarray,
    fa: np.ndarray,
    fp: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Llewellyn Smith A(Q²), B(Q²), C(Q²) (Phys. Rep. 3 (1972) 261, Eq. 3.18; PHYSICS-REFERENCES §2)."""
    m = c.M_NUCLEON
    q2 = np.asarray(q2_gev2, dtype=float)
    tau = q2 / (4 * m**2)
    ml2 = np.asarray(m_lep_gev) ** 2
    a = ((ml2 + q2) / m**2) * (
        (1 + tau) * fa**2
        - (1 - tau) * f1**2
        + tau * (1 - tau) * xf2**2
        + 4 * tau * f1 * xf2
        - (ml2 / (4 * m**2)) * ((f1 + xf2) ** 2 + (fa + 2 * fp) ** 2 - 4 * (1 + tau) * fp**2)
    )
    b = (q2 / m**2) * fa * (f1 + xf2)
    cc = 0.25 * (fa**2 + f1**2 + tau * xf2**2)
    return a, b, cc


def q2_range_free(
    enu_gev: np.ndarray, m_lep_gev: float | np.ndarray, m_in: float = c.M_NUCLEON, m_out: float = c.M_NUCLEON
) -> tuple[np.ndarray, np.ndarray]:
    """Physical Q² range of ν + N(at rest, m_in) → ℓ + X(m_out) from the CM two-body kinematics."""
    e = np.asarray(enu_gev, dtype=float)
    s = m_in**2 + 2 * m_in * e
    rs = np.sqrt(s)
    ek = (s - m_in**2) / (2 * rs)
    el = (s + m_lep_gev**2 - m_out**2) / (2 * rs)
    pl = np.sqrt(np.clip(el**2 - m_lep_gev**2, 0.0, None))
    return -(m_lep_gev**2) + 2 * ek * (el - pl), -(m_lep_gev**2) + 2 * ek * (el + pl)


def dxsec_dq2_qe_cm2(
    enu_gev: np.ndarray,
    q2_gev2: np.ndarray,
    nu_pdg: int | np.ndarray,
    params: PhysicsParams | None = None,
    cc: bool = True,
    is_proton: np.ndarray | bool = False,
) -> np.ndarray:
    """dσ/dQ² [cm²/GeV²] for QE on a free nucleon (Llewellyn Smith, Phys. Rep. 3 (1972) 261, Eq. 3.18).

    Arguments:
        enu_gev: neutrino energy in the nucleon rest frame.
        q2_gev2: Q² = −q² > 0.
        nu_pdg: ±12, ±14, ±16 (sign selects ν or ν̄).
        params: M_A (``ma_qe_gev``), vector FFs (``vector_ff``, ``mv_qe_gev``), g_A (``ga``).
        cc: CC (ν n → ℓ⁻ p, ν̄ p → ℓ⁺ n) or NC elastic (``is_proton`` selects the nucleon).

    Outside the physical Q² range the result is 0.

    Example:
        >>> x = dxsec_dq2_qe_cm2(np.array([1.0]), np.array([0.2]), 14)
        >>> 0.5e-38 < float(x[0]) < 2e-38
        True
    """
    p = params or PhysicsParams()
    e = np.asarray(enu_gev, dtype=float)
    q2 = np.asarray(q2_gev2, dtype=float)
    nu_sign = np.sign(np.asarray(nu_pdg))
    if cc:
        m_lep = (
            np.vectorize(lambda k: c.LEPTON_MASS_GEV[abs(int(k)) - 1], otypes=[float])(nu_pdg)
            if np.ndim(nu_pdg)
            else c.LEPTON_MASS_GEV[abs(int(nu_pdg)) - 1]
        )
        f1, xf2 = ff.isovector_f1_f2(q2, p.vector_ff, p.mv_qe_gev)
        fa = ff.axial_dipole(q2, p.ma_qe_gev, p.ga)
        fp = ff.pseudoscalar(q2, fa)
        coupling = c.COS2_THETA_C
    else:
        m_lep = 0.0
        prot = np.asarray(is_proton, dtype=bool)
        f1, xf2 = ff.nc_f1_f2(q2, prot, p.vector_ff, p.mv_qe_gev)
        fa = 0.5 * np.where(prot, 1.0, -1.0) * ff.axial_dipole(q2, p.ma_qe_gev, p.ga)
        fp = np.zeros_like(fa)
        coupling = 1.0
    a, b, cc_ = ls_abc(q2, m_lep, f1, xf2, fa, fp)
    m = c.M_NUCLEON
    su = 4 * m * e - q2 - np.asarray(m_lep) ** 2
    sign = -1.0 * nu_sign  # −B for ν, +B for ν̄ (g_A < 0)
    bracket = a + sign * b * su / m**2 + cc_ * su**2 / m**4
    pref = m**2 * c.G_FERMI_GEV2**2 * coupling / (8 * np.pi * np.maximum(e, 1e-12) ** 2)
    q2min, q2max = q2_range_free(e, np.asarray(m_lep, dtype=float))
    inside = (q2 >= q2min) & (q2 <= q2max) & (e > 0)
    out = np.where(inside, pref * np.clip(bracket, 0.0, None), 0.0) * c.HBARC2_GEV2_CM2
    if not cc:
        out = out * p.ncel_norm
    return out


def xsec_qe_free_cm2(
    enu_gev: np.ndarray,
    nu_pdg: int,
    params: PhysicsParams | None = None,
    cc: bool = True,
    is_proton: bool = False,
) -> np.ndarray:
    """Total QE σ(E) [cm²] on a free nucleon: ∫dσ/dQ² over the physical range (96-point Gauss–Legendre).

    The integration variable is u = 1/(1 + Q²/1 GeV²) (smooth for the dipole-like fall-off).
    Reference values: PHYSICS-REFERENCES §2 sanity table (1.07e-38 cm² at 1 GeV, M_A = 1, dipole).
    """
    e = np.atleast_1d(np.asarray(enu_gev, dtype=float))
    m_lep = c.LEPTON_MASS_GEV[abs(int(nu_pdg)) - 1] if cc else 0.0
    m_in = c.M_NUCLEON
    q2min, q2max = q2_range_free(e, m_lep, m_in, m_in)
    umin, umax = 1.0 / (1.0 + q2max), 1.0 / (1.0 + q2min)
    u = 0.5 * (umax - umin)[:, None] * (_GL_X[None, :] + 1.0) + umin[:, None]
    q2 = 1.0 / u - 1.0
    jac = 1.0 / u**2
    ee = np.broadcast_to(e[:, None], q2.shape)
    d = dxsec_dq2_qe_cm2(ee, q2, nu_pdg, params, cc=cc, is_proton=np.full(q2.shape, is_proton))
    total = 0.5 * (umax - umin) * np.sum(d * jac * _GL_W[None, :], axis=1)
    return np.where(q2max > q2min, total, 0.0)
