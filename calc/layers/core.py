"""Layers that pass their input through unchanged in shape: InputLayer, Dropout, Activation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from calc.errors import CalcError
from calc.layers.base import Env, Layer, LayerResult, Shape, Value, parse_shape
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


class Dropout(PassThrough):
    """Keras Dropout: zeroes a fraction ``rate`` of the values during training only."""

    def __init__(self, rate: float | str, noise_shape: Any = None, **options: Any):
        super().__init__(**options)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise CalcError(f"rate must be a number from 0 to 1, got {rate!r}")
        self.rate = rate

    def describe(self) -> list:
        return [f"drops a fraction {self.rate:g} of the values while training"]


class Activation(PassThrough):
    """Keras Activation: applies a function element by element."""

    def __init__(self, activation: str, **options: Any):
        super().__init__(**options)
        if not isinstance(activation, str) or not activation.isidentifier():
            raise CalcError(f"activation must be a function name such as 'relu', got {activation!r}")
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
