"""Depthwise and separable convolutions: DepthwiseConv1D/2D, SeparableConv1D/2D.

A depthwise convolution filters every input channel on its own with ``depth_multiplier`` (m) kernels,
so it has c_in m output channels and no weights across channels:
    c_out = c_in m,    params = (k_1 ... k_r + b) c_in m
A separable convolution follows it with a 1 × 1 convolution to f filters (the pointwise step):
    params = k_1 ... k_r c_in m + (c_in m + b) f
MACs per example, with n_1 ... n_r output positions: depthwise n_1 ... n_r c_in m k_1 ... k_r; separable adds
the pointwise step's n_1 ... n_r c_in m f.
Spatial sizes follow the ordinary sliding-window rules of ``window``. Keras, unlike for Conv, allows
strides > 1 together with dilation > 1 here; integer padding is PyTorch's (a Conv2d with groups = c_in).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from math import prod
from typing import Any, ClassVar

import sympy as sp

from calc.layers.base import (
    Description,
    Env,
    Layer,
    LayerResult,
    Shape,
    Value,
    to_bool,
    to_expr,
    to_tuple,
)
from calc.layers.conv import KERNEL_SYMBOLS, OUTPUT_SYMBOLS, pointwise
from calc.layers.conv import MACS as CONV_MACS
from calc.layers.conv import PARAMS as CONV_PARAMS
from calc.layers.layout import first_axis, join_channels, parse_data_format, split_channels
from calc.layers.receptive import Field, FieldChange, keras_window_field
from calc.layers.window import parse_padding, window_shape
from calc.rules import Mistake, Rule, Step, apply, bias_mistakes, local_symbols

c_in, m, f, b, g = local_symbols("c_in m f b g")  # g: the convolution rule's groups, 1 here

OUTPUT_CHANNELS = Rule(
    lhs="c_{out}",
    expr=c_in * m,
    why="Each input channel is filtered on its own by m kernels (the depth multiplier), "
    "and each kernel gives one output channel.",
)
FORGOT_MULTIPLIER = Mistake(
    "forgot_depth_multiplier",
    None,
    "With depth_multiplier m = {m} each input channel has m kernels of its own: c_in·m = {c_in}·{m} of them.",
    replaces={m: 1},
)


def _depthwise_mistakes(kernel: tuple[sp.Symbol, ...]) -> Callable[[], tuple[Mistake, ...]]:
    """The catalogue of the depthwise rule (k_1 ... k_r + b) c_in m, built on first use (see Rule)."""

    def build() -> tuple[Mistake, ...]:
        forgot_bias, bias_per_weight = bias_mistakes(b, prod(kernel), "kernel", "c_in m")
        return (
            forgot_bias,
            bias_per_weight,
            Mistake(
                "depthwise_mixes_channels",
                None,
                "A depthwise kernel reads one input channel only: {c_in} kernels of one channel each, not "
                "kernels that reach through all c_in = {c_in} channels as in Conv2D.",
                replaces={kernel[0]: kernel[0] * c_in},
            ),
            Mistake(
                "forgot_input_channels",
                None,
                "Each of the c_in = {c_in} input channels has its own kernel (m of them), so the count of one "
                "kernel is multiplied by c_in·m.",
                replaces={c_in: 1},
            ),
            FORGOT_MULTIPLIER,
        )

    return build


def _separable_mistakes(kernel: tuple[sp.Symbol, ...]) -> Callable[[], tuple[Mistake, ...]]:
    """The catalogue of the separable rule k c_in m + (c_in m + b) f, built on first use (see Rule)."""

    def build() -> tuple[Mistake, ...]:
        forgot_bias = bias_mistakes(b, c_in * m, "filter", "f")[0]
        no_kernel = {axis: 0 for axis in kernel}
        return (
            forgot_bias,
            Mistake(
                "bias_on_depthwise",
                # both steps with a bias: the depthwise rule as it is, then the pointwise convolution
                DEPTHWISE_PARAMS[len(kernel)].expr + pointwise(CONV_PARAMS, len(kernel), c_in * m),
                "Keras's SeparableConv has one bias per filter, f = {f}, on the pointwise step only; the "
                "depthwise step has no bias.",
            ),
            Mistake(
                "forgot_pointwise",
                None,
                "After the depthwise step a 1 × 1 pointwise convolution maps the c_in·m = {c_in}·{m} channels to "
                "f = {f} filters: (c_in·m + 1)·f more parameters.",
                replaces={f: 0},
            ),
            Mistake(
                "forgot_depthwise",
                None,
                "Before the pointwise step, the depthwise step has one kernel per input channel: k·c_in·m weights.",
                replaces=no_kernel,
            ),
            Mistake(
                "separable_counted_as_conv",
                CONV_PARAMS[len(kernel)].expr.xreplace({g: 1}),
                "That is an ordinary convolution's count. A separable convolution splits it in two: a depthwise "
                "kernel per input channel, then a 1 × 1 pointwise step to the f = {f} filters.",
            ),
            FORGOT_MULTIPLIER,
        )

    return build


#: A depthwise convolution is the convolution rule with one group per input channel (g = c_in) and m filters in
#: each (f = c_in m).
DEPTHWISE = {g: c_in, f: c_in * m}
DEPTHWISE_PARAMS = {
    rank: Rule(
        lhs="P",
        expr=CONV_PARAMS[rank].expr.xreplace(DEPTHWISE),
        why="Each of the c_in m kernels sees a single input channel: one weight per kernel position, "
        "plus one bias per output channel when the layer uses one.",
        mistakes=_depthwise_mistakes(kernel),
    )
    for rank, kernel in KERNEL_SYMBOLS.items()
}
SEPARABLE_PARAMS = {
    rank: Rule(
        lhs="P",
        # the depthwise rule without its bias, then the pointwise (1 × 1) convolution over its c_in m channels
        expr=DEPTHWISE_PARAMS[rank].expr.xreplace({b: 0}) + pointwise(CONV_PARAMS, rank, c_in * m),
        why="The depthwise step has one weight per kernel position for each of its c_in m kernels; the "
        "pointwise 1 × 1 step has a weight from each of those c_in m channels to each of the f filters, "
        "plus one bias per filter when the layer uses one.",
        mistakes=_separable_mistakes(kernel),
    )
    for rank, kernel in KERNEL_SYMBOLS.items()
}
DEPTHWISE_MACS = {
    rank: Rule(
        lhs="M",
        expr=CONV_MACS[rank].expr.xreplace(DEPTHWISE),
        why="At every output position, each of the c_in m kernels sums one product per kernel position of its "
        "single input channel.",
    )
    for rank, kernel in KERNEL_SYMBOLS.items()
}


def _separable_macs(rank: int) -> sp.Expr:
    return sp.factor(DEPTHWISE_MACS[rank].expr + pointwise(CONV_MACS, rank, c_in * m))


SEPARABLE_MACS = {
    rank: Rule(
        lhs="M",
        # the depthwise step's MACs and the pointwise (1 × 1) convolution's, with the shared factor taken out
        expr=partial(_separable_macs, rank),
        why="At every output position, the depthwise step sums one product per kernel position for each of its "
        "c_in m kernels, and the pointwise step sums c_in m products for each of the f filters.",
    )
    for rank in KERNEL_SYMBOLS
}


class SpatialFilter(Layer):
    """What depthwise and separable convolutions share: kernel, strides, padding, depth multiplier."""

    rank: ClassVar[int]
    neutral_options = frozenset(
        {
            "depthwise_regularizer",
            "depthwise_constraint",
            "pointwise_regularizer",
            "pointwise_constraint",
        }
    )

    def __init__(
        self,
        kernel_size: Value | tuple[Value, ...],
        strides: Value | tuple[Value, ...] = 1,
        padding: Any = "valid",
        depth_multiplier: Value = 1,
        data_format: str | None = None,
        dilation_rate: Value | tuple[Value, ...] = 1,
        use_bias: bool = True,
        **options: Any,
    ):
        super().__init__(**options)
        self.kernel_size = to_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = to_tuple(strides, self.rank, "strides")
        self.padding = parse_padding(padding, self.rank)
        self.depth_multiplier = to_expr(depth_multiplier, "depth_multiplier")
        self.data_format = parse_data_format(data_format)
        self.dilation_rate = to_tuple(dilation_rate, self.rank, "dilation_rate")
        self.use_bias = to_bool(use_bias, "use_bias")

    def accepted_ranks(self) -> tuple[int, int | None]:
        return self.rank + 1, self.rank + 1

    def _kernel_bindings(self, env: Env) -> dict[sp.Symbol, sp.Expr]:
        return dict(zip(KERNEL_SYMBOLS[self.rank], (env.resolve(size) for size in self.kernel_size)))

    def _macs(
        self, rules: dict, shapes: Sequence[Shape], result: LayerResult, env: Env, more: dict | None = None
    ) -> Step:
        outputs, _ = split_channels(result.output_shape, self.data_format)
        _, channels = split_channels(shapes[0], self.data_format)
        multiplier = env.resolve(self.depth_multiplier)
        bindings = {c_in: channels, m: multiplier, **self._kernel_bindings(env), **(more or {})}
        bindings.update(zip(OUTPUT_SYMBOLS[self.rank], outputs))
        return apply(rules[self.rank], "MACs", bindings, {m: sp.Integer(1)} if multiplier == 1 else {})

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        return keras_window_field(self, fields, shapes, result, env)

    def _settings(self, env: Env) -> Description:
        parts: Description = [
            "kernel ",
            tuple(env.resolve(x) for x in self.kernel_size),
            ", stride ",
            tuple(env.resolve(x) for x in self.strides),
        ]
        if isinstance(self.padding, str):
            parts.append(f", '{self.padding}' padding")
        else:
            parts += [", padding ", tuple(env.resolve(x) for x in self.padding)]
        if any(x != 1 for x in self.dilation_rate):
            parts += [", dilation ", tuple(env.resolve(x) for x in self.dilation_rate)]
        if self.depth_multiplier != 1:
            parts += [", depth multiplier ", env.resolve(self.depth_multiplier)]
        parts.append("" if self.use_bias else ", no bias")
        return parts


class DepthwiseConv(SpatialFilter):
    """Keras DepthwiseConv1D/2D: m kernels per input channel, no mixing across channels."""

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        spatial, channels = split_channels(shape, self.data_format)
        multiplier = env.positive(self.depth_multiplier, "depth_multiplier")
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
        fixed = {m: sp.Integer(1)} if multiplier == 1 else {}
        channel_step = apply(OUTPUT_CHANNELS, "Output channels", {c_in: channels, m: multiplier}, fixed)
        bindings = {c_in: channels, m: multiplier, **self._kernel_bindings(env)}
        step = apply(DEPTHWISE_PARAMS[self.rank], "Parameters", bindings, {b: sp.Integer(int(self.use_bias)), **fixed})
        return LayerResult(
            output_shape=join_channels(sizes, channel_step.value, self.data_format),
            trainable=step.value,
            non_trainable=sp.Integer(0),
            shape_steps=[*shape_steps, *([channel_step] if multiplier != 1 else [])],
            param_steps=[step],
            description=["each channel filtered on its own, ", *self._settings(env)],
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        return self._macs(DEPTHWISE_MACS, shapes, result, env)


class SeparableConv(SpatialFilter):
    """Keras SeparableConv1D/2D: a depthwise convolution, then a 1 × 1 convolution to ``filters``."""

    def __init__(self, filters: Value, kernel_size: Value | tuple[Value, ...], **options: Any):
        super().__init__(kernel_size, **options)
        self.filters = to_expr(filters, "filters")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        spatial, channels = split_channels(shape, self.data_format)
        multiplier = env.positive(self.depth_multiplier, "depth_multiplier")
        filters = env.positive(self.filters, "filters")
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
        fixed = {b: sp.Integer(int(self.use_bias))}
        if multiplier == 1:
            fixed[m] = sp.Integer(1)
        bindings = {c_in: channels, m: multiplier, f: filters, **self._kernel_bindings(env)}
        step = apply(SEPARABLE_PARAMS[self.rank], "Parameters", bindings, fixed)
        return LayerResult(
            output_shape=join_channels(sizes, filters, self.data_format),
            trainable=step.value,
            non_trainable=sp.Integer(0),
            shape_steps=shape_steps,
            param_steps=[step],
            description=[filters, " filters after a depthwise step, ", *self._settings(env)],
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        return self._macs(SEPARABLE_MACS, shapes, result, env, {f: env.resolve(self.filters)})


class DepthwiseConv1D(DepthwiseConv):
    rank = 1


class DepthwiseConv2D(DepthwiseConv):
    rank = 2


class SeparableConv1D(SeparableConv):
    rank = 1


class SeparableConv2D(SeparableConv):
    rank = 2
