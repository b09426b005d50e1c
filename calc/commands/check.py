"""``calc check``: judge a student's answer (or a class's CSV of answers) against the model, or one
answer against a variant of a handout (``--variants DIR/variants.json --variant N --question Q``).

Exit status for one answer: 0 correct, 1 incorrect, 2 an unusable question or answer (one line on
stderr saying why). Grading a CSV exits 0 once the report is written, whatever the grades; its bad
rows are listed in the report, never fatal.
"""

from __future__ import annotations

import argparse
import json

from calc.commands import jobs_option, model_parser, output_option, write

SINGLE_FORMATS = ("text", "json", "markdown")
BATCH_FORMATS = ("markdown", "csv", "json")


def register(commands: argparse._SubParsersAction) -> None:
    sub = model_parser(commands, "check", "Check a student's answer, or grade a class's CSV of answers.", optional=True)
    sub.add_argument("--layer", metavar="NAME", help="the layer asked about (leave out for the model's totals)")
    sub.add_argument(
        "--quantity",
        metavar="Q",
        help="params, trainable_params, non_trainable_params, total_params (the model's: no --layer), output_shape, "
        "output_size, output_height, output_width, output_channels, ...; LAYER.Q names a layer's",
    )
    sub.add_argument(
        "--variants",
        metavar="MANIFEST",
        help="check against a handout's variant instead of MODEL: the variants.json calc handout wrote",
    )
    sub.add_argument("--variant", metavar="N", help="with --variants: the variant the student was given")
    sub.add_argument("--question", metavar="Q", help="with --variants: the question's id (q3) or number (3)")
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
    jobs_option(sub)
    output_option(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.errors import CalcError

    if args.variants is not None:
        return _check_variant(args)
    if args.variant is not None or args.question is not None:
        raise CalcError("--variant and --question need --variants MANIFEST (the variants.json of a handout)")
    if args.model is None:
        raise CalcError("calc check needs a MODEL, or --variants MANIFEST --variant N --question Q")
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
    return _verdict(question.check(args.answer), args, fmt)


def _check_variant(args: argparse.Namespace) -> int:
    from calc.errors import CalcError

    if args.model is not None or args.answers is not None or args.layer is not None or args.quantity is not None:
        raise CalcError(
            "--variants checks one --answer against --variant N --question Q; MODEL, --answers, "
            "--layer and --quantity are not used with it (calc grade grades a class)"
        )
    if args.variant is None or args.question is None:
        raise CalcError("--variants needs --variant N and --question Q (the question's id, e.g. q3)")
    fmt = args.format or "text"
    if fmt not in SINGLE_FORMATS:
        raise CalcError(f"--format {fmt}: one answer takes {', '.join(SINGLE_FORMATS)}")
    from calc.handout.manifest import load

    manifest = load(args.variants)
    variant = manifest.variant(args.variant)
    entry = variant.question(args.question)
    return _verdict(manifest.judge(variant, entry).check(args.answer), args, fmt)


def _verdict(result, args: argparse.Namespace, fmt: str) -> int:  # a checker CheckResult
    from calc.errors import CalcError

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

    report = grade_file(analyze(args), args.answers, args.jobs)
    write(report.render(fmt), args.output)
    return 0


def _short(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")
