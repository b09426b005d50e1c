"""Formulas stated once, and their application to one layer.

A ``Rule`` is a sympy expression over *local* symbols (``n``, ``k``, ``s``, ``c_in``, ...) with the
words that explain it. Applying a rule to a layer gives a ``Step``: the rule with the layer's fixed
choices put in (no bias, no dilation, ...), the bindings of the remaining local symbols to this
layer's values, and the value. The summary reads ``Step.value``; the derivation prints all three; the
checker compares answers with the same expressions. Nothing else restates a formula.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import cast

import sympy as sp


def local_symbols(names: str) -> tuple[sp.Symbol, ...]:
    """Symbols of a rule. Non-negative (padding may be 0) so they never equal a model symbol,
    which is positive, and a rule's ``k`` cannot capture a user's ``k``."""
    return sp.symbols(names, integer=True, nonnegative=True, seq=True)


@cache
def numbered_symbols(prefix: str, count: int) -> tuple[sp.Symbol, ...]:
    """n_1, ..., n_count: the symbols of a rule over any number of axes or inputs."""
    return local_symbols(" ".join(f"{prefix}_{i}" for i in range(1, count + 1)))


@dataclass(frozen=True)
class Mistake:
    """A common wrong version of a rule: another formula over the same local symbols.

    ``id`` is a contract (the checker's JSON field ``mistake``); ``feedback`` tells the student what
    went wrong in plain words. A mistake is one of:

    - ``replaces``: the rule itself with some symbols replaced (``{b: 0}``: the biases left out;
      ``{s: 1}``: the stride ignored). The wrong formula is built from the rule, never retyped, and the
      checker can make two such mistakes together (the union of their replacements).
    - ``expr``: the wrong formula, for a mistake that is no replacement (a + 1 left out, a floor missing).
    - ``substitute`` with ``alternatives``: the rule (or ``expr``) with one symbol given each of the
      wrong values that the checker finds under that name in the model (``"channels"``: the channel
      counts of the image and of the other layers; ``"features"``: the last axis of the input and of
      every layer's output; ``"sequence"``, ``"flattened"``, ``"one_direction"``, ``"input_axes"``: see
      ``calc.check_sources``). ``feedback`` may use ``{value}``, ``{source}`` and ``{actual}``, and every
      mistake's feedback the step's values by symbol name (``{k_h}``).
    - ``catch_all``: any other answer for what this step computes is this mistake (a pooling layer has
      no parameters, so every non-zero count is one mistake).
    """

    id: str
    expr: sp.Expr | None
    feedback: str
    substitute: sp.Symbol | None = None
    alternatives: str = ""
    catch_all: bool = False
    replaces: Mapping[sp.Symbol, sp.Expr | int] = field(default_factory=dict, hash=False)
    #: False for a rarer mistake that the checker diagnoses alone but never as one of two made together
    #: (each such mistake doubles the chance that a pair fits some unrelated answer)
    pairs: bool = True

    def __post_init__(self) -> None:
        if self.replaces:
            if self.expr is not None:
                raise ValueError(f"mistake {self.id!r}: give expr or replaces, not both")
            object.__setattr__(self, "replaces", _values(self.replaces))

    def sentence(self, words: Mapping[str, str]) -> str:
        """The feedback with its ``{name}`` fields filled in (the step's values by symbol name, and a
        substitution's ``value``, ``source`` and ``actual``); a field without a value stays as written."""
        return self.feedback.format_map(_Words(words))

    def formula(self, rule: Rule) -> sp.Expr:
        """The wrong formula: ``expr``, or the rule with the replacements made (or the rule itself, for a
        substitution, whose wrong values come from the model)."""
        if self.expr is not None:
            return self.expr
        return rule.expr.xreplace(self.replaces) if self.replaces else rule.expr


class _Words(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def bias_mistakes(bias: sp.Symbol, weights: sp.Expr, one: str, count: str) -> tuple[Mistake, Mistake]:
    """``forgot_bias`` and ``bias_per_weight`` for a rule of the form (weights + bias) · count, with one
    bias for each of the ``count`` filters or units (``one``), each holding ``weights`` weights:
    the rule with the bias taken as 0, or as one per weight."""
    forgot = Mistake(
        "forgot_bias",
        None,
        f"You left out the biases: each of the {count} {one}s also has one bias, which adds {count} parameters.",
        replaces={bias: 0},
    )
    per_weight = Mistake(
        "bias_per_weight",
        None,
        f"There is one bias per {one}, not one per weight: the {count} {one}s add {count} biases in all.",
        replaces={bias: bias * weights},
    )
    return forgot, per_weight


def shared_bias_mistakes(
    bias: sp.Symbol, count: sp.Symbol, one: str, name: str, inputs: sp.Symbol | None = None
) -> tuple[Mistake, ...]:
    """Bias mistakes of a rule of the form (... + bias) · count beyond ``bias_mistakes``: one bias for the
    whole layer, every bias counted twice, and (for a convolution) one bias per input channel."""
    found = [
        Mistake(
            "one_bias_per_layer",
            None,
            f"Each of the {name} = {{{name}}} {one}s has a bias of its own, so the biases add {name} = {{{name}}}, "
            "not 1.",
            replaces={bias: bias / count},
            pairs=False,
        ),
        Mistake(
            "bias_counted_twice",
            None,
            f"There is one bias per {one}: the biases add {name} = {{{name}}} once, not twice.",
            replaces={bias: 2 * bias},
            pairs=False,
        ),
    ]
    if inputs is not None:
        found.append(
            Mistake(
                "bias_from_input_channels",
                None,
                f"There is one bias per {one} (output channel), {name} = {{{name}}} of them, not one per input "
                "channel (c_in = {c_in}).",
                replaces={bias: bias * inputs / count},
                pairs=False,
            )
        )
    return tuple(found)


class Rule:
    """A formula for one quantity, with the symbol it defines, a sentence saying why, and the
    common mistakes made with it.

    ``expr`` and ``mistakes`` may be given as functions that build them: sympy spends milliseconds on
    the first floor, ceiling or Max it meets, so rules of that kind (and mistake catalogues, which only
    the checker reads) are built on first use rather than when calc is imported.
    """

    __slots__ = ("lhs", "why", "_expr", "_mistakes", "name", "symbols", "keep", "per", "contrast")

    def __init__(
        self,
        lhs: str,
        expr: sp.Expr | Callable[[], sp.Expr],
        why: str = "",
        mistakes: tuple[Mistake, ...] | Callable[[], tuple[Mistake, ...]] = (),
        *,
        name: str = "",
        symbols: Mapping[str, str] | None = None,
        keep: tuple[str, ...] = (),
        per: tuple[str, str] | None = None,
        contrast: str = "",
    ) -> None:
        self.lhs = lhs
        self.why = why
        self._expr = expr
        self._mistakes = mistakes
        #: The rule's title where a worked solution states it ("Output size of a sliding window").
        self.name = name
        #: What each symbol means, where the shared glossary (calc/glossary.py) says something else.
        self.symbols = dict(symbols or {})
        #: Symbols a worked solution writes in even at their do-nothing value (p = 0, s = 1), because
        #: seeing them in place is the point of the exercise.
        self.keep = keep
        #: (symbol, noun): the rule is that symbol times the count of one such thing, and a worked
        #: solution shows the one before the many ("one filter: 5·5·3 + 1 = 76; 8 filters: 608").
        self.per = per
        #: Where Keras and PyTorch answer differently with this rule, in one or two sentences.
        self.contrast = contrast

    @property
    def expr(self) -> sp.Expr:
        if _is_builder(self._expr):
            self._expr = self._expr()
        return self._expr

    @property
    def mistakes(self) -> tuple[Mistake, ...]:
        if _is_builder(self._mistakes):
            self._mistakes = tuple(cast(Callable[[], tuple[Mistake, ...]], self._mistakes)())
        return cast(tuple[Mistake, ...], self._mistakes)

    def __repr__(self) -> str:
        return f"Rule({self.lhs!r}, {self.expr})"


def _is_builder(value: object) -> bool:
    """A function still to be called (a sympy Symbol is callable too, but it is already a value)."""
    return callable(value) and not isinstance(value, sp.Basic)


@dataclass
class Step:
    """One line of a derivation: formula, numbers in place of symbols, value."""

    title: str
    lhs: str
    formula: sp.Expr
    bindings: dict[sp.Symbol, sp.Expr]
    value: sp.Expr
    why: str = ""
    rule: Rule | None = field(default=None, repr=False)
    #: Every local symbol's value, the fixed choices included: what a mistake's formula is evaluated with.
    given: dict[sp.Symbol, sp.Expr] = field(default_factory=dict, repr=False)
    #: For an output-size step, the positions in the layer's output shape (batch axis left out) it fills.
    axes: tuple[int, ...] = ()
    #: True for a count that is never trained (BatchNormalization's moving mean and variance); the
    #: other parameter steps count as trainable unless the whole layer is frozen.
    non_trainable: bool = False
    #: The configuration constants put into the formula (bias 1, groups 1, padding 0): a worked solution
    #: writes some of them back in (``Rule.keep``) to show the general rule being applied.
    fixed: dict[sp.Symbol, sp.Expr] = field(default_factory=dict, repr=False)
    #: How many times the value enters the layer's count: 1 for most steps; 2 for a Bidirectional's forward
    #: layer, whose backward copy has weights of the same size; 0 for a step that adds up the others (an
    #: attention layer's total over its projections), so its mistakes are made in the layer's count as a whole.
    counts: sp.Expr | int = 1
    #: What the checker works out from the step and reads again (its mistakes' values, the words of their
    #: feedback): every question on a model judges with the same steps, so each is worked out once.
    memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def is_trivial(self) -> bool:
        """True when the formula is already a plain value (nothing to work out)."""
        return not self.formula.free_symbols


def apply(
    rule: Rule,
    title: str,
    bindings: Mapping[sp.Symbol, sp.Expr],
    fixed: Mapping[sp.Symbol, sp.Expr] | None = None,
    why: str | None = None,
) -> Step:
    """Apply ``rule`` to one layer.

    ``fixed`` holds configuration constants (bias 1 or 0, groups 1, dilation 1, padding 0) which are
    put into the formula itself, so the formula shown is the one this layer actually uses;
    ``bindings`` holds the layer's values, shown as numbers in place of the remaining symbols.
    ``why`` replaces the rule's sentence where the fixed choices make a simpler one true.
    """
    formula, free = _fixed_formula(rule, tuple(fixed.items()) if fixed else ())
    used = {sym: val for sym, val in bindings.items() if sym in free}
    value = _put_in(formula, used)
    return Step(
        title=title,
        lhs=rule.lhs,
        formula=formula,
        bindings=used,
        value=value,
        why=rule.why if why is None else why,
        rule=rule,
        given={**bindings, **(fixed or {})},
        fixed=dict(fixed or {}),
    )


#: How many rules-with-fixed-choices and values ``apply`` keeps: a model has a few dozen kinds of layer, each in a
#: few configurations, so these hold every distinct one of a real model; a model of 100,000 distinct layers
#: only misses.
KEPT = 4096


@lru_cache(maxsize=KEPT)
def _fixed_formula(rule: Rule, fixed: tuple[tuple[sp.Symbol, sp.Expr], ...]) -> tuple[sp.Expr, frozenset]:
    """The rule with a layer's fixed choices put in, and its free symbols: worked out once per rule and
    configuration, not once per layer (10,000 Dense layers share one)."""
    formula = rule.expr.xreplace(dict(fixed)) if fixed else rule.expr
    return formula, frozenset(formula.free_symbols)


def _put_in(formula: sp.Expr, used: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """The formula with the layer's values put in; identical layers share the work (sympy objects are
    immutable, so a value computed once serves every layer with the same formula and values)."""
    if all(isinstance(value, sp.Basic) for value in used.values()):  # a plain int would compare equal to sympy's
        return _put_in_kept(formula, tuple(used.items()))
    return formula.xreplace(dict(used))


@lru_cache(maxsize=KEPT)
def _put_in_kept(formula: sp.Expr, used: tuple[tuple[sp.Symbol, sp.Expr], ...]) -> sp.Expr:
    return formula.xreplace(dict(used))


def note(title: str, value: sp.Expr, why: str, mistakes: tuple[Mistake, ...] = ()) -> Step:
    """A step with nothing to compute, such as 'pooling has no parameters' (and how it is got wrong)."""
    value = sp.Integer(value)
    rule = Rule(lhs="", expr=value, why=why, mistakes=mistakes)
    return Step(title=title, lhs="", formula=value, bindings={}, value=value, why=why, rule=rule)


def mistake_value(step: Step, mistake: Mistake, override: Mapping[sp.Symbol, sp.Expr] | None = None) -> sp.Expr | None:
    """The value that ``mistake`` gives in this step, with ``override`` changing some of the step's
    values (a wrong c_in); None when the mistake's formula needs a value the step does not have."""
    if step.rule is None or mistake.catch_all:
        return None
    key = ("mistake", mistake, tuple(override.items()) if override else ())
    if key not in step.memo:
        step.memo[key] = _evaluate(mistake.formula(step.rule), step, override)
    return step.memo[key]


def replaced_value(step: Step, replaces: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr | None:
    """The value of the step's rule with ``replaces`` made (mistakes made together); None as for
    ``mistake_value``."""
    if step.rule is None:
        return None
    key = ("replaced", tuple(replaces.items()))
    if key not in step.memo:
        step.memo[key] = _evaluate(step.rule.expr.xreplace(dict(replaces)), step)
    return step.memo[key]


def _evaluate(expr: sp.Expr, step: Step, override: Mapping[sp.Symbol, sp.Expr] | None = None) -> sp.Expr | None:
    given = {**step.given, **(override or {})}
    value = expr.xreplace(given)
    if value.free_symbols & given.keys():  # a fixed choice that names another local symbol (r = u)
        value = value.xreplace(given)
    return None if value.free_symbols & expr.free_symbols else value


def _values(replaces: Mapping[sp.Symbol, sp.Expr | int]) -> dict[sp.Symbol, sp.Expr]:
    """Replacements with whole numbers as sympy integers (``{b: 0}`` is easier to read than ``sp.Integer(0)``)."""
    return {sym: sp.Integer(value) if isinstance(value, int) else value for sym, value in replaces.items()}


def together(
    first: Mapping[sp.Symbol, sp.Expr], second: Mapping[sp.Symbol, sp.Expr]
) -> dict[sp.Symbol, sp.Expr] | None:
    """The replacements of two mistakes made at once, or None when they replace one symbol differently.

    Each mistake's replacement values get the other's replacements too: one bias per weight
    (``b -> b k c_in``) with the input channels left out (``c_in -> 1``) is one bias per weight of
    the smaller kernel, ``b -> b k``.
    """
    first, second = _values(first), _values(second)
    shared = first.keys() & second.keys()
    if any(first[sym] != second[sym] for sym in shared):
        return None
    only_first = {sym: value for sym, value in first.items() if sym not in shared}
    only_second = {sym: value for sym, value in second.items() if sym not in shared}
    merged = {sym: value.xreplace(only_second) for sym, value in first.items()}
    merged.update({sym: value.xreplace(only_first) for sym, value in only_second.items()})
    return merged
