"""torch.nn.MultiheadAttention: a query sequence [L, E] in, [L, E] out.

One input is self-attention (query = key = value); a graph may give two (query, key-and-value) or
three (query, key, value), whose last axes must be embed_dim, kdim and vdim. PyTorch packs the
query, key and value projections into one ``in_proj`` matrix (or three when kdim or vdim differ from
embed_dim); the output projection is a Linear of E to E (the Dense rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from calc.dialects.pytorch.base import TorchLayer, check_divides, check_matches, torch_shape
from calc.errors import CalcError
from calc.layers.base import Env, LayerResult, Shape, Value, agree, to_bool, to_expr
from calc.layers.dense import PARAMS as DENSE_PARAMS
from calc.layers.dense import b as dense_b
from calc.layers.dense import n_in, n_out
from calc.rules import Mistake, Rule, Step, apply, local_symbols

e, k, v, b, p_in, p_out, p_kv = local_symbols("E k_dim v_dim b P_in P_out P_kv")

#: What the symbols of these rules mean (the glossary gives E, L and S no meaning of their own).
SYMBOLS = {
    "E": "the embedding size (embed_dim), which the query projection keeps",
    "k_dim": "the key's features (kdim; E unless given)",
    "v_dim": "the value's features (vdim; E unless given)",
    "P_in": "the parameters of the query, key and value projections",
    "P_out": "the parameters of the output projection",
    "P_kv": "the parameters of the bias rows add_bias_kv appends",
    "L": "the query's length",
    "S": "the key's and value's length",
    "z": "the rows add_bias_kv and add_zero_attn append to the keys",
}

IN_PROJECTION = Rule(
    lhs="P_{in}",
    expr=e * (e + k + v) + 3 * b * e,
    why="The query, key and value projections each map to E values, from E, kdim and vdim inputs; PyTorch "
    "packs them into one in_proj_weight of 3E rows (separate matrices when kdim or vdim differ from E), "
    "with 3E biases in in_proj_bias. Keras's MultiHeadAttention keeps three per-head kernels instead.",
    mistakes=(
        Mistake("forgot_bias", None, "in_proj_bias holds 3E = 3·{E} biases.", replaces={b: 0}),
        Mistake(
            "forgot_key_value_projections",
            None,
            "The key and the value have projections of their own besides the query's: in_proj_weight has 3E "
            "rows, E·(E + kdim + vdim) weights.",
            replaces={k: 0, v: 0},
        ),
    ),
    symbols=SYMBOLS,
)
BIAS_KV = Rule(
    lhs="P_{kv}",
    expr=2 * e,
    why="add_bias_kv appends one learned row of E values to the keys and one to the values.",
    symbols=SYMBOLS,
)
TOTAL = Rule(
    lhs="P",
    expr=p_in + p_out + p_kv,
    why="The layer's parameters are those of its projections added up.",
    mistakes=(
        Mistake(
            "forgot_output_projection",
            None,
            "After attention the heads are mapped back by out_proj, a Linear of E to E: P_out = {P_out} parameters.",
            replaces={p_out: 0},
        ),
    ),
    symbols=SYMBOLS,
)


length_q, length_kv, extra = local_symbols("L S z")
ATTENTION_MACS = Rule(
    lhs="M",
    expr=length_q * e * e + length_kv * e * (k + v) + 2 * length_q * (length_kv + extra) * e + length_q * e * e,
    why="The query projection takes L E E products, the key and value projections S E kdim and S E vdim; each "
    "of the L queries meets each of the S keys (z more rows with add_bias_kv and add_zero_attn) in E products "
    "summed over the heads, and as many weigh the values; the output projection takes L E E. Softmax and "
    "scaling are element-wise, not counted.",
    symbols=SYMBOLS,
)


class MultiheadAttention(TorchLayer):
    """Multi-head attention with PyTorch's arguments; ``batch_first`` only moves the batch axis."""

    neutral = TorchLayer.neutral | {"dropout", "add_zero_attn", "batch_first"}
    min_rank = max_rank = 2

    def __init__(
        self,
        embed_dim: Value,
        num_heads: Value,
        bias: bool = True,
        add_bias_kv: bool = False,
        kdim: Value | None = None,
        vdim: Value | None = None,
        **options: Any,
    ):
        super().__init__(**options)
        self.embed_dim = to_expr(embed_dim, "embed_dim")
        self.num_heads = to_expr(num_heads, "num_heads")
        self.bias = to_bool(bias, "bias")
        self.add_bias_kv = to_bool(add_bias_kv, "add_bias_kv")
        self.kdim = None if kdim is None else to_expr(kdim, "kdim")
        self.vdim = None if vdim is None else to_expr(vdim, "vdim")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return self.build_many([shape], env)

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        if not 1 <= len(shapes) <= 3:
            raise CalcError(f"MultiheadAttention takes 1 to 3 inputs (query, key, value), got {len(shapes)}")
        query, key, value = (*shapes, shapes[-1], shapes[-1])[:3]  # one input: self-attention
        for role, shape in (("query", query), ("key", key), ("value", value)):
            if len(shape) != 2:
                raise CalcError(
                    f"the {role} must be a sequence [L, features] (batch axis left out), got {torch_shape(shape)}"
                )
        embed = env.positive(self.embed_dim, "embed_dim")
        heads = env.positive(self.num_heads, "num_heads")
        check_divides(heads, embed, "embed_dim", by="num_heads")
        kdim = embed if self.kdim is None else env.positive(self.kdim, "kdim")
        vdim = embed if self.vdim is None else env.positive(self.vdim, "vdim")
        check_matches(embed, query[-1], "embed_dim", f"the last axis of the query {torch_shape(query)} is {{}}", env)
        check_matches(kdim, key[-1], "kdim", f"the last axis of the key {torch_shape(key)} is {{}}", env)
        check_matches(vdim, value[-1], "vdim", f"the last axis of the value {torch_shape(value)} is {{}}", env)
        if not agree(key[0], value[0], "the key's length", "the value's length", env):
            raise CalcError(f"the key {torch_shape(key)} and value {torch_shape(value)} must have the same length")
        bias = sp.Integer(int(self.bias))
        fixed = {b: bias, **({k: e} if kdim == embed else {}), **({v: e} if vdim == embed else {})}
        steps = [apply(IN_PROJECTION, "Query, key and value projections", {e: embed, k: kdim, v: vdim}, fixed)]
        steps.append(apply(DENSE_PARAMS, "Output projection", {n_in: embed, n_out: embed}, {dense_b: bias}))
        kv = sp.Integer(0)
        if self.add_bias_kv:
            steps.append(apply(BIAS_KV, "Key and value bias rows", {e: embed}))
            kv = steps[-1].value
        total_fixed = {} if self.add_bias_kv else {p_kv: sp.Integer(0)}
        steps.append(apply(TOTAL, "Parameters", {p_in: steps[0].value, p_out: steps[1].value, p_kv: kv}, total_fixed))
        steps[-1].counts = 0  # it adds up the projections
        kind = "self-attention" if len(shapes) == 1 else "attention"
        head_size = embed / heads
        return LayerResult(
            output_shape=(query[0], embed),
            trainable=steps[-1].value,
            non_trainable=sp.Integer(0),
            param_steps=steps,
            description=[f"{kind} with ", heads, " heads of ", head_size, " values each, output as long as the query"],
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        query, key, value = (*shapes, shapes[-1], shapes[-1])[:3]
        embed = env.resolve(self.embed_dim)
        rows = sp.Integer(int(self.add_bias_kv) + int(bool(self.options.get("add_zero_attn", False))))
        bindings = {length_q: query[0], length_kv: key[0], e: embed, k: key[-1], v: value[-1], extra: rows}
        fixed = {**({k: e} if key[-1] == embed else {}), **({v: e} if value[-1] == embed else {})}
        if rows == 0:
            fixed[extra] = sp.Integer(0)
        if len(shapes) == 1:
            fixed[length_kv] = length_q
        return apply(ATTENTION_MACS, "MACs", bindings, fixed)
