"""Physics observables: known values on hand-built events (nugan.evaluation.observables)."""

from __future__ import annotations

import numpy as np
import pytest

from nugan.data import EventSet, make_particles
from nugan.evaluation.observables import (
    common_observables,
    compute_observables,
    particle_observables,
    pixelmap_observables,
    pixelmap_summaries,
    shower_observables,
)
from nugan.evaluation.synthetic import toy_events
from nugan.physics.constants import M_MUON, M_NUCLEON, M_PI_CHARGED, M_PROTON


def _qe_event(enu: float, pmu: float, costh: float) -> tuple[list, ...]:
    """νμ n → μ⁻ p with the nucleon at rest; the proton takes q."""
    emu = np.hypot(pmu, M_MUON)
    sinth = np.sqrt(1 - costh**2)
    mu = (pmu * sinth, 0.0, pmu * costh, emu)
    q = (-mu[0], 0.0, enu - mu[2], enu - emu)
    prot = (q[0], 0.0, q[2], q[3] + M_NUCLEON)
    return (
        [14, 13, 2212],
        [0.0, mu[0], prot[0]],
        [0.0, 0.0, 0.0],
        [enu, mu[2], prot[2]],
        [enu, mu[3], prot[3]],
        [0, 1, 1],
    )


def test_q2_and_w_recomputed_from_particles() -> None:
    enu, pmu, costh = 2.0, 1.2, 0.8
    pdg, px, py, pz, e, status = _qe_event(enu, pmu, costh)
    parts = make_particles([3], pdg, px, py, pz, e, status)
    obs = particle_observables(parts)
    emu = np.hypot(pmu, M_MUON)
    q2 = 2 * enu * (emu - pmu * costh) - M_MUON**2  # PHYSICS-REFERENCES: Q² = 2Eν(Eμ − pμcosθ) − mμ²
    assert obs["q2_reco_gev2"][0] == pytest.approx(q2, rel=1e-9)
    w = np.sqrt(M_NUCLEON**2 + 2 * M_NUCLEON * (enu - emu) - q2)
    assert obs["w_reco_gev"][0] == pytest.approx(w, rel=1e-9)
    # the proton carries the four-momentum transfer: the hadronic mass is its (off-shell) mass = W here
    assert obs["m_had_gev"][0] == pytest.approx(w, rel=1e-9)
    assert obs["lep_pt_gev"][0] == pytest.approx(pmu * np.sqrt(1 - costh**2))
    assert obs["missing_pt_gev"][0] == pytest.approx(0.0, abs=1e-12)  # transverse momentum balance
    assert obs["n_proton"][0] == 1 and obs["n_final"][0] == 2 and obs["n_pi_charged"][0] == 0
    assert np.isnan(obs["m_p_pi_gev"][0]) and np.isnan(obs["p_pi_gev"][0])


def test_invariant_mass_of_a_delta_decay() -> None:
    # Δ⁺⁺ at rest → p π⁺ back to back: m(pπ) = M_Δ
    m_delta = 1.232
    p = np.sqrt(
        (m_delta**2 - (M_PROTON + M_PI_CHARGED) ** 2) * (m_delta**2 - (M_PROTON - M_PI_CHARGED) ** 2)
    ) / (2 * m_delta)
    parts = make_particles(
        [3],
        pdg=[13, 2212, 211],
        px=[0.5, p, -p],
        py=[0.0, 0.0, 0.0],
        pz=[1.0, 0.0, 0.0],
        e=[np.sqrt(1.25 + M_MUON**2), np.hypot(p, M_PROTON), np.hypot(p, M_PI_CHARGED)],
        status=[1, 1, 1],
    )
    obs = particle_observables(parts)
    assert obs["m_p_pi_gev"][0] == pytest.approx(m_delta, rel=1e-9)
    assert obs["had_pt_gev"][0] == pytest.approx(0.0, abs=1e-12)
    assert "q2_reco_gev2" not in obs  # no incoming neutrino in the record


def test_nc_event_uses_the_outgoing_neutrino() -> None:
    parts = make_particles(
        [2, 2],
        pdg=[14, 14, 13, 2212],
        px=[0, 0.3, 0.2, 0],
        py=[0, 0, 0, 0.1],
        pz=[2.0, 1.0, 1.0, 0.3],
        e=[2.0, 1.044, 1.03, 1.0],
        status=[0, 1, 1, 1],
    )
    obs = particle_observables(parts)
    assert obs["lep_pt_gev"].tolist() == pytest.approx([0.3, 0.2])
    assert np.isnan(obs["q2_reco_gev2"][1])  # event 2 has no incoming neutrino


def test_pixelmap_observables_on_a_hand_made_map() -> None:
    pm = np.zeros((2, 2, 10, 8), dtype=np.float32)
    pm[0, 0, 2, 3] = 1.0
    pm[0, 0, 6, 3] = 3.0
    pm[0, 1, 4, 5] = 2.0
    obs = pixelmap_observables(pm)
    assert obs["vis_e"][0] == 6.0 and obs["vis_e_v0"][0] == 4.0 and obs["vis_e_v1"][0] == 2.0
    assert obs["n_hits"][0] == 3 and obs["n_hits_v0"][0] == 2
    assert obs["centroid_plane_v0"][0] == pytest.approx((2 * 1 + 6 * 3) / 4)
    assert obs["width_plane_v0"][0] == pytest.approx(np.sqrt((1 * (2 - 5) ** 2 + 3 * (6 - 5) ** 2) / 4))
    assert obs["centroid_cell_v1"][0] == 5.0 and obs["width_cell_v1"][0] == 0.0
    assert obs["plane_extent_v0"][0] == 5 and obs["plane_extent"][0] == 5 and obs["first_plane_v0"][0] == 2
    assert obs["longest_track_proxy"][0] == pytest.approx(4.0)
    assert obs["sparsity"][0] == pytest.approx(3 / 160)
    # the empty event: zero energy, NaN centroids, zero extent
    assert obs["vis_e"][1] == 0 and np.isnan(obs["centroid_plane_v0"][1]) and obs["plane_extent"][1] == 0
    summ = pixelmap_summaries(pm)
    assert summ.longitudinal.shape == (2, 10) and summ.transverse.shape == (2, 8)
    assert summ.longitudinal.sum() == pytest.approx(pm.sum() / 2)  # energy conservation in the profile
    assert sorted(summ.pixel_spectrum.tolist()) == [1.0, 2.0, 3.0]


def test_shower_observables_polar_geometry() -> None:
    sh = np.zeros((1, 2, 4, 3))
    sh[0, 0, 0, 2] = 1.0  # α bin 0 (centre π/4), r bin 2 (centre 2.5)
    sh[0, 0, 2, 2] = 1.0  # α bin 2 (centre 5π/4): opposite side → centroid 0
    sh[0, 1, 1, 0] = 5.0
    obs = shower_observables(sh)
    assert obs["total_e"][0] == 7.0 and obs["layer_e_0"][0] == 2.0 and obs["layer_e_1"][0] == 5.0
    assert obs["centroid_x_0"][0] == pytest.approx(0.0, abs=1e-12)
    assert obs["width_x_0"][0] == pytest.approx(2.5 * np.cos(np.pi / 4))
    assert obs["sparsity_0"][0] == pytest.approx(2 / 12)


def test_compute_observables_on_toy_events_and_common_names() -> None:
    ev = toy_events(200, seed=3)
    obs = compute_observables(ev)
    assert {"enu_gev", "q2_reco_gev2", "vis_e", "n_hits_v1", "m_had_gev"} <= set(obs)
    assert all(len(v) == len(ev) for v in obs.values())
    # the toy's column Q² and the one recomputed from its particles agree
    np.testing.assert_allclose(obs["q2_reco_gev2"], ev.columns["q2_gev2"], rtol=1e-9, atol=1e-12)
    names = common_observables(obs, obs)
    assert "nu_pdg" not in names and "is_cc" not in names  # constant in both: nothing to compare
    tables_only = compute_observables(EventSet(dict(ev.columns)))
    assert "vis_e" not in tables_only and "enu_gev" in tables_only


def test_block_processing_gives_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    from nugan.evaluation import observables as O

    pm = toy_events(50, seed=9, particles=False, image_shape=(2, 8, 6)).pixelmaps
    whole, whole_summ = O.pixelmap_observables(pm), O.pixelmap_summaries(pm)
    monkeypatch.setattr(O, "CHUNK_EVENTS", 7)
    blocks, block_summ = O.pixelmap_observables(pm), O.pixelmap_summaries(pm)
    for k in whole:
        np.testing.assert_allclose(blocks[k], whole[k], equal_nan=True)
    np.testing.assert_allclose(block_summ.mean_image, pm.astype(np.float64).mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(block_summ.longitudinal_err, whole_summ.longitudinal_err, rtol=1e-8)
    lon = pm.astype(np.float64).sum(axis=3)
    np.testing.assert_allclose(
        block_summ.longitudinal_err, lon.std(axis=0) / np.sqrt(50), rtol=1e-6, atol=1e-12
    )
