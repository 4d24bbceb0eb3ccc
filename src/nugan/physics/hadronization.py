"""Hadronisation of the DIS hadronic system: Pythia 8 strings above ~3 GeV, AGKY-like below.

A hadronic system (invariant mass W, charge Q, baryon number 1, struck-quark flavour)
is hadronised in its rest frame and boosted to the lab:

* W ≥ 3.0 GeV: a quark–diquark string (struck quark along the momentum transfer, the
  diquark remnant opposite) fragmented by Pythia 8 (Lund string model) with
  ``ProcessLevel:all = off`` and ``forceHadronLevel``; only final particles are kept.
  π⁰ are kept undecayed (like the low-W model); particles with cτ > 10 mm are stable.
* W < 2.3 GeV: :mod:`nugan.physics.agky` (KNO multiplicities + phase space).
* 2.3–3.0 GeV: Pythia with probability (W − 2.3)/0.7, AGKY otherwise (GENIE's linear mix).

One Pythia instance is built per process and reused; each call reseeds it from the
numpy generator, so a seed fixes the output.

References:
    C. Bierlich et al., "A comprehensive guide to the physics and usage of PYTHIA 8.3",
    SciPost Phys. Codebases 8 (2022) [arXiv:2203.11601];
    T. Yang et al., Eur. Phys. J. C63 (2009) 1 (AGKY, transition region 2.3–3.0 GeV).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from nugan.physics import agky
from nugan.physics import constants as c
from nugan.physics.phasespace import boost, two_body_momentum

W_KNO_MAX_GEV = 2.3  # below: AGKY only
W_PYTHIA_MIN_GEV = 3.0  # above: Pythia only
PYTHIA_SETTINGS = (
    "ProcessLevel:all = off",
    "PhaseSpace:mHatMin = 0",
    "Print:quiet = on",
    "Next:numberCount = 0",
    "Random:setSeed = on",
    "111:mayDecay = off",
    "ParticleDecays:limitTau0 = on",
    "ParticleDecays:tau0Max = 10.0",
    # multiplicity tune: brings ⟨n_ch⟩ of the quark–diquark string to within ~12 % of the AGKY fit
    # a + b ln W² for 3 < W < 10 GeV (default Pythia 8 is ~18 % low); in the spirit of GENIE's
    # PYTHIA 6 tune (lower string stop mass PARJ(33)). Defaults: bLund 0.98, stopMass 1.0.
    "StringZ:bLund = 0.4",
    "StringFragmentation:stopMass = 0.3",
)
SPIN0_UD_FRACTION = 0.5  # ud diquark remnant: spin 0 (2101) vs 1 (2103), 50-50 as GENIE
_MAX_PYTHIA_TRIES = 5


@functools.cache
def pythia_instance() -> Any:
    """The process-wide Pythia 8 instance, initialised for hadronisation only."""
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    for setting in PYTHIA_SETTINGS:
        pythia.readString(setting)
    if not pythia.init():  # pragma: no cover - a broken Pythia install
        raise RuntimeError("Pythia 8 failed to initialise for hadronisation")
    return pythia


def pythia_fraction(w_gev: np.ndarray) -> np.ndarray:
    """Probability that an event of mass W is hadronised by Pythia (0 below 2.3, 1 above 3.0 GeV)."""
    return np.clip((np.asarray(w_gev) - W_KNO_MAX_GEV) / (W_PYTHIA_MIN_GEV - W_KNO_MAX_GEV), 0.0, 1.0)


def remnant_diquark(rng: np.random.Generator, charge: np.ndarray, quark_pdg: np.ndarray) -> np.ndarray:
    """Diquark (uu 2203, ud 2101/2103, dd 1103) that makes the string's charge ``charge``.

    3 × charge of the diquark = 3Q − 3q_quark ∈ {4, 1, −2}.
    """
    q3 = np.where(np.isin(np.abs(quark_pdg), (2, 4)), 2, -1) * np.sign(quark_pdg)
    d3 = 3 * np.asarray(charge) - q3
    ud = np.where(rng.uniform(size=d3.shape) < SPIN0_UD_FRACTION, 2101, 2103)
    return np.select([d3 == 4, d3 == 1, d3 == -2], [2203, ud, 1103], 0)


def _string_partons(w: float, axis: np.ndarray, quark: int, diquark: int, pd: Any) -> list[tuple]:
    mq, md = pd.m0(quark), pd.m0(diquark)
    p = float(two_body_momentum(np.array(w), np.array(mq), np.array(md)))
    pq = p * axis
    return [
        (quark, 101, 0, pq, np.sqrt(p * p + mq * mq), mq),
        (diquark, 0, 101, -pq, np.sqrt(p * p + md * md), md),
    ]


def hadronize_strings(
    rng: np.random.Generator, w_gev: np.ndarray, axis_cm: np.ndarray, quark_pdg: np.ndarray,
    diquark_pdg: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fragment quark–diquark strings with Pythia 8, in the hadronic rest frame.

    Arguments:
        w_gev: (N,) string masses; axis_cm: (N, 3) unit vectors of the quark direction.
        quark_pdg, diquark_pdg: (N,) string-end flavours (diquark carries the anticolour).

    Returns:
        counts (N,), pdg (M,), p4 (M, 4) in the rest frame, ok (N,) bool (False: Pythia failed
        five times; the event has no hadrons and must be hadronised otherwise).
    """
    pythia = pythia_instance()
    pythia.rndm.init(int(rng.integers(1, 900_000_000)))
    event, pd = pythia.event, pythia.particleData
    counts = np.zeros(w_gev.size, dtype=np.int64)
    ok = np.zeros(w_gev.size, dtype=bool)
    pdg: list[int] = []
    mom: list[tuple[float, float, float, float]] = []
    for i in range(w_gev.size):
        partons = _string_partons(float(w_gev[i]), axis_cm[i], int(quark_pdg[i]), int(diquark_pdg[i]), pd)
        for _ in range(_MAX_PYTHIA_TRIES):
            event.reset()
            for pid, col, acol, p3, e, m in partons:
                event.append(pid, 23, col, acol, float(p3[0]), float(p3[1]), float(p3[2]), float(e), m)
            event[0].p(0.0, 0.0, 0.0, float(w_gev[i]))  # the system entry: Pythia checks against it
            event[0].m(float(w_gev[i]))
            if pythia.forceHadronLevel():
                ok[i] = True
                break
        if not ok[i]:
            continue
        for k in range(event.size()):
            part = event[k]
            if part.isFinal():
                pdg.append(part.id())
                mom.append((part.px(), part.py(), part.pz(), part.e()))
                counts[i] += 1
    return counts, np.array(pdg, dtype=np.int64), np.array(mom, dtype=float).reshape(-1, 4), ok


def struck_quark(
    rng: np.random.Generator, nu_pdg: int, cc: bool, nucleon_pdg: np.ndarray, charm_prob: np.ndarray
) -> np.ndarray:
    """Flavour of the outgoing struck quark (string end), per event.

    CC ν: c with probability ``charm_prob`` else u; CC ν̄: s with probability V_us²/(V_ud² + V_us²)
    else d; NC: u or d in proportion to the valence content (p: 2:1, n: 1:2). The string is
    always quark + diquark (antiquark hits are folded into this picture; see docs/dis.md).
    """
    from nugan.physics.dis import V_US

    u = rng.uniform(size=nucleon_pdg.shape)
    if cc and nu_pdg > 0:
        return np.where(u < charm_prob, 4, 2)
    if cc:
        return np.where(u < V_US**2 / (c.V_UD**2 + V_US**2), 3, 1)
    p_up = np.where(nucleon_pdg == c.PDG_PROTON, 2 / 3, 1 / 3)
    return np.where(u < p_up, 2, 1)


def hadronize(
    rng: np.random.Generator,
    p_had_lab: np.ndarray,
    q_lab: np.ndarray,
    charge: np.ndarray,
    nu_pdg: int,
    cc: bool,
    nucleon_pdg: np.ndarray,
    charm_prob: np.ndarray,
    r2r3: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hadronise DIS hadronic systems and return lab-frame hadrons.

    Arguments:
        p_had_lab: (N, 4) hadronic-system four-momenta [px, py, pz, E] (W = its mass).
        q_lab: (N, 4) momentum transfer (sets the string axis).
        charge: (N,) system charge; nucleon_pdg: (N,) struck nucleon.
        charm_prob: (N,) probability that the struck quark becomes charm (CC ν).
        r2r3: per-event (R2, R3) multiplicity weights for the AGKY path (None: 1, 1).

    Returns:
        counts (N,), pdg (M,), p4 (M, 4) in the lab, grouped by event in input order.
    """
    n = p_had_lab.shape[0]
    w = np.sqrt(np.clip(p_had_lab[:, 3] ** 2 - np.sum(p_had_lab[:, :3] ** 2, axis=1), 0.0, None))
    beta = p_had_lab[:, :3] / p_had_lab[:, 3:4]
    use_pythia = rng.uniform(size=n) < pythia_fraction(w)
    quark = struck_quark(rng, nu_pdg, cc, nucleon_pdg, charm_prob)
    diquark = remnant_diquark(rng, charge, quark)
    use_pythia &= diquark != 0
    q_cm = boost(q_lab, -beta)[:, :3]
    axis = q_cm / np.linalg.norm(q_cm, axis=1, keepdims=True)

    events: list[np.ndarray] = [np.zeros(0, np.int64)]
    pdgs: list[np.ndarray] = [np.zeros(0, np.int64)]
    moms: list[np.ndarray] = [np.zeros((0, 4))]
    idx_py = np.flatnonzero(use_pythia)
    failed = np.zeros(0, dtype=np.int64)
    if idx_py.size:
        cnt, pdg, p4, ok = hadronize_strings(rng, w[idx_py], axis[idx_py], quark[idx_py], diquark[idx_py])
        events.append(np.repeat(idx_py, cnt))
        pdgs.append(pdg)
        moms.append(p4)
        failed = idx_py[~ok]
    idx_kno = np.concatenate([np.flatnonzero(~use_pythia), failed])
    if idx_kno.size:
        r2 = np.ones(idx_kno.size) if r2r3 is None else r2r3[0][idx_kno]
        r3 = np.ones(idx_kno.size) if r2r3 is None else r2r3[1][idx_kno]
        for key in sorted({(float(a), float(b)) for a, b in zip(r2, r3)}):
            rows = idx_kno[(r2 == key[0]) & (r3 == key[1])]
            cnt, pdg, p4 = agky.hadronize_low_w(rng, w[rows], charge[rows], nu_pdg, nucleon_pdg[rows], *key,
                                                axis=axis[rows])
            events.append(np.repeat(rows, cnt))
            pdgs.append(pdg)
            moms.append(p4)
    event = np.concatenate(events)
    order = np.argsort(event, kind="stable")  # group by event, keep each event's own order
    counts = np.bincount(event, minlength=n).astype(np.int64)
    pdg_all = np.concatenate(pdgs)[order].astype(np.int64)
    p4_cm = np.concatenate(moms)[order]
    p4_lab = boost(p4_cm, np.repeat(beta, counts, axis=0))
    return counts, pdg_all, p4_lab
