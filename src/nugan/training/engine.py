"""The training engine: one loop on Lightning Fabric for CPU, one GPU or many (DDP).

The model owns its losses (``training_step``); the engine owns everything else:
devices and precision, data batches, the ``update(opt_name, loss)`` callback
(zero_grad → ``fabric.backward`` → gradient all-reduce across processes →
gradient norm (and clipping) → optimiser step), EMA, metrics, progress images,
checkpoints and resume.

Determinism: the batch of step ``s`` and the torch seed of step ``s`` are pure
functions of ``(seed, s, rank)`` (:class:`~nugan.training.data.BatchSampler`,
:func:`~nugan.training.data.step_seed`), so on CPU a run resumed from a
checkpoint at step ``k`` ends with the same weights as an uninterrupted run.

Distributed: every process builds the model from the same seed and rank 0's
weights are broadcast; the model is not wrapped in DistributedDataParallel
(GAN training steps call submodules directly and use several optimisers), the
engine all-reduces (averages) the gradients of each optimiser's parameters
itself before stepping it. ``batch_size`` is per process.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nugan.data import EventSet
from nugan.errors import CheckpointError, ConfigError, TrainingError
from nugan.training.config import RESUMABLE_KEYS, resolve_config
from nugan.training.data import TrainingArrays, fingerprint, load_events, prepare_arrays
from nugan.training.rundir import (
    RUN_FORMAT,
    RunDir,
    load_specs,
    save_specs,
    save_train_conditions,
    spec_digest,
)

#: ``progress(step, total_steps_or_None, losses)`` is called on rank 0 after every step.
ProgressCallback = Callable[[int, "int | None", dict[str, float]], None]


@dataclass
class RunResult:
    """What a training run produced."""

    run_dir: Path
    step: int  # steps done in total (including before a resume)
    losses: dict[str, float]  # the last step's losses/metrics
    samples_per_s: float  # mean training throughput of this call (all processes)
    wall_s: float
    stopped_by: str  # "steps" or "minutes"
    history: list[dict[str, float]] = field(default_factory=list)


@dataclass
class _Plan:
    """Everything a (possibly spawned) worker process needs; picklable."""

    model_name: str
    overrides: dict[str, Any]
    training: dict[str, Any]
    arrays: TrainingArrays
    run_root: str
    seed: int
    resume: bool
    meta: dict[str, Any]
    progress: ProgressCallback | None
    strategy: str
    precision: str


def _registry() -> Any:
    from nugan.models import registry

    return registry


def train(
    model_name: str,
    events: EventSet | str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    features: Sequence[str] = (),
    condition: Sequence[str] = (),
    config: dict[str, Any] | None = None,
    steps: int | None = None,
    minutes: float | None = None,
    devices: int = 1,
    resume: bool = False,
    seed: int | None = None,
    progress: ProgressCallback | None = None,
) -> RunResult:
    """Train a zoo model on events and write a run directory.

    Arguments:
        model_name: a registered name or preset (``nugan models``).
        events: an EventSet or a nugan HDF5 file.
        out_dir: the run directory (created; must not hold a run unless ``resume``).
        features: columns to learn (table models); empty → the events' pixel maps (image models).
        condition: columns to condition on (conditional models), e.g. ``("enu_gev", "nu_pdg")``.
        config: configuration keys: engine settings (:data:`nugan.training.config.ENGINE_DEFAULTS`)
            and model hyper-parameter overrides.
        steps, minutes: bound the training (total steps, including those before a resume; wall minutes).
        devices: processes/accelerators on this node (DDP when > 1).
        resume: continue the run in ``out_dir`` from its last checkpoint; settings, features,
            condition and seed not given again are those of the run.
        seed: seed of initialisation, batches and noise (default 0, or the run's on resume).
        progress: called on rank 0 after every step (must be picklable when devices > 1).
    """
    registry = _registry()
    model_cls = registry.get_model_class(model_name)
    run = RunDir.at(out_dir)
    user = dict(config or {})
    stored = run.read_config() if resume else None
    if stored is not None:  # a resume keeps the run's settings unless they are given again
        kept = {k: v for k, v in stored.get("training", {}).items() if k not in RESUMABLE_KEYS}
        user = {**kept, **stored.get("overrides", {}), **user}
        features = features or stored.get("features", [])
        condition = condition or stored.get("condition", [])
        seed = stored.get("seed", 0) if seed is None else seed
    seed = 0 if seed is None else int(seed)
    training, overrides = resolve_config(registry.training_defaults(model_name), user, steps, minutes)
    training["devices"] = int(devices)
    if devices < 1:
        raise ConfigError(f"--devices must be >= 1, got {devices}")
    data_path = None if isinstance(events, EventSet) else str(events)
    ev = load_events(events)
    settings = {
        "model": model_name,
        "training": training,
        "overrides": overrides,
        "features": list(features),
        "condition": list(condition),
        "seed": int(seed),
        "data_fingerprint": fingerprint(ev),
    }
    feature_spec = condition_spec = None
    if stored is not None:
        _check_resume(run, stored, settings)
        feature_spec, condition_spec = load_specs(run)
        if not run.checkpoint.is_file():
            raise CheckpointError(
                f"{run.checkpoint}: nothing to resume (no checkpoint); start without --resume"
            )
    elif launched_rank() == 0 and (run.config.exists() or run.checkpoint.exists()):
        raise ConfigError(
            f"{run.root} already holds a run; pass --resume to continue it, or choose another --out"
        )
    arrays = prepare_arrays(model_cls, model_name, ev, features, condition, feature_spec, condition_spec)
    if not resume and launched_rank() == 0:  # under torchrun/SLURM every process runs train()
        run.root.mkdir(parents=True, exist_ok=True)
        save_specs(run, arrays.feature_spec, arrays.condition_spec)
        cond_cols = {c: ev.columns[c] for c in condition}
        save_train_conditions(run, cond_cols, arrays.labels, seed)
    cfg = {
        "format": RUN_FORMAT,
        "version": 1,
        "nugan_version": __import__("nugan").__version__,
        "model": model_name,
        "model_args": {
            "data_shape": list(arrays.data_shape),
            "condition_dim": arrays.condition_dim,
            "n_classes": arrays.n_classes,
            "overrides": overrides,
        },
        "training": training,
        "overrides": overrides,
        "features": list(features),
        "condition": list(condition),
        "images": arrays.images,
        "label_names": arrays.label_names,
        "seed": int(seed),
        "data": {"path": data_path, "attrs_config": ev.attrs.get("config"), "seed": ev.attrs.get("seed")},
        "data_fingerprint": fingerprint(ev),
    }
    meta = {
        "model": model_name,
        "features_sha256": spec_digest(arrays.feature_spec),
        "condition_sha256": spec_digest(arrays.condition_spec),
        "seed": int(seed),
    }
    fabric, strategy, precision = _make_fabric(training, arrays.images)
    plan = _Plan(
        model_name,
        overrides,
        training,
        arrays,
        str(run.root),
        int(seed),
        resume,
        meta,
        progress,
        strategy,
        precision,
    )
    if strategy in ("ddp_spawn", "ddp_fork"):
        from torch.multiprocessing import ProcessRaisedException

        try:
            result = fabric.launch(_worker, plan, cfg)
        except ProcessRaisedException as exc:  # a worker's NuganError: report its message, not a traceback
            last = str(exc).strip().splitlines()[-1]
            if "nugan.errors." in last:
                raise TrainingError(f"in a DDP worker: {last.split(':', 1)[-1].strip()}") from exc
            raise
    else:
        fabric.launch()
        result = _worker(fabric, plan, cfg)
    return result


def launched_rank() -> int:
    """The global rank set by an external launcher (torchrun, SLURM, Fabric's script launcher), else 0."""
    for key in ("RANK", "SLURM_PROCID", "LOCAL_RANK"):
        if os.environ.get(key, "").isdigit():
            return int(os.environ[key])
    return 0


def _check_resume(run: RunDir, stored: dict[str, Any], now: dict[str, Any]) -> None:
    diffs: list[str] = []
    for key in ("model", "overrides", "features", "condition", "seed", "data_fingerprint"):
        if stored.get(key) != now[key]:
            diffs.append(f"{key}: {stored.get(key)!r} then, {now[key]!r} now")
    old_t, new_t = stored.get("training", {}), now["training"]
    for key in sorted(set(old_t) | set(new_t)):
        if key not in RESUMABLE_KEYS and old_t.get(key) != new_t.get(key):
            diffs.append(f"{key}: {old_t.get(key)!r} then, {new_t.get(key)!r} now")
    if diffs:
        raise ConfigError(
            f"cannot resume {run.root}: it was made with different settings ({'; '.join(diffs)}); "
            "resume with the same settings, or train into a new --out"
        )


def _make_fabric(training: dict[str, Any], images: bool = False) -> tuple[Any, str, str]:
    import torch
    from lightning_fabric import Fabric

    accelerator = str(training["accelerator"])
    devices = int(training["devices"])
    num_nodes = int(training["num_nodes"])
    on_gpu = accelerator in ("cuda", "gpu") or (accelerator == "auto" and torch.cuda.is_available())
    precision = str(training["precision"])
    if precision == "auto":
        if on_gpu:
            precision = "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"
        else:  # convolutional (image) models gain 2-3x from bf16 autocast on CPUs with native bf16
            precision = "bf16-mixed" if images and cpu_has_native_bf16() else "32-true"
    if precision == "32":
        precision = "32-true"
    strategy = str(training["strategy"])
    if strategy == "auto":
        if devices * num_nodes == 1:
            strategy = "auto"
        elif (
            any(k in os.environ for k in ("TORCHELASTIC_RUN_ID", "SLURM_NTASKS", "LOCAL_RANK"))
            or num_nodes > 1
        ):
            strategy = "ddp"
        else:
            strategy = "ddp_spawn"
    fabric = Fabric(
        accelerator=accelerator,
        devices=devices,
        num_nodes=num_nodes,
        strategy=strategy,
        precision=precision,  # type: ignore[arg-type]
    )
    return fabric, strategy, precision


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AVX512-BF16 or AMX), where bf16 autocast pays off."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(f in flags.split() for f in ("avx512_bf16", "amx_bf16"))


class _Updater:
    """The ``update(opt_name, loss)`` callback given to ``model.training_step``."""

    def __init__(self, fabric: Any, optimizers: dict[str, Any], grad_clip: float) -> None:
        self.fabric = fabric
        self.optimizers = optimizers
        self.grad_clip = float(grad_clip)
        self.world = int(fabric.world_size)
        self.want_norms = False
        self.norms: dict[str, Any] = {}

    def __call__(self, name: str, loss: Any) -> None:
        import torch

        opt = self.optimizers.get(name)
        if opt is None:
            raise ConfigError(
                f"training_step updated optimiser {name!r}; the model has {sorted(self.optimizers)}"
            )
        opt.zero_grad(set_to_none=True)
        self.fabric.backward(loss)
        grads = [p.grad for g in opt.param_groups for p in g["params"] if p.grad is not None]
        if self.world > 1 and grads:
            _all_reduce_mean(grads, self.world)
        if grads and (self.grad_clip > 0 or self.want_norms):
            self.fabric.strategy.precision.unscale_gradients(opt)
            if self.grad_clip > 0:
                norm = torch.nn.utils.clip_grad_norm_(
                    [p for g in opt.param_groups for p in g["params"] if p.grad is not None], self.grad_clip
                )
            else:
                norm = torch.nn.utils.get_total_norm(grads)
            self.norms[name] = norm.detach()
        self.fabric.strategy.optimizer_step(opt)


def _all_reduce_mean(grads: list[Any], world: int) -> None:
    import torch.distributed as dist
    from torch._utils import _flatten_dense_tensors, _unflatten_dense_tensors

    flat = _flatten_dense_tensors(grads)
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    flat.div_(world)
    for g, synced in zip(grads, _unflatten_dense_tensors(flat, grads)):
        g.copy_(synced)


class _Loop:
    """State of the training loop on one process."""

    def __init__(self, fabric: Any, plan: _Plan, cfg: dict[str, Any]) -> None:
        import torch

        from nugan.training.data import BatchSampler
        from nugan.training.ema import EMA

        self.fabric, self.plan, self.cfg = fabric, plan, cfg
        self.t = plan.training
        self.run = RunDir.at(plan.run_root)
        self.rank, self.world = int(fabric.global_rank), int(fabric.world_size)
        self.device = fabric.device
        a = plan.arrays
        torch.manual_seed(plan.seed)
        self.model = _registry().create_model(
            plan.model_name,
            a.data_shape,
            condition_dim=a.condition_dim,
            n_classes=a.n_classes,
            **plan.overrides,
        )
        self.channels_last = bool(self.t["channels_last"]) and len(a.data_shape) == 3
        self.model.to(self.device)
        if self.channels_last:
            self.model.to(memory_format=torch.channels_last)
        self.optimizers = self.model.configure_optimizers()
        decay = float(self.t["ema_decay"])
        names = tuple(getattr(self.model, "ema_modules", ()))
        self.ema = EMA(self.model, names, decay) if decay > 0 and names else None
        self.start = 0
        if plan.resume:
            self._load(self.run.checkpoint)
        if self.world > 1:
            import torch.distributed as dist

            for tensor in self.model.state_dict().values():
                dist.broadcast(tensor, src=0)
        self.sampler = BatchSampler(len(a.x), int(self.t["batch_size"]), plan.seed, self.rank, self.world)
        self.x = self._to_device_maybe(torch.from_numpy(a.x))
        self.cond = None if a.condition is None else self._to_device_maybe(torch.from_numpy(a.condition))
        self.labels = None if a.labels is None else self._to_device_maybe(torch.from_numpy(a.labels))
        self.updater = _Updater(fabric, self.optimizers, float(self.t["grad_clip"]))
        self.model.train()

    # ------------------------------------------------------------ data
    def _to_device_maybe(self, t: Any) -> Any:
        # Keep the whole training set on the accelerator when it is small (no per-step host copy).
        if self.device.type != "cpu" and t.numel() * t.element_size() < 2**30:
            return t.to(self.device)
        return t

    def batch(self, step: int) -> Any:
        import torch

        from nugan.models.base import Batch

        idx = torch.from_numpy(self.sampler.indices(step))

        def take(t: Any) -> Any:
            if t is None:
                return None
            out = t[idx.to(t.device)]
            return out.to(self.device, non_blocking=True) if out.device != self.device else out

        x = take(self.x)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return Batch(x=x, condition=take(self.cond), labels=take(self.labels))

    # ----------------------------------------------------- checkpoints
    def _load(self, path: Path) -> None:
        from nugan.training.checkpoint import load_checkpoint

        payload = load_checkpoint(path)
        meta = payload["meta"]
        for key in ("model", "features_sha256", "condition_sha256"):
            if meta.get(key) != self.plan.meta[key]:
                raise CheckpointError(
                    f"{path}: checkpoint does not match this run ({key}: {meta.get(key)!r} vs "
                    f"{self.plan.meta[key]!r}); it comes from another model or FeatureSpec"
                )
        try:
            self.model.load_state_dict(payload["model"])
            for name, opt in self.optimizers.items():
                opt.load_state_dict(payload["optimizers"][name])
            if self.ema is not None:
                self.ema.load_state_dict(payload["ema"])
        except (RuntimeError, KeyError, ValueError) as exc:
            raise CheckpointError(
                f"{path}: weights do not fit model {self.plan.model_name!r} ({exc})"
            ) from exc
        self.start = int(payload["step"])

    def save(self, step: int) -> None:
        from nugan.training.checkpoint import save_checkpoint

        if self.rank != 0:
            return
        meta = dict(self.plan.meta, step=step, world_size=self.world, model_config=self.model.config)
        save_checkpoint(
            self.run.checkpoint,
            step=step,
            model=self.model,
            optimizers=self.optimizers,
            ema=None if self.ema is None else self.ema.state_dict(),
            meta=meta,
        )
        self.last_saved = step

    # -------------------------------------------------------- pictures
    def progress_image(self, step: int) -> None:
        import torch

        from nugan.training import plots

        if self.rank != 0:
            return
        a = self.plan.arrays
        n = int(self.t["n_progress"]) if a.images else max(int(self.t["n_progress"]), 2000)
        rows = np.random.default_rng([self.plan.seed, 7]).integers(0, len(a.x), size=n)
        cond = None if a.condition is None else torch.from_numpy(a.condition[rows]).to(self.device)
        labels = None
        if a.labels is not None:
            labels = (torch.arange(n) % max(a.n_classes, 1)).to(self.device)
        gen = torch.Generator(device=self.device).manual_seed(self.plan.seed)
        self.model.eval()
        try:
            if self.ema is not None:
                with self.ema.swapped():
                    sample = self.model.sample(n, condition=cond, labels=labels, generator=gen)
            else:
                sample = self.model.sample(n, condition=cond, labels=labels, generator=gen)
        finally:
            self.model.train()
        sample = sample.detach().float().cpu().numpy()
        path = self.run.progress_png(step)
        path.parent.mkdir(parents=True, exist_ok=True)
        if a.images:
            plots.save_progress_images(a.feature_spec.decode_images(sample), path)
        else:
            gen_cols = a.feature_spec.decode_table(sample)
            ref_cols = a.feature_spec.decode_table(a.x[rows])
            plots.save_progress_table(gen_cols, ref_cols, path, title=f"{self.plan.model_name}, step {step}")

    def finish_pictures(self, rows: list[dict[str, float]]) -> None:
        from nugan.training import plots

        if self.rank != 0:
            return
        plots.save_gif(plots.progress_frames(self.run.root), self.run.gif)
        plots.save_loss_curves(rows, self.run.loss_curves, title=self.plan.model_name)


def _worker(fabric: Any, plan: _Plan, cfg: dict[str, Any]) -> RunResult:
    import torch

    from nugan.training.data import step_seed
    from nugan.training.metrics import MetricsLog

    loop = _Loop(fabric, plan, cfg)
    run, t = loop.run, plan.training
    loop.last_saved = loop.start
    if loop.rank == 0:
        cfg = dict(cfg, world_size=loop.world, precision=plan.precision, strategy=plan.strategy)
        run.write_config(cfg)
    metrics = (
        MetricsLog(run.metrics, keep_until=loop.start if plan.resume else None) if loop.rank == 0 else None
    )
    total = t["steps"]
    deadline = None if t["minutes"] is None else time.monotonic() + 60.0 * float(t["minutes"])
    log_every, sample_every, ckpt_every = (
        int(t["log_every"]),
        int(t["sample_every"]),
        int(t["checkpoint_every"]),
    )
    samples_per_step = loop.sampler.batch_size * loop.world
    step, losses, stopped_by = loop.start, {}, "steps"
    t0 = window_t0 = time.perf_counter()
    extra_s = window_extra = 0.0
    window_steps = 0
    try:
        while total is None or step < total:
            if deadline is not None and _time_up(fabric, deadline, loop.world):
                stopped_by = "minutes"
                break
            torch.manual_seed(step_seed(plan.seed, step, loop.rank))
            batch = loop.batch(step)
            loop.updater.want_norms = (step + 1) % log_every == 0 or step + 1 == total
            with fabric.autocast():
                losses = loop.model.training_step(batch, step, loop.updater)
            bad = {k: v for k, v in losses.items() if not math.isfinite(float(v))}
            if loop.world > 1 and _any_rank(bool(bad), loop.device) and not bad:
                bad = {"(on another process)": math.nan}  # every process stops at the same step
            if bad:
                raise TrainingError(
                    f"loss {', '.join(f'{k}={v}' for k, v in bad.items())} at step {step + 1}: "
                    "training stopped; "
                    f"the last good checkpoint (step {loop.last_saved}) is kept in {run.checkpoint}; "
                    "lower the learning rate (--set lr=...) or set grad_clip (--set grad_clip=1.0)"
                )
            if loop.ema is not None:
                loop.ema.update(step)
            step += 1
            window_steps += 1
            if plan.progress is not None and loop.rank == 0:
                plan.progress(step, total, {k: float(v) for k, v in losses.items()})
            te = time.perf_counter()
            if (step % log_every == 0 or step == total) and metrics is not None:
                now = time.perf_counter()
                _log_row(
                    metrics,
                    step,
                    now - t0,
                    window_steps * samples_per_step,
                    now - window_t0 - window_extra,
                    losses,
                    loop.updater.norms,
                )
                window_t0, window_extra, window_steps = now, 0.0, 0
            loop.updater.norms = {}
            if sample_every and step % sample_every == 0:
                loop.progress_image(step)
            if step % ckpt_every == 0:
                loop.save(step)
            dt = time.perf_counter() - te
            extra_s += dt
            window_extra += dt
    except KeyboardInterrupt:
        if step > loop.last_saved:
            loop.save(step)
        raise
    wall = time.perf_counter() - t0
    if window_steps and metrics is not None:  # the last, partial window of a time-bounded run
        _log_row(
            metrics,
            step,
            wall,
            window_steps * samples_per_step,
            wall - (window_t0 - t0) - window_extra,
            losses,
            {},
        )
    if step > loop.last_saved or not run.checkpoint.exists():
        loop.save(step)
    if step > loop.start:
        loop.progress_image(step)
    rows = metrics.rows if metrics is not None else []
    loop.finish_pictures(rows)
    if loop.world > 1:
        _check_ranks_agree(loop.model, step)
    fabric.barrier()
    done = step - loop.start
    busy = max(wall - extra_s, 1e-9)
    return RunResult(
        run_dir=run.root,
        step=step,
        losses={k: float(v) for k, v in losses.items()},
        samples_per_s=done * samples_per_step / busy if done else 0.0,
        wall_s=wall,
        stopped_by=stopped_by,
        history=list(rows),
    )


def _log_row(
    metrics: Any, step: int, time_s: float, samples: int, busy_s: float, losses: dict, norms: dict
) -> None:
    row = {"step": float(step), "time_s": time_s, "samples_per_s": samples / max(busy_s, 1e-9)}
    row.update({k: float(v) for k, v in losses.items()})
    row.update({f"gradnorm_{k}": float(v) for k, v in norms.items()})
    metrics.log(row)


def _time_up(fabric: Any, deadline: float, world: int) -> bool:
    up = time.monotonic() >= deadline
    if world > 1:
        up = bool(fabric.broadcast(up, src=0))
    return up


def _any_rank(flag: bool, device: Any) -> bool:
    """Whether ``flag`` is true on any process (one tiny all-reduce)."""
    import torch
    import torch.distributed as dist

    t = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item() > 0)


def _check_ranks_agree(model: Any, step: int) -> None:
    """Raise TrainingError if the processes' parameters differ (gradients were not synchronised)."""
    import torch
    import torch.distributed as dist

    sums = torch.stack([p.detach().float().sum() for p in model.parameters()])
    hi, lo = sums.clone(), sums.clone()
    dist.all_reduce(hi, op=dist.ReduceOp.MAX)
    dist.all_reduce(lo, op=dist.ReduceOp.MIN)
    if not torch.equal(hi, lo):
        raise TrainingError(
            f"the processes' weights differ after step {step}: gradients were not synchronised"
        )
