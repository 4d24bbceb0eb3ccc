"""Synthetic two-view detector images with known classes and energies.

Three toy topologies are drawn into ``(2, H, W)`` maps (two views, planes × cells),
in MeV per cell, with a total deposited energy proportional to the true neutrino
energy:

* ``numu_cc``: a long thin straight track (the muon) plus a small hadronic blob;
* ``nue_cc``: a wide, short electromagnetic shower that fans out downstream;
* ``nc``: a diffuse hadronic blob with no lepton.

They let the uncertainty methods and their tests run without the physics chain.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nugan.data import EventSet, provenance

TOY_CLASSES: tuple[str, ...] = ("numu_cc", "nue_cc", "nc")


def _deposit(img: np.ndarray, rows: np.ndarray, cols: np.ndarray, energy_mev: np.ndarray) -> None:
    """Add ``energy_mev`` at (rows, cols) of ``img`` (H, W), dropping points outside."""
    h, w = img.shape
    r = np.round(rows).astype(int)
    c = np.round(cols).astype(int)
    ok = (r >= 0) & (r < h) & (c >= 0) & (c < w)
    np.add.at(img, (r[ok], c[ok]), energy_mev[ok])


def _track(
    rng: np.random.Generator, img: np.ndarray, r0: float, c0: float, length: float, e_mev: float
) -> None:
    n = max(int(length * 3), 2)
    t = np.linspace(0.0, length, n)
    _deposit(img, r0 + t, c0 + rng.normal(0.0, 0.3) * t, np.full(n, e_mev / n))


def _shower(rng: np.random.Generator, img: np.ndarray, r0: float, c0: float, e_mev: float) -> None:
    m = 150
    depth = rng.gamma(3.0, 1.6, m)
    lateral = rng.normal(0.0, 0.4 + 0.3 * depth, m) + rng.normal(0, 0.3) * depth
    _deposit(img, r0 + depth, c0 + lateral, np.full(m, e_mev / m))


def _draw_view(
    rng: np.random.Generator,
    kind: str,
    enu_gev: float,
    y: float,
    shape: tuple[int, int],
    vertex: tuple[float, float],
) -> np.ndarray:
    """One view of one toy event. Rows are planes (beam direction), columns are cells.

    A hadronic blob carries the fraction ``y`` of the visible energy and the lepton the rest
    (none for NC, whose hadronic system may hold a π0 shower or a pion track): at high ``y``
    the classes become genuinely ambiguous.
    """
    h = shape[0]
    img = np.zeros(shape, dtype=np.float64)
    r0, c0 = vertex
    total_mev = 1000.0 * enu_gev * rng.uniform(0.55, 0.75)
    had_mev = y * total_mev
    m = 30
    spread = 0.8 + 1.2 * y
    _deposit(
        img,
        r0 + np.abs(rng.normal(0, spread, m)),
        c0 + rng.normal(0, spread, m),
        had_mev / m * rng.exponential(1.0, m),
    )
    lep_mev = total_mev - had_mev
    if kind == "numu_cc":
        _track(rng, img, r0, c0, min(h - r0, 1.0 + 8.0 * enu_gev * (1 - y)), lep_mev)
    elif kind == "nue_cc":
        _shower(rng, img, r0, c0, lep_mev)
    else:  # nc: part of the hadronic energy may show as a π0 shower or a pion track
        u = rng.random()
        if u < 0.35:
            _shower(rng, img, r0 + rng.exponential(1.5), c0, 0.5 * lep_mev)
        elif u < 0.6:
            _track(rng, img, r0, c0, min(h - r0, rng.uniform(2, 12)), 0.3 * lep_mev)
    img *= rng.uniform(0.9, 1.1, size=img.shape) * (img > 0)
    return img


def make_toy_events(
    n: int,
    seed: int,
    image_shape: tuple[int, int, int] = (2, 32, 32),
    classes: Sequence[str] = TOY_CLASSES,
    enu_range_gev: tuple[float, float] = (0.5, 4.0),
    noise_mev: float = 0.5,
) -> EventSet:
    """Draw ``n`` toy two-view events of the given classes (equal shares).

    Arguments:
        n: number of events.
        seed: random seed (same seed → same events).
        image_shape: ``(2, planes, cells)``.
        classes: subset of :data:`TOY_CLASSES`; labels index into ``TOY_CLASSES`` so that
            a set drawn with fewer classes keeps the full three-class naming.
        enu_range_gev: uniform range of the true energy.
        noise_mev: mean of the exponential electronics noise added to a few random cells.

    Returns:
        An EventSet with ``pixelmaps`` (MeV per cell), ``labels``/``label_names`` and the
        columns ``enu_gev``, ``is_cc``, ``vis_e_gev``.

    Example:
        >>> ev = make_toy_events(6, seed=1)
        >>> ev.pixelmaps.shape, sorted(set(ev.labels.tolist()))
        ((6, 2, 32, 32), [0, 1, 2])
    """
    unknown = [c for c in classes if c not in TOY_CLASSES]
    if unknown:
        raise ValueError(f"unknown toy class(es) {unknown}; choose from {list(TOY_CLASSES)}")
    rng = np.random.default_rng(seed)
    c, h, w = image_shape
    label_ids = np.array([TOY_CLASSES.index(k) for k in classes])
    labels = label_ids[np.arange(n) % len(label_ids)]
    rng.shuffle(labels)
    enu = rng.uniform(*enu_range_gev, size=n)
    inelasticity = rng.beta(1.0, 1.6, size=n)
    pix = np.zeros((n, c, h, w), dtype=np.float32)
    for i in range(n):
        kind = TOY_CLASSES[labels[i]]
        vertex_row = rng.uniform(1, h / 4)
        for v in range(c):
            vertex = (vertex_row, rng.uniform(w / 3, 2 * w / 3))
            pix[i, v] = _draw_view(rng, kind, float(enu[i]), float(inelasticity[i]), (h, w), vertex)
        hits = rng.random(size=(c, h, w)) < 0.01
        pix[i] += (hits * rng.exponential(noise_mev, size=(c, h, w))).astype(np.float32)
    return EventSet(
        columns={
            "enu_gev": enu,
            "y": inelasticity,
            "is_cc": labels != TOY_CLASSES.index("nc"),
            "vis_e_gev": pix.sum(axis=(1, 2, 3)).astype(np.float64) / 2000.0,
        },
        pixelmaps=pix,
        labels=labels,
        label_names=list(TOY_CLASSES),
        attrs=provenance(
            {
                "source": "nugan.uncertainty.toy",
                "classes": list(classes),
                "enu_range_gev": list(enu_range_gev),
                "noise_mev": noise_mev,
            },
            seed=seed,
        ),
    )
