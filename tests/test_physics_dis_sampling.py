"""DIS event sampling and hadronisation: conservation laws, on-shell hadrons, AGKY
multiplicities, and the sampled (x, y) against d²σ/dxdy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from nugan.physics import agky, dis, hadronization
from nugan.physics import constants as c
from nugan.physics.params import PhysicsParams
from nugan.physics.phasespace import decay_at_rest


def _pythia_data():  # type: ignore[no-untyped-def]
    return hadronization.pythia_instance().particleData


def _charge(pdg: np.ndarray) -> np.ndarray:
    pd = _pythia_data()
    table = {int(p): pd.charge(int(p)) for p in np.unique(pdg)}
    return np.array([table[int(p)] for p in pdg])


def _baryon_number(pdg: np.ndarray) -> np.ndarray:
    a = np.abs(pdg)
    is_baryon = (a > 1000) & (a < 10000) & ((a // 1000) % 10 > 0) & ((a // 10) % 10 > 0)
    return np.where(is_baryon, np.sign(pdg), 0)


def _per_event(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    idx = np.repeat(np.arange(counts.size), counts)
    if values.ndim == 1:
        return np.bincount(idx, weights=values, minlength=counts.size)
    return np.stack([np.bincount(idx, weights=values[:, k], minlength=counts.size)
                     for k in range(values.shape[1])], axis=1)


def _bound_nucleons(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    nuc = np.where(rng.uniform(size=n) < 0.5, c.PDG_PROTON, c.PDG_NEUTRON)
    mass = np.where(nuc == c.PDG_PROTON, c.M_PROTON, c.M_NEUTRON)
    p3 = rng.normal(0.0, 0.12, (n, 3))
    return nuc, np.concatenate([p3, (mass - 0.025)[:, None]], axis=1)  # off-shell: E = M − E_b


@pytest.mark.parametrize("nu_pdg,cc", [(14, True), (-14, True), (14, False), (-12, True)])
def test_conservation_and_on_shell_hadrons(nu_pdg: int, cc: bool) -> None:
    rng = np.random.default_rng(11)
    n = 400
    enu = rng.uniform(1.5, 30.0, n)  # spans the AGKY, mixed and Pythia regions
    nuc, p4 = _bound_nucleons(rng, n)
    s = dis.sample_dis(rng, enu, nu_pdg, nuc, p4, cc, PhysicsParams())
    initial = p4.copy()
    initial[:, 2] += enu
    initial[:, 3] += enu
    final = s.lepton_p4 + _per_event(s.hadron_p4, s.hadron_counts)
    np.testing.assert_allclose(final, initial, atol=1e-6, rtol=0)
    # charge: ν N → ℓ⁻ X (X carries Q_N + 1), NC keeps it; baryon number 1
    q_lepton = -np.sign(nu_pdg) if cc else 0
    q_initial = (nuc == c.PDG_PROTON).astype(float)
    np.testing.assert_allclose(_per_event(_charge(s.hadron_pdg), s.hadron_counts) + q_lepton, q_initial)
    np.testing.assert_array_equal(_per_event(_baryon_number(s.hadron_pdg), s.hadron_counts), 1)
    # hadrons on shell at their PDG masses, lepton too
    pd = _pythia_data()
    m2 = s.hadron_p4[:, 3] ** 2 - np.sum(s.hadron_p4[:, :3] ** 2, axis=1)
    m0 = np.array([pd.m0(int(p)) for p in s.hadron_pdg])
    np.testing.assert_allclose(np.sqrt(np.clip(m2, 0, None)), m0, atol=2e-5)
    ml = dis.lepton_mass_gev(nu_pdg, cc)
    ml2 = s.lepton_p4[:, 3] ** 2 - np.sum(s.lepton_p4[:, :3] ** 2, axis=1)
    np.testing.assert_allclose(ml2, ml**2, atol=1e-6)
    # bookkeeping and kinematic consistency
    assert s.hadron_counts.sum() == s.hadron_pdg.size and np.all(s.hadron_counts >= 2)
    assert np.all(s.w_gev > c.M_NUCLEON + 0.13)
    w_pythia = s.w_gev > hadronization.W_PYTHIA_MIN_GEV
    assert w_pythia.any() and (~w_pythia).any()


def test_same_seed_same_events_including_pythia() -> None:
    p4 = np.tile([0.0, 0.0, 0.0, c.M_PROTON], (30, 1))
    a = dis.sample_dis(np.random.default_rng(5), np.full(30, 20.0), 14, np.full(30, 2212), p4, True)
    b = dis.sample_dis(np.random.default_rng(5), np.full(30, 20.0), 14, np.full(30, 2212), p4, True)
    np.testing.assert_array_equal(a.hadron_pdg, b.hadron_pdg)
    np.testing.assert_array_equal(a.hadron_p4, b.hadron_p4)
    np.testing.assert_array_equal(a.lepton_p4, b.lepton_p4)


def test_pythia_strings_fragment_and_conserve() -> None:
    rng = np.random.default_rng(2)
    w = np.array([3.0, 8.0, 20.0])
    axis = np.array([[0.0, 0.0, 1.0], [0.6, 0.0, 0.8], [0.0, 1.0, 0.0]])
    quarks, diquarks = np.array([2, 4, 1]), np.array([2101, 2203, 1103])
    cnt, pdg, p4, ok = hadronization.hadronize_strings(rng, w, axis, quarks, diquarks)
    assert ok.all()
    np.testing.assert_allclose(_per_event(p4, cnt), np.c_[np.zeros((3, 3)), w], atol=1e-9)
    np.testing.assert_allclose(_per_event(_charge(pdg), cnt), [1, 2, -1], atol=1e-12)
    assert cnt[2] > cnt[0]  # multiplicity grows with W
    assert 111 in pdg and 22 not in pdg[:cnt[0]]  # π⁰ kept undecayed


def test_remnant_diquark_balances_charge() -> None:
    rng = np.random.default_rng(0)
    charge = np.array([2, 1, 0, -1, 1, 0])
    quark = np.array([2, 2, 1, 1, 4, 3])
    dq = hadronization.remnant_diquark(rng, charge, quark)
    pd = _pythia_data()
    np.testing.assert_allclose([pd.charge(int(q)) + pd.charge(int(d)) for q, d in zip(quark, dq)], charge)


def test_transition_region_mixes_linearly() -> None:
    np.testing.assert_allclose(hadronization.pythia_fraction(np.array([2.0, 2.3, 2.65, 3.0, 5.0])),
                               [0.0, 0.0, 0.5, 1.0, 1.0])


# --- AGKY ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nu_pdg,nucleon,charge", [(14, 2212, 2), (14, 2112, 1), (-14, 2212, 0), (-14, 2112, -1)]
)
def test_agky_multiplicities(nu_pdg: int, nucleon: int, charge: int) -> None:
    rng = np.random.default_rng(4)
    n = 6000
    for w in (2.0, 2.8):
        full = np.full(n, w)
        cnt, pdg, p4 = agky.hadronize_low_w(rng, full, np.full(n, charge), nu_pdg, np.full(n, nucleon))
        # total multiplicity follows the (truncated) KNO distribution exactly
        prob = agky.multiplicity_probabilities(np.array([w]), nu_pdg, np.array([nucleon]))[0]
        expected_n = float(np.sum(prob * np.arange(prob.size)))
        assert cnt.mean() == pytest.approx(expected_n, abs=4 * cnt.std() / np.sqrt(n) + 0.02)
        # charged multiplicity near a + b ln W² (charge conservation and n ≥ 2 shift it by < 20 %)
        n_ch = _per_event(np.abs(_charge(pdg)) > 0, cnt).mean()
        formula = float(agky.average_charged_multiplicity(np.array([w]), nu_pdg, np.array([nucleon]))[0])
        assert n_ch == pytest.approx(formula, rel=0.20)
        np.testing.assert_allclose(_per_event(_charge(pdg), cnt), charge)
        np.testing.assert_allclose(_per_event(p4, cnt), np.tile([0, 0, 0, w], (n, 1)), atol=1e-9)


def test_agky_multiplicity_weights_shift_away_from_two_hadrons() -> None:
    rng = np.random.default_rng(8)
    w = np.full(5000, 1.6)
    plain, _, _ = agky.hadronize_low_w(rng, w, np.full(5000, 2), 14, np.full(5000, 2212))
    joined, _, _ = agky.hadronize_low_w(rng, w, np.full(5000, 2), 14, np.full(5000, 2212), r2=0.1, r3=1.0)
    prob = agky.multiplicity_probabilities(np.array([1.6]), 14, np.array([2212]), 0.1, 1.0)[0]
    assert np.mean(joined == 2) == pytest.approx(prob[2] / prob.sum(), abs=0.02)
    assert np.mean(joined == 2) < 0.5 * np.mean(plain == 2)


def test_phase_space_decay_is_flat_in_dalitz_variables() -> None:
    """Three-body phase space is uniform in (m₁₂², m₂₃²): compare m₁₂² with its analytic density."""
    rng = np.random.default_rng(9)
    m = np.array([0.938, 0.14, 0.14])
    p = decay_at_rest(rng, np.full(40000, 1.6), np.tile(m, (40000, 1)))
    p12 = p[:, 0] + p[:, 1]
    m12 = np.sqrt(p12[:, 3] ** 2 - np.sum(p12[:, :3] ** 2, axis=1))
    edges = np.linspace(m[0] + m[1], 1.6 - m[2], 11)
    grid = np.linspace(edges[0], edges[-1], 20001)
    from nugan.physics.phasespace import two_body_momentum

    # dΓ/dm₁₂ ∝ p*(W; m₁₂, m₃) · p*(m₁₂; m₁, m₂)
    dens = two_body_momentum(1.6, grid, m[2]) * two_body_momentum(grid, m[0], m[1])
    cdf = np.concatenate([[0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(grid))])
    expected = np.diff(np.interp(edges, grid, cdf / cdf[-1])) * 40000
    observed = np.histogram(m12, edges)[0]
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    assert stats.chi2.sf(chi2, 9) > 1e-3


# --- (x, y) against d²σ/dxdy ---------------------------------------------------------------------------


@pytest.mark.parametrize("nu_pdg,enu", [(14, 3.0), (-14, 20.0)])
def test_sampled_x_y_follow_d2sigma(nu_pdg: int, enu: float) -> None:
    rng = np.random.default_rng(21)
    n = 20000
    nuc = np.full(n, 2112)
    m = np.full(n, c.M_NEUTRON)
    params = PhysicsParams()
    x, y, worst = dis.sample_xy(rng, np.full(n, enu), nu_pdg, nuc, True, m, params)
    assert worst < 1.0  # the accept–reject envelope held
    # expected marginals: midpoint rule on a fine regular (x, y) grid (bins align with the cells)
    mid = (np.arange(500) + 0.5) / 500
    xq, yq = np.meshgrid(mid, mid, indexing="ij")
    dens = dis._joined_density(np.full(xq.shape, enu), xq, yq, nu_pdg, np.full(xq.shape, 2112), True,
                               np.full(xq.shape, c.M_NEUTRON), params.w_cut_gev)
    for sample, nodes, edges in ((x, xq, np.linspace(0, 1, 11)), (y, yq, np.linspace(0, 1, 11))):
        expected = np.histogram(nodes.ravel(), edges, weights=dens.ravel())[0]
        expected = expected / expected.sum() * n
        observed = np.histogram(sample, edges)[0]
        use = expected > 5
        chi2 = float(np.sum((observed[use] - expected[use]) ** 2 / expected[use]))
        assert stats.chi2.sf(chi2, use.sum() - 1) > 1e-3, (chi2, observed, expected.round())


def test_events_without_dis_phase_space_are_flagged_not_raised() -> None:
    """A nucleon moving with the neutrino at 0.3 GeV leaves √s < M + m_π + m_μ: valid = False."""
    rng = np.random.default_rng(3)
    p4 = np.array([[0.0, 0.0, 0.2, c.M_NEUTRON - 0.02], [0.0, 0.0, -0.2, c.M_NEUTRON],
                   [0.0, 0.0, 0.0, c.M_NEUTRON]])
    s = dis.sample_dis(rng, np.array([0.3, 0.3, 5.0]), 14, np.full(3, 2112), p4, True)
    assert s.valid is not None and s.valid.tolist() == [False, True, True]
    assert np.isnan(s.x[0]) and s.hadron_counts[0] == 0 and s.hadron_counts[1:].min() >= 2
    final = s.lepton_p4[1:] + _per_event(s.hadron_p4, s.hadron_counts)[1:]
    np.testing.assert_allclose(final, p4[1:] + np.array([[0, 0, 0.3, 0.3], [0, 0, 5.0, 5.0]]), atol=1e-9)


def test_pythia_charged_multiplicity_near_the_agky_fit() -> None:
    """The tuned string fragmentation follows ⟨n_ch⟩ = a + b ln W² within 20 % for 3-10 GeV (νp, ν̄n)."""
    from nugan.physics import dis_validation

    w = np.array([3.5, 8.0])
    for nu, nucleon in ((14, 2212), (-14, 2112)):
        got = dis_validation.charged_multiplicity_vs_w(w, nu, nucleon, n_events=800, seed=1, model="pythia")
        formula = agky.average_charged_multiplicity(w, nu, np.full(2, nucleon))
        np.testing.assert_allclose(got, formula, rtol=0.20)


def test_agky_rijk_act_on_two_and_three_hadron_states_only() -> None:
    w = np.array([1.65])
    plain = agky.multiplicity_probabilities(w, 14, np.array([2112]))[0]
    scaled = agky.multiplicity_probabilities(w, 14, np.array([2112]), r2=0.3, r3=0.5)[0]
    np.testing.assert_allclose(scaled[2:4], [0.3 * plain[2], 0.5 * plain[3]])
    np.testing.assert_allclose(scaled[4:], plain[4:])


def test_agky_baryon_goes_backward_and_hyperons_appear() -> None:
    """GENIE's baryon x_F density (mean −0.385 before cuts) and P(hyperon) = 0.022 + 0.042 ln W²."""
    rng = np.random.default_rng(6)
    n, w = 20000, 2.8
    axis = np.tile([0.0, 0.6, 0.8], (n, 1))
    cnt, pdg, p4 = agky.hadronize_low_w(rng, np.full(n, w), np.full(n, 1), 14, np.full(n, 2112), axis=axis)
    first = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    many = cnt >= 3
    xf = (p4[first, :3] @ axis[0]) / (w / 2)
    assert -0.35 < xf[many].mean() < -0.15  # backward in the hadronic frame (phase space alone: 0)
    assert abs(xf[~many].mean()) < 0.03  # two-body decays stay isotropic
    hyperon = np.isin(pdg[first], (agky.LAMBDA, agky.SIGMA_PLUS, agky.SIGMA_MINUS))
    p_str = agky.HYPERON_AB[0] + agky.HYPERON_AB[1] * np.log(w**2)
    assert 0.6 * p_str < hyperon.mean() < 1.05 * p_str  # mass limits remove some
    assert np.all(np.isin(pdg[first], (2212, 2112, agky.LAMBDA, agky.SIGMA_PLUS, agky.SIGMA_MINUS)))
