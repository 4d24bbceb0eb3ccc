"""Small helpers shared by the CLI verb modules."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.errors import NuganError


def add_verb(
    subparsers: Any, name: str, help_text: str, description: str | None = None
) -> argparse.ArgumentParser:
    """Add a verb with consistent help formatting."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help_text,
        description=description or help_text,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    return parser


def not_ready(verb: str, issue: int) -> Any:
    """A ``run`` for a verb whose implementation has not landed yet."""

    def run(args: argparse.Namespace) -> int:
        raise NuganError(f"`nugan {verb}` is not implemented in this version yet (tracked in issue {issue})")

    return run
