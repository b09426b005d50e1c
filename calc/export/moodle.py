"""Moodle XML: one category per quiz (the model), a subcategory per question of the sheet holding that
question in every variant, so a quiz's "random question" from a subcategory draws one variant per student.

A count is a numerical question: the correct answer at 100%, every catalogued mistake's wrong value at 0%
with calc's diagnosis as its feedback, and any other answer at 0% with a pointer to the worked steps (the
general feedback). An output shape is a Cloze question with one numerical blank per axis, each blank with
the wrong sizes the catalogued mistakes give. Formulas are left out (Moodle has no symbolic answer).
The XML is written by ElementTree, so every text is escaped.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET

from calc.export.html import markdown_html, plain_html
from calc.export.records import NUMBER_KINDS, Export, Item, Wrong

OTHER = "Not one of the mistakes calc knows: compare your working with the worked solution."
#: Characters Moodle's Cloze syntax gives a meaning to, escaped with a backslash inside a blank.
CLOZE_SPECIALS = '\\}#~/"'


def export(data: Export) -> bytes:
    quiz = ET.Element("quiz")
    top = f"$course$/top/calc/{_category_name(data.model)}"
    _category(quiz, top, html.escape(f"Variants of {data.model} exported by calc.", quote=False))
    for _, items in data.slots():
        first = items[0]
        if first.kind not in NUMBER_KINDS and first.kind != "output_shape":
            continue
        _category(quiz, f"{top}/{_category_name(first.title)}", "One question per variant: draw one at random.")
        for item in items:
            model = data.variant_model(item.variant)
            quiz.append(_cloze(data, item, model) if item.kind == "output_shape" else _numerical(data, item, model))
    ET.indent(quiz)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="utf-8") + b"\n"


def _category_name(text: str) -> str:
    """A category name as one level of Moodle's path: a slash in it is written twice; <>& as entities,
    as Moodle shows names as HTML in places."""
    return html.escape(text, quote=False).replace("/", "//")


def _category(quiz: ET.Element, path: str, info: str) -> None:
    question = ET.SubElement(quiz, "question", type="category")
    _text(ET.SubElement(question, "category"), path)
    _text(ET.SubElement(question, "info", format="html"), info)


def _text(parent: ET.Element, text: str) -> ET.Element:
    ET.SubElement(parent, "text").text = text
    return parent


def _common(question: ET.Element, data: Export, item: Item, text: str) -> None:
    _text(
        ET.SubElement(question, "name"), html.escape(f"{data.model} variant {item.variant} {item.title}", quote=False)
    )
    _text(ET.SubElement(question, "questiontext", format="html"), text)
    _text(ET.SubElement(question, "generalfeedback", format="html"), markdown_html(item.solution))
    ET.SubElement(question, "defaultgrade").text = str(item.marks)
    ET.SubElement(question, "penalty").text = "0"
    ET.SubElement(question, "hidden").text = "0"
    ET.SubElement(question, "idnumber").text = f"{data.model}-{item.variant}-{item.id}"[:100]


def _numerical(data: Export, item: Item, model: str) -> ET.Element:
    question = ET.Element("question", type="numerical")
    _common(question, data, item, markdown_html(f"{model}\n\n**{item.number}.** {item.prompt}"))
    _answer(question, "100", str(item.expected), "Correct.")
    for wrong in item.wrong:
        _answer(question, "0", str(wrong.value), feedback(wrong))
    _answer(question, "0", "*", plain_html(OTHER))
    ET.SubElement(question, "unitgradingtype").text = "0"
    ET.SubElement(question, "showunits").text = "3"
    return question


def _answer(question: ET.Element, fraction: str, value: str, html_feedback: str) -> None:
    answer = ET.SubElement(question, "answer", fraction=fraction, format="moodle_auto_format")
    ET.SubElement(answer, "text").text = value
    ET.SubElement(answer, "tolerance").text = "0"
    _text(ET.SubElement(answer, "feedback", format="html"), html_feedback)


def feedback(wrong: Wrong) -> str:
    """A wrong answer's feedback as HTML: the mistake's id, then calc's diagnosis."""
    return plain_html(wrong.feedback)


def _cloze(data: Export, item: Item, model: str) -> ET.Element:
    question = ET.Element("question", type="cloze")
    blanks = [_blank(item, axis) for axis in range(1, len(item.expected))]
    # the blanks go in after the Markdown is rendered: their syntax is not Markdown
    marker = "CALCBLANK"
    prompt = markdown_html(
        f"{model}\n\n**{item.number}.** {item.prompt}\n\n(None, {', '.join([marker] * len(blanks))})"
    )
    # braces as entities: text such as a layer named {1:SHORTANSWER:=x} must never read as a blank
    prompt = prompt.replace("{", "&#123;").replace("}", "&#125;")
    for blank in blanks:
        prompt = prompt.replace(marker, blank, 1)
    _common(question, data, item, prompt)
    return question


def _blank(item: Item, axis: int) -> str:
    """One axis as a Cloze numerical blank: the size, each catalogued wrong size with its feedback, any
    other answer."""
    weight = 1
    answers = [f"%100%{item.expected[axis]}:0#{_cloze_escape('Correct.')}"]
    for size, wrong in item.axis_wrong(axis):
        answers.append(f"%0%{size}:0#{_cloze_escape(wrong.feedback)}")
    answers.append(f"%0%*#{_cloze_escape(OTHER)}")
    return "{" + f"{weight}:NUMERICAL:" + "~".join(answers) + "}"


def _cloze_escape(text: str) -> str:
    """Plain text in a Cloze blank's feedback (a tooltip): HTML entities, one line, specials escaped."""
    text = html.escape(" ".join(text.split("\n")), quote=False).replace("{", "&#123;").replace("}", "&#125;")
    return "".join("\\" + char if char in CLOZE_SPECIALS else char for char in text)
