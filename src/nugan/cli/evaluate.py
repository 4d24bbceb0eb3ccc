"""`nugan evaluate`: evaluate generated events against a reference (not implemented yet: issue 6)."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb, not_ready


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(subparsers, "evaluate", "evaluate generated events against a reference")
    parser.set_defaults(func=not_ready("evaluate", 6))
    return parser
