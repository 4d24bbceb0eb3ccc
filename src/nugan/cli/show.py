"""`nugan show FILE --event I [--out PNG]`: draw one event's two views as an event display."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from nugan.cli._common import add_verb


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = add_verb(
        subparsers,
        "show",
        "draw an event display: the two detector views of one event, cells coloured by energy",
    )
    parser.add_argument("file", help="nugan event file with pixel maps (`nugan simulate --detector ...`)")
    parser.add_argument("--event", type=int, default=0, help="index of the event to draw")
    parser.add_argument("--out", default=None, help="PNG to write (default: <file stem>_event<I>.png here)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from nugan.data.hdf5 import count_events, read_events
    from nugan.errors import ConfigError, SchemaError
    from nugan.physics.detector.display import draw_event, truth_summary

    if args.out is not None:
        target = Path(args.out)
        if target.is_dir():
            raise ConfigError(f"--out {args.out}: is a folder; give a PNG file name, e.g. {target / 'a.png'}")
        if target.suffix.lower() != ".png":
            raise ConfigError(f"--out {args.out}: the event display is written as PNG; name the file *.png")
    n = count_events(args.file)
    if not 0 <= args.event < n:
        raise SchemaError(f"{args.file}: has {n} events; --event must be in 0..{n - 1}, got {args.event}")
    events = read_events(args.file, start=args.event, stop=args.event + 1, particles=False)
    if events.pixelmaps is None:
        raise SchemaError(
            f"{args.file}: holds no pixel maps to draw; run the detector simulation first "
            "(`nugan simulate ... --detector mini`)"
        )
    if events.pixelmaps.shape[1] != 2:
        raise SchemaError(
            f"{args.file}: pixel maps have {events.pixelmaps.shape[1]} views; the display needs 2 (XZ, YZ)"
        )
    out = Path(args.out) if args.out else Path(f"{Path(args.file).stem}_event{args.event}.png")
    title = truth_summary(events, 0).replace("event 0", f"event {args.event}", 1)
    draw_event(events.pixelmaps[0], title, out, events.attrs.get("detector"))
    print(f"wrote {out}")
    return 0
