"""Checking a student's answer: right or wrong, which common mistake it is, and the step that fixes it.

A ``Question`` is one quantity of one layer (or of the model) of an analysed model, ready to judge any
number of answers. The work is split by job: this module judges (reads an answer, compares it with the
expected value and chooses between the explanations that fit it); ``check_search`` finds the
explanations (the value each catalogued mistake would give, slips, carried errors, pairs);
``check_text`` says what differs when nothing fits and renders the correct steps; ``check_sources``
finds in the model the wrong values a substitution mistake tries. The catalogues live beside the
formulas (``Rule.mistakes`` in ``calc/layers/``, and ``counts.TRAINABLE``). Answers are compared as
values (``equivalence``), never as strings.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sympy as sp

from calc.answer_tree import DIVIDES_BY_ZERO, WITH_VALUES, TreeAnswer, Undecided, read_tree
from calc.carried import CARRIED
from calc.check_search import EQUALLY_LIKELY, Candidate, CandidateSearch
from calc.check_sources import AXIS_NAMES, channels_first
from calc.check_text import Diagnosis, readable_value
from calc.counts import counting_steps
from calc.derive import step_view
from calc.equivalence import Points, SympyAnswer, Value, fingerprint
from calc.errors import CalcError
from calc.explore.quantities import COUNTS, split_name
from calc.explore.quantities import quantity as read_quantity
from calc.expressions import check_number_size, parse_answer, parse_shape_answer
from calc.layers.base import format_shape
from calc.layers.layout import channel_index, spatial_axes
from calc.model import Analysis, LayerRecord, Sequential
from calc.rules import Step

__all__ = ["Candidate", "CheckResult", "Question", "analyze", "check"]


@dataclass(eq=False)
class CheckResult:
    """The verdict on one answer. ``to_dict`` is the JSON contract of ``calc check --format json``.

    The feedback is worked out when first read: grading a class needs only the verdicts.
    """

    correct: bool
    quantity: str
    layer: str | None
    expected: str
    #: the answer as calc reads it (sympy's form); the text as written until ``reader`` has read it
    answer_text: str
    mistake: str | None
    #: Every mistake the answer is diagnosed with: none, one, or two made together (``mistake`` is the first).
    mistakes: tuple[str, ...] = ()
    #: Why the answer could not be read (then it is also not correct); None when it was read.
    problem: str | None = None
    #: When several mistakes give this answer equally well (and none is named): their ids.
    alternatives: tuple[str, ...] = ()
    question: Question | None = field(default=None, repr=False)
    shown: list[tuple[LayerRecord | None, Step]] = field(default_factory=list, repr=False)
    #: The answer as parsed, and its value with the model's symbol values put in (None if unread).
    written_value: Value | None = field(default=None, repr=False)
    resolved_value: Value | None = field(default=None, repr=False)
    explain: Callable[[], list[str]] | None = field(default=None, repr=False)
    #: Reads the answer with sympy when its text or value is first asked for: grading judges most answers
    #: by their values alone (``calc.answer_tree``) and never needs it.
    reader: Callable[[], tuple[Value, Value]] | None = field(default=None, repr=False)
    #: Judges the answer again, for a verdict worked out in another process (``rebuilt``): the feedback,
    #: the steps shown and sympy's reading are worked out here when first asked for.
    recheck: Callable[[], CheckResult] | None = field(default=None, repr=False)

    #: What a class's report reads of a result: plain data, which can cross to another process.
    PORTABLE = ("correct", "quantity", "layer", "expected", "answer_text", "mistake", "mistakes", "problem")

    def portable(self) -> dict[str, Any]:
        """The verdict without the feedback (which holds the question and closures over it)."""
        return {name: getattr(self, name) for name in self.PORTABLE} | {"alternatives": self.alternatives}

    @classmethod
    def rebuilt(cls, verdict: Mapping[str, Any], judge: Any, text: str) -> CheckResult:
        """A result from ``portable``'s data, for the answer ``text`` that ``judge`` (a ``Question``, one
        wrapped with its ``question``, or a handout's ``SolveJudge``) judged in another process; the rest is
        asked of ``judge`` again."""
        question = judge if isinstance(judge, Question) else getattr(judge, "question", None)
        return cls(**verdict, question=question, recheck=lambda: judge.check(text))

    def _complete(self) -> None:
        if self.recheck is not None:
            recheck, self.recheck = self.recheck, None
            full = recheck()
            self.question, self.shown, self.explain, self.reader = full.question, full.shown, full.explain, full.reader
            self.written_value, self.resolved_value = full.written_value, full.resolved_value

    def _read(self) -> None:
        self._complete()
        if self.reader is not None:
            reader, self.reader = self.reader, None
            try:
                self.written_value, self.resolved_value = reader()
                self.answer_text = Question.show(self.written_value)
            except CalcError:  # judged by its values alone (never built in sympy): the text as written stays
                pass

    @property
    def answer(self) -> str:
        self._read()
        return self.answer_text or ""

    @property
    def written(self) -> Value | None:
        self._read()
        return self.written_value

    @property
    def value(self) -> Value | None:
        self._read()
        return self.resolved_value

    @cached_property
    def sentences(self) -> list[str]:
        """What went wrong (or 'Correct.') in plain words, before the steps."""
        self._complete()
        return self.explain() if self.explain else []

    @cached_property
    def feedback(self) -> str:
        """The sentences, then the correct steps in plain text."""
        self._complete()
        steps = self.question.steps_text(self.shown) if self.question else ""
        return ("\n".join(self.sentences) + "\n" + steps).rstrip("\n")

    def to_dict(self) -> dict[str, Any]:
        return {
            "correct": self.correct,
            "quantity": self.quantity,
            "layer": self.layer,
            "expected": self.expected,
            "answer": self.answer,
            "mistake": self.mistake,
            "mistakes": list(self.mistakes),
            "feedback": self.feedback,
            "alternatives": list(self.alternatives),
        }

    def __bool__(self) -> bool:
        return self.correct

    def to_text(self) -> str:
        """What ``calc check`` prints: the verdict, the mistake, the feedback."""
        where = f"{self.layer} {self.quantity}" if self.layer else self.quantity
        expected = readable_value(self.question.expected) if self.question else self.expected
        if self.correct:
            head = f"correct: {where} is {expected}"
        else:
            answer = self.answer
            if self.written is not None and self.value is not None:
                answer = readable_value(self.written)
                if readable_value(self.value) != answer:
                    answer += f" = {readable_value(self.value)}"
            head = f"incorrect: {where} is {expected}, not {answer}"
        if len(self.mistakes) > 1 and self.mistake == CARRIED:
            lines = [head, f"mistake: {CARRIED}, from {' and '.join(self.mistakes[1:])} in an earlier layer"]
        elif len(self.mistakes) > 1:
            lines = [head, f"mistakes: {' and '.join(self.mistakes)}"]
        elif self.alternatives:
            lines = [head, f"equally likely: {' or '.join(self.alternatives)}"]
        else:
            lines = [head] + ([f"mistake: {self.mistake}"] if self.mistake else [])
        return "\n".join(lines) + "\n" + self.feedback.rstrip("\n") + "\n"

    def _repr_markdown_(self) -> str:
        """Jupyter's display: the verdict and the correct step, typeset like ``derive``'s output."""
        from calc.render.templating import render

        self._complete()
        views = [(record, step_view(step)) for record, step in self.shown]
        question = self.question
        return render(
            "check", "markdown", result=self, question=question, views=views, details=question.details(self.shown)
        )


class Question(CandidateSearch, Diagnosis):
    """One quantity of one layer (or of the model), ready to judge any number of answers."""

    def __init__(self, analysis: Analysis, quantity_name: str, layer: str | None = None):
        self.analysis = analysis
        layer, self.name = split_name(quantity_name, layer)
        if self.name == "total_params" and layer is not None:
            raise CalcError("total_params is the model's count: leave out the layer, or ask for params")
        found = read_quantity(analysis, self.name, layer)
        self.record: LayerRecord | None = found.layer
        self.label: str = found.label
        self.expected: Value = found.value
        #: "count" (parameters), "shape" (a whole output shape) or "size" (one or more of its axes)
        self.kind = "count" if self.name in COUNTS else "shape" if found.is_shape else "size"
        # the count whose steps make up the answer: a model's params are its total
        self.count = "params" if self.name in ("params", "total_params") else self.name
        self.points = Points(set(analysis.symbols) - set(analysis.values))
        self.names = {symbol.name: symbol for symbol in analysis.symbols}
        self._expected_print = fingerprint(self.expected, self.points)
        self._expected_text = self.show(self.expected)
        self._steps_text: dict[tuple, str] = {}

    # -- reading and judging ----------------------------------------------------------------------

    def read(self, text: str) -> tuple[Value, Value]:
        """The answer as the student wrote it (parsed) and as a value (the model's symbol values put in)."""
        if self.kind == "shape":
            written: Value = parse_shape_answer(text, self.names)
            return written, tuple(self._resolve(axis) for axis in written)
        written = parse_answer(text, self.names)
        return written, self._resolve(written)

    def _resolve(self, expr: sp.Expr) -> sp.Expr:
        value = expr.xreplace(self.analysis.values) if self.analysis.values else expr
        if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise CalcError(DIVIDES_BY_ZERO)
        return check_number_size(value, WITH_VALUES)

    def check(self, text: str, prefer: Collection[str] = ()) -> CheckResult:
        """Judge one answer. ``prefer``: mistakes the same student made in other answers, which decide
        between explanations that fit this answer equally well.

        The answer is first judged by its values (``calc.answer_tree``), which costs microseconds where
        building it in sympy costs milliseconds; only when those cannot be sure of sympy's verdict is
        it read with sympy. Both give the same verdict, diagnosis and messages."""
        try:
            quick = self._judged_by_values(text, prefer)
        except CalcError as error:  # the very error sympy's reading gives
            problem = f"The answer could not be read: {error.message}."
            return self._result(False, str(text).strip(), (), lambda: [problem], [], problem=error.message)
        if quick is not None:
            return quick
        try:
            written, value = self.read(text)
        except CalcError as error:
            problem = f"The answer could not be read: {error.message}."
            return self._result(False, str(text).strip(), (), lambda: [problem], [], problem=error.message)
        answer = self.show(written)
        try:
            verdict = self.judge(value, prefer)
        except CalcError as error:  # an answer too complex to compare
            problem = f"The answer could not be compared: {error.message}."
            return self._result(False, answer, (), lambda: [problem], [], problem=error.message)
        result = self._verdict_result(verdict, answer, lambda: value)
        result.written_value, result.resolved_value = written, value
        return result

    def _judged_by_values(self, text: str, prefer: Collection[str]) -> CheckResult | None:
        """The result when the answer's values decide it (``calc.answer_tree``); None when sympy must read
        it. A CalcError is the one sympy's reading would raise."""
        tree, alone = read_tree(text, self.names, self.analysis.values, self.kind == "shape")
        if tree is None:
            return None
        try:
            verdict = self.judge(TreeAnswer(tree, self.points, alone=alone), prefer)
        except Undecided:
            return None
        except CalcError:
            if alone:  # never built in sympy: the values' refusal stands
                raise
            return None
        result = self._verdict_result(verdict, str(text).strip(), lambda: result.value)
        result.reader = lambda: self.read(text)  # sympy's form replaces the text as written when asked for
        return result

    def _verdict_result(
        self, verdict: bool | Candidate | None, answer: str, value: Callable[[], Value | None]
    ) -> CheckResult:
        if verdict is True:
            return self._result(True, answer, (), lambda: ["Correct."], self.default_steps)
        if isinstance(verdict, Candidate):
            result = self._result(False, answer, verdict.mistakes, lambda: verdict.sentences, verdict.shown)
            result.alternatives = verdict.alternatives
            return result
        return self._result(False, answer, (), lambda: self._differing(value()), self.default_steps)

    def _differing(self, value: Value | None) -> list[str]:
        if value is None:  # an answer judged by its values alone that sympy cannot read
            return [f"The expected value is {readable_value(self.expected)}."]
        return self.differing_part(value)

    def judge(self, value: Value | TreeAnswer, prefer: Collection[str] = ()) -> bool | Candidate | None:
        """True when right; else the simplest explanation it matches, or None. Simplest first: a single
        catalogued mistake, an error carried from an earlier layer, an arithmetic slip, two mistakes made
        together, and last a catch-all. Single mistakes that give the same value are equally likely: the
        one in ``prefer`` (made in the student's other answers) is taken, else none is named and all are said.
        ``value``: sympy's value of the answer, or the answer read as a tree (which raises ``Undecided``
        where it cannot be sure)."""
        answer = value if isinstance(value, TreeAnswer) else SympyAnswer(value, self.points)
        answer_print = answer.print
        if answer_print == self._expected_print and answer.equals(self.expected):
            return True
        single = self._singles.get(answer_print)
        if single is not None and answer.equals(single.value):
            return self._chosen(single, prefer)
        for found in (self.carried, self.slips, self.pairs):
            candidate = found.get(answer_print)
            if candidate is not None and answer.equals(candidate.value):
                return candidate
        for candidate in self.candidates:
            if candidate.value is None and self._caught(candidate, answer, answer_print):
                return candidate
        return None

    def _twice_or_half(self, value: Value) -> bool:
        return (
            self.kind == "count" and self.expected != 0 and (value == 2 * self.expected or 2 * value == self.expected)
        )

    def _chosen(self, single: Candidate, prefer: Collection[str]) -> Candidate:
        """The single mistake, or when others give the same value: the one the student made elsewhere, or
        all of them, none named."""
        if not single.equals and (single.pairs or not self._twice_or_half(single.value)):
            return single
        if not single.equals:  # a rarer mistake, or the whole count taken twice (or half): both fit
            ambiguous = Candidate(
                "",
                "\n".join(
                    [
                        EQUALLY_LIKELY,
                        f"{single.mistake}: {single.sentence}",
                        "Or the whole count was taken twice (or half of it).",
                    ]
                ),
                single.value,
                single.shown,
            )
            ambiguous.alternatives = (single.mistake,)
            return ambiguous
        every = [single, *single.equals]
        preferred = [candidate for candidate in every if candidate.mistake in prefer]
        if len({candidate.mistake for candidate in preferred}) == 1:
            return preferred[0]
        ids = tuple(dict.fromkeys(candidate.mistake for candidate in every))
        sentences = [f"{candidate.mistake}: {candidate.sentence}" for candidate in every]
        shown = list({id(step): (record, step) for candidate in every for record, step in candidate.shown}.values())
        ambiguous = Candidate("", "\n".join([EQUALLY_LIKELY, *sentences]), single.value, shown[:5])
        ambiguous.alternatives = ids
        return ambiguous

    def _caught(self, candidate: Candidate, answer: SympyAnswer | TreeAnswer, answer_print: tuple) -> bool:
        """A catch-all matches an answer that differs from the expected one only in its step's part; a
        product that is right for one wrong factor is no wrong product (the factor came in wrong)."""
        if candidate.mistake == "flatten_product_wrong" and _right_product(candidate.shown[0][1], answer.scalar()):
            return False
        if self.kind != "shape":
            return True
        expected_print = self._expected_print
        if answer.length != len(self.expected):
            return False
        wrong = {i for i, (a, b) in enumerate(zip(answer_print, expected_print)) if a != b}
        return bool(wrong) and wrong <= set(candidate.axes)

    def _result(
        self,
        correct: bool,
        answer: str,
        mistakes: tuple[str, ...],
        explain: Callable[[], list[str]],
        shown: list[tuple[LayerRecord | None, Step]],
        problem: str | None = None,
    ) -> CheckResult:
        return CheckResult(
            correct=correct,
            quantity=self.name,
            layer=self.record.name if self.record is not None else None,
            expected=self._expected_text,
            answer_text=answer,
            mistake=mistakes[0] if mistakes else None,
            mistakes=mistakes,
            problem=problem,
            question=self,
            shown=shown,
            explain=explain,
        )

    @staticmethod
    def show(value: Value) -> str:
        """A value as the JSON and the one-line verdict write it: 608, f*(3*k**2 + 1), (None, 28, 28, 8)."""
        return format_shape(value) if isinstance(value, tuple) else str(value)

    # -- the catalogue ------------------------------------------------------------------------------

    @property
    def default_steps(self) -> list[tuple[LayerRecord | None, Step]]:
        """The steps that derive the expected value (for a total, the sum is shown instead)."""
        if self.record is None:
            return []
        if self.kind == "shape":
            return [(self.record, step) for step in self.record.result.shape_steps]
        if self.kind == "size":
            return [(self.record, step) for step in self.record.result.shape_steps if set(step.axes) & self.positions]
        steps = counting_steps(self.record, self.count) or self.record.result.param_steps
        return [(self.record, step) for step in steps]

    @cached_property
    def positions(self) -> set[int]:
        """For a size (output_height, output_size, ...): the positions in the output shape it reads."""
        shape = self.record.output_shape if self.record is not None else ()
        if len(shape) <= 1:
            return {0}
        first = channels_first(self.record, self.analysis)
        spatial = spatial_axes(len(shape) - 1, first)
        if self.name == "output_channels":
            return {channel_index(first) % len(shape)}
        if self.name == "output_size":
            return set(spatial)
        names = AXIS_NAMES.get(len(spatial), ())
        axis = self.name.removeprefix("output_")
        return {spatial[names.index(axis)]} if axis in names else set()


def _right_product(step: Step, length: sp.Expr | None) -> bool:
    """Whether a flattened length (the answer when it is one number) is the product of the incoming axes
    with one of them (or a square map's two spatial sizes) replaced by another whole number."""
    axes = [step.given[symbol] for symbol in sorted(step.formula.free_symbols, key=lambda x: x.name)]
    if length is None or not length.is_Integer or not all(axis.is_Integer for axis in axes):
        return False
    for i in range(len(axes)):
        others = sp.Mul(*(axes[:i] + axes[i + 1 :]))
        if others != 0 and (length % others) == 0 and length != 0:
            return True
    if len(axes) == 3:  # a square map of the wrong size: h = w
        side = sp.sqrt(length / axes[-1]) if length % axes[-1] == 0 else None
        return side is not None and side.is_Integer
    return False


def check(
    model: Sequential | Analysis | str,
    layer: str | None = None,
    quantity: str = "params",
    answer: str = "",
    values: Mapping[str, Any] | None = None,
) -> CheckResult:
    """Check one answer. ``model`` is a Sequential, an Analysis, a spec path or a zoo name;
    ``values`` gives symbols values (like ``--set``). An unreadable answer is a result that is not
    correct, with ``problem`` saying why; an impossible question raises ``CalcError``."""
    return Question(analyze(model, values), quantity, layer).check(answer)


def analyze(model: Sequential | Analysis | str, values: Mapping[str, Any] | None = None) -> Analysis:
    """The analysis of a model given in any of the forms ``check`` accepts."""
    if isinstance(model, Analysis):
        if values:
            raise CalcError("values cannot be given for a model that is already analysed")
        return model
    if isinstance(model, str):
        from calc.spec import load

        model = load(model)
    return model.analyze(values or {})
