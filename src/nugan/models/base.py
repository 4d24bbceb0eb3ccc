"""The model contract shared by every architecture of the zoo.

A zoo model is a :class:`torch.nn.Module` that owns its networks, its optimisers and
one explicit training step. The training engine (``nugan.training``) only ever calls:

* ``configure_optimizers()`` → ``{name: optimizer}``;
* ``training_step(batch, step, update)`` → dict of floats; for every optimiser step the
  model calls ``update(opt_name, loss)``, and the engine zeroes that optimiser's
  gradients, back-propagates ``loss``, (all-reduces, clips, logs) and steps it;
* ``sample(n, condition, labels, generator)`` → ``(n, *data_shape)`` in the normalised
  (FeatureSpec) space.

``model.config`` holds every constructor argument as plain JSON-able values, so that
``nugan.models.create_model(name, **model.config)`` rebuilds the same network.

Example:
    >>> import torch
    >>> from nugan.models import Batch, create_model
    >>> model = create_model("dcgan", data_shape=(1, 8, 8), ngf=4, ndf=4)
    >>> model.config["data_shape"]
    [1, 8, 8]
    >>> model.sample(4, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([4, 1, 8, 8])
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from nugan.errors import ConfigError, SchemaError

UpdateFn = Callable[[str, Tensor], None]
"""``update(optimizer_name, loss)``: the engine back-propagates ``loss`` and steps that optimiser."""


@dataclass
class Batch:
    """One training batch in the normalised space.

    Arguments:
        x: data, ``(B, *data_shape)`` float.
        condition: continuous condition vectors ``(B, condition_dim)`` float, or None.
        labels: integer class labels ``(B,)`` long, or None.
    """

    x: Tensor
    condition: Tensor | None = None
    labels: Tensor | None = None


class GenerativeModel(nn.Module):
    """Base class of the zoo models (see the module docstring for the contract).

    Subclasses set the class variables, build their networks in ``__init__`` after
    calling ``super().__init__(data_shape, condition_dim, n_classes, **hparams)`` with
    *all* their other constructor arguments (so that they land in ``config``), and
    implement ``configure_optimizers``, ``training_step`` and ``_sample``.

    Arguments:
        data_shape: shape of one example: ``(C, H, W)`` for images, ``(F,)`` for tables.
        condition_dim: width of the continuous condition vector (0: none).
        n_classes: number of integer classes (0: no labels).
        hparams: the subclass's own constructor arguments (recorded in ``config``).
    """

    name: ClassVar[str] = ""
    paper: ClassVar[str] = ""
    year: ClassVar[int] = 0
    value_function: ClassVar[str] = ""
    accepts: ClassVar[frozenset[str]] = frozenset()
    conditional: ClassVar[bool] = False
    uses_labels: ClassVar[bool] = False
    ema_modules: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""
    training_defaults: ClassVar[dict[str, Any]] = {}  # overrides of registry.BASE_TRAINING_DEFAULTS

    def __init__(self, data_shape: Sequence[int], condition_dim: int = 0, n_classes: int = 0, **hparams: Any):
        super().__init__()
        shape = tuple(int(s) for s in data_shape)
        self.check_inputs(shape, int(condition_dim), int(n_classes))
        self.data_shape: tuple[int, ...] = shape
        self.condition_dim = int(condition_dim)
        self.n_classes = int(n_classes)
        self.registry_name = self.name  # the name (maybe a preset) create_model was called with
        self.config: dict[str, Any] = {
            "data_shape": list(shape),
            "condition_dim": self.condition_dim,
            "n_classes": self.n_classes,
            **{k: _jsonable(v) for k, v in hparams.items()},
        }

    # ----------------------------------------------------------------- validation
    @classmethod
    def data_kind(cls, data_shape: Sequence[int]) -> str:
        """``"images"`` for a ``(C, H, W)`` shape, ``"tables"`` for ``(F,)``; SchemaError otherwise."""
        if len(data_shape) == 3:
            return "images"
        if len(data_shape) == 1:
            return "tables"
        raise SchemaError(
            f"model {cls.name!r}: data_shape {tuple(data_shape)} has rank {len(data_shape)}; "
            "expected (C, H, W) for images or (F,) for a table of F features"
        )

    @classmethod
    def check_inputs(cls, data_shape: Sequence[int], condition_dim: int = 0, n_classes: int = 0) -> None:
        """Raise SchemaError if this model cannot take data of this shape, condition or labels."""
        kind = cls.data_kind(data_shape)
        if any(s < 1 for s in data_shape):
            raise SchemaError(f"model {cls.name!r}: data_shape {tuple(data_shape)} has an empty dimension")
        if kind not in cls.accepts:
            other = "a table model (tabular-gan, flow, wgan-gp)" if kind == "tables" else "an image model"
            raise SchemaError(
                f"model {cls.name!r} accepts {sorted(cls.accepts)} but got {kind} "
                f"of shape {tuple(data_shape)}; choose {other}"
            )
        if condition_dim < 0 or n_classes < 0:
            raise ConfigError(f"model {cls.name!r}: condition_dim and n_classes must be >= 0")
        if condition_dim > 0 and not cls.conditional:
            raise SchemaError(
                f"model {cls.name!r} is unconditional but got condition_dim={condition_dim}; "
                "drop the condition columns or choose a conditional model (acgan, tabular-gan, flow)"
            )
        if n_classes > 0 and not cls.uses_labels:
            raise SchemaError(
                f"model {cls.name!r} does not take class labels but got n_classes={n_classes}; "
                "pass n_classes=0 or choose acgan"
            )
        if cls.uses_labels and n_classes < 2:
            raise SchemaError(
                f"model {cls.name!r} needs integer class labels (n_classes >= 2) but got "
                f"n_classes={n_classes}; use data with labels (EventSet.labels) or choose an unlabelled model"
            )

    def check_batch(self, batch: Batch) -> None:
        """Raise SchemaError if a batch does not match the model's data shape, condition or labels."""
        if tuple(batch.x.shape[1:]) != self.data_shape:
            raise SchemaError(
                f"model {self.name!r} was built for data_shape {self.data_shape} but the batch has "
                f"{tuple(batch.x.shape[1:])}"
            )
        self._check_condition(batch.condition, batch.x.shape[0])
        if self.uses_labels and batch.labels is None:
            raise SchemaError(f"model {self.name!r} needs class labels in the batch (Batch.labels is None)")

    def _check_condition(self, condition: Tensor | None, n: int) -> None:
        if self.condition_dim == 0:
            if condition is not None and condition.numel() > 0:
                raise SchemaError(f"model {self.name!r} was built without a condition but got one")
            return
        if condition is None:
            raise SchemaError(
                f"model {self.name!r} was built with condition_dim={self.condition_dim} "
                "and needs a condition tensor (n, condition_dim)"
            )
        if condition.ndim != 2 or condition.shape[1] != self.condition_dim or condition.shape[0] != n:
            raise SchemaError(
                f"model {self.name!r}: condition has shape {tuple(condition.shape)}, expected ({n}, "
                f"{self.condition_dim})"
            )

    # ----------------------------------------------------------------- helpers
    @property
    def device(self) -> torch.device:
        """Device of the model's parameters."""
        return next(self.parameters()).device

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """The model's optimisers, keyed by the names used in ``update``."""
        raise NotImplementedError

    def training_step(self, batch: Batch, step: int, update: UpdateFn) -> dict[str, float]:
        """One training step: compute losses, call ``update(opt_name, loss)``, return detached floats."""
        raise NotImplementedError

    @torch.no_grad()
    def sample(
        self,
        n: int,
        condition: Tensor | None = None,
        labels: Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> Tensor:
        """Draw ``n`` examples ``(n, *data_shape)`` in the normalised space.

        Arguments:
            n: number of examples.
            condition: ``(n, condition_dim)`` (or one row ``(condition_dim,)``, broadcast) when the model
                was built with a condition.
            labels: ``(n,)`` class labels (or one scalar, broadcast) for label models; drawn uniformly from
                ``generator`` when None.
            generator: a ``torch.Generator`` (on any device) for reproducible draws; the same seed gives the
                same output whatever device the model is on.
        """
        if n < 0:
            raise ConfigError(f"cannot sample a negative number of examples ({n})")
        device = self.device
        if condition is not None:
            condition = torch.as_tensor(condition, dtype=torch.float32).to(device)
            if condition.ndim == 1:
                condition = condition.expand(n, -1)
        self._check_condition(condition, n)
        if self.uses_labels:
            if labels is None:
                labels = torch.randint(
                    0, self.n_classes, (n,), generator=generator, device=_gen_device(generator)
                )
            labels = torch.as_tensor(labels, dtype=torch.long).to(device)
            if labels.ndim == 0:
                labels = labels.expand(n)
            if labels.shape != (n,) or (n > 0 and (labels.min() < 0 or labels.max() >= self.n_classes)):
                raise SchemaError(
                    f"model {self.name!r}: labels must be ({n},) integers in [0, {self.n_classes}); "
                    f"got shape {tuple(labels.shape)}"
                )
        elif labels is not None:
            raise SchemaError(f"model {self.name!r} does not take class labels")
        with eval_mode(self):
            out = self._sample(n, condition, labels, generator)
        return out.float().contiguous()

    def _sample(
        self, n: int, condition: Tensor | None, labels: Tensor | None, generator: torch.Generator | None
    ) -> Tensor:
        raise NotImplementedError

    def randn(self, *shape: int, generator: torch.Generator | None = None) -> Tensor:
        """Standard normal noise on the model's device, drawn from ``generator`` (device-independent)."""
        return torch.randn(*shape, generator=generator, device=_gen_device(generator)).to(self.device)


def _gen_device(generator: torch.Generator | None) -> torch.device | None:
    return generator.device if generator is not None else None


def _jsonable(value: Any) -> Any:
    """Tuples → lists (recursively) so that ``config`` round-trips through JSON unchanged."""
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise ConfigError(f"model hyper-parameter value {value!r} is not JSON-able (use numbers, strings, lists)")


@contextlib.contextmanager
def eval_mode(module: nn.Module) -> Iterator[None]:
    """Temporarily put ``module`` in eval mode (restoring each submodule's previous mode)."""
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        yield
    finally:
        for m, training in modes:
            m.training = training


@contextlib.contextmanager
def frozen(module: nn.Module) -> Iterator[None]:
    """Temporarily stop gradients into ``module``'s parameters (saves the weight-gradient work of a
    network that is only used as a loss, e.g. the discriminator during the generator step)."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


def to_floats(values: dict[str, Tensor]) -> dict[str, float]:
    """Detached losses/metrics as Python floats with a single device→host copy (one sync per step)."""
    if not values:
        return {}
    stacked = torch.stack([v.detach().float().reshape(()) for v in values.values()]).cpu().tolist()
    return dict(zip(values.keys(), stacked))
