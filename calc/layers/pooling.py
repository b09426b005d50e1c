"""Pooling: Max/AveragePooling 1D/2D/3D and their Global variants. None has parameters.

Windowed pooling uses the sliding-window rules of ``window`` (strides default to the pool size, as in
Keras); global pooling keeps only the channel axis (or size-1 spatial axes with ``keepdims``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import sympy as sp

from calc.errors import CalcError
from calc.layers.base import AXIS_NAMES, Env, Layer, LayerResult, Shape, Value, to_bool, to_tuple
from calc.layers.layout import channels_first, first_axis, join_channels, parse_data_format, split_channels
from calc.layers.receptive import Field, FieldChange, sliding_window_field
from calc.layers.window import parse_padding, window_shape
from calc.rules import Mistake, note

NO_PARAMETERS = "A pooling layer only picks or averages values; it has no weights and no bias."
MISTAKES = (
    Mistake(
        "pooling_has_no_params",
        None,
        "A pooling layer has no parameters: it only takes the maximum or the average of each window, "
        "so there is nothing to learn and its count is 0.",
        catch_all=True,
    ),
)
NO_MACS = (
    "A pooling window compares (maximum) or adds (average) its values; it multiplies nothing by a weight, "
    "so calc counts 0 MACs, as fvcore does (ptflops counts one operation per input value)."
)
GLOBAL_NO_MACS = (
    "Global pooling compares or adds the values of each channel; it multiplies nothing by a weight, so calc "
    "counts 0 MACs (fvcore counts one per input value for PyTorch's adaptive average pooling)."
)


class Pooling(Layer):
    """Max or average pooling over ``rank`` spatial axes."""

    rank: ClassVar[int]
    operation: ClassVar[str]
    no_macs = NO_MACS

    def __init__(
        self,
        pool_size: Value | tuple[Value, ...] | None = None,
        strides: Value | tuple[Value, ...] | None = None,
        padding: Any = "valid",
        data_format: str | None = None,
        **options: Any,
    ):
        super().__init__(**options)
        if pool_size is None and self.operation == "average":  # Keras gives only max pooling a default
            raise CalcError(f"{self.type_name} needs 'pool_size'")
        self.pool_size = to_tuple(2 if pool_size is None else pool_size, self.rank, "pool_size")
        self.strides = self.pool_size if strides is None else to_tuple(strides, self.rank, "strides")
        self.padding = parse_padding(padding, self.rank)
        self.data_format = parse_data_format(data_format)

    def accepted_ranks(self) -> tuple[int, int | None]:
        return self.rank + 1, self.rank + 1

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        spatial, channels = split_channels(shape, self.data_format)
        sizes, steps = window_shape(
            spatial,
            self.pool_size,
            self.strides,
            self.padding,
            (sp.Integer(1),) * self.rank,
            env,
            "pool window",
            first_axis=first_axis(self),
        )
        padding = f"'{self.padding}' padding" if isinstance(self.padding, str) else "padding "
        description: list = [
            f"{self.operation} of each ",
            tuple(env.resolve(x) for x in self.pool_size),
            " window, stride ",
            tuple(env.resolve(x) for x in self.strides),
            ", ",
            padding,
        ]
        if not isinstance(self.padding, str):
            description.append(tuple(env.resolve(x) for x in self.padding))
        return LayerResult(
            shape_notes=[["Pooling works on each channel separately, so the ", channels, " channels stay."]],
            output_shape=join_channels(sizes, channels, self.data_format),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            shape_steps=steps,
            param_steps=[note("Parameters", 0, NO_PARAMETERS, MISTAKES)],
            description=description,
        )

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        rank = self.rank
        return sliding_window_field(
            fields[0],
            shapes[0],
            len(result.output_shape),
            channels_first(self),
            [env.resolve(x) for x in self.pool_size],
            [env.resolve(x) for x in self.strides],
            [sp.Integer(1)] * rank,
            self.padding if isinstance(self.padding, str) else [env.resolve(x) for x in self.padding],
            AXIS_NAMES[rank],
        )


class GlobalPooling(Layer):
    """Global max or average pooling: one value per channel; each reads every position, which ends the
    receptive field."""

    rank: ClassVar[int]
    operation: ClassVar[str]
    no_macs = GLOBAL_NO_MACS

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **options: Any):
        super().__init__(**options)
        self.data_format = parse_data_format(data_format)
        self.keepdims = to_bool(keepdims, "keepdims")

    def accepted_ranks(self) -> tuple[int, int | None]:
        return self.rank + 1, self.rank + 1

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        _, channels = split_channels(shape, self.data_format)
        output = (
            join_channels([sp.Integer(1)] * self.rank, channels, self.data_format) if self.keepdims else (channels,)
        )
        return LayerResult(
            output_shape=output,
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            param_steps=[note("Parameters", 0, NO_PARAMETERS, MISTAKES)],
            description=[f"{self.operation} over all spatial positions, one value per channel"],
        )


class MaxPooling1D(Pooling):
    rank, operation = 1, "maximum"


class MaxPooling2D(Pooling):
    rank, operation = 2, "maximum"


class MaxPooling3D(Pooling):
    rank, operation = 3, "maximum"


class AveragePooling1D(Pooling):
    rank, operation = 1, "average"


class AveragePooling2D(Pooling):
    rank, operation = 2, "average"


class AveragePooling3D(Pooling):
    rank, operation = 3, "average"


class GlobalMaxPooling1D(GlobalPooling):
    rank, operation = 1, "maximum"


class GlobalMaxPooling2D(GlobalPooling):
    rank, operation = 2, "maximum"


class GlobalMaxPooling3D(GlobalPooling):
    rank, operation = 3, "maximum"


class GlobalAveragePooling1D(GlobalPooling):
    rank, operation = 1, "average"


class GlobalAveragePooling2D(GlobalPooling):
    rank, operation = 2, "average"


class GlobalAveragePooling3D(GlobalPooling):
    rank, operation = 3, "average"
