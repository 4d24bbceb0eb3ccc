"""A trained UQ run (networks + calibration + provenance) and its run directory.

Layout of a run directory::

    uq_run.json        task, method, class names, network config, temperature /
                       variance scale, MC samples, training provenance (written last)
    member_<i>.pt      state dict of ensemble member i (weights only)

Writes are atomic; loading uses ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from nugan._atomic import atomic_path, write_text_atomic
from nugan.errors import CheckpointError
from nugan.uncertainty.calibration import apply_temperature
from nugan.uncertainty.methods import (
    decompose_variance,
    penultimate_features,
    predict_classifier,
    predict_regressor,
)
from nugan.uncertainty.networks import build_network
from nugan.uncertainty.ood import mahalanobis_score

RUN_FORMAT = "nugan-uq-run"
RUN_VERSION = 1
TASKS = ("classify", "energy")
METHODS = ("ensemble", "mc-dropout", "heteroscedastic")


@dataclass
class UQRun:
    """A trained set of networks with their calibration.

    Attributes:
        task: "classify" or "energy".
        method: "ensemble", "mc-dropout" or "heteroscedastic".
        members: the trained networks (one for MC dropout / heteroscedastic).
        net_config: constructor arguments shared by all members.
        class_names: classes the classifier was trained on (classification only).
        temperature: temperature fitted on the validation split (classification).
        variance_scale: factor on the predicted variance fitted on the validation split (energy).
        mc_samples: dropout samples per prediction (0 = deterministic passes).
        info: provenance and training history (JSON-able).
    """

    task: str
    method: str
    members: list[nn.Module]
    net_config: dict[str, Any]
    class_names: list[str] = field(default_factory=list)
    temperature: float = 1.0
    variance_scale: float = 1.0
    mc_samples: int = 0
    info: dict[str, Any] = field(default_factory=dict)
    density: list[dict[str, np.ndarray]] | None = None

    def mahalanobis(self, pix_mev: np.ndarray, device: str = "cpu") -> np.ndarray:
        """Feature-space OOD score: squared Mahalanobis distance of each event's penultimate features to
        the closest training-class Gaussian, averaged over members (N,). Needs ``density``."""
        if not self.density:
            raise CheckpointError(
                "this UQ run has no feature density (trained by an older nugan); retrain it"
            )
        scores = [
            mahalanobis_score(penultimate_features(m, pix_mev, device=device), d)
            for m, d in zip(self.members, self.density)
        ]
        return np.mean(scores, axis=0)

    def predict(self, pix_mev: np.ndarray, seed: int = 0, device: str = "cpu") -> dict[str, np.ndarray]:
        """Sampled and combined predictions for (N, V, H, W) pixel maps in MeV.

        Classification: ``log_probs`` (S, N, K) per member/sample, ``probs`` (N, K) their mean,
        ``probs_calibrated`` (N, K) after temperature scaling.
        Energy [GeV]: ``means``/``variances`` (S, N), the mixture ``mean``, ``aleatoric``,
        ``epistemic``, ``total`` variance, and ``total_calibrated`` (× variance scale).
        """
        if self.task == "classify":
            log_probs = predict_classifier(self.members, pix_mev, self.mc_samples, seed, device=device)
            probs = np.exp(log_probs).mean(axis=0)
            log_mean = np.log(np.clip(probs, 1e-12, 1.0))
            return {
                "log_probs": log_probs,
                "probs": probs,
                "probs_calibrated": apply_temperature(log_mean, self.temperature),
            }
        means, variances = predict_regressor(self.members, pix_mev, self.mc_samples, seed, device=device)
        out = decompose_variance(means, variances)
        out.update(means=means, variances=variances, total_calibrated=out["total"] * self.variance_scale)
        return out


def save_run(run: UQRun, run_dir: str | os.PathLike[str]) -> Path:
    """Write ``run`` to ``run_dir`` (created if needed); ``uq_run.json`` is written last."""
    path = Path(run_dir)
    path.mkdir(parents=True, exist_ok=True)
    for i, member in enumerate(run.members):
        with atomic_path(path / f"member_{i}.pt") as tmp:
            torch.save({k: v.detach().cpu() for k, v in member.state_dict().items()}, tmp)
    if run.density:
        tensors = {f"{key}_{i}": torch.as_tensor(d[key]) for i, d in enumerate(run.density) for key in d}
        with atomic_path(path / "density.pt") as tmp:
            torch.save(tensors, tmp)
    meta = {
        "has_density": bool(run.density),
        "format": RUN_FORMAT,
        "version": RUN_VERSION,
        "task": run.task,
        "method": run.method,
        "n_members": len(run.members),
        "net_config": run.net_config,
        "class_names": run.class_names,
        "temperature": run.temperature,
        "variance_scale": run.variance_scale,
        "mc_samples": run.mc_samples,
        "info": run.info,
    }
    write_text_atomic(path / "uq_run.json", json.dumps(meta, indent=2, default=_json_default))
    return path


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"not JSON-able: {type(obj)}")


def load_run(run_dir: str | os.PathLike[str]) -> UQRun:
    """Read a run directory written by :func:`save_run`.

    Raises:
        CheckpointError: the folder is missing, is not a UQ run, or its files are corrupt
            or do not match the recorded network configuration.
    """
    path = Path(run_dir)
    meta_path = path / "uq_run.json"
    if not meta_path.is_file():
        raise CheckpointError(
            f"{path}: not a UQ run directory (no uq_run.json); train one with `nugan uq train ... --out DIR`"
        )
    try:
        meta = json.loads(meta_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{meta_path}: corrupt run description ({exc}); retrain the run") from exc
    if not isinstance(meta, dict) or meta.get("format") != RUN_FORMAT:
        raise CheckpointError(f"{meta_path}: not a nugan UQ run description (format {RUN_FORMAT!r} expected)")
    if meta.get("version", 0) > RUN_VERSION:
        raise CheckpointError(
            f"{meta_path}: written by a newer nugan (run version {meta['version']}); upgrade"
        )
    try:
        task, n_members = meta["task"], int(meta["n_members"])
        members = []
        for i in range(n_members):
            member_path = path / f"member_{i}.pt"
            if not member_path.is_file():
                raise CheckpointError(f"{path}: member file {member_path.name} is missing; retrain the run")
            net = build_network(task, dict(meta["net_config"]))
            try:
                state = torch.load(member_path, map_location="cpu", weights_only=True)
                net.load_state_dict(state)
            except CheckpointError:
                raise
            except Exception as exc:
                raise CheckpointError(
                    f"{member_path}: cannot load the network weights ({exc}); "
                    "the file is corrupt or from another network"
                ) from exc
            net.eval()
            members.append(net)
        density = _load_density(path, n_members) if meta.get("has_density") else None
        return UQRun(
            density=density,
            task=task,
            method=meta["method"],
            members=members,
            net_config=dict(meta["net_config"]),
            class_names=list(meta.get("class_names", [])),
            temperature=float(meta["temperature"]),
            variance_scale=float(meta["variance_scale"]),
            mc_samples=int(meta["mc_samples"]),
            info=dict(meta.get("info", {})),
        )
    except KeyError as exc:
        raise CheckpointError(f"{meta_path}: run description lacks the key {exc}; retrain the run") from exc


def _load_density(path: Path, n_members: int) -> list[dict[str, np.ndarray]]:
    file = path / "density.pt"
    if not file.is_file():
        raise CheckpointError(f"{path}: density.pt is missing; retrain the run")
    try:
        tensors = torch.load(file, map_location="cpu", weights_only=True)
        return [
            {key: tensors[f"{key}_{i}"].numpy() for key in ("means", "precision")} for i in range(n_members)
        ]
    except Exception as exc:
        raise CheckpointError(f"{file}: cannot load the feature density ({exc}); retrain the run") from exc
