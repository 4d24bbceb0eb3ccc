"""nugan (ν-GAN): a neural-network simulator of neutrino interactions.

The package is organised as in ``docs/architecture.md``:

* :mod:`nugan.physics`     — reference simulation chain (flux → interaction → detector → readout)
* :mod:`nugan.data`        — the :class:`~nugan.data.EventSet` schema, readers, writers, FeatureSpec
* :mod:`nugan.models`      — the generative-model zoo (registry keyed by name)
* :mod:`nugan.training`    — the training engine (Lightning Fabric)
* :mod:`nugan.evaluation`  — observables, metrics with uncertainties, plots, HTML report
* :mod:`nugan.uncertainty` — CVN-like classifier / energy regressor with UQ
* :mod:`nugan.cli`         — the ``nugan`` command line (a thin shell)

Nothing happens at import time: heavy dependencies are imported by the submodules
that need them.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
