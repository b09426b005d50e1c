"""Inverse questions: which padding keeps 28×28, how many filters fit a budget of 100,000 parameters.

The unknown is a hyper-parameter of one layer (``--layer conv2d --for padding``: the layer is rebuilt
with a new symbol in place of its argument) or a model symbol (``--for f``). sympy solves the equation
(or inequality) with floors taken as exact division, which says where the answers lie; because a floor
lets neighbouring values share one size (with stride 2, paddings 1 and 2 may both give 16), every whole
number of the range is then checked exactly with the compiled whole-number code, and each answer is
checked once more by building the model with that value, as ``calc summary`` would.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType

import sympy as sp

from calc.errors import CalcError, quote
from calc.explore.formula import normal_form
from calc.explore.keep import REWRITABLE
from calc.explore.quantities import SCALARS, Quantity, quantity, split_name
from calc.explore.scaling import relaxed
from calc.explore.sweep import Evaluator
from calc.layers.base import suggest
from calc.model import Analysis, Model, Sequential
from calc.render.math import group_digits, sympy_text

MAX_RANGE_WITH_NUMPY = 1_000_000
MAX_RANGE_WITHOUT_NUMPY = 100_000
DEFAULT_RANGES = {
    **{"padding": (0, 100), "strides": (1, 100), "kernel_size": (1, 100), "dilation_rate": (1, 100)},
    **{"stride": (1, 100), "dilation": (1, 100)},  # the PyTorch dialect's names
}
DEFAULT_RANGE = (1, 10_000)
MAX_SHOWN = 100
MAX_SMOOTH_DEGREE = 4

_TARGET = re.compile(r"\s*([A-Za-z0-9_.\-]{1,100}?)\s*(==|=|<=|>=|<|>)\s*([0-9]{1,18})\s*\Z")
_RANGE = re.compile(r"\s*([0-9]{1,12})\s*:\s*([0-9]{1,12})\s*\Z")
_RELATIONS = {"=": "==", "==": "=="}  # both spellings of equality mean the same


@dataclass(frozen=True)
class Target:
    """``output_size=28`` or ``total_params<=100000``."""

    quantity: str
    relation: str  # ==, <=, >=, <, >
    value: int

    def holds(self, value: int) -> bool:
        return {
            "==": value == self.value,
            "<=": value <= self.value,
            ">=": value >= self.value,
            "<": value < self.value,
            ">": value > self.value,
        }[self.relation]

    @property
    def words(self) -> str:
        relation = "=" if self.relation == "==" else self.relation
        return f"{self.quantity} {relation} {group_digits(self.value)}"


def parse_target(text: str) -> Target:
    match = _TARGET.match(text) if len(text) <= 200 else None
    if not match:
        raise CalcError(
            f"--target: cannot read {quote(text)}; expected QUANTITY=NUMBER or QUANTITY<=NUMBER "
            "(e.g. output_size=28, total_params<=100000)"
        )
    name, relation, number = match.groups()
    split_name(name)  # an unknown quantity is refused here, with the list of known ones
    if name.rpartition(".")[2] not in SCALARS:
        raise CalcError(f"--target: {name} is not a number; use output_size, output_height, params, ...")
    return Target(name, _RELATIONS.get(relation, relation), int(number))


def parse_range(text: str | None, unknown: str, symbol: bool) -> tuple[int, int]:
    if text is None:
        return (1, DEFAULT_RANGE[1]) if symbol else DEFAULT_RANGES.get(unknown, DEFAULT_RANGE)
    match = _RANGE.match(text) if len(text) <= 40 else None
    if not match:
        raise CalcError(f"--range: cannot read {quote(text)}; expected START:STOP, e.g. 0:10 (the stop included)")
    start, stop = int(match[1]), int(match[2])
    if stop < start:
        raise CalcError(f"--range {start}:{stop} is empty (stop before start)")
    lowest = 0 if unknown == "padding" and not symbol else 1
    if start < lowest:
        raise CalcError(f"--range: {unknown} is at least {lowest}, got {start}")
    return start, stop


@dataclass
class Check:
    """An answer checked by building the model with it."""

    value: int
    quantity: int | None
    output_shape: tuple | None
    problem: str | None = None


@dataclass
class Solution:
    """The answer of ``calc solve``."""

    model: str
    layer: str | None
    unknown: str  # padding, strides, ... or the model symbol's name
    symbol: sp.Symbol
    target: Target
    expression: sp.Expr  # the target quantity as a function of the unknown
    smooth: object  # sympy's solution set with floors taken as exact division
    range: tuple[int, int]
    solutions: list[int]
    checks: list[Check] = field(default_factory=list)
    replaced: str | None = None  # what the unknown replaced ("'same' padding")
    valid_count: int = 0

    @property
    def budget(self) -> bool:
        return self.target.relation != "=="

    def to_dict(self) -> dict[str, object]:
        return {
            "solutions": [{self.unknown: value} for value in self.solutions],
            "target": self.target.words.replace(",", ""),
            "range": list(self.range),
            "checks": [
                {self.unknown: c.value, self.target.quantity: c.quantity, "holds": c.problem is None}
                for c in self.checks
            ],
        }


def _rebuilt(model: Sequential, index: int, argument: str, value: object) -> Model:
    layers = list(model.layers)
    layers[index] = layers[index].rebuilt(**{argument: value})
    declared = {s.name: model.values.get(s) for s in model.declared}
    return model.with_layers(layers, declared)


@dataclass(frozen=True)
class Unknown:
    """What ``calc solve`` varies: a model symbol, or one layer's argument replaced by a new symbol."""

    symbol: sp.Symbol
    model: Sequential  # the model with the unknown free in it
    index: int | None  # the layer whose argument it is; None for a model symbol
    replaced: str | None = None  # what the unknown replaced ("'same' padding")


def solve(
    model: Sequential,
    target: Target,
    unknown: str,
    layer: str | None = None,
    range_text: str | None = None,
    values: Mapping[str, str] | None = None,
) -> Solution:
    """The values of ``unknown`` (in the range) for which ``target`` holds, each checked by building the model."""
    values = dict(values or {})
    free = find_unknown(model, unknown, layer, values)
    start, stop = parse_range(range_text, unknown, free.index is None)
    np = _numpy()
    _check_range_size(start, stop, np is not None)
    analysis = free.model.analyze(values, free=[free.symbol.name] if free.index is None else (), record=True)
    wanted = _target_value(analysis, target, layer, free.symbol, model.source)
    evaluator = _evaluator(analysis, wanted.value, free.symbol, stop)
    fitting, valid_count = _fitting(evaluator, start, stop, target, np)
    solutions = _chosen(fitting, target)
    solution = Solution(
        model.name,
        layer,
        unknown,
        free.symbol,
        target,
        normal_form(wanted.value, expand=wanted.layer is None),
        _smooth(wanted.value, target, free.symbol),
        (start, stop),
        solutions,
        replaced=free.replaced,
        valid_count=valid_count,
    )
    shown = _shown(solutions, target, start, stop)
    solution.checks = [_check(model, free.index, unknown, value, values, target, layer) for value in shown]
    return solution


def find_unknown(model: Sequential, unknown: str, layer: str | None, values: Mapping[str, str]) -> Unknown:
    """The unknown by name: a model symbol (not also set with --set), or a hyper-parameter of ``layer``."""
    names = {s.name: s for s in model.symbols}
    if unknown in names:
        if unknown in values:
            raise CalcError(f"{unknown} is what to solve for, so it cannot also be set with --set")
        return Unknown(names[unknown], model, None)
    if unknown in REWRITABLE:
        return _layer_argument(model, unknown, layer, set(names))
    listed = ", ".join(sorted(names)) or "none"
    raise CalcError(
        f"--for {unknown}: neither a model symbol ({listed}) nor a hyper-parameter "
        f"({', '.join(REWRITABLE)}){suggest(unknown, [*names, *REWRITABLE])}",
        source=model.source,
    )


def _layer_argument(model: Sequential, unknown: str, layer: str | None, names: set[str]) -> Unknown:
    """The model with one layer's argument (``padding``, ``strides``, ...) replaced by a new symbol."""
    if layer is None:
        raise CalcError(f"--for {unknown} needs --layer NAME: which layer's {unknown}")
    if layer not in model.names:
        raise CalcError(f"no layer named '{layer}'{suggest(layer, model.names)}", source=model.source)
    index = model.names.index(layer)
    original = model.layers[index]
    if unknown not in original.argument_names():
        raise CalcError(f"{layer} ({original.type_name}) has no argument '{unknown}'", source=model.source)
    name = (
        unknown
        if unknown not in names
        else next(f"{unknown}_{i}" for i in range(1, 99) if f"{unknown}_{i}" not in names)
    )
    symbol = sp.Symbol(name, integer=True, **({"nonnegative": True} if unknown == "padding" else {"positive": True}))
    given = original.arguments().get(unknown, getattr(original, unknown, None))
    same = unknown == "padding" and isinstance(given, str) and given.lower() in ("same", "causal")
    try:
        free_model = _rebuilt(model, index, unknown, symbol)
    except CalcError as error:
        raise error.within(source=model.source, layer=f"layer {index + 1} ({layer}, {original.type_name})") from None
    return Unknown(symbol, free_model, index, f"'{given.lower()}' padding" if same else None)


def _numpy() -> ModuleType | None:
    """numpy when installed (the plot extra): it checks a million values at once; without it, a slower loop."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def _check_range_size(start: int, stop: int, vectorised: bool) -> None:
    cap = MAX_RANGE_WITH_NUMPY if vectorised else MAX_RANGE_WITHOUT_NUMPY
    if stop - start + 1 > cap:
        raise CalcError(f"--range {start}:{stop} has {stop - start + 1:,} values; at most {cap:,}")


def _target_value(
    analysis: Analysis, target: Target, layer: str | None, symbol: sp.Symbol, source: str | None
) -> Quantity:
    """The target quantity, an expression in the unknown alone (any other symbol must have a value)."""
    try:
        wanted = quantity(analysis, target.quantity, layer)
    except CalcError as error:
        raise error.within(source=source) from None
    others = sorted(s.name for s in wanted.value.free_symbols if s != symbol)
    if others:
        raise CalcError(f"symbol '{others[0]}' has no value; give it one (--set {others[0]}=...)", source=source)
    return wanted


def _evaluator(analysis: Analysis, wanted: sp.Expr, symbol: sp.Symbol, stop: int) -> Evaluator:
    """The compiled whole-number code of the quantity, refused when the range's end overflows it."""
    evaluator = Evaluator(analysis, [wanted], [symbol])
    try:
        evaluator.check_range({symbol: stop})
    except CalcError:
        raise CalcError(f"--range up to {stop:,} is too large to compute exactly; use a smaller range") from None
    return evaluator


def _fitting(
    evaluator: Evaluator, start: int, stop: int, target: Target, np: ModuleType | None
) -> tuple[list[int], int]:
    """Every value of the range for which the model builds and the target holds, and how many build at all."""
    if np is not None:
        candidates = np.arange(start, stop + 1, dtype=np.int64)
        (results,), failure = evaluator.arrays([candidates])
        points: Iterable[tuple[int, int, int]] = zip(
            candidates.tolist(), np.broadcast_to(results, candidates.shape).tolist(), failure.tolist()
        )
    else:
        points = ((v, *_point(evaluator, v)) for v in range(start, stop + 1))
    built = [(value, result) for value, result, failed in points if failed < 0]
    return [value for value, result in built if target.holds(result)], len(built)


def _chosen(fitting: list[int], target: Target) -> list[int]:
    """A budget's answer is its best value (the largest under a ceiling, the smallest over a floor); an
    equation's, every value that fits."""
    if target.relation in ("<=", "<"):
        return fitting[-1:]
    if target.relation in (">=", ">"):
        return fitting[:1]
    return fitting


def _shown(solutions: list[int], target: Target, start: int, stop: int) -> list[int]:
    """The answers checked by building the model; for a budget, the next value too, to show it no longer fits."""
    if target.relation == "==" or not solutions:
        return solutions[:MAX_SHOWN]
    step = 1 if target.relation in ("<=", "<") else -1
    return [solutions[0], solutions[0] + step] if start <= solutions[0] + step <= stop else solutions[:MAX_SHOWN]


def _point(evaluator: Evaluator, value: int) -> tuple[int, int]:
    results, failed = evaluator.point([value])
    return results[0], failed


def _smooth(expr: sp.Expr, target: Target, symbol: sp.Symbol) -> object:
    """sympy's answer with floors taken as exact division (a guide to where the answers lie)."""
    smooth = sp.together(relaxed(expr))
    if symbol not in smooth.free_symbols:
        return None
    numerator, denominator = sp.fraction(smooth)
    try:
        if sp.degree(numerator, symbol) > MAX_SMOOTH_DEGREE or sp.degree(denominator, symbol) > 1:
            return None  # no closed form worth showing; the exact check below still answers
    except sp.PolynomialError:  # not a polynomial (a receptive field's max over branches): no smooth form
        return None
    relation = {"==": sp.Eq, "<=": sp.Le, ">=": sp.Ge, "<": sp.Lt, ">": sp.Gt}[target.relation]
    real = sp.Symbol(symbol.name, real=True)
    try:
        return sp.solveset(relation(smooth.xreplace({symbol: real}), target.value), real, domain=sp.Interval(0, sp.oo))
    except (NotImplementedError, ValueError, TypeError):
        return None


def _check(
    model: Sequential,
    index: int | None,
    unknown: str,
    value: int,
    values: Mapping[str, str],
    target: Target,
    layer: str | None,
) -> Check:
    """Build the model with the value put in, as ``calc summary`` would, and read the quantity."""
    try:
        if index is None:
            analysis: Analysis = model.analyze({**values, unknown: value})
        else:
            analysis = _rebuilt(model, index, unknown, value).analyze(values)
        got = quantity(analysis, target.quantity, layer)
    except CalcError as error:
        return Check(value, None, None, f"{error.layer}: {error.message}" if error.layer else error.message)
    number = int(got.value)
    shape = got.layer.output_shape if got.layer is not None else None  # a layer's quantity: show its shape
    return Check(value, number, shape, None if target.holds(number) else f"{target.words} does not hold")


def smooth_words(solution: Solution) -> str:
    """sympy's smooth answer in words: 'padding = 2', 'f <= 13.17', 'no real solution'."""
    found, name = solution.smooth, solution.unknown
    if found is None:
        return "sympy finds no closed form" if solution.expression.free_symbols else f"does not depend on {name}"
    if found == sp.S.EmptySet:
        return "no solution even without the floors"
    if isinstance(found, sp.FiniteSet):
        return " or ".join(f"{name} = {_number(v)}" for v in sorted(found, key=lambda v: float(v)))
    if isinstance(found, sp.Interval):
        low, high = found.inf, found.sup
        parts = []
        if low > 0 or not found.left_open and low != 0:
            parts.append(f"{name} {'>' if found.left_open else '>='} {_number(low)}")
        if high != sp.oo:
            parts.append(f"{name} {'<' if found.right_open else '<='} {_number(high)}")
        return " and ".join(parts) or f"every {name}"
    return f"{name} in {found}"


def _number(value: sp.Expr) -> str:
    return str(int(value)) if value.is_Integer else f"{float(value):.4g}"


def solve_text(solution: Solution) -> str:
    name, t = solution.unknown, solution.target
    low, high = (group_digits(v) for v in solution.range)
    whose = f"{solution.layer}'s {name}" if solution.layer else name
    lines = [f"Solving for {whose} from {low} to {high} so that {t.words}."]
    if solution.replaced:
        lines.append(f"The layer's {solution.replaced} is replaced by explicit padding.")
    lines += [
        f"  {t.quantity} = {sympy_text(solution.expression)}",
        f"  sympy, with floors taken as exact division: {smooth_words(solution)}",
        f"  every whole number from {low} to {high} checked exactly "
        f"({group_digits(solution.valid_count)} give a valid model)",
        "",
    ]
    if not solution.solutions:
        lines.append(f"No {name} from {low} to {high} gives {t.words}.")
    elif solution.budget:
        which = "Largest" if t.relation in ("<=", "<") else "Smallest"
        lines.append(f"{which} {name} with {t.words}: {name} = {solution.solutions[0]}.")
    else:
        count = len(solution.solutions)
        listed = ", ".join(str(v) for v in solution.solutions[:MAX_SHOWN]) + (", ..." if count > MAX_SHOWN else "")
        lines.append(f"{count} solution{'s' if count > 1 else ''}: {name} = {listed}.")
    for check in solution.checks:
        lines.append("  " + check_words(solution, check))
    return "\n".join(lines) + "\n"


def check_words(solution: Solution, check: Check, marks: tuple[str, str] = ("✓", "✗")) -> str:
    name, t = solution.unknown, solution.target
    if check.quantity is None:
        return f"{name} = {check.value}: the model is invalid ({check.problem})"
    mark = marks[0] if check.problem is None else marks[1]
    found = f"{t.quantity} = {group_digits(check.quantity)} {mark}"
    if check.output_shape is None:
        return f"{name} = {check.value}: {found}"
    shape = "(" + ", ".join(["None", *(str(d) for d in check.output_shape)]) + ")"
    return f"{name} = {check.value}: output shape {shape}, {found}"


def render_solution(solution: Solution, fmt: str) -> str:
    """The solution worked out as Markdown or LaTeX (templates/<fmt>/solve.j2)."""
    from markupsafe import Markup

    from calc.render.math import tex
    from calc.render.templating import render

    # The unknown is named after its argument (padding, kernel_size): upright in the formulas.
    name = Markup(r"\mathit{" + solution.symbol.name.replace("_", r"\_") + "}")
    marks = ("✓", "✗") if fmt == "markdown" else ("(holds)", "(does not hold)")
    return render(
        "solve",
        fmt,
        solution=solution,
        x=name,
        expression=Markup(tex(solution.expression, symbol_names={solution.symbol: str(name)}, mul_symbol="dot")),
        smooth=smooth_words(solution),
        checks=[check_words(solution, c, marks) for c in solution.checks],
        result=solve_text(solution).split("\n\n", 1)[1].splitlines()[0],
    )
