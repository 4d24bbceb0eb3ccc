"""`nugan simulate`: simulate neutrino interactions (and optionally the detector) with the physics chain.

Events are made in shards of ``--shard-size``; shard i uses seed S + i and the shards are concatenated
in order, so the output does not depend on ``--workers``.
"""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(
        subparsers,
        "simulate",
        "simulate neutrino interactions with the built-in physics chain",
        description="Simulate neutrino interactions (flux × cross sections → events), write an event file. "
        "Fluxes: mono:E (GeV), numi-offaxis, miniboone, minerva-le, t2k-nd280, or a CSV table. "
        "Targets: free-n, free-p, C12, O16, Ar40, CH, CH2.",
    )
    parser.add_argument("--flux", required=True, help="flux name or CSV table path")
    parser.add_argument("--target", required=True, help="target name")
    parser.add_argument("--n", type=int, required=True, help="number of events")
    parser.add_argument("--seed", type=int, default=0, help="random seed (shard i uses seed+i)")
    parser.add_argument("--out", required=True, help="output HDF5 event file")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="physics parameter (repeatable), e.g. ma_qe_gev=1.2",
    )
    parser.add_argument("--flavour", default="numu", choices=["numu", "nue", "numubar", "nuebar"])
    parser.add_argument(
        "--process",
        action="append",
        default=None,
        metavar="P",
        help="restrict to a process group (ccqe, 2p2h, res, dis, coh, cc, nc); repeatable",
    )
    parser.add_argument("--workers", type=int, default=1, help="parallel worker processes")
    parser.add_argument("--shard-size", type=int, default=20000, help="events per shard")
    parser.add_argument(
        "--detector", default=None, metavar="PRESET", help="also simulate the detector (preset nova or mini)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)
    return parser


def _shard(job: tuple[str, str, int, int, dict[str, Any], str, list[str] | None, str | None]) -> Any:
    """Make one shard (runs in a worker process)."""
    from nugan.physics.generator import generate_events
    from nugan.physics.params import PhysicsParams

    flux, target, n, seed, params, flavour, processes, detector = job
    events = generate_events(flux, target, n, seed, PhysicsParams.from_dict(params), flavour, processes)
    if detector:
        from nugan.physics.detector import simulate_detector

        events = simulate_detector(events, detector, seed=seed)
    return events


def _check_out(out: str) -> None:
    """Fail before simulating when the output path cannot be written as a nugan HDF5 file."""
    from pathlib import Path

    from nugan.errors import ConfigError

    path = Path(out)
    if path.is_dir():
        raise ConfigError(f"--out {out}: is a folder; give a file name, e.g. {path / 'events.h5'}")
    if path.suffix.lower() not in {".h5", ".hdf5", ""}:
        raise ConfigError(
            f"--out {out}: nugan simulate writes nugan HDF5 (.h5); write events.h5 and convert it "
            f"(`nugan convert events.h5 {path.name}`)"
        )


def run(args: argparse.Namespace) -> int:
    import sys

    from tqdm import tqdm

    from nugan.data import EventSet, provenance
    from nugan.errors import ConfigError
    from nugan.physics.flux import get_flux
    from nugan.physics.nucleus import get_target
    from nugan.physics.params import PhysicsParams

    if args.n <= 0:
        raise ConfigError(f"--n must be positive, got {args.n}")
    if args.workers < 1 or args.shard_size < 1:
        raise ConfigError("--workers and --shard-size must be ≥ 1")
    if args.seed < 0:
        raise ConfigError(f"--seed must be ≥ 0, got {args.seed}")
    _check_out(args.out)
    params = PhysicsParams.from_assignments(args.param)
    get_flux(args.flux, args.flavour)  # fail early on a bad flux or target
    get_target(args.target)
    if args.detector:
        try:
            from nugan.physics.detector.config import get_detector_config
        except ImportError as exc:
            raise ConfigError(
                f"--detector {args.detector}: the detector simulation is not available ({exc})"
            ) from None
        get_detector_config(args.detector)  # fail early on an unknown preset
    if args.process:
        from nugan.physics.generator import _modes_for

        _modes_for(args.process)  # fail early on an unknown process name
    sizes = [min(args.shard_size, args.n - start) for start in range(0, args.n, args.shard_size)]
    jobs = [
        (
            args.flux,
            args.target,
            size,
            args.seed + i,
            params.to_dict(),
            args.flavour,
            args.process,
            args.detector,
        )
        for i, size in enumerate(sizes)
    ]
    bar = tqdm(total=args.n, unit="ev", disable=args.no_progress, file=sys.stderr, desc="simulate")
    shards: list[Any] = []
    if args.workers == 1 or len(jobs) == 1:
        for job in jobs:
            shards.append(_shard(job))
            bar.update(job[2])
    else:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(min(args.workers, len(jobs))) as pool:
            for ev in pool.imap(_shard, jobs):
                shards.append(ev)
                bar.update(len(ev))
    bar.close()
    first = shards[0].attrs
    config = dict(first["config"])
    config.update(
        {
            "n": args.n,
            "seed": args.seed,
            "shard_size": args.shard_size,
            "n_shards": len(shards),
            "detector": args.detector,
            "command": "nugan simulate",
        }
    )
    extra = {
        k: v for k, v in first.items() if k in ("xsec_fluxavg_cm2_per_nucleon", "label_names", "detector")
    }
    extra["n_envelope_overflows"] = int(sum(s.attrs.get("n_envelope_overflows", 0) for s in shards))
    extra["shard_seeds"] = [int(j[3]) for j in jobs]
    events = EventSet.concatenate(shards, attrs=provenance(config, args.seed, **extra))
    events.write(args.out)
    sigma = extra["xsec_fluxavg_cm2_per_nucleon"]
    print(f"wrote {len(events)} events to {args.out} (flux-averaged σ = {sigma / 1e-38:.4g}e-38 cm²/nucleon)")
    return 0
