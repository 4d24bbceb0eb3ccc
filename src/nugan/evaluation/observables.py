"""Physics observables of an EventSet: per-event quantities that metrics and plots compare.

* Tables: every numeric column, plus quantities derived from the final-state particles
  where present (:func:`particle_observables`): Q² and W recomputed from the lepton,
  invariant masses of particle pairs, transverse momenta, multiplicities.
* NOvA-like two-view pixel maps (:func:`pixelmap_observables`): visible energy (total
  and per view), hit cells, energy-weighted centroids and widths per view, plane extent,
  a longest-track proxy, sparsity; plus non-scalar summaries (:func:`pixelmap_summaries`):
  longitudinal and transverse profiles, the pixel-intensity spectrum and the mean image.
* CaloChallenge showers ``(N, layers, α bins, r bins)`` (:func:`shower_observables`):
  layer energies, centroids, widths and sparsity per layer.

Every observable is a float64 array of length N (NaN where undefined, e.g. the mass of
a proton–pion pair in an event without pion).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np

from nugan.data.eventset import EventSet, ParticleStatus
from nugan.physics.constants import M_NUCLEON

CHARGED_LEPTONS = (11, 13, 15)
NEUTRINOS = (12, 14, 16)
CHARGED_PIONS = (211, -211)
KAONS = (321, -321, 311, -311, 130, 310)


# ------------------------------------------------------------------------------ tables
def column_observables(events: EventSet) -> dict[str, np.ndarray]:
    """Every numeric (or boolean) column as float64."""
    out: dict[str, np.ndarray] = {}
    for name, arr in events.columns.items():
        if np.issubdtype(arr.dtype, np.number) or arr.dtype == bool:
            out[name] = arr.astype(np.float64)
    return out


def _p4_sum(parts: ak.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return tuple(ak.to_numpy(ak.sum(parts[f], axis=1)).astype(np.float64) for f in ("px", "py", "pz", "e"))  # type: ignore[return-value]


def _mass(px: np.ndarray, py: np.ndarray, pz: np.ndarray, e: np.ndarray) -> np.ndarray:
    m2 = e**2 - px**2 - py**2 - pz**2
    return np.sqrt(np.clip(m2, 0, None))


def _leading(parts: ak.Array, mask: ak.Array) -> ak.Array:
    """The highest-energy particle of each event among ``mask`` (None where there is none)."""
    sel = parts[mask]
    idx = ak.argmax(sel.e, axis=1, keepdims=True)
    return ak.firsts(sel[idx])


def _field(rec: ak.Array, name: str) -> np.ndarray:
    return ak.to_numpy(ak.fill_none(rec[name], np.nan)).astype(np.float64)


def particle_observables(particles: ak.Array) -> dict[str, np.ndarray]:
    """Observables from the particle table (final state: status FINAL; beam along +z).

    The primary lepton is the highest-energy final-state charged lepton, or, in events
    without one (NC), the highest-energy final-state neutrino. With the incoming neutrino
    (status INITIAL) present, ``q2_reco_gev2`` = −(p_ν − p_ℓ)² and
    ``w_reco_gev`` = √(M² + 2Mν − Q²) for a free nucleon at rest (M = nucleon mass,
    ν = E_ν − E_ℓ). Masses: ``m_had_gev`` (all final-state hadrons),
    ``m_p_pi_gev`` (leading proton + leading charged pion, the Δ(1232) peak),
    ``m_lep_p_gev`` (lepton + leading proton). Transverse momenta: ``lep_pt_gev``,
    ``had_pt_gev`` (vector sum of the hadrons), ``missing_pt_gev`` (all final-state
    particles: Fermi motion and FSI). Multiplicities ``n_final``, ``n_proton``,
    ``n_neutron``, ``n_pi_charged``, ``n_pi0``, ``n_gamma``, ``n_kaon``; leading momenta
    ``p_proton_gev``, ``p_pi_gev``.

    Example:
        >>> from nugan.data import make_particles
        >>> parts = make_particles([3], pdg=[14, 13, 2212], px=[0, 0.3, -0.3], py=[0, 0, 0],
        ...                        pz=[2.0, 1.2, 0.5], e=[2.0, 1.2483, 1.1062], status=[0, 1, 1])
        >>> obs = particle_observables(parts)
        >>> round(float(obs["lep_pt_gev"][0]), 3), int(obs["n_proton"][0])
        (0.3, 1)
    """
    fs = particles[particles.status == int(ParticleStatus.FINAL)]
    apdg = abs(fs.pdg)
    is_cl = (apdg == 11) | (apdg == 13) | (apdg == 15)
    is_nu = (apdg == 12) | (apdg == 14) | (apdg == 16)
    has_cl = ak.to_numpy(ak.any(is_cl, axis=1))
    lep_cl = _leading(fs, is_cl)
    lep_nu = _leading(fs, is_nu)
    lep = {f: np.where(has_cl, _field(lep_cl, f), _field(lep_nu, f)) for f in ("px", "py", "pz", "e")}
    # hadronic system: every final-state particle except the leptons (photons included)
    is_lep = is_cl | is_nu
    had = fs[~is_lep]
    out: dict[str, np.ndarray] = {}
    count = {
        "n_final": fs.pdg == fs.pdg,
        "n_proton": fs.pdg == 2212,
        "n_neutron": fs.pdg == 2112,
        "n_pi_charged": apdg == 211,
        "n_pi0": fs.pdg == 111,
        "n_gamma": fs.pdg == 22,
        "n_kaon": (apdg == 321) | (apdg == 311) | (apdg == 130) | (apdg == 310),
    }
    for name, mask in count.items():
        out[name] = ak.to_numpy(ak.sum(mask, axis=1)).astype(np.float64)
    out["lep_pt_gev"] = np.hypot(lep["px"], lep["py"])
    hpx, hpy, hpz, he = _p4_sum(had)
    out["had_pt_gev"] = np.hypot(hpx, hpy)
    out["m_had_gev"] = np.where(ak.to_numpy(ak.num(had)) > 0, _mass(hpx, hpy, hpz, he), np.nan)
    fpx, fpy, _, _ = _p4_sum(fs)
    out["missing_pt_gev"] = np.hypot(fpx, fpy)
    prot = _leading(fs, fs.pdg == 2212)
    pion = _leading(fs, apdg == 211)
    pp = {f: _field(prot, f) for f in ("px", "py", "pz", "e")}
    pi = {f: _field(pion, f) for f in ("px", "py", "pz", "e")}
    out["p_proton_gev"] = np.sqrt(pp["px"] ** 2 + pp["py"] ** 2 + pp["pz"] ** 2)
    out["p_pi_gev"] = np.sqrt(pi["px"] ** 2 + pi["py"] ** 2 + pi["pz"] ** 2)
    out["m_p_pi_gev"] = _mass(*(pp[f] + pi[f] for f in ("px", "py", "pz", "e")))
    out["m_lep_p_gev"] = _mass(*(pp[f] + lep[f] for f in ("px", "py", "pz", "e")))
    # NaN propagates through _mass where a particle is missing: np.sqrt(clip(nan)) = nan
    init = particles[
        (particles.status == int(ParticleStatus.INITIAL))
        & ((abs(particles.pdg) == 12) | (abs(particles.pdg) == 14) | (abs(particles.pdg) == 16))
    ]
    if ak.any(ak.num(init) > 0):
        nu = ak.firsts(init)
        nupx, nupy, nupz, nue = (_field(nu, f) for f in ("px", "py", "pz", "e"))
        qx, qy, qz, q0 = nupx - lep["px"], nupy - lep["py"], nupz - lep["pz"], nue - lep["e"]
        q2 = -(q0**2 - qx**2 - qy**2 - qz**2)
        out["q2_reco_gev2"] = q2
        out["w_reco_gev"] = np.sqrt(np.clip(M_NUCLEON**2 + 2 * M_NUCLEON * q0 - q2, 0, None))
    return out


# -------------------------------------------------------------------------- pixel maps
def _moments(w: np.ndarray, axis_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Energy-weighted mean and standard deviation of the index along the last axis; w: (N, L)."""
    pos = np.arange(axis_len, dtype=np.float64)
    tot = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (w * pos).sum(axis=1) / tot
        var = (w * pos**2).sum(axis=1) / tot - mean**2
    return mean, np.sqrt(np.clip(var, 0, None))


def _first_last(hit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last index with a hit along the last axis (NaN where none); hit: (N, L) bool."""
    any_hit = hit.any(axis=1)
    first = np.where(any_hit, hit.argmax(axis=1), np.nan)
    last = np.where(any_hit, hit.shape[1] - 1 - hit[:, ::-1].argmax(axis=1), np.nan)
    return first, last


CHUNK_EVENTS = 2048  # pixel maps are processed in blocks of this many events (bounded memory)


def pixelmap_observables(pixelmaps: np.ndarray, threshold: float = 0.0) -> dict[str, np.ndarray]:
    """Scalar observables of two-view pixel maps ``(N, views, planes, cells)`` (energy per cell).

    Planes run along the beam (longitudinal), cells across it (transverse). A cell is hit
    if its energy exceeds ``threshold``. Per view ``v``: ``vis_e_v{v}``, ``n_hits_v{v}``,
    ``centroid_plane_v{v}``, ``centroid_cell_v{v}``, ``width_plane_v{v}``,
    ``width_cell_v{v}`` (energy-weighted, in cell units; NaN for an empty view),
    ``first_plane_v{v}``, ``plane_extent_v{v}`` (last − first hit plane + 1; 0 if empty).
    Whole event: ``vis_e``, ``n_hits``, ``plane_extent`` (max over views),
    ``longest_track_proxy`` (max over views of the diagonal of the hit bounding box, in
    cell units), ``sparsity`` (fraction of non-zero cells, the CaloChallenge definition),
    ``max_cell_e``.

    Example:
        >>> pm = np.zeros((1, 2, 4, 3)); pm[0, 0, 1, 2] = 2.0; pm[0, 0, 3, 2] = 2.0
        >>> obs = pixelmap_observables(pm)
        >>> [float(obs[k][0]) for k in ("vis_e", "centroid_plane_v0", "plane_extent")]
        [4.0, 2.0, 3.0]
    """
    n = len(pixelmaps)
    if n > CHUNK_EVENTS:
        blocks = [
            _pixelmap_block(pixelmaps[i : i + CHUNK_EVENTS], threshold) for i in range(0, n, CHUNK_EVENTS)
        ]
        return {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    return _pixelmap_block(pixelmaps, threshold)


def _pixelmap_block(pixelmaps: np.ndarray, threshold: float) -> dict[str, np.ndarray]:
    pm = np.asarray(pixelmaps, dtype=np.float64)
    n, n_views, n_planes, n_cells = pm.shape
    hit = pm > threshold
    out: dict[str, np.ndarray] = {
        "vis_e": pm.sum(axis=(1, 2, 3)),
        "n_hits": hit.sum(axis=(1, 2, 3)).astype(np.float64),
        "sparsity": (pm != 0).mean(axis=(1, 2, 3)),
        "max_cell_e": pm.reshape(n, -1).max(axis=1),
    }
    extents, diagonals = [], []
    for v in range(n_views):
        view, vhit = pm[:, v], hit[:, v]
        out[f"vis_e_v{v}"] = view.sum(axis=(1, 2))
        out[f"n_hits_v{v}"] = vhit.sum(axis=(1, 2)).astype(np.float64)
        long_prof, trans_prof = view.sum(axis=2), view.sum(axis=1)
        out[f"centroid_plane_v{v}"], out[f"width_plane_v{v}"] = _moments(long_prof, n_planes)
        out[f"centroid_cell_v{v}"], out[f"width_cell_v{v}"] = _moments(trans_prof, n_cells)
        p_first, p_last = _first_last(np.asarray(vhit.any(axis=2)))
        c_first, c_last = _first_last(np.asarray(vhit.any(axis=1)))
        extent = np.nan_to_num(p_last - p_first + 1, nan=0.0)
        out[f"first_plane_v{v}"] = p_first
        out[f"plane_extent_v{v}"] = extent
        extents.append(extent)
        diagonals.append(np.nan_to_num(np.hypot(p_last - p_first, c_last - c_first), nan=0.0))
    out["plane_extent"] = np.max(extents, axis=0)
    out["longest_track_proxy"] = np.max(diagonals, axis=0)
    return out


@dataclass
class ImageSummaries:
    """Non-scalar summaries of a pixel-map sample.

    ``longitudinal`` (views, planes) and ``transverse`` (views, cells): mean energy per
    plane / cell over events, with ``*_err`` their standard errors; ``mean_image``
    (C, H, W); ``pixel_spectrum``: non-zero cell energies (at most ``max_pixels``,
    subsampled with the given seed).
    """

    longitudinal: np.ndarray
    longitudinal_err: np.ndarray
    transverse: np.ndarray
    transverse_err: np.ndarray
    mean_image: np.ndarray
    pixel_spectrum: np.ndarray


def pixelmap_summaries(pixelmaps: np.ndarray, seed: int = 0, max_pixels: int = 200_000) -> ImageSummaries:
    """Profiles, mean image and pixel-intensity spectrum of ``(N, views, planes, cells)`` maps.

    Processed in blocks of :data:`CHUNK_EVENTS` events (float64 sums), so memory stays bounded.
    """
    n = len(pixelmaps)
    shape = pixelmaps.shape[1:]
    s_img = np.zeros(shape)
    s_lon, s2_lon = np.zeros(shape[:2]), np.zeros(shape[:2])
    s_tra, s2_tra = np.zeros((shape[0], shape[2])), np.zeros((shape[0], shape[2]))
    nonzero = []
    for i in range(0, n, CHUNK_EVENTS):
        pm = np.asarray(pixelmaps[i : i + CHUNK_EVENTS], dtype=np.float64)
        lon, tra = pm.sum(axis=3), pm.sum(axis=2)  # (B, V, planes), (B, V, cells)
        s_img += pm.sum(axis=0)
        s_lon += lon.sum(axis=0)
        s2_lon += (lon**2).sum(axis=0)
        s_tra += tra.sum(axis=0)
        s2_tra += (tra**2).sum(axis=0)
        nonzero.append(pm[pm != 0])
    nz = np.concatenate(nonzero) if nonzero else np.zeros(0)
    if nz.size > max_pixels:
        nz = np.random.default_rng(seed).choice(nz, max_pixels, replace=False)
    m = max(n, 1)

    def err(s1: np.ndarray, s2: np.ndarray) -> np.ndarray:
        return np.sqrt(np.clip(s2 / m - (s1 / m) ** 2, 0, None) / m)

    return ImageSummaries(
        longitudinal=s_lon / m,
        longitudinal_err=err(s_lon, s2_lon),
        transverse=s_tra / m,
        transverse_err=err(s_tra, s2_tra),
        mean_image=s_img / m,
        pixel_spectrum=nz,
    )


# ------------------------------------------------------------------ CaloChallenge showers
def shower_observables(
    showers: np.ndarray, r_edges: Any | None = None, layers: Any | None = None
) -> dict[str, np.ndarray]:
    """Per-layer observables of CaloChallenge-style showers ``(N, layers, n_alpha, n_r)``.

    Voxel centres sit at radius r (bin centres of ``r_edges``, default 0, 1, …, n_r) and
    angle α (n_alpha equal bins in [0, 2π)); per layer ``l``: ``layer_e_{l}`` (energy),
    ``centroid_x_{l}``, ``centroid_y_{l}`` (energy-weighted x = r cos α, y = r sin α),
    ``width_x_{l}``, ``width_y_{l}``, ``sparsity_{l}`` (fraction of non-zero voxels);
    and ``total_e`` (CaloChallenge, Krause et al. 2024, arXiv:2410.21611).

    Example:
        >>> sh = np.zeros((1, 1, 4, 2)); sh[0, 0, 0, 1] = 3.0
        >>> obs = shower_observables(sh, r_edges=[0, 1, 2])
        >>> [round(float(obs[k][0]), 3) for k in ("layer_e_0", "centroid_x_0", "sparsity_0")]
        [3.0, 1.061, 0.125]
    """
    sh = np.asarray(showers, dtype=np.float64)
    _, n_layers, n_alpha, n_r = sh.shape
    edges = np.arange(n_r + 1, dtype=np.float64) if r_edges is None else np.asarray(r_edges, np.float64)
    r = 0.5 * (edges[:-1] + edges[1:])
    alpha = (np.arange(n_alpha) + 0.5) * 2 * np.pi / n_alpha if n_alpha > 1 else np.zeros(1)
    x = np.cos(alpha)[:, None] * r[None, :]
    y = np.sin(alpha)[:, None] * r[None, :]
    out: dict[str, np.ndarray] = {"total_e": sh.sum(axis=(1, 2, 3))}
    for layer in range(n_layers) if layers is None else layers:
        e = sh[:, layer]
        tot = e.sum(axis=(1, 2))
        out[f"layer_e_{layer}"] = tot
        with np.errstate(invalid="ignore", divide="ignore"):
            for name, coord in (("x", x), ("y", y)):
                mean = (e * coord).sum(axis=(1, 2)) / tot
                var = (e * coord**2).sum(axis=(1, 2)) / tot - mean**2
                out[f"centroid_{name}_{layer}"] = mean
                out[f"width_{name}_{layer}"] = np.sqrt(np.clip(var, 0, None))
        out[f"sparsity_{layer}"] = (e != 0).mean(axis=(1, 2))
    return out


# ---------------------------------------------------------------------------- dispatch
def readout_threshold(pixelmaps: np.ndarray) -> float:
    """Half the smallest non-zero cell energy of a sample (0 if there is none): the hit
    threshold that reproduces the sample's own readout threshold when applied to another one
    (e.g. a generator that leaves tiny non-zero values everywhere).

    Example:
        >>> readout_threshold(np.array([[[[0.0, 0.4], [2.0, 0.0]]]]))
        0.2
    """
    best = np.inf
    for i in range(0, len(pixelmaps), CHUNK_EVENTS):
        block = np.asarray(pixelmaps[i : i + CHUNK_EVENTS])
        pos = block[block > 0]
        if pos.size:
            best = min(best, float(pos.min()))
    return 0.5 * best if np.isfinite(best) else 0.0


def is_shower_sample(events: EventSet) -> bool:
    """True for CaloChallenge showers: read by ``nugan.data``'s calochallenge reader (attrs
    ``config.reader``), or attrs ``geometry`` = "calochallenge" or ``calo_r_edges`` present."""
    config = events.attrs.get("config")
    reader = config.get("reader") if isinstance(config, Mapping) else None
    return bool(
        reader == "calochallenge"
        or events.attrs.get("geometry") == "calochallenge"
        or "calo_r_edges" in events.attrs
    )


def image_observables(
    events: EventSet, shower: bool | None = None, hit_threshold: float = 0.0
) -> dict[str, np.ndarray]:
    """Scalar observables of ``events.pixelmaps``: shower observables for CaloChallenge data
    (``shower``; default: :func:`is_shower_sample`), pixel-map observables otherwise (cells
    above ``hit_threshold`` count as hits; empty without pixel maps)."""
    if events.pixelmaps is None:
        return {}
    if is_shower_sample(events) if shower is None else shower:
        return shower_observables(events.pixelmaps, events.attrs.get("calo_r_edges"))
    return pixelmap_observables(events.pixelmaps, hit_threshold)


def table_observables(events: EventSet, use_particles: bool = True) -> dict[str, np.ndarray]:
    """Columns plus particle-derived observables (prefixed ``p_`` only where they would clash)."""
    out = column_observables(events)
    if use_particles and events.particles is not None and len(events) > 0:
        for name, arr in particle_observables(events.particles).items():
            out[name if name not in out else f"part_{name}"] = arr
    return out


def compute_observables(
    events: EventSet, use_particles: bool = True, shower: bool | None = None, hit_threshold: float = 0.0
) -> dict[str, np.ndarray]:
    """All scalar observables of ``events`` (tables, particles, images), name → (N,) float64."""
    out = table_observables(events, use_particles)
    for name, arr in image_observables(events, shower, hit_threshold).items():
        out[name if name not in out else f"img_{name}"] = arr
    return out


def common_observables(generated: Mapping[str, np.ndarray], reference: Mapping[str, np.ndarray]) -> list[str]:
    """Names present in both, in the reference's order, without those undefined (all NaN) in the
    reference or constant and equal in both."""
    names = []
    for name in reference:
        if name not in generated:
            continue
        g, r = generated[name], reference[name]
        fg, fr = g[np.isfinite(g)], r[np.isfinite(r)]
        if fr.size == 0:
            continue
        if fg.size and fr.size and fg.min() == fg.max() == fr.min() == fr.max():
            continue
        names.append(name)
    return names
