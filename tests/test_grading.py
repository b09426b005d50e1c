"""Grading a class's CSV: scores, per-question statistics, the mistake tally; bad rows never abort."""

from __future__ import annotations

import csv
import io

import pytest

from calc.checker import Question
from calc.grading import grade, grade_rows, parse_answers
from calc.spec import from_text

CLASS = """\
student,layer,quantity,answer
alice,conv2d,params,608
alice,conv2d,output_shape,28x28x8
alice,,total_params,"62,958"
bob,conv2d,params,600
bob,conv2d,output_shape,"(27, 27, 8)"
bob,,total_params,62720
carol,conv2d,params,f(3k²+1)
carol,flatten,output_shape,25
carol,,total_params,62 958
dave,conv2d,params,600
dave,conv2d_1,params,1216
dave,,total_params,62,958
"""


@pytest.fixture
def answers(tmp_path):
    def write(text: str = CLASS) -> str:
        path = tmp_path / "answers.csv"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def test_markdown_report(cli, answers):
    run = cli("check", "lenet5", "--answers", answers())
    assert run.status == 0, run.err
    out = run.out
    assert out.startswith("# Grades: lenet5\n\n12 answers from 4 students; 5 correct (42%).")
    assert "| alice | 3 | 3 | 100% |" in out
    assert "| bob | 0 | 3 | 0% |" in out
    assert "| carol | 2 | 3 | 67% |" in out
    assert "| conv2d | params | 608 | 4 | 2 (50%) | forgot\\_bias × 2 |" in out
    assert "| (model) | total\\_params | 62,958 | 4 | 2 (50%) | forgot\\_bias × 1 |" in out
    # the tally across the class: forgot_bias 3 times (twice conv2d, once in every layer of the total)
    assert "| forgot\\_bias | 3 | 2 | conv2d params; total\\_params |" in out
    assert "| wrong\\_input\\_channels | 1 | 1 | conv2d\\_1 params |" in out
    # dave's unquoted 62,958 splits into two fields: reported, graded incorrect, the run goes on
    assert "| 13 | dave | 5 fields but 4 columns" in out


def test_json_report(cli, answers):
    data = cli("check", "lenet5", "--answers", answers(), "--format", "json").json()
    assert list(data) == ["model", "answers", "correct", "students", "questions", "mistakes", "problems", "grades"]
    assert (data["answers"], data["correct"]) == (12, 5)
    assert data["students"][0] == {"student": "alice", "answers": 3, "correct": 3, "score": 1.0}
    conv = next(q for q in data["questions"] if (q["layer"], q["quantity"]) == ("conv2d", "params"))
    assert conv == {
        "layer": "conv2d",
        "quantity": "params",
        "expected": "608",
        "answers": 4,
        "correct": 2,
        "score": 0.5,
        "mistakes": {"forgot_bias": 2},
    }
    assert data["mistakes"][0] == {
        "mistake": "forgot_bias",
        "answers": 3,
        "students": 2,
        "questions": ["conv2d params", "total_params"],
    }
    assert data["problems"] == [{"line": 13, "student": "dave", "problem": data["problems"][0]["problem"]}]
    assert data["grades"][4] == {
        "line": 6,
        "student": "bob",
        "layer": "conv2d",
        "quantity": "output_shape",
        "answer": "(27, 27, 8)",
        "correct": False,
        "mistake": "forgot_plus_one",
        "mistakes": ["forgot_plus_one"],
    }


def test_csv_report(cli, answers):
    run = cli("check", "lenet5", "--answers", answers(), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(run.out)))
    sections = [row["section"] for row in rows]
    assert sections == ["student"] * 4 + ["question"] * 5 + ["mistake"] * 4 + ["problem"] + ["grade"] * 12
    assert rows[0]["student"] == "alice" and rows[0]["score"] == "1.0"
    tally = {row["mistake"]: int(row["answers"]) for row in rows if row["section"] == "mistake"}
    assert tally == {"forgot_bias": 3, "forgot_plus_one": 1, "flatten_product_wrong": 1, "wrong_input_channels": 1}


def test_bad_rows_are_reported_and_graded_incorrect(cli, answers):
    text = (
        "Student, Layer, Quantity, Answer, Comment\n"  # columns in any case, extra ones ignored
        "ann,conv9,params,3,\n"
        "ann,conv2d,weights,3,\n"
        "ann,conv2d,params,8 76,\n"
        ",conv2d,params,608,\n"
        "ann,conv2d,,608,\n"
        "ann,conv2d\n"
        'ann,conv2d,params,"' + "9" * 200_000 + '",\n'
        "ann,conv2d,params,__import__('os'),\n"
        "ann,conv2d,params,9**9**9**9,\n"
        "ann,conv2d,params,608,\n"
    )
    data = cli("check", "lenet5", "--answers", answers(text), "--format", "json").json()
    problems = {p["line"]: p["problem"] for p in data["problems"]}
    assert "no layer named 'conv9'" in problems[2]
    assert "unknown quantity 'weights'" in problems[3]
    assert "two numbers in a row" in problems[4]
    assert problems[5] == "no student name"
    assert problems[6] == "no quantity"
    assert problems[7] == "2 fields but 5 columns"
    assert "malformed CSV: field larger than field limit" in problems[8]
    assert "unexpected character" in problems[9]
    assert "exponent" in problems[10]
    assert len(data["grades"]) == 10 and data["correct"] == 1  # only the last row is right
    assert data["students"][0] == {"student": "ann", "answers": 8, "correct": 1, "score": 0.125}


def test_each_question_and_answer_is_worked_out_once(monkeypatch):
    built, judged = [], []
    real_init, real_judge = Question.__init__, Question.judge

    def counting_init(self, *args, **kwargs):
        built.append(args)
        real_init(self, *args, **kwargs)

    def counting_judge(self, value, prefer=()):
        judged.append(value)
        return real_judge(self, value, prefer)

    monkeypatch.setattr(Question, "__init__", counting_init)
    monkeypatch.setattr(Question, "judge", counting_judge)
    rows = [{"student": f"s{i}", "layer": "conv2d", "quantity": "params", "answer": "600"} for i in range(50)]
    report = grade("lenet5", rows)
    assert len(built) == 1 and len(judged) == 1
    assert report.mistakes() == [("forgot_bias", 50, 50, ["conv2d params"])]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name,answer\nann,3\n", ["answers.csv", "lacks the columns student, layer, quantity"]),
        ("", ["answers.csv", "the file is empty"]),
    ],
)
def test_unusable_file(cli, answers, text, words):
    run = cli("check", "lenet5", "--answers", answers(text))
    assert run.status == 2 and run.err.count("\n") == 1
    for word in words:
        assert word in run.err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--answers", "missing.csv"], ["missing.csv", "cannot read the file"]),
        (["--answers", "x.csv", "--layer", "conv2d"], ["come from the CSV's columns"]),
        (["--answers", "x.csv", "--format", "text"], ["is for one answer"]),
        (["--answers", "x.csv", "--answer", "3"], ["not allowed with argument"]),
    ],
)
def test_unusable_command_line(cli, args, words):
    run = cli("check", "lenet5", *args)
    assert run.status == 2 and run.err.count("\n") == 1, run.err
    for word in words:
        assert word in run.err


def test_spreadsheet_formulas_are_defused_in_csv(cli, answers):
    text = 'student,layer,quantity,answer\n=HYPERLINK("http://x"),conv2d,params,-608\n'
    run = cli("check", "lenet5", "--answers", answers(text), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(run.out)))
    assert rows[0]["student"] == '\'=HYPERLINK("http://x")'
    assert rows[-1]["answer"] == "'-608"


def test_names_cannot_inject_markdown(cli, answers):
    text = "student,layer,quantity,answer\n<script>x</script> | evil,conv2d,params,608\n"
    out = cli("check", "lenet5", "--answers", answers(text)).out
    assert "<script>" not in out and "&lt;script&gt;x&lt;/script&gt; \\| evil" in out


def test_parse_answers_reads_quoted_newlines():
    rows = parse_answers(["student,layer,quantity,answer\n", 'a,conv2d,params,"60\n8"\n', "b,conv2d,params,608\n"])
    assert [(r.student, r.answer) for r in rows] == [("a", "60\n8"), ("b", "608")]


POOL_201 = (
    "dialect: pytorch\ninput: [256, 80, 201]\nlayers:\n  - MaxPool2d: {kernel_size: 3, stride: 2, ceil_mode: true}\n"
)


@pytest.mark.parametrize("workers", [1, 2])
def test_an_ambiguous_answer_takes_the_mistake_the_student_made_elsewhere(monkeypatch, workers):
    """39 for ⌈77/2⌉ + 1 = 40 is rounding down or the + 1 left out; 99 for ⌈198/2⌉ + 1 = 100 can only be the
    + 1 left out. Bob wrote both, so his 39 is that mistake; Ann, who wrote only 39, gets both named."""
    import calc.spread

    monkeypatch.setattr(calc.spread, "CHARACTERS_PER_WORKER", 1)  # two processes for even this class
    rows = [
        {"student": "bob", "layer": "max_pool2d", "quantity": "output_width", "answer": "99"},
        {"student": "bob", "layer": "max_pool2d", "quantity": "output_height", "answer": "39"},
        {"student": "ann", "layer": "max_pool2d", "quantity": "output_height", "answer": "39"},
        {"student": "cy", "layer": "max_pool2d", "quantity": "output_width", "answer": "99"},
        {"student": "cy", "layer": "max_pool2d", "quantity": "output_height", "answer": "39"},
    ]
    model = from_text(POOL_201, suffix=".yaml").analyze()
    here: list[str] = []  # answers judged again in this process (a worker's list is its own)
    real_check = Question.check

    def check(self, text, prefer=()):
        here.extend([text] if prefer else [])
        return real_check(self, text, prefer)

    monkeypatch.setattr(Question, "check", check)
    report = grade_rows(model, parse_answers(_csv(rows)), workers)
    assert here == (["39"] if workers == 1 else [])  # bob's and cy's 39 judged again once, in a worker if any
    assert [g.mistakes for g in report.grades] == [("forgot_plus_one",)] * 2 + [()] + [("forgot_plus_one",)] * 2
    assert report.grades[2].result.alternatives == ("rounded_wrong_way", "forgot_plus_one")
    assert report.grades[1].result.feedback.startswith("You left out the + 1")  # worked out again if need be


def _csv(rows: list[dict]) -> list[str]:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["student", "layer", "quantity", "answer"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().splitlines(keepends=True)
