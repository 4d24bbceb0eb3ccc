"""Cross sections against known answers (PHYSICS-REFERENCES §2, §5, §7)."""

from __future__ import annotations

import numpy as np
import pytest

from nugan.errors import ConfigError
from nugan.physics import ccqe, coh, res
from nugan.physics import formfactors as ff
from nugan.physics.params import PhysicsParams
from nugan.physics.xsec import total_xsec_cm2

E = np.array([0.5, 1.0, 2.0, 5.0])
DIPOLE = PhysicsParams(ma_qe_gev=1.0, vector_ff="dipole", mv_qe_gev=np.sqrt(0.71), ga=-1.2754)


def test_ccqe_free_matches_reference_table() -> None:
    """PHYSICS-REFERENCES §2 sanity table (computed independently), 10⁻³⁸ cm²."""
    nu = ccqe.xsec_qe_free_cm2(E, 14, DIPOLE) / 1e-38
    nubar = ccqe.xsec_qe_free_cm2(E, -14, DIPOLE) / 1e-38
    np.testing.assert_allclose(nu, [0.83, 1.07, 1.06, 0.99], atol=0.006)
    np.testing.assert_allclose(nubar, [0.23, 0.41, 0.60, 0.78], atol=0.006)
    heavy = ccqe.xsec_qe_free_cm2(E, 14, DIPOLE.replace(ma_qe_gev=1.35)) / 1e-38
    np.testing.assert_allclose(heavy, [0.99, 1.40, 1.45, 1.38], atol=0.006)


def test_neutrino_above_antineutrino_and_ma_raises_sigma() -> None:
    e = np.geomspace(0.3, 20, 12)
    assert np.all(ccqe.xsec_qe_free_cm2(e, 14, DIPOLE) > ccqe.xsec_qe_free_cm2(e, -14, DIPOLE))
    assert np.all(
        ccqe.xsec_qe_free_cm2(e, 14, DIPOLE.replace(ma_qe_gev=1.2)) > ccqe.xsec_qe_free_cm2(e, 14, DIPOLE)
    )


def test_galster_like_bbba05_lowers_sigma_slightly() -> None:
    """BBBA05 (with G_E^n ≠ 0 and softer G_M) lowers σ(1 GeV) by a few per cent relative to the dipole."""
    s_d = ccqe.xsec_qe_free_cm2(np.array([1.0]), 14, DIPOLE)[0]
    s_b = ccqe.xsec_qe_free_cm2(np.array([1.0]), 14, DIPOLE.replace(vector_ff="bbba05", mv_qe_gev=0.84))[0]
    assert 0.93 < s_b / s_d < 1.0


def test_form_factor_normalisations() -> None:
    f1, xf2 = ff.isovector_f1_f2(np.array([0.0]))
    assert f1[0] == pytest.approx(1.0)
    assert xf2[0] == pytest.approx(2.79284734463 + 1.91304276 - 1.0, rel=1e-9)
    with pytest.raises(ConfigError):
        ff.sachs_form_factors(np.array([0.1]), "nonsense")


def test_differential_is_zero_outside_physical_range() -> None:
    lo, hi = ccqe.q2_range_free(np.array([0.5]), 0.10566)
    inside = ccqe.dxsec_dq2_qe_cm2(np.array([0.5]), 0.5 * (lo + hi), 14)
    outside = ccqe.dxsec_dq2_qe_cm2(np.array([0.5]), hi + 0.01, 14)
    assert inside[0] > 0 and outside[0] == 0


def test_delta_isospin_factor_three() -> None:
    e = np.array([1.0, 3.0])
    p = res.xsec_delta_free_cm2(e, 14, True)
    n = res.xsec_delta_free_cm2(e, 14, False)
    np.testing.assert_allclose(p / n, 3.0, rtol=1e-9)
    nb_n = res.xsec_delta_free_cm2(e, -14, False)
    nb_p = res.xsec_delta_free_cm2(e, -14, True)
    np.testing.assert_allclose(nb_n / nb_p, 3.0, rtol=1e-9)


def test_delta_size_and_axial_mass() -> None:
    """νp → μ⁻Δ⁺⁺ plateau ≈ 0.6–0.9 × 10⁻³⁸ cm² (ANL/BNL νp → μ⁻pπ⁺; GENIE RS), rising with M_A^RES."""
    s = res.xsec_delta_free_cm2(np.array([2.0, 5.0]), 14, True) / 1e-38
    assert np.all((s > 0.6) & (s < 0.95))
    s2 = res.xsec_delta_free_cm2(np.array([2.0]), 14, True, params=PhysicsParams(ma_res_gev=1.3))[0] / 1e-38
    assert s2 > s[0] * 1.1
    assert res.xsec_delta_free_cm2(np.array([0.27]), 14, True)[0] == 0.0  # below threshold (0.277 GeV)


def test_nc_smaller_than_cc() -> None:
    e = np.array([1.0, 3.0])
    cc_qe = ccqe.xsec_qe_free_cm2(e, 14, DIPOLE)
    nc_p = ccqe.xsec_qe_free_cm2(e, 14, DIPOLE, cc=False, is_proton=True)
    assert np.all((nc_p / cc_qe > 0.08) & (nc_p / cc_qe < 0.25))  # BNL E734: NCEL/CCQE ≈ 0.15
    cc_res = res.xsec_delta_free_cm2(e, 14, True)
    nc_res = res.xsec_delta_free_cm2(e, 14, True, cc=False)
    assert np.all(nc_res < cc_res / 2)


def test_coherent_pcac_suppression_and_size() -> None:
    """CC/NC ≈ 2 at high energy; the lepton-mass (PCAC) correction suppresses CC at low energy."""

    def total(e: float, cc: bool) -> float:
        nu = np.linspace(0.14, e - 0.106, 500)
        q2 = np.linspace(0, 2.0, 600)
        n, q = np.meshgrid(nu, q2, indexing="ij")
        d = coh.d2xsec_dq2dnu_coh_cm2(np.full(n.shape, e), q, n, 12, 14, cc)
        return float(d.sum() * (nu[1] - nu[0]) * (q2[1] - q2[0]))

    r_hi = total(10.0, True) / total(10.0, False)
    r_lo = total(0.7, True) / total(0.7, False)
    assert 1.7 < r_hi < 2.05
    assert r_lo < r_hi
    assert 1e-40 < total(2.0, True) / 12 < 2e-39  # per nucleon, carbon


def test_nuclear_ccqe_below_free_and_tables_match_closed_form() -> None:
    """MC tables on free nucleons reproduce the quadrature; the RFG (Pauli blocking) lowers σ."""
    e = np.array([0.5, 1.0, 2.0])
    free = total_xsec_cm2("ccqe", "free-n", e, 14, DIPOLE)
    np.testing.assert_allclose(free, ccqe.xsec_qe_free_cm2(e, 14, DIPOLE), rtol=0.025)
    carbon_per_neutron = total_xsec_cm2("ccqe", "C12", e, 14, DIPOLE) * 2
    assert np.all(carbon_per_neutron < free)
    assert np.all(carbon_per_neutron > 0.8 * free)
    nopb = total_xsec_cm2("ccqe", "C12", e, 14, DIPOLE.replace(pauli_blocking=False)) * 2
    assert np.all(nopb > carbon_per_neutron)


def test_total_is_sum_of_parts_and_composites() -> None:
    e = np.array([1.0, 3.0])
    tot = total_xsec_cm2("total", "C12", e)
    parts = total_xsec_cm2("cc", "C12", e) + total_xsec_cm2("nc", "C12", e)
    np.testing.assert_allclose(tot, parts, rtol=1e-12)
    ch = total_xsec_cm2("ccqe", "CH", e, -14)
    expect = (12 * total_xsec_cm2("ccqe", "C12", e, -14) + total_xsec_cm2("ccqe", "free-p", e, -14)) / 13
    np.testing.assert_allclose(ch, expect, rtol=1e-12)
    assert np.all(total_xsec_cm2("ccqe", "free-p", e, 14) == 0)  # no ν p CCQE
    with pytest.raises(ConfigError):
        total_xsec_cm2("bogus", "C12", e)
    with pytest.raises(ConfigError):
        total_xsec_cm2("cc", "Pb208", e)


def test_bodek_ritchie_tail() -> None:
    """The Bodek–Ritchie option puts ≈ 2R(k_F a/π)²-weighted nucleons above k_F (none for the RFG)."""
    from nugan.physics.nucleus import sample_fermi_momentum

    rng = np.random.default_rng(0)
    kf = np.full(50_000, 0.221)
    p_rfg = np.linalg.norm(sample_fermi_momentum(rng, kf), axis=1)
    p_br = np.linalg.norm(sample_fermi_momentum(rng, kf, "bodek-ritchie"), axis=1)
    assert p_rfg.max() <= 0.221
    frac = np.mean(p_br > 0.221)
    c2 = (0.221 * 2.0 / np.pi) ** 2
    r = 1 / (1 - 0.221 / 4.0)
    tail = 2 * r * c2 * 0.221**4 * (1 / 0.221 - 1 / 0.5)
    core = (1 - 6 * c2) * 0.221**3 / 3
    assert frac == pytest.approx(tail / (tail + core), abs=0.01)
    assert p_br.max() < 0.5
    s_br = total_xsec_cm2("ccqe", "C12", np.array([1.0]), 14, PhysicsParams(fermi_model="bodek-ritchie"))[0]
    s_rfg = total_xsec_cm2("ccqe", "C12", np.array([1.0]), 14, PhysicsParams())[0]
    assert abs(s_br / s_rfg - 1) < 0.1
    with pytest.raises(ConfigError):
        sample_fermi_momentum(rng, kf, "spectral")
