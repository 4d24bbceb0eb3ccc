"""`nugan show`: event display PNG from a simulated file; clear errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest

from nugan.cli import main
from nugan.data import EventSet
from nugan.physics.detector import simulate_detector
from nugan.physics.detector.display import truth_summary
from nugan.physics.detector.guns import topology_gun


@pytest.fixture
def simulated(tmp_path):
    ev = topology_gun("numu_cc", n=3).with_columns(enu_gev=np.full(3, 2.0), nu_pdg=np.full(3, 14),
                                                   mode=np.full(3, 3), lep_pdg=np.full(3, 13),
                                                   lep_e_gev=np.full(3, 1.4))
    out = simulate_detector(ev, "mini", seed=1)
    path = tmp_path / "ev.h5"
    out.write(path)
    return path, out


def test_show_writes_png(simulated, tmp_path, capsys) -> None:
    path, _ = simulated
    png = tmp_path / "display.png"
    assert main(["show", str(path), "--event", "2", "--out", str(png)]) == 0
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    assert "wrote" in capsys.readouterr().out


def test_truth_summary_names_the_interaction(simulated) -> None:
    _, out = simulated
    text = truth_summary(out, 1)
    assert "νμ 2.00 GeV" in text and "CCRES" in text and "μ⁻ 1.40 GeV" in text and "hits" in text


def test_show_errors(simulated, tmp_path, capsys) -> None:
    path, _ = simulated
    assert main(["show", str(path), "--event", "7"]) == 2
    assert "0..2" in capsys.readouterr().err
    plain = tmp_path / "plain.h5"
    EventSet({"enu_gev": np.ones(2)}).write(plain)
    assert main(["show", str(plain), "--event", "0"]) == 2
    assert "no pixel maps" in capsys.readouterr().err
    assert main(["show", str(tmp_path / "missing.h5")]) == 2
