"""Every registered zoo model trains through the engine, resumes, and generates physical events.

Iterates over the registry, so a newly registered model is covered at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from nugan.data import EventSet, provenance
from nugan.models.registry import get_model_class, model_names
from nugan.training import generate, load_run, train
from nugan.training.checkpoint import load_checkpoint

torch.set_num_threads(1)
CFG = {"batch_size": 16, "log_every": 1, "sample_every": 2, "checkpoint_every": 2, "n_progress": 4}


def _events(n: int = 64, seed: int = 0) -> EventSet:
    rng = np.random.default_rng(seed)
    enu = rng.uniform(0.5, 5.0, n)
    pix = np.zeros((n, 2, 16, 12), dtype=np.float32)
    pix[:, :, 4:12, 3:9] = rng.exponential(20.0, size=(n, 2, 8, 6))
    return EventSet(
        {"enu_gev": enu, "lep_e_gev": enu * rng.uniform(0.3, 0.9, n), "q2_gev2": rng.exponential(0.5, n)},
        pixelmaps=pix,
        labels=rng.integers(0, 3, n),
        label_names=["numu_cc", "nue_cc", "nc"],
        attrs=provenance({"source": "test"}, seed=seed),
    )


@pytest.mark.parametrize("name", model_names())
def test_every_model_trains_resumes_and_generates(name: str, tmp_path: Path) -> None:
    cls = get_model_class(name)
    images = "images" in cls.accepts
    features = [] if images else ["lep_e_gev", "q2_gev2"]
    condition = ["enu_gev"] if cls.conditional else []
    ev = _events()
    run = tmp_path / name
    res = train(name, ev, run, features=features, condition=condition, config=CFG, steps=2, seed=1)
    assert res.step == 2 and all(np.isfinite(list(res.losses.values())))
    res = train(name, ev, run, steps=3, resume=True)  # settings, features, condition, seed: the run's
    assert res.step == 3 and load_checkpoint(run / "checkpoints" / "last.pt")["step"] == 3
    assert (run / "progress.gif").is_file() and (run / "loss_curves.png").is_file()
    model, *_ = load_run(run)
    assert not model.training and model.config["data_shape"] == ([2, 16, 12] if images else [2])
    gen = generate(run, 10, seed=2)
    assert len(gen) == 10 and gen.attrs["generated_from"]["model"] == name
    if images:
        assert gen.pixelmaps is not None and gen.pixelmaps.shape == (10, 2, 16, 12)
        assert np.isfinite(gen.pixelmaps).all() and (gen.pixelmaps >= 0).all()
    else:
        for col in features:
            assert np.isfinite(gen.columns[col]).all()
    if condition:
        assert np.isin(gen.columns["enu_gev"], ev.columns["enu_gev"]).all()
    if cls.uses_labels:
        assert gen.labels is not None and gen.label_names == ["numu_cc", "nue_cc", "nc"]
