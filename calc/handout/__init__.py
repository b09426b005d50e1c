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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calc.errors import CalcError
from calc.handout.architecture import Architecture, Row
from calc.handout.questions import DEFAULT_KINDS, Question, questions
from calc.handout.variants import Variant, default_choices, draw, parse_vary, with_input_symbol
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


def read_spec(model: str | Path) -> tuple[dict[str, Any], Model]:
    """The spec mapping as written, and the model built from it (a file path or a zoo name)."""
    from calc import spec
    from calc.zoo import zoo_spec

    path = Path(model)
    if path.exists() and not path.is_file():  # read twice below: a FIFO or /dev/stdin would be empty the second time
        raise CalcError("a handout is made from a regular file or a zoo name", source=str(model))
    built = spec.load(model)  # every problem with the file is reported here, as for any command
    data = spec._parse(spec._read(path), path.suffix.lower()) if path.is_file() else zoo_spec(str(model))
    return dict(data), built


def build(
    model: str | Path,
    kinds: Sequence[str] = DEFAULT_KINDS,
    variants: int | None = None,
    seed: int = 0,
    values: Mapping[str, Any] | None = None,
) -> list[Handout]:
    """The handouts of a model: one as written when ``variants`` is None, else that many drawn."""
    data, built = read_spec(model)
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
                if added:
                    from calc.spec import from_spec

                    built = from_spec(data, source=source or "<spec>")
                choices = default_choices(built)
            _check_values(built, [*fixed, *choices])
            drawn = draw(built, choices, fixed, variants, seed)
    except CalcError as error:
        raise error.within(source=source) from None
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
                questions=questions(variant.analysis, kinds),
            )
        )
    return handouts


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
) -> dict[str, bytes]:
    """File name -> contents, for every variant: NAME-N-sheet and (with separate solutions) NAME-N-key."""
    if fmt == "pdf":
        from calc.render.pdf import compile_pdf, pdflatex

        pdflatex()  # missing: say so before any work
    out: dict[str, bytes] = {}
    for handout in handouts:
        parts = [("sheet", solutions == "inline")] + ([("key", False)] if solutions == "separate" else [])
        for part, inline in parts:
            name = f"{file_stem(handout.model)}-{handout.number}-{part}{SUFFIXES[fmt]}"
            text = render(handout, part, "markdown" if fmt == "markdown" else "latex", inline, templates)
            out[name] = compile_pdf(text, what=name) if fmt == "pdf" else text.encode("utf-8")
    return out


def file_stem(model_name: str) -> str:
    """A model name made safe for a file name: letters, digits, _ and - only, at most 48 of them."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", model_name).strip("_-")[:48]
    return stem or "model"
