"""Sliding-window arithmetic shared by convolution and pooling: the output-size rules, stated once.

Explicit padding p (PyTorch's integer padding; Keras ``valid`` is p = 0):
    n_out = floor((n + 2p - d(k - 1) - 1) / s) + 1
Keras ``same`` (and ``causal`` for Conv1D) pads so that only the stride shrinks the axis:
    n_out = ceil(n / s)
PyTorch pooling with ``ceil_mode`` rounds the count up, then drops a last window that would start in
the right padding (at n + p or beyond). Window starts lie s apart from the padded edge, and only
ceil((n + p)/s) of them fall below n + p, so the rule is a minimum of two counts:
    n_out = min(ceil((n + 2p - d(k - 1) - 1) / s) + 1, ceil((n + p) / s))
(PyTorch's own code subtracts one when (m - 1)s >= n + p for the rounded-up m; with its limit
p <= k/2 at most one window is ever dropped, so the two agree.)
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

import sympy as sp

from calc.errors import CalcError, quote
from calc.layers.base import AXIS_NAMES, Env, check_output_size, to_tuple
from calc.rules import Mistake, Rule, Step, apply, local_symbols

n, k, p, s, d = local_symbols("n k p s d")


def _travel() -> sp.Expr:
    """How many strides the window can move over the padded axis, before rounding: stated once, and
    rounded down (the rule), up (PyTorch's ceil_mode) or not at all (the forgot_floor mistake)."""
    return (n + 2 * p - d * (k - 1) - 1) / s


# The rules' own floors and ceilings are built unevaluated: over symbols sympy's evaluation only looks for whole
# parts to take out (there are none), and the first such look costs ~20 ms of start-up. The same expression results.
def _sliding() -> sp.Expr:
    return sp.floor(_travel(), evaluate=False) + 1


def _rounded_up() -> sp.Expr:
    """The count of window positions with the division rounded up (PyTorch's ceil_mode)."""
    return sp.ceiling(_travel(), evaluate=False) + 1


def _strides() -> sp.Expr:
    """'same' padding: how many strides fit in the axis, before rounding up."""
    return n / s


def same_padding(
    size: sp.Expr = n, kernel: sp.Expr = k, stride: sp.Expr = s, dilation: sp.Expr = d, evaluate: bool = True
) -> tuple[sp.Expr, sp.Expr]:
    """The zeros 'same' padding puts before the first value and after the last: all that the ceil(n/s) windows
    need, the smaller half before (Keras and TensorFlow; PyTorch's padding='same', stride 1, splits them alike).
    Stated once for the receptive field (the zeros before) and PyTorch's padding_mode check (the larger side).
    ``evaluate=False`` keeps the Max in a rule's formula, where a worked solution shows it."""
    windows = sp.ceiling(_strides().xreplace({n: size, s: stride}))
    total = sp.Max((windows - 1) * stride + dilation * (kernel - 1) + 1 - size, 0, evaluate=evaluate)
    before = sp.floor(total / 2)
    return before, total - before


def _starts() -> sp.Expr:
    """How many windows start inside the input or its left padding, s apart."""
    return sp.ceiling((n + p) / s)


#: Padding counted on one side only: the same mistake with the floor rule and with ceil_mode, stated once.
PADDING_NOT_DOUBLED = Mistake(
    "padding_not_doubled",
    None,
    "Padding p adds p zeros on each side of the axis, so the padded length is n + 2p, not n + p.",
    replaces={p: p / 2},
)

# The rules are built on first use (see Rule): floor and ceiling cost sympy milliseconds the first time.
EXPLICIT_PADDING: Rule = Rule(
    lhs="n_{out}",
    expr=_sliding,
    name="Output size of a sliding window",
    keep=("p", "s"),
    why="The window covers d(k - 1) + 1 positions; it fits (n + 2p - d(k - 1) - 1)/s + 1 times "
    "when it moves s positions at a time over the padded axis, counting only whole windows.",
    mistakes=lambda: (
        Mistake(
            "forgot_plus_one",
            EXPLICIT_PADDING.expr - 1,
            "You left out the + 1: the window's first position counts too, so the number of positions is "
            "the distance the window can travel divided by the stride, plus one.",
        ),
        PADDING_NOT_DOUBLED,
        Mistake(
            "ignored_stride",
            None,
            "The window moves s positions at a time, so the distance it can travel is divided by the stride "
            "(and rounded down) before adding one.",
            replaces={s: 1},
        ),
        Mistake(
            "forgot_floor",
            _travel() + 1,
            "A size is a whole number: a window that would hang over the edge is not counted, so the "
            "division by the stride is rounded down before adding one.",
        ),
        Mistake(
            "wrong_padding_mode",
            SAME_PADDING.expr,
            "That is the rule for 'same' padding, where only the stride shrinks the axis; this layer does not "
            "pad that way, so every window must fit inside the (padded) input.",
        ),
        Mistake(
            "ignored_padding",
            None,
            "The padding adds p = {p} zeros on each side before the window slides: the padded length is "
            "n + 2p = {n} + 2·{p}.",
            replaces={p: 0},
        ),
        Mistake(
            "padding_counted_twice",
            None,
            "p is already the padding on each side (CS231n's P; d2l.ai's p counts both sides together): the "
            "padded length is n + 2p = {n} + 2·{p}, not n + 4p.",
            replaces={p: 2 * p},
        ),
        Mistake(
            "rounded_wrong_way",
            _rounded_up(),
            "The division by the stride is rounded down: a last window that would hang over the edge is not "
            "counted (rounding up is PyTorch's ceil_mode, Caffe's pooling convention).",
        ),
        Mistake(
            "ignored_dilation",
            None,
            "With dilation d the window spans d(k - 1) + 1 = {d}·({k} - 1) + 1 positions, not k.",
            replaces={d: 1},
        ),
    ),
)
SAME_PADDING: Rule = Rule(
    lhs="n_{out}",
    expr=lambda: sp.ceiling(_strides(), evaluate=False),
    name="Output size with 'same' padding",
    keep=("s",),
    contrast="Keras pads a 'same' layer with stride s so that n/s, rounded up, positions remain, putting "
    "the odd zero on the right; PyTorch's padding='same' is allowed only with stride 1, and a PyTorch layer "
    "with stride 2 gives explicit padding, so its size follows the sliding-window rule instead.",
    why="'same' padding adds just enough zeros that every stride position gives an output, "
    "so only the stride shrinks the axis: n/s, rounded up.",
    mistakes=lambda: (
        Mistake(
            "wrong_padding_mode",
            EXPLICIT_PADDING.expr.xreplace({p: 0}),
            "That is the rule for 'valid' padding (none); with 'same' padding zeros are added so that the "
            "window never shrinks the axis, only the stride does: n/s rounded up.",
        ),
        Mistake(
            "ignored_stride",
            None,
            "'same' padding keeps the size only when the stride is 1; the window moves s positions at a time, "
            "so the axis becomes n/s, rounded up.",
            replaces={s: 1},
        ),
        Mistake(
            "forgot_floor",
            _strides(),
            "A size is a whole number: with 'same' padding, n/s is rounded up.",
        ),
        Mistake(
            "rounded_wrong_way",
            sp.floor(_strides()),
            "With 'same' padding n/s is rounded up, not down: a last stride that reaches past the end still "
            "gives an output, read partly from the padding.",
        ),
    ),
)

CEIL_MODE: Rule = Rule(
    lhs="n_{out}",
    name="Output size of PyTorch pooling with ceil_mode",
    keep=("p", "s"),
    contrast="Keras has no ceil_mode: its pooling always rounds down, so the same window can give one "
    "position more in PyTorch.",
    expr=lambda: sp.Min(_rounded_up(), _starts(), evaluate=False),
    why="With ceil_mode PyTorch rounds the count of window positions up, so a last window that runs past "
    "the end of the padded input still counts; but every window must start inside the input or its left "
    "padding, below position n + p, where only (n + p)/s starts, rounded up, fall. Keras has no "
    "ceil_mode: its pooling always rounds down.",
    mistakes=lambda: (
        Mistake(
            "rounded_wrong_way",
            _sliding(),
            "This layer has ceil_mode=True: the count of window positions is rounded up, so a last window "
            "that runs past the end of the padded input still counts.",
        ),
        Mistake(
            "ceil_mode_last_window",
            _rounded_up(),
            "Rounding up is right with ceil_mode, but PyTorch drops a last window that would start in the right "
            "padding (at n + p or beyond): only ⌈(n + p)/s⌉ = ⌈({n} + {p})/{s}⌉ windows start in time.",
        ),
        Mistake(
            "forgot_plus_one",
            CEIL_MODE.expr - 1,
            "You left out the + 1: the window's first position counts too.",
        ),
        PADDING_NOT_DOUBLED,
        Mistake(
            "ignored_stride",
            None,
            "The window moves s positions at a time, so the distance it can travel is divided by the stride.",
            replaces={s: 1},
        ),
    ),
)
CEIL_MODE_KEPT_WHY = (
    "With ceil_mode PyTorch rounds the count of window positions up, so a last window that runs past the "
    "end of the padded input still counts; here every window starts inside the input or its left padding. "
    "(Keras has no ceil_mode: its pooling always rounds down.)"
)
CEIL_MODE_DROPPED_WHY = (
    "With ceil_mode PyTorch rounds the count of window positions up, but a last window that would start "
    "in the right padding (at position n + p or beyond) is dropped: the windows start s apart, so only "
    "(n + p)/s of them, rounded up, start in time. (Keras has no ceil_mode: its pooling always rounds down.)"
)

PADDING_WORDS = ("valid", "same")


# Padding words of other frameworks or ranks: refused by name rather than read as a symbol.
OTHER_PADDING_WORDS = ("full", "causal", "reflect", "replicate", "circular", "zeros", "symmetric", "constant")


def parse_padding(value: Any, rank: int, *, causal: bool = False) -> str | tuple[sp.Expr, ...]:
    """'valid', 'same' (or 'causal' for Conv1D), or explicit padding per axis: a number, a symbol such
    as ``p`` or an expression, or a tuple of them (PyTorch's integer padding)."""
    words = (*PADDING_WORDS, "causal") if causal else PADDING_WORDS
    if isinstance(value, str) and value.lower() in words:
        return value.lower()
    if isinstance(value, str) and value.isalpha():
        near = difflib.get_close_matches(value.lower(), words, n=1)
        if near or value.lower() in OTHER_PADDING_WORDS:
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise CalcError(f"padding must be one of {', '.join(words)} or a number of zeros, got {quote(value)}{hint}")
    return to_tuple(value, rank, "padding")


def window_shape(
    spatial: Sequence[sp.Expr],
    kernel: Sequence[sp.Expr],
    strides: Sequence[sp.Expr],
    padding: str | Sequence[sp.Expr],
    dilation: Sequence[sp.Expr],
    env: Env,
    window: str,
    ceil_mode: bool = False,
    *,
    first_axis: int = 0,
) -> tuple[list[sp.Expr], list[Step]]:
    """Output sizes along the spatial axes, and one derivation step per distinct axis.

    ``ceil_mode`` (PyTorch pooling, explicit padding only) rounds up instead of down. ``first_axis`` is
    where the spatial axes start in the output shape (1 when channels come first), so that each step
    knows the axes it fills (the checker replaces them when it tries a mistake).
    """
    names = AXIS_NAMES[len(spatial)]
    sizes: list[sp.Expr] = []
    steps: list[Step] = []
    for axis, size in enumerate(spatial):
        name = names[axis]
        kk = env.positive(kernel[axis], f"{window} size")
        ss = env.positive(strides[axis], "strides")
        dd = env.positive(dilation[axis], "dilation_rate")
        if padding in ("same", "causal"):
            step = apply(SAME_PADDING, "", {n: size, s: ss, k: kk, d: dd}, fixed=neutral(s=ss))
        else:
            pp = sp.Integer(0) if padding == "valid" else env.non_negative(padding[axis], "padding")
            fixed = neutral(p=pp, s=ss, d=dd)
            bindings = {n: size, k: kk, p: pp, s: ss, d: dd}
            step = _ceil_mode_step(bindings, fixed) if ceil_mode else apply(EXPLICIT_PADDING, "", bindings, fixed=fixed)
            span = dd * (kk - 1) + 1
            check_output_size(
                step.value,
                f"output {name}",
                (f"the {window} (", span, " positions) is larger than the padded input (", size + 2 * pp, ")"),
                env,
            )
        sizes.append(step.value)
        step.axes = (first_axis + axis,)
        merge_step(steps, step, name)
    return sizes, steps


def _ceil_mode_step(bindings: dict[sp.Symbol, sp.Expr], fixed: dict[sp.Symbol, sp.Expr]) -> Step:
    """The ceil_mode rule; where this layer's numbers decide which count is the smaller, the step shows
    that one (as ``fixed`` shows only the terms that apply): the rounded-up count, or the starts."""
    step = apply(CEIL_MODE, "", bindings, fixed=fixed)
    rounded, starts = _rounded_up().xreplace(fixed), _starts().xreplace(fixed)
    difference = (rounded - starts).xreplace(step.bindings)
    if difference.is_number:
        dropped = difference > 0
        branch = starts if dropped else rounded
        step.formula = branch
        step.bindings = {sym: val for sym, val in step.bindings.items() if sym in branch.free_symbols}
        step.why = CEIL_MODE_DROPPED_WHY if dropped else CEIL_MODE_KEPT_WHY
    return step


def neutral(**values: sp.Expr) -> dict[sp.Symbol, sp.Expr]:
    """Settings at their do-nothing value (padding 0, stride 1, dilation 1) go into the formula."""
    symbols = {"p": (p, 0), "s": (s, 1), "d": (d, 1)}
    return {symbols[key][0]: value for key, value in values.items() if value == symbols[key][1]}


def merge_step(steps: list[Step], step: Step, axis: str) -> None:
    """Axes with the same arithmetic share one step ('Output height and width')."""
    for previous in steps:
        if previous.formula == step.formula and previous.bindings == step.bindings:
            previous.title = previous.title.replace(" and ", ", ") + f" and {axis}"
            previous.axes += step.axes
            return
    step.title = f"Output {axis}"
    steps.append(step)
