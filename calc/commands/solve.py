"""``calc solve``: the whole-number values of a hyper-parameter that meet a target."""

from __future__ import annotations

import argparse
import json

from calc.commands import load_model, model_parser, output_option, write


def register(commands: argparse._SubParsersAction) -> None:
    sub = model_parser(commands, "solve", "Which value of a hyper-parameter meets a target (or fits a budget).")
    sub.add_argument("--layer", metavar="NAME", help="the layer whose hyper-parameter to solve for")
    sub.add_argument(
        "--target",
        required=True,
        metavar="Q=N",
        help="output_size=28, params=1000, or a budget such as total_params<=100000 (the largest value that fits)",
    )
    sub.add_argument(
        "--for",
        dest="unknown",
        required=True,
        metavar="NAME",
        help="padding, strides, kernel_size or filters of --layer, or a model symbol such as f",
    )
    sub.add_argument("--range", metavar="START:STOP", help="whole numbers to try, the stop included (e.g. 0:10)")
    sub.add_argument("--format", choices=("text", "json", "markdown", "latex"), default="text")
    output_option(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.explore.solve import parse_target, render_solution, solve, solve_text

    target = parse_target(args.target)
    solution = solve(load_model(args), target, args.unknown, args.layer, args.range, dict(args.values))
    if args.format == "json":
        text = json.dumps(solution.to_dict(), indent=2) + "\n"
    elif args.format == "text":
        text = solve_text(solution)
    else:
        text = render_solution(solution, args.format)
    write(text, args.output)
    return 0
