"""`nugan models`: list the model zoo with each architecture's paper, year and value function."""

from __future__ import annotations

import argparse
import json
from typing import Any

from nugan.cli._common import add_verb


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(subparsers, "models", "list the model zoo (paper, year, value function)")
    parser.add_argument("--json", action="store_true", help="print the list as JSON")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from nugan.models.registry import describe_models

    rows = describe_models()
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return 0
    width = max((len(r["name"]) for r in rows), default=4)
    for r in rows:
        kind = "+".join(r.get("accepts", []))
        extra = []
        if r.get("conditional"):
            extra.append("conditional")
        if r.get("uses_labels"):
            extra.append("labels")
        if r.get("preset_of"):
            extra.append(f"preset of {r['preset_of']}")
        tags = f" [{', '.join(extra)}]" if extra else ""
        year = "" if str(r["year"]) in r["paper"] else f" ({r['year']})"
        print(f"{r['name']:<{width}}  {r['paper']}{year}; data: {kind}{tags}")
        print(f"{'':<{width}}  value function: {r['value_function']}")
        if r.get("description"):
            print(f"{'':<{width}}  {r['description']}")
    return 0
