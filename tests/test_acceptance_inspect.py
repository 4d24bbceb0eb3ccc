"""Acceptance: `nugan inspect` on a foreign file does not present the time of reading as its provenance."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from nugan.cli import main
from nugan.data import EventSet


def test_inspect_foreign_csv_has_no_invented_provenance(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "table.csv"
    path.write_text("enu_gev,mode\n1.5,1\n2.5,3\n")
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "foreign file: no nugan provenance" in out
    assert "written by nugan" not in out and "seed -1" not in out
    assert "enu_gev" in out and "2 events" in out


def test_inspect_nugan_file_keeps_provenance(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from nugan.data import provenance

    path = tmp_path / "ev.h5"
    EventSet({"enu_gev": np.array([1.0, 2.0])}, attrs=provenance({"n": 2}, seed=7)).write(path)
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "written by nugan" in out and "seed 7" in out and "foreign" not in out
    # the same events through Parquet keep nugan's provenance too
    pq = tmp_path / "ev.parquet"
    assert main(["convert", str(path), str(pq)]) == 0
    capsys.readouterr()
    assert main(["inspect", str(pq)]) == 0
    out = capsys.readouterr().out
    assert "seed 7" in out and "foreign" not in out
