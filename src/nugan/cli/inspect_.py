"""`nugan inspect FILE`: counts, columns with ranges, image shapes and provenance.

A nugan HDF5 file is summarised without reading it whole; any other readable
format (Parquet, ROOT, CSV, npy/npz, CaloChallenge, an image folder) is read
with :func:`nugan.data.readers.read_any` and summarised the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from nugan.cli._common import add_verb


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(
        subparsers,
        "inspect",
        "summarise an event file: counts, columns with ranges, images, provenance",
    )
    parser.add_argument("file", help="nugan HDF5 event file (or any format `nugan convert` reads)")
    parser.add_argument("--from", dest="fmt_in", metavar="FMT", help="input format (default: from suffix)")
    parser.add_argument("--tree", help="ROOT: the tree to read")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(func=run)
    return parser


def summarise(path: str, fmt: str | None = None, tree: str | None = None) -> dict[str, Any]:
    """The summary dict of :func:`nugan.data.describe` for a file of any readable format."""
    from nugan.data.hdf5 import describe, describe_events
    from nugan.data.readers import READ_FORMATS, detect_format, normalise_format, read_any

    fmt = normalise_format(fmt, READ_FORMATS) if fmt else detect_format(path)
    if fmt == "nugan":
        return describe(path)
    info = describe_events(read_any(path, format=fmt, tree=tree if fmt == "root" else None))
    info["attrs"]["format"] = f"{fmt} file"
    return info


def run(args: argparse.Namespace) -> int:
    info = summarise(args.file, args.fmt_in, args.tree)
    if args.json:
        text = json.dumps(info, indent=2, default=str)
    else:
        text = "\n".join(format_summary(args.file, info))
    try:
        print(text, flush=True)
    except BrokenPipeError:  # e.g. `nugan inspect f.h5 | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 0


def format_summary(path: str, info: dict[str, Any]) -> list[str]:
    """The human-readable lines of ``nugan inspect``."""
    attrs = dict(info["attrs"])
    lines = [f"{path}: {info['n_events']} events"]
    config = attrs.get("config")
    if isinstance(config, dict) and "reader" in config and attrs.get("format") != "nugan-events":
        # a foreign file read just now: its provenance attrs describe this read, not how it was made
        for key in ("schema_version", "nugan_version", "created", "seed"):
            attrs.pop(key, None)
        lines.append(f"  format {attrs.pop('format', '?')} (foreign file: no nugan provenance)")
    else:
        lines.append(
            f"  format {attrs.pop('format', '?')}, schema v{attrs.pop('schema_version', '?')}, "
            f"written by nugan {attrs.pop('nugan_version', '?')} at {attrs.pop('created', '?')}"
        )
        lines.append(f"  seed {attrs.pop('seed', '?')}")
    if info["columns"]:
        lines.append("  columns:")
        width = max(len(c) for c in info["columns"])
        for name, col in info["columns"].items():
            text = f"    {name:<{width}}  {col['dtype']:<8}"
            if "min" in col:
                text += f" min {col['min']:<12.6g} max {col['max']:<12.6g} mean {col['mean']:.6g}"
            if col.get("nonfinite"):
                text += f"  ({col['nonfinite']} NaN/inf)"
            lines.append(text)
    if "n_particles" in info:
        lines.append(f"  particles: {info['n_particles']} in total")
    if "pixelmaps_shape" in info:
        text = f"  pixelmaps: {tuple(info['pixelmaps_shape'])}"
        if "pixelmaps_nonzero" in info and info["n_events"]:
            text += f", {info['pixelmaps_nonzero'] / info['n_events']:.1f} non-zero cells per event"
        if "pixelmaps_storage" in info:
            text += f" (stored {info['pixelmaps_storage']})"
        lines.append(text)
    if "label_names" in info:
        counts = info.get("label_counts", [])
        names = info["label_names"]
        pairs = ", ".join(f"{n}: {counts[i] if i < len(counts) else 0}" for i, n in enumerate(names))
        lines.append(f"  labels: {pairs}")
    config = attrs.pop("config", None)
    attrs.pop("n_events", None)
    for key, value in attrs.items():
        lines.append(f"  {key}: {value}")
    if config:
        lines.append("  config: " + json.dumps(config, sort_keys=True))
    return lines
