"""Activation layers: ReLU, LeakyReLU, ELU, Softmax (no weights) and PReLU, which learns its slopes.

PReLU learns one negative-side slope α per input value, except along ``shared_axes``, where one slope
serves the whole axis (sharing over the spatial axes of an image leaves one slope per channel):
    params = n_1 n_2 ... n_r    with n_i = 1 for each shared axis i
"""

from __future__ import annotations

from functools import cache
from math import prod
from typing import Any

import sympy as sp

from calc.errors import CalcError, quote
from calc.layers.base import Env, Layer, LayerResult, Shape
from calc.layers.core import PassThrough
from calc.rules import Rule, apply, numbered_symbols


def _number(value: Any, what: str, *, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CalcError(f"{what} must be a number, got {quote(value)}")
    if minimum is not None and value < minimum:
        raise CalcError(f"{what} cannot be negative, got {quote(value)}")
    return value


class ReLU(PassThrough):
    """Keras ReLU: max(x, 0), optionally capped at max_value, with a slope below the threshold."""

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0, **options):
        super().__init__(**options)
        self.max_value = None if max_value is None else _number(max_value, "max_value", minimum=0)
        self.negative_slope = _number(negative_slope, "negative_slope", minimum=0)
        self.threshold = _number(threshold, "threshold", minimum=0)

    def describe(self) -> list:
        cap = "" if self.max_value is None else f", capped at {self.max_value:g}"
        return [f"max(x, 0) on each value{cap}"]


class LeakyReLU(PassThrough):
    """Keras LeakyReLU: x above 0, negative_slope * x below (``alpha`` is Keras's old name for it)."""

    def __init__(self, negative_slope: float = 0.3, alpha: float | None = None, **options: Any):
        super().__init__(**options)
        self.negative_slope = _number(negative_slope if alpha is None else alpha, "negative_slope", minimum=0)

    def describe(self) -> list:
        return [f"x above 0 and {self.negative_slope:g} x below, on each value"]


class ELU(PassThrough):
    """Keras ELU: x above 0, alpha (exp(x) - 1) below."""

    def __init__(self, alpha: float = 1.0, **options: Any):
        super().__init__(**options)
        self.alpha = _number(alpha, "alpha")

    def describe(self) -> list:
        return [f"x above 0 and {self.alpha:g}(exp(x) - 1) below, on each value"]


class Softmax(PassThrough):
    """Keras Softmax along ``axis``: positive values summing to 1. Like Keras, the axis is not checked
    against the input here, since the layer has no weights that depend on it."""

    def __init__(self, axis: int | list[int] = -1, **options: Any):
        super().__init__(**options)
        axes = axis if isinstance(axis, (list, tuple)) else [axis]
        if not axes or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
            raise CalcError(f"axis must be an axis number or a list of them, got {quote(axis)}")
        self.axis = axis

    def describe(self) -> list:
        return ["softmax along the last axis" if self.axis == -1 else f"softmax along axis {self.axis}"]


@cache
def prelu_rule(rank: int) -> Rule:
    """P = n_1 ... n_r: one slope per value of an example."""
    return Rule(
        lhs="P",
        expr=prod(numbered_symbols("n", rank)),
        why="PReLU learns one slope for the negative side of every value of an example; along a shared "
        "axis one slope serves the whole axis, which counts as size 1.",
    )


class PReLU(Layer):
    """Keras PReLU: x above 0, a learned α x below."""

    no_macs = (
        "PReLU multiplies each negative value by its learned slope, value by value: an element-wise product, "
        "not a weighted sum, so 0 MACs (as fvcore counts activations)."
    )
    field_effect = "keeps"

    neutral_options = frozenset({"alpha_initializer", "alpha_regularizer", "alpha_constraint"})

    def __init__(self, shared_axes: int | list[int] | None = None, **options: Any):
        super().__init__(**options)
        axes = [] if shared_axes is None else shared_axes if isinstance(shared_axes, (list, tuple)) else [shared_axes]
        if not all(isinstance(a, int) and not isinstance(a, bool) and a >= 1 for a in axes):
            raise CalcError(
                f"shared_axes must list axis numbers from 1 (axis 0 is the batch axis), got {quote(shared_axes)}"
            )
        self.shared_axes = tuple(axes)

    def build(self, shape: Shape, env: Env) -> LayerResult:
        rank = len(shape)
        for axis in self.shared_axes:
            if axis > rank:
                raise CalcError(f"shared_axes {axis} is out of range for an input of {rank} axes besides the batch")
        symbols = numbered_symbols("n", rank)
        shared = {symbols[axis - 1]: sp.Integer(1) for axis in self.shared_axes}
        step = apply(prelu_rule(rank), "Parameters", dict(zip(symbols, shape)), shared)
        description: list = ["x above 0 and a learned slope times x below"]
        if self.shared_axes:
            description.append(f", one slope shared along axes {', '.join(map(str, sorted(set(self.shared_axes))))}")
        return LayerResult(
            output_shape=shape,
            trainable=step.value,
            non_trainable=sp.Integer(0),
            param_steps=[step],
            description=description,
        )
