"""Merge layers: element-wise Add, Subtract, Multiply, Average, Maximum, Minimum; Concatenate; and Dot.

None has parameters. Element-wise merges need inputs of one shape (an axis of size 1 broadcasts, as
in Keras); Concatenate needs every axis but the joined one to agree, and the joined axis adds up:
    c = c_1 + c_2 + ... + c_m
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, ClassVar

import sympy as sp

from calc.errors import CalcError, quote
from calc.layers.base import Env, Layer, LayerResult, Shape, agree, format_shape
from calc.layers.receptive import Field, FieldChange, union
from calc.rules import Mistake, Rule, Step, apply, local_symbols, note, numbered_symbols

N, k = local_symbols("N k")

NO_PARAMETERS = "Merging combines tensors value by value or side by side; it has no weights."
NO_MACS = (
    "Merging adds, multiplies or compares values one by one, or lays tensors side by side; it multiplies "
    "nothing by a weight, so calc counts 0 MACs (element-wise work is not counted; fvcore ignores it too)."
)


def _no_parameters() -> list:
    return [note("Parameters", 0, NO_PARAMETERS)]


class ElementWise(Layer):
    """Combines inputs of one shape value by value; each output unit reads one unit of each input, so
    its receptive field is the union of theirs."""

    no_macs = NO_MACS
    field_effect = "keeps"

    operation: ClassVar[str]
    exactly: ClassVar[int | None] = None

    def __init__(self, scalar: float | None = None, **options: Any):
        """``scalar``: Keras's ops on a tensor and a number (``x + 3.0``, ``x * (1 / 6)`` in MobileNetV3's
        hard sigmoid), which a to_json() file lists as an ``Add`` or ``Multiply`` of one tensor; the number
        is combined with every value, so the one input's shape is kept."""
        super().__init__(**options)
        if scalar is not None and (isinstance(scalar, bool) or not isinstance(scalar, (int, float))):
            raise CalcError(f"scalar must be a number, got {scalar!r}")
        self.scalar = scalar

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return self.build_many([shape], env)

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        if self.scalar is not None and len(shapes) == 1:
            return LayerResult(
                output_shape=shapes[0],
                trainable=sp.Integer(0),
                non_trainable=sp.Integer(0),
                param_steps=_no_parameters(),
                description=[f"{self.operation} of a tensor and the number {self.scalar:g}, value by value"],
            )
        if self.exactly is not None and len(shapes) != self.exactly:
            raise CalcError(f"{self.type_name} takes exactly {self.exactly} inputs, got {len(shapes)}")
        if len(shapes) < 2:
            raise CalcError(f"{self.type_name} needs at least 2 inputs, got {len(shapes)}")
        if any(len(shape) != len(shapes[0]) for shape in shapes):
            raise CalcError(self.mismatch(shapes, None))
        output, clash = broadcast(shapes, env)
        if clash is not None:
            raise CalcError(self.mismatch(shapes, clash))
        return LayerResult(
            output_shape=output,
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            param_steps=_no_parameters(),
            description=self.describe(shapes),
        )

    def describe(self, shapes: Sequence[Shape]) -> list:
        return [f"{self.operation} of {len(shapes)} tensors, value by value"]

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange | None:
        """An input of size 1 repeated along an axis gives every output unit there its one value, whose
        field does not slide with them: on that axis the output has no field (as after global pooling)."""
        out = result.output_shape
        if all(tuple(shape) == tuple(out) for shape in shapes):
            return None  # field_effect: the union of the inputs' fields
        spread = [
            tuple(None if shape[i] == 1 and out[i] != 1 else entry for i, entry in enumerate(field))
            for field, shape in zip(fields, shapes)
        ]
        return union(spread, [])

    def mismatch(self, shapes: Sequence[Shape], axis: int | None) -> str:
        """Why the inputs cannot be combined: their ranks differ (``axis`` None) or sizes on ``axis`` clash."""
        problem = "different ranks" if axis is None else "incompatible shapes"
        return f"{self.type_name} inputs have {problem}: {_listed(shapes)}"


def broadcast(shapes: Sequence[Shape], env: Env) -> tuple[Shape, int | None]:
    """The shape that inputs of one rank combine to, axis by axis: the size they share, or where one of
    them is 1 (that input is repeated along the axis), the other's. With it, the first axis on which two
    sizes certainly differ and neither is 1 (None when every axis fits); symbolic sizes that may agree fit,
    and must then agree (``agree``): calc does not follow a symbolic size that may be 1."""
    output = list(shapes[0])
    for number, shape in enumerate(shapes[1:], start=2):
        for axis, (a, b) in enumerate(zip(output, shape)):
            if a == 1:
                output[axis] = b
            elif b != 1 and not agree(a, b, f"axis {axis + 1} of input 1", f"axis {axis + 1} of input {number}", env):
                return tuple(output), axis
    return tuple(output), None


def _listed(shapes: Sequence[Shape]) -> str:
    return ", ".join(format_shape(s) for s in shapes)


class Add(ElementWise):
    operation = "sum"


class Subtract(ElementWise):
    operation, exactly = "difference", 2


class Multiply(ElementWise):
    operation = "product"


class Average(ElementWise):
    operation = "mean"


class Maximum(ElementWise):
    operation = "maximum"


class Minimum(ElementWise):
    operation = "minimum"


class CustomScaleLayer(ElementWise):
    """Keras's InceptionResNetV2 residual: x + scale * r, of the shortcut x and the block's output r."""

    operation, exactly = "shortcut plus scaled residual", 2

    def __init__(self, scale: float, **options: Any):
        super().__init__(**options)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)):
            raise CalcError(f"scale must be a number, got {scale!r}")
        self.scale = scale

    def describe(self, shapes: Sequence[Shape]) -> list:
        return [f"the shortcut plus {self.scale:g} times the residual, value by value"]


@cache
def concat_rule(count: int) -> Rule:
    """c = c_1 + ... + c_m: the joined axis holds every input's entries side by side."""
    sizes = numbered_symbols("c", count)
    return Rule(
        lhs="c",
        expr=sp.Add(*sizes),
        why="The joined axis holds the entries of every input in turn.",
        mistakes=(
            Mistake(
                "concatenate_as_add",
                None,
                "Concatenate puts the inputs side by side along the joined axis, so its size is the sum of theirs; "
                "only Add (and the other element-wise merges) keeps one input's size.",
                replaces={size: 0 for size in sizes[1:]},
            ),
        ),
    )


class Concatenate(Layer):
    """Keras Concatenate: joins inputs along ``axis`` (default the last); the receptive field is the union
    of the inputs' (the largest over the branches)."""

    no_macs = NO_MACS
    field_effect = "keeps"
    #: What the joined axis is called in messages and descriptions (PyTorch says dim).
    axis_word: ClassVar[str] = "axis"
    #: The fewest inputs joined (Keras's Concatenate wants two; torch.cat([x], 1) gives x back).
    fewest: ClassVar[int] = 2

    def __init__(self, axis: int = -1, **options: Any):
        super().__init__(**options)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise CalcError(f"axis must be a whole number, got {quote(axis)}")
        self.axis = axis

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return self.build_many([shape], env)

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        if len(shapes) < self.fewest:
            raise CalcError(f"{self.type_name} needs at least {self.fewest} inputs, got {len(shapes)}")
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes):
            raise CalcError(self.mismatch(shapes, None))
        axis = self.joined_axis(shapes[0])
        for number, other in enumerate(shapes[1:], start=2):
            for i in range(rank):
                if i != axis and not agree(
                    shapes[0][i], other[i], f"axis {i + 1} of input 1", f"axis {i + 1} of input {number}", env
                ):
                    raise CalcError(self.mismatch(shapes, i))
        rule = concat_rule(len(shapes))
        step = apply(rule, "Joined axis", dict(zip(numbered_symbols("c", len(shapes)), [s[axis] for s in shapes])))
        step.axes = (axis,)
        output = list(shapes[0])
        output[axis] = step.value
        return LayerResult(
            output_shape=tuple(output),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            shape_steps=[step],
            param_steps=_no_parameters(),
            description=[f"joins {len(shapes)} tensors along {self.axis_word} {self.axis}"],
        )

    def joined_axis(self, shape: Shape) -> int:
        """The joined axis in a shape without the batch axis (``axis`` counts the batch axis as 0, as Keras does)."""
        rank = len(shape)
        axis = self.axis - 1 if self.axis > 0 else self.axis
        if not -rank <= axis < rank or self.axis == 0:
            raise CalcError(f"axis {self.axis} is out of range for inputs of shape {format_shape(shape)}")
        return axis % rank

    def mismatch(self, shapes: Sequence[Shape], axis: int | None) -> str:
        """Why the inputs cannot be joined: their ranks differ (``axis`` None) or they differ on ``axis``."""
        if axis is None:
            return f"{self.type_name} inputs have different ranks: {_listed(shapes)}"
        return f"{self.type_name} on axis {self.axis} needs the other axes to agree: {_listed(shapes)}"


DOT_MACS = Rule(
    lhs="M",
    expr=N * k,
    why="Each of the N output values is a dot product of k pairs: k multiply-accumulates.",
)


class Dot(Layer):
    """Keras Dot: the dot product of two tensors along ``axes`` (one axis of each, Keras's numbering with the
    batch axis as 0), for each example. The output keeps the first input's other axes, then the second's; a
    single value is (1,). ``normalize`` divides each input by its L2 norm along the axis first (cosine
    proximity). No weights."""

    def __init__(self, axes: int | list[int], normalize: bool = False, **options: Any):
        super().__init__(**options)
        items = list(axes) if isinstance(axes, (list, tuple)) else [axes]
        if len(items) not in (1, 2) or not all(isinstance(a, int) and not isinstance(a, bool) for a in items):
            raise CalcError(f"axes must be an axis number or a pair of them, got {axes!r}")
        self.axes = axes if isinstance(axes, int) else tuple(items)
        if isinstance(normalize, bool) is False:
            raise CalcError(f"normalize must be true or false, got {normalize!r}")
        self.normalize = normalize

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return self.build_many([shape], env)

    def contracted(self, shapes: Sequence[Shape]) -> tuple[int, int]:
        """The contracted axis of each input, counted without the batch axis; Keras's rules for negative axes."""
        ranks = [len(shape) + 1 for shape in shapes]  # Keras's shapes include the batch axis
        if isinstance(self.axes, int):
            pair = [self.axes % rank for rank in ranks] if self.axes < 0 else [self.axes] * 2
        else:
            pair = [axis % rank if axis < 0 else axis for axis, rank in zip(self.axes, ranks)]
        for axis, rank, shape in zip(pair, ranks, shapes):
            if not 1 <= axis < rank:
                raise CalcError(f"axes {self.axes} is out of range for an input of shape {format_shape(shape)}")
        return pair[0] - 1, pair[1] - 1

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        if len(shapes) != 2:
            raise CalcError(f"Dot takes exactly 2 inputs, got {len(shapes)}")
        first, second = shapes
        a, b = self.contracted(shapes)
        if not agree(first[a], second[b], f"axis {a + 1} of input 1", f"axis {b + 1} of input 2", env):
            raise CalcError(
                f"Dot multiplies axis {a + 1} of {format_shape(first)} with axis {b + 1} of {format_shape(second)}; "
                f"their sizes {first[a]} and {second[b]} differ"
            )
        output = (*first[:a], *first[a + 1 :], *second[:b], *second[b + 1 :]) or (sp.Integer(1),)
        words = "cosine similarity" if self.normalize else "dot product"
        return LayerResult(
            output_shape=output,
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            param_steps=[note("Parameters", 0, "A dot product of the two inputs has no weights.")],
            description=[f"{words} of axis {a + 1} of input 1 with axis {b + 1} of input 2"],
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        a, _ = self.contracted(shapes)
        return apply(DOT_MACS, "MACs", {N: sp.Mul(*result.output_shape), k: shapes[0][a]})
