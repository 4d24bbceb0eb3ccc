"""Synthetic EventSets with known differences, for tests, benchmarks and demonstrations of the metrics.

:func:`toy_events` draws events with neutrino-like columns, final-state particles and
two-view pixel maps from simple distributions whose parameters can be distorted
(``shift``: energy scale, ``width``: resolution, ``drop_mode``: a missing event class),
so that a "broken generator" is one call away.
"""

from __future__ import annotations

import numpy as np

from nugan.data.eventset import EventSet, ParticleStatus, make_particles, provenance


def _showers(
    rng: np.random.Generator, e: np.ndarray, length: np.ndarray, shape: tuple[int, int, int], width: float
) -> np.ndarray:
    """Track-plus-blob pixel maps: energy ``e`` deposited along ``length`` planes from a random start."""
    views, planes, cells = shape
    n = len(e)
    pm = np.zeros((n, views, planes, cells), dtype=np.float32)
    start = rng.integers(0, max(planes // 4, 1), size=n)
    centre = rng.normal(cells / 2, cells / 10, size=(n, views))
    p_idx = np.arange(planes)[None, :]
    along = (p_idx >= start[:, None]) & (p_idx < (start + length)[:, None])  # (N, planes)
    c_idx = np.arange(cells)[None, None, :]
    prof = np.exp(-0.5 * ((c_idx - centre[:, :, None]) / (1.0 + width)) ** 2)  # (N, V, cells)
    img = along[:, None, :, None] * prof[:, :, None, :]
    norm = img.sum(axis=(2, 3), keepdims=True)
    img = img / np.where(norm > 0, norm, 1.0) * (e[:, None, None, None] / views) * 1000.0  # MeV
    noise = rng.exponential(1.0, size=img.shape) * (img > 0.5)
    pm[:] = np.where(img > 0.5, img * rng.gamma(20.0, 1 / 20.0, size=img.shape) + noise, 0.0)
    return pm


def toy_events(
    n: int,
    seed: int = 0,
    shift: float = 0.0,
    width: float = 1.0,
    drop_mode: int | None = None,
    particles: bool = True,
    pixelmaps: bool = True,
    image_shape: tuple[int, int, int] = (2, 32, 32),
) -> EventSet:
    """A synthetic sample of ``n`` neutrino-like events.

    Arguments:
        n: number of events.
        seed: random seed.
        shift: relative shift of the energy scale (0.1 = +10%).
        width: factor on the spread of the energy and of the shower width.
        drop_mode: a ``mode`` value (1–3) whose events are replaced by the others (missing mode).
        particles, pixelmaps: include these parts.
        image_shape: ``(views, planes, cells)`` of the pixel maps.

    Example:
        >>> ev = toy_events(100, seed=1)
        >>> len(ev), ev.pixelmaps.shape
        (100, (100, 2, 32, 32))
    """
    rng = np.random.default_rng(seed)
    modes = rng.choice([1, 2, 3], size=n, p=[0.5, 0.2, 0.3])
    if drop_mode is not None:
        keep = [m for m in (1, 2, 3) if m != drop_mode]
        modes = np.where(modes == drop_mode, rng.choice(keep, size=n), modes)
    enu = rng.gamma(4.0, 0.5, size=n)
    enu = np.mean(enu) + (enu - np.mean(enu)) * width
    enu = np.clip(enu * (1 + shift), 0.2, None)
    y = rng.beta(1.2, 3.0, size=n)
    lep_e = enu * (1 - y)
    costh = np.clip(1 - rng.exponential(0.15, size=n), -1, 1)
    lep_p = np.sqrt(np.clip(lep_e**2 - 0.10566**2, 0, None))
    q2 = 2 * enu * (lep_e - lep_p * costh) - 0.10566**2
    columns = {
        "enu_gev": enu,
        "mode": modes.astype(np.int32),
        "is_cc": np.ones(n, dtype=bool),
        "y": y,
        "q2_gev2": np.clip(q2, 0, None),
        "lep_e_gev": lep_e,
        "lep_costheta": costh,
        "nu_pdg": np.full(n, 14, dtype=np.int32),
    }
    parts = None
    if particles:
        n_had = np.where(modes == 1, 1, rng.integers(1, 4, size=n))
        counts = 2 + n_had
        phi = rng.uniform(0, 2 * np.pi, size=n)
        sinth = np.sqrt(1 - costh**2)
        slots = 5  # neutrino, muon, up to 3 hadrons
        pdg = np.zeros((n, slots))
        p4 = np.zeros((n, slots, 4))
        status = np.full((n, slots), int(ParticleStatus.FINAL))
        pdg[:, 0], status[:, 0] = 14, int(ParticleStatus.INITIAL)
        p4[:, 0] = np.stack([0 * enu, 0 * enu, enu, enu], axis=1)
        pdg[:, 1] = 13
        p4[:, 1] = np.stack(
            [lep_p * sinth * np.cos(phi), lep_p * sinth * np.sin(phi), lep_p * costh, lep_e], 1
        )
        had_e = enu * y / n_had
        for k in range(3):
            kind = np.full(n, 2212) if k == 0 else rng.choice([211, -211, 111], size=n)
            mass = np.where(kind == 2212, 0.938, 0.1396)
            p = np.sqrt(np.clip((had_e + mass) ** 2 - mass**2, 0, None))
            direction = rng.normal(size=(n, 3))
            direction /= np.linalg.norm(direction, axis=1, keepdims=True)
            pdg[:, 2 + k] = kind
            p4[:, 2 + k, :3] = p[:, None] * direction
            p4[:, 2 + k, 3] = had_e + mass
        used = np.arange(slots)[None, :] < counts[:, None]
        flat = p4[used]
        parts = make_particles(
            counts, pdg[used], flat[:, 0], flat[:, 1], flat[:, 2], flat[:, 3], status[used]
        )
    pix = None
    if pixelmaps:
        length = np.clip((lep_e * 6).astype(int) + 2, 1, image_shape[1])
        pix = _showers(rng, enu, length, image_shape, width)
    return EventSet(
        columns,
        parts,
        pix,
        attrs=provenance({"toy": {"shift": shift, "width": width, "drop_mode": drop_mode}}, seed=seed),
    )
