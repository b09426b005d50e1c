"""``calc derive``: the step-by-step worked solution, with compute quantities on request."""

from __future__ import annotations

import argparse

from calc.commands import analyze, compute_options, conventions, model_parser, output_option, write


def register(commands: argparse._SubParsersAction) -> None:
    sub = model_parser(commands, "derive", "Step-by-step worked solution for every layer.")
    sub.add_argument("--format", choices=("markdown", "latex"), default="markdown")
    sub.add_argument(
        "--include",
        metavar="LIST",
        help="also work out, comma-separated: macs, flops, activations, memory (parameter bytes), "
        "rf (receptive field, jump and start)",
    )
    compute_options(sub)
    output_option(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.derive import parse_include, render_derivation

    include = parse_include(args.include)
    write(render_derivation(analyze(args), args.format, include, conventions(args)), args.output)
    return 0
