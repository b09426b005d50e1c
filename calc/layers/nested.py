"""A model used as a layer (Keras lets a Sequential or functional model be called like a layer).

Its parameters are the sum of its own layers'; its output shape is what its graph produces from the
incoming shapes. The inner analysis is kept, so a derivation can show the block's layers.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from calc.errors import CalcError
from calc.layers.base import Env, Layer, LayerResult, Shape, format_shape, to_expr
from calc.rules import Rule, apply, local_symbols

m, p = local_symbols("m p")
REPEATED = Rule(
    lhs="P",
    expr=m * p,
    why="Each of the m copies of the block has weights of its own, p of them per copy.",
)


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


class RepeatLayer(ModelLayer):
    """A block applied ``times`` times in a row, each copy with weights of its own.

    Families of models (BERT's L encoder layers, a stack of identical residual blocks) repeat one block;
    with ``times`` a symbol, the parameter count is a closed form in it: times × the block's count.
    A symbolic count needs a block that keeps its input shape, so every copy sees the same shape.
    """

    def __init__(self, model, times, **options):  # noqa: ANN001 - a calc.model.Model, an expression
        super().__init__(model, ["input"], **options)
        self.times = to_expr(times, "times")

    @property
    def type_name(self) -> str:
        return "Repeat"

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        times = env.positive(self.times, "times")
        once = super().build_many(shapes, env)
        if once.output_shape != tuple(shapes[0]) and times != 1:
            raise CalcError(
                f"a repeated block must keep its input shape {format_shape(shapes[0])}, "
                f"but it gives {format_shape(once.output_shape)}"
            )
        step = apply(REPEATED, "Parameters", {m: times, p: once.params})
        return LayerResult(
            output_shape=once.output_shape,
            trainable=times * once.trainable,
            non_trainable=times * once.non_trainable,
            param_steps=[step],
            description=[times, " copies of a block of ", len(once.children.layers), " layers, each with own weights"],
            children=once.children,
        )

    def symbols(self) -> set[sp.Symbol]:
        return super().symbols() | self.times.free_symbols
