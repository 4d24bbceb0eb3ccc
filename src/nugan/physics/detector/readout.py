"""Readout: deposits → cell hits with calibrated energies, noise hits, and the CVN pixel map.

Per cell (``PHYSICS-REFERENCES.md`` §9):

1. Birks–Chou quenching of each deposit: ``dL = dE / (1 + k_B dE/dx + k_C (dE/dx)²)``
   (J. B. Birks, Proc. Phys. Soc. A 64 (1951) 874; Chou's second-order term; the NOvA-tuned
   constants were not found, so ``k_B`` is a parameter, default 0.0125 cm/MeV, and ``k_C`` = 0).
2. Light collected at the readout end: ``Y0 · dL · A(d)``, with the two-exponential fibre curve
   ``A(x) = 0.3137 e^{−x/289.5 cm} + 0.1669 e^{−x/852.3 cm}`` (NOvA PhotonTransport), a looped fibre
   (half the light travels d, half 2L − d) and Y0 set so that a MIP crossing one plane at the far
   end of a 15.5 m cell gives 25 photo-electrons on average.
3. Photo-electrons: Poisson; electronics noise: Gaussian (``noise_pe``); a hit needs more than
   ``threshold_pe``.
4. Calibration back to MeV: divide by ``Y0 A(d)`` with d the energy-weighted position of the light
   along the cell (NOvA corrects attenuation with the position measured in the other view) and
   multiply by the Birks factor of a MIP, so a MIP's calibrated energy equals its scintillator
   deposit. Optional 8-bit quantisation (256 levels up to ``quant_max_mev``).

Noise hits: every channel of the readout window around the event (the region a time slice would
keep) fires with probability ``Q(threshold/noise)`` (Gaussian tail), with a PE value drawn from
that tail and calibrated at the cell centre.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import ndtri

from nugan.physics.detector.geometry import Detector
from nugan.physics.detector.transport import Deposits


@dataclasses.dataclass
class Hits:
    plane: np.ndarray  # (h,) int
    cell: np.ndarray  # (h,) int
    e_cal_mev: np.ndarray  # (h,) calibrated energy

    @staticmethod
    def concatenate(a: Hits, b: Hits) -> Hits:
        return Hits(np.concatenate([a.plane, b.plane]), np.concatenate([a.cell, b.cell]),
                    np.concatenate([a.e_cal_mev, b.e_cal_mev]))


def birks_factor(det: Detector, dedx_mev_cm: np.ndarray) -> np.ndarray:
    """Denominator of Birks–Chou's law, ``1 + k_B dE/dx + k_C (dE/dx)²``."""
    c = det.cfg
    return 1.0 + c.birks_kb_cm_per_mev * dedx_mev_cm + c.birks_kc_cm2_per_mev2 * dedx_mev_cm**2


def quantise(det: Detector, e_mev: np.ndarray) -> np.ndarray:
    if not det.cfg.quantise_8bit:
        return e_mev
    step = det.cfg.quant_max_mev / 255.0
    return np.clip(np.round(e_mev / step), 0, 255) * step


def digitise(rng: np.random.Generator, det: Detector, dep: Deposits) -> tuple[Hits, float]:
    """Signal hits of one event and its true scintillator deposit inside the detector [MeV]."""
    cfg = det.cfg
    plane, cell, dist, inside = det.channel(dep.pos_cm)
    if not np.any(inside):
        empty = np.zeros(0, np.int64)
        return Hits(empty, empty, np.zeros(0)), 0.0
    plane, cell, dist = plane[inside], cell[inside], dist[inside]
    e_act = dep.e_act_mev[inside]
    light = e_act / birks_factor(det, dep.dedx_scint_mev_cm[inside])
    ch = plane * cfg.n_cells + cell
    uniq, inv = np.unique(ch, return_inverse=True)
    lsum = np.bincount(inv, light, len(uniq))
    dmean = np.bincount(inv, light * dist, len(uniq)) / np.maximum(lsum, 1e-30)
    att = det.attenuation(dmean, 2.0 * cfg.half_width_cm)
    gain = det.yield_pe_per_mev * att
    pe = rng.poisson(lsum * gain) + cfg.noise_pe * rng.standard_normal(len(uniq))
    hit = pe > cfg.threshold_pe
    e_cal = quantise(det, pe[hit] / gain[hit] * det.birks_mip)
    return Hits(uniq[hit] // cfg.n_cells, uniq[hit] % cfg.n_cells, e_cal), float(e_act.sum())


@dataclasses.dataclass(frozen=True)
class Window:
    """The CVN window: per view, first plane (global index) and first cell."""

    plane0: tuple[int, int]
    cell0: tuple[int, int]


def find_window(det: Detector, hits: Hits, vertex_cm: np.ndarray) -> Window:
    """First hit plane and, per view, cells centred on the median hit cell (vertex if no hit)."""
    cfg = det.cfg
    if len(hits.plane):
        p0 = int(hits.plane.min())
    else:
        p0 = int(np.clip(np.floor(vertex_cm[2] / cfg.plane_pitch_cm), 0, cfg.n_planes - 1))
    planes = (p0 if p0 % 2 == 0 else p0 + 1, p0 if p0 % 2 == 1 else p0 + 1)
    cells = []
    for view in (0, 1):
        sel = (hits.plane % 2) == view
        if np.any(sel):
            med = int(np.floor(np.median(hits.cell[sel])))
        else:
            med = int(np.floor(vertex_cm[view] / cfg.cell_pitch_cm + 0.5 * cfg.n_cells))
        cells.append(med - cfg.window_cells // 2)
    return Window(planes, (cells[0], cells[1]))


def noise_hits(rng: np.random.Generator, det: Detector, window: Window, signal: Hits) -> Hits:
    """Noise hits in the window's channels that hold no signal hit."""
    cfg = det.cfg
    empty = Hits(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if cfg.noise_pe <= 0:
        return empty
    p_fire = noise_probability(det)
    n_ch = 2 * cfg.window_planes * cfg.window_cells
    n = int(rng.binomial(n_ch, p_fire))
    if n == 0:
        return empty
    idx = rng.choice(n_ch, size=n, replace=False)
    view = idx // (cfg.window_planes * cfg.window_cells)
    rest = idx % (cfg.window_planes * cfg.window_cells)
    plane = np.asarray(window.plane0)[view] + 2 * (rest // cfg.window_cells)
    cell = np.asarray(window.cell0)[view] + rest % cfg.window_cells
    keep = (plane < cfg.n_planes) & (cell >= 0) & (cell < cfg.n_cells)
    if len(signal.plane):
        keep &= ~np.isin(plane * cfg.n_cells + cell, signal.plane * cfg.n_cells + signal.cell)
    pe = -cfg.noise_pe * ndtri(p_fire * rng.random(n))
    gain = det.yield_pe_per_mev * det.attenuation(np.full(n, cfg.half_width_cm), 2.0 * cfg.half_width_cm)
    e_cal = quantise(det, pe / gain * det.birks_mip)
    return Hits(plane[keep], cell[keep], e_cal[keep])


def _q(z: float) -> float:
    from math import erfc, sqrt

    return 0.5 * erfc(z / sqrt(2.0))


def noise_probability(det: Detector) -> float:
    """Probability that a channel without signal fires: Q(threshold / noise)."""
    if det.cfg.noise_pe <= 0:
        return 0.0
    return _q(det.cfg.threshold_pe / det.cfg.noise_pe)


def pixel_map(det: Detector, hits: Hits, window: Window) -> np.ndarray:
    """(2, window_planes, window_cells) float32 map of calibrated energy [MeV]; zero elsewhere."""
    cfg = det.cfg
    out = np.zeros((2, cfg.window_planes, cfg.window_cells), np.float32)
    view = hits.plane % 2
    lp = (hits.plane - np.asarray(window.plane0)[view]) // 2
    lc = hits.cell - np.asarray(window.cell0)[view]
    ok = (lp >= 0) & (lp < cfg.window_planes) & (lc >= 0) & (lc < cfg.window_cells)
    np.add.at(out, (view[ok], lp[ok], lc[ok]), hits.e_cal_mev[ok].astype(np.float32))
    return out
