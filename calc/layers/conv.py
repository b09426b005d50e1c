"""Convolutions: Conv1D, Conv2D, Conv3D.

Parameter rule, stated once for every rank: each of the f filters has one weight per kernel
position and input channel of its group, plus a bias when ``use_bias``:
    params = (k_1 ... k_r * c_in / g + b) * f
MACs of one forward pass for one example: at each of the output positions, each filter sums one
product per kernel position and input channel of its group (the bias is an addition, not a MAC):
    macs = n_1 ... n_r * f * k_1 ... k_r * c_in / g
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    spoken,
    to_bool,
    to_expr,
    to_tuple,
)
from calc.layers.layout import first_axis, join_channels, parse_data_format, split_channels
from calc.layers.lora import FROZEN_WHY, lora_update, parse_rank
from calc.layers.receptive import Field, FieldChange, keras_window_field
from calc.layers.window import parse_padding, window_shape
from calc.rules import Mistake, Rule, Step, apply, bias_mistakes, local_symbols, shared_bias_mistakes

c_in, f, g, b = local_symbols("c_in f g b")
KERNEL_SYMBOLS = {1: local_symbols("k"), 2: local_symbols("k_h k_w"), 3: local_symbols("k_d k_h k_w")}


def _params_mistakes(kernel: tuple[sp.Symbol, ...]) -> Callable[[], tuple[Mistake, ...]]:
    """The catalogue of the parameter rule over these kernel symbols, built on first use (see Rule)."""

    def build() -> tuple[Mistake, ...]:
        forgot_bias, bias_per_weight = bias_mistakes(b, prod(kernel) * c_in / g, "filter", "f")
        forgot_input_channels = Mistake(  # c_in/g, the channels each filter reads, taken as 1
            "forgot_input_channels",
            None,
            "Each filter reaches through every input channel: it holds one weight per kernel position "
            "for each of the c_in channels coming in, so the kernel's size is multiplied by c_in.",
            replaces={c_in: g},
        )
        wrong_input_channels = Mistake(
            "wrong_input_channels",
            None,
            "c_in is the number of channels coming into this layer ({actual}), not {value} ({source}).",
            substitute=c_in,
            alternatives="channels",
        )
        one_filter = Mistake(  # the count of one filter, as a worked example often shows first
            "forgot_filters",
            None,
            "That is the count of one filter: the layer has f filters, each with its own weights and bias, "
            "so the count of one filter is multiplied by f.",
            replaces={f: 1},
        )
        kernel_axes = _kernel_axis_mistakes(kernel)
        more_bias = shared_bias_mistakes(b, f, "filter", "f", c_in)
        sequence = Mistake(
            "sequence_length_as_features",
            None,
            "c_in is the number of features at each step ({actual}, the last axis), not the sequence length "
            "({value}): a Conv1D slides along the sequence and reads every feature at each position.",
            substitute=c_in,
            alternatives="sequence",
        )
        return (
            forgot_bias,
            forgot_input_channels,
            wrong_input_channels,
            bias_per_weight,
            one_filter,
            *kernel_axes,
            *more_bias,
            sequence,
        )

    return build


def _kernel_axis_mistakes(kernel: tuple[sp.Symbol, ...]) -> tuple[Mistake, ...]:
    """A 2-D kernel counted along one axis only (k instead of k_h k_w), and a 3-D kernel counted without
    its depth (k_h k_w instead of k_d k_h k_w)."""
    if len(kernel) == 2:
        return (
            Mistake(
                "kernel_one_axis",
                None,
                "A {k_h}×{k_w} kernel has k_h·k_w = {k_h}·{k_w} positions per input channel, not {k_h}.",
                replaces={kernel[1]: 1},
            ),
        )
    if len(kernel) == 3:
        return (
            Mistake(
                "forgot_kernel_depth",
                None,
                "A Conv3D kernel also spans k_d = {k_d} frames in depth: k_d·k_h·k_w = {k_d}·{k_h}·{k_w} "
                "positions per input channel, not k_h·k_w.",
                replaces={kernel[0]: 1},
            ),
        )
    return ()


PARAMS = {
    rank: Rule(
        lhs="P",
        expr=(prod(kernel) * c_in / g + b) * f,
        name="Parameters of a convolution",
        per=("f", "filter"),
        why="Each of the f filters holds one weight for every kernel position and every input channel "
        "of its group (c_in/g of them), plus one bias when the layer uses one.",
        mistakes=_params_mistakes(kernel),
    )
    for rank, kernel in KERNEL_SYMBOLS.items()
}
OUTPUT_SYMBOLS = {1: local_symbols("l_out"), 2: local_symbols("h_out w_out"), 3: local_symbols("d_out h_out w_out")}
MACS = {
    rank: Rule(
        lhs="M",
        expr=prod(OUTPUT_SYMBOLS[rank]) * f * prod(kernel) * c_in / g,
        name="MACs of a convolution",
        why="At every output position, each of the f filters sums one product for every kernel position and "
        "every input channel of its group (c_in/g of them). Adding the bias is an addition, not counted.",
    )
    for rank, kernel in KERNEL_SYMBOLS.items()
}


def filter_channels(filters: sp.Expr) -> list:
    """Why a convolution's output has the channels it has."""
    return ["Each filter gives one output channel, so the output has ", filters, " channels."]


def conv_macs(
    outputs: Sequence[sp.Expr], channels: sp.Expr, filters: sp.Expr, groups: sp.Expr, kernel: Sequence[sp.Expr]
) -> Step:
    """The MACs step of a convolution with these output sizes (per spatial axis) and settings."""
    rank = len(outputs)
    bindings = {
        c_in: channels,
        f: filters,
        g: groups,
        **dict(zip(KERNEL_SYMBOLS[rank], kernel)),
        **dict(zip(OUTPUT_SYMBOLS[rank], outputs)),
    }
    return apply(MACS[rank], "MACs", bindings, {g: sp.Integer(1)} if groups == 1 else {})


def pointwise(rules: dict[int, Rule], rank: int, channels: sp.Expr) -> sp.Expr:
    """A convolution rule (``PARAMS`` or ``MACS``) for a 1 × 1 kernel in one group reading ``channels`` channels:
    the pointwise convolution a separable one ends with."""
    ones = dict.fromkeys(KERNEL_SYMBOLS[rank], sp.Integer(1))
    return rules[rank].expr.xreplace({**ones, g: sp.Integer(1), c_in: channels})


def check_groups(groups: sp.Expr, channels: sp.Expr, filters: sp.Expr, env: Env) -> None:
    """Keras requires groups to divide both the input channels and the filters."""
    for count, what in ((channels, "input channels"), (filters, "filters")):
        message = ("groups=", groups, " does not divide the ", count, f" {what}")
        if groups != 1 and not env.require(count / groups, 1, f"{what} per group", message):
            raise CalcError(spoken(message))


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
        self.data_format = parse_data_format(data_format)
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
        check_groups(groups, channels, filters, env)
        sizes, shape_steps = window_shape(
            spatial,
            self.kernel_size,
            self.strides,
            self.padding,
            self.dilation_rate,
            env,
            "kernel",
            first_axis=first_axis(self),
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
            shape_notes=[filter_channels(filters)],
            output_shape=join_channels(sizes, filters, self.data_format),
            trainable=trainable,
            non_trainable=non_trainable,
            shape_steps=shape_steps,
            param_steps=steps,
            description=description,
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        outputs, _ = split_channels(result.output_shape, self.data_format)
        _, channels = split_channels(shapes[0], self.data_format)
        kernel = [env.resolve(x) for x in self.kernel_size]
        return conv_macs(outputs, channels, env.resolve(self.filters), env.resolve(self.groups), kernel)

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        return keras_window_field(self, fields, shapes, result, env)

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
