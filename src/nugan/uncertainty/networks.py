"""CVN-like networks on the two detector views: a classifier and a heteroscedastic energy regressor.

After NOvA's Convolutional Visual Network (Aurisano et al. 2016, arXiv:1604.01444): each
view (XZ, YZ) goes through its own convolutional tower, the towers' features are merged and
a small fully connected head makes the decision. This is a CPU-sized cousin: plain
conv–ReLU–pool blocks instead of GoogLeNet inception modules, adaptive pooling so any
``(2, planes, cells)`` geometry works, and two global inputs (log of each view's summed
energy) so the energy scale is not lost. Dropout sits in the head, which makes MC dropout
(Gal & Ghahramani 2016, arXiv:1506.02142) possible.

The networks take raw pixel maps in MeV per cell and normalise them internally
(``log1p`` then a scale fitted on the training data and stored in ``config``), so a
saved network is self-contained.

References:
    A. Aurisano et al., "A convolutional neural network neutrino event classifier",
    JINST 11 (2016) P09001, arXiv:1604.01444.
    A. Kendall, Y. Gal, "What uncertainties do we need in Bayesian deep learning for
    computer vision?", NeurIPS 2017, arXiv:1703.04977 (heteroscedastic head, Eq. 5).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn


class ViewTower(nn.Module):
    """Convolutional feature extractor for one view: (B, 1, H, W) → (B, 2·width·pool²)."""

    def __init__(self, width: int = 16, pool: int = 4) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, w, H/2, W/2)
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, 2w, H/4, W/4)
            nn.Conv2d(2 * width, 2 * width, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(pool),  # (B, 2w, pool, pool)
            nn.Flatten(),
        )
        self.out_features = 2 * width * pool * pool

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class CVNBackbone(nn.Module):
    """Separate towers per view, merged with the global energy inputs into a hidden vector.

    Arguments:
        n_views: number of views (channels) of the pixel maps (2 for NOvA-like maps).
        width: channels of the first convolution.
        hidden: size of the merged hidden layer.
        dropout: dropout probability in the head (0 disables it).
        image_scale: divisor applied after ``log1p(pixel / MeV)``.
        sum_mean, sum_std: standardisation of ``log1p(view sum / MeV)``.
    """

    image_scale: Tensor
    sum_mean: Tensor
    sum_std: Tensor

    def __init__(
        self,
        n_views: int = 2,
        width: int = 16,
        hidden: int = 64,
        dropout: float = 0.0,
        image_scale: float = 1.0,
        sum_mean: float = 0.0,
        sum_std: float = 1.0,
    ) -> None:
        super().__init__()
        towers = [ViewTower(width) for _ in range(n_views)]
        self.towers = nn.ModuleList(towers)
        merged = sum(t.out_features for t in towers) + n_views
        self.head = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(merged, hidden), nn.ReLU(), nn.Dropout(dropout)
        )
        self.n_views = n_views
        self.register_buffer("image_scale", torch.tensor(float(image_scale)))
        self.register_buffer("sum_mean", torch.tensor(float(sum_mean)))
        self.register_buffer("sum_std", torch.tensor(float(sum_std)))

    def features(self, pix_mev: Tensor) -> Tensor:
        """The deterministic part: (B, V, H, W) pixel maps in MeV → merged tower features (B, F)."""
        pix = pix_mev.clamp_min(0.0)
        x = torch.log1p(pix) / self.image_scale  # (B, V, H, W)
        sums = (torch.log1p(pix.sum(dim=(2, 3))) - self.sum_mean) / self.sum_std  # (B, V)
        feats = [tower(x[:, v : v + 1]) for v, tower in enumerate(self.towers)]
        return torch.cat([*feats, sums], dim=1)

    def forward(self, pix_mev: Tensor) -> Tensor:
        """(B, V, H, W) pixel maps in MeV → (B, hidden)."""
        return self.head(self.features(pix_mev))


class CVNClassifier(nn.Module):
    """CVN-like event classifier: pixel maps (B, V, H, W) in MeV → class logits (B, K).

    Example:
        >>> net = CVNClassifier(n_classes=3, width=4, hidden=8)
        >>> net(torch.zeros(5, 2, 16, 16)).shape
        torch.Size([5, 3])
    """

    def __init__(
        self,
        n_classes: int = 3,
        n_views: int = 2,
        width: int = 16,
        hidden: int = 64,
        dropout: float = 0.0,
        image_scale: float = 1.0,
        sum_mean: float = 0.0,
        sum_std: float = 1.0,
    ) -> None:
        super().__init__()
        self.config: dict[str, Any] = {
            "n_classes": n_classes,
            "n_views": n_views,
            "width": width,
            "hidden": hidden,
            "dropout": dropout,
            "image_scale": image_scale,
            "sum_mean": sum_mean,
            "sum_std": sum_std,
        }
        self.backbone = CVNBackbone(n_views, width, hidden, dropout, image_scale, sum_mean, sum_std)
        self.out = nn.Linear(hidden, n_classes)

    def forward(self, pix_mev: Tensor) -> Tensor:
        return self.out(self.backbone(pix_mev))

    def features(self, pix_mev: Tensor) -> Tensor:
        """Deterministic tower features (dropout acts only after them)."""
        return self.backbone.features(pix_mev)

    def from_features(self, feats: Tensor) -> Tensor:
        """Logits from :meth:`features` (the stochastic head: one MC-dropout sample per call)."""
        return self.out(self.backbone.head(feats))


class EnergyRegressor(nn.Module):
    """Heteroscedastic energy estimator: pixel maps → (mean, log-variance) of the standardised energy.

    The target is ``(E − target_mean) / target_std``; :meth:`predict_gev` converts back to GeV.
    The log-variance output is the aleatoric noise of Kendall & Gal (2017, Eq. 5).

    Example:
        >>> net = EnergyRegressor(width=4, hidden=8, target_mean=2.0, target_std=0.5)
        >>> mean, var = net.predict_gev(torch.zeros(3, 2, 16, 16))
        >>> mean.shape, bool((var > 0).all())
        (torch.Size([3]), True)
    """

    def __init__(
        self,
        n_views: int = 2,
        width: int = 16,
        hidden: int = 64,
        dropout: float = 0.0,
        image_scale: float = 1.0,
        sum_mean: float = 0.0,
        sum_std: float = 1.0,
        target_mean: float = 0.0,
        target_std: float = 1.0,
    ) -> None:
        super().__init__()
        self.config: dict[str, Any] = {
            "n_views": n_views,
            "width": width,
            "hidden": hidden,
            "dropout": dropout,
            "image_scale": image_scale,
            "sum_mean": sum_mean,
            "sum_std": sum_std,
            "target_mean": target_mean,
            "target_std": target_std,
        }
        self.backbone = CVNBackbone(n_views, width, hidden, dropout, image_scale, sum_mean, sum_std)
        self.out = nn.Linear(hidden, 2)
        self.target_mean = float(target_mean)
        self.target_std = float(target_std)

    def forward(self, pix_mev: Tensor) -> tuple[Tensor, Tensor]:
        """Returns ``(mean, log_var)``, each (B,), in standardised target units."""
        return self.from_features(self.features(pix_mev))

    def features(self, pix_mev: Tensor) -> Tensor:
        """Deterministic tower features (dropout acts only after them)."""
        return self.backbone.features(pix_mev)

    def from_features(self, feats: Tensor) -> tuple[Tensor, Tensor]:
        """``(mean, log_var)`` from :meth:`features` (one MC-dropout sample per call)."""
        out = self.out(self.backbone.head(feats))  # (B, 2)
        return out[:, 0], out[:, 1].clamp(-12.0, 8.0)

    def to_gev(self, mean: Tensor, log_var: Tensor) -> tuple[Tensor, Tensor]:
        """Standardised (mean, log-variance) → mean [GeV] and variance [GeV²]."""
        return mean * self.target_std + self.target_mean, log_var.exp() * self.target_std**2

    def predict_gev(self, pix_mev: Tensor) -> tuple[Tensor, Tensor]:
        """Mean [GeV] and variance [GeV²] of the energy for each event."""
        return self.to_gev(*self(pix_mev))


NETWORKS: dict[str, type[nn.Module]] = {"classify": CVNClassifier, "energy": EnergyRegressor}


def build_network(task: str, config: dict[str, Any]) -> nn.Module:
    """Rebuild a network of ``task`` ("classify" or "energy") from its JSON-able ``config``."""
    from nugan.errors import ConfigError

    if task not in NETWORKS:
        raise ConfigError(f"unknown UQ task {task!r}; choose one of {sorted(NETWORKS)}")
    try:
        return NETWORKS[task](**config)
    except TypeError as exc:
        raise ConfigError(f"bad network configuration for task {task!r}: {exc}") from exc
