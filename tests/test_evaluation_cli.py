"""`evaluate` end to end: metrics.json, report.html, ensembles, run folders, and bad input via the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nugan.cli import main
from nugan.data import EventSet, provenance
from nugan.errors import SchemaError
from nugan.evaluation import evaluate
from nugan.evaluation.synthetic import toy_events

N = 400


def _write(ev: EventSet, path: Path) -> str:
    ev.write(str(path))
    return str(path)


def _tiny_png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (255, 0, 0)).save(buf, format="PNG")
    return buf.getvalue()


def test_evaluate_writes_metrics_and_a_self_contained_report(tmp_path: Path) -> None:
    # no particles here (fewer observables → fewer figures → a faster test); particles: next test
    ref = toy_events(N, seed=1, image_shape=(2, 16, 16), particles=False)
    gen = toy_events(N, seed=2, image_shape=(2, 16, 16), particles=False)
    ens = [toy_events(N, seed=s, image_shape=(2, 16, 16), particles=False) for s in (3, 4)]
    run = tmp_path / "run"
    (run / "progress").mkdir(parents=True)
    (run / "metrics.csv").write_text("step,loss_d,loss_g\n0,1.4,0.7\n10,1.2,0.9\n20,1.1,1.0\n")
    (run / "progress" / "step_000020.png").write_bytes(_tiny_png())
    metrics = evaluate(gen, ref, tmp_path / "out", seed=0, ensemble=ens, run_dirs=[run])
    on_disk = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert on_disk["fpd"] == metrics["fpd"]
    for key in ("classifier_auc", "fpd", "kpd", "prdc", "observables", "sample_sizes", "inputs"):
        assert key in on_disk
    for level in ("low_level", "high_level"):
        assert set(on_disk["classifier_auc"][level]) == {"value", "error"}
    assert set(on_disk["prdc"]) == {"precision", "recall", "density", "coverage"}
    obs = on_disk["observables"]
    assert {"enu_gev", "vis_e", "centroid_plane_v1", "pixel_intensity"} <= set(obs)
    for name, entry in obs.items():
        for k in ("w1", "ks", "separation_power", "chi2_ndf"):
            assert set(entry[k]) == {"value", "error"}, name
        if name != "pixel_intensity":
            assert 0.0 <= entry["ref_in_band"]["value"] <= 1.0
    assert on_disk["sample_sizes"] == {"generated": N, "reference": N, "ensemble": [N, N]}
    # the finite-sample floor from the reference split in halves: same order as the same-physics FPD
    assert on_disk["baseline"]["fpd"]["value"] > 0
    assert on_disk["fpd"]["value"] < 5 * on_disk["baseline"]["fpd"]["value"] + 5 * on_disk["fpd"]["error"]
    assert on_disk["inputs"]["reference"]["attrs"]["seed"] == 1
    assert on_disk["kinds"] == ["tables", "pixelmaps"]
    # same distribution: the classifier cannot tell them apart
    auc = on_disk["classifier_auc"]["high_level"]
    assert abs(auc["value"] - 0.5) < 3 * auc["error"] + 0.05
    page = (tmp_path / "out" / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 6
    assert "Summary" in page and "classifier AUC" in page and "Training run" in page
    assert 'src="http' not in page and "src='http" not in page  # nothing external


def test_a_broken_generator_scores_worse(tmp_path: Path) -> None:
    ref = toy_events(N, seed=10, pixelmaps=False)
    good = toy_events(N, seed=11, pixelmaps=False)
    bad = toy_events(N, seed=12, pixelmaps=False, shift=0.4, drop_mode=2)
    m_good = evaluate(good, ref, tmp_path / "good", plots=False)
    m_bad = evaluate(bad, ref, tmp_path / "bad", plots=False)
    assert m_bad["kinds"] == ["tables", "particles"] and "m_p_pi_gev" in m_bad["observables"]
    assert m_bad["classifier_auc"]["high_level"]["value"] > 0.65
    assert (
        m_bad["classifier_auc"]["high_level"]["value"] > m_good["classifier_auc"]["high_level"]["value"] + 0.1
    )
    assert m_bad["fpd"]["value"] > 5 * m_good["fpd"]["value"]
    assert m_bad["observables"]["mode"]["separation_power"]["value"] > 0.05
    assert m_good["observables"]["mode"]["separation_power"]["value"] < 0.02


def test_tables_only_and_pixelmaps_only(tmp_path: Path) -> None:
    ev = toy_events(200, seed=20, particles=False, image_shape=(2, 8, 8))
    other = toy_events(200, seed=21, particles=False, image_shape=(2, 8, 8))
    tables = evaluate(EventSet(ev.columns), EventSet(other.columns), tmp_path / "t", plots=False)
    assert tables["kinds"] == ["tables"] and "vis_e" not in tables["observables"]
    images = evaluate(
        EventSet(pixelmaps=ev.pixelmaps), EventSet(pixelmaps=other.pixelmaps), tmp_path / "i", plots=False
    )
    assert images["kinds"] == ["pixelmaps"] and "vis_e" in images["observables"]
    assert "enu_gev" not in images["observables"]


def test_cli_evaluate_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gen = _write(toy_events(300, seed=30, image_shape=(2, 8, 8)), tmp_path / "gen.h5")
    ref = _write(toy_events(300, seed=31, image_shape=(2, 8, 8)), tmp_path / "ref.h5")
    out = tmp_path / "eval"
    ens = _write(toy_events(300, seed=32, image_shape=(2, 8, 8)), tmp_path / "gen2.h5")
    args = [
        gen,
        ref,
        "--out",
        str(out),
        "--seed",
        "3",
        "--max-events",
        "250",
        "--no-plots",
        "--ensemble",
        ens,
    ]
    rc = main(["evaluate", *args, "--hit-threshold", "0.5"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "report.html" in printed and "classifier AUC" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["sample_sizes"]["generated"] == 250 and metrics["seed"] == 3
    assert metrics["inputs"]["generated"]["path"] == gen
    assert metrics["inputs"]["ensemble"][0]["path"] == ens and metrics["hit_threshold"] == 0.5
    assert "ref_in_band" in metrics["observables"]["vis_e"] and "band" in printed
    assert (out / "report.html").is_file()


def _cli_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    rc = main(["evaluate", *args])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "error:" in err and "Traceback" not in err
    return err


def test_cli_bad_inputs_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ev = toy_events(60, seed=40, particles=False, image_shape=(2, 8, 8))
    out = str(tmp_path / "o")
    tables = _write(EventSet(ev.columns, attrs=provenance({}, 1)), tmp_path / "tables.h5")
    images = _write(EventSet(pixelmaps=ev.pixelmaps, attrs=provenance({}, 1)), tmp_path / "images.h5")
    err = _cli_error([tables, images, "--out", out], capsys)
    assert "nothing in common" in err
    other_cols = _write(EventSet({"foo": np.arange(60.0)}, attrs=provenance({}, 1)), tmp_path / "foo.h5")
    assert "nothing in common" in _cli_error([tables, other_cols, "--out", out], capsys)
    nan_cols = dict(ev.columns)
    nan_cols["enu_gev"] = nan_cols["enu_gev"].copy()
    nan_cols["enu_gev"][5] = np.nan
    nan_file = _write(EventSet(nan_cols, attrs=provenance({}, 1)), tmp_path / "nan.h5")
    err = _cli_error([nan_file, tables, "--out", out], capsys)
    assert "NaN" in err and "enu_gev" in err
    small = _write(EventSet(pixelmaps=ev.pixelmaps[:, :, :4], attrs=provenance({}, 1)), tmp_path / "small.h5")
    assert "shape" in _cli_error([small, images, "--out", out], capsys)
    assert "no such file" in _cli_error([str(tmp_path / "missing.h5"), tables, "--out", out], capsys)
    assert "--max-events" in _cli_error([tables, tables, "--out", out, "--max-events", "0"], capsys)
    assert "at least 20" in _cli_error([tables, tables, "--out", out, "--max-events", "10"], capsys)
    assert "run folder" in _cli_error([tables, tables, "--out", out, "--run", str(tmp_path / "nope")], capsys)
    assert not (tmp_path / "o" / "metrics.json").exists()


def test_calochallenge_showers_use_shower_observables(tmp_path: Path) -> None:
    rng = np.random.default_rng(50)

    def showers(n: int, spread: float) -> EventSet:
        sh = rng.exponential(1.0, size=(n, 3, 4, 5)) * (rng.random((n, 3, 4, 5)) < spread)
        attrs = provenance({"reader": "calochallenge", "shape": [3, 4, 5]}, None)
        return EventSet({"incident_energy_mev": rng.uniform(1e3, 1e4, n)}, pixelmaps=sh, attrs=attrs)

    ref, same, sparse = showers(300, 0.5), showers(300, 0.5), showers(300, 0.2)
    ok = evaluate(same, ref, tmp_path / "ok", plots=False)
    bad = evaluate(sparse, ref, tmp_path / "bad", plots=False)
    assert {"layer_e_0", "centroid_x_2", "width_y_1", "sparsity_2", "total_e"} <= set(ok["observables"])
    assert "plane_extent" not in ok["observables"]
    assert bad["observables"]["sparsity_0"]["separation_power"]["value"] > 0.5
    assert ok["observables"]["sparsity_0"]["separation_power"]["value"] < 0.1
    assert bad["classifier_auc"]["low_level"]["value"] > 0.9


def test_hit_threshold_follows_the_reference_readout(tmp_path: Path) -> None:
    ref = toy_events(200, seed=60, particles=False, image_shape=(2, 8, 8))
    gen = toy_events(200, seed=61, particles=False, image_shape=(2, 8, 8))
    noisy = EventSet(pixelmaps=gen.pixelmaps + np.float32(1e-4))  # a generator's tiny non-zero floor
    auto = evaluate(noisy, EventSet(pixelmaps=ref.pixelmaps), tmp_path / "a", plots=False)
    zero = evaluate(noisy, EventSet(pixelmaps=ref.pixelmaps), tmp_path / "z", plots=False, hit_threshold=0.0)
    assert auto["hit_threshold"] > 1e-4
    assert auto["observables"]["n_hits"]["separation_power"]["value"] < 0.1
    assert zero["observables"]["n_hits"]["separation_power"]["value"] > 0.3  # every cell is a "hit"
    assert zero["observables"]["n_hits"]["ks"]["value"] > 0.5
    assert zero["observables"]["n_hits"]["ks"]["value"] > 5 * auto["observables"]["n_hits"]["ks"]["value"]
    assert auto["observables"]["sparsity"]["separation_power"]["value"] > 0.3  # still visible here


def test_cli_a_file_against_itself_is_indistinguishable(tmp_path: Path) -> None:
    # the same file twice: AUC 0.5, KPD and FPD ≈ 0 (before the fix: AUC ≈ 0.2, KPD −0.55 ± 0.57)
    f = _write(toy_events(N, seed=90, image_shape=(2, 8, 8)), tmp_path / "ref.h5")
    out = tmp_path / "ident"
    assert main(["evaluate", f, f, "--out", str(out), "--no-plots"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    for level in ("low_level", "high_level"):
        assert abs(m["classifier_auc"][level]["value"] - 0.5) < 0.05, level
    assert abs(m["kpd"]["value"]) < 1e-3 and abs(m["kpd"]["value"]) <= 2 * m["kpd"]["error"]
    assert m["fpd"]["value"] < 1e-3 + 2 * m["fpd"]["error"]
    assert m["prdc"]["precision"]["value"] < 0.99  # no event finds itself in the other batch
    assert "maxabs" in m["feature_scaling"]["fpd_kpd"]


def test_a_collapsed_generator_still_gets_a_report(tmp_path: Path) -> None:
    # all-zero pixel maps and constant columns: empty views, NaN centroids, empty spectra
    ref = toy_events(100, seed=70, particles=False, image_shape=(2, 8, 8))
    dead = EventSet(
        {k: np.full(100, v[0]) for k, v in ref.columns.items()},
        pixelmaps=np.zeros_like(ref.pixelmaps),
    )
    m = evaluate(dead, ref, tmp_path / "dead", seed=0)
    assert m["classifier_auc"]["low_level"]["value"] > 0.95
    assert m["prdc"]["recall"]["value"] < 0.1
    assert (tmp_path / "dead" / "report.html").stat().st_size > 10_000


def test_observables_undefined_in_one_sample(tmp_path: Path) -> None:
    ref = toy_events(100, seed=80, pixelmaps=False)
    gen = toy_events(100, seed=81, pixelmaps=False)
    nan_gen = gen.with_columns(extra=np.full(100, np.nan))  # NaN columns are rejected ...
    with pytest.raises(SchemaError, match="NaN"):
        evaluate(nan_gen, ref.with_columns(extra=np.ones(100)), tmp_path / "x", plots=False)
    # ... but observables that are undefined (NaN) for every event of one sample are handled
    from nugan.data import make_particles

    muons_only = make_particles(
        np.full(100, 1),
        pdg=np.full(100, 13),
        px=np.zeros(100),
        py=np.zeros(100),
        pz=np.ones(100),
        e=np.full(100, 1.1),
        status=np.ones(100),
    )
    m = evaluate(gen.with_parts(particles=muons_only), ref, tmp_path / "y", plots=True)
    assert m["observables"]["m_p_pi_gev"]["w1"]["value"] is None  # the generator never makes a p π pair
    assert m["observables"]["m_p_pi_gev"]["n_generated"] == 0
    m2 = evaluate(ref, gen.with_parts(particles=muons_only), tmp_path / "z", plots=False)
    assert "m_p_pi_gev" not in m2["observables"]  # undefined in the reference: nothing to compare
