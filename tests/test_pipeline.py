"""The quick start end to end, at a tiny size."""

from __future__ import annotations

import json

import pytest

from nugan.cli import main
from nugan.pipeline import QuickstartConfig, quickstart


def test_quickstart_end_to_end(tmp_path):
    cfg = QuickstartConfig(n_train=600, n_reference=400, steps=30, minutes=1.0, seed=3)
    summary = quickstart(tmp_path, cfg)
    metrics = json.loads((tmp_path / "evaluation" / "metrics.json").read_text())
    for key in ("classifier_auc", "fpd", "kpd", "prdc", "observables"):
        assert key in metrics
    for name in ("lep_e_gev", "lep_costheta", "q2_gev2", "w_gev", "vis_e_gev"):
        obs = metrics["observables"][name]
        assert set(obs) >= {"w1", "ks", "separation_power", "chi2_ndf"}
    auc = metrics["classifier_auc"]["high_level"]["value"]
    assert 0.4 <= auc <= 1.0
    assert (tmp_path / "evaluation" / "report.html").stat().st_size > 10_000
    for name in ("train.h5", "reference.h5", "generated.h5", "summary.json"):
        assert (tmp_path / name).exists()
    assert summary["headline"]["classifier_auc_high_level"]["value"] == pytest.approx(auc)


def test_quickstart_cli_rejects_unknown_model(tmp_path, capsys):
    rc = main(["quickstart", "--out", str(tmp_path), "--model", "no-such-model",
               "--n-train", "50", "--n-reference", "50", "--detector", "none"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "no-such-model" in err and "Traceback" not in err
