"""Embedding: a lookup table from token ids to vectors.

The table holds a vector of D values for each of the V ids (``input_dim`` = V, ``output_dim`` = D):
    params = V D
and every id of the input becomes its vector, so the output adds an axis of D to the input's shape.
With ``lora_rank`` r, Keras freezes the table (non-trainable) and trains a low-rank update, a V × r and
an r × D matrix (``lora``, with m = V, n = D and no bias).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from calc.errors import CalcError
from calc.layers.base import Env, Layer, LayerResult, Shape, Value, to_bool, to_expr
from calc.layers.lora import lora_update, parse_rank
from calc.rules import Mistake, Rule, apply, local_symbols

V, D = local_symbols("V D")


def table_mistakes(vocabulary: sp.Symbol, width: sp.Symbol, names: tuple[str, str]) -> tuple[Mistake, ...]:
    """The catalogue of an embedding table's rule, V·D (Keras's input_dim and output_dim, PyTorch's
    num_embeddings and embedding_dim): the same for both dialects, with the dialect's argument names."""
    rows, width_name = names
    return (
        Mistake(
            "sequence_length_as_features",
            None,
            f"The table has a row for each of the {{actual}} token ids ({rows}), not one per position of the "
            "sequence ({value} positions): every position looks its id up in the same table.",
            substitute=vocabulary,
            alternatives="sequence",
        ),
        Mistake(
            "embedding_has_no_bias",
            None,
            f"An embedding is a lookup table with no bias: {rows}·{width_name} = {{{vocabulary.name}}}·"
            f"{{{width.name}}} values, with no extra {width_name} for a bias.",
            replaces={vocabulary: vocabulary + 1},
        ),
    )


TABLE = Rule(
    lhs="P",
    expr=V * D,
    why="The table holds a vector of D values for each of the V token ids.",
    mistakes=lambda: table_mistakes(V, D, ("input_dim", "output_dim")),
)
FROZEN_TABLE_WHY = "With LoRA the table itself is frozen: its V D values are non-trainable."


class Embedding(Layer):
    """Keras Embedding: each integer id of the input becomes a vector of ``output_dim`` values."""

    neutral_options = frozenset({"embeddings_initializer", "embeddings_regularizer", "embeddings_constraint"})
    no_macs = "An embedding looks each id's row up in its table; it multiplies nothing, so 0 MACs (as fvcore)."

    def __init__(
        self,
        input_dim: Value,
        output_dim: Value,
        mask_zero: bool = False,
        lora_rank: Value | None = None,
        lora_alpha: Any = None,
        input_length: Any = None,
        quantization_config: Any = None,
        **options: Any,
    ):
        super().__init__(**options)
        self.input_dim = to_expr(input_dim, "input_dim")
        self.output_dim = to_expr(output_dim, "output_dim")
        self.mask_zero = to_bool(mask_zero, "mask_zero")  # masks id 0 downstream; the table keeps its row
        self.lora_rank = parse_rank(lora_rank)
        self.input_length = input_length  # deprecated in Keras 3 and ignored there too
        if quantization_config is not None:
            raise CalcError("quantized embeddings are not supported (their weights are not plain floats)")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        vocabulary = env.positive(self.input_dim, "input_dim")
        width = env.positive(self.output_dim, "output_dim")
        table = apply(TABLE, "Parameters", {V: vocabulary, D: width})
        description = ["a vector of ", width, " values for each of ", vocabulary, " token ids"]
        if self.lora_rank is None:
            trainable, non_trainable, steps = table.value, sp.Integer(0), [table]
        else:
            update = lora_update(self.lora_rank, vocabulary, width, False, env)
            table = apply(TABLE, "Non-trainable parameters", {V: vocabulary, D: width}, why=FROZEN_TABLE_WHY)
            trainable, non_trainable, steps = update.value, table.value, [update, table]
            description += [", trained through a rank-", env.resolve(self.lora_rank), " update"]
        return LayerResult(
            output_shape=(*shape, width),
            trainable=trainable,
            non_trainable=non_trainable,
            param_steps=steps,
            description=description,
        )
