"""``calc formula``: a quantity in closed form, with chosen symbols kept free."""

from __future__ import annotations

import argparse
import json

from calc.commands import keep_option, load_model, model_parser, output_option, write


def register(commands: argparse._SubParsersAction) -> None:
    sub = model_parser(commands, "formula", "Closed form of a quantity in the symbols kept free.")
    keep_option(sub)
    sub.add_argument("--layer", metavar="NAME", help="a layer's quantity instead of the whole model's")
    sub.add_argument(
        "--quantity",
        metavar="Q",
        help="total_params (the default), params (the default with --layer), trainable_params, "
        "non_trainable_params, output_shape, output_size, output_height, ...; LAYER.Q names a layer's",
    )
    sub.add_argument("--format", choices=("text", "markdown", "latex", "json"), default="text")
    output_option(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.explore.formula import closed_form, render_formula
    from calc.explore.keep import parse_keep

    wanted = args.quantity or ("params" if args.layer else "total_params")
    formula = closed_form(load_model(args), parse_keep(args.keep), wanted, args.layer, dict(args.values))
    if args.format == "json":
        text = json.dumps(formula.to_dict(), indent=2) + "\n"
    elif args.format == "text":
        text = f"{formula.quantity.name} = {formula.text}\n"
    else:
        text = render_formula(formula, args.format)
    write(text, args.output)
    return 0
