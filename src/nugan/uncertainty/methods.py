"""Uncertainty methods: deep ensembles, MC dropout, the heteroscedastic loss, and the
decomposition of predictive uncertainty into aleatoric and epistemic parts.

Predictions from S stochastic forward passes (S ensemble members, or S dropout masks)
are stacked along a leading axis:

* classification: ``probs`` (S, N, K);
* regression: ``means`` (S, N) and ``variances`` (S, N).

References:
    B. Lakshminarayanan, A. Pritzel, C. Blundell, "Simple and scalable predictive
    uncertainty estimation using deep ensembles", NeurIPS 2017, arXiv:1612.01474.
    Y. Gal, Z. Ghahramani, "Dropout as a Bayesian approximation", ICML 2016, arXiv:1506.02142.
    A. Kendall, Y. Gal, NeurIPS 2017, arXiv:1703.04977 (Eq. 5 heteroscedastic loss; Eq. 9
    variance decomposition).
    S. Depeweg et al., "Decomposition of uncertainty in Bayesian deep learning", ICML 2018,
    arXiv:1710.07283 (entropy = expected entropy + mutual information).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

_EPS = 1e-12


def heteroscedastic_nll(mean: Tensor, log_var: Tensor, target: Tensor) -> Tensor:
    """Kendall & Gal (2017) Eq. 5: ``mean(½ exp(−s)(y − μ)² + ½ s)`` with ``s = log σ²``.

    Equal to the Gaussian negative log-likelihood up to the constant ``½ log 2π``.

    Example:
        >>> float(heteroscedastic_nll(torch.zeros(2), torch.zeros(2), torch.ones(2)))
        0.5
    """
    return (0.5 * torch.exp(-log_var) * (target - mean) ** 2 + 0.5 * log_var).mean()


def entropy(probs: np.ndarray, axis: int = -1) -> np.ndarray:
    """Shannon entropy [nats] of categorical distributions along ``axis``."""
    p = np.clip(probs, _EPS, 1.0)
    return -np.sum(probs * np.log(p), axis=axis)


def decompose_entropy(probs: np.ndarray) -> dict[str, np.ndarray]:
    """Split the predictive entropy of S sampled predictions into aleatoric and epistemic parts.

    ``total = H[mean_s p_s]``, ``aleatoric = mean_s H[p_s]`` (expected entropy),
    ``epistemic = total − aleatoric`` (the mutual information between label and model, ≥ 0).

    Arguments:
        probs: (S, N, K) class probabilities of S members / dropout samples.

    Returns:
        dict with ``total``, ``aleatoric``, ``epistemic`` arrays of shape (N,).

    Example:
        >>> p = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])  # two confident members that disagree
        >>> d = decompose_entropy(p)
        >>> round(float(d["epistemic"][0]), 4), round(float(d["aleatoric"][0]), 4)
        (0.6931, 0.0)
    """
    probs = _check_probs(probs)
    total = entropy(probs.mean(axis=0))
    aleatoric = entropy(probs).mean(axis=0)
    return {"total": total, "aleatoric": aleatoric, "epistemic": np.maximum(total - aleatoric, 0.0)}


def decompose_variance(means: np.ndarray, variances: np.ndarray) -> dict[str, np.ndarray]:
    """Law of total variance for S Gaussian predictions (Kendall & Gal 2017, Eq. 9).

    ``aleatoric = mean_s σ²_s``, ``epistemic = var_s μ_s``, ``total = aleatoric + epistemic``;
    ``mean`` is the mixture mean ``mean_s μ_s``.

    Arguments:
        means, variances: (S, N) arrays.

    Example:
        >>> d = decompose_variance(np.array([[1.0], [3.0]]), np.array([[0.5], [1.5]]))
        >>> float(d["mean"][0]), float(d["aleatoric"][0]), float(d["epistemic"][0]), float(d["total"][0])
        (2.0, 1.0, 1.0, 2.0)
    """
    means = np.asarray(means, dtype=np.float64)
    variances = np.asarray(variances, dtype=np.float64)
    if means.ndim != 2 or means.shape != variances.shape:
        raise ValueError(f"means and variances must both be (S, N); got {means.shape} and {variances.shape}")
    aleatoric = variances.mean(axis=0)
    epistemic = means.var(axis=0)
    return {
        "mean": means.mean(axis=0),
        "aleatoric": aleatoric,
        "epistemic": epistemic,
        "total": aleatoric + epistemic,
    }


def _check_probs(probs: np.ndarray) -> np.ndarray:
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 3:
        raise ValueError(f"probs must be (S, N, K) (samples, events, classes); got shape {probs.shape}")
    return probs


def enable_dropout(model: nn.Module, on: bool = True) -> nn.Module:
    """Put the model in eval mode but keep its Dropout layers sampling (``on``) or not."""
    model.eval()
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.train(on)
    return model


@torch.no_grad()
def _sample(model: nn.Module, x: np.ndarray, n_samples: int, batch_size: int, device: str) -> list[list[Any]]:
    """Outputs of ``n_samples`` passes (list over samples) of ``model`` on ``x`` in batches.

    The deterministic tower features are computed once per batch and only the stochastic head is
    re-run per sample (``model.features`` / ``model.from_features``), which is exact because dropout
    acts only in the head.
    """
    per_sample: list[list[Any]] = [[] for _ in range(n_samples)]
    for start in range(0, len(x), batch_size):
        xb = torch.as_tensor(x[start : start + batch_size], dtype=torch.float32, device=device)
        feats = model.features(xb)  # type: ignore[operator]
        for s in range(n_samples):
            per_sample[s].append(model.from_features(feats))  # type: ignore[operator]
    return per_sample


def predict_classifier(
    models: Sequence[nn.Module],
    pix: np.ndarray,
    mc_samples: int = 0,
    seed: int = 0,
    batch_size: int = 256,
    device: str = "cpu",
) -> np.ndarray:
    """Log-probabilities of every member (ensemble) or dropout sample (MC dropout).

    Arguments:
        models: one network (MC dropout) or several (ensemble), with ``features``/``from_features``.
        pix: (N, V, H, W) pixel maps in MeV.
        mc_samples: 0 → one deterministic pass per model (dropout off); T > 0 → T passes per
            model with dropout on (seeded by ``seed``; the global torch RNG is left untouched).

    Returns:
        (S, N, K) log-probabilities, S = len(models) × max(1, mc_samples).
    """
    out = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for model in models:
            enable_dropout(model.to(device), on=mc_samples > 0)
            for parts in _sample(model, pix, max(1, mc_samples), batch_size, device):
                logits = torch.cat(parts)
                out.append(torch.log_softmax(logits, dim=1).cpu().numpy())
    return np.stack(out).astype(np.float64)


def predict_regressor(
    models: Sequence[nn.Module],
    pix: np.ndarray,
    mc_samples: int = 0,
    seed: int = 0,
    batch_size: int = 256,
    device: str = "cpu",
) -> tuple[np.ndarray, np.ndarray]:
    """Means [GeV] and variances [GeV²] (each (S, N)) from heteroscedastic energy regressors.

    Same sampling rules as :func:`predict_classifier`.
    """
    means, variances = [], []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for model in models:
            enable_dropout(model.to(device), on=mc_samples > 0)
            for parts in _sample(model, pix, max(1, mc_samples), batch_size, device):
                mean = torch.cat([p[0] for p in parts])
                log_var = torch.cat([p[1] for p in parts])
                m_gev, v_gev = model.to_gev(mean, log_var)  # type: ignore[operator]
                means.append(m_gev.cpu().numpy())
                variances.append(v_gev.cpu().numpy())
    return np.stack(means).astype(np.float64), np.stack(variances).astype(np.float64)


@torch.no_grad()
def penultimate_features(
    model: nn.Module, pix: np.ndarray, batch_size: int = 256, device: str = "cpu"
) -> np.ndarray:
    """The hidden layer the output layer reads ((N, hidden), dropout off), for density-based OOD scores."""
    enable_dropout(model.to(device), on=False)
    parts = []
    for start in range(0, len(pix), batch_size):
        xb = torch.as_tensor(pix[start : start + batch_size], dtype=torch.float32, device=device)
        parts.append(model.backbone(xb).cpu().numpy())  # type: ignore[operator]
    return np.concatenate(parts).astype(np.float64)
