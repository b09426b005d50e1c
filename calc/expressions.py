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
from itertools import compress, count
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
    marks = _marks(tokens)
    separators = {","} if "," in _top_level(marks) else {",", "×"}
    entries: list[list[tuple[str, str]]] = []
    start = depth = 0
    for index, value in marks:
        if value in _OPENING:
            depth += 1
        elif value in _CLOSING:
            depth -= 1
        elif depth == 0 and value in separators:
            entries.append(tokens[start:index])
            start = index + 1
    entries.append(tokens[start:])
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
#: The classes of an answer's tokens, tried in this order (an ``other`` character is looked up in
#: ``_CHARACTERS`` and the superscripts, or refused).
_CLASSES = {
    "number": r"[0-9]+(?:\.[0-9]+)?",
    "name": r"[A-Za-z_][A-Za-z0-9_]*",
    "command": r"\\(?:[A-Za-z]+|.)",
    "op": r"\*\*|//|[-+*/^()\[\]{},=]",
}
#: The scanner the practice page's script runs, one match per token or run of spaces.
_SCAN = re.compile(
    "(?P<space>\\s+)|" + "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _CLASSES.items()) + "|(?P<other>.)",
    re.DOTALL,
)
#: The same classes for ``findall`` (one pass in C, spaces skipped before each token, each token told
#: apart by its first character), with a run of superscript digits as one token: ``k²³`` is k to the 23rd.
#: An operator of one character is what the last alternative, any character, matches: the same pieces
#: with fewer alternatives tried at each.
_FAST_SCAN = re.compile(
    "\\s*("
    + "|".join(pattern for kind, pattern in _CLASSES.items() if kind != "op")
    + f"|\\*\\*?|//?|[{''.join(_SUPERSCRIPTS)}]+|\\S)",
    re.DOTALL,
)
_DIGITS = frozenset("0123456789")
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
# Thousands separators between groups of three digits: 62,958  62 958  62{,}958  62\,958  1'000.
# A comma separates axes in a shape, so there only the other separators group digits.
_SEPARATORS = r"\{,\}|\\,|[ \u00a0\u2009\u202f'’]"
_GROUPED = {
    False: re.compile(rf"(?<![0-9.])[0-9]{{1,3}}(?:(?:,|{_SEPARATORS})[0-9]{{3}})+(?![0-9])"),
    True: re.compile(rf"(?<![0-9.])[0-9]{{1,3}}(?:(?:{_SEPARATORS})[0-9]{{3}})+(?![0-9])"),
}
#: What any grouped number holds (a digit, a separator, three digits): a quick search before the full one.
_MAY_GROUP = re.compile(rf"[0-9](?:,|{_SEPARATORS})[0-9]{{3}}")
# 28x28x8, (5x5x3 + 1)x8, (33 - k) x f: a letter x between numbers, or standing alone, is a times sign.
_TIMES_X = re.compile(r"(?<=[0-9)\]}])\s*[xX]\s*(?=[0-9(\[{])|(?<=\s)[xX](?=\s)")
#: One token object per operator, shared by every answer.
_OP_TOKENS = {op: ("op", op) for op in ["**", "//", *"-+*/^()[]{},="]}
# What the parser compares token values with (a name or a number is never one of these strings).
_SIGNS = ("+", "-")
_UNARY = {"+": "u+", "-": "u-"}
_UNARY_OPS = ("u+", "u-")
_NUMBERS = ("int", "dec")
_SUM, _PRODUCT, _SIGN, _POWER = 1, 2, 3, 4
#: The precedence of an operator following an operand ('×' comes only from an answer's tokenizer).
_INFIX = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "×": _PRODUCT, "/": _PRODUCT, "//": _PRODUCT, "^": _POWER, "**": _POWER}
#: The precedence of what waits on the parser's stack: operators, and (0) the markers of open brackets,
#: function calls and \frac, which no operator reaches past.
_PRECEDENCE = {
    **_INFIX,
    "u+": _SIGN,
    "u-": _SIGN,
    **dict.fromkeys([*"([{⌊⌈", "frac", "frac2", "floor", "ceil", "ceiling"], 0),
}
#: What closes each marker.
_CLOSES = {
    "(": ")",
    "[": "]",
    "{": "}",
    "⌊": "⌋",
    "⌈": "⌉",
    "frac": "}",
    "frac2": "}",
    "floor": ")",
    "ceil": ")",
    "ceiling": ")",
}
#: Tokens (besides numbers and names) that start a factor written right after another: 2(k + 1), k\frac{1}{2}.
_STARTS = frozenset([*_OPENING, "frac"])


def _answer_tokens(text: str, symbols: Mapping[str, sp.Symbol], *, shape: bool) -> list[tuple[str, str]]:
    """Tokens of the grammar from an answer; every character is either understood or refused."""
    if not isinstance(text, str):
        raise CalcError(f"an answer must be text, got {type(text).__name__}")
    if len(text) > MAX_ANSWER_LENGTH:  # before any other work, so 100,000 '(' cost nothing
        raise CalcError(f"the answer is too long ({len(text)} characters, at most {MAX_ANSWER_LENGTH})")
    if _MAY_GROUP.search(text):
        text = _GROUPED[shape].sub(lambda m: re.sub(r"[^0-9]", "", m.group()), text)
    if ("x" in text or "X" in text) and "x" not in symbols and "X" not in symbols:
        text = _TIMES_X.sub("×", text)
    tokens: list[tuple[str, str]] = []
    append = tokens.append
    for token in _FAST_SCAN.findall(text):
        operator = _OP_TOKENS.get(token)
        first = token[0]
        if operator is not None:
            append(operator)
        elif first in _LETTERS:
            append(("name", token))
        elif first in _DIGITS:
            if len(token) > MAX_LITERAL_DIGITS or "." in token:
                whole, _, fraction = token.partition(".")
                _check_literal((whole.lstrip("0") or "0") + fraction)
            append(("dec" if "." in token else "int", token))
        elif first == "\\" and len(token) > 1:
            name = token[1:]
            if name in _LATEX:
                append(("op", _LATEX[name]))
            elif name not in _LATEX_IGNORED:
                raise CalcError(f"the LaTeX command {quote(token)} is not understood in an answer")
        elif first in _SUPERSCRIPTS:
            tokens += [_OP_TOKENS["^"], ("int", "".join(_SUPERSCRIPTS[digit] for digit in token))]
        elif token in _CHARACTERS:
            append(("op", _CHARACTERS[token]))
        elif token != "$":
            raise CalcError(f"unexpected character {quote(token)} in the answer{_digit_hint(token)}")
    if ("op", "=") in tokens:  # "P = 8 × 76 = 608": the answer is what follows the last '='
        tokens = tokens[len(tokens) - tokens[::-1].index(("op", "=")) :]
    if not shape and len(tokens) > 1 and tokens[-1][0] == "name" and tokens[-1][1] in _UNIT_WORDS:
        tokens.pop()
    if not tokens:
        raise CalcError("the answer is empty")
    return tokens


#: The tokens that give a shape its structure: brackets and the separators of axes.
_MARKS = frozenset(("op", value) for value in [*_OPENING, *_CLOSING, ",", "×"])


def _marks(tokens: list[tuple[str, str]]) -> list[tuple[int, str]]:
    """The brackets and separators among ``tokens``, with their positions: found in C, so that the walks
    over a shape's structure skip the hundreds of other tokens a long answer has."""
    return [(index, tokens[index][1]) for index in compress(count(), map(_MARKS.__contains__, tokens))]


def _top_level(marks: list[tuple[int, str]]) -> list[str]:
    """The separators outside every bracket, of a shape's ``_marks``."""
    found, depth = [], 0
    for _, value in marks:
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
    for index, value in _marks(tokens):
        if value in _OPENING:
            depth += 1
        elif value in _CLOSING:
            depth -= 1
            if depth == 0:
                return tokens[1:-1] if index == len(tokens) - 1 else tokens
    return tokens


def _is_none(entry: list[tuple[str, str]]) -> bool:
    """An axis written as None (or {None} in LaTeX): one batch word, and nothing else but brackets. Read
    up to the first token that rules it out, which in a long axis is at once."""
    name = None
    for kind, value in entry:
        if kind == "name":
            if name is not None or value not in _BATCH_WORDS:
                return False
            name = value
        elif value not in ("{", "}", "(", ")"):
            return False
    return name is not None


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
        self._values = [*map(operator.itemgetter(1), self.tokens), None]  # the tokens' values, None at the end
        ops = self.ops
        #: The operators applied most, by the method that applies them (``_apply`` has the rest).
        self._binary = {"+": ops.add, "-": ops.sub, "*": ops.mul, "×": ops.mul}
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
        """Read the tokens in one pass: operands wait on one stack, operators and open brackets on another,
        and an operator is applied as soon as one of no higher precedence (or a closing bracket, or the
        end) follows it. That applies the operations, and finds errors, in the order of a recursive
        reading of the grammar, at a fraction of its calls per token."""
        tokens, count, values, answer, ops = self.tokens, len(self.tokens), self._values, self.answer, self.ops
        operands: list[Any] = []
        pending: list[str] = []  # operators, and the markers of open brackets, function calls and \frac
        apply, reduce, binary, checked, quoted = self._apply, self._reduce, self._binary, ops.checked, self._quoted
        symbols, number, symbol = self.symbols, ops.number, ops.symbol
        pos = 0
        while True:
            # -- an operand: a number, a name, or a sign, bracket or \frac that opens one
            if pos == count:
                raise CalcError(f"{self._what} {self._quoted} ends too early")
            kind, value = tokens[pos]
            pos += 1
            if kind == "int":
                operands.append(number(int(value)))
            elif kind == "name":
                if value in symbols:
                    operands.append(symbol(symbols[value]))
                elif value in (_ANSWER_FUNCTIONS if answer else _FUNCTIONS) and values[pos] == "(":
                    pos += 1
                    self._open(pending, value)  # its ")" applies the function
                    continue
                else:
                    operands.append(self._unknown_name(value))
            elif kind == "dec":
                whole, fraction = value.split(".")
                operands.append(ops.number(int(whole + fraction), 10 ** len(fraction)))
            elif value in _SIGNS:
                self._open(pending, _UNARY[value])
                continue
            elif value == "(" or (answer and value in _OPENING):
                self._open(pending, value)
                continue
            elif answer and value == "frac":
                self._open(pending, "frac")
                if values[pos] != "{":
                    raise CalcError(r"\frac needs two groups in braces, as in \frac{a}{b}")
                continue
            else:
                raise CalcError(f"unexpected {quote(value)} in {self._what} {self._quoted}")
            # -- after an operand: an operator, a closing bracket, a juxtaposed factor, or the end
            while True:
                following = values[pos]
                precedence = _INFIX.get(following)
                if precedence is not None:
                    pos += 1
                    if precedence == _POWER:  # right-associative, and above everything: nothing to apply
                        self._open(pending, "^")
                    else:
                        while pending and _PRECEDENCE[pending[-1]] >= precedence:
                            op = pending.pop()
                            method = binary.get(op)
                            if method is None:
                                apply(op, operands)
                            else:  # a sum or product, applied here: the commonest by far
                                right = operands.pop()
                                operands[-1] = checked(method(operands[-1], right), quoted)
                        pending.append(following)
                    break
                if following in _CLOSING:
                    marker = reduce(pending, operands)
                    if marker is None:
                        raise CalcError(f"unexpected {quote(following)} in {self._what} {self._quoted}")
                    if _CLOSES[marker] != following:
                        raise CalcError(f"missing {quote(_CLOSES[marker])} in {self._what} {self._quoted}")
                    pos += 1
                    if self._close(pending, operands):  # \frac's first group: its second must follow
                        if values[pos] != "{":
                            raise CalcError(r"\frac needs two groups in braces, as in \frac{a}{b}")
                        break
                    continue
                if answer and following is not None and (tokens[pos][0] != "op" or following in _STARTS):
                    while pending and _PRECEDENCE[pending[-1]] >= _PRODUCT:  # 2k, 16 (5·5·8 + 1), f(3k²+1)
                        apply(pending.pop(), operands)
                    if tokens[pos][0] in _NUMBERS and tokens[pos - 1][0] in _NUMBERS:  # '8 76': a typo, likely
                        raise CalcError(
                            f"two numbers in a row ({quote(tokens[pos - 1][1])} then {quote(following)}) in the "
                            "answer: write * between them"
                        )
                    pending.append("*")
                    break
                # the end, or a token that cannot go on
                marker = reduce(pending, operands)
                if marker is not None:
                    raise CalcError(f"missing {quote(_CLOSES[marker])} in {self._what} {self._quoted}")
                if pos != count:
                    raise CalcError(f"unexpected {quote(following)} in {self._what} {self._quoted}")
                return operands[0]

    @property
    def _what(self) -> str:
        return "the answer" if self.answer else "expression"

    def _open(self, pending: list[str], marker: str) -> None:
        """A sign, a power, a bracket, a call or \\frac: one level deeper until it is applied or closed."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CalcError(f"{self._what} is nested too deeply (at most {MAX_DEPTH} levels)")
        pending.append(marker)

    def _apply(self, op: str, operands: list[Any]) -> None:
        """Apply the operator ``op`` to the operands on top of the stack."""
        ops = self.ops
        method = self._binary.get(op)
        if method is not None:
            right = operands.pop()
            operands[-1] = ops.checked(method(operands[-1], right), self._quoted)
            return
        if op in _UNARY_OPS:
            self.depth -= 1
            if op == "u-":
                operands[-1] = ops.neg(operands[-1])
            return
        right = operands.pop()
        left = operands[-1]
        if op == "^":
            self.depth -= 1
            operands[-1] = ops.power(left, right, self._quoted)
        else:
            if ops.is_zero(right):
                raise CalcError(f"division by zero in {self._what} {self._quoted}")
            quotient = ops.div(left, right) if op == "/" else ops.floordiv(left, right)
            operands[-1] = ops.checked(quotient, self._quoted)

    def _reduce(self, pending: list[str], operands: list[Any]) -> str | None:
        """Apply every operator down to the innermost open bracket, call or \\frac; return its marker."""
        while pending:
            if not _PRECEDENCE[pending[-1]]:
                return pending[-1]
            self._apply(pending.pop(), operands)
        return None

    def _close(self, pending: list[str], operands: list[Any]) -> bool:
        """Close the innermost bracket or call (its closing token read). True when it was \\frac's first
        group, so that the second is to be read."""
        ops = self.ops
        marker = pending.pop()
        self.depth -= 1
        if marker == "⌊":
            operands[-1] = ops.floor(operands[-1])
        elif marker == "⌈":
            operands[-1] = ops.ceiling(operands[-1])
        elif marker in _ANSWER_FUNCTIONS:
            operands[-1] = getattr(ops, _ANSWER_FUNCTIONS[marker])(operands[-1])
        elif marker == "{" and pending and pending[-1] == "frac":
            pending[-1] = "frac2"
            return True
        elif marker == "{" and pending and pending[-1] == "frac2":
            pending.pop()
            self.depth -= 1
            denominator = operands.pop()
            if ops.is_zero(denominator):
                raise CalcError(f"division by zero in {self._what} {self._quoted}")
            operands[-1] = ops.div(operands[-1], denominator)
        return False

    def _unknown_name(self, value: str) -> Any:
        """A name that is not one of the model's symbols: in a spec, a new symbol; in an answer, a product
        of the model's symbols written together ('kf'), or refused."""
        if not self.answer:
            return self.ops.symbol(make_symbol(value))
        return self.ops.product(_split_name(value, self.symbols))


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
