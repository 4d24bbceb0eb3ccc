"""Interaction channels and their weighted kinematics samplers.

A :class:`Channel` is one process on one kind of hit centre (a neutron, a proton, a nucleon pair or
the whole nucleus) of one nucleus. :func:`sample_channel` draws kinematics from a simple proposal and
returns them with a weight w [cm² per hit centre] such that the mean weight is the channel's total
cross section σ(E) (including Fermi motion and Pauli blocking for bound nucleons). The generator uses
the same function for the cross-section tables (mean of w) and for the events (accept–reject on w),
so the events follow exactly the tabulated total and the differential cross sections.

Bound nucleons: momentum from the RFG, energy √(M² + p²) − E_b (Smith–Moniz). The final state is built
from the exact four-momentum P = k + p: the lepton is placed in the centre-of-mass frame of P at the
angle that gives the sampled Q², so four-momentum is conserved exactly; the free-nucleon differential
cross section is evaluated at the effective energy E* = (s − M²)/(2M) (neutrino energy in the rest
frame of an on-shell nucleon with the same s). Pauli blocking: outgoing nucleons need |p| > k_F.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from nugan.physics import ccqe, coh, mec, res
from nugan.physics import constants as c
from nugan.physics import kinematics as kin
from nugan.physics.modes import Mode
from nugan.physics.nucleus import Nucleus, bound_nucleon_p4
from nugan.physics.params import PhysicsParams


@dataclasses.dataclass(frozen=True)
class Channel:
    """One process on one kind of hit centre.

    Attributes:
        mode: the :class:`Mode`.
        nucleus: the nucleus (or free nucleon) hit.
        nu_pdg: neutrino species.
        hit: "p", "n", "pair" (2p2h) or "A" (coherent).
    """

    mode: Mode
    nucleus: Nucleus
    nu_pdg: int
    hit: str

    @property
    def cc(self) -> bool:
        return self.mode.is_cc

    @property
    def key(self) -> str:
        return f"{self.mode.name}:{self.nucleus.name}:{self.nu_pdg}:{self.hit}"

    def n_centres(self) -> float:
        """Number of hit centres per nucleus (σ_nucleus = n_centres × σ per centre)."""
        if self.hit == "p":
            return float(self.nucleus.z)
        if self.hit == "n":
            return float(self.nucleus.n)
        if self.hit == "pair":
            return mec.nucleus_factor(self.nucleus.n if self.nu_pdg > 0 else self.nucleus.z)
        return 1.0


def channels_for(nucleus: Nucleus, nu_pdg: int, dis: bool = False) -> list[Channel]:
    """All channels of a neutrino on a nucleus (DIS ones only when ``dis`` is true)."""
    out: list[Channel] = []
    hits = [h for h, count in (("p", nucleus.z), ("n", nucleus.n)) if count > 0]
    qe_hit = "n" if nu_pdg > 0 else "p"
    if qe_hit in hits:
        out.append(Channel(Mode.CCQE, nucleus, nu_pdg, qe_hit))
    for h in hits:
        out.append(Channel(Mode.NCEL, nucleus, nu_pdg, h))
        out.append(Channel(Mode.CCRES, nucleus, nu_pdg, h))
        out.append(Channel(Mode.NCRES, nucleus, nu_pdg, h))
        if dis:
            out.append(Channel(Mode.CCDIS, nucleus, nu_pdg, h))
            out.append(Channel(Mode.NCDIS, nucleus, nu_pdg, h))
    if not nucleus.is_free:
        out.append(Channel(Mode.CCMEC, nucleus, nu_pdg, "pair"))
        out.append(Channel(Mode.CCCOH, nucleus, nu_pdg, "A"))
        out.append(Channel(Mode.NCCOH, nucleus, nu_pdg, "A"))
    return out


@dataclasses.dataclass
class Kine:
    """Weighted kinematics of a batch of N events of one channel (lab frame, ν along +z).

    ``hadron_pdg``/``hadron_p4`` are flat (M,) / (M, 4) with ``hadron_event`` (M,) the event index.
    ``init_pdg``/``init_p4`` are the hit nucleons (flat, with ``init_event``).
    """

    weight: np.ndarray
    enu_star: np.ndarray
    q2: np.ndarray
    w: np.ndarray
    lep_pdg: np.ndarray
    lep_p4: np.ndarray
    hit_pdg: np.ndarray
    init_event: np.ndarray
    init_pdg: np.ndarray
    init_p4: np.ndarray
    hadron_event: np.ndarray
    hadron_pdg: np.ndarray
    hadron_p4: np.ndarray

    def select(self, mask: np.ndarray) -> Kine:
        """The events where ``mask`` is true (hadrons and initial nucleons re-indexed)."""
        idx = np.flatnonzero(mask)
        new_index = -np.ones(mask.size, dtype=np.int64)
        new_index[idx] = np.arange(idx.size)
        hsel = mask[self.hadron_event]
        isel = mask[self.init_event]
        return Kine(
            self.weight[idx],
            self.enu_star[idx],
            self.q2[idx],
            self.w[idx],
            self.lep_pdg[idx],
            self.lep_p4[idx],
            self.hit_pdg[idx],
            new_index[self.init_event[isel]],
            self.init_pdg[isel],
            self.init_p4[isel],
            new_index[self.hadron_event[hsel]],
            self.hadron_pdg[hsel],
            self.hadron_p4[hsel],
        )


# --- proposals ---------------------------------------------------------------------------------
def _q2_proposal(
    rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, lam2: float
) -> tuple[np.ndarray, np.ndarray]:
    """Q² with density ∝ (1 + Q²/Λ²)⁻² on [lo, hi]; returns (Q², 1/pdf)."""
    lo = np.maximum(lo, 0.0)
    hi = np.maximum(hi, lo)
    umax, umin = 1.0 / (1.0 + lo / lam2), 1.0 / (1.0 + hi / lam2)
    u = rng.uniform(umin, umax)
    q2 = lam2 * (1.0 / u - 1.0)
    inv_pdf = (umax - umin) * (lam2 + q2) ** 2 / lam2
    return q2, inv_pdf


def _lepton_mass(nu_pdg: int, cc: bool) -> float:
    return c.LEPTON_MASS_GEV[abs(nu_pdg) - 1] if cc else 0.0


def _lepton_pdg(nu_pdg: int, cc: bool) -> int:
    return c.charged_lepton_pdg(nu_pdg) if cc else nu_pdg


def _beam(enu: np.ndarray) -> np.ndarray:
    k = np.zeros((enu.size, 4))
    k[:, 2] = enu
    k[:, 3] = enu
    return k


def cm_q2_range(
    k4: np.ndarray, ptot: np.ndarray, m_lep: float, m_x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Q² range of k + p → ℓ(m_lep) + X(m_x) for total four-momentum ``ptot``; also a validity mask."""
    s = kin.mass2(ptot)
    rs = np.sqrt(np.clip(s, 1e-12, None))
    ek = kin.dot4(k4, ptot) / rs
    el = (s + m_lep**2 - m_x**2) / (2 * rs)
    pl = np.sqrt(np.clip(el**2 - m_lep**2, 0.0, None))
    valid = rs > m_lep + m_x + 1e-9
    return -(m_lep**2) + 2 * ek * (el - pl), -(m_lep**2) + 2 * ek * (el + pl), valid


def place_lepton(
    rng: np.random.Generator, k4: np.ndarray, ptot: np.ndarray, m_lep: float, m_x: np.ndarray, q2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Lepton and X four-momenta (lab) of k + p → ℓ + X at momentum transfer Q².

    Exact two-body kinematics in the CM frame of ``ptot``.
    """
    s = kin.mass2(ptot)
    rs = np.sqrt(s)
    beta = ptot[:, :3] / ptot[:, 3:4]
    kcm = kin.boost(k4, -beta)
    ek = kcm[:, 3]
    el = (s + m_lep**2 - m_x**2) / (2 * rs)
    pl = np.sqrt(np.clip(el**2 - m_lep**2, 0.0, None))
    cos = np.clip((el - (q2 + m_lep**2) / (2 * ek)) / np.maximum(pl, 1e-12), -1.0, 1.0)
    axis = kcm[:, :3] / kin.pmag(kcm)[:, None]
    d = kin.direction(axis, cos, rng.uniform(0, 2 * np.pi, q2.size))
    lcm = np.empty_like(k4)
    lcm[:, :3] = pl[:, None] * d
    lcm[:, 3] = el
    lep = kin.boost(lcm, beta)
    return lep, ptot - lep


def _estar(ptot: np.ndarray) -> np.ndarray:
    m = c.M_NUCLEON
    return np.clip((kin.mass2(ptot) - m**2) / (2 * m), 0.0, None)


def _pauli_ok(p4: np.ndarray, kf: np.ndarray, params: PhysicsParams) -> np.ndarray:
    if not params.pauli_blocking:
        return np.ones(p4.shape[0], dtype=bool)
    return kin.pmag(p4) > kf


def _hit_nucleons(
    rng: np.random.Generator, ch: Channel, n: int, params: PhysicsParams
) -> tuple[np.ndarray, np.ndarray]:
    is_p = np.full(n, ch.hit == "p")
    return is_p, bound_nucleon_p4(rng, ch.nucleus, is_p, params)


def _empty_int(n: int = 0) -> np.ndarray:
    return np.zeros(n, dtype=np.int64)


# --- samplers ----------------------------------------------------------------------------------
def sample_qe(rng: np.random.Generator, ch: Channel, enu: np.ndarray, params: PhysicsParams) -> Kine:
    """CCQE (ν n → ℓ⁻ p, ν̄ p → ℓ⁺ n) or NC elastic, Llewellyn Smith (:mod:`nugan.physics.ccqe`)."""
    n = enu.size
    cc = ch.cc
    is_p, p4 = _hit_nucleons(rng, ch, n, params)
    k4 = _beam(enu)
    ptot = k4 + p4
    m_lep = _lepton_mass(ch.nu_pdg, cc)
    if cc:
        out_p = ch.nu_pdg > 0
        out_pdg = c.PDG_PROTON if out_p else c.PDG_NEUTRON
    else:
        out_pdg = c.PDG_PROTON if ch.hit == "p" else c.PDG_NEUTRON
    m_out = c.M_PROTON if out_pdg == c.PDG_PROTON else c.M_NEUTRON
    lo, hi, valid = cm_q2_range(k4, ptot, m_lep, np.full(n, m_out))
    q2, inv_pdf = _q2_proposal(rng, lo, hi, 1.0)
    estar = _estar(ptot)
    lep, had = place_lepton(rng, k4, ptot, m_lep, np.full(n, m_out), q2)
    xs = ccqe.dxsec_dq2_qe_cm2(estar, q2, ch.nu_pdg, params, cc=cc, is_proton=is_p)
    kf = ch.nucleus.kf_gev(np.full(n, out_pdg == c.PDG_PROTON), params)
    wgt = np.where(valid & _pauli_ok(had, kf, params), xs * inv_pdf, 0.0)
    hit_pdg = np.where(is_p, c.PDG_PROTON, c.PDG_NEUTRON)
    ev = np.arange(n)
    return Kine(
        wgt,
        estar,
        q2,
        np.full(n, m_out),
        np.full(n, _lepton_pdg(ch.nu_pdg, cc)),
        lep,
        hit_pdg,
        ev,
        hit_pdg,
        p4,
        ev,
        np.full(n, out_pdg),
        had,
    )


def _res_final_pdgs(rng: np.random.Generator, ch: Channel, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nucleon and pion of the Δ decay with the isospin branching ratios (Clebsch–Gordan)."""
    charge_in = 1 if ch.hit == "p" else 0
    if ch.cc:
        charge_in += 1 if ch.nu_pdg > 0 else -1
    u = rng.uniform(size=n)
    nuc = np.empty(n, dtype=np.int64)
    pi = np.empty(n, dtype=np.int64)
    if charge_in == 2:  # Δ⁺⁺ → p π⁺
        nuc[:], pi[:] = 2212, 211
    elif charge_in == 1:  # Δ⁺ → p π⁰ (2/3), n π⁺ (1/3)
        a = u < 2.0 / 3.0
        nuc[:] = np.where(a, 2212, 2112)
        pi[:] = np.where(a, 111, 211)
    elif charge_in == 0:  # Δ⁰ → n π⁰ (2/3), p π⁻ (1/3)
        a = u < 2.0 / 3.0
        nuc[:] = np.where(a, 2112, 2212)
        pi[:] = np.where(a, 111, -211)
    else:  # Δ⁻ → n π⁻
        nuc[:], pi[:] = 2112, -211
    return nuc, pi


def sample_res(rng: np.random.Generator, ch: Channel, enu: np.ndarray, params: PhysicsParams) -> Kine:
    """Δ(1232) production and decay (Rein–Sehgal, :mod:`nugan.physics.res`); Δ → Nπ isotropic in its frame."""
    n = enu.size
    cc = ch.cc
    is_p, p4 = _hit_nucleons(rng, ch, n, params)
    k4 = _beam(enu)
    ptot = k4 + p4
    m_lep = _lepton_mass(ch.nu_pdg, cc)
    rs = np.sqrt(np.clip(kin.mass2(ptot), 0.0, None))
    wmin = res.W_MIN_GEV
    wmax = np.minimum(rs - m_lep, res.w_max_res_gev(params.w_cut_gev))
    ok = wmax > wmin + 1e-6
    gam = 0.5 * 0.12
    a_lo = np.arctan((wmin - c.M_DELTA) / gam)
    a_hi = np.arctan((np.maximum(wmax, wmin + 1e-6) - c.M_DELTA) / gam)
    w = c.M_DELTA + gam * np.tan(rng.uniform(a_lo, a_hi))
    inv_pdf_w = (a_hi - a_lo) * ((w - c.M_DELTA) ** 2 + gam**2) / gam
    lo, hi, valid = cm_q2_range(k4, ptot, m_lep, w)
    q2, inv_pdf_q = _q2_proposal(rng, lo, hi, 1.0)
    estar = _estar(ptot)
    lep, delta = place_lepton(rng, k4, ptot, m_lep, w, q2)
    xs = res.d2xsec_dwdq2_delta_cm2(estar, w, q2, ch.nu_pdg, is_p, cc, params)
    nuc, pi = _res_final_pdgs(rng, ch, n)
    m_nuc = np.where(nuc == 2212, c.M_PROTON, c.M_NEUTRON)
    m_pi = np.where(pi == 111, c.M_PI_ZERO, c.M_PI_CHARGED)
    ok &= valid & (w > m_nuc + m_pi)
    d_n, d_pi = kin.decay_isotropic(rng, delta, m_nuc, m_pi)
    kf = ch.nucleus.kf_gev(nuc == 2212, params)
    wgt = np.where(ok & _pauli_ok(d_n, kf, params), xs * inv_pdf_w * inv_pdf_q, 0.0)
    hit_pdg = np.where(is_p, c.PDG_PROTON, c.PDG_NEUTRON)
    ev = np.arange(n)
    had_ev = np.repeat(ev, 2)
    had_pdg = np.stack([nuc, pi], axis=1).ravel()
    had_p4 = np.stack([d_n, d_pi], axis=1).reshape(-1, 4)
    return Kine(
        wgt,
        estar,
        q2,
        w,
        np.full(n, _lepton_pdg(ch.nu_pdg, cc)),
        lep,
        hit_pdg,
        ev,
        hit_pdg,
        p4,
        had_ev,
        had_pdg,
        had_p4,
    )


def sample_mec(
    rng: np.random.Generator,
    ch: Channel,
    enu: np.ndarray,
    params: PhysicsParams,
    sigma_qe: Callable[[np.ndarray], np.ndarray],
) -> Kine:
    """CC 2p2h, empirical MEC (:mod:`nugan.physics.mec`): a bound pair → two nucleons of mass W."""
    n = enu.size
    nuc = ch.nucleus
    is_np = rng.uniform(size=n) < mec.FRAC_PN
    i1, i2, f1, f2 = mec.pair_final_pdgs(ch.nu_pdg, is_np)
    p1 = bound_nucleon_p4(rng, nuc, i1 == c.PDG_PROTON, params)
    p2 = bound_nucleon_p4(rng, nuc, i2 == c.PDG_PROTON, params)
    k4 = _beam(enu)
    ptot = k4 + p1 + p2
    m_lep = _lepton_mass(ch.nu_pdg, True)
    w = rng.normal(mec.W_PEAK_GEV, mec.W_WIDTH_GEV, n)
    inv_pdf_w = (
        np.sqrt(2 * np.pi) * mec.W_WIDTH_GEV * np.exp(0.5 * ((w - mec.W_PEAK_GEV) / mec.W_WIDTH_GEV) ** 2)
    )
    m1 = np.where(f1 == c.PDG_PROTON, c.M_PROTON, c.M_NEUTRON)
    m2 = np.where(f2 == c.PDG_PROTON, c.M_PROTON, c.M_NEUTRON)
    lo, hi, valid = cm_q2_range(k4, ptot, m_lep, w)
    q2, inv_pdf_q = _q2_proposal(rng, lo, hi, 0.4)
    lep, had = place_lepton(rng, k4, ptot, m_lep, w, q2)
    d1, d2 = kin.decay_isotropic(rng, had, m1, m2)
    m_c = mec.M_CLUSTER
    ecl = np.clip((kin.mass2(ptot) - m_c**2) / (2 * m_c), 1e-6, None)  # E in the cluster rest frame
    norm = params.mec_norm * params.mec_frac_ccqe * sigma_qe(enu) / mec.shape_norm(ecl, m_lep)
    ok = valid & (w > m1 + m2)
    wgt = np.where(ok, norm * mec.full_shape(ecl, w, q2, m_lep) * inv_pdf_w * inv_pdf_q, 0.0)
    ev = np.arange(n)
    return Kine(
        wgt,
        _estar(k4 + p1),
        q2,
        w,
        np.full(n, _lepton_pdg(ch.nu_pdg, True)),
        lep,
        i1,
        np.repeat(ev, 2),
        np.stack([i1, i2], axis=1).ravel(),
        np.stack([p1, p2], axis=1).reshape(-1, 4),
        np.repeat(ev, 2),
        np.stack([f1, f2], axis=1).ravel(),
        np.stack([d1, d2], axis=1).reshape(-1, 4),
    )


def sample_coh(rng: np.random.Generator, ch: Channel, enu: np.ndarray, params: PhysicsParams) -> Kine:
    """Coherent π production on the whole nucleus (Rein–Sehgal, :mod:`nugan.physics.coh`).

    Variables: ν (log-uniform on [m_π, E − m_ℓ]), Q² (proposal), |t| = |t|_min + Exp(b) exactly as
    the e^{−b|t|} factor; the pion and the recoiling nucleus are built with exact four-momentum
    conservation (the nucleus stays in its ground state and is returned as the remnant).
    """
    n = enu.size
    cc = ch.cc
    nuc = ch.nucleus
    m_lep = _lepton_mass(ch.nu_pdg, cc)
    mpi = c.M_PI_CHARGED if cc else c.M_PI_ZERO
    numin, numax = mpi, np.maximum(enu - m_lep, mpi * 1.0001)
    nu = numin * np.exp(rng.uniform(0, 1, n) * np.log(numax / numin))
    inv_pdf_nu = nu * np.log(numax / numin)
    el = enu - nu
    pl = np.sqrt(np.clip(el**2 - m_lep**2, 0.0, None))
    lo = -(m_lep**2) + 2 * enu * (el - pl)
    hi = -(m_lep**2) + 2 * enu * (el + pl)
    q2, inv_pdf_q = _q2_proposal(rng, lo, np.minimum(hi, 4.0), 0.2)
    xs = coh.d2xsec_dq2dnu_coh_cm2(enu, q2, nu, nuc.a, ch.nu_pdg, cc, params)
    # lepton
    cos = np.clip((2 * enu * el - m_lep**2 - q2) / (2 * enu * np.maximum(pl, 1e-12)), -1, 1)
    phi = rng.uniform(0, 2 * np.pi, n)
    sin = np.sqrt(1 - cos**2)
    lep = np.stack([pl * sin * np.cos(phi), pl * sin * np.sin(phi), pl * cos, el], axis=1)
    qv = _beam(enu) - lep
    # |t| and the pion
    r0 = params.coh_r0_fm / c.HBARC_GEV_FM
    b = (r0 * nuc.a ** (1 / 3)) ** 2 / 3.0
    tmin = ((q2 + mpi**2) / (2 * np.maximum(nu, 1e-9))) ** 2
    t = tmin + rng.exponential(1.0 / b, n)
    ma = nuc.mass_gev
    epi = nu - t / (2 * ma)
    ppi = np.sqrt(np.clip(epi**2 - mpi**2, 0.0, None))
    qmag = kin.pmag(qv)
    ea = ma + t / (2 * ma)
    # |q − p_π|² = E_A'² − M_A²  →  angle between p_π and q
    cos_a = (qmag**2 + ppi**2 - (ea**2 - ma**2)) / (2 * qmag * np.maximum(ppi, 1e-12))
    ok = (epi > mpi) & (np.abs(cos_a) <= 1.0) & (xs > 0)
    axis = qv[:, :3] / np.maximum(qmag, 1e-12)[:, None]
    d = kin.direction(axis, np.clip(cos_a, -1, 1), rng.uniform(0, 2 * np.pi, n))
    pi4 = np.concatenate([ppi[:, None] * d, epi[:, None]], axis=1)
    wgt = np.where(ok, xs * inv_pdf_nu * inv_pdf_q, 0.0)
    pi_pdg = (211 if ch.nu_pdg > 0 else -211) if cc else 111
    m = c.M_NUCLEON
    wcol = np.sqrt(np.clip(m**2 + 2 * m * nu - q2, 0.0, None))
    ev = np.arange(n)
    return Kine(
        wgt,
        enu.copy(),
        q2,
        wcol,
        np.full(n, _lepton_pdg(ch.nu_pdg, cc)),
        lep,
        np.full(n, nuc.pdg),
        _empty_int(),
        _empty_int(),
        np.zeros((0, 4)),
        ev,
        np.full(n, pi_pdg),
        pi4,
    )


def _empty_kine() -> Kine:
    z = np.zeros(0)
    return Kine(
        z,
        z,
        z,
        z,
        _empty_int(),
        np.zeros((0, 4)),
        _empty_int(),
        _empty_int(),
        _empty_int(),
        np.zeros((0, 4)),
        _empty_int(),
        _empty_int(),
        np.zeros((0, 4)),
    )


def sample_channel(
    rng: np.random.Generator,
    ch: Channel,
    enu: np.ndarray,
    params: PhysicsParams,
    sigma_qe: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Kine:
    """Weighted kinematics of channel ``ch`` at lab energies ``enu`` (non-DIS channels)."""
    if ch.mode in (Mode.CCQE, Mode.NCEL):
        return sample_qe(rng, ch, enu, params)
    if ch.mode in (Mode.CCRES, Mode.NCRES):
        return sample_res(rng, ch, enu, params)
    if ch.mode == Mode.CCMEC:
        assert sigma_qe is not None
        return sample_mec(rng, ch, enu, params, sigma_qe)
    if ch.mode in (Mode.CCCOH, Mode.NCCOH):
        return sample_coh(rng, ch, enu, params)
    raise ValueError(f"no weighted sampler for {ch.mode!r}")
