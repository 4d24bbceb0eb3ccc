"""`nugan train`: train a generative model (not implemented yet: issue 5)."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb, not_ready


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(subparsers, "train", "train a generative model")
    parser.set_defaults(func=not_ready("train", 5))
    return parser
