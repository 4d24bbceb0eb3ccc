"""Figures of the UQ report: reliability diagrams, interval coverage, ROC curves, event displays.

Each function draws one PNG (atomically) and returns its path. matplotlib is imported lazily.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nugan._atomic import atomic_path
from nugan.uncertainty.calibration import reliability_curve


def _figure(ncols: int = 1, width: float = 4.2, height: float = 3.6) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), squeeze=False)
    return fig, axes[0]


def _save(fig: Any, path: str | os.PathLike[str]) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=90)
    plt.close(fig)
    return Path(path)


def reliability_diagrams(
    panels: Mapping[str, tuple[np.ndarray, np.ndarray]], path: str | os.PathLike[str], n_bins: int = 15
) -> Path:
    """One reliability diagram per ``title → (probs (N, K), labels (N,))``: accuracy vs confidence."""
    from nugan.uncertainty.calibration import expected_calibration_error

    fig, axes = _figure(len(panels))
    for ax, (title, (probs, labels)) in zip(axes, panels.items()):
        curve = reliability_curve(probs, labels, n_bins)
        centers = 0.5 * (curve["edges"][1:] + curve["edges"][:-1])
        ok = curve["count"] > 0
        ax.bar(
            centers[ok], curve["accuracy"][ok], width=1.0 / n_bins, edgecolor="k", alpha=0.7, label="accuracy"
        )
        ax.plot([0, 1], [0, 1], "r--", label="perfect calibration")
        ax.plot(curve["confidence"][ok], curve["accuracy"][ok], "ko", ms=3)
        ece = expected_calibration_error(probs, labels, n_bins)
        ax.set(
            xlabel="confidence (max probability)",
            ylabel="accuracy",
            xlim=(0, 1),
            ylim=(0, 1),
            title=f"{title}: ECE = {ece:.3f}",
        )
        ax.legend(loc="upper left", fontsize=8)
    return _save(fig, path)


def coverage_plot(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    path: str | os.PathLike[str],
    pulls: np.ndarray | None = None,
) -> Path:
    """Observed vs nominal coverage of central Gaussian intervals, and the pull distribution."""
    fig, axes = _figure(2 if pulls is not None else 1)
    ax = axes[0]
    for label, (levels, observed) in curves.items():
        ax.plot(levels, observed, "o-", ms=3, label=label)
    ax.plot([0, 1], [0, 1], "k--", label="ideal")
    ax.set(
        xlabel="nominal coverage",
        ylabel="observed coverage",
        xlim=(0, 1),
        ylim=(0, 1),
        title="energy interval coverage",
    )
    ax.legend(fontsize=8)
    if pulls is not None:
        ax = axes[1]
        ax.hist(np.clip(pulls, -5, 5), bins=50, range=(-5, 5), density=True, alpha=0.7, label="pulls")
        z = np.linspace(-5, 5, 200)
        ax.plot(z, np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi), "r-", label="N(0, 1)")
        ax.set(xlabel="(E_pred − E_true) / σ_total (calibrated)", ylabel="density", title="pulls")
        ax.legend(fontsize=8)
    return _save(fig, path)


def roc_curves(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray, float]], path: str | os.PathLike[str], title: str
) -> Path:
    """ROC curves ``label → (fpr, tpr, auroc)`` of OOD scores."""
    fig, axes = _figure()
    ax = axes[0]
    for label, (fpr, tpr, auc) in curves.items():
        ax.plot(fpr, tpr, label=f"{label} (AUROC {auc:.3f})")
    ax.plot([0, 1], [0, 1], "k:", lw=1)
    ax.set(
        xlabel="in-distribution flagged (FPR)",
        ylabel="OOD flagged (TPR)",
        title=title,
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax.legend(fontsize=7, loc="lower right")
    return _save(fig, path)


def event_displays(pix_mev: np.ndarray, captions: Sequence[str], path: str | os.PathLike[str]) -> Path:
    """Two-view event displays (XZ and YZ views side by side), one row per event, log colour scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    n = len(pix_mev)
    fig, axes = plt.subplots(max(n, 1), 2, figsize=(6.0, 2.4 * max(n, 1)), squeeze=False)
    vmax = max(float(np.max(pix_mev)) if n else 1.0, 1.0)
    for i in range(n):
        for v, name in enumerate(("X view", "Y view")):
            ax = axes[i, v]
            img = np.where(pix_mev[i, v] > 0, pix_mev[i, v], np.nan)
            ax.imshow(
                img.T,
                origin="lower",
                aspect="auto",
                cmap="viridis",
                norm=LogNorm(vmin=0.1, vmax=vmax),
                interpolation="nearest",
            )
            ax.set_facecolor("white")
            ax.set(xlabel="plane", ylabel="cell")
            ax.set_title(f"{captions[i]} · {name}" if v == 0 else name, fontsize=8)
    return _save(fig, path)
