"""``calc export``: a handout's variants (its variants.json, or a model's variants drawn here) for a course
platform, with every answer, every catalogued mistake's feedback and the worked steps precomputed."""

from __future__ import annotations

import argparse

PLATFORMS = ("moodle", "canvas", "prairielearn", "otter")
#: Platforms whose export is a folder of files (the others write one file, or standard output).
FOLDERS = ("prairielearn", "otter")


def register(commands: argparse._SubParsersAction) -> None:
    from calc.commands import model_parser

    sub = model_parser(
        commands,
        "export",
        "A handout's variants for Moodle, Canvas, PrairieLearn or otter-grader, with calc's mistake feedback.",
    )
    sub.add_argument("--to", choices=PLATFORMS, required=True, help="the platform to export for")
    sub.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="moodle, canvas: the file (default standard output; canvas: a .zip is the QTI package built by "
        "text2qti); prairielearn, otter: the folder to write (required)",
    )
    sub.add_argument("--variants", type=int, metavar="N", help="from a model: draw N variants (as calc handout)")
    sub.add_argument("--seed", type=int, default=0, metavar="S", help="from a model: seed of the draw (default 0)")
    sub.add_argument(
        "--questions",
        default="output_shape,params,total_params",
        metavar="KINDS",
        help="from a model: the kinds of question, as calc handout takes them",
    )
    sub.add_argument("--force", action="store_true", help="replace files already in the output folder")
    sub.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from calc import export
    from calc.commands import source_options, write, write_stdout
    from calc.errors import CalcError
    from calc.handout.questions import parse_kinds

    if args.to in FOLDERS and not args.output:
        raise CalcError(f"--to {args.to} writes a folder: name it with -o DIR")
    if is_manifest(args.model):
        if args.variants is not None or args.values:
            raise CalcError(
                "a manifest has its variants already: --variants and --set are for a model", source=args.model
            )
        data = export.from_manifest(args.model)
    else:
        data = export.from_model(
            args.model, parse_kinds(args.questions), args.variants, args.seed, dict(args.values), source_options(args)
        )
    if args.to == "moodle":
        from calc.export import moodle

        write(moodle.export(data).decode("utf-8"), args.output)
    elif args.to == "canvas":
        from calc.export import canvas

        if args.output and args.output.endswith(".zip"):
            write_file(Path(args.output), canvas.package(data))
        else:
            write(canvas.export(data), args.output)
    else:
        from importlib import import_module

        files = import_module(f"calc.export.{args.to}").files(data)
        folder = Path(args.output)
        write_folder(folder, files, args.force)
        write_stdout("".join(f"{folder / name}\n" for name in files))
    return 0


def is_manifest(model: str) -> bool:
    """A handout's variants.json (or a folder holding one), rather than a model."""
    from pathlib import Path

    from calc.handout.manifest import FILE, FORMAT

    path = Path(model)
    if path.is_dir():
        return (path / FILE).is_file()
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return FORMAT.encode() in head


def write_file(path, data: bytes) -> None:
    from calc.errors import CalcError
    from calc.files import replace_file

    try:
        replace_file(path, data)
    except OSError as error:
        raise CalcError(f"cannot write the file ({error.strerror or error})", source=str(path)) from None


def write_folder(folder, files: dict[str, bytes], force: bool) -> None:
    """The files under ``folder`` (names may hold subfolders), refusing to overwrite unless ``force``."""
    from calc.errors import CalcError

    clashes = sorted(name for name in files if (folder / name).exists())
    if clashes and not force:
        raise CalcError(f"{clashes[0]} is already there; pass --force to replace it", source=str(folder))
    try:
        for name, content in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            write_file(folder / name, content)
    except OSError as error:
        raise CalcError(f"cannot write the files ({error.strerror})", source=str(folder)) from None
