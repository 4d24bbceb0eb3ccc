"""Acceptance: `nugan show --out` that cannot be a PNG file fails with one line before drawing."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from nugan.cli import main
from nugan.data import EventSet


def _file(tmp_path: pathlib.Path) -> pathlib.Path:
    pm = np.zeros((2, 2, 8, 6), dtype=np.float32)
    pm[:, :, 2, 3] = 5.0
    path = tmp_path / "ev.h5"
    EventSet({"enu_gev": np.array([1.0, 2.0])}, pixelmaps=pm).write(path)
    return path


def test_show_out_folder_or_other_suffix(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path)
    # a folder: formerly an IsADirectoryError traceback; .jpg: formerly PNG bytes under a .jpg name
    assert main(["show", str(path), "--out", str(tmp_path)]) == 2
    assert main(["show", str(path), "--out", str(tmp_path / "ev.jpg")]) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and "*.png" in err and "Traceback" not in err
    assert not (tmp_path / "ev.jpg").exists()
    png = tmp_path / "ev.png"
    assert main(["show", str(path), "--event", "1", "--out", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
