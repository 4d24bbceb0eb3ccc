"""Figures of the evaluation report (matplotlib + mplhep, rendered to PNG bytes).

* :func:`plot_observables`: HEP-style histograms of observables, generated vs reference,
  with statistical error bars, a ratio panel, and (given an ensemble of generated
  samples) the per-bin uncertainty band;
* :func:`plot_event_grid`: reference and generated pixel maps side by side (the seed
  paper's Figure 7); :func:`plot_mean_images`; :func:`plot_profiles`;
  :func:`plot_pixel_spectrum`;
* :func:`plot_loss_curves`: training losses from a run directory's ``metrics.csv``.

Every function returns PNG bytes and leaves matplotlib's global state untouched
(figures are closed, styles applied in a context).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nugan.evaluation.metrics import histogram

REF_COLOUR = "black"
GEN_COLOUR = "#d62728"
BAND_COLOUR = "#1f77b4"


@dataclass
class Band:
    """Per-bin band of normalised bin contents (ensemble mean ± half-width)."""

    centre: np.ndarray
    half_width: np.ndarray


def _mpl() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _style() -> Any:
    import mplhep

    plt = _mpl()
    return plt.style.context(
        [
            mplhep.style.ROOT,
            {
                "font.size": 11,
                "axes.labelsize": 11,
                "xtick.labelsize": 9,
                "ytick.labelsize": 9,
                "legend.fontsize": 8,
                "figure.dpi": 72,
                "xtick.minor.visible": False,
                "xtick.top": False,
                "ytick.right": False,
                "ytick.minor.visible": False,
            },
        ]
    )


def _png(fig: Any, dpi: int = 72, tight: bool = True) -> bytes:
    plt = _mpl()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    plt.close(fig)
    return buf.getvalue()


def normalised_hist(values: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bin contents normalised to unit sum and their Poisson errors."""
    v = values[np.isfinite(values)]
    counts = histogram(v, edges)
    total = max(counts.sum(), 1.0)
    return counts / total, np.sqrt(counts) / total


def _one_observable(
    ax: Any, rax: Any, name: str, gen: np.ndarray, ref: np.ndarray, edges: np.ndarray, band: Band | None
) -> None:
    import mplhep
    from matplotlib.ticker import FixedLocator, MaxNLocator

    hr, er = normalised_hist(ref, edges)
    hg, eg = normalised_hist(gen, edges)
    categories = _categories(gen, ref, edges)
    if categories is not None:  # integer codes (PDG, mode, multiplicities): equal-width slots, labelled
        edges = np.arange(len(categories) + 1, dtype=np.float64) - 0.5
    if band is not None:
        lo, hi = band.centre - band.half_width, band.centre + band.half_width
        ax.stairs(hi, edges, baseline=lo, fill=True, color=BAND_COLOUR, alpha=0.3, label="ensemble band")
    mplhep.histplot(hg, edges, yerr=eg, ax=ax, histtype="step", color=GEN_COLOUR, label="generated")
    mplhep.histplot(
        hr, edges, yerr=er, ax=ax, histtype="errorbar", color=REF_COLOUR, label="reference", markersize=3
    )
    ax.set_ylabel("fraction")
    ax.set_xlim(edges[0], edges[-1])
    ax.tick_params(labelbottom=False)
    centres = 0.5 * (edges[1:] + edges[:-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(hr > 0, hg / hr, np.nan)
        rerr = np.where(hr > 0, ratio * np.sqrt((eg / np.where(hg > 0, hg, 1)) ** 2 + (er / hr) ** 2), np.nan)
        if band is not None:
            blo = np.where(hr > 0, (band.centre - band.half_width) / hr, np.nan)
            bhi = np.where(hr > 0, (band.centre + band.half_width) / hr, np.nan)
            rax.stairs(bhi, edges, baseline=blo, fill=True, color=BAND_COLOUR, alpha=0.3)
    rax.errorbar(centres, ratio, yerr=rerr, fmt="o", color=GEN_COLOUR, markersize=2, elinewidth=0.8)
    rax.axhline(1.0, color=REF_COLOUR, lw=0.8)
    rax.set_ylim(0.5, 1.5)
    ax.yaxis.set_major_locator(MaxNLocator(4))
    rax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_locator(MaxNLocator(5))
    rax.yaxis.set_major_locator(FixedLocator([0.5, 1.0, 1.5]))
    rax.set_xlim(edges[0], edges[-1])
    rax.set_ylabel("gen/ref", fontsize=9)
    rax.set_xlabel(name, fontsize=10)
    if categories is not None:
        step = max(1, math.ceil(len(categories) / 8))
        ticks = np.arange(0, len(categories), step)
        rax.xaxis.set_major_locator(FixedLocator(ticks.tolist()))
        ax.xaxis.set_major_locator(FixedLocator(ticks.tolist()))
        rax.set_xticklabels(
            [f"{int(c)}" for c in categories[ticks]],
            fontsize=7,
            rotation=0 if len(ticks) <= 3 or max(len(str(int(c))) for c in categories) <= 4 else 30,
        )


def _categories(gen: np.ndarray, ref: np.ndarray, edges: np.ndarray) -> np.ndarray | None:
    """The distinct integer values when ``edges`` has one bin per value (see ``metrics.make_bins``)."""
    both = np.concatenate([gen[np.isfinite(gen)], ref[np.isfinite(ref)]])
    if both.size == 0 or not np.all(both == np.round(both)):
        return None
    values = np.unique(both)
    if len(values) != len(edges) - 1 or np.any(
        np.searchsorted(edges, values) != np.arange(1, len(values) + 1)
    ):
        return None
    return values


def plot_observables(
    names: Sequence[str],
    generated: Mapping[str, np.ndarray],
    reference: Mapping[str, np.ndarray],
    edges: Mapping[str, np.ndarray],
    bands: Mapping[str, Band] | None = None,
    ncols: int = 3,
) -> bytes:
    """One figure with a histogram + ratio panel per observable in ``names``."""
    plt = _mpl()
    nrows = max(1, math.ceil(len(names) / ncols))
    with _style():
        fig = plt.figure(figsize=(4.2 * ncols, 3.6 * nrows))
        outer = fig.add_gridspec(nrows, ncols, hspace=0.45, wspace=0.35)
        for i, name in enumerate(names):
            inner = outer[i // ncols, i % ncols].subgridspec(2, 1, height_ratios=(3, 1), hspace=0.05)
            ax, rax = fig.add_subplot(inner[0]), fig.add_subplot(inner[1])
            band = None if bands is None else bands.get(name)
            _one_observable(ax, rax, name, generated[name], reference[name], edges[name], band)
            if i == 0:
                ax.legend(loc="upper right")
        height = 3.6 * nrows
        fig.subplots_adjust(left=0.06, right=0.98, top=1 - 0.1 / height, bottom=0.65 / height)
        return _png(fig, tight=False)


def _log_norm(images: np.ndarray) -> Any:
    from matplotlib.colors import LogNorm

    pos = images[images > 0]
    if pos.size == 0:
        return None
    return LogNorm(vmin=max(float(np.percentile(pos, 1)), 1e-6), vmax=float(pos.max()))


def plot_event_grid(reference: np.ndarray, generated: np.ndarray, n_events: int = 6) -> bytes:
    """Reference (left) and generated (right) events side by side, both views each (seed paper Fig. 7).

    Arguments:
        reference, generated: ``(N, views, planes, cells)`` pixel maps; the first
            ``n_events`` of each are drawn (planes horizontal, cells vertical, log colour).
    """
    plt = _mpl()
    n = min(n_events, len(reference), len(generated))
    views = reference.shape[1]
    norm = _log_norm(np.concatenate([reference[:n].ravel(), generated[:n].ravel()]))
    with _style():
        fig, axes = plt.subplots(n, 2 * views, figsize=(2.2 * 2 * views, 1.9 * n), squeeze=False)
        for row in range(n):
            for side, (label, sample) in enumerate((("reference", reference), ("generated", generated))):
                for v in range(views):
                    ax = axes[row, side * views + v]
                    ax.imshow(
                        sample[row, v].T,
                        origin="lower",
                        aspect="auto",
                        cmap="viridis",
                        norm=norm,
                        interpolation="nearest",
                    )
                    ax.set_xticks([])
                    ax.set_yticks([])
                    if row == 0:
                        ax.set_title(f"{label}, view {v}", fontsize=9)
        fig.suptitle("horizontal: plane (beam →), vertical: cell", fontsize=9)
        fig.tight_layout()
        return _png(fig)


def plot_mean_images(reference: np.ndarray, generated: np.ndarray) -> bytes:
    """Mean images (C, H, W) of reference and generated and their ratio, per view."""
    plt = _mpl()
    views = reference.shape[0]
    norm = _log_norm(np.concatenate([reference.ravel(), generated.ravel()]))
    with _style():
        fig, axes = plt.subplots(views, 3, figsize=(11, 2.8 * views), squeeze=False)
        for v in range(views):
            for col, (title, img) in enumerate((("reference", reference[v]), ("generated", generated[v]))):
                im = axes[v, col].imshow(img.T, origin="lower", aspect="auto", cmap="viridis", norm=norm)
                axes[v, col].set_title(f"mean {title}, view {v}", fontsize=9)
                fig.colorbar(im, ax=axes[v, col], fraction=0.046)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(reference[v] > 0, generated[v] / reference[v], np.nan)
            im = axes[v, 2].imshow(ratio.T, origin="lower", aspect="auto", cmap="RdBu_r", vmin=0.5, vmax=1.5)
            axes[v, 2].set_title(f"generated / reference, view {v}", fontsize=9)
            fig.colorbar(im, ax=axes[v, 2], fraction=0.046)
        return _png(fig)


def plot_profiles(ref: Any, gen: Any) -> bytes:
    """Longitudinal and transverse mean energy profiles per view (``ImageSummaries`` inputs)."""
    plt = _mpl()
    views = ref.longitudinal.shape[0]
    with _style():
        fig, axes = plt.subplots(2, views, figsize=(5 * views, 6.5), squeeze=False)
        for v in range(views):
            for row, (what, xlabel) in enumerate((("longitudinal", "plane"), ("transverse", "cell"))):
                ax = axes[row, v]
                for summary, colour, label in (
                    (ref, REF_COLOUR, "reference"),
                    (gen, GEN_COLOUR, "generated"),
                ):
                    y, e = getattr(summary, what)[v], getattr(summary, f"{what}_err")[v]
                    x = np.arange(len(y))
                    ax.errorbar(x, y, yerr=e, color=colour, label=label, fmt="o-", markersize=2, lw=0.8)
                ax.set_xlabel(f"{xlabel} (view {v})")
                ax.set_ylabel("mean energy / event")
                ax.set_title(f"{what} profile, view {v}", fontsize=10)
                if row == 0 and v == 0:
                    ax.legend()
        fig.tight_layout()
        return _png(fig)


def plot_pixel_spectrum(reference: np.ndarray, generated: np.ndarray) -> bytes:
    """Histogram of non-zero cell energies (log-spaced bins)."""
    import mplhep

    plt = _mpl()
    both = np.concatenate([reference, generated])
    pos = both[both > 0]
    lo, hi = (float(pos.min()), float(pos.max())) if pos.size else (1e-3, 1.0)
    edges = np.geomspace(lo, hi * 1.0001 if hi > lo else lo * 10, 50)
    with _style():
        fig, ax = plt.subplots(figsize=(6, 4))
        for vals, colour, label, kind in (
            (generated, GEN_COLOUR, "generated", "step"),
            (reference, REF_COLOUR, "reference", "errorbar"),
        ):
            h, e = normalised_hist(vals[vals > 0], edges)
            mplhep.histplot(h, edges, yerr=e, ax=ax, histtype=kind, color=colour, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("cell energy")
        ax.set_ylabel("fraction of non-zero cells")
        ax.legend()
        return _png(fig)


def read_metrics_csv(path: str | Path) -> dict[str, np.ndarray]:
    """Columns of a run's ``metrics.csv`` as float arrays (empty/non-numeric cells → NaN)."""
    p = Path(path)
    if not p.is_file():
        return {}
    with p.open(newline="") as f:
        rows = list(csv.DictReader(f))
    cols: dict[str, list[float]] = {}
    for row in rows:
        for k, v in row.items():
            if k is None:
                continue
            try:
                val = float(v) if v not in ("", None) else math.nan
            except ValueError:
                val = math.nan
            cols.setdefault(k, []).append(val)
    return {k: np.asarray(v) for k, v in cols.items()}


def plot_loss_curves(metrics: Mapping[str, np.ndarray], title: str = "") -> bytes | None:
    """Loss curves against ``step``: columns named ``*loss*``, else every column except bookkeeping
    (time, throughput, gradient norms)."""
    if "step" not in metrics or len(metrics["step"]) == 0:
        return None
    bookkeeping = {"step", "time_s", "samples_per_s", "epoch", "lr"}
    others = [k for k in metrics if k not in bookkeeping and not k.startswith("gradnorm")]
    keys = [k for k in others if "loss" in k.lower()] or others
    if not keys:
        return None
    plt = _mpl()
    with _style():
        fig, ax = plt.subplots(figsize=(7, 4))
        for k in keys:
            ok = np.isfinite(metrics[k])
            ax.plot(metrics["step"][ok], metrics[k][ok], label=k, lw=1)
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.set_title(title, fontsize=10)
        ax.legend()
        return _png(fig)
