"""``calc handout``: problem sheets and solution keys, in variants, as Markdown, LaTeX or PDF."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    from calc.commands import model_parser

    sub = model_parser(
        commands, "handout", "Problem sheets and their solution keys, with different numbers for each variant."
    )
    sub.add_argument(
        "--questions",
        default="output_shape,params,total_params",
        metavar="KINDS",
        help="comma-separated kinds of question: output_shape, params, total_params (the default), macs, "
        "receptive_field, formula (a layer's output size in the input size), solve (the padding that keeps a size)",
    )
    sub.add_argument(
        "--marks",
        metavar="KIND=N,...",
        help="marks per kind of question, e.g. output_shape=1,formula=4 (default: 2 each, formula 3)",
    )
    sub.add_argument(
        "--variants",
        type=int,
        metavar="N",
        help="draw N variants from the spec's vary: section (or from defaults); without it, the model as written",
    )
    sub.add_argument(
        "--seed", type=int, default=0, metavar="S", help="seed of the draw (default 0): same seed, same files"
    )
    sub.add_argument(
        "--solutions",
        choices=("separate", "inline", "none"),
        default="separate",
        help="a separate key per sheet (default), answers inline in the sheet, or none",
    )
    sub.add_argument("--format", choices=("markdown", "latex", "pdf"), default="markdown")
    sub.add_argument("--templates", metavar="DIR", help="a folder of templates that take precedence over calc's own")
    sub.add_argument("-o", "--output", metavar="DIR", required=True, help="the folder to write the files to")
    sub.add_argument("--force", action="store_true", help="replace a handout already in the folder")
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from calc import handout
    from calc.commands import source_options, write_stdout
    from calc.errors import CalcError
    from calc.handout.questions import parse_kinds, parse_marks

    templates = Path(args.templates) if args.templates else None
    if templates is not None and not templates.is_dir():
        raise CalcError("not a folder of templates", source=str(templates))
    kinds = parse_kinds(args.questions)
    marks = parse_marks(args.marks)
    if args.format == "pdf":
        from calc.render.pdf import pdflatex

        pdflatex()  # missing: one line, before any work
    folder = Path(args.output)
    handout.refuse_existing(folder, [handout.manifest.FILE], args.force)  # before minutes of pdflatex
    handouts = handout.build(
        args.model, kinds, args.variants, args.seed, dict(args.values), marks, source_options(args)
    )
    files = handout.files(handouts, args.format, args.solutions, templates, args.model, args.seed)
    handout.write_folder(folder, files, args.force)
    write_stdout("".join(f"{folder / name}\n" for name in files))
    return 0
