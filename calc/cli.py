"""The ``calc`` command line.

Exit status: 0 success, 1 "no" (reserved for answers judged incorrect), 2 unusable input, with one
line on stderr naming the file, the layer and the problem; 3 an internal error, also in one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from calc.errors import CalcError

EXIT_OK, EXIT_NO, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit 2 like every other bad input."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: {message} (see '{self.prog} --help')\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _set_option(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value.strip()


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="calc", description="Symbolic derivation of neural-network layer arithmetic.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def model_command(name: str, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument("model", metavar="MODEL", help="a spec file (YAML, JSON, TOML) or a zoo name such as lenet5")
        sub.add_argument(
            "--set",
            dest="values",
            action="append",
            type=_set_option,
            default=[],
            metavar="NAME=VALUE",
            help="give a symbol a value (repeatable), e.g. --set k=5",
        )
        return sub

    summary = model_command("summary", "Keras-style table of output shapes and parameter counts.")
    summary.add_argument("--format", choices=("text", "markdown", "latex", "json"), default="text")
    summary.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    derive = model_command("derive", "Step-by-step worked solution for every layer.")
    derive.add_argument("--format", choices=("markdown", "latex"), default="markdown")
    derive.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    commands.add_parser("zoo", help="List the built-in models with their parameter counts.")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except CalcError as error:
        sys.stderr.write(f"calc: {error}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug, not a user's mistake: still one line, never a traceback
        sys.stderr.write(f"calc: internal error ({type(error).__name__}: {error}); please report it\n")
        return EXIT_INTERNAL


def _run(args: argparse.Namespace) -> int:
    from calc.spec import load

    if args.command == "zoo":
        return _zoo()
    model = load(args.model)
    analysis = model.analyze(dict(args.values))
    if args.command == "summary":
        text = _summary(analysis, args.format)
    else:
        from calc.derive import render_derivation

        text = render_derivation(analysis, args.format)
    _write(text, args.output)
    return EXIT_OK


def _summary(analysis, fmt: str) -> str:  # noqa: ANN001 - an Analysis
    from calc.summary import Summary

    summary = Summary(analysis)
    if fmt == "json":
        return json.dumps(summary.to_dict(), indent=2) + "\n"
    if fmt == "text":
        return summary.to_text()
    from calc.render.templating import render

    return render(f"{fmt}/summary", summary=summary)


def _zoo() -> int:
    from calc.render.math import plain
    from calc.spec import load
    from calc.zoo import zoo_names

    names = zoo_names()
    width = max(len(n) for n in names)
    for name in names:
        sys.stdout.write(f"{name.ljust(width)}  {plain(load(name).analyze().total_params):>15}\n")
    return EXIT_OK


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise CalcError(f"cannot write the file ({error.strerror})", source=output) from None


if __name__ == "__main__":
    raise SystemExit(main())
