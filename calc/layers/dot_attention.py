"""Scaled dot-product attention over projected heads: the weightless core of a transformer's attention.

Hugging Face's attention modules keep the query, key and value projections as separate linear maps
(``self_attn.q_proj``, ``k_proj``, ``v_proj``) and the output projection as another (``o_proj``); what
lies between them has no weights: each of the h query heads compares its query with the keys of its
key-value head and sums the values with the resulting weights. With grouped-query attention
(``num_key_value_heads`` g < h) h/g query heads share each key-value head; g = h is multi-head
attention, g = 1 multi-query attention.

Inputs, in order: the query [L_q, h e], the key [L_k, g e] and the value [L_k, g e]; or one input that
packs all three side by side, [L, (h + 2 g) e] (GPT-2's ``c_attn``, Phi-3's ``qkv_proj``, GPT-NeoX's
``query_key_value``). Output [L_q, h e].
MACs: every query meets every key in e products per head (the scores), and weighs as many values of e
numbers (the output): 2 L_q L_k h e. A causal mask does not change the count here: the products are
made for the whole L_q x L_k grid and masked afterwards, which is what an unfused matmul does and what
Kaplan et al. (2020) count (their n_ctx term). A causal layer keeps the key and value of each token it
has seen for the next ones (the KV cache): 2 g e values per token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from calc.errors import CalcError
from calc.layers.base import Env, Layer, LayerResult, Shape, Value, agree, format_shape, to_bool, to_expr
from calc.layers.receptive import Field, FieldChange
from calc.rules import Rule, Step, apply, local_symbols, note

L_q, L_k, h, g, e = local_symbols("L_q L_k h g e")

HEADS = {
    "h": "the number of query heads",
    "g": "the number of key-value heads (g = h without grouped-query attention)",
    "e": "the values per head (head_dim)",
}
MACS = Rule(
    lhs="M",
    name="MACs of scaled dot-product attention",
    symbols=HEADS,
    expr=2 * L_q * L_k * h * e,
    why="In each of the h heads every one of the L_q queries meets every one of the L_k keys in e products "
    "(the scores), and sums L_k values of e numbers with the softmax weights (the output): two products of "
    "L_q L_k h e multiply-accumulates. Scaling, masking and softmax are element-wise, not counted; a causal "
    "mask is applied after the products, so they are all counted (as Kaplan et al. count n_ctx).",
)
KV_VALUES = Rule(
    lhs="C",
    name="KV-cache values per token",
    symbols=HEADS,
    expr=2 * g * e,
    why="While generating, the layer keeps each token's key and value for the tokens after it: g key-value "
    "heads of e numbers each, twice (keys and values). With grouped-query attention g < h, which is what "
    "makes the cache smaller than h heads would.",
)
NO_WEIGHTS = (
    "Attention itself has no weights: its queries, keys and values come from the projections before it, "
    "and its output goes to the projection after it."
)


class DotProductAttention(Layer):
    """The weightless attention core, query [L, h e], key and value [L, g e] -> [L, h e]; calc's own layer
    (for the Hugging Face importer), with Hugging Face's names for the head counts."""

    min_rank = max_rank = 2
    neutral_options = frozenset({"scaling", "dropout", "sliding_window", "rope_theta"})

    def __init__(
        self,
        num_heads: Value,
        head_dim: Value,
        num_key_value_heads: Value | None = None,
        causal: bool = False,
        **options: Any,
    ):
        super().__init__(**options)
        self.num_heads = to_expr(num_heads, "num_heads")
        self.head_dim = to_expr(head_dim, "head_dim")
        self.num_key_value_heads = (
            self.num_heads if num_key_value_heads is None else to_expr(num_key_value_heads, "num_key_value_heads")
        )
        self.causal = to_bool(causal, "causal")

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        if len(shapes) not in (1, 3):
            raise CalcError(
                f"DotProductAttention takes 3 inputs (query, key, value) or 1 packing all three, got {len(shapes)}"
            )
        for shape in shapes:
            self.check_rank(shape)
        heads = env.positive(self.num_heads, "num_heads")
        groups = env.positive(self.num_key_value_heads, "num_key_value_heads")
        width = env.positive(self.head_dim, "head_dim")
        if not env.require(heads / groups, 1, "num_heads / num_key_value_heads"):
            raise CalcError(f"num_heads ({heads}) must be a multiple of num_key_value_heads ({groups})")
        if len(shapes) == 1:
            (packed,) = shapes
            query, key = (packed[0], heads * width), (packed[0], groups * width)
            value = key
            if not agree(packed[-1], (heads + 2 * groups) * width, "the packed input's last axis", "(h + 2g) e", env):
                raise CalcError(
                    f"the packed query, key and value {format_shape(packed)} must have {(heads + 2 * groups) * width} "
                    "values per position ((heads + 2 key-value heads) × head_dim)"
                )
        else:
            query, key, value = shapes
        for what, shape, size in (
            ("query", query, heads * width),
            ("key", key, groups * width),
            ("value", value, groups * width),
        ):
            if not agree(shape[-1], size, f"the {what}'s last axis", "heads times head_dim", env):
                raise CalcError(
                    f"the {what} {format_shape(shape)} must have {size} values per position (heads × head_dim)"
                )
        if not agree(key[0], value[0], "the key's length", "the value's length", env):
            raise CalcError(
                f"the key {format_shape(key)} and the value {format_shape(value)} must have the same length"
            )
        description: list = [heads, " query heads of ", width]
        if groups != heads:
            description += [" values sharing ", groups, " key-value heads"]
        description.append(", causal" if self.causal else "")
        return LayerResult(
            output_shape=(query[0], heads * width),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            param_steps=[note("Parameters", 0, NO_WEIGHTS)],
            description=description,
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        query, key = shapes[0], shapes[1 if len(shapes) == 3 else 0]
        bindings = {L_q: query[0], L_k: key[0], h: env.resolve(self.num_heads), e: env.resolve(self.head_dim)}
        return apply(MACS, "MACs", bindings)

    def kv_cache_values(self, env: Env) -> Step | None:
        """Values kept per token while generating (a causal layer), else None (an encoder keeps nothing)."""
        if not self.causal:
            return None
        return apply(KV_VALUES, "KV cache", {g: env.resolve(self.num_key_value_heads), e: env.resolve(self.head_dim)})

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        return FieldChange((None, None), [], "Every query reads every key: the receptive field is the whole sequence.")
