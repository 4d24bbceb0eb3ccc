"""End-to-end workflows built from the public functions of the other packages.

:func:`quickstart` is the README's first command (``nugan quickstart``): simulate a
sample with the built-in chain, train the best default model for it, generate,
evaluate against an independent reference sample, and write the report.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nugan._atomic import write_text_atomic

#: Kinematic columns the quick-start model learns (conditioned on the true neutrino energy).
QUICKSTART_FEATURES = ("lep_e_gev", "lep_costheta", "q2_gev2", "w_gev")
QUICKSTART_CONDITION = ("enu_gev",)


@dataclasses.dataclass(frozen=True)
class QuickstartConfig:
    """Settings of the quick start (defaults sized for a 2-core CPU in a few minutes).

    Attributes:
        flux, target, flavour: the simulated beam and detector material.
        n_train, n_reference: events simulated for training and, with another seed, for the
            held-out reference.
        detector: detector preset run on both samples (``None`` skips the detector).
        model: zoo model (a conditional normalizing flow: the strongest fast default for tables).
        steps, minutes: training bounds (whichever comes first). The default bounds by steps
            only, so that the quick start's result does not depend on the machine's speed.
        seed: master seed; the reference sample uses ``seed + 1000``.
    """

    flux: str = "numi-offaxis"
    target: str = "CH"
    flavour: str = "numu"
    n_train: int = 20_000
    n_reference: int = 10_000
    detector: str | None = "mini"
    model: str = "flow"
    steps: int = 2000
    minutes: float | None = None
    seed: int = 0


def quickstart(
    out_dir: str | os.PathLike[str],
    config: QuickstartConfig | None = None,
    log: Callable[[str], None] | None = None,
    train_progress: Callable[..., None] | None = None,
) -> dict[str, Any]:
    """Run simulate → train → generate → evaluate; return a summary with headline metrics.

    Writes under ``out_dir``: ``train.h5``, ``reference.h5`` (simulated), ``run/`` (the
    training run), ``generated.h5``, ``evaluation/metrics.json``, ``evaluation/report.html``
    and ``summary.json``.
    """
    from nugan.evaluation import evaluate
    from nugan.evaluation.report import headline_lines
    from nugan.physics.generator import generate_events
    from nugan.training import generate, train

    cfg = config or QuickstartConfig()
    say = log or (lambda _msg: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    def simulate(n: int, seed: int, name: str) -> Any:
        t0 = time.perf_counter()
        events = generate_events(cfg.flux, cfg.target, n, seed=seed, flavour=cfg.flavour)
        if cfg.detector:
            from nugan.physics.detector import simulate_detector

            events = simulate_detector(events, preset=cfg.detector, seed=seed)
        events.write(out / f"{name}.h5")
        timings[f"simulate_{name}_s"] = time.perf_counter() - t0
        return events

    say(f"[1/4] simulating {cfg.n_train} + {cfg.n_reference} events ({cfg.flavour} on {cfg.target}, "
        f"{cfg.flux} flux, detector {cfg.detector})")
    train_events = simulate(cfg.n_train, cfg.seed, "train")
    reference = simulate(cfg.n_reference, cfg.seed + 1000, "reference")

    features = list(QUICKSTART_FEATURES)
    if cfg.detector:
        features.append("vis_e_gev")
    say(f"[2/4] training {cfg.model} on {features} | {list(QUICKSTART_CONDITION)} "
        f"({cfg.steps} steps" + (f", ≤ {cfg.minutes} min)" if cfg.minutes else ")"))
    t0 = time.perf_counter()
    run_dir = out / "run"
    result = train(
        cfg.model,
        train_events,
        run_dir,
        features=features,
        condition=QUICKSTART_CONDITION,
        steps=cfg.steps,
        minutes=cfg.minutes,
        seed=cfg.seed,
        progress=train_progress,
    )
    timings["train_s"] = time.perf_counter() - t0

    say(f"[3/4] generating {len(reference)} events at the reference's neutrino energies")
    t0 = time.perf_counter()
    generated = generate(
        run_dir,
        len(reference),
        condition={c: reference.columns[c] for c in QUICKSTART_CONDITION},
        seed=cfg.seed + 1,
    )
    generated.write(out / "generated.h5")
    timings["generate_s"] = time.perf_counter() - t0

    say("[4/4] evaluating generated vs reference and writing the report")
    t0 = time.perf_counter()
    ref_table = reference.with_parts(particles=None, pixelmaps=None)
    metrics = evaluate(generated, ref_table, out / "evaluation", seed=cfg.seed, run_dirs=[run_dir])
    timings["evaluate_s"] = time.perf_counter() - t0

    summary = {
        "config": dataclasses.asdict(cfg),
        "features": features,
        "condition": list(QUICKSTART_CONDITION),
        "run_dir": str(run_dir),
        "train_steps": getattr(result, "step", None),
        "report": str(out / "evaluation" / "report.html"),
        "metrics_json": str(out / "evaluation" / "metrics.json"),
        "headline": headline_metrics(metrics),
        "headline_text": headline_lines(metrics),
        "timings_s": {k: round(v, 2) for k, v in timings.items()},
    }
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2, default=str))
    return summary


def headline_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """The few numbers worth printing: classifier AUCs, FPD, KPD, worst observables by W1."""
    head: dict[str, Any] = {}
    auc = metrics.get("classifier_auc", {})
    for level in ("high_level", "low_level"):
        if isinstance(auc.get(level), dict):
            head[f"classifier_auc_{level}"] = auc[level]
    for key in ("fpd", "kpd"):
        if isinstance(metrics.get(key), dict):
            head[key] = metrics[key]
    obs = metrics.get("observables", {})
    w1 = {name: vals["w1"] for name, vals in obs.items() if isinstance(vals, dict) and "w1" in vals}
    worst = sorted(w1.items(), key=lambda kv: -float(kv[1]["value"]))[:3]
    head["largest_w1"] = dict(worst)
    return head
