"""2p2h / meson-exchange currents: the GENIE empirical MEC model (Dytman; Katori 2015).

Reference: T. Katori, AIP Conf. Proc. 1663 (2015) 030001 [arXiv:1304.6014], Sec. 2 ("empirical
MEC"), GENIE ``EmpiricalMECPXSec2015`` (PHYSICS-REFERENCES §4):

* shape  d²σ/dW dQ² ∝ G(W) · Q² (1 + Q²/M_q²)⁻⁸,  G(W) = exp[−½((W − 2.15)/0.05)²],
  W = invariant mass of the outgoing two-nucleon system, M_q² = 0.4 GeV²;
* normalisation  σ_MEC(E) = mec_norm · f_CC · σ_QE,free(E) · N_hit (N_hit/6)^{P−1} · (phase-space
  fraction at E), f_CC = ``mec_frac_ccqe`` = 0.30, P = 0.9, σ_QE,free on a neutron (ν) or proton (ν̄);
* pair: ν takes an (np) pair with probability 0.8 (→ pp) and (nn) with 0.2 (→ np);
  ν̄ takes (np) 0.8 (→ nn) and (pp) 0.2 (→ np).

The lepton tensor factor of the GENIE implementation is dropped (shape in W, Q² only): a documented
simplification.
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


@functools.lru_cache(maxsize=1)
def shape_integral() -> float:
    """∫∫ shape dW dQ² over W ∈ W_peak ± 6 widths, Q² ∈ [0, ∞) (analytic in Q²)."""
    # ∫ Q² (1+Q²/a)^-8 dQ² = a² /(7·6)  (Beta function B(2, 6) = 1/42)
    q2_int = MQ2_GEV2**2 / 42.0
    w_int = np.sqrt(2 * np.pi) * W_WIDTH_GEV
    return float(q2_int * w_int)


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
