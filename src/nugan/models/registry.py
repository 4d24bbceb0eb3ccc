"""The zoo registry: model name (or preset name) → class, metadata, presets, training defaults.

A model family registers its class with :func:`register`; a *preset* is a name for a
family with fixed hyper-parameters (e.g. ``"seed-dcgan"``, the seed paper's listing),
registered with :func:`register_preset`. Everything that lists or builds models goes
through this module, so a newly registered model is visible to the CLI, the engine and
the tests at once.

Example:
    >>> from nugan.models.registry import create_model, model_names, training_defaults
    >>> {"dcgan", "seed-dcgan", "wgan-gp", "acgan", "tabular-gan", "flow"} <= set(model_names())
    True
    >>> training_defaults("seed-dcgan")["batch_size"]
    64
    >>> m = create_model("seed-dcgan", data_shape=(3, 64, 64))
    >>> (m.config["nz"], m.config["ngf"], m.config["lr"])
    (100, 32, 0.005)
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from nugan.errors import ConfigError
from nugan.models.base import GenerativeModel

_FAMILIES = ("dcgan", "wgan", "acgan", "tabular", "flow")
_MODELS: dict[str, type[GenerativeModel]] = {}
_PRESETS: dict[str, Preset] = {}

BASE_TRAINING_DEFAULTS: dict[str, Any] = {
    "batch_size": 64,  # examples per training step
    "steps": 2000,  # training steps (calls of training_step) when neither --steps nor --minutes is given
    "ema_decay": 0.999,  # EMA of the ema_modules' weights (0: no EMA)
    "grad_clip": None,  # max global grad norm per optimiser (None: no clipping)
}

M = TypeVar("M", bound=type[GenerativeModel])


@dataclass(frozen=True)
class Preset:
    """A named hyper-parameter set of a registered family.

    Arguments:
        base: name of the registered family.
        hparams: constructor overrides.
        training: training-default overrides (batch size, EMA, ...).
        description: one line for ``nugan models``.
    """

    base: str
    hparams: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    description: str = ""


def register(cls: M) -> M:
    """Class decorator: add a :class:`GenerativeModel` subclass to the zoo under ``cls.name``."""
    if not cls.name or cls.name != cls.name.lower():
        raise ValueError(f"{cls.__qualname__}.name must be a short lowercase name, got {cls.name!r}")
    if not cls.accepts or not cls.accepts <= {"images", "tables"}:
        raise ValueError(f"{cls.__qualname__}.accepts must be a non-empty subset of {{'images', 'tables'}}")
    _MODELS[cls.name] = cls
    return cls


def register_preset(name: str, preset: Preset) -> None:
    """Register ``name`` as a preset of the family ``preset.base``."""
    if preset.base not in _MODELS:  # the family registers before its presets
        raise ValueError(f"preset {name!r}: unknown base model {preset.base!r}")
    _PRESETS[name] = preset


def _load_builtin() -> None:
    for module in _FAMILIES:
        importlib.import_module(f"nugan.models.{module}")


def model_names() -> list[str]:
    """All registered model and preset names, sorted."""
    _load_builtin()
    return sorted({*_MODELS, *_PRESETS})


def _resolve(name: str) -> tuple[type[GenerativeModel], Preset | None]:
    _load_builtin()
    if name in _PRESETS:
        preset = _PRESETS[name]
        return _MODELS[preset.base], preset
    if name in _MODELS:
        return _MODELS[name], None
    raise ConfigError(f"unknown model {name!r}; known models: {', '.join(model_names())}")


def get_model_class(name: str) -> type[GenerativeModel]:
    """The class registered under ``name`` (a preset resolves to its family); ConfigError if unknown."""
    return _resolve(name)[0]


def _constructor_defaults(cls: type[GenerativeModel]) -> dict[str, Any]:
    params = inspect.signature(cls.__init__).parameters
    skip = {"self", "data_shape", "condition_dim", "n_classes"}
    return {
        k: p.default
        for k, p in params.items()
        if k not in skip and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    }


def model_hparams(name: str) -> dict[str, Any]:
    """The constructor hyper-parameters of ``name`` with their default (or preset) values."""
    cls, preset = _resolve(name)
    return {**_constructor_defaults(cls), **(preset.hparams if preset else {})}


def create_model(
    name: str, data_shape: Sequence[int], condition_dim: int = 0, n_classes: int = 0, **overrides: Any
) -> GenerativeModel:
    """Build the model ``name`` (a family or a preset) for data of ``data_shape``.

    Arguments:
        name: registered name, e.g. ``"dcgan"`` or ``"seed-dcgan"``.
        data_shape: ``(C, H, W)`` images or ``(F,)`` table features.
        condition_dim: width of the continuous condition (0: none).
        n_classes: number of label classes (0: none).
        overrides: hyper-parameters replacing the family defaults / preset values.

    ``create_model(name, **model.config)`` rebuilds an identical (untrained) network.
    Raises ConfigError for an unknown name or hyper-parameter, SchemaError for data the model cannot take.
    """
    cls, preset = _resolve(name)
    known = _constructor_defaults(cls)
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ConfigError(
            f"model {name!r} has no hyper-parameter(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )
    for key, value in overrides.items():
        _check_hparam_value(name, key, value, known[key])
    cls.check_inputs(tuple(int(s) for s in data_shape), int(condition_dim), int(n_classes))
    hparams = {**(preset.hparams if preset else {}), **overrides}
    try:
        model = cls(data_shape, condition_dim=condition_dim, n_classes=n_classes, **hparams)
        model.configure_optimizers()  # fail here, with the model's name, on e.g. a negative lr
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"model {name!r}: invalid hyper-parameters {overrides}: {exc}") from None
    model.registry_name = name
    return model


def _check_hparam_value(name: str, key: str, value: Any, default: Any) -> None:
    """Reject an override whose type does not match the default's (numbers must be finite).

    A numeric default also accepts a list of numbers (e.g. a per-channel ``output_floor``).
    """
    if default is None or value is None:
        return

    def is_number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

    bad = False
    if isinstance(default, bool):
        bad = not isinstance(value, bool)
    elif isinstance(default, int):
        bad = not (is_number(value) and float(value).is_integer())
    elif isinstance(default, float):
        values = value if isinstance(value, (list, tuple)) else [value]
        bad = not values or not all(is_number(v) for v in values)
    elif isinstance(default, str):
        bad = not isinstance(value, str)
    if bad:
        raise ConfigError(
            f"model {name!r}: hyper-parameter {key} = {value!r} has the wrong type or is not finite "
            f"(default {default!r}); e.g. --set {key}={default}"
        )


def training_defaults(name: str) -> dict[str, Any]:
    """Default training settings of ``name``: batch_size, steps, ema_decay, grad_clip (and family extras)."""
    cls, preset = _resolve(name)
    return {**BASE_TRAINING_DEFAULTS, **cls.training_defaults, **(preset.training if preset else {})}


def describe_models() -> list[dict[str, Any]]:
    """One dict per registered name: name, paper, year, value_function, accepts, conditional, ...

    Used by ``nugan models``.
    """
    rows = []
    for name in model_names():
        cls, preset = _resolve(name)
        rows.append(
            {
                "name": name,
                "family": cls.name,
                "paper": cls.paper,
                "year": cls.year,
                "value_function": cls.value_function,
                "accepts": sorted(cls.accepts),
                "conditional": cls.conditional,
                "uses_labels": cls.uses_labels,
                "preset_of": preset.base if preset else None,
                "description": preset.description if preset else cls.description,
            }
        )
    return rows
