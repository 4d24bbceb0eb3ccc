"""`nugan convert IN OUT`: read any supported format, write any writable one."""

from __future__ import annotations

import argparse
from typing import Any

from nugan.cli._common import add_verb

_EPILOG = """\
formats: nugan (.h5), calochallenge (.h5/.hdf5, read only), parquet, root, csv, numpy (.npy/.npz),
images (a folder laid out like ImageFolder, read only).

examples:
  nugan convert events.h5 events.parquet
  nugan convert events.h5 events.root --tree events
  nugan convert ntuple.root events.h5 --tree nt --branches enu,q2,part_pdg,part_px,part_py,part_pz,part_e
  nugan convert photos/ images.h5 --image-size 64
  nugan convert dataset_2_1.hdf5 calo.h5 --from calochallenge --shape 45,16,9
  nugan convert events.h5 table.csv --drop-parts
"""


def _csv_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _shape(text: str) -> list[int]:
    try:
        return [int(t) for t in _csv_list(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 45,16,9, got {text!r}") from None


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(subparsers, "convert", "convert event data between formats (any reader → any writer)")
    parser.epilog = _EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("input", help="input file or image folder")
    parser.add_argument("output", help="output file (format from its suffix unless --to)")
    parser.add_argument("--from", dest="fmt_in", metavar="FMT", help="input format (default: from suffix)")
    parser.add_argument("--to", dest="fmt_out", metavar="FMT", help="output format (default: from suffix)")
    parser.add_argument("--tree", help="ROOT: the tree to read or write (default: the only one / 'events')")
    parser.add_argument("--branches", type=_csv_list, help="ROOT: comma-separated branches to read")
    parser.add_argument("--columns", type=_csv_list, help="comma-separated columns to read (nugan, parquet, "
                        "csv, numpy)")
    parser.add_argument("--label-column", help="parquet/csv: a column to turn into class labels")
    parser.add_argument("--image-size", type=int, help="images: resize + center-crop to N×N")
    parser.add_argument("--channels", type=int, choices=(1, 3), help="images: 1 (grey) or 3 (RGB)")
    parser.add_argument("--shape", type=_shape, help="calochallenge: voxel geometry C,H,W")
    parser.add_argument("--drop-parts", action="store_true",
                        help="csv/npz output: drop the particles / pixel maps those formats cannot hold")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from nugan.data.readers import detect_format, normalise_format, output_format, read_any, write_any

    fmt_in = normalise_format(args.fmt_in, _read_formats()) if args.fmt_in else detect_format(args.input)
    fmt_out = normalise_format(args.fmt_out, _write_formats()) if args.fmt_out else output_format(args.output)
    read_opts: dict[str, Any] = {
        "tree": args.tree if fmt_in == "root" else None,
        "branches": args.branches,
        "columns": args.columns,
        "label_column": args.label_column,
        "image_size": args.image_size,
        "channels": args.channels,
        "shape": args.shape,
    }
    provenance = {"converted_from": {"path": str(args.input), "format": fmt_in}}
    others = {k: v for k, v in read_opts.items() if k != "columns" and v is not None}
    if fmt_in == "nugan" and fmt_out == "nugan" and not others:
        return _stream_nugan(args, provenance)
    events = read_any(args.input, format=fmt_in, **read_opts)
    from nugan.data._checks import finite_events

    finite_events(events, args.input)
    events = events.with_parts(attrs=events.attrs | provenance)
    write_opts: dict[str, Any] = {
        "tree": args.tree if fmt_out == "root" else None,
        "drop_parts": True if args.drop_parts and fmt_out in ("csv", "numpy") else None,
    }
    write_any(events, args.output, format=fmt_out, **write_opts)
    parts = [f"{len(events)} events", f"{len(events.columns)} columns"]
    if events.particles is not None:
        parts.append("particles")
    if events.pixelmaps is not None:
        parts.append(f"pixelmaps {events.image_shape}")
    if events.labels is not None:
        parts.append(f"labels {events.label_names}")
    print(f"{args.input} ({fmt_in}) -> {args.output} ({fmt_out}): {', '.join(parts)}")
    return 0


def _stream_nugan(args: argparse.Namespace, provenance: dict[str, Any]) -> int:
    """nugan HDF5 → nugan HDF5 chunk by chunk (files larger than memory; re-compresses,
    upgrades schema v1 files to sparse pixel maps)."""
    from nugan.data import iter_events, read_attrs
    from nugan.data._checks import finite_events
    from nugan.data.writer import EventWriter

    attrs = read_attrs(args.input) | provenance
    with EventWriter(args.output, attrs=attrs) as writer:
        for chunk in iter_events(args.input, chunk_size=50_000, columns=args.columns):
            writer.append(finite_events(chunk, args.input))
    print(f"{args.input} (nugan) -> {args.output} (nugan): {writer.n_events} events")
    return 0


def _read_formats() -> tuple[str, ...]:
    from nugan.data.readers import READ_FORMATS

    return READ_FORMATS


def _write_formats() -> tuple[str, ...]:
    from nugan.data.readers import WRITE_FORMATS

    return WRITE_FORMATS
