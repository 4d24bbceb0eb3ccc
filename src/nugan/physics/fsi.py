"""Final-state interactions: an effective hA-like model (one interaction per hadron at most).

Model (after GENIE hA, PHYSICS-REFERENCES §8):

* the interaction point is drawn from r²ρ(r) of the nucleus (:mod:`nugan.physics.nucleus`);
* each pion or nucleon leaving the primary vertex crosses the thickness T = ∫ρ ds along its
  direction (numerical, 24 steps out to the tracking radius) and interacts with probability
  1 − exp(−σ_eff T / mfp_scale), σ_eff an effective in-medium hadron–nucleon cross section:
  pions 0.30 × σ_πN(free, isospin-averaged, :func:`nugan.physics.coh.sigma_pin_mb`), nucleons 22 mb,
  chosen so that a 250 MeV pion born in carbon interacts 40 % of the time (argon 54 %) and a 0.5 GeV
  proton escapes carbon unscathed 66 % of the time, near the (e,e′p) transparency ≈ 0.6
  [U: a calibration, not a fit];
* an interacting pion's fate (elastic, inelastic, charge exchange, absorption, π production → treated as
  inelastic) follows the historical hA fractions vs kinetic energy (GENIE
  ``intranuke-fractions-piA.dat``), absorption and CEX scaled by ``fsi_pi_abs_scale`` and
  ``fsi_pi_cex_scale`` (then renormalised); nucleons scatter elastically (60 %) or knock out a
  second nucleon (40 %).
* kinematics: elastic = two-body scattering on the residual nucleus (forward CM angles);
  inelastic / knock-out = quasi-free scattering on a bound nucleon at rest (energy M − E_b),
  isotropic in the CM; absorption = π + bound np pair → two nucleons; CEX keeps the momentum.

Every fate conserves four-momentum together with the nuclear remnant, which the generator defines
as (initial state) − (final particles). Absorption turns a pion plus a bound np pair into two nucleons.
"""

from __future__ import annotations

import numpy as np

from nugan.physics import constants as c
from nugan.physics import kinematics as kin
from nugan.physics.coh import sigma_pin_mb
from nugan.physics.nucleus import Nucleus, sample_vertex_radius
from nugan.physics.params import PhysicsParams

# T_π (GeV) and fate fractions: elastic, inelastic, CEX, absorption, π production (PHYSICS-REFERENCES §8)
_T_PI = np.array([0.1, 0.2, 0.3, 0.5])
_FATES = np.array(
    [
        [0.346, 0.368, 0.050, 0.237, 0.0],
        [0.395, 0.204, 0.057, 0.343, 0.0],
        [0.423, 0.282, 0.060, 0.235, 0.0],
        [0.266, 0.346, 0.018, 0.306, 0.065],
    ]
)
PION_SCALE = 0.30
NUCLEON_SIGMA_MB = 22.0
_PIONS = (211, -211, 111)
_NUCLEONS = (2212, 2112)
_CHARGE = {211: 1, -211: -1, 111: 0, 2212: 1, 2112: 0}


def pion_fate_fractions(t_gev: np.ndarray, params: PhysicsParams) -> np.ndarray:
    """Fate probabilities (N, 5) (elastic, inelastic, CEX, absorption, π production) at kinetic energy T_π."""
    t = np.clip(t_gev, _T_PI[0], _T_PI[-1])
    fr = np.stack([np.interp(t, _T_PI, _FATES[:, j]) for j in range(5)], axis=1)
    fr[:, 2] *= params.fsi_pi_cex_scale
    fr[:, 3] *= params.fsi_pi_abs_scale
    return fr / fr.sum(axis=1, keepdims=True)


def thickness_fm2(nucleus: Nucleus, pos_fm: np.ndarray, dirs: np.ndarray, n_steps: int = 24) -> np.ndarray:
    """∫ρ ds [fm⁻²] from ``pos_fm`` (N, 3) along unit vectors ``dirs`` to the tracking radius."""
    rmax = nucleus.radius_fm()
    step = 2 * rmax / n_steps
    s = (np.arange(n_steps) + 0.5) * step
    pts = pos_fm[:, None, :] + s[None, :, None] * dirs[:, None, :]
    r = np.linalg.norm(pts, axis=2)
    return np.sum(nucleus.density_profile(r), axis=1) * step


def sigma_eff_fm2(pdg: np.ndarray, p4: np.ndarray) -> np.ndarray:
    """Effective in-medium cross section [fm²] of pions and nucleons (see the module docstring)."""
    is_pi = np.isin(pdg, _PIONS)
    e = p4[:, 3]
    sig_pi = PION_SCALE * sigma_pin_mb(e)[0]
    return np.where(is_pi, sig_pi, NUCLEON_SIGMA_MB) * 0.1


def _mass_of(pdg: np.ndarray) -> np.ndarray:
    return np.select(
        [np.abs(pdg) == 211, pdg == 111, pdg == 2212, pdg == 2112],
        [c.M_PI_CHARGED, c.M_PI_ZERO, c.M_PROTON, c.M_NEUTRON],
        0.0,
    )


def _on_shell(p3: np.ndarray, mass: np.ndarray) -> np.ndarray:
    out = np.empty((p3.shape[0], 4))
    out[:, :3] = p3
    out[:, 3] = np.sqrt(mass**2 + np.sum(p3**2, axis=1))
    return out


def scatter(
    rng: np.random.Generator,
    proj: np.ndarray,
    e_target: float | np.ndarray,
    m1: np.ndarray,
    m2: np.ndarray,
    cos_min: float = -1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Two-body scattering of ``proj`` (N, 4) on a target at rest with energy ``e_target`` into masses m1, m2.

    The CM polar angle (relative to the projectile direction) has cos θ* uniform in [cos_min, 1];
    four-momentum is conserved exactly. Returns the two outgoing four-vectors (lab).
    """
    n = proj.shape[0]
    tot = proj.copy()
    tot[:, 3] += e_target
    rs = np.sqrt(np.clip(kin.mass2(tot), 0.0, None))
    pst = kin.two_body_momentum(rs, m1, m2)
    beta = tot[:, :3] / tot[:, 3:4]
    axis = proj[:, :3] / np.maximum(kin.pmag(proj), 1e-12)[:, None]
    d = kin.direction(
        axis, np.asarray(rng.uniform(cos_min, 1.0, n)), np.asarray(rng.uniform(0, 2 * np.pi, n))
    )
    d1 = np.empty((n, 4))
    d1[:, :3] = pst[:, None] * d
    d1[:, 3] = np.sqrt(pst**2 + m1**2)
    d1 = kin.boost(d1, beta)
    return d1, tot - d1


def apply_fsi(
    rng: np.random.Generator,
    event: np.ndarray,
    pdg: np.ndarray,
    p4: np.ndarray,
    nucleus: Nucleus,
    params: PhysicsParams,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Propagate primary hadrons through ``nucleus``; return the final (event, pdg, p4) lists.

    Arguments:
        event: (M,) event index of each hadron (sorted), pdg: (M,), p4: (M, 4) lab four-momenta.
    Hadrons other than π and nucleons, and all hadrons when FSI is off or the target is free, pass.
    """
    if not params.fsi_enabled or nucleus.is_free or event.size == 0:
        return event, pdg, p4
    eb = nucleus.eb(params)
    m = event.size
    n_ev = int(event.max()) + 1
    r = sample_vertex_radius(rng, nucleus, n_ev)
    pos_ev = r[:, None] * kin.isotropic(rng, n_ev)
    pos = pos_ev[event]
    pmag = np.maximum(kin.pmag(p4), 1e-9)
    dirs = p4[:, :3] / pmag[:, None]
    cand = np.isin(pdg, _PIONS + _NUCLEONS)
    scale = np.where(np.isin(pdg, _PIONS), params.fsi_pi_mfp_scale, params.fsi_n_mfp_scale)
    prob = np.zeros(m)
    if cand.any():
        prob[cand] = 1 - np.exp(
            -sigma_eff_fm2(pdg[cand], p4[cand]) * thickness_fm2(nucleus, pos[cand], dirs[cand]) / scale[cand]
        )
    hit = cand & (rng.uniform(size=m) < prob)
    keep_ev, keep_pdg, keep_p4 = [event[~hit]], [pdg[~hit]], [p4[~hit]]
    frac_p = nucleus.z / nucleus.a
    bound = c.M_NUCLEON - eb  # energy of a bound nucleon at rest
    heavy = (nucleus.a - 1) * c.M_NUCLEON  # residual nucleus for elastic scattering

    # --- pions ---
    ip = np.flatnonzero(hit & np.isin(pdg, _PIONS))
    if ip.size:
        mass = _mass_of(pdg[ip])
        t = p4[ip, 3] - mass
        fr = pion_fate_fractions(t, params)
        cum = np.cumsum(fr, axis=1)
        fate = np.minimum((rng.uniform(size=ip.size)[:, None] > cum).sum(axis=1), 4)
        fate[fate == 4] = 1
        # elastic: π A → π A on the whole residual nucleus (forward CM angles, cos θ* > 0.5)
        el = ip[fate == 0]
        if el.size:
            d1, _ = scatter(rng, p4[el], heavy, _mass_of(pdg[el]), np.full(el.size, heavy), 0.5)
            keep_ev.append(event[el])
            keep_pdg.append(pdg[el])
            keep_p4.append(d1)
        # inelastic: quasi-free π N → π N on a bound nucleon (energy M − E_b), isotropic in the CM
        ine = ip[fate == 1]
        if ine.size:
            partner = np.where(rng.uniform(size=ine.size) < frac_p, 2212, 2112)
            mpi, mn = _mass_of(pdg[ine]), _mass_of(partner)
            tot_m2 = kin.mass2(p4[ine] + np.array([0.0, 0.0, 0.0, bound]))
            ok = tot_m2 > (mpi + mn + 1e-4) ** 2
            d1, d2 = scatter(rng, p4[ine][ok], bound, mpi[ok], mn[ok])
            keep_ev += [event[ine][~ok], event[ine][ok], event[ine][ok]]
            keep_pdg += [pdg[ine][~ok], pdg[ine][ok], partner[ok]]
            keep_p4 += [p4[ine][~ok], d1, d2]
        # charge exchange: π± → π⁰, π⁰ → π±; momentum kept
        cx = ip[fate == 2]
        if cx.size:
            old = pdg[cx]
            new = np.where(old == 111, np.where(rng.uniform(size=cx.size) < 0.5, 211, -211), 111)
            keep_ev.append(event[cx])
            keep_pdg.append(new)
            keep_p4.append(_on_shell(p4[cx, :3], _mass_of(new)))
        # absorption on an np pair: π + (n p) → N N, decaying isotropically in the system's frame
        ab = ip[fate == 3]
        if ab.size:
            tot = p4[ab].copy()
            tot[:, 3] += 2 * bound
            ok = kin.mass2(tot) > (2 * c.M_NUCLEON + 1e-3) ** 2
            old = pdg[ab][ok]
            n1 = np.where(old == -211, 2112, 2212)
            n2 = np.where(old == 211, 2212, 2112)
            d1, d2 = kin.decay_isotropic(rng, tot[ok], _mass_of(n1), _mass_of(n2))
            ev = event[ab][ok]
            keep_ev += [ev, ev]
            keep_pdg += [n1, n2]
            keep_p4 += [d1, d2]
    # --- nucleons ---
    inn = np.flatnonzero(hit & np.isin(pdg, _NUCLEONS))
    if inn.size:
        knock = rng.uniform(size=inn.size) < 0.4
        el = inn[~knock]
        if el.size:
            d1, _ = scatter(rng, p4[el], heavy, _mass_of(pdg[el]), np.full(el.size, heavy), 0.6)
            keep_ev.append(event[el])
            keep_pdg.append(pdg[el])
            keep_p4.append(d1)
        kn = inn[knock]
        if kn.size:
            tot = p4[kn].copy()
            tot[:, 3] += bound
            partner = np.where(rng.uniform(size=kn.size) < frac_p, 2212, 2112)
            m1, m2 = _mass_of(pdg[kn]), _mass_of(partner)
            ok = kin.mass2(tot) > (m1 + m2 + 1e-3) ** 2
            keep_ev.append(event[kn][~ok])
            keep_pdg.append(pdg[kn][~ok])
            keep_p4.append(p4[kn][~ok])
            d1, d2 = kin.decay_isotropic(rng, tot[ok], m1[ok], m2[ok])
            ev = event[kn][ok]
            keep_ev += [ev, ev]
            keep_pdg += [pdg[kn][ok], partner[ok]]
            keep_p4 += [d1, d2]
    ev = np.concatenate(keep_ev)
    order = np.argsort(ev, kind="stable")
    return ev[order], np.concatenate(keep_pdg)[order], np.concatenate(keep_p4)[order]
