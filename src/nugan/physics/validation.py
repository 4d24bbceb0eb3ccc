"""Comparisons of generated events with published measurements (MiniBooNE and MINERvA CCQE).

The measurement files are the project's copies under ``shared/data/measurements`` (not shipped with
the package); functions take the folder as an argument (default: ``$NUGAN_MEASUREMENTS`` or the
``shared/data/measurements`` folder next to the repository).

Conventions (see that folder's README): MiniBooNE (CH₂) and MINERvA 2013 (CH) CCQE are **per neutron**
— only carbon neutrons contribute to ν_μ CCQE, so a prediction on ¹²C per nucleon × 12/6 is per
neutron. Q²_QE and E_ν^QE are reconstructed from the muon as the experiments did (E_b = 34 MeV).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from nugan.data import EventSet
from nugan.errors import InputFileError
from nugan.physics import constants as c

EB_QE_GEV = 0.034


def measurements_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The folder of published measurements."""
    if path is not None:
        return Path(path)
    env = os.environ.get("NUGAN_MEASUREMENTS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[4] / "shared" / "data" / "measurements"


def enu_qe_gev(
    lep_e: np.ndarray, lep_p: np.ndarray, cos: np.ndarray, eb_gev: float = EB_QE_GEV
) -> np.ndarray:
    """E_ν^QE from the muon (MiniBooNE PRD 81 092005 Eq. 1; MINERvA PRL 111 022502 Eq. 1)."""
    mn, mp, mmu = c.M_NEUTRON, c.M_PROTON, c.M_MUON
    num = 2 * (mn - eb_gev) * lep_e - ((mn - eb_gev) ** 2 + mmu**2 - mp**2)
    return num / (2 * (mn - eb_gev - lep_e + lep_p * cos))


def q2_qe_gev2(
    lep_e: np.ndarray, lep_p: np.ndarray, cos: np.ndarray, eb_gev: float = EB_QE_GEV
) -> np.ndarray:
    """Q²_QE = 2 E_ν^QE (E_μ − p_μ cos θ) − m_μ² (same references)."""
    return 2 * enu_qe_gev(lep_e, lep_p, cos, eb_gev) * (lep_e - lep_p * cos) - c.M_MUON**2


def per_neutron_scale(events: EventSet) -> float:
    """σ per neutron of the target / per-event fraction: ⟨σ⟩ per nucleon × A/N (¹²C: × 2)."""
    if events.attrs.get("config", {}).get("target") != "C12":
        raise InputFileError("the MiniBooNE/MINERvA comparisons expect events generated on C12")
    return float(events.attrs["xsec_fluxavg_cm2_per_nucleon"]) * 2.0


@dataclasses.dataclass
class Comparison:
    """A measured distribution and a prediction in the same bins."""

    name: str
    data: np.ndarray
    prediction: np.ndarray
    pred_err: np.ndarray
    chi2: float
    ndf: int
    chi2_norm_fit: float | None = None
    norm: float | None = None


def _hist(values: np.ndarray, weights: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h, _ = np.histogram(values, edges, weights=weights)
    h2, _ = np.histogram(values, edges, weights=weights**2)
    return h, np.sqrt(h2)


def miniboone_ccqe(
    events: EventSet, weights: np.ndarray | None = None, folder: str | None = None, norm_unc: float = 0.107
) -> tuple[Comparison, Comparison]:
    """MiniBooNE CCQE d²σ/dT_μ dcos θ_μ and dσ/dQ²_QE vs ``events`` (C12, MiniBooNE flux).

    χ² uses the released shape errors combined with the 10.7 % normalisation uncertainty in two ways:
    ``chi2`` with the diagonal error √(shape² + (0.107 × data)²) (our approximation, no covariance is
    released) and ``chi2_norm_fit`` with the normalisation λ fitted and a penalty ((λ − 1)/0.107)².
    """
    d = measurements_dir(folder) / "miniboone_ccqe_2010"
    w = np.ones(len(events)) if weights is None else np.asarray(weights, dtype=float)
    scale = per_neutron_scale(events) / len(events)
    col = events.columns
    tmu = col["lep_e_gev"] - c.M_MUON
    cos = col["lep_costheta"]
    t2 = np.genfromtxt(d / "miniboone_ccqe_numu_d2sigma_dTmu_dcosmu.csv", delimiter=",", names=True)
    measured = t2["measured"] == 1
    out = []
    # 2D: histogram in each (T, cos) bin
    tl, th, cl, chh = t2["Tmu_low_GeV"], t2["Tmu_high_GeV"], t2["cosmu_low"], t2["cosmu_high"]
    tedges = np.unique(np.concatenate([tl, th]))
    cedges = np.unique(np.concatenate([cl, chh]))
    h, _, _ = np.histogram2d(tmu, cos, [tedges, cedges], weights=w)
    h2, _, _ = np.histogram2d(tmu, cos, [tedges, cedges], weights=w**2)
    it = np.searchsorted(tedges, tl)
    ic = np.searchsorted(cedges, cl)
    area = (th - tl) * (chh - cl)
    pred = h[it, ic] * scale / area
    perr = np.sqrt(h2[it, ic]) * scale / area
    data = t2["d2sigma_dTmu_dcosmu_CCQE_cm2_per_GeV_per_neutron"]
    shape_err = t2["shape_err_cm2_per_GeV_per_neutron"]
    out.append(
        _compare(
            "MiniBooNE d2sigma/dTmu dcosmu",
            data[measured],
            pred[measured],
            perr[measured],
            shape_err[measured],
            norm_unc,
        )
    )
    q = np.genfromtxt(d / "miniboone_ccqe_numu_dsigma_dQ2QE.csv", delimiter=",", names=True)
    edges = np.concatenate([q["Q2QE_low_GeV2"], q["Q2QE_high_GeV2"][-1:]])
    q2 = q2_qe_gev2(col["lep_e_gev"], col["lep_p_gev"], cos)
    hq, eq = _hist(q2, w, edges)
    width = np.diff(edges)
    out.append(
        _compare(
            "MiniBooNE dsigma/dQ2QE",
            q["dsigma_dQ2QE_CCQE_cm2_per_GeV2_per_neutron"],
            hq * scale / width,
            eq * scale / width,
            q["shape_err_cm2_per_GeV2_per_neutron"],
            norm_unc,
        )
    )
    return out[0], out[1]


def _compare(
    name: str, data: np.ndarray, pred: np.ndarray, perr: np.ndarray, shape_err: np.ndarray, norm_unc: float
) -> Comparison:
    err2 = shape_err**2 + (norm_unc * data) ** 2 + perr**2
    chi2 = float(np.sum((data - pred) ** 2 / err2))
    s2 = shape_err**2 + perr**2
    # best λ for Σ((d − λp)²/s²) + ((λ − 1)/u)²  (linear least squares)
    a = np.sum(pred**2 / s2) + 1 / norm_unc**2
    b = np.sum(data * pred / s2) + 1 / norm_unc**2
    lam = b / a
    chi2n = float(np.sum((data - lam * pred) ** 2 / s2) + ((lam - 1) / norm_unc) ** 2)
    return Comparison(name, data, pred, perr, chi2, int(data.size), chi2n, float(lam))


def minerva_ccqe(
    events: EventSet, weights: np.ndarray | None = None, folder: str | None = None
) -> Comparison:
    """MINERvA 2013 CCQE dσ/dQ²_QE (per neutron, CH) vs ``events`` (C12, MINERvA LE flux 1.5–10 GeV).

    χ² with the published total errors and their correlation matrix (8 bins).
    """
    d = measurements_dir(folder) / "minerva_ccqe_2013"
    t = np.genfromtxt(d / "minerva_ccqe_numu_dsigma_dQ2QE.csv", delimiter=",", names=True)
    corr = np.loadtxt(d / "minerva_ccqe_numu_dsigma_dQ2QE_correlation.csv", delimiter=",")
    edges = np.concatenate([t["Q2QE_low_GeV2"], t["Q2QE_high_GeV2"][-1:]])
    w = np.ones(len(events)) if weights is None else np.asarray(weights, dtype=float)
    col = events.columns
    q2 = q2_qe_gev2(col["lep_e_gev"], col["lep_p_gev"], col["lep_costheta"])
    scale = per_neutron_scale(events) / len(events)
    h, e = _hist(q2, w, edges)
    width = np.diff(edges)
    pred, perr = h * scale / width, e * scale / width
    data = t["dsigma_dQ2QE_cm2_per_GeV2_per_neutron"]
    err = t["total_err_cm2_per_GeV2_per_neutron"]
    cov = corr * np.outer(err, err) + np.diag(perr**2)
    r = data - pred
    chi2 = float(r @ np.linalg.solve(cov, r))
    return Comparison("MINERvA dsigma/dQ2QE", data, pred, perr, chi2, int(data.size))
