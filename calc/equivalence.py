"""Whether an answer is the same quantity as the expected one: decided symbolically, guarded numerically.

Two expressions are equal when their difference simplifies to zero. The model's symbols are positive
integers (``make_symbol``), so sympy already knows that ``floor(k) = k``; floors and ceilings are
brought to one form first (a ceiling as a negated floor, whole constants moved out of a floor), so
``⌊(33 - k)/2⌋`` and ``⌊(31 - k)/2⌋ + 1`` cancel. Some identities between floors are true only for
whole numbers and are beyond sympy (``⌈n/2⌉ = ⌊(n + 1)/2⌋``); for those, and only when the
expressions contain a floor or ceiling, agreement at many random whole-number points decides.

Every comparison first evaluates both sides at a few fixed random points (exact rationals, never
floats): answers that differ there are different without any algebra, which is also what makes
grading a class fast. An answer whose expansion would pass EXPAND_BUDGET terms is never expanded:
exact values at many wide points decide, so no answer costs more than milliseconds. Strings are never
compared.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from fractions import Fraction
from math import comb
from typing import Any, TypeAlias

import sympy as sp

#: Answers compared as values: one expression, or a shape (one expression per axis).
Value: TypeAlias = sp.Expr | tuple[sp.Expr, ...]

SAMPLES = 6
WIDE_SAMPLES = 64
#: Past this many terms in its expansion (an upper bound, counted without expanding), an answer is not
#: compared by algebra, which would take seconds, but by exact values at WIDE_POINTS points whose symbols
#: range up to 10^9: two different polynomials of degree D agree at such a point with probability at
#: most D/10^9 (Schwartz-Zippel), and D is at most 4,096 (the parser's cap on powers): 16 points leave a
#: chance below 10^-85. That bound holds only for points the answer cannot know: fixed points are in the
#: source, and an answer could add a polynomial that is 0 at each of them (the expected value plus
#: (k - a1)(k - a2)...(k - a22), about 300 characters). So the wide points are drawn afresh for every
#: question from the operating system's randomness; an honest answer's verdict does not depend on them.
EXPAND_BUDGET = 500
WIDE_POINTS = 16
_SEED = 20201015  # the seed article's date; any fixed number keeps the output deterministic
_UNPREDICTABLE = random.SystemRandom()


class Points:
    """Random whole-number values for the symbols that have no value, shared by every expression of
    one question so that their evaluations can be compared: ``few`` and ``many`` fixed (the same
    fingerprints and diagnoses in every run), ``wide`` unpredictable (see WIDE_POINTS)."""

    def __init__(self, symbols: Iterable[sp.Symbol]):
        self.symbols = sorted(set(symbols), key=lambda s: s.name)
        rng = random.Random(_SEED)
        self.few = [self._draw(rng) for _ in range(SAMPLES)] if self.symbols else [{}]
        self.many = [self._draw(rng) for _ in range(WIDE_SAMPLES)] if self.symbols else []
        self.wide = [self._draw(_UNPREDICTABLE, 10**9) for _ in range(WIDE_POINTS)] if self.symbols else []
        self._cache: dict[tuple, Any] = {}

    def _draw(self, rng: random.Random, largest: int = 1000) -> dict[sp.Symbol, sp.Integer]:
        return {symbol: sp.Integer(rng.randint(1, largest)) for symbol in self.symbols}

    def columns(self, which: str) -> dict[sp.Symbol, list[int]]:
        """Each symbol's values at the ``few``, ``many`` or ``wide`` points, as Python integers."""
        key = ("columns", which)
        if key not in self._cache:
            points = getattr(self, which)
            self._cache[key] = {symbol: [int(point[symbol]) for point in points] for symbol in self.symbols}
        return self._cache[key]

    def powers(self, which: str) -> dict[tuple, list]:
        """Powers of the symbols at the ``few``, ``many`` or ``wide`` points, by (name, exponent): filled
        by ``answer_tree.evaluate`` as a question's answers need them, shared by all of them."""
        key = ("powers", which)
        if key not in self._cache:
            self._cache[key] = {}
        return self._cache[key]

    def values_of(self, expr: sp.Expr, which: str) -> list[Fraction | None]:
        """The exact values of an expected value (or a mistake's) at those points, worked out once."""
        key = (expr, which)
        if key not in self._cache:
            values = [evaluate(expr, point) for point in getattr(self, which)]
            self._cache[key] = [None if v is None else Fraction(int(v.p), int(v.q)) for v in values]
        return self._cache[key]

    def print_of(self, expr: sp.Expr) -> tuple:
        """The ``fingerprint`` of an expected value (or a mistake's), worked out once."""
        key = ("print", expr)
        if key not in self._cache:
            self._cache[key] = fingerprint(expr, self)
        return self._cache[key]

    def plain(self, expr: sp.Expr) -> bool:
        """Whether a value is made only of what an answer can hold (no Max, no Piecewise), worked out once."""
        key = ("plain", expr)
        if key not in self._cache:
            self._cache[key] = all(
                isinstance(node, _PLAIN) or (isinstance(node, sp.Pow) and node.exp.is_Integer)
                for node in sp.preorder_traversal(expr)
            )
        return self._cache[key]


_PLAIN = (sp.Add, sp.Mul, sp.Rational, sp.Symbol, sp.floor, sp.ceiling)


class SympyAnswer:
    """An answer as a sympy value, as the checker judges it: its fingerprint, and whether it is
    equivalent to an expected value (``calc.answer_tree.TreeAnswer`` is the same without sympy)."""

    def __init__(self, value: Value, points: Points):
        self.value = value
        self.points = points
        self.print = fingerprint(value, points)

    @property
    def length(self) -> int | None:
        return len(self.value) if isinstance(self.value, tuple) else None

    def scalar(self) -> sp.Expr | None:
        value = self.value
        length = value[0] if isinstance(value, tuple) and len(value) == 1 else value
        return None if isinstance(length, tuple) else length

    def equals(self, target: Value) -> bool:
        return equivalent(self.value, target, self.points)


def evaluate(expr: sp.Expr, point: dict[sp.Symbol, sp.Integer]) -> sp.Rational | None:
    """The exact value at a point, or None where it is not a finite rational (a division by zero).

    Worked out in Python's integers and fractions (``_exact``): sympy's xreplace builds and simplifies
    a new expression at every point, a hundred times slower, which decided how fast a class is graded."""
    try:
        value = _exact(expr, point)
    except ZeroDivisionError:
        return None
    except _Unsupported:
        value = expr.xreplace(point) if point else expr
        return value if value.is_Rational else None
    return sp.Integer(value) if isinstance(value, int) else sp.Rational(value.numerator, value.denominator)


class _Unsupported(Exception):
    """A node ``_exact`` does not evaluate (Min, Max, Piecewise, ...): sympy does it instead."""


def _exact(expr: sp.Expr, point: dict[sp.Symbol, sp.Integer]) -> int | Fraction:
    if expr.is_Integer:
        return int(expr)
    if expr.is_Rational:
        return Fraction(int(expr.p), int(expr.q))
    if expr.is_Symbol:
        if expr not in point:
            raise _Unsupported
        return int(point[expr])
    if expr.is_Add:
        return sum(_exact(arg, point) for arg in expr.args)
    if expr.is_Mul:
        product: int | Fraction = 1
        for arg in expr.args:
            product *= _exact(arg, point)
        return product
    if expr.is_Pow and expr.exp.is_Integer:
        base, power = _exact(expr.base, point), int(expr.exp)
        return base**power if power >= 0 else Fraction(1, base**-power) if isinstance(base, int) else base**power
    if isinstance(expr, sp.floor):
        return math.floor(_exact(expr.args[0], point))
    if isinstance(expr, sp.ceiling):
        return math.ceil(_exact(expr.args[0], point))
    raise _Unsupported


def fingerprint(value: Value, points: Points) -> tuple:
    """The values at the question's points: equal fingerprints are necessary for equal answers."""
    if isinstance(value, tuple):
        return tuple(fingerprint(axis, points) for axis in value)
    if not value.free_symbols:
        return (value if value.is_Rational else None,)
    values = tuple(evaluate(value, point) for point in points.few)
    if values[0] is not None and values.count(values[0]) == len(values):
        # symbols that cancel ((6k + 355)·10/(6k + 355), which sympy keeps): a number, which equals a number
        # when the algebra of ``equivalent`` says so
        return values[:1]
    return values


def equivalent(a: Value, b: Value, points: Points) -> bool:
    """True when ``a`` and ``b`` are the same quantity for every value of the free symbols."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (
            isinstance(a, tuple)
            and isinstance(b, tuple)
            and len(a) == len(b)
            and all(equivalent(x, y, points) for x, y in zip(a, b))
        )
    if fingerprint(a, points) != fingerprint(b, points) or None in fingerprint(a, points):
        return False
    if not (a.free_symbols or b.free_symbols):
        return True  # two exact numbers with equal values
    if _terms(a - b) > EXPAND_BUDGET:  # algebra would take seconds: many exact evaluations decide instead
        return all(evaluate(a, p) == evaluate(b, p) is not None for p in points.wide)
    difference = canonical(a) - canonical(b)
    if sp.expand(difference) == 0 or sp.cancel(sp.together(difference)) == 0:
        return True
    if difference.has(sp.floor, sp.ceiling):
        return all(evaluate(a, p) == evaluate(b, p) is not None for p in points.many)
    return False


def canonical(expr: sp.Expr) -> sp.Expr:
    """Floors and ceilings in one form: ⌈x⌉ = -⌊-x⌋, and ⌊x + c⌋ = ⌊x + (c - ⌊c⌋)⌋ + ⌊c⌋ for a
    constant c, so equal floors written differently become the same expression."""

    def rewrite(node: sp.Expr) -> sp.Expr:
        negate = isinstance(node, sp.ceiling)
        argument = sp.expand(-node.args[0] if negate else node.args[0])
        constant, rest = argument.as_coeff_Add()
        whole = sp.floor(constant)
        result = sp.floor(rest + constant - whole) + whole
        return -result if negate else result

    return expr.replace(lambda node: isinstance(node, sp.floor | sp.ceiling), rewrite)


def _terms(expr: sp.Expr) -> int:
    """An upper bound on the number of terms of ``expand(expr)`` (capped just above EXPAND_BUDGET), counted
    from the tree's shape: its cost is the size of the expression, however large the expansion."""
    if expr.is_Atom:
        return 1
    if expr.is_Add:
        return min(sum(_terms(arg) for arg in expr.args), EXPAND_BUDGET + 1)
    if expr.is_Mul:
        total = 1
        for arg in expr.args:
            total = min(total * _terms(arg), EXPAND_BUDGET + 1)
        return total
    if expr.is_Pow and expr.exp.is_Integer:
        base, power = _terms(expr.base), abs(int(expr.exp))
        if base == 1:
            return 1
        if base > EXPAND_BUDGET or power > EXPAND_BUDGET:
            return EXPAND_BUDGET + 1
        return min(comb(base + power - 1, power), EXPAND_BUDGET + 1)
    # a function such as floor: one term outside, but expand also works inside it
    inner = max((_terms(arg) for arg in expr.args), default=1)
    return 1 if inner <= EXPAND_BUDGET else inner
