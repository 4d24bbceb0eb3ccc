"""Invariants on every generated event: four-momentum, masses, charge, baryon and lepton number."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

from nugan.data.eventset import ParticleStatus
from nugan.physics import kinematics as kin
from nugan.physics.generator import LABEL_NAMES, generate_events
from nugan.physics.modes import Mode
from nugan.physics.pdgtools import baryon_number, charge, lepton_number

COLUMNS = [
    "enu_gev",
    "nu_pdg",
    "target_pdg",
    "mode",
    "is_cc",
    "q2_gev2",
    "w_gev",
    "x",
    "y",
    "lep_pdg",
    "lep_e_gev",
    "lep_p_gev",
    "lep_costheta",
    "weight",
]


def _flat(ev):
    parts = ev.particles
    counts = ak.to_numpy(ak.num(parts))
    evi = np.repeat(np.arange(len(ev)), counts)
    f = {k: ak.to_numpy(ak.flatten(parts[k])) for k in ("pdg", "px", "py", "pz", "e", "status")}
    p4 = np.stack([f["px"], f["py"], f["pz"], f["e"]], axis=1)
    return evi, f["pdg"].astype(np.int64), p4, f["status"]


def _sum(evi: np.ndarray, mask: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((n, *values.shape[1:]))
    np.add.at(out, evi[mask], values[mask])
    return out


@pytest.fixture(
    scope="module",
    params=[
        ("numi-offaxis", "C12", "numu"),
        ("mono:1.5", "CH", "numubar"),
        ("t2k-nd280", "Ar40", "nue"),
        ("mono:3.0", "free-p", "numu"),
    ],
)
def events(request):
    flux, target, flavour = request.param
    return generate_events(flux, target, 1500, seed=7, flavour=flavour)


def test_columns_and_labels(events) -> None:
    for name in COLUMNS:
        assert name in events.columns
    assert events.label_names == LABEL_NAMES
    cc = events.columns["is_cc"]
    assert np.all(events.labels[~cc] == 2)
    assert np.all(np.isin(events.columns["mode"], [int(m) for m in Mode]))
    assert np.all(cc == (events.columns["mode"] < 10))
    assert events.attrs["xsec_fluxavg_cm2_per_nucleon"] > 1e-40
    assert events.attrs["config"]["params"]["ma_qe_gev"] > 0
    events.check_finite()


def test_four_momentum_conserved_with_remnant(events) -> None:
    n = len(events)
    evi, _pdg, p4, st = _flat(events)
    initial = _sum(evi, st == ParticleStatus.INITIAL, p4, n)
    final = _sum(evi, (st == ParticleStatus.FINAL) | (st == ParticleStatus.REMNANT), p4, n)
    np.testing.assert_allclose(final, initial, atol=1e-6)


def test_primary_vertex_conserves_four_momentum(events) -> None:
    """ν + hit nucleon(s) = lepton + primary hadrons (before FSI), event by event (not coherent)."""
    n = len(events)
    evi, pdg, p4, st = _flat(events)
    mode = events.columns["mode"]
    nuclear = events.columns["target_pdg"] > 1000010010
    lep = _sum(evi, (st == ParticleStatus.FINAL) & (np.abs(pdg) >= 11) & (np.abs(pdg) <= 16), p4, n)
    coh = np.isin(mode, [int(Mode.CCCOH), int(Mode.NCCOH)])
    hadron_status = np.where(nuclear[evi] & ~coh[evi], ParticleStatus.PRE_FSI, ParticleStatus.FINAL)
    had = _sum(evi, (st == hadron_status) & ((np.abs(pdg) < 11) | (np.abs(pdg) > 16)), p4, n)
    hit = _sum(evi, st == ParticleStatus.HIT_NUCLEON, p4, n)
    nu = np.zeros((n, 4))
    nu[:, 2] = nu[:, 3] = events.columns["enu_gev"]
    np.testing.assert_allclose((lep + had)[~coh], (nu + hit)[~coh], atol=1e-6)
    # coherent: the nucleus recoils in its ground state (remnant mass = target mass)
    if coh.any():
        rem = _sum(evi, st == ParticleStatus.REMNANT, p4, n)[coh]
        tgt = _sum(evi, (st == ParticleStatus.INITIAL) & (pdg > 1000000000), p4, n)[coh]
        np.testing.assert_allclose(np.sqrt(kin.mass2(rem)), tgt[:, 3], rtol=1e-9)


def test_masses_non_negative_and_on_shell(events) -> None:
    evi, pdg, p4, st = _flat(events)
    m2 = kin.mass2(p4)
    assert np.all(m2 > -1e-6)
    fin = (st == ParticleStatus.FINAL) & (np.abs(pdg) < 1000000000)
    known = {
        13: 0.10566,
        11: 0.000511,
        14: 0.0,
        12: 0.0,
        2212: 0.93827,
        2112: 0.93957,
        211: 0.13957,
        111: 0.13498,
    }
    for code, mass in known.items():
        sel = fin & (np.abs(pdg) == code)
        if sel.any():
            np.testing.assert_allclose(np.sqrt(np.clip(m2[sel], 0, None)), mass, atol=2e-3)
    # the remnant is a bound system: mass between (A_rem × 0.90 GeV) and the target mass
    rem = st == ParticleStatus.REMNANT
    if rem.any():
        a_rem = baryon_number(pdg[rem])
        assert np.all(np.sqrt(m2[rem]) > 0.90 * a_rem)
        assert np.all(np.sqrt(m2[rem]) < events.columns["enu_gev"][evi[rem]] + 40.0)


def test_charge_baryon_lepton_number_conserved(events) -> None:
    n = len(events)
    evi, pdg, _p4, st = _flat(events)
    init = st == ParticleStatus.INITIAL
    fin = (st == ParticleStatus.FINAL) | (st == ParticleStatus.REMNANT)
    for fn in (charge, baryon_number, lepton_number):
        v = fn(pdg).astype(float)
        np.testing.assert_array_equal(_sum(evi, fin, v, n), _sum(evi, init, v, n))
    # the remnant is a real nucleus: 0 ≤ Z, 0 ≤ N, A ≤ A_target (Z rises only by charge exchange)
    rem = st == ParticleStatus.REMNANT
    if rem.any():
        tz = charge(events.columns["target_pdg"])[evi[rem]]
        ta = baryon_number(events.columns["target_pdg"])[evi[rem]]
        z, a = charge(pdg[rem]), baryon_number(pdg[rem])
        assert np.all((z >= 0) & (a - z >= 0) & (a <= ta) & (z <= tz + 3))


def test_lepton_columns_match_particles(events) -> None:
    c = events.columns
    assert np.all(c["lep_e_gev"] <= c["enu_gev"] + 1e-9)
    np.testing.assert_allclose(c["lep_p_gev"] ** 2 + np.where(c["is_cc"], 1, 0) * 0, c["lep_p_gev"] ** 2)
    assert np.all(np.abs(c["lep_costheta"]) <= 1 + 1e-12)
    assert np.all(c["q2_gev2"] >= -1e-9)
    assert np.all((c["y"] > 0) & (c["y"] <= 1 + 1e-9))
    cc = c["is_cc"]
    assert np.all(np.sign(c["lep_pdg"]) == np.sign(c["nu_pdg"]))
    assert np.all(np.abs(c["lep_pdg"][cc]) == np.abs(c["nu_pdg"][cc]) - 1)
    assert np.all(c["lep_pdg"][~cc] == c["nu_pdg"][~cc])


def test_same_seed_same_events() -> None:
    a = generate_events("numi-offaxis", "C12", 300, seed=3)
    b = generate_events("numi-offaxis", "C12", 300, seed=3)
    c = generate_events("numi-offaxis", "C12", 300, seed=4)
    np.testing.assert_array_equal(a.columns["q2_gev2"], b.columns["q2_gev2"])
    assert not np.array_equal(a.columns["q2_gev2"], c.columns["q2_gev2"])
