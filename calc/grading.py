"""Grading a class: a CSV of answers (``student,layer,quantity,answer``) checked against one model.

Each (layer, quantity) becomes one ``Question``, built once, so the expected value and the mistake
catalogue are computed once however many students answer it; identical answers to a question are
judged once too. A row that cannot be used (missing fields, an unknown layer, an unreadable answer)
is listed with its line number and graded incorrect: one bad row never stops the run.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calc.checker import CheckResult, Question, analyze
from calc.errors import CalcError
from calc.explore.quantities import QUANTITIES
from calc.files import read_capped
from calc.model import Analysis, Sequential
from calc.render.math import readable, readable_shape

COLUMNS = ("student", "layer", "quantity", "answer")
MAX_FILE_BYTES = 50_000_000
NO_NAME = "(no name)"


@dataclass
class Row:
    """One line of the answers file."""

    line: int
    student: str
    layer: str | None
    quantity: str
    answer: str
    problem: str | None = None  # a problem with the row itself (not its answer)


@dataclass
class Grade:
    """One row, graded."""

    row: Row
    correct: bool
    mistake: str | None = None
    problem: str | None = None
    result: CheckResult | None = field(default=None, repr=False)
    #: every mistake diagnosed (two made together count once each in the tallies); ``mistake`` is the first
    mistakes: tuple[str, ...] = ()


@dataclass
class QuestionStats:
    layer: str | None
    quantity: str
    expected: str  # sympy syntax, as in the JSON of calc check
    readable: str  # for people: 62,958
    answers: int = 0
    correct: int = 0
    mistakes: Counter = field(default_factory=Counter)


class Report:
    """The grades of a class: per student, per question, the mistakes, and the rows with problems."""

    def __init__(self, analysis: Analysis, grades: list[Grade], questions: dict[tuple, Question]):
        self.analysis = analysis
        self.grades = grades
        self._questions = questions

    @property
    def model(self) -> str:
        return self.analysis.model

    def students(self) -> list[tuple[str, int, int]]:
        """(student, correct, answers), in the order students first appear."""
        totals: dict[str, list[int]] = {}
        for grade in self.grades:
            counts = totals.setdefault(grade.row.student or NO_NAME, [0, 0])
            counts[0] += grade.correct
            counts[1] += 1
        return [(name, correct, answers) for name, (correct, answers) in totals.items()]

    def questions(self) -> list[QuestionStats]:
        """Statistics of every question that could be asked, in the model's layer order (totals last)."""
        stats: dict[tuple, QuestionStats] = {}
        for grade in self.grades:
            key = (grade.row.layer, grade.row.quantity)
            question = self._questions.get(key)
            if not isinstance(question, Question):
                continue
            if key not in stats:
                expected = question.expected
                text = readable_shape(expected) if isinstance(expected, tuple) else readable(expected)
                stats[key] = QuestionStats(key[0], key[1], question.show(expected), text)
            entry = stats[key]
            entry.answers += 1
            entry.correct += grade.correct
            entry.mistakes.update(grade.mistakes)
        order = {record.name: record.index for record in self.analysis.records}
        quantities = list(QUANTITIES)
        return sorted(
            stats.values(),
            key=lambda q: (order.get(q.layer, len(order) + 1), quantities.index(q.quantity)),
        )

    def mistakes(self) -> list[tuple[str, int, int, list[str]]]:
        """(mistake, answers, students, questions) over the class, most frequent first; an answer with two
        mistakes made together counts for each."""
        answers: Counter = Counter()
        students: dict[str, set[str]] = {}
        where: dict[str, dict[str, None]] = {}
        for grade in self.grades:
            for mistake in grade.mistakes:
                answers[mistake] += 1
                students.setdefault(mistake, set()).add(grade.row.student)
                label = f"{grade.row.layer} {grade.row.quantity}" if grade.row.layer else grade.row.quantity
                where.setdefault(mistake, {})[label] = None
        return [
            (m, n, len(students[m]), list(where[m])) for m, n in sorted(answers.items(), key=lambda x: (-x[1], x[0]))
        ]

    def problems(self) -> list[Grade]:
        return [grade for grade in self.grades if grade.problem]

    @property
    def correct(self) -> int:
        return sum(grade.correct for grade in self.grades)

    # -- output ---------------------------------------------------------------------------------------

    def render(self, fmt: str) -> str:
        if fmt == "json":
            return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        if fmt == "csv":
            return self.to_csv()
        from calc.render.templating import render

        return render("grades", "markdown", report=self, percent=_percent)

    def _repr_markdown_(self) -> str:
        return self.render("markdown")

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "answers": len(self.grades),
            "correct": self.correct,
            "students": [
                {"student": name, "answers": answers, "correct": correct, "score": _score(correct, answers)}
                for name, correct, answers in self.students()
            ],
            "questions": [
                {
                    "layer": q.layer,
                    "quantity": q.quantity,
                    "expected": q.expected,
                    "answers": q.answers,
                    "correct": q.correct,
                    "score": _score(q.correct, q.answers),
                    "mistakes": dict(q.mistakes.most_common()),
                }
                for q in self.questions()
            ],
            "mistakes": [
                {"mistake": m, "answers": n, "students": s, "questions": qs} for m, n, s, qs in self.mistakes()
            ],
            "problems": [{"line": g.row.line, "student": g.row.student, "problem": g.problem} for g in self.problems()],
            "grades": [
                {
                    "line": g.row.line,
                    "student": g.row.student,
                    "layer": g.row.layer,
                    "quantity": g.row.quantity,
                    "answer": g.row.answer,
                    "correct": g.correct,
                    "mistake": g.mistake,
                    "mistakes": list(g.mistakes),
                }
                for g in self.grades
            ],
        }

    def to_csv(self) -> str:
        """One table in sections (the ``section`` column): student, question, mistake, problem, grade."""
        out = io.StringIO()
        columns = ["section", "student", "layer", "quantity", "line", "answer", "correct", "answers", "score"]
        columns += ["mistake", "students", "detail"]
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        rows: list[dict[str, Any]] = []
        for name, correct, answers in self.students():
            rows.append({"section": "student", "student": name, "correct": correct, "answers": answers})
            rows[-1]["score"] = _score(correct, answers)
        for q in self.questions():
            common = ", ".join(f"{m} {n}" for m, n in q.mistakes.most_common())
            rows.append(
                {"section": "question", "layer": q.layer or "", "quantity": q.quantity, "correct": q.correct}
                | {"answers": q.answers, "score": _score(q.correct, q.answers), "mistake": common, "detail": q.expected}
            )
        for mistake, answers, students, questions in self.mistakes():
            rows.append({"section": "mistake", "mistake": mistake, "answers": answers, "students": students})
            rows[-1]["detail"] = "; ".join(questions)
        for g in self.problems():
            rows.append({"section": "problem", "student": g.row.student, "line": g.row.line, "detail": g.problem})
        for g in self.grades:
            rows.append(
                {"section": "grade", "student": g.row.student, "layer": g.row.layer or "", "line": g.row.line}
                | {"quantity": g.row.quantity, "answer": g.row.answer, "correct": int(g.correct)}
                | {"mistake": "+".join(g.mistakes)}
            )
        for row in rows:
            writer.writerow({key: _cell(value) for key, value in row.items()})
        return out.getvalue()


def _score(correct: int, answers: int) -> float:
    return round(correct / answers, 4) if answers else 0.0


def _percent(correct: int, answers: int) -> str:
    return f"{100 * correct / answers:.0f}%" if answers else "–"


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) is quoted with a leading '; NUL bytes,
    which end a cell early in some readers, are dropped."""
    if isinstance(value, str):
        value = value.replace("\x00", "")
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
    return value


def read_answers(path: str | Path) -> list[Row]:
    """The rows of an answers CSV; a bad file is a CalcError, a bad row is a Row with a problem."""
    path = Path(path)
    source = str(path)
    data = read_capped(path, MAX_FILE_BYTES)  # capped as it is read: /dev/stdin or a FIFO reports no size
    try:
        text = data.decode("utf-8-sig")  # Excel writes a byte-order mark
    except UnicodeDecodeError:
        raise CalcError("the file is not UTF-8 text", source=source) from None
    try:
        return parse_answers(text.splitlines(keepends=True))
    except CalcError as error:
        raise error.within(source=source) from None


def parse_answers(lines: Iterable[str]) -> list[Row]:
    """Rows from CSV text with a header naming the columns (in any order; others ignored)."""
    records = _records(lines)
    try:
        _, header, problem = next(records)
    except StopIteration:
        raise CalcError("the file is empty: it needs a header line student,layer,quantity,answer") from None
    if problem:
        raise CalcError(f"malformed CSV header: {problem}")
    names = [name.strip().lower() for name in header]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise CalcError(f"the CSV lacks the column{plural} {', '.join(missing)} (its header needs {','.join(COLUMNS)})")
    index = {column: names.index(column) for column in COLUMNS}
    rows: list[Row] = []
    for line, fields, problem in records:
        if problem:
            student = fields[index["student"]].strip() if len(fields) > index["student"] else ""
            rows.append(Row(line, student, None, "", "", problem=problem))
        elif any(cell.strip() for cell in fields):
            rows.append(_row(line, fields, index, len(names)))
    return rows


def _records(lines: Iterable[str]) -> Iterator[tuple[int, list[str], str | None]]:
    """Each line's fields, or what is wrong with it. Every line is read on its own, so a quote left
    open cannot swallow the rows after it (an answer never spans lines)."""
    for number, line in enumerate(lines, start=1):
        try:
            fields = next(csv.reader([line.rstrip("\r\n") + "\n"]), [])
        except csv.Error as error:  # e.g. a field larger than csv's limit
            yield number, [], f"malformed CSV: {error}"
            continue
        if fields and fields[-1].endswith("\n"):  # the newline was read into a quoted field
            yield number, fields, 'malformed CSV: a quote (") opened on this line is not closed'
            continue
        yield number, fields, None


def _row(line: int, fields: list[str], index: dict[str, int], width: int) -> Row:
    def cell(column: str) -> str:
        position = index[column]
        return fields[position].strip() if position < len(fields) else ""

    row = Row(line, cell("student"), cell("layer") or None, cell("quantity"), cell("answer"))
    if len(fields) > width:
        row.problem = f'{len(fields)} fields but {width} columns (quote an answer that has a comma: "62,958")'
    elif len(fields) < width:
        row.problem = f"{len(fields)} fields but {width} columns"
    elif not row.student:
        row.problem = "no student name"
    elif not row.quantity:
        row.problem = "no quantity"
    return row


def grade_rows(analysis: Analysis, rows: Iterable[Row]) -> Report:
    """Grade every row; each question and each distinct answer to it is worked out once."""
    questions: dict[tuple, Question | str] = {}
    judged: dict[tuple, CheckResult] = {}
    grades: list[Grade] = []
    for row in rows:
        if row.problem:
            grades.append(Grade(row, False, problem=row.problem))
            continue
        key = (row.layer, row.quantity)
        if key not in questions:
            try:
                questions[key] = Question(analysis, row.quantity, row.layer)
            except CalcError as error:
                questions[key] = error.message
        question = questions[key]
        if isinstance(question, str):
            grades.append(Grade(row, False, problem=question))
            continue
        answer_key = (*key, row.answer)
        result = judged.get(answer_key)
        if result is None:
            try:
                result = judged[answer_key] = question.check(row.answer)
            except Exception as error:  # noqa: BLE001 - one row's failure, whatever it is, never stops the class
                grades.append(Grade(row, False, problem=f"unreadable: {_failure(error)}"))
                continue
        grades.append(Grade(row, result.correct, result.mistake, result.problem, result, result.mistakes))
    return Report(analysis, grades, questions)


def _failure(error: Exception) -> str:
    """What went wrong with one row (a CalcError's message quotes at most a few words of the answer)."""
    return (
        error.message if isinstance(error, CalcError) else f"the answer could not be checked ({type(error).__name__})"
    )


def grade_file(analysis: Analysis, path: str | Path) -> Report:
    """Grade the answers CSV at ``path`` against the analysed model."""
    return grade_rows(analysis, read_answers(path))


def grade(
    model: Sequential | Analysis | str,
    answers: str | Path | Iterable[Mapping[str, Any]],
    values: Mapping[str, Any] | None = None,
) -> Report:
    """Grade a class from Python: ``answers`` is a CSV path or mappings with the keys student, layer,
    quantity and answer (layer None or empty for totals). The report shows as Markdown in Jupyter."""
    analysis = analyze(model, values)
    if isinstance(answers, str | Path):
        return grade_file(analysis, answers)
    index = {column: i for i, column in enumerate(COLUMNS)}
    rows = []
    for line, item in enumerate(answers, start=1):
        fields = ["" if item.get(column) is None else str(item.get(column)) for column in COLUMNS]
        rows.append(_row(line, fields, index, len(COLUMNS)))
    return grade_rows(analysis, rows)
