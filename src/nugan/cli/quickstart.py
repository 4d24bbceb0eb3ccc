"""`nugan quickstart`: run the end-to-end quick start (simulate, train, generate, evaluate) (not implemented yet: issue 6)."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb, not_ready


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(subparsers, "quickstart", "run the end-to-end quick start (simulate, train, generate, evaluate)")
    parser.set_defaults(func=not_ready("quickstart", 6))
    return parser
