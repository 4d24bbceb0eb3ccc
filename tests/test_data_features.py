from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nugan.data import EventSet, FeatureSpec
from nugan.data.features import LOGIT_EPS, auto_transform
from nugan.errors import ConfigError, InputFileError, SchemaError


def _physics_like(rng: np.random.Generator, n: int = 400) -> EventSet:
    pix = np.zeros((n, 2, 6, 5), dtype=np.float32)
    hit = rng.random(pix.shape) < 0.2
    pix[hit] = rng.exponential(20.0, size=int(hit.sum()))
    return EventSet(
        {
            "enu_gev": rng.uniform(0.1, 60.0, n),  # > 2 decades, positive -> log
            "x": np.clip(rng.beta(0.5, 0.5, n), 0, 1),  # [0,1], near both ends -> logit
            "lep_costheta": rng.uniform(-1, 1, n),  # -> standard
            "mode": rng.choice([1, 2, 3, 4, 11], n).astype(np.int32),  # -> onehot
            "is_cc": rng.random(n) < 0.7,  # -> onehot
            "n_hits": rng.integers(0, 1000, n),  # many ints -> standard
        },
        pixelmaps=pix,
    )


def test_auto_transforms_chosen_by_the_documented_rules(rng):
    ev = _physics_like(rng)
    spec = FeatureSpec.fit(ev, list(ev.columns), images=True)
    kinds = {c: spec.transform_of(c) for c in spec.columns}
    assert kinds == {
        "enu_gev": "log",
        "x": "logit",
        "lep_costheta": "standard",
        "mode": "onehot",
        "is_cc": "onehot",
        "n_hits": "standard",
    }
    assert spec.n_features == 1 + 1 + 1 + 5 + 2 + 1
    assert spec.image_shape == (2, 6, 5)
    assert auto_transform(np.array([2.0, 150.0])) == "standard"  # span < 2 decades
    assert auto_transform(np.arange(33)) == "standard"  # > 32 distinct integers


def test_encoded_table_is_standardised_and_round_trips(rng):
    ev = _physics_like(rng)
    spec = FeatureSpec.fit(ev, list(ev.columns))
    z = spec.encode_table(ev)
    assert z.dtype == np.float32 and z.shape == (len(ev), spec.n_features)
    for name in ("enu_gev", "x", "lep_costheta", "n_hits"):
        col = z[:, spec.column_slices[name]][:, 0]
        assert abs(col.mean()) < 1e-4 and abs(col.std() - 1) < 1e-4
    onehot = z[:, spec.column_slices["mode"]]
    np.testing.assert_array_equal(onehot.sum(axis=1), 1.0)
    back = spec.decode_table(z)
    for name, arr in ev.columns.items():
        assert back[name].dtype == arr.dtype
        if arr.dtype.kind == "f":
            np.testing.assert_allclose(back[name], arr, rtol=2e-5, atol=2 * LOGIT_EPS)
        else:
            np.testing.assert_array_equal(back[name], arr)


def test_logit_clips_exact_bounds_and_inverts_on_clipped_range():
    ev = EventSet({"y": np.array([0.0, 1e-9, 0.3, 0.999, 1.0])})
    spec = FeatureSpec.fit(ev, ["y"])
    assert spec.transform_of("y") == "logit"
    z = spec.encode_table(ev)
    assert np.all(np.isfinite(z))
    back = spec.decode_table(z)["y"]
    np.testing.assert_allclose(back, np.clip(ev.columns["y"], LOGIT_EPS, 1 - LOGIT_EPS), rtol=1e-5, atol=1e-7)
    assert np.all(np.abs(back - ev.columns["y"]) <= LOGIT_EPS * 1.01)


def test_images_log1p_standardised_per_channel_and_inverse(rng):
    ev = _physics_like(rng)
    spec = FeatureSpec.fit(ev, images=True)
    z = spec.encode_images(ev)
    assert z.dtype == np.float32 and z.shape == ev.pixelmaps.shape
    np.testing.assert_allclose(z.mean(axis=(0, 2, 3)), 0.0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=(0, 2, 3)), 1.0, atol=1e-4)
    back = spec.decode_images(z)
    np.testing.assert_allclose(back, ev.pixelmaps, rtol=1e-4, atol=1e-5)
    # anything a generator outputs decodes to non-negative energies
    noise = rng.normal(scale=5, size=z.shape)
    assert spec.decode_images(noise).min() >= 0.0


def test_save_load_gives_identical_encoding(rng, tmp_path):
    ev = _physics_like(rng)
    spec = FeatureSpec.fit(ev, ["enu_gev", "mode", "is_cc"], images=True, transforms={"enu_gev": "log1p"})
    spec.save(tmp_path / "features.json")
    d = json.loads((tmp_path / "features.json").read_text())
    assert d["columns"][0]["transform"] == "log1p"
    again = FeatureSpec.load(tmp_path / "features.json")
    assert again.columns == spec.columns and again.image_shape == spec.image_shape
    np.testing.assert_array_equal(again.encode_table(ev), spec.encode_table(ev))
    np.testing.assert_array_equal(again.encode_images(ev), spec.encode_images(ev))
    out = again.decode(again.encode_table(ev), again.encode_images(ev), attrs={"run": "x"})
    assert len(out) == len(ev) and out.attrs == {"run": "x"}
    np.testing.assert_array_equal(out.columns["mode"], ev.columns["mode"])


def test_bad_uses_rejected(rng, tmp_path):
    ev = _physics_like(rng)
    spec = FeatureSpec.fit(ev, ["enu_gev", "mode"], images=True)
    with pytest.raises(SchemaError, match=r"needs the column\(s\) \[.mode.\], which this EventSet lacks"):
        spec.encode_table(EventSet({"enu_gev": np.ones(3)}))
    with pytest.raises(SchemaError, match="fitted on images"):
        spec.encode_images(EventSet(pixelmaps=np.zeros((2, 1, 6, 5), np.float32)))
    with pytest.raises(SchemaError, match="not seen"):
        spec.encode_table(EventSet({"enu_gev": np.ones(2), "mode": np.array([1, 99], np.int32)}))
    with pytest.raises(SchemaError, match="NaN"):
        spec.encode_table(EventSet({"enu_gev": np.array([1.0, np.nan]), "mode": np.array([1, 2], np.int32)}))
    with pytest.raises(SchemaError, match="<= 0"):
        spec.encode_table(EventSet({"enu_gev": np.array([1.0, -1.0]), "mode": np.array([1, 2], np.int32)}))
    with pytest.raises(ConfigError, match="unknown transform"):
        FeatureSpec.fit(ev, ["enu_gev"], transforms={"enu_gev": "sqrt"})
    with pytest.raises(SchemaError, match="no pixel maps"):
        FeatureSpec.fit(EventSet({"a": np.ones(3)}), ["a"], images=True)
    with pytest.raises(InputFileError, match="no such FeatureSpec"):
        FeatureSpec.load(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InputFileError, match="not valid JSON"):
        FeatureSpec.load(tmp_path / "bad.json")
    newer = spec.to_dict() | {"version": 99}
    with pytest.raises(SchemaError, match="newer"):
        FeatureSpec.from_dict(newer)


_floats = st.floats(-1e6, 1e6, allow_nan=False, width=64)


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(2, 40), elements=_floats),
    hnp.arrays(np.float64, st.integers(2, 40), elements=st.floats(1e-3, 1e4)),
    st.sampled_from(["standard", "identity", "auto"]),
)
def test_forward_inverse_is_identity(a, pos, kind):
    n = min(len(a), len(pos))
    ev = EventSet({"a": a[:n], "pos": pos[:n], "k": (np.arange(n) % 3).astype(np.int16)})
    spec = FeatureSpec.fit(ev, ["a", "pos", "k"], transforms={"a": kind, "pos": "log"})
    back = spec.decode_table(spec.encode_table(ev))
    scale = max(1.0, float(np.abs(a[:n]).max()))
    np.testing.assert_allclose(back["a"], a[:n], rtol=1e-5, atol=1e-6 * scale)
    np.testing.assert_allclose(back["pos"], pos[:n], rtol=1e-5)
    np.testing.assert_array_equal(back["k"], ev.columns["k"])


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(2, 30), elements=st.floats(0.0, 1.0)),
    hnp.arrays(np.float64, st.integers(2, 30), elements=st.floats(0.0, 1e5)),
    hnp.arrays(
        np.float32,
        st.tuples(st.integers(1, 6), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)),
        elements=st.floats(0.0, 1e4, width=32),
    ),
)
def test_bounded_and_image_transforms_invert(u, e, pix):
    n = min(len(u), len(e))
    ev = EventSet({"u": u[:n], "e": e[:n]})
    spec = FeatureSpec.fit(ev, ["u", "e"], transforms={"u": "logit", "e": "log1p"})
    back = spec.decode_table(spec.encode_table(ev))
    np.testing.assert_allclose(back["u"], np.clip(u[:n], LOGIT_EPS, 1 - LOGIT_EPS), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(back["e"], e[:n], rtol=1e-5, atol=1e-6)
    images = EventSet(pixelmaps=pix)
    ispec = FeatureSpec.fit(images, images=True)
    again = ispec.decode_images(ispec.encode_images(images))
    assert again.dtype == np.float32 and again.min() >= 0
    np.testing.assert_allclose(again, pix, rtol=1e-4, atol=1e-4)
