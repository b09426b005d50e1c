r"""The project's own safe parser for arithmetic in specs and on the command line.

sympy's ``sympify`` and ``parse_expr`` run ``eval``, so user text never reaches them. This module
tokenises the text itself and builds sympy objects directly, from a whitelist grammar:

    expr   := term (('+' | '-') term)*
    term   := unary (('*' | '/' | '//') unary)*
    unary  := ('+' | '-') unary | power
    power  := atom (('**' | '^') unary)?
    atom   := INTEGER | NAME | FUNC '(' expr ')' | '(' expr ')'

with caps on length, nesting depth, literal size and the size of a power, so hostile text such as
``9**9**9**9`` or ten thousand parentheses is refused at once instead of hanging.

Students' answers go through the same grammar and caps (``parse_answer``, ``parse_shape_answer``), with
a tokenizer in front that reads the forms people write: thousands separators (``62,958``, ``62 958``),
``×`` ``·`` ``÷`` and Unicode superscripts, a LaTeX subset (``\times``, ``\cdot``, ``\frac{a}{b}``,
``\lfloor … \rfloor``, ``\left( … \right)``, ``^{…}``, ``{}`` groups), decimals (so that a size
written as 13.5 can be recognised as a forgotten floor), and implicit multiplication (``2k``,
``f(3k²+1)`` where ``f`` is a symbol of the model). The grammar grows by a little for answers only:

    term   := unary (('*' | '×' | '/' | '//') unary | power)*       (a juxtaposed factor multiplies)
    atom   := ... | DECIMAL | '[' expr ']' | '{' expr '}' | '⌊' expr '⌋' | '⌈' expr '⌉'
            | FRAC '{' expr '}' '{' expr '}'

In answers only the model's own names are allowed, and the text after the last '=' is the answer.
"""

from __future__ import annotations

import keyword
import operator
import re
import unicodedata
from collections.abc import Mapping
from fractions import Fraction
from functools import cached_property
from typing import Any, Protocol

import sympy as sp

from calc.errors import CalcError, quote

MAX_LENGTH = 500
MAX_DEPTH = 40
MAX_LITERAL_DIGITS = 18
MAX_POWER_BITS = 4096
MAX_EXPONENT = 64
MAX_COMBINED_EXPONENT = MAX_EXPONENT * MAX_EXPONENT

#: Answers may be longer than spec values: LaTeX is verbose (``\left( 5 \times 5 \right)``).
MAX_ANSWER_LENGTH = 1000
MAX_AXES = 16

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}\Z")
_TOKEN = re.compile(r"\s*(?:([0-9]+)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|//|[-+*/^()]))")
#: Functions by name, as the name of the ``_SympyOps`` method that applies them.
_FUNCTIONS: dict[str, str] = {"floor": "floor", "ceil": "ceiling"}


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
        raise CalcError(f"expected a number or an expression, got {quote(text)}")
    if isinstance(text, int):
        _check_literal(str(abs(text)))
        return sp.Integer(text)
    if not isinstance(text, str):
        raise CalcError(f"expected a number or an expression, got {type(text).__name__} {quote(text)}")
    return _Parser(text, symbols or {}).parse()


def parse_answer(text: str, symbols: Mapping[str, sp.Symbol], ops: Ops | None = None) -> Any:
    """A student's answer that is one number or expression, in the forms people write.

    Only the model's own ``symbols`` (name -> symbol) may appear; any other name is refused, so an
    answer can neither invent a symbol nor name anything else. ``ops`` builds the result (sympy's by
    default; ``calc.answer_tree`` builds a tree of exact arithmetic instead).
    """
    tokens = _answer_tokens(text, symbols, shape=False)
    if ("op", ",") in tokens:
        raise CalcError("the answer has a comma that does not group thousands: one number is asked for, not a list")
    return _Parser(text, symbols, tokens=tokens, answer=True, ops=ops).parse()


def parse_shape_answer(text: str, symbols: Mapping[str, sp.Symbol], ops: Ops | None = None) -> tuple[Any, ...]:
    """A student's answer that is a shape, batch axis left out: ``(None, 28, 28, 8)``, ``28x28x8``,
    ``[28,28,8]``, ``28 × 28 × 8``, and for one axis ``400`` or ``(400,)``.

    Axes are separated by commas; without a comma, by ``×`` (or ``x``) — so ``(None, 5 × 5 × 16)`` is
    one axis of 400 while ``5 × 5 × 16`` is three axes. A leading ``None`` is the batch axis.
    """
    tokens = _answer_tokens(text, symbols, shape=True)
    tokens = _unwrap(tokens)
    separators = {","} if any(v == "," for v in _top_level(tokens)) else {",", "×"}
    entries: list[list[tuple[str, str]]] = [[]]
    depth = 0
    for token in tokens:
        kind, value = token
        if kind == "op" and value in _OPENING:
            depth += 1
        elif kind == "op" and value in _CLOSING:
            depth -= 1
        if depth == 0 and kind == "op" and value in separators:
            entries.append([])
        else:
            entries[-1].append(token)
    if len(entries) > 1 and not entries[-1]:
        entries.pop()  # (400,): Python's one-element tuple
    if len(entries) > MAX_AXES:
        raise CalcError(f"the shape has {len(entries)} axes; at most {MAX_AXES} are supported")
    if entries and _is_none(entries[0]):
        entries.pop(0)
    if not entries:
        raise CalcError("the shape has no axes besides the batch axis")
    sizes = []
    for entry in entries:
        if not entry:
            raise CalcError(f"an axis of the shape {quote(text.strip())} is empty")
        if _is_none(entry):
            raise CalcError("None may only stand for the batch axis, at the start of the shape")
        sizes.append(_Parser(text, symbols, tokens=entry, answer=True, ops=ops).parse())
    return tuple(sizes)


def _digit_hint(char: str) -> str:
    """Digits other than 0-9 (fullwidth ５, Arabic-Indic ٥) are refused, not read as numbers: say so."""
    return f" (write the digit {unicodedata.digit(char)} as ASCII 0-9)" if char.isdigit() else ""


def _check_literal(digits: str) -> None:
    if len(digits) > MAX_LITERAL_DIGITS:
        raise CalcError(f"number {digits[:12]}... is too large (at most {MAX_LITERAL_DIGITS} digits)")


# ---------------------------------------------------------------------------------------------------
# The answer tokenizer: the forms students write, turned into the grammar's tokens.

_OPENING = {"(": ")", "[": "]", "{": "}", "⌊": "⌋", "⌈": "⌉"}
_CLOSING = set(_OPENING.values())
_ANSWER_FUNCTIONS: dict[str, str] = {**_FUNCTIONS, "ceiling": "ceiling"}
_BATCH_WORDS = {"None", "none", "null", "NULL", "Null"}
#: Words allowed after a count ("608 parameters"), and dropped.
_UNIT_WORDS = {"params", "parameters", "parameter", "weights"}
_SUPERSCRIPTS = {c: str(i) for i, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}
_CHARACTERS = {
    "×": "×",
    "✕": "×",
    "⨯": "×",
    "·": "*",
    "⋅": "*",
    "∙": "*",
    "÷": "/",
    "∕": "/",
    "−": "-",
    "–": "-",
    "⌊": "⌊",
    "⌋": "⌋",
    "⌈": "⌈",
    "⌉": "⌉",
}
_LATEX = {
    "times": "×",
    "cdot": "*",
    "ast": "*",
    "div": "/",
    "frac": "frac",
    "dfrac": "frac",
    "tfrac": "frac",
    "lfloor": "⌊",
    "rfloor": "⌋",
    "lceil": "⌈",
    "rceil": "⌉",
    "{": "{",
    "}": "}",
}
#: LaTeX that only changes how things look: sizing prefixes, spaces, fonts, math delimiters.
_LATEX_IGNORED = {
    "left",
    "right",
    "big",
    "Big",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "quad",
    "qquad",
    "mathrm",
    "text",
    "mathit",
    "displaystyle",
    ",",
    ";",
    ":",
    "!",
    " ",
    "(",
    ")",
    "[",
    "]",
}
_SCAN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>[0-9]+(?:\.[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<command>\\(?:[A-Za-z]+|.))"
    r"|(?P<op>\*\*|//|[-+*/^()\[\]{},=])"
    r"|(?P<other>.)",
    re.DOTALL,
)
# Thousands separators between groups of three digits: 62,958  62 958  62{,}958  62\,958  1'000.
# A comma separates axes in a shape, so there only the other separators group digits.
_SEPARATORS = r"\{,\}|\\,|[ \u00a0\u2009\u202f'’]"
_GROUPED = {
    False: re.compile(rf"(?<![0-9.])[0-9]{{1,3}}(?:(?:,|{_SEPARATORS})[0-9]{{3}})+(?![0-9])"),
    True: re.compile(rf"(?<![0-9.])[0-9]{{1,3}}(?:(?:{_SEPARATORS})[0-9]{{3}})+(?![0-9])"),
}
# 28x28x8, (5x5x3 + 1)x8, (33 - k) x f: a letter x between numbers, or standing alone, is a times sign.
_TIMES_X = re.compile(r"(?<=[0-9)\]}])\s*[xX]\s*(?=[0-9(\[{])|(?<=\s)[xX](?=\s)")


def _answer_tokens(text: str, symbols: Mapping[str, sp.Symbol], *, shape: bool) -> list[tuple[str, str]]:
    """Tokens of the grammar from an answer; every character is either understood or refused."""
    if not isinstance(text, str):
        raise CalcError(f"an answer must be text, got {type(text).__name__}")
    if len(text) > MAX_ANSWER_LENGTH:  # before any other work, so 100,000 '(' cost nothing
        raise CalcError(f"the answer is too long ({len(text)} characters, at most {MAX_ANSWER_LENGTH})")
    text = _GROUPED[shape].sub(lambda m: re.sub(r"[^0-9]", "", m.group()), text)
    if "x" not in symbols and "X" not in symbols:
        text = _TIMES_X.sub("×", text)
    tokens: list[tuple[str, str]] = []
    superscript_end = -1  # where the last superscript digit ended: ² then ³ is one exponent, 23
    for match in _SCAN.finditer(text):  # the last alternative matches any character
        kind = match.lastgroup
        if kind == "space":
            continue
        value = match.group()
        if kind == "op" or kind == "name":
            tokens.append((kind, value))
        elif kind == "number":
            if len(value) > MAX_LITERAL_DIGITS or "." in value:
                whole, _, fraction = value.partition(".")
                _check_literal((whole.lstrip("0") or "0") + fraction)
            tokens.append(("dec" if "." in value else "int", value))
        elif kind == "command":
            name = value[1:]
            if name in _LATEX:
                tokens.append(("op", _LATEX[name]))
            elif name not in _LATEX_IGNORED:
                raise CalcError(f"the LaTeX command {quote(value)} is not understood in an answer")
        elif value in _SUPERSCRIPTS:
            if match.start() == superscript_end:
                tokens[-1] = ("int", tokens[-1][1] + _SUPERSCRIPTS[value])
            else:
                tokens += [("op", "^"), ("int", _SUPERSCRIPTS[value])]
            superscript_end = match.end()
        elif value in _CHARACTERS:
            tokens.append(("op", _CHARACTERS[value]))
        elif value != "$":
            raise CalcError(f"unexpected character {quote(value)} in the answer{_digit_hint(value)}")
    if ("op", "=") in tokens:  # "P = 8 × 76 = 608": the answer is what follows the last '='
        tokens = tokens[len(tokens) - tokens[::-1].index(("op", "=")) :]
    if not shape and len(tokens) > 1 and tokens[-1][0] == "name" and tokens[-1][1] in _UNIT_WORDS:
        tokens.pop()
    if not tokens:
        raise CalcError("the answer is empty")
    return tokens


def _top_level(tokens: list[tuple[str, str]]) -> list[str]:
    """The operator values outside every bracket."""
    found, depth = [], 0
    for kind, value in tokens:
        if kind != "op":
            continue
        if value in _OPENING:
            depth += 1
        elif value in _CLOSING:
            depth -= 1
        elif depth == 0:
            found.append(value)
    return found


def _unwrap(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop one pair of brackets around the whole shape: (28, 28, 8) or [28, 28, 8]."""
    if len(tokens) < 2 or tokens[0] not in (("op", "("), ("op", "[")):
        return tokens
    depth = 0
    for index, (kind, value) in enumerate(tokens):
        if kind == "op" and value in _OPENING:
            depth += 1
        elif kind == "op" and value in _CLOSING:
            depth -= 1
            if depth == 0:
                return tokens[1:-1] if index == len(tokens) - 1 else tokens
    return tokens


def _is_none(entry: list[tuple[str, str]]) -> bool:
    """An axis written as None (or {None} in LaTeX)."""
    names = [value for kind, value in entry if kind == "name"]
    others = [value for kind, value in entry if kind != "name" and value not in ("{", "}", "(", ")")]
    return len(names) == 1 and names[0] in _BATCH_WORDS and not others


class _Parser:
    def __init__(
        self,
        text: str,
        symbols: Mapping[str, sp.Symbol],
        tokens: list[tuple[str, str]] | None = None,
        answer: bool = False,
        ops: Ops | None = None,
    ):
        if tokens is None and len(text) > MAX_LENGTH:
            raise CalcError(f"expression is too long ({len(text)} characters, at most {MAX_LENGTH})")
        self.text = text
        self.symbols = symbols
        self.answer = answer
        self.ops = ops or SYMPY_OPS
        self.tokens = self._tokenize(text) if tokens is None else tokens
        self._values = [value for _, value in self.tokens] + [None]  # what _peek reads, None at the end
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
                char = stripped[pos:].lstrip()[0]
                raise CalcError(f"unexpected character {quote(char)} in expression {quote(text)}{_digit_hint(char)}")
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

    @cached_property
    def _quoted(self) -> str:
        """The text for messages, shortened: an answer may be long."""
        if not self.answer:
            return repr(self.text)
        text = self.text.strip()
        return repr(text if len(text) <= 60 else text[:57] + "...")

    def parse(self) -> Any:
        expr = self._expr()
        if self.pos != len(self.tokens):
            raise CalcError(f"unexpected {quote(self.tokens[self.pos][1])} in {self._what} {self._quoted}")
        return expr

    @property
    def _what(self) -> str:
        return "the answer" if self.answer else "expression"

    def _peek(self) -> str | None:
        return self._values[self.pos]

    def _take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise CalcError(f"{self._what} {self._quoted} ends too early")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CalcError(f"{self._what} is nested too deeply (at most {MAX_DEPTH} levels)")

    def _expr(self) -> Any:
        result = self._term()
        while self._values[self.pos] in ("+", "-"):
            op = self._take()[1]
            right = self._term()
            result = self.ops.checked(
                self.ops.add(result, right) if op == "+" else self.ops.sub(result, right), self._quoted
            )
        return result

    def _term(self) -> Any:
        result = self._unary() if self._values[self.pos] in ("+", "-") else self._power()
        while True:
            following = self._values[self.pos]
            if following in ("*", "/", "//") or (self.answer and following == "×"):
                op = self._take()[1]
                right = self._unary() if self._values[self.pos] in ("+", "-") else self._power()
            elif self.answer and self._implicit_product():
                op, right = "*", self._power()
            else:
                return result
            if op not in ("*", "×") and self.ops.is_zero(right):
                raise CalcError(f"division by zero in {self._what} {self._quoted}")
            if op in ("*", "×"):
                result = self.ops.mul(result, right)
            elif op == "/":
                result = self.ops.div(result, right)
            else:
                result = self.ops.floordiv(result, right)
            self.ops.checked(result, self._quoted)

    def _implicit_product(self) -> bool:
        """2k, 3k^2 f, 16 (5·5·8 + 1), f(3k²+1): a factor follows another with no sign between.

        Two numbers in a row ('8 76') are refused: they are more likely a typo than a product.
        """
        if self.pos >= len(self.tokens):
            return False
        kind, value = self.tokens[self.pos]
        if kind == "op" and value not in _OPENING and value != "frac":
            return False
        if kind in ("int", "dec") and self.tokens[self.pos - 1][0] in ("int", "dec"):
            previous = self.tokens[self.pos - 1][1]
            raise CalcError(
                f"two numbers in a row ({quote(previous)} then {quote(value)}) in the answer: write * between them"
            )
        return True

    def _unary(self) -> Any:
        if self._values[self.pos] in ("+", "-"):
            op = self._take()[1]
            self._nest()
            operand = self._unary()
            self.depth -= 1
            return self.ops.neg(operand) if op == "-" else operand
        return self._power()

    def _power(self) -> Any:
        base = self._atom()
        if self._values[self.pos] in ("**", "^"):
            self._take()
            self._nest()
            exponent = self._unary()
            self.depth -= 1
            return self.ops.power(base, exponent, self._quoted)
        return base

    def _atom(self) -> Any:
        if self.pos >= len(self.tokens):
            self._take()  # says the text ends too early
        kind, value = self.tokens[self.pos]
        self.pos += 1
        if kind == "int":
            return self.ops.number(int(value))
        if kind == "dec":
            whole, fraction = value.split(".")
            return self.ops.number(int(whole + fraction), 10 ** len(fraction))
        if kind == "name":
            return self._name(value)
        if value == "(" or (self.answer and value in _OPENING):
            self._nest()
            inner = self._expr()
            self._expect_close(_OPENING[value])
            self.depth -= 1
            if value in ("⌊", "⌈"):
                return self.ops.floor(inner) if value == "⌊" else self.ops.ceiling(inner)
            return inner
        if self.answer and value == "frac":  # \frac{a}{b}
            self._nest()
            parts = []
            for _ in range(2):
                if self._peek() != "{":
                    raise CalcError(r"\frac needs two groups in braces, as in \frac{a}{b}")
                parts.append(self._atom())
            self.depth -= 1
            if self.ops.is_zero(parts[1]):
                raise CalcError(f"division by zero in {self._what} {self._quoted}")
            return self.ops.div(parts[0], parts[1])
        raise CalcError(f"unexpected {quote(value)} in {self._what} {self._quoted}")

    def _name(self, value: str) -> Any:
        if value in self.symbols:
            return self.ops.symbol(self.symbols[value])
        functions = _ANSWER_FUNCTIONS if self.answer else _FUNCTIONS
        if value in functions and self._peek() == "(":
            self._take()
            self._nest()
            inner = self._expr()
            self._expect_close(")")
            self.depth -= 1
            return getattr(self.ops, functions[value])(inner)
        if not self.answer:
            return self.ops.symbol(make_symbol(value))
        return self.ops.product(_split_name(value, self.symbols))

    def _expect_close(self, close: str = ")") -> None:
        if self._peek() != close:
            raise CalcError(f"missing {quote(close)} in {self._what} {self._quoted}")
        self._take()


def _split_name(name: str, symbols: Mapping[str, sp.Symbol]) -> list[sp.Symbol]:
    """An unknown name in an answer: a product of the model's symbols written together ('kf'), when
    it splits into them in exactly one way; otherwise refused."""
    if name in _BATCH_WORDS:
        raise CalcError("None stands for the batch axis of a shape; a number is expected here")
    known = ", ".join(sorted(symbols)) or "none"
    if name in _ANSWER_FUNCTIONS:
        raise CalcError(f"{name} needs parentheses: {name}(...)")
    splits: list[list[list[str]]] = [[[]]] + [[] for _ in name]  # splits[i]: ways to read name[:i]
    for end in range(1, len(name) + 1):
        for start in range(end):
            if name[start:end] in symbols:
                splits[end] += [way + [name[start:end]] for way in splits[start]][:2]
    if len(splits[-1]) != 1:
        raise CalcError(f"unknown name '{name}' in the answer (the model's symbols: {known})")
    return [symbols[part] for part in splits[-1][0]]


def check_number_size(expr: sp.Expr, quoted: str) -> sp.Expr:
    """Refuse an expression holding a number past MAX_POWER_BITS bits (~1,200 digits): products of
    allowed powers (999999999999999999^64 · ...) grow past any size a model has, and past the 4,300
    digits Python will print."""
    numbers = [expr] if expr.is_Rational else expr.atoms(sp.Rational)
    for number in numbers:
        check_rational_size(int(number.p), int(number.q), quoted)
    return expr


def check_rational_size(p: int, q: int, quoted: str) -> None:
    """Refuse the number p/q past MAX_POWER_BITS bits (``check_number_size``)."""
    if max(p.bit_length(), q.bit_length()) > MAX_POWER_BITS:
        raise CalcError(f"a number in {quoted} is too large (more than {MAX_POWER_BITS:,} bits, ~1,200 digits)")


def check_power(base: Fraction | int | None, exponent: Fraction | int | None, quoted: str) -> int:
    """The exponent of a power, if it is allowed: a whole number from 0 to MAX_EXPONENT, and with a number
    ``base`` (None for an expression), a result under MAX_POWER_BITS bits."""
    if exponent is None or exponent.denominator != 1 or not 0 <= exponent <= MAX_EXPONENT:
        raise CalcError(f"exponent must be a whole number from 0 to {MAX_EXPONENT} in {quoted}")
    if base is not None:
        magnitude = abs(Fraction(base))
        bits = (int(magnitude).bit_length() if magnitude >= 1 else 1) * int(exponent)
        if bits > MAX_POWER_BITS:
            raise CalcError(f"power is too large in {quoted}")
    return int(exponent)


def _fraction(number: sp.Expr) -> Fraction | None:
    return Fraction(int(number.p), int(number.q)) if number.is_Rational else None


def _safe_power(base: sp.Expr, exponent: sp.Expr, quoted: str) -> sp.Expr:
    """Refuse powers that could not be computed quickly: only small whole exponents."""
    check_power(_fraction(base), _fraction(exponent), quoted)
    result = base**exponent
    # (k^64)^64 becomes k^4096 by itself: cap the combined exponent too, or evaluating it could hang
    if isinstance(result, sp.Pow) and result.exp.is_Integer and abs(int(result.exp)) > MAX_COMBINED_EXPONENT:
        raise CalcError(f"power is too large in {quoted}")
    return result


class Ops(Protocol):
    """What the parser builds its result with: the grammar is one, the results two (sympy expressions
    here; ``calc.answer_tree`` builds a tree of exact arithmetic that answers are judged by)."""

    def number(self, p: int, q: int = 1) -> Any: ...
    def symbol(self, symbol: sp.Symbol) -> Any: ...
    def product(self, symbols: list[sp.Symbol]) -> Any: ...
    def neg(self, a: Any) -> Any: ...
    def add(self, a: Any, b: Any) -> Any: ...
    def sub(self, a: Any, b: Any) -> Any: ...
    def mul(self, a: Any, b: Any) -> Any: ...
    def div(self, a: Any, b: Any) -> Any: ...
    def floordiv(self, a: Any, b: Any) -> Any: ...
    def floor(self, a: Any) -> Any: ...
    def ceiling(self, a: Any) -> Any: ...
    def power(self, base: Any, exponent: Any, quoted: str) -> Any: ...
    def is_zero(self, a: Any) -> bool: ...
    def checked(self, a: Any, quoted: str) -> Any: ...


class _SympyOps:
    """Sympy expressions, checked as they are built (``check_number_size``, ``_safe_power``)."""

    @staticmethod
    def number(p: int, q: int = 1) -> sp.Expr:
        return sp.Integer(p) if q == 1 else sp.Rational(p, q)

    @staticmethod
    def symbol(symbol: sp.Symbol) -> sp.Expr:
        return symbol

    @staticmethod
    def product(symbols: list[sp.Symbol]) -> sp.Expr:
        return sp.Mul(*symbols)

    neg = staticmethod(operator.neg)
    add = staticmethod(operator.add)
    sub = staticmethod(operator.sub)
    mul = staticmethod(operator.mul)
    div = staticmethod(operator.truediv)

    @staticmethod
    def floordiv(a: sp.Expr, b: sp.Expr) -> sp.Expr:
        return sp.floor(a / b)

    floor = staticmethod(sp.floor)
    ceiling = staticmethod(sp.ceiling)
    power = staticmethod(_safe_power)
    checked = staticmethod(check_number_size)

    @staticmethod
    def is_zero(a: sp.Expr) -> bool:
        return a == 0


SYMPY_OPS: Ops = _SympyOps()
