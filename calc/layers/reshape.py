"""Reshaping layers: Flatten. The product of the axes, stated once per rank."""

from __future__ import annotations

from functools import cache
from math import prod
from typing import Any

import sympy as sp

from calc.layers.base import Env, Layer, LayerResult, Shape, to_choice
from calc.rules import Mistake, Rule, apply, local_symbols, note

NO_PARAMETERS = "Reshaping moves values around; it has no weights."


def axis_symbols(rank: int) -> tuple[sp.Symbol, ...]:
    return local_symbols(" ".join(f"n_{i}" for i in range(1, rank + 1)))


@cache
def flatten_rule(rank: int) -> Rule:
    """n = n_1 n_2 ... n_r: the flat vector holds every value of the incoming tensor."""
    axes = axis_symbols(rank)
    return Rule(
        lhs="n",
        expr=prod(axes),
        why="Flattening lines up all values of the incoming tensor in one vector.",
        mistakes=(
            Mistake(
                "flatten_product_wrong",
                sp.Mul(*axes[:-1]),
                "The flat vector holds every value, the channels too: multiply all the incoming axes, "
                "the last one included.",
            ),
            Mistake(
                "flatten_product_wrong",
                sp.Add(*axes),
                "Flattening multiplies the sizes of the incoming axes (every combination of positions is one "
                "value); it does not add them.",
            ),
            Mistake(
                "flatten_product_wrong",
                None,
                "The flattened length is the number of values in the incoming tensor: the product of all its axes.",
                catch_all=True,
            ),
        ),
    )


class Flatten(Layer):
    """Keras Flatten: all non-batch axes into one."""

    def __init__(self, data_format: str | None = None, **options: Any):
        super().__init__(**options)
        self.data_format = to_choice(data_format or "channels_last", ("channels_last", "channels_first"), "data_format")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        rule = flatten_rule(len(shape))
        step = apply(rule, "Output size", dict(zip(axis_symbols(len(shape)), shape)))
        step.axes = (0,)
        return LayerResult(
            output_shape=(step.value,),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            shape_steps=[step] if len(shape) > 1 else [],
            param_steps=[note("Parameters", 0, NO_PARAMETERS)],
            description=["all ", len(shape), " axes into one"],
        )
