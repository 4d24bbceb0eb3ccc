"""The evaluation report: one self-contained HTML page (figures embedded as base64 PNG).

Layout: title and inputs; the summary table (classifier AUC, JSD, FPD, KPD, PRDC,
per-observable aggregates, ensemble coverage); the per-observable table; the figures
by section; the provenance of both inputs.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nugan._atomic import write_text_atomic


@dataclass
class Figure:
    """A figure of the report: section heading, caption and PNG (or GIF) bytes."""

    section: str
    caption: str
    data: bytes
    mime: str = "image/png"


_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f3f3f3}
td.name,th.name{text-align:left}.good{background:#e6f4e6}.warn{background:#fff4d6}.bad{background:#fde2e2}
figure{margin:12px 0}figcaption{font-size:13px;color:#555}img{max-width:100%}
pre{font-size:11px;background:#f7f7f7;padding:8px;overflow:auto;max-height:300px}
.note{font-size:12px;color:#555}
"""


def _fmt(m: Any) -> str:
    if not isinstance(m, Mapping) or "value" not in m:
        return html.escape(str(m))
    v, e = m.get("value"), m.get("error")
    if v is None:
        return "n/a"
    if e is None or (isinstance(e, float) and math.isnan(e)):
        return f"{v:.4g}"
    return f"{v:.4g} ± {e:.2g}"


def _auc_class(m: Mapping[str, Any] | None) -> str:
    if not m or m.get("value") is None:
        return ""
    v = float(m["value"])
    return "good" if v < 0.6 else ("warn" if v < 0.8 else "bad")


def _sep_class(m: Mapping[str, Any] | None, floor: Mapping[str, Any] | None = None) -> str:
    """Colour of a separation power: relative to its statistical floor when known, else absolute."""
    if not m or m.get("value") is None:
        return ""
    v = float(m["value"])
    f = floor.get("value") if floor else None
    if f:
        return "good" if v < 2 * f else ("warn" if v < 5 * f else "bad")
    return "good" if v < 0.01 else ("warn" if v < 0.05 else "bad")


def summary_rows(metrics: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(metric, value, css class, how to read it) rows of the summary table."""
    rows: list[tuple[str, str, str, str]] = []
    auc = metrics.get("classifier_auc", {})
    for level in ("low_level", "high_level"):
        if level in auc:
            rows.append(
                (
                    f"classifier AUC ({level.replace('_', '-')})",
                    _fmt(auc[level]),
                    _auc_class(auc[level]),
                    "0.5 = indistinguishable, 1 = fully separable",
                )
            )
    jsd = metrics.get("classifier_jsd", {})
    for level in ("low_level", "high_level"):
        if level in jsd:
            rows.append(
                (
                    f"classifier JSD ({level.replace('_', '-')}) [nats]",
                    _fmt(jsd[level]),
                    "",
                    "0 = indistinguishable, ln 2 ≈ 0.693 = separable",
                )
            )
    if "fpd" in metrics:
        rows.append(("FPD (Fréchet physics distance)", _fmt(metrics["fpd"]), "", "0 = same Gaussian moments"))
    if "kpd" in metrics:
        rows.append(("KPD (kernel physics distance)", _fmt(metrics["kpd"]), "", "≈ 0 within errors = same"))
    base = metrics.get("baseline", {})
    if "fpd" in base:
        rows.append(
            (
                "FPD, reference half vs half",
                _fmt(base["fpd"]),
                "",
                "floor for N_ref/2 events (∝ 1/N: at the full size expect about half of it)",
            )
        )
        rows.append(("KPD, reference half vs half", _fmt(base["kpd"]), "", "finite-sample floor of KPD"))
    for key, m in metrics.get("prdc", {}).items():
        rows.append((key, _fmt(m), "", "1 = ideal (density ≈ 1)"))
    summ = metrics.get("summary", {})
    for key, label, hint in (
        ("mean_separation_power", "mean separation power", "0 = identical histograms, 1 = disjoint"),
        (
            "mean_separation_power_floor",
            "its statistical floor",
            "expected for two samples of one distribution",
        ),
        ("median_w1", "median normalised W1", "in units of the reference's standard deviation"),
        (
            "mean_ref_in_band",
            "reference inside ensemble band",
            "≈ 0.68 for an ensemble that covers the truth",
        ),
    ):
        if key in summ:
            cls = (
                _sep_class(summ[key], summ.get("mean_separation_power_floor"))
                if key == "mean_separation_power"
                else ""
            )
            rows.append((label, _fmt(summ[key]), cls, hint))
    return rows


def _table(header: Sequence[str], rows: Sequence[Sequence[tuple[str, str]]]) -> str:
    head = "".join(
        f'<th class="{"name" if i == 0 else ""}">{html.escape(h)}</th>' for i, h in enumerate(header)
    )
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="{"name " if i == 0 else ""}{cls}">{text}</td>' for i, (text, cls) in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _observable_table(observables: Mapping[str, Mapping[str, Any]]) -> str:
    keys = ["w1", "ks", "separation_power", "chi2_ndf"]
    has_band = any("ref_in_band" in o for o in observables.values())
    header = [
        "observable",
        "W1 (norm.)",
        "KS",
        "separation power",
        "χ²/ndf",
        "stat. floor of sep. power",
        "n gen",
        "n ref",
    ]
    if has_band:
        header.append("ref in band")
    rows = []
    for name, obs in observables.items():
        row = [(html.escape(name), "")]
        floor = obs.get("separation_power_floor")
        for k in keys:
            row.append((_fmt(obs.get(k)), _sep_class(obs.get(k), floor) if k == "separation_power" else ""))
        row.append((_fmt(floor), ""))
        row.append((str(obs.get("n_generated", "")), ""))
        row.append((str(obs.get("n_reference", "")), ""))
        if has_band:
            row.append((_fmt(obs.get("ref_in_band")) if "ref_in_band" in obs else "", ""))
        rows.append(row)
    return _table(header, rows)


def render_report(
    metrics: Mapping[str, Any], figures: Sequence[Figure], title: str = "nugan evaluation"
) -> str:
    """The HTML page as a string."""
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>"
    ]
    inputs = metrics.get("inputs", {})
    sizes = metrics.get("sample_sizes", {})
    desc = ", ".join(
        f"{k}: {html.escape(str(v.get('path', 'in memory')))}"
        for k, v in inputs.items()
        if isinstance(v, Mapping)
    )
    parts.append(
        f"<p>{desc}<br>events: {html.escape(json.dumps(sizes))}; compared: "
        f"{html.escape(', '.join(metrics.get('kinds', [])))}; seed {metrics.get('seed')}</p>"
    )
    parts.append("<h2>Summary</h2>")
    parts.append(
        _table(
            ["metric", "value", "how to read"],
            [[(html.escape(a), ""), (b, c), (html.escape(d), "")] for a, b, c, d in summary_rows(metrics)],
        )
    )
    parts.append(
        "<p class='note'>Errors are one standard deviation (bootstrap, batch spread or fit, see "
        "docs/evaluation.md). Green/yellow/red: AUC &lt; 0.6 / &lt; 0.8 / ≥ 0.8; separation power "
        "&lt; 2 / &lt; 5 / ≥ 5 times its statistical floor B(1/N<sub>gen</sub> + 1/N<sub>ref</sub>)/4 "
        "(the mean likewise against the mean floor).</p>"
    )
    obs = metrics.get("observables", {})
    if obs:
        parts.append("<h2>Observables</h2>")
        parts.append(_observable_table(obs))
    section = None
    for fig in figures:
        if fig.section != section:
            section = fig.section
            parts.append(f"<h2>{html.escape(section)}</h2>")
        b64 = base64.b64encode(fig.data).decode("ascii")
        parts.append(
            f"<figure><img src='data:{fig.mime};base64,{b64}' alt='{html.escape(fig.caption)}'>"
            f"<figcaption>{html.escape(fig.caption)}</figcaption></figure>"
        )
    parts.append("<h2>Provenance</h2>")
    for key, info in inputs.items():
        parts.append(
            f"<details><summary>{html.escape(key)}</summary><pre>"
            f"{html.escape(json.dumps(info, indent=1, default=str))}</pre></details>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(
    path: str | os.PathLike[str],
    metrics: Mapping[str, Any],
    figures: Sequence[Figure],
    title: str = "nugan evaluation",
) -> None:
    """Write the report page atomically."""
    write_text_atomic(path, render_report(metrics, figures, title))


def headline_lines(metrics: Mapping[str, Any]) -> list[str]:
    """A few plain-text lines with the headline metrics (for terminals and the quick start).

    Example:
        >>> m = {"sample_sizes": {"generated": 10, "reference": 20}, "kinds": ["tables"],
        ...      "classifier_auc": {"high_level": {"value": 0.51, "error": 0.02}}}
        >>> for line in headline_lines(m):
        ...     print(line)
        events: generated 10, reference 20 (tables)
        classifier AUC: low-level n/a, high-level 0.51 ± 0.02 (0.5 = indistinguishable)
    """

    def fmt(m: Any) -> str:
        if not m or m.get("value") is None:
            return "n/a"
        err = m.get("error")
        return f"{m['value']:.4g}" + (f" ± {err:.2g}" if err is not None else "")

    sizes = metrics.get("sample_sizes", {})
    auc = metrics.get("classifier_auc", {})
    prdc = metrics.get("prdc", {})
    base = metrics.get("baseline", {})
    lines = [
        f"events: generated {sizes.get('generated')}, reference {sizes.get('reference')}"
        f" ({', '.join(metrics.get('kinds', []))})",
        f"classifier AUC: low-level {fmt(auc.get('low_level'))}, high-level {fmt(auc.get('high_level'))}"
        " (0.5 = indistinguishable)",
    ]
    if "fpd" in metrics:
        lines.append(
            f"FPD {fmt(metrics.get('fpd'))} (reference half vs half: {fmt(base.get('fpd'))}), "
            f"KPD {fmt(metrics.get('kpd'))}"
        )
    if prdc:
        lines.append(
            "precision {}, recall {}, density {}, coverage {}".format(
                *(fmt(prdc.get(k)) for k in ("precision", "recall", "density", "coverage"))
            )
        )
    summ = metrics.get("summary", {})
    if "mean_separation_power" in summ:
        worst = ", ".join(summ.get("worst_observables", [])[:3])
        lines.append(
            f"mean separation power {fmt(summ['mean_separation_power'])} "
            f"(statistical floor {fmt(summ.get('mean_separation_power_floor'))}; worst: {worst})"
        )
    if "mean_ref_in_band" in summ:
        lines.append(f"reference inside the ensemble band in {fmt(summ['mean_ref_in_band'])} of the bins")
    return lines
