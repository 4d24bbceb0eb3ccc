"""Particles in the detector: species table, decays at the vertex, a simple model of the
secondaries of hadronic interactions, and neutron recoils.

Particles are carried as :class:`Particles` (pdg, kinetic energy, unit direction, position).

* Short-lived particles decay where they are made (two-body, isotropic in the rest frame):
  π⁰ → γγ (98.8 %, the Dalitz mode is folded in), η → γγ (all η modes folded in: approximation),
  Λ → pπ⁻, Σ⁺ → pπ⁰, Σ⁻ → nπ⁻, Σ⁰ → Λγ, K⁰_S → π⁺π⁻ (dominant modes, PDG; the others are folded in).
* Hadronic interaction of a π, K or p with kinetic energy T (a simple, energy-conserving model,
  not tuned to data): a fraction U(0.1, f_max) of T is lost to binding and nuclear excitation
  (invisible); pions survive as a leading pion (probability 0.6 when enough energy is left) with a
  share U(0.2, 0.7) of the rest, protons likewise as a leading proton (0.5); above 0.5 GeV a π⁰ is made
  with probability 0.3; the remaining energy goes to 1 + Poisson(E/0.1 GeV) (≤ 6) nucleons, half
  protons, with Dirichlet-shared energies and forward-peaked directions.
* Neutrons and K⁰_L are invisible except that, with probability ``neutron_visible_prob``, one elastic
  n–p scatter after an exponential path (mean ``neutron_scatter_length_cm``) gives a recoil proton
  with kinetic energy uniform in [0, T_n] (isotropic n–p scattering in the CM frame) at
  cos θ = sqrt(T_p/T_n) to the neutron direction; the neutron then leaves unseen.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from nugan.physics import constants as c

M_ETA = 0.547862
M_LAMBDA = 1.115683
M_SIGMA_PLUS, M_SIGMA_ZERO, M_SIGMA_MINUS = 1.18937, 1.192642, 1.197449

MASS_GEV: dict[int, float] = {
    11: c.M_ELECTRON, 13: c.M_MUON, 15: c.M_TAU, 22: 0.0, 111: c.M_PI_ZERO, 211: c.M_PI_CHARGED,
    221: M_ETA, 321: c.M_K_CHARGED, 130: c.M_K_ZERO, 310: c.M_K_ZERO, 311: c.M_K_ZERO,
    2212: c.M_PROTON, 2112: c.M_NEUTRON, 3122: M_LAMBDA, 3222: M_SIGMA_PLUS, 3212: M_SIGMA_ZERO,
    3112: M_SIGMA_MINUS, 12: 0.0, 14: 0.0, 16: 0.0,
}
TRACKED = frozenset({13, 15, 211, 321, 2212})  # |pdg| of charged tracks
INTERACTING = frozenset({211, 321, 2212})
EM = frozenset({11, 22})
NEUTRAL_HADRONS = frozenset({2112, 130, 311})
# |pdg| → daughters (for the particle; antiparticles of baryons get charge-conjugated daughters)
DECAYS: dict[int, tuple[int, int]] = {
    111: (22, 22), 221: (22, 22), 3122: (2212, -211), 3222: (2212, 111), 3112: (2112, -211),
    3212: (3122, 22), 310: (211, -211),
}
SELF_CONJUGATE = frozenset({22, 111, 221, 310, 130})

KIND_INVISIBLE, KIND_TRACK, KIND_EM, KIND_DECAY, KIND_NEUTRAL = 0, 1, 2, 3, 4


def mass_of(pdg: np.ndarray) -> np.ndarray:
    """Masses [GeV] of the species (0 for unknown species)."""
    return np.array([MASS_GEV.get(abs(int(p)), 0.0) for p in pdg], dtype=float)


def kind_of(pdg: np.ndarray) -> np.ndarray:
    """How each particle is handled: invisible, track, EM shower, decay, neutral hadron."""
    out = np.zeros(len(pdg), dtype=np.int8)
    for i, p in enumerate(np.abs(pdg)):
        p = int(p)
        if p in TRACKED:
            out[i] = KIND_TRACK
        elif p in EM:
            out[i] = KIND_EM
        elif p in DECAYS:
            out[i] = KIND_DECAY
        elif p in NEUTRAL_HADRONS:
            out[i] = KIND_NEUTRAL
    return out


def available_energy_gev(pdg: np.ndarray, e_gev: np.ndarray) -> np.ndarray:
    """Upper bound of what a particle can deposit: E − m for particles whose mass is not
    released (K±, nucleons; hyperons: E − m_N), E for γ, e±, π⁰, η and for μ±, π± (their
    decays at rest release the rest mass)."""
    a = np.abs(np.asarray(pdg))
    m = mass_of(a)
    baryon_release = np.isin(a, [3122, 3222, 3212, 3112])
    full = np.isin(a, [11, 13, 22, 111, 211, 221, 310])
    avail = np.where(full, e_gev, e_gev - m)
    avail = np.where(baryon_release, e_gev - c.M_PROTON, avail)
    invisible = np.isin(a, [12, 14, 16]) | (a > 1_000_000_000)
    return np.where(invisible, 0.0, np.maximum(avail, 0.0))


@dataclasses.dataclass
class Particles:
    """A batch of particles inside the detector."""

    pdg: np.ndarray  # (n,) int
    t_gev: np.ndarray  # (n,) kinetic energy
    direc: np.ndarray  # (n, 3) unit direction
    pos_cm: np.ndarray  # (n, 3)

    def __len__(self) -> int:
        return len(self.pdg)

    def take(self, mask: np.ndarray) -> Particles:
        return Particles(self.pdg[mask], self.t_gev[mask], self.direc[mask], self.pos_cm[mask])

    @staticmethod
    def empty() -> Particles:
        return Particles(np.zeros(0, np.int64), np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3)))

    @staticmethod
    def concatenate(parts: list[Particles]) -> Particles:
        parts = [p for p in parts if len(p)]
        if not parts:
            return Particles.empty()
        return Particles(
            np.concatenate([p.pdg for p in parts]),
            np.concatenate([p.t_gev for p in parts]),
            np.concatenate([p.direc for p in parts]),
            np.concatenate([p.pos_cm for p in parts]),
        )


def isotropic_directions(rng: np.random.Generator, n: int) -> np.ndarray:
    cost = rng.uniform(-1.0, 1.0, n)
    phi = rng.uniform(0.0, 2.0 * np.pi, n)
    sint = np.sqrt(1.0 - cost * cost)
    return np.stack([sint * np.cos(phi), sint * np.sin(phi), cost], axis=1)


def rotate_from(direc: np.ndarray, cost: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Unit vectors at polar angle acos(cost) and azimuth phi around each of ``direc``."""
    from nugan.physics.detector.tracks import orthonormal_basis

    u, v = orthonormal_basis(direc)
    sint = np.sqrt(np.clip(1.0 - cost * cost, 0.0, 1.0))
    out = cost[:, None] * direc + (sint * np.cos(phi))[:, None] * u + (sint * np.sin(phi))[:, None] * v
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def two_body_decays(rng: np.random.Generator, parts: Particles) -> Particles:
    """Decay every particle of ``parts`` (all of KIND_DECAY) at its position."""
    n = len(parts)
    if n == 0:
        return Particles.empty()
    d1 = np.empty(n, np.int64)
    d2 = np.empty(n, np.int64)
    for i, p in enumerate(parts.pdg):
        a, b = DECAYS[abs(int(p))]
        if p < 0:
            a = a if abs(a) in SELF_CONJUGATE else -a
            b = b if abs(b) in SELF_CONJUGATE else -b
        d1[i], d2[i] = a, b
    big_m = mass_of(parts.pdg)
    m1, m2 = mass_of(d1), mass_of(d2)
    kallen = (big_m**2 - (m1 + m2) ** 2) * (big_m**2 - (m1 - m2) ** 2)
    pstar = np.sqrt(np.maximum(kallen, 0.0)) / (2.0 * big_m)
    n1 = isotropic_directions(rng, n)
    e1s, e2s = np.sqrt(pstar**2 + m1**2), np.sqrt(pstar**2 + m2**2)
    e_par = parts.t_gev + big_m
    p_par = np.sqrt(np.maximum(e_par**2 - big_m**2, 0.0))
    bvec = (p_par / e_par)[:, None] * parts.direc
    gamma = e_par / big_m
    out = []
    for es, ms, ns, code in ((e1s, m1, n1, d1), (e2s, m2, -n1, d2)):
        ps = pstar[:, None] * ns
        bp = np.sum(bvec * ps, axis=1)
        b2 = np.maximum(np.sum(bvec * bvec, axis=1), 1e-30)
        plab = ps + (((gamma - 1.0) * bp / b2 + gamma * es)[:, None]) * bvec
        elab = gamma * (es + bp)
        pn = np.linalg.norm(plab, axis=1)
        direc = np.where(pn[:, None] > 0, plab / np.maximum(pn, 1e-30)[:, None], parts.direc)
        out.append(Particles(code, np.maximum(elab - ms, 0.0), direc, parts.pos_cm.copy()))
    return Particles.concatenate(out)


def _deflect(rng: np.random.Generator, direc: np.ndarray, width_rad: float) -> np.ndarray:
    """``direc`` turned by |N(0, width)| at a random azimuth."""
    cost = np.cos([abs(rng.normal(0.0, width_rad))])
    return rotate_from(direc[None, :], cost, rng.uniform(0, 2 * np.pi, 1))[0]


def hadronic_secondaries(
    rng: np.random.Generator, pdg: np.ndarray, t_gev: np.ndarray, direc: np.ndarray, pos_cm: np.ndarray,
    invisible_frac_max: float,
) -> Particles:
    """Secondaries of hadronic interactions (see the module docstring); energy is conserved
    up to the invisible binding share."""
    out: list[Particles] = []
    for i in range(len(pdg)):
        t = float(t_gev[i])
        budget = t * (1.0 - rng.uniform(0.1, max(invisible_frac_max, 0.1)))
        codes: list[int] = []
        kin: list[float] = []
        dirs: list[np.ndarray] = []
        a = abs(int(pdg[i]))
        lead_prob = 0.6 if a in (211, 321) else 0.5
        if budget > 0.05 and rng.random() < lead_prob:
            share = budget * rng.uniform(0.2, 0.7)
            codes.append(int(pdg[i]))
            kin.append(share)
            dirs.append(_deflect(rng, direc[i], 0.4))
            budget -= share
        if t > 0.5 and budget > c.M_PI_ZERO + 0.05 and rng.random() < 0.3:
            e_kin = rng.uniform(0.0, 0.3) * (budget - c.M_PI_ZERO)
            codes.append(111)
            kin.append(e_kin)
            dirs.append(_deflect(rng, direc[i], 0.6))
            budget -= e_kin + c.M_PI_ZERO
        if budget > 1e-3:
            n_nuc = int(min(6, 1 + rng.poisson(budget / 0.1)))
            shares = rng.dirichlet(np.ones(n_nuc)) * budget
            cost = rng.uniform(-0.5, 1.0, n_nuc)
            phi = rng.uniform(0, 2 * np.pi, n_nuc)
            nd = rotate_from(np.repeat(direc[i : i + 1], n_nuc, axis=0), cost, phi)
            for j in range(n_nuc):
                codes.append(2212 if rng.random() < 0.5 else 2112)
                kin.append(float(shares[j]))
                dirs.append(nd[j])
        if codes:
            pos = np.repeat(pos_cm[i : i + 1], len(codes), axis=0)
            out.append(Particles(np.array(codes, np.int64), np.array(kin), np.array(dirs), pos))
    return Particles.concatenate(out)


MICHEL_EMAX_GEV = 0.5 * (c.M_MUON + c.M_ELECTRON**2 / c.M_MUON)  # 52.83 MeV
T_MU_FROM_PI_GEV = (c.M_PI_CHARGED - c.M_MUON) ** 2 / (2.0 * c.M_PI_CHARGED)  # 4.12 MeV


def michel_energies_gev(rng: np.random.Generator, n: int) -> np.ndarray:
    """Electron energies of μ decay at rest: x = E/E_max with density ∝ x²(3 − 2x) (Michel spectrum,
    ρ = 3/4, electron mass neglected in the shape)."""
    out = np.empty(0)
    while len(out) < n:
        x = rng.random(4 * n + 8)
        keep = rng.random(len(x)) < x * x * (3.0 - 2.0 * x)
        out = np.concatenate([out, x[keep]])
    return out[:n] * MICHEL_EMAX_GEV


def decays_at_rest(
    rng: np.random.Generator, pdg: np.ndarray, end_cm: np.ndarray, capture_prob: float
) -> Particles:
    """Products of stopped μ± (Michel e±; μ⁻ are captured with ``capture_prob``, invisible) and
    stopped π⁺ (μ⁺ of 4.12 MeV, which decays in the next generation). π⁻ are absorbed (invisible)."""
    pdg = np.asarray(pdg)
    mu = np.abs(pdg) == 13
    if np.any(pdg == 13):
        mu &= ~((pdg == 13) & (rng.random(len(pdg)) < capture_prob))
    pip = pdg == 211
    n_mu, n_pi = int(mu.sum()), int(pip.sum())
    if n_mu + n_pi == 0:
        return Particles.empty()
    e_e = michel_energies_gev(rng, n_mu)
    codes = np.concatenate([np.where(pdg[mu] > 0, 11, -11), np.full(n_pi, -13)])
    t = np.concatenate([np.maximum(e_e - c.M_ELECTRON, 0.0), np.full(n_pi, T_MU_FROM_PI_GEV)])
    pos = np.concatenate([end_cm[mu], end_cm[pip]])
    return Particles(codes.astype(np.int64), t, isotropic_directions(rng, n_mu + n_pi), pos)


def neutron_recoils(rng: np.random.Generator, parts: Particles, prob: float, length_cm: float) -> Particles:
    """Recoil protons of neutral hadrons that scatter visibly (see the module docstring)."""
    n = len(parts)
    if n == 0 or prob <= 0:
        return Particles.empty()
    hit = rng.random(n) < prob
    t_n = parts.t_gev
    frac = rng.random(n)
    dist = rng.exponential(length_cm, n)
    sel = hit & (t_n * frac > 1e-3)
    if not np.any(sel):
        return Particles.empty()
    t_p = (t_n * frac)[sel]
    cost = np.sqrt(frac[sel])
    direc = rotate_from(parts.direc[sel], cost, rng.uniform(0, 2 * np.pi, int(sel.sum())))
    pos = parts.pos_cm[sel] + dist[sel, None] * parts.direc[sel]
    return Particles(np.full(int(sel.sum()), 2212, np.int64), t_p, direc, pos)
