"""Event display: the two views of a pixel map drawn like NOvA's displays (matplotlib, imported lazily).

Each view is drawn in detector units: the horizontal axis is z (planes × plane pitch from the
first plane of the window), the vertical axis the transverse coordinate (cells × cell pitch); cells
are coloured by calibrated energy on a white background, empty cells are left blank.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from nugan.data.eventset import EventSet

PDG_NAMES = {13: "μ⁻", -13: "μ⁺", 11: "e⁻", -11: "e⁺", 12: "νe", -12: "ν̄e", 14: "νμ", -14: "ν̄μ"}


def truth_summary(events: EventSet, index: int) -> str:
    """One or two lines describing event ``index`` from the columns it has."""
    c = {k: v[index] for k, v in events.columns.items()}
    parts = [f"event {index}"]
    if "nu_pdg" in c and "enu_gev" in c:
        nu = PDG_NAMES.get(int(c["nu_pdg"]), str(int(c["nu_pdg"])))
        parts.append(f"{nu} {float(c['enu_gev']):.2f} GeV")
    elif "enu_gev" in c:
        parts.append(f"Eν {float(c['enu_gev']):.2f} GeV")
    if "mode" in c:
        try:
            from nugan.physics.modes import Mode

            parts.append(Mode(int(c["mode"])).name)
        except (ImportError, ValueError):
            parts.append(f"mode {int(c['mode'])}")
    elif events.labels is not None and events.label_names:
        parts.append(events.label_names[int(events.labels[index])])
    if "lep_pdg" in c and "lep_e_gev" in c and int(c["lep_pdg"]) in PDG_NAMES:
        parts.append(f"→ {PDG_NAMES[int(c['lep_pdg'])]} {float(c['lep_e_gev']):.2f} GeV")
    reco = []
    if "vis_e_gev" in c:
        reco.append(f"visible {float(c['vis_e_gev']):.2f} GeV")
    if "n_hits" in c:
        reco.append(f"{int(c['n_hits'])} hits")
    if "longest_track_cm" in c:
        reco.append(f"longest track {float(c['longest_track_cm']):.0f} cm")
    line = ", ".join(parts)
    return line + ("\n" + ", ".join(reco) if reco else "")


def draw_event(
    pixelmap: np.ndarray,
    title: str,
    path: str | os.PathLike[str],
    detector: Mapping[str, Any] | None = None,
) -> None:
    """Draw the (2, planes, cells) map of one event into a PNG at ``path`` (atomically).

    Arguments:
        pixelmap: calibrated energy per cell [MeV], view 0 = XZ, view 1 = YZ.
        title: the truth summary.
        detector: the detector config dict (for the pitches); NOvA pitches when None.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    from nugan._atomic import atomic_path

    det = dict(detector or {})
    dz = 2.0 * float(det.get("plane_pitch_cm", 6.66))  # planes of one view are every other plane
    dc = float(det.get("cell_pitch_cm", 3.9))
    pm = np.asarray(pixelmap, dtype=float)
    n_planes, n_cells = pm.shape[1], pm.shape[2]
    positive = pm[pm > 0]
    vmax = float(positive.max()) if positive.size else 1.0
    vmin = max(float(positive.min()) if positive.size else 0.1, vmax * 1e-3, 0.1)
    norm = LogNorm(vmin=vmin, vmax=max(vmax, vmin * 1.01))
    width = 10.0
    height = 2 * 0.8 * width * (n_cells * dc) / (n_planes * dz) + 1.4
    fig, axes = plt.subplots(2, 1, figsize=(width, min(max(height, 3.5), 9.0)), sharex=True,
                             layout="constrained")
    mesh = None
    for view, ax in enumerate(axes):
        data = np.ma.masked_less_equal(pm[view].T, 0.0)
        mesh = ax.pcolormesh(np.arange(n_planes + 1) * dz, np.arange(n_cells + 1) * dc, data,
                             cmap="turbo", norm=norm, shading="flat")
        ax.set_facecolor("white")
        ax.set_ylabel(("x" if view == 0 else "y") + " in window (cm)")
        ax.set_aspect("equal")
        ax.text(0.01, 0.92, "XZ view" if view == 0 else "YZ view", transform=ax.transAxes, fontsize=9)
    axes[-1].set_xlabel("z from the first hit plane (cm)")
    fig.suptitle(title, fontsize=10)
    if mesh is not None:
        fig.colorbar(mesh, ax=list(axes), label="calibrated energy per cell (MeV)", shrink=0.95, pad=0.01)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
