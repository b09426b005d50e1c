"""``calc scaling``: how each layer's parameters (or MACs, FLOPs, activations) and the total scale with one
symbol."""

from __future__ import annotations

import argparse
import json

from calc.commands import keep_option, load_model, model_parser, output_option, write


def register(commands: argparse._SubParsersAction) -> None:
    sub = model_parser(commands, "scaling", "Degree, elasticity and the effect of doubling one symbol.")
    sub.add_argument("--in", dest="symbol", required=True, metavar="NAME", help="the symbol to scale, e.g. k")
    sub.add_argument(
        "--quantity",
        default="params",
        choices=("params", "macs", "flops", "activation_elements"),
        help="what to scale, per layer and in total: params (default), macs, flops or activation_elements",
    )
    keep_option(sub)
    sub.add_argument("--format", choices=("text", "markdown", "latex", "json"), default="text")
    output_option(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.explore.keep import parse_keep
    from calc.explore.scaling import render_scaling, scaling, scaling_text

    result = scaling(load_model(args), args.symbol, dict(args.values), parse_keep(args.keep), args.quantity)
    if args.format == "json":
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "text":
        text = scaling_text(result)
    else:
        text = render_scaling(result, args.format)
    write(text, args.output)
    return 0
