"""Arithmetic slips: the right formula with one slip in the working, found by value.

A slip is not a wrong rule, so it has no entry in a layer's catalogue: it is a wrong number written for a
right one. The checker tries, for a count with a numeric value, three kinds (all with the mistake id
``arithmetic_slip``, which ``calc grade`` gives half marks):

- a digit slip in the answer itself: two neighbouring digits swapped, one digit dropped or written twice;
- one product or sum inside a step's formula worked out with such a digit slip (5·5·3 = 57), the rest right;
- a total that leaves out one layer's count, or adds it twice (a sum off by one term).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sympy as sp

from calc.model import LayerRecord
from calc.render.math import readable
from calc.rules import Step

SLIP = "arithmetic_slip"
#: Below this, a changed digit is as likely a different mistake as a slip of the pen.
SMALLEST = 10


@dataclass(frozen=True)
class Slip:
    """A wrong value for one number, and what happened to it, in words."""

    value: int
    how: str


def digit_slips(number: sp.Expr) -> list[Slip]:
    """The numbers one digit slip away from ``number`` (a whole number of at least two digits)."""
    if not (number.is_Integer and number >= SMALLEST):
        return []
    text = str(int(number))
    found: dict[int, str] = {}
    for i in range(len(text) - 1):
        if text[i] != text[i + 1]:
            swapped = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
            found.setdefault(int(swapped), f"the digits {text[i]}{text[i + 1]} swapped")
    for i, digit in enumerate(text):
        dropped = text[:i] + text[i + 1 :]
        if not dropped.startswith("0"):
            found.setdefault(int(dropped), f"the digit {digit} dropped")
        found.setdefault(int(text[: i + 1] + text[i:]), f"the digit {digit} written twice")
    found.pop(int(text), None)
    return [Slip(value, how) for value, how in found.items()]


def inner_slips(step: Step) -> list[tuple[sp.Expr, Slip, sp.Expr]]:
    """Each product or sum inside the step's formula, worked out with a digit slip: (the part, the slip,
    the step's value with that slip). Worked out once per step (``Step.memo``)."""
    if inner_slips not in step.memo:
        step.memo[inner_slips] = list(_inner_slips(step))
    return step.memo[inner_slips]


def _inner_slips(step: Step) -> Iterator[tuple[sp.Expr, Slip, sp.Expr]]:
    whole = step.formula
    seen: set[sp.Expr] = set()
    for part in sp.preorder_traversal(whole):
        if part is whole or not isinstance(part, (sp.Mul, sp.Add)) or not part.free_symbols or part in seen:
            continue
        seen.add(part)
        right = part.xreplace(step.given)
        for slip in digit_slips(right):
            wrong = whole.xreplace({part: sp.Integer(slip.value)}).xreplace(step.given)
            if wrong.is_Integer and wrong != step.value:
                yield part, slip, wrong


def term_slips(records: list[LayerRecord], count: str) -> Iterator[tuple[LayerRecord, str, sp.Expr]]:
    """A total with one layer's count left out or added twice: (the layer, what happened, the change)."""
    for record in records:
        value = {"trainable_params": record.trainable, "non_trainable_params": record.non_trainable}.get(
            count, record.params
        )
        if value != 0:
            yield record, f"leaves out layer {record.name}'s {readable(value)}", -value
            yield record, f"adds layer {record.name}'s {readable(value)} twice", value


def numbers_in(expr: sp.Expr, given: dict) -> sp.Expr:
    """The expression with the step's numbers in place of its symbols, left unevaluated: 3·5·5."""
    if isinstance(expr, sp.Symbol):
        return given.get(expr, expr)
    if isinstance(expr, (sp.Mul, sp.Add)):
        return type(expr)(*(numbers_in(arg, given) for arg in expr.args), evaluate=False)
    return expr
