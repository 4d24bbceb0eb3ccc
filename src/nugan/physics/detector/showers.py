"""Electromagnetic showers: Grindhammer–Peters (GFlash) parametrisation with fluctuations.

G. Grindhammer, S. Peters, hep-ex/0001020 (and Geant4 ``GVFlashHomoShowerTuning.hh``),
``PHYSICS-REFERENCES.md`` §10. For each shower, with y = E/E_c:

* (ln T, ln α) is drawn from a correlated Gaussian: ⟨ln T⟩ = ln(ln y − 0.812),
  σ(ln T) = (−1.4 + 1.26 ln y)⁻¹, ⟨ln α⟩ = ln(0.81 + (0.458 + 2.26/Z) ln y),
  σ(ln α) = (−0.58 + 0.86 ln y)⁻¹, ρ = 0.705 − 0.023 ln y; β = (α − 1)/T; the longitudinal
  energy profile is the Gamma density dE/dt ∝ (βt)^{α−1} e^{−βt} (t in X0).
* The energy is carried by N = 93 ln(Z) E^0.876 spots (E in GeV) of equal energy whose depths are
  drawn from that profile and whose radial distance (in R_M) follows the core + halo mixture
  f(r) = p 2r R_C²/(r² + R_C²)² + (1 − p) 2r R_T²/(r² + R_T²)², with R_C, R_T and p functions of
  τ = t/T, ln E and Z (the formulas of §10); τ is capped at 5 and α at ≥ 1.2.
* The parametrisation was fitted for y ≳ 100; at low energy its formulas diverge, so the means
  use max(ln y, 1.3) and the widths max(ln y, 2.5) (documented in ``docs/detector.md``).
* Sampling fluctuations of the active share: each spot's visible energy is multiplied by a Gamma
  variate with mean 1 chosen so that the shower's visible energy has σ/E = ``stoch``/sqrt(E/GeV).

Photons convert after an exponential path of mean 9/7 X0 (PDG §34.4.5) and then shower like an
electron from the conversion point.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from nugan.physics.detector.tracks import orthonormal_basis


@dataclasses.dataclass
class ShowerSpots:
    shower: np.ndarray  # (m,) index of the shower of each spot
    pos_cm: np.ndarray  # (m, 3)
    e_mev: np.ndarray  # (m,) energy deposited in the medium
    vis_weight: np.ndarray  # (m,) sampling-fluctuation weight of the active share (mean 1)
    t_max_x0: np.ndarray  # (n,) the sampled profile peak (α − 1)/β of each shower


def gp_profile_params(e_gev: np.ndarray, ec_mev: float, z_eff: float) -> dict[str, np.ndarray]:
    """Means, widths and correlation of (ln T, ln α) for showers of energy ``e_gev``."""
    ln_y = np.log(np.maximum(e_gev * 1000.0 / ec_mev, 1e-6))
    ly_m = np.maximum(ln_y, 1.3)
    ly_s = np.maximum(ln_y, 2.5)
    return {
        "mu_ln_t": np.log(ly_m - 0.812),
        "sig_ln_t": 1.0 / (-1.4 + 1.26 * ly_s),
        "mu_ln_a": np.log(0.81 + (0.458 + 2.26 / z_eff) * ly_m),
        "sig_ln_a": 1.0 / (-0.58 + 0.86 * ly_s),
        "rho": 0.705 - 0.023 * ly_s,
    }


def gp_mean_tmax_x0(e_gev: np.ndarray, ec_mev: float) -> np.ndarray:
    """Grindhammer–Peters average-profile peak ⟨T⟩ = ln y − 0.858 [X0] (homogeneous media)."""
    return np.log(np.asarray(e_gev) * 1000.0 / ec_mev) - 0.858


def radial_params(
    tau: np.ndarray, ln_e: np.ndarray, z_eff: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(R_C, R_T, p) of the core + halo radial profile (R_M units), Grindhammer–Peters.

    τ is capped at 5 (the fit covers the shower, not its far tail, where R_T would explode)."""
    tau = np.minimum(tau, 5.0)
    r_c = (0.0251 + 0.00319 * ln_e) + (0.1162 - 0.000381 * z_eff) * tau
    k1 = 0.659 - 0.00309 * z_eff
    k2, k3 = 0.645, -2.59
    k4 = 0.3585 + 0.0412 * ln_e
    r_t = k1 * (np.exp(k3 * (tau - k2)) + np.exp(k4 * (tau - k2)))
    p1 = 2.632 - 0.00094 * z_eff
    p2 = 0.401 + 0.00187 * z_eff
    p3 = 1.313 - 0.0686 * ln_e
    arg = (p2 - tau) / p3
    p = np.clip(p1 * np.exp(arg - np.exp(arg)), 0.0, 1.0)
    return np.maximum(r_c, 1e-3), np.maximum(r_t, 1e-3), p


def shower_spots(
    rng: np.random.Generator,
    e_gev: np.ndarray,
    pos_cm: np.ndarray,
    direc: np.ndarray,
    x0_cm: float,
    rm_cm: float,
    ec_mev: float,
    z_eff: float,
    stoch: float,
) -> ShowerSpots:
    """Sample the spots of n EM showers starting at ``pos_cm`` along ``direc`` (n, 3)."""
    n = len(e_gev)
    par = gp_profile_params(e_gev, ec_mev, z_eff)
    z1 = rng.standard_normal(n)
    z2 = rng.standard_normal(n)
    ln_t = par["mu_ln_t"] + par["sig_ln_t"] * z1
    ln_a = par["mu_ln_a"] + par["sig_ln_a"] * (par["rho"] * z1 + np.sqrt(1.0 - par["rho"] ** 2) * z2)
    t_max = np.exp(ln_t)
    alpha = np.maximum(np.exp(ln_a), 1.2)
    beta = (alpha - 1.0) / t_max
    n_spots = np.round(93.0 * np.log(z_eff) * np.maximum(e_gev, 1e-3) ** 0.876)
    n_spots = np.maximum(20, n_spots).astype(np.int64)
    shower = np.repeat(np.arange(n), n_spots)
    depth = rng.gamma(alpha[shower], 1.0 / beta[shower])  # X0
    ln_e = np.log(np.maximum(e_gev, 1e-3))[shower]
    r_c, r_t, p = radial_params(depth / t_max[shower], ln_e, z_eff)
    core = rng.random(len(shower)) < p
    radius = np.where(core, r_c, r_t)
    q = np.minimum(rng.random(len(shower)), 0.999)
    r = radius * np.sqrt(q / (1.0 - q)) * rm_cm
    phi = rng.random(len(shower)) * (2.0 * np.pi)
    u, v = orthonormal_basis(direc)
    pos = (
        pos_cm[shower]
        + (depth * x0_cm)[:, None] * direc[shower]
        + (r * np.cos(phi))[:, None] * u[shower]
        + (r * np.sin(phi))[:, None] * v[shower]
    )
    e_spot = (e_gev * 1000.0 / n_spots)[shower]
    if stoch > 0:
        k = np.maximum(e_gev, 1e-3) / (n_spots * stoch**2)
        weight = rng.gamma(k[shower], 1.0 / k[shower])
    else:
        weight = np.ones(len(shower))
    return ShowerSpots(shower, pos, e_spot, weight, t_max)
