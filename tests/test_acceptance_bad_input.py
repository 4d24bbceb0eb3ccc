"""Acceptance: bad input found by using the CLI as a physicist would — each ends in a one-line error, exit 2.

Regressions for: a flux table with NaN/inf, no rows or ragged rows, a missing flux path, ``mono:inf``
(all used to give tracebacks or a file with σ = NaN); ``--param`` values the generator cannot use
(negative/NaN masses, unknown model names: used to run for a long time or fail deep inside); an
unphysical binding energy (RuntimeError from DIS); and a damaged event file whose parts have different
lengths (SchemaError that did not name the file).
"""

from __future__ import annotations

import pathlib

import h5py
import numpy as np
import pytest

from nugan.cli import main
from nugan.data import EventSet
from nugan.errors import ConfigError, InputFileError
from nugan.physics.flux import get_flux
from nugan.physics.params import PhysicsParams

HEADER = "enu_low_gev,enu_high_gev,numu\n"


@pytest.mark.parametrize(
    ("body", "expect"),
    [
        ("0.5,1.0,1.0\n1.0,1.5,nan\n", "NaN or infinite value in data row 2"),
        ("0.5,1.0,1.0\n1.0,1.5,inf\n", "NaN or infinite value in data row 2"),
        ("0.5,nan,1.0\n", "NaN or infinite value in data row 1"),
        ("", "no data rows"),
        ("0.5,1.0\n", "data row 1 has 2 values but the header has 3"),
    ],
)
def test_bad_flux_table(tmp_path: pathlib.Path, body: str, expect: str) -> None:
    path = tmp_path / "flux.csv"
    path.write_text(HEADER + body)
    with pytest.raises(InputFileError, match=expect):
        get_flux(str(path))


def test_empty_and_missing_flux_files(tmp_path: pathlib.Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputFileError, match="no data rows"):
        get_flux(str(empty))
    with pytest.raises(InputFileError, match="no such file"):
        get_flux(str(tmp_path / "missing.csv"))
    binary = tmp_path / "flux.csv"
    binary.write_bytes(b"\x89HDF\r\n\x1a\n\xff\xfe")
    with pytest.raises(InputFileError, match="cannot be read as text"):
        get_flux(str(binary))


def test_good_flux_table_still_reads(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "flux.csv"
    path.write_text("# comment\n" + HEADER + "0.5,1.0,1.0\n1.0,1.5,2.0\n")
    flux = get_flux(str(path))
    np.testing.assert_allclose(flux.edges_gev, [0.5, 1.0, 1.5])


@pytest.mark.parametrize("energy", ["inf", "nan", "-1", "0"])
def test_mono_energy_must_be_positive_finite(energy: str) -> None:
    with pytest.raises(ConfigError, match="positive finite"):
        get_flux(f"mono:{energy}")


@pytest.mark.parametrize(
    ("assignment", "expect"),
    [
        ("ma_qe_gev=-1", "must be > 0"),
        ("ma_qe_gev=nan", "finite"),
        ("ma_res_gev=inf", "finite"),
        ("fermi_momentum_gev=0", "must be > 0"),
        ("dis_norm=-0.5", "must be ≥ 0"),
        ("fsi_pi_abs_scale=-1", "must be ≥ 0"),
        ("vector_ff=foo", "one of"),
        ("fermi_model=x", "one of"),
    ],
)
def test_bad_param_values_rejected(assignment: str, expect: str) -> None:
    with pytest.raises(ConfigError, match=expect):
        PhysicsParams.from_assignments([assignment])


def test_allowed_param_values_accepted() -> None:
    p = PhysicsParams.from_assignments(
        ["ga=1.27", "mec_norm=0", "fermi_momentum_gev=none", "binding_energy_gev=0", "vector_ff=dipole"]
    )
    assert p.mec_norm == 0.0 and p.fermi_momentum_gev is None and p.vector_ff == "dipole"
    assert PhysicsParams().replace(ma_qe_gev=1.2).ma_qe_gev == 1.2
    with pytest.raises(ConfigError):
        PhysicsParams().replace(ma_res_gev=-0.1)


def _sim(tmp_path: pathlib.Path, *extra: str) -> int:
    out = tmp_path / "x.h5"
    return main(
        [
            "simulate",
            "--flux",
            "mono:1",
            "--target",
            "C12",
            "--n",
            "20",
            "--out",
            str(out),
            "--no-progress",
            *extra,
        ]
    )


def test_cli_bad_simulate_inputs_exit_2(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad_flux = tmp_path / "flux.csv"
    bad_flux.write_text(HEADER + "0.5,1.0,inf\n")
    out = str(tmp_path / "x.h5")
    assert main(["simulate", "--flux", str(bad_flux), "--target", "C12", "--n", "5", "--out", out]) == 2
    assert main(["simulate", "--flux", "mono:inf", "--target", "C12", "--n", "5", "--out", out]) == 2
    assert _sim(tmp_path, "--param", "ma_qe_gev=nan") == 2
    assert (
        main(["xsec", "--process", "ccqe", "--target", "C12", "--enu", "1", "--param", "ma_qe_gev=-1"]) == 2
    )
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 4 and all(ln.startswith("nugan ") and ": error: " in ln for ln in lines)
    assert "Traceback" not in err
    assert not (tmp_path / "x.h5").exists()


def test_cli_unphysical_binding_energy_is_config_error(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # E_b = 0.5 GeV leaves no DIS phase space at 1 GeV: formerly a RuntimeError traceback.
    assert _sim(tmp_path, "--param", "binding_energy_gev=0.5", "--process", "dis") == 2
    err = capsys.readouterr().err
    assert "binding_energy_gev=0.5" in err and "Traceback" not in err


def _damaged_copy(tmp_path: pathlib.Path) -> pathlib.Path:
    ev = EventSet({"enu_gev": np.array([1.0, 2.0, 3.0]), "mode": np.array([1, 2, 3])})
    path = tmp_path / "ev.h5"
    ev.write(path)
    with h5py.File(path, "r+") as f:
        del f["events/enu_gev"]
        f["events"].create_dataset("enu_gev", data=np.array([1.0]))
    return path


def test_damaged_file_error_names_the_file(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _damaged_copy(tmp_path)
    with pytest.raises(InputFileError, match=r"ev\.h5"):
        EventSet.read(path)
    assert main(["convert", str(path), str(tmp_path / "out.parquet")]) == 2
    err = capsys.readouterr().err
    assert "ev.h5" in err and "Traceback" not in err


def test_ragged_npz_error_names_the_file(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ragged.npz"
    np.savez(path, a=np.array([1.0, 2.0]), b=np.array([1, 2, 3]))
    assert main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert "ragged.npz" in err and "different numbers of events" in err


def test_energy_beyond_tables_is_an_error_not_a_clamped_value(capsys: pytest.CaptureFixture[str]) -> None:
    # σ used to be clamped silently at the last grid energy (200 GeV): nugan xsec printed
    # σ(200 GeV) for 1e5 GeV, and simulate wrote a file with a flux-averaged σ 2.5× too small at 500 GeV.
    from nugan.physics.xsec import E_GRID_GEV, total_xsec_cm2

    top = float(E_GRID_GEV[-1])
    assert total_xsec_cm2("cc", "C12", np.array([top]))[0] > 0
    with pytest.raises(ConfigError, match="outside the cross-section tables"):
        total_xsec_cm2("cc", "C12", np.array([1.0, 2.5 * top]))
    assert main(["xsec", "--process", "cc", "--target", "C12", "--enu", "1e5"]) == 2
    assert main(["xsec", "--process", "cc", "--target", "C12", "--enu", "nan"]) == 2
    assert main(["xsec", "--process", "cc", "--target", "C12", "--enu", "inf"]) == 2
    err = capsys.readouterr().err
    assert err.count("nugan xsec: error:") == 3 and "Traceback" not in err


def test_simulate_out_of_range_energies_exit_2(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "x.h5")
    base = ["simulate", "--target", "C12", "--n", "5", "--out", out, "--no-progress"]
    assert main([*base, "--flux", "mono:500"]) == 2
    # below every threshold: formerly "accept–reject did not converge; report this"
    assert main([*base, "--flux", "mono:0.01"]) == 2
    err = capsys.readouterr().err
    assert "outside the cross-section tables" in err and "zero interaction rate" in err
    assert not (tmp_path / "x.h5").exists()


@pytest.mark.parametrize(
    ("extra", "expect"),
    [
        (["--seed", "-1"], "--seed must be ≥ 0"),  # formerly a numpy ValueError traceback
        (["--process", "bogus"], "unknown process"),
        (["--detector", "bogus"], "unknown detector preset"),
    ],
)
def test_simulate_bad_options_fail_before_simulating(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str], extra: list[str], expect: str
) -> None:
    out = str(tmp_path / "x.h5")
    argv = ["simulate", "--flux", "mono:1", "--target", "C12", "--n", "5", "--out", out, *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err
    # one line: the error comes before the progress bar starts
    assert [ln for ln in err.splitlines() if ln.strip()] == [ln for ln in err.splitlines() if expect in ln]
    assert not (tmp_path / "x.h5").exists()


def test_simulate_out_must_be_an_hdf5_file(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["simulate", "--flux", "mono:1", "--target", "C12", "--n", "5", "--no-progress", "--out"]
    # a folder: formerly an IsADirectoryError traceback after the simulation
    assert main([*base, str(tmp_path)]) == 2
    # another suffix: formerly HDF5 bytes written under a .parquet name, which nothing could read
    assert main([*base, str(tmp_path / "ev.parquet")]) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and "nugan convert" in err and "Traceback" not in err
    assert not (tmp_path / "ev.parquet").exists()
    assert main([*base, str(tmp_path / "ev.h5")]) == 0
    assert len(EventSet.read(tmp_path / "ev.h5")) == 5


def test_param_validation_accepts_numpy_numbers_and_rejects_strings() -> None:
    assert PhysicsParams(ma_qe_gev=np.float32(1.1), mec_norm=np.int64(2)).mec_norm == 2
    with pytest.raises(ConfigError, match="must be a number"):
        PhysicsParams(ma_qe_gev="x")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="finite"):
        PhysicsParams(ma_qe_gev=np.float32("nan"))
    assert PhysicsParams.from_dict(PhysicsParams().to_dict()) == PhysicsParams()
