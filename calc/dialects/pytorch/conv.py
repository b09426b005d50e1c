"""torch.nn.Conv1d/2d/3d and ConvTranspose1d/2d/3d: channels-first convolutions with PyTorch's arguments.

The arithmetic is Keras's: output sizes from the sliding-window rules of ``calc.layers.window``
(integer padding, or 'same'/'valid') and the transposed rule of ``calc.layers.conv_transpose``
(PyTorch's explicit padding and output_padding), parameters and MACs from the convolution rules of
``calc.layers.conv``, the receptive field from ``calc.layers.receptive``. What is PyTorch's own: the
layer names its ``in_channels`` (checked against the input, as PyTorch does when the tensor arrives),
'same' is allowed only with stride 1, ``padding_mode`` other than 'zeros' pads by copying the input,
which needs the input to be long enough, and a transposed convolution takes ``groups`` and integer
padding only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import sympy as sp

from calc.dialects.pytorch.base import TorchLayer, check_divides, check_matches, exact_choice, no_words, torch_shape
from calc.errors import CalcError
from calc.layers.base import (
    AXIS_NAMES,
    Description,
    Env,
    LayerResult,
    Shape,
    Value,
    fmt,
    to_bool,
    to_expr,
    to_tuple,
)
from calc.layers.conv import KERNEL_SYMBOLS, PARAMS, b, c_in, conv_macs, f, filter_channels, g
from calc.layers.conv_transpose import INPUT_SYMBOLS, TRANSPOSED_MACS, transposed_shape
from calc.layers.layout import CHANNELS_FIRST
from calc.layers.receptive import Field, FieldChange, sliding_window_field
from calc.layers.window import parse_padding, same_padding, window_shape
from calc.rules import Step, apply

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class ConvNd(TorchLayer):
    """A convolution over ``rank`` spatial axes, input (C_in, *spatial)."""

    data_format = CHANNELS_FIRST

    rank: ClassVar[int]

    def __init__(
        self,
        in_channels: Value,
        out_channels: Value,
        kernel_size: Value | tuple[Value, ...],
        stride: Value | tuple[Value, ...] = 1,
        padding: Any = 0,
        dilation: Value | tuple[Value, ...] = 1,
        groups: Value = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        **options: Any,
    ):
        super().__init__(**options)
        self.in_channels = to_expr(in_channels, "in_channels")
        self.out_channels = to_expr(out_channels, "out_channels")
        self.kernel_size = to_tuple(kernel_size, self.rank, "kernel_size")
        self.stride = to_tuple(stride, self.rank, "stride")
        if isinstance(padding, str) and padding.strip().lower() in ("same", "valid"):
            exact_choice(padding, ("same", "valid"), "padding")  # PyTorch refuses 'SAME'; Keras takes it
        self.padding = parse_padding(padding, self.rank)
        self.dilation = to_tuple(dilation, self.rank, "dilation")
        self.groups = to_expr(groups, "groups")
        self.bias = to_bool(bias, "bias")
        self.padding_mode = exact_choice(padding_mode, PADDING_MODES, "padding_mode")

    def accepted_ranks(self) -> tuple[int, int | None]:
        return self.rank + 1, self.rank + 1

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        channels, spatial = shape[0], list(shape[1:])
        in_channels = env.positive(self.in_channels, "in_channels")
        out_channels = env.positive(self.out_channels, "out_channels")
        groups = env.positive(self.groups, "groups")
        kernel = [env.positive(x, "kernel_size") for x in self.kernel_size]
        stride = [env.positive(x, "stride") for x in self.stride]
        dilation = [env.positive(x, "dilation") for x in self.dilation]
        check_divides(groups, in_channels, "in_channels")
        check_divides(groups, out_channels, "out_channels")
        check_matches(in_channels, channels, "in_channels", f"the input {torch_shape(shape)} has {{}} channels", env)
        if self.padding == "same" and any(s.is_Integer and s > 1 for s in stride):
            raise CalcError(
                "padding='same' is not supported for strided convolutions (PyTorch allows it with stride 1)"
            )
        self._check_padding_mode(spatial, kernel, dilation, env)
        sizes, shape_steps = window_shape(spatial, kernel, stride, self.padding, dilation, env, "kernel", first_axis=1)
        bindings = {c_in: in_channels, f: out_channels, g: groups, **dict(zip(KERNEL_SYMBOLS[self.rank], kernel))}
        fixed = {b: sp.Integer(int(self.bias))}
        if groups == 1:
            fixed[g] = sp.Integer(1)
        step = apply(PARAMS[self.rank], "Parameters", bindings, fixed)
        return LayerResult(
            shape_notes=[filter_channels(out_channels)],
            output_shape=(out_channels, *sizes),
            trainable=step.value,
            non_trainable=sp.Integer(0),
            shape_steps=shape_steps,
            param_steps=[step],
            description=[out_channels, " filters of size ", tuple(kernel), *self._settings(stride, dilation, env)],
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        kernel = [env.resolve(x) for x in self.kernel_size]
        groups = env.resolve(self.groups)
        return conv_macs(result.output_shape[1:], shapes[0][0], env.resolve(self.out_channels), groups, kernel)

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        return sliding_window_field(
            fields[0],
            shapes[0],
            len(result.output_shape),
            True,
            [env.resolve(x) for x in self.kernel_size],
            [env.resolve(x) for x in self.stride],
            [env.resolve(x) for x in self.dilation],
            self.padding if isinstance(self.padding, str) else [env.resolve(x) for x in self.padding],
            AXIS_NAMES[self.rank],
        )

    def _check_padding_mode(self, spatial: list[sp.Expr], kernel: list, dilation: list, env: Env) -> None:
        """'reflect' mirrors the input, so each side's padding must be shorter than the axis; 'circular'
        wraps around at most once. ('same' pads d(k - 1) in all, the larger half on the right.)"""
        if self.padding_mode in ("zeros", "replicate") or self.padding == "valid":
            return
        for axis, size in enumerate(spatial):
            if self.padding == "same":
                pad = same_padding(size, kernel[axis], sp.Integer(1), dilation[axis])[1]
            else:
                pad = env.resolve(self.padding[axis])
            too_much = pad >= size if self.padding_mode == "reflect" else pad > size
            if too_much is sp.true:
                limit = "smaller than" if self.padding_mode == "reflect" else "at most"
                raise CalcError(
                    f"padding_mode '{self.padding_mode}' needs padding {limit} the input size, "
                    f"got padding {fmt(pad)} on an axis of {fmt(size)}"
                )

    def _settings(self, stride: list, dilation: list, env: Env) -> Description:
        parts: Description = [", stride ", tuple(stride)]
        if isinstance(self.padding, str):
            parts.append(f", padding='{self.padding}'")
        else:
            parts += [", padding ", tuple(env.resolve(x) for x in self.padding)]
        if self.padding_mode != "zeros":
            parts.append(f" ({self.padding_mode}, which changes values, not sizes)")
        if any(x != 1 for x in dilation):
            parts += [", dilation ", tuple(dilation)]
        if self.groups != 1:
            parts += [", ", env.resolve(self.groups), " groups"]
        parts.append("" if self.bias else ", no bias")
        return parts


TRANSPOSED_PARAMS_WHY = (
    "PyTorch stores the weight as in_channels x out_channels/groups x kernel: one weight for every kernel "
    "position, input channel and output channel of its group, plus one bias per output channel; the same "
    "count as the ordinary convolution it reverses."
)


class ConvTransposeNd(TorchLayer):
    """A transposed convolution over ``rank`` spatial axes, input (C_in, *spatial)."""

    data_format = CHANNELS_FIRST

    rank: ClassVar[int]

    def __init__(
        self,
        in_channels: Value,
        out_channels: Value,
        kernel_size: Value | tuple[Value, ...],
        stride: Value | tuple[Value, ...] = 1,
        padding: Value | tuple[Value, ...] = 0,
        output_padding: Value | tuple[Value, ...] = 0,
        groups: Value = 1,
        bias: bool = True,
        dilation: Value | tuple[Value, ...] = 1,
        padding_mode: str = "zeros",
        **options: Any,
    ):
        super().__init__(**options)
        self.in_channels = to_expr(in_channels, "in_channels")
        self.out_channels = to_expr(out_channels, "out_channels")
        self.kernel_size = to_tuple(kernel_size, self.rank, "kernel_size")
        self.stride = to_tuple(stride, self.rank, "stride")
        self.padding = to_tuple(no_words(padding, "padding", ("same", "valid")), self.rank, "padding")
        self.output_padding = to_tuple(output_padding, self.rank, "output_padding")
        self.groups = to_expr(groups, "groups")
        self.bias = to_bool(bias, "bias")
        self.dilation = to_tuple(dilation, self.rank, "dilation")
        if exact_choice(padding_mode, PADDING_MODES, "padding_mode") != "zeros":
            raise CalcError(f"only padding_mode 'zeros' is supported for {self.type_name}, as in PyTorch")

    def accepted_ranks(self) -> tuple[int, int | None]:
        return self.rank + 1, self.rank + 1

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        channels, spatial = shape[0], list(shape[1:])
        in_channels = env.positive(self.in_channels, "in_channels")
        out_channels = env.positive(self.out_channels, "out_channels")
        groups = env.positive(self.groups, "groups")
        kernel = tuple(env.positive(x, "kernel_size") for x in self.kernel_size)
        stride = tuple(env.positive(x, "stride") for x in self.stride)
        dilation = tuple(env.positive(x, "dilation") for x in self.dilation)
        output_padding = tuple(env.non_negative(x, "output_padding") for x in self.output_padding)
        check_divides(groups, in_channels, "in_channels")
        check_divides(groups, out_channels, "out_channels")
        check_matches(in_channels, channels, "in_channels", f"the input {torch_shape(shape)} has {{}} channels", env)
        for op, st, dil in zip(output_padding, stride, dilation):
            if (op >= sp.Max(st, dil)) is sp.true:
                raise CalcError(
                    f"output_padding ({fmt(op)}) must be smaller than either stride ({fmt(st)}) "
                    f"or dilation ({fmt(dil)})"
                )
        sizes, shape_steps = transposed_shape(
            spatial, kernel, stride, self.padding, output_padding, dilation, env, first_axis=1
        )
        bindings = {c_in: in_channels, f: out_channels, g: groups, **dict(zip(KERNEL_SYMBOLS[self.rank], kernel))}
        fixed = {b: sp.Integer(int(self.bias))}
        if groups == 1:
            fixed[g] = sp.Integer(1)
        step = apply(PARAMS[self.rank], "Parameters", bindings, fixed, why=TRANSPOSED_PARAMS_WHY)
        description: Description = [out_channels, " filters of size ", kernel, ", stride ", stride]
        description += [", padding ", tuple(env.resolve(x) for x in self.padding)]
        if any(x != 0 for x in output_padding):
            description += [", output padding ", output_padding]
        if any(x != 1 for x in dilation):
            description += [", dilation ", dilation]
        if groups != 1:
            description += [", ", groups, " groups"]
        description.append("" if self.bias else ", no bias")
        return LayerResult(
            shape_notes=[filter_channels(out_channels)],
            output_shape=(out_channels, *sizes),
            trainable=step.value,
            non_trainable=sp.Integer(0),
            shape_steps=shape_steps,
            param_steps=[step],
            description=description,
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        """Keras's transposed-convolution MACs rule: each input position meets every kernel entry, c_in x f/g."""
        channels, *inputs = shapes[0]
        groups = env.resolve(self.groups)
        kernel = [env.resolve(x) for x in self.kernel_size]
        bindings = {
            c_in: channels,
            f: env.resolve(self.out_channels) / groups,
            **dict(zip(KERNEL_SYMBOLS[self.rank], kernel)),
        }
        bindings.update(zip(INPUT_SYMBOLS[self.rank], inputs))
        return apply(TRANSPOSED_MACS[self.rank], "MACs", bindings)


class Conv1d(ConvNd):
    rank = 1


class Conv2d(ConvNd):
    rank = 2


class Conv3d(ConvNd):
    rank = 3


class ConvTranspose1d(ConvTransposeNd):
    rank = 1


class ConvTranspose2d(ConvTransposeNd):
    rank = 2


class ConvTranspose3d(ConvTransposeNd):
    rank = 3
