"""Evaluating calc's expressions at many points at once, exactly, in whole-number arithmetic.

Each expression becomes a numerator and a denominator of whole-number arithmetic only: ``+``, ``*``,
``**`` with a whole exponent, and floor division for floors (``floor(p/q)`` is ``p // q``; a ceiling
is ``-((-p) // q)``). ``lambdify`` turns those trees into one Python function (common parts computed
once) that numpy runs on whole arrays, or that plain Python runs on single numbers. No float ever
enters, so 62958 is 62958 and a floor never rounds the wrong way.

Safety: the code ``lambdify`` writes holds only the names of model symbols (validated identifiers,
see ``make_symbol``), numbers, operators and ``_cse``-numbered temporaries, which no model symbol can
be named; only calc-built expressions are compiled. Before running, the largest value any step can
reach on the grid is bounded from above; past 2**62 the grid is refused instead of letting int64 wrap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from calc.errors import CalcError

LIMIT = 2**62


class FloorDiv(sp.Function):
    """p // q of two whole-number expressions (q > 0): a floor, as the compiled code computes it."""

    nargs = 2


class CeilDiv(sp.Function):
    """-((-p) // q): a ceiling, as the compiled code computes it."""

    nargs = 2


class WholeMax(sp.Function):
    """The larger of two whole numbers, as (a + b + |a - b|) // 2: operators and abs only, so the same
    code runs on ints and on numpy arrays (a receptive field where branches merge)."""

    nargs = 2


class WholeMin(sp.Function):
    """The smaller of two whole numbers, as (a + b - |a - b|) // 2."""

    nargs = 2


class _WholeNumberPrinter(PythonCodePrinter):
    """Python code that only uses operators, so it runs on ints and on numpy int64 arrays alike."""

    def _print_FloorDiv(self, expr: FloorDiv) -> str:
        return f"(({self._print(expr.args[0])}) // ({self._print(expr.args[1])}))"

    def _print_CeilDiv(self, expr: CeilDiv) -> str:
        return f"(-((-({self._print(expr.args[0])})) // ({self._print(expr.args[1])})))"

    def _print_WholeMax(self, expr: WholeMax) -> str:
        a, b = (self._print(arg) for arg in expr.args)
        return f"((({a}) + ({b}) + abs(({a}) - ({b}))) // 2)"

    def _print_WholeMin(self, expr: WholeMin) -> str:
        a, b = (self._print(arg) for arg in expr.args)
        return f"((({a}) + ({b}) - abs(({a}) - ({b}))) // 2)"

    def _print_Rational(self, expr: sp.Rational) -> str:  # never reached: fractions are split off first
        raise CalcError(f"internal: a fraction ({expr}) reached whole-number code")


def whole_number_form(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """``expr`` as (numerator, denominator), both trees of whole-number arithmetic."""
    expr = sp.sympify(expr).replace(lambda node: isinstance(node, sp.Max | sp.Min), _scaled_extremum)
    numerator, denominator = sp.fraction(sp.together(expr))
    return _whole(numerator), _whole(denominator)


def _scaled_extremum(node: sp.Expr) -> sp.Expr:
    """Max(a/2, b/3) as Max(3a, 2b)/6: the arguments over one whole denominator, so the extremum itself is
    taken of whole numbers."""
    parts = [sp.fraction(sp.together(arg)) for arg in node.args]
    if not all(d.is_Integer and d > 0 for _, d in parts):
        raise CalcError(f"cannot evaluate {node} on a grid (only whole-number arithmetic and floors are supported)")
    common = sp.ilcm(*(int(d) for _, d in parts)) if len(parts) > 1 else int(parts[0][1])
    scaled = [n * (common // int(d)) for n, d in parts]
    pairwise = WholeMax if isinstance(node, sp.Max) else WholeMin
    tree = scaled[0]
    for arg in scaled[1:]:
        tree = pairwise(tree, arg)
    return tree / common


def _whole(expr: sp.Expr) -> sp.Expr:
    if expr.is_Integer or expr.is_Symbol:
        return expr
    if isinstance(expr, sp.floor | sp.ceiling):
        numerator, denominator = sp.fraction(sp.together(expr.args[0]))
        kind = FloorDiv if isinstance(expr, sp.floor) else CeilDiv
        return kind(_whole(numerator), _whole(denominator))
    if isinstance(expr, WholeMax | WholeMin):
        return type(expr)(*(_whole_tree(arg) for arg in expr.args))
    if expr.is_Add or expr.is_Mul:
        return expr.func(*(_whole(arg) for arg in expr.args), evaluate=False)
    if expr.is_Pow and expr.exp.is_Integer and expr.exp >= 0:
        return sp.Pow(_whole(expr.base), expr.exp, evaluate=False)
    raise CalcError(f"cannot evaluate {expr} on a grid (only whole-number arithmetic and floors are supported)")


def _whole_tree(expr: sp.Expr) -> sp.Expr:
    """An extremum's argument: whole-number arithmetic with no denominator left."""
    numerator, denominator = sp.fraction(sp.together(expr))
    if denominator != 1:
        raise CalcError(f"cannot evaluate {expr} on a grid (only whole-number arithmetic and floors are supported)")
    return _whole(numerator)


def largest_step(expr: sp.Expr, largest: dict[sp.Symbol, int]) -> int:
    """An upper bound on the absolute value of every step in computing ``expr`` (a whole-number tree)
    when each symbol is at most ``largest[symbol]``."""
    peak = 0

    def bound(node: sp.Expr) -> int:
        nonlocal peak
        if node.is_Integer:
            value = abs(int(node))
        elif node.is_Symbol:
            value = largest[node]
        elif isinstance(node, FloorDiv | CeilDiv):
            value = bound(node.args[0]) + 1  # |p // q| <= |p| + 1 for |q| >= 1
            bound(node.args[1])
        elif isinstance(node, WholeMax | WholeMin):
            value = 2 * (bound(node.args[0]) + bound(node.args[1]))  # a + b + |a - b|, before halving
        elif node.is_Add:
            value = sum(bound(arg) for arg in node.args)
        elif node.is_Mul:
            value = 1
            for arg in node.args:
                value *= max(1, bound(arg))
        elif node.is_Pow:
            value = max(1, bound(node.base)) ** int(node.exp)
        else:
            raise CalcError(f"cannot bound {node}")
        peak = max(peak, value)
        return value

    bound(expr)
    return peak


@dataclass
class Compiled:
    """Several expressions compiled into one function of the given symbols."""

    symbols: tuple[sp.Symbol, ...]
    parts: list[tuple[sp.Expr, sp.Expr]]  # (numerator, denominator) per expression
    function: Any

    def check_range(self, largest: dict[sp.Symbol, int]) -> None:
        """Refuse values for which some step of the arithmetic could leave 64-bit whole numbers."""
        for numerator, denominator in self.parts:
            if max(largest_step(numerator, largest), largest_step(denominator, largest)) >= LIMIT:
                raise CalcError("the values are too large to compute exactly in 64-bit arithmetic; use smaller values")

    def __call__(self, *columns: Any) -> list[tuple[Any, Any]]:
        """(numerator, denominator) of every expression at the given symbol values."""
        flat = self.function(*columns)
        return [(flat[2 * i], flat[2 * i + 1]) for i in range(len(self.parts))]


def compile_expressions(exprs: Sequence[sp.Expr], symbols: Sequence[sp.Symbol]) -> Compiled:
    """Compile ``exprs`` into one function of ``symbols`` (whole-number code, shared subexpressions)."""
    symbols = tuple(symbols)
    parts = [whole_number_form(expr) for expr in exprs]
    extra = set().union(*(p.free_symbols | q.free_symbols for p, q in parts)) - set(symbols) if parts else set()
    if extra:
        raise CalcError(f"symbol '{sorted(s.name for s in extra)[0]}' has no value")
    flat = [tree for pair in parts for tree in pair]

    def shared(trees: list[sp.Expr]) -> tuple[list, list]:
        return sp.cse(trees, symbols=sp.numbered_symbols("_cse"), optimizations=None, order="none", list=True)

    function = sp.lambdify(symbols, flat, modules=[{}], printer=_WholeNumberPrinter(), cse=shared, docstring_limit=0)
    return Compiled(symbols, parts, function)
