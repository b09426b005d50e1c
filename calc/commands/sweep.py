"""``calc sweep``: quantities on a grid of symbol values, as a table and optionally a plot."""

from __future__ import annotations

import argparse

from calc.commands import keep_option, load_model, model_parser, output_option, write


def register(commands: argparse._SubParsersAction) -> None:
    sub = model_parser(commands, "sweep", "Evaluate quantities on a grid of symbol values (needs numpy).")
    sub.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="NAME=VALUES",
        help="a symbol's values: a list (k=3,5,7) or START:STOP:STEP with the stop included (f=4:64:4); "
        "repeat for a grid",
    )
    sub.add_argument(
        "--quantity",
        action="append",
        default=[],
        metavar="Q",
        help="what to compute (repeatable; default total_params): params, output_size, ...; LAYER.Q for a layer's",
    )
    keep_option(sub)
    sub.add_argument("--format", choices=("csv", "markdown", "json"), default="csv")
    output_option(sub)
    sub.add_argument("--plot", metavar="FILE", help="also draw the sweep into FILE (.png or .svg; needs matplotlib)")
    sub.add_argument("--logx", action="store_true", help="logarithmic x axis in the plot")
    sub.add_argument("--logy", action="store_true", help="logarithmic y axis in the plot")
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.explore.keep import parse_keep
    from calc.explore.sweep import check_grid, parse_vary, require_numpy, sweep

    varied = [parse_vary(text) for text in args.vary]
    check_grid(varied)  # refuse a huge grid before loading anything
    if args.plot:
        from calc.explore.plot import check_plot_path

        check_plot_path(args.plot)
    require_numpy()
    from calc.explore.tables import WRITERS

    result = sweep(
        load_model(args), varied, args.quantity or ["total_params"], dict(args.values), parse_keep(args.keep)
    )
    if args.plot:
        from calc.explore.plot import plot

        plot(result, args.plot, logx=args.logx, logy=args.logy)
    write(WRITERS[args.format](result), args.output)
    return 0
