"""A two-process DDP run on CPU (gloo): it trains, the processes stay in step, and its checkpoint
loads in one process."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from nugan.data import EventSet, provenance
from nugan.errors import NuganError
from nugan.training import generate, load_run, train
from nugan.training.checkpoint import load_checkpoint


def _images(n: int = 64, seed: int = 0) -> EventSet:
    rng = np.random.default_rng(seed)
    pix = np.zeros((n, 1, 8, 8), dtype=np.float32)
    pix[:, :, 2:6, 3:5] = rng.exponential(1.0, size=(n, 1, 4, 2))
    return EventSet({"enu_gev": rng.uniform(1, 3, n)}, pixelmaps=pix, attrs=provenance({}, seed=seed))


def test_two_process_ddp_on_cpu_trains_and_loads_in_one_process(tmp_path: Path) -> None:
    cfg = {
        "ngf": 4,
        "ndf": 4,
        "nz": 8,
        "batch_size": 8,
        "log_every": 2,
        "sample_every": 0,
        "checkpoint_every": 100,
        "optimizer_impl": "foreach",
    }
    out = tmp_path / "ddp"
    try:
        res = train("dcgan", _images(), out, config=cfg, steps=4, devices=2, seed=0)
    except NuganError:
        raise  # e.g. the processes' weights differ: a real failure
    except Exception as exc:  # infrastructure (port taken, process start under load): retry once
        print(f"first DDP attempt failed, retrying: {type(exc).__name__}: {exc}")
        out = tmp_path / "ddp-retry"
        res = train("dcgan", _images(), out, config=cfg, steps=4, devices=2, seed=0)
    assert res.step == 4 and all(np.isfinite(list(res.losses.values())))
    stored = json.loads((out / "config.json").read_text())
    assert stored["world_size"] == 2 and stored["strategy"] == "ddp_spawn"
    # both processes saw different halves of each global batch: 2 × 8 samples per step
    payload = load_checkpoint(out / "checkpoints" / "last.pt")
    assert payload["step"] == 4 and payload["meta"]["world_size"] == 2
    single = train("dcgan", _images(), tmp_path / "one", config=cfg, steps=4, seed=0)
    one = load_checkpoint(single.run_dir / "checkpoints" / "last.pt")
    key = next(k for k, v in one["model"].items() if v.is_floating_point() and v.ndim > 1)
    assert not torch.equal(one["model"][key], payload["model"][key])  # DDP really used other batches
    _model, fspec, _, run_cfg = load_run(out)
    assert run_cfg["step"] == 4 and fspec.image_shape == (1, 8, 8)
    gen = generate(out, 5, seed=1)
    assert gen.pixelmaps is not None and gen.pixelmaps.shape == (5, 1, 8, 8)
    assert np.isfinite(gen.pixelmaps).all() and (gen.pixelmaps >= 0).all()
