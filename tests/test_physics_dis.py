"""DIS physics: GRV98 grid, Bodek–Yang structure functions, total cross sections."""

from __future__ import annotations

import numpy as np
import pytest

from nugan.errors import InputFileError
from nugan.physics import agky, dis
from nugan.physics import constants as c
from nugan.physics.params import PhysicsParams
from nugan.physics.pdf import GRID_FILE, grv98lo, parse_lhgrid

LNX = np.linspace(np.log(1e-9), 0.0, 40001)
X = np.exp(LNX)


def _integral(f: np.ndarray, weight: np.ndarray | None = None) -> float:
    return float(np.trapezoid(f if weight is None else f * weight, LNX))


# --- GRV98 grid ---------------------------------------------------------------------------------


def test_grid_nodes_reproduce_the_file() -> None:
    # first data row of the file: x = 1e-9, Q² = 0.8: 7.332E-05 4.500E-05 1.360E-05 1.198 0.5633 67.17
    p = grv98lo().xf(1e-9, 0.8)
    assert float(p.uv) == pytest.approx(7.332e-5, rel=1e-9)
    assert float(p.dbar - p.ubar) == pytest.approx(1.360e-5, rel=1e-6)
    assert float(p.ubar + p.dbar) == pytest.approx(1.198, rel=1e-9)
    assert float(p.g) == pytest.approx(67.17, rel=1e-9)
    assert float(grv98lo().xf(1.0, 10.0).uv) == 0.0


@pytest.mark.parametrize("q2", [0.8, 10.0, 1000.0])
def test_valence_and_momentum_sum_rules(q2: float) -> None:
    p = grv98lo().xf(X, q2)
    assert _integral(p.uv) == pytest.approx(2.0, rel=0.01)
    assert _integral(p.dv) == pytest.approx(1.0, rel=0.01)
    momentum = p.uv + p.dv + 2 * (p.ubar + p.dbar + p.s) + p.g
    assert _integral(momentum, X) == pytest.approx(1.0, abs=0.01)


def test_grv98_close_to_pythia_grv94_at_moderate_x() -> None:
    """GRV98 and GRV94 LO (Pythia's copy) differ by fits, not by much at x = 0.1-0.5, Q² = 10."""
    import pythia8mc

    grv94 = pythia8mc.GRV94L(2212)
    for x in (0.1, 0.3, 0.5):
        p = grv98lo().xf(x, 10.0)
        uv94 = grv94.xf(2, x, 10.0) - grv94.xf(-2, x, 10.0)
        dv94 = grv94.xf(1, x, 10.0) - grv94.xf(-1, x, 10.0)
        assert float(p.uv) == pytest.approx(uv94, rel=0.12)
        assert float(p.dv) == pytest.approx(dv94, rel=0.25)


def test_truncated_grid_is_a_user_error() -> None:
    from importlib import resources

    text = resources.files("nugan.physics").joinpath("data", GRID_FILE).read_text()
    with pytest.raises(InputFileError, match="truncated"):
        parse_lhgrid(text[: len(text) // 2])
    with pytest.raises(InputFileError, match="not a complete GRV98"):
        parse_lhgrid("hello")


# --- structure functions ----------------------------------------------------------------------------


def test_gross_llewellyn_smith_sum_rule_at_high_q2() -> None:
    """∫ F₃ dx over (νN + ν̄N)/2 on an isoscalar target = 3 × (|V_ud|² + |V_us|²) at LO."""
    q2 = np.full(X.shape, 1000.0)
    f3 = 0.0
    for nu in (14, -14):
        for nuc in (2212, 2112):
            f3 = f3 + dis.structure_functions(X, q2, nu, np.full(X.shape, nuc), True).f3 / 4
    expected = 3 * (c.V_UD**2 + dis.V_US**2)
    assert _integral(f3, X) == pytest.approx(expected, rel=0.03)


def test_f1_f2_relation_and_whitlow_r() -> None:
    x, q2 = np.array([0.05, 0.3, 0.6]), np.array([5.0, 5.0, 20.0])
    sf = dis.structure_functions(x, q2, 14, np.full(3, 2212), True, c.M_PROTON)
    r = dis.r_whitlow(x, q2)
    assert np.all((r > 0) & (r < 0.5))
    expected = sf.f2 * (1 + 4 * c.M_PROTON**2 * x**2 / q2) / (1 + r)
    np.testing.assert_allclose(2 * x * sf.f1, expected, rtol=1e-12)
    np.testing.assert_allclose(sf.f5, sf.f2 / x, rtol=1e-12)


def test_bodek_yang_xi_limits() -> None:
    # ξ_w → x at large Q² (to O(M²x²/Q²)) and → B/A as Q² → 0
    assert float(dis.bodek_yang_xi(np.array(0.3), np.array(1e5))) == pytest.approx(0.3, rel=1e-3)
    assert float(dis.bodek_yang_xi(np.array(0.3), np.array(1e-8))) == pytest.approx(
        dis.BY_B_GEV2 / dis.BY_A_GEV2, rel=1e-3
    )


def test_valence_d_over_u_shows_in_nu_p_over_nu_n() -> None:
    """ν scatters on d quarks: F₂(νp)/F₂(νn) ≈ d/u < 1 at large x."""
    x, q2 = np.array([0.5]), np.array([20.0])
    f2p = dis.structure_functions(x, q2, 14, np.array([2212]), True).f2
    f2n = dis.structure_functions(x, q2, 14, np.array([2112]), True).f2
    assert 0.2 < float(f2p[0] / f2n[0]) < 0.7


# --- cross sections ----------------------------------------------------------------------------------


def _iso(
    enu: np.ndarray, nu: int, cc: bool = True, params: PhysicsParams | None = None, **kw: int
) -> np.ndarray:
    s = dis.dis_xsec_free_nucleon_cm2
    return 0.5 * (s(enu, nu, 2212, cc, params, **kw) + s(enu, nu, 2112, cc, params, **kw))


ENU = np.array([1.0, 3.0, 10.0, 50.0, 100.0])


def test_integration_is_converged_below_one_percent() -> None:
    for nu in (14, -14):
        coarse, fine = _iso(ENU, nu), _iso(ENU, nu, n_y=96, n_x=64)
        np.testing.assert_allclose(coarse, fine, rtol=0.005)


def test_high_energy_sigma_over_e_against_world_average() -> None:
    """PDG world average σ_ν/E = 0.677e-38 cm²/GeV (isoscalar); DIS dominates at 50-100 GeV."""
    e = np.array([50.0, 100.0])
    nu = _iso(e, 14) / e / 1e-38
    np.testing.assert_allclose(nu, 0.677, rtol=0.10)
    # ν̄: DIS alone sits 8-15 % under 0.334 (QE + RES add ~0.02-0.04 at these energies); σν̄/σν
    nubar = _iso(e, -14) / e / 1e-38
    assert np.all((nubar > 0.334 * 0.82) & (nubar < 0.334 * 1.05))
    assert np.all((nu / nubar > 1.9) & (nu / nubar < 2.5))


def test_nc_over_cc_matches_llewellyn_smith() -> None:
    """R_ν = σ_NC/σ_CC = 1/2 − sin²θ_W + (5/9) sin⁴θ_W (1 + r) ≈ 0.31 on an isoscalar target."""
    e = np.array([50.0])
    ratio = float((_iso(e, 14, cc=False) / _iso(e, 14))[0])
    r = float((_iso(e, -14) / _iso(e, 14))[0])
    s2 = c.SIN2_THETA_W
    assert ratio == pytest.approx(0.5 - s2 + 5 / 9 * s2**2 * (1 + r), rel=0.04)


def test_flavour_and_target_orderings() -> None:
    e = np.array([5.0, 20.0])
    s = dis.dis_xsec_free_nucleon_cm2
    assert np.all(s(e, 14, 2112, True) > s(e, 14, 2212, True))  # more d quarks in n
    assert np.all(s(e, -14, 2212, True) > s(e, -14, 2112, True))
    assert np.all(s(e, 16, 2112, True) < 0.5 * s(e, 14, 2112, True))  # τ mass suppression
    assert np.all(s(np.array([0.25]), 14, 2212, True) == 0.0)  # threshold of W = M + m_π with a μ: 0.28 GeV


def test_res_dis_joining_and_normalisation() -> None:
    e = np.array([1.5, 3.0, 30.0])
    base = PhysicsParams()
    unjoined = base.replace(w_cut_gev=1.0)  # below threshold: nothing is removed
    joined = _iso(e, 14, params=base)
    full = _iso(e, 14, params=unjoined)
    assert np.all(joined < full)
    # the removed part is the W < 1.7 GeV piece: large at 1.5 GeV, a few % at 30 GeV
    removed = 1 - joined / full
    assert removed[0] > 0.3 and removed[2] < 0.05
    np.testing.assert_allclose(_iso(e, 14, params=base.replace(dis_norm=1.3)), 1.3 * joined, rtol=1e-12)


def test_nonresonant_weight_is_the_multiplicity_average_of_r2_r3() -> None:
    w = np.array([1.2, 1.5, 1.69])
    p = agky.multiplicity_probabilities(w, 14, np.full(3, 2212))
    expected = 0.1 * p[:, 2] + 1.0 * p[:, 3] + p[:, 4:].sum(axis=1)  # R2, R3 (n = 2, 3), 1 above
    np.testing.assert_allclose(agky.nonresonant_weight(w, 14, np.full(3, 2212)), expected, rtol=1e-12)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
