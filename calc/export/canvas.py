"""Canvas: a quiz in text2qti's plain-text format, and the QTI 1.2 package text2qti builds from it.

Each question of the sheet is a question group that picks one of its variants per student. A count is a
numerical question; an output shape is one numerical question per size (Canvas's numerical questions
take one number). text2qti's numerical questions carry feedback for the question (general, correct,
incorrect) but none for a particular wrong number, so calc's diagnosis of every catalogued mistake goes in
the incorrect-answer feedback, listed by the value it gives, and the worked steps in the general
feedback. Formulas are left out (Canvas has no symbolic answer).
"""

from __future__ import annotations

import io
import zipfile

from calc.errors import CalcError
from calc.export.records import NUMBER_KINDS, Export, Item, Wrong
from calc.render.templating import escape_markdown

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
INDENT = "    "


def export(data: Export) -> str:
    """The quiz in text2qti's format."""
    lines = [
        f"Quiz title: {_title(data.model)}",
        f"Quiz description: {_line(f'Variants of {data.model} exported by calc: each question is drawn per student.')}",
        "",
    ]
    number = 0
    for _, items in data.slots():
        first = items[0]
        if first.kind in NUMBER_KINDS:
            parts = [None]
        elif first.kind == "output_shape":
            parts = list(range(1, len(first.expected)))
        else:
            continue
        for axis in parts:
            number += 1
            lines += ["GROUP", "pick: 1", f"points per question: {first.marks}", ""]
            for item in items:
                lines += _question(data, item, axis, number)
            lines += ["END_GROUP", ""]
    return "\n".join(lines)


def _question(data: Export, item: Item, axis: int | None, number: int) -> list[str]:
    prompt = f"**{item.number}.** {item.prompt}"
    if axis is None:
        expected, wrong = item.expected, [(w.value, w) for w in item.wrong]
    else:
        sizes = ", ".join("■" if i == axis else "…" for i in range(1, len(item.expected)))
        prompt += f"\n\nGive the {ORDINALS[axis - 1]} size after None: (None, {sizes})."
        expected, wrong = item.expected[axis], item.axis_wrong(axis)
        title = f"{item.title} size {axis}"
    title = item.title if axis is None else title
    lines = [f"Title: {_title(f'{data.model} variant {item.variant} {title}')}"]
    lines += _block(f"{number}.", f"{data.variant_model(item.variant)}\n\n{prompt}")
    lines += _block("...", item.solution)
    if wrong:
        lines += _block("-", _diagnoses(wrong))
    lines += [f"=   {_number(expected)}", ""]
    return lines


def _diagnoses(wrong: list[tuple[int, Wrong]]) -> str:
    """calc's diagnosis of each catalogued wrong value, as Markdown (the names in it escaped)."""
    out = ["Answers that calc recognises:"]
    for value, diagnosis in wrong:
        text = " ".join(escape_markdown(line) for line in diagnosis.feedback.split("\n"))
        out.append(f"- **{value}**: {text}")
    return "\n".join(out)


def _block(marker: str, markdown: str) -> list[str]:
    """A text2qti item: the marker, then the Markdown with every further line indented under its text."""
    first, *rest = markdown.split("\n")
    pad = " " * max(1, len(INDENT) - len(marker))
    return [f"{marker}{pad}{first}"] + [f"{INDENT}{line}" if line.strip() else "" for line in rest]


def _line(text: str) -> str:
    """One line of Markdown (a description)."""
    return escape_markdown(_title(text))


def _title(text: str) -> str:
    """A title: plain text on one line (text2qti escapes it for XML)."""
    return " ".join(str(text).split())


def _number(value: int) -> str:
    """text2qti refuses a numerical answer of magnitude under 0.0001: a zero is given as a range."""
    return "[-0.5, 0.5]" if value == 0 else str(value)


def package(data: Export) -> bytes:
    """The QTI 1.2 zip that Canvas imports, built by text2qti from ``export``; entries dated 1980-01-01,
    so the same export gives the same bytes."""
    try:
        from text2qti.config import Config
        from text2qti.err import Text2qtiError
        from text2qti.qti import QTI
        from text2qti.quiz import Quiz
    except ImportError:
        raise CalcError("a Canvas package needs text2qti: pip install 'calc[export]'") from None
    try:
        built = QTI(Quiz(export(data), config=Config(), source_name=data.model)).zip_bytes()
    except Text2qtiError as error:
        raise CalcError(f"text2qti refused the quiz: {str(error).splitlines()[0]}") from None
    return _dated(built)


def _dated(archive: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = info.external_attr
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info))
    return out.getvalue()
