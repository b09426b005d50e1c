"""``calc zoo``: the built-in models with their parameter counts."""

from __future__ import annotations

import argparse
import sys


def register(commands: argparse._SubParsersAction) -> None:
    sub = commands.add_parser("zoo", help="List the built-in models with their parameter counts.")
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.render.math import plain
    from calc.spec import load
    from calc.zoo import zoo_names

    names = zoo_names()
    width = max(len(n) for n in names)
    for name in names:
        sys.stdout.write(f"{name.ljust(width)}  {plain(load(name).analyze().total_params):>15}\n")
    return 0
