"""Closed forms read the way people write them, from the expressions the layers built.

Two rewrites change an expression's form, never its value:

* nested floors merge: ``floor((floor(x/m) + c)/n) = floor((x + c*m)/(m*n))`` for whole x and c and
  positive whole m and n (likewise for ceilings), so two poolings read ``floor((31 - 3*k)/4)``;
* a sum over layers is expanded into a polynomial in the free symbols; terms with floors stay
  factored, since expanding ``(floor(...) + 1)**2`` only hides where the number comes from.

``calc formula`` and the worked solution's closing paragraph both read the total this way, and
``calc summary`` shows a model with free symbols through ``readable``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sympy as sp

if TYPE_CHECKING:
    from calc.model import Analysis, Model
    from calc.rules import Step

ROUNDINGS = (sp.floor, sp.ceiling)


def merge_roundings(expr: sp.Basic) -> sp.Basic:
    """Merge nested floors (and nested ceilings): floor((floor(x/m) + c)/n) -> floor((x + c*m)/(m*n))."""

    def merge(node: sp.Basic) -> sp.Basic:
        kind = type(node)
        numerator, denominator = sp.fraction(sp.together(node.args[0]))
        if not (denominator.is_Integer and denominator > 0):
            return node
        for term in sp.Add.make_args(numerator):
            if type(term) is not kind:
                continue
            inner, divisor = sp.fraction(sp.together(term.args[0]))
            rest = numerator - term
            if divisor.is_Integer and divisor > 0 and inner.is_integer and rest.is_integer:
                return kind(sp.expand(inner + rest * divisor) / (divisor * denominator))
        return node

    return expr.replace(lambda node: isinstance(node, ROUNDINGS), merge)


def normal_form(expr: sp.Basic, expand: bool = True) -> sp.Basic:
    """The readable form described in the module docstring (a tuple is done entry by entry)."""
    if isinstance(expr, tuple | sp.Tuple):
        return tuple(normal_form(e, expand=False) for e in expr)
    expr = merge_roundings(expr)
    if not expand:
        return expr
    plain = [t for t in sp.Add.make_args(expr) if not t.has(*ROUNDINGS)]
    rounded = [t for t in sp.Add.make_args(expr) if t.has(*ROUNDINGS)]
    return sp.expand(sp.Add(*plain)) + sp.Add(*rounded)


def normalised(analysis: Analysis) -> Analysis:
    """A copy of the analysis with every expression in it (shapes, counts, steps) with merged floors."""

    def merge(value: Any) -> Any:  # an expression, a tuple of them, or words
        if isinstance(value, tuple):
            return tuple(merge(v) for v in value)
        return merge_roundings(value) if isinstance(value, sp.Basic) else value

    def step(s: Step) -> Step:
        return dataclasses.replace(s, bindings={k: merge(v) for k, v in s.bindings.items()}, value=merge(s.value))

    records = []
    for r in analysis.records:
        result = dataclasses.replace(
            r.result,
            output_shape=merge(r.result.output_shape),
            outputs=None if r.result.outputs is None else [merge(shape) for shape in r.result.outputs],
            trainable=merge(r.result.trainable),
            non_trainable=merge(r.result.non_trainable),
            shape_steps=[step(s) for s in r.result.shape_steps],
            param_steps=[step(s) for s in r.result.param_steps],
            description=[merge(part) for part in r.result.description],
        )
        records.append(dataclasses.replace(r, input_shapes=[merge(s) for s in r.input_shapes], result=result))
    return dataclasses.replace(analysis, records=records)


def readable(analysis: Analysis) -> Analysis:
    """The analysis as views show it: with merged floors when a symbol is left free (a number has none)."""
    if all(symbol in analysis.values for symbol in analysis.symbols):
        return analysis
    return normalised(analysis)


def total_closed_form(model: Model, values: Mapping[str, Any] | None = None) -> sp.Expr:
    """A model's total parameter count with every symbol not given in ``values`` kept free (a
    ``calc.model.Model``; its spec's own values are not applied)."""
    values = dict(values or {})
    free = [s.name for s in model.symbols if s.name not in values]
    return normal_form(model.analyze(values, free=free).total_params)
