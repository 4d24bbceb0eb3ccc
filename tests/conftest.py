"""Shared fixtures. Tests run on CPU with few threads; every random step is seeded."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import pytest

from nugan.data import EventSet, make_particles, provenance


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def small_events(rng: np.random.Generator) -> EventSet:
    """A small EventSet with columns, particles, pixel maps and labels."""
    n = 50
    counts = rng.integers(0, 5, size=n)
    m = int(counts.sum())
    particles = make_particles(
        counts,
        pdg=rng.choice([13, 2212, 211, 111], size=m),
        px=rng.normal(size=m),
        py=rng.normal(size=m),
        pz=rng.normal(size=m),
        e=rng.uniform(1, 3, size=m),
        status=np.ones(m, dtype=np.int16),
    )
    pix = np.zeros((n, 2, 8, 6), dtype=np.float32)
    pix[:, :, 2:4, 1:3] = rng.exponential(size=(n, 2, 2, 2))
    return EventSet(
        columns={
            "enu_gev": rng.uniform(0.5, 5, size=n),
            "mode": rng.integers(0, 4, size=n).astype(np.int32),
            "is_cc": rng.integers(0, 2, size=n).astype(bool),
        },
        particles=particles,
        pixelmaps=pix,
        labels=rng.integers(0, 3, size=n),
        label_names=["numu_cc", "nue_cc", "nc"],
        attrs=provenance({"source": "test"}, seed=7),
    )
