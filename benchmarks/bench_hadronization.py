"""Benchmark: DIS hadronisation (Pythia 8 strings, AGKY low-W) and DIS kinematics sampling.

Run: ``.venv/bin/python benchmarks/bench_hadronization.py`` (one core; OMP_NUM_THREADS=1).
Baselines measured in the same run: the Pythia string path for hadronisation, and one
vectorised evaluation of d²σ/dxdy per event for the kinematics (so the ratio says how many
density evaluations one sampled event costs). Writes ``benchmarks/results/hadronization.md``.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from nugan.physics import agky, dis, hadronization
from nugan.physics import constants as c


def rate(fn: Callable[[], object], n_events: int, repeats: int = 3) -> float:
    """Best events/s over ``repeats`` runs."""
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n_events / best


def main() -> None:
    rng = np.random.default_rng(0)
    rows: list[tuple[str, float, str]] = []
    hadronization.pythia_instance()
    dis.sample_xy(rng, np.full(4, 5.0), 14, np.full(4, 2212), True, np.full(4, c.M_PROTON))  # warm caches

    n_py = 2000
    for w in (4.0, 10.0):
        axis = np.tile([0.0, 0.0, 1.0], (n_py, 1))
        r = rate(lambda w=w, axis=axis: hadronization.hadronize_strings(
            rng, np.full(n_py, w), axis, np.full(n_py, 2), np.full(n_py, 2101)), n_py)
        rows.append((f"Pythia 8 string, W = {w:g} GeV", r, "baseline" if w == 4.0 else ""))
    base_py = rows[0][1]

    n_kno = 20000
    for w in (1.5, 2.2):
        r = rate(lambda w=w: agky.hadronize_low_w(
            rng, np.full(n_kno, w), np.full(n_kno, 2), 14, np.full(n_kno, 2212)), n_kno)
        rows.append((f"AGKY low-W, W = {w:g} GeV (νp, Q = 2)", r, f"{r / base_py:.1f}× Pythia"))

    n_xy = 20000
    for e in (2.0, 10.0):
        ev, nuc, m = np.full(n_xy, e), np.full(n_xy, 2112), np.full(n_xy, c.M_NEUTRON)
        x = np.exp(rng.uniform(np.log(1e-3), 0, n_xy))
        y = rng.uniform(0, 1, n_xy)
        r_density = rate(lambda ev=ev, x=x, y=y, nuc=nuc: dis.d2sigma_dxdy_cm2(ev, x, y, 14, nuc, True), n_xy)
        r_xy = rate(lambda ev=ev, nuc=nuc, m=m: dis.sample_xy(rng, ev, 14, nuc, True, m), n_xy)
        rows.append((f"d²σ/dxdy evaluation, E = {e:g} GeV", r_density, "baseline"))
        rows.append((f"(x, y) sampling, E = {e:g} GeV", r_xy, f"{r_density / r_xy:.1f} evaluations/event"))

    n_full = 3000
    for e in (3.0, 20.0):
        p4 = np.tile([0.0, 0.0, 0.0, c.M_NEUTRON], (n_full, 1))
        nuc = np.full(n_full, 2112)
        r = rate(lambda e=e, p4=p4, nuc=nuc: dis.sample_dis(rng, np.full(n_full, e), 14, nuc, p4, True),
                 n_full, repeats=2)
        rows.append((f"sample_dis (kinematics + hadronisation), E = {e:g} GeV", r, ""))

    lines = [
        "# Hadronisation and DIS sampling benchmark",
        "",
        f"`benchmarks/bench_hadronization.py`, one core (OMP_NUM_THREADS=1), {platform.machine()}, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "Best of 2-3 runs; the machine is shared with other jobs, so numbers vary by tens of %.",
        "",
        "| what | events/s | ratio |",
        "|---|---:|---|",
        *[f"| {name} | {r:,.0f} | {note} |" for name, r, note in rows],
        "",
    ]
    out = Path(__file__).parent / "results" / "hadronization.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
