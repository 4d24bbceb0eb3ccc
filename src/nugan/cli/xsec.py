"""`nugan xsec`: print total cross sections as CSV (not implemented yet: issue 3)."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb, not_ready


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(subparsers, "xsec", "print total cross sections as CSV")
    parser.set_defaults(func=not_ready("xsec", 3))
    return parser
