"""Known-answer tests of the evaluation metrics (nugan.evaluation.metrics)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nugan.errors import SchemaError
from nugan.evaluation import metrics as M


def _gauss(seed: int, n: int, d: int = 1, mu: float = 0.0, sigma: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(mu, sigma, size=(n, d)).squeeze()


# ------------------------------------------------------------------------------ 1-D metrics
@pytest.mark.parametrize("delta", [0.0, 0.3, 1.0, 2.5])
def test_w1_of_shifted_gaussians_is_the_shift_over_sigma(delta: float) -> None:
    sigma = 2.0
    ref = _gauss(1, 40_000, sigma=sigma)
    gen = _gauss(2, 40_000, mu=delta * sigma, sigma=sigma)
    w1, ks = M.w1_ks(gen, ref, seed=0)
    assert w1.error > 0
    assert abs(w1.value - delta) < 4 * w1.error + 0.01
    # KS of two shifted unit-width Gaussians: 2Φ(Δ/2) − 1
    expected_ks = math.erf(delta / (2 * math.sqrt(2)))
    assert abs(ks.value - expected_ks) < 4 * ks.error + 0.01


def test_w1_ks_agree_with_scipy() -> None:
    from scipy.stats import ks_2samp, wasserstein_distance

    a, b = _gauss(3, 3000), _gauss(4, 2000, mu=0.4, sigma=1.3)
    w1, ks = M.w1_ks(a, b, n_bootstrap=0, scale=1.0)
    assert w1.value == pytest.approx(wasserstein_distance(a, b), rel=1e-10)
    assert ks.value == pytest.approx(ks_2samp(a, b).statistic, rel=1e-10)


def test_bootstrap_is_seeded() -> None:
    a, b = _gauss(5, 1000), _gauss(6, 1000)
    assert M.w1_ks(a, b, seed=3) == M.w1_ks(a, b, seed=3)
    assert M.w1_ks(a, b, seed=3)[0].error != M.w1_ks(a, b, seed=4)[0].error


def test_separation_power_bounds_and_value() -> None:
    assert M.separation_power([5, 5, 0], [10, 10, 0]) == 0.0
    assert M.separation_power([3, 0], [0, 7]) == pytest.approx(1.0)
    # h1 = (1, 0), h2 = (0.5, 0.5): ½[(0.5)²/1.5 + (0.5)²/0.5] = 1/3
    assert M.separation_power([2, 0], [1, 1]) == pytest.approx(1 / 3)


def test_chi2_ndf_is_about_one_for_one_distribution_and_large_otherwise() -> None:
    edges = np.linspace(-3, 3, 21)
    vals = []
    for s in range(10):
        a, b = _gauss(10 + s, 5000), _gauss(50 + s, 5000)
        m = M.chi2_ndf(M.histogram(a, edges), M.histogram(b, edges))
        vals.append(m.value)
        assert m.error == pytest.approx(math.sqrt(2 / 19))
    assert 0.7 < np.mean(vals) < 1.3
    shifted = M.chi2_ndf(M.histogram(_gauss(7, 5000, mu=0.3), edges), M.histogram(_gauss(8, 5000), edges))
    assert shifted.value > 10


def test_observable_metrics_drop_nan_and_bin_discrete_values() -> None:
    ref = np.array([0, 1, 1, 2, np.nan] * 40, dtype=float)
    gen = np.array([0, 1, 2, 2] * 50, dtype=float)
    edges = M.make_bins(ref[np.isfinite(ref)], gen)
    assert edges.tolist() == [-0.5, 0.5, 1.5, 2.5]
    m = M.observable_metrics(gen, ref, edges=edges)
    # h_gen = (1/4, 1/4, 1/2), h_ref = (1/4, 1/2, 1/4)
    expected = 0.5 * (0.25**2 / 0.75 + 0.25**2 / 0.75)
    assert m["separation_power"].value == pytest.approx(expected)
    assert m["ks"].value == pytest.approx(0.25)


# ----------------------------------------------------------------------- Fréchet / kernel
def test_frechet_distance_of_gaussians_is_analytic() -> None:
    mu1, mu2 = np.array([0.0, 1.0, -1.0]), np.array([0.5, 1.0, 0.0])
    s1, s2 = np.diag([1.0, 4.0, 0.25]), np.diag([2.25, 1.0, 0.25])
    # Δμ² + Σ (σ1 − σ2)² for diagonal covariances
    expected = 0.25 + 1.0 + (1.0 - 1.5) ** 2 + (2.0 - 1.0) ** 2 + 0.0
    assert M.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, abs=1e-10)
    rot = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))[0]
    c1 = rot @ s1 @ rot.T
    assert M.frechet_distance(mu1, c1, mu1, c1) == pytest.approx(0.0, abs=1e-9)


def test_fpd_of_shifted_gaussians_matches_the_analytic_distance() -> None:
    ref = _gauss(20, 20_000, d=3)
    gen = _gauss(21, 20_000, d=3) * np.array([1.0, 1.5, 1.0]) + np.array([0.6, 0.0, 0.0])
    res = M.fpd(gen, ref, seed=0, normalise=None)
    expected = 0.36 + 0.25  # Δμ² + (σ1 − σ2)²
    assert abs(res.value - expected) < 0.03
    assert res.error >= 0


def test_identical_samples_give_zero_fpd_and_kpd() -> None:
    x = _gauss(30, 4000, d=5)
    f = M.fpd(x, x.copy(), seed=1)
    assert f.value < 1e-3 + 3 * f.error
    y = _gauss(31, 4000, d=5)
    k = M.kpd(y, x, seed=1, batch_size=1000)
    assert abs(k.value) < 3 * k.error + 1e-3


def test_a_sample_compared_with_itself_gives_zero_kpd_and_fpd() -> None:
    # literally the same array: the batches must not share events (a shared event adds
    # k(x, x) to the MMD cross term and biases KPD negative)
    x = _gauss(32, 4000, d=5)
    k = M.kpd(x, x, seed=0)
    assert abs(k.value) < 1e-3 and abs(k.value) < 2 * k.error
    assert M.fpd(x, x, seed=0).value < 1e-3
    # heavy-tailed, sparse features (as physics observables): JetNet's max|x| scaling keeps
    # the degree-4 kernel bounded, so the spread stays small (with "std" it explodes)
    rng = np.random.default_rng(33)
    tails = np.column_stack(
        [rng.exponential(size=4000) ** 3, rng.poisson(0.002, 4000), rng.normal(size=4000)]
    )
    k_max, k_std = M.kpd(tails, tails, seed=0), M.kpd(tails, tails, seed=0, normalise="std")
    assert abs(k_max.value) < 1e-3 and abs(k_max.value) < 2 * k_max.error and k_max.error < 1e-3
    assert k_std.error > 30 * k_max.error


@pytest.mark.parametrize("shift", [0.3, 0.5])
def test_kpd_of_shifted_gaussians_is_significantly_positive(shift: float) -> None:
    ref, gen = _gauss(34, 4000, d=5), _gauss(35, 4000, d=5) + np.array([shift, 0, 0, 0, 0])
    same = M.kpd(_gauss(36, 4000, d=5), ref, seed=0)
    k = M.kpd(gen, ref, seed=0)
    assert k.value > 5 * k.error and k.value > 5 * (abs(same.value) + same.error)


def test_prdc_of_a_sample_with_itself_matches_independent_samples() -> None:
    a, b = _gauss(37, 2000, d=3), _gauss(38, 2000, d=3)
    itself, indep = M.prdc(a, a, seed=0, subsample=1000), M.prdc(b, a, seed=0, subsample=1000)
    for key in ("precision", "recall", "density", "coverage"):
        err = math.hypot(itself[key].error, indep[key].error)
        assert abs(itself[key].value - indep[key].value) < 4 * err + 0.02, key


def test_mmd_estimator_is_unbiased() -> None:
    vals = [M.mmd_poly_unbiased(_gauss(100 + s, 200, d=2), _gauss(300 + s, 200, d=2)) for s in range(40)]
    assert abs(np.mean(vals)) < 3 * np.std(vals) / math.sqrt(len(vals))


# ---------------------------------------------------------------------------------- PRDC
def test_prdc_identical_and_disjoint() -> None:
    a, b = _gauss(40, 2000, d=2), _gauss(41, 2000, d=2)
    same = M.prdc(a, b, seed=0, subsample=1000, num_batches=3)
    assert same["precision"].value > 0.85 and same["recall"].value > 0.85
    assert abs(same["density"].value - 1.0) < 0.15
    assert same["coverage"].value > 0.9
    far = M.prdc(a + 50.0, b, seed=0, subsample=1000, num_batches=3, normalise=None)
    for key in ("precision", "recall", "density", "coverage"):
        assert far[key].value == 0.0


def test_prdc_sees_mode_collapse_as_low_recall() -> None:
    ref = _gauss(42, 2000, d=2)
    collapsed = _gauss(43, 2000, d=2, sigma=0.2)
    res = M.prdc(collapsed, ref, seed=0, subsample=1000, num_batches=3)
    assert res["precision"].value > 0.9  # every generated point is realistic ...
    assert res["recall"].value < 0.5  # ... but most of the reference is not covered
    assert res["coverage"].value < 0.5


# ---------------------------------------------------------------------------- classifier
def test_classifier_auc_is_half_for_identical_distributions() -> None:
    res = M.classifier_auc(_gauss(50, 4000, d=4), _gauss(51, 4000, d=4), seed=0)
    assert abs(res.auc.value - 0.5) < 3 * res.auc.error + 0.02
    assert abs(res.jsd.value) < 3 * res.jsd.error + 0.02


def test_classifier_auc_is_half_for_literally_identical_inputs() -> None:
    # the same array twice: an event and its twin must not be split between training (one
    # label) and test (the other label), or the classifier predicts the opposite (AUC ≈ 0.2)
    x = _gauss(52, 3000, d=4)
    res = M.classifier_auc(x, x, seed=0)
    assert abs(res.auc.value - 0.5) < 0.05
    wide = np.round(np.random.default_rng(53).exponential(size=(1500, 60)), 2)  # pixel-like, some ties
    assert abs(M.classifier_auc(wide, wide.copy(), seed=1).auc.value - 0.5) < 0.05
    # shuffled copies and partial overlaps are grouped too
    perm = np.random.default_rng(54).permutation(3000)
    assert abs(M.classifier_auc(x[perm], x, seed=2).auc.value - 0.5) < 0.05


def test_grouped_split_keeps_duplicates_together_and_splits_big_groups() -> None:
    x = np.repeat(_gauss(55, 500, d=2), 2, axis=0)  # every row twice
    groups = M._duplicate_groups(x)
    parts = M._grouped_split(groups, np.random.default_rng(0), (0.6, 0.2, 0.2))
    assert sorted(np.concatenate(parts).tolist()) == list(range(1000))
    assert [len(p) for p in parts] == [600, 200, 200]
    for i, p in enumerate(parts):
        for q in parts[i + 1 :]:
            assert not set(groups[p]) & set(groups[q])
    collapsed = np.zeros((1000, 3))  # one group of all rows: split row by row
    assert len(set(M._duplicate_groups(collapsed).tolist())) == 1000


@pytest.mark.parametrize("broken", ["width", "missing_mode"])
def test_broken_generator_is_detected(broken: str) -> None:
    rng = np.random.default_rng(60)
    n = 4000
    modes = rng.choice([-2.0, 2.0], size=(n, 1))
    ref = rng.normal(size=(n, 3)) * 0.7 + modes
    if broken == "width":
        gen = rng.normal(size=(n, 3)) * 1.1 + rng.choice([-2.0, 2.0], size=(n, 1))
    else:  # a generator that lost the negative mode
        gen = rng.normal(size=(n, 3)) * 0.7 + 2.0
    clf = M.classifier_auc(gen, ref, seed=0)
    assert clf.auc.value > 0.6 and clf.auc.value - 0.5 > 10 * clf.auc.error
    f = M.fpd(gen, ref, seed=0)
    same_sample = rng.normal(size=(n, 3)) * 0.7 + rng.choice([-2.0, 2.0], size=(n, 1))
    same = M.fpd(same_sample, ref, seed=0)
    assert f.value > 10 * f.error and f.value > 10 * same.value
    # KPD on max|x|-scaled features (JetNet's scaling) is the least sensitive of the three to
    # the width distortion: 2.7–6σ over seeds 60–65 (the error is the batch spread, not the
    # error of the median); the lost mode is seen at > 5σ
    k, k_same = M.kpd(gen, ref, seed=0), M.kpd(same_sample, ref, seed=0)
    n_sigma = 2.5 if broken == "width" else 5.0
    assert k.value > n_sigma * k.error and k.value > k_same.value + 5 * k_same.error


def test_bad_metric_inputs_raise() -> None:
    with pytest.raises(SchemaError, match="NaN"):
        M.fpd(np.array([[1.0], [np.nan], [2.0]]), np.ones((3, 1)))
    with pytest.raises(SchemaError, match="at least 20"):
        M.classifier_auc(np.ones((5, 2)), np.ones((5, 2)))
    with pytest.raises(SchemaError, match="empty"):
        M.w1_ks([], [1.0])


# ------------------------------------------------------------------------- ensemble bands
def test_band_coverage_good_and_biased_ensembles() -> None:
    edges = np.linspace(-3, 3, 25)
    ref = _gauss(70, 5000)
    good = M.band_coverage([_gauss(71 + s, 5000) for s in range(6)], ref, edges)
    biased = M.band_coverage([_gauss(81 + s, 5000, mu=0.3) for s in range(6)], ref, edges)
    assert good.fraction.value > 0.5
    assert biased.fraction.value < 0.3
    assert np.all(good.half_width >= 0) and good.centre.sum() == pytest.approx(1.0)
    with pytest.raises(SchemaError, match="at least 2"):
        M.band_coverage([ref], ref, edges)


def test_small_samples_still_get_batch_errors() -> None:
    # fewer events than the default batch/subsample sizes: the batches must still differ
    a, b = _gauss(90, 300, d=3), _gauss(91, 300, d=3)
    k = M.kpd(a, b, seed=0)
    assert k.error > 0
    res = M.prdc(a, b, seed=0)
    assert all(res[key].error > 0 for key in ("precision", "recall", "coverage"))


def test_separation_power_floor_matches_same_distribution_samples() -> None:
    edges = np.linspace(-3, 3, 41)
    vals, floors = [], []
    for s in range(20):
        hg, hr = M.histogram(_gauss(200 + s, 2000), edges), M.histogram(_gauss(400 + s, 2000), edges)
        vals.append(M.separation_power(hg, hr))
        floors.append(M.separation_power_floor(hg, hr))
    assert np.mean(vals) == pytest.approx(np.mean(floors), rel=0.15)
