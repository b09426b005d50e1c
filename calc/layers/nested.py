"""A model used as a layer (Keras lets a Sequential or functional model be called like a layer).

Its parameters are the sum of its own layers'; its output shape is what its graph produces from the
incoming shapes. The inner analysis is kept, so a derivation can show the block's layers.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from calc.errors import CalcError
from calc.layers.base import Env, Layer, LayerResult, Shape


class ModelLayer(Layer):
    """Wraps a ``calc.model.Model`` built without input shapes of its own."""

    def __init__(self, model, input_names: Sequence[str], **options):  # noqa: ANN001 - a calc.model.Model
        super().__init__(**options)
        self.model = model
        self.input_names = list(input_names)

    @property
    def type_name(self) -> str:
        return "Functional" if self.model.functional else "Sequential"

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return self.build_many([shape], env)

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        if len(shapes) != len(self.input_names):
            raise CalcError(f"the block takes {len(self.input_names)} input(s), got {len(shapes)}")
        inner = self.model.propagate(dict(zip(self.input_names, shapes)), env)
        outputs = self.model.output_shapes(inner)
        if len(outputs) != 1:
            raise CalcError("a block used as a layer must have exactly one output")
        layers = inner.layers
        return LayerResult(
            output_shape=outputs[0],
            trainable=inner.trainable_params,
            non_trainable=inner.non_trainable_params,
            description=[f"a block of {len(layers)} layers; its parameters are the sum of theirs"],
            children=inner,
        )

    def symbols(self) -> set[sp.Symbol]:
        return set(self.model.symbols)
