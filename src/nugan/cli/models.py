"""`nugan models`: list the model zoo (not implemented yet: issue 5)."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb, not_ready


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(subparsers, "models", "list the model zoo")
    parser.set_defaults(func=not_ready("models", 5))
    return parser
