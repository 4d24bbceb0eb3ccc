"""Pictures of a training run: progress samples, the animated ``progress.gif`` and ``loss_curves.png``."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from nugan._atomic import atomic_path


def save_progress_images(images: np.ndarray, path: str | os.PathLike[str]) -> None:
    """A grid of generated images (physical units, ``(N, C, H, W)``) as a PNG."""
    from nugan.data.images import save_grid

    save_grid(images, str(path), nrow=max(1, int(np.ceil(np.sqrt(len(images))))))


def save_progress_table(
    generated: Mapping[str, np.ndarray],
    reference: Mapping[str, np.ndarray],
    path: str | os.PathLike[str],
    title: str = "",
    max_columns: int = 8,
) -> None:
    """Histograms of generated vs training columns (physical units) as a PNG."""
    from matplotlib.figure import Figure

    names = [n for n in generated if n in reference][:max_columns]
    ncol = min(4, max(1, len(names)))
    nrow = max(1, int(np.ceil(len(names) / ncol)))
    fig = Figure(figsize=(3.0 * ncol, 2.4 * nrow), dpi=72)
    for i, name in enumerate(names):
        ax = fig.add_subplot(nrow, ncol, i + 1)
        ref = np.asarray(reference[name], dtype=float)
        gen = np.asarray(generated[name], dtype=float)
        lo, hi = np.nanpercentile(ref, [0.5, 99.5]) if len(ref) else (0.0, 1.0)
        if not hi > lo:
            lo, hi = lo - 0.5, hi + 0.5
        bins = np.linspace(lo, hi, 31).tolist()
        ax.hist(ref, bins=bins, density=True, histtype="stepfilled", alpha=0.35, label="training")
        ax.hist(np.clip(gen, lo, hi), bins=bins, density=True, histtype="step", lw=1.5, label="generated")
        ax.set_xlabel(name, fontsize=8)
        ax.tick_params(labelsize=7)
        if i == 0:
            ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")


def save_gif(
    frames: Sequence[str | os.PathLike[str]], path: str | os.PathLike[str], ms_per_frame: int = 400
) -> None:
    """Animate PNG frames (e.g. ``progress/step_*.png``) into a looping GIF."""
    from PIL import Image

    if not frames:
        return
    images = [Image.open(f).convert("RGB") for f in frames]
    size = images[0].size
    images = [im if im.size == size else im.resize(size) for im in images]
    with atomic_path(path) as tmp:
        images[0].save(
            tmp, format="GIF", save_all=True, append_images=images[1:], duration=ms_per_frame, loop=0
        )


def save_loss_curves(
    rows: Sequence[Mapping[str, float]], path: str | os.PathLike[str], title: str = ""
) -> None:
    """Losses (top) and gradient norms (bottom, log scale) against the step."""
    from matplotlib.figure import Figure

    if not rows:
        return
    steps = np.array([r["step"] for r in rows])
    skip = {"step", "time_s", "samples_per_s"}
    keys = [k for k in rows[-1] if k not in skip]
    losses = [k for k in keys if not k.startswith("gradnorm_")]
    norms = [k for k in keys if k.startswith("gradnorm_")]
    fig = Figure(figsize=(8, 6 if norms else 3.5), dpi=80)
    ax = fig.add_subplot(2 if norms else 1, 1, 1)
    for k in losses:
        ax.plot(steps, [r.get(k, np.nan) for r in rows], label=k, lw=1)
    ax.set_ylabel("loss / metric")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    if norms:
        ax2 = fig.add_subplot(2, 1, 2, sharex=ax)
        for k in norms:
            ax2.plot(steps, [r.get(k, np.nan) for r in rows], label=k, lw=1)
        ax2.set_yscale("log")
        ax2.set_ylabel("gradient norm")
        ax2.legend(fontsize=8)
    fig.axes[-1].set_xlabel("step")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")


def progress_frames(run_dir: str | os.PathLike[str]) -> list[Path]:
    """The run's progress PNGs in step order."""
    return sorted((Path(run_dir) / "progress").glob("step_*.png"))
