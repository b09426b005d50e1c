"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector. None has weights.

The number of values per example is the product of the axes (stated once per rank); Reshape keeps it,
and a -1 in its target shape stands for the one size that does: N / M, with M the product of the
sizes given.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from math import prod
from typing import Any

import sympy as sp

from calc.errors import CalcError, quote
from calc.layers.base import (
    Env,
    Layer,
    LayerResult,
    Shape,
    Value,
    fmt,
    shape_message,
    spoken,
    to_expr,
)
from calc.layers.layout import parse_data_format
from calc.layers.receptive import Field, FieldChange
from calc.rules import Mistake, Rule, apply, local_symbols, note, numbered_symbols

NO_PARAMETERS = "Reshaping moves values around; it has no weights."
NO_MACS = "Reshaping moves values around and computes nothing: 0 MACs."
NO_AXES_LEFT = (
    "Each value still comes from the field of its position, but no axis is left to slide a window along, so "
    "the receptive field ends here."
)


@cache
def flatten_rule(rank: int) -> Rule:
    """n = n_1 n_2 ... n_r: the flat vector holds every value of the incoming tensor."""
    axes = numbered_symbols("n", rank)
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
    """Keras Flatten: all non-batch axes into one, which ends the receptive field (no axis is left to
    slide a window along)."""

    no_macs = NO_MACS

    def __init__(self, data_format: str | None = None, **options: Any):
        super().__init__(**options)
        self.data_format = parse_data_format(data_format)

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        return FieldChange((None,), [], NO_AXES_LEFT)

    def build(self, shape: Shape, env: Env) -> LayerResult:
        rule = flatten_rule(len(shape))
        step = apply(rule, "Output size", dict(zip(numbered_symbols("n", len(shape)), shape)))
        step.axes = (0,)
        return LayerResult(
            output_shape=(step.value,),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            shape_steps=[step] if len(shape) > 1 else [],
            param_steps=[note("Parameters", 0, NO_PARAMETERS)],
            description=["all ", len(shape), " axes into one"],
        )


N, M = local_symbols("N M")

MISSING_AXIS = Rule(
    lhs="n",
    expr=N / M,
    why="Reshaping keeps all N values of an example, so the axis given as -1 is what is left after "
    "the sizes given, whose product is M.",
)


def _values_step(shape: Shape):
    """N = n_1 n_2 ... n_r, the number of values per example."""
    why = "An example holds the product of its axes' sizes in values."
    step = apply(
        flatten_rule(len(shape)), "Values per example", dict(zip(numbered_symbols("n", len(shape)), shape)), why=why
    )
    step.lhs = "N"  # the flattened size, named as the reshape rule below names it
    return step


class Reshape(Layer):
    """Keras Reshape: the same values in a new shape; at most one size may be -1 (inferred). The new axes
    are not the old ones, so the receptive field ends."""

    no_macs = NO_MACS

    def __init__(self, target_shape: list[Value], **options: Any):
        super().__init__(**options)
        if not isinstance(target_shape, (list, tuple)) or not target_shape:
            raise CalcError(f"target_shape must be a list of sizes such as [4, -1], got {quote(target_shape)}")
        if len(target_shape) > 8:
            raise CalcError(f"target_shape has {len(target_shape)} axes; at most 8 are supported")
        self.target_shape = tuple(to_expr(size, "target_shape") for size in target_shape)
        if sum(size == -1 for size in self.target_shape) > 1:
            raise CalcError("target_shape may give at most one size as -1")
        for size in self.target_shape:
            if size != -1 and size.is_number and not (size.is_Integer and size > 0):
                raise CalcError(f"target_shape sizes must be positive whole numbers or -1, got {fmt(size)}")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        target = [size if size == -1 else env.positive(size, "target_shape") for size in self.target_shape]
        values = _values_step(shape)
        given = sp.Mul(*(size for size in target if size != -1))
        steps = [values] if len(shape) > 1 else []
        if -1 in target:
            step = apply(MISSING_AXIS, "Axis given as -1", {N: values.value, M: given})
            missing = step.value
            message = (
                "the ", values.value, " values of shape ", *shape_message(shape),
                " do not divide into sizes whose product is ", given,
            )  # fmt: skip
            if missing.is_number and not missing.is_Integer:
                raise CalcError(spoken(message))
            if missing.free_symbols:
                env.require(missing, 1, "the axis given as -1", message)
            steps.append(step)
            target = [missing if size == -1 else size for size in target]
        else:
            message = (
                "target_shape ", *shape_message(tuple(target)), " holds ", given, " values, but shape ",
                *shape_message(shape), " has ", values.value,
            )  # fmt: skip
            difference = values.value - given
            if difference.is_zero is False:
                raise CalcError(spoken(message))
            if difference.free_symbols:  # recorded for sweeps and the page: the two counts must agree
                env.require(difference, 0, "values of the input minus values of target_shape", message)
                env.require(-difference, 0, "values of target_shape minus values of the input", message)
        return LayerResult(
            output_shape=tuple(target),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            shape_steps=steps,
            param_steps=[note("Parameters", 0, NO_PARAMETERS)],
            description=["the same values in shape ", tuple(target)],
        )


class Permute(Layer):
    """Keras Permute: reorders the axes; ``dims`` numbers them from 1 (the batch axis stays first)."""

    no_macs = NO_MACS

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        return FieldChange(tuple(fields[0][d - 1] for d in self.dims), [], "The axes keep their fields, reordered.")

    def __init__(self, dims: list[int], **options: Any):
        super().__init__(**options)
        if (
            not isinstance(dims, (list, tuple))
            or not all(isinstance(d, int) and not isinstance(d, bool) for d in dims)
            or sorted(dims) != list(range(1, len(dims) + 1))
        ):
            raise CalcError(f"dims must list the axes 1, 2, ... each once, in their new order, got {quote(dims)}")
        self.dims = tuple(dims)

    def accepted_ranks(self) -> tuple[int, int | None]:
        return len(self.dims), len(self.dims)

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        return LayerResult(
            output_shape=tuple(shape[d - 1] for d in self.dims),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            param_steps=[note("Parameters", 0, NO_PARAMETERS)],
            description=[f"axes reordered as ({', '.join(str(d) for d in self.dims)})"],
        )


class RepeatVector(Layer):
    """Keras RepeatVector: a vector of d values becomes n rows of it, shape (n, d)."""

    no_macs = NO_MACS

    min_rank = max_rank = 1

    def __init__(self, n: Value, **options: Any):
        super().__init__(**options)
        self.n = to_expr(n, "n")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        times = env.positive(self.n, "n")
        return LayerResult(
            output_shape=(times, shape[0]),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            param_steps=[note("Parameters", 0, NO_PARAMETERS)],
            description=["the vector repeated ", times, " times"],
        )
