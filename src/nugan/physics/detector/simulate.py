"""``simulate_detector``: final-state particles → two-view pixel maps and reconstructed-level columns.

Each event gets its own random stream, ``np.random.default_rng([seed, i])`` for event index i,
so the output does not depend on how the events are batched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nugan.data.eventset import EventSet, ParticleStatus, particles_to_offsets
from nugan.errors import ConfigError, SchemaError
from nugan.physics.detector.config import DetectorConfig, get_detector_config
from nugan.physics.detector.geometry import Detector, build_detector
from nugan.physics.detector.readout import Hits, digitise, find_window, noise_hits, pixel_map
from nugan.physics.detector.secondaries import Particles, mass_of
from nugan.physics.detector.transport import transport_event

VERTEX_COLUMNS = ("vtx_x_cm", "vtx_y_cm", "vtx_z_cm")
OUTPUT_COLUMNS = ("vis_e_gev", "n_hits", "longest_track_cm", "n_planes", "dep_e_gev")


def event_particles(pdg: np.ndarray, p4: np.ndarray, vertex_cm: np.ndarray) -> Particles:
    """Particles (kinetic energy, unit direction) at the vertex from pdg codes and (n, 4) [px, py, pz, E]."""
    p3 = p4[:, :3]
    pn = np.linalg.norm(p3, axis=1)
    direc = np.where(pn[:, None] > 0, p3 / np.maximum(pn, 1e-30)[:, None], np.array([0.0, 0.0, 1.0]))
    t = np.maximum(p4[:, 3] - mass_of(pdg), 0.0)
    return Particles(pdg.astype(np.int64), t, direc, np.repeat(vertex_cm[None, :], len(pdg), axis=0))


def simulate_one(
    det: Detector, rng: np.random.Generator, parts: Particles, vertex_cm: np.ndarray
) -> dict[str, Any]:
    """Transport, readout and pixel map of one event (particles already at the vertex)."""
    dep = transport_event(rng, det, parts)
    signal, dep_act_mev = digitise(rng, det, dep)
    window = find_window(det, signal, vertex_cm)
    hits = Hits.concatenate(signal, noise_hits(rng, det, window, signal))
    return {
        "pixelmap": pixel_map(det, hits, window),
        "vis_e_gev": float(hits.e_cal_mev.sum()) / 1000.0,
        "n_hits": len(hits.plane),
        "longest_track_cm": dep.longest_track_cm,
        "n_planes": len(np.unique(hits.plane)),
        "dep_e_gev": dep_act_mev / 1000.0,
        "hits": hits,
        "deposits": dep,
    }


def _sample_vertex(rng: np.random.Generator, det: Detector) -> np.ndarray:
    c = det.cfg
    xy = rng.uniform(-c.fiducial_xy_cm, c.fiducial_xy_cm, 2)
    z = rng.uniform(c.fiducial_z_min_cm, c.fiducial_z_max_cm)
    return np.array([xy[0], xy[1], z])


def simulate_detector(
    events: EventSet,
    preset: str | DetectorConfig | Mapping[str, Any] = "mini",
    seed: int = 0,
    *,
    start_index: int = 0,
) -> EventSet:
    """Pass the final-state particles (status 1) of each event through the detector.

    Arguments:
        events: events with particles; vertex columns ``vtx_x_cm, vtx_y_cm, vtx_z_cm`` are used
            when present, else vertices are drawn uniformly in the fiducial volume and stored.
        preset: ``"nova"`` (CVN window 100 planes × 80 cells per view), ``"mini"`` (32 × 32), a
            :class:`DetectorConfig` or a dict of its fields.
        seed: seed of the detector randomness (event i uses the stream ``[seed, start_index + i]``).
        start_index: index of the first event in the whole sample, so that a sample simulated in
            chunks gives the same result as in one go.

    Returns:
        the same events with ``pixelmaps`` (N, 2, planes, cells) float32 [MeV], the columns
        ``vis_e_gev, n_hits, longest_track_cm, n_planes, dep_e_gev`` (and the vertex columns) and
        ``attrs["detector"]`` = the configuration.

    Example:
        >>> import numpy as np
        >>> from nugan.data import EventSet, make_particles
        >>> parts = make_particles([1], [13], [0.0], [0.0], [1.0], [np.hypot(1.0, 0.1056583755)], [1])
        >>> out = simulate_detector(EventSet({"enu_gev": [2.0]}, particles=parts), "mini", seed=1)
        >>> out.pixelmaps.shape, bool(out.columns["longest_track_cm"][0] > 100)
        ((1, 2, 32, 32), True)
    """
    cfg = get_detector_config(preset)
    if seed < 0 or start_index < 0:
        raise ConfigError(f"the detector seed and start_index must be >= 0, got {seed}, {start_index}")
    if events.particles is None:
        raise SchemaError(
            "simulate_detector needs the events' particles (final state, status 1); these events have none"
        )
    det = build_detector(cfg)
    n = len(events)
    offsets, flat = particles_to_offsets(events.particles)
    final = flat["status"] == int(ParticleStatus.FINAL)
    p4_all = np.stack([flat["px"], flat["py"], flat["pz"], flat["e"]], axis=1)
    have_vtx = all(c in events.columns for c in VERTEX_COLUMNS)
    if not have_vtx and any(c in events.columns for c in VERTEX_COLUMNS):
        raise SchemaError(
            f"the events have only some of the vertex columns {list(VERTEX_COLUMNS)}; "
            "give all three (cm) or none (vertices are then drawn in the fiducial volume)"
        )
    vtx = (np.stack([np.asarray(events.columns[c], float) for c in VERTEX_COLUMNS], axis=1)
           if have_vtx else np.zeros((n, 3)))
    pm = np.zeros((n, 2, cfg.window_planes, cfg.window_cells), np.float32)
    cols = {name: np.zeros(n, np.int64 if name in ("n_hits", "n_planes") else float)
            for name in OUTPUT_COLUMNS}
    for i in range(n):
        rng = np.random.default_rng([seed, start_index + i])
        if not have_vtx:
            vtx[i] = _sample_vertex(rng, det)
        lo, hi = int(offsets[i]), int(offsets[i + 1])
        sel = final[lo:hi]
        parts = event_particles(flat["pdg"][lo:hi][sel], p4_all[lo:hi][sel], vtx[i])
        res = simulate_one(det, rng, parts, vtx[i])
        pm[i] = res["pixelmap"]
        for name in OUTPUT_COLUMNS:
            cols[name][i] = res[name]
    cols.update({c: vtx[:, k] for k, c in enumerate(VERTEX_COLUMNS)})
    attrs = dict(events.attrs)
    attrs["detector"] = cfg.to_dict()
    attrs["detector_seed"] = int(seed)
    attrs["detector_material"] = det.material.summary()
    return events.with_columns(**cols).with_parts(pixelmaps=pm, attrs=attrs)
