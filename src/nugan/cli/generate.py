"""`nugan generate`: generate events from a trained run (not implemented yet: issue 5)."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb, not_ready


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(subparsers, "generate", "generate events from a trained run")
    parser.set_defaults(func=not_ready("generate", 5))
    return parser
