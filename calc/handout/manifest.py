"""The variant manifest, ``variants.json``: what every variant of a handout asked and expects.

``calc handout`` writes it beside the sheets; ``calc grade`` and ``calc check --variants`` read it, so a
student is graded against the variant they were given without drawing the variants again. It embeds
the spec the variants were drawn from (with the symbols the draw added), so each variant's model is
that spec with the variant's ``values`` put in. Its layout is versioned (``version``) and documented in
docs/handouts.md; a reader refuses a manifest of another format or a newer version in one line.

Answers are written in calc's JSON form: an output shape as a list with ``null`` for the batch axis (as
``calc summary --format json`` writes it), a count as a whole number, a formula as text in sympy's
syntax (``floor(n/4) - 3``), which calc's own answer parser reads back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sympy as sp

from calc.errors import CalcError

if TYPE_CHECKING:
    from calc.model import Analysis, Model

FILE = "variants.json"
FORMAT = "calc-handout-variants"
VERSION = 1
MAX_BYTES = 50_000_000


def manifest(handouts: Sequence[Any], source: str, seed: int | None, files: Sequence[str]) -> dict[str, Any]:
    """The manifest of the handouts built from one model (``calc.handout.Handout``)."""
    from calc import __version__

    first = handouts[0]
    return {
        "format": FORMAT,
        "version": VERSION,
        "calc_version": __version__,
        "model": first.model,
        "source": source,
        "dialect": first.dialect,
        "seed": seed if first.varied else None,
        "kinds": list(first.kinds),
        "spec": first.spec,
        "files": sorted(files),
        "variants": [
            {
                "variant": h.number,
                "values": dict(sorted(h.values.items())),
                "total_marks": h.total_marks,
                "questions": [question_entry(q) for q in h.questions],
            }
            for h in handouts
        ],
    }


def question_entry(q: Any) -> dict[str, Any]:
    """One question of one variant (``calc.handout.questions.Question``)."""
    from calc.render.math import readable, readable_shape

    entry: dict[str, Any] = {
        "id": q.id,
        "number": q.number,
        "kind": q.kind,
        "quantity": q.quantity,
        "layer": q.record.name if q.record is not None else None,
        "marks": q.marks,
        "expected": json_value(q.expected),
        "expected_text": readable_shape(q.expected) if isinstance(q.expected, tuple) else readable(q.expected),
    }
    if q.kind == "formula":
        entry["free"] = list(q.free)
    if q.kind == "solve":
        entry["unknown"] = q.unknown
        entry["target"] = q.target
    return entry


def json_value(value: Any) -> Any:
    """A shape as [null, 28, 28, 8]; a whole number as itself; any other expression as sympy text."""
    if isinstance(value, tuple):
        return [None, *(json_value(v) for v in value)]
    if isinstance(value, sp.Basic) and value.is_Integer:
        return int(value)
    if isinstance(value, int):
        return value
    return str(value)


def dumps(data: Mapping[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# -- reading ----------------------------------------------------------------------------------------


@dataclass
class Variant:
    """One variant of a loaded manifest: its values, its questions by id, and its model (built once)."""

    number: int
    values: dict[str, int]
    total_marks: int
    questions: dict[str, dict[str, Any]]
    owner: Manifest = field(repr=False)

    @cached_property
    def analysis(self) -> Analysis:
        return self.owner.model.analyze(self.values)

    def question(self, text: str) -> dict[str, Any]:
        """A question by its id (q3), or by its number (3)."""
        key = text.strip().lower()
        key = f"q{key}" if key.isdigit() else key
        if key not in self.questions:
            listed = ", ".join(self.questions)
            raise CalcError(f"variant {self.number} has no question '{text.strip()[:20]}' (its questions: {listed})")
        return self.questions[key]


class Manifest:
    """A ``variants.json`` read and checked: ``variant(n)`` and ``judge(n, id)``."""

    def __init__(self, data: Mapping[str, Any], source: str):
        self.data = data
        self.source = source
        self.variants: dict[int, Variant] = {}
        for entry in data["variants"]:
            number = entry["variant"]
            questions = {q["id"]: q for q in entry["questions"]}
            self.variants[number] = Variant(number, dict(entry["values"]), entry["total_marks"], questions, self)
        self._judges: dict[tuple[int, str], Any] = {}

    @property
    def name(self) -> str:
        return str(self.data["model"])

    @cached_property
    def model(self) -> Model:
        from calc.spec import from_spec

        try:
            return from_spec(self.data["spec"], source=f"{self.source} (its spec)")
        except CalcError as error:
            raise error.within(source=self.source) from None

    def variant(self, text: str | int) -> Variant:
        raw = str(text).strip()
        number = int(raw) if raw.isdigit() and len(raw) <= 6 else None
        if number not in self.variants:
            low, high = min(self.variants), max(self.variants)
            raise CalcError(f"no variant '{raw[:20]}' in {self.source} (variants {low} to {high})")
        return self.variants[number]

    def judge(self, variant: Variant, entry: Mapping[str, Any]) -> Any:
        """What checks answers to one question: the checker's ``Question`` (or ``SolveJudge``), built once
        and checked against the manifest's expected answer."""
        key = (variant.number, entry["id"])
        if key not in self._judges:
            self._judges[key] = self._build_judge(variant, entry)
        return self._judges[key]

    def _build_judge(self, variant: Variant, entry: Mapping[str, Any]) -> Any:
        from calc.checker import Question

        where = f"variant {variant.number}, {entry['id']}"
        try:
            if entry["kind"] == "solve":
                return SolveJudge(entry)
            if entry["kind"] == "formula":
                free = list(entry["free"])
                fixed = {k: v for k, v in variant.values.items() if k not in free}
                analysis = self.model.analyze(fixed, free=free)
            else:
                analysis = variant.analysis
            judge = Question(analysis, entry["quantity"])
        except CalcError as error:
            raise CalcError(f"{where}: {error.message}", source=self.source) from None
        if not judge.check(_answer_text(entry["expected"])).correct:
            raise CalcError(
                f"{where}: the manifest expects {_answer_text(entry['expected'])[:60]} but calc computes "
                f"{judge.show(judge.expected)} from its spec (was it written by another version of calc, or edited?)",
                source=self.source,
            )
        return judge


def _answer_text(expected: Any) -> str:
    """The manifest's expected answer written as a student would: (None, 28, 28, 8), 608, floor(n/4) - 3."""
    if isinstance(expected, list):
        return "(" + ", ".join("None" if v is None else str(v) for v in expected) + ")"
    return str(expected)


class SolveJudge:
    """Checks the value of a hyper-parameter (``solve`` questions): right when it is the one value that
    gives the target; the feedback says which value does."""

    def __init__(self, entry: Mapping[str, Any]):
        self.entry = entry
        self.expected = sp.Integer(entry["expected"])

    @staticmethod
    def show(value: Any) -> str:
        return str(value)

    def check(self, text: str) -> Any:
        from calc.answer_tree import read_number
        from calc.checker import CheckResult

        entry = self.entry
        name, layer = entry["unknown"], entry.get("layer")
        expected = str(self.expected)
        try:
            value = read_number(text)
        except CalcError as error:
            problem = f"The answer could not be read: {error.message}."
            return CheckResult(
                False, name, layer, expected, str(text).strip(), None, problem=error.message, explain=lambda: [problem]
            )
        correct = value == self.expected
        words = (
            ["Correct."]
            if correct
            else [
                f"With {name} = {value}, {layer}'s output size is not {entry['target']}; {name} = {expected} gives it."
            ]
        )
        return CheckResult(correct, name, layer, expected, str(value), None, explain=lambda: words)


def load(path: str | Path) -> Manifest:
    """Read and check a manifest; any problem is one line naming the file."""
    path = Path(path)
    source = str(path)
    from calc.files import read_capped

    if path.is_dir():
        path = path / FILE
        source = str(path)
    try:
        text = read_capped(path, MAX_BYTES).decode("utf-8")  # capped as it is read, whatever the file is
    except UnicodeDecodeError:
        raise CalcError("the manifest is not UTF-8 text", source=source) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CalcError(f"not JSON: {error.msg} at line {error.lineno}", source=source) from None
    except RecursionError:
        raise CalcError("not JSON that calc reads: nested too deeply", source=source) from None
    _validate(data, source)
    return Manifest(data, source)


def _validate(data: Any, source: str) -> None:
    def fail(words: str) -> None:
        raise CalcError(f"not a calc handout manifest: {words}", source=source)

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        fail(f'it needs "format": "{FORMAT}" (calc handout writes it as {FILE})')
    version = data.get("version")
    if type(version) is not int or version > VERSION or version < 1:
        fail(f"version {version!r}; this calc reads version {VERSION} (upgrade calc for a newer manifest)")
    for key, kind in (("model", str), ("spec", dict), ("variants", list)):
        if not isinstance(data.get(key), kind):
            fail(f"'{key}' is missing or not a {kind.__name__}")
    if not data["variants"]:
        fail("it has no variants")
    seen = set()
    for i, entry in enumerate(data["variants"], start=1):
        if not isinstance(entry, dict) or type(entry.get("variant")) is not int or entry["variant"] in seen:
            fail(f"variants entry {i} has no number of its own ('variant')")
        seen.add(entry["variant"])
        values = entry.get("values")
        if not isinstance(values, dict) or not all(isinstance(k, str) and type(v) is int for k, v in values.items()):
            fail(f"variant {entry['variant']}: 'values' must map symbol names to whole numbers")
        if type(entry.get("total_marks")) is not int or not isinstance(entry.get("questions"), list):
            fail(f"variant {entry['variant']}: 'total_marks' and 'questions' are needed")
        for q in entry["questions"]:
            if not isinstance(q, dict) or not all(k in q for k in ("id", "kind", "quantity", "marks", "expected")):
                fail(f"variant {entry['variant']}: every question needs id, kind, quantity, marks and expected")
            if (
                not isinstance(q["id"], str)
                or type(q["marks"]) not in (int, float)
                or not isinstance(q["quantity"], str)
            ):
                fail(f"variant {entry['variant']}: question ids and quantities are text, marks a number")
            if q["kind"] == "formula" and not (
                isinstance(q.get("free"), list) and all(isinstance(s, str) for s in q["free"])
            ):
                fail(f"variant {entry['variant']}, {q['id']}: a formula question names its free symbols ('free')")
            if q["kind"] == "solve" and not (type(q["expected"]) is int and isinstance(q.get("unknown"), str)):
                fail(f"variant {entry['variant']}, {q['id']}: a solve question needs 'unknown' and a whole 'expected'")
