"""``calc summary``: the Keras-style table of output shapes and parameter counts, and on request the
compute columns (MACs, FLOPs, activations, parameter memory, receptive field)."""

from __future__ import annotations

import argparse
import json

from calc.commands import compute_options, conventions, load_model, model_parser, output_option, write


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
    sub.add_argument(
        "--style",
        choices=("keras", "torchinfo"),
        default="keras",
        help="text layout: Keras's model.summary() (default) or torchinfo's tree of module calls",
    )
    compute_options(sub)
    output_option(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.errors import CalcError
    from calc.summary import Summary, parse_columns

    columns = parse_columns(args.columns)
    model = load_model(args)
    analysis = model.analyze(dict(args.values))
    summary = Summary(analysis, columns, conventions(args))
    if args.style == "torchinfo":
        from calc.render.torchinfo import render_torchinfo

        if args.format != "text":
            raise CalcError("--style torchinfo is a text layout; leave out --format")
        text = render_torchinfo(analysis, model.module_calls)
    elif args.format == "json":
        text = json.dumps(summary.to_dict(), indent=2) + "\n"
    elif args.format == "text":
        text = summary.to_text()
    else:
        from calc.render.templating import render

        text = render("summary", args.format, summary=summary)
    write(text, args.output)
    return 0
