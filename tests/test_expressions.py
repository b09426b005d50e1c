"""The safe parser: what it accepts, and hostile text refused at once."""

from __future__ import annotations

import pytest
import sympy as sp

from calc.errors import CalcError
from calc.expressions import make_symbol, parse_expression

k, f = make_symbol("k"), make_symbol("f")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", sp.Integer(5)),
        ("2*f", 2 * f),
        ("k+1", k + 1),
        ("(k - 1) * 2", 2 * k - 2),
        ("k**2", k**2),
        ("k^2", k**2),
        ("-3 + 10", sp.Integer(7)),
        ("7 // 2", sp.Integer(3)),
        ("f/2", f / 2),
        ("floor(k/2)", sp.floor(k / 2)),
        ("ceil(7/2)", sp.Integer(4)),
        (12, sp.Integer(12)),
    ],
)
def test_accepted(text, expected):
    assert parse_expression(text) == expected


def test_names_are_positive_integer_symbols():
    (symbol,) = parse_expression("k").free_symbols
    assert symbol.is_integer and symbol.is_positive
    assert symbol == k


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9**9**9**9", "exponent"),
        ("2**100000", "exponent"),
        ("(99**64)**64", "too large"),
        ("(" * 5000 + "1" + ")" * 5000, "too long"),
        ("(" * 100 + "1" + ")" * 100, "nested too deeply"),
        ("-" * 300 + "1", "nested too deeply"),
        ("__import__('os').system('echo hi')", "unexpected character"),
        ("lambda: 1", "unexpected character"),
        ("k.real", "unexpected character"),
        ("__class__", "not a usable symbol"),
        ("1" * 40, "too large"),
        ("3 +", "ends too early"),
        ("(3", r"missing '\)'"),
        ("3 3", "unexpected"),
        ("1/0", "division by zero"),
        ("", "empty"),
        ("k**k", "exponent"),
        ("2.5", "unexpected character"),
        (True, "expected a number"),
        (2.5, "expected a number"),
    ],
)
def test_refused(text, message):
    with pytest.raises(CalcError, match=message):
        parse_expression(text)


@pytest.mark.parametrize("name", ["1k", "a b", "class", "x" * 40, "_private", "floor", "k;1"])
def test_symbol_names_checked(name):
    with pytest.raises(CalcError, match="not a usable symbol name"):
        make_symbol(name)
