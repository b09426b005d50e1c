"""A handout's whole cycle: the manifest variants.json, the class PDFs, the refusal to overwrite, and
grading each student against their own variant (calc grade, calc check --variants)."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import sympy as sp

from calc.explore.formula import normal_form
from calc.explore.quantities import quantity
from calc.explore.solve import Target, solve
from calc.expressions import parse_answer
from calc.handout.manifest import load
from calc.spec import from_spec
from tests.conftest import require_program
from tests.fixtures.class_answers import plan, to_csv

ALL_KINDS = "output_shape,params,macs,receptive_field,total_params,formula,solve"

TORCH = """\
dialect: pytorch
name: torch_net
input: [3, n, n]
symbols: {n: 32, c: 8}
layers:
  - Conv2d: {in_channels: 3, out_channels: c, kernel_size: 3, padding: 1}
  - MaxPool2d: {kernel_size: 2}
  - Conv2d: {in_channels: c, out_channels: 16, kernel_size: 5}
  - AdaptiveAvgPool2d: {output_size: 1}
  - Flatten: {}
  - Linear: {in_features: 16, out_features: 10}
vary: {n: [16, 24, 32], c: [4, 8, 12]}
"""


@pytest.fixture(scope="module")
def lenet_all(tmp_path_factory):
    """lenet5 with every kind of question, 6 variants, as Markdown."""
    from calc.cli import main

    out = tmp_path_factory.mktemp("lenet") / "course"
    assert main(["handout", "lenet5", "--variants", "6", "--seed", "3", "--questions", ALL_KINDS, "-o", str(out)]) == 0
    return out


def _fresh(data: dict, variant: dict, entry: dict) -> object:
    """The question's answer computed afresh from the manifest's spec and values, by calc's explore API."""
    model = from_spec(data["spec"])
    values = variant["values"]
    if entry["kind"] == "formula":
        free = entry["free"]
        analysis = model.analyze({k: v for k, v in values.items() if k not in free}, free=free)
        return str(normal_form(quantity(analysis, entry["quantity"]).value, expand=False))
    if entry["kind"] == "solve":
        layer = entry["layer"]
        target = Target(f"{layer}.output_size", "==", entry["target"])
        return solve(model, target, "padding", layer, "0:100", values).solutions
    value = quantity(model.analyze(values), entry["quantity"]).value
    return [None, *(int(v) for v in value)] if isinstance(value, tuple) else int(value)


def test_manifest_matches_a_fresh_computation_for_every_variant(lenet_all):
    data = json.loads((lenet_all / "variants.json").read_text(encoding="utf-8"))
    assert (data["format"], data["version"], data["model"], data["seed"]) == ("calc-handout-variants", 1, "lenet5", 3)
    assert data["kinds"] == ALL_KINDS.split(",")
    assert data["files"] == sorted(p.name for p in lenet_all.iterdir() if p.name != "variants.json")
    kinds = Counter()
    for variant in data["variants"]:
        assert set(variant["values"]) == {"f", "k", "n", "u1", "u2"}
        assert variant["total_marks"] == sum(q["marks"] for q in variant["questions"])
        for number, entry in enumerate(variant["questions"], start=1):
            assert (entry["id"], entry["number"]) == (f"q{number}", number)
            kinds[entry["kind"]] += 1
            fresh = _fresh(data, variant, entry)
            if entry["kind"] == "solve":
                assert fresh == [entry["expected"]]  # asked only where exactly one padding works
            else:
                assert fresh == entry["expected"], (variant["variant"], entry)
    assert set(kinds) == set(ALL_KINDS.split(",")) and kinds["formula"] == kinds["solve"] == 6


def test_hand_worked_answers_of_one_variant(lenet_all):
    """Variant values in, numbers worked by hand: conv2d with k=5 on 48×48×3, f filters, and so on."""
    data = json.loads((lenet_all / "variants.json").read_text(encoding="utf-8"))
    variant = next(v for v in data["variants"] if v["values"]["k"] == 5 and v["values"]["n"] == 48)
    f, u1, u2 = (variant["values"][name] for name in ("f", "u1", "u2"))
    q = {e["quantity"]: e for e in variant["questions"]}
    assert q["conv2d.output_shape"]["expected"] == [None, 44, 44, f]
    assert q["conv2d.params"]["expected"] == (5 * 5 * 3 + 1) * f
    assert q["conv2d.macs"]["expected"] == 44 * 44 * f * 5 * 5 * 3
    assert q["conv2d_1.receptive_field"]["expected"] == 14  # 5, then 6 after pooling, then 6 + 4·2
    assert q["dense_1.params"]["expected"] == u1 * u2 + u2
    assert q["dense_2.params"]["expected"] == u2 * 10 + 10
    assert q["conv2d.padding"]["expected"] == 2 and q["conv2d.padding"]["target"] == 48  # (5 - 1)/2 keeps 48
    assert q["max_pooling2d_1.output_size"]["free"] == ["n"]
    n = sp.Symbol("n", integer=True, positive=True)
    formula = parse_answer(q["max_pooling2d_1.output_size"]["expected"], {"n": n})
    assert [formula.subs(n, size) for size in (32, 28, 48)] == [5, 4, 9]  # ⌊(⌊(n-4)/2⌋-4)/2⌋


def test_every_key_answer_is_graded_correct_against_its_own_variant(cli, lenet_all):
    """The key's "Answer:" line of every question of every variant, as printed, checked with calc check."""
    manifest = lenet_all / "variants.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    checked = 0
    for variant in data["variants"]:
        key = (lenet_all / f"lenet5-{variant['variant']}-key.md").read_text(encoding="utf-8")
        answers = re.findall(r"^\*\*Answer:\*\* (.+) \\\[(\d+) marks?\\\]$", key, re.M)
        assert len(answers) == len(variant["questions"])
        for (answer, marks), entry in zip(answers, variant["questions"]):
            assert int(marks) == entry["marks"]
            answer = answer.strip("$")
            run = cli(
                "check", "--variants", str(manifest), "--variant", str(variant["variant"]),
                "--question", entry["id"], "--answer", answer, "--format", "json",
            )  # fmt: skip
            assert run.status == 0, (entry, answer, run.err, run.out)
            assert run.json()["correct"] is True
            checked += 1
    assert checked == sum(len(v["questions"]) for v in data["variants"])


def test_variants_differ_in_every_asked_answer(lenet_all):
    data = json.loads((lenet_all / "variants.json").read_text(encoding="utf-8"))
    ids = [q["id"] for q in data["variants"][0]["questions"]]
    for qid in ids:
        answers = {json.dumps(q["expected"]) for v in data["variants"] for q in v["questions"] if q["id"] == qid}
        assert len(answers) > 1, qid  # the dense layers' counts too, now that their units are drawn


def test_check_against_a_variant(cli, lenet_all):
    manifest = str(lenet_all / "variants.json")
    data = json.loads(Path(manifest).read_text(encoding="utf-8"))
    entry = next(q for q in data["variants"][1]["questions"] if q["quantity"] == "conv2d.params")
    f = data["variants"][1]["values"]["f"]
    args = ["check", "--variants", manifest, "--variant", "2", "--question", entry["id"]]
    run = cli(*args, "--answer", str(entry["expected"] - f))
    assert run.status == 1 and "mistake: forgot_bias" in run.out
    run = cli(*args[:-1], str(entry["number"]), "--answer", f"{entry['expected']:,}")  # 3 for q3 too
    assert run.status == 0 and run.out.startswith("correct: conv2d params is")
    for bad, words in [
        (["--variant", "99"], "no variant '99' in"),
        (["--question", "q999"], "variant 2 has no question 'q999'"),
    ]:
        changed = list(args)
        changed[changed.index(bad[0]) + 1] = bad[1]
        run = cli(*changed, "--answer", "1")
        assert run.status == 2 and words in run.err and run.err.count("\n") == 1
    run = cli("check", "lenet5", "--variants", manifest, "--variant", "2", "--question", "q1", "--answer", "1")
    assert run.status == 2 and "not used with it" in run.err


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{", "not JSON"),
        ('{"format": "other"}', 'it needs "format": "calc-handout-variants"'),
        ('{"format": "calc-handout-variants", "version": 2}', "version 2; this calc reads version 1"),
        ('{"format": "calc-handout-variants", "version": 1, "model": "m", "spec": {}, "variants": []}', "no variants"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_unusable_manifest_is_one_line(cli, tmp_path, text, words):
    path = tmp_path / "variants.json"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "a.csv").write_text("student,variant,question,answer\n", encoding="utf-8")
    run = cli("grade", str(path), "--answers", str(tmp_path / "a.csv"))
    assert run.status == 2 and words in run.err and run.err.count("\n") == 1, run.err


def test_an_edited_manifest_is_caught(cli, tmp_path, lenet_all):
    data = json.loads((lenet_all / "variants.json").read_text(encoding="utf-8"))
    data["variants"][0]["questions"][1]["expected"] += 1
    path = tmp_path / "variants.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    run = cli("check", "--variants", str(path), "--variant", "1", "--question", "q2", "--answer", "1")
    assert run.status == 2 and "variant 1, q2: the manifest expects" in run.err and "edited?" in run.err


def test_refuses_to_overwrite_a_previous_handout(cli, tmp_path):
    out = tmp_path / "course"
    assert cli("handout", "lenet5", "--variants", "3", "-o", str(out)).status == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    run = cli("handout", "lenet5", "--variants", "2", "--seed", "5", "-o", str(out))
    assert run.status == 2 and run.out == ""
    assert run.err == f"calc: {out}: a handout is already there (variants.json); pass --force to replace it\n"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    run = cli("handout", "lenet5", "--variants", "2", "--seed", "5", "-o", str(out), "--force")
    assert run.status == 0, run.err
    names = sorted(p.name for p in out.iterdir())  # variant 3's files went with the old manifest; notes stay
    made = [f"lenet5-{n}-{p}{end}" for n in (1, 2) for p in ("key", "sheet") for end in ("-figure.svg", ".md")]
    assert names == [*made, "notes.txt", "variants.json"]
    assert json.loads((out / "variants.json").read_text(encoding="utf-8"))["seed"] == 5
    other = tmp_path / "other"
    other.mkdir()
    (other / "lenet5-1-sheet.md").write_text("someone's own sheet", encoding="utf-8")
    run = cli("handout", "lenet5", "-o", str(other))
    assert run.status == 2 and "a handout is already there (lenet5-1-sheet.md)" in run.err


def test_pytorch_variants_and_their_manifest(cli, spec_file, tmp_path):
    path = spec_file(TORCH)
    run = cli("handout", path, "--variants", "4", "--questions", ALL_KINDS, "-o", str(tmp_path / "t"))
    assert run.status == 0, run.err
    data = json.loads((tmp_path / "t" / "variants.json").read_text(encoding="utf-8"))
    assert data["dialect"] == "pytorch" and data["spec"]["vary"] == {"n": [16, 24, 32], "c": [4, 8, 12]}
    for variant in data["variants"]:
        for entry in variant["questions"]:
            fresh = _fresh(data, variant, entry)
            assert fresh == ([entry["expected"]] if entry["kind"] == "solve" else entry["expected"])
    manifest = load(tmp_path / "t" / "variants.json")  # every key answer, as printed, right for its variant
    for variant in data["variants"]:
        key = (tmp_path / "t" / f"torch_net-{variant['variant']}-key.md").read_text(encoding="utf-8")
        answers = re.findall(r"^\*\*Answer:\*\* (.+) \\\[\d+ marks?\\\]$", key, re.M)
        assert len(answers) == len(variant["questions"])
        for answer, entry in zip(answers, variant["questions"]):
            judge = manifest.judge(manifest.variant(variant["variant"]), entry)
            assert judge.check(answer.strip("$")).correct, (entry, answer)
    # conv2d's padding 1 keeps n already (the table would give the answer away): conv2d_1's is asked, k = 5
    solved = {q["quantity"]: q["expected"] for v in data["variants"] for q in v["questions"] if q["kind"] == "solve"}
    assert solved == {"conv2d_1.padding": 2}


# -- grading a class -----------------------------------------------------------------------------------


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_done_when_the_whole_cycle(cli, tmp_path):
    """calc handout lenet5 --variants 30 --seed 1 --format pdf -o course/, then a class of 30 graded."""
    require_program("pdflatex")
    course = tmp_path / "course"
    run = cli("handout", "lenet5", "--variants", "30", "--seed", "1", "--format", "pdf", "-o", f"{course}/")
    assert run.status == 0, run.err
    names = {p.name for p in course.iterdir()}
    assert {"class-sheets.pdf", "class-keys.pdf", "variants.json"} <= names and len(names) == 63
    _each_variant_starts_a_page(course / "class-sheets.pdf", "problem sheet", 30)
    _each_variant_starts_a_page(course / "class-keys.pdf", "solution key", 30)

    manifest = load(course / "variants.json")
    planned = plan(manifest, 30, seed=4)
    answers = tmp_path / "answers.csv"
    answers.write_text(to_csv(planned), encoding="utf-8")
    outcomes = Counter(p.outcome for p in planned)
    assert outcomes["right"] > 100 and outcomes["unreadable"] > 10 and outcomes["wrong"] > 10
    assert sum(n for o, n in outcomes.items() if o not in ("right", "wrong", "unreadable")) > 50
    assert outcomes["arithmetic_slip"] > 5

    report = cli("grade", str(course / "variants.json"), "--answers", str(answers), "--format", "json").json()
    assert report["answers"] == len(planned) and report["correct"] == outcomes["right"]
    for row, grade in zip(planned, report["grades"], strict=True):
        assert grade["correct"] == (row.outcome == "right"), (row, grade)
        assert grade["marks"] == row.marks
        if row.outcome not in ("right", "wrong", "unreadable"):
            assert grade["mistake"] == row.outcome, (row, grade)
    marks = Counter()
    for row in planned:
        marks[row.student] += row.marks
    assert {s["student"]: s["marks"] for s in report["students"]} == dict(marks)
    assert all(s["total_marks"] == manifest.variant(s["variant"]).total_marks for s in report["students"])
    assert [s["variant"] for s in report["students"]] == list(range(1, 31))
    # the tally per question: each planned mistake, counted where it was made
    tally = Counter((p.question, p.outcome) for p in planned if p.outcome not in ("right", "wrong", "unreadable"))
    found = Counter({(q["question"], m): n for q in report["questions"] for m, n in q["mistakes"].items()})
    assert found == tally
    # unreadable answers, listed with their line numbers (the header is line 1)
    unreadable = [i + 2 for i, p in enumerate(planned) if p.outcome == "unreadable"]
    assert [p["line"] for p in report["problems"]] == unreadable

    markdown = cli("grade", str(course / "variants.json"), "--answers", str(answers)).out
    assert markdown.startswith("# Grades: lenet5\n\n") and "## Unreadable answers and unusable rows" in markdown
    assert f"| {unreadable[0]} | " in markdown


def _each_variant_starts_a_page(pdf: Path, words: str, count: int) -> None:
    text = subprocess.run(
        [require_program("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    firsts = [i for i, page in enumerate(pages) if re.search(rf"lenet5, variant \d+: {words}\s+1\n", page)]
    assert len(firsts) == count
    for number, first in enumerate(firsts, start=1):
        assert f"lenet5, variant {number}: {words}" in pages[first]
        assert f"(variant {number})" in pages[first]  # the title opens the variant's first page


def test_partial_credit_for_a_mistake_made_alone(cli, tmp_path, lenet_all):
    """Half marks for an arithmetic slip in the last step (the checker's arithmetic_slip), none otherwise."""
    manifest = lenet_all / "variants.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    variant = data["variants"][0]
    entry = next(q for q in variant["questions"] if q["quantity"] == "conv2d.params")
    f = variant["values"]["f"]
    digits = str(entry["expected"])
    swapped = next(
        digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
        for i in range(len(digits) - 1)
        if digits[i] != digits[i + 1]
    )
    (tmp_path / "a.csv").write_text(
        "student,variant,question,answer\n"
        f"ann,1,{entry['id']},{swapped}\n"  # the right count with two digits swapped: a slip alone
        f"bob,1,{entry['id']},{entry['expected'] - f}\n"  # forgot_bias: a wrong rule, no credit
        f"cid,1,{entry['id']},{entry['expected'] + 1}\n",  # nothing catalogued: no credit
        encoding="utf-8",
    )
    args = ["grade", str(manifest), "--answers", str(tmp_path / "a.csv"), "--format", "json"]
    report = cli(*args, "--partial", "arithmetic_slip=0.5").json()
    assert [g["mistakes"] for g in report["grades"]] == [["arithmetic_slip"], ["forgot_bias"], []]
    assert [s["marks"] for s in report["students"]] == [entry["marks"] / 2, 0, 0]
    assert report["partial"] == {"arithmetic_slip": 0.5}
    assert [s["marks"] for s in cli(*args).json()["students"]] == [0, 0, 0]  # full or nothing by default
    both = cli(*args, "--partial", "arithmetic_slip=0.5,forgot_bias=0.25").json()
    assert [s["marks"] for s in both["students"]] == [entry["marks"] / 2, entry["marks"] / 4, 0]
    for bad in ("forgot_bias", "forgot_bias=2", "x y=0.5"):
        run = cli(*args, "--partial", bad)
        assert run.status == 2 and "--partial" in run.err and run.err.count("\n") == 1


def test_bad_rows_never_stop_the_class(cli, tmp_path, lenet_all):
    manifest = lenet_all / "variants.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    right = data["variants"][0]["questions"][1]
    (tmp_path / "a.csv").write_text(
        "Student,Variant,Question,Answer\n"
        f"ann,1,{right['id']},{right['expected']}\n"
        "ann,2,q1,3\n"  # another variant than her first row's
        f"ann,1,{right['id']},{right['expected']}\n"  # answered twice
        "bob,99,q1,3\n"
        "bob,1,q999,3\n"
        ",1,q1,3\n"
        "carl,,q1,3\n"
        "dora,1,,3\n"
        "eve,1,q1\n"
        "fay,1,q2,__import__('os')\n",
        encoding="utf-8",
    )
    report = cli("grade", str(manifest), "--answers", str(tmp_path / "a.csv"), "--format", "json").json()
    problems = {p["line"]: p["problem"] for p in report["problems"]}
    assert problems[3] == "ann answered variant 1 on line 2, not variant 2"
    assert problems[4] == f"{right['id']} was answered on line 2 already"
    assert "no variant '99'" in problems[5] and "variant 1 has no question 'q999'" in problems[6]
    assert (problems[7], problems[8], problems[9], problems[10]) == (
        "no student name",
        "no variant",
        "no question",
        "3 fields but 4 columns",
    )
    assert "unexpected character" in problems[11]
    assert report["correct"] == 1 and report["students"][0]["marks"] == right["marks"]


def test_spreadsheet_formulas_are_neutralised_in_every_csv(cli, tmp_path, lenet_all, spec_file):
    manifest = lenet_all / "variants.json"
    hostile = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1"]
    lines = ["student,variant,question,answer"] + [f'"{h}",1,q1,"{h}"' for h in hostile]
    (tmp_path / "a.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = cli("grade", str(manifest), "--answers", str(tmp_path / "a.csv"), "--format", "csv").out
    cells = [cell for row in csv.reader(io.StringIO(out)) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t")]
    assert sum(c == "'" + hostile[0] for c in cells) >= 2  # the name and the answer, kept readable
    # calc sweep --format csv: a hostile layer name in the header and in the reasons
    path = spec_file(
        "input: [8, 8, 3]\nsymbols: {k: 3}\nlayers:\n  - Conv2D: {filters: 4, kernel_size: k, name: '=HYPERLINK(1)'}\n"
    )
    out = cli("sweep", path, "--vary", "k=3,9", "--quantity", "=HYPERLINK(1).params").out
    cells = [cell for row in csv.reader(io.StringIO(out)) for cell in row]
    assert "'=HYPERLINK(1).params" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


@pytest.mark.parametrize("seed", range(6))
def test_even_two_variants_differ_in_every_answer(seed):
    """Two variants are enough for every question to have two answers: a draw that leaves one answer
    the same in both (conv2d's receptive field is k, dense_2's parameters 10·u2 + 10) is replaced."""
    from calc import handout

    built = handout.build("lenet5", ALL_KINDS.split(","), variants=2, seed=seed)
    for first, second in zip(built[0].questions, built[1].questions, strict=True):
        assert first.quantity == second.quantity
        assert str(first.expected) != str(second.expected), first.quantity
    assert built[0].values["k"] != built[1].values["k"] and built[0].values["u2"] != built[1].values["u2"]


def test_a_spec_that_fixes_an_answer_keeps_it(spec_file):
    """vary: only k: the dense layer's count does not depend on it, and calc does not pretend otherwise."""
    from calc import handout

    path = spec_file("input: [16, 16, 1]\nsymbols: {k: 3}\nvary: {k: [3, 5]}\nlayers:\n"
                     "  - Conv2D: {filters: 4, kernel_size: k}\n  - GlobalAveragePooling2D: {}\n"
                     "  - Dense: {units: 2}\n")  # fmt: skip
    built = handout.build(path, variants=2, seed=0)
    answers = {q.quantity: {str(h.questions[q.number - 1].expected) for h in built} for q in built[0].questions}
    assert answers == {
        "conv2d.output_shape": {"(14, 14, 4)", "(12, 12, 4)"},
        "conv2d.params": {"40", "104"},  # (9 + 1)·4 and (25 + 1)·4
        "dense.params": {"10"},  # 4·2 + 2 whatever k is
        "total_params": {"50", "114"},
    }


def test_class_report_escapes_names_and_counts_partial_credit(cli, tmp_path, lenet_all):
    manifest = lenet_all / "variants.json"
    (tmp_path / "a.csv").write_text(
        'student,variant,question,answer\n"<script>alert(1)</script> | x",1,q1,3\n', encoding="utf-8"
    )
    run = cli("grade", str(manifest), "--answers", str(tmp_path / "a.csv"), "--partial", "forgot_bais=0.5")
    assert run.status == 0, run.err
    assert "<script>" not in run.out and "&lt;script&gt;" in run.out and "\\| x" in run.out
    assert "forgot\\_bais alone earns 0.5 of the marks (0 answers: no answer made this mistake" in run.out


def test_grade_class_from_python(tmp_path, lenet_all):
    import calc

    (tmp_path / "a.csv").write_text("student,variant,question,answer\nann,1,q1,3\n", encoding="utf-8")
    report = calc.grade_class(lenet_all / "variants.json", tmp_path / "a.csv", {"forgot_bias": 0.5})
    assert report.students()[0]["marks"] == 0 and report.partial == {"forgot_bias": 0.5}
    assert report._repr_markdown_().startswith("# Grades: lenet5\n")


def test_the_sheet_figure_leaves_the_answers_out(lenet_all):
    """The architecture figure (calc.figures) on a sheet names the layers but shows no shape or count the
    sheet asks for; the key's figure shows them all."""
    data = json.loads((lenet_all / "variants.json").read_text(encoding="utf-8"))
    variant = data["variants"][0]
    sheet = (lenet_all / "lenet5-1-sheet-figure.svg").read_text(encoding="utf-8")
    key = (lenet_all / "lenet5-1-key-figure.svg").read_text(encoding="utf-8")
    assert "![The layers of lenet5](lenet5-1-sheet-figure.svg)" in (lenet_all / "lenet5-1-sheet.md").read_text(
        encoding="utf-8"
    )
    texts = lambda svg: re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)  # noqa: E731
    for entry in variant["questions"]:
        if entry["kind"] in ("output_shape", "params", "total_params"):
            shown = (
                entry["expected_text"]
                if entry["kind"] != "output_shape"
                else " × ".join(entry["expected_text"][7:-1].split(", "))
            )
            assert not any(shown in t for t in texts(sheet)), (entry, shown)
            assert any(shown in t for t in texts(key)), (entry, shown)
    assert {"conv2d", "Conv2D", "dense_2", "Dense"} <= set(texts(sheet))
