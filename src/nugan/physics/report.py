"""Validation report of the interaction generator: numbers, χ² tables and plots.

``make_report(docs_dir)`` regenerates ``docs/validation-interactions.md`` and
``docs/img/interactions_*.png`` (matplotlib is imported inside). The numbers are also returned, and
:mod:`tests.test_physics_validation` checks them with smaller samples.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from nugan.physics import ccqe
from nugan.physics.flux import get_flux
from nugan.physics.generator import generate_events
from nugan.physics.params import PhysicsParams
from nugan.physics.reweight import reweight
from nugan.physics.validation import measurements_dir, minerva_ccqe, miniboone_ccqe
from nugan.physics.xsec import total_xsec_cm2

MA_GRID = np.round(np.arange(0.60, 1.801, 0.025), 3)


def world_cc_inclusive(folder: str | None = None, probe: str = "numu") -> dict[str, np.ndarray]:
    """CC-inclusive σ (1e-38 cm²/nucleon) vs E from the GENIE archive CSV, errors with GENIE's extra syst."""
    path = measurements_dir(folder) / "cc_inclusive_world" / "cc_inclusive_sigma_vs_Enu_genie_archive.csv"
    rows = [r for r in csv.DictReader(path.open()) if r["probe"] == probe]
    e = np.array([float(r["Enu_GeV"]) for r in rows])
    s = np.array([float(r["sigma_1e-38_cm2_per_nucleon"]) for r in rows])
    err = np.array(
        [
            0.5 * (float(r["err_plus_1e-38_cm2_per_nucleon"]) + float(r["err_minus_1e-38_cm2_per_nucleon"]))
            for r in rows
        ]
    )
    extra = np.array([float(r["genie_suggested_extra_syst_pct"] or 0) for r in rows]) / 100.0
    exp = np.array([r["experiment"] for r in rows])
    return {"enu": e, "sigma": s, "err": np.sqrt(err**2 + (extra * s) ** 2), "experiment": exp}


def ma_scan(
    events: Any, compare: Any, base: PhysicsParams, attr: str = "chi2"
) -> tuple[np.ndarray, np.ndarray]:
    """χ² of ``compare(events, weights)`` on :data:`MA_GRID` by reweighting M_A^QE."""
    chi2 = []
    for ma in MA_GRID:
        w = reweight(events, base.replace(ma_qe_gev=float(ma)))
        comp = compare(events, w)
        chi2.append(getattr(comp, attr))
    return MA_GRID, np.array(chi2)


def _best(grid: np.ndarray, chi2: np.ndarray) -> float:
    i = int(np.argmin(chi2))
    if 0 < i < grid.size - 1:
        a, b, c = chi2[i - 1], chi2[i], chi2[i + 1]
        h = grid[1] - grid[0]
        den = a - 2 * b + c
        if den > 0:
            return float(grid[i] + 0.5 * h * (a - c) / den)
    return float(grid[i])


def make_report(
    docs_dir: str | Path, n_miniboone: int = 200_000, n_minerva: int = 100_000, seed: int = 1
) -> dict[str, Any]:
    """Run the validation, write the markdown and PNGs, return the numbers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    docs = Path(docs_dir)
    img = docs / "img"
    img.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {}
    base = PhysicsParams()
    dip = PhysicsParams(ma_qe_gev=1.0, vector_ff="dipole", mv_qe_gev=float(np.sqrt(0.71)))

    # 1. free-nucleon CCQE against the reference table
    e_ref = np.array([0.5, 1.0, 2.0, 5.0])
    res["ccqe_free_nu"] = (ccqe.xsec_qe_free_cm2(e_ref, 14, dip) / 1e-38).round(3).tolist()
    res["ccqe_free_nubar"] = (ccqe.xsec_qe_free_cm2(e_ref, -14, dip) / 1e-38).round(3).tolist()
    res["ccqe_free_table_nu"] = total_xsec_cm2("ccqe", "free-n", e_ref, 14, dip).round(41).tolist()
    e = np.geomspace(0.2, 20, 60)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(e, ccqe.xsec_qe_free_cm2(e, 14, dip) / 1e-38, label=r"$\nu_\mu n$ free (LS, dipole, $M_A$=1)")
    ax.plot(e, ccqe.xsec_qe_free_cm2(e, -14, dip) / 1e-38, label=r"$\bar\nu_\mu p$ free")
    ax.plot(
        e,
        2 * total_xsec_cm2("ccqe", "C12", e, 14, dip) / 1e-38,
        "--",
        label=r"$\nu_\mu$ C12 RFG, per neutron",
    )
    ax.plot(e_ref, [0.83, 1.07, 1.06, 0.99], "ko", label="reference sheet")
    ax.plot(e_ref, [0.23, 0.41, 0.60, 0.78], "ks")
    ax.set(xscale="log", xlabel=r"$E_\nu$ [GeV]", ylabel=r"$\sigma$ [$10^{-38}$ cm$^2$]", title="CCQE")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(img / "interactions_ccqe_free.png", dpi=80)
    plt.close(fig)

    # 2. generator self-consistency: free neutron 1 GeV
    n_self = 50_000
    ev = generate_events("mono:1.0", "free-n", n_self, seed=seed, processes=["ccqe"])
    bins = np.linspace(0, 1.6, 33)
    h, _ = np.histogram(ev.columns["q2_gev2"], bins)
    fine = np.linspace(0, 1.6, 6401)
    d = ccqe.dxsec_dq2_qe_cm2(np.full(fine.size, 1.0), fine, 14)
    cum = np.concatenate([[0], np.cumsum(0.5 * (d[1:] + d[:-1]) * np.diff(fine))])
    expect = n_self * np.diff(np.interp(bins, fine, cum)) / cum[-1]
    ok = expect > 5
    res["self_q2_chi2"] = float(np.sum((h - expect)[ok] ** 2 / expect[ok]))
    res["self_q2_ndf"] = int(ok.sum())
    fig, ax = plt.subplots(figsize=(6, 4))
    cen = 0.5 * (bins[1:] + bins[:-1])
    ax.errorbar(cen, h, np.sqrt(h), fmt="o", ms=3, label="generated events")
    ax.step(bins[:-1], expect, where="post", label=r"$\int d\sigma/dQ^2$ per bin")
    ax.set(xlabel=r"$Q^2$ [GeV$^2$]", ylabel="events / bin", title=r"$\nu_\mu n$, 1 GeV: events vs formula")
    ax.legend()
    fig.tight_layout()
    fig.savefig(img / "interactions_generator_q2.png", dpi=80)
    plt.close(fig)

    # 3. MiniBooNE
    mb: dict[str, Any] = {}
    preds: dict[str, Any] = {}
    for label, procs in (("CCQE", ["ccqe"]), ("CCQE+2p2h", ["ccqe", "2p2h"])):
        evm = generate_events("miniboone", "C12", n_miniboone, seed=seed, processes=procs)
        grid, chi2_2d = ma_scan(evm, lambda ev_, w_: miniboone_ccqe(ev_, w_)[0], base, "chi2")
        best = _best(grid, chi2_2d)
        for tag, ma in (("MA=1.0", 1.0), (f"MA={best:.2f} (fit)", best)):
            w = reweight(evm, base.replace(ma_qe_gev=ma))
            c2d, cq2 = miniboone_ccqe(evm, w)
            mb[f"{label} {tag}"] = {
                "2d_chi2": c2d.chi2,
                "2d_chi2_normfit": c2d.chi2_norm_fit,
                "2d_norm": c2d.norm,
                "2d_ndf": c2d.ndf,
                "q2_chi2": cq2.chi2,
                "q2_chi2_normfit": cq2.chi2_norm_fit,
                "q2_norm": cq2.norm,
                "q2_ndf": cq2.ndf,
            }
            preds[f"{label} {tag}"] = cq2
        mb[f"{label} fitted MA"] = best
    res["miniboone"] = mb
    fig, ax = plt.subplots(figsize=(6, 4))
    q = np.genfromtxt(
        measurements_dir() / "miniboone_ccqe_2010" / "miniboone_ccqe_numu_dsigma_dQ2QE.csv",
        delimiter=",",
        names=True,
    )
    cq = 0.5 * (q["Q2QE_low_GeV2"] + q["Q2QE_high_GeV2"])
    ax.errorbar(
        cq,
        q["dsigma_dQ2QE_CCQE_cm2_per_GeV2_per_neutron"] / 1e-38,
        np.sqrt(
            q["shape_err_cm2_per_GeV2_per_neutron"] ** 2
            + (0.107 * q["dsigma_dQ2QE_CCQE_cm2_per_GeV2_per_neutron"]) ** 2
        )
        / 1e-38,
        fmt="ko",
        ms=3,
        label="MiniBooNE 2010 (shape ⊕ 10.7% norm)",
    )
    for k, comp in preds.items():
        ax.plot(cq, comp.prediction / 1e-38, drawstyle="steps-mid", label=k)
    ax.set(
        xlabel=r"$Q^2_{QE}$ [GeV$^2$]",
        ylabel=r"$d\sigma/dQ^2_{QE}$ [$10^{-38}$ cm$^2$/GeV$^2$/n]",
        title="MiniBooNE CCQE (C12 RFG)",
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(img / "interactions_miniboone_q2.png", dpi=80)
    plt.close(fig)

    # 4. MINERvA
    mv: dict[str, Any] = {}
    mpreds: dict[str, Any] = {}
    flux = get_flux("minerva-le").restrict(1.5, 10.0)
    for label, procs in (("CCQE", ["ccqe"]), ("CCQE+2p2h", ["ccqe", "2p2h"])):
        evv = generate_events(flux, "C12", n_minerva, seed=seed, processes=procs)
        grid, chi2 = ma_scan(evv, minerva_ccqe, base, "chi2")
        best = _best(grid, chi2)
        for tag, ma in (("MA=1.0", 1.0), (f"MA={best:.2f} (fit)", best)):
            comp = minerva_ccqe(evv, reweight(evv, base.replace(ma_qe_gev=ma)))
            mv[f"{label} {tag}"] = {"chi2": comp.chi2, "ndf": comp.ndf}
            mpreds[f"{label} {tag}"] = comp
        mv[f"{label} fitted MA"] = best
    res["minerva"] = mv
    t = np.genfromtxt(
        measurements_dir() / "minerva_ccqe_2013" / "minerva_ccqe_numu_dsigma_dQ2QE.csv",
        delimiter=",",
        names=True,
    )
    cm = 0.5 * (t["Q2QE_low_GeV2"] + t["Q2QE_high_GeV2"])
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.errorbar(
        cm,
        t["dsigma_dQ2QE_cm2_per_GeV2_per_neutron"] / 1e-38,
        t["total_err_cm2_per_GeV2_per_neutron"] / 1e-38,
        fmt="ko",
        ms=3,
        label="MINERvA 2013",
    )
    for k, comp in mpreds.items():
        ax.plot(cm, comp.prediction / 1e-38, "o-", ms=2, label=k)
    ax.set(
        xscale="log",
        xlabel=r"$Q^2_{QE}$ [GeV$^2$]",
        ylabel=r"$d\sigma/dQ^2_{QE}$ [$10^{-38}$ cm$^2$/GeV$^2$/n]",
        title="MINERvA CCQE (C12 RFG, 1.5-10 GeV)",
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(img / "interactions_minerva_q2.png", dpi=80)
    plt.close(fig)

    # 5. CC inclusive σ/E vs world data, process breakdown on C12
    world = world_cc_inclusive()
    sel = (world["enu"] >= 0.5) & (world["enu"] <= 50)
    pred = total_xsec_cm2("cc", "C12", world["enu"][sel]) / 1e-38
    pull = (pred - world["sigma"][sel]) / world["err"][sel]
    res["ccinc_chi2"] = float(np.sum(pull**2))
    res["ccinc_ndf"] = int(sel.sum())
    hi = world["enu"][sel] >= 10
    res["ccinc_ratio_above_10gev"] = float(
        np.sum(pred[hi] / world["sigma"][sel][hi] / world["err"][sel][hi] ** 2 * world["sigma"][sel][hi] ** 2)
        / np.sum(world["sigma"][sel][hi] ** 2 / world["err"][sel][hi] ** 2)
    )
    e = np.geomspace(0.2, 60, 80)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    tot = total_xsec_cm2("cc", "C12", e) / 1e-38 / e
    ax.plot(e, tot, "k-", label="CC total (C12, per nucleon)")
    for p in ("ccqe", "2p2h", "res", "dis", "coh"):
        ax.plot(e, total_xsec_cm2(p, "C12", e) / 1e-38 / e, label=p)
    for name in np.unique(world["experiment"][sel]):
        m = sel & (world["experiment"] == name)
        ax.errorbar(
            world["enu"][m],
            world["sigma"][m] / world["enu"][m],
            world["err"][m] / world["enu"][m],
            fmt=".",
            ms=4,
            label=name,
        )
    ax.set(
        xscale="log",
        xlabel=r"$E_\nu$ [GeV]",
        ylabel=r"$\sigma/E$ [$10^{-38}$ cm$^2$/GeV/nucleon]",
        ylim=(0, 1.4),
        title=r"$\nu_\mu$ CC inclusive",
    )
    ax.legend(fontsize=6, ncol=3)
    fig.tight_layout()
    fig.savefig(img / "interactions_ccinc.png", dpi=80)
    plt.close(fig)

    # 6. fluxes
    fig, ax = plt.subplots(figsize=(6, 4))
    for name in ("numi-offaxis", "miniboone", "minerva-le", "t2k-nd280"):
        f = get_flux(name)
        cen = 0.5 * (f.edges_gev[1:] + f.edges_gev[:-1])
        ax.plot(cen, f.density / f.density.max(), label=name)
    ax.set(xlim=(0, 8), xlabel=r"$E_\nu$ [GeV]", ylabel="flux (peak = 1)", title=r"$\nu_\mu$ fluxes")
    ax.legend()
    fig.tight_layout()
    fig.savefig(img / "interactions_fluxes.png", dpi=80)
    plt.close(fig)
    return res
