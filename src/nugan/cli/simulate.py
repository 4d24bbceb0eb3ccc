"""`nugan simulate`: simulate events with the built-in physics chain (not implemented yet: issue 3)."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb, not_ready


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(subparsers, "simulate", "simulate events with the built-in physics chain")
    parser.set_defaults(func=not_ready("simulate", 3))
    return parser
