"""What the feedback says: which part of the expected value differs when no mistake explains an answer,
and the correct steps, rendered by the templates that ``derive`` uses (a mixin of ``checker.Question``)."""

from __future__ import annotations

from typing import Any

import sympy as sp

from calc.check_sources import axis_names
from calc.counts import counting_steps
from calc.derive import LARGE, grouped, step_view
from calc.equivalence import Value, equivalent, fingerprint
from calc.errors import CalcError
from calc.model import LayerRecord
from calc.render.math import readable, readable_lhs, readable_shape
from calc.rules import Step


class Diagnosis:
    """The words of a ``Question``'s feedback."""

    def differing_part(self, value: Value) -> list[str]:
        """Say which part of the expected value differs, when some part of the formulas explains it."""
        try:
            if self.kind == "shape":
                return [self._shape_difference(value)]
            return [self._count_difference(value)]
        except CalcError:  # a comparison too large to make: say only what was expected
            return [f"The expected value is {readable_value(self.expected)}."]

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


def readable_value(value: Value) -> str:
    return readable_shape(value) if isinstance(value, tuple) else readable(value)
