"""Tests of the training engine (nugan.training) with tiny stand-in models.

The stand-ins follow the model contract (nugan.models.base) and are registered in the
zoo registry only for the duration of a test, so the engine is tested independently of
the real architectures (those are covered by tests/test_models*.py and the DDP test).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import torch
from torch import nn

from nugan.data import EventSet, provenance
from nugan.errors import ConfigError, SchemaError, TrainingError
from nugan.models import registry
from nugan.models.base import Batch, GenerativeModel, to_floats
from nugan.training import generate, load_run, train
from nugan.training.checkpoint import load_checkpoint
from nugan.training.metrics import read_metrics

torch.set_num_threads(1)

FAST = {"log_every": 2, "sample_every": 5, "checkpoint_every": 5, "n_progress": 16, "batch_size": 16}


class TinyGAN(GenerativeModel):
    """A conditional MLP GAN on flattened data (tables or images): the engine's test workhorse."""

    name = "test-tiny-gan"
    paper = "test stand-in"
    year = 2024
    value_function = "min_G max_D E[log D(x)] + E[log(1 - D(G(z)))]"
    accepts: ClassVar[frozenset[str]] = frozenset({"tables", "images"})
    conditional = True
    uses_labels = False
    ema_modules: ClassVar[tuple[str, ...]] = ("generator",)

    def __init__(
        self,
        data_shape: Any,
        condition_dim: int = 0,
        n_classes: int = 0,
        nz: int = 4,
        hidden: int = 16,
        lr: float = 2e-3,
        nan_at: int = -1,
    ) -> None:
        super().__init__(data_shape, condition_dim, n_classes, nz=nz, hidden=hidden, lr=lr, nan_at=nan_at)
        d = int(np.prod(data_shape))
        self.nz, self.lr, self.nan_at = nz, lr, nan_at
        self.generator = nn.Sequential(nn.Linear(nz + condition_dim, hidden), nn.ReLU(), nn.Linear(hidden, d))
        self.discriminator = nn.Sequential(
            nn.Linear(d + condition_dim, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1)
        )

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {
            "discriminator": torch.optim.Adam(
                self.discriminator.parameters(), lr=self.lr, betas=(0.5, 0.999)
            ),
            "generator": torch.optim.Adam(self.generator.parameters(), lr=self.lr, betas=(0.5, 0.999)),
        }

    def _g(self, z: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        return self.generator(z if c is None else torch.cat([z, c], 1))

    def _d(self, x: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        x = x.flatten(1)
        return self.discriminator(x if c is None else torch.cat([x, c], 1))

    def training_step(self, batch: Batch, step: int, update: Any) -> dict[str, float]:
        b = batch.x.shape[0]
        bce = nn.functional.binary_cross_entropy_with_logits
        fake = self._g(torch.randn(b, self.nz, device=batch.x.device), batch.condition)
        d_real, d_fake = self._d(batch.x, batch.condition), self._d(fake.detach(), batch.condition)
        d_loss = bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake))
        update("discriminator", d_loss)
        out = self._d(fake, batch.condition)
        g_loss = bce(out, torch.ones_like(out))
        if step == self.nan_at:
            g_loss = g_loss * float("nan")
        update("generator", g_loss)
        return to_floats({"loss_d": d_loss, "loss_g": g_loss})

    def _sample(self, n: int, condition: Any, labels: Any, generator: Any) -> torch.Tensor:
        z = self.randn(n, self.nz, generator=generator)
        return self._g(z, condition).reshape(n, *self.data_shape)


class TableOnlyGAN(TinyGAN):
    name = "test-table-gan"
    accepts: ClassVar[frozenset[str]] = frozenset({"tables"})


class ShiftModel(GenerativeModel):
    """x = z + mu with one learnable shift fitted by SGD to the batch mean: a known answer."""

    name = "test-shift"
    paper = "test stand-in"
    year = 2024
    value_function = "min_mu |mu - E[x]|^2"
    accepts: ClassVar[frozenset[str]] = frozenset({"tables"})
    ema_modules: ClassVar[tuple[str, ...]] = ()

    def __init__(self, data_shape: Any, condition_dim: int = 0, n_classes: int = 0, lr: float = 0.2) -> None:
        super().__init__(data_shape, condition_dim, n_classes, lr=lr)
        self.lr = lr
        self.generator = nn.Linear(1, int(data_shape[0]))
        nn.init.zeros_(self.generator.weight)
        nn.init.constant_(self.generator.bias, 3.0)

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": torch.optim.SGD(self.generator.parameters(), lr=self.lr)}

    def training_step(self, batch: Batch, step: int, update: Any) -> dict[str, float]:
        loss = ((self.generator.bias - batch.x.mean(0)) ** 2).sum()
        update("generator", loss)
        return {"loss": float(loss.detach())}

    def _sample(self, n: int, condition: Any, labels: Any, generator: Any) -> torch.Tensor:
        return self.randn(n, self.data_shape[0], generator=generator) + self.generator.bias


@pytest.fixture
def zoo(monkeypatch: pytest.MonkeyPatch) -> None:
    registry.model_names()  # load the built-in families first
    for cls in (TinyGAN, TableOnlyGAN, ShiftModel):
        monkeypatch.setitem(registry._MODELS, cls.name, cls)


def table_events(n: int = 200, seed: int = 0) -> EventSet:
    rng = np.random.default_rng(seed)
    enu = rng.uniform(0.5, 5.0, n)
    pix = rng.exponential(1.0, size=(n, 1, 4, 4)).astype(np.float32)
    return EventSet(
        {
            "enu_gev": enu,
            "nu_pdg": rng.choice([14, -14], n).astype(np.int32),
            "lep_e_gev": enu * rng.uniform(0.3, 0.9, n),
            "q2_gev2": rng.exponential(0.5, n),
            "x_norm": rng.normal(5.0, 1.0, n),
        },
        pixelmaps=pix,
        labels=rng.integers(0, 3, n),
        label_names=["numu_cc", "nue_cc", "nc"],
        attrs=provenance({"source": "test"}, seed=seed),
    )


def test_run_directory_contents(zoo: None, tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = train(
        "test-tiny-gan",
        table_events(),
        out,
        features=["lep_e_gev", "q2_gev2"],
        condition=["enu_gev"],
        config=FAST,
        steps=10,
        seed=1,
    )
    assert res.step == 10 and res.stopped_by == "steps"
    assert all(math.isfinite(v) for v in res.losses.values()) and set(res.losses) == {"loss_d", "loss_g"}
    for name in (
        "config.json",
        "features.json",
        "condition.json",
        "checkpoints/last.pt",
        "metrics.csv",
        "progress/step_0000005.png",
        "progress/step_0000010.png",
        "progress.gif",
        "loss_curves.png",
        "train_conditions.npz",
    ):
        assert (out / name).is_file(), name
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["model"] == "test-tiny-gan" and cfg["features"] == ["lep_e_gev", "q2_gev2"]
    assert cfg["training"]["batch_size"] == 16 and cfg["model_args"]["condition_dim"] == 1
    rows = read_metrics(out / "metrics.csv")
    assert [r["step"] for r in rows] == [2, 4, 6, 8, 10]
    assert all(r["gradnorm_generator"] > 0 and r["gradnorm_discriminator"] > 0 for r in rows)
    assert all(r["samples_per_s"] > 0 for r in rows)
    # the checkpoint holds plain tensors/numbers/strings: it loads with weights_only=True
    raw = torch.load(out / "checkpoints" / "last.pt", weights_only=True)
    assert raw["step"] == 10 and set(raw["optimizers"]) == {"generator", "discriminator"}
    assert set(raw["ema"]) == {"generator"}
    # the EMA differs from the raw weights after training
    assert not torch.equal(raw["ema"]["generator"]["0.weight"], raw["model"]["generator.0.weight"])


def test_training_changes_weights_and_reaches_known_answer(zoo: None, tmp_path: Path) -> None:
    ev = table_events(400)
    res = train(
        "test-shift",
        ev,
        tmp_path / "r",
        features=["x_norm"],
        config=dict(FAST, ema_decay=0.0),
        steps=60,
        seed=0,
    )
    model, _fspec, cspec, cfg = load_run(res.run_dir)
    assert cspec is None and cfg["step"] == 60
    # SGD on (mu - mean)^2 converges to the (normalised) data mean ≈ 0 from mu = 3
    assert abs(float(model.generator.bias.detach())) < 0.2
    gen = generate(res.run_dir, 4000, seed=3)
    assert set(gen.columns) == {"x_norm"}
    # decoded back to physical units: N(5, 1) like the training column
    assert gen.columns["x_norm"].mean() == pytest.approx(ev.columns["x_norm"].mean(), abs=0.25)
    assert gen.columns["x_norm"].std() == pytest.approx(ev.columns["x_norm"].std(), rel=0.1)
    origin = gen.attrs["generated_from"]
    assert origin["step"] == 60 and origin["model"] == "test-shift"
    assert origin["run_dir"] == str(res.run_dir.resolve()) and gen.attrs["seed"] == 3


def test_resume_gives_the_same_weights_as_an_uninterrupted_run(zoo: None, tmp_path: Path) -> None:
    ev = table_events(100)
    kw: dict[str, Any] = dict(features=["lep_e_gev", "q2_gev2"], condition=["enu_gev"], config=FAST, seed=5)
    train("test-tiny-gan", ev, tmp_path / "straight", steps=16, **kw)
    train("test-tiny-gan", ev, tmp_path / "split", steps=8, **kw)
    train("test-tiny-gan", ev, tmp_path / "split", steps=16, resume=True, **kw)
    a = load_checkpoint(tmp_path / "straight" / "checkpoints" / "last.pt")
    b = load_checkpoint(tmp_path / "split" / "checkpoints" / "last.pt")
    assert a["step"] == b["step"] == 16
    for key, value in a["model"].items():
        assert torch.equal(value, b["model"][key]), key
    for key, value in a["ema"]["generator"].items():
        assert torch.equal(value, b["ema"]["generator"][key]), key
    sa = a["optimizers"]["generator"]["state"]
    sb = b["optimizers"]["generator"]["state"]
    assert all(torch.equal(sa[i]["exp_avg"], sb[i]["exp_avg"]) for i in sa)
    ra, rb = (
        read_metrics(tmp_path / "straight" / "metrics.csv"),
        read_metrics(tmp_path / "split" / "metrics.csv"),
    )
    assert [r["step"] for r in ra] == [r["step"] for r in rb]
    assert [r["loss_g"] for r in ra] == [r["loss_g"] for r in rb]
    # and a different seed gives different weights (the test can fail)
    train("test-tiny-gan", ev, tmp_path / "other", steps=16, **dict(kw, seed=6))
    c = load_checkpoint(tmp_path / "other" / "checkpoints" / "last.pt")
    assert not torch.equal(a["model"]["generator.0.weight"], c["model"]["generator.0.weight"])


def test_nan_loss_stops_with_step_and_keeps_last_good_checkpoint(zoo: None, tmp_path: Path) -> None:
    out = tmp_path / "nan"
    with pytest.raises(TrainingError, match=r"at step 8\b.*last good checkpoint \(step 5\)"):
        train(
            "test-tiny-gan", table_events(), out, features=["q2_gev2"], config=dict(FAST, nan_at=7), steps=20
        )
    payload = load_checkpoint(out / "checkpoints" / "last.pt")
    assert payload["step"] == 5
    assert all(bool(torch.isfinite(v).all()) for v in payload["model"].values())


def test_generate_conditions_seed_and_provenance(zoo: None, tmp_path: Path) -> None:
    ev = table_events()
    train(
        "test-tiny-gan",
        ev,
        tmp_path / "c",
        features=["lep_e_gev"],
        condition=["enu_gev", "nu_pdg"],
        config=FAST,
        steps=4,
    )
    a = generate(tmp_path / "c", 50, condition={"enu_gev": 2.0, "nu_pdg": 14}, seed=1)
    b = generate(tmp_path / "c", 50, condition={"enu_gev": 2.0, "nu_pdg": 14}, seed=1)
    c = generate(tmp_path / "c", 50, condition={"enu_gev": 2.0, "nu_pdg": 14}, seed=2)
    assert np.array_equal(a.columns["lep_e_gev"], b.columns["lep_e_gev"])
    assert not np.array_equal(a.columns["lep_e_gev"], c.columns["lep_e_gev"])
    assert np.all(a.columns["enu_gev"] == 2.0) and np.all(a.columns["nu_pdg"] == 14)
    assert a.attrs["config"]["run"]["condition"] == ["enu_gev", "nu_pdg"]
    # without a condition, conditions are drawn from the training events
    d = generate(tmp_path / "c", 300, seed=0)
    assert set(np.unique(d.columns["nu_pdg"])) == {-14, 14}
    assert np.isin(d.columns["enu_gev"], ev.columns["enu_gev"]).all()
    with pytest.raises(ConfigError, match="lacks \\['nu_pdg'\\]"):
        generate(tmp_path / "c", 5, condition={"enu_gev": 2.0})


def test_images_cpu_bf16_channels_last_and_minutes(zoo: None, tmp_path: Path) -> None:
    res = train(
        "test-tiny-gan",
        table_events(),
        tmp_path / "img",
        config=dict(FAST, precision="bf16-mixed", channels_last=True),
        minutes=0.01,
    )
    assert res.stopped_by == "minutes" and res.step >= 1
    cfg = json.loads((tmp_path / "img" / "config.json").read_text())
    assert cfg["images"] is True and cfg["precision"] == "bf16-mixed"
    rows = read_metrics(tmp_path / "img" / "metrics.csv")  # the last partial window is logged too
    assert rows and rows[-1]["step"] == res.step and (tmp_path / "img" / "loss_curves.png").is_file()
    gen = generate(tmp_path / "img", 6)
    assert gen.pixelmaps is not None and gen.pixelmaps.shape == (6, 1, 4, 4) and (gen.pixelmaps >= 0).all()
    # bf16 generation: the same noise, outputs equal up to bf16 rounding (not bit-equal)
    low = generate(tmp_path / "img", 6, precision="bf16-mixed")
    assert low.pixelmaps is not None and low.attrs["generated_from"]["precision"] == "bf16-mixed"
    assert np.allclose(low.pixelmaps, gen.pixelmaps, rtol=0.1, atol=0.05)
    with pytest.raises(ConfigError, match="precision"):
        generate(tmp_path / "img", 2, precision="fp8")


def test_bad_inputs(zoo: None, tmp_path: Path) -> None:
    ev = table_events()
    with pytest.raises(ConfigError, match=r"unknown model .nope.*dcgan"):
        train("nope", ev, tmp_path / "a", steps=1)
    with pytest.raises(ConfigError, match="takes tables only"):
        train("test-table-gan", ev, tmp_path / "b", steps=1)
    with pytest.raises(SchemaError, match="lacks"):
        train("test-tiny-gan", ev, tmp_path / "c", features=["q2_gev2"], condition=["w_gev"], steps=1)
    with pytest.raises(ConfigError, match="no hyper-parameter"):
        train("test-tiny-gan", ev, tmp_path / "d", features=["q2_gev2"], config={"lrr": 1.0}, steps=1)
    train("test-tiny-gan", ev, tmp_path / "e", features=["q2_gev2"], config=FAST, steps=2)
    with pytest.raises(ConfigError, match="already holds a run"):
        train("test-tiny-gan", ev, tmp_path / "e", features=["q2_gev2"], config=FAST, steps=2)
    with pytest.raises(ConfigError, match=r"different settings.*lr"):
        train(
            "test-tiny-gan",
            ev,
            tmp_path / "e",
            features=["q2_gev2"],
            config=dict(FAST, lr=0.1),
            steps=4,
            resume=True,
        )


class LabelGAN(TinyGAN):
    """TinyGAN whose generator also sees a one-hot class label."""

    name = "test-label-gan"
    conditional = False
    uses_labels = True

    def __init__(self, data_shape: Any, condition_dim: int = 0, n_classes: int = 0, nz: int = 4) -> None:
        super().__init__(data_shape, condition_dim, n_classes, nz=nz + n_classes)
        self.config = {**self.config, "nz": nz}
        self.k = n_classes

    def _onehot(self, labels: torch.Tensor, n: int) -> torch.Tensor:
        return nn.functional.one_hot(labels, self.k).float()

    def training_step(self, batch: Batch, step: int, update: Any) -> dict[str, float]:
        assert batch.labels is not None and batch.labels.dtype == torch.long
        return super().training_step(batch, step, update)

    def _sample(self, n: int, condition: Any, labels: Any, generator: Any) -> torch.Tensor:
        z = self.randn(n, self.nz - self.k, generator=generator)
        return self._g(torch.cat([z, self._onehot(labels, n)], 1), None).reshape(n, *self.data_shape)


def test_labels_are_learnt_from_and_given_to_label_models(
    zoo: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(registry._MODELS, LabelGAN.name, LabelGAN)
    ev = table_events(120)
    ev = ev.with_parts(labels=np.where(ev.columns["nu_pdg"] > 0, 0, 2))
    train("test-label-gan", ev, tmp_path / "l", features=["q2_gev2"], config=FAST, steps=3)
    cfg = json.loads((tmp_path / "l" / "config.json").read_text())
    assert cfg["model_args"]["n_classes"] == 3 and cfg["label_names"] == ["numu_cc", "nue_cc", "nc"]
    fixed = generate(tmp_path / "l", 20, condition={"label": "nc"})
    assert fixed.labels is not None and (fixed.labels == 2).all() and fixed.label_names == cfg["label_names"]
    drawn = generate(tmp_path / "l", 400, seed=4)
    assert drawn.labels is not None and set(np.unique(drawn.labels)) == {0, 2}  # as in the training data
    with pytest.raises(ConfigError, match="label 'numu' unknown"):
        generate(tmp_path / "l", 2, condition={"label": "numu"})
    with pytest.raises(SchemaError, match="labels"):
        train("test-label-gan", ev.with_parts(labels=None), tmp_path / "m", features=["q2_gev2"], steps=1)
