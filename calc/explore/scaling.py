"""How each layer's parameter count, and the total, scale with one symbol.

For every layer and for the total: the asymptotic degree in the symbol (floors taken as exact
division, the growth of the formula as the symbol goes to infinity); the elasticity d ln Q / d ln k at
the current values (of the same smooth form: "1% more k gives E% more parameters"); and what doubling
the symbol does, computed exactly by building the model at the doubled value. A model is valid only
for some values, so the range of valid values is found too: a degree of 2 means little when k cannot
pass 10, so each count also gets its trend over the valid values around the current one ("falls" for
LeNet-5's dense layer, whose input shrinks as k grows, though its degree in k is 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from calc.errors import CalcError
from calc.explore.formula import free_analysis, normal_form
from calc.explore.keep import Keep
from calc.explore.sweep import Evaluator
from calc.layers.base import suggest
from calc.model import Analysis, Sequential
from calc.render.math import group_digits, sympy_source

SCAN_WITH_NUMPY = 100_000
SCAN_WITHOUT_NUMPY = 2_000


@dataclass
class Scale:
    """How one parameter count (a layer's or the total) depends on the symbol."""

    name: str
    type: str  # the layer's type, or "" for the total
    expression: sp.Expr
    value: int
    degree: int | None  # None where the count does not depend on the symbol... or is 0
    elasticity: float | None
    doubled: int | None  # the count at twice the symbol's value, None where that model is invalid
    elasticity_formula: sp.Expr | None = None  # k P'(k) / P(k) of the smooth form
    trend: str | None = None  # over the valid range around the value: "rises", "falls", "rises then falls", ...

    @property
    def factor(self) -> float | None:
        if self.doubled is None or self.value == 0:
            return None
        return self.doubled / self.value


@dataclass
class Scaling:
    """The answer of ``calc scaling``."""

    model: str
    symbol: sp.Symbol
    value: int
    values: dict[sp.Symbol, sp.Expr]
    layers: list[Scale]
    total: Scale
    doubling_problem: str | None  # why the model is invalid at twice the value
    valid: list[tuple[int, int]]  # ranges of valid values, inclusive
    scanned: int  # values 1..scanned were checked
    quantity: str = "params"  # what is scaled: params, macs, flops or activation_elements
    span: tuple[int, int] | None = None  # the valid range holding the value, over which each trend is read

    @property
    def words(self) -> str:
        return QUANTITY_WORDS[self.quantity]

    @property
    def heading(self) -> str:
        """The quantity as a table's column heading."""
        return {"params": "Parameters", "activation_elements": "Activations"}.get(self.quantity, self.words)

    def layer_sentence(self, scale: Scale) -> str:
        k, words = self.symbol.name, self.words
        if scale.value == 0 and (scale.doubled in (None, 0)):
            return f"{scale.name} has no {words}."
        if scale.doubled is None:
            return f"doubling {k} makes the model invalid, so {scale.name}'s change cannot be shown."
        if scale.doubled == scale.value:
            return f"doubling {k} leaves {scale.name}'s {words} at {group_digits(scale.value)}."
        return (
            f"doubling {k} multiplies {scale.name}'s {words} by {_factor(scale)} "
            f"({group_digits(scale.value)} → {group_digits(scale.doubled)})."
        )

    def total_sentence(self) -> str:
        k, t = self.symbol.name, self.total
        doubling = f"doubling {k} ({self.value} → {2 * self.value})"
        if t.doubled is None:
            return f"{doubling} makes the model invalid: {self.doubling_problem}."
        if t.doubled == t.value:
            return f"{doubling} leaves the total at {group_digits(t.value)}."
        sentence = (
            f"{doubling} multiplies the total by {_factor(t)} ({group_digits(t.value)} → {group_digits(t.doubled)})"
        )
        deltas = [(s.doubled - s.value, s) for s in self.layers if s.doubled is not None and s.doubled != s.value]
        growers = [s for _, s in sorted((d for d in deltas if d[0] > 0), key=lambda d: -d[0])]
        shrinkers = [s for _, s in sorted((d for d in deltas if d[0] < 0), key=lambda d: d[0])]
        if t.doubled > t.value:
            if shrinkers:
                return (
                    sentence + f", less than {growers[0].name}'s ×{_factor(growers[0])} because "
                    f"{_shrinks(shrinkers[0])}."
                )
            return sentence + f", most of the growth in {growers[0].name}."
        if growers:
            return (
                sentence
                + f" because {_shrinks(shrinkers[0])}, more than {growers[0].name} grows (×{_factor(growers[0])})."
            )
        return sentence + f" because {_shrinks(shrinkers[0])}."

    @property
    def trend_heading(self) -> str:
        """The trend column's heading: the range it is read over, "k = 1–10"."""
        if self.span is None:
            return "Trend"
        return f"Over {self.symbol.name} = {group_digits(self.span[0])}–{group_digits(self.span[1])}"

    def trend_sentence(self) -> str:
        k = self.symbol.name
        if self.span is None:
            return f"Trend: none, as {k} = {self.value} is the only valid value around it."
        low, high = (group_digits(v) for v in self.span)
        return (
            f"Trend: how a count moves as {k} goes from {low} to {high}, the valid values around {k} = {self.value} "
            "(floors taken as exact division); a count of degree 2 can still fall there."
        )

    def validity_sentence(self) -> str:
        k = self.symbol.name
        if not self.valid:
            return f"No value of {k} from 1 to {group_digits(self.scanned)} gives a valid model."
        show = group_digits
        parts = [show(a) if a == b else f"{show(a)} to {show(b)}" for a, b in self.valid[:4]]
        more = ", ..." if len(self.valid) > 4 else ""
        if self.valid[-1][1] == self.scanned:
            parts[-1] += " and beyond" if not more else ""
        checked = f"checked from 1 to {show(self.scanned)}"
        return f"The model is valid for {k} = {', '.join(parts)}{more} ({checked})."

    def to_dict(self) -> dict[str, object]:
        def one(scale: Scale) -> dict[str, object]:
            return {
                "params": scale.value,
                "expression": sympy_source(scale.expression),
                "degree": scale.degree,
                "elasticity": None if scale.elasticity is None else round(scale.elasticity, 6),
                "doubled_params": scale.doubled,
                "factor": None if scale.factor is None else round(scale.factor, 6),
                "trend": scale.trend,
            }

        return {
            "model": self.model,
            "quantity": self.quantity,
            "symbol": self.symbol.name,
            "value": self.value,
            "values": {s.name: int(v) for s, v in self.values.items() if v.is_Integer},
            "valid": [list(r) for r in self.valid],
            "trend_range": None if self.span is None else list(self.span),
            "layers": [
                {"name": s.name, "type": s.type, **one(s), "sentence": self.layer_sentence(s)} for s in self.layers
            ],
            "total": {**one(self.total), "sentence": self.total_sentence()},
        }


def _shrinks(scale: Scale) -> str:
    return f"{scale.name} shrinks ({group_digits(scale.value)} → {group_digits(scale.doubled or 0)})"


def _factor(scale: Scale) -> str:
    factor = scale.factor
    return "—" if factor is None else f"{factor:.3g}"


def relaxed(expr: sp.Expr) -> sp.Expr:
    """Floors and ceilings taken as exact division: the smooth trend of a count."""
    return expr.replace(lambda node: isinstance(node, sp.floor | sp.ceiling), lambda node: node.args[0])


def degree(expr: sp.Expr, symbol: sp.Symbol) -> int | None:
    """The power of ``symbol`` that the (relaxed) expression grows like; None for zero."""
    smooth = sp.together(relaxed(expr))
    if smooth == 0:
        return None
    numerator, denominator = sp.fraction(smooth)
    return int(sp.degree(numerator, symbol) - sp.degree(denominator, symbol))


def elasticity_formula(expr: sp.Expr, symbol: sp.Symbol) -> sp.Expr | None:
    """k Q'(k) / Q(k) of the relaxed expression, as one fraction; None where Q is 0 or constant."""
    smooth = relaxed(expr)
    if symbol not in smooth.free_symbols:
        return None
    return sp.factor(sp.together(symbol * sp.diff(smooth, symbol) / smooth))


def elasticity(expr: sp.Expr, symbol: sp.Symbol, value: int) -> float | None:
    """d ln Q / d ln k of the relaxed expression at ``value``: 0 for a constant, None where Q is 0."""
    smooth = relaxed(expr)
    at = smooth.xreplace({symbol: value})
    if at == 0:
        return None
    return float(sp.diff(smooth, symbol).xreplace({symbol: value}) * value / at)


def trend(expr: sp.Expr, symbol: sp.Symbol, low: int, high: int) -> str | None:
    """How the relaxed count moves as ``symbol`` goes from ``low`` to ``high``: "rises", "falls",
    "constant", or the pieces in order ("falls then rises"); None for a zero count or no range."""
    smooth = relaxed(expr)
    if smooth == 0 or low >= high:
        return None
    slope = sp.together(sp.diff(smooth, symbol))
    if slope == 0:
        return "constant"
    cuts: list[sp.Expr] = []
    try:  # where the slope is zero or undefined inside the range
        for part in sp.fraction(slope):
            if symbol in part.free_symbols:
                cuts += [r for r in sp.Poly(part, symbol).real_roots() if low < r < high]
    except sp.PolynomialError:
        return None
    points = [sp.Integer(low), *sorted(set(cuts), key=float), sp.Integer(high)]
    words: list[str] = []
    for a, b in zip(points, points[1:], strict=False):
        sign = sp.sign(slope.xreplace({symbol: (a + b) / 2}).evalf())
        word = "rises" if sign > 0 else "falls" if sign < 0 else "constant"
        if not words or words[-1] != word:
            words.append(word)
    return " then ".join(words)


#: What ``calc scaling --quantity`` scales, and its words in the sentences.
QUANTITY_WORDS = {"params": "parameters", "macs": "MACs", "flops": "FLOPs", "activation_elements": "activations"}


def quantity_of(analysis: Analysis, quantity: str, index: int | None = None) -> sp.Expr:
    """The scaled quantity of one record (by position) or, with no index, of the whole model."""
    from calc import compute

    if index is None:
        if quantity == "params":
            return analysis.total_params
        if quantity == "activation_elements":
            return compute.total_activations(analysis)
        value = compute.total_macs(analysis)
    else:
        record = analysis.records[index]
        if quantity == "params":
            return record.params
        if quantity == "activation_elements":
            return record.compute.activation_elements
        value = record.compute.macs
    if value is None:
        missing = next(r for r in analysis.records if r.layer is not None and r.compute.macs is None)
        raise CalcError(f"calc has no MACs rule for {missing.name} ({missing.type})")
    return compute.DEFAULT.flops(value) if quantity == "flops" else value


def scaling(
    model: Sequential,
    symbol_name: str,
    values: Mapping[str, str] | None = None,
    keep: Keep | None = None,
    quantity: str = "params",
) -> Scaling:
    if quantity not in QUANTITY_WORDS:
        listed = ", ".join(QUANTITY_WORDS)
        raise CalcError(
            f"scaling takes the quantity {listed}; got '{quantity[:40]}'{suggest(quantity, QUANTITY_WORDS)}"
        )
    values = dict(values or {})
    given = values.pop(symbol_name, None)  # --set k=3 with --in k: scale from k = 3
    model, analysis = free_analysis(model, keep, values, free=[symbol_name], record=True)
    symbol = {s.name: s for s in model.symbols}[symbol_name]
    if given is not None:
        values[symbol_name] = given
    current = model.with_values(values).get(symbol)
    if current is None:
        raise CalcError(
            f"{symbol_name} has no value to scale from; give it one (--set {symbol_name}=...)", source=model.source
        )
    current = int(current)
    known = model.with_values(values)
    missing = [s.name for s in model.symbols if s != symbol and s not in known]
    if missing:  # scaling is "at the current values": every other symbol needs one
        message = f"symbol '{missing[0]}' has no value; give it one (--set {missing[0]}=...)"
        raise CalcError(message, source=model.source)
    at_value = model.analyze({**values, symbol_name: current})
    try:
        doubled: Analysis | None = model.analyze({**values, symbol_name: 2 * current})
        problem = None
    except CalcError as error:
        doubled, problem = None, f"{error.layer}: {error.message}" if error.layer else error.message

    valid, scanned = valid_ranges(analysis, symbol)
    span = next(((a, b) for a, b in valid if a <= current <= b), None)

    def scale(name: str, kind: str, expr: sp.Expr, now: sp.Expr, twice: sp.Expr | None) -> Scale:
        return Scale(
            name,
            kind,
            normal_form(expr, expand=kind == ""),
            int(now),
            degree(expr, symbol),
            elasticity(expr, symbol, current),
            None if twice is None else int(twice),
            elasticity_formula(expr, symbol),
            None if span is None else trend(expr, symbol, *span),
        )

    try:

        def of(a: Analysis | None, index: int | None = None) -> sp.Expr | None:
            return None if a is None else quantity_of(a, quantity, index)

        layers = [
            scale(r.name, r.type, of(analysis, i), of(at_value, i), of(doubled, i))
            for i, r in enumerate(analysis.records)
        ]
        total = scale("total", "", of(analysis), of(at_value), of(doubled))
    except CalcError as error:
        raise error.within(source=model.source) from None
    return Scaling(model.name, symbol, current, analysis.values, layers, total, problem, valid, scanned, quantity, span)


def valid_ranges(analysis: Analysis, symbol: sp.Symbol) -> tuple[list[tuple[int, int]], int]:
    """The values 1, 2, ... of ``symbol`` at which every layer is valid, as inclusive ranges."""
    evaluator = Evaluator(analysis, [], [symbol])
    try:
        import numpy as np
    except ImportError:
        np = None
    limit = SCAN_WITH_NUMPY if np is not None else SCAN_WITHOUT_NUMPY
    while limit > 1:  # a smaller scan where the arithmetic would not fit 64 bits
        try:
            evaluator.check_range({symbol: limit})
            break
        except CalcError:
            limit //= 10
    if np is not None:
        _, failure = evaluator.arrays([np.arange(1, limit + 1, dtype=np.int64)])
        good = (failure < 0).tolist()
    else:
        good = [evaluator.point([value])[1] < 0 for value in range(1, limit + 1)]
    ranges: list[tuple[int, int]] = []
    for value, ok in enumerate(good, start=1):
        if ok and ranges and ranges[-1][1] == value - 1:
            ranges[-1] = (ranges[-1][0], value)
        elif ok:
            ranges.append((value, value))
    return ranges, limit


def _capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def scaling_text(result: Scaling) -> str:
    """A table (layer, parameters, degree, elasticity, factor on doubling) and the sentences."""
    k = result.symbol.name
    others = ", ".join(f"{s.name} = {v}" for s, v in result.values.items())
    heading = {"params": "Params", "macs": "MACs", "flops": "FLOPs", "activation_elements": "Activations"}
    rows = [("Layer (type)", heading[result.quantity], result.trend_heading, "Degree", "Elasticity", f"Doubling {k}")]
    for scale in [*result.layers, result.total]:
        label = f"{scale.name} ({scale.type})" if scale.type else "Total"
        rows.append(
            (
                label,
                group_digits(scale.value),
                scale.trend or "-",
                "-" if scale.degree is None else str(scale.degree),
                "-" if scale.elasticity is None else f"{scale.elasticity:.3g}",
                "-" if scale.factor is None else f"×{scale.factor:.3g}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"Scaling of {result.model} in {k} at {k} = {result.value}" + (f" ({others})" if others else ""), ""]
    for i, row in enumerate(rows):
        if i == len(rows) - 1:
            lines.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    lines += [
        "",
        result.trend_sentence(),
        f"Degree: the power of {k} a count grows like as {k} grows without bound (floors taken as exact division).",
        f"Elasticity: d ln Q / d ln {k} at {k} = {result.value}, the per cent change of Q for 1% more {k}.",
        result.validity_sentence(),
        "",
    ]
    lines += [_capital(result.layer_sentence(s)) for s in result.layers if s.value or s.doubled]
    lines.append(_capital(result.total_sentence()))
    return "\n".join(lines) + "\n"


def render_scaling(result: Scaling, fmt: str) -> str:
    """The scaling, with each elasticity worked out, as Markdown or LaTeX (templates/<fmt>/scaling.j2)."""
    from calc.render.templating import render

    return render(
        "scaling",
        fmt,
        result=result,
        rows=[*result.layers, result.total],
        sentences=[_capital(result.layer_sentence(s)) for s in result.layers if s.value or s.doubled],
        total_sentence=_capital(result.total_sentence()),
        validity=result.validity_sentence(),
    )
