"""The project's own safe parser for arithmetic in specs and on the command line.

sympy's ``sympify`` and ``parse_expr`` run ``eval``, so user text never reaches them. This module
tokenises the text itself and builds sympy objects directly, from a whitelist grammar:

    expr   := term (('+' | '-') term)*
    term   := unary (('*' | '/' | '//') unary)*
    unary  := ('+' | '-') unary | power
    power  := atom (('**' | '^') unary)?
    atom   := INTEGER | NAME | FUNC '(' expr ')' | '(' expr ')'

with caps on length, nesting depth, literal size and the size of a power, so hostile text such as
``9**9**9**9`` or ten thousand parentheses is refused at once instead of hanging.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Mapping

import sympy as sp

from calc.errors import CalcError

MAX_LENGTH = 500
MAX_DEPTH = 40
MAX_LITERAL_DIGITS = 18
MAX_POWER_BITS = 4096
MAX_EXPONENT = 64

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}\Z")
_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|//|[-+*/^()]))")
_FUNCTIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {"floor": sp.floor, "ceil": sp.ceiling}


def make_symbol(name: str) -> sp.Symbol:
    """A model symbol: a positive integer, as every size, count and stride is.

    The name is checked against an identifier pattern because later tools generate code
    (``lambdify``) in which symbol names appear.
    """
    if not NAME_PATTERN.match(name) or keyword.iskeyword(name) or name in _FUNCTIONS:
        raise CalcError(f"'{name}' is not a usable symbol name (letters, digits and _, starting with a letter)")
    return sp.Symbol(name, integer=True, positive=True)


def parse_expression(text: str | int, symbols: Mapping[str, sp.Symbol] | None = None) -> sp.Expr:
    """Parse ``text`` into a sympy expression; names become positive-integer symbols.

    ``symbols`` maps names already in use to their symbols so the same name gives the same object.
    """
    if isinstance(text, bool):
        raise CalcError(f"expected a number or an expression, got {text!r}")
    if isinstance(text, int):
        _check_literal(str(abs(text)))
        return sp.Integer(text)
    if not isinstance(text, str):
        raise CalcError(f"expected a number or an expression, got {type(text).__name__} {text!r}")
    return _Parser(text, symbols or {}).parse()


def _check_literal(digits: str) -> None:
    if len(digits) > MAX_LITERAL_DIGITS:
        raise CalcError(f"number {digits[:12]}... is too large (at most {MAX_LITERAL_DIGITS} digits)")


class _Parser:
    def __init__(self, text: str, symbols: Mapping[str, sp.Symbol]):
        if len(text) > MAX_LENGTH:
            raise CalcError(f"expression is too long ({len(text)} characters, at most {MAX_LENGTH})")
        self.text = text
        self.symbols = symbols
        self.tokens = self._tokenize(text)
        self.pos = 0
        self.depth = 0

    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str]]:
        tokens: list[tuple[str, str]] = []
        pos = 0
        stripped = text.rstrip()
        while pos < len(stripped):
            match = _TOKEN.match(stripped, pos)
            if not match:
                raise CalcError(f"unexpected character {stripped[pos:].lstrip()[0]!r} in expression {text!r}")
            number, name, op = match.groups()
            if number is not None:
                _check_literal(number.lstrip("0") or "0")
                tokens.append(("int", number))
            elif name is not None:
                tokens.append(("name", name))
            else:
                tokens.append(("op", op))
            pos = match.end()
        if not tokens:
            raise CalcError("empty expression")
        return tokens

    def parse(self) -> sp.Expr:
        expr = self._expr()
        if self.pos != len(self.tokens):
            raise CalcError(f"unexpected {self.tokens[self.pos][1]!r} in expression {self.text!r}")
        return expr

    def _peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise CalcError(f"expression {self.text!r} ends too early")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CalcError(f"expression is nested too deeply (at most {MAX_DEPTH} levels)")

    def _expr(self) -> sp.Expr:
        result = self._term()
        while self._peek() in ("+", "-"):
            op = self._take()[1]
            right = self._term()
            result = result + right if op == "+" else result - right
        return result

    def _term(self) -> sp.Expr:
        result = self._unary()
        while self._peek() in ("*", "/", "//"):
            op = self._take()[1]
            right = self._unary()
            if op != "*" and right == 0:
                raise CalcError(f"division by zero in expression {self.text!r}")
            if op == "*":
                result = result * right
            elif op == "/":
                result = result / right
            else:
                result = sp.floor(result / right)
        return result

    def _unary(self) -> sp.Expr:
        if self._peek() in ("+", "-"):
            op = self._take()[1]
            self._nest()
            operand = self._unary()
            self.depth -= 1
            return -operand if op == "-" else operand
        return self._power()

    def _power(self) -> sp.Expr:
        base = self._atom()
        if self._peek() in ("**", "^"):
            self._take()
            self._nest()
            exponent = self._unary()
            self.depth -= 1
            return _safe_power(base, exponent, self.text)
        return base

    def _atom(self) -> sp.Expr:
        kind, value = self._take()
        if kind == "int":
            return sp.Integer(int(value))
        if kind == "name":
            if value in _FUNCTIONS and self._peek() == "(":
                self._take()
                self._nest()
                inner = self._expr()
                self._expect_close()
                self.depth -= 1
                return _FUNCTIONS[value](inner)
            if value in self.symbols:
                return self.symbols[value]
            return make_symbol(value)
        if value == "(":
            self._nest()
            inner = self._expr()
            self._expect_close()
            self.depth -= 1
            return inner
        raise CalcError(f"unexpected {value!r} in expression {self.text!r}")

    def _expect_close(self) -> None:
        if self._peek() != ")":
            raise CalcError(f"missing ')' in expression {self.text!r}")
        self._take()


def _safe_power(base: sp.Expr, exponent: sp.Expr, text: str) -> sp.Expr:
    """Refuse powers that could not be computed quickly: only small whole exponents."""
    if not (exponent.is_Integer and 0 <= int(exponent) <= MAX_EXPONENT):
        raise CalcError(f"exponent must be a whole number from 0 to {MAX_EXPONENT} in {text!r}")
    if base.is_Number:
        magnitude = abs(base)
        bits = (int(magnitude).bit_length() if magnitude >= 1 else 1) * int(exponent)
        if bits > MAX_POWER_BITS:
            raise CalcError(f"power is too large in {text!r}")
    return base**exponent
