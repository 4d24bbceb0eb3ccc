"""Out-of-distribution detection: uncertainty scores, ROC curves and AUROC, and detector shifts.

Every score is oriented so that *higher means more likely out of distribution*. The AUROC
of a score is the probability that a random OOD event scores higher than a random
in-distribution event (ties count one half): 0.5 is blind, 1 is perfect.

References:
    D. Hendrycks, K. Gimpel, "A baseline for detecting misclassified and out-of-distribution
    examples in neural networks", ICLR 2017, arXiv:1610.02136 (max-softmax score).
    Lakshminarayanan et al. 2017, arXiv:1612.01474 (ensemble disagreement / entropy).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from nugan.uncertainty.methods import decompose_entropy, decompose_variance


def classification_scores(probs: np.ndarray) -> dict[str, np.ndarray]:
    """OOD scores from (S, N, K) sampled class probabilities.

    ``max_softmax`` = 1 − max_k p̄_k, ``entropy`` = H[p̄], ``mutual_information`` = epistemic part,
    ``ensemble_variance`` = Σ_k var_s p_sk (the spread of members / dropout samples).
    """
    probs = np.asarray(probs, dtype=np.float64)
    mean = probs.mean(axis=0)
    parts = decompose_entropy(probs)
    return {
        "max_softmax": 1.0 - mean.max(axis=1),
        "entropy": parts["total"],
        "mutual_information": parts["epistemic"],
        "ensemble_variance": probs.var(axis=0).sum(axis=1),
    }


def regression_scores(means: np.ndarray, variances: np.ndarray) -> dict[str, np.ndarray]:
    """OOD scores from (S, N) sampled Gaussian predictions: total, aleatoric and epistemic
    (``ensemble_variance``) relative variances (variance / mean², so the energy scale cancels)."""
    d = decompose_variance(means, variances)
    m2 = np.maximum(d["mean"] ** 2, 1e-6)
    return {
        "total_variance": d["total"] / m2,
        "aleatoric_variance": d["aleatoric"] / m2,
        "ensemble_variance": d["epistemic"] / m2,
    }


def auroc(scores_in: np.ndarray, scores_out: np.ndarray) -> float:
    """Area under the ROC curve for separating OOD (positive) from in-distribution events.

    Computed exactly from ranks (Mann–Whitney U), ties counted one half.

    Example:
        >>> auroc(np.array([0.1, 0.2]), np.array([0.3, 0.4])), auroc(np.ones(3), np.ones(4))
        (1.0, 0.5)
    """
    a = np.asarray(scores_in, dtype=np.float64)
    b = np.asarray(scores_out, dtype=np.float64)
    if a.size == 0 or b.size == 0:
        raise ValueError("AUROC needs at least one in-distribution and one OOD score")
    ranks = stats.rankdata(np.concatenate([a, b]))
    u = ranks[a.size :].sum() - b.size * (b.size + 1) / 2.0
    return float(u / (a.size * b.size))


def roc_curve(scores_in: np.ndarray, scores_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False-positive rate (in-distribution flagged) and true-positive rate (OOD flagged) for
    every threshold, from (0, 0) to (1, 1)."""
    s = np.concatenate([scores_in, scores_out])
    is_out = np.concatenate([np.zeros(len(scores_in)), np.ones(len(scores_out))])
    order = np.argsort(-s, kind="stable")
    s, is_out = s[order], is_out[order]
    last = np.r_[np.diff(s) != 0, True]  # one point per distinct threshold
    tpr = np.cumsum(is_out)[last] / max(is_out.sum(), 1)
    fpr = np.cumsum(1 - is_out)[last] / max((1 - is_out).sum(), 1)
    return np.r_[0.0, fpr], np.r_[0.0, tpr]


# ----------------------------------------------------------------------------- detector shifts
def shift_energy_scale(pix_mev: np.ndarray, factor: float) -> np.ndarray:
    """Pixel maps with every cell's calibrated energy multiplied by ``factor`` (e.g. 1.1 = +10 %)."""
    return (np.asarray(pix_mev, dtype=np.float32) * np.float32(factor)).astype(np.float32)


def add_noise(pix_mev: np.ndarray, seed: int, occupancy: float = 0.05, mean_mev: float = 3.0) -> np.ndarray:
    """Pixel maps with extra noise hits: a fraction ``occupancy`` of all cells gets an
    exponentially distributed deposit of mean ``mean_mev`` (uncorrelated electronics /
    cosmic-like activity)."""
    rng = np.random.default_rng(seed)
    pix = np.asarray(pix_mev, dtype=np.float32)
    hits = rng.random(pix.shape) < occupancy
    return (pix + hits * rng.exponential(mean_mev, pix.shape)).astype(np.float32)


# ----------------------------------------------------------------------------- feature-space density
def fit_gaussian_density(
    features: np.ndarray, labels: np.ndarray | None = None, shrinkage: float = 1e-3
) -> dict[str, np.ndarray]:
    """Class-conditional Gaussians with a shared covariance in a network's feature space
    (Lee et al. 2018, arXiv:1807.03888, Eq. 1), for the Mahalanobis OOD score.

    Arguments:
        features: (N, D) penultimate-layer features of the training events.
        labels: (N,) class of each event, or None for one Gaussian (regression).
        shrinkage: ridge added to the covariance, relative to its mean diagonal.

    Returns:
        ``means`` (K, D) and ``precision`` (D, D) (float64).
    """
    f = np.asarray(features, dtype=np.float64)
    lab = np.zeros(len(f), dtype=np.int64) if labels is None else np.asarray(labels, dtype=np.int64)
    classes = np.unique(lab)
    means = np.stack([f[lab == k].mean(axis=0) for k in classes])
    centred = f - means[np.searchsorted(classes, lab)]
    cov = centred.T @ centred / max(len(f) - 1, 1)
    cov += shrinkage * max(float(np.mean(np.diag(cov))), 1e-12) * np.eye(f.shape[1])
    return {"means": means, "precision": np.linalg.inv(cov)}


def mahalanobis_score(features: np.ndarray, density: dict[str, np.ndarray]) -> np.ndarray:
    """Squared Mahalanobis distance to the closest class mean (higher = more likely OOD).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> d = fit_gaussian_density(rng.normal(size=(5000, 2)))
        >>> s = mahalanobis_score(np.array([[0.0, 0.0], [3.0, 4.0]]), d)
        >>> bool(s[0] < 0.1 and 20 < s[1] < 30)
        True
    """
    f = np.asarray(features, dtype=np.float64)
    diff = f[:, None, :] - density["means"][None, :, :]  # (N, K, D)
    dist = np.einsum("nkd,de,nke->nk", diff, density["precision"], diff)
    return dist.min(axis=1)


# ----------------------------------------------------------------------------- energy shortcut check
def visible_energy_matched(
    vis_in: np.ndarray, vis_out: np.ndarray, seed: int, n_bins: int = 20
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of equal-size in-distribution and OOD subsets with the same visible-energy histogram.

    Bins are quantiles of the OOD visible energy; in each bin the larger side is randomly thinned
    to the smaller one. AUROCs on these subsets measure what a score knows beyond the visible energy
    (which alone can separate samples drawn from different fluxes).

    Example:
        >>> a, b = visible_energy_matched(np.arange(1.0, 101.0), np.arange(51.0, 151.0), seed=0)
        >>> len(a) == len(b) and bool(np.all((a >= 50) & (b < 50)))
        True
    """
    rng = np.random.default_rng(seed)
    vis_in, vis_out = np.asarray(vis_in, dtype=np.float64), np.asarray(vis_out, dtype=np.float64)
    edges = np.quantile(vis_out, np.linspace(0.0, 1.0, n_bins + 1))

    def bins(v: np.ndarray) -> np.ndarray:
        b = np.searchsorted(edges[1:-1], v, side="right")
        return np.where((v >= edges[0]) & (v <= edges[-1]), b, -1)

    bin_in, bin_out = bins(vis_in), bins(vis_out)
    keep_in, keep_out = [], []
    for k in range(n_bins):
        a = np.flatnonzero(bin_in == k)
        o = np.flatnonzero(bin_out == k)
        m = min(len(a), len(o))
        keep_in.append(rng.choice(a, m, replace=False))
        keep_out.append(rng.choice(o, m, replace=False))
    return np.sort(np.concatenate(keep_in)).astype(np.int64), np.sort(np.concatenate(keep_out)).astype(
        np.int64
    )
