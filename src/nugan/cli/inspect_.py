"""`nugan inspect FILE`: counts, columns with ranges, image shapes and provenance."""

from __future__ import annotations

import argparse
import json
from typing import Any

from nugan.cli._common import add_verb


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(
        subparsers,
        "inspect",
        "summarise a nugan event file: counts, columns with ranges, images, provenance",
    )
    parser.add_argument("file", help="nugan HDF5 event file")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from nugan.data.hdf5 import describe

    info = describe(args.file)
    if args.json:
        print(json.dumps(info, indent=2, default=str))
        return 0
    attrs = dict(info["attrs"])
    print(f"{args.file}: {info['n_events']} events")
    print(f"  format {attrs.pop('format', '?')}, schema v{attrs.pop('schema_version', '?')}, "
          f"written by nugan {attrs.pop('nugan_version', '?')} at {attrs.pop('created', '?')}")
    print(f"  seed {attrs.pop('seed', '?')}")
    if info["columns"]:
        print("  columns:")
        width = max(len(c) for c in info["columns"])
        for name, col in info["columns"].items():
            if "min" in col:
                print(f"    {name:<{width}}  {col['dtype']:<8} min {col['min']:<12.6g} "
                      f"max {col['max']:<12.6g} mean {col['mean']:.6g}")
            else:
                print(f"    {name:<{width}}  {col['dtype']}")
    if "n_particles" in info:
        print(f"  particles: {info['n_particles']} in total")
    if "pixelmaps_shape" in info:
        print(f"  pixelmaps: {info['pixelmaps_shape']}")
    if "label_names" in info:
        counts = info.get("label_counts", [])
        pairs = ", ".join(f"{n}: {counts[i] if i < len(counts) else 0}" for i, n in enumerate(info["label_names"]))
        print(f"  labels: {pairs}")
    config = attrs.pop("config", None)
    attrs.pop("n_events", None)
    for key, value in attrs.items():
        print(f"  {key}: {value}")
    if config:
        print("  config: " + json.dumps(config, sort_keys=True))
    return 0
