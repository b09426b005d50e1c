"""Sliding-window arithmetic shared by convolution and pooling: the output-size rules, stated once.

Explicit padding p (PyTorch's integer padding; Keras ``valid`` is p = 0):
    n_out = floor((n + 2p - d(k - 1) - 1) / s) + 1
Keras ``same`` (and ``causal`` for Conv1D) pads so that only the stride shrinks the axis:
    n_out = ceil(n / s)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from calc.errors import CalcError
from calc.layers.base import AXIS_NAMES, Env, check_output_size, fmt, to_tuple
from calc.rules import Mistake, Rule, Step, apply, local_symbols

n, k, p, s, d = local_symbols("n k p s d")

SLIDING = sp.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1
# The transposed convolution's rule, the sliding window run backwards. Here it is the mistake of
# applying it to an ordinary window; a transposed-convolution layer can take it as its own rule.
TRANSPOSED = (n - 1) * s - 2 * p + d * (k - 1) + 1

EXPLICIT_PADDING = Rule(
    lhs="n_{out}",
    expr=SLIDING,
    why="The window covers d(k - 1) + 1 positions; it fits (n + 2p - d(k - 1) - 1)/s + 1 times "
    "when it moves s positions at a time over the padded axis, counting only whole windows.",
    mistakes=(
        Mistake(
            "forgot_plus_one",
            SLIDING - 1,
            "You left out the + 1: the window's first position counts too, so the number of positions is "
            "the distance the window can travel divided by the stride, plus one.",
        ),
        Mistake(
            "padding_not_doubled",
            SLIDING.xreplace({p: p / 2}),
            "Padding p adds p zeros on each side of the axis, so the padded length is n + 2p, not n + p.",
        ),
        Mistake(
            "ignored_stride",
            SLIDING.xreplace({s: 1}),
            "The window moves s positions at a time, so the distance it can travel is divided by the stride "
            "(and rounded down) before adding one.",
        ),
        Mistake(
            "forgot_floor",
            (n + 2 * p - d * (k - 1) - 1) / s + 1,
            "A size is a whole number: a window that would hang over the edge is not counted, so the "
            "division by the stride is rounded down before adding one.",
        ),
        Mistake(
            "wrong_padding_mode",
            sp.ceiling(n / s),
            "That is the rule for 'same' padding, where only the stride shrinks the axis; this layer does not "
            "pad that way, so every window must fit inside the (padded) input.",
        ),
        Mistake(
            "transposed_formula_swapped",
            TRANSPOSED,
            "That is the transposed convolution's rule, (n - 1)s - 2p + d(k - 1) + 1, which grows the axis; "
            "this layer slides a window over its input, which shrinks it.",
        ),
    ),
)
SAME_PADDING = Rule(
    lhs="n_{out}",
    expr=sp.ceiling(n / s),
    why="'same' padding adds just enough zeros that every stride position gives an output, "
    "so only the stride shrinks the axis: n/s, rounded up.",
    mistakes=(
        Mistake(
            "wrong_padding_mode",
            SLIDING.xreplace({p: 0}),
            "That is the rule for 'valid' padding (none); with 'same' padding zeros are added so that the "
            "window never shrinks the axis, only the stride does: n/s rounded up.",
        ),
        Mistake(
            "ignored_stride",
            n,
            "'same' padding keeps the size only when the stride is 1; the window moves s positions at a time, "
            "so the axis becomes n/s, rounded up.",
        ),
        Mistake(
            "forgot_floor",
            n / s,
            "A size is a whole number: with 'same' padding, n/s is rounded up.",
        ),
    ),
)

UNPADDED_WHY = (
    "Without padding, a window of k positions fits (n - k)/s + 1 times when it moves s positions "
    "at a time, counting only whole windows."
)
PADDING_WORDS = ("valid", "same")


def parse_padding(value: Any, rank: int, *, causal: bool = False) -> str | tuple[sp.Expr, ...]:
    """'valid', 'same' (or 'causal' for Conv1D), or explicit padding per axis (int or tuple)."""
    words = (*PADDING_WORDS, "causal") if causal else PADDING_WORDS
    if isinstance(value, str) and value.lower() in words:
        return value.lower()
    if isinstance(value, str) and value.isalpha():
        raise CalcError(f"padding must be one of {', '.join(words)} or a number of zeros, got {value!r}")
    return to_tuple(value, rank, "padding")


def window_shape(
    spatial: Sequence[sp.Expr],
    kernel: Sequence[sp.Expr],
    strides: Sequence[sp.Expr],
    padding: str | Sequence[sp.Expr],
    dilation: Sequence[sp.Expr],
    env: Env,
    window: str,
    first_axis: int = 0,
) -> tuple[list[sp.Expr], list[Step]]:
    """Output sizes along the spatial axes, and one derivation step per distinct axis.

    ``first_axis`` is where the spatial axes start in the output shape (1 when channels come first),
    so each step knows which axes it fills.
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
            step = apply(SAME_PADDING, "", {n: size, s: ss, k: kk, d: dd}, fixed=_neutral(s=ss))
        else:
            pp = sp.Integer(0) if padding == "valid" else env.non_negative(padding[axis], "padding")
            fixed = _neutral(p=pp, s=ss, d=dd)
            why = UNPADDED_WHY if p in fixed and d in fixed else None
            step = apply(EXPLICIT_PADDING, "", {n: size, k: kk, p: pp, s: ss, d: dd}, fixed=fixed, why=why)
            span = dd * (kk - 1) + 1
            check_output_size(
                step.value,
                f"output {name}",
                f"the {window} ({fmt(span)} positions) is larger than the padded input ({fmt(size + 2 * pp)})",
            )
        sizes.append(step.value)
        step.axes = (first_axis + axis,)
        _merge(steps, step, name)
    return sizes, steps


def _neutral(**values: sp.Expr) -> dict[sp.Symbol, sp.Expr]:
    """Settings at their do-nothing value (padding 0, stride 1, dilation 1) go into the formula."""
    symbols = {"p": (p, 0), "s": (s, 1), "d": (d, 1)}
    return {symbols[key][0]: value for key, value in values.items() if value == symbols[key][1]}


def _merge(steps: list[Step], step: Step, axis: str) -> None:
    """Axes with the same arithmetic share one step ('Output height and width')."""
    for previous in steps:
        if previous.formula == step.formula and previous.bindings == step.bindings:
            previous.title = previous.title.replace(" and ", ", ") + f" and {axis}"
            previous.axes += step.axes
            return
    step.title = f"Output {axis}"
    steps.append(step)
