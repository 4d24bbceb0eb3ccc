"""``metrics.csv``: one row every ``log_every`` steps (losses, gradient norms, samples/s)."""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

from nugan._atomic import write_text_atomic


def read_metrics(path: str | os.PathLike[str]) -> list[dict[str, float]]:
    """The rows of a metrics.csv as dicts of floats (empty cells are NaN)."""
    p = Path(path)
    if not p.is_file():
        return []
    with p.open(newline="") as f:
        return [
            {k: float(v) if v not in ("", None) else math.nan for k, v in row.items()}
            for row in csv.DictReader(f)
        ]


class MetricsLog:
    """Append-only CSV of training metrics; on resume, rows after the checkpoint step are dropped.

    Arguments:
        path: the CSV file.
        keep_until: on resume, the checkpoint's step (rows with a larger step are discarded);
            None starts a new file.
    """

    def __init__(self, path: str | os.PathLike[str], keep_until: int | None = None) -> None:
        self.path = Path(path)
        self.rows: list[dict[str, float]] = []
        if keep_until is not None:
            self.rows = [r for r in read_metrics(self.path) if r.get("step", math.inf) <= keep_until]
        self.fields: list[str] = []
        for row in self.rows:
            self.fields += [k for k in row if k not in self.fields]
        self._rewrite()

    def _rewrite(self) -> None:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=self.fields, restval="")
        if self.fields:
            writer.writeheader()
            writer.writerows([{k: _fmt(v) for k, v in r.items()} for r in self.rows])
        write_text_atomic(self.path, buf.getvalue())

    def log(self, row: dict[str, float]) -> None:
        self.rows.append(dict(row))
        new = [k for k in row if k not in self.fields]
        if new:
            self.fields += new
            self._rewrite()
            return
        with self.path.open("a", newline="") as f:
            csv.DictWriter(f, fieldnames=self.fields, restval="").writerow(
                {k: _fmt(v) for k, v in row.items()}
            )


def _fmt(value: float) -> str:
    return repr(int(value)) if float(value).is_integer() and abs(value) < 2**53 else f"{value:.6g}"
