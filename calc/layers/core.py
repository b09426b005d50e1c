"""Layers that pass their input through unchanged in shape and have no weights: InputLayer, Activation,
Dropout and its variants (SpatialDropout, GaussianDropout, GaussianNoise, AlphaDropout), Identity,
Masking, ActivityRegularization."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import sympy as sp

from calc.errors import CalcError, quote
from calc.layers.base import Env, Layer, LayerResult, Shape, Value, parse_shape
from calc.layers.layout import parse_data_format
from calc.rules import note

NO_PARAMETERS = "It changes values, not shapes, and has no weights."
NO_MACS = (
    "It works value by value (an activation function; dropout does nothing at inference) and multiplies "
    "nothing by a weight: 0 MACs, as fvcore counts (ptflops counts one operation per value)."
)


class PassThrough(Layer):
    """Same shape out as in, no parameters; value by value, so the receptive field passes through."""

    no_macs = NO_MACS
    field_effect = "keeps"

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return LayerResult(
            output_shape=shape,
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            param_steps=[note("Parameters", 0, NO_PARAMETERS)],
            description=self.describe(),
        )

    def describe(self) -> list:
        return []


def fraction(value: Any, what: str) -> float:
    """A number from 0 to 1 (Keras's range for dropout rates, and for GaussianNoise's stddev)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise CalcError(f"{what} must be a number from 0 to 1, got {quote(value)}")
    return value


class Dropout(PassThrough):
    """Keras Dropout: zeroes a fraction ``rate`` of the values during training only."""

    def __init__(self, rate: float | str, noise_shape: Any = None, **options: Any):
        super().__init__(**options)
        self.rate = fraction(rate, "rate")

    def describe(self) -> list:
        return [f"drops a fraction {self.rate:g} of the values while training"]


class SpatialDropout(PassThrough):
    """Keras SpatialDropout1D/2D/3D: drops whole channels (feature maps) while training."""

    rank: ClassVar[int]

    def __init__(self, rate: float, **options: Any):
        super().__init__(**options)
        self.rate = fraction(rate, "rate")

    def accepted_ranks(self) -> tuple[int, int | None]:
        return self.rank + 1, self.rank + 1

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        return super().build(shape, env)

    def describe(self) -> list:
        return [f"drops a fraction {self.rate:g} of the channels, whole, while training"]


class SpatialDropout1D(SpatialDropout):  # Keras's SpatialDropout1D has no data_format
    rank = 1


class SpatialDropout2D(SpatialDropout):
    rank = 2

    def __init__(self, rate: float, data_format: str | None = None, **options: Any):
        super().__init__(rate, **options)
        self.data_format = parse_data_format(data_format)


class SpatialDropout3D(SpatialDropout2D):
    rank = 3


class GaussianDropout(PassThrough):
    """Keras GaussianDropout: multiplies by noise of mean 1 while training."""

    def __init__(self, rate: float, **options: Any):
        super().__init__(**options)
        self.rate = fraction(rate, "rate")

    def describe(self) -> list:
        return [f"multiplies by noise of mean 1 (rate {self.rate:g}) while training"]


class GaussianNoise(PassThrough):
    """Keras GaussianNoise: adds noise of mean 0 while training (Keras caps stddev at 1)."""

    def __init__(self, stddev: float, **options: Any):
        super().__init__(**options)
        self.stddev = fraction(stddev, "stddev")

    def describe(self) -> list:
        return [f"adds noise of standard deviation {self.stddev:g} while training"]


class AlphaDropout(Dropout):
    """Keras AlphaDropout: dropout that keeps the mean and variance, for SELU networks."""

    def describe(self) -> list:
        return [f"drops a fraction {self.rate:g} of the values, keeping mean and variance, while training"]


class Identity(PassThrough):
    """Keras Identity: returns its input."""

    def describe(self) -> list:
        return ["returns its input"]


class Masking(PassThrough):
    """Keras Masking: marks the steps whose values all equal ``mask_value`` for later layers to skip."""

    def __init__(self, mask_value: float = 0.0, **options: Any):
        super().__init__(**options)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float)):
            raise CalcError(f"mask_value must be a number, got {quote(mask_value)}")
        self.mask_value = mask_value

    def describe(self) -> list:
        return [f"masks the steps whose values are all {self.mask_value:g}"]


class ActivityRegularization(PassThrough):
    """Keras ActivityRegularization: adds an L1/L2 penalty on the values to the loss."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **options: Any):
        super().__init__(**options)
        for value, what in ((l1, "l1"), (l2, "l2")):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise CalcError(f"{what} must be a number of at least 0, got {quote(value)}")
        self.l1, self.l2 = l1, l2

    def describe(self) -> list:
        return ["adds a penalty on the values to the loss"]


class Activation(PassThrough):
    """Keras Activation: applies a function element by element."""

    def __init__(self, activation: str, **options: Any):
        super().__init__(**options)
        if not isinstance(activation, str) or not activation.isidentifier():
            raise CalcError(f"activation must be a function name such as 'relu', got {quote(activation)}")
        self.activation = activation

    def describe(self) -> list:
        return [f"applies {self.activation} to each value"]


class InputLayer(Layer):
    """Keras InputLayer: declares the shape (batch axis left out) that the model takes."""

    no_macs = "An input only holds the data; it computes nothing."

    def __init__(
        self,
        shape: Sequence[Value] | None = None,
        batch_size: Any = None,
        input_shape: Sequence[Value] | None = None,
        batch_shape: Sequence[Value] | None = None,
        sparse: Any = None,
        ragged: Any = None,
        **options: Any,
    ):
        super().__init__(**options)
        given = shape if shape is not None else input_shape
        if given is None and isinstance(batch_shape, (list, tuple)):
            given = list(batch_shape)[1:]
        self.shape = parse_shape(given, "shape")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return LayerResult(output_shape=shape, trainable=sp.Integer(0), non_trainable=sp.Integer(0))
