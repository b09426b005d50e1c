"""Checking a student's answer: right or wrong, which common mistake it is, and the step that fixes it.

A ``Question`` is one quantity of one layer (or of the model) of an analysed model. It computes, once,
the expected value and the *candidates*: the value each mistake in the catalogues would give (and, the
first time an answer matches none of them, the values of two mistakes made together: ``pairs``). The
catalogues live beside the formulas (``Rule.mistakes`` in ``calc/layers/``, and ``counts.TRAINABLE``);
a wrong value in one step of one layer changes the quantity by the difference, so the same catalogue
serves a layer's count and the model's total. Answers are compared as values (``equivalence``), never
as strings; the feedback shows the correct step rendered by the templates that ``derive`` uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sympy as sp

from calc.counts import counting_steps, trainable_step
from calc.derive import LARGE, grouped, step_view
from calc.equivalence import Points, Value, equivalent, fingerprint
from calc.errors import CalcError
from calc.explore.quantities import COUNTS, split_name
from calc.explore.quantities import quantity as read_quantity
from calc.expressions import check_number_size, parse_answer, parse_shape_answer
from calc.layers.base import AXIS_NAMES, format_shape
from calc.model import Analysis, LayerRecord, Sequential
from calc.render.math import readable, readable_lhs, readable_shape
from calc.rules import Mistake, Step, mistake_value, replaced_value, together

#: Pairs of mistakes are tried only when a question has at most this many single ones (LeNet-5's total has
#: 37, torchvision AlexNet's 61, VGG-16's 81, ResNet-50's 164): pairs grow as the square of the singles
#: (64 give at most 2,016 across layers), and among many thousands a wrong answer would match one by chance.
MAX_SINGLES_FOR_PAIRS = 64
TWO_MISTAKES = "Two mistakes made together give this answer:"


@dataclass
class Candidate:
    """What one mistake, made in one place, would give as the answer (or two mistakes made together:
    then ``second`` holds the other one's id and sentence)."""

    mistake: str
    sentence: str
    value: Value | None  # None for a catch-all: any other answer for the step's part
    shown: list[tuple[LayerRecord | None, Step]]  # the correct steps to show
    axes: tuple[int, ...] = ()  # for a catch-all on a shape: the axes the step fills
    key: tuple = field(default=(), repr=False)  # its fingerprint (equivalence), to find it quickly
    #: for a single mistake in one counting step: that step, so it can pair with a mistake in another one
    place: tuple[LayerRecord, Step] | None = field(default=None, repr=False)
    second: tuple[str, str] | None = None

    @property
    def mistakes(self) -> tuple[str, ...]:
        return (self.mistake,) if self.second is None else (self.mistake, self.second[0])

    @property
    def sentences(self) -> list[str]:
        return [self.sentence] if self.second is None else [TWO_MISTAKES, self.sentence, self.second[1]]


@dataclass(eq=False)
class CheckResult:
    """The verdict on one answer. ``to_dict`` is the JSON contract of ``calc check --format json``.

    The feedback is worked out when first read: grading a class needs only the verdicts.
    """

    correct: bool
    quantity: str
    layer: str | None
    expected: str
    answer: str
    mistake: str | None
    #: Every mistake the answer is diagnosed with: none, one, or two made together (``mistake`` is the first).
    mistakes: tuple[str, ...] = ()
    #: Why the answer could not be read (then it is also not correct); None when it was read.
    problem: str | None = None
    question: Question | None = field(default=None, repr=False)
    shown: list[tuple[LayerRecord | None, Step]] = field(default_factory=list, repr=False)
    #: The answer as parsed, and its value with the model's symbol values put in (None if unread).
    written: Value | None = field(default=None, repr=False)
    value: Value | None = field(default=None, repr=False)
    explain: Callable[[], list[str]] | None = field(default=None, repr=False)

    @cached_property
    def sentences(self) -> list[str]:
        """What went wrong (or 'Correct.') in plain words, before the steps."""
        return self.explain() if self.explain else []

    @cached_property
    def feedback(self) -> str:
        """The sentences, then the correct steps in plain text."""
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
        }

    def __bool__(self) -> bool:
        return self.correct

    def to_text(self) -> str:
        """What ``calc check`` prints: the verdict, the mistake, the feedback."""
        where = f"{self.layer} {self.quantity}" if self.layer else self.quantity
        expected = _readable(self.question.expected) if self.question else self.expected
        if self.correct:
            head = f"correct: {where} is {expected}"
        else:
            answer = self.answer
            if self.written is not None and self.value is not None:
                answer = _readable(self.written)
                if _readable(self.value) != answer:
                    answer += f" = {_readable(self.value)}"
            head = f"incorrect: {where} is {expected}, not {answer}"
        if len(self.mistakes) > 1:
            lines = [head, f"mistakes: {' and '.join(self.mistakes)}"]
        else:
            lines = [head] + ([f"mistake: {self.mistake}"] if self.mistake else [])
        return "\n".join(lines) + "\n" + self.feedback.rstrip("\n") + "\n"

    def _repr_markdown_(self) -> str:
        """Jupyter's display: the verdict and the correct step, typeset like ``derive``'s output."""
        from calc.render.templating import render

        views = [(record, step_view(step)) for record, step in self.shown]
        question = self.question
        return render(
            "check", "markdown", result=self, question=question, views=views, details=question.details(self.shown)
        )


class Question:
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
            raise CalcError("the answer divides by zero for the model's values")
        return check_number_size(value, "the answer with the model's values put in")

    def check(self, text: str) -> CheckResult:
        try:
            written, value = self.read(text)
        except CalcError as error:
            problem = f"The answer could not be read: {error.message}."
            return self._result(False, str(text).strip(), (), lambda: [problem], [], problem=error.message)
        answer = self.show(written)
        try:
            verdict = self.judge(value)
        except CalcError as error:  # an answer too complex to compare
            problem = f"The answer could not be compared: {error.message}."
            return self._result(False, answer, (), lambda: [problem], [], problem=error.message)
        if verdict is True:
            result = self._result(True, answer, (), lambda: ["Correct."], self.default_steps)
        elif isinstance(verdict, Candidate):
            result = self._result(False, answer, verdict.mistakes, lambda: verdict.sentences, verdict.shown)
        else:
            result = self._result(False, answer, (), lambda: self.differing_part(value), self.default_steps)
        result.written, result.value = written, value
        return result

    def judge(self, value: Value) -> bool | Candidate | None:
        """True when right; else the first mistake it matches (a single mistake before two made
        together, and both before a catch-all), or None."""
        answer_print = fingerprint(value, self.points)
        if answer_print == self._expected_print and equivalent(value, self.expected, self.points):
            return True
        single = self._singles.get(answer_print)
        if single is not None and equivalent(value, single.value, self.points):
            return single
        pair = self.pairs.get(answer_print)
        if pair is not None and equivalent(value, pair.value, self.points):
            return pair
        for candidate in self.candidates:
            if candidate.value is None and self._caught(candidate, value, answer_print):
                return candidate
        return None

    def _caught(self, candidate: Candidate, value: Value, answer_print: tuple) -> bool:
        """A catch-all matches an answer that differs from the expected one only in its step's part."""
        if self.kind != "shape":
            return True
        expected_print = self._expected_print
        if not isinstance(value, tuple) or len(value) != len(self.expected):
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
            answer=answer,
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
        spatial = list(range(1, len(shape)) if first else range(len(shape) - 1))
        if self.name == "output_channels":
            return {0 if first else len(shape) - 1}
        if self.name == "output_size":
            return set(spatial)
        names = AXIS_NAMES.get(len(spatial), ())
        axis = self.name.removeprefix("output_")
        return {spatial[names.index(axis)]} if axis in names else set()

    @cached_property
    def candidates(self) -> list[Candidate]:
        """Every distinct wrong value that a catalogued mistake gives, in catalogue order."""
        found = {
            "count": self._count_candidates,
            "shape": self._shape_candidates,
            "size": self._size_candidates,
        }[self.kind]()
        seen = {self._expected_print}
        distinct = []
        for candidate in found:
            if candidate.value is None:
                distinct.append(candidate)
                continue
            candidate.key = fingerprint(candidate.value, self.points)
            if candidate.key not in seen and _known(candidate.key):
                seen.add(candidate.key)
                distinct.append(candidate)
        return distinct

    @cached_property
    def _singles(self) -> dict[tuple, Candidate]:
        """The candidates with a value, by fingerprint (each fingerprint is one candidate's, the first in
        catalogue order: ``candidates`` keeps one per value)."""
        return {candidate.key: candidate for candidate in self.candidates if candidate.value is not None}

    def _count_candidates(self) -> list[Candidate]:
        name = self.count
        records = [self.record] if self.record is not None else self.analysis.layers
        found: list[Candidate] = []
        by_id: dict[str, list[tuple[LayerRecord, Step, sp.Expr]]] = {}
        for record in records:
            steps = counting_steps(record, name)
            for step in steps:
                for mistake in step.rule.mistakes if step.rule else ():
                    if mistake.catch_all:
                        if self.record is not None and len(steps) == 1:
                            found.append(Candidate(mistake.id, mistake.feedback, None, [(record, step)]))
                        continue
                    for wrong, words in self._mistake_values(record, step, mistake):
                        value = self._placed(step, wrong)
                        sentence = self._where(record) + mistake.feedback.format(**words)
                        found.append(Candidate(mistake.id, sentence, value, [(record, step)], place=(record, step)))
                        if mistake.substitute is None:
                            by_id.setdefault(mistake.id, []).append((record, step, wrong))
        if name == "trainable_params":
            step = trainable_step(self.analysis, self.record)
            shown = [(r, s) for r in records for s in r.result.param_steps if r.non_trainable != 0]
            for mistake in step.rule.mistakes:
                wrong = mistake_value(step, mistake)
                if wrong is not None:
                    found.append(Candidate(mistake.id, mistake.feedback, wrong, shown[:5]))
        if self.record is None:  # the same mistake in every layer where it applies (all biases left out),
            for mistake_id, places in by_id.items():  # or in every layer of one type (the convolutions' biases)
                first: dict[tuple[int, int], tuple[LayerRecord, Step, sp.Expr]] = {}
                for record, step, wrong in places:
                    first.setdefault((id(record), id(step)), (record, step, wrong))
                groups = {"every layer where it can be made": list(first.values())}
                for kind in dict.fromkeys(record.type for record, _, _ in first.values()):
                    group = [place for place in first.values() if place[0].type == kind]
                    if len(group) < len(first):
                        groups[f"every {kind} layer"] = group
                for words, group in groups.items():
                    if len({id(record) for record, _, _ in group}) > 1:
                        found.append(self._same_mistake(mistake_id, words, group))
        return found

    def _same_mistake(self, mistake_id: str, words: str, places: list[tuple[LayerRecord, Step, sp.Expr]]) -> Candidate:
        """One mistake made in each of several layers: the total is off by the sum of its differences."""
        mistake = next(m for _, step, _ in places for m in step.rule.mistakes if m.id == mistake_id)
        value = self.expected + sp.Add(*(wrong - step.value for _, step, wrong in places))
        names = ", ".join(dict.fromkeys(record.name for record, _, _ in places))
        sentence = f"The same mistake in {words} ({names}). {mistake.feedback}"
        return Candidate(mistake.id, sentence, value, [(record, step) for record, step, _ in places][:5])

    def _shape_candidates(self) -> list[Candidate]:
        record = self.record
        assert record is not None
        found: list[Candidate] = []
        for step in record.result.shape_steps:
            if not step.axes or step.rule is None or max(step.axes) >= len(self.expected):
                continue
            for mistake in step.rule.mistakes:
                if mistake.catch_all:
                    found.append(Candidate(mistake.id, mistake.feedback, None, [(record, step)], step.axes))
                    continue
                for wrong, words in self._mistake_values(record, step, mistake):
                    shape = self._placed(step, wrong)
                    found.append(Candidate(mistake.id, mistake.feedback.format(**words), shape, [(record, step)]))
        return found

    def _size_candidates(self) -> list[Candidate]:
        """The mistakes of the output-size steps that fill the asked axes, as sizes."""
        found: list[Candidate] = []
        for record, step in self.default_steps:
            for mistake in step.rule.mistakes if step.rule else ():
                if mistake.catch_all:
                    found.append(Candidate(mistake.id, mistake.feedback, None, [(record, step)]))
                    continue
                for wrong, words in self._mistake_values(record, step, mistake):
                    found.append(Candidate(mistake.id, mistake.feedback.format(**words), wrong, [(record, step)]))
        return found

    def _mistake_values(self, record: LayerRecord, step: Step, mistake: Mistake) -> list[tuple[sp.Expr, dict]]:
        """The mistake's value in this step, or one value per wrong alternative it substitutes."""
        if mistake.substitute is None:
            value = mistake_value(step, mistake)
            return [] if value is None else [(value, {})]
        out = []
        for wrong, words in self._substitutions(record, step, mistake):
            value = mistake_value(step, mistake, {mistake.substitute: wrong})
            if value is not None:
                out.append((value, words))
        return out

    def _substitutions(self, record: LayerRecord, step: Step, mistake: Mistake) -> list[tuple[sp.Expr, dict]]:
        """The wrong values a substitution mistake tries in this step, each with the words of its feedback."""
        actual = step.given.get(mistake.substitute)
        if actual is None:
            return []
        return [
            (wrong, {"value": readable(wrong), "source": source, "actual": readable(actual)})
            for wrong, source in alternatives(mistake.alternatives, self.analysis, record)
            if wrong != actual
        ]

    # -- two mistakes made together ---------------------------------------------------------------------

    @cached_property
    def pairs(self) -> dict[tuple, Candidate]:
        """Two mistakes made together, by fingerprint: worked out once, the first time an answer matches no
        single mistake. Both in one step (the union of their replacements), or, in a count, two different
        mistakes in two different steps (of two layers, for a total): each changes the count by its own
        difference. A value that a single mistake gives stays that mistake's; none when there are too
        many single mistakes to pair."""
        singles = [candidate for candidate in self.candidates if candidate.value is not None]
        if len(singles) > MAX_SINGLES_FOR_PAIRS:
            return {}
        seen = {self._expected_print} | {candidate.key for candidate in singles}
        found: dict[tuple, Candidate] = {}
        for candidate in self._pairs_in_steps():
            candidate.key = fingerprint(candidate.value, self.points)
            if candidate.key not in seen and _known(candidate.key):
                seen.add(candidate.key)
                found[candidate.key] = candidate
        if self.kind == "count":
            for candidate in self._pairs_across_steps(singles):
                if candidate.key not in seen and _known(candidate.key):
                    seen.add(candidate.key)
                    found[candidate.key] = candidate
        return found

    def _mistake_places(self) -> list[tuple[LayerRecord, Step]]:
        """The steps whose mistakes change this quantity (as the single candidates use them)."""
        if self.kind == "count":
            records = [self.record] if self.record is not None else self.analysis.layers
            return [(record, step) for record in records for step in counting_steps(record, self.count)]
        if self.kind == "shape":
            steps = self.record.result.shape_steps
            return [(self.record, step) for step in steps if step.axes and max(step.axes) < len(self.expected)]
        return list(self.default_steps)

    def _placed(self, step: Step, wrong: sp.Expr) -> Value:
        """The answer when this step's value is ``wrong`` and everything else is right."""
        if self.kind == "count":
            return self.expected - step.value + wrong
        if self.kind == "shape":
            shape = list(self.expected)
            for axis in step.axes:
                shape[axis] = wrong
            return tuple(shape)
        return wrong

    def _pairs_in_steps(self) -> Iterator[Candidate]:
        """Two mistakes in one step: two replacements, or a replacement and a wrong value substituted."""
        for record, step in self._mistake_places():
            if step.rule is None:
                continue
            changes = []  # (mistake, its replacements, the words of its feedback)
            for mistake in step.rule.mistakes:
                if mistake.replaces:
                    changes.append((mistake, mistake.replaces, {}))
                elif mistake.substitute is not None and mistake.expr is None and not mistake.catch_all:
                    for wrong, words in self._substitutions(record, step, mistake):
                        changes.append((mistake, {mistake.substitute: wrong}, words))
            for i, (first, first_replaces, first_words) in enumerate(changes):
                for second, second_replaces, second_words in changes[i + 1 :]:
                    replaces = together(first_replaces, second_replaces) if first.id != second.id else None
                    wrong = None if replaces is None else replaced_value(step, replaces)
                    if wrong is None:
                        continue
                    where = self._where(record)
                    yield Candidate(
                        first.id,
                        where + first.feedback.format(**first_words),
                        self._placed(step, wrong),
                        [(record, step)],
                        second=(second.id, where + second.feedback.format(**second_words)),
                    )

    def _pairs_across_steps(self, singles: list[Candidate]) -> Iterator[Candidate]:
        """Two different mistakes in two different steps: each adds its own difference to the count."""
        placed = [candidate for candidate in singles if candidate.place is not None]
        expected = self._expected_print
        for i, first in enumerate(placed):
            for second in placed[i + 1 :]:
                if first.mistake == second.mistake or first.place[1] is second.place[1]:
                    continue
                # fingerprints are values at fixed points, so the pair's is the sum of the differences
                key = _sum_prints(first.key, second.key, expected)
                yield Candidate(
                    first.mistake,
                    first.sentence,
                    first.value + second.value - self.expected,
                    [*first.shown, *second.shown],
                    key=key,
                    second=(second.mistake, second.sentence),
                )

    def _where(self, record: LayerRecord) -> str:
        return f"In layer {record.name}: " if self.record is None else ""

    # -- when no mistake matches --------------------------------------------------------------------

    def differing_part(self, value: Value) -> list[str]:
        """Say which part of the expected value differs, when some part of the formulas explains it."""
        try:
            if self.kind == "shape":
                return [self._shape_difference(value)]
            return [self._count_difference(value)]
        except CalcError:  # a comparison too large to make: say only what was expected
            return [f"The expected value is {_readable(self.expected)}."]

    def _shape_difference(self, value: Value) -> str:
        expected = self.expected
        assert isinstance(value, tuple) and isinstance(expected, tuple)
        if len(value) != len(expected):
            return (
                f"The output has {len(expected)} ax{'is' if len(expected) == 1 else 'es'} besides the batch axis; "
                f"the answer has {len(value)}."
            )
        names = axis_names(self.record, self.analysis) if self.record else None
        wrong = []
        for i, (got, want) in enumerate(zip(value, expected)):
            if not equivalent(got, want, self.points):
                label = names[i] if names else f"axis {i + 1}"
                wrong.append(f"the {label} should be {readable(want)}, not {readable(got)}")
        return "In the answer, " + "; ".join(wrong) + "." if wrong else "The answer differs from the expected shape."

    def _count_difference(self, value: sp.Expr) -> str:
        difference = value - self.expected  # never expanded: the answer may be a large power
        records = [self.record] if self.record is not None else self.analysis.layers
        name = self.count
        for record in records if self.kind == "count" else ():
            where = f" of layer {record.name}" if self.record is None else ""
            if self.record is None and record.params != 0:
                if self._equal(difference, -record.params):
                    return f"The answer leaves out layer {record.name}: its {readable(record.params)} parameters."
                if self._equal(difference, record.params):
                    return f"The answer counts layer {record.name}'s {readable(record.params)} parameters twice."
            for step in counting_steps(record, name):
                if not step.formula.free_symbols:
                    continue
                expanded = sp.expand(step.formula)
                lhs = readable_lhs(step.lhs)
                rule = f"{lhs} = {readable(expanded)}{where}"
                for term in sp.Add.make_args(expanded):
                    part = term.xreplace(step.given)
                    words = f"the term {readable(term)} = {readable(part)} of {rule}"
                    if self._equal(difference, -part):
                        return f"The answer is {readable(part)} short: it leaves out exactly {words}."
                    if self._equal(difference, part):
                        return f"The answer is {readable(part)} too large: it counts {words} twice."
                rule = f"{lhs} = {readable(step.formula)}{where}"
                for factor in sp.Mul.make_args(step.formula):
                    part = factor.xreplace(step.given)
                    if not factor.free_symbols or part in (0, 1):
                        continue
                    words = f"the factor {readable(factor)} = {readable(part)} of {rule}"
                    if self._equal(value, self.expected - step.value + step.value / part):
                        return f"The answer leaves out {words}."
                    if self._equal(value, self.expected - step.value + step.value * part):
                        return f"The answer multiplies by {words} once too often."
        if self._equal(value, 2 * self.expected) and self.expected != 0:
            return "The answer is twice the expected value."
        if self._equal(2 * value, self.expected):
            return "The answer is half the expected value."
        if not difference.free_symbols and not self.expected.free_symbols:
            more = "more" if difference > 0 else "less"
            return f"The answer is {readable(abs(difference))} {more} than the expected {readable(self.expected)}."
        return f"The expected value is {readable(self.expected)}."

    def _equal(self, a: sp.Expr, b: sp.Expr) -> bool:
        return fingerprint(a, self.points) == fingerprint(b, self.points) and equivalent(a, b, self.points)

    # -- feedback -----------------------------------------------------------------------------------

    def details(self, shown: list[tuple[LayerRecord | None, Step]]) -> dict[str, Any]:
        """What the feedback templates show besides the steps: the output shape or the sum of a total."""
        details: dict[str, Any] = {"shape": None, "terms": None, "total": None, "split": None, "by_block": False}
        if self.kind != "count":
            details["shape"] = self.record.output_shape if self.record is not None else None
        elif self.record is None:
            counts = {
                "total_params": lambda r: r.params,
                "trainable_params": lambda r: r.trainable,
                "non_trainable_params": lambda r: r.non_trainable,
            }[self.name if self.name != "params" else "total_params"]
            details["terms"] = grouped(self.analysis, counts)
            details["by_block"] = len(self.analysis.records) > LARGE
            details["total"] = self.expected
        elif self.name != "params":
            details["split"] = (self.record.trainable, self.record.non_trainable)
        return details

    def steps_text(self, shown: list[tuple[LayerRecord | None, Step]]) -> str:
        """The correct steps in plain text, rendered once per set of steps."""
        key = tuple(id(step) for _, step in shown)
        if key not in self._steps_text:
            from calc.render.templating import render

            views = [(record, step_view(step)) for record, step in shown]
            self._steps_text[key] = render("check", "text", views=views, details=self.details(shown))
        return self._steps_text[key]


def _readable(value: Value) -> str:
    return readable_shape(value) if isinstance(value, tuple) else readable(value)


def channels_first(record: LayerRecord, analysis: Analysis) -> bool:
    """Whether the layer's output has its channels before its spatial axes (PyTorch, or channels_first)."""
    return analysis.dialect == "pytorch" or getattr(record.layer, "data_format", None) == "channels_first"


def has_channels(record: LayerRecord, analysis: Analysis) -> bool:
    """Whether the layer's output has a channel axis: image-like layers with a data format (or PyTorch's)."""
    return len(record.output_shape) >= 2 and (analysis.dialect == "pytorch" or hasattr(record.layer, "data_format"))


def axis_names(record: LayerRecord, analysis: Analysis) -> list[str] | None:
    """height, width, channels (in the layer's order) for layers with a data format; else None."""
    rank = len(record.output_shape) - 1
    if not has_channels(record, analysis) or rank not in AXIS_NAMES:
        return None
    spatial = [f"output {name}" for name in AXIS_NAMES[rank]]
    return ["channel count", *spatial] if channels_first(record, analysis) else [*spatial, "channel count"]


def alternatives(kind: str, analysis: Analysis, record: LayerRecord) -> list[tuple[sp.Expr, str]]:
    """The wrong values that a substitution mistake tries, each with where it comes from: ``channels``,
    the channel counts of the image and of the layers with channels; ``features``, the last axis of the
    model's input and of every layer's output (what a fully connected layer reads)."""
    if kind == "features":
        return _features(analysis, record)
    if kind != "channels":
        raise LookupError(f"no alternatives named {kind!r}")
    found: dict[sp.Expr, str] = {}
    first = next((r for r in analysis.records if r.layer is not None), None)
    if len(analysis.input_shape) >= 2 and first is not None:
        found[analysis.input_shape[0 if channels_first(first, analysis) else -1]] = "the channels of the model's input"
    for other in analysis.layers:
        if other.layer is not None and has_channels(other, analysis):
            channels = other.output_shape[0 if channels_first(other, analysis) else -1]
            own = "this layer's own output channels" if other is record else f"the output channels of {other.name}"
            found.setdefault(channels, own)
    return list(found.items())


def _features(analysis: Analysis, record: LayerRecord) -> list[tuple[sp.Expr, str]]:
    found: dict[sp.Expr, str] = {}
    if analysis.input_shape:
        found[analysis.input_shape[-1]] = "the last axis of the model's input"
    for other in analysis.layers:
        if other.layer is not None and other.output_shape:
            own = "this layer's own output size" if other is record else f"the last axis of {other.name}'s output"
            found.setdefault(other.output_shape[-1], own)
    return list(found.items())


def _sum_prints(first: tuple, second: tuple, expected: tuple) -> tuple:
    """The fingerprint of first + second - expected, from theirs (None where one is unknown)."""
    if not len(first) == len(second) == len(expected):
        return (None,)
    return tuple(
        None if a is None or b is None or e is None else a + b - e
        for a, b, e in zip(first, second, expected, strict=True)
    )


def _known(key: tuple) -> bool:
    """Whether a fingerprint has every value (compared by identity: ``== None`` costs sympy a conversion)."""
    return all(x is not None for x in _flat(key))


def _flat(value: tuple) -> list:
    return [x for item in value for x in (_flat(item) if isinstance(item, tuple) else [item])]


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
