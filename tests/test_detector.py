"""Detector simulation: material constants, transport physics, readout, pixel maps, bookkeeping."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from nugan.data import EventSet, make_particles
from nugan.errors import ConfigError, SchemaError
from nugan.physics.constants import M_MUON
from nugan.physics.detector import build_detector, get_detector_config, simulate_detector, simulate_one
from nugan.physics.detector.guns import particle_gun, topology_gun
from nugan.physics.detector.materials import (
    bethe_dedx_mev_cm2_g,
    density_effect,
    minimum_ionisation_mev_cm2_g,
    nova_mixture,
    polystyrene,
    range_table,
)
from nugan.physics.detector.readout import noise_probability
from nugan.physics.detector.secondaries import Particles, available_energy_gev, two_body_decays
from nugan.physics.detector.showers import gp_mean_tmax_x0, shower_spots
from nugan.physics.detector.simulate import event_particles
from nugan.physics.detector.tracks import highland_theta0_rad, transport_tracks

NOVA = build_detector(get_detector_config("nova"))
MINI = build_detector(get_detector_config("mini"))


# ----------------------------------------------------------------------------- materials
def test_polystyrene_minimum_ionisation_matches_pdg() -> None:
    # PDG atomic & nuclear properties, polystyrene: minimum ionisation 1.936 MeV cm²/g at βγ ≈ 3.5–4
    dedx, bg = minimum_ionisation_mev_cm2_g(polystyrene())
    assert dedx == pytest.approx(1.936, rel=0.005)
    assert 3.0 < bg < 4.5


@pytest.mark.parametrize(("t_gev", "range_g_cm2"), [(0.5, 235.0), (1.0, 485.0), (2.0, 960.0)])
def test_polystyrene_muon_csda_range(t_gev: float, range_g_cm2: float) -> None:
    # PHYSICS-REFERENCES §10 (Groom–Mokhov–Striganov tables; values recomputed there)
    mat = polystyrene()
    r = range_table(mat).range_cm(np.array([t_gev]), np.array([M_MUON]))[0] * mat.density_g_cm3
    assert r == pytest.approx(range_g_cm2, rel=0.02)


def test_nova_mixture_constants() -> None:
    m = nova_mixture()
    assert m.x0_g_cm2 == pytest.approx(35.0, rel=0.01)  # §9: ≈35.0 g/cm² from the composition
    assert m.x0_cm == pytest.approx(35.9, rel=0.01)
    assert 8.0 < m.moliere_radius_cm < 13.0  # §9: ≈10 cm (rough)
    assert 80.0 < m.lambda_i_cm < 95.0  # §9: ≈86 cm (rough)
    assert 60.0 < m.critical_energy_mev < 80.0
    per_plane = get_detector_config("nova").plane_pitch_cm / m.x0_cm
    assert per_plane == pytest.approx(0.19, abs=0.01)  # §9: ≈0.19 X0 per plane


def test_density_effect_limits() -> None:
    mat = polystyrene()
    delta = density_effect(mat, np.array([1.0, 1e4]))
    assert delta[0] == 0.0
    assert delta[1] == pytest.approx(2 * math.log(10) * 4 - 3.2999)  # δ → 2 ln10 x − C̄
    assert density_effect(mat, np.array([1.2]))[0] == pytest.approx(0.0)  # x < x0 = 0.1647, δ0 = 0
    d = bethe_dedx_mev_cm2_g(mat, np.array([4.0, 100.0, 1000.0]))
    assert d[1] > d[0] and d[2] / d[1] < 1.12  # the density effect tames the relativistic rise


# ----------------------------------------------------------------------------- transport
def test_highland_multiple_scattering_after_one_x0() -> None:
    rng = np.random.default_rng(1)
    n = 4000
    t = np.full(n, 2.0)
    m = np.full(n, M_MUON)
    steps = transport_tracks(rng, NOVA.table, NOVA.x0_cm, 2.0, 0.0, m, t, np.zeros((n, 3)),
                             np.tile([0.0, 0.0, 1.0], (n, 1)), np.full(n, np.inf), np.full(n, NOVA.x0_cm))
    theta_x = np.arctan2(steps.end_dir[:, 0], steps.end_dir[:, 2])
    p = math.sqrt((2.0 + M_MUON) ** 2 - M_MUON**2)
    beta = p / (2.0 + M_MUON)
    expected = highland_theta0_rad(np.array([p]), np.array([beta]), np.array([1.0]))[0]
    assert np.std(theta_x) == pytest.approx(expected, rel=0.06)


def test_stopping_muon_range_and_linear_visible_energy() -> None:
    t = np.array([0.3, 0.6, 1.0, 1.5])
    vis, length = [], []
    quiet = NOVA.cfg.replace(noise_pe=0.0)  # no noise hits: the muon alone
    for ti in t:
        out = simulate_detector(particle_gun([13], [ti], n=40, vertex_cm=(0, 0, 100)), quiet, seed=2)
        vis.append(out.columns["vis_e_gev"].mean())
        length.append(out.columns["longest_track_cm"].mean())
    csda = NOVA.table.range_cm(t, np.full(4, M_MUON))
    np.testing.assert_allclose(length, csda, rtol=0.01)  # path length = CSDA range (no straggling)
    slope, icpt = np.polyfit(t, vis, 1)
    assert slope == pytest.approx(NOVA.active_energy_fraction, rel=0.03)
    # offset = Michel electrons: (1 − capture) × <E_e> (0.7 × 52.8 MeV) × active fraction ≈ 22 MeV
    michel = (1 - NOVA.cfg.mu_capture_prob) * 0.7 * 52.83e-3 * NOVA.active_energy_fraction
    assert icpt == pytest.approx(michel, abs=0.006)
    resid = np.asarray(vis) - (slope * t + icpt)
    assert np.max(np.abs(resid) / np.asarray(vis)) < 0.02


def test_muon_without_decay_has_no_offset() -> None:
    cfg = NOVA.cfg.replace(noise_pe=0.0, decays_at_rest=False)
    t = np.array([0.3, 1.0])
    vis = [simulate_detector(particle_gun([13], [ti], n=30), cfg, seed=3).columns["vis_e_gev"].mean()
           for ti in t]
    slope, icpt = np.polyfit(t, vis, 1)
    assert abs(icpt) < 0.006 and slope == pytest.approx(NOVA.active_energy_fraction, rel=0.03)


def test_michel_spectrum() -> None:
    from nugan.physics.detector.secondaries import MICHEL_EMAX_GEV, michel_energies_gev

    assert MICHEL_EMAX_GEV == pytest.approx(0.05283, abs=1e-5)
    e = michel_energies_gev(np.random.default_rng(0), 20000) / MICHEL_EMAX_GEV
    assert e.max() <= 1.0 and e.mean() == pytest.approx(0.7, abs=0.01)  # <x> = 0.35/0.5


def test_mip_energy_per_plane_calibrated() -> None:
    # through-going 3 GeV muons along z: mean calibrated energy per hit plane ≈ MIP × dE/dx(3 GeV)/min
    out = simulate_detector(particle_gun([13], [3.0], n=30, vertex_cm=(0, 0, 10)), "nova", seed=5)
    per_plane = out.pixelmaps[:, :, :20].sum(axis=3).mean()  # per plane of either view
    bg = math.sqrt(3.1057**2 - M_MUON**2) / M_MUON
    dedx_min = minimum_ionisation_mev_cm2_g(NOVA.material)[0]
    ratio = bethe_dedx_mev_cm2_g(NOVA.material, np.array([bg]))[0] / dedx_min
    # (noise hits add ≈ 7 × 5 MeV spread over 200 planes: < 2 %)
    assert per_plane == pytest.approx(NOVA.mip_plane_active_mev * ratio, rel=0.06)


def test_bragg_peak_at_track_end() -> None:
    rng = np.random.default_rng(3)
    steps = transport_tracks(rng, NOVA.table, NOVA.x0_cm, 2.0, 0.0, np.array([0.938]), np.array([0.3]),
                             np.zeros((1, 3)), np.array([[0.0, 0.0, 1.0]]), np.array([np.inf]))
    dedx = steps.de_mev / steps.length_cm
    assert dedx[-3:-1].mean() > 3.0 * dedx[:5].mean()  # dE/dx rises towards the stop
    assert steps.de_mev.sum() == pytest.approx(300.0, rel=1e-6)  # all kinetic energy deposited


def test_pi0_decay_conserves_energy_and_mass() -> None:
    rng = np.random.default_rng(4)
    n = 200
    parts = Particles(np.full(n, 111), np.full(n, 0.8), np.tile([0.0, 0.0, 1.0], (n, 1)), np.zeros((n, 3)))
    g = two_body_decays(rng, parts)
    assert np.all(g.pdg == 22)
    e1, e2 = g.t_gev[:n], g.t_gev[n:]
    np.testing.assert_allclose(e1 + e2, 0.8 + 0.1349768, rtol=1e-9)
    cos12 = np.sum(g.direc[:n] * g.direc[n:], axis=1)
    m2 = 2 * e1 * e2 * (1 - cos12)
    np.testing.assert_allclose(np.sqrt(m2), 0.1349768, rtol=1e-6)


# ----------------------------------------------------------------------------- showers
def test_em_profile_peak_matches_grindhammer_peters() -> None:
    rng = np.random.default_rng(5)
    n, e = 400, 2.0
    mat = NOVA.material
    spots = shower_spots(rng, np.full(n, e), np.zeros((n, 3)), np.tile([0.0, 0.0, 1.0], (n, 1)),
                         NOVA.x0_cm, mat.moliere_radius_cm, mat.critical_energy_mev, mat.z_eff, 0.0)
    t = spots.pos_cm[:, 2] / NOVA.x0_cm
    hist, edges = np.histogram(t, bins=np.arange(0, 15.01, 0.25), weights=spots.e_mev)
    centres = 0.5 * (edges[1:] + edges[:-1])
    smooth = np.convolve(hist, np.ones(5) / 5, mode="same")
    peak = centres[np.argmax(smooth)]
    expected = gp_mean_tmax_x0(np.array([e]), mat.critical_energy_mev)[0]  # ln y − 0.858 ≈ 2.5 X0
    assert peak == pytest.approx(expected, abs=0.5)
    median_t = math.log(e * 1000 / mat.critical_energy_mev) - 0.812  # exp<ln T> of GP
    assert np.median(spots.t_max_x0) == pytest.approx(median_t, rel=0.1)


def test_electron_visible_energy_linear_with_resolution() -> None:
    energies = np.array([0.5, 1.0, 2.0, 4.0])
    means, sig = [], []
    for e in energies:
        out = simulate_detector(particle_gun([11], [e], n=60, vertex_cm=(0, 0, 200)), "nova", seed=6)
        v = out.columns["vis_e_gev"]
        means.append(v.mean())
        sig.append(v.std() / v.mean())
    slope, icpt = np.polyfit(energies, means, 1)
    assert slope == pytest.approx(NOVA.active_energy_fraction, rel=0.04)
    assert np.max(np.abs(np.asarray(means) - slope * energies - icpt) / means) < 0.03
    assert 0.02 < sig[2] < 0.10  # ≈5 %/sqrt(E) sampling ⊕ Poisson ⊕ leakage
    assert sig[0] > sig[3]  # resolution improves with energy


def test_electron_shower_containment() -> None:
    rng = np.random.default_rng(7)
    total, inside = 0.0, 0.0
    for _ in range(20):
        parts = event_particles(np.array([11]), np.array([[0.0, 0.0, 2.0, 2.0]]), np.array([0.0, 0.0, 200.0]))
        res = simulate_one(NOVA, rng, parts, np.array([0.0, 0.0, 200.0]))
        dep = res["deposits"]
        total += dep.e_med_mev.sum()
        inside += dep.e_med_mev[NOVA.inside(dep.pos_cm)].sum()
    assert total == pytest.approx(40_000.0, rel=1e-6)  # all shower energy is put somewhere
    assert inside / total > 0.97  # contained in the big detector
    # in the mini detector a 2 GeV shower from the front leaks sideways and out of the back
    res = simulate_one(MINI, rng, parts, np.array([0.0, 0.0, 200.0]))
    assert MINI.inside(res["deposits"].pos_cm).mean() < 1.0


# ----------------------------------------------------------------------------- bookkeeping
def _random_events(n: int, seed: int) -> EventSet:
    rng = np.random.default_rng(seed)
    species = np.array([13, -13, 211, -211, 2212, 2112, 11, 22, 111, 321, 3122, 130, 14])
    counts = rng.integers(0, 6, n)
    k = int(counts.sum())
    pdg = rng.choice(species, k)
    from nugan.physics.detector.secondaries import mass_of

    m = mass_of(pdg)
    t = rng.exponential(0.4, k)
    d = rng.normal(size=(k, 3))
    d[:, 2] = np.abs(d[:, 2]) + 0.5
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    e = t + m
    p = np.sqrt(e * e - m * m)
    parts = make_particles(counts, pdg, p * d[:, 0], p * d[:, 1], p * d[:, 2], e, np.ones(k))
    return EventSet({"enu_gev": np.ones(n)}, particles=parts)


def test_energy_bookkeeping_per_event() -> None:
    events = _random_events(60, 8)
    out = simulate_detector(events, "nova", seed=9)
    avail = np.array([available_energy_gev(np.asarray(p.pdg), np.asarray(p.e)).sum()
                      for p in events.particles])
    assert np.all(out.columns["dep_e_gev"] <= avail + 1e-9)
    assert np.all(out.columns["dep_e_gev"] >= 0) and np.all(out.columns["vis_e_gev"] >= 0)
    assert np.all(out.pixelmaps >= 0)
    # total energy left in the medium (active + passive) is also bounded by what is available
    det = NOVA
    for i in range(10):
        p = events.particles[i]
        p4 = np.stack([np.asarray(p[f]) for f in ("px", "py", "pz", "e")], 1)
        parts = event_particles(np.asarray(p.pdg), p4,
                                np.array([0.0, 0.0, 300.0]))
        res = simulate_one(det, np.random.default_rng(i), parts, np.array([0.0, 0.0, 300.0]))
        assert res["deposits"].e_med_mev.sum() / 1000 <= avail[i] + 1e-9
        assert np.all(res["deposits"].e_med_mev >= 0)


def test_noise_only_events_have_expected_hit_count() -> None:
    n = 300
    nothing = make_particles(np.zeros(n, int), [], [], [], [], [], [])
    empty = EventSet({"enu_gev": np.ones(n)}, particles=nothing)
    out = simulate_detector(empty, "mini", seed=10)
    cfg = get_detector_config("mini")
    expected = n * 2 * cfg.window_planes * cfg.window_cells * noise_probability(MINI)
    assert out.columns["n_hits"].sum() == pytest.approx(expected, abs=4 * math.sqrt(expected))
    assert np.count_nonzero(out.pixelmaps) == out.columns["n_hits"].sum()
    assert np.all(out.columns["dep_e_gev"] == 0)
    quiet = simulate_detector(empty[:20], get_detector_config("mini").replace(noise_pe=0.0), seed=10)
    assert quiet.columns["n_hits"].sum() == 0 and not quiet.pixelmaps.any()


# ----------------------------------------------------------------------------- readout
def test_birks_quenching_of_protons() -> None:
    mu = simulate_detector(particle_gun([13], [0.3], n=30), "mini", seed=11)
    p = simulate_detector(particle_gun([2212], [0.08], n=30), "mini", seed=11)
    r_mu = mu.columns["vis_e_gev"].sum() / mu.columns["dep_e_gev"].sum()
    r_p = p.columns["vis_e_gev"].sum() / p.columns["dep_e_gev"].sum()
    assert r_mu == pytest.approx(1.0, abs=0.03)  # calibrated to the MIP scale
    assert r_p < r_mu - 0.03  # heavily ionising protons are quenched


def test_attenuation_curve_and_light_yield() -> None:
    cfg = NOVA.cfg
    length = cfg.pe_ref_length_cm
    far = NOVA.attenuation(np.array([length]), length)[0]
    near = NOVA.attenuation(np.array([0.0]), length)[0]
    assert far == pytest.approx(0.3137 * math.exp(-length / 289.5) + 0.1669 * math.exp(-length / 852.3))
    assert near > 2 * far
    # Y0 gives 25 PE for a MIP at the far end of a 15.5 m cell
    assert NOVA.yield_pe_per_mev * NOVA.mip_plane_active_mev / NOVA.birks_mip * far == pytest.approx(25.0)


def test_quantisation_gives_256_levels() -> None:
    cfg = get_detector_config("mini").replace(quantise_8bit=True, quant_max_mev=50.0)
    out = simulate_detector(particle_gun([11], [1.0], n=5), cfg, seed=12)
    vals = out.pixelmaps[out.pixelmaps > 0] / (50.0 / 255.0)
    np.testing.assert_allclose(vals, np.round(vals), atol=1e-3)
    assert vals.max() <= 255 + 1e-3


# ----------------------------------------------------------------------------- pixel maps, API
def test_topologies_are_distinct() -> None:
    out = {k: simulate_detector(topology_gun(k, n=20), "nova", seed=13) for k in ("numu_cc", "nue_cc", "nc")}
    trk = {k: v.columns["longest_track_cm"] for k, v in out.items()}
    assert np.all(trk["numu_cc"] > 350)  # 1.3 GeV muon: ≈ 6 m
    assert np.median(trk["nue_cc"]) < 100 and np.median(trk["nc"]) < 150
    hits_per_plane = {k: v.columns["n_hits"] / v.columns["n_planes"] for k, v in out.items()}
    assert hits_per_plane["nue_cc"].mean() > 1.3 * hits_per_plane["numu_cc"].mean()  # showers are wide


def test_window_starts_at_first_hit_plane_and_is_zero_outside_hits() -> None:
    out = simulate_detector(topology_gun("numu_cc", n=10, vertex_cm=(10.0, -20.0, 100.0)), "nova", seed=14)
    pm = out.pixelmaps
    assert pm.shape == (10, 2, 100, 80) and pm.dtype == np.float32
    assert np.all(pm[:, :, 0].reshape(10, -1).max(axis=1) > 0)  # first window plane has a hit
    assert np.all(np.count_nonzero(pm.reshape(10, -1), axis=1) <= out.columns["n_hits"])


def test_same_seed_same_output_and_batch_independence() -> None:
    ev = _random_events(6, 15)
    a = simulate_detector(ev, "mini", seed=16)
    b = simulate_detector(ev, "mini", seed=16)
    np.testing.assert_array_equal(a.pixelmaps, b.pixelmaps)
    parts = [simulate_detector(ev[:2], "mini", seed=16),
             simulate_detector(ev[2:], "mini", seed=16, start_index=2)]
    joined = EventSet.concatenate(parts)
    np.testing.assert_array_equal(joined.pixelmaps, a.pixelmaps)
    np.testing.assert_array_equal(joined.columns["vtx_x_cm"], a.columns["vtx_x_cm"])
    c = simulate_detector(ev, "mini", seed=17)
    assert not np.array_equal(c.pixelmaps, a.pixelmaps)


def test_vertices_sampled_in_fiducial_volume_and_recorded(tmp_path) -> None:
    ev = _random_events(30, 18)
    out = simulate_detector(ev, "mini", seed=19)
    cfg = get_detector_config("mini")
    assert np.all(np.abs(out.columns["vtx_x_cm"]) <= cfg.fiducial_xy_cm)
    z = out.columns["vtx_z_cm"]
    assert np.all((z >= cfg.fiducial_z_min_cm) & (z <= cfg.fiducial_z_max_cm))
    assert out.attrs["detector"] == cfg.to_dict()
    json.dumps(out.attrs["detector"])
    path = tmp_path / "det.h5"
    out.write(path)
    back = EventSet.read(path)
    np.testing.assert_array_equal(back.pixelmaps, out.pixelmaps)
    assert back.attrs["detector"]["name"] == "mini"
    out.check_finite()


def test_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown detector preset"):
        get_detector_config("nova2")
    with pytest.raises(ConfigError, match="unknown detector parameter"):
        get_detector_config("mini").replace(cells=3)
    with pytest.raises(ConfigError, match="must be > 0"):
        get_detector_config("mini").replace(step_cm=0.0)
    with pytest.raises(SchemaError, match="particles"):
        simulate_detector(EventSet({"enu_gev": [1.0]}), "mini")
    with pytest.raises(SchemaError, match="vertex columns"):
        simulate_detector(particle_gun([13], [1.0]).with_columns(vtx_x_cm=[1.0]).with_parts(
            columns={"vtx_x_cm": np.array([1.0])}), "mini")
    cfg = get_detector_config({"name": "x", "n_planes": 200, "n_cells": 100, "fiducial_xy_cm": 100.0})
    assert cfg.n_cells == 100


def test_full_chain_with_generator_separates_classes() -> None:
    gen = pytest.importorskip("nugan.physics.generator")
    ev = gen.generate_events("numi-offaxis", "CH2", 80, seed=3, flavour="numu")
    out = simulate_detector(ev, "mini", seed=4)
    assert out.pixelmaps.shape == (80, 2, 32, 32)
    for name in ("enu_gev", "mode", "lep_e_gev"):  # the truth is kept
        np.testing.assert_array_equal(out.columns[name], ev.columns[name])
    cc = np.asarray(out.columns["is_cc"], bool)
    trk = out.columns["longest_track_cm"]
    assert np.median(trk[cc]) > 2.0 * max(np.median(trk[~cc]), 1.0)  # νμ CC: the muon track
    # visible energy bounded by what the final state carries (total energy for leptons/mesons)
    assert np.all(out.columns["vis_e_gev"] < out.columns["enu_gev"] + 0.1)
