"""Typesetting expressions: general formulas, numbers written in place of symbols, values.

sympy's LaTeX printer is used throughout, with two changes for readers: sums put positive terms
before negative ones and constants last (``n - k + 1`` rather than ``-k + n + 1``), and large
whole numbers get thousands separators (``62{,}958``). The same reading order in plain text
(``readable``: ``f·(c_in·k_h·k_w + 1)``, ``⌊(n - k)/s⌋ + 1``) serves terminals and the checker's
feedback.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterable, Iterator, Mapping

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from calc.rules import Step


def _bias(term: sp.Expr) -> bool:
    """A term that counts biases (it has the rule's bias switch b): written after the weights."""
    return any(s.name == "b" for s in term.free_symbols)


def _reading_order(terms: list[sp.Expr]) -> list[sp.Expr]:
    """Terms with floors or ceilings after the polynomial ones, biases after weights, subtractions after
    additions, constants last, and a positive term first: ``n + 2p - d(k - 1) - 1``,
    ``n_in n_out + b n_out``, ``2*f**2*k**2 + 3*f + 240*f*(floor((31 - 3*k)/4) + 1)**2 + 11134``."""
    terms = sorted(
        terms,
        key=lambda t: (bool(t.is_number), t.has(sp.floor, sp.ceiling), _bias(t), t.could_extract_minus_sign()),
    )
    first_positive = next((i for i, t in enumerate(terms) if not t.could_extract_minus_sign()), 0)
    return [terms[first_positive], *terms[:first_positive], *terms[first_positive + 1 :]]


#: The spec's own symbols while a worked solution is typeset: printed in bold, so that a spec's ``f``
#: never reads as a rule's ``f`` (see ``bold_symbols``).
_BOLD: frozenset[sp.Symbol] = frozenset()


@contextlib.contextmanager
def bold_symbols(symbols: Iterable[sp.Symbol]) -> Iterator[None]:
    """Typeset these symbols in bold inside the block (the worked solution's spec symbols)."""
    global _BOLD
    before, _BOLD = _BOLD, frozenset(symbols)
    try:
        yield
    finally:
        _BOLD = before


class _Printer(LatexPrinter):
    _default_settings = {**LatexPrinter._default_settings, "bold": frozenset(), "group": True}

    def _print_Symbol(self, expr, style="plain"):  # sympy's signature
        """A spec's own symbol in bold (``bold_symbols``). A word with underscores (a config's ``hidden_size``,
        ``num_key_value_heads``) as one upright name, where sympy would make everything after its first
        underscore a subscript; a short base keeps its subscript (``c_in``, ``n_ctx``), and so does a
        numbered name (``start_1``)."""
        base, _, rest = expr.name.partition("_")
        if rest and len(base) > 2 and not rest.isdigit() and expr not in self._settings.get("symbol_names", {}):
            text = r"\mathrm{" + expr.name.replace("_", r"\_") + "}"
        else:
            text = super()._print_Symbol(expr, style)
        return r"\mathbf{" + text + "}" if expr in self._settings["bold"] else text

    def _as_ordered_terms(self, expr, order=None):  # sympy's signature
        return _reading_order(super()._as_ordered_terms(expr, order=order))

    def _print_Integer(self, expr):
        return group_digits(int(expr), "{,}") if self._settings["group"] else str(int(expr))

    def _print_floor(self, expr, exp=None):
        return self._rounded(expr, r"\left\lfloor", r"\right\rfloor", exp)

    def _print_ceiling(self, expr, exp=None):
        return self._rounded(expr, r"\left\lceil", r"\right\rceil", exp)

    def _rounded(self, expr, left: str, right: str, exp) -> str:
        """⌊(31 - k)/2⌋ over one fraction bar, not sympy's distributed ⌊31/2 - k/2⌋."""
        numerator, denominator = sp.fraction(sp.together(expr.args[0]))
        inner = self._print(numerator)
        if denominator != 1:
            inner = r"\frac{" + inner + "}{" + self._print(denominator) + "}"
        tex = left + "{" + inner + "}" + right
        return tex + "^{" + exp + "}" if exp else tex


def group_digits(value: int, separator: str = ",") -> str:
    """62958 -> 62,958 (with the given separator)."""
    return f"{value:,}".replace(",", separator)


def tex(expr: sp.Expr, **settings: object) -> str:
    """LaTeX of an expression in the reading order described above."""
    if _BOLD and "bold" not in settings:
        settings["bold"] = _BOLD
    key = tuple((k, tuple(v.items()) if isinstance(v, dict) else v) for k, v in sorted(settings.items()))
    try:
        return _tex(expr, key)
    except TypeError:  # something unhashable: print it afresh
        return _Printer(settings).doprint(expr)


@functools.lru_cache(maxsize=4096)
def _tex(expr: sp.Expr, key: tuple) -> str:
    """A derivation prints the same few expressions many times (0, a rule's formula, a shape's sizes)."""
    return _Printer({k: dict(v) if k == "symbol_names" else v for k, v in key}).doprint(expr)


def written_in(formula: sp.Expr, values: Mapping[sp.Symbol, sp.Expr]) -> str:
    """``formula`` with each symbol written as its value, not yet evaluated: (3 · 5 · 5 + 1) · 8."""
    try:
        return _written_in(formula, tuple(values.items()), _BOLD)
    except TypeError:  # something unhashable: write it afresh
        return _write_in(formula, values)


@functools.lru_cache(maxsize=4096)
def _written_in(formula: sp.Expr, values: tuple, bold: frozenset[sp.Symbol]) -> str:
    """``written_in`` once per formula, values and bold symbols: the layers of a kind share their formula."""
    return _write_in(formula, dict(values))


def _write_in(formula: sp.Expr, values: Mapping[sp.Symbol, sp.Expr]) -> str:
    names = {}
    for symbol, value in values.items():
        text = tex(value)
        names[symbol] = text if (value.is_Atom and not value.could_extract_minus_sign()) else rf"\left({text}\right)"
    return tex(formula, symbol_names=names, mul_symbol="dot")


def substituted(step: Step) -> str:
    """The step's formula with each symbol written as its value: (3 · 5 · 5 + 1) · 8."""
    return written_in(step.formula, step.bindings)


def shape_tex(shape: tuple[sp.Expr, ...]) -> str:
    """(None, 28, 28, 8) in math mode; sizes without thousands separators, which would read as more axes."""
    return _shape_tex(tuple(shape), _BOLD)


@functools.lru_cache(maxsize=4096)
def _shape_tex(shape: tuple[sp.Expr, ...], bold: frozenset[sp.Symbol]) -> str:
    """``shape_tex`` once per shape and set of bold symbols: a derivation writes each layer's shapes twice."""
    return r"\left(" + ", ".join([r"\mathrm{None}", *(tex(d, group=False) for d in shape)]) + r"\right)"


def plain(expr: sp.Expr | int) -> str:
    """An expression as plain text: grouped digits for whole numbers, sympy syntax otherwise."""
    if isinstance(expr, int):
        return group_digits(expr)
    return group_digits(int(expr)) if expr.is_Integer else str(expr)


class _SympyText(StrPrinter):
    """sympy syntax (``sympify`` reads it back) with each floor over one fraction bar."""

    def _as_ordered_terms(self, expr, order=None):  # sympy's signature
        return _reading_order(super()._as_ordered_terms(expr, order=order))

    def _print_floor(self, expr):  # sympy's signature
        return "floor(" + self._fraction(expr.args[0]) + ")"

    def _print_ceiling(self, expr):
        return "ceiling(" + self._fraction(expr.args[0]) + ")"

    def _fraction(self, argument: sp.Expr) -> str:
        numerator, denominator = sp.fraction(sp.together(argument))
        if denominator == 1:
            return self._print(numerator)
        top = self.parenthesize(numerator, PRECEDENCE["Mul"], strict=True)
        return top + "/" + self.parenthesize(denominator, PRECEDENCE["Mul"], strict=False)


class _SympySource(_SympyText):
    """As _SympyText, but a symbol named like something in sympy's namespace (I, E, pi, oo, S, N, ...; the
    zoo's BERT has I for the intermediate size) is written Symbol('I'): sympify reads a bare I as the
    imaginary unit."""

    def _print_Symbol(self, expr):  # sympy's signature
        return f"Symbol('{expr.name}')" if expr.name in vars(sp) else super()._print_Symbol(expr)


@functools.lru_cache(maxsize=4096)
def sympy_text(expr: sp.Basic) -> str:
    """An expression in sympy syntax as a reader likes it: ``floor((31 - 3*k)/4)``, not
    ``floor(31/4 - 3*k/4)``. Kept per expression: a summary writes the same few sizes on every row."""
    return _SympyText().doprint(expr)


def sympy_source(expr: sp.Basic) -> str:
    """``sympy_text`` for machines (JSON): ``sympify`` reads it back as the same expression, whatever the
    symbols are called."""
    return _SympySource().doprint(expr)


class _PlainPrinter(StrPrinter):
    """sympy's str printer in the reading order, with ⌊ ⌋ and symbols optionally printed as values."""

    def __init__(self, names: dict[sp.Symbol, str] | None = None):
        super().__init__()
        self._names = names or {}

    def _as_ordered_terms(self, expr, order=None):  # sympy's signature
        return _reading_order(super()._as_ordered_terms(expr, order=order))

    def _print_Symbol(self, expr):
        return self._names.get(expr, expr.name)

    def _print_Integer(self, expr):
        return group_digits(int(expr))

    def _print_floor(self, expr):
        return self._rounded(expr, "⌊", "⌋")

    def _print_ceiling(self, expr):
        return self._rounded(expr, "⌈", "⌉")

    def _rounded(self, expr, left: str, right: str) -> str:
        numerator, denominator = sp.fraction(sp.together(expr.args[0]))
        if denominator == 1:
            return left + self._print(numerator) + right
        top = self._print(numerator)
        top = f"({top})" if numerator.is_Add else top
        bottom = self._print(denominator)
        bottom = bottom if denominator.is_Atom else f"({bottom})"
        return f"{left}{top}/{bottom}{right}"


def readable(expr: sp.Expr, names: dict[sp.Symbol, str] | None = None) -> str:
    """An expression as plain Unicode text: f·(c_in·k_h·k_w + 1), k^2, ⌊(n - k)/s⌋ + 1, 62,958."""
    text = _PlainPrinter(names).doprint(expr)
    return text.replace("**", "^").replace("*", "·")


def readable_written_in(formula: sp.Expr, values: Mapping[sp.Symbol, sp.Expr]) -> str:
    """``formula`` with each symbol written as its value, in plain text: 8·(3·5·5 + 1)."""
    names = {}
    for symbol, value in values.items():
        text = readable(value)
        names[symbol] = text if (value.is_Atom and not value.could_extract_minus_sign()) else f"({text})"
    return readable(formula, names)


def readable_substituted(step: Step) -> str:
    """The step's formula with each symbol written as its value: 8·(3·5·5 + 1)."""
    return readable_written_in(step.formula, step.bindings)


def readable_lhs(lhs: str) -> str:
    """A rule's left-hand side, written in LaTeX, as plain text: n_{out} -> n_out, P_{\\mathrm{stats}} -> P_stats."""
    return re.sub(r"\\[A-Za-z]+|[{}]", "", lhs)


def readable_shape(shape: tuple[sp.Expr, ...]) -> str:
    """(None, 28, 28, 8), each size in plain text (no thousands separators: 1,024 would read as two axes)."""
    return "(" + ", ".join(["None", *(str(int(d)) if d.is_Integer else readable(d) for d in shape)]) + ")"
