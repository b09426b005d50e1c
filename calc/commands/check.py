"""``calc check``: judge a student's answer (or a class's CSV of answers) against the model.

Exit status for one answer: 0 correct, 1 incorrect, 2 an unusable question or answer (one line on
stderr saying why). Grading a CSV exits 0 once the report is written, whatever the grades; its bad
rows are listed in the report, never fatal.
"""

from __future__ import annotations

import argparse
import json

from calc.commands import model_parser, output_option, write

SINGLE_FORMATS = ("text", "json", "markdown")
BATCH_FORMATS = ("markdown", "csv", "json")


def register(commands: argparse._SubParsersAction) -> None:
    sub = model_parser(commands, "check", "Check a student's answer, or grade a class's CSV of answers.")
    sub.add_argument("--layer", metavar="NAME", help="the layer asked about (leave out for the model's totals)")
    sub.add_argument(
        "--quantity",
        metavar="Q",
        help="params, trainable_params, non_trainable_params, total_params (the model's: no --layer), output_shape, "
        "output_size, output_height, output_width, output_channels, ...; LAYER.Q names a layer's",
    )
    given = sub.add_mutually_exclusive_group(required=True)
    given.add_argument("--answer", metavar="TEXT", help="the answer as the student wrote it, e.g. '8 × 76'")
    given.add_argument(
        "--answers",
        metavar="FILE.csv",
        help="grade a class: a CSV with columns student,layer,quantity,answer (layer empty for totals)",
    )
    sub.add_argument(
        "--format",
        choices=sorted({*SINGLE_FORMATS, *BATCH_FORMATS}),
        help="text (default), json or markdown for one answer; markdown (default), csv or json for --answers",
    )
    output_option(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.errors import CalcError

    if args.answers is not None:
        return _grade(args)
    if args.quantity is None:
        raise CalcError("--quantity is needed with --answer (e.g. --quantity params)")
    fmt = args.format or "text"
    if fmt not in SINGLE_FORMATS:
        raise CalcError(
            f"--format {fmt} is for grading a CSV (--answers); one answer takes {', '.join(SINGLE_FORMATS)}"
        )
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


def _grade(args: argparse.Namespace) -> int:
    from calc.errors import CalcError

    if args.layer is not None or args.quantity is not None:
        raise CalcError("--layer and --quantity come from the CSV's columns when grading with --answers")
    fmt = args.format or "markdown"
    if fmt not in BATCH_FORMATS:
        raise CalcError(f"--format {fmt} is for one answer; grading a CSV writes {', '.join(BATCH_FORMATS)}")
    from calc.commands import analyze
    from calc.grading import grade_file

    report = grade_file(analyze(args), args.answers)
    write(report.render(fmt), args.output)
    return 0


def _short(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")
