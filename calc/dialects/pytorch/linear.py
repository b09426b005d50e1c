"""torch.nn.Linear and Embedding.

Linear is Keras's Dense under other names (``in_features``, ``out_features``, ``bias``) and uses the
Dense rules (parameters and MACs) of ``calc.layers.dense``; PyTorch names the input size, so it is
checked against the last axis. Embedding maps each integer index of the input to a learned vector.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from calc.dialects.pytorch.base import TorchLayer, check_matches, torch_shape
from calc.errors import CalcError, quote
from calc.layers.base import Env, LayerResult, Shape, Value, fmt, to_bool, to_expr
from calc.layers.dense import PARAMS as DENSE_PARAMS
from calc.layers.dense import b, dense_field, dense_macs, n_in, n_out, weight_shapes
from calc.layers.embedding import table_mistakes
from calc.layers.receptive import Field, FieldChange
from calc.rules import Rule, Step, apply, local_symbols

v, e = local_symbols("v e")

EMBEDDING = Rule(
    lhs="P",
    expr=v * e,
    why="The layer holds one learned vector of e values for each of the v indices (num_embeddings); "
    "the padding_idx row stays a parameter, only its gradient is zero.",
    mistakes=lambda: table_mistakes(v, e, ("num_embeddings", "embedding_dim")),
)


class Linear(TorchLayer):
    """A fully connected layer on the last axis; the other axes pass through."""

    def __init__(self, in_features: Value, out_features: Value, bias: bool = True, **options: Any):
        super().__init__(**options)
        self.in_features = to_expr(in_features, "in_features")
        self.out_features = to_expr(out_features, "out_features")
        self.bias = to_bool(bias, "bias")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        in_features = env.positive(self.in_features, "in_features")
        out_features = env.positive(self.out_features, "out_features")
        check_matches(
            in_features, shape[-1], "in_features", f"the last axis of the input {torch_shape(shape)} is {{}}", env
        )
        step = apply(
            DENSE_PARAMS,
            "Parameters",
            {n_in: in_features, n_out: out_features},
            fixed={b: sp.Integer(int(self.bias))},
        )
        description: list = [out_features, " outputs from the last axis of ", in_features, " inputs (Keras's Dense)"]
        if not self.bias:
            description.append(", no bias")
        return LayerResult(
            output_shape=(*shape[:-1], out_features),
            trainable=step.value,
            non_trainable=sp.Integer(0),
            param_steps=[step],
            description=description,
            param_notes=[weight_shapes(in_features, out_features, self.bias, "pytorch")],
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        return dense_macs(shapes[0], result.output_shape[-1])

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        return dense_field(fields[0])


class Embedding(TorchLayer):
    """Integer indices of any shape in; one ``embedding_dim`` vector per index out: [L] -> [L, D]."""

    no_macs = "Looking a vector up in the table multiplies nothing: 0 MACs."

    neutral = TorchLayer.neutral | {"max_norm", "norm_type", "scale_grad_by_freq", "sparse"}

    def __init__(self, num_embeddings: Value, embedding_dim: Value, padding_idx: int | None = None, **options: Any):
        super().__init__(**options)
        self.num_embeddings = to_expr(num_embeddings, "num_embeddings")
        self.embedding_dim = to_expr(embedding_dim, "embedding_dim")
        if padding_idx is not None and (isinstance(padding_idx, bool) or not isinstance(padding_idx, int)):
            raise CalcError(f"padding_idx must be a whole number or null, got {quote(padding_idx)}")
        self.padding_idx = padding_idx

    def build(self, shape: Shape, env: Env) -> LayerResult:
        vocabulary = env.positive(self.num_embeddings, "num_embeddings")
        dim = env.positive(self.embedding_dim, "embedding_dim")
        if self.padding_idx is not None and vocabulary.is_Integer and not -vocabulary <= self.padding_idx < vocabulary:
            raise CalcError(f"padding_idx {self.padding_idx} must be within num_embeddings ({fmt(vocabulary)})")
        step = apply(EMBEDDING, "Parameters", {v: vocabulary, e: dim})
        return LayerResult(
            output_shape=(*shape, dim),
            trainable=step.value,
            non_trainable=sp.Integer(0),
            param_steps=[step],
            description=["a vector of ", dim, " values for each index, from a table of ", vocabulary, " rows"],
        )
