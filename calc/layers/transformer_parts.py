"""The small parts of Hugging Face transformers that Keras has no layer for.

- ``TiedDense``: an output projection whose weight matrix is another layer's (tied embeddings: GPT-2's
  and Gemma's lm_head, BERT's masked-language-model decoder). ``model.parameters()`` yields a shared
  tensor once, so only the bias, when there is one, is this layer's own: P = b n_out. Its work is a
  dense layer's, q n_in n_out MACs (the Dense rule).
- ``GatedActivation``: a gated linear unit on a packed input (Phi-3's ``gate_up_proj``): the last axis
  holds the gate and the value side by side; out come act(gate) × value, half as many values. No weights.
- ``ClassToken``: learned vectors put in front of the sequence (ViT's ``cls_token``): n d parameters.
- ``PositionEmbedding``: a learned vector per position added to the sequence (ViT's position
  embeddings, a table of L d values).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from calc.errors import CalcError
from calc.layers.base import Env, Layer, LayerResult, Shape, Value, agree, format_shape, to_bool, to_expr
from calc.layers.core import NO_MACS as ELEMENT_WISE
from calc.layers.dense import dense_field, dense_macs
from calc.layers.receptive import Field, FieldChange
from calc.rules import Rule, Step, apply, local_symbols, note

b, n_out, n, d, L = local_symbols("b n_out n d L")

TIED = Rule(
    lhs="P",
    expr=b * n_out,
    why="The weight matrix is the embedding table, used a second time (tied embeddings): model.parameters() "
    "counts a shared tensor once, so this layer's own parameters are its bias alone, one per output (none "
    "without a bias).",
    name="Parameters of a tied output layer",
    symbols={"n_out": "the outputs (the vocabulary)"},
)
CLASS_TOKENS = Rule(
    lhs="P",
    symbols={"n": "the learned tokens put in front", "d": "the width of one token's vector"},
    expr=n * d,
    why="Each of the n learned tokens put in front of the sequence is a vector of d values.",
    name="Parameters of learned class tokens",
)
POSITIONS = Rule(
    lhs="P",
    name="Parameters of a learned position embedding",
    symbols={"L": "the positions the table holds", "d": "the width of one position's vector"},
    expr=L * d,
    why="A learned vector of d values for each of the L positions, added to the token at that position.",
)


class TiedDense(Layer):
    """A dense map whose kernel is the weight of the layer ``tied_to`` (an embedding table)."""

    min_rank = 1

    def __init__(self, units: Value, tied_to: str, use_bias: bool = False, **options: Any):
        super().__init__(**options)
        self.units = to_expr(units, "units")
        if not isinstance(tied_to, str) or not tied_to:
            raise CalcError(f"tied_to must name the layer whose weights are shared, got {tied_to!r}")
        self.tied_to = tied_to
        self.use_bias = to_bool(use_bias, "use_bias")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        units = env.positive(self.units, "units")
        step = apply(TIED, "Parameters", {n_out: units}, {b: sp.Integer(int(self.use_bias))})
        return LayerResult(
            output_shape=(*shape[:-1], units),
            trainable=step.value,
            non_trainable=sp.Integer(0),
            param_steps=[step],
            description=[units, f" outputs with the weights of {self.tied_to} (tied, counted there)"],
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        return dense_macs(shapes[0], result.output_shape[-1])

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        return dense_field(fields[0])


class GatedActivation(Layer):
    """act(gate) × value on a last axis that holds the gate and the value side by side."""

    no_macs = ELEMENT_WISE
    field_effect = "keeps"
    neutral_options = frozenset({"activation"})

    def build(self, shape: Shape, env: Env) -> LayerResult:
        width = shape[-1]
        half = width / 2
        if half.is_number and not half.is_Integer:
            raise CalcError(f"a gated activation halves the last axis, which must be even, got {format_shape(shape)}")
        return LayerResult(
            output_shape=(*shape[:-1], half),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            param_steps=[note("Parameters", 0, "The gate and the value are multiplied value by value; no weights.")],
            description=["the activated first half times the second half of ", width, " values"],
        )


class ClassToken(Layer):
    """``count`` learned vectors put in front of a sequence [L, d]: the output is [L + count, d]."""

    min_rank = max_rank = 2
    no_macs = "Putting learned vectors in front of the sequence copies values; 0 MACs."

    def __init__(self, count: Value = 1, **options: Any):
        super().__init__(**options)
        self.count = to_expr(count, "count")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        count = env.positive(self.count, "count")
        step = apply(CLASS_TOKENS, "Parameters", {n: count, d: shape[-1]})
        return LayerResult(
            output_shape=(shape[0] + count, shape[-1]),
            trainable=step.value,
            non_trainable=sp.Integer(0),
            param_steps=[step],
            description=[count, " learned token(s) of ", shape[-1], " values in front"],
        )


class PositionEmbedding(Layer):
    """A learned vector per position added to a sequence [L, d] of ``sequence_length`` positions."""

    min_rank = max_rank = 2
    no_macs = "Adding a vector to each position is element-wise; 0 MACs."
    field_effect = "keeps"

    def __init__(self, sequence_length: Value, **options: Any):
        super().__init__(**options)
        self.sequence_length = to_expr(sequence_length, "sequence_length")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        length = env.positive(self.sequence_length, "sequence_length")
        if not agree(shape[0], length, "the sequence's length", "sequence_length", env):
            raise CalcError(f"the sequence {format_shape(shape)} must have sequence_length = {length} positions")
        step = apply(POSITIONS, "Parameters", {L: length, d: shape[-1]})
        return LayerResult(
            output_shape=shape,
            trainable=step.value,
            non_trainable=sp.Integer(0),
            param_steps=[step],
            description=["a learned vector for each of ", length, " positions"],
        )
