"""Known-answer tests of the uncertainty methods: decompositions, calibration metrics,
temperature scaling, heteroscedastic loss, MC dropout, ensembles and OOD scores."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special
from sklearn.metrics import roc_auc_score

from nugan.uncertainty import calibration as cal
from nugan.uncertainty.methods import (
    decompose_entropy,
    decompose_variance,
    entropy,
    heteroscedastic_nll,
    predict_classifier,
    predict_regressor,
)
from nugan.uncertainty.networks import CVNClassifier, EnergyRegressor
from nugan.uncertainty.ood import (
    add_noise,
    auroc,
    classification_scores,
    fit_gaussian_density,
    mahalanobis_score,
    roc_curve,
    shift_energy_scale,
    visible_energy_matched,
)

torch.set_num_threads(1)


# ----------------------------------------------------------------------------- calibration
def test_ece_is_zero_for_perfectly_calibrated_predictions() -> None:
    rng = np.random.default_rng(0)
    probs = rng.dirichlet([0.7, 0.7, 0.7], size=200_000)
    labels = (rng.random(len(probs))[:, None] > np.cumsum(probs, axis=1)).sum(axis=1)  # y ~ Cat(p)
    assert cal.expected_calibration_error(probs, labels) < 0.005


def test_ece_measures_overconfidence() -> None:
    # always 99 % sure, right half of the time → ECE = 0.99 − 0.5
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 100_000)
    probs = np.tile([0.99, 0.01], (len(labels), 1))
    assert cal.expected_calibration_error(probs, labels) == pytest.approx(0.49, abs=0.01)
    curve = cal.reliability_curve(probs, labels, n_bins=10)
    assert curve["count"].sum() == len(labels) and curve["count"][-1] == len(labels)


def test_nll_and_brier_known_values() -> None:
    probs = np.array([[0.5, 0.5], [0.9, 0.1]])
    labels = np.array([0, 1])
    assert cal.negative_log_likelihood(probs, labels) == pytest.approx(-(np.log(0.5) + np.log(0.1)) / 2)
    assert cal.brier_score(probs, labels) == pytest.approx((0.25 + 0.25 + 0.81 + 0.81) / 2)
    assert cal.accuracy(probs, labels) == 0.5
    with pytest.raises(ValueError, match="labels must lie"):
        cal.brier_score(probs, np.array([0, 2]))


def test_temperature_scaling_lowers_nll_on_overconfident_toy() -> None:
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(20_000, 3)) * 1.5
    labels = (rng.random(len(logits))[:, None] > np.cumsum(special.softmax(logits, 1), 1)).sum(1)
    over = 4.0 * logits  # 4× over-confident
    val, test = slice(0, 10_000), slice(10_000, None)
    t = cal.fit_temperature(over[val], labels[val])
    assert t == pytest.approx(4.0, rel=0.1)
    before = special.softmax(over[test], 1)
    after = cal.apply_temperature(over[test], t)
    assert cal.negative_log_likelihood(after, labels[test]) < 0.9 * cal.negative_log_likelihood(
        before, labels[test]
    )
    assert cal.expected_calibration_error(after, labels[test]) < 0.02
    assert cal.expected_calibration_error(before, labels[test]) > 0.1
    # temperature changes confidence, never the predicted class
    assert np.array_equal(after.argmax(1), before.argmax(1))


def test_variance_scale_and_coverage() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(0.0, 2.0, 50_000)
    mean, var = np.zeros_like(y), np.ones_like(y)  # variance under-estimated 4×
    assert cal.interval_coverage(y, mean, var, 0.68) == pytest.approx(0.38, abs=0.02)
    s = cal.fit_variance_scale(y, mean, var, method="nll")
    assert s == pytest.approx(4.0, rel=0.03)
    assert cal.fit_variance_scale(y, mean, var, method="coverage") == pytest.approx(4.0, rel=0.05)
    assert cal.interval_coverage(y, mean, s * var, 0.68) == pytest.approx(0.68, abs=0.01)
    assert cal.gaussian_nll(y, mean, s * var) < cal.gaussian_nll(y, mean, var)
    # heavy tails (Student t, 3 dof): the coverage fit gives exact 68 % coverage, the NLL fit over-covers
    t = rng.standard_t(3, 50_000)
    zero, one = np.zeros_like(t), np.ones_like(t)
    s_cov = cal.fit_variance_scale(t, zero, one, method="coverage")
    s_nll = cal.fit_variance_scale(t, zero, one, method="nll")
    assert cal.interval_coverage(t, zero, s_cov * one, 0.68) == pytest.approx(0.68, abs=0.005)
    assert cal.interval_coverage(t, zero, s_nll * one, 0.68) > 0.74
    res = cal.resolution(np.full(4, 2.0), np.array([1.8, 2.2, 1.8, 2.2]))
    assert res["bias"] == pytest.approx(0.0) and res["rms"] == pytest.approx(0.1)


# ----------------------------------------------------------------------------- decompositions
@settings(max_examples=50, deadline=None)
@given(st.integers(1, 6), st.integers(1, 5), st.integers(2, 5), st.integers(0, 2**31 - 1))
def test_entropy_decomposition_identity(s: int, n: int, k: int, seed: int) -> None:
    probs = np.random.default_rng(seed).dirichlet(np.full(k, 0.5), size=(s, n))
    d = decompose_entropy(probs)
    np.testing.assert_allclose(d["total"], d["aleatoric"] + d["epistemic"], atol=1e-9)
    np.testing.assert_allclose(d["total"], entropy(probs.mean(0)), atol=1e-12)
    assert np.all(d["epistemic"] >= 0) and np.all(d["total"] <= np.log(k) + 1e-9)


def test_identical_members_have_zero_epistemic_uncertainty() -> None:
    p = np.random.default_rng(4).dirichlet([1, 1, 1], size=10)
    d = decompose_entropy(np.stack([p, p, p]))
    np.testing.assert_allclose(d["epistemic"], 0.0, atol=1e-12)
    np.testing.assert_allclose(d["aleatoric"], entropy(p))
    # members that disagree → positive mutual information
    assert np.all(decompose_entropy(np.stack([p, p[::-1]]))["epistemic"][:5] >= 0)


def test_variance_decomposition_is_the_law_of_total_variance() -> None:
    rng = np.random.default_rng(5)
    means = np.array([[0.0], [2.0], [4.0]])
    sigmas = np.array([[0.5], [1.0], [1.5]])
    d = decompose_variance(means, sigmas**2)
    # sample the equal-weight Gaussian mixture and compare its variance
    comp = rng.integers(0, 3, 400_000)
    draws = rng.normal(means[comp, 0], sigmas[comp, 0])
    assert d["total"][0] == pytest.approx(draws.var(), rel=0.01)
    assert d["epistemic"][0] == pytest.approx(np.var([0.0, 2.0, 4.0]))
    assert d["aleatoric"][0] == pytest.approx(np.mean([0.25, 1.0, 2.25]))
    with pytest.raises(ValueError, match="must both be"):
        decompose_variance(np.zeros((2, 3)), np.zeros((3, 2)))


# ----------------------------------------------------------------------------- networks / methods
def _pix(n: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).exponential(5.0, size=(n, 2, 16, 16)).astype(np.float32)


def test_mc_dropout_variance_zero_off_positive_on() -> None:
    torch.manual_seed(0)
    net = CVNClassifier(n_classes=3, width=4, hidden=16, dropout=0.5)
    pix = _pix()
    off = np.exp(predict_classifier([net, net, net], pix, mc_samples=0))  # 3 deterministic passes
    assert off.shape == (3, 8, 3)
    assert np.array_equal(off[0], off[1]) and np.array_equal(off[0], off[2])  # zero variance
    assert np.all(decompose_entropy(off)["epistemic"] < 1e-12)
    on = np.exp(predict_classifier([net], pix, mc_samples=10, seed=1))
    assert on.shape == (10, 8, 3)
    assert np.all(on.var(axis=0).sum(axis=1) > 0)
    assert np.all(decompose_entropy(on)["epistemic"] > 0)
    again = np.exp(predict_classifier([net], pix, mc_samples=10, seed=1))
    np.testing.assert_array_equal(on, again)  # seeded


def test_ensemble_epistemic_variance_vanishes_for_identical_members() -> None:
    torch.manual_seed(1)
    a = EnergyRegressor(width=4, hidden=16, target_mean=2.0, target_std=1.0)
    torch.manual_seed(2)
    b = EnergyRegressor(width=4, hidden=16, target_mean=2.0, target_std=1.0)
    pix = _pix()
    same = decompose_variance(*predict_regressor([a, copy.deepcopy(a), copy.deepcopy(a)], pix))
    diff = decompose_variance(*predict_regressor([a, b], pix))
    assert np.all(same["epistemic"] < 1e-10)
    assert np.all(diff["epistemic"] > 1e-8)
    np.testing.assert_allclose(same["total"], same["aleatoric"])


def test_heteroscedastic_loss_recovers_known_noise_level() -> None:
    """y = 2x + ε with σ(x) = 0.1 + 0.4x on x ∈ [0, 1]: the learned σ matches within 10 %."""
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(4000, 1, generator=gen)
    sigma = 0.1 + 0.4 * x[:, 0]
    y = 2 * x[:, 0] + sigma * torch.randn(4000, generator=gen)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(1, 32), torch.nn.Tanh(), torch.nn.Linear(32, 2))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(600):
        out = net(x)
        loss = heteroscedastic_nll(out[:, 0], out[:, 1], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    grid = torch.tensor([[0.2], [0.5], [0.8]])
    with torch.no_grad():
        sigma_pred = net(grid)[:, 1].mul(0.5).exp().numpy()
    np.testing.assert_allclose(sigma_pred, 0.1 + 0.4 * grid[:, 0].numpy(), rtol=0.10)


def test_heteroscedastic_nll_minimum_is_at_true_variance() -> None:
    y = torch.tensor([1.0, -1.0, 1.0, -1.0])  # residual variance 1
    losses = [float(heteroscedastic_nll(torch.zeros(4), torch.full((4,), s), y)) for s in (-1.0, 0.0, 1.0)]
    assert losses[1] < losses[0] and losses[1] < losses[2]


# ----------------------------------------------------------------------------- OOD
def test_auroc_matches_sklearn_and_known_answers() -> None:
    rng = np.random.default_rng(6)
    a, b = rng.normal(0, 1, 500), rng.normal(1, 1, 300)
    expected = roc_auc_score(np.r_[np.zeros(500), np.ones(300)], np.r_[a, b])
    assert auroc(a, b) == pytest.approx(expected, abs=1e-12)
    assert auroc(np.zeros(5), np.ones(5)) == 1.0 and auroc(np.ones(5), np.zeros(5)) == 0.0
    fpr, tpr = roc_curve(a, b)
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert np.trapezoid(tpr, fpr) == pytest.approx(expected, abs=1e-9)
    with pytest.raises(ValueError, match="at least one"):
        auroc(np.array([]), b)


def test_classification_scores_rank_uncertain_events_higher() -> None:
    sure = np.tile([[[0.98, 0.01, 0.01]]], (3, 1, 1))  # (S=3, N=1, K=3), members agree
    split = np.array([[[0.98, 0.01, 0.01]], [[0.01, 0.98, 0.01]], [[0.01, 0.01, 0.98]]])  # disagree
    s_sure, s_split = classification_scores(sure), classification_scores(split)
    for name in ("max_softmax", "entropy", "mutual_information", "ensemble_variance"):
        assert s_split[name][0] > s_sure[name][0], name
    assert s_sure["mutual_information"][0] == pytest.approx(0.0, abs=1e-12)


def test_detector_shifts() -> None:
    pix = _pix(4)
    np.testing.assert_allclose(shift_energy_scale(pix, 1.1).sum(), 1.1 * pix.sum(), rtol=1e-5)
    noisy = add_noise(pix, seed=3, occupancy=0.1)
    assert np.all(noisy >= pix) and 0.05 < np.mean(noisy > pix) < 0.15
    np.testing.assert_array_equal(noisy, add_noise(pix, seed=3, occupancy=0.1))


def test_gaussian_density_and_mahalanobis_known_answers() -> None:
    rng = np.random.default_rng(7)
    cov = np.array([[4.0, 1.0], [1.0, 1.0]])
    f0 = rng.multivariate_normal([0.0, 0.0], cov, 50_000)
    f1 = rng.multivariate_normal([10.0, 0.0], cov, 50_000)
    d = fit_gaussian_density(np.r_[f0, f1], np.r_[np.zeros(50_000), np.ones(50_000)], shrinkage=0.0)
    np.testing.assert_allclose(d["means"], [[0, 0], [10, 0]], atol=0.05)
    np.testing.assert_allclose(d["precision"], np.linalg.inv(cov), rtol=0.03, atol=0.01)
    # the squared distance of in-distribution points is χ²(2): mean 2; a far point scores high
    s_in = mahalanobis_score(f0[:5000], d)
    assert np.mean(s_in) == pytest.approx(2.0, rel=0.05)
    x = np.array([[5.0, 0.0]])  # between the classes: distance² to either mean = 25 · P_00
    assert mahalanobis_score(x, d)[0] == pytest.approx(25 * np.linalg.inv(cov)[0, 0], rel=0.05)


def test_visible_energy_matching_removes_the_energy_shortcut() -> None:
    rng = np.random.default_rng(8)
    vis_in, vis_out = rng.lognormal(0.0, 0.5, 4000), rng.lognormal(0.7, 0.5, 3000)
    assert auroc(vis_in, vis_out) > 0.8
    a, b = visible_energy_matched(vis_in, vis_out, seed=0)
    assert len(a) == len(b) > 300
    assert auroc(vis_in[a], vis_out[b]) == pytest.approx(0.5, abs=0.03)
    np.testing.assert_array_equal(a, visible_energy_matched(vis_in, vis_out, seed=0)[0])
