"""``calc derive``: the step-by-step worked solution."""

from __future__ import annotations

import argparse

from calc.commands import analyze, model_parser, output_option, write


def register(commands: argparse._SubParsersAction) -> None:
    sub = model_parser(commands, "derive", "Step-by-step worked solution for every layer.")
    sub.add_argument("--format", choices=("markdown", "latex"), default="markdown")
    output_option(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.derive import render_derivation

    write(render_derivation(analyze(args), args.format), args.output)
    return 0
