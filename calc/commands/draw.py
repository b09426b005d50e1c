"""``calc draw``: figures of a model (architecture, one layer's window, receptive field, parameters)."""

from __future__ import annotations

import argparse
from pathlib import Path

from calc.commands import analyze, model_parser, output_option, write

SUFFIXES = {".svg": "svg", ".tex": "tikz", ".tikz": "tikz", ".png": "png"}


def register(commands: argparse._SubParsersAction) -> None:
    sub = model_parser(commands, "draw", "Draw a figure of the model: SVG, TikZ (LaTeX) or PNG.")
    sub.add_argument(
        "--figure",
        choices=("architecture", "layer", "field", "params"),
        default="architecture",
        help="architecture (default): the network as volumes; layer: one layer's window and filter; "
        "field: receptive-field growth; params: parameters and MACs per layer (needs matplotlib)",
    )
    sub.add_argument("--layer", metavar="NAME", help="the layer of --figure layer (default: the first convolution)")
    sub.add_argument(
        "--format",
        choices=("svg", "tikz", "png"),
        help="svg (default), tikz (a LaTeX document) or png (needs matplotlib); "
        "by default taken from the suffix of -o FILE (.svg, .tex, .png)",
    )
    output_option(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.errors import CalcError
    from calc.figures import render

    fmt = args.format or (SUFFIXES.get(Path(args.output).suffix.lower(), "svg") if args.output else "svg")
    if fmt == "png" and not args.output:
        raise CalcError("a PNG figure needs a file: give -o FILE.png")
    drawn = render(analyze(args), args.figure, fmt, args.layer)
    if isinstance(drawn, bytes):
        try:
            Path(args.output).write_bytes(drawn)
        except OSError as error:
            raise CalcError(f"cannot write the file ({error.strerror})", source=args.output) from None
        return 0
    write(drawn, args.output)
    return 0
