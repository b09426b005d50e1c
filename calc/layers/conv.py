"""Convolutions: Conv1D, Conv2D, Conv3D.

Parameter rule, stated once for every rank: each of the f filters has one weight per kernel
position and input channel of its group, plus a bias when ``use_bias``:
    params = (k_1 ... k_r * c_in / g + b) * f
"""

from __future__ import annotations

from math import prod
from typing import Any, ClassVar

import sympy as sp

from calc.errors import CalcError
from calc.layers.base import (
    Description,
    Env,
    Layer,
    LayerResult,
    Shape,
    Value,
    fmt,
    to_bool,
    to_choice,
    to_expr,
    to_tuple,
)
from calc.layers.lora import FROZEN_WHY, lora_update, parse_rank
from calc.layers.window import parse_padding, window_shape
from calc.rules import Rule, apply, local_symbols

c_in, f, g, b = local_symbols("c_in f g b")
KERNEL_SYMBOLS = {1: local_symbols("k"), 2: local_symbols("k_h k_w"), 3: local_symbols("k_d k_h k_w")}

PARAMS = {
    rank: Rule(
        lhs="P",
        expr=(prod(kernel) * c_in / g + b) * f,
        why="Each of the f filters holds one weight for every kernel position and every input channel "
        "of its group (c_in/g of them), plus one bias when the layer uses one.",
    )
    for rank, kernel in KERNEL_SYMBOLS.items()
}


def split_channels(shape: Shape, data_format: str) -> tuple[list[sp.Expr], sp.Expr]:
    """Spatial axes and channel count, for channels-last (Keras's default) or channels-first."""
    if data_format == "channels_first":
        return list(shape[1:]), shape[0]
    return list(shape[:-1]), shape[-1]


def join_channels(spatial: list[sp.Expr], channels: sp.Expr, data_format: str) -> Shape:
    return (channels, *spatial) if data_format == "channels_first" else (*spatial, channels)


def check_groups(groups: sp.Expr, channels: sp.Expr, filters: sp.Expr) -> None:
    """Keras requires groups to divide both the input channels and the filters."""
    for count, what in ((channels, "input channels"), (filters, "filters")):
        if groups.is_Integer and count.is_Integer and count % groups != 0:
            raise CalcError(f"groups={fmt(groups)} does not divide the {fmt(count)} {what}")


class Conv(Layer):
    """A convolution over ``rank`` spatial axes (Keras Conv1D/2D/3D)."""

    rank: ClassVar[int]

    def __init__(
        self,
        filters: Value,
        kernel_size: Value | tuple[Value, ...],
        strides: Value | tuple[Value, ...] = 1,
        padding: Any = "valid",
        data_format: str | None = None,
        dilation_rate: Value | tuple[Value, ...] = 1,
        groups: Value = 1,
        use_bias: bool = True,
        lora_rank: Value | None = None,
        lora_alpha: Any = None,
        **options: Any,
    ):
        super().__init__(**options)
        self.lora_rank = parse_rank(lora_rank)  # lora_alpha scales the update's values, not its size
        self.filters = to_expr(filters, "filters")
        self.kernel_size = to_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = to_tuple(strides, self.rank, "strides")
        self.padding = parse_padding(padding, self.rank, causal=self.rank == 1)
        self.data_format = to_choice(data_format or "channels_last", ("channels_last", "channels_first"), "data_format")
        self.dilation_rate = to_tuple(dilation_rate, self.rank, "dilation_rate")
        self.groups = to_expr(groups, "groups")
        self.use_bias = to_bool(use_bias, "use_bias")
        if isinstance(self.padding, str) and above_one(self.strides) and above_one(self.dilation_rate):
            raise CalcError(
                "Keras does not allow strides > 1 together with dilation_rate > 1 "
                "(give integer padding for PyTorch's rule, which does)"
            )

    def accepted_ranks(self) -> tuple[int, int | None]:
        return self.rank + 1, self.rank + 1

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        spatial, channels = split_channels(shape, self.data_format)
        filters = env.positive(self.filters, "filters")
        groups = env.positive(self.groups, "groups")
        check_groups(groups, channels, filters)
        sizes, shape_steps = window_shape(
            spatial, self.kernel_size, self.strides, self.padding, self.dilation_rate, env, "kernel"
        )
        kernel = [env.resolve(size) for size in self.kernel_size]
        bindings = {c_in: channels, f: filters, g: groups, **dict(zip(KERNEL_SYMBOLS[self.rank], kernel))}
        fixed = {b: sp.Integer(int(self.use_bias))}
        if groups == 1:
            fixed[g] = sp.Integer(1)
        step = apply(PARAMS[self.rank], "Parameters", bindings, fixed)
        trainable, non_trainable, steps = step.value, sp.Integer(0), [step]
        description = [filters, " filters of size ", _by(kernel), *self._settings(env)]
        if self.lora_rank is not None:
            fan_in = sp.Mul(*kernel) * channels / groups  # the kernel's input side, flattened
            update = lora_update(self.lora_rank, fan_in, filters, self.use_bias, env)
            frozen = apply(
                PARAMS[self.rank], "Non-trainable parameters", bindings, {**fixed, b: sp.Integer(0)}, FROZEN_WHY
            )
            trainable, non_trainable, steps = update.value, frozen.value, [update, frozen]
            description += [", trained through a rank-", env.resolve(self.lora_rank), " update"]
        return LayerResult(
            output_shape=join_channels(sizes, filters, self.data_format),
            trainable=trainable,
            non_trainable=non_trainable,
            shape_steps=shape_steps,
            param_steps=steps,
            description=description,
        )

    def _settings(self, env: Env) -> Description:
        parts: Description = [", stride ", _by([env.resolve(x) for x in self.strides])]
        if isinstance(self.padding, str):
            parts.append(f", '{self.padding}' padding")
        else:
            parts += [", padding ", _by([env.resolve(x) for x in self.padding])]
        if any(x != 1 for x in self.dilation_rate):
            parts += [", dilation ", _by([env.resolve(x) for x in self.dilation_rate])]
        if self.groups != 1:
            parts += [", ", env.resolve(self.groups), " groups"]
        parts.append("" if self.use_bias else ", no bias")
        return parts


def above_one(values: tuple[sp.Expr, ...]) -> bool:
    return any(v.is_Integer and v > 1 for v in values)


def _by(values: list[sp.Expr]) -> tuple[sp.Expr, ...]:
    """Sizes per axis, which a description shows as 5 × 5."""
    return tuple(values)


class Conv1D(Conv):
    rank = 1


class Conv2D(Conv):
    rank = 2


class Conv3D(Conv):
    rank = 3
