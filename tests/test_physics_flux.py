"""Fluxes: shipped tables, the NuMI-like off-axis spectrum, inverse-CDF sampling."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from nugan.errors import ConfigError, InputFileError
from nugan.physics.flux import get_flux, numi_offaxis_flux


def test_tables_match_shared_measurements() -> None:
    """Integrals and mean energies quoted in shared/data/measurements/README.md."""
    mb = get_flux("miniboone")
    assert mb.bin_integrals().sum() == pytest.approx(5.19e-10, rel=0.01)
    assert mb.mean_energy_gev() == pytest.approx(0.81, abs=0.01)
    t2k = get_flux("t2k-nd280")
    assert t2k.bin_integrals().sum() == pytest.approx(1.917e-8, rel=0.01)
    assert t2k.mean_energy_gev() == pytest.approx(0.853, abs=0.01)
    mn = get_flux("minerva-le")
    assert mn.bin_integrals().sum() == pytest.approx(2.86e-8, rel=0.01)


def test_numi_offaxis_peaks_near_two_gev() -> None:
    edges, dens = numi_offaxis_flux(14)
    centres = 0.5 * (edges[1:] + edges[:-1])
    peak = centres[np.argmax(dens)]
    assert 1.6 < peak < 2.2  # E_max = 0.4269 m_π/(2θ) = 2.04 GeV at 14.6 mrad
    nue = get_flux("numi-offaxis", "nue")
    total = get_flux("numi-offaxis").bin_integrals().sum()
    assert nue.bin_integrals().sum() == pytest.approx(0.01 * total, rel=1e-6)
    wider = numi_offaxis_flux(14, theta_mrad=25.0)
    assert centres[np.argmax(wider[1])] < peak


def test_sampling_follows_histogram() -> None:
    f = get_flux("miniboone")
    e = f.sample(np.random.default_rng(1), 200_000)
    assert e.mean() == pytest.approx(f.mean_energy_gev(), rel=0.01)
    assert np.all((e >= f.emin_gev) & (e <= f.emax_gev))
    h, _ = np.histogram(e, f.edges_gev)
    expect = f.bin_integrals() / f.bin_integrals().sum() * e.size
    big = expect > 500
    assert np.all(np.abs(h[big] - expect[big]) < 5 * np.sqrt(expect[big]))


def test_flavours_and_errors(tmp_path: pathlib.Path) -> None:
    assert get_flux("t2k-nd280", "numubar").nu_pdg == -14
    assert get_flux("mono:2", "nue").nu_pdg == 12
    with pytest.raises(ConfigError):
        get_flux("mono:abc")
    with pytest.raises(ConfigError):
        get_flux("nowhere-flux")
    with pytest.raises(ConfigError):
        get_flux("miniboone", "nutau")
    bad = tmp_path / "bad.csv"
    bad.write_text("enu_low_gev,enu_high_gev,numu\n1,0.5,3\n")
    with pytest.raises(InputFileError):
        get_flux(str(bad))
    good = tmp_path / "good.csv"
    good.write_text("# my flux\nenu_low_gev,enu_high_gev,numu\n0.5,1.0,2\n1.0,2.0,1\n")
    f = get_flux(str(good))
    assert f.mean_energy_gev() == pytest.approx((0.75 * 1 + 1.5 * 1) / 2)
    r = get_flux("minerva-le").restrict(1.5, 10.0)
    assert r.emin_gev == 1.5 and r.emax_gev == 10.0
