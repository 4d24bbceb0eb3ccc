"""Uncertainty quantification: CVN-like networks that know their uncertainty.

* :mod:`~nugan.uncertainty.networks`: CVN-like classifier and heteroscedastic energy regressor;
* :mod:`~nugan.uncertainty.methods`: deep ensembles, MC dropout, Kendall–Gal loss, entropy and
  variance decompositions;
* :mod:`~nugan.uncertainty.calibration`: NLL, Brier, ECE, reliability curves, temperature and
  variance scaling, interval coverage, resolution;
* :mod:`~nugan.uncertainty.ood`: OOD scores, AUROC/ROC, detector shifts;
* :mod:`~nugan.uncertainty.train` / :mod:`~nugan.uncertainty.runs`: training and run directories;
* :mod:`~nugan.uncertainty.evaluate`: metrics and the markdown report;
* :mod:`~nugan.uncertainty.toy`: synthetic two-view events for tests.

Submodules import torch; import them explicitly (this package module imports nothing heavy).
"""
