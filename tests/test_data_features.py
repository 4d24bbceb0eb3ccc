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
            "lep_costheta": rng.uniform(-1, 1, n),  # [-1,1], near both ends -> logit:-1:1
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
        "lep_costheta": "logit:-1:1",
        "mode": "onehot",
        "is_cc": "onehot",
        "n_hits": "standard",
    }
    assert spec.n_features == 1 + 1 + 1 + 5 + 2 + 1
    assert spec.image_shape == (2, 6, 5)
    assert auto_transform(np.arange(33)) == "standard"  # > 32 distinct integers


def test_auto_picks_physically_bounded_transforms(rng):
    n = 500
    vis = rng.exponential(0.7, n)
    vis[:20] = 0.0  # events with no visible energy
    ev = EventSet(
        {
            "lep_costheta": np.clip(1 - rng.exponential(0.3, n), -1, 1),  # forward peaked, reaches -1..1
            "w_gev": 0.938 + rng.exponential(0.4, n),  # positive, < 1 decade
            "q2_gev2": rng.exponential(0.5, n) + 1e-4,
            "lep_e_gev": rng.uniform(0.5, 9.0, n),
            "vis_e_gev": vis,
            "y": rng.uniform(0.0, 1.0, n),
            "mode": rng.choice([1, 2, 3, 4], n),
            "is_cc": rng.random(n) < 0.5,
            "dx_cm": rng.normal(0, 30, n),  # negative and positive, unbounded
            "asym": rng.uniform(-0.5, 0.5, n),  # in [-1, 1] but not near the ends
            "w_all_gev": np.where(
                rng.random(n) < 0.2, 0.93827208943, 0.938272089430001 + rng.exponential(0.4, n)
            ),
        }
    )
    ev.columns["lep_costheta"][:2] = [-0.97, 0.9999]
    spec = FeatureSpec.fit(ev, list(ev.columns))
    assert {c: spec.transform_of(c) for c in spec.columns} == {
        "lep_costheta": "logit:-1:1",
        "w_gev": "log",
        "q2_gev2": "log",
        "lep_e_gev": "log",
        "vis_e_gev": "log1p",
        "y": "logit",
        "mode": "onehot",
        "is_cc": "onehot",
        "dx_cm": "standard",
        "asym": "standard",
        "w_all_gev": "log1p:0.93827208943",  # point mass at W = M_N (elastic events)
    }
    assert auto_transform(np.array([-0.95, 0.0, 0.95])) == "logit:-1:1"
    assert auto_transform(np.array([-0.95, 0.0, 1.01])) == "standard"  # leaves [-1, 1]
    assert auto_transform(np.array([-0.5, 0.95])) == "standard"  # not near -1
    assert auto_transform(np.array([2.0, 150.0])) == "log"  # any strictly positive float
    assert auto_transform(np.array([0.0, 150.0])) == "log1p"  # non-negative with exact zeros
    assert auto_transform(np.array([0.1, 0.5, 0.9])) == "log"  # in (0, 1] but not near both ends
    assert auto_transform(np.array([-2.0, -2.0, 3.0, 4.0])) == "log1p:-2"  # threshold at -2
    assert auto_transform(np.full(5, 1.0)) == "log"  # constant: no threshold
    assert auto_transform(np.r_[1.0, np.linspace(1.0, 2.0, 999)]) == "log"  # 2 ties in 1000: no point mass


def _assert_in_domain(cols: dict[str, np.ndarray]) -> None:
    assert np.all(np.abs(cols["cos"]) <= 1.0)
    assert np.all(cols["w"] > 0.0)
    assert np.all(cols["vis"] >= 0.0)
    assert np.all((cols["u"] >= 0.0) & (cols["u"] <= 1.0))
    assert all(np.all(np.isfinite(v)) for v in cols.values())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_decode_of_any_real_input_stays_in_the_physical_domain(rng, dtype):
    n = 300
    vis = rng.exponential(0.5, n)
    vis[::10] = 0.0
    ev = EventSet(
        {
            "cos": rng.uniform(-1, 1, n).astype(dtype),
            "w": (0.938 + rng.exponential(0.5, n)).astype(dtype),
            "vis": vis.astype(dtype),
            "u": rng.uniform(0, 1, n).astype(dtype),
        }
    )
    spec = FeatureSpec.fit(ev, ["cos", "w", "vis", "u"])
    assert [spec.transform_of(c) for c in spec.columns] == ["logit:-1:1", "log", "log1p", "logit"]
    for scale in (1.0, 10.0, 1e3, 1e6):
        noise = rng.normal(scale=scale, size=(4000, spec.n_features))
        _assert_in_domain(spec.decode_table(noise))
    extreme = np.array(
        [[-np.finfo(np.float32).max] * spec.n_features, [np.finfo(np.float32).max] * spec.n_features]
    )
    _assert_in_domain(spec.decode_table(extreme))


def test_point_mass_at_zero_is_kept(rng):
    vis = rng.exponential(0.5, 1000)
    vis[:100] = 0.0
    ev = EventSet({"vis": vis})
    spec = FeatureSpec.fit(ev, ["vis"])
    ct = spec.transforms[0]
    assert ct.floor == 0.0 and ct.zero_below == pytest.approx(0.5 * vis[100:].min())
    z = spec.encode_table(ev)
    back = spec.decode_table(z)["vis"]
    np.testing.assert_array_equal(back[:100], 0.0)  # exact zeros come back exactly (float32 table)
    np.testing.assert_allclose(back[100:], vis[100:], rtol=2e-5, atol=1e-7)
    # a generator that puts its mass around the encoded zero produces exact zeros on both sides of it
    z0 = float(z[0, 0])
    around = spec.decode_table(z0 + np.linspace(-0.01, 0.001 * ct.zero_below, 50)[:, None])["vis"]
    np.testing.assert_array_equal(around, 0.0)
    # the same at a threshold LO: W >= M_N with elastic events exactly at M_N
    m_n = 0.93827208943
    w = np.where(rng.random(1000) < 0.25, m_n, m_n + rng.exponential(0.3, 1000))
    wspec = FeatureSpec.fit(EventSet({"w": w}), ["w"])
    assert wspec.transform_of("w") == f"log1p:{m_n!r}"
    zw = wspec.encode_table(EventSet({"w": w}))
    np.testing.assert_allclose(wspec.decode_table(zw)["w"], w, rtol=2e-6)
    assert np.all(wspec.decode_table(zw)["w"][w == m_n] == m_n)
    wild = wspec.decode_table(rng.normal(scale=10, size=(5000, 1)))["w"]
    assert wild.min() == m_n and 0.2 < np.mean(wild == m_n) < 0.8
    # explicit bounds; data below them are refused
    assert (
        FeatureSpec.fit(EventSet({"w": w}), ["w"], transforms={"w": "log1p:0.9"}).transforms[0].floor == 0.9
    )
    with pytest.raises(SchemaError, match="below the bound"):
        FeatureSpec.fit(EventSet({"w": w}), ["w"], transforms={"w": "log1p:1"})
    # explicit log1p on data with values in (-1, 0) keeps the plain expm1 inverse
    neg = FeatureSpec.fit(EventSet({"a": np.array([-0.5, 0.0, 2.0])}), ["a"], transforms={"a": "log1p"})
    assert neg.transforms[0].floor is None
    assert neg.decode_table(np.array([[-50.0]]))["a"][0] < -0.99


_floats = st.floats(-1e6, 1e6, allow_nan=False, width=64)


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(2, 40), elements=st.floats(0.0, 1.0)),
    st.floats(-1e3, 1e3),
    st.floats(1e-2, 1e3),
    st.sampled_from(["standard", "identity", "log", "log1p", "logit", "bounded", "auto"]),
)
def test_each_transform_round_trips(u, lo, width, kind):
    """forward∘inverse ≈ identity for every transform, on data within its domain."""
    hi = lo + width
    if kind == "log":
        x, name, atol = u + 1e-3, kind, 0.0
    elif kind == "log1p":
        x, name, atol = u * 100, kind, 1e-6
    elif kind == "logit":
        x, name, atol = u, kind, 1.01 * LOGIT_EPS  # the clipped ends
    elif kind == "bounded":
        x, name, atol = np.clip(lo + width * u, lo, hi), f"logit:{lo!r}:{hi!r}", 3e-6 * width
    else:
        x, name = lo + width * u, kind
        atol = 2e-6 * max(1.0, float(np.abs(x).max()))
    ev = EventSet({"c": x})
    spec = FeatureSpec.fit(ev, ["c"], transforms={"c": name})
    if kind == "bounded":
        assert (spec.transforms[0].lo, spec.transforms[0].hi) == (lo, hi)
    back = spec.decode_table(spec.encode_table(ev))["c"]
    np.testing.assert_allclose(back, x, rtol=0 if kind == "bounded" else 2e-5, atol=atol)
    again = FeatureSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    np.testing.assert_array_equal(again.decode_table(again.encode_table(ev))["c"], back)


def test_explicit_bounds_api_and_json(rng, tmp_path):
    ev = EventSet({"cos": rng.uniform(-0.5, 0.7, 200), "e": rng.uniform(1, 2, 200)})
    spec = FeatureSpec.fit(ev, ["cos", "e"], transforms={"cos": "logit:-1:1"})
    assert spec.transform_of("cos") == "logit:-1:1" and spec.transform_of("e") == "log"
    spec.save(tmp_path / "f.json")
    d = json.loads((tmp_path / "f.json").read_text())
    assert d["version"] == 2
    assert d["columns"][0]["transform"] == "logit" and d["columns"][0]["bounds"] == [-1.0, 1.0]
    lo, hi = spec.ranges()["cos"]
    assert lo == ev.columns["cos"].min() and hi == ev.columns["cos"].max()
    again = FeatureSpec.load(tmp_path / "f.json")
    assert again.transform_of("cos") == "logit:-1:1" and again.ranges() == spec.ranges()
    assert "cos:logit:-1:1" in repr(again)
    # decoding does not clip to the training range, only to the bounds
    wide = again.decode_table(np.array([[-20.0, 0.0], [20.0, 0.0]]))["cos"]
    assert wide[0] < lo and wide[1] > hi and np.all(np.abs(wide) <= 1)
    for bad in ("logit:1:-1", "logit:a:b", "logit:0", "log:0:1", "logit:0:inf", "log1p:0:1", "log1p:x"):
        with pytest.raises(ConfigError, match="cos"):
            FeatureSpec.fit(ev, ["cos"], transforms={"cos": bad})
    with pytest.raises(SchemaError, match="outside the bounds"):
        FeatureSpec.fit(ev, ["e"], transforms={"e": "logit:-1:1"})
    d["columns"][0]["bounds"] = [1.0, -1.0]
    (tmp_path / "g.json").write_text(json.dumps(d))
    with pytest.raises(InputFileError, match="invalid logit bounds"):
        FeatureSpec.load(tmp_path / "g.json")


def test_version_1_json_still_loads_with_its_old_meaning(tmp_path):
    """A features.json written before bounds/floors existed (format version 1)."""
    v1 = {
        "format": "nugan-featurespec",
        "version": 1,
        "columns": [
            {"name": "x", "transform": "logit", "dtype": "<f8", "mean": 0.1, "std": 2.0},
            {"name": "vis", "transform": "log1p", "dtype": "<f8", "mean": 0.5, "std": 0.4},
            {"name": "e", "transform": "log", "dtype": "<f8", "mean": 0.7, "std": 0.9},
            {"name": "c", "transform": "standard", "dtype": "<f8", "mean": 0.0, "std": 0.5},
            {"name": "mode", "transform": "onehot", "dtype": "<i4", "categories": [1, 2, 3]},
        ],
        "images": {"shape": [1, 2, 2], "transform": "log1p+standard", "mean": [0.2], "std": [1.5]},
    }
    (tmp_path / "features.json").write_text(json.dumps(v1))
    spec = FeatureSpec.load(tmp_path / "features.json")
    assert [spec.transform_of(c) for c in spec.columns] == ["logit", "log1p", "log", "standard", "onehot"]
    assert spec.n_features == 7 and spec.image_shape == (1, 2, 2)
    assert spec.ranges() == dict.fromkeys(spec.columns)
    z = np.array([[0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0], [3.0, -10.0, 1.0, 2.0, 0.0, 0.0, 1.0]])
    cols = spec.decode_table(z)
    sig = 1 / (1 + np.exp(-np.array([0.1, 6.1])))
    np.testing.assert_allclose(cols["x"], sig, rtol=1e-12)
    np.testing.assert_allclose(cols["vis"], np.expm1([0.5, 0.5 - 4.0]), rtol=1e-12)  # v1: plain expm1
    np.testing.assert_allclose(cols["e"], np.exp([0.7, 1.6]), rtol=1e-12)
    np.testing.assert_array_equal(cols["mode"], [2, 3])
    ev = EventSet(
        {
            "x": np.array([0.3]),
            "vis": np.array([1.0]),
            "e": np.array([2.0]),
            "c": np.array([0.2]),
            "mode": np.array([3], np.int32),
        }
    )
    np.testing.assert_allclose(spec.decode_table(spec.encode_table(ev))["vis"], [1.0], rtol=1e-6)


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
    ends = 2.02 * LOGIT_EPS if spec.transform_of("a").startswith("logit") else 0.0  # clipped ends
    np.testing.assert_allclose(back["a"], a[:n], rtol=1e-5, atol=ends + 1e-6 * scale)
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
