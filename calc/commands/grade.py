"""``calc grade``: grade a class against a handout's variant manifest, each student against their own
variant. Exits 0 once the report is written, whatever the grades; bad rows are listed, never fatal."""

from __future__ import annotations

import argparse

from calc.commands import jobs_option, output_option, write

FORMATS = ("markdown", "csv", "json")


def register(commands: argparse._SubParsersAction) -> None:
    help = "Grade a class's answers, each student against their own variant of a handout."
    sub = commands.add_parser("grade", help=help, description=help)
    sub.add_argument("manifest", metavar="MANIFEST", help="the variants.json that calc handout wrote (or its folder)")
    sub.add_argument(
        "--answers",
        metavar="FILE.csv",
        required=True,
        help="the class's answers: a CSV with columns student,variant,question,answer (question: q3 or 3)",
    )
    sub.add_argument("--format", choices=FORMATS, default="markdown")
    sub.add_argument(
        "--partial",
        action="append",
        default=[],
        metavar="MISTAKE=FRACTION",
        help="give this fraction of a question's marks when the answer's only mistake is MISTAKE "
        "(repeatable), e.g. --partial arithmetic_slip=0.5 for half marks for a slip in the last step",
    )
    jobs_option(sub)
    output_option(sub)
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from calc.grading import grade_class, parse_partial

    partial = parse_partial(args.partial)
    report = grade_class(args.manifest, args.answers, partial, args.jobs)
    write(report.render(args.format), args.output)
    return 0
