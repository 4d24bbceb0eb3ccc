"""`nugan xsec`: print total cross sections per nucleon as CSV."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(
        subparsers,
        "xsec",
        "print total cross sections per nucleon as CSV",
        description="Print `enu_gev,xsec_1e38_cm2_per_nucleon` lines for a process: ccqe, 2p2h, res, dis, "
        "coh (CC), cc (all CC), nc (all NC), total.",
    )
    parser.add_argument("--process", required=True, help="ccqe, 2p2h, res, dis, coh, cc, nc or total")
    parser.add_argument("--target", required=True, help="free-n, free-p, C12, O16, Ar40, CH, CH2")
    parser.add_argument("--enu", required=True, help="comma-separated neutrino energies in GeV")
    parser.add_argument("--flavour", default="numu", choices=["numu", "nue", "numubar", "nuebar"])
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="physics parameter (repeatable)"
    )
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from nugan.errors import ConfigError
    from nugan.physics.flux import flavour_pdg
    from nugan.physics.params import PhysicsParams
    from nugan.physics.xsec import total_xsec_cm2

    try:
        energies = np.array([float(v) for v in args.enu.split(",") if v.strip()])
    except ValueError:
        raise ConfigError(f"--enu expects comma-separated numbers in GeV, got {args.enu!r}") from None
    if energies.size == 0 or not np.all(np.isfinite(energies) & (energies > 0)):
        raise ConfigError(f"--enu needs positive finite energies, got {args.enu!r}")
    params = PhysicsParams.from_assignments(args.param)
    sigma = total_xsec_cm2(args.process, args.target, energies, flavour_pdg(args.flavour), params)
    print("enu_gev,xsec_1e38_cm2_per_nucleon")
    for e, s in zip(energies, sigma, strict=True):
        print(f"{e:g},{s / 1e-38:.6g}")
    return 0
