"""AGKY-like low-W hadronisation: KNO multiplicities, particle content, phase-space decay.

For a hadronic system of invariant mass W (GeV), charge Q and baryon number 1:

1. average charged multiplicity ⟨n_ch⟩ = a + b ln W² (per ν/ν̄ on p/n), total
   ⟨n⟩ = 1.5 ⟨n_ch⟩ (Yang et al. 2009, eq. 1; GENIE ``AGKYLowW2019``);
2. multiplicity n from the KNO scaling law P(n) = L(n/⟨n⟩)/⟨n⟩ with the Levy
   function L(z; c) = 2 e^{−c} c^{cz+1} / Γ(cz+1), for 2 ≤ n ≤ n_max(W) =
   1 + ⌊(W − M_N)/m_π⌋ (capped at 18), normalised;
3. content: one nucleon (p/n chosen with charge-dependent probabilities), |Q − Q_N|
   charged pions to balance the charge, then neutral pairs π⁰π⁰ : π⁺π⁻ : K⁺K⁻ : K⁰K̄⁰ =
   0.3133 : 0.6267 : 0.03 : 0.03 and one π⁰ if one slot is left; K⁰/K̄⁰ become K_S or K_L;
4. an unweighted n-body phase-space decay (GENBOD) in the hadronic rest frame.

Simplifications against GENIE's AGKY: no baryon x_F/p_T² parametrisation and no
p_T reweighting of the decay (pure phase space); no low-multiplicity suppression.

References:
    T. Yang, C. Andreopoulos, H. Gallagher, K. Hofmann, P. Kehayias,
    Eur. Phys. J. C63 (2009) 1 [arXiv:0904.4043];
    Z. Koba, H. B. Nielsen, P. Olesen, Nucl. Phys. B40 (1972) 317 (KNO scaling);
    GENIE ``AGKYLowW2019.cxx/.xml``, ``CommonParam.xml`` (NonResBackground).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from nugan.physics import constants as c
from nugan.physics.phasespace import decay_at_rest

MAX_MULTIPLICITY = 18
# ⟨n_ch⟩ = a + b ln W²  (AGKY 2009 / GENIE AGKYLowW2019.xml), keyed by (ν or ν̄, nucleon)
AGKY_AB = {
    ("nu", c.PDG_PROTON): (0.40, 1.42),
    ("nu", c.PDG_NEUTRON): (-0.20, 1.42),
    ("nubar", c.PDG_PROTON): (0.02, 1.28),
    ("nubar", c.PDG_NEUTRON): (0.80, 0.95),
}
# Levy KNO parameter c
AGKY_LEVY_C = {
    ("nu", c.PDG_PROTON): 7.93,
    ("nu", c.PDG_NEUTRON): 5.22,
    ("nubar", c.PDG_PROTON): 5.22,
    ("nubar", c.PDG_NEUTRON): 7.93,
}
# RES/DIS joining: multiplicity weights (R2, R3) for W < W_cut (GENIE CommonParam.xml
# NonResBackground; same values for CC and NC).
NONRES_R2_R3 = {
    ("nu", c.PDG_PROTON): (0.1, 1.0),
    ("nu", c.PDG_NEUTRON): (0.3, 1.0),
    ("nubar", c.PDG_PROTON): (0.3, 1.0),
    ("nubar", c.PDG_NEUTRON): (0.1, 1.0),
}
TOTAL_TO_CHARGED = 1.5
# neutral pairs (pdg_a, pdg_b) and probabilities (AGKY 2009, GENIE AGKYLowW2019.xml)
PAIRS = np.array([[111, 111], [211, -211], [321, -321], [311, -311]])
PAIR_PROBS = np.array([0.3133, 0.6267, 0.03, 0.03])

MASS_GEV = {
    c.PDG_PROTON: c.M_PROTON, c.PDG_NEUTRON: c.M_NEUTRON, 211: c.M_PI_CHARGED, -211: c.M_PI_CHARGED,
    111: c.M_PI_ZERO, 321: c.M_K_CHARGED, -321: c.M_K_CHARGED, 130: c.M_K_ZERO, 310: c.M_K_ZERO,
}


def _key(nu_pdg: int, nucleon_pdg: int) -> tuple[str, int]:
    return ("nu" if nu_pdg > 0 else "nubar", int(nucleon_pdg))


def average_charged_multiplicity(w_gev: np.ndarray, nu_pdg: int, nucleon_pdg: np.ndarray) -> np.ndarray:
    """⟨n_ch⟩ = a + b ln W² (Yang et al. 2009, eq. 1), per event.

    Example:
        >>> round(float(average_charged_multiplicity(np.array([2.0]), 14, np.array([2212]))[0]), 3)
        2.369
    """
    w = np.asarray(w_gev, dtype=float)
    nuc = np.broadcast_to(np.asarray(nucleon_pdg), w.shape)
    a = np.where(nuc == c.PDG_PROTON, AGKY_AB[_key(nu_pdg, 2212)][0], AGKY_AB[_key(nu_pdg, 2112)][0])
    b = np.where(nuc == c.PDG_PROTON, AGKY_AB[_key(nu_pdg, 2212)][1], AGKY_AB[_key(nu_pdg, 2112)][1])
    return a + b * np.log(w**2)


def max_multiplicity(w_gev: np.ndarray) -> np.ndarray:
    """n_max = 1 + ⌊(W − M_N)/m_π⌋, between 2 and 18."""
    n = 1 + np.floor((np.asarray(w_gev) - c.M_NUCLEON) / c.M_PI_CHARGED)
    return np.clip(n, 2, MAX_MULTIPLICITY).astype(int)


def multiplicity_probabilities(
    w_gev: np.ndarray, nu_pdg: int, nucleon_pdg: np.ndarray, r2: float = 1.0, r3: float = 1.0
) -> np.ndarray:
    """P(n), n = 0 … 18 (columns), KNO/Levy, normalised on 2 ≤ n ≤ n_max(W), then times R_n.

    R_n = r2 for n = 2 and r3 for n ≥ 3 (the RES/DIS joining weights); with r2 = r3 = 1
    each row sums to 1, otherwise to the non-resonant fraction of the DIS at that W.
    """
    w = np.atleast_1d(np.asarray(w_gev, dtype=float))
    nuc = np.broadcast_to(np.asarray(nucleon_pdg), w.shape)
    navg = TOTAL_TO_CHARGED * np.clip(average_charged_multiplicity(w, nu_pdg, nuc), 0.1, None)
    levy_c = np.where(nuc == c.PDG_PROTON, AGKY_LEVY_C[_key(nu_pdg, 2212)], AGKY_LEVY_C[_key(nu_pdg, 2112)])
    n = np.arange(MAX_MULTIPLICITY + 1)[None, :]
    z = n / navg[:, None]
    cc = levy_c[:, None]
    log_l = np.log(2.0) - cc + (cc * z + 1) * np.log(cc) - gammaln(cc * z + 1)
    p = np.exp(log_l) / navg[:, None]
    allowed = (n >= 2) & (n <= max_multiplicity(w)[:, None])
    p = np.where(allowed, p, 0.0)
    p /= p.sum(axis=1, keepdims=True)
    return p * np.where(n == 2, r2, r3)


def nonresonant_weight(w_gev: np.ndarray, nu_pdg: int, nucleon_pdg: np.ndarray) -> np.ndarray:
    """Σ_n P(n) R_n: the fraction of the DIS cross section kept below W_cut (§5 of the sheet)."""
    w = np.atleast_1d(np.asarray(w_gev, dtype=float))
    nuc = np.broadcast_to(np.asarray(nucleon_pdg), w.shape)
    out = np.empty_like(w)
    for nucleon in (c.PDG_PROTON, c.PDG_NEUTRON):
        m = nuc == nucleon
        if m.any():
            r2, r3 = NONRES_R2_R3[_key(nu_pdg, nucleon)]
            out[m] = multiplicity_probabilities(w[m], nu_pdg, nuc[m], r2, r3).sum(axis=1)
    return out


def _choose_baryon(rng: np.random.Generator, n: np.ndarray, charge: np.ndarray) -> np.ndarray:
    """Nucleon of the hadronic system given multiplicity and charge (GENIE AGKY rules, [U])."""
    u = rng.uniform(size=n.shape)
    p_neutron = np.select(
        [charge >= 2, charge == 1, charge == 0, charge <= -1],
        [np.zeros_like(u), np.where(n == 2, 1 / 3, 0.5), np.where(n == 2, 2 / 3, 0.5),
         np.where(n == 2, 1.0, 0.5)],
    )
    return np.where(u < p_neutron, c.PDG_NEUTRON, c.PDG_PROTON)


def _content(rng: np.random.Generator, n: np.ndarray, charge: np.ndarray) -> np.ndarray:
    """(N, 18) pdg codes (0 = empty slot) with total charge ``charge`` and baryon number 1."""
    baryon = _choose_baryon(rng, n, charge)
    q_rest = charge - (baryon == c.PDG_PROTON)
    n_charged = np.abs(q_rest)
    col = np.arange(MAX_MULTIPLICITY)[None, :]
    pdg = np.zeros((n.size, MAX_MULTIPLICITY), dtype=np.int64)
    pdg[:, 0] = baryon
    is_pi = (col >= 1) & (col <= n_charged[:, None])
    pdg = np.where(is_pi, np.where(q_rest[:, None] > 0, 211, -211), pdg)
    pos = col - 1 - n_charged[:, None]
    left = (n - 1 - n_charged)[:, None]
    pair_type = rng.choice(len(PAIR_PROBS), p=PAIR_PROBS, size=(n.size, MAX_MULTIPLICITY))
    which = np.take_along_axis(pair_type, np.clip(pos // 2, 0, None), axis=1)
    member = PAIRS[which, np.clip(pos, 0, None) % 2]
    in_pair = (pos >= 0) & (pos < 2 * (left // 2))
    pdg = np.where(in_pair, member, pdg)
    pdg = np.where((pos == left - 1) & (left % 2 == 1), 111, pdg)
    kaon0 = np.abs(pdg) == 311
    pdg = np.where(kaon0, np.where(rng.uniform(size=pdg.shape) < 0.5, 130, 310), pdg)
    bad = left[:, 0] < 0
    pdg[bad] = -1  # impossible (too few slots for the charge): caller resamples
    return pdg


def _masses(pdg: np.ndarray) -> np.ndarray:
    out = np.zeros(pdg.shape)
    for code, m in MASS_GEV.items():
        out[pdg == code] = m
    out[pdg == -1] = np.inf
    return out


def select_hadrons(
    rng: np.random.Generator,
    w_gev: np.ndarray,
    charge: np.ndarray,
    nu_pdg: int,
    nucleon_pdg: np.ndarray,
    r2: float = 1.0,
    r3: float = 1.0,
) -> np.ndarray:
    """Multiplicity and particle content per event: (N, 18) pdg codes, 0 = empty slot.

    Multiplicities follow P(n)·R_n (renormalised); a draw whose masses exceed W or
    whose charge cannot be balanced is redrawn; after 50 tries the minimal state
    (nucleon + pions) is used.
    """
    w = np.asarray(w_gev, dtype=float)
    charge = np.asarray(charge, dtype=int)
    nuc = np.broadcast_to(np.asarray(nucleon_pdg), w.shape)
    prob = multiplicity_probabilities(w, nu_pdg, nuc, r2, r3)
    cdf = np.cumsum(prob / prob.sum(axis=1, keepdims=True), axis=1)
    out = np.zeros((w.size, MAX_MULTIPLICITY), dtype=np.int64)
    todo = np.arange(w.size)
    for _ in range(50):
        if todo.size == 0:
            break
        n = np.minimum((rng.uniform(size=todo.size)[:, None] > cdf[todo]).sum(axis=1), MAX_MULTIPLICITY)
        pdg = _content(rng, n, charge[todo])
        ok = _masses(pdg).sum(axis=1) < w[todo]
        out[todo[ok]] = pdg[ok]
        todo = todo[~ok]
    if todo.size:
        q = charge[todo]
        base = np.where(q >= 1, c.PDG_PROTON, c.PDG_NEUTRON)
        q_rest = q - (base == c.PDG_PROTON)
        out[todo, 0] = base
        out[todo, 1] = np.where(q_rest > 0, 211, np.where(q_rest < 0, -211, 111))
        out[todo[np.abs(q_rest) > 1], 2] = np.sign(q_rest[np.abs(q_rest) > 1]) * 211
    return out


def hadronize_low_w(
    rng: np.random.Generator,
    w_gev: np.ndarray,
    charge: np.ndarray,
    nu_pdg: int,
    nucleon_pdg: np.ndarray,
    r2: float = 1.0,
    r3: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AGKY-like hadronisation in the hadronic rest frame.

    Arguments:
        rng: random generator.
        w_gev: (N,) hadronic invariant masses (GeV), above M_N + m_π.
        charge: (N,) electric charge of the hadronic system.
        nu_pdg: probe PDG code (sign selects the ν or ν̄ parameters).
        nucleon_pdg: (N,) struck nucleon (2212 / 2112).
        r2, r3: multiplicity weights (RES/DIS joining) applied to the sampled n.

    Returns:
        counts (N,), pdg (M,), p4 (M, 4) [px, py, pz, E] in the hadronic rest frame.

    Example:
        >>> cnt, pdg, p4 = hadronize_low_w(np.random.default_rng(0), np.array([1.8]), np.array([2]), 14,
        ...                                np.array([2212]))
        >>> int(cnt[0]) >= 2 and bool(np.isclose(p4[:, 3].sum(), 1.8))
        True
    """
    w = np.asarray(w_gev, dtype=float)
    pdg = select_hadrons(rng, w, charge, nu_pdg, nucleon_pdg, r2, r3)
    counts = (pdg != 0).sum(axis=1)
    p4 = np.zeros((w.size, MAX_MULTIPLICITY, 4))
    for n in np.unique(counts):
        rows = np.flatnonzero(counts == n)
        perm = np.argsort(pdg[rows] == 0, axis=1, kind="stable")[:, :n]  # non-empty slots first
        codes = np.take_along_axis(pdg[rows], perm, axis=1)
        pdg[rows, :n] = codes
        pdg[rows, n:] = 0
        p4[rows, :n] = decay_at_rest(rng, w[rows], _masses(codes))
    keep = pdg != 0
    return counts, pdg[keep], p4[keep]
