"""Vectorised four-vector helpers (arrays of shape (N, 4) = [px, py, pz, E], GeV).

All functions are pure numpy and work on many events at once.
"""

from __future__ import annotations

import numpy as np


def mass2(p4: np.ndarray) -> np.ndarray:
    """Invariant mass squared E² − |p|² of (N, 4) four-vectors."""
    return p4[..., 3] ** 2 - (p4[..., 0] ** 2 + p4[..., 1] ** 2 + p4[..., 2] ** 2)


def pmag(p4: np.ndarray) -> np.ndarray:
    """|p⃗| of (N, 4) four-vectors."""
    return np.sqrt(p4[..., 0] ** 2 + p4[..., 1] ** 2 + p4[..., 2] ** 2)


def dot4(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Minkowski product a·b = a⁰b⁰ − a⃗·b⃗."""
    return a[..., 3] * b[..., 3] - (a[..., 0] * b[..., 0] + a[..., 1] * b[..., 1] + a[..., 2] * b[..., 2])


def boost(p4: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Lorentz-boost four-vectors ``p4`` (N, 4) by velocity ``beta`` (N, 3).

    A particle at rest boosted by β moves with velocity β afterwards.

    Example:
        >>> import numpy as np
        >>> p = boost(np.array([[0.0, 0.0, 0.0, 1.0]]), np.array([[0.0, 0.0, 0.6]]))
        >>> np.round(p, 6).tolist()
        [[0.0, 0.0, 0.75, 1.25]]
    """
    b2 = np.sum(beta**2, axis=-1)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p4[..., :3], axis=-1)
    safe_b2 = np.where(b2 > 0, b2, 1.0)
    gamma2 = np.where(b2 > 0, (gamma - 1.0) / safe_b2, 0.0)
    out = np.empty_like(p4)
    out[..., :3] = p4[..., :3] + (gamma2 * bp + gamma * p4[..., 3])[..., None] * beta
    out[..., 3] = gamma * (p4[..., 3] + bp)
    return out


def orthonormal_frame(axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors (N, 3) orthogonal to the unit vectors ``axis`` (N, 3) and to each other."""
    helper = np.zeros_like(axis)
    use_x = np.abs(axis[:, 0]) < 0.9
    helper[use_x, 0] = 1.0
    helper[~use_x, 1] = 1.0
    e1 = np.cross(axis, helper)
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    e2 = np.cross(axis, e1)
    return e1, e2


def direction(axis: np.ndarray, costheta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Unit vectors at polar angle arccos(costheta) and azimuth phi around ``axis`` (N, 3)."""
    e1, e2 = orthonormal_frame(axis)
    sint = np.sqrt(np.clip(1.0 - costheta**2, 0.0, None))
    return costheta[:, None] * axis + (sint * np.cos(phi))[:, None] * e1 + (sint * np.sin(phi))[:, None] * e2


def isotropic(rng: np.random.Generator, n: int) -> np.ndarray:
    """n isotropic unit vectors (n, 3)."""
    cos = rng.uniform(-1.0, 1.0, n)
    phi = rng.uniform(0.0, 2 * np.pi, n)
    sin = np.sqrt(1.0 - cos**2)
    return np.stack([sin * np.cos(phi), sin * np.sin(phi), cos], axis=1)


def two_body_momentum(m0: np.ndarray, m1: np.ndarray | float, m2: np.ndarray | float) -> np.ndarray:
    """Daughter momentum in the rest frame of a two-body decay m0 → m1 m2 (0 below threshold)."""
    lam = (m0**2 - (m1 + m2) ** 2) * (m0**2 - (m1 - m2) ** 2)
    return np.sqrt(np.clip(lam, 0.0, None)) / (2.0 * m0)


def decay_isotropic(
    rng: np.random.Generator, parent: np.ndarray, m1: np.ndarray | float, m2: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic two-body decay of ``parent`` (N, 4) into masses m1, m2; lab four-vectors (N, 4) each.

    The daughters' four-momenta add up to the parent's exactly (to rounding).
    """
    n = parent.shape[0]
    m0 = np.sqrt(np.clip(mass2(parent), 0.0, None))
    m1 = np.broadcast_to(np.asarray(m1, dtype=float), (n,))
    m2 = np.broadcast_to(np.asarray(m2, dtype=float), (n,))
    p = two_body_momentum(m0, m1, m2)
    u = isotropic(rng, n)
    d1 = np.empty((n, 4))
    d1[:, :3] = p[:, None] * u
    d1[:, 3] = np.sqrt(p**2 + m1**2)
    beta = parent[:, :3] / parent[:, 3:4]
    d1 = boost(d1, beta)
    return d1, parent - d1
