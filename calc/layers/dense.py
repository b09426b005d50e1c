"""Dense: a fully connected layer acting on the last axis of any rank.

    params = n_in * n_out + b * n_out
one weight per (input, unit) pair plus one bias per unit when ``use_bias``.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from calc.layers.base import Env, Layer, LayerResult, Shape, Value, to_bool, to_expr
from calc.rules import Mistake, Rule, apply, local_symbols

n_in, n_out, b = local_symbols("n_in n_out b")

PARAMS = Rule(
    lhs="P",
    expr=n_in * n_out + b * n_out,
    why="Every one of the n_out units has a weight for each of the n_in inputs, plus one bias per "
    "unit when the layer uses one.",
    mistakes=(
        Mistake(
            "forgot_bias",
            n_in * n_out,
            "You left out the biases: each of the n_out units also has one bias, which adds n_out parameters.",
        ),
        Mistake(
            "bias_per_weight",
            n_in * n_out * (1 + b),
            "There is one bias per unit, not one per weight: the n_out units add n_out biases in all.",
        ),
    ),
)


class Dense(Layer):
    """Keras Dense: ``units`` outputs from the last axis; the other axes pass through."""

    min_rank = 1

    def __init__(self, units: Value, use_bias: bool = True, **options: Any):
        super().__init__(**options)
        self.units = to_expr(units, "units")
        self.use_bias = to_bool(use_bias, "use_bias")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        units = env.positive(self.units, "units")
        step = apply(PARAMS, "Parameters", {n_in: shape[-1], n_out: units}, fixed={b: sp.Integer(int(self.use_bias))})
        description: list = [units, " units on the last axis of ", shape[-1], " inputs"]
        if not self.use_bias:
            description.append(", no bias")
        return LayerResult(
            output_shape=(*shape[:-1], units),
            trainable=step.value,
            non_trainable=sp.Integer(0),
            param_steps=[step],
            description=description,
        )
