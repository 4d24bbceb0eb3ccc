"""FeatureSpec: columns and/or images of an EventSet ⇄ normalised float32 arrays.

A :class:`FeatureSpec` is fitted once on training data, saved as JSON next to a
model, and used to encode events for a network and to decode generated arrays
back to physical units. Every transform is exactly invertible (up to float32
rounding) on its domain, so ``spec.decode_table(spec.encode_table(ev)) ≈ ev.columns``,
and its inverse maps *any* real number into the column's physical domain, so that
whatever a generator outputs decodes to a physical value (cos θ in [−1, 1], W > 0, ...).

Per-column transforms (each followed by standardisation to zero mean and unit
variance, except ``onehot`` and ``identity``):

* ``standard``: ``z = (x - μ) / σ``; inverse ``x = μ + σ z`` (any real).
* ``log``: ``z = (log x - μ) / σ`` (needs x > 0); inverse ``x = exp(μ + σ z)`` (> 0).
* ``log1p``: ``z = (log(1 + x) - μ) / σ`` (needs x > −1); inverse ``x = expm1(μ + σ z)`` (see below).
* ``log1p:LO``: ``z = (log(1 + x − LO) - μ) / σ`` for a quantity x ≥ LO; inverse ``LO + expm1(μ + σ z)``,
  at least LO (see below).
* ``logit``: ``u = clip(x, ε, 1 − ε)``, ``z = (log(u / (1 − u)) − μ) / σ``; inverse
  ``x = sigmoid(μ + σ z)`` (in [ε, 1 − ε]).
* ``logit:LO:HI``: ``u = clip((x − LO) / (HI − LO), ε, 1 − ε)``, then as ``logit``; inverse
  ``x = LO + (HI − LO) sigmoid(μ + σ z)`` (in [LO, HI]).
* ``onehot``: one column per category seen in the fit; inverse: the category of the largest entry.
* ``identity``: ``z = x``; inverse ``x = z``.

``logit`` clips to ``[ε, 1 - ε]`` with ``ε = 1e-6`` (:data:`LOGIT_EPS`) so that
exact 0 and 1 stay finite; it is exactly invertible on the clipped range, and a
value outside it comes back as the nearest end (an error of at most ε).
``logit:LO:HI`` (e.g. ``"logit:-1:1"`` for cos θ) is the same on ``[LO, HI]``
(error at most ε·(HI − LO) at the ends); ``"logit"`` is ``"logit:0:1"``. Fitting a
logit on data outside its bounds raises :class:`~nugan.errors.SchemaError`.

``log1p`` fitted on non-negative data (e.g. visible energy, with exact zeros for
events that left nothing in the detector) is ``log1p:0``: it decodes to values ≥ 0, and
keeps the point mass at zero: a decoded value below half the smallest non-zero training
value (``zero_below`` in the JSON) is returned as exactly 0 (no training value lies
between 0 and that one, so the round trip stays exact, and a generator that spreads the
spike of the zeros a little still produces exact zeros, never negative energies).
``log1p:LO`` does the same at LO, e.g. the hadronic invariant mass W ≥ M_N with its point
mass at W = M_N from (quasi-)elastic events. Fitted on data with negative values (> −1),
plain ``log1p`` has the plain ``expm1`` inverse (values > −1).

``"auto"`` (the default) chooses per column, from the fit data, the first that applies:

* bool or integer columns with at most 32 distinct values → ``onehot``
  (other integer columns → ``standard``, decoded values rounded);
* floats within [0, 1] with values near both ends (min < 0.05 and max > 0.95)
  → ``logit``;
* floats within [−1, 1] with values near both ends (min < −0.9 and max > 0.9),
  e.g. cos θ → ``logit:-1:1``;
* floats with a point mass at their minimum LO (at least 2 events and 0.5 %
  (:data:`POINT_MASS_FRACTION`) of them exactly at LO: a threshold, e.g. zero visible energy or
  W = M_N) → ``log1p:LO`` (written ``log1p`` for LO = 0), decoded ≥ LO;
* strictly positive floats (energies, W, Q²) → ``log`` (decoded > 0);
* non-negative floats with exact zeros → ``log1p`` (decoded ≥ 0);
* otherwise ``standard``.

The spec also records each column's training minimum and maximum (``min``, ``max``
in the JSON, :meth:`FeatureSpec.ranges`) for reports; decoding does not clip to them.

Images (``events.pixelmaps``, ``(N, C, H, W)``) are mapped by ``log(1 + x)``
(x ≥ 0, e.g. energy per cell) and then standardised per channel;
:meth:`FeatureSpec.decode_images` returns non-negative values.

Example:
    >>> import numpy as np
    >>> from nugan.data import EventSet
    >>> rng = np.random.default_rng(0)
    >>> ev = EventSet({"enu_gev": rng.uniform(0.1, 50, 100), "mode": rng.integers(1, 5, 100),
    ...                "cos": rng.uniform(-1, 1, 100)})
    >>> spec = FeatureSpec.fit(ev, ["enu_gev", "mode", "cos"])
    >>> spec.transform_of("enu_gev"), spec.transform_of("mode"), spec.transform_of("cos"), spec.n_features
    ('log', 'onehot', 'logit:-1:1', 6)
    >>> back = spec.decode_table(spec.encode_table(ev))
    >>> bool(np.allclose(back["enu_gev"], ev.columns["enu_gev"], rtol=1e-5))
    True
    >>> bool((back["mode"] == ev.columns["mode"]).all())
    True
    >>> wild = spec.decode_table(rng.normal(scale=10, size=(1000, 6)))
    >>> bool(wild["enu_gev"].min() > 0 and np.abs(wild["cos"]).max() <= 1)
    True
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nugan._atomic import write_text_atomic
from nugan.data.eventset import EventSet
from nugan.errors import ConfigError, InputFileError, SchemaError

SPEC_FORMAT = "nugan-featurespec"
SPEC_VERSION = 2  # 2: logit bounds, log1p floor/zero_below, column min/max; version 1 files still load
LOGIT_EPS = 1e-6
MAX_ONEHOT_CATEGORIES = 32
POINT_MASS_FRACTION = 0.005
"""``"auto"`` sees a point mass (threshold) at a column's minimum when this fraction of values equal it."""
TRANSFORMS: tuple[str, ...] = ("auto", "standard", "log", "logit", "log1p", "onehot", "identity")
"""Transform names; ``logit`` also takes bounds, ``"logit:LO:HI"``."""


def parse_transform(name: str) -> tuple[str, tuple[float, ...] | None]:
    """Split a transform name into its kind and its bounds.

    Arguments:
        name: one of :data:`TRANSFORMS`, ``"logit:LO:HI"`` with finite LO < HI, or
            ``"log1p:LO"`` (a quantity ≥ LO, possibly with a point mass at LO).

    Returns:
        ``(kind, bounds)``: bounds ``(LO, HI)`` for logit, ``(LO,)`` for ``log1p:LO``, else None.

    Example:
        >>> parse_transform("logit:-1:1"), parse_transform("logit"), parse_transform("log")
        (('logit', (-1.0, 1.0)), ('logit', (0.0, 1.0)), ('log', None))
        >>> parse_transform("log1p:0.938"), parse_transform("log1p")
        (('log1p', (0.938,)), ('log1p', None))
    """
    parts = str(name).split(":")
    kind = parts[0]
    if kind not in TRANSFORMS or (len(parts) > 1 and kind not in ("logit", "log1p")):
        raise ConfigError(
            f"unknown transform {name!r}; choose from {list(TRANSFORMS)}, 'logit:LO:HI' (e.g. "
            "'logit:-1:1') or 'log1p:LO'"
        )
    if len(parts) == 1:
        return kind, ((0.0, 1.0) if kind == "logit" else None)
    n_bounds = 2 if kind == "logit" else 1
    form = "'logit:LO:HI', e.g. 'logit:-1:1'" if kind == "logit" else "'log1p:LO', e.g. 'log1p:0'"
    try:
        if len(parts) != n_bounds + 1:
            raise ValueError
        bounds = tuple(float(b) for b in parts[1:])
    except ValueError:
        raise ConfigError(f"transform {name!r}: write bounds as {form}") from None
    if not all(np.isfinite(bounds)) or (kind == "logit" and not bounds[0] < bounds[1]):
        raise ConfigError(f"transform {name!r}: bounds must be finite (and LO < HI)")
    return kind, bounds


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


@dataclass
class ColumnTransform:
    """How one column is encoded.

    Arguments:
        name: the column name.
        kind: one of :data:`TRANSFORMS` except ``"auto"``.
        dtype: numpy dtype string of the original column (decoded values get it back).
        mean, std: standardisation after the elementwise map.
        categories: the values of a ``onehot`` column, in encoding order.
        lo, hi: bounds of a ``logit`` column (default [0, 1]).
        floor: for ``log1p``, the lower limit LO of the column (the map is ``log(1 + x − LO)``, and decoded
            values are ≥ LO); 0 when fitted on non-negative data, None (no limit, LO = 0) otherwise.
        zero_below: decoded ``log1p`` values with ``x − LO`` below this are returned as exactly LO
            (keeps a point mass at LO, e.g. zero visible energy, or W = M_N for elastic events).
        data_min, data_max: the training range (for reports; decoding does not clip to it).
    """

    name: str
    kind: str
    dtype: str
    mean: float = 0.0
    std: float = 1.0
    categories: list[Any] = field(default_factory=list)
    lo: float = 0.0
    hi: float = 1.0
    floor: float | None = None
    zero_below: float = 0.0
    data_min: float | None = None
    data_max: float | None = None

    @property
    def width(self) -> int:
        """Number of encoded features."""
        return len(self.categories) if self.kind == "onehot" else 1

    @property
    def transform_name(self) -> str:
        """The transform as :meth:`FeatureSpec.fit` accepts it (``"logit:-1:1"`` for bounded logit)."""
        if self.kind == "logit" and (self.lo, self.hi) != (0.0, 1.0):
            return f"logit:{_fmt(self.lo)}:{_fmt(self.hi)}"
        if self.kind == "log1p" and self.floor:
            return f"log1p:{_fmt(self.floor)}"
        return self.kind

    # ------------------------------------------------------------ elementwise
    def _map(self, x: np.ndarray, source: str) -> np.ndarray:
        """The elementwise map before standardisation (float64)."""
        x = x.astype(np.float64)
        if self.kind == "log":
            if np.any(x <= 0):
                raise SchemaError(
                    f"{source}: column {self.name!r} has values <= 0 (min {x.min():g}) but its transform is "
                    "'log'; refit the FeatureSpec with transforms={'"
                    + self.name
                    + "': 'log1p' or 'standard'}"
                )
            return np.log(x)
        if self.kind == "log1p":
            shift = self.floor or 0.0
            if np.any(x - shift <= -1):
                raise SchemaError(
                    f"{source}: column {self.name!r} has values <= {shift - 1:g} but its transform is "
                    f"{self.transform_name!r}; refit with 'standard' for it"
                )
            return np.log1p(x - shift)
        if self.kind == "logit":
            u = np.clip((x - self.lo) / (self.hi - self.lo), LOGIT_EPS, 1.0 - LOGIT_EPS)
            return np.log(u) - np.log1p(-u)
        return x

    def _unmap(self, y: np.ndarray) -> np.ndarray:
        if self.kind == "log":
            return np.exp(np.clip(y, -700.0, 700.0))
        if self.kind == "log1p":
            d = np.expm1(np.clip(y, -700.0, 700.0))
            if self.floor is None:
                return d
            return np.where(d < self.zero_below, 0.0, d) + self.floor
        if self.kind == "logit":
            u = 0.5 * (1.0 + np.tanh(0.5 * y))  # sigmoid without overflow
            u = np.clip(u, LOGIT_EPS, 1.0 - LOGIT_EPS)
            return np.clip(self.lo + (self.hi - self.lo) * u, self.lo, self.hi)
        return y

    # -------------------------------------------------------------- encoding
    def encode(self, x: np.ndarray, source: str = "events") -> np.ndarray:
        """Encoded values, float64 ``(N, width)``."""
        if self.kind == "onehot":
            cats = np.asarray(self.categories, dtype=x.dtype if x.dtype.kind in "biu" else np.float64)
            order = np.argsort(cats)
            pos = np.searchsorted(cats[order], x)
            pos = np.clip(pos, 0, len(cats) - 1)
            known = cats[order][pos] == x
            if not np.all(known):
                unknown = sorted({v.item() for v in np.asarray(x)[~known]})[:5]
                raise SchemaError(
                    f"{source}: column {self.name!r} has value(s) {unknown} not seen when the FeatureSpec "
                    "was "
                    f"fitted (categories {self.categories}); refit it on data that contains them"
                )
            out = np.zeros((len(x), len(cats)))
            out[np.arange(len(x)), order[pos]] = 1.0
            return out
        if self.kind == "identity":
            return x.astype(np.float64)[:, None]
        return ((self._map(x, source) - self.mean) / self.std)[:, None]

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Values in the column's original dtype from encoded ``(N, width)``."""
        dtype = np.dtype(self.dtype)
        if self.kind == "onehot":
            cats = np.asarray(self.categories)
            return cats[np.argmax(z, axis=1)].astype(dtype)
        z = z[:, 0].astype(np.float64)
        x = z if self.kind == "identity" else self._unmap(self.mean + self.std * z)
        if dtype.kind == "b":
            return x > 0.5
        if dtype.kind in "iu":
            info = np.iinfo(dtype)
            return np.clip(np.rint(x), info.min, info.max).astype(dtype)
        if dtype.kind == "f":  # stay finite (and > 0 for log) after casting, e.g. to float32
            finfo = np.finfo(dtype)
            x = np.clip(x, float(finfo.tiny) if self.kind == "log" else -float(finfo.max), float(finfo.max))
        return x.astype(dtype)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "transform": self.kind, "dtype": self.dtype}
        if self.kind == "onehot":
            d["categories"] = list(self.categories)
        elif self.kind != "identity":
            d.update(mean=self.mean, std=self.std)
        if self.kind == "logit":
            d["bounds"] = [self.lo, self.hi]
        if self.kind == "log1p" and self.floor is not None:
            d.update(floor=self.floor, zero_below=self.zero_below)
        if self.data_min is not None and self.data_max is not None:
            d.update(min=self.data_min, max=self.data_max)
        return d

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> ColumnTransform:
        """Rebuild from :meth:`to_dict` output (version 1 files: no bounds, floor or range)."""
        lo, hi = (float(b) for b in d.get("bounds", (0.0, 1.0)))
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise SchemaError(f"column {d['name']!r}: invalid logit bounds {d.get('bounds')}")
        floor = d.get("floor")
        return ColumnTransform(
            name=str(d["name"]),
            kind=str(d["transform"]),
            dtype=str(d["dtype"]),
            mean=float(d.get("mean", 0.0)),
            std=float(d.get("std", 1.0)),
            categories=list(d.get("categories", [])),
            lo=lo,
            hi=hi,
            floor=None if floor is None else float(floor),
            zero_below=float(d.get("zero_below", 0.0)),
            data_min=None if d.get("min") is None else float(d["min"]),
            data_max=None if d.get("max") is None else float(d["max"]),
        )


def auto_transform(values: np.ndarray) -> str:
    """The transform that ``"auto"`` picks for a column (see the module docstring).

    Example:
        >>> auto_transform(np.array([True, False])), auto_transform(np.array([-0.5, 20.0]))
        ('onehot', 'standard')
        >>> auto_transform(np.array([0.01, 3.0, 50.0])), auto_transform(np.array([0.01, 0.5, 0.99]))
        ('log', 'logit')
        >>> auto_transform(np.array([-0.95, 0.2, 1.0])), auto_transform(np.array([0.0, 0.3, 7.0]))
        ('logit:-1:1', 'log1p')
        >>> auto_transform(np.array([-3.0, 2.0]))
        'standard'
    """
    x = np.asarray(values)
    if x.dtype.kind in "biu":
        return "onehot" if len(np.unique(x)) <= MAX_ONEHOT_CATEGORIES else "standard"
    if x.size == 0:
        return "standard"
    lo, hi = float(np.min(x)), float(np.max(x))
    if lo >= 0.0 and hi <= 1.0 and lo < 0.05 and hi > 0.95:
        return "logit"
    if lo >= -1.0 and hi <= 1.0 and lo < -0.9 and hi > 0.9:
        return "logit:-1:1"
    at_min = int(np.count_nonzero(x == lo))
    if hi > lo and at_min >= 2 and at_min >= POINT_MASS_FRACTION * x.size:
        return "log1p" if lo == 0.0 else f"log1p:{_fmt(lo)}"
    if lo > 0.0:
        return "log"
    if lo == 0.0:
        return "log1p"
    return "standard"


def _fit_column(name: str, values: np.ndarray, kind: str) -> ColumnTransform:
    x = np.asarray(values)
    if x.dtype.kind not in "biuf":
        raise SchemaError(
            f"column {name!r} has dtype {x.dtype}; a FeatureSpec encodes only numbers and bools"
        )
    if kind == "auto":
        kind = auto_transform(x)
    kind, bounds = parse_transform(kind)
    ct = ColumnTransform(name=name, kind=kind, dtype=x.dtype.str)
    if x.size:
        ct.data_min, ct.data_max = float(np.min(x)), float(np.max(x))
    if kind == "logit" and bounds is not None:
        ct.lo, ct.hi = bounds
        if x.size and (float(np.min(x)) < ct.lo or float(np.max(x)) > ct.hi):
            raise SchemaError(
                f"column {name!r} has values in [{np.min(x):g}, {np.max(x):g}], outside the bounds of its "
                f"transform {ct.transform_name!r}; widen them (e.g. 'logit:LO:HI') or use 'standard'"
            )
    if kind == "log1p" and bounds is not None:
        ct.floor = bounds[0]
        if x.size and float(np.min(x)) < ct.floor:
            raise SchemaError(
                f"column {name!r} has values down to {np.min(x):g}, below the bound of its transform "
                f"{ct.transform_name!r}; lower it or use 'standard'"
            )
    elif kind == "log1p" and x.size and float(np.min(x)) >= 0.0:
        ct.floor = 0.0
    if ct.floor is not None:
        above = x[x > ct.floor].astype(np.float64) - ct.floor
        ct.zero_below = 0.5 * float(above.min()) if above.size else 0.0
    if kind == "onehot":
        cats = np.unique(x)
        if len(cats) > 1024:
            raise ConfigError(f"column {name!r} has {len(cats)} distinct values: too many for 'onehot'")
        ct.categories = [c.item() for c in cats]
    elif kind != "identity":
        y = ct._map(x, "fit data")
        ct.mean = float(np.mean(y))
        std = float(np.std(y))
        ct.std = std if std > 0 and np.isfinite(std) else 1.0
    return ct


class FeatureSpec:
    """Which columns/images of an EventSet a model sees, and how they are normalised.

    Build it with :meth:`fit`; see the module docstring for the transforms.

    Attributes:
        columns: the encoded column names, in table order.
        n_features: width of the encoded table (one-hot columns count their categories).
        image_shape: ``(C, H, W)`` of the encoded images, or None.
    """

    def __init__(
        self,
        transforms: Sequence[ColumnTransform] = (),
        image_shape: Sequence[int] | None = None,
        image_mean: Sequence[float] | np.ndarray = (),
        image_std: Sequence[float] | np.ndarray = (),
    ) -> None:
        self.transforms: list[ColumnTransform] = list(transforms)
        self.image_shape: tuple[int, int, int] | None = (
            None if image_shape is None else tuple(int(s) for s in image_shape)  # type: ignore[assignment]
        )
        self.image_mean = np.asarray(image_mean, dtype=np.float64)
        self.image_std = np.asarray(image_std, dtype=np.float64)

    # ------------------------------------------------------------ properties
    @property
    def columns(self) -> list[str]:
        return [t.name for t in self.transforms]

    @property
    def n_features(self) -> int:
        return sum(t.width for t in self.transforms)

    @property
    def column_slices(self) -> dict[str, slice]:
        """Column name → its slice of the encoded table."""
        out: dict[str, slice] = {}
        start = 0
        for t in self.transforms:
            out[t.name] = slice(start, start + t.width)
            start += t.width
        return out

    def transform_of(self, column: str) -> str:
        """The transform name chosen for ``column`` (as :meth:`fit` accepts it, e.g. ``"logit:-1:1"``)."""
        for t in self.transforms:
            if t.name == column:
                return t.transform_name
        raise ConfigError(f"the FeatureSpec has no column {column!r}; it has {self.columns}")

    def ranges(self) -> dict[str, tuple[float, float] | None]:
        """Column → (min, max) of the training data (None for specs saved before version 2)."""
        return {
            t.name: None if t.data_min is None or t.data_max is None else (t.data_min, t.data_max)
            for t in self.transforms
        }

    def __repr__(self) -> str:
        cols = ", ".join(f"{t.name}:{t.transform_name}" for t in self.transforms)
        return f"FeatureSpec(columns=[{cols}], n_features={self.n_features}, image_shape={self.image_shape})"

    # ------------------------------------------------------------------- fit
    @classmethod
    def fit(
        cls,
        events: EventSet,
        columns: Sequence[str] = (),
        images: bool = False,
        transforms: Mapping[str, str] | None = None,
    ) -> FeatureSpec:
        """Fit the transforms on ``events``.

        Arguments:
            events: training data.
            columns: the columns to encode, in order.
            images: whether to encode ``events.pixelmaps`` too.
            transforms: column → transform name (default ``"auto"`` for every column): one of
                :data:`TRANSFORMS`, or ``"logit:LO:HI"`` for a quantity bounded to [LO, HI].
        """
        transforms = dict(transforms or {})
        columns = list(columns)
        for k, v in transforms.items():
            try:
                parse_transform(v)
            except ConfigError as exc:
                raise ConfigError(f"column {k!r}: {exc}") from None
        extra = sorted(set(transforms) - set(columns))
        if extra:
            raise ConfigError(f"transforms given for {extra}, which are not among the columns {columns}")
        if len(set(columns)) != len(columns):
            raise ConfigError(f"columns listed twice: {columns}")
        if not columns and not images:
            raise ConfigError("a FeatureSpec needs at least one column or images=True")
        events.require_columns(columns, "the FeatureSpec")
        if len(events) == 0:
            raise SchemaError("cannot fit a FeatureSpec on an EventSet with no events")
        for name in columns:
            _check_finite(events.columns[name], name, "fit data")
        cts = [_fit_column(c, events.columns[c], transforms.get(c, "auto")) for c in columns]
        if not images:
            return cls(cts)
        if events.pixelmaps is None:
            raise SchemaError("the FeatureSpec should encode images, but the EventSet has no pixel maps")
        pm = np.asarray(events.pixelmaps)
        _check_images(pm, "fit data")
        y = np.log1p(pm.astype(np.float64))
        mean = y.mean(axis=(0, 2, 3))
        std = y.std(axis=(0, 2, 3))
        std = np.where(std > 0, std, 1.0)
        return cls(cts, pm.shape[1:], mean, std)

    # ----------------------------------------------------------------- table
    def encode_table(self, events: EventSet) -> np.ndarray:
        """The encoded columns, float32 ``(N, n_features)``."""
        events.require_columns(
            self.columns, f"the FeatureSpec (columns {self.columns}; e.g. a model's features.json)"
        )
        n = len(events)
        if not self.transforms:
            return np.zeros((n, 0), dtype=np.float32)
        parts = []
        for t in self.transforms:
            x = np.asarray(events.columns[t.name])
            _check_finite(x, t.name, "events")
            parts.append(t.encode(x))
        return np.concatenate(parts, axis=1).astype(np.float32)

    def decode_table(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Columns in physical units from an encoded table ``(N, n_features)``."""
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise SchemaError(
                f"decode_table expects an array (N, {self.n_features}) for columns {self.columns}, "
                f"got {x.shape}"
            )
        return {t.name: t.decode(x[:, s]) for t, s in zip(self.transforms, self.column_slices.values())}

    # ---------------------------------------------------------------- images
    def encode_images(self, events: EventSet) -> np.ndarray:
        """The encoded images, float32 ``(N, C, H, W)``: per-channel standardised log(1 + x)."""
        if self.image_shape is None:
            raise SchemaError("this FeatureSpec does not encode images (fit it with images=True)")
        if events.pixelmaps is None:
            raise SchemaError(
                f"the FeatureSpec encodes images {self.image_shape}, but the EventSet has no pixel maps"
            )
        pm = np.asarray(events.pixelmaps)
        if tuple(pm.shape[1:]) != self.image_shape:
            raise SchemaError(
                f"the FeatureSpec was fitted on images {self.image_shape}, these are {tuple(pm.shape[1:])}; "
                "use data of the same detector geometry, or refit the FeatureSpec"
            )
        _check_images(pm, "events")
        y = np.log1p(pm.astype(np.float64))
        return ((y - self.image_mean[:, None, None]) / self.image_std[:, None, None]).astype(np.float32)

    def decode_images(self, x: np.ndarray) -> np.ndarray:
        """Non-negative images float32 ``(N, C, H, W)`` from encoded ones."""
        if self.image_shape is None:
            raise SchemaError("this FeatureSpec does not encode images (fit it with images=True)")
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 4 or tuple(x.shape[1:]) != self.image_shape:
            shape = ", ".join(map(str, self.image_shape))
            raise SchemaError(f"decode_images expects (N, {shape}), got {x.shape}")
        y = x * self.image_std[:, None, None] + self.image_mean[:, None, None]
        return np.maximum(np.expm1(np.clip(y, None, 80.0)), 0.0).astype(np.float32)

    # ----------------------------------------------------------------- both
    def decode(
        self,
        table: np.ndarray | None = None,
        images: np.ndarray | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> EventSet:
        """An EventSet (physical units) from an encoded table and/or encoded images."""
        columns = self.decode_table(table) if table is not None else {}
        pixelmaps = self.decode_images(images) if images is not None else None
        return EventSet(columns, pixelmaps=pixelmaps, attrs=attrs)

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """A JSON-able description (see :meth:`from_dict`)."""
        d: dict[str, Any] = {
            "format": SPEC_FORMAT,
            "version": SPEC_VERSION,
            "columns": [t.to_dict() for t in self.transforms],
            "images": None,
        }
        if self.image_shape is not None:
            d["images"] = {
                "shape": list(self.image_shape),
                "transform": "log1p+standard",
                "mean": self.image_mean.tolist(),
                "std": self.image_std.tolist(),
            }
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FeatureSpec:
        """Rebuild a FeatureSpec from :meth:`to_dict` output."""
        if d.get("format") != SPEC_FORMAT:
            raise SchemaError(f"not a FeatureSpec description (format {d.get('format')!r})")
        if int(d.get("version", 0)) > SPEC_VERSION:
            raise SchemaError(
                f"FeatureSpec version {d.get('version')} is newer than this nugan's ({SPEC_VERSION}); "
                "upgrade nugan"
            )
        cts = [ColumnTransform.from_dict(c) for c in d.get("columns", [])]
        bad = [t.kind for t in cts if t.kind not in TRANSFORMS or t.kind == "auto"]
        if bad:
            raise SchemaError(f"FeatureSpec has unknown transform(s) {bad}")
        img = d.get("images")
        if not img:
            return cls(cts)
        return cls(cts, img["shape"], img["mean"], img["std"])

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the spec as JSON, atomically."""
        write_text_atomic(path, json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FeatureSpec:
        """Read a spec written by :meth:`save`."""
        p = Path(path)
        if not p.is_file():
            raise InputFileError(
                f"{p}: no such FeatureSpec file; it is written next to a model as features.json"
            )
        try:
            d = json.loads(p.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputFileError(
                f"{p}: not valid JSON ({exc}); the file is corrupt, retrain or restore it"
            ) from None
        try:
            return cls.from_dict(d)
        except (KeyError, TypeError, ValueError) as exc:
            raise InputFileError(f"{p}: not a valid FeatureSpec ({exc!r})") from None
        except SchemaError as exc:
            raise InputFileError(f"{p}: {exc}") from None


def _check_finite(x: np.ndarray, name: str, source: str) -> None:
    if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        bad = int(np.count_nonzero(~np.isfinite(x)))
        raise SchemaError(f"{source}: column {name!r} has {bad} NaN/inf value(s); remove or fix those events")


def _check_images(pm: np.ndarray, source: str) -> None:
    if pm.ndim != 4:
        raise SchemaError(f"{source}: images must be (N, C, H, W), got {pm.shape}")
    if pm.dtype.kind == "f" and not np.all(np.isfinite(pm)):
        raise SchemaError(f"{source}: pixel maps contain NaN/inf values; remove or fix those events")
    if pm.size and float(pm.min()) < 0:
        raise SchemaError(
            f"{source}: pixel maps have negative values (min {float(pm.min()):g}); the image transform "
            "log(1 + x) needs x >= 0 (energies or intensities)"
        )
