"""Training of UQ runs: seeded plain torch loops for the classifier and the energy regressor,
deep ensembles / MC dropout / heteroscedastic variants, and post-hoc calibration on a
validation split."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from nugan.data import EventSet
from nugan.errors import ConfigError, SchemaError, TrainingError
from nugan.uncertainty.calibration import fit_temperature, fit_variance_scale
from nugan.uncertainty.data import (
    energies_of,
    fingerprint,
    fit_input_scales,
    labels_of,
    pixelmaps_of,
    split_indices,
)
from nugan.uncertainty.methods import heteroscedastic_nll, penultimate_features
from nugan.uncertainty.networks import build_network
from nugan.uncertainty.ood import fit_gaussian_density
from nugan.uncertainty.runs import METHODS, TASKS, UQRun

# per method: default members, dropout, MC samples
METHOD_DEFAULTS: dict[str, dict[str, Any]] = {
    "ensemble": {"members": 5, "dropout": 0.0, "mc_samples": 0},
    "mc-dropout": {"members": 1, "dropout": 0.3, "mc_samples": 30},
    "heteroscedastic": {"members": 1, "dropout": 0.0, "mc_samples": 0},
}


def _loss_fn(task: str) -> Callable[[nn.Module, Tensor, Tensor], Tensor]:
    if task == "classify":
        return lambda net, x, y: nn.functional.cross_entropy(net(x), y)

    def nll(net: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        mean, log_var = net(x)
        return heteroscedastic_nll(mean, log_var, y)

    return nll


@torch.no_grad()
def _mean_loss(net: nn.Module, loss: Callable[..., Tensor], x: Tensor, y: Tensor, batch: int = 512) -> float:
    net.eval()
    total = 0.0
    for s in range(0, len(x), batch):
        total += float(loss(net, x[s : s + batch], y[s : s + batch])) * len(x[s : s + batch])
    return total / max(len(x), 1)


def fit_member(
    net: nn.Module,
    task: str,
    x_train: Tensor,
    y_train: Tensor,
    x_val: Tensor,
    y_val: Tensor,
    epochs: int,
    seed: int,
    batch_size: int = 64,
    lr: float = 1e-3,
    weight_decay: float = 1e-4,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, float]]:
    """Train one network with Adam, keeping the weights of the epoch with the lowest validation loss.

    Returns the history: one dict per epoch (``epoch``, ``train_loss``, ``val_loss``, ``seconds``);
    ``progress`` (if given) receives one line per epoch.
    Raises :class:`TrainingError` if the loss becomes NaN.
    """
    gen = torch.Generator().manual_seed(seed)
    loss = _loss_fn(task)
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
    best, best_state, history = float("inf"), copy.deepcopy(net.state_dict()), []
    for epoch in range(epochs):
        t0 = time.perf_counter()
        net.train()
        perm = torch.randperm(len(x_train), generator=gen)
        run_loss = 0.0
        for s in range(0, len(perm), batch_size):
            idx = perm[s : s + batch_size].to(x_train.device)
            value = loss(net, x_train[idx], y_train[idx])
            if not torch.isfinite(value):
                raise TrainingError(f"loss became {float(value)} at epoch {epoch}; lower the learning rate")
            opt.zero_grad()
            value.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 10.0)
            opt.step()
            run_loss += float(value.detach()) * len(idx)
        val = _mean_loss(net, loss, x_val, y_val)
        history.append(
            {
                "epoch": epoch + 1,
                "train_loss": run_loss / len(perm),
                "val_loss": val,
                "seconds": time.perf_counter() - t0,
            }
        )
        if progress is not None:
            h = history[-1]
            progress(
                f"epoch {epoch + 1}/{epochs}: train loss {h['train_loss']:.4f}, "
                f"validation loss {val:.4f} ({h['seconds']:.1f} s)"
            )
        if val < best:
            best, best_state = val, copy.deepcopy(net.state_dict())
    net.load_state_dict(best_state)
    net.eval()
    return history


def _prefixed(progress: Callable[[str], None] | None, prefix: str) -> Callable[[str], None] | None:
    if progress is None:
        return None
    return lambda line: progress(prefix + line)


def _classes(labels: np.ndarray, names: list[str], exclude: list[str]) -> tuple[list[str], np.ndarray]:
    """Trained class names and a map old label → new label (−1 for excluded)."""
    unknown = [c for c in exclude if c not in names]
    if unknown:
        raise ConfigError(f"--exclude-class {unknown}: no such class; the data has {names}")
    keep = [n for n in names if n not in exclude]
    if len(keep) < 2:
        raise ConfigError(f"need at least two classes to train a classifier, left with {keep}")
    mapping = np.array([keep.index(n) if n in keep else -1 for n in names])
    present = set(np.unique(mapping[labels]).tolist()) - {-1}
    if len(present) < 2:
        raise SchemaError(f"the data holds fewer than two of the classes {keep}; a classifier needs both")
    return keep, mapping


def train_uq(
    events: EventSet,
    task: str,
    method: str,
    members: int | None = None,
    epochs: int = 10,
    seed: int = 0,
    exclude_class: list[str] | None = None,
    dropout: float | None = None,
    mc_samples: int | None = None,
    width: int = 16,
    hidden: int = 64,
    batch_size: int = 64,
    lr: float = 1e-3,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    device: str = "cpu",
    source: str = "events",
    progress: Callable[[str], None] | None = None,
    variance_calibration: str = "coverage",
) -> UQRun:
    """Train a UQ run on ``events`` (pixel maps + labels or ``enu_gev``).

    Arguments:
        task: "classify" (labels) or "energy" (``enu_gev``).
        method: "ensemble" (``members`` independently seeded networks), "mc-dropout" (one
            network with dropout, ``mc_samples`` passes at prediction), or "heteroscedastic"
            (one deterministic network; energy only: the classifier's aleatoric part is its softmax).
        members, dropout, mc_samples: override the method's defaults (:data:`METHOD_DEFAULTS`).
        exclude_class: class names left out of training (the seed paper's Figure 5 test);
            their events are dropped from the splits.
        val_fraction, test_fraction: held-out shares; the validation split selects the best
            epoch and fits the temperature / variance scale, the test split is kept for evaluation.

        progress: optional callback receiving one line per epoch (the CLI prints them).
        variance_calibration: "coverage" (the 68 % interval covers 68 % of the validation split) or
            "nll" (NLL-optimal scale); see :func:`nugan.uncertainty.calibration.fit_variance_scale`.

    Returns:
        the trained, calibrated :class:`UQRun` (its ``info`` records the test indices and a data
        fingerprint so that evaluation on the same file uses only held-out events).
    """
    if task not in TASKS:
        raise ConfigError(f"unknown task {task!r}; choose one of {list(TASKS)}")
    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}; choose one of {list(METHODS)}")
    if task == "classify" and method == "heteroscedastic":
        raise ConfigError(
            "method 'heteroscedastic' is for --task energy; a classifier's softmax already is "
            "its aleatoric output: use --method ensemble or mc-dropout"
        )
    if epochs < 1:
        raise ConfigError(f"epochs must be ≥ 1, got {epochs}")
    defaults = METHOD_DEFAULTS[method]
    n_members = int(members if members is not None else defaults["members"])
    if n_members < 1 or (method != "ensemble" and n_members != 1):
        raise ConfigError(
            f"method {method!r} takes {'≥ 1' if method == 'ensemble' else 'exactly 1'} member(s), "
            f"got {n_members}"
        )
    p_drop = float(dropout if dropout is not None else defaults["dropout"])
    n_mc = int(mc_samples if mc_samples is not None else defaults["mc_samples"])
    if method == "mc-dropout" and (p_drop <= 0 or n_mc < 2):
        raise ConfigError("mc-dropout needs dropout > 0 and at least 2 MC samples")

    pix = pixelmaps_of(events, source)
    keep = np.ones(len(events), dtype=bool)
    class_names: list[str] = []
    if task == "classify":
        labels, names = labels_of(events, source)
        class_names, mapping = _classes(labels, names, list(exclude_class or []))
        target_all = mapping[labels]
        keep = target_all >= 0
    else:
        if exclude_class:
            raise ConfigError("--exclude-class applies to --task classify only")
        target_all = energies_of(events, source)
    split = split_indices(len(events), seed, val_fraction, test_fraction)
    tr, va = (split[k][keep[split[k]]] for k in ("train", "val"))
    if len(tr) < 10 or len(va) < 5:
        raise SchemaError(f"{source}: too few events to train ({len(tr)} train / {len(va)} validation)")

    net_config: dict[str, Any] = {
        "width": width,
        "hidden": hidden,
        "dropout": p_drop,
        "n_views": pix.shape[1],
        **fit_input_scales(pix[tr]),
    }
    if task == "classify":
        net_config["n_classes"] = len(class_names)
        y_t = torch.as_tensor(target_all, dtype=torch.long)
    else:
        mu, sd = float(target_all[tr].mean()), float(max(target_all[tr].std(), 1e-6))
        net_config.update(target_mean=mu, target_std=sd)
        y_t = torch.as_tensor((target_all - mu) / sd, dtype=torch.float32)
    x_t = torch.as_tensor(pix)
    x_tr, y_tr = x_t[tr].to(device), y_t[tr].to(device)
    x_va, y_va = x_t[va].to(device), y_t[va].to(device)

    nets, histories = [], []
    for m in range(n_members):
        torch.manual_seed(seed * 1000 + m)  # member initialisation
        net = build_network(task, net_config).to(device)
        member_progress = _prefixed(progress, f"member {m + 1}/{n_members} ")
        histories.append(
            fit_member(
                net,
                task,
                x_tr,
                y_tr,
                x_va,
                y_va,
                epochs,
                seed * 1000 + m,
                batch_size,
                lr,
                progress=member_progress,
            )
        )
        nets.append(net.cpu())

    run = UQRun(
        task=task,
        method=method,
        members=nets,
        net_config=net_config,
        class_names=class_names,
        mc_samples=n_mc if method == "mc-dropout" else 0,
    )
    run.density = [
        fit_gaussian_density(
            penultimate_features(net, pix[tr]), target_all[tr] if task == "classify" else None
        )
        for net in nets
    ]
    val_pred = run.predict(pix[va], seed=seed)
    if task == "classify":
        run.temperature = fit_temperature(np.log(np.clip(val_pred["probs"], 1e-12, 1.0)), target_all[va])
    else:
        run.variance_scale = fit_variance_scale(
            target_all[va], val_pred["mean"], val_pred["total"], method=variance_calibration
        )
    run.info = {
        "seed": seed,
        "variance_calibration": variance_calibration,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "source": source,
        "exclude_class": list(exclude_class or []),
        "label_names": events.label_names,
        "data_fingerprint": fingerprint(events),
        "n_events": len(events),
        "n_train": len(tr),
        "n_val": len(va),
        "test_indices": split["test"].tolist(),
        "history": histories,
        "data_attrs_seed": events.attrs.get("seed", -1),
    }
    return run
