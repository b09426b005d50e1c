"""A student's answer read as a tree of exact arithmetic, so that grading a class builds no sympy.

Building an answer as a sympy expression costs sympy a sort and a simplification at every ``+`` and
``×``: tens of milliseconds for an answer near the 1,000-character cap, minutes for a class of them.
The answer grammar (``calc.expressions``) builds with ``TreeOps`` instead a tree whose nodes know their
exact value at the model's values (Python's integers and fractions) and can be evaluated at the
question's random points (``calc.equivalence.Points``). The checker judges the answer by those values.

The tree decides only where it is sure that the sympy expression would give the same verdict, and
otherwise says ``uncertain`` (then the answer is read with sympy, as before). Sympy refuses while it
builds: a division by an expression equal to 0, an exponent that is not a whole number from 0 to 64, a
number past 4,096 bits, a combined exponent past 4,096. For each, the tree knows the answer exactly
(a part without symbols is one number in sympy too), or bounds it: every node carries an upper bound
on the bits of any number sympy's form of it can hold (``bits``: numerators and denominators, sums
adding a bit, products adding their bits, powers multiplying them), its degree, and whether it is zero
as an expression (its value modulo a 61-bit prime at a random point: not zero there, not zero as an
expression). A bound past the cap, an exponent with symbols, a divisor that might be zero: uncertain.
Comparisons go the same way: equal values at the wide points are what sympy's algebra finds, and
answers with floors are equal where they agree at both the many and the wide points.

Past NODE_BUDGET operations an answer is never built in sympy, so work per answer stays bounded
whatever the student types: its values decide alone (floors are compared at the wide points), and a
part that would need sympy is refused in one line. Nor is an answer with a floor or ceiling of
symbols, however short: building ⌊(k + 3)/7⌋ sympy asks its assumptions whether the argument lies in
[0, 1) or [1, 2), which takes it 10 to 30 ms a floor.
"""

from __future__ import annotations

import math
import operator
import random
from collections.abc import Callable, Mapping
from fractions import Fraction
from itertools import repeat

import sympy as sp

from calc.equivalence import Points, Value
from calc.errors import CalcError
from calc.expressions import (
    MAX_COMBINED_EXPONENT,
    MAX_EXPONENT,
    MAX_POWER_BITS,
    check_power,
    check_rational_size,
    parse_answer,
    parse_shape_answer,
)

Number = int | Fraction

#: The modulus of the test for an expression equal to zero (a Mersenne prime).
PRIME = 2**61 - 1
#: Exact values are worked out while their bound stays under this many bits (a final value past 4,096
#: bits is refused, but a part of it may be larger: k^64 / k^63).
MAX_VALUE_BITS = 8 * MAX_POWER_BITS
_SEED = 20201015
#: What sympy's reading says of an answer whose value with the model's values put in cannot be used.
DIVIDES_BY_ZERO = "the answer divides by zero for the model's values"
WITH_VALUES = "the answer with the model's values put in"
#: An answer of more operations than this is never built in sympy (about 1.5 ms at this size, 30 ms at
#: the 1,000-character cap): where its values cannot be sure of sympy's verdict, they decide alone.
NODE_BUDGET = 32


class Undecided(Exception):
    """The tree cannot be sure of the verdict sympy would give: read the answer with sympy instead."""


class Node:
    """One operation of an answer. ``op``: num, sym, neg, sum (``args``: signs and terms), prod (``args``:
    '*' or '/' and factors), pow (base, exponent), floor, ceiling."""

    __slots__ = ("op", "args", "symbols", "free", "bits", "value_bits", "degree", "floors", "value", "_mod")

    def __init__(
        self,
        op: str,
        args: tuple | list,
        symbols: bool,
        free: bool,
        floors: bool,
        bits: tuple[int, int] = (0, 0),
        value_bits: tuple[int, int] = (0, 0),
        degree: int = 0,
        value: Number | None = None,
    ):
        self.op = op
        self.args = args
        self.symbols = symbols  # whether a symbol appears (otherwise sympy's form is one number)
        self.free = free  # whether a symbol without a value appears
        self.floors = floors  # whether a floor or ceiling appears
        #: bounds on the bits of numerator and denominator of any number in sympy's form, with the symbols
        #: kept, and with the model's values put in
        self.bits = bits
        self.value_bits = value_bits
        self.degree = degree
        #: the exact value with the model's values put in (None: a free symbol, or not worked out)
        self.value = value
        self._mod: int | None | bool = False  # the value modulo PRIME at the random point (False: not yet)


def _quotient(x: Number, y: Number) -> Number:
    """x / y exactly, a whole number as an int: a product that divides back (k·v/k) stays in integers,
    whose arithmetic is many times faster than fractions'."""
    if type(x) is int and type(y) is int:
        whole, rest = divmod(x, y)
        return whole if rest == 0 else Fraction(x, y)
    quotient = Fraction(x) / y
    return quotient.numerator if quotient.denominator == 1 else quotient


def _exact_bits(value: Number) -> tuple[int, int]:
    if type(value) is int:
        return value.bit_length(), 0
    return value.numerator.bit_length(), value.denominator.bit_length()


class TreeOps:
    """The parser's operations (``calc.expressions.Ops``) building ``Node`` trees. ``values``: the model's
    symbols with a value. ``uncertain`` turns true at anything sympy might have done differently.

    Grading a class calls these a few hundred times per long answer: they are the answers' hot loop,
    kept to few calls each."""

    def __init__(self, values: Mapping[sp.Symbol, sp.Expr]):
        self.values = {symbol: int(value) for symbol, value in values.items() if value.is_Integer}
        self.odd = set(values) - set(self.values)  # values that are not whole numbers: for sympy
        self.uncertain = False
        self.size = 0  # operations read
        self.rounded = False  # whether a floor or ceiling of symbols was read
        self._symbols: dict[str, Node] = {}  # by name: a sympy symbol's hash is a Python call
        self._integers: dict[int, Node] = {}  # a leaf is never changed, so one node serves every use
        self._powers: dict[tuple[Node, Number], Node] = {}  # nor is a power: a symbol's powers are shared

    def _settled(self, node: Node, value: Number | None) -> Node:
        """Keep a value with the model's values put in; a part without symbols is one number in sympy, so
        its exact bits are its bounds."""
        if node.free or value is None:
            node.value = None
        else:
            node.value = value
            if not node.symbols:
                node.bits = node.value_bits = _exact_bits(value)
        if node.value_bits[0] > MAX_VALUE_BITS or node.value_bits[1] > MAX_VALUE_BITS:
            self.uncertain = True
        return node

    # -- leaves ---------------------------------------------------------------------------------------

    def number(self, p: int, q: int = 1) -> Node:
        self.size += 1
        if q != 1:
            value = Fraction(p, q)
            bits = _exact_bits(value)  # a number's bits are exact
            return Node("num", (), False, False, False, bits, bits, 0, value)
        node = self._integers.get(p)
        if node is None:
            bits = (p.bit_length(), 0)
            node = self._integers[p] = Node("num", (), False, False, False, bits, bits, 0, p)
        return node

    def symbol(self, symbol: sp.Symbol) -> Node:
        """A symbol's node, shared by its every use."""
        self.size += 1
        node = self._symbols.get(symbol.name)
        if node is None:
            value = self.values.get(symbol)
            if symbol in self.odd:
                self.uncertain = True
            node = self._symbols[symbol.name] = Node("sym", (symbol,), True, value is None, False, degree=1)
            if value is not None:
                node.value, node.value_bits = value, (value.bit_length(), 0)
        return node

    def product(self, symbols: list[sp.Symbol]) -> Node:
        node = self.symbol(symbols[0])
        for symbol in symbols[1:]:
            node = self.mul(node, self.symbol(symbol))
        return node

    # -- operations -----------------------------------------------------------------------------------

    def neg(self, a: Node) -> Node:
        self.size += 1
        node = Node("neg", (a,), a.symbols, a.free, a.floors, a.bits, a.value_bits, a.degree)
        return self._settled(node, None if a.value is None else -a.value)

    def sub(self, a: Node, b: Node) -> Node:
        return self.add(a, b, -1)

    def add(self, a: Node, b: Node, sign: int = 1) -> Node:
        """a + b (a - b for ``sign`` -1)."""
        (an, ad), (bn, bd) = a.bits, b.bits
        left, right = an + bd, bn + ad
        bits = ((left if left > right else right) + 1, ad + bd)
        (an, ad), (bn, bd) = a.value_bits, b.value_bits
        left, right = an + bd, bn + ad
        value_bits = ((left if left > right else right) + 1, ad + bd)
        degree = a.degree if a.degree > b.degree else b.degree
        value = None if a.value is None or b.value is None else a.value + b.value if sign > 0 else a.value - b.value
        return self._joined("sum", (1, a), (sign, b), b, bits, value_bits, degree, value)

    def div(self, a: Node, b: Node) -> Node:
        return self.mul(a, b, "/")

    def mul(self, a: Node, b: Node, op: str = "*") -> Node:
        """a × b (a / b for ``op`` '/')."""
        (an, ad), (bn, bd) = a.bits, b.bits
        bits = (an + bd, ad + bn) if op == "/" else (an + bn, ad + bd)
        (an, ad), (bn, bd) = a.value_bits, b.value_bits
        value_bits = (an + bd, ad + bn) if op == "/" else (an + bn, ad + bd)
        value = None
        if a.value is not None and b.value is not None and max(value_bits) <= MAX_VALUE_BITS:
            if op == "*":
                value = a.value * b.value
            elif b.value != 0:
                value = _quotient(a.value, b.value)
        return self._joined("prod", ("*", a), (op, b), b, bits, value_bits, a.degree + b.degree, value)

    def _joined(
        self,
        op: str,
        first: tuple,
        arg: tuple,
        b: Node,
        bits: tuple[int, int],
        value_bits: tuple[int, int],
        degree: int,
        value: Number | None,
    ) -> Node:
        """A sum or product with ``b`` joined, its value settled. One that is already a sum (or product)
        grows in place (a node is used once), so a long sum is one node, not a chain."""
        self.size += 1
        a = first[1]
        symbols, free, floors = a.symbols or b.symbols, a.free or b.free, a.floors or b.floors
        if a.op == op:
            node = a
            node.args.append(arg)
            node.symbols, node.free, node.floors, node.bits, node.value_bits = symbols, free, floors, bits, value_bits
            node.degree, node._mod = degree, False
        else:
            node = Node(op, [first, arg], symbols, free, floors, bits, value_bits, degree)
        return self._settled(node, value)

    def floordiv(self, a: Node, b: Node) -> Node:
        return self.floor(self.div(a, b))

    def floor(self, a: Node) -> Node:
        return self._rounded(a, "floor", math.floor)

    def ceiling(self, a: Node) -> Node:
        return self._rounded(a, "ceiling", math.ceil)

    def _rounded(self, a: Node, op: str, function: Callable[[Number], int]) -> Node:
        self.size += 1
        self.rounded = self.rounded or a.symbols
        bits, value_bits = (a.bits[0] + 1, a.bits[1]), (a.value_bits[0] + 1, a.value_bits[1])
        node = Node(op, (a,), a.symbols, a.free, True, bits, value_bits, a.degree)
        return self._settled(node, None if a.value is None else function(a.value))

    def power(self, base: Node, exponent: Node, quoted: str) -> Node:
        if exponent.symbols and (_mod(exponent) or 0) > MAX_EXPONENT:
            # not a whole number from 0 to 64 at the random point, so not one as an expression either: the
            # very refusal of sympy's reading (2^k, k^(k/2))
            check_power(None, None, quoted)
        if exponent.symbols or exponent.value is None:  # sympy may or may not reduce it to a number
            self.uncertain = True
            return base
        if base.op == "sym":  # k^3 again: its node again (its checks passed, and their flags stay set)
            node = self._powers.get((base, exponent.value))
            if node is not None:
                self.size += 1
                return node
        power = check_power(None if base.symbols else base.value, exponent.value, quoted)
        if base.symbols and max(base.bits) * power > MAX_POWER_BITS:
            self.uncertain = True  # sympy's form of the base may be a number too large to raise
        self.size += 1
        bits = (base.bits[0] * power, base.bits[1] * power)
        value_bits = (base.value_bits[0] * power, base.value_bits[1] * power)
        node = Node("pow", (base, power), base.symbols, base.free, base.floors, bits, value_bits, base.degree * power)
        if node.degree > MAX_COMBINED_EXPONENT:
            self.uncertain = True
        value = None if base.value is None or max(value_bits) > MAX_VALUE_BITS else base.value**power
        if base.op == "sym":
            self._powers[base, exponent.value] = node
        return self._settled(node, value)

    # -- checks ---------------------------------------------------------------------------------------

    def is_zero(self, a: Node) -> bool:
        """Whether sympy's form of ``a`` is 0 (then the parser refuses the division)."""
        if not a.symbols:
            if a.value is None:
                self.uncertain = True
                return False
            return a.value == 0
        residue = _mod(a)
        if residue is None and a.floors:  # no value modulo a prime: its exact value at a point may do
            residue = _somewhere(a)
        if not residue:  # zero (or unknown) at the random point: sympy may have made it 0
            self.uncertain = True
        return False

    def checked(self, a: Node, quoted: str) -> Node:
        """``check_number_size``: exact for a number (its bits are exact), by the bound for an expression."""
        if a.bits[0] > MAX_POWER_BITS or a.bits[1] > MAX_POWER_BITS:
            if a.symbols or a.value is None:
                self.uncertain = True
            else:
                value = Fraction(a.value)
                check_rational_size(value.numerator, value.denominator, quoted)
        return a


# -- values -------------------------------------------------------------------------------------------

_point: dict[str, int] = {}


def _random_value(symbol: sp.Symbol) -> int:
    if symbol.name not in _point:
        _point[symbol.name] = random.Random(f"{_SEED}:{symbol.name}").randrange(2, PRIME)
    return _point[symbol.name]


def _mod(node: Node) -> int | None:
    """The value modulo PRIME with every symbol at a random value (None where it cannot be worked out: a
    floor, or a division by 0 modulo PRIME)."""
    if node._mod is not False:
        return node._mod
    result: int | None
    if not node.symbols and node.value is not None:
        exact = Fraction(node.value)
        result = _modular(exact.numerator, exact.denominator)
    elif node.op == "sym":
        result = _random_value(node.args[0])
    elif node.op == "neg":
        inner = _mod(node.args[0])
        result = None if inner is None else -inner % PRIME
    elif node.op == "sum":
        result = 0
        for sign, term in node.args:
            value = _mod(term)
            if value is None:
                result = None
                break
            result = (result + sign * value) % PRIME
    elif node.op == "prod":
        result = 1
        for op, factor in node.args:
            value = _mod(factor)
            if value is None or (op == "/" and value == 0):
                result = None
                break
            result = result * (value if op == "*" else pow(value, PRIME - 2, PRIME)) % PRIME
    elif node.op == "pow":
        inner = _mod(node.args[0])
        result = None if inner is None else pow(inner, node.args[1], PRIME)
    else:  # a floor has no value modulo a prime
        result = None
    node._mod = result
    return result


class _Point(dict):
    """The value ``at`` for every free symbol, or a seeded whole number from 1 to 1,000 when it is None."""

    def __init__(self, at: int | None):
        super().__init__()
        self.at = at

    def __missing__(self, symbol: sp.Symbol) -> list[int]:
        value = self.at or random.Random(f"{_SEED}:{symbol.name}:small").randint(1, 1000)
        self[symbol] = [value]
        return self[symbol]


def _somewhere(node: Node) -> Number | None:
    """The exact value of a part holding floors where it is not 0, trying the model's values with the
    free symbols at 1, at 2 and at random whole numbers (None if 0 or undefined at each). Not 0 there, its
    sympy form is not 0: sympy keeps the values of the positive whole numbers its symbols stand for."""
    if not node.free:
        return node.value
    for at in (1, 2, None):
        try:
            value = evaluate(node, _Point(at), 1)[0]
        except Undecided:
            continue
        if value:
            return value
    return None


def _modular(p: int, q: int) -> int | None:
    return None if q % PRIME == 0 else p * pow(q, PRIME - 2, PRIME) % PRIME


def evaluate(
    node: Node, columns: Mapping[sp.Symbol, list[int]], count: int, powers: dict[tuple, list] | None = None
) -> list[Number]:
    """The exact values at ``count`` points (``columns``: each free symbol's value at each point; the
    model's values are in the nodes already). A division by zero is ``Undecided``: sympy's form may not
    divide there (0·(1/(k-5)) is 0 to sympy). The lists returned may be shared: they are never changed.

    Terms and factors without free symbols are gathered into one number first (exact arithmetic is
    associative, and every division is still made), and the points are worked through with ``map``: an
    answer is evaluated at up to 86 points per question. ``powers`` keeps a symbol's powers at these
    points (``Points.powers``) for every answer to the question: the terms of long answers are mostly
    products of them (``_monomial``), and a power of a value up to 10^9 is most of the work of such a term."""
    if not node.free:
        if node.value is None:
            raise Undecided
        return [node.value] * count
    op = node.op
    try:
        if op == "sym":
            return list(columns[node.args[0]])
        if op == "neg":
            return list(map(operator.neg, evaluate(node.args[0], columns, count, powers)))
        if op == "sum":
            total: list[Number] | None = None
            monomials: dict[tuple, Number] = {}  # coefficients of the terms that are monomials, by monomial
            rest: list[tuple[int, Node]] = []
            constant = _gathered(node, 1, monomials if powers is not None else None, rest)
            for sign, term in rest:
                values = evaluate(term, columns, count, powers)
                if total is None:
                    total = values if sign > 0 else list(map(operator.neg, values))
                else:
                    total = list(map(operator.add if sign > 0 else operator.sub, total, values))
            for key, coefficient in monomials.items():
                if coefficient:  # terms that cancel are never evaluated
                    values = list(map(operator.mul, _monomial_values(key, columns, count, powers), repeat(coefficient)))
                    total = values if total is None else list(map(operator.add, total, values))
            if total is None:  # every term with symbols cancelled
                return [constant] * count
            return list(map(operator.add, total, repeat(constant, count))) if constant else total
        if op == "prod":
            total = None
            numerator: Number = 1
            divisors: list[Number] = []
            for op, factor in node.args:
                if not factor.free:
                    if factor.value is None:
                        raise Undecided
                    if op == "*":
                        numerator *= factor.value
                    else:
                        divisors.append(factor.value)
                    continue
                values = evaluate(factor, columns, count, powers)
                if total is None:
                    total = values if op == "*" else list(map(_quotient, repeat(1, count), values))
                elif op == "*":
                    total = list(map(operator.mul, total, values))
                else:
                    total = list(map(_quotient, total, values))
            for divisor in divisors:
                numerator = _quotient(numerator, divisor)
            assert total is not None  # a free product has a free factor
            return list(map(operator.mul, total, repeat(numerator, count))) if numerator != 1 else total
        if op == "pow":
            base, exponent = node.args
            if powers is None or base.op != "sym":
                return list(map(pow, evaluate(base, columns, count, powers), repeat(exponent, count)))
            return _power_values(base.args[0].name, exponent, columns, count, powers)  # type: ignore[return-value]
        rounding = math.floor if op == "floor" else math.ceil
        return list(map(rounding, evaluate(node.args[0], columns, count, powers)))
    except ZeroDivisionError:
        raise Undecided from None


def _gathered(node: Node, sign: int, monomials: dict[tuple, Number] | None, rest: list[tuple[int, Node]]) -> Number:
    """The terms of the sum ``node`` (times ``sign``), those of sums within it included: returns the sum of
    the numbers, adds the monomials' numbers to ``monomials`` (when given) and puts the other terms in
    ``rest``. A long answer's brackets, (33 - k), are sums within it, whose terms join its own."""
    constant: Number = 0
    for term_sign, term in node.args:
        term_sign *= sign
        if not term.free:
            if term.value is None:
                raise Undecided
            constant = constant + term.value if term_sign > 0 else constant - term.value
            continue
        if term.op == "sum":
            constant += _gathered(term, term_sign, monomials, rest)
            continue
        monomial = None if monomials is None else _monomial(term)
        if monomials is None or monomial is None:
            rest.append((term_sign, term))
        else:
            coefficient, key = monomial
            monomials[key] = monomials.get(key, 0) + (coefficient if term_sign > 0 else -coefficient)
    return constant


def _monomial(term: Node) -> tuple[Number, tuple] | None:
    """A term that is a number times symbols and their powers (``3*f^2*k``), as its number and its
    symbols' exponents in the order written, by name (a sympy symbol's hash is a Python call, a name's
    is not); None for any other term. A sum adds up the numbers of equal monomials (exact arithmetic is
    associative) and evaluates each monomial once: long answers are mostly such terms, and many cancel.
    A factor without its value is ``Undecided``, as in ``evaluate``."""
    if term.op == "sym":
        return 1, ((term.args[0].name, 1),)
    if term.op == "pow" and term.args[0].op == "sym":
        return 1, ((term.args[0].args[0].name, term.args[1]),)
    if term.op != "prod":
        return None
    coefficient: Number = 1
    key = []
    for op, factor in term.args:
        if op != "*":
            return None
        if not factor.free:
            if factor.value is None:
                raise Undecided
            coefficient *= factor.value
        elif factor.op == "sym":
            key.append((factor.args[0].name, 1))
        elif factor.op == "pow" and factor.args[0].op == "sym":
            key.append((factor.args[0].args[0].name, factor.args[1]))
        else:
            return None
    return coefficient, tuple(key)


def _monomial_values(key: tuple, columns: Mapping[sp.Symbol, list[int]], count: int, powers: dict) -> list[int]:
    """A monomial's values at the points, kept in ``powers`` (``Points.powers``) with the symbols' powers."""
    values = powers.get(key)
    if values is None:
        for name, exponent in key:
            power = _power_values(name, exponent, columns, count, powers)
            values = power if values is None else list(map(operator.mul, values, power))
        assert values is not None  # a monomial has a symbol
        powers[key] = values
    return values


def _power_values(
    name: str, exponent: int, columns: Mapping[sp.Symbol, list[int]], count: int, powers: dict
) -> list[int]:
    """The power of the symbol ``name`` at the points, kept in ``powers``: a power of a value up to 10^9 is
    most of the work of a term of a long answer."""
    values = powers.get((name, exponent))
    if values is None:
        column = next(column for symbol, column in columns.items() if symbol.name == name)
        values = powers[name, exponent] = list(map(pow, column, repeat(exponent, count)))
    return values


def read_tree(
    text: str, symbols: Mapping[str, sp.Symbol], values: Mapping[sp.Symbol, sp.Expr], shape: bool
) -> tuple[Node | tuple[Node, ...] | None, bool]:
    """The answer as trees (a tuple of them for a shape), and whether its values decide alone: it is
    never built in sympy, being larger than NODE_BUDGET or holding a floor or ceiling of symbols. The
    tree is None when sympy should read the answer (a small answer the tree cannot be sure of). A
    CalcError is the error sympy would raise; for an answer its values decide alone, the tree's own."""
    ops = TreeOps(values)
    try:
        tree = parse_shape_answer(text, symbols, ops) if shape else parse_answer(text, symbols, ops)
    except CalcError:
        if ops.uncertain and ops.size <= NODE_BUDGET and not ops.rounded:  # sympy might have refused an
            return None, False  # earlier part instead
        raise
    large = ops.size > NODE_BUDGET
    if ops.uncertain and large:
        raise CalcError(
            f"the answer is too large to check exactly (more than {NODE_BUDGET} operations, with an exponent "
            f"holding symbols, a divisor that may be 0, or a number past {MAX_POWER_BITS:,} bits)"
        )
    if ops.uncertain and ops.rounded:
        raise CalcError(
            "the answer is too complex to check exactly (a floor or ceiling of symbols, with an exponent "
            f"holding symbols, a divisor that may be 0, or a number past {MAX_POWER_BITS:,} bits)"
        )
    return (None if ops.uncertain else tree), large or ops.rounded


def read_number(text: str) -> sp.Expr:
    """An answer that is one number, no symbols (a ``solve`` question's value): its exact value, read
    without sympy unless the tree cannot be sure of it."""
    tree, _ = read_tree(text, {}, {}, shape=False)
    if not isinstance(tree, Node) or tree.value is None:
        return parse_answer(text, {})
    return _sympy_number(tree.value)


class TreeAnswer:
    """An answer read as trees, judged like ``equivalence.SympyAnswer`` without building it in sympy: its
    fingerprint and its comparisons give what sympy's would, or raise ``Undecided``."""

    def __init__(self, tree: Node | tuple[Node, ...], points: Points, alone: bool = False):
        """``alone``: the values decide even where sympy might differ (an answer never built in sympy):
        floors are judged at the wide points, a division by zero at the model's values is refused, and
        an answer whose symbols cancel is its number for ``_right_product`` too."""
        self.shape = isinstance(tree, tuple)
        self.nodes: tuple[Node, ...] = tree if isinstance(tree, tuple) else (tree,)
        self.points = points
        self.alone = alone
        self._evaluated: dict[tuple[int, str], list[Number | None] | None] = {}
        for node in self.nodes:
            if node.free:
                if max(node.value_bits) > MAX_POWER_BITS and not alone:
                    raise Undecided  # sympy may refuse it (or not): let it say
            elif node.value is None:  # a division by zero at the model's values
                if not alone:
                    raise Undecided  # sympy's form may not divide there: 0·(1/(k-5)) is 0
                raise CalcError(DIVIDES_BY_ZERO)
            else:  # the very number sympy's reading checks
                value = Fraction(node.value)
                check_rational_size(value.numerator, value.denominator, WITH_VALUES)
        self._prints = [self._axis_print(node) for node in self.nodes]
        self.print = tuple(self._prints) if self.shape else self._prints[0]

    @property
    def length(self) -> int | None:
        return len(self.nodes) if self.shape else None

    def _axis_print(self, node: Node) -> tuple:
        if not node.free:
            return (_sympy_number(node.value),)
        values = self._values(node, "few")
        if values[0] is not None and values.count(values[0]) == len(values):
            return (_sympy_number(values[0]),)  # symbols that cancel: a number (as ``fingerprint`` says)
        return tuple(None if value is None else _sympy_number(value) for value in values)

    def _values(self, node: Node, which: str) -> list[Number | None]:
        """The values at the question's points; alone, None where one divides by zero (as sympy's).
        Worked out once per answer: a wrong answer is compared with several candidates."""
        key = (id(node), which)
        if key not in self._evaluated:
            try:
                self._evaluated[key] = self._evaluate(node, which)
            except Undecided:
                self._evaluated[key] = None
        values = self._evaluated[key]
        if values is None:
            raise Undecided
        return values

    def _evaluate(self, node: Node, which: str) -> list[Number | None]:
        points = getattr(self.points, which)
        try:
            columns, powers = self.points.columns(which), self.points.powers(which)
            return evaluate(node, columns, len(points), powers)  # type: ignore[return-value]
        except Undecided:
            if not self.alone:
                raise
        values: list[Number | None] = []
        for i in range(len(points)):
            try:
                values += evaluate(node, {s: [column[i]] for s, column in self.points.columns(which).items()}, 1)
            except Undecided:
                values.append(None)
        return values

    def scalar(self) -> sp.Expr | None:
        """The answer as a number when it is one (what ``_right_product`` reads); None otherwise."""
        if len(self.nodes) != 1 or len(self._prints[0]) != 1 or (self.nodes[0].free and not self.alone):
            return None  # sympy's form of symbols that cancel is still an expression
        return self._prints[0][0]

    def equals(self, target: Value) -> bool:
        """``equivalent(answer, target)``, decided by values."""
        if self.shape != isinstance(target, tuple):
            return False
        targets = target if isinstance(target, tuple) else (target,)
        if len(targets) != len(self.nodes):
            return False
        return all(self._axis_equals(i, other) for i, other in enumerate(targets))

    def _axis_equals(self, axis: int, target: sp.Expr) -> bool:
        node = self.nodes[axis]
        if self._prints[axis] != self.points.print_of(target) or None in self._prints[axis]:
            return False
        if not node.free and not target.free_symbols:  # two numbers
            return True
        # Sympy decides an identity without floors by algebra, which the values at the wide points decide as
        # surely (Schwartz-Zippel, see ``equivalence``); with floors, by agreement at its many points (or the
        # wide ones, for a large answer): when the two sets agree, so does sympy.
        if not self.points.plain(target) and not self.alone:
            raise Undecided
        wide = self._agree(node, target, "wide")
        if self.alone or not (node.floors or target.has(sp.floor, sp.ceiling)):
            return wide
        if self._agree(node, target, "many") != wide:
            raise Undecided
        return wide

    def _agree(self, node: Node, target: sp.Expr, which: str) -> bool:
        mine = self._values(node, which)
        theirs = self.points.values_of(target, which)
        if None in theirs or None in mine:
            if not self.alone:
                raise Undecided
            return False
        return mine == theirs


def _sympy_number(value: Number) -> sp.Rational:
    return sp.Integer(value) if isinstance(value, int) else sp.Rational(value.numerator, value.denominator)
