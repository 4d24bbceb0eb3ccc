"""Training, run directories, evaluation report, CLI and error handling of nugan.uncertainty."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from nugan.cli import main
from nugan.data import EventSet
from nugan.errors import CheckpointError, ConfigError, SchemaError
from nugan.uncertainty.evaluate import evaluate_run
from nugan.uncertainty.runs import load_run, save_run
from nugan.uncertainty.toy import TOY_CLASSES, make_toy_events
from nugan.uncertainty.train import train_uq

torch.set_num_threads(1)
SMALL = {"width": 4, "hidden": 16, "epochs": 5, "batch_size": 32, "lr": 3e-3}


@pytest.fixture(scope="module")
def toy() -> EventSet:
    return make_toy_events(400, seed=11, image_shape=(2, 16, 16))


@pytest.fixture(scope="module")
def classifier(toy: EventSet) -> object:
    return train_uq(toy, "classify", "ensemble", members=2, seed=0, **SMALL)


def test_toy_events_are_seeded_and_scale_with_energy() -> None:
    a = make_toy_events(60, seed=5, image_shape=(2, 16, 16))
    b = make_toy_events(60, seed=5, image_shape=(2, 16, 16))
    np.testing.assert_array_equal(a.pixelmaps, b.pixelmaps)
    assert a.label_names == list(TOY_CLASSES)
    corr = np.corrcoef(a.columns["enu_gev"], a.pixelmaps.sum(axis=(1, 2, 3)))[0, 1]
    assert corr > 0.7
    only = make_toy_events(10, seed=1, classes=["nue_cc"])
    assert set(only.labels.tolist()) == {TOY_CLASSES.index("nue_cc")}


def test_ensemble_classifier_learns_and_is_calibrated(toy: EventSet, classifier: object) -> None:
    run = classifier
    assert len(run.members) == 2 and run.class_names == list(TOY_CLASSES)
    test = toy[np.asarray(run.info["test_indices"])]
    pred = run.predict(test.pixelmaps)
    acc = float(np.mean(pred["probs"].argmax(1) == test.labels))
    assert acc > 0.6  # chance is 1/3
    assert pred["log_probs"].shape == (2, len(test), 3)
    np.testing.assert_allclose(pred["probs_calibrated"].sum(1), 1.0, atol=1e-9)
    assert 0.05 <= run.temperature <= 20


def test_training_is_reproducible(toy: EventSet, classifier: object) -> None:
    again = train_uq(toy, "classify", "ensemble", members=2, seed=0, **SMALL)
    for a, b in zip(classifier.members, again.members):
        for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
            assert torch.equal(va, vb), k


def test_save_load_round_trip(tmp_path: Path, toy: EventSet, classifier: object) -> None:
    save_run(classifier, tmp_path / "run")
    loaded = load_run(tmp_path / "run")
    pix = toy.pixelmaps[:20]
    np.testing.assert_allclose(loaded.predict(pix)["probs"], classifier.predict(pix)["probs"], atol=1e-6)
    assert loaded.temperature == classifier.temperature and loaded.class_names == classifier.class_names
    np.testing.assert_allclose(loaded.mahalanobis(pix), classifier.mahalanobis(pix), rtol=1e-6)
    (tmp_path / "run" / "density.pt").write_bytes(b"")
    with pytest.raises(CheckpointError, match="feature density"):
        load_run(tmp_path / "run")


def test_corrupt_run_dirs_give_clear_errors(tmp_path: Path, classifier: object) -> None:
    with pytest.raises(CheckpointError, match=r"no uq_run\.json"):
        load_run(tmp_path / "nothing")
    run_dir = save_run(classifier, tmp_path / "run")
    (run_dir / "member_1.pt").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match=r"member_1\.pt: cannot load"):
        load_run(run_dir)
    (run_dir / "member_1.pt").unlink()
    with pytest.raises(CheckpointError, match=r"member_1\.pt is missing"):
        load_run(run_dir)
    (run_dir / "uq_run.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="corrupt"):
        load_run(run_dir)
    (run_dir / "uq_run.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(CheckpointError, match="not a nugan UQ run"):
        load_run(run_dir)


def test_bad_inputs_give_clear_errors(toy: EventSet) -> None:
    with pytest.raises(SchemaError, match="no pixel maps"):
        train_uq(toy.with_parts(pixelmaps=None), "classify", "ensemble", **SMALL)
    with pytest.raises(SchemaError, match="pixel maps must have shape"):
        train_uq(toy.with_parts(pixelmaps=toy.pixelmaps[:, :, :2, :2]), "classify", "ensemble", **SMALL)
    bad = toy.pixelmaps.copy()
    bad[3, 0, 1, 1] = np.nan
    with pytest.raises(SchemaError, match="1 event\\(s\\) have NaN"):
        train_uq(toy.with_parts(pixelmaps=bad), "classify", "ensemble", **SMALL)
    with pytest.raises(SchemaError, match="has no labels"):
        train_uq(toy.with_parts(labels=None, label_names=None), "classify", "ensemble", **SMALL)
    with pytest.raises(SchemaError, match="enu_gev"):
        train_uq(toy.with_parts(columns={"x": np.zeros(len(toy))}), "energy", "heteroscedastic", **SMALL)
    with pytest.raises(ConfigError, match="no such class"):
        train_uq(toy, "classify", "ensemble", exclude_class=["nutau_cc"], **SMALL)
    with pytest.raises(ConfigError, match="for --task energy"):
        train_uq(toy, "classify", "heteroscedastic", **SMALL)
    with pytest.raises(ConfigError, match="unknown method"):
        train_uq(toy, "classify", "swag", **SMALL)


def test_figure5_exclusion_and_evaluation_report(tmp_path: Path, toy: EventSet) -> None:
    run = train_uq(toy, "classify", "mc-dropout", exclude_class=["nue_cc"], mc_samples=5, seed=1, **SMALL)
    assert run.class_names == ["numu_cc", "nc"] and run.mc_samples == 5
    ood = make_toy_events(30, seed=3, image_shape=(2, 16, 16), classes=["nue_cc"])
    m = evaluate_run(run, toy, tmp_path / "eval", ood_events=ood, n_examples=3)
    assert m["ood"]["ood_file:ood"]["n_events"] == 30
    unseen = m["ood"]["unseen_class:nue_cc"]
    assert 0.5 <= unseen["visible_energy_auroc"] <= 1.0
    assert "energy_matched" not in m["ood"]["shift:extra_noise"]
    assert m["held_out_test_split"] and m["n_events"] == len(run.info["test_indices"])
    assert set(m["ood"]) >= {"unseen_class:nue_cc", "shift:energy_scale_+10%", "shift:extra_noise"}
    for block in m["ood"].values():
        assert set(block["auroc"]) == {
            "max_softmax",
            "entropy",
            "mutual_information",
            "ensemble_variance",
            "mahalanobis",
        }
        assert all(0.0 <= v <= 1.0 for v in block["auroc"].values())
    # entropy decomposition holds on average
    u = m["uncertainty_means"]
    assert u["total"] == pytest.approx(u["aleatoric"] + u["epistemic"], rel=1e-6)
    for name in ("metrics.json", "report.md", "uq_reliability.png", "uq_examples.png"):
        assert (tmp_path / "eval" / name).stat().st_size > 0
    assert "unseen_class:nue_cc" in (tmp_path / "eval" / "report.md").read_text()
    with pytest.raises(SchemaError, match="differ from"):
        evaluate_run(run, toy, tmp_path / "eval2", ood_events=make_toy_events(5, seed=4))
    with pytest.raises(SchemaError, match="3 views"):
        evaluate_run(
            run, toy.with_parts(pixelmaps=np.repeat(toy.pixelmaps[:, :1], 3, axis=1)), tmp_path / "e3"
        )


def test_energy_regressor_and_cli(tmp_path: Path, toy: EventSet, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "toy.h5"
    toy.write(str(data))
    train = "uq train --task energy --method ensemble --members 2 --epochs 10 --lr 3e-3 --width 4"
    rc = main([*train.split(), "--data", str(data), "--out", str(tmp_path / "run"), "--device", "cpu"])
    assert rc == 0 and "variance scale" in capsys.readouterr().out
    rc = main(["uq", "evaluate", str(tmp_path / "run"), "--data", str(data), "--out", str(tmp_path / "ev")])
    assert rc == 0
    m = json.loads((tmp_path / "ev" / "metrics.json").read_text())
    assert m["task"] == "energy" and m["held_out_test_split"]
    # learned something: a constant prediction (the mean energy) has a fractional RMS ≈ 0.9 here
    assert m["resolution"]["rms"] < 0.5
    assert 0.3 < m["calibrated"]["coverage_68"] < 0.95
    assert m["calibrated"]["coverage_95"] >= m["calibrated"]["coverage_68"]
    assert (tmp_path / "ev" / "uq_coverage.png").is_file()
    assert (
        main(["uq", "evaluate", str(tmp_path / "missing"), "--data", str(data), "--out", str(tmp_path)]) == 2
    )
    assert "no uq_run.json" in capsys.readouterr().err
