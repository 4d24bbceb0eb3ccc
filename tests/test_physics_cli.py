"""`nugan simulate` and `nugan xsec` through the command line."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from nugan.cli import main
from nugan.data import EventSet


def test_xsec_prints_csv(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(
        [
            "xsec",
            "--process",
            "ccqe",
            "--target",
            "free-n",
            "--enu",
            "0.5,1,2",
            "--param",
            "ma_qe_gev=1.0",
            "--param",
            "vector_ff=dipole",
            "--param",
            "mv_qe_gev=0.8426",
        ]
    )
    assert rc == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "enu_gev,xsec_1e38_cm2_per_nucleon"
    values = np.array([float(ln.split(",")[1]) for ln in lines[1:]])
    np.testing.assert_allclose(values, [0.83, 1.07, 1.06], atol=0.03)


def test_xsec_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["xsec", "--process", "nope", "--target", "C12", "--enu", "1"]) == 2
    assert main(["xsec", "--process", "cc", "--target", "C12", "--enu", "a,b"]) == 2
    assert main(["xsec", "--process", "cc", "--target", "C12", "--enu", "1", "--param", "zz=1"]) == 2
    err = capsys.readouterr().err
    assert "unknown process" in err and "--enu" in err and "zz" in err


def test_simulate_shards_independent_of_workers(tmp_path: pathlib.Path) -> None:
    common = [
        "simulate",
        "--flux",
        "mono:1.2",
        "--target",
        "C12",
        "--n",
        "300",
        "--seed",
        "5",
        "--shard-size",
        "100",
        "--no-progress",
        "--process",
        "ccqe",
        "--process",
        "res",
        "--param",
        "ma_qe_gev=1.1",
    ]
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    assert main([*common, "--out", str(a), "--workers", "1"]) == 0
    assert main([*common, "--out", str(b), "--workers", "2"]) == 0
    ea, eb = EventSet.read(str(a)), EventSet.read(str(b))
    assert len(ea) == 300
    np.testing.assert_array_equal(ea.columns["q2_gev2"], eb.columns["q2_gev2"])
    assert ea.attrs["shard_seeds"] == [5, 6, 7]
    assert ea.attrs["config"]["params"]["ma_qe_gev"] == 1.1
    assert ea.attrs["xsec_fluxavg_cm2_per_nucleon"] > 0
    assert ea.label_names == ["numu_cc", "nue_cc", "nc"]


def test_simulate_bad_flux_and_detector(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "x.h5"
    assert main(["simulate", "--flux", "bogus", "--target", "C12", "--n", "10", "--out", str(out)]) == 2
    assert main(["simulate", "--flux", "mono:1", "--target", "Pb", "--n", "10", "--out", str(out)]) == 2
    assert not out.exists()


def test_simulate_with_detector(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "d.h5"
    rc = main(
        [
            "simulate",
            "--flux",
            "mono:2",
            "--target",
            "CH",
            "--n",
            "20",
            "--seed",
            "1",
            "--out",
            str(out),
            "--detector",
            "mini",
            "--no-progress",
            "--process",
            "ccqe",
        ]
    )
    assert rc == 0
    ev = EventSet.read(str(out))
    assert ev.pixelmaps is not None and ev.pixelmaps.shape[0] == 20
    assert "vis_e_gev" in ev.columns
