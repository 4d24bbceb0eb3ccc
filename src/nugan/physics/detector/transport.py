"""Transport of one event's particles through the detector: energy deposits.

The particles are followed generation by generation (decays at the vertex, tracks, showers,
neutral hadrons; the secondaries of hadronic interactions and the recoil protons of neutrons
form the next generation, up to ``max_generations``). Each deposit is a point with the energy
left in the medium (``e_med_mev``), the share seen by the scintillator (``e_act_mev``) and the
scintillator dE/dx used by Birks' law.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from nugan.physics.constants import M_ELECTRON
from nugan.physics.detector.geometry import Detector
from nugan.physics.detector.secondaries import (
    INTERACTING,
    KIND_DECAY,
    KIND_EM,
    KIND_NEUTRAL,
    KIND_TRACK,
    Particles,
    decays_at_rest,
    hadronic_secondaries,
    kind_of,
    mass_of,
    neutron_recoils,
    two_body_decays,
)
from nugan.physics.detector.showers import shower_spots
from nugan.physics.detector.tracks import transport_tracks


@dataclasses.dataclass
class Deposits:
    pos_cm: np.ndarray  # (m, 3)
    e_med_mev: np.ndarray  # (m,) energy left in the medium
    e_act_mev: np.ndarray  # (m,) energy left in the scintillator
    dedx_scint_mev_cm: np.ndarray  # (m,)
    longest_track_cm: float = 0.0

    @staticmethod
    def concatenate(parts: list[Deposits], longest: float) -> Deposits:
        if not parts:
            return Deposits(np.zeros((0, 3)), np.zeros(0), np.zeros(0), np.zeros(0), longest)
        return Deposits(
            np.concatenate([p.pos_cm for p in parts]),
            np.concatenate([p.e_med_mev for p in parts]),
            np.concatenate([p.e_act_mev for p in parts]),
            np.concatenate([p.dedx_scint_mev_cm for p in parts]),
            longest,
        )


def _tracks(rng: np.random.Generator, det: Detector, parts: Particles) -> tuple[Deposits, Particles, float]:
    """Charged tracks (μ, π, K, p and low-energy e±): deposits, secondaries, longest non-e track."""
    cfg = det.cfg
    a = np.abs(parts.pdg)
    mass = mass_of(parts.pdg)
    lam = np.full(len(parts), np.inf)
    hadron = np.isin(a, list(INTERACTING))
    if np.any(hadron):
        lam[hadron] = det.lambda_i_cm * np.where(a[hadron] == 2212, 1.0, cfg.pion_lambda_factor)
    steps = transport_tracks(rng, det.table, det.x0_cm, cfg.step_cm, cfg.dedx_fluct_rel, mass,
                             parts.t_gev, parts.pos_cm, parts.direc, lam)
    seg = np.maximum(steps.length_cm, 1e-6)
    dep = Deposits(
        steps.mid_cm,
        steps.de_mev,
        steps.de_mev * det.active_energy_fraction,
        steps.de_mev / seg * det.scint_dedx_ratio,
    )
    heavy = a != 11
    longest = 0.0
    if np.any(heavy):
        inside = det.inside(steps.mid_cm)
        lengths = np.bincount(steps.track, steps.length_cm * inside, len(parts))
        longest = float(lengths[heavy].max())
    secondaries = []
    if np.any(steps.interacted):
        k = steps.interacted
        secondaries.append(hadronic_secondaries(rng, parts.pdg[k], steps.t_end_gev[k], steps.end_dir[k],
                                                steps.end_cm[k], cfg.hadron_invisible_frac_max))
    if cfg.decays_at_rest:
        stopped = ~steps.interacted & (steps.t_end_gev <= 0.0) & ((a == 13) | (parts.pdg == 211))
        if np.any(stopped):
            secondaries.append(
                decays_at_rest(rng, parts.pdg[stopped], steps.end_cm[stopped], cfg.mu_capture_prob)
            )
    return dep, Particles.concatenate(secondaries), longest


def _showers(rng: np.random.Generator, det: Detector, parts: Particles) -> tuple[Deposits, Particles]:
    """EM particles: photons convert after Exp(9/7 X0); then e± above ``em_track_max_gev``
    shower, those below are tracked as electrons (returned for tracking)."""
    cfg = det.cfg
    pos = parts.pos_cm.copy()
    photon = parts.pdg == 22
    if np.any(photon):
        conv = rng.exponential(9.0 / 7.0 * det.x0_cm, int(photon.sum()))
        pos[photon] += conv[:, None] * parts.direc[photon]
    e_tot = parts.t_gev + np.where(photon, 0.0, M_ELECTRON)
    big = e_tot > cfg.em_track_max_gev
    t_small = np.maximum(e_tot[~big] - M_ELECTRON, 0.0)
    code = np.where(photon[~big], 11, parts.pdg[~big])  # a converted photon is tracked as an electron
    small = Particles(code, t_small, parts.direc[~big], pos[~big])
    if not np.any(big):
        return Deposits.concatenate([], 0.0), small
    spots = shower_spots(rng, e_tot[big], pos[big], parts.direc[big], det.x0_cm, det.moliere_radius_cm,
                         det.critical_energy_mev, det.z_eff, cfg.em_sampling_stoch)
    dep = Deposits(
        spots.pos_cm,
        spots.e_mev,
        spots.e_mev * det.active_energy_fraction * spots.vis_weight,
        np.full(len(spots.e_mev), det.mip_dedx_scint_mev_cm),
    )
    return dep, small


def transport_event(rng: np.random.Generator, det: Detector, parts: Particles) -> Deposits:
    """All energy deposits of one event's final-state particles (positions in cm)."""
    cfg = det.cfg
    deposits: list[Deposits] = []
    longest = 0.0
    current = parts
    for _ in range(cfg.max_generations):
        if len(current) == 0:
            break
        kind = kind_of(current.pdg)
        nxt: list[Particles] = []
        dec = kind == KIND_DECAY
        if np.any(dec):
            nxt.append(two_body_decays(rng, current.take(dec)))
        tracks = current.take(kind == KIND_TRACK)
        em = kind == KIND_EM
        if np.any(em):
            dep, small = _showers(rng, det, current.take(em))
            deposits.append(dep)
            tracks = Particles.concatenate([tracks, small])
        if len(tracks):
            dep, sec, length = _tracks(rng, det, tracks)
            deposits.append(dep)
            nxt.append(sec)
            longest = max(longest, length)
        neu = kind == KIND_NEUTRAL
        if np.any(neu):
            nxt.append(neutron_recoils(rng, current.take(neu), cfg.neutron_visible_prob,
                                       cfg.neutron_scatter_length_cm))
        current = Particles.concatenate(nxt)
    return Deposits.concatenate(deposits, longest)
