"""Evaluation of a UQ run: calibration, resolution and coverage, out-of-distribution detection,
and a markdown report with figures.

``evaluate_run(run, events, out_dir, ood_events=None)`` writes ``metrics.json``, ``report.md``
and the PNGs into ``out_dir`` and returns the metrics dict. When ``events`` is the file the run
was trained on (same fingerprint), only its held-out test events are used.

OOD sets: events of classes the classifier never saw (``--exclude-class``), every event of the
``ood_events`` file, and three detector shifts of the in-distribution test events (energy scale
+10 %, −10 %, extra noise hits).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from nugan._atomic import write_text_atomic
from nugan.data import EventSet
from nugan.errors import SchemaError
from nugan.uncertainty import calibration as cal
from nugan.uncertainty import plots
from nugan.uncertainty.data import energies_of, fingerprint, labels_of, pixelmaps_of
from nugan.uncertainty.methods import decompose_entropy
from nugan.uncertainty.ood import (
    add_noise,
    auroc,
    classification_scores,
    regression_scores,
    roc_curve,
    shift_energy_scale,
    visible_energy_matched,
)
from nugan.uncertainty.runs import UQRun, load_run

SHIFTS: dict[str, tuple[str, float]] = {
    "energy_scale_+10%": ("scale", 1.10),
    "energy_scale_-10%": ("scale", 0.90),
    "extra_noise": ("noise", 0.05),
}


def _shifted(pix: np.ndarray, kind: str, value: float, seed: int) -> np.ndarray:
    return shift_energy_scale(pix, value) if kind == "scale" else add_noise(pix, seed, occupancy=value)


def _select(run: UQRun, events: EventSet, max_events: int | None, seed: int) -> tuple[EventSet, bool]:
    held_out = run.info.get("data_fingerprint") == fingerprint(events)
    if held_out:
        events = events[np.asarray(run.info["test_indices"], dtype=np.int64)]
    if max_events is not None and len(events) > max_events:
        idx = np.sort(np.random.default_rng(seed).choice(len(events), max_events, replace=False))
        events = events[idx]
    return events, held_out


def _vis(pix: np.ndarray) -> np.ndarray:
    """Visible energy [MeV] of each event: the sum of its pixel maps."""
    return pix.sum(axis=(1, 2, 3), dtype=np.float64)


def _with_density(
    run: UQRun, scores: dict[str, np.ndarray], pix: np.ndarray, device: str
) -> dict[str, np.ndarray]:
    """Add the feature-space Mahalanobis score when the run has a fitted density."""
    if run.density:
        scores["mahalanobis"] = run.mahalanobis(pix, device=device)
    return scores


def _ood_block(
    score_in: dict[str, np.ndarray],
    score_out: dict[str, np.ndarray],
    vis_in: np.ndarray,
    vis_out: np.ndarray,
    seed: int,
    matched: bool,
) -> dict[str, Any]:
    """AUROC of every score, the visible-energy baseline, and (``matched``) the AUROCs on
    visible-energy-matched subsets (what the scores know beyond the energy)."""
    aucs = {k: auroc(score_in[k], score_out[k]) for k in score_in}
    best = max(aucs, key=lambda k: aucs[k])
    block: dict[str, Any] = {"auroc": aucs, "best_score": best, "best_auroc": aucs[best]}
    base = auroc(vis_in, vis_out)
    block["visible_energy_auroc"] = max(base, 1.0 - base)  # the better of "higher" and "lower"
    if matched:
        a, b = visible_energy_matched(vis_in, vis_out, seed)
        if len(a) >= 10:
            block["energy_matched"] = {
                "n_events_each": len(a),
                "visible_energy_auroc": auroc(vis_in[a], vis_out[b]),
                "auroc": {k: auroc(score_in[k][a], score_out[k][b]) for k in score_in},
            }
    return block


def evaluate_run(
    run: UQRun | str | os.PathLike[str],
    events: EventSet,
    out_dir: str | os.PathLike[str],
    ood_events: EventSet | None = None,
    seed: int = 0,
    n_examples: int = 6,
    max_events: int | None = None,
    device: str = "cpu",
    source: str = "data",
    ood_source: str = "ood",
) -> dict[str, Any]:
    """Evaluate ``run`` on ``events`` (and OOD sets); write metrics.json, report.md and PNGs.

    Arguments:
        run: a :class:`UQRun` or its run directory.
        events: evaluation events (pixel maps, plus labels or ``enu_gev``).
        out_dir: output folder.
        ood_events: optional events that are all treated as out of distribution.
        seed: seed of MC dropout sampling, noise shifts and sub-sampling.
        n_examples: events with the highest epistemic uncertainty to draw.
        max_events: evaluate at most this many events (random subset).

    Returns:
        the metrics dict (also written to ``metrics.json``).
    """
    if not isinstance(run, UQRun):
        run_dir = str(run)
        run = load_run(run)
    else:
        run_dir = None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    events, held_out = _select(run, events, max_events, seed)
    pix = pixelmaps_of(events, source)
    if pix.shape[1] != run.net_config["n_views"]:
        raise SchemaError(
            f"{source}: pixel maps have {pix.shape[1]} views, the run was trained on "
            f"{run.net_config['n_views']}"
        )
    ood_pix = None if ood_events is None else pixelmaps_of(ood_events, ood_source)
    if ood_pix is not None and ood_pix.shape[1:] != pix.shape[1:]:
        raise SchemaError(
            f"{ood_source}: pixel maps {ood_pix.shape[1:]} differ from {source} {pix.shape[1:]}"
        )
    metrics: dict[str, Any] = {
        "task": run.task,
        "method": run.method,
        "n_members": len(run.members),
        "mc_samples": run.mc_samples,
        "run_dir": run_dir,
        "data": source,
        "ood_data": None if ood_events is None else ood_source,
        "held_out_test_split": held_out,
        "n_events": len(events),
        "seed": seed,
    }
    if run.task == "classify":
        figures = _evaluate_classifier(
            run, events, pix, ood_events, ood_pix, out, metrics, seed, n_examples, device, source, ood_source
        )
    else:
        figures = _evaluate_regressor(
            run, events, pix, ood_pix, out, metrics, seed, n_examples, device, source
        )
    write_text_atomic(out / "metrics.json", json.dumps(metrics, indent=2))
    write_text_atomic(out / "report.md", _report_markdown(metrics, figures))
    return metrics


# ----------------------------------------------------------------------------- classification
def _class_metrics(probs: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    return {
        "accuracy": cal.accuracy(probs, labels),
        "nll": cal.negative_log_likelihood(probs, labels),
        "brier": cal.brier_score(probs, labels),
        "ece": cal.expected_calibration_error(probs, labels),
    }


def _evaluate_classifier(
    run: UQRun,
    events: EventSet,
    pix: np.ndarray,
    ood_events: EventSet | None,
    ood_pix: np.ndarray | None,
    out: Path,
    metrics: dict[str, Any],
    seed: int,
    n_examples: int,
    device: str,
    source: str,
    ood_source: str,
) -> list[tuple[str, str]]:
    labels, names = labels_of(events, source)
    mapping = np.array([run.class_names.index(n) if n in run.class_names else -1 for n in names])
    mapped = mapping[labels]
    inside = mapped >= 0
    if inside.sum() < 2:
        raise SchemaError(f"{source}: fewer than two events of the trained classes {run.class_names}")
    pred = run.predict(pix[inside], seed=seed, device=device)
    y = mapped[inside]
    before, after = _class_metrics(pred["probs"], y), _class_metrics(pred["probs_calibrated"], y)
    parts = decompose_entropy(np.exp(pred["log_probs"]))
    metrics.update(
        class_names=run.class_names,
        temperature=run.temperature,
        n_in_distribution=int(inside.sum()),
        uncalibrated=before,
        calibrated=after,
        uncertainty_means={k: float(v.mean()) for k, v in parts.items()},
    )
    figures = [("Reliability before / after temperature scaling", "uq_reliability.png")]
    plots.reliability_diagrams(
        {
            "uncalibrated": (pred["probs"], y),
            f"temperature T = {run.temperature:.2f}": (pred["probs_calibrated"], y),
        },
        out / "uq_reliability.png",
    )
    score_in = _with_density(run, classification_scores(np.exp(pred["log_probs"])), pix[inside], device)
    ood_sets: dict[str, np.ndarray] = {}
    for name in sorted({names[i] for i in np.unique(labels[~inside])}):
        ood_sets[f"unseen_class:{name}"] = pix[labels == names.index(name)]
    if ood_pix is not None:
        ood_sets[f"ood_file:{ood_source}"] = ood_pix
    for shift, (kind, value) in SHIFTS.items():
        ood_sets[f"shift:{shift}"] = _shifted(pix[inside], kind, value, seed)
    metrics["ood"] = {}
    examples_pix, examples_mi, examples_cap = (
        [pix[inside]],
        [parts["epistemic"]],
        [f"{run.class_names[t]} → {run.class_names[p]}" for t, p in zip(y, pred["probs"].argmax(1))],
    )
    for i, (set_name, set_pix) in enumerate(ood_sets.items()):
        p_ood = run.predict(set_pix, seed=seed + 1 + i, device=device)
        scores_out = _with_density(run, classification_scores(np.exp(p_ood["log_probs"])), set_pix, device)
        block = _ood_block(
            score_in, scores_out, _vis(pix[inside]), _vis(set_pix), seed, not set_name.startswith("shift:")
        )
        block["n_events"] = len(set_pix)
        block["predicted_class_fractions"] = {
            c: float(np.mean(p_ood["probs"].argmax(1) == k)) for k, c in enumerate(run.class_names)
        }
        if set_name.startswith("shift:"):
            block.update(_class_metrics(p_ood["probs_calibrated"], y))
        else:
            examples_pix.append(set_pix)
            examples_mi.append(scores_out["mutual_information"])
            examples_cap += [
                f"{set_name.split(':', 1)[1]} (OOD) → {run.class_names[p]}" for p in p_ood["probs"].argmax(1)
            ]
        metrics["ood"][set_name] = block
        figures.append(_roc_figure(set_name, score_in, scores_out, block["auroc"], out))
    all_pix, all_mi = np.concatenate(examples_pix), np.concatenate(examples_mi)
    top = np.argsort(-all_mi, kind="stable")[:n_examples]
    plots.event_displays(
        all_pix[top], [f"{examples_cap[j]}, MI {all_mi[j]:.3f}" for j in top], out / "uq_examples.png"
    )
    figures.append(("Events with the highest epistemic uncertainty (mutual information)", "uq_examples.png"))
    return figures


# ----------------------------------------------------------------------------- regression
def _evaluate_regressor(
    run: UQRun,
    events: EventSet,
    pix: np.ndarray,
    ood_pix: np.ndarray | None,
    out: Path,
    metrics: dict[str, Any],
    seed: int,
    n_examples: int,
    device: str,
    source: str,
) -> list[tuple[str, str]]:
    e_true = energies_of(events, source)
    pred = run.predict(pix, seed=seed, device=device)
    mean, var, var_cal = pred["mean"], pred["total"], pred["total_calibrated"]
    metrics.update(
        variance_scale=run.variance_scale,
        resolution=cal.resolution(e_true, mean),
        uncalibrated={
            "nll": cal.gaussian_nll(e_true, mean, var),
            "coverage_68": cal.interval_coverage(e_true, mean, var, 0.68),
            "coverage_95": cal.interval_coverage(e_true, mean, var, 0.95),
        },
        calibrated={
            "nll": cal.gaussian_nll(e_true, mean, var_cal),
            "coverage_68": cal.interval_coverage(e_true, mean, var_cal, 0.68),
            "coverage_95": cal.interval_coverage(e_true, mean, var_cal, 0.95),
        },
        uncertainty_means={
            "relative_sigma_total": float(np.mean(np.sqrt(var) / mean)),
            "relative_sigma_aleatoric": float(np.mean(np.sqrt(pred["aleatoric"]) / mean)),
            "relative_sigma_epistemic": float(np.mean(np.sqrt(pred["epistemic"]) / mean)),
        },
    )
    if events.labels is not None and events.label_names:
        metrics["resolution_by_class"] = {}
        for k, name in enumerate(events.label_names):
            sel = events.labels == k
            if np.count_nonzero(sel) >= 10:
                metrics["resolution_by_class"][name] = {
                    **cal.resolution(e_true[sel], mean[sel]),
                    "coverage_68": cal.interval_coverage(e_true[sel], mean[sel], var_cal[sel], 0.68),
                    "relative_sigma": float(np.mean(np.sqrt(var_cal[sel]) / mean[sel])),
                }
    plots.coverage_plot(
        {
            "uncalibrated": cal.coverage_curve(e_true, mean, var),
            f"variance × {run.variance_scale:.2f}": cal.coverage_curve(e_true, mean, var_cal),
        },
        out / "uq_coverage.png",
        pulls=(mean - e_true) / np.sqrt(var_cal),
    )
    figures = [("Interval coverage and pulls", "uq_coverage.png")]
    score_in = _with_density(run, regression_scores(pred["means"], pred["variances"]), pix, device)
    ood_sets = {f"shift:{k}": _shifted(pix, kind, v, seed) for k, (kind, v) in SHIFTS.items()}
    if ood_pix is not None:
        ood_sets["ood_file"] = ood_pix
    metrics["ood"] = {}
    for i, (set_name, set_pix) in enumerate(ood_sets.items()):
        p_ood = run.predict(set_pix, seed=seed + 1 + i, device=device)
        scores_out = _with_density(
            run, regression_scores(p_ood["means"], p_ood["variances"]), set_pix, device
        )
        block = _ood_block(
            score_in, scores_out, _vis(pix), _vis(set_pix), seed, not set_name.startswith("shift:")
        )
        block["n_events"] = len(set_pix)
        if set_name.startswith("shift:"):
            block["mean_ratio_pred_over_unshifted"] = float(np.mean(p_ood["mean"] / mean))
            block["coverage_68_true_energy"] = cal.interval_coverage(
                e_true, p_ood["mean"], p_ood["total_calibrated"], 0.68
            )
        metrics["ood"][set_name] = block
        figures.append(_roc_figure(set_name, score_in, scores_out, block["auroc"], out))
    top = np.argsort(-pred["epistemic"], kind="stable")[:n_examples]
    caps = [
        f"E {e_true[j]:.2f} → {mean[j]:.2f} ± {np.sqrt(var_cal[j]):.2f} GeV (epi. σ "
        f"{np.sqrt(pred['epistemic'][j]):.2f})"
        for j in top
    ]
    plots.event_displays(pix[top], caps, out / "uq_examples.png")
    figures.append(("Events with the highest epistemic variance", "uq_examples.png"))
    return figures


# ----------------------------------------------------------------------------- report
def _slug(name: str) -> str:
    if name.startswith("ood_file"):
        return "ood_file"
    name = name.replace("+", "plus").replace("-", "minus").replace("%", "pc")
    return "".join(c if c.isalnum() else "_" for c in name).strip("_").lower()


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _report_markdown(metrics: dict[str, Any], figures: list[tuple[str, str]]) -> str:
    lines = [
        f"# nugan UQ report: {metrics['task']} / {metrics['method']}",
        "",
        f"- run: `{metrics['run_dir']}`; data: `{metrics['data']}` ({metrics['n_events']} events"
        f"{', held-out test split of the training file' if metrics['held_out_test_split'] else ''})",
        f"- members: {metrics['n_members']}, MC samples: {metrics['mc_samples']}, seed {metrics['seed']}",
        "",
    ]
    if metrics["task"] == "classify":
        lines += [
            f"Classes: {', '.join(metrics['class_names'])}; temperature T = {metrics['temperature']:.3f}",
            "",
            "| | accuracy | NLL | Brier | ECE |",
            "|---|---|---|---|---|",
        ]
        for key in ("uncalibrated", "calibrated"):
            m = metrics[key]
            lines.append(
                f"| {key} | {m['accuracy']:.4f} | {m['nll']:.4f} | {m['brier']:.4f} | {m['ece']:.4f} |"
            )
        u = metrics["uncertainty_means"]
        lines += [
            "",
            f"Mean entropy (nats): total {u['total']:.4f} = aleatoric {u['aleatoric']:.4f} + "
            f"epistemic {u['epistemic']:.4f}",
            "",
        ]
    else:
        r = metrics["resolution"]
        lines += [
            f"Resolution (E_pred − E_true)/E_true: bias {r['bias']:+.4f}, RMS {r['rms']:.4f}, "
            f"16–84% half-width {r['iqr_sigma']:.4f}; variance scale {metrics['variance_scale']:.3f}",
            "",
            "| | NLL | 68% coverage | 95% coverage |",
            "|---|---|---|---|",
        ]
        for key in ("uncalibrated", "calibrated"):
            m = metrics[key]
            lines.append(f"| {key} | {m['nll']:.4f} | {m['coverage_68']:.4f} | {m['coverage_95']:.4f} |")
        lines.append("")
        for name, r in metrics.get("resolution_by_class", {}).items():
            lines.append(
                f"- {name}: resolution RMS {r['rms']:.4f}, bias {r['bias']:+.4f}, mean predicted σ/E "
                f"{r['relative_sigma']:.4f}, 68% coverage {r['coverage_68']:.4f}"
            )
        u = metrics["uncertainty_means"]
        lines += [
            "",
            "Mean relative σ: "
            + ", ".join(f"{k.removeprefix('relative_sigma_')} {v:.4f}" for k, v in u.items()),
            "",
        ]
    ood = metrics.get("ood", {})
    if ood:
        scores = list(next(iter(ood.values()))["auroc"])
        lines += [
            "## Out-of-distribution detection (AUROC)",
            "",
            "| OOD set | events | " + " | ".join(scores) + " |",
            "|---|---|" + "---|" * len(scores),
        ]
        for name, block in ood.items():
            lines.append(
                f"| {name} | {block['n_events']} | "
                + " | ".join(_fmt(block["auroc"][s]) for s in scores)
                + " |"
            )
        lines += [
            "",
            "Visible-energy baseline (AUROC of the summed pixel energy alone): "
            + ", ".join(f"{k} {b['visible_energy_auroc']:.4f}" for k, b in ood.items()),
            "",
        ]
        matched = {k: b["energy_matched"] for k, b in ood.items() if "energy_matched" in b}
        if matched:
            lines += [
                "AUROC on visible-energy-matched subsets (what the scores know beyond the energy):",
                "",
                "| OOD set | events each | visible energy | " + " | ".join(scores) + " |",
                "|---|---|---|" + "---|" * len(scores),
            ]
            lines += [
                f"| {k} | {b['n_events_each']} | {b['visible_energy_auroc']:.4f} | "
                + " | ".join(_fmt(b["auroc"][sc]) for sc in scores)
                + " |"
                for k, b in matched.items()
            ]
        lines.append("")
        shifts = {k: b for k, b in ood.items() if k.startswith("shift:")}
        if shifts and metrics["task"] == "classify":
            lines += [
                "Performance under detector shifts (calibrated):",
                "",
                "| shift | accuracy | NLL | ECE |",
                "|---|---|---|---|",
            ]
            lines += [
                f"| {k} | {b['accuracy']:.4f} | {b['nll']:.4f} | {b['ece']:.4f} |" for k, b in shifts.items()
            ]
        elif shifts:
            lines += [
                "Energy estimate under detector shifts:",
                "",
                "| shift | mean E_pred / E_pred(unshifted) | 68% coverage of the true energy |",
                "|---|---|---|",
            ]
            lines += [
                f"| {k} | {b['mean_ratio_pred_over_unshifted']:.4f} | {b['coverage_68_true_energy']:.4f} |"
                for k, b in shifts.items()
            ]
        unseen = {
            k: b for k, b in ood.items() if not k.startswith("shift:") and "predicted_class_fractions" in b
        }
        for k, b in unseen.items():
            fr = ", ".join(f"{c} {v:.3f}" for c, v in b["predicted_class_fractions"].items())
            lines.append(f"\nOOD set `{k}` is classified as: {fr}")
        lines.append("")
    for caption, fname in figures:
        lines += [f"### {caption}", "", f"![{caption}]({fname})", ""]
    return "\n".join(lines)


def _roc_figure(
    set_name: str,
    score_in: dict[str, np.ndarray],
    scores_out: dict[str, np.ndarray],
    auroc: dict[str, float],
    out: Path,
) -> tuple[str, str]:
    """Draw the ROC curves of every OOD score for one set; return the report's (caption, file)."""
    fname = f"uq_roc_{_slug(set_name)}.png"
    plots.roc_curves(
        {k: (*roc_curve(score_in[k], scores_out[k]), auroc[k]) for k in score_in},
        out / fname,
        title=f"OOD: {set_name}",
    )
    return f"ROC curves, OOD set `{set_name}`", fname
