"""torch.nn max, average and adaptive pooling, 1d/2d/3d, channels-first. None has parameters.

Windowed pooling uses the sliding-window rules of ``calc.layers.window``; with ``ceil_mode`` the
count of window positions is rounded up, and a last window that would start in the right padding is
dropped (window.CEIL_MODE). PyTorch refuses padding larger than half the window (padding <= k/2,
the kernel without dilation), and AvgPool3d refuses an unpadded input smaller than the window.
Adaptive pooling chooses its windows to give the requested output size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import sympy as sp

from calc.dialects.pytorch.base import TorchLayer, no_words
from calc.errors import CalcError
from calc.layers.base import AXIS_NAMES, Env, LayerResult, Shape, Value, fmt, to_bool, to_expr, to_tuple
from calc.layers.layout import CHANNELS_FIRST
from calc.layers.pooling import GLOBAL_NO_MACS, MISTAKES, NO_MACS, NO_PARAMETERS
from calc.layers.receptive import Field, FieldChange, sliding_window_field
from calc.layers.window import window_shape
from calc.rules import note

PADDING_WORDS = ("same", "valid")


class PoolNd(TorchLayer):
    """Max or average pooling over ``rank`` spatial axes, input (C, *spatial)."""

    data_format = CHANNELS_FIRST

    neutral = frozenset()
    no_macs = NO_MACS
    rank: ClassVar[int]
    operation: ClassVar[str]
    #: PyTorch's AvgPool3d (alone) checks the unpadded input against the window.
    checks_unpadded: ClassVar[bool] = False

    def _setup(self, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool) -> None:
        self.kernel_size = to_tuple(kernel_size, self.rank, "kernel_size")
        self.stride = self.kernel_size if stride is None else to_tuple(stride, self.rank, "stride")
        self.padding = to_tuple(no_words(padding, "padding", PADDING_WORDS), self.rank, "padding")
        self.dilation = to_tuple(dilation, self.rank, "dilation")
        self.ceil_mode = to_bool(ceil_mode, "ceil_mode")

    def accepted_ranks(self) -> tuple[int, int | None]:
        return self.rank + 1, self.rank + 1

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        channels, spatial = shape[0], list(shape[1:])
        kernel = [env.positive(x, "kernel_size") for x in self.kernel_size]
        stride = [env.positive(x, "stride") for x in self.stride]
        padding = [env.non_negative(x, "padding") for x in self.padding]
        dilation = [env.positive(x, "dilation") for x in self.dilation]
        for k, p in zip(kernel, padding):
            if (p > k / 2) is sp.true:
                raise CalcError(
                    f"padding {fmt(p)} is more than half the pool window {fmt(k)} "
                    "(PyTorch requires padding <= kernel_size / 2)"
                )
        if self.checks_unpadded:
            for name, n, k in zip(AXIS_NAMES[self.rank], spatial, kernel):
                if (n < k) is sp.true:
                    raise CalcError(
                        f"input {name} {fmt(n)} is smaller than the pool window {fmt(k)} "
                        f"({self.type_name} checks the input before padding)"
                    )
        sizes, steps = window_shape(
            spatial, kernel, stride, padding, dilation, env, "pool window", ceil_mode=self.ceil_mode, first_axis=1
        )
        description: list = [f"{self.operation} of each ", tuple(kernel), " window, stride ", tuple(stride)]
        if any(p != 0 for p in padding):
            description += [", padding ", tuple(padding)]
        if any(d != 1 for d in dilation):
            description += [", dilation ", tuple(dilation)]
        if self.ceil_mode:
            description.append(", ceil_mode")
        description += self.notes()
        return LayerResult(
            output_shape=(channels, *sizes),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            shape_steps=steps,
            param_steps=[note("Parameters", 0, NO_PARAMETERS, MISTAKES)],
            description=description,
        )

    def notes(self) -> list[str]:
        return []

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
            [env.resolve(x) for x in self.padding],
            AXIS_NAMES[self.rank],
        )


class MaxPoolNd(PoolNd):
    operation = "maximum"

    def __init__(
        self,
        kernel_size: Value | tuple[Value, ...],
        stride: Value | tuple[Value, ...] | None = None,
        padding: Value | tuple[Value, ...] = 0,
        dilation: Value | tuple[Value, ...] = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
        **options: Any,
    ):
        super().__init__(**options)
        self._setup(kernel_size, stride, padding, dilation, ceil_mode)
        self.return_indices = to_bool(return_indices, "return_indices")


class AvgPoolNd(PoolNd):
    operation = "average"

    def __init__(
        self,
        kernel_size: Value | tuple[Value, ...],
        stride: Value | tuple[Value, ...] | None = None,
        padding: Value | tuple[Value, ...] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        **options: Any,
    ):
        super().__init__(**options)
        self._setup(kernel_size, stride, padding, 1, ceil_mode)
        self.count_include_pad = to_bool(count_include_pad, "count_include_pad")
        self.divisor_override: sp.Expr | None = None

    def notes(self) -> list[str]:
        if self.divisor_override is not None:
            return ["; divisor_override changes the values, not the shape"]
        if not self.count_include_pad:
            return ["; count_include_pad=False changes the values, not the shape"]
        return []


class AvgPoolWithDivisor(AvgPoolNd):
    """AvgPool2d and AvgPool3d also take ``divisor_override`` (AvgPool1d does not)."""

    def __init__(self, kernel_size: Any, divisor_override: Value | None = None, **options: Any):
        super().__init__(kernel_size, **options)
        if divisor_override is not None:
            self.divisor_override = to_expr(divisor_override, "divisor_override")
            if self.divisor_override == 0:
                raise CalcError("divisor_override must not be zero")


class AdaptivePoolNd(TorchLayer):
    """Adaptive pooling: the output size is given (an entry None keeps that axis's size).

    Receptive field: an axis kept at its size passes through; an axis of n pooled to m with m dividing n
    is ordinary pooling with windows of n/m; to 1 it is global pooling, which ends the field; other
    sizes give windows of different sizes, which calc does not follow (the axis has no field after it).
    """

    data_format = CHANNELS_FIRST

    neutral = frozenset()
    no_macs = GLOBAL_NO_MACS
    rank: ClassVar[int]
    operation: ClassVar[str]

    def __init__(self, output_size: Any, **options: Any):
        super().__init__(**options)
        sizes = output_size if isinstance(output_size, (list, tuple)) else [output_size] * self.rank
        if len(sizes) != self.rank:
            raise CalcError(f"output_size needs {self.rank} value{'s' if self.rank > 1 else ''}, got {len(sizes)}")
        self.output_size = tuple(None if x is None else to_expr(x, "output_size") for x in sizes)

    def accepted_ranks(self) -> tuple[int, int | None]:
        return self.rank + 1, self.rank + 1

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        channels, spatial = shape[0], shape[1:]
        sizes = tuple(n if x is None else env.positive(x, "output_size") for n, x in zip(spatial, self.output_size))
        return LayerResult(
            output_shape=(channels, *sizes),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            param_steps=[note("Parameters", 0, NO_PARAMETERS, MISTAKES)],
            description=[
                f"{self.operation} over windows chosen to give an output of ",
                sizes,
                " per channel, whatever the input size (None in output_size keeps that axis)",
            ],
        )

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        incoming, spatial, out = fields[0], shapes[0][1:], result.output_shape[1:]
        field: list = [None, *incoming[1:]]
        steps: list = []
        words = "The output has the input's size, so each output reads one position: the field passes through."
        for axis, (n, m) in enumerate(zip(spatial, out), start=1):
            if incoming[axis] is None or n == m:
                continue
            window = n / m
            if m == 1 or not window.is_Integer:
                field[axis], words = None, ADAPTIVE_WORDS
                continue
            one, name = (sp.Integer(1),), (AXIS_NAMES[self.rank][axis - 1],)
            change = sliding_window_field(
                (None, incoming[axis]), (None, n), 2, True, (window,), (window,), one, (sp.Integer(0),), name
            )
            field[axis] = change.field[1]
            steps += change.steps
        return FieldChange(tuple(field), steps, "" if steps and words != ADAPTIVE_WORDS else words)


ADAPTIVE_WORDS = (
    "Each output reads a whole region of its axis whose size depends on the position (or the whole axis), "
    "so calc ends the receptive field here unless the windows are equal."
)


class AdaptiveMaxPoolNd(AdaptivePoolNd):
    operation = "maximum"

    def __init__(self, output_size: Any, return_indices: bool = False, **options: Any):
        super().__init__(output_size, **options)
        self.return_indices = to_bool(return_indices, "return_indices")


class AdaptiveAvgPoolNd(AdaptivePoolNd):
    operation = "average"


class MaxPool1d(MaxPoolNd):
    rank = 1


class MaxPool2d(MaxPoolNd):
    rank = 2


class MaxPool3d(MaxPoolNd):
    rank = 3


class AvgPool1d(AvgPoolNd):
    rank = 1


class AvgPool2d(AvgPoolWithDivisor):
    rank = 2


class AvgPool3d(AvgPoolWithDivisor):
    rank, checks_unpadded = 3, True


class AdaptiveMaxPool1d(AdaptiveMaxPoolNd):
    rank = 1


class AdaptiveMaxPool2d(AdaptiveMaxPoolNd):
    rank = 2


class AdaptiveMaxPool3d(AdaptiveMaxPoolNd):
    rank = 3


class AdaptiveAvgPool1d(AdaptiveAvgPoolNd):
    rank = 1


class AdaptiveAvgPool2d(AdaptiveAvgPoolNd):
    rank = 2


class AdaptiveAvgPool3d(AdaptiveAvgPoolNd):
    rank = 3
