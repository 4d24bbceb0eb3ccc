"""`nugan train`, `nugan generate`, `nugan models` through nugan.cli.main: results and bad input (exit 2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from nugan.cli import main
from nugan.data import EventSet
from nugan.models import registry

from .test_training import ShiftModel, TableOnlyGAN, TinyGAN, table_events

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def zoo(monkeypatch: pytest.MonkeyPatch) -> None:
    registry.model_names()
    for cls in (TinyGAN, TableOnlyGAN, ShiftModel):
        monkeypatch.setitem(registry._MODELS, cls.name, cls)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "events.h5"
    table_events(120).write(str(path))
    return path


def _train(data: Path, out: Path, *extra: str, model: str = "test-tiny-gan") -> int:
    return main(
        [
            "train",
            "--model",
            model,
            "--data",
            str(data),
            "--features",
            "lep_e_gev,q2_gev2",
            "--condition",
            "enu_gev",
            "--steps",
            "4",
            "--out",
            str(out),
            "--set",
            "log_every=2",
            "--set",
            "sample_every=0",
            "--set",
            "batch_size=16",
            *extra,
        ]
    )


def test_train_then_generate(
    zoo: None, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("lr: 1e-3\nema_decay: 0.9\n")
    assert _train(data, tmp_path / "run", "--config", str(cfg), "--seed", "3") == 0
    out = capsys.readouterr()
    assert "4 steps" in out.out and "nugan generate" in out.out
    stored = json.loads((tmp_path / "run" / "config.json").read_text())
    assert (
        stored["overrides"] == {"lr": 0.001}
        and stored["training"]["ema_decay"] == 0.9
        and stored["seed"] == 3
    )
    gen = tmp_path / "gen.h5"
    assert (
        main(
            [
                "generate",
                str(tmp_path / "run"),
                "--n",
                "25",
                "--condition",
                "enu_gev=2.5",
                "--out",
                str(gen),
                "--seed",
                "1",
            ]
        )
        == 0
    )
    ev = EventSet.read(str(gen))
    assert len(ev) == 25 and np.all(ev.columns["enu_gev"] == 2.5) and "lep_e_gev" in ev.columns
    assert ev.attrs["generated_from"]["step"] == 4
    # --resume with a larger --steps continues the run from its checkpoint
    # (settings, features, condition and seed default to the run's)
    resume = ["train", "--model", "test-tiny-gan", "--data", str(data), "--out", str(tmp_path / "run")]
    assert main([*resume, "--resume", "--steps", "6", "--no-progress"]) == 0
    assert "6 steps" in capsys.readouterr().out
    assert main(["generate", str(tmp_path / "run"), "--n", "5", "--out", str(gen)]) == 0
    assert EventSet.read(str(gen)).attrs["generated_from"]["step"] == 6


def test_models_lists_the_zoo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "seed-dcgan" in out and "dcgan" in out and "value function" in out and "Radford" in out


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().err


def test_bad_input_exits_2_with_a_clear_message(
    zoo: None, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--model", "nope", "--data", str(data), "--out", str(tmp_path / "x")]) == 2
    err = _err(capsys)
    assert "unknown model 'nope'" in err and "seed-dcgan" in err
    # images to a table-only model
    assert (
        main(["train", "--model", "test-table-gan", "--data", str(data), "--out", str(tmp_path / "y")]) == 2
    )
    assert "tables only" in _err(capsys)
    # an image model on data without pixel maps
    nopix = tmp_path / "nopix.h5"
    table_events(40).with_parts(pixelmaps=None).write(str(nopix))
    assert main(["train", "--model", "dcgan", "--data", str(nopix), "--out", str(tmp_path / "z")]) == 2
    assert "no pixel maps" in _err(capsys)
    # missing condition columns
    assert (
        main(
            [
                "train",
                "--model",
                "test-tiny-gan",
                "--data",
                str(data),
                "--features",
                "q2_gev2",
                "--condition",
                "w_gev",
                "--out",
                str(tmp_path / "w"),
            ]
        )
        == 2
    )
    assert "w_gev" in _err(capsys)
    # malformed --set
    assert _train(data, tmp_path / "v", "--set", "oops") == 2
    assert "key=value" in _err(capsys)
    # resume of nothing
    assert _train(data, tmp_path / "nothing", "--resume") == 2
    assert "not a nugan run directory" in _err(capsys)


def test_bad_run_directories(
    zoo: None, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    assert _train(data, run) == 0
    # resume with different settings
    assert _train(data, run, "--resume", "--set", "lr=0.5") == 2
    assert "different settings" in _err(capsys)
    assert _train(data, run) == 2
    assert "--resume" in _err(capsys)

    def gen(run_dir: Path) -> int:
        return main(["generate", str(run_dir), "--n", "5", "--out", str(tmp_path / "g.h5")])

    # a checkpoint of another model
    shift = tmp_path / "shift"
    assert (
        main(
            [
                "train",
                "--model",
                "test-shift",
                "--data",
                str(data),
                "--features",
                "lep_e_gev,q2_gev2",
                "--steps",
                "2",
                "--out",
                str(shift),
                "--set",
                "sample_every=0",
                "--no-progress",
            ]
        )
        == 0
    )
    mixed = tmp_path / "mixed"
    shutil.copytree(run, mixed)
    shutil.copy(shift / "checkpoints" / "last.pt", mixed / "checkpoints" / "last.pt")
    assert gen(mixed) == 2
    assert "another run" in _err(capsys)
    # an incompatible FeatureSpec
    spec_mixed = tmp_path / "spec"
    shutil.copytree(run, spec_mixed)
    spec = json.loads((run / "features.json").read_text())
    spec["columns"][0]["params"] = {
        k: (v * 2 if isinstance(v, float) else v) for k, v in spec["columns"][0].get("params", {}).items()
    }
    spec["columns"] = spec["columns"][::-1]
    (spec_mixed / "features.json").write_text(json.dumps(spec))
    assert gen(spec_mixed) == 2
    assert "different FeatureSpec" in _err(capsys)
    # a corrupt checkpoint
    corrupt = tmp_path / "corrupt"
    shutil.copytree(run, corrupt)
    raw = (corrupt / "checkpoints" / "last.pt").read_bytes()
    (corrupt / "checkpoints" / "last.pt").write_bytes(raw[: len(raw) // 2])
    assert gen(corrupt) == 2
    assert "corrupt" in _err(capsys)
    # a run with a condition asked for the wrong one
    assert (
        main(["generate", str(run), "--n", "5", "--out", str(tmp_path / "g.h5"), "--condition", "w_gev=1"])
        == 2
    )
    assert "enu_gev" in _err(capsys)
    assert gen(run) == 0


@pytest.mark.parametrize("setting", ["lr=abc", "lr=nan", "lr=-1"])
def test_bad_hyperparameter_values_exit_2(tmp_path, capsys, setting):
    rng = np.random.default_rng(0)
    path = tmp_path / "t.h5"
    EventSet({"a": rng.normal(size=64), "b": rng.normal(size=64)}).write(path)
    rc = main(["train", "--model", "flow", "--data", str(path), "--features", "a,b",
               "--steps", "2", "--out", str(tmp_path / "run"), "--set", setting, "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "lr" in err and "Traceback" not in err
