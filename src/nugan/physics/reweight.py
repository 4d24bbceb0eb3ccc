"""Event reweighting to new physics parameters without regenerating.

For an event generated with parameters P₀ the weight to parameters P₁ is the ratio of the differential
cross sections at the event's sampled kinematics, w = dσ(P₁)/dσ(P₀). Because the generator's
events follow the differential cross section exactly (accept–reject on it), a weighted sample then
follows dσ(P₁) in shape *and* rate: Σw/N = σ(P₁)/σ(P₀) for a fixed flux.

Reweightable parameters: ``ma_qe_gev``, ``mv_qe_gev``, ``vector_ff``, ``ga``, ``ma_res_gev``,
``mv_res_gev``, ``w_cut_gev`` (RES side only), ``ma_coh_gev`` and the normalisations ``mec_norm``,
``mec_frac_ccqe``, ``res_norm``, ``dis_norm``, ``coh_norm``, ``ncel_norm``. The nuclear model and FSI
parameters change which events exist (Pauli blocking, fates), so they are not reweightable and
:func:`reweight` raises :class:`~nugan.errors.ConfigError` for them.
"""

from __future__ import annotations

import numpy as np

from nugan.data import EventSet
from nugan.errors import ConfigError
from nugan.physics import ccqe, res
from nugan.physics.modes import Mode
from nugan.physics.params import PhysicsParams
from nugan.physics.xsec import sigma_qe_interp

NOT_REWEIGHTABLE = (
    "fermi_momentum_gev",
    "binding_energy_gev",
    "pauli_blocking",
    "fermi_model",
    "fsi_enabled",
    "fsi_pi_mfp_scale",
    "fsi_n_mfp_scale",
    "fsi_pi_abs_scale",
    "fsi_pi_cex_scale",
    "coh_r0_fm",
)


def _ratio(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    return np.where(old > 0, new / np.where(old > 0, old, 1.0), 0.0)


def reweight(
    events: EventSet, new_params: PhysicsParams, old_params: PhysicsParams | None = None
) -> np.ndarray:
    """Per-event weights that take ``events`` (generated with ``old_params``) to ``new_params``.

    Arguments:
        events: generator output (needs columns mode, nu_pdg, enu_gev, enu_star_gev, q2_gev2, w_gev,
            hit_nucleon_pdg).
        new_params: the target parameters.
        old_params: the generation parameters (default: read from ``events.attrs["config"]["params"]``).

    Returns:
        float64 weights (N,), to multiply with the events' ``weight`` column.

    Example:
        >>> from nugan.physics.generator import generate_events
        >>> ev = generate_events("mono:1.0", "free-n", 200, seed=2, processes=["ccqe"])
        >>> w = reweight(ev, PhysicsParams().replace(ma_qe_gev=1.2))
        >>> bool(w.mean() > 1.0)
        True
    """
    events.require_columns(
        ["mode", "nu_pdg", "enu_gev", "enu_star_gev", "q2_gev2", "w_gev", "hit_nucleon_pdg"], "reweighting"
    )
    if old_params is None:
        try:
            old_params = PhysicsParams.from_dict(events.attrs["config"]["params"])
        except (KeyError, TypeError):
            raise ConfigError(
                "reweight: the events do not record their physics parameters "
                "(attrs['config']['params']); pass old_params explicitly"
            ) from None
    changed = [k for k in NOT_REWEIGHTABLE if getattr(old_params, k) != getattr(new_params, k)]
    if changed:
        raise ConfigError(
            f"reweight: {changed} change the generated event sample itself and cannot be reweighted; "
            "generate new events with these values instead"
        )
    c = events.columns
    mode = np.asarray(c["mode"])
    nu = np.asarray(c["nu_pdg"])
    estar = np.asarray(c["enu_star_gev"], dtype=float)
    q2 = np.asarray(c["q2_gev2"], dtype=float)
    w = np.asarray(c["w_gev"], dtype=float)
    is_p = np.asarray(c["hit_nucleon_pdg"]) == 2212
    out = np.ones(mode.size)
    for m in np.unique(mode):
        sel = mode == m
        md = Mode(int(m))
        if md in (Mode.CCQE, Mode.NCEL):
            cc = md == Mode.CCQE
            new = ccqe.dxsec_dq2_qe_cm2(estar[sel], q2[sel], nu[sel], new_params, cc=cc, is_proton=is_p[sel])
            old = ccqe.dxsec_dq2_qe_cm2(estar[sel], q2[sel], nu[sel], old_params, cc=cc, is_proton=is_p[sel])
            out[sel] = _ratio(new, old)
        elif md in (Mode.CCRES, Mode.NCRES):
            cc = md == Mode.CCRES
            new = res.d2xsec_dwdq2_delta_cm2(estar[sel], w[sel], q2[sel], nu[sel], is_p[sel], cc, new_params)
            old = res.d2xsec_dwdq2_delta_cm2(estar[sel], w[sel], q2[sel], nu[sel], is_p[sel], cc, old_params)
            out[sel] = _ratio(new, old)
        elif md == Mode.CCMEC:
            e = np.asarray(c["enu_gev"], dtype=float)[sel]
            for sign in np.unique(nu[sel]):
                s2 = nu[sel] == sign
                new = (
                    new_params.mec_norm
                    * new_params.mec_frac_ccqe
                    * sigma_qe_interp(int(sign), new_params)(e[s2])
                )
                old = (
                    old_params.mec_norm
                    * old_params.mec_frac_ccqe
                    * sigma_qe_interp(int(sign), old_params)(e[s2])
                )
                idx = np.flatnonzero(sel)[s2]
                out[idx] = _ratio(new, old)
        elif md in (Mode.CCDIS, Mode.NCDIS):
            out[sel] = new_params.dis_norm / old_params.dis_norm
        elif md in (Mode.CCCOH, Mode.NCCOH):
            prop_new = (new_params.ma_coh_gev**2 / (new_params.ma_coh_gev**2 + q2[sel])) ** 2
            prop_old = (old_params.ma_coh_gev**2 / (old_params.ma_coh_gev**2 + q2[sel])) ** 2
            out[sel] = new_params.coh_norm / old_params.coh_norm * prop_new / prop_old
    return out
