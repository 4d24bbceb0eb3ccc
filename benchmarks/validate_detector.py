"""Validation figures and numbers of the detector simulation (for ``docs/validation-detector.md``).

Run: ``OMP_NUM_THREADS=1 MPLBACKEND=Agg .venv/bin/python benchmarks/validate_detector.py``.
Writes ``docs/img/detector_*.png`` and prints the numbers quoted in the docs (about a minute).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from nugan.physics.constants import M_MUON
from nugan.physics.detector import build_detector, get_detector_config, simulate_detector, simulate_one
from nugan.physics.detector.display import draw_event, truth_summary
from nugan.physics.detector.guns import particle_gun, topology_gun
from nugan.physics.detector.materials import (
    bethe_dedx_mev_cm2_g,
    minimum_ionisation_mev_cm2_g,
    nova_mixture,
    polystyrene,
    range_table,
)
from nugan.physics.detector.readout import noise_probability
from nugan.physics.detector.showers import gp_mean_tmax_x0
from nugan.physics.detector.simulate import event_particles

IMG = Path(__file__).resolve().parents[1] / "docs" / "img"
NOVA = build_detector(get_detector_config("nova"))
QUIET = NOVA.cfg.replace(noise_pe=0.0)


def fig_dedx_range() -> None:
    ps, mix = polystyrene(), nova_mixture()
    bg = np.geomspace(0.1, 1e4, 400)
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.6))
    for m, lab in ((ps, "polystyrene"), (mix, "NOvA mixture")):
        ax[0].plot(bg, bethe_dedx_mev_cm2_g(m, bg), label=lab)
    ax[0].axhline(1.936, ls=":", c="k", lw=0.8, label="PDG min, polystyrene 1.936")
    ax[0].set(xscale="log", ylim=(1.5, 4), xlabel="βγ", ylabel="−⟨dE/dx⟩ (MeV cm²/g)")
    ax[0].legend(fontsize=8)
    t = np.geomspace(0.01, 5, 200)
    for m, lab in ((ps, "polystyrene"), (mix, "NOvA mixture")):
        ax[1].plot(t, range_table(m).range_cm(t, np.full_like(t, M_MUON)) * m.density_g_cm3, label=lab)
    ax[1].plot([0.5, 1.0, 2.0], [235, 485, 960], "ko", ms=4, label="reference (§10)")
    ax[1].set(xscale="log", yscale="log", xlabel="muon T (GeV)", ylabel="CSDA range (g/cm²)")
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(IMG / "detector_dedx_range.png", dpi=80)
    plt.close(fig)
    print("min dE/dx polystyrene, mixture:", minimum_ionisation_mev_cm2_g(ps),
          minimum_ionisation_mev_cm2_g(mix))


def fig_muons() -> None:
    t = np.array([0.2, 0.4, 0.7, 1.0, 1.5, 2.0])
    vis, vis_sd, length = [], [], []
    for ti in t:
        out = simulate_detector(particle_gun([13], [ti], n=100, vertex_cm=(0, 0, 100)), QUIET, seed=2)
        vis.append(out.columns["vis_e_gev"].mean())
        vis_sd.append(out.columns["vis_e_gev"].std())
        length.append(out.columns["longest_track_cm"].mean())
    csda = NOVA.table.range_cm(t, np.full_like(t, M_MUON))
    slope, icpt = np.polyfit(t, vis, 1)
    resid = (np.asarray(vis) - slope * t - icpt) / np.asarray(vis)
    print(f"stopping muons: slope {slope:.4f} (active fraction {NOVA.active_energy_fraction:.4f}), "
          f"intercept {icpt * 1000:.1f} MeV, max |residual| {np.abs(resid).max():.4f}")
    print("  T, path/CSDA:", [(float(a), round(float(b / c), 4)) for a, b, c in zip(t, length, csda)])
    print("  T, sigma_vis/vis:", [(float(a), round(float(b / c), 4)) for a, b, c in zip(t, vis_sd, vis)])
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.4))
    ax[0].errorbar(t, vis, yerr=vis_sd, fmt="o", ms=4, label="simulated (100 μ each)")
    ax[0].plot(t, slope * t + icpt, "k-", lw=0.8, label=f"fit: {slope:.3f} T {icpt * 1000:+.1f} MeV")
    ax[0].set(xlabel="muon kinetic energy (GeV)", ylabel="calibrated visible energy (GeV)")
    ax[0].legend(fontsize=8)
    ax[1].plot(t, np.asarray(length) / 100, "o", ms=4, label="mean path length in detector")
    ax[1].plot(t, csda / 100, "k-", lw=0.8, label="CSDA range (Bethe, mixture)")
    ax[1].set(xlabel="muon kinetic energy (GeV)", ylabel="m")
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(IMG / "detector_muons.png", dpi=80)
    plt.close(fig)


def fig_electrons() -> None:
    e = np.array([0.25, 0.5, 1.0, 2.0, 3.0, 4.0])
    mean, res = [], []
    for ei in e:
        out = simulate_detector(particle_gun([11], [ei], n=150, vertex_cm=(0, 0, 200)), QUIET, seed=6)
        v = out.columns["vis_e_gev"]
        mean.append(v.mean())
        res.append(v.std() / v.mean())
    slope, icpt = np.polyfit(e, mean, 1)
    print(f"electrons: slope {slope:.4f}, intercept {icpt * 1000:.1f} MeV, "
          f"max |residual| {np.abs((np.asarray(mean) - slope * e - icpt) / mean).max():.4f}")
    a, b = np.polyfit(1 / np.sqrt(e), res, 1)
    print("  E, sigma/E:", [(float(x), round(float(y), 4)) for x, y in zip(e, res)],
          f"fit {a:.3f}/sqrt(E) + {b:.3f}")
    # longitudinal profile of 2 GeV showers (deposits along the axis)
    rng = np.random.default_rng(1)
    edges = np.arange(0, 20.01, 0.5)
    prof = np.zeros(len(edges) - 1)
    contained, total = 0.0, 0.0
    for _ in range(200):
        p4 = np.array([[0.0, 0.0, 2.0, 2.0]])
        parts = event_particles(np.array([11]), p4, np.array([0.0, 0.0, 200.0]))
        dep = simulate_one(NOVA, rng, parts, np.array([0.0, 0.0, 200.0]))["deposits"]
        tx0 = (dep.pos_cm[:, 2] - 200.0) / NOVA.x0_cm
        prof += np.histogram(tx0, edges, weights=dep.e_med_mev)[0]
        total += dep.e_med_mev.sum()
        contained += dep.e_med_mev[NOVA.inside(dep.pos_cm)].sum()
    prof /= prof.sum() * 0.5
    centres = 0.5 * (edges[1:] + edges[:-1])
    mat = NOVA.material
    t_gp = float(gp_mean_tmax_x0(np.array([2.0]), mat.critical_energy_mev)[0])
    t_pdg = math.log(2000.0 / mat.critical_energy_mev) - 0.5
    print(f"2 GeV e profile peak {centres[np.argmax(prof)]:.2f} X0; GP <T> {t_gp:.2f}; "
          f"PDG ln(E/Ec)-0.5 {t_pdg:.2f}; containment {contained / total:.4f}")
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.4))
    ax[0].errorbar(e, mean, fmt="o", ms=4, label="simulated (150 e⁻ each)")
    ax[0].plot(e, slope * e + icpt, "k-", lw=0.8, label=f"fit: {slope:.3f} E {icpt * 1000:+.1f} MeV")
    ax2 = ax[0].twinx()
    ax2.plot(e, np.asarray(res) * 100, "s", c="C3", ms=4)
    ax2.set_ylabel("σ/E (%)", color="C3")
    ax[0].set(xlabel="electron energy (GeV)", ylabel="calibrated visible energy (GeV)")
    ax[0].legend(fontsize=8, loc="upper left")
    ax[1].step(centres, prof, where="mid", label="2 GeV e⁻, mean of 200")
    ax[1].axvline(t_gp, c="k", ls=":", lw=0.8, label=f"GP ⟨T⟩ = {t_gp:.2f} X0")
    ax[1].set(xlabel="depth (X0)", ylabel="1/E dE/dt (per X0)")
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(IMG / "detector_electrons.png", dpi=80)
    plt.close(fig)


def noise_check() -> None:
    from nugan.data import EventSet, make_particles

    n = 1000
    nothing = make_particles(np.zeros(n, int), [], [], [], [], [], [])
    empty = EventSet({"enu_gev": np.ones(n)}, particles=nothing)
    for preset in ("mini", "nova"):
        out = simulate_detector(empty, preset, seed=3)
        cfg = get_detector_config(preset)
        exp = 2 * cfg.window_planes * cfg.window_cells * noise_probability(build_detector(cfg))
        print(f"noise-only {preset}: mean hits {out.columns['n_hits'].mean():.3f} ± "
              f"{out.columns['n_hits'].std() / math.sqrt(n):.3f}, expected {exp:.3f}")


def topologies() -> None:
    try:
        from nugan.physics.generator import generate_events

        sets = {
            "numu_cc": generate_events("numi-offaxis", "CH2", 60, seed=11, flavour="numu", processes=["cc"]),
            "nue_cc": generate_events("numi-offaxis", "CH2", 60, seed=12, flavour="nue", processes=["cc"]),
            "nc": generate_events("numi-offaxis", "CH2", 60, seed=13, flavour="numu", processes=["nc"]),
        }
        source = "generator"
    except Exception as exc:  # generator missing: particle-gun stand-ins
        print("generator unavailable:", exc)
        sets = {k: topology_gun(k, n=3) for k in ("numu_cc", "nue_cc", "nc")}
        source = "particle gun"
    for kind, ev in sets.items():
        out = simulate_detector(ev, "nova", seed=21)
        c = out.columns
        print(f"{kind} ({source}): longest track median {np.median(c['longest_track_cm']):.0f} cm, "
              f"hits/plane {np.mean(c['n_hits'] / np.maximum(c['n_planes'], 1)):.2f}, "
              f"vis/Enu {np.mean(c['vis_e_gev'] / c.get('enu_gev', np.ones(len(out)))):.3f}")
        # pick a typical event: energy near 2 GeV with enough hits
        enu = c.get("enu_gev", np.full(len(out), 2.0))
        penalty = 10.0 * (c["n_hits"] < 40)
        if kind == "nc" and "n_pi0" in c:
            penalty = penalty + 10.0 * (c["n_pi0"] < 1)  # show the typical NC background: a π⁰
        i = int(np.argmin(np.abs(enu - 2.0) + penalty))
        draw_event(out.pixelmaps[i], f"{kind}: " + truth_summary(out, i), IMG / f"detector_{kind}.png",
                   out.attrs["detector"])


def main() -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    fig_dedx_range()
    fig_muons()
    fig_electrons()
    noise_check()
    topologies()


if __name__ == "__main__":
    main()
