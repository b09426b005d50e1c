"""calc export: the records every platform reads, and Moodle XML read back by a parser.

The numbers are LeNet-5's as written (the seed article: conv2d 5·5·3·8 + 8 = 608 parameters, 600 with the
bias forgotten, 62,958 in all), and for drawn variants the manifest ``calc handout`` writes on its own.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from calc.export import from_manifest, from_model
from calc.handout import manifest as manifests
from tests.conftest import require

KINDS = ["output_shape", "params", "total_params", "formula", "solve"]
HOSTILE = (
    "name: 'evil & <script>alert(1)</script> $x$ 100% #1 {1:SHORTANSWER:=x} / ]]>'\ninput: [12, 12, 3]\nlayers:\n"
    "  - Conv2D: {filters: 4, kernel_size: 3, name: 'conv_1&\\\\input{/etc/passwd}</text><script>x</script>'}\n"
    "  - MaxPooling2D: {pool_size: 2, name: '$\\\\frac{1}{0}$ \\x01 --> <!-- &amp; {1:NUMERICAL:=1}'}\n"
    "  - Flatten: {}\n  - Dense: {units: 2, name: 'x\\\\end{document} \\\\(y\\\\) 1. GROUP'}\n"
)


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """lenet5's handout with 5 variants, written by calc handout: the manifest the exports read."""
    from calc.cli import main

    folder = tmp_path_factory.mktemp("course")
    assert (
        main(["handout", "lenet5", "--variants", "5", "--seed", "3", "--questions", ",".join(KINDS), "-o", str(folder)])
        == 0
    )
    return folder / "variants.json"


@pytest.fixture(scope="module")
def exported(course: Path):
    return from_manifest(str(course))


def test_lenet5_as_written_has_the_seed_numbers_and_calc_feedback():
    data = from_model("lenet5", ["params", "total_params"], None, 0)
    (variant,) = data.variants
    items = {item.quantity: item for item in variant.items}
    conv = items["conv2d.params"]
    assert conv.expected == 608
    forgot = next(w for w in conv.wrong if w.value == 600)
    assert forgot.mistakes == ["forgot_bias"]
    assert "biases" in forgot.diagnosis and "608" not in forgot.diagnosis  # the diagnosis never gives the answer away
    assert items["total_params"].expected == 62958
    assert "62{,}958" in items["total_params"].solution


def test_records_follow_the_manifest_and_the_checker(course: Path, exported):
    manifest = manifests.load(course)
    assert [v.number for v in exported.variants] == [1, 2, 3, 4, 5]
    for variant in exported.variants:
        entries = manifest.variant(variant.number).questions
        assert [item.id for item in variant.items] == list(entries)
        for item in variant.items:
            entry = entries[item.id]
            assert item.expected == entry["expected"]
            judge = manifest.judge(manifest.variant(variant.number), entry)
            for wrong in item.wrong:  # each wrong value is diagnosed by calc check exactly as recorded
                result = judge.check(_text(wrong.value))
                assert not result.correct
                assert list(result.mistakes or result.alternatives) == wrong.mistakes
    conv = [item for item in exported.variants[0].items if item.quantity == "conv2d.params"][0]
    assert any(w.mistakes == ["forgot_bias"] for w in conv.wrong)
    assert exported.slots()[0][0] == "q1" and len(exported.slots()[0][1]) == 5


def _text(value) -> str:
    if isinstance(value, list):
        return "(" + ", ".join("None" if v is None else str(v) for v in value) + ")"
    return str(value)


# -- Moodle ---------------------------------------------------------------------------------------

CLOZE_BLANK = re.compile(r"\{1:NUMERICAL:((?:[^\\}]|\\.)*)\}")


def _cloze_answers(blank: str) -> list[tuple[str, str, str]]:
    """(fraction, value, feedback) of each answer of one Cloze blank, unescaped as Moodle reads them."""
    answers = []
    for part in re.split(r"(?<!\\)~", blank):
        head, _, feedback = re.split(r"(?<!\\)(#)", part, maxsplit=1) if "#" in part else (part, "", "")
        fraction, value = re.match(r"%(\d+)%([^:]*)", head).groups()
        answers.append((fraction, value.strip(), html.unescape(re.sub(r"\\(.)", r"\1", feedback))))
    return answers


def test_moodle_xml_round_trip(exported):
    from calc.export import moodle

    root = ET.fromstring(moodle.export(exported))
    categories = [q.findtext("category/text") for q in root.iter("question") if q.get("type") == "category"]
    assert categories[0] == "$course$/top/calc/lenet5"
    questions = [q for q in root.iter("question") if q.get("type") != "category"]
    by_name = {q.findtext("name/text"): q for q in questions}
    checked = 0
    for variant in exported.variants:
        for item in variant.items:
            question = by_name.get(f"lenet5 variant {variant.number} {item.title}")
            if item.kind == "formula":
                assert question is None  # Moodle has no symbolic answer
                continue
            assert "\\(" in question.findtext("generalfeedback/text")  # the worked steps, typeset by MathJax
            if item.kind == "output_shape":
                assert question.get("type") == "cloze"
                blanks = CLOZE_BLANK.findall(question.findtext("questiontext/text"))
                assert len(blanks) == len(item.expected) - 1
                for axis, blank in enumerate(blanks, start=1):
                    answers = _cloze_answers(blank)
                    assert [v for f, v, _ in answers if f == "100"] == [str(item.expected[axis])]
                    wrong = {v: fb for f, v, fb in answers if f == "0" and v != "*"}
                    assert wrong == {str(size): " ".join(w.feedback.split("\n")) for size, w in item.axis_wrong(axis)}
            else:
                answers = question.findall("answer")
                right = [a.findtext("text") for a in answers if a.get("fraction") == "100"]
                assert right == [str(item.expected)]
                wrong = {a.findtext("text"): a.findtext("feedback/text") for a in answers if a.get("fraction") == "0"}
                assert "*" in wrong
                for w in item.wrong:  # calc's diagnosis, escaped as HTML, is the wrong value's feedback
                    assert html.escape(w.diagnosis.split("\n")[-1], quote=False) in wrong[str(w.value)]
                    assert w.mistakes[0] in wrong[str(w.value)]
            checked += 1
    assert checked >= 5 * 10
    conv = by_name["lenet5 variant 1 q2 conv2d.params"]
    assert any("forgot_bias" in (a.findtext("feedback/text") or "") for a in conv.findall("answer"))


def test_hostile_names_stay_inert_in_moodle(spec_file, cli, tmp_path):
    out = tmp_path / "quiz.xml"
    run = cli("export", spec_file(HOSTILE), "--to", "moodle", "-o", str(out))
    assert run.status == 0, run.err
    text = out.read_text(encoding="utf-8")
    root = ET.fromstring(text)  # well-formed: nothing closed the XML early
    assert "<script" not in text and "]]>" not in text.replace("]]&gt;", "")
    html_texts = [t.text or "" for t in root.iter("text")]
    assert not any("<script" in t for t in html_texts)  # escaped inside the HTML too
    for q in root.iter("question"):
        if q.get("type") == "cloze":  # only calc's own blanks: the names' braces are entities
            blanks = re.findall(r"\{\d*:[A-Z]+:", q.findtext("questiontext/text"))
            assert blanks and set(blanks) == {"{1:NUMERICAL:"}
    category = [q.findtext("category/text") for q in root.iter("question") if q.get("type") == "category"]
    assert category[1].count("/") == 4 + category[1].count("//") * 2  # slashes in names doubled, not levels


def test_export_refuses_bad_requests_in_one_line(cli, course, tmp_path):
    run = cli("export", str(course), "--to", "moodle", "--variants", "3")
    assert run.status == 2 and run.err.count("\n") == 1 and "manifest" in run.err
    run = cli("export", str(course), "--to", "prairielearn")
    assert run.status == 2 and "-o DIR" in run.err
    broken = tmp_path / "variants.json"
    broken.write_text(json.dumps({"format": "calc-handout-variants", "version": 99}), encoding="utf-8")
    run = cli("export", str(broken), "--to", "moodle")
    assert run.status == 2 and run.err.count("\n") == 1 and "version" in run.err


# -- Canvas (text2qti) ----------------------------------------------------------------------------


def _text2qti() -> None:
    """text2qti (in the test extras): skipped locally when missing, a failure in CI."""
    import importlib.util

    require(importlib.util.find_spec("text2qti") is not None, "text2qti")


def _qti_items(archive: bytes) -> tuple[list[ET.Element], list[ET.Element]]:
    """The question groups (sections) and items of the QTI assessment in a Canvas package."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        names = [n for n in zf.namelist() if n.endswith(".xml") and "/" in n and "meta" not in n]
        root = ET.fromstring(zf.read(names[0]))
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    sections = root.findall(".//q:section/q:section", ns)
    return sections, root.findall(".//q:item", ns)


def test_canvas_package_built_by_text2qti(exported):
    _text2qti()
    from calc.export import canvas

    archive = canvas.package(exported)
    assert archive == canvas.package(exported)  # the same export, the same bytes
    sections, items = _qti_items(archive)
    slots = [s for s, its in exported.slots() if its[0].kind != "formula"]
    shapes = [its[0] for _, its in exported.slots() if its[0].kind == "output_shape"]
    assert len(sections) == len(slots) + sum(len(it.expected) - 2 for it in shapes)
    assert len(items) == 5 * len(sections)  # every variant of every question, one drawn per student
    ns = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
    by_title = {item.get("title"): item for item in items}
    for variant in exported.variants:
        for it in variant.items:
            if it.kind in ("params", "total_params", "solve"):
                item = by_title[f"lenet5 variant {variant.number} {it.title}"]
                values = {v.text for v in item.iter(f"{ns}varequal")} | {v.text for v in item.iter(f"{ns}vargte")}
                assert str(it.expected) in values or f"{it.expected}.0" in values
                feedback = " ".join(m.text or "" for m in item.iter(f"{ns}mattext"))
                for w in it.wrong:
                    assert w.mistakes[0] in feedback and str(w.value) in feedback
    conv = by_title["lenet5 variant 1 q2 conv2d.params"]
    assert "forgot_bias" in " ".join(m.text or "" for m in conv.iter(f"{ns}mattext"))


def test_hostile_names_stay_inert_in_canvas(spec_file, cli, tmp_path):
    _text2qti()
    out = tmp_path / "quiz.zip"
    run = cli("export", spec_file(HOSTILE), "--to", "canvas", "-o", str(out))
    assert run.status == 0, run.err
    _, items = _qti_items(out.read_bytes())
    assert items
    for item in items:
        for text in item.itertext():
            assert "<script" not in text and "<!--" not in text  # shown as text, never as markup
