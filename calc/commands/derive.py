"""``calc derive``: the step-by-step worked solution, with compute quantities on request; ``--format html``
writes the interactive page (sliders, live numbers, answer boxes with ``--practice``)."""

from __future__ import annotations

import argparse

from calc.commands import analyze, compute_options, conventions, model_parser, output_option, write


def register(commands: argparse._SubParsersAction) -> None:
    sub = model_parser(commands, "derive", "Step-by-step worked solution for every layer.")
    sub.add_argument("--format", choices=("markdown", "latex", "html"), default="markdown")
    sub.add_argument(
        "--include",
        metavar="LIST",
        help="also work out, comma-separated: macs, flops, activations, memory (parameter bytes), "
        "rf (receptive field, jump and start)",
    )
    sub.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="NAME=VALUES",
        help="html: a slider per symbol, e.g. k=1:7,f=4:64:4 (START:STOP:STEP, stop included) or k=3,5,7; "
        "default: the spec's vary: section, else the handouts' candidates",
    )
    sub.add_argument("--practice", action="store_true", help="html: answer boxes instead of the answers")
    compute_options(sub)
    output_option(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.derive import parse_include, render_derivation
    from calc.errors import CalcError

    if args.format != "html" and (args.vary or args.practice):
        raise CalcError("--vary and --practice belong to the interactive page: add --format html")
    if args.format == "html":
        write(_page(args), args.output)
        return 0
    include = parse_include(args.include)
    write(render_derivation(analyze(args), args.format, include, conventions(args)), args.output)
    return 0


def _page(args: argparse.Namespace) -> str:
    from calc.errors import CalcError
    from calc.interactive import build_page, choose_controls, parse_vary_options, render_page, spec_vary
    from calc.spec import load

    if args.include:
        raise CalcError("--include is not shown on the interactive page yet; use --format markdown or latex")
    model = load(args.model)
    values = dict(args.values)
    try:
        given = parse_vary_options(args.vary)
        controls = choose_controls(model, given, None if given else spec_vary(args.model, model), values)
        return render_page(build_page(model, controls, values, practice=args.practice))
    except CalcError as error:
        raise error.within(source=model.source) from None
