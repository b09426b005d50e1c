"""``calc summary``: the Keras-style table of output shapes and parameter counts, and on request the
compute columns (MACs, FLOPs, activations, parameter memory, receptive field)."""

from __future__ import annotations

import argparse
import json

from calc.commands import analyze, compute_options, conventions, model_parser, output_option, write


def register(commands: argparse._SubParsersAction) -> None:
    sub = model_parser(commands, "summary", "Keras-style table of output shapes and parameter counts.")
    sub.add_argument("--format", choices=("text", "markdown", "latex", "json"), default="text")
    sub.add_argument(
        "--columns",
        default="params",
        metavar="LIST",
        help="columns besides the output shape, comma-separated: params (default), macs, flops, activations, "
        "memory (parameter bytes), rf (receptive field and jump)",
    )
    compute_options(sub)
    output_option(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.summary import Summary, parse_columns

    columns = parse_columns(args.columns)
    summary = Summary(analyze(args), columns, conventions(args))
    if args.format == "json":
        text = json.dumps(summary.to_dict(), indent=2) + "\n"
    elif args.format == "text":
        text = summary.to_text()
    else:
        from calc.render.templating import render

        text = render("summary", args.format, summary=summary)
    write(text, args.output)
    return 0
