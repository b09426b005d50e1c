"""``calc derive``: the step-by-step worked solution, with compute quantities on request; ``--format html``
writes the interactive page (sliders, live numbers, answer boxes with ``--practice``)."""

from __future__ import annotations

import argparse

from calc.commands import compute_options, conventions, model_parser, output_option, write

FORMATS = ("markdown", "latex", "pdf", "html")
SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".tex": "latex", ".pdf": "pdf", ".html": "html", ".htm": "html"}


def register(commands: argparse._SubParsersAction) -> None:
    sub = model_parser(commands, "derive", "Step-by-step worked solution for every layer.")
    sub.add_argument(
        "--format",
        choices=FORMATS,
        help="markdown (the default), latex, pdf (needs -o FILE and pdflatex), or html (the interactive page); "
        "without it, -o FILE's suffix (.md, .tex, .pdf, .html) decides",
    )
    sub.add_argument(
        "--include",
        metavar="LIST",
        help="also work out, comma-separated: macs, flops, activations, memory (parameter bytes), "
        "rf (receptive field, jump and start)",
    )
    sub.add_argument(
        "--closed-form",
        nargs="?",
        const="",
        metavar="KEEP",
        help="end with the total in closed form: in the spec's symbols (the default when the spec has any), "
        "or in the hyper-parameters listed as for 'calc formula --keep' (filters, kernel_size, ...)",
    )
    sub.add_argument(
        "--no-figures",
        action="store_true",
        help="leave out the figures (by default LaTeX and PDF draw the architecture and each window layer "
        "inline, and Markdown written with -o FILE links SVG files written beside FILE)",
    )
    sub.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="NAME=VALUES",
        help="html: a slider per symbol, e.g. k=1:7,f=4:64:4 (START:STOP:STEP, stop included) or k=3,5,7; "
        "default: the spec's vary: section, else the handouts' candidates",
    )
    sub.add_argument("--practice", action="store_true", help="html: answer boxes instead of the answers")
    compute_options(sub)
    output_option(sub)
    sub.set_defaults(handler=run)


def output_format(chosen: str | None, output: str | None) -> str:
    """The format asked for, or the one -o FILE's suffix names; a PDF never goes to a terminal, and a
    .pdf file never holds Markdown."""
    from pathlib import PurePath

    from calc.errors import CalcError

    suffix = PurePath(output).suffix.lower() if output else ""
    fmt = chosen or SUFFIXES.get(suffix, "markdown")
    if fmt == "pdf" and not output:
        raise CalcError("--format pdf writes a binary file: give it with -o FILE.pdf")
    if suffix == ".pdf" and fmt != "pdf":
        raise CalcError(f"-o {output} ends in .pdf but the format is {fmt}: use --format pdf, or another suffix")
    return fmt


def run(args: argparse.Namespace) -> int:
    from calc.commands import load_model
    from calc.derive import closed_total, parse_include, render_derivation
    from calc.errors import CalcError

    fmt = output_format(args.format, args.output)
    if fmt != "html" and (args.vary or args.practice):
        raise CalcError("--vary and --practice belong to the interactive page: add --format html")
    if fmt == "html":
        write(_page(args), args.output)
        return 0
    if fmt == "pdf":
        from calc.render.pdf import pdflatex

        pdflatex()  # missing: one line, before any work
    include = parse_include(args.include)
    model = load_model(args)
    values = dict(args.values)
    analysis = model.analyze(values)
    if args.closed_form:  # in hyper-parameters rewritten into symbols, as 'calc formula --keep' does
        from calc.explore.formula import closed_form
        from calc.explore.keep import parse_keep

        total = closed_form(model, parse_keep([args.closed_form]), values=values).expression
    else:
        total = closed_total(model, values)
    figures = _figures(analysis, fmt, args)
    text = render_derivation(
        analysis, "latex" if fmt == "pdf" else fmt, include, conventions(args), closed_form=total, figures=figures
    )
    if fmt == "pdf":
        from calc.render.pdf import compile_pdf

        write_bytes(compile_pdf(text, args.model), args.output)
    else:
        write(text, args.output)
    if figures is not None and figures.files:  # Markdown's SVG files, beside the document that links them
        from pathlib import Path

        folder = Path(args.output).parent
        for name, svg in figures.files.items():
            write(svg, str(folder / name))
    return 0


def _figures(analysis, fmt: str, args: argparse.Namespace):  # noqa: ANN001, ANN202 - Analysis, DerivationFigures
    """The figures of the derivation: inline in LaTeX and PDF; as SVG files in Markdown, only when there is
    a file to write them beside (standard output takes one document); none with --no-figures."""
    if args.no_figures or (fmt == "markdown" and not args.output):
        return None
    from pathlib import PurePath

    from calc.figures.derivation import DerivationFigures

    return DerivationFigures(analysis, "markdown" if fmt == "markdown" else "latex", PurePath(args.output or "").stem)


def write_bytes(data: bytes, output: str) -> None:
    """A binary file, with a one-line error when it cannot be written."""
    from pathlib import Path

    from calc.errors import CalcError

    try:
        Path(output).write_bytes(data)
    except OSError as error:
        raise CalcError(f"cannot write the file ({error.strerror})", source=output) from None


def _page(args: argparse.Namespace) -> str:
    from calc.commands import load_model
    from calc.errors import CalcError
    from calc.interactive import build_page, choose_controls, parse_vary_options, render_page, spec_vary

    if args.include or args.closed_form is not None:
        raise CalcError("--include and --closed-form are not on the interactive page yet; use markdown or latex")
    model = load_model(args)
    values = dict(args.values)
    try:
        given = parse_vary_options(args.vary)
        controls = choose_controls(model, given, None if given else spec_vary(args.model, model), values)
        return render_page(build_page(model, controls, values, practice=args.practice))
    except CalcError as error:
        raise error.within(source=model.source) from None
