"""The interaction generator: flux × cross sections → events (:func:`generate_events`).

Algorithm (all steps vectorised and seeded):

1. Energies: from the flux histogram weighted by the target's total cross section σ_tot(E)
   (each flux bin split in four; a bin is drawn ∝ flux × max σ in it, E uniform inside, accepted with
   σ_tot(E)/max σ) — exact for the rate φ(E) σ_tot(E).
2. Channel (process × hit centre × nucleus of the target) drawn ∝ its σ(E) (:mod:`nugan.physics.xsec`).
3. Kinematics: accept–reject on the channel's weighted sampler (:mod:`nugan.physics.channels`) with
   the tabulated envelope; DIS from ``nugan.physics.dis.sample_dis`` when that module is installed.
4. Final-state interactions in the nucleus (:mod:`nugan.physics.fsi`).
5. Columns, particles (ν and target: status 0; hit nucleons: 11; primary hadrons before FSI: 14;
   final particles: 1; nuclear remnant: 15, defined as initial − final so that four-momentum, charge
   and baryon number balance), labels and provenance.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from nugan.data import EventSet, make_particles, provenance
from nugan.data.eventset import ParticleStatus
from nugan.errors import ConfigError
from nugan.physics import constants as c
from nugan.physics import fsi
from nugan.physics import kinematics as kin
from nugan.physics.channels import Channel, Kine, sample_channel
from nugan.physics.flux import Flux, get_flux
from nugan.physics.modes import Mode
from nugan.physics.nucleus import nucleons_per_molecule
from nugan.physics.params import PhysicsParams
from nugan.physics.xsec import (
    PROCESS_MODES,
    channel_sigma,
    channel_wmax,
    dis_module,
    sigma_qe_interp,
    target_channels,
)

LABEL_NAMES = ["numu_cc", "nue_cc", "nc"]
GENERATOR_VERSION = "nugan-interactions-1"
MAX_ROUNDS = 400


def _modes_for(processes: Sequence[str] | None) -> frozenset[Mode] | None:
    if processes is None:
        return None
    modes: set[Mode] = set()
    for p in processes:
        if p in PROCESS_MODES:
            modes |= PROCESS_MODES[p]
        else:
            try:
                modes.add(Mode[p.upper()])
            except KeyError:
                raise ConfigError(
                    f"unknown process {p!r}; use {sorted(PROCESS_MODES)} or a Mode name"
                ) from None
    return frozenset(modes)


def _sigma_matrix(chans: list[tuple[Channel, float]], params: PhysicsParams, e: np.ndarray) -> np.ndarray:
    """(len(e), n_channels) σ × multiplicity per molecule."""
    return np.stack([mult * channel_sigma(ch, params, e) for ch, mult in chans], axis=1)


def _sample_energies(
    rng: np.random.Generator, flux: Flux, chans: list[tuple[Channel, float]], params: PhysicsParams, n: int
) -> tuple[np.ndarray, float]:
    """n energies from φ(E)σ_tot(E); also the flux-averaged σ_tot per molecule."""
    if flux.is_mono:
        e0 = np.array([flux.edges_gev[0]])
        sigma0 = float(_sigma_matrix(chans, params, e0).sum())
        if not sigma0 > 0:
            raise ConfigError(
                f"flux {flux.name}: zero interaction rate for the chosen target and processes at "
                f"{e0[0]:g} GeV (below every threshold?)"
            )
        return np.full(n, e0[0]), sigma0
    sub = 4
    edges = flux.edges_gev
    fine = np.concatenate(
        [np.linspace(edges[i], edges[i + 1], sub + 1)[:-1] for i in range(edges.size - 1)] + [edges[-1:]]
    )
    dens = np.repeat(flux.density, sub)
    width = np.diff(fine)
    mid = 0.5 * (fine[1:] + fine[:-1])
    s_edges = _sigma_matrix(chans, params, fine).sum(axis=1)
    s_mid = _sigma_matrix(chans, params, mid).sum(axis=1)
    smax = np.maximum(np.maximum(s_edges[1:], s_edges[:-1]), s_mid) * 1.05 + 1e-300
    flux_tot = float(np.sum(dens * width))
    avg = float(np.sum(dens * width * (s_edges[1:] + 4 * s_mid + s_edges[:-1]) / 6.0)) / flux_tot
    prop = dens * width * smax
    if not prop.sum() > 0 or avg <= 0:
        raise ConfigError(f"flux {flux.name}: zero interaction rate for the chosen target and processes")
    cdf = np.cumsum(prop) / prop.sum()
    out = np.empty(0)
    for _ in range(MAX_ROUNDS):
        need = n - out.size
        if need <= 0:
            break
        m = int(need * 1.3) + 16
        b = np.minimum(np.searchsorted(cdf, rng.uniform(size=m)), width.size - 1)
        e = fine[b] + rng.uniform(size=m) * width[b]
        s = _sigma_matrix(chans, params, e).sum(axis=1)
        out = np.concatenate([out, e[rng.uniform(size=m) * smax[b] < s]])
    return out[:n], avg


@dataclasses.dataclass
class _Batch:
    """Accepted kinematics of the events of one channel, in event order."""

    index: np.ndarray  # global event indices
    kine: Kine | None = None
    dis: Any = None


def _accept_reject(
    rng: np.random.Generator, ch: Channel, enu: np.ndarray, params: PhysicsParams
) -> tuple[Kine, int]:
    """Kinematics for every energy in ``enu`` (accept–reject); also the number of envelope overflows."""
    sqe = sigma_qe_interp(ch.nu_pdg, params)
    wmax = channel_wmax(ch, params, enu)
    pending = np.arange(enu.size)
    parts: list[tuple[np.ndarray, Kine]] = []
    overflow = 0
    for _ in range(MAX_ROUNDS):
        if pending.size == 0:
            break
        rep = 1 if pending.size > 2000 else 4
        idx = np.repeat(pending, rep)
        k = sample_channel(rng, ch, enu[idx], params, sqe)
        overflow += int(np.sum(k.weight > wmax[idx]))
        acc = rng.uniform(size=idx.size) * wmax[idx] < k.weight
        # keep the first accepted try per event
        acc_idx = idx[acc]
        _, first = np.unique(acc_idx, return_index=True)
        sel = np.zeros(idx.size, dtype=bool)
        sel[np.flatnonzero(acc)[first]] = True
        parts.append((idx[sel], k.select(sel)))
        pending = np.setdiff1d(pending, idx[sel], assume_unique=True)
    if pending.size:
        raise ConfigError(
            f"channel {ch.key}: kinematics accept–reject did not converge "
            f"({pending.size} events left); report this with the flux and parameters used"
        )
    order_idx = np.concatenate([p[0] for p in parts])
    kines = [p[1] for p in parts]
    merged = _concat_kines(kines)
    perm = np.argsort(order_idx)
    sel = np.zeros(order_idx.size, dtype=bool)
    # reorder events to the order of enu
    return _reorder(merged, perm), overflow


def _concat_kines(ks: list[Kine]) -> Kine:
    offs = np.cumsum([0] + [k.weight.size for k in ks])[:-1]
    cat = np.concatenate
    return Kine(
        cat([k.weight for k in ks]),
        cat([k.enu_star for k in ks]),
        cat([k.q2 for k in ks]),
        cat([k.w for k in ks]),
        cat([k.lep_pdg for k in ks]),
        cat([k.lep_p4 for k in ks]),
        cat([k.hit_pdg for k in ks]),
        cat([k.init_event + o for k, o in zip(ks, offs, strict=True)]),
        cat([k.init_pdg for k in ks]),
        cat([k.init_p4 for k in ks]),
        cat([k.hadron_event + o for k, o in zip(ks, offs, strict=True)]),
        cat([k.hadron_pdg for k in ks]),
        cat([k.hadron_p4 for k in ks]),
    )


def _reorder(k: Kine, perm: np.ndarray) -> Kine:
    """Events reordered so that new event i is old event perm[i]."""
    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.size)
    ie = inv[k.init_event]
    io = np.argsort(ie, kind="stable")
    he = inv[k.hadron_event]
    ho = np.argsort(he, kind="stable")
    return Kine(
        k.weight[perm],
        k.enu_star[perm],
        k.q2[perm],
        k.w[perm],
        k.lep_pdg[perm],
        k.lep_p4[perm],
        k.hit_pdg[perm],
        ie[io],
        k.init_pdg[io],
        k.init_p4[io],
        he[ho],
        k.hadron_pdg[ho],
        k.hadron_p4[ho],
    )


def _dis_kine(rng: np.random.Generator, ch: Channel, enu: np.ndarray, params: PhysicsParams) -> Kine:
    """DIS kinematics and hadrons from ``nugan.physics.dis.sample_dis`` on RFG nucleons.

    A bound nucleon moving with the neutrino can leave no phase space for a DIS final state
    (``sample_dis`` flags those events ``valid=False``); their nucleon is re-drawn.
    """
    from nugan.physics.nucleus import bound_nucleon_p4

    dis = dis_module()
    assert dis is not None
    n = enu.size
    is_p = np.full(n, ch.hit == "p")
    pdg = np.where(is_p, c.PDG_PROTON, c.PDG_NEUTRON)
    p4 = np.empty((n, 4))
    q2 = np.full(n, np.nan)
    w = q2.copy()
    lep_pdg = np.zeros(n, dtype=np.int64)
    lep_p4 = np.full((n, 4), np.nan)
    had_ev: list[np.ndarray] = []
    had_pdg: list[np.ndarray] = []
    had_p4: list[np.ndarray] = []
    todo = np.arange(n)
    for _ in range(_MAX_DIS_REDRAWS):
        if todo.size == 0:
            break
        p4[todo] = bound_nucleon_p4(rng, ch.nucleus, is_p[todo], params)
        s = dis.sample_dis(rng, enu[todo], ch.nu_pdg, pdg[todo], p4[todo], ch.cc, params)
        ok = np.ones(todo.size, bool) if s.valid is None else np.asarray(s.valid, bool)
        done = todo[ok]
        q2[done], w[done] = np.asarray(s.q2_gev2)[ok], np.asarray(s.w_gev)[ok]
        lep_pdg[done] = np.asarray(s.lepton_pdg)[ok]
        lep_p4[done] = np.asarray(s.lepton_p4)[ok]
        counts = np.asarray(s.hadron_counts, dtype=np.int64)
        owner = np.repeat(np.arange(todo.size), counts)
        keep = ok[owner]
        had_ev.append(todo[owner[keep]])
        had_pdg.append(np.asarray(s.hadron_pdg, np.int64)[keep])
        had_p4.append(np.asarray(s.hadron_p4, float).reshape(-1, 4)[keep])
        todo = todo[~ok]
    if todo.size:
        raise ConfigError(
            f"channel {ch.key}: no kinematically allowed DIS struck nucleon for {todo.size} event(s) "
            f"(E_nu from {float(np.min(enu[todo])):.3g} GeV) after {_MAX_DIS_REDRAWS} redraws; the nuclear "
            f"parameters (binding_energy_gev={params.binding_energy_gev}, fermi_momentum_gev="
            f"{params.fermi_momentum_gev}) leave no phase space: use values near the defaults"
        )
    hev = np.concatenate(had_ev)
    order = np.argsort(hev, kind="stable")
    ev = np.arange(n)
    k4 = np.zeros((n, 4))
    k4[:, 2] = enu
    k4[:, 3] = enu
    m = c.M_NUCLEON
    estar = np.clip((kin.mass2(k4 + p4) - m**2) / (2 * m), 0.0, None)
    return Kine(
        np.ones(n),
        estar,
        q2,
        w,
        lep_pdg,
        lep_p4,
        pdg,
        ev,
        pdg,
        p4,
        hev[order],
        np.concatenate(had_pdg)[order],
        np.concatenate(had_p4)[order],
    )


_MAX_DIS_REDRAWS = 50


def _charge(pdg: np.ndarray) -> np.ndarray:
    """Electric charge of the particles the generator emits (leptons, hadrons, nuclei)."""
    from nugan.physics.pdgtools import charge

    return charge(pdg)


def generate_events(
    flux: str | Flux,
    target: str,
    n: int,
    seed: int,
    params: PhysicsParams | None = None,
    flavour: str = "numu",
    processes: Sequence[str] | None = None,
) -> EventSet:
    """Simulate ``n`` neutrino interactions on ``target`` in ``flux``.

    Arguments:
        flux: a flux name (``mono:E``, ``numi-offaxis``, ``miniboone``, ``minerva-le``, ``t2k-nd280``,
            a CSV path) or a :class:`~nugan.physics.flux.Flux`.
        target: free-n, free-p, C12, O16, Ar40, CH, CH2.
        n: number of events; seed: random seed (same seed → same events).
        params: physics parameters (default :class:`PhysicsParams`).
        flavour: numu, nue, numubar, nuebar (ignored when ``flux`` is a Flux object).
        processes: restrict to process groups (ccqe, 2p2h, res, dis, coh, cc, nc, total, ...) or Mode
            names; None means everything.

    Returns:
        An :class:`EventSet` (see ``docs/physics.md`` for the columns) with particles, labels
        (``numu_cc``, ``nue_cc``, ``nc``) and attrs ``xsec_fluxavg_cm2_per_nucleon`` and the config.

    Example:
        >>> ev = generate_events("mono:1.0", "free-n", 20, seed=1, processes=["ccqe"])
        >>> len(ev), set(ev.columns["mode"].tolist())
        (20, {1})
    """
    params = params or PhysicsParams()
    if n < 0:
        raise ConfigError(f"the number of events must be ≥ 0, got {n}")
    fl = get_flux(flux, flavour)
    nu_pdg = fl.nu_pdg
    modes = _modes_for(processes)
    chans = target_channels(target, nu_pdg, modes)
    if not chans:
        raise ConfigError(f"no channels for target {target!r} with processes {processes}")
    rng = np.random.default_rng(seed)
    enu, avg_molecule = _sample_energies(rng, fl, chans, params, n)
    xsec_avg = avg_molecule / nucleons_per_molecule(target)
    sig = _sigma_matrix(chans, params, enu)
    cum = np.cumsum(sig, axis=1)
    u = rng.uniform(size=n) * cum[:, -1]
    choice = np.minimum((u[:, None] > cum).sum(axis=1), len(chans) - 1)
    batches: list[tuple[Channel, np.ndarray, Kine]] = []
    overflow = 0
    for ci, (ch, _) in enumerate(chans):
        idx = np.flatnonzero(choice == ci)
        if idx.size == 0:
            continue
        if ch.mode in (Mode.CCDIS, Mode.NCDIS):
            k = _dis_kine(rng, ch, enu[idx], params)
        else:
            k, ov = _accept_reject(rng, ch, enu[idx], params)
            overflow += ov
        batches.append((ch, idx, k))
    events = _assemble(rng, n, enu, nu_pdg, target, batches, params)
    config = {
        "generator": GENERATOR_VERSION,
        "flux": fl.describe(),
        "target": target,
        "n": int(n),
        "flavour": flavour,
        "params": params.to_dict(),
        "processes": list(processes) if processes else None,
        "dis_available": dis_module() is not None,
    }
    attrs = provenance(
        config,
        seed,
        xsec_fluxavg_cm2_per_nucleon=float(xsec_avg),
        n_envelope_overflows=int(overflow),
        label_names=list(LABEL_NAMES),
    )
    return events.with_parts(attrs=attrs)


def _assemble(
    rng: np.random.Generator,
    n: int,
    enu: np.ndarray,
    nu_pdg: int,
    target: str,
    batches: list[tuple[Channel, np.ndarray, Kine]],
    params: PhysicsParams,
) -> EventSet:
    from nugan.physics.pdgtools import baryon_number

    cols: dict[str, np.ndarray] = {
        "enu_gev": enu.astype(np.float64),
        "nu_pdg": np.full(n, nu_pdg, dtype=np.int32),
        "target_pdg": np.zeros(n, dtype=np.int64),
        "mode": np.zeros(n, dtype=np.int32),
        "is_cc": np.zeros(n, dtype=bool),
        "q2_gev2": np.zeros(n),
        "w_gev": np.zeros(n),
        "x": np.zeros(n),
        "y": np.zeros(n),
        "lep_pdg": np.zeros(n, dtype=np.int32),
        "lep_e_gev": np.zeros(n),
        "lep_p_gev": np.zeros(n),
        "lep_costheta": np.zeros(n),
        "weight": np.ones(n),
        "hit_nucleon_pdg": np.zeros(n, dtype=np.int32),
        "had_e_gev": np.zeros(n),
        "enu_star_gev": np.zeros(n),
    }
    lep_p4 = np.zeros((n, 4))
    target_mass = np.zeros(n)
    target_z = np.zeros(n, dtype=np.int64)
    target_a = np.zeros(n, dtype=np.int64)
    blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] = []  # (event, pdg, p4, status)
    for ch, idx, k in batches:
        nuc = ch.nucleus
        cols["target_pdg"][idx] = nuc.pdg
        cols["mode"][idx] = int(ch.mode)
        cols["is_cc"][idx] = ch.cc
        cols["w_gev"][idx] = k.w
        cols["lep_pdg"][idx] = k.lep_pdg
        cols["hit_nucleon_pdg"][idx] = k.hit_pdg if ch.hit != "A" else 0
        cols["enu_star_gev"][idx] = k.enu_star
        lep_p4[idx] = k.lep_p4
        target_mass[idx] = nuc.mass_gev
        target_z[idx] = nuc.z
        target_a[idx] = nuc.a
        if k.init_event.size:
            blocks.append((idx[k.init_event], k.init_pdg, k.init_p4, ParticleStatus.HIT_NUCLEON))
        hev, hpdg, hp4 = idx[k.hadron_event], k.hadron_pdg, k.hadron_p4
        if not nuc.is_free and ch.hit != "A":  # coherent pions leave the nucleus intact: no FSI
            blocks.append((hev, hpdg, hp4, ParticleStatus.PRE_FSI))
            order = np.argsort(hev, kind="stable")
            fe, fp, f4 = fsi.apply_fsi(rng, hev[order], hpdg[order], hp4[order], nuc, params)
            blocks.append((fe, fp, f4, ParticleStatus.FINAL))
        else:
            blocks.append((hev, hpdg, hp4, ParticleStatus.FINAL))
    ev_all = np.arange(n)
    k4 = np.zeros((n, 4))
    k4[:, 2] = enu
    k4[:, 3] = enu
    tgt4 = np.zeros((n, 4))
    tgt4[:, 3] = target_mass
    blocks.insert(0, (ev_all, np.full(n, nu_pdg), k4, ParticleStatus.INITIAL))
    blocks.insert(1, (ev_all, cols["target_pdg"].copy(), tgt4, ParticleStatus.INITIAL))
    blocks.append((ev_all, cols["lep_pdg"].astype(np.int64), lep_p4, ParticleStatus.FINAL))
    # remnant = initial − final (nuclear targets only)
    fin_sum = np.zeros((n, 4))
    fin_charge = np.zeros(n, dtype=np.int64)
    fin_baryon = np.zeros(n, dtype=np.int64)
    for e, p, p4, st in blocks:
        if st == ParticleStatus.FINAL:
            np.add.at(fin_sum, e, p4)
            np.add.at(fin_charge, e, _charge(p))
            np.add.at(fin_baryon, e, baryon_number(p))
    nuclear = target_a > 1
    rem4 = k4 + tgt4 - fin_sum
    z_rem = target_z - fin_charge + np.where(nu_pdg > 0, 0, 0)
    a_rem = target_a - fin_baryon
    has_rem = nuclear & (a_rem > 0)
    rem_pdg = np.where(a_rem == 1, np.where(z_rem == 1, 2212, 2112), 1000000000 + 10000 * z_rem + 10 * a_rem)
    blocks.append((ev_all[has_rem], rem_pdg[has_rem], rem4[has_rem], ParticleStatus.REMNANT))
    # columns from the lepton
    q = k4 - lep_p4
    q2 = -kin.mass2(q)
    nu = q[:, 3]
    m = c.M_NUCLEON
    cols["q2_gev2"] = q2
    cols["had_e_gev"] = nu
    cols["x"] = q2 / (2 * m * np.maximum(nu, 1e-12))
    cols["y"] = nu / enu
    cols["lep_e_gev"] = lep_p4[:, 3]
    pl = kin.pmag(lep_p4)
    cols["lep_p_gev"] = pl
    cols["lep_costheta"] = lep_p4[:, 2] / np.maximum(pl, 1e-12)
    # particles
    ev = np.concatenate([b[0] for b in blocks])
    order = np.argsort(ev, kind="stable")
    pdg = np.concatenate([np.asarray(b[1], dtype=np.int64) for b in blocks])[order]
    p4 = np.concatenate([b[2] for b in blocks])[order]
    status = np.concatenate([np.full(b[0].size, int(b[3]), dtype=np.int16) for b in blocks])[order]
    counts = np.bincount(ev, minlength=n)
    parts = make_particles(counts, pdg.astype(np.int32), p4[:, 0], p4[:, 1], p4[:, 2], p4[:, 3], status)
    final = status == ParticleStatus.FINAL
    ev_sorted = ev[order]
    for name, code in (
        ("n_p", [2212]),
        ("n_n", [2112]),
        ("n_pip", [211]),
        ("n_pim", [-211]),
        ("n_pi0", [111]),
    ):
        cols[name] = np.bincount(ev_sorted[final & np.isin(pdg, code)], minlength=n).astype(np.int32)
    is_cc = cols["is_cc"]
    labels = np.where(~is_cc, 2, np.where(np.abs(cols["nu_pdg"]) == 12, 1, 0)).astype(np.int64)
    return EventSet(cols, parts, None, labels, list(LABEL_NAMES), {})
