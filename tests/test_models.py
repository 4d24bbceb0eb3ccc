"""Invariants every zoo model must satisfy; the tests iterate over the registry, so a newly
registered model is covered at once."""

from __future__ import annotations

import inspect
import io
import json
from typing import Any

import pytest
import torch

from nugan.errors import ConfigError, SchemaError
from nugan.models import Batch, GenerativeModel, create_model, describe_models, model_names, training_defaults
from nugan.models.registry import get_model_class, model_hparams

torch.set_num_threads(1)

SHRINK = {"nz": 8, "ngf": 4, "ndf": 4, "hidden": 16, "depth": 1, "transforms": 2, "hidden_features": [16]}


def tiny(name: str, kind: str | None = None) -> dict[str, Any]:
    """create_model kwargs for a tiny version of ``name`` (images preferred when accepted)."""
    cls = get_model_class(name)
    kind = kind or ("images" if "images" in cls.accepts else "tables")
    hparams = model_hparams(name)
    return {
        "data_shape": (2, 8, 8) if kind == "images" else (3,),
        "condition_dim": 2 if cls.conditional else 0,
        "n_classes": 3 if cls.uses_labels else 0,
        **{k: v for k, v in SHRINK.items() if k in hparams},
    }


def cases() -> list[tuple[str, str]]:
    out = []
    for name in model_names():
        for kind in sorted(get_model_class(name).accepts):
            out.append((name, kind))
    return out


def make_batch(model: GenerativeModel, b: int = 8, seed: int = 0) -> Batch:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(b, *model.data_shape, generator=g)
    cond = torch.randn(b, model.condition_dim, generator=g) if model.condition_dim else None
    labels = torch.randint(0, model.n_classes, (b,), generator=g) if model.n_classes else None
    return Batch(x=x, condition=cond, labels=labels)


def simple_update(model: GenerativeModel) -> Any:
    opts = model.configure_optimizers()

    def update(name: str, loss: torch.Tensor) -> None:
        opts[name].zero_grad(set_to_none=True)
        loss.backward()
        opts[name].step()

    return update


def build(name: str, kind: str, seed: int = 0) -> GenerativeModel:
    torch.manual_seed(seed)
    return create_model(name, **tiny(name, kind))


@pytest.mark.parametrize(("name", "kind"), cases())
def test_every_parameter_gets_a_gradient_and_weights_change(name: str, kind: str) -> None:
    model = build(name, kind)
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    torch.manual_seed(1)
    losses = model.training_step(make_batch(model), 0, simple_update(model))
    assert losses and all(isinstance(v, float) and torch.isfinite(torch.tensor(v)) for v in losses.values())
    missing = [k for k, p in model.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert not missing, f"{name}: no (finite) gradient for {missing}"
    unchanged = [k for k, p in model.named_parameters() if torch.equal(before[k], p.detach())]
    assert not unchanged, f"{name}: parameters not updated by one step: {unchanged}"


@pytest.mark.parametrize(("name", "kind"), cases())
def test_save_rebuild_load_sample_is_identical(name: str, kind: str) -> None:
    model = build(name, kind)
    torch.manual_seed(2)
    model.training_step(make_batch(model), 0, simple_update(model))
    config = json.loads(json.dumps(model.config))  # JSON-able
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    torch.manual_seed(99)  # a different init, overwritten by the weights
    clone = create_model(name, **config)
    clone.load_state_dict(torch.load(buf, weights_only=True))
    assert clone.config == model.config
    cond = torch.randn(5, model.condition_dim) if model.condition_dim else None
    labels = torch.tensor([0, 1, 2, 1, 0]) if model.n_classes else None
    a = model.sample(5, condition=cond, labels=labels, generator=torch.Generator().manual_seed(7))
    b = clone.sample(5, condition=cond, labels=labels, generator=torch.Generator().manual_seed(7))
    c = clone.sample(5, condition=cond, labels=labels, generator=torch.Generator().manual_seed(8))
    assert a.shape == (5, *model.data_shape) and a.dtype == torch.float32
    assert torch.isfinite(a).all()
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    # sampling does not change the model's state
    assert all(torch.equal(v, clone.state_dict()[k]) for k, v in model.state_dict().items())


@pytest.mark.parametrize("name", model_names())
def test_config_records_every_constructor_argument(name: str) -> None:
    cls = get_model_class(name)
    params = set(inspect.signature(cls.__init__).parameters) - {"self"}
    model = create_model(name, **tiny(name))
    assert set(model.config) == params
    assert model.registry_name == name


@pytest.mark.parametrize("name", model_names())
def test_metadata_and_training_defaults(name: str) -> None:
    cls = get_model_class(name)
    assert cls.paper and cls.year >= 2014 and "\\" in cls.value_function
    assert cls.accepts <= {"images", "tables"}
    defaults = training_defaults(name)
    assert defaults["batch_size"] > 0 and defaults["steps"] > 0 and 0.0 <= defaults["ema_decay"] < 1.0
    for module in cls.ema_modules:
        assert isinstance(getattr(create_model(name, **tiny(name)), module), torch.nn.Module)


def test_describe_models_lists_every_name() -> None:
    rows = describe_models()
    assert [r["name"] for r in rows] == model_names()
    assert {"name", "paper", "year", "value_function", "accepts", "conditional"} <= set(rows[0])
    seed = next(r for r in rows if r["name"] == "seed-dcgan")
    assert seed["preset_of"] == "dcgan" and seed["year"] == 2016


def test_unknown_model_lists_known_names() -> None:
    with pytest.raises(ConfigError, match=r"known models: .*dcgan"):
        create_model("stylegan9", data_shape=(1, 8, 8))


def test_unknown_hyperparameter_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"no hyper-parameter.*ngff"):
        create_model("dcgan", data_shape=(1, 8, 8), ngff=3)
    with pytest.raises(ConfigError, match="loss"):
        create_model("dcgan", data_shape=(1, 8, 8), loss="l2")


@pytest.mark.parametrize("name", model_names())
def test_data_the_model_cannot_take_is_rejected(name: str) -> None:
    cls = get_model_class(name)
    with pytest.raises(SchemaError, match="rank"):
        create_model(name, data_shape=(2, 3))
    for kind, shape in (("images", (1, 8, 8)), ("tables", (4,))):
        if kind not in cls.accepts:
            with pytest.raises(SchemaError, match=f"accepts .* got {kind}"):
                create_model(name, data_shape=shape, n_classes=3 if cls.uses_labels else 0)
    args = tiny(name)
    if not cls.conditional:
        with pytest.raises(SchemaError, match="unconditional"):
            create_model(name, **{**args, "condition_dim": 2})
    if cls.uses_labels:
        with pytest.raises(SchemaError, match="labels"):
            create_model(name, **{**args, "n_classes": 0})
    else:
        with pytest.raises(SchemaError, match="labels"):
            create_model(name, **{**args, "n_classes": 3})


@pytest.mark.parametrize("name", model_names())
def test_bad_batches_and_sample_arguments_are_rejected(name: str) -> None:
    model = create_model(name, **tiny(name))
    update = simple_update(model)
    batch = make_batch(model)
    with pytest.raises(SchemaError, match="data_shape"):
        model.training_step(
            Batch(x=batch.x[:, :1], condition=batch.condition, labels=batch.labels), 0, update
        )
    if model.uses_labels:
        with pytest.raises(SchemaError, match="labels"):
            model.training_step(Batch(x=batch.x, condition=batch.condition), 0, update)
    if model.condition_dim:
        with pytest.raises(SchemaError, match="condition"):
            model.training_step(Batch(x=batch.x, labels=batch.labels), 0, update)
        with pytest.raises(SchemaError, match="condition"):
            model.sample(3)
        one = model.sample(3, condition=torch.zeros(model.condition_dim))  # one row, broadcast
        assert one.shape == (3, *model.data_shape)
    else:
        with pytest.raises(SchemaError, match="condition"):
            model.sample(3, condition=torch.zeros(3, 2))
    if model.uses_labels:
        with pytest.raises(SchemaError, match="labels"):
            model.sample(
                3,
                condition=torch.zeros(3, model.condition_dim) if model.condition_dim else None,
                labels=torch.tensor([0, 1, model.n_classes]),
            )
    assert model.sample(
        0, condition=torch.zeros(0, model.condition_dim) if model.condition_dim else None
    ).shape == (
        0,
        *model.data_shape,
    )


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize(("name", "kind"), cases())
def test_cuda_training_step_and_sampling(name: str, kind: str) -> None:
    model = build(name, kind).cuda()
    batch = make_batch(model)
    batch = Batch(*(t.cuda() if t is not None else None for t in (batch.x, batch.condition, batch.labels)))
    losses = model.training_step(batch, 0, simple_update(model))
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())
    cond = torch.zeros(4, model.condition_dim) if model.condition_dim else None
    a = model.sample(4, condition=cond, generator=torch.Generator().manual_seed(3))
    b = model.sample(4, condition=cond, generator=torch.Generator().manual_seed(3))
    assert a.device.type == "cuda" and a.shape == (4, *model.data_shape)
    assert torch.allclose(a, b)


@pytest.mark.parametrize(("name", "kind"), cases())
def test_training_step_under_bf16_autocast(name: str, kind: str) -> None:
    """Losses stay finite under mixed precision (the engine's ``precision=bf16-mixed``)."""
    model = build(name, kind)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        losses = model.training_step(make_batch(model), 0, simple_update(model))
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())
    assert all(p.dtype == torch.float32 for p in model.parameters())


@pytest.mark.parametrize(("name", "kind"), cases())
def test_training_has_no_hidden_state(name: str, kind: str) -> None:
    """Steps 0–3 in one go equal steps 0–1, a rebuild from config + state dicts, then steps 2–3."""
    batches = [make_batch(build(name, kind), seed=s) for s in range(4)]

    def run(model: GenerativeModel, opts: dict[str, Any], steps: range) -> None:
        def update(opt: str, loss: torch.Tensor) -> None:
            opts[opt].zero_grad(set_to_none=True)
            loss.backward()
            opts[opt].step()

        for step in steps:
            model.training_step(batches[step], step, update)

    full = build(name, kind)
    torch.manual_seed(5)
    run(full, full.configure_optimizers(), range(4))

    first = build(name, kind)
    opts = first.configure_optimizers()
    torch.manual_seed(5)
    run(first, opts, range(2))
    rng = torch.get_rng_state()
    resumed = create_model(name, **first.config)
    resumed.load_state_dict(first.state_dict())
    opts2 = resumed.configure_optimizers()
    for key, opt in opts2.items():
        opt.load_state_dict(opts[key].state_dict())
    torch.set_rng_state(rng)
    run(resumed, opts2, range(2, 4))
    for (k, a), b in zip(full.state_dict().items(), resumed.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6), f"{name}: {k} differs after resume"
