"""``calc check``: judge a student's answer against the model.

Exit status: 0 correct, 1 incorrect, 2 an unusable question or answer (one line on stderr saying why).
"""

from __future__ import annotations

import argparse
import json

from calc.commands import model_parser, output_option, write

SINGLE_FORMATS = ("text", "json", "markdown")


def register(commands: argparse._SubParsersAction) -> None:
    sub = model_parser(commands, "check", "Check a student's answer.")
    sub.add_argument("--layer", metavar="NAME", help="the layer asked about (leave out for the model's totals)")
    sub.add_argument(
        "--quantity",
        metavar="Q",
        help="params, trainable_params, non_trainable_params, output_shape, or total_params (no --layer)",
    )
    sub.add_argument(
        "--answer", metavar="TEXT", required=True, help="the answer as the student wrote it, e.g. '8 × 76'"
    )
    sub.add_argument("--format", choices=SINGLE_FORMATS, default="text")
    output_option(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.errors import CalcError

    if args.quantity is None:
        raise CalcError("--quantity is needed with --answer (e.g. --quantity params)")
    fmt = args.format
    from calc.checker import Question
    from calc.commands import analyze

    analysis = analyze(args)
    try:
        question = Question(analysis, args.quantity, args.layer)
    except CalcError as error:
        raise error.within(source=args.model) from None
    result = question.check(args.answer)
    if result.problem is not None:
        raise CalcError(result.problem, source=f"answer {_short(args.answer)}")
    if fmt == "json":
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "markdown":
        text = result._repr_markdown_()
    else:
        text = result.to_text()
    write(text, args.output)
    return 0 if result.correct else 1


def _short(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")
