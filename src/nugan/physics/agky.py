"""AGKY-like low-W hadronisation: KNO multiplicities, particle content, phase-space decay.

For a hadronic system of invariant mass W (GeV), charge Q and baryon number 1:

1. average charged multiplicity ⟨n_ch⟩ = a + b ln W² (per ν/ν̄ on p/n), total
   ⟨n⟩ = 1.5 ⟨n_ch⟩ (Yang et al. 2009, eq. 1; GENIE ``AGKYLowW2019``);
2. multiplicity n from the KNO scaling law P(n) = L(n/⟨n⟩)/⟨n⟩ with the Levy
   function L(z; c) = 2 e^{−c} c^{cz+1} / Γ(cz+1), for 2 ≤ n ≤ n_max(W) =
   1 + ⌊(W − M_N)/m_π⌋ (capped at 18), normalised;
3. content (GENIE ``GenerateHadronCodes``): a baryon (p/n by charge and multiplicity, or a
   hyperon), a kaon for strangeness, charged pions to balance the charge, a π⁰ for an odd
   remainder, then neutral pairs π⁰π⁰ : π⁺π⁻ : K⁺K⁻ : K⁰K̄⁰ = 0.3133 : 0.6267 : 0.03 : 0.03 while
   the mass allows; K⁰/K̄⁰ become K_S or K_L;
4. decay in the hadronic rest frame (below).

Follows GENIE's ``AGKYLowW2019`` (default configuration): the R₂/R₃ weights of the
RES/DIS joining on n = 2, 3 below W_cut; hyperons (Σ⁺, Λ, Σ⁻ with a kaon) with
P = 0.0220 + 0.0420 ln W²; for n ≥ 3 the baryon from x_F/p_T² densities along the
momentum transfer and the rest by p_T-reweighted phase space (exp(−3.5 p_T) per
particle); n = 2 isotropic. Not included: η production (zero probability in GENIE's default).

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
from nugan.physics.phasespace import decay_at_rest, decay_in_flight

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

# hyperon production: P_str = a + b ln W² (GENIE AGKYLowW2019.xml, fit to Λ data)
HYPERON_AB = (0.021951447, 0.041969985)
# baryon x_F and p_T² densities (GENIE AGKYLowW2019: July-2006 workshop parametrisation)
BARYON_XF_MEAN, BARYON_XF_VAR, BARYON_XF_RANGE = -0.385, 0.131, (-1.0, 0.5)
BARYON_PT2_SLOPE_GEV2, BARYON_PT2_MAX_GEV2 = 6.625, 0.6
PT_REWEIGHT_SLOPE_PER_GEV = 3.5  # exp(−a p_T) per decay product (KNO-PhaseSpDec-ReweightParm)
LAMBDA, SIGMA_PLUS, SIGMA_MINUS = 3122, 3222, 3112
MASS_GEV = {
    c.PDG_PROTON: c.M_PROTON, c.PDG_NEUTRON: c.M_NEUTRON, 211: c.M_PI_CHARGED, -211: c.M_PI_CHARGED,
    111: c.M_PI_ZERO, 321: c.M_K_CHARGED, -321: c.M_K_CHARGED, 130: c.M_K_ZERO, 310: c.M_K_ZERO,
    311: c.M_K_ZERO, -311: c.M_K_ZERO,
    LAMBDA: 1.115683, SIGMA_PLUS: 1.18937, SIGMA_MINUS: 1.197449,  # PDG
}
MAX_SLOTS = MAX_MULTIPLICITY + 4  # charge balancing can exceed the drawn multiplicity (as in GENIE)


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
    """n_max = 1 + ⌊(W − m_n)/m_π⌋, between 2 and 18 (GENIE ``MaxMult``)."""
    n = 1 + np.floor((np.asarray(w_gev) - c.M_NEUTRON) / c.M_PI_CHARGED)
    return np.clip(n, 2, MAX_MULTIPLICITY).astype(int)


def multiplicity_probabilities(
    w_gev: np.ndarray, nu_pdg: int, nucleon_pdg: np.ndarray, r2: float = 1.0, r3: float = 1.0
) -> np.ndarray:
    """P(n), n = 0 … 18 (columns), KNO/Levy, normalised on 2 ≤ n ≤ n_max(W), then times R_n.

    R_n = r2 for n = 2, r3 for n = 3 and 1 above (GENIE ``ApplyRijk``); with r2 = r3 = 1
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
    return p * np.where(n == 2, r2, np.where(n == 3, r3, 1.0))


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


def _put(pdg: np.ndarray, pos: np.ndarray, rows: np.ndarray, code: np.ndarray | int) -> None:
    """Append ``code`` to the particle list of the events ``rows`` (boolean mask)."""
    idx = np.flatnonzero(rows)
    pdg[idx, pos[idx]] = np.broadcast_to(code, rows.shape)[idx]
    pos[idx] += 1


def _baryon(rng: np.random.Generator, mult: np.ndarray, q: np.ndarray, w: np.ndarray) -> np.ndarray:
    """GENIE ``GenerateBaryonPdgCode``: p or n by charge and multiplicity, then Σ⁺/Λ/Σ⁻ with P_str."""
    x, y = rng.uniform(size=(2, mult.size))
    two = mult == 2
    p_proton = np.select(
        [q >= 2, q == 1, q == 0, q <= -1],
        [np.where(two, 1.0, 2 / 3), np.where(two, 1 / 3, 0.5), np.where(two, 2 / 3, 0.5),
         np.where(two, 0.0, 1 / 3)],
    )
    proton = x < p_proton
    p_str = np.clip(HYPERON_AB[0] + HYPERON_AB[1] * np.log(w**2), 0.0, 1.0)
    hyper = y < p_str
    return np.where(
        proton,
        np.where(hyper, np.where(q > 0, SIGMA_PLUS, LAMBDA), c.PDG_PROTON),
        np.where(hyper, np.where(q > 0, LAMBDA, SIGMA_MINUS), c.PDG_NEUTRON),
    )


def _content(rng: np.random.Generator, mult: np.ndarray, charge: np.ndarray, w: np.ndarray) -> np.ndarray:
    """GENIE ``GenerateHadronCodes`` vectorised: (N, MAX_SLOTS) pdg codes, 0 = empty."""
    n = mult.size
    pdg = np.zeros((n, MAX_SLOTS), dtype=np.int64)
    pos = np.zeros(n, dtype=np.int64)
    baryon = _baryon(rng, mult, charge, w)
    _put(pdg, pos, np.ones(n, bool), baryon)
    q = charge - np.isin(baryon, (c.PDG_PROTON, SIGMA_PLUS)) + (baryon == SIGMA_MINUS)
    left = mult - 1
    w_rem = w - _masses(baryon)
    # strangeness: a kaon with a hyperon
    strange = np.isin(baryon, (SIGMA_PLUS, LAMBDA, SIGMA_MINUS))
    coin = rng.uniform(size=n) < 0.5
    k_plus = strange & np.where(mult == 2, q == 1, np.where((mult == 3) & (q == 2), True,
                                                             np.where((mult == 3) & (q == -1), False, coin)))
    k_zero = strange & ~k_plus & ~((mult == 2) & (q != 0))
    _put(pdg, pos, k_plus, 321)
    _put(pdg, pos, k_zero, 311)
    q = q - k_plus
    left = left - k_plus - k_zero
    w_rem = w_rem - k_plus * c.M_K_CHARGED - k_zero * c.M_K_ZERO
    # charge balance with charged pions
    for _ in range(3):
        need = q != 0
        _put(pdg, pos, need, np.where(q > 0, 211, -211))
        left = left - need
        w_rem = w_rem - need * c.M_PI_CHARGED
        q = q - np.sign(q)
    # an odd number left: one π⁰
    odd = (left > 0) & (left % 2 == 1)
    _put(pdg, pos, odd, 111)
    left = left - odd
    w_rem = w_rem - odd * c.M_PI_ZERO
    # neutral pairs, while there is mass for at least π⁰π⁰ (a pair too heavy is redrawn)
    pair_mass = np.array([2 * c.M_PI_ZERO, 2 * c.M_PI_CHARGED, 2 * c.M_K_CHARGED, 2 * c.M_K_ZERO])
    for _ in range(200):
        active = (left > 0) & (w_rem >= pair_mass[0]) & (pos + 2 <= MAX_SLOTS)
        if not active.any():
            break
        kind = rng.choice(len(PAIR_PROBS), p=PAIR_PROBS / PAIR_PROBS.sum(), size=n)
        add = active & (w_rem >= pair_mass[kind])
        _put(pdg, pos, add, PAIRS[kind, 0])
        _put(pdg, pos, add, PAIRS[kind, 1])
        left = left - 2 * add
        w_rem = w_rem - add * pair_mass[kind]
    k0 = np.abs(pdg) == 311
    return np.where(k0, np.where(rng.uniform(size=pdg.shape) < 0.5, 130, 310), pdg)


def _masses(pdg: np.ndarray) -> np.ndarray:
    pdg = np.asarray(pdg)
    out = np.zeros(pdg.shape)
    for code, m in MASS_GEV.items():
        out[pdg == code] = m
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
    """Multiplicity and particle content per event (GENIE ``SelectParticles``): (N, MAX_SLOTS), 0 = empty.

    n from P(n)·R_n (renormalised), redrawn while n < |Q|; content by
    :func:`_content`; a state heavier than W is redrawn (after 50 tries: nucleon + pions).
    """
    w = np.asarray(w_gev, dtype=float)
    charge = np.asarray(charge, dtype=np.int64)
    nuc = np.broadcast_to(np.asarray(nucleon_pdg), w.shape)
    prob = multiplicity_probabilities(w, nu_pdg, nuc, r2, r3)
    cdf = np.cumsum(prob / prob.sum(axis=1, keepdims=True), axis=1)
    out = np.zeros((w.size, MAX_SLOTS), dtype=np.int64)
    todo = np.arange(w.size)
    for _ in range(50):
        if todo.size == 0:
            break
        mult = np.minimum((rng.uniform(size=todo.size)[:, None] > cdf[todo]).sum(axis=1), MAX_MULTIPLICITY)
        pdg = _content(rng, mult, charge[todo], w[todo])
        ok = (mult >= np.abs(charge[todo])) & (_masses(pdg).sum(axis=1) < w[todo])
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


def _sample_baryon_local(rng: np.random.Generator, w: np.ndarray, m_baryon: np.ndarray,
                         m_rest: np.ndarray) -> np.ndarray:
    """Baryon four-momenta (z = string axis) from the AGKY x_F, p_T² densities, leaving mass for the rest."""
    n = w.size
    out = np.zeros((n, 4))
    todo = np.arange(n)
    lo, hi = BARYON_XF_RANGE
    cut = 1 - np.exp(-BARYON_PT2_SLOPE_GEV2 * BARYON_PT2_MAX_GEV2)
    n_try = 4  # candidates per event and round, adapted to the acceptance
    for _ in range(10000):
        if todo.size == 0:
            break
        rows = np.repeat(todo, n_try)
        xf = rng.normal(BARYON_XF_MEAN, np.sqrt(BARYON_XF_VAR), rows.size)
        pt2 = -np.log(1 - rng.uniform(size=rows.size) * cut) / BARYON_PT2_SLOPE_GEV2
        phi = rng.uniform(0, 2 * np.pi, rows.size)
        pt = np.sqrt(pt2)
        pz = xf * w[rows] / 2
        e = np.sqrt(m_baryon[rows] ** 2 + pt2 + pz**2)
        m2_rest = (w[rows] - e) ** 2 - pt2 - pz**2
        ok = (xf >= lo) & (xf <= hi) & (w[rows] > e) & (m2_rest > m_rest[rows] ** 2)
        ok = ok.reshape(todo.size, n_try)
        hit = ok.any(axis=1)
        pick = (np.arange(todo.size) * n_try + np.argmax(ok, axis=1))[hit]
        px, py = pt[pick] * np.cos(phi[pick]), pt[pick] * np.sin(phi[pick])
        out[todo[hit]] = np.stack([px, py, pz[pick], e[pick]], axis=1)
        todo = todo[~hit]
        n_try = int(np.clip(2.0 / max(float(ok.mean()), 1e-3), 1, 256))
    return out


def _to_axis(p4: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Rotate (G, n, 4) vectors from a frame with z along ``axis`` (G, 3) to the frame of ``axis``."""
    helper = np.where(np.abs(axis[:, 2:3]) < 0.9, [[0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0]])
    e1 = np.cross(helper, axis)
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    e2 = np.cross(axis, e1)
    out = p4.copy()
    out[..., :3] = (p4[..., 0:1] * e1[:, None, :] + p4[..., 1:2] * e2[:, None, :]
                    + p4[..., 2:3] * axis[:, None, :])
    return out


def _decay(rng: np.random.Generator, w: np.ndarray, codes: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """AGKY decay of equal-multiplicity systems at rest (GENIE decay method 2).

    n = 2: isotropic two-body decay. n ≥ 3: the baryon (slot 0) from the x_F/p_T² densities
    along the string axis, the others by p_T-reweighted phase space of the remainder.
    """
    masses = _masses(codes)
    g, n = codes.shape
    if n == 2:
        return decay_at_rest(rng, w, masses)
    baryon = _sample_baryon_local(rng, w, masses[:, 0], masses[:, 1:].sum(axis=1))
    rest = np.zeros((g, 4))
    rest[:, 3] = w
    rest -= baryon
    others = decay_in_flight(rng, rest, masses[:, 1:], PT_REWEIGHT_SLOPE_PER_GEV)
    local = np.concatenate([baryon[:, None, :], others], axis=1)
    return _to_axis(local, axis)


def hadronize_low_w(
    rng: np.random.Generator,
    w_gev: np.ndarray,
    charge: np.ndarray,
    nu_pdg: int,
    nucleon_pdg: np.ndarray,
    r2: float = 1.0,
    r3: float = 1.0,
    axis: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AGKY-like hadronisation in the hadronic rest frame.

    Arguments:
        rng: random generator.
        w_gev: (N,) hadronic invariant masses (GeV), above M_N + m_π.
        charge: (N,) electric charge of the hadronic system.
        nu_pdg: probe PDG code (sign selects the ν or ν̄ parameters).
        nucleon_pdg: (N,) struck nucleon (2212 / 2112).
        r2, r3: multiplicity weights (RES/DIS joining) applied to the sampled n.
        axis: (N, 3) unit vectors of the momentum transfer in the rest frame (the baryon's
            x_F is measured along it); default +z.

    Returns:
        counts (N,), pdg (M,), p4 (M, 4) [px, py, pz, E] in the hadronic rest frame.

    Example:
        >>> cnt, pdg, p4 = hadronize_low_w(np.random.default_rng(0), np.array([1.8]), np.array([2]), 14,
        ...                                np.array([2212]))
        >>> int(cnt[0]) >= 2 and bool(np.isclose(p4[:, 3].sum(), 1.8))
        True
    """
    w = np.asarray(w_gev, dtype=float)
    axis = np.tile([0.0, 0.0, 1.0], (w.size, 1)) if axis is None else np.asarray(axis, float)
    pdg = select_hadrons(rng, w, charge, nu_pdg, nucleon_pdg, r2, r3)
    counts = (pdg != 0).sum(axis=1)
    p4 = np.zeros((w.size, MAX_SLOTS, 4))
    for n in np.unique(counts):
        rows = np.flatnonzero(counts == n)
        perm = np.argsort(pdg[rows] == 0, axis=1, kind="stable")[:, :n]  # non-empty slots first
        codes = np.take_along_axis(pdg[rows], perm, axis=1)
        pdg[rows, :n] = codes
        pdg[rows, n:] = 0
        p4[rows, :n] = _decay(rng, w[rows], codes, axis[rows])
    keep = pdg != 0
    return counts, pdg[keep], p4[keep]
