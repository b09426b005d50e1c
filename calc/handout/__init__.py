"""Handouts: problem sheets and their solution keys, in variants with different numbers.

A problem sheet shows a model (its layers as a table and as Keras code) and asks numbered questions
about it (``questions``); the solution key answers each with the steps ``calc derive`` prints, read
from the same analysis. Variants draw the model's symbol values (``variants``) with a seeded
``random.Random``, so the same seed gives the same files, byte for byte. Everything printed goes
through the templates ``handout_sheet.j2`` and ``handout_key.j2`` (and the parts they include), which
a course may override with its own folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calc.errors import CalcError
from calc.files import replace_file
from calc.handout import manifest
from calc.handout.architecture import Architecture, Row
from calc.handout.questions import DEFAULT_KINDS, Question, questions
from calc.handout.variants import (
    Variant,
    default_choices,
    draw,
    parse_vary,
    symbol_roles,
    with_input_symbol,
    with_width_symbols,
)
from calc.model import Analysis, Model

FORMATS = ("markdown", "latex", "pdf")
SOLUTIONS = ("separate", "inline", "none")
SUFFIXES = {"markdown": ".md", "latex": ".tex", "pdf": ".pdf"}


@dataclass
class Handout:
    """One variant's sheet and key: what the templates read."""

    number: int
    count: int  # variants in all (1 when the model is taken as written)
    varied: bool  # drawn from candidates, or the model as written
    values: dict[str, int]
    analysis: Analysis
    rows: list[Row]
    code: str | None  # the model in its framework's Python (None for a PyTorch graph)
    questions: list[Question]
    kinds: tuple[str, ...] = ()  # the kinds of question asked (for the conventions box)
    spec: dict[str, Any] = field(default_factory=dict, repr=False)  # the spec drawn from (for the manifest)
    all_values: dict[str, int] = field(default_factory=dict)  # every symbol's value, drawn or the model's
    _figures: dict[tuple[str, bool], str | None] = field(default_factory=dict, repr=False)

    def figure(self, fmt: str, answers: bool = False) -> str | None:
        """The architecture figure (calc.figures) for a document of ``fmt``: "latex" a tikzpicture, "svg" a
        file's text. A sheet's leaves the shapes and counts out (``answers`` False), a key's shows them;
        None when calc cannot draw the model."""
        from calc.figures import embedded

        key = (fmt, answers)
        if key not in self._figures:
            try:
                self._figures[key] = embedded(self.analysis, fmt, answers=answers)
            except CalcError:
                self._figures[key] = None
        return self._figures[key]

    def figure_file(self, part: str) -> str:
        """The SVG file beside a Markdown sheet or key that holds its figure."""
        return f"{file_stem(self.model)}-{self.number}-{part}-figure.svg"

    @property
    def total_marks(self) -> int:
        return sum(q.marks for q in self.questions)

    @property
    def model(self) -> str:
        return self.analysis.model

    @property
    def functional(self) -> bool:
        return self.analysis.functional

    @property
    def dialect(self) -> str:
        """'keras' (channels last, Keras code) or 'pytorch' (channels first, torch.nn code)."""
        return self.analysis.dialect

    @property
    def inputs(self) -> list:
        """The records of the model's inputs (graphs), for the sentence that states the input shape."""
        return [r for r in self.analysis.records if r.type == "InputLayer"]


def read_spec(model: str | Path, options: Any = None) -> tuple[dict[str, Any], Model]:
    """The spec mapping as written, and the model built from it (a file path or a zoo name); PyTorch source
    (with ``options``, a ``calc.spec.SourceOptions``) gives the spec its reader writes."""
    from calc import importers, spec
    from calc.zoo import zoo_spec

    path = Path(model)
    if path.exists() and not path.is_file():  # read twice below: a FIFO or /dev/stdin would be empty the second time
        raise CalcError("a handout is made from a regular file or a zoo name", source=str(model))
    built = spec.load(model, options)  # every problem with the file is reported here, as for any command
    if path.is_file() and importers.is_torch(text := spec._read(path)) and importers.is_python(text, path.suffix):
        data, _ = importers.read_torch_source(text, list(options.input_shapes), options.model)
        return dict(data), built
    data = spec._parse(spec._read(path), path.suffix.lower()) if path.is_file() else zoo_spec(str(model))
    if importers.is_hf_config(data):  # a Hugging Face config: the spec calc lays it out as
        data = importers.spec_from_hf_config(data)
    return dict(data), built


def build(
    model: str | Path,
    kinds: Sequence[str] = DEFAULT_KINDS,
    variants: int | None = None,
    seed: int = 0,
    values: Mapping[str, Any] | None = None,
    marks: Mapping[str, int] | None = None,
    options: Any = None,
) -> list[Handout]:
    """The handouts of a model: one as written when ``variants`` is None, else that many drawn."""
    data, built = read_spec(model, options)
    source = built.source
    fixed = dict(values or {})
    try:
        built.with_values(fixed)  # unknown names in --set are reported before anything is drawn
        if variants is None:
            drawn = [Variant(1, fixed, built.analyze(fixed))]
        else:
            if "vary" in data:
                choices = parse_vary(data["vary"], built)
            else:
                data, added = with_input_symbol(data, built)
                data, widths = with_width_symbols(data, built)
                if added or widths:
                    from calc.spec import from_spec

                    built = from_spec(data, source=source or "<spec>")
                choices = default_choices(built)
            _check_values(built, [*fixed, *choices])
            drawn = draw(built, choices, fixed, variants, seed)
    except CalcError as error:
        raise error.within(source=source) from None
    inputs = sorted(name for name, roles in symbol_roles(built).items() if "input" in roles)
    handouts = []
    for variant in drawn:
        _check_numeric(variant.analysis, source)
        architecture = Architecture(data, built, variant.analysis, {**_own_values(built), **variant.values})
        handouts.append(
            Handout(
                number=variant.number,
                count=len(drawn),
                varied=variants is not None,
                values=variant.values,
                analysis=variant.analysis,
                rows=architecture.rows(),
                code=architecture.code(),
                questions=questions(variant.analysis, kinds, marks, built, _all_values(built, variant.values), inputs),
                kinds=tuple(kinds),
                spec=data,
                all_values=_all_values(built, variant.values),
            )
        )
    return handouts


def _all_values(model: Model, values: Mapping[str, int]) -> dict[str, int]:
    """Every symbol's value in a variant: the model's own, then the drawn ones."""
    return {**_own_values(model), **{name: int(value) for name, value in values.items()}}


def _own_values(model: Model) -> dict[str, int]:
    return {symbol.name: int(value) for symbol, value in model.values.items()}


def _check_values(model: Model, given: Sequence[str]) -> None:
    """Every symbol needs a value or candidates: a sheet asks about numbers."""
    missing = sorted({s.name for s in model.symbols} - {s.name for s in model.values} - set(given))
    if missing:
        raise CalcError(
            f"symbol {missing[0]} has no value: give it one under 'symbols:', with --set {missing[0]}=VALUE, "
            "or candidates under 'vary:'"
        )


def _check_numeric(analysis: Analysis, source: str | None) -> None:
    for record in analysis.records:
        free = set().union(*(size.free_symbols for size in record.output_shape), record.params.free_symbols)
        if free:
            name = sorted(s.name for s in free)[0]
            raise CalcError(
                f"symbol {name} has no value: give it one under 'symbols:', with --set {name}=VALUE, "
                "or draw variants with --variants",
                source=source,
            )


def render(handout: Handout, part: str, fmt: str, inline: bool = False, templates: Path | None = None) -> str:
    """The sheet (``part='sheet'``, with the answers when ``inline``) or the key, as Markdown or LaTeX."""
    from calc.render.templating import render as render_template

    try:
        return render_template(f"handout_{part}", fmt, override=templates, handout=handout, inline=inline)
    except LookupError as error:
        raise CalcError(str(error)) from None


def files(
    handouts: Sequence[Handout],
    fmt: str = "markdown",
    solutions: str = "separate",
    templates: Path | None = None,
    source: str | None = None,
    seed: int | None = None,
) -> dict[str, bytes]:
    """File name -> contents: for every variant NAME-N-sheet and (with separate solutions) NAME-N-key; as
    PDF also class-sheets.pdf and class-keys.pdf, every variant in one file to print; and the manifest
    variants.json (``manifest``), which lists the other files."""
    if fmt == "pdf":
        from calc.render.pdf import pdflatex

        pdflatex()  # missing: say so before any work
    documents: dict[str, str] = {}
    figures: dict[str, bytes] = {}  # Markdown's figures, as SVG files beside it (LaTeX draws them inline)
    latex = "markdown" if fmt == "markdown" else "latex"
    for handout in handouts:
        parts = [("sheet", solutions == "inline")] + ([("key", False)] if solutions == "separate" else [])
        for part, inline in parts:
            name = f"{file_stem(handout.model)}-{handout.number}-{part}{SUFFIXES[fmt]}"
            documents[name] = render(handout, part, latex, inline, templates)
            if fmt == "markdown" and handout.figure("svg", answers=part == "key") is not None:
                figures[handout.figure_file(part)] = handout.figure("svg", answers=part == "key").encode("utf-8")
    if fmt == "pdf":
        for part, inline in [("sheet", solutions == "inline")] + ([("key", False)] if solutions == "separate" else []):
            documents[CLASS_FILES[part]] = render_class(handouts, part, inline, templates)
    out = _compiled(documents) if fmt == "pdf" else {name: text.encode("utf-8") for name, text in documents.items()}
    out.update(figures)
    data = manifest.manifest(handouts, source or handouts[0].model, seed, list(out))
    out[manifest.FILE] = manifest.dumps(data)
    return out


CLASS_FILES = {"sheet": "class-sheets.pdf", "key": "class-keys.pdf"}


def render_class(handouts: Sequence[Handout], part: str, inline: bool = False, templates: Path | None = None) -> str:
    """Every variant's sheet or key in one LaTeX document, each starting on a new page."""
    from calc.render.templating import render as render_template

    try:
        return render_template(
            "handout_class", "latex", override=templates, handouts=handouts, part=part, inline=inline
        )
    except LookupError as error:
        raise CalcError(str(error)) from None


def _compiled(documents: Mapping[str, str]) -> dict[str, bytes]:
    """Every LaTeX document compiled, two at a time (pdflatex waits on files as much as on the CPU)."""
    from concurrent.futures import ThreadPoolExecutor

    from calc.render.pdf import compile_pdf

    with ThreadPoolExecutor(max_workers=PDF_WORKERS) as pool:
        futures = {name: pool.submit(compile_pdf, text, name) for name, text in documents.items()}
        return {name: future.result() for name, future in futures.items()}


PDF_WORKERS = 2


def write_folder(folder: Path, contents: Mapping[str, bytes], force: bool = False) -> None:
    """Write the files into ``folder``. A folder that holds a previous handout (its manifest, or any file
    of the same name) is refused unless ``force``; then the files the previous manifest listed go first,
    so a smaller class leaves no stale sheet behind."""

    previous = folder / manifest.FILE
    refuse_existing(folder, contents, force)
    try:
        if force and previous.is_file():
            for name in _listed_files(previous):
                stale = folder / name
                if name not in contents and stale.is_file():
                    stale.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in contents.items():
            replace_file(folder / name, content)  # whole or not at all
    except OSError as error:
        raise CalcError(f"cannot write the files ({error.strerror})", source=str(folder)) from None


def refuse_existing(folder: Path, names: Iterable[str], force: bool = False) -> None:
    """One line when ``folder`` already holds any of ``names`` (a previous handout) and not ``force``."""
    clashes = sorted(name for name in names if (folder / name).exists())
    if clashes and not force:
        what = manifest.FILE if manifest.FILE in clashes else clashes[0]
        raise CalcError(f"a handout is already there ({what}); pass --force to replace it", source=str(folder))


def _listed_files(path: Path) -> list[str]:
    """The files a previous manifest lists: plain names only (never a path that leaves the folder)."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        names = data.get("files", []) if isinstance(data, dict) else []
    except (OSError, ValueError, RecursionError):
        return []
    return [n for n in names if isinstance(n, str) and re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", n) and n[0] != "."]


def file_stem(model_name: str) -> str:
    """A model name made safe for a file name: letters, digits, _ and - only, at most 48 of them."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", model_name).strip("_-")[:48]
    return stem or "model"
