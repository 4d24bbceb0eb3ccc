"""Training data: EventSet → FeatureSpecs → tensors, and a stateless seeded batch sampler.

The sampler is a pure function of ``(seed, step, rank)``: the batch of step ``s``
is a slice of the permutation of epoch ``s // batches_per_epoch``. An interrupted
run resumed at step ``s`` therefore sees exactly the batches it would have seen.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nugan.data import EventSet
from nugan.errors import ConfigError, SchemaError


@dataclass
class TrainingArrays:
    """Encoded training data (numpy, normalised space) and the specs that made it."""

    x: np.ndarray  # (N, *data_shape) float32
    condition: np.ndarray | None  # (N, condition_dim) float32
    labels: np.ndarray | None  # (N,) int64
    n_classes: int
    label_names: list[str] | None
    feature_spec: Any  # nugan.data.features.FeatureSpec
    condition_spec: Any | None
    images: bool

    @property
    def data_shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.x.shape[1:])

    @property
    def condition_dim(self) -> int:
        return 0 if self.condition is None else int(self.condition.shape[1])


def load_events(events: EventSet | str | os.PathLike[str]) -> EventSet:
    """An EventSet, or read one from a nugan HDF5 file."""
    if isinstance(events, EventSet):
        return events
    return EventSet.read(str(events))


def choose_images(
    model_name: str, accepts: frozenset[str], events: EventSet, features: Sequence[str]
) -> bool:
    """Whether to train on the events' pixel maps (True) or on the ``features`` columns (False).

    Raises ConfigError/SchemaError naming the model, what it accepts and how to fix the call.
    """
    has_images = events.pixelmaps is not None
    if features:
        if "tables" not in accepts:
            raise ConfigError(
                f"model {model_name!r} takes images only, but --features {','.join(features)} "
                "asks for a table; "
                "drop --features (the events' pixel maps are used) "
                "or choose a table model (e.g. tabular-gan, flow)"
            )
        return False
    if "images" in accepts and has_images:
        return True
    if "images" in accepts and "tables" not in accepts:
        raise SchemaError(
            f"model {model_name!r} takes images, but the events have no pixel maps; "
            "run the detector simulation (nugan simulate --detector ...) "
            "or choose a table model with --features"
        )
    if has_images:
        raise ConfigError(
            f"model {model_name!r} takes tables only and cannot train on images; "
            "give the columns to learn with --features a,b,... (or choose an image model such as dcgan)"
        )
    raise ConfigError(
        f"model {model_name!r} learns a table: give the columns with --features a,b,... "
        f"(the events have {sorted(events.columns)})"
    )


def prepare_arrays(
    model_cls: Any,
    model_name: str,
    events: EventSet,
    features: Sequence[str] = (),
    condition: Sequence[str] = (),
    feature_spec: Any | None = None,
    condition_spec: Any | None = None,
) -> TrainingArrays:
    """Fit (or reuse) the FeatureSpecs and encode the training data.

    Arguments:
        model_cls: the registered model class (its ``accepts``, ``conditional``, ``uses_labels``).
        feature_spec, condition_spec: specs of a run being resumed (not refitted).
    """
    from nugan.data.features import FeatureSpec

    if len(events) == 0:
        raise SchemaError("the training data has no events")
    features = list(features)
    condition = list(condition)
    if condition and not model_cls.conditional:
        raise ConfigError(
            f"model {model_name!r} is not conditional; drop --condition {','.join(condition)} "
            "or choose a conditional model (e.g. tabular-gan, flow, acgan)"
        )
    if condition:
        events.require_columns(condition, f"--condition of model {model_name!r}")
    if features:
        events.require_columns(features, f"--features of model {model_name!r}")
    images = choose_images(model_name, frozenset(model_cls.accepts), events, features)
    if feature_spec is None:
        feature_spec = FeatureSpec.fit(events, columns=() if images else features, images=images)
    if condition and condition_spec is None:
        condition_spec = FeatureSpec.fit(events, columns=condition)
    x = feature_spec.encode_images(events) if images else feature_spec.encode_table(events)
    cond = condition_spec.encode_table(events) if condition_spec is not None and condition else None
    labels, n_classes, names = None, 0, None
    if model_cls.uses_labels:
        if events.labels is None:
            raise SchemaError(
                f"model {model_name!r} learns class labels, but the events have none; "
                "use events with labels (nugan simulate writes numu_cc/nue_cc/nc) or a model without labels"
            )
        labels = np.asarray(events.labels, dtype=np.int64)
        names = list(events.label_names) if events.label_names else None
        n_classes = len(names) if names else int(labels.max()) + 1
    x = np.ascontiguousarray(x, dtype=np.float32)
    if not np.all(np.isfinite(x)):
        raise SchemaError(
            "the encoded training data has NaN/inf values; check the input with `nugan inspect`"
        )
    return TrainingArrays(
        x=x,
        condition=None if cond is None else np.ascontiguousarray(cond, dtype=np.float32),
        labels=labels,
        n_classes=n_classes,
        label_names=names,
        feature_spec=feature_spec,
        condition_spec=condition_spec if condition else None,
        images=images,
    )


class BatchSampler:
    """Stateless seeded batches: ``indices(step)`` depends only on (seed, step, rank).

    Arguments:
        n: number of training events.
        batch_size: events per process and step (capped at ``n // world_size``).
        seed: the run's seed.
        rank, world_size: this process and the number of processes.

    Example:
        >>> s = BatchSampler(10, 4, seed=1)
        >>> s.batches_per_epoch, len(s.indices(0))
        (2, 4)
        >>> bool((s.indices(3) == BatchSampler(10, 4, seed=1).indices(3)).all())
        True
    """

    def __init__(self, n: int, batch_size: int, seed: int, rank: int = 0, world_size: int = 1) -> None:
        if n < world_size:
            raise SchemaError(f"{n} training events cannot be split across {world_size} processes")
        self.n = n
        self.batch_size = min(batch_size, n // world_size)
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.batches_per_epoch = max(1, n // (self.batch_size * world_size))
        self._epoch = -1
        self._perm = np.arange(n)

    def permutation(self, epoch: int) -> np.ndarray:
        if epoch != self._epoch:
            self._perm = np.random.default_rng([self.seed, 0x5EED, epoch]).permutation(self.n)
            self._epoch = epoch
        return self._perm

    def indices(self, step: int) -> np.ndarray:
        epoch, i = divmod(step, self.batches_per_epoch)
        start = (i * self.world_size + self.rank) * self.batch_size
        return self.permutation(epoch)[start : start + self.batch_size]


def step_seed(seed: int, step: int, rank: int = 0) -> int:
    """The torch seed of one training step on one process (stateless, so resume is exact).

    Example:
        >>> step_seed(0, 5) == step_seed(0, 5), step_seed(0, 5) != step_seed(0, 6)
        (True, True)
    """
    return int(np.random.SeedSequence([seed, rank, step]).generate_state(1, dtype=np.uint64)[0] >> 1)


def fingerprint(events: EventSet) -> dict[str, Any]:
    """A cheap description of a training set, to check that a resume uses the same data."""
    return {
        "n_events": len(events),
        "columns": sorted(events.columns),
        "image_shape": None if events.image_shape is None else list(events.image_shape),
        "has_labels": events.labels is not None,
    }
