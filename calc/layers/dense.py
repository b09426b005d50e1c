"""Dense: a fully connected layer acting on the last axis of any rank.

    params = n_in * n_out + b * n_out
one weight per (input, unit) pair plus one bias per unit when ``use_bias``. With ``lora_rank`` the kernel
is frozen and a low-rank update trained instead (``lora``).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from calc.layers.base import Env, Layer, LayerResult, Shape, Value, to_bool, to_expr
from calc.layers.lora import FROZEN_WHY, lora_update, parse_rank
from calc.rules import Rule, apply, local_symbols

n_in, n_out, b = local_symbols("n_in n_out b")

PARAMS = Rule(
    lhs="P",
    expr=n_in * n_out + b * n_out,
    why="Every one of the n_out units has a weight for each of the n_in inputs, plus one bias per "
    "unit when the layer uses one.",
)


class Dense(Layer):
    """Keras Dense: ``units`` outputs from the last axis; the other axes pass through."""

    min_rank = 1

    def __init__(
        self, units: Value, use_bias: bool = True, lora_rank: Value | None = None, lora_alpha: Any = None, **options
    ):
        super().__init__(**options)
        self.units = to_expr(units, "units")
        self.use_bias = to_bool(use_bias, "use_bias")
        self.lora_rank = parse_rank(lora_rank)  # lora_alpha scales the update's values, not its size

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        units = env.positive(self.units, "units")
        step = apply(PARAMS, "Parameters", {n_in: shape[-1], n_out: units}, fixed={b: sp.Integer(int(self.use_bias))})
        description: list = [units, " units on the last axis of ", shape[-1], " inputs"]
        if not self.use_bias:
            description.append(", no bias")
        trainable, non_trainable, steps = step.value, sp.Integer(0), [step]
        if self.lora_rank is not None:
            update = lora_update(self.lora_rank, shape[-1], units, self.use_bias, env)
            frozen = apply(
                PARAMS, "Non-trainable parameters", {n_in: shape[-1], n_out: units}, {b: sp.Integer(0)}, FROZEN_WHY
            )
            trainable, non_trainable, steps = update.value, frozen.value, [update, frozen]
            description += [", trained through a rank-", env.resolve(self.lora_rank), " update"]
        return LayerResult(
            output_shape=(*shape[:-1], units),
            trainable=trainable,
            non_trainable=non_trainable,
            param_steps=steps,
            description=description,
        )
