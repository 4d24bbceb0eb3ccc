"""The generator reproduces its own cross sections; reweighting matches direct generation."""

from __future__ import annotations

import numpy as np
import pytest

from nugan.errors import ConfigError
from nugan.physics import ccqe
from nugan.physics.flux import get_flux
from nugan.physics.generator import generate_events
from nugan.physics.modes import Mode
from nugan.physics.params import PhysicsParams
from nugan.physics.reweight import reweight
from nugan.physics.xsec import total_xsec_cm2


def _chi2(obs: np.ndarray, exp: np.ndarray) -> float:
    ok = exp > 5
    return float(np.sum((obs[ok] - exp[ok]) ** 2 / exp[ok])), int(ok.sum())


def test_ccqe_q2_histogram_matches_formula() -> None:
    """Free neutron, 1 GeV: the Q² histogram of generated events vs ∫dσ/dQ² per bin (χ²/ndf ≈ 1)."""
    n = 20_000
    ev = generate_events("mono:1.0", "free-n", n, seed=11, processes=["ccqe"])
    bins = np.linspace(0.0, 1.6, 33)
    h, _ = np.histogram(ev.columns["q2_gev2"], bins)
    fine = np.linspace(0, 1.6, 3201)
    d = ccqe.dxsec_dq2_qe_cm2(np.full(fine.size, 1.0), fine, 14)
    cum = np.concatenate([[0], np.cumsum(0.5 * (d[1:] + d[:-1]) * np.diff(fine))])
    per_bin = np.diff(np.interp(bins, fine, cum))
    expect = n * per_bin / cum[-1]
    chi2, ndf = _chi2(h, expect)
    assert chi2 / ndf < 2.0
    assert ev.attrs["xsec_fluxavg_cm2_per_nucleon"] == pytest.approx(
        ccqe.xsec_qe_free_cm2(np.array([1.0]), 14)[0], rel=0.025
    )


def test_flux_averaged_xsec_attribute() -> None:
    f = get_flux("miniboone")
    ev = generate_events(f, "C12", 2000, seed=5, processes=["ccqe"])
    e = np.linspace(f.emin_gev, f.emax_gev, 40001)
    phi = np.interp(e, 0.5 * (f.edges_gev[1:] + f.edges_gev[:-1]), f.density)
    sig = total_xsec_cm2("ccqe", "C12", e)
    expect = np.trapezoid(phi * sig, e) / np.trapezoid(phi, e)
    assert ev.attrs["xsec_fluxavg_cm2_per_nucleon"] == pytest.approx(expect, rel=0.02)
    # event energies follow φ(E)σ(E): mean energy above the flux mean (σ rises)
    assert ev.columns["enu_gev"].mean() > f.mean_energy_gev()


def test_channel_fractions_follow_cross_sections() -> None:
    n = 8000
    ev = generate_events("mono:2.0", "CH2", n, seed=2)
    frac_h = np.mean(ev.columns["target_pdg"] == 2212)
    e = np.array([2.0])
    s_h = 2 * total_xsec_cm2("total", "free-p", e)[0]
    s_c = 12 * total_xsec_cm2("total", "C12", e)[0]
    expect = s_h / (s_h + s_c)
    assert abs(frac_h - expect) < 4 * np.sqrt(expect * (1 - expect) / n)
    modes = set(np.unique(ev.columns["mode"]).tolist())
    assert {int(Mode.CCQE), int(Mode.CCRES), int(Mode.NCEL), int(Mode.CCMEC)} <= modes


def test_delta_decay_isospin_ratios() -> None:
    """CC Δ on a free neutron: Δ⁺ → pπ⁰ : nπ⁺ = 2 : 1 (so pπ⁺ : pπ⁰ : nπ⁺ = 9 : 2 : 1 with νp ×3)."""
    n = 6000
    ev = generate_events("mono:1.5", "free-n", n, seed=3, processes=["res"])
    c = ev.columns
    ppi0 = np.mean((c["n_p"] == 1) & (c["n_pi0"] == 1))
    npip = np.mean((c["n_n"] == 1) & (c["n_pip"] == 1))
    assert ppi0 + npip == pytest.approx(1.0)
    assert ppi0 == pytest.approx(2 / 3, abs=4 * np.sqrt(2 / 9 / n))
    evp = generate_events("mono:1.5", "free-p", 500, seed=3, processes=["res"])
    assert np.all((evp.columns["n_p"] == 1) & (evp.columns["n_pip"] == 1))
    assert np.all((evp.columns["w_gev"] > 1.07) & (evp.columns["w_gev"] < 1.7 + 1e-9))


def test_pauli_blocking_and_fsi_visible() -> None:
    kf = 0.221
    ev = generate_events("mono:0.6", "C12", 3000, seed=4, processes=["ccqe"])
    parts = ev.particles
    import awkward as ak

    pre = parts[parts.status == 14]
    p = np.sqrt(
        ak.to_numpy(ak.flatten(pre.px)) ** 2
        + ak.to_numpy(ak.flatten(pre.py)) ** 2
        + ak.to_numpy(ak.flatten(pre.pz)) ** 2
    )
    assert np.all(p > kf)
    # FSI produces extra nucleons in some events; switching it off removes them
    assert np.mean(ev.columns["n_p"] + ev.columns["n_n"]) > 1.02
    off = generate_events(
        "mono:0.6", "C12", 500, seed=4, params=PhysicsParams(fsi_enabled=False), processes=["ccqe"]
    )
    assert np.all(off.columns["n_p"] == 1)


def test_pion_absorption_scale() -> None:
    base = generate_events("mono:1.5", "C12", 3000, seed=9, processes=["res"])
    more = generate_events(
        "mono:1.5", "C12", 3000, seed=9, processes=["res"], params=PhysicsParams(fsi_pi_abs_scale=3.0)
    )
    npi = lambda e: e.columns["n_pip"] + e.columns["n_pim"] + e.columns["n_pi0"]  # noqa: E731
    assert np.mean(npi(more) == 0) > np.mean(npi(base) == 0) + 0.05
    assert 0.05 < np.mean(npi(base) == 0) < 0.35  # carbon: ~15-25 % of Δ pions absorbed


def test_reweight_matches_direct_generation() -> None:
    p0 = PhysicsParams()
    p1 = p0.replace(ma_qe_gev=1.35, ma_res_gev=0.95, mec_norm=1.5)
    n = 12_000
    procs = ["ccqe", "res", "2p2h"]
    a = generate_events("mono:1.0", "C12", n, seed=1, params=p0, processes=procs)
    b = generate_events("mono:1.0", "C12", n, seed=2, params=p1, processes=procs)
    w = reweight(a, p1)
    sa, sb = a.attrs["xsec_fluxavg_cm2_per_nucleon"], b.attrs["xsec_fluxavg_cm2_per_nucleon"]
    assert w.mean() * sa == pytest.approx(sb, rel=0.02)
    bins = np.linspace(0, 1.2, 17)
    for mode in (Mode.CCQE, Mode.CCRES, Mode.CCMEC):
        ma, mb = a.columns["mode"] == mode, b.columns["mode"] == mode
        ha, _ = np.histogram(a.columns["q2_gev2"][ma], bins, weights=w[ma])
        ha2, _ = np.histogram(a.columns["q2_gev2"][ma], bins, weights=w[ma] ** 2)
        hb, _ = np.histogram(b.columns["q2_gev2"][mb], bins)
        ya, ea = ha * sa / n, np.sqrt(ha2) * sa / n
        yb, eb = hb * sb / n, np.sqrt(hb) * sb / n
        ok = hb > 10
        chi2 = np.sum((ya - yb)[ok] ** 2 / (ea**2 + eb**2)[ok])
        assert chi2 / ok.sum() < 2.5, (mode, chi2, ok.sum())
    assert np.allclose(reweight(a, p0), 1.0)
    with pytest.raises(ConfigError):
        reweight(a, p0.replace(fermi_momentum_gev=0.25))


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError):
        generate_events("mono:1", "C12", 10, seed=0, processes=["nonsense"])
    with pytest.raises(ConfigError):
        generate_events("mono:1", "Fe56", 10, seed=0)
    with pytest.raises(ConfigError):
        generate_events("mono:0.1", "free-p", 10, seed=0, processes=["ccqe"])


def test_res_w_histogram_matches_formula() -> None:
    """Free proton, 1.5 GeV: W of generated Δ events vs ∫(d²σ/dWdQ²)dQ² per bin (χ²/ndf ≈ 1)."""
    from nugan.physics import res

    n = 12_000
    ev = generate_events("mono:1.5", "free-p", n, seed=5, processes=["res"])
    bins = np.linspace(1.08, 1.7, 32)
    h, _ = np.histogram(ev.columns["w_gev"], bins)
    wf = np.linspace(1.0775, 1.7, 1200)
    x, wt = np.polynomial.legendre.leggauss(48)
    lo, hi = res.q2_range_w(np.full(wf.size, 1.5), wf, 0.10566)
    half = 0.5 * np.clip(hi - lo, 0, None)
    q2 = half[:, None] * (x[None, :] + 1) + lo[:, None]
    d = res.d2xsec_dwdq2_delta_cm2(
        np.full(q2.shape, 1.5), np.broadcast_to(wf[:, None], q2.shape), q2, 14, np.full(q2.shape, True)
    )
    dw = np.sum(d * wt, axis=1) * half
    cum = np.concatenate([[0], np.cumsum(0.5 * (dw[1:] + dw[:-1]) * np.diff(wf))])
    expect = n * np.diff(np.interp(bins, wf, cum)) / cum[-1]
    chi2, ndf = _chi2(h, expect)
    assert chi2 / ndf < 2.0
    assert ev.attrs["xsec_fluxavg_cm2_per_nucleon"] == pytest.approx(cum[-1], rel=0.03)
