"""Constant folding for the Keras source reader: the arithmetic a model's code does on plain values.

``n * 2``, ``(32, 32) + (3,)``, ``shape[1:]``: numbers, strings, tuples and lists only, each result
checked (no number above MAX_INT, no power that would be one, no sequence longer than MAX_ITEMS), so a
hostile file cannot make calc compute for long. Errors carry no place; the reader adds the line.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from calc.errors import CalcError, quote

MAX_INT = 10**18
MAX_ITEMS = 10_000
SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**"}


def describe(value: Any) -> str:
    """How a message names a value: the reader's objects describe themselves."""
    if hasattr(value, "described"):
        return value.described
    return "None" if value is None else f"a {type(value).__name__}"


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def checked(value: float) -> float:
    if isinstance(value, complex) or (isinstance(value, float) and not math.isfinite(value)):
        raise CalcError("the arithmetic has no finite real value")
    if abs(value) > MAX_INT:
        raise CalcError(f"the number is too large (more than {MAX_INT:.0e})")
    return value


def binary(op: ast.operator, left: Any, right: Any) -> Any:
    """``left op right`` on numbers; + on two tuples, lists or strings; a sequence * a whole number."""
    symbol = SYMBOLS.get(type(op), type(op).__name__)
    if is_number(left) and is_number(right):
        return _number(op, symbol, left, right)
    if isinstance(op, ast.Add) and type(left) is type(right) and isinstance(left, (tuple, list, str)):
        return _sized(left + right)
    if isinstance(op, ast.Mult) and isinstance(right, (tuple, list, str)) and isinstance(left, int):
        left, right = right, left
    if isinstance(op, ast.Mult) and isinstance(left, (tuple, list, str)) and isinstance(right, int):
        if len(left) * max(right, 0) > MAX_ITEMS:
            raise CalcError(f"the result would have more than {MAX_ITEMS:,} items")
        return left * right
    raise CalcError(f"calc does not fold '{symbol}' on {describe(left)} and {describe(right)}")


def _number(op: ast.operator, symbol: str, left: float, right: float) -> float:
    if isinstance(op, ast.Pow) and (abs(right) > 64 or (abs(left) > 1 and abs(right) * math.log2(abs(left)) > 62)):
        raise CalcError("the power is too large")
    operations = {
        ast.Add: lambda: left + right,
        ast.Sub: lambda: left - right,
        ast.Mult: lambda: left * right,
        ast.Div: lambda: left / right,
        ast.FloorDiv: lambda: left // right,
        ast.Mod: lambda: left % right,
        ast.Pow: lambda: left**right,
    }
    if type(op) not in operations:
        raise CalcError(f"calc does not fold '{symbol}'")
    try:
        return checked(operations[type(op)]())
    except ZeroDivisionError:
        raise CalcError("division by zero") from None


def _sized(value: Any) -> Any:
    if len(value) > MAX_ITEMS:
        raise CalcError(f"the result would have more than {MAX_ITEMS:,} items")
    return value


def unary(op: ast.unaryop, value: Any) -> Any:
    if isinstance(op, ast.USub) and is_number(value):
        return -value
    if isinstance(op, ast.UAdd) and is_number(value):
        return value
    if isinstance(op, ast.Not):
        return not truth(value)
    raise CalcError(f"calc does not fold this operator on {describe(value)}")


PLAIN = (bool, int, float, str, tuple, list, dict, type(None))


def truth(value: Any) -> bool:
    """Whether a plain value counts as true (``if use_bias:``, ``x or default``). A tensor, a layer or a
    model has no truth value calc can know without running the code."""
    if not isinstance(value, PLAIN):
        raise CalcError(f"calc decides conditions on plain values (numbers, strings, flags), not on {describe(value)}")
    return bool(value)


def size(value: Any, limit: int) -> int:
    """How many values a comparison may have to look at: the items of a tuple, list or dict, nested ones
    included, and the characters of a string; counted only up to just past ``limit``, so that a list
    holding the same long list ten thousand times is cheap to measure (and too costly to compare)."""
    count, stack = 0, [value]
    while stack and count <= limit:
        item = stack.pop()
        count += 1
        if isinstance(item, (tuple, list)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, str):
            count += len(item)
    return count


COMPARISONS = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


def compare(op: ast.cmpop, left: Any, right: Any) -> bool:
    """``left op right``: ``is`` with None, True or False on any value; on plain values == and !=, order on
    two numbers or two strings (or sequences of them), ``in`` a tuple, a list, a dict or a string."""
    if isinstance(op, (ast.Is, ast.IsNot)):  # x is None: any value has an identity
        if not any(v is None or isinstance(v, bool) for v in (left, right)):
            raise CalcError("calc follows 'is' only with None, True or False")
        return (left is right) is isinstance(op, ast.Is)
    for value in (left, right):
        if not isinstance(value, PLAIN):
            raise CalcError(f"calc compares plain values (numbers, strings, flags), not {describe(value)}")
    if isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) and not (
        (is_number(left) and is_number(right)) or type(left) is type(right)
    ):
        raise CalcError(f"calc does not order {describe(left)} and {describe(right)}")
    if isinstance(op, (ast.In, ast.NotIn)) and (
        not isinstance(right, (tuple, list, dict, str)) or (isinstance(right, str) and not isinstance(left, str))
    ):
        raise CalcError(f"calc follows 'in' a tuple, a list, a dict or a string, not {describe(right)}")
    try:
        return bool(COMPARISONS[type(op)](left, right))
    except TypeError:  # 3 < (1, 2) inside sequences of mixed items
        raise CalcError(f"calc cannot compare {describe(left)} and {describe(right)}") from None


def index(value: Any, position: Any) -> Any:
    """``shape[0]`` or ``shape[1:]`` (a slice given as a ``slice``) on a tuple or a list."""
    if not isinstance(value, (tuple, list)):
        raise CalcError(f"calc indexes only tuples and lists, not {describe(value)}")
    if isinstance(position, slice):
        bounds = (position.start, position.stop, position.step)
        if not all(bound is None or (isinstance(bound, int) and not isinstance(bound, bool)) for bound in bounds):
            raise CalcError("slice bounds must be whole numbers")
        if position.step == 0:
            raise CalcError("a slice step cannot be zero")
        return value[position]
    if not isinstance(position, int) or isinstance(position, bool) or not -len(value) <= position < len(value):
        raise CalcError(f"index {quote(position)} is out of range for {len(value)} items")
    return value[position]


def sizes(value: Any, what: str) -> list[int | None]:
    """A shape without the batch axis: positive whole numbers, or None for a size left open (the spec names
    it with a symbol, ``name_unknown_sizes``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (tuple, list)) or not value:
        raise CalcError(f"{what} must be a tuple of sizes such as (32, 32, 3), got {describe(value)}")
    for size in value:
        if size is None:
            continue
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise CalcError(f"{what} sizes must be positive whole numbers, got {quote(size)}")
    return list(value)


def batch_shape(value: Any) -> list[int | None]:
    """A shape with the batch axis first, as ``model.build`` and ``batch_shape`` take it."""
    if not isinstance(value, (tuple, list)) or len(value) < 2:
        raise CalcError("a batch shape lists the batch axis and the sizes, e.g. (None, 32, 32, 3)")
    return sizes(list(value)[1:], "the shape")
