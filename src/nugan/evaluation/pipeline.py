"""``evaluate``: compare a generated EventSet with a reference, write metrics.json and report.html."""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nugan import __version__
from nugan._atomic import write_text_atomic
from nugan.data.eventset import EventSet
from nugan.errors import SchemaError
from nugan.evaluation import metrics as M
from nugan.evaluation.observables import (
    column_observables,
    common_observables,
    compute_observables,
    is_shower_sample,
    pixelmap_summaries,
    readout_threshold,
)

MIN_EVENTS = 20
MAX_LOW_LEVEL_PIXELS = 512
FEATURE_SCALING = {
    "fpd_kpd": "maxabs: each high-level feature divided by the reference's max |x| (as JetNet), "
    "the same factors for both samples",
    "prdc": "std: (x - mean_ref) / std_ref per high-level feature, the same for both samples",
}

Progress = Callable[[str], None]


@dataclass
class _Kinds:
    tables: bool
    particles: bool
    pixelmaps: bool

    def names(self) -> list[str]:
        return [
            n
            for n, on in (
                ("tables", self.tables),
                ("particles", self.particles),
                ("pixelmaps", self.pixelmaps),
            )
            if on
        ]


def _parts(ev: EventSet) -> str:
    have = []
    if ev.columns:
        have.append(f"columns {sorted(ev.columns)}")
    if ev.particles is not None:
        have.append("particles")
    if ev.pixelmaps is not None:
        have.append(f"pixel maps {ev.image_shape}")
    return ", ".join(have) or "nothing"


def check_inputs(generated: EventSet, reference: EventSet) -> _Kinds:
    """What the two samples have in common; SchemaError if nothing, or shapes differ, or NaNs."""
    for ev, what in ((generated, "generated sample"), (reference, "reference sample")):
        if len(ev) < MIN_EVENTS:
            raise SchemaError(f"the {what} has {len(ev)} events; evaluation needs at least {MIN_EVENTS}")
        ev.check_finite(what)
    gcols, rcols = column_observables(generated), column_observables(reference)
    common_cols = [c for c in rcols if c in gcols]
    both_pix = generated.pixelmaps is not None and reference.pixelmaps is not None
    if both_pix and generated.image_shape != reference.image_shape:
        raise SchemaError(
            f"the generated pixel maps have shape {generated.image_shape}, the reference's "
            f"{reference.image_shape}; evaluate samples of the same detector geometry"
        )
    kinds = _Kinds(
        tables=bool(common_cols),
        particles=generated.particles is not None and reference.particles is not None,
        pixelmaps=both_pix,
    )
    if not (kinds.tables or kinds.particles or kinds.pixelmaps):
        raise SchemaError(
            "the generated and reference samples have nothing in common to compare "
            f"(generated has {_parts(generated)}; reference has {_parts(reference)}); "
            "give files of the same kind (common numeric columns, or pixel maps of one shape)"
        )
    return kinds


def _restrict(ev: EventSet, kinds: _Kinds, common_cols: Sequence[str]) -> EventSet:
    return EventSet(
        columns={c: ev.columns[c] for c in common_cols} if kinds.tables else {},
        particles=ev.particles if kinds.particles else None,
        pixelmaps=ev.pixelmaps if kinds.pixelmaps else None,
        attrs=ev.attrs,
    )


def _feature_matrix(
    obs: Mapping[str, np.ndarray], names: Sequence[str], fill: Mapping[str, float] | None = None
) -> np.ndarray:
    cols = []
    for n in names:
        x = obs[n].astype(np.float64)
        if fill is not None:
            x = np.where(np.isfinite(x), x, fill[n])
        cols.append(x)
    return np.stack(cols, axis=1)


def _low_level(ev: EventSet, cols: Sequence[str]) -> np.ndarray:
    parts = []
    if cols:
        parts.append(np.stack([ev.columns[c].astype(np.float64) for c in cols], axis=1))
    if ev.pixelmaps is not None:
        _, c, h, w = ev.pixelmaps.shape
        f = 1
        while c * math.ceil(h / f) * math.ceil(w / f) > MAX_LOW_LEVEL_PIXELS:
            f += 1
        blocks = [_pooled_log_pixels(ev.pixelmaps[i : i + 2048], f) for i in range(0, len(ev), 2048)]
        parts.append(np.concatenate(blocks) if blocks else np.zeros((0, c * h * w)))
    return np.concatenate(parts, axis=1)


def _pooled_log_pixels(pixelmaps: np.ndarray, f: int) -> np.ndarray:
    """log(1 + E) of a block of pixel maps, average-pooled by ``f`` (zero-padded), flattened."""
    pm = np.log1p(np.clip(np.asarray(pixelmaps, dtype=np.float32), 0, None))
    n, c, h, w = pm.shape
    if f > 1:  # the classifier then sees at most MAX_LOW_LEVEL_PIXELS inputs
        hp, wp = math.ceil(h / f) * f, math.ceil(w / f) * f
        pm = np.pad(pm, ((0, 0), (0, 0), (0, hp - h), (0, wp - w)))
        pm = pm.reshape(n, c, hp // f, f, wp // f, f).mean(axis=(3, 5))
    return pm.reshape(n, -1)


def _provenance(ev: EventSet, path: str | None) -> dict[str, Any]:
    info = {"n_events": len(ev), "parts": _parts(ev), "attrs": ev.attrs}
    if path is not None:
        info["path"] = str(path)
    return json.loads(json.dumps(info, default=_json_default))


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    return str(obj)


def _sanitize(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _sanitize(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_sanitize(v) for v in obj]
    return obj


def _excess(obs: Mapping[str, Any]) -> float:
    """Separation power in units of its statistical floor (the ranking of "worst observables")."""
    sep = obs["separation_power"]["value"] or 0.0
    floor = obs.get("separation_power_floor", {}).get("value")
    return sep / floor if floor else sep


def reference_split_baseline(features: np.ndarray, seed: int) -> dict[str, Any]:
    """FPD and KPD between two random halves of the reference: the values a perfect generator
    of half the reference's size would get (the finite-sample floor of these metrics)."""
    perm = np.random.default_rng(seed + 12345).permutation(len(features))
    a, b = features[perm[: len(perm) // 2]], features[perm[len(perm) // 2 :]]
    return {
        "description": "reference split in two random halves (each N_ref/2 events)",
        "fpd": M.fpd(a, b, seed=seed, normalise="maxabs").to_dict(),
        "kpd": M.kpd(a, b, seed=seed, normalise="maxabs").to_dict(),
    }


def evaluate(
    generated: EventSet,
    reference: EventSet,
    out_dir: str | os.PathLike[str],
    seed: int = 0,
    ensemble: Sequence[EventSet] = (),
    run_dirs: Sequence[str | os.PathLike[str]] = (),
    *,
    plots: bool = True,
    n_bootstrap: int = 10,
    classifier_max_events: int = 20_000,
    names: Mapping[str, Any] | None = None,
    hit_threshold: float | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Compare ``generated`` with ``reference``; write ``out_dir/metrics.json`` and ``out_dir/report.html``.

    Compares what both samples have: numeric columns (and particle-derived observables
    when both hold particles), and pixel maps of one shape (or CaloChallenge showers).
    Computes per-observable W1/KS/separation power/χ²/ndf, the classifier two-sample test
    on low-level (columns, pixels) and high-level (observables) inputs, FPD, KPD and PRDC
    on the observables; with ``ensemble`` (further generated samples), per-bin bands and
    the fraction of bins where the reference lies inside them.

    Arguments:
        generated, reference: the samples.
        out_dir: output folder (created).
        seed: seed of every stochastic step (bootstraps, subsamples, classifier).
        ensemble: further generated samples of the same model family (the band uses
            ``generated`` and these).
        run_dirs: training run directories whose loss curves and progress images go
            into the report.
        plots: draw figures (False: metrics.json and a figure-less report only).
        n_bootstrap: bootstrap resamplings for the per-observable errors.
        classifier_max_events: events per sample used by the classifier test.
        names: optional ``{"generated": path, "reference": path, "ensemble": [...]}`` for
            the provenance record.
        hit_threshold: cells above this energy count as hits (n_hits, extents, track proxy);
            None: half the reference's smallest non-zero cell (its readout threshold), so that
            a generator's tiny non-zero values do not count as hits (they still show in
            ``sparsity`` and the pixel-intensity spectrum).
        progress: callback receiving a short message before each stage (the CLI shows them).

    Returns:
        The metrics dict written to metrics.json (see docs/evaluation.md).
    """
    say = progress or (lambda msg: None)
    names = dict(names or {})
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    kinds = check_inputs(generated, reference)
    for i, member in enumerate(ensemble):
        check_inputs(member, reference)
        if kinds.pixelmaps and member.pixelmaps is None:
            raise SchemaError(f"ensemble member {i + 1} has no pixel maps, the generated sample has")
    gcols, rcols = column_observables(generated), column_observables(reference)
    common_cols = [c for c in rcols if c in gcols] if kinds.tables else []
    gen = _restrict(generated, kinds, common_cols)
    ref = _restrict(reference, kinds, common_cols)

    say("computing observables")
    shower = is_shower_sample(reference) or is_shower_sample(generated)
    thr = hit_threshold
    if thr is None:
        thr = (
            readout_threshold(reference.pixelmaps)
            if reference.pixelmaps is not None and kinds.pixelmaps and not shower
            else 0.0
        )
    obs_g = compute_observables(gen, shower=shower, hit_threshold=thr)
    obs_r = compute_observables(ref, shower=shower, hit_threshold=thr)
    obs_names = common_observables(obs_g, obs_r)
    if not obs_names:
        raise SchemaError("the generated and reference samples share no non-constant observable to compare")
    timings["observables"] = time.perf_counter() - t0

    say(f"per-observable metrics ({len(obs_names)} observables)")
    t = time.perf_counter()
    edges = {
        n: M.make_bins(obs_r[n][np.isfinite(obs_r[n])], obs_g[n][np.isfinite(obs_g[n])]) for n in obs_names
    }
    per_obs: dict[str, dict[str, Any]] = {}
    for i, n in enumerate(obs_names):
        res = M.observable_metrics(
            obs_g[n], obs_r[n], seed=seed + 101 * i, n_bootstrap=n_bootstrap, edges=edges[n]
        )
        per_obs[n] = {k: v.to_dict() for k, v in res.items()}
        per_obs[n]["n_generated"] = int(np.isfinite(obs_g[n]).sum())
        per_obs[n]["n_reference"] = int(np.isfinite(obs_r[n]).sum())
    summaries = None
    if kinds.pixelmaps and not shower:
        summaries = (pixelmap_summaries(gen.pixelmaps, seed), pixelmap_summaries(ref.pixelmaps, seed))  # type: ignore[arg-type]
        spec_g, spec_r = summaries[0].pixel_spectrum, summaries[1].pixel_spectrum
        if spec_g.size and spec_r.size:
            res = M.observable_metrics(spec_g, spec_r, seed=seed + 7, n_bootstrap=n_bootstrap)
            per_obs["pixel_intensity"] = {k: v.to_dict() for k, v in res.items()}
            per_obs["pixel_intensity"].update(
                n_generated=int(spec_g.size), n_reference=int(spec_r.size), per_cell=True
            )
    timings["observable_metrics"] = time.perf_counter() - t

    # high-level features: event-level observables; NaN (undefined) → reference median for FPD/KPD/PRDC
    hl_names = [n for n in obs_names if np.isfinite(obs_r[n]).any()]
    fill = {n: float(np.nanmedian(obs_r[n])) for n in hl_names}
    hl_g, hl_r = _feature_matrix(obs_g, hl_names, fill), _feature_matrix(obs_r, hl_names, fill)
    result: dict[str, Any] = {}
    say("FPD, KPD, PRDC")
    t = time.perf_counter()
    result["fpd"] = M.fpd(hl_g, hl_r, seed=seed, normalise="maxabs").to_dict()
    result["kpd"] = M.kpd(hl_g, hl_r, seed=seed, normalise="maxabs").to_dict()
    result["prdc"] = {k: v.to_dict() for k, v in M.prdc(hl_g, hl_r, seed=seed, normalise="std").items()}
    result["feature_scaling"] = dict(FEATURE_SCALING)
    result["baseline"] = reference_split_baseline(hl_r, seed)
    timings["fpd_kpd_prdc"] = time.perf_counter() - t

    say("classifier two-sample tests")
    t = time.perf_counter()
    high = M.classifier_auc(
        _feature_matrix(obs_g, hl_names),
        _feature_matrix(obs_r, hl_names),
        seed=seed + 1,
        max_events=classifier_max_events,
    )
    if common_cols or kinds.pixelmaps:
        low = M.classifier_auc(
            _low_level(gen, common_cols),
            _low_level(ref, common_cols),
            seed=seed,
            max_events=classifier_max_events,
        )
        low_auc, low_jsd = low.auc.to_dict(), low.jsd.to_dict()
    else:  # particles only: no low-level (fixed-width) input
        low_auc = low_jsd = {"value": None, "error": None}
    result["classifier_auc"] = {"low_level": low_auc, "high_level": high.auc.to_dict()}
    result["classifier_jsd"] = {"low_level": low_jsd, "high_level": high.jsd.to_dict()}
    result["classifier_events"] = {"train": high.n_train, "test": high.n_test}
    timings["classifier"] = time.perf_counter() - t

    bands: dict[str, M.BandCoverage] = {}
    if ensemble:
        say(f"ensemble bands ({len(ensemble) + 1} generated samples)")
        member_obs = [obs_g] + [
            compute_observables(_restrict(m, kinds, common_cols), shower=shower, hit_threshold=thr)
            for m in ensemble
        ]
        for n in obs_names:
            if all(n in mo for mo in member_obs):
                bands[n] = M.band_coverage([mo[n] for mo in member_obs], obs_r[n], edges[n])
                per_obs[n]["ref_in_band"] = bands[n].fraction.to_dict()

    summary: dict[str, Any] = {}
    seps = [
        o["separation_power"]["value"]
        for n, o in per_obs.items()
        if o["separation_power"]["value"] is not None
    ]
    w1s = [o["w1"]["value"] for o in per_obs.values() if o["w1"]["value"] is not None]
    if seps:
        summary["mean_separation_power"] = {
            "value": float(np.mean(seps)),
            "error": float(np.std(seps) / math.sqrt(len(seps))),
        }
        worst = sorted(((_excess(o), n) for n, o in per_obs.items()), reverse=True)
        summary["worst_observables"] = [n for _, n in worst[:5]]
        floors = [
            o["separation_power_floor"]["value"]
            for o in per_obs.values()
            if o.get("separation_power_floor", {}).get("value") is not None
        ]
        if floors:
            summary["mean_separation_power_floor"] = {"value": float(np.mean(floors)), "error": None}
    if w1s:
        summary["median_w1"] = {"value": float(np.median(w1s)), "error": None}
    if bands:
        fr = [b.fraction.value for b in bands.values() if math.isfinite(b.fraction.value)]
        summary["mean_ref_in_band"] = {
            "value": float(np.mean(fr)) if fr else None,
            "error": float(np.std(fr) / math.sqrt(len(fr))) if fr else None,
        }

    metrics: dict[str, Any] = {
        "format": "nugan-evaluation",
        "nugan_version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "seed": int(seed),
        "kinds": kinds.names(),
        "hit_threshold": float(thr),
        "sample_sizes": {
            "generated": len(generated),
            "reference": len(reference),
            **({"ensemble": [len(m) for m in ensemble]} if ensemble else {}),
        },
        **result,
        "observables": per_obs,
        "high_level_features": hl_names,
        "summary": summary,
        "inputs": {
            "generated": _provenance(generated, names.get("generated")),
            "reference": _provenance(reference, names.get("reference")),
        },
    }
    if ensemble:
        ens_names = list(names.get("ensemble", [None] * len(ensemble)))
        metrics["inputs"]["ensemble"] = [_provenance(m, p) for m, p in zip(ensemble, ens_names)]
        metrics["ensemble"] = {
            "n_members": len(ensemble) + 1,
            "band": "ensemble mean ± standard deviation of normalised bin contents",
        }
    if run_dirs:
        metrics["inputs"]["runs"] = [str(r) for r in run_dirs]

    figures = []
    if plots:
        say("drawing figures")
        t = time.perf_counter()
        from nugan.evaluation.figures import build_figures

        figures = build_figures(gen, ref, obs_g, obs_r, obs_names, edges, bands, summaries, run_dirs)
        timings["plots"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    metrics["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
    metrics = _sanitize(metrics)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "metrics.json", json.dumps(metrics, indent=1, default=_json_default))
    from nugan.evaluation.report import write_report

    write_report(out / "report.html", metrics, figures)
    return metrics
