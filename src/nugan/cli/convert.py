"""`nugan convert`: convert between event formats (not implemented yet: issue 2)."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb, not_ready


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(subparsers, "convert", "convert between event formats")
    parser.set_defaults(func=not_ready("convert", 2))
    return parser
