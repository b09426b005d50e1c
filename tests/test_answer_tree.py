"""Answers judged by their exact values (calc.answer_tree): the same verdicts, diagnoses and messages as
sympy's reading, and no sympy expression built for an answer near the caps."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

import calc.expressions
from calc.answer_tree import NODE_BUDGET, Node, TreeOps, evaluate, read_tree
from calc.checker import Question
from calc.equivalence import Points
from calc.expressions import parse_answer
from calc.grading import grade
from calc.spec import from_text, load
from tests.fixtures.near_cap_answers import KINDS, SYMBOLIC, check_rows, written

MODELS = {"lenet5": load("lenet5").analyze(), "symbolic": from_text(SYMBOLIC, suffix=".yaml").analyze()}


class CountingOps:
    """sympy's operations, counted: how many sympy constructions reading the answers took."""

    def __init__(self, real):
        self.real, self.calls = real, 0

    def __getattr__(self, name):
        method = getattr(self.real, name)

        def counted(*args):
            self.calls += 1
            return method(*args)

        return counted


@pytest.fixture
def sympy_ops(monkeypatch):
    counting = CountingOps(calc.expressions.SYMPY_OPS)
    monkeypatch.setattr(calc.expressions, "SYMPY_OPS", counting)
    return counting


def slow(question: Question, answer: str):
    """The verdict of sympy's reading alone (the path every answer took before)."""
    real = Question._judged_by_values
    Question._judged_by_values = lambda self, text, prefer: None
    try:
        return question.check(answer)
    finally:
        Question._judged_by_values = real


@pytest.mark.parametrize("model", MODELS)
def test_a_class_of_near_cap_answers_builds_no_sympy(model, sympy_ops):
    """Every answer near the caps (about 950 characters: sums, products, 30 levels of nesting, powers of
    64, LaTeX), right, a catalogued mistake or one off, is judged from its values: no sympy operation."""
    planned = check_rows(MODELS[model], 60, seed=3)
    rows = [dict(zip(("student", "layer", "quantity", "answer"), row[:4], strict=True)) for row in planned]
    report = grade(MODELS[model], rows)
    assert sympy_ops.calls == 0
    assert sum(len(row["answer"]) for row in rows) / len(rows) > 800  # shapes' nested axes stop at 30 levels
    for row, result in zip(planned, report.grades, strict=True):
        plan = row[4]
        assert result.correct == (plan == "right"), row[3][:80]
        if plan not in ("right", "wrong"):
            assert plan in result.mistakes


@pytest.mark.parametrize("model", MODELS)
def test_near_cap_answers_are_judged_as_sympy_judges_them(model):
    """The values give the very result sympy's reading gives: verdict, mistakes, feedback and the answer
    as calc shows it (read lazily, when asked for)."""
    for _, layer, quantity, answer, _ in check_rows(MODELS[model], 12, seed=5):
        question = Question(MODELS[model], quantity, layer or None)
        fast, sympy_read = question.check(answer), slow(question, answer)
        if question.kind == "shape":  # sympy's form of a near-cap shape is slow to print: the verdicts only
            assert (fast.correct, fast.mistakes) == (sympy_read.correct, sympy_read.mistakes)
        else:
            assert fast.to_dict() == sympy_read.to_dict()


TRICKY = [
    "608",
    "f(3k²+1)",
    "(5*5*3+1)*8",
    "600",
    "8 76",
    "1/(k-5)",  # divides by zero at the model's values (k = 5)
    "0*(1/(k-5)) + 608",  # sympy makes 0·x zero first
    "608/(k-k)",  # a divisor that is 0 as an expression
    "608 + (k-k)/(k+1)",
    "k^(f-f+2) * 8 * 3 + 8",  # an exponent with symbols
    "k^(1/2)",
    "2^4000 * 2^100",  # a number past 4,096 bits
    "999999999999999999^64 * 999999999999999999^64",
    "((k+f+1)^64)^64",
    "((k^64)^64)^2",
    "(k+1)^2 - k^2 - 2k + 607",  # the symbols cancel only by algebra
    "k - k + 608",  # sympy cancels them
    "floor(608/2) * 2",
    "⌈607.5⌉",
    "607.5 + 1/2",
    r"\frac{1216}{2}",
    "608.0",
    "f(3k^2 + 1) + f - f",
    "12 14",
    "(None, 28, 28, 8)",
]
SHAPES = ["(28, 28, 8)", "28x28x8", "(33 - k, 33 - k, f)", "(floor((32 - k)/1) + 1, 33 - k, f)", "(28, 28)", "(k-k)"]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("answer", TRICKY)
def test_tricky_counts_are_judged_as_sympy_judges_them(model, answer):
    question = Question(MODELS[model], "params", "conv2d")
    assert question.check(answer).to_dict() == slow(question, answer).to_dict()


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("answer", SHAPES + ["25", "(None, 400)", "2*f*(34 - 2*k)**2", "(5*5*16,)"])
def test_tricky_shapes_are_judged_as_sympy_judges_them(model, answer):
    for layer in ("conv2d", "flatten"):
        question = Question(MODELS[model], "output_shape", layer)
        assert question.check(answer).to_dict() == slow(question, answer).to_dict()


def test_small_answers_that_the_values_cannot_settle_go_to_sympy():
    """An exponent with symbols, a divisor that is 0 as an expression: under NODE_BUDGET operations, sympy
    reads them (so their messages are sympy's)."""
    symbols = {"k": next(s for s in MODELS["lenet5"].symbols if s.name == "k")}
    for answer in ("k^(k-k+2)", "608/(k-k)"):
        tree, large = read_tree(answer, symbols, {}, shape=False)
        assert tree is None and not large


def test_past_the_budget_the_values_decide_alone():
    """An answer of more than NODE_BUDGET operations is never built in sympy: symbols that cancel leave its
    number, and a division by 0 at the model's values is refused in the words sympy's reading uses."""
    question = Question(MODELS["lenet5"], "params", "conv2d")
    rng = random.Random(1)
    answer = written("608", ["k", "f"], "product", rng)
    ops = TreeOps(MODELS["lenet5"].values)
    parse_answer(answer, question.names, ops)
    assert ops.size > NODE_BUDGET
    assert question.check(answer).correct
    dense = Question(MODELS["symbolic"], "output_shape", "dense")
    assert dense.check(shape := "(" + written("10", ["k", "f"], "product", rng) + ",)").correct, shape
    zero = question.check(written("608", [], "sum", rng) + " + 1/(k - 5)")
    assert zero.problem == "the answer divides by zero for the model's values"


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        ("floor((k + f + 3)/7) - floor((f + k + 3)/7) + f(3k²+1)", True),
        ("ceiling((k*f + 4)/(k - k + 2))*2 - 2*ceiling((k*f + 4)/2) + f(3k²+1)", True),
        ("f(3k²+1) + floor(k/2)", False),
    ],
)
def test_floors_of_symbols_are_never_built_in_sympy(sympy_ops, answer, correct):
    """Sympy builds ⌊(k + 3)/7⌋ by asking its assumptions whether the argument lies in [0, 1): 10 to 30 ms a
    floor, so a short answer with floors of symbols is judged by its values alone, however few its
    operations (``k - k + 2`` is a divisor the values are sure of)."""
    question = Question(MODELS["symbolic"], "params", "conv2d")
    result = question.check(answer)
    assert sympy_ops.calls == 0
    assert result.correct is correct and result.problem is None


def test_a_short_answer_with_floors_the_values_cannot_settle_is_refused(sympy_ops):
    """Where sympy alone could say (an exponent holding symbols), one line says why it is not checked."""
    question = Question(MODELS["symbolic"], "params", "conv2d")
    result = question.check("floor((k + 3)^(f - f + 1)/7)*0 + f(3k²+1)")
    assert sympy_ops.calls == 0 and not result.correct
    assert result.problem.startswith("the answer is too complex to check exactly (a floor or ceiling of symbols")


@pytest.mark.parametrize("answer", ["2^k", "k^(k/2)", "f(3k^(k-k-1)+1)", "floor(k^(k/2)) + f"])
def test_an_exponent_that_is_no_whole_number_is_refused_as_sympy_refuses_it(sympy_ops, answer):
    """Not a whole number from 0 to 64 at the random point, an exponent is none as an expression either."""
    result = Question(MODELS["symbolic"], "params", "conv2d").check(answer)
    assert sympy_ops.calls == 0
    assert result.problem == f"exponent must be a whole number from 0 to 64 in {answer!r}"


def test_a_divisor_holding_floors_is_not_zero_where_its_value_is_not(sympy_ops):
    """⌊k/2⌋ has no value modulo a prime, but its exact value at k = 1, 2 or a random k is not 0."""
    question = Question(MODELS["symbolic"], "params", "conv2d")
    assert question.check("f(3k²+1)·⌊k/2⌋/⌊k/2⌋").correct
    assert not question.check("f(3k²+1)·⌊k/2⌋/⌊k/2⌋ + 1").correct
    assert sympy_ops.calls == 0


def test_every_kind_of_near_cap_answer_is_read(sympy_ops):
    question = Question(MODELS["symbolic"], "params", "conv2d")
    rng = random.Random(2)
    for kind in KINDS:
        answer = written("f*(3*k**2 + 1)", ["k", "f"], kind, rng)
        assert question.check(answer).correct, kind
        assert question.check(written("3*k**2*f", ["k", "f"], kind, rng)).mistakes == ("forgot_bias",), kind
    assert sympy_ops.calls == 0


@pytest.mark.parametrize("answer", ["(None, (6*k + 355)*(10)/(6*k + 355))", "(None, (k + 1)^2 - k^2 - 2*k + 9)"])
def test_symbols_that_cancel_leave_the_number_they_equal(answer):
    """Sympy keeps (6k + 355)·10/(6k + 355) as an expression (it multiplies 10 in first); its value is 10
    for every k, so it is right where 10 is asked, read either way."""
    question = Question(MODELS["symbolic"], "output_shape", "dense")
    assert question.check(answer).correct and slow(question, answer).correct


def test_an_answer_cannot_know_the_wide_points():
    """The wide points decide what algebra would only if the answer cannot know them: an answer built to
    be 0 at one question's points (the expected value plus a product of (k - a) for every k there, 331
    characters) fools the points it was built for, and no other question's."""
    analysis = MODELS["symbolic"]
    layer = analysis.layers[0].name
    seen = Question(analysis, "params", layer)
    k = next(symbol for symbol in seen.points.symbols if symbol.name == "k")
    roots = sorted({int(point[k]) for point in seen.points.few + seen.points.wide})
    crafted = f"({seen.expected}) + " + "*".join(f"(k - {root})" for root in roots)
    assert len(roots) == 22 and seen.check(crafted).correct  # what fixed points in the source would allow
    fresh = Question(analysis, "params", layer)
    assert [point[k] for point in fresh.points.few] == [point[k] for point in seen.points.few]  # diagnoses stay
    assert not fresh.check(crafted).correct
    assert fresh.check(str(seen.expected)).correct


def test_powers_of_symbols_are_worked_out_once_per_question():
    """A symbol's powers at a question's points are kept on its ``Points`` for every later answer, and
    give the values worked out anew."""
    analysis = MODELS["symbolic"]
    names = {symbol.name: symbol for symbol in analysis.symbols}
    points = Points(analysis.symbols)
    columns, count, powers = points.columns("wide"), len(points.wide), points.powers("wide")
    first, _ = read_tree("3*f^2*k^3 - 7*k^3 + f*(k + 1)^2", names, analysis.values, shape=False)
    second, _ = read_tree("k^3", names, analysis.values, shape=False)
    assert isinstance(first, Node) and isinstance(second, Node)
    assert evaluate(first, columns, count, powers) == evaluate(first, columns, count)
    k = names["k"]
    assert powers["k", 3] == [value**3 for value in columns[k]]
    assert evaluate(second, columns, count, powers) is powers["k", 3]  # not worked out again


def test_equal_monomials_are_added_up_before_the_points():
    """A sum adds the numbers of equal monomials first: terms that cancel are never evaluated, and the
    values are those of the sum worked out term by term."""
    analysis = MODELS["symbolic"]
    names = {symbol.name: symbol for symbol in analysis.symbols}
    points = Points(analysis.symbols)
    columns, count, powers = points.columns("few"), len(points.few), points.powers("few")
    text = "5*f^6*k^3 - 5*f^6*k^3 + 2.5*f*k - k^2 + 3 + f*(k + 1)"
    tree, _ = read_tree(text, names, analysis.values, shape=False)
    assert isinstance(tree, Node)
    f, k = names["f"], names["k"]
    expected = [
        Fraction(5, 2) * f_ * k_ - k_**2 + 3 + f_ * (k_ + 1) for f_, k_ in zip(columns[f], columns[k], strict=True)
    ]
    assert evaluate(tree, columns, count, powers) == evaluate(tree, columns, count) == expected
    assert (("f", 6), ("k", 3)) not in powers and ("f", 6) not in powers  # cancelled: never evaluated
    assert powers[("f", 1), ("k", 1)] == [f_ * k_ for f_, k_ in zip(columns[f], columns[k], strict=True)]


def test_sums_in_brackets_join_the_sum_around_them():
    """The terms of a bracketed sum join the sum around it, so a symbol that cancels across brackets is
    never evaluated: its values are the number it leaves."""
    analysis = MODELS["symbolic"]
    names = {symbol.name: symbol for symbol in analysis.symbols}
    points = Points(analysis.symbols)
    columns, count, powers = points.columns("wide"), len(points.wide), points.powers("wide")
    tree, _ = read_tree("3*k - (2 - (f - 3*k)) - f", names, analysis.values, shape=False)
    assert isinstance(tree, Node) and tree.free
    assert evaluate(tree, columns, count, powers) == evaluate(tree, columns, count) == [-2] * count
    assert not powers  # k and f cancelled: no power of them was worked out
