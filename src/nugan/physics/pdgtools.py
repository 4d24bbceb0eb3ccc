"""Charge and baryon number of the PDG codes the generator emits (leptons, hadrons, nuclei)."""

from __future__ import annotations

import functools

import numpy as np

_CHARGE = {
    11: -1,
    13: -1,
    15: -1,
    12: 0,
    14: 0,
    16: 0,
    22: 0,
    2212: 1,
    2112: 0,
    211: 1,
    111: 0,
    321: 1,
    311: 0,
    130: 0,
    310: 0,
    221: 0,
    3122: 0,
    3222: 1,
    3212: 0,
    3112: -1,
    113: 0,
    213: 1,
    223: 0,
    331: 0,
    411: 1,
    421: 0,
    431: 1,
    4122: 1,
    3322: 0,
    3312: -1,
    333: 0,
    2224: 2,
    2214: 1,
    2114: 0,
    1114: -1,
}


@functools.lru_cache(maxsize=4096)
def _charge_one(code: int) -> int:
    a = abs(code)
    if a >= 1000000000:
        return (a // 10000) % 1000
    if a in _CHARGE:
        return _CHARGE[a] * (1 if code > 0 else -1)
    from particle import Particle

    try:
        q = Particle.from_pdgid(code).charge
    except Exception:  # unknown code: neutral
        return 0
    return round(q or 0)


@functools.lru_cache(maxsize=4096)
def _baryon_one(code: int) -> int:
    a = abs(code)
    if a >= 1000000000:
        return (a // 10) % 1000
    if 1000 <= a < 10000 and (a // 10) % 10 != 0 and (a // 1000) % 10 != 0:
        return 1 if code > 0 else -1
    return 0


def charge(pdg: np.ndarray) -> np.ndarray:
    """Electric charge (units of e) of each PDG code (nuclei 10LZZZAAAI included).

    Example:
        >>> charge(np.array([13, -211, 2212, 1000060120])).tolist()
        [-1, -1, 1, 6]
    """
    p = np.asarray(pdg, dtype=np.int64)
    uniq, inv = np.unique(p, return_inverse=True)
    return np.array([_charge_one(int(u)) for u in uniq], dtype=np.int64)[inv].reshape(p.shape)


def baryon_number(pdg: np.ndarray) -> np.ndarray:
    """Baryon number of each PDG code (nucleons 1, nuclei A, mesons/leptons 0).

    Example:
        >>> baryon_number(np.array([2212, -2112, 211, 1000060120])).tolist()
        [1, -1, 0, 12]
    """
    p = np.asarray(pdg, dtype=np.int64)
    uniq, inv = np.unique(p, return_inverse=True)
    return np.array([_baryon_one(int(u)) for u in uniq], dtype=np.int64)[inv].reshape(p.shape)


def lepton_number(pdg: np.ndarray) -> np.ndarray:
    """Lepton number (all flavours summed) of each PDG code.

    Example:
        >>> lepton_number(np.array([13, -11, 14, 2212])).tolist()
        [1, -1, 1, 0]
    """
    p = np.asarray(pdg, dtype=np.int64)
    return np.where((np.abs(p) >= 11) & (np.abs(p) <= 16), np.sign(p), 0)
