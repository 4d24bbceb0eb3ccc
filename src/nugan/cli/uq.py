"""`nugan uq`: uncertainty quantification (train / evaluate) (not implemented yet: issue 7)."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb, not_ready


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(subparsers, "uq", "uncertainty quantification (train / evaluate)")
    parser.set_defaults(func=not_ready("uq", 7))
    return parser
