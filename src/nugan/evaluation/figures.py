"""Assemble the report's figures from the evaluation's observables (see :mod:`nugan.evaluation.plots`)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nugan.data.eventset import EventSet
from nugan.evaluation import plots as P
from nugan.evaluation.metrics import BandCoverage
from nugan.evaluation.report import Figure

PLOTS_PER_FIGURE = 12
MAX_EMBED_BYTES = 4_000_000


def observable_figures(
    obs_g: Mapping[str, np.ndarray],
    obs_r: Mapping[str, np.ndarray],
    names: Sequence[str],
    edges: Mapping[str, np.ndarray],
    bands: Mapping[str, BandCoverage],
    section: str = "Observable distributions",
) -> list[Figure]:
    """Histogram pages of ``PLOTS_PER_FIGURE`` observables each."""
    pband = {n: P.Band(b.centre, b.half_width) for n, b in bands.items()}
    figs = []
    for start in range(0, len(names), PLOTS_PER_FIGURE):
        chunk = list(names[start : start + PLOTS_PER_FIGURE])
        png = P.plot_observables(chunk, obs_g, obs_r, edges, pband or None)
        caption = (
            f"{', '.join(chunk)}: generated (red) vs reference (black points), normalised to unit area, "
            "Poisson errors; lower panels: generated/reference"
        )
        if pband:
            caption += "; blue band: ensemble mean ± standard deviation"
        figs.append(Figure(section, caption, png))
    return figs


def _step_number(path: Path) -> int:
    m = re.search(r"(\d+)", path.stem)
    return int(m.group(1)) if m else -1


def run_figures(run_dir: str | os.PathLike[str], max_progress: int = 3) -> list[Figure]:
    """Loss curves (drawn from metrics.csv, else the run's loss_curves.png) and the last progress images."""
    run = Path(run_dir)
    section = f"Training run {run.name}"
    figs: list[Figure] = []
    png = P.plot_loss_curves(P.read_metrics_csv(run / "metrics.csv"), title=str(run))
    if png is not None:
        figs.append(Figure(section, f"loss curves from {run / 'metrics.csv'}", png))
    elif (run / "loss_curves.png").is_file():
        figs.append(Figure(section, f"{run / 'loss_curves.png'}", (run / "loss_curves.png").read_bytes()))
    progress = sorted((run / "progress").glob("step_*.png"), key=_step_number)
    for p in progress[-max_progress:]:
        figs.append(Figure(section, f"progress image {p.name}", p.read_bytes()))
    gif = run / "progress.gif"
    if gif.is_file() and gif.stat().st_size <= MAX_EMBED_BYTES:
        figs.append(Figure(section, "training progress (animation)", gif.read_bytes(), "image/gif"))
    return figs


def build_figures(
    gen: EventSet,
    ref: EventSet,
    obs_g: Mapping[str, np.ndarray],
    obs_r: Mapping[str, np.ndarray],
    names: Sequence[str],
    edges: Mapping[str, np.ndarray],
    bands: Mapping[str, BandCoverage],
    summaries: tuple[Any, Any] | None,
    run_dirs: Sequence[str | os.PathLike[str]] = (),
) -> list[Figure]:
    """Every figure of the report, in order."""
    figs = observable_figures(obs_g, obs_r, names, edges, bands)
    if gen.pixelmaps is not None and ref.pixelmaps is not None and summaries is not None:
        # two-view pixel maps (CaloChallenge showers, summaries None, get observable histograms only)
        section = "Pixel maps"
        figs.append(
            Figure(
                section,
                "reference (left) and generated (right) events, both views, log colour scale",
                P.plot_event_grid(ref.pixelmaps, gen.pixelmaps),
            )
        )
        figs.append(
            Figure(
                section,
                "mean images and their ratio",
                P.plot_mean_images(summaries[1].mean_image, summaries[0].mean_image),
            )
        )
        g, r = summaries
        figs.append(
            Figure(
                section,
                "mean longitudinal and transverse energy profiles (standard errors)",
                P.plot_profiles(r, g),
            )
        )
        if g.pixel_spectrum.size and r.pixel_spectrum.size:
            figs.append(
                Figure(
                    section,
                    "pixel-intensity spectrum (non-zero cells)",
                    P.plot_pixel_spectrum(r.pixel_spectrum, g.pixel_spectrum),
                )
            )
    for run in run_dirs:
        figs.extend(run_figures(run))
    return figs
