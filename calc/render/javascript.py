"""calc's expressions as JavaScript: the interactive page recomputes with the rules themselves.

Each expression is split into whole-number numerator and denominator trees (``whole_number_form``, the
form sweeps compile to Python) and printed by a subclass of sympy's JavaScript code printer as BigInt
arithmetic: ``5n``, ``fdiv(p, q)`` for a floor, ``cdiv(p, q)`` for a ceiling, ``max``/``min`` for
extrema. BigInt keeps every count exact at any size (ResNet's 25,636,712, a transformer's billions),
and floors never round the wrong way. The page's script supplies ``fdiv``, ``cdiv``, ``max`` and ``min``.

Safety: the code holds only ``v[i]`` (the i-th varied symbol's value, by position, so no user-chosen
name is ever written into code), BigInt literals, operators, parentheses and those four helpers;
``compile_javascript`` checks every printed line against exactly that alphabet before it is used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sympy as sp
from sympy.printing.jscode import JavascriptCodePrinter

from calc.errors import CalcError
from calc.explore.compiled import CeilDiv, FloorDiv, WholeMax, WholeMin, whole_number_form

#: What compiled code may contain: v[3], 12n, operators, parentheses, commas, spaces and the helpers.
_SAFE = re.compile(r"(?:v\[\d+\]|\d+n|fdiv|cdiv|max|min|[-+*/(), ])*\Z")


class WholeNumberJavaScript(JavascriptCodePrinter):
    """BigInt JavaScript of a whole-number tree (see the module's notes)."""

    def __init__(self, symbols: Sequence[sp.Symbol]):
        super().__init__({"strict": False})
        self.positions = {symbol: i for i, symbol in enumerate(symbols)}

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr not in self.positions:
            raise CalcError(f"symbol '{expr.name}' has no value on the page")
        return f"v[{self.positions[expr]}]"

    def _print_Integer(self, expr: sp.Integer) -> str:
        value = int(expr)
        return f"{value}n" if value >= 0 else f"(-{-value}n)"

    def _print_Pow(self, expr: sp.Pow) -> str:
        if not (expr.exp.is_Integer and expr.exp >= 0):
            raise CalcError(f"internal: {expr} is not whole-number arithmetic")
        return f"(({self._print(expr.base)}) ** {int(expr.exp)}n)"

    def _print_FloorDiv(self, expr: FloorDiv) -> str:
        return f"fdiv({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_CeilDiv(self, expr: CeilDiv) -> str:
        return f"cdiv({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_WholeMax(self, expr: WholeMax) -> str:
        return f"max({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_WholeMin(self, expr: WholeMin) -> str:
        return f"min({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Rational(self, expr: sp.Rational) -> str:  # never reached: fractions are split off first
        raise CalcError(f"internal: a fraction ({expr}) reached whole-number code")

    def _print_Float(self, expr: sp.Float) -> str:
        raise CalcError(f"internal: a decimal ({expr}) reached whole-number code")


def _without_mod(expr: sp.Expr) -> sp.Expr:
    """Mod(p, q) as p - q*floor(p/q): the same value, in the floors whole-number code knows."""
    return expr.replace(
        lambda node: isinstance(node, sp.Mod),
        lambda node: node.args[0] - node.args[1] * sp.floor(node.args[0] / node.args[1]),
    )


def compile_javascript(expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> str:
    """``expr`` as the body of a JavaScript function of ``v`` (the symbols' values, as BigInts, in the
    order of ``symbols``) that returns [numerator, denominator]."""
    numerator, denominator = whole_number_form(_without_mod(sp.sympify(expr)))
    printer = WholeNumberJavaScript(symbols)
    code = f"[{printer.doprint(numerator)}, {printer.doprint(denominator)}]"
    if not _SAFE.match(code[1:-1]):
        raise CalcError(f"internal: unexpected code compiled from {expr}")
    return code
