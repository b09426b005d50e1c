"""Layers that grow or shrink the spatial axes by fixed amounts: ZeroPadding, Cropping and UpSampling
in 1, 2 and 3 dimensions. None has weights; the channel axis passes through.

Per spatial axis:
    ZeroPadding:  n_out = n + p_1 + p_2   (p_1 zeros before the first value, p_2 after the last)
    Cropping:     n_out = n - c_1 - c_2   (c_1 values removed at the start, c_2 at the end; Keras
                                           requires c_1 + c_2 < n)
    UpSampling:   n_out = n u             (each position repeated u times)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import sympy as sp

from calc.errors import CalcError, quote
from calc.layers.base import (
    AXIS_NAMES,
    Env,
    Layer,
    LayerResult,
    Shape,
    Value,
    check_output_size,
    to_expr,
    to_tuple,
)
from calc.layers.layout import (
    CHANNELS_LAST,
    channels_first,
    first_axis,
    join_channels,
    parse_data_format,
    spatial_axes,
    split_channels,
)
from calc.layers.receptive import AxisField, Field, FieldChange, merge_axis_step
from calc.layers.receptive import j as jump_in
from calc.layers.receptive import r as size_in
from calc.layers.receptive import u as start_in
from calc.layers.window import merge_step
from calc.rules import Mistake, Rule, Step, apply, local_symbols, note

n, p_1, p_2, c_1, c_2, u = local_symbols("n p_1 p_2 c_1 c_2 u")

NO_PARAMETERS = "It only moves, adds or removes values; it has no weights."
NO_MACS = (
    "It only moves, adds or removes values (interpolating upsampling weighs neighbours value by value): "
    "0 MACs in calc's count (fvcore counts 1 per output value for nearest upsampling, 4 for bilinear)."
)

PADDED = Rule(
    lhs="n_{out}",
    expr=n + p_1 + p_2,
    why="The axis gains p_1 zeros before its first value and p_2 zeros after its last.",
    mistakes=(
        Mistake(
            "padding_not_doubled",
            None,
            "The zeros go on both sides of the axis: p_1 = {p_1} before and p_2 = {p_2} after, n + p_1 + p_2.",
            replaces={p_2: 0},
        ),
    ),
)
CROPPED = Rule(
    lhs="n_{out}",
    expr=n - c_1 - c_2,
    why="The axis loses c_1 values at its start and c_2 values at its end.",
    mistakes=(
        Mistake(
            "cropped_one_side",
            None,
            "Cropping removes values from both ends of the axis: c_1 = {c_1} at the start and c_2 = {c_2} at the end.",
            replaces={c_2: 0},
        ),
    ),
)
UPSAMPLED = Rule(
    lhs="n_{out}",
    expr=n * u,
    why="Every position along the axis is repeated u times.",
)
# Receptive field (calc.layers.receptive): r, j and start of the incoming units along the axis.
PADDED_START = Rule(
    lhs=r"\mathrm{start}_{out}",
    expr=start_in - p_1 * jump_in,
    why="The first unit is now a zero p_1 units before the old first one, so its centre lies p_1 j positions "
    "of the model's input earlier; the field size and the jump stay.",
)
CROPPED_START = Rule(
    lhs=r"\mathrm{start}_{out}",
    expr=start_in + c_1 * jump_in,
    why="The first c_1 units are gone, so the new first unit's centre lies c_1 j positions further on; the "
    "field size and the jump stay.",
)
UPSAMPLED_JUMP = Rule(
    lhs="j_{out}",
    expr=jump_in / u,
    why="Each unit is repeated u times, so neighbouring outputs are j/u positions of the model's input apart; "
    "a copy sees what its original saw.",
)
INTERPOLATED_FIELD = Rule(
    lhs="r_{out}",
    expr=size_in + jump_in,
    why="Interpolation weighs the two nearest input units, which are j positions of the model's input apart.",
)


def to_pairs(value: Any, rank: int, what: str) -> tuple[tuple[sp.Expr, ...], tuple[sp.Expr, ...]]:
    """Keras's padding/cropping argument as (before, after) amounts per spatial axis.

    An int applies to both ends of every axis; otherwise one entry per axis, each an int (both ends)
    or a pair (before, after). In 1D the argument itself is the int or the pair.
    """
    if rank == 1:
        pair = to_tuple(value, 2, what)
        return (pair[0],), (pair[1],)
    if not isinstance(value, (list, tuple)):
        amount = to_expr(value, what)
        return (amount,) * rank, (amount,) * rank
    if len(value) != rank:
        raise CalcError(f"{what} needs {rank} entries (one per spatial axis), got {len(value)}")
    pairs = [to_tuple(entry, 2, f"each entry of {what}") for entry in value]
    return tuple(pair[0] for pair in pairs), tuple(pair[1] for pair in pairs)


class Resize(Layer):
    """A fixed change of every spatial axis; subclasses give the rule and its bindings per axis."""

    rank: ClassVar[int]
    data_format = CHANNELS_LAST
    no_macs = NO_MACS

    def field_steps(self, axis: int, before: AxisField, env: Env) -> tuple[AxisField, list[Step]]:
        raise NotImplementedError

    def receptive_field(self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env):
        """Each spatial axis's field moved (padding, cropping) or spread (upsampling) by the layer's rule."""
        out = list(fields[0])
        steps: list[Step] = []
        axes = spatial_axes(self.rank, channels_first(self))
        for i, axis in enumerate(axes):
            if out[axis] is None:
                continue
            out[axis], axis_steps = self.field_steps(i, out[axis], env)
            for step in axis_steps:
                merge_axis_step(steps, step, AXIS_NAMES[self.rank][i])
        return FieldChange(tuple(out), steps)

    def accepted_ranks(self) -> tuple[int, int | None]:
        return self.rank + 1, self.rank + 1

    def axis_step(self, axis: int, size: sp.Expr, env: Env) -> Step:
        raise NotImplementedError

    def describe(self, env: Env) -> list:
        raise NotImplementedError

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        spatial, channels = split_channels(shape, self.data_format)
        sizes: list[sp.Expr] = []
        steps: list[Step] = []
        first = first_axis(self)
        for axis, size in enumerate(spatial):
            step = self.axis_step(axis, size, env)
            step.axes = (first + axis,)  # the checker places a wrong size on the axes a step fills
            sizes.append(step.value)
            merge_step(steps, step, AXIS_NAMES[self.rank][axis])
        return LayerResult(
            output_shape=join_channels(sizes, channels, self.data_format),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            shape_steps=steps,
            param_steps=[note("Parameters", 0, NO_PARAMETERS)],
            description=self.describe(env),
        )


def _amounts(before: Sequence[sp.Expr], after: Sequence[sp.Expr], env: Env) -> tuple[tuple, tuple]:
    return tuple(env.resolve(x) for x in before), tuple(env.resolve(x) for x in after)


class ZeroPadding(Resize):
    """Keras ZeroPadding1D/2D/3D: zeros added at both ends of each spatial axis."""

    def __init__(self, padding: Any = 1, data_format: str | None = None, **options: Any):
        super().__init__(**options)
        self.before, self.after = to_pairs(padding, self.rank, "padding")
        self.data_format = parse_data_format(data_format)

    def axis_step(self, axis: int, size: sp.Expr, env: Env) -> Step:
        before = env.non_negative(self.before[axis], "padding")
        after = env.non_negative(self.after[axis], "padding")
        return apply(PADDED, "", {n: size, p_1: before, p_2: after})

    def describe(self, env: Env) -> list:
        before, after = _amounts(self.before, self.after, env)
        return ["zeros added: ", before, " before and ", after, " after"]

    def field_steps(self, axis: int, before: AxisField, env: Env) -> tuple[AxisField, list[Step]]:
        step = apply(
            PADDED_START, "Start", {start_in: before.start, jump_in: before.jump, p_1: env.resolve(self.before[axis])}
        )
        return AxisField(before.size, before.jump, step.value), [step]


class Cropping(Resize):
    """Keras Cropping1D/2D/3D: values removed at both ends of each spatial axis."""

    def __init__(self, cropping: Any = None, **options: Any):
        super().__init__(**options)
        default = 1 if self.rank != 2 else 0  # Keras's defaults: (1, 1), ((0, 0), (0, 0)), ((1, 1),) * 3
        self.before, self.after = to_pairs(default if cropping is None else cropping, self.rank, "cropping")

    def axis_step(self, axis: int, size: sp.Expr, env: Env) -> Step:
        before = env.non_negative(self.before[axis], "cropping")
        after = env.non_negative(self.after[axis], "cropping")
        step = apply(CROPPED, "", {n: size, c_1: before, c_2: after})
        name = AXIS_NAMES[self.rank][axis]
        check_output_size(
            step.value,
            f"output {name}",
            ("cropping ", before + after, f" removes the whole {name} of ", size),
            env,
        )
        return step

    def describe(self, env: Env) -> list:
        before, after = _amounts(self.before, self.after, env)
        return ["removed: ", before, " at the start and ", after, " at the end"]

    def field_steps(self, axis: int, before: AxisField, env: Env) -> tuple[AxisField, list[Step]]:
        step = apply(
            CROPPED_START, "Start", {start_in: before.start, jump_in: before.jump, c_1: env.resolve(self.before[axis])}
        )
        return AxisField(before.size, before.jump, step.value), [step]


class UpSampling(Resize):
    """Keras UpSampling1D/2D/3D: each position repeated ``size`` times along each spatial axis."""

    def __init__(self, size: Value | tuple[Value, ...] = 2, **options: Any):
        super().__init__(**options)
        if self.rank == 1 and isinstance(size, (list, tuple)):
            raise CalcError(f"size must be a single whole number for UpSampling1D, got {quote(size)}")
        self.size = to_tuple(size, self.rank, "size")

    def axis_step(self, axis: int, size: sp.Expr, env: Env) -> Step:
        factor = env.positive(self.size[axis], "size")
        return apply(UPSAMPLED, "", {n: size, u: factor})

    def describe(self, env: Env) -> list:
        return ["each position repeated ", tuple(env.resolve(x) for x in self.size), " times"]

    def field_steps(self, axis: int, before: AxisField, env: Env) -> tuple[AxisField, list[Step]]:
        jump = apply(UPSAMPLED_JUMP, "Jump", {jump_in: before.jump, u: env.resolve(self.size[axis])})
        steps = [jump]
        size = before.size
        if getattr(self, "interpolation", "nearest") != "nearest":
            steps.insert(0, apply(INTERPOLATED_FIELD, "Receptive field", {size_in: before.size, jump_in: before.jump}))
            size = steps[0].value
        return AxisField(size, jump.value, before.start), steps


# Keras's 1D cropping and upsampling take no data_format, so only the 2D/3D classes declare it.


class ZeroPadding1D(ZeroPadding):
    rank = 1


class ZeroPadding2D(ZeroPadding):
    rank = 2


class ZeroPadding3D(ZeroPadding):
    rank = 3


class Cropping1D(Cropping):
    rank = 1


class Cropping2D(Cropping):
    rank = 2

    def __init__(self, cropping: Any = None, data_format: str | None = None, **options: Any):
        super().__init__(cropping, **options)
        self.data_format = parse_data_format(data_format)


class Cropping3D(Cropping):
    rank = 3

    def __init__(self, cropping: Any = None, data_format: str | None = None, **options: Any):
        super().__init__(cropping, **options)
        self.data_format = parse_data_format(data_format)


class UpSampling1D(UpSampling):
    rank = 1


class UpSampling2D(UpSampling):
    rank = 2

    def __init__(
        self,
        size: Value | tuple[Value, ...] = 2,
        data_format: str | None = None,
        interpolation: str = "nearest",
        **options: Any,
    ):
        super().__init__(size, **options)
        self.data_format = parse_data_format(data_format)
        if not isinstance(interpolation, str) or not interpolation.isidentifier():
            raise CalcError(f"interpolation must be a method name such as 'nearest', got {quote(interpolation)}")
        self.interpolation = interpolation  # how values are filled in, never how many


class UpSampling3D(UpSampling):
    rank = 3

    def __init__(self, size: Value | tuple[Value, ...] = 2, data_format: str | None = None, **options: Any):
        super().__init__(size, **options)
        self.data_format = parse_data_format(data_format)
