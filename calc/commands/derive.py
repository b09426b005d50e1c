"""``calc derive``: the step-by-step worked solution, with compute quantities on request."""

from __future__ import annotations

import argparse

from calc.commands import compute_options, conventions, model_parser, output_option, write


def register(commands: argparse._SubParsersAction) -> None:
    sub = model_parser(commands, "derive", "Step-by-step worked solution for every layer.")
    sub.add_argument("--format", choices=("markdown", "latex"), default="markdown")
    sub.add_argument(
        "--include",
        metavar="LIST",
        help="also work out, comma-separated: macs, flops, activations, memory (parameter bytes), "
        "rf (receptive field, jump and start)",
    )
    sub.add_argument(
        "--closed-form",
        nargs="?",
        const="",
        metavar="KEEP",
        help="end with the total in closed form: in the spec's symbols (the default when the spec has any), "
        "or in the hyper-parameters listed as for 'calc formula --keep' (filters, kernel_size, ...)",
    )
    compute_options(sub)
    output_option(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.derive import parse_include, render_derivation
    from calc.explore.formula import closed_form
    from calc.explore.keep import parse_keep
    from calc.spec import load

    include = parse_include(args.include)
    model = load(args.model)
    values = dict(args.values)
    analysis = model.analyze(values)
    total = None
    if args.closed_form or (args.closed_form is not None or model.symbols):
        keep = parse_keep([args.closed_form]) if args.closed_form else None
        total = closed_form(model, keep, values={} if keep is None else values).expression
    write(render_derivation(analysis, args.format, include, conventions(args), closed_form=total), args.output)
    return 0
