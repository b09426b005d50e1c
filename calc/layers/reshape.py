"""Reshaping layers: Flatten. The product of the axes, stated once per rank."""

from __future__ import annotations

from functools import cache
from math import prod
from typing import Any

import sympy as sp

from calc.layers.base import Env, Layer, LayerResult, Shape, to_choice
from calc.rules import Rule, apply, note, numbered_symbols

NO_PARAMETERS = "Reshaping moves values around; it has no weights."


@cache
def flatten_rule(rank: int) -> Rule:
    """n = n_1 n_2 ... n_r: the flat vector holds every value of the incoming tensor."""
    return Rule(
        lhs="n",
        expr=prod(numbered_symbols("n", rank)),
        why="Flattening lines up all values of the incoming tensor in one vector.",
    )


class Flatten(Layer):
    """Keras Flatten: all non-batch axes into one."""

    def __init__(self, data_format: str | None = None, **options: Any):
        super().__init__(**options)
        self.data_format = to_choice(data_format or "channels_last", ("channels_last", "channels_first"), "data_format")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        rule = flatten_rule(len(shape))
        step = apply(rule, "Output size", dict(zip(numbered_symbols("n", len(shape)), shape)))
        return LayerResult(
            output_shape=(step.value,),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            shape_steps=[step] if len(shape) > 1 else [],
            param_steps=[note("Parameters", 0, NO_PARAMETERS)],
            description=["all ", len(shape), " axes into one"],
        )
