"""Grading a class: a CSV of answers checked against one model (``student,layer,quantity,answer``,
``calc check --answers``) or, each student against their own variant of a handout, against the variant
manifest (``student,variant,question,answer``, ``calc grade``).

Each question becomes one checker ``Question``, built once, so the expected value and the mistake
catalogue are computed once however many students answer it; identical answers to a question are
judged once too. A row that cannot be used (missing fields, an unknown layer, an unreadable answer)
is listed with its line number and graded incorrect: one bad row never stops the run. Graded against a
manifest, each question is worth its marks: all of them when right, none when wrong, or the fraction
``partial`` gives a catalogued mistake made alone (``arithmetic_slip=0.5``).
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
from calc.render.spreadsheet import safe_cell
from calc.spread import judge_all

COLUMNS = ("student", "layer", "quantity", "answer")
VARIANT_COLUMNS = ("student", "variant", "question", "answer")
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
    variant: str = ""  # graded against a manifest: the variant and the question id
    question: str = ""


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
    #: graded against a manifest: the marks given, the question's marks, and the question's entry
    marks: float = 0.0
    out_of: float = 0.0
    entry: dict | None = field(default=None, repr=False)


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

    template = "grades"  # the Markdown report's template

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
                where.setdefault(mistake, {})[self.label(grade)] = None
        return [
            (m, n, len(students[m]), list(where[m])) for m, n in sorted(answers.items(), key=lambda x: (-x[1], x[0]))
        ]

    def label(self, grade: Grade) -> str:
        """Where a mistake was made, for the tally: 'conv2d params'."""
        return f"{grade.row.layer} {grade.row.quantity}" if grade.row.layer else grade.row.quantity

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

        return render(self.template, "markdown", report=self, percent=_percent)

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
            **self._class_tallies(),
        }

    def _class_tallies(self) -> dict[str, Any]:
        """The JSON of the mistakes across the class, the unusable rows and every graded row."""
        return {
            "mistakes": [
                {"mistake": m, "answers": n, "students": s, "questions": qs} for m, n, s, qs in self.mistakes()
            ],
            "problems": [{"line": g.row.line, "student": g.row.student, "problem": g.problem} for g in self.problems()],
            "grades": [
                {
                    "line": g.row.line,
                    "student": g.row.student,
                    **self._asked(g),
                    "answer": g.row.answer,
                    "correct": g.correct,
                    **self._marked(g),
                    "mistake": g.mistake,
                    "mistakes": list(g.mistakes),
                }
                for g in self.grades
            ],
        }

    def _asked(self, grade: Grade) -> dict[str, Any]:
        return {"layer": grade.row.layer, "quantity": grade.row.quantity}

    def _marked(self, grade: Grade) -> dict[str, Any]:
        return {}

    def to_csv(self) -> str:
        """One table in sections (the ``section`` column): student, question, mistake, problem, grade."""
        columns = ["section", "student", "layer", "quantity", "line", "answer", "correct", "answers", "score"]
        columns += ["mistake", "students", "detail"]
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
        return csv_text(columns, rows + self._csv_tallies())

    def _csv_tallies(self) -> list[dict[str, Any]]:
        """The CSV rows of the mistakes across the class, the unusable rows and every graded row."""
        rows: list[dict[str, Any]] = []
        for mistake, answers, students, questions in self.mistakes():
            rows.append({"section": "mistake", "mistake": mistake, "answers": answers, "students": students})
            rows[-1]["detail"] = "; ".join(questions)
        for g in self.problems():
            rows.append({"section": "problem", "student": g.row.student, "line": g.row.line, "detail": g.problem})
        for g in self.grades:
            rows.append({"section": "grade", "student": g.row.student, "line": g.row.line, **self._asked(g)})
            rows[-1] |= {"answer": g.row.answer, "correct": int(g.correct), **self._marked(g)}
            rows[-1]["mistake"] = "+".join(g.mistakes)
        return rows


def _score(correct: int, answers: int) -> float:
    return round(correct / answers, 4) if answers else 0.0


def _percent(correct: int, answers: int) -> str:
    return f"{100 * correct / answers:.0f}%" if answers else "–"


def read_answers(path: str | Path, columns: tuple[str, ...] = COLUMNS) -> list[Row]:
    """The rows of an answers CSV; a bad file is a CalcError, a bad row is a Row with a problem."""
    path = Path(path)
    source = str(path)
    data = read_capped(path, MAX_FILE_BYTES)  # capped as it is read: /dev/stdin or a FIFO reports no size
    try:
        text = data.decode("utf-8-sig")  # Excel writes a byte-order mark
    except UnicodeDecodeError:
        raise CalcError("the file is not UTF-8 text", source=source) from None
    try:
        return parse_answers(text.splitlines(keepends=True), columns)
    except CalcError as error:
        raise error.within(source=source) from None


def parse_answers(lines: Iterable[str], columns: tuple[str, ...] = COLUMNS) -> list[Row]:
    """Rows from CSV text with a header naming the columns (in any order; others ignored)."""
    records = _records(lines)
    try:
        _, header, problem = next(records)
    except StopIteration:
        raise CalcError(f"the file is empty: it needs a header line {','.join(columns)}") from None
    if problem:
        raise CalcError(f"malformed CSV header: {problem}")
    names = [name.strip().lower() for name in header]
    missing = [column for column in columns if column not in names]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise CalcError(f"the CSV lacks the column{plural} {', '.join(missing)} (its header needs {','.join(columns)})")
    index = {column: names.index(column) for column in columns}
    rows: list[Row] = []
    for line, fields, problem in records:
        if problem:
            where = index.get("student", len(fields))
            student = fields[where].strip() if where < len(fields) else ""
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

    if "variant" in index:
        row = Row(line, cell("student"), None, "", cell("answer"), variant=cell("variant"), question=cell("question"))
    else:
        row = Row(line, cell("student"), cell("layer") or None, cell("quantity"), cell("answer"))
    if len(fields) > width:
        row.problem = f'{len(fields)} fields but {width} columns (quote an answer that has a comma: "62,958")'
    elif len(fields) < width:
        row.problem = f"{len(fields)} fields but {width} columns"
    elif not row.student:
        row.problem = "no student name"
    elif "variant" in index and not row.variant:
        row.problem = "no variant"
    elif "variant" in index and not row.question:
        row.problem = "no question"
    elif "variant" not in index and not row.quantity:
        row.problem = "no quantity"
    return row


def grade_rows(analysis: Analysis, rows: Iterable[Row], workers: int | None = None) -> Report:
    """Grade every row; each question and each distinct answer to it is worked out once. ``workers``:
    at most this many processes judge the answers (None: one per core, when the class is large)."""
    questions: dict[tuple, Question | str] = {}
    grades: list[Grade] = []
    asked = Asked()
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
        grades.append(asked.grade(row, key, question))
    asked.judge(workers)
    _prefer_own_mistakes(grades, workers)
    return Report(analysis, grades, questions)


class Asked:
    """The distinct answers to each question, gathered first and then judged together (``calc.spread``),
    each once however many students wrote it; their grades are filled in then."""

    def __init__(self) -> None:
        self._jobs: dict[tuple, tuple[Any, str]] = {}
        self._waiting: dict[tuple, list[Grade]] = {}

    def grade(self, row: Row, question_key: tuple, judge: Any) -> Grade:
        """The row's grade, to be filled in when the answers are judged."""
        grade = Grade(row, False)
        self.add(grade, question_key, judge)
        return grade

    def add(self, grade: Grade, question_key: tuple, judge: Any) -> None:
        """A grade to fill in (again) with ``judge``'s verdict on its row's answer."""
        key = (*question_key, grade.row.answer)
        self._jobs.setdefault(key, (judge, grade.row.answer))
        self._waiting.setdefault(key, []).append(grade)

    def judge(self, workers: int | None) -> None:
        results = judge_all(list(self._jobs.values()), workers)
        for key, result in zip(self._jobs, results, strict=True):
            for grade in self._waiting[key]:
                if isinstance(result, str):  # one row's failure, whatever it is, never stops the class
                    if grade.result is None:  # (judged again, a grade keeps its first verdict)
                        grade.problem = f"unreadable: {result}"
                else:
                    grade.correct, grade.mistake, grade.problem = result.correct, result.mistake, result.problem
                    grade.result, grade.mistakes = result, result.mistakes


@dataclass(frozen=True, eq=False)
class Preferring:
    """A question judging answers with the mistakes a student made elsewhere preferred (``Question.check``'s
    ``prefer``): a judge like the question itself, so these answers are spread over the cores too."""

    question: Question
    prefer: frozenset[str]

    def check(self, text: str) -> CheckResult:
        return self.question.check(text, prefer=self.prefer)


def _prefer_own_mistakes(grades: list[Grade], workers: int | None) -> None:
    """An answer that several mistakes explain equally well is diagnosed with the one the same student made
    in their other answers, when exactly one of them is (judged again, by the question that judged it,
    only for those answers, each distinct one once)."""
    made: dict[str, set[str]] = {}
    for grade in grades:
        made.setdefault(grade.row.student, set()).update(grade.mistakes)
    again = Asked()
    judges: dict[tuple, Preferring] = {}
    for grade in grades:
        result = grade.result
        if result is None or not result.alternatives:
            continue
        own = made.get(grade.row.student, set()) & set(result.alternatives)
        question = result.question
        if len(own) == 1 and isinstance(question, Question):
            key = (id(question), *own)
            again.add(grade, key, judges.setdefault(key, Preferring(question, frozenset(own))))
    again.judge(workers)


def grade_file(analysis: Analysis, path: str | Path, workers: int | None = None) -> Report:
    """Grade the answers CSV at ``path`` against the analysed model."""
    return grade_rows(analysis, read_answers(path), workers)


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


# -- grading each student against their own variant ------------------------------------------------------


class VariantReport(Report):
    """The grades of a class whose students answered different variants of a handout: marks per student
    (out of their variant's total), a tally per question and per mistake, and the unusable rows."""

    def __init__(self, manifest: Any, grades: list[Grade], partial: Mapping[str, float]):
        super().__init__(None, grades, {})
        self.manifest = manifest
        self.partial = dict(partial)

    @property
    def model(self) -> str:
        return self.manifest.name

    def label(self, grade: Grade) -> str:
        return f"{grade.row.question} ({grade.entry['quantity']})" if grade.entry else grade.row.question

    def partial_given(self) -> dict[str, int]:
        """How many answers earned partial credit for each mistake of ``partial`` (0 flags a mistyped id)."""
        given = dict.fromkeys(self.partial, 0)
        for grade in self.grades:
            if not grade.correct and len(grade.mistakes) == 1 and grade.mistakes[0] in given:
                given[grade.mistakes[0]] += 1
        return given

    def marks(self) -> float:
        return sum(grade.marks for grade in self.grades)

    def students(self) -> list[dict[str, Any]]:  # type: ignore[override]
        """Per student, in the order they first appear: variant, marks, out of, answers, correct."""
        found: dict[str, dict[str, Any]] = {}
        for grade in self.grades:
            name = grade.row.student or NO_NAME
            entry = found.setdefault(name, {"student": name, "variant": None, "marks": 0.0, "total_marks": None})
            entry.setdefault("answers", 0)
            entry.setdefault("correct", 0)
            entry["answers"] += 1
            entry["correct"] += grade.correct
            entry["marks"] += grade.marks
            if entry["variant"] is None and grade.entry is not None:
                variant = self.manifest.variant(grade.row.variant)
                entry["variant"], entry["total_marks"] = variant.number, variant.total_marks
        for entry in found.values():
            entry["marks"] = _number(entry["marks"])
            total = entry["total_marks"]
            entry["score"] = round(entry["marks"] / total, 4) if total else 0.0
        return list(found.values())

    def questions(self) -> list[dict[str, Any]]:  # type: ignore[override]
        """Per question id (and quantity, should variants differ): answers, correct, marks given, mistakes."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for grade in self.grades:
            if grade.entry is None:
                continue
            key = (grade.entry["id"], grade.entry["quantity"])
            if key not in found:
                found[key] = {"question": key[0], "quantity": key[1], "kind": grade.entry["kind"]}
                found[key].update(answers=0, correct=0, marks=0.0, out_of=0.0, mistakes=Counter())
            stats = found[key]
            stats["answers"] += 1
            stats["correct"] += grade.correct
            stats["marks"] += grade.marks
            stats["out_of"] += grade.out_of
            stats["mistakes"].update(grade.mistakes)
        for stats in found.values():
            stats["marks"], stats["out_of"] = _number(stats["marks"]), _number(stats["out_of"])
        return sorted(found.values(), key=lambda q: (_question_order(q["question"]), q["quantity"]))

    template = "class_grades"

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "manifest": self.manifest.source,
            "partial": self.partial,
            "answers": len(self.grades),
            "correct": self.correct,
            "students": self.students(),
            "questions": [{**q, "mistakes": dict(q["mistakes"].most_common())} for q in self.questions()],
            **self._class_tallies(),
        }

    def _asked(self, grade: Grade) -> dict[str, Any]:
        return {"variant": grade.row.variant, "question": grade.entry["id"] if grade.entry else grade.row.question}

    def _marked(self, grade: Grade) -> dict[str, Any]:
        return {"marks": _number(grade.marks), "out_of": _number(grade.out_of)}

    def to_csv(self) -> str:
        """One table in sections (the ``section`` column): student, question, mistake, problem, grade."""
        columns = ["section", "student", "variant", "question", "quantity", "line", "answer", "correct", "answers"]
        columns += ["marks", "out_of", "mistake", "students", "detail"]
        rows: list[dict[str, Any]] = []
        for s in self.students():
            rows.append({"section": "student", "student": s["student"], "variant": s["variant"], "marks": s["marks"]})
            rows[-1] |= {"out_of": s["total_marks"], "answers": s["answers"], "correct": s["correct"]}
        for q in self.questions():
            common = ", ".join(f"{m} {n}" for m, n in q["mistakes"].most_common())
            rows.append({"section": "question", "question": q["question"], "quantity": q["quantity"]})
            rows[-1] |= {"answers": q["answers"], "correct": q["correct"], "marks": q["marks"], "out_of": q["out_of"]}
            rows[-1]["mistake"] = common
        return csv_text(columns, rows + self._csv_tallies())


def csv_text(columns: list[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """A CSV table whose every cell is safe to open in a spreadsheet (``safe_cell``)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
    return out.getvalue()


def _number(value: float) -> float | int:
    """Marks as people write them: 4, 1.5."""
    value = round(value, 4)
    return int(value) if value == int(value) else value


def _question_order(question_id: str) -> tuple[int, str]:
    digits = question_id.lstrip("qQ")
    return (int(digits), "") if digits.isdigit() else (1 << 30, question_id)


def parse_partial(items: Iterable[str]) -> dict[str, float]:
    """``arithmetic_slip=0.5`` (repeatable, or comma-separated): the fraction of a question's marks given
    when that catalogued mistake is the only one made."""
    partial: dict[str, float] = {}
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            mistake, sep, fraction = (p.strip() for p in part.partition("="))
            if not sep or not mistake.replace("_", "").isalnum() or len(mistake) > 60:
                raise CalcError(f"--partial: expected MISTAKE=FRACTION, e.g. arithmetic_slip=0.5, got {part[:40]!r}")
            try:
                value = float(fraction) if len(fraction) <= 20 else -1.0
            except ValueError:
                value = -1.0
            if not 0 <= value <= 1:
                raise CalcError(f"--partial: {mistake} needs a fraction from 0 to 1, got {fraction[:20]!r}")
            partial[mistake] = value
    return partial


def grade_variants(
    manifest: Any, rows: Iterable[Row], partial: Mapping[str, float] | None = None, workers: int | None = None
) -> VariantReport:
    """Grade every row against the student's own variant in the manifest (``calc.handout.manifest``).

    A student keeps the variant of their first usable row; a question answered twice counts once (the
    first answer), and the repeat is listed as a problem.
    """
    partial = dict(partial or {})
    variant_of: dict[str, tuple[str, int]] = {}
    answered: dict[tuple[str, str], int] = {}
    grades: list[Grade] = []
    asked = Asked()
    for row in rows:
        if row.problem:
            grades.append(Grade(row, False, problem=row.problem))
            continue
        try:
            variant = manifest.variant(row.variant)
            entry = variant.question(row.question)
            judge = manifest.judge(variant, entry)
        except CalcError as error:
            grades.append(Grade(row, False, problem=error.message))
            continue
        first = variant_of.setdefault(row.student, (str(variant.number), row.line))
        if first[0] != str(variant.number):
            problem = f"{row.student} answered variant {first[0]} on line {first[1]}, not variant {variant.number}"
            grades.append(Grade(row, False, problem=problem))
            continue
        earlier = answered.setdefault((row.student, entry["id"]), row.line)
        if earlier != row.line:
            grades.append(Grade(row, False, problem=f"{entry['id']} was answered on line {earlier} already"))
            continue
        grade = asked.grade(row, (variant.number, entry["id"]), judge)
        grade.entry, grade.out_of = entry, float(entry["marks"])
        grades.append(grade)
    asked.judge(workers)
    _prefer_own_mistakes(grades, workers)
    for grade in grades:  # marks once the diagnoses are final
        if grade.correct:
            grade.marks = grade.out_of
        elif len(grade.mistakes) == 1 and grade.mistakes[0] in partial:
            grade.marks = grade.out_of * partial[grade.mistakes[0]]
    return VariantReport(manifest, grades, partial)


def grade_class(
    manifest_path: str | Path,
    answers: str | Path,
    partial: Mapping[str, float] | None = None,
    workers: int | None = None,
) -> VariantReport:
    """Grade the answers CSV (student,variant,question,answer) against the manifest at ``manifest_path``."""
    from calc.handout.manifest import load

    manifest = load(manifest_path)
    return grade_variants(manifest, read_answers(answers, VARIANT_COLUMNS), partial, workers)
