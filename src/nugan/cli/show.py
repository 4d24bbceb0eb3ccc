"""`nugan show`: draw an event display (not implemented yet: issue 4)."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb, not_ready


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(subparsers, "show", "draw an event display")
    parser.set_defaults(func=not_ready("show", 4))
    return parser
