"""The ``calc`` command line.

Exit status: 0 success, 1 "no" (an answer judged incorrect), 2 unusable input, with one line on
stderr naming the file, the layer and the problem; 3 an internal error, also in one line.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import sys
from collections.abc import Iterator, Sequence
from typing import NoReturn

from calc import __version__
from calc.errors import CalcError

EXIT_OK, EXIT_NO, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

#: Subcommand modules under calc.commands, in the order ``calc --help`` lists them.
COMMANDS = [
    "summary",
    "derive",
    "check",
    "formula",
    "sweep",
    "scaling",
    "solve",
    "handout",
    "grade",
    "export",
    "draw",
    "zoo",
]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit 2 like every other bad input."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: {message} (see '{self.prog} --help')\n")
        raise SystemExit(EXIT_BAD_INPUT)


def parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The argument parser; when ``argv`` starts with a command's name, that command's alone: importing and
    describing all of them is a good part of a short command's start-up (``calc --help`` still lists all)."""
    top = _Parser(prog="calc", description="Symbolic derivation of neural-network layer arithmetic.")
    top.add_argument("--version", action="version", version=f"calc {__version__}")
    commands = top.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in argv[:1] if argv[:1] and argv[0] in COMMANDS else COMMANDS:
        importlib.import_module(f"calc.commands.{name}").register(commands)
    return top


#: The cyclic garbage collector's thresholds while a command runs (CPython's default is 700, 10, 10). A command
#: builds its objects (expressions, steps, layer records) once and keeps them until it exits, and they hardly ever
#: form cycles; at the default pace the collector scanned them again and again, a third of the CPU time of a
#: 10,000-layer summary. Young cycles are still collected, every 10,000 allocations; the older generations rarely.
COLLECTOR_THRESHOLDS = (10_000, 100, 100)


@contextlib.contextmanager
def _collector_paced_for_a_command() -> Iterator[None]:
    """``COLLECTOR_THRESHOLDS`` while the block runs, the caller's thresholds after (tests call ``main`` in-process)."""
    before = gc.get_threshold()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


#: Options whose value is a student's free text, which may start with '-' ('-k + 608').
_TEXT_OPTIONS = ("--answer",)


def _attach_text_values(argv: Sequence[str]) -> list[str]:
    """``--answer -k`` as ``--answer=-k``: argparse takes a value that starts with '-' (and is not a plain
    negative number) for an option of its own, and would refuse the answer."""
    out: list[str] = []
    items = iter(argv)
    for item in items:
        value = next(items, None) if item in _TEXT_OPTIONS else None
        if value is not None and value.startswith("-") and not value.startswith("--"):
            out.append(f"{item}={value}")
        else:
            out.extend([item] if value is None else [item, value])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    words = _attach_text_values(sys.argv[1:] if argv is None else argv)
    args = parser(words).parse_args(words)
    try:
        with _collector_paced_for_a_command():
            return args.handler(args)
    except CalcError as error:
        sys.stderr.write(f"calc: {error}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug, not a user's mistake: still one line, never a traceback
        sys.stderr.write(f"calc: internal error ({type(error).__name__}: {error}); please report it\n")
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
