"""Total cross sections: tabulated per channel and energy ("splines", like GENIE's), cached on disk.

For each :class:`~nugan.physics.channels.Channel` the total cross section per hit centre is the mean
weight of the channel's weighted kinematics sampler (Fermi motion and Pauli blocking included) on a
logarithmic energy grid, together with the largest weight seen (the accept–reject envelope of the
generator). Tables are cached under ``$NUGAN_HOME/cache/xsec`` (default ``~/.cache/nugan/xsec``),
keyed by a hash of the channel, the physics parameters and the table version.

:func:`total_xsec_cm2` gives σ per nucleon of a target for a process group.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from nugan._atomic import atomic_path
from nugan.errors import ConfigError
from nugan.physics import ccqe
from nugan.physics.channels import Channel, channels_for, sample_channel
from nugan.physics.modes import Mode
from nugan.physics.nucleus import get_target, nucleons_per_molecule
from nugan.physics.params import PhysicsParams

TABLE_VERSION = "3"
E_GRID_GEV = np.geomspace(0.05, 200.0, 91)
N_SAMPLES = 6000
WMAX_SAFETY = 1.5

PROCESS_MODES: dict[str, frozenset[Mode]] = {
    "ccqe": frozenset({Mode.CCQE}),
    "2p2h": frozenset({Mode.CCMEC}),
    "res": frozenset({Mode.CCRES}),
    "dis": frozenset({Mode.CCDIS}),
    "coh": frozenset({Mode.CCCOH}),
    "cc": frozenset(m for m in Mode if m.is_cc),
    "nc": frozenset(m for m in Mode if not m.is_cc),
    "total": frozenset(Mode),
    "ncel": frozenset({Mode.NCEL}),
    "ncres": frozenset({Mode.NCRES}),
    "ncdis": frozenset({Mode.NCDIS}),
    "nccoh": frozenset({Mode.NCCOH}),
}


def dis_module() -> Any | None:
    """The DIS module (owned by physics-dis) or None when it is not installed yet."""
    if os.environ.get("NUGAN_NO_DIS"):
        return None
    try:
        from nugan.physics import dis
    except ImportError:
        return None
    if not (hasattr(dis, "sample_dis") and hasattr(dis, "dis_xsec_free_nucleon_cm2")):
        return None
    return dis


def cache_dir() -> Path:
    """Folder of the cross-section tables: ``$NUGAN_HOME/cache/xsec`` or ``~/.cache/nugan/xsec``."""
    home = os.environ.get("NUGAN_HOME")
    base = Path(home) / "cache" if home else Path.home() / ".cache" / "nugan"
    return base / "xsec"


def _dis_model_version() -> str:
    """The DIS model's version (part of the table cache key: tables rebuild when it changes)."""
    dis = dis_module()
    return str(getattr(dis, "MODEL_VERSION", "none")) if dis is not None else "none"


def params_hash(params: PhysicsParams, extra: str = "") -> str:
    text = json.dumps(
        {
            "v": TABLE_VERSION,
            "p": params.to_dict(),
            "x": extra,
            "dis": _dis_model_version(),
            "grid": [float(E_GRID_GEV[0]), float(E_GRID_GEV[-1]), int(E_GRID_GEV.size), N_SAMPLES],
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@functools.lru_cache(maxsize=64)
def qe_free_table(nu_pdg: int, params: PhysicsParams) -> np.ndarray:
    """Free-nucleon CCQE σ(E) on :data:`E_GRID_GEV` (the 2p2h normalisation)."""
    return ccqe.xsec_qe_free_cm2(E_GRID_GEV, nu_pdg, params)


def sigma_qe_interp(nu_pdg: int, params: PhysicsParams) -> Any:
    table = qe_free_table(nu_pdg, params)

    def f(e: np.ndarray) -> np.ndarray:
        return np.interp(np.log(e), np.log(E_GRID_GEV), table)

    return f


@functools.lru_cache(maxsize=256)
def channel_table(ch: Channel, params: PhysicsParams) -> tuple[np.ndarray, np.ndarray]:
    """(σ per hit centre [cm²], max weight) on :data:`E_GRID_GEV` for a channel (disk-cached)."""
    key = params_hash(params, ch.key)
    path = cache_dir() / f"{ch.key.replace(':', '_')}_{key}.npz"
    if path.is_file():
        try:
            with np.load(path) as f:
                return f["sigma"], f["wmax"]
        except (OSError, ValueError, KeyError):
            pass
    sigma, wmax = _compute_table(ch, params)
    try:
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, sigma=sigma, wmax=wmax, energies=E_GRID_GEV)
    except OSError:
        pass  # a read-only cache is not an error: the table is simply recomputed next time
    return sigma, wmax


def _compute_table(ch: Channel, params: PhysicsParams) -> tuple[np.ndarray, np.ndarray]:
    seed = int(hashlib.sha256(ch.key.encode()).hexdigest()[:8], 16)
    rng = np.random.default_rng(seed)
    if ch.mode in (Mode.CCDIS, Mode.NCDIS):
        dis = dis_module()
        if dis is None:
            return np.zeros_like(E_GRID_GEV), np.zeros_like(E_GRID_GEV)
        nucleon = 2212 if ch.hit == "p" else 2112
        sig = np.asarray(
            dis.dis_xsec_free_nucleon_cm2(E_GRID_GEV, ch.nu_pdg, nucleon, ch.cc, params), dtype=float
        )
        return sig, np.zeros_like(sig)
    sqe = sigma_qe_interp(ch.nu_pdg, params)
    sigma = np.zeros_like(E_GRID_GEV)
    wmax = np.zeros_like(E_GRID_GEV)
    chunk = 15
    for start in range(0, E_GRID_GEV.size, chunk):
        e = E_GRID_GEV[start : start + chunk]
        enu = np.repeat(e, N_SAMPLES)
        w = sample_channel(rng, ch, enu, params, sqe).weight.reshape(e.size, N_SAMPLES)
        sigma[start : start + chunk] = w.mean(axis=1)
        wmax[start : start + chunk] = w.max(axis=1) * WMAX_SAFETY
    return sigma, wmax


def channel_sigma(ch: Channel, params: PhysicsParams, enu_gev: np.ndarray) -> np.ndarray:
    """σ per hit centre [cm²] of a channel at ``enu_gev`` (log-linear interpolation of the table)."""
    e = np.asarray(enu_gev, dtype=float)
    if e.size and not (np.all(np.isfinite(e)) and np.max(e) <= E_GRID_GEV[-1] * (1 + 1e-9)):
        bad = e[~np.isfinite(e) | (e > E_GRID_GEV[-1] * (1 + 1e-9))]
        raise ConfigError(
            f"neutrino energy {float(bad[0]):g} GeV is outside the cross-section tables "
            f"({E_GRID_GEV[0]:g}–{E_GRID_GEV[-1]:g} GeV); use energies up to {E_GRID_GEV[-1]:g} GeV"
        )
    sigma, _ = channel_table(ch, params)
    return np.interp(np.log(np.maximum(enu_gev, 1e-6)), np.log(E_GRID_GEV), sigma, left=0.0)


def channel_wmax(ch: Channel, params: PhysicsParams, enu_gev: np.ndarray) -> np.ndarray:
    """Accept–reject envelope at ``enu_gev``: the larger of the two neighbouring grid values."""
    _, wmax = channel_table(ch, params)
    i = np.clip(np.searchsorted(E_GRID_GEV, enu_gev), 1, E_GRID_GEV.size - 1)
    return np.maximum(wmax[i - 1], wmax[i])


def target_channels(
    target: str, nu_pdg: int, modes: frozenset[Mode] | None = None
) -> list[tuple[Channel, float]]:
    """(channel, multiplicity) for every channel of a target; multiplicity = nuclei per molecule × centres."""
    dis = dis_module() is not None
    out = []
    for nucleus, count in get_target(target):
        for ch in channels_for(nucleus, nu_pdg, dis=dis):
            if modes is None or ch.mode in modes:
                out.append((ch, count * ch.n_centres()))
    return out


def total_xsec_cm2(
    process: str, target: str, enu_gev: np.ndarray, nu_pdg: int = 14, params: PhysicsParams | None = None
) -> np.ndarray:
    """Total cross section per nucleon of ``target`` [cm²] for a process group.

    Arguments:
        process: ccqe, 2p2h, res, dis, coh (CC), cc (all CC), nc (all NC), total; also ncel, ncres,
            ncdis, nccoh.
        target: free-n, free-p, C12, O16, Ar40, CH, CH2.
        enu_gev: neutrino energies (lab).
        nu_pdg: ±12, ±14.

    Example:
        >>> s = total_xsec_cm2("ccqe", "free-n", np.array([1.0]),
        ...                    params=PhysicsParams(ma_qe_gev=1.0, vector_ff="dipole"))
        >>> 1.0e-38 < float(s[0]) < 1.1e-38
        True
    """
    if process not in PROCESS_MODES:
        raise ConfigError(f"unknown process {process!r}; choose one of {sorted(PROCESS_MODES)}")
    p = params or PhysicsParams()
    e = np.atleast_1d(np.asarray(enu_gev, dtype=float))
    total = np.zeros_like(e)
    for ch, mult in target_channels(target, nu_pdg, PROCESS_MODES[process]):
        total += mult * channel_sigma(ch, p, e)
    return total / nucleons_per_molecule(target)
