"""Charged-track transport: CSDA range tables, Highland multiple scattering, energy-loss
fluctuations and the point of a hadronic interaction. Vectorised over all tracks of an event.

* Energy loss: the kinetic energy after a path s is ``T(R0 − s)``, read from the CSDA range table
  of the Bethe formula with density effect (:func:`materials.range_table`); the Bragg peak
  follows from the rising dE/dx as the residual range goes to zero.
* Fluctuations: each step's loss is multiplied by ``1 + w (X − <X>)/σ_X`` with X Moyal-distributed
  (the Landau approximation of J. E. Moyal, Phil. Mag. 46 (1955) 263), then rescaled so that a
  track's total loss is unchanged (it is fixed by energy conservation).
* Multiple scattering: Highland (V. L. Highland, NIM 129 (1975) 497; PDG Eq. 34.16 with Lynch & Dahl's
  coefficients): the projected-angle variance accumulated after a path s is
  ``(13.6 MeV/βcp)² (s/X0)(1 + 0.038 ln(s/X0))²``; each step adds the increment of that
  variance at the step's momentum, so a track of constant momentum reproduces Highland exactly.
* Hadronic interactions: pions, kaons and protons interact after an exponential path of mean λ.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from nugan.physics.detector.materials import RangeTable

MOYAL_MEAN = 0.5772156649015329 + np.log(2.0)  # Euler γ + ln 2
MOYAL_STD = np.pi / np.sqrt(2.0)


@dataclasses.dataclass
class TrackSteps:
    """The steps of all tracks of a batch (flat arrays over steps) and each track's end state."""

    track: np.ndarray  # (S,) index of the track of each step
    mid_cm: np.ndarray  # (S, 3) step mid-points
    length_cm: np.ndarray  # (S,) step lengths
    de_mev: np.ndarray  # (S,) energy lost in the step (fluctuated)
    end_cm: np.ndarray  # (n, 3) end point of each track
    end_dir: np.ndarray  # (n, 3) direction at the end
    t_end_gev: np.ndarray  # (n,) kinetic energy left at the end (0 for stopping tracks)
    interacted: np.ndarray  # (n,) bool: ended in a hadronic interaction


def orthonormal_basis(direc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors u, v perpendicular to each unit vector in ``direc`` (n, 3)."""
    dx, dy, dz = direc[:, 0], direc[:, 1], direc[:, 2]
    use_x = np.abs(dz) > 0.9
    zero = np.zeros_like(dx)
    # u = d × e_x (when d is close to z) or d × e_z, normalised; v = d × u
    u = np.where(use_x[:, None], np.stack([zero, dz, -dy], 1), np.stack([dy, -dx, zero], 1))
    u /= np.sqrt(np.sum(u * u, axis=1, keepdims=True))
    ux, uy, uz = u[:, 0], u[:, 1], u[:, 2]
    v = np.stack([dy * uz - dz * uy, dz * ux - dx * uz, dx * uy - dy * ux], 1)
    return u, v


def highland_variance_integral(x_over_x0: np.ndarray) -> np.ndarray:
    """``x (1 + 0.038 ln x)²`` for x = s/X0 (0 at x = 0): Highland's θ0² × (βcp/13.6 MeV)²."""
    x = np.maximum(x_over_x0, 1e-12)
    return np.where(x_over_x0 > 0, x * (1.0 + 0.038 * np.log(x)) ** 2, 0.0)


def highland_theta0_rad(p_gev: np.ndarray, beta: np.ndarray, x_over_x0: np.ndarray) -> np.ndarray:
    """Highland's projected-angle width θ0 [rad] for a singly charged particle (PDG Eq. 34.16)."""
    return 0.0136 / (beta * p_gev) * np.sqrt(highland_variance_integral(x_over_x0))


def moyal_factors(rng: np.random.Generator, n: int, width: float) -> np.ndarray:
    """Multiplicative energy-loss fluctuations with mean ≈ 1 and a Landau-like upper tail."""
    if width <= 0:
        return np.ones(n)
    z = rng.standard_normal(n)
    x = -np.log(np.maximum(z * z, 1e-300))  # Moyal variate
    return np.clip(1.0 + width * (x - MOYAL_MEAN) / MOYAL_STD, 0.05, None)


def transport_tracks(
    rng: np.random.Generator,
    table: RangeTable,
    x0_cm: float,
    step_cm: float,
    fluct: float,
    mass_gev: np.ndarray,
    t_gev: np.ndarray,
    pos_cm: np.ndarray,
    direc: np.ndarray,
    lambda_cm: np.ndarray,
    max_path_cm: np.ndarray | None = None,
) -> TrackSteps:
    """Step n charged tracks through the homogeneous medium.

    Arguments:
        rng: the event's random generator.
        table: CSDA range table of the medium.
        x0_cm: radiation length.
        step_cm: step length.
        fluct: relative width of the energy-loss fluctuations.
        mass_gev, t_gev: (n,) masses and kinetic energies.
        pos_cm, direc: (n, 3) start points and unit directions.
        lambda_cm: (n,) mean free path to a hadronic interaction (inf: none).
        max_path_cm: optional (n,) cap on the path (the track is cut there, for tests).
    """
    n = len(t_gev)
    r0 = table.range_cm(t_gev, mass_gev)
    d_int = rng.exponential(1.0, n) * lambda_cm
    interacted = d_int < r0
    path = np.where(interacted, d_int, r0)
    if max_path_cm is not None:
        interacted &= d_int <= max_path_cm
        path = np.minimum(path, max_path_cm)
    nst = np.maximum(1, np.ceil(path / step_cm).astype(np.int64))
    track = np.repeat(np.arange(n), nst)
    first = np.cumsum(nst) - nst
    k = np.arange(len(track)) - first[track]
    s_beg = k * step_cm
    s_end = np.minimum(s_beg + step_cm, path[track])
    seg = s_end - s_beg
    m = mass_gev[track]
    t_beg = table.kinetic_gev(r0[track] - s_beg, m)
    t_end_step = table.kinetic_gev(r0[track] - s_end, m)
    de = np.maximum(t_beg - t_end_step, 0.0) * 1000.0
    # energy-loss fluctuations, total per track kept
    de_f = de * moyal_factors(rng, len(de), fluct)
    tot = np.bincount(track, de, n)
    tot_f = np.bincount(track, de_f, n)
    de_f *= np.divide(tot, tot_f, out=np.ones(n), where=tot_f > 0)[track]
    # multiple scattering: cumulative projected angles in the (u, v) frame of the start direction
    e_beg = t_beg + m
    p_beg = np.sqrt(np.maximum(e_beg * e_beg - m * m, 1e-18))
    beta = p_beg / e_beg
    var = (0.0136 / (beta * p_beg)) ** 2 * (
        highland_variance_integral(s_end / x0_cm) - highland_variance_integral(s_beg / x0_cm)
    )
    sig = np.sqrt(np.maximum(var, 0.0))
    th = rng.standard_normal((len(track), 2)) * sig[:, None]
    cum = np.cumsum(th, axis=0)
    cum -= (cum[first] - th[first])[track]
    u, v = orthonormal_basis(direc)
    dirs = direc[track] + cum[:, :1] * u[track] + cum[:, 1:] * v[track]
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    disp = seg[:, None] * dirs
    pend = np.cumsum(disp, axis=0)
    pend -= (pend[first] - disp[first])[track]
    pend += pos_cm[track]
    last = first + nst - 1
    t_left = np.where(path < r0, table.kinetic_gev(r0 - path, mass_gev), 0.0)
    return TrackSteps(
        track=track,
        mid_cm=pend - 0.5 * disp,
        length_cm=seg,
        de_mev=de_f,
        end_cm=pend[last],
        end_dir=dirs[last],
        t_end_gev=t_left,
        interacted=interacted,
    )
