"""CC-inclusive σ/E per nucleon against the world data (GENIE archive of ν_μ / ν̄_μ measurements).

The data are the project's ``cc_inclusive_world/cc_inclusive_sigma_vs_Enu_genie_archive.csv``
(ANL, BNL, FNAL, BEBC, Gargamelle, SKAT, IHEP, CCFR, CCFRR, CDHS, CHARM, MINOS, SciBooNE;
mostly corrected to an isoscalar target). Errors: the quoted error plus GENIE's suggested
extra systematic (``genie_suggested_extra_syst_pct``) in quadrature, because many old
datasets quote statistical errors only.

References:
    PDG Review "Neutrino cross-section measurements" (world average σ/E at high energy);
    the datasets' citations are in the CSV.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path

import numpy as np

from nugan.errors import InputFileError
from nugan.physics.dis import dis_xsec_free_nucleon_cm2
from nugan.physics.params import PhysicsParams

DATA_FILE = "cc_inclusive_sigma_vs_Enu_genie_archive.csv"


@dataclasses.dataclass(frozen=True)
class CCInclusiveData:
    """σ/E points [1e-38 cm²/GeV/nucleon] of one probe."""

    experiment: np.ndarray
    enu_gev: np.ndarray
    sigma_over_e: np.ndarray
    error: np.ndarray

    def select(self, mask: np.ndarray) -> CCInclusiveData:
        return CCInclusiveData(
            self.experiment[mask], self.enu_gev[mask], self.sigma_over_e[mask], self.error[mask]
        )


def load_cc_inclusive(folder: str | Path, probe: str = "numu") -> CCInclusiveData:
    """Read the world CC-inclusive table for ``probe`` ("numu" or "numubar").

    Raises:
        InputFileError: the CSV is missing or lacks the expected columns.
    """
    path = Path(folder) / DATA_FILE
    try:
        with path.open(newline="") as handle:
            rows = [r for r in csv.DictReader(handle) if r["probe"] == probe]
        exp = np.array([r["experiment"] for r in rows])
        e = np.array([float(r["Enu_GeV"]) for r in rows])
        val = np.array([float(r["sigma_over_E_1e-38_cm2_per_GeV_per_nucleon"]) for r in rows])
        err = np.array([float(r["err_over_E_1e-38_cm2_per_GeV_per_nucleon"]) for r in rows])
        syst = np.array([float(r["genie_suggested_extra_syst_pct"] or 0) for r in rows]) / 100
    except (OSError, KeyError, ValueError) as exc:
        raise InputFileError(
            f"{path}: cannot read the CC-inclusive world data ({exc}); "
            "point to shared/data/measurements/cc_inclusive_world"
        ) from None
    return CCInclusiveData(exp, e, val, np.hypot(err, syst * val))


def dis_isoscalar_sigma_over_e(
    enu_gev: np.ndarray, nu_pdg: int, params: PhysicsParams | None = None
) -> np.ndarray:
    """DIS-only CC σ/E on an isoscalar free-nucleon target [1e-38 cm²/GeV/nucleon]."""
    e = np.asarray(enu_gev, float)
    s = dis_xsec_free_nucleon_cm2(e, nu_pdg, 2212, True, params) + dis_xsec_free_nucleon_cm2(
        e, nu_pdg, 2112, True, params
    )
    return 0.5 * s / e / 1e-38


@dataclasses.dataclass(frozen=True)
class Comparison:
    """χ² of a prediction against data points, and the inverse-variance mean data/prediction ratio."""

    n_points: int
    chi2: float
    mean_ratio: float
    mean_ratio_error: float


def compare(data: CCInclusiveData, predict: Callable[[np.ndarray], np.ndarray]) -> Comparison:
    """χ² = Σ ((data − prediction)/error)² and the weighted mean of data/prediction."""
    pred = predict(data.enu_gev)
    chi2 = float(np.sum(((data.sigma_over_e - pred) / data.error) ** 2))
    ratio = data.sigma_over_e / pred
    w = (pred / data.error) ** 2
    return Comparison(
        n_points=int(data.enu_gev.size), chi2=chi2,
        mean_ratio=float(np.sum(w * ratio) / np.sum(w)), mean_ratio_error=float(1 / np.sqrt(np.sum(w))),
    )


def full_cc_sigma_over_e(
    enu_gev: np.ndarray, nu_pdg: int, params: PhysicsParams | None = None, target: str = "C12"
) -> np.ndarray:
    """All-channel CC σ/E per nucleon of an isoscalar nucleus from :mod:`nugan.physics.xsec`."""
    from nugan.physics.xsec import total_xsec_cm2

    e = np.asarray(enu_gev, float)
    return total_xsec_cm2("cc", target, e, nu_pdg, params) / e / 1e-38


ENERGY_RANGES = ((0.5, 50.0), (0.5, 3.0), (3.0, 10.0), (10.0, 50.0), (20.0, 50.0))


def validation_rows(folder: str | Path, params: PhysicsParams | None = None, full: bool = True) -> list[dict]:
    """χ² rows (probe, model, energy range, n, χ², mean data/model) for the documentation."""
    rows = []
    for probe, nu in (("numu", 14), ("numubar", -14)):
        data = load_cc_inclusive(folder, probe)
        models: dict[str, Callable[[np.ndarray], np.ndarray]] = {
            "DIS only": functools.partial(dis_isoscalar_sigma_over_e, nu_pdg=nu, params=params)
        }
        if full:
            models["all CC (C12)"] = functools.partial(full_cc_sigma_over_e, nu_pdg=nu, params=params)
        for name, model in models.items():
            for lo, hi in ENERGY_RANGES:
                sel = data.select((data.enu_gev >= lo) & (data.enu_gev <= hi))
                if sel.enu_gev.size:
                    cmp = compare(sel, model)
                    row = {"probe": probe, "model": name, "range_gev": (lo, hi)}
                    rows.append({**row, **dataclasses.asdict(cmp)})
    return rows


def plot_validation(folder: str | Path, out_png: str | Path, params: PhysicsParams | None = None,
                    full: bool = True) -> None:
    """σ/E vs E: world data, the DIS-only prediction and (``full``) the all-channel CC prediction."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nugan._atomic import atomic_path

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
    grid = np.geomspace(0.3, 100.0, 120)
    for ax, (probe, nu, label) in zip(axes, (("numu", 14, "ν_μ"), ("numubar", -14, "ν̄_μ"))):
        data = load_cc_inclusive(folder, probe)
        for exp in np.unique(data.experiment):
            d = data.select(data.experiment == exp)
            ax.errorbar(d.enu_gev, d.sigma_over_e, d.error, fmt="o", ms=3, lw=0.8, label=exp)
        ax.plot(grid, dis_isoscalar_sigma_over_e(grid, nu, params), "k--", label="nugan DIS only")
        if full:
            ax.plot(grid, full_cc_sigma_over_e(grid, nu, params), "k-", lw=2, label="nugan all CC (C12)")
        ax.axhline(0.677 if nu > 0 else 0.334, color="grey", lw=0.8, ls=":", label="PDG world average")
        ax.set_xscale("log")
        ax.set_xlabel("E_ν [GeV]")
        ax.set_ylabel("σ/E [1e-38 cm²/GeV/nucleon]")
        ax.set_title(f"{label} CC inclusive, isoscalar")
        ax.set_ylim(0, 1.4 if nu > 0 else 0.7)
    axes[0].legend(fontsize=6, ncol=2)
    fig.tight_layout()
    with atomic_path(Path(out_png)) as tmp:
        fig.savefig(tmp, dpi=90, format="png")
    plt.close(fig)


def charged_multiplicity_vs_w(
    w_values: np.ndarray, nu_pdg: int, nucleon_pdg: int, n_events: int = 2000, seed: int = 0,
    model: str = "agky",
) -> np.ndarray:
    """Mean number of charged hadrons per event at each W for a hadronisation ``model``.

    ``model``: "agky" (KNO low-W model) or "pythia" (quark–diquark string, CC).
    """
    from nugan.physics import agky, hadronization
    from nugan.physics.pdgtools import charge

    rng = np.random.default_rng(seed)
    q = (1 if nucleon_pdg == 2212 else 0) + (1 if nu_pdg > 0 else -1)
    out = []
    for w in np.asarray(w_values, float):
        if model == "agky":
            _, pdg, _ = agky.hadronize_low_w(rng, np.full(n_events, w), np.full(n_events, q), nu_pdg,
                                               np.full(n_events, nucleon_pdg))
        else:
            quark = np.full(n_events, 2 if nu_pdg > 0 else 1)
            dq = hadronization.remnant_diquark(rng, np.full(n_events, q), quark)
            axis = np.tile([0.0, 0.0, 1.0], (n_events, 1))
            _, pdg, _, _ = hadronization.hadronize_strings(rng, np.full(n_events, w), axis, quark, dq)
        out.append(np.sum(charge(pdg) != 0) / n_events)
    return np.array(out)


def plot_multiplicity(out_png: str | Path, seed: int = 0) -> None:
    """⟨n_ch⟩ vs W: AGKY formula, the KNO model and Pythia 8 strings, for ν/ν̄ on p/n."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nugan._atomic import atomic_path
    from nugan.physics import agky

    fig, axes = plt.subplots(1, 4, figsize=(13, 3.4), sharey=True)
    w_line = np.linspace(1.2, 12.0, 100)
    w_kno = np.array([1.3, 1.6, 2.0, 2.5, 3.0])
    w_py = np.array([2.5, 3.0, 4.0, 6.0, 8.0, 12.0])
    for ax, (nu, nucleon, label) in zip(axes, ((14, 2212, "νp"), (14, 2112, "νn"), (-14, 2212, "ν̄p"),
                                                (-14, 2112, "ν̄n"))):
        ax.plot(w_line, agky.average_charged_multiplicity(w_line, nu, np.full(w_line.shape, nucleon)), "k-",
                label="a + b ln W² (AGKY fit)")
        ax.plot(w_kno, charged_multiplicity_vs_w(w_kno, nu, nucleon, seed=seed), "o", label="KNO model")
        n_py = charged_multiplicity_vs_w(w_py, nu, nucleon, 600, seed, "pythia")
        ax.plot(w_py, n_py, "s", label="Pythia 8 string")
        ax.axvspan(2.3, 3.0, color="grey", alpha=0.2)
        ax.set_xscale("log")
        ax.set_xticks([1.5, 2, 3, 5, 10], ["1.5", "2", "3", "5", "10"])
        ax.minorticks_off()
        ax.set_title(f"{label} CC")
        ax.set_xlabel("W [GeV]")
    axes[0].set_ylabel("⟨n_ch⟩")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    with atomic_path(Path(out_png)) as tmp:
        fig.savefig(tmp, dpi=90, format="png")
    plt.close(fig)


def plot_cross_sections(out_png: str | Path, params: PhysicsParams | None = None) -> None:
    """DIS σ/E on free p and n, ν and ν̄, CC and NC, with and without the RES/DIS joining."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nugan._atomic import atomic_path

    params = params or PhysicsParams()
    e = np.geomspace(0.3, 200.0, 90)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharex=True)
    for ax, cc in zip(axes, (True, False)):
        cases = ((14, 2212, "C0-"), (14, 2112, "C1-"), (-14, 2212, "C2-"), (-14, 2112, "C3-"))
        for nu, nucleon, style in cases:
            name = f"{'ν' if nu > 0 else 'ν̄'}{'p' if nucleon == 2212 else 'n'}"
            s = dis_xsec_free_nucleon_cm2(e, nu, nucleon, cc, params) / e / 1e-38
            s0 = dis_xsec_free_nucleon_cm2(e, nu, nucleon, cc, params.replace(w_cut_gev=1.0)) / e / 1e-38
            ax.plot(e, s, style, label=name)
            ax.plot(e, s0, style.replace("-", ":"), lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("E_ν [GeV]")
        ax.set_ylabel("σ/E [1e-38 cm²/GeV]")
        ax.set_title(f"DIS {'CC' if cc else 'NC'} (solid: with RES/DIS joining, dotted: W > M + m_π all)")
        ax.title.set_fontsize(8)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    with atomic_path(Path(out_png)) as tmp:
        fig.savefig(tmp, dpi=90, format="png")
    plt.close(fig)
