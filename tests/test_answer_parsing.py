"""Students' answers read by the project's one safe parser: the forms people write, and hostile text."""

from __future__ import annotations

import builtins
import os

import pytest
import sympy as sp

from calc.errors import CalcError
from calc.expressions import make_symbol, parse_answer, parse_expression, parse_shape_answer

k, f = make_symbol("k"), make_symbol("f")
SYMBOLS = {"k": k, "f": f}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # LeNet-5's first convolution: (5·5·3 + 1)·8 = 608
        ("608", 608),
        ("(5*5*3+1)*8", 608),
        ("8 × 76", 608),
        ("8·76", 608),
        ("8 ⋅ 76", 608),
        ("(5x5x3 + 1)x8", 608),
        ("[5*5*3 + 1] * 8", 608),
        ("8 ** 2 * 9.5", 608),
        ("1216 / 2", 608),
        ("1216 ÷ 2", 608),
        ("P = 8 × 76 = 608", 608),
        ("608 parameters", 608),
        ("$608$", 608),
        # thousands separators: 62,958 total parameters
        ("62,958", 62958),
        ("62 958", 62958),
        ("62\u202f958", 62958),
        ("62{,}958", 62958),
        (r"62\,958", 62958),
        ("62958", 62958),
        ("1,000,000", 1000000),
        ("16 (5·5·8 + 1)", 3216),  # 16·201 = 3216
        # the LaTeX subset
        (r"\left(5 \times 5 \times 3 + 1\right) \times 8", 608),
        (r"8 \cdot 76", 608),
        (r"\frac{1216}{2}", 608),
        (r"\dfrac{1216}{2}", 608),
        (r"2^{3}", 8),
        (r"{2}^{3}", 8),
        (r"\lfloor \frac{27}{2} \rfloor", 13),
        (r"\left\lfloor \frac{27}{2} \right\rfloor + 1", 14),
        (r"\lceil 27/2 \rceil", 14),
        ("⌊27/2⌋", 13),
        ("floor(27/2)", 13),
        ("ceiling(27/2)", 14),
        ("13.5", sp.Rational(27, 2)),
        ("2−1", 1),
        ("-3 + 10", 7),
    ],
)
def test_numbers(text, expected):
    assert parse_answer(text, SYMBOLS) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("f(3k²+1)", f * (3 * k**2 + 1)),
        ("f (3k^2 + 1)", f * (3 * k**2 + 1)),
        ("2k", 2 * k),
        ("3k^2 f", 3 * k**2 * f),
        ("k²f", k**2 * f),
        ("kf", k * f),
        ("2f(f k^2 + 1)", 2 * f * (f * k**2 + 1)),
        (r"(k \cdot k \cdot 3 + 1) \cdot f", f * (3 * k**2 + 1)),
        (r"\frac{33 - k}{2}", (33 - k) / 2),
        (r"\lfloor \frac{33-k}{2} \rfloor", sp.floor((33 - k) / 2)),
        ("(33 - k) // 2", sp.floor((33 - k) / 2)),
    ],
)
def test_symbolic(text, expected):
    assert sp.expand(parse_answer(text, SYMBOLS) - expected) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(28, 28, 8)", (28, 28, 8)),
        ("(None, 28, 28, 8)", (28, 28, 8)),
        ("28x28x8", (28, 28, 8)),
        ("28 x 28 x 8", (28, 28, 8)),
        ("28 × 28 × 8", (28, 28, 8)),
        ("[28,28,8]", (28, 28, 8)),
        ("28, 28, 8", (28, 28, 8)),
        (r"\left(\mathrm{None}, 28, 28, 8\right)", (28, 28, 8)),
        (r"28 \times 28 \times 8", (28, 28, 8)),
        ("400", (400,)),
        ("(400,)", (400,)),
        ("(None, 400)", (400,)),
        ("(None, 5 × 5 × 16)", (400,)),  # with commas, × multiplies inside an axis
        ("(5·5·16,)", (400,)),
        ("(13.5, 13.5, 8)", (sp.Rational(27, 2), sp.Rational(27, 2), 8)),
        ("(33-k, 33-k, f)", (33 - k, 33 - k, f)),
        ("(None, 1 024)", (1024,)),
    ],
)
def test_shapes(text, expected):
    assert parse_shape_answer(text, SYMBOLS) == tuple(sp.sympify(x) for x in expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x", "unknown name 'x'.*symbols: f, k"),
        ("8 76", "two numbers in a row"),
        ("(28, 28, 8)", "not a list"),
        ("floor 3", "needs parentheses"),
        ("None", "batch axis"),
        (r"\frac{1}2", r"\\frac needs two groups"),
        (r"\input{/etc/passwd}", r"LaTeX command '\\\\input'"),
        ("1/0", "division by zero"),
        ("", "empty"),
        ("   ", "empty"),
        ("= ", "empty"),
        ("1,5", "not a list"),
        ("608 apples", "unknown name 'apples'"),
    ],
)
def test_refused(text, message):
    with pytest.raises(CalcError, match=message):
        parse_answer(text, SYMBOLS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(None,)", "no axes"),
        ("(28,,8)", "empty"),
        ("(28, None, 8)", "batch axis"),
        ("(" + "1, " * 20 + "1)", "at most 16"),
    ],
)
def test_refused_shapes(text, message):
    with pytest.raises(CalcError, match=message):
        parse_shape_answer(text, SYMBOLS)


HOSTILE = [
    ("9**9**9**9", "exponent"),
    ("2^2^2^2^2^2^2^2", "exponent"),  # 2^2^2^2 = 65536 is already past the cap
    ("(" * 100_000, "too long"),
    ("9" * 100_000, "too long"),
    ("9" * 30, "too large"),
    ("((k^64)^64)^64", "too large"),
    ("__import__('os').system('touch /tmp/calc-pwned-answer')", "unexpected character"),
    ("__import__", "unknown name"),
    ("().__class__.__bases__[0].__subclasses__()", "unexpected character"),
    ("lambda: 0", "unexpected character"),
    ("open('/etc/passwd').read()", "unexpected character"),
    ("open(f)", "unknown name 'open'"),
    ("exec", "unknown name"),
    ("k.real", "unexpected character"),
    ("(" * 50 + "1" + ")" * 50, "nested too deeply"),
    ("-" * 100 + "1", "nested too deeply"),
    (r"\frac{1}{0}", "division by zero"),
]


@pytest.fixture
def no_code_runs(monkeypatch):
    """Make eval and exec fail loudly: sympify and parse_expr reach them, so neither may be used."""

    def refuse(*args, **kwargs):
        raise AssertionError("eval/exec was called while reading an answer")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)


@pytest.mark.usefixtures("no_code_runs")
@pytest.mark.parametrize(("text", "message"), HOSTILE)
def test_hostile_answers_refused_without_running_anything(text, message):
    for parse in (parse_answer, parse_shape_answer):
        with pytest.raises(CalcError, match=message):
            parse(text, SYMBOLS)
    assert not os.path.exists("/tmp/calc-pwned-answer")


@pytest.mark.usefixtures("no_code_runs")
def test_ordinary_answers_need_no_eval():
    assert parse_answer(r"f(3k²+1) + \frac{k}{2}", SYMBOLS) == f * (3 * k**2 + 1) + k / 2


def test_spec_expressions_keep_their_grammar():
    """The answer forms are for answers only: a spec value is read exactly as before."""
    for text in ("2k", "8 × 76", "13.5", "62,958", r"\frac{1}{2}"):
        with pytest.raises(CalcError):
            parse_expression(text)
    assert parse_expression("kf") == make_symbol("kf")


# -- how the one-pass parser reads the grammar: precedence, associativity, nesting and the order of errors.
# Each value is worked by hand from the grammar in calc/expressions.py's docstring.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-2^2", -4),  # a sign applies to the whole power
        ("2^-0", 1),  # an exponent may carry a sign (it must still be a whole number from 0 to 64)
        ("2^3^2", 512),  # powers group to the right: 2^9
        ("2**3**2", 512),
        ("2*-3", -6),
        ("2 - -3", 5),
        ("--3", 3),
        ("-+-3", 3),
        ("2*3^2", 18),
        ("-3*2", -6),
        ("2^--3*8", 64),  # (2^3)·8: the exponent ends at the product
        ("2^3 (4)", 32),  # a juxtaposed factor multiplies the whole power
        ("2(3)(4)", 24),
        ("12/2/3", 2),  # left to right
        ("12/2*3", 18),
        ("7//2*2", 6),
        ("1 - 2 - 3", -4),
        ("2 × 3 · 4 ÷ 6", 4),
        (r"\frac{1}{2}^2", sp.Rational(1, 4)),  # \frac is one atom
        (r"2\frac{6}{3}", 4),
        (r"\frac{\frac{1}{2}}{\frac{1}{4}}", 2),
        ("⌊7/2⌋⌈7/2⌉", 12),  # 3·4
        ("floor(7/2)^2", 9),
        ("[2 + {3}] * (4)", 20),
        ("-(2 + 3)^2", -25),
        ("((((((((((1))))))))))", 1),
    ],
)
def test_precedence_and_grouping(text, expected):
    assert parse_answer(text, SYMBOLS) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2kf", 2 * SYMBOLS["k"] * SYMBOLS["f"]),
        ("-2k", -2 * SYMBOLS["k"]),
        ("f(k + 1)", SYMBOLS["f"] * (SYMBOLS["k"] + 1)),
        ("k^2 f", SYMBOLS["k"] ** 2 * SYMBOLS["f"]),
    ],
)
def test_juxtaposed_symbols(text, expected):
    assert parse_answer(text, SYMBOLS) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-" * 40 + "1", None),  # 40 signs: the deepest allowed
        ("-" * 41 + "1", "nested too deeply"),
        ("1" + "^1" * 40, None),  # forty powers, each one level deeper (they group to the right)
        ("1" + "^1" * 41, "nested too deeply"),
        ("(" * 40 + "1" + ")" * 40, None),
        ("(" * 41 + "1" + ")" * 41, "nested too deeply"),
        ("⌊" * 41 + "1" + "⌋" * 41, "nested too deeply"),
        (r"\frac{" * 20 + "1" + "}{1}" * 20, None),  # each \frac is two levels while its groups are read
        (r"\frac{" * 21 + "1" + "}{1}" * 21, "nested too deeply"),
    ],
)
def test_nesting_depth(text, message):
    if message is None:
        parse_answer(text, SYMBOLS)
    else:
        with pytest.raises(CalcError, match=message):
            parse_answer(text, SYMBOLS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # the first problem met reading left to right is the one reported
        ("1/0 )", "division by zero"),  # the quotient is worked before the stray bracket is reached
        ("1/0 3", "division by zero"),  # ... and before the juxtaposed number
        ("2^65 3", "exponent must be"),
        ("2^2 3", "two numbers in a row"),
        ("2^-1", "exponent must be a whole number from 0"),
        ("(1]", r"missing '\)'"),
        ("floor(1]", r"missing '\)'"),
        ("1)", r"unexpected '\)'"),
        ("(1", r"missing '\)'"),
        ("[1 + (2]", r"missing '\)'"),
        ("1 +", "ends too early"),
        ("2^", "ends too early"),
        ("*2", r"unexpected '\*'"),
        (r"\frac{1}", r"\\frac needs two groups"),
        (r"\frac", r"\\frac needs two groups"),
        (r"\frac{1}{0}", "division by zero"),
        ("2 / (k - k)", "division by zero"),
        ("ceiling", "needs parentheses"),
    ],
)
def test_errors_in_reading_order(text, message):
    with pytest.raises(CalcError, match=message):
        parse_answer(text, SYMBOLS)
