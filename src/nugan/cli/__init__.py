"""The ``nugan`` command line: a thin shell over the library.

Each verb lives in its own module ``nugan.cli.<verb>`` that defines

* ``register(subparsers) -> argparse.ArgumentParser`` (adds the verb and its flags), and
* ``run(args) -> int`` (does the work by calling library functions).

Verb modules import heavy dependencies (torch, matplotlib, ...) inside ``run``
so that ``nugan --help`` stays fast. User errors (:class:`nugan.errors.NuganError`)
are printed as one ``error:`` line without a traceback, exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from nugan import __version__
from nugan.errors import NuganError

# verb -> module under nugan.cli (order = order in --help)
VERBS: dict[str, str] = {
    "quickstart": "quickstart",
    "simulate": "simulate",
    "xsec": "xsec",
    "show": "show",
    "inspect": "inspect_",
    "convert": "convert",
    "train": "train",
    "generate": "generate",
    "models": "models",
    "evaluate": "evaluate",
    "uq": "uq",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nugan",
        description="ν-GAN: simulate neutrino interactions with a physics chain and with neural networks.",
    )
    parser.add_argument("--version", action="version", version=f"nugan {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for module_name in VERBS.values():
        module = importlib.import_module(f"nugan.cli.{module_name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nugan`` command. Returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verb is None:
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except NuganError as exc:
        print(f"nugan {args.verb}: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"nugan {args.verb}: error: {exc.filename or exc}: no such file or folder", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"nugan {args.verb}: interrupted", file=sys.stderr)
        return 130


def entry() -> None:  # pragma: no cover - console script wrapper
    sys.exit(main())
