"""nugan.evaluation: physics observables, two-sample metrics with uncertainties, plots and the HTML report.

Main entry point: :func:`evaluate` (generated vs reference EventSet → ``metrics.json`` +
``report.html``). Metrics live in :mod:`nugan.evaluation.metrics`, observables in
:mod:`nugan.evaluation.observables`; see docs/evaluation.md.
"""

from nugan.evaluation.metrics import (
    Measurement,
    band_coverage,
    chi2_ndf,
    classifier_auc,
    fpd,
    frechet_distance,
    kpd,
    observable_metrics,
    prdc,
    separation_power,
    w1_ks,
)
from nugan.evaluation.observables import compute_observables
from nugan.evaluation.pipeline import evaluate

__all__ = [
    "Measurement",
    "band_coverage",
    "chi2_ndf",
    "classifier_auc",
    "compute_observables",
    "evaluate",
    "fpd",
    "frechet_distance",
    "kpd",
    "observable_metrics",
    "prdc",
    "separation_power",
    "w1_ks",
]
