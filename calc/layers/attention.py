"""MultiHeadAttention, in its single-input self-attention form: mha(x, x).

Keras projects the query, key and value each with a dense map from the last axis to h heads of e values
(e = key_dim for query and key, value_dim for value), with a bias of h e values when ``use_bias``:
    P_proj = d h e + b h e
then maps the h heads of value_dim values back to the output (the query's last axis d, or
``output_shape``, whose sizes multiply to o) with a bias of o values:
    P_out = h v o + b o
``use_gate`` adds a fourth projection of the query to h heads of value_dim values. The output has the
query's shape with its last axis replaced by ``output_shape`` (or kept). Attention itself has no weights.

A two-input form (query from one layer, key and value from another) would need the graph model: its
projections read different last axes (d_q for the query and gate, d_k for the key, d_v for the value),
the key and value must agree on every axis but the last, and the output follows the query. The rules
below already take d per projection, so only the wiring is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from calc.errors import CalcError
from calc.layers.base import Env, Layer, LayerResult, Shape, Value, fmt, to_bool, to_expr
from calc.rules import Rule, Step, apply, local_symbols

d, h, e, v, o, b = local_symbols("d h e v o b")
P_q, P_k, P_v, P_g, P_o = local_symbols("P_q P_k P_v P_g P_o")
L, k_d, v_d, gate = local_symbols("L k_d v_d gamma")

PROJECTION = Rule(
    lhs="P",
    expr=d * h * e + b * h * e,
    why="A dense map from the d values of the last axis to h heads of e values each: one weight per "
    "(input, head, value) triple, plus a bias of h e values when the layer uses one.",
)
OUTPUT_PROJECTION = Rule(
    lhs=r"P_{o}",
    expr=h * v * o + b * o,
    why="The h heads of v values are mapped back to the o output values: one weight per (head, value, "
    "output) triple, plus a bias of o values when the layer uses one.",
)
TOTAL = Rule(
    lhs="P",
    expr=P_q + P_k + P_v + P_g + P_o,
    why="The query, key and value projections, the gate when there is one, and the output projection "
    "each have weights of their own; the attention scores themselves have none.",
)


def _positive_int(value: Any, what: str) -> sp.Expr:
    expr = to_expr(value, what)
    if expr.is_number and not (expr.is_Integer and expr > 0):
        raise CalcError(f"{what} must be a positive whole number, got {fmt(expr)}")
    return expr


MACS = Rule(
    lhs="M",
    expr=L * d * h * (2 * k_d + v_d + gate * v_d) + L * L * h * (k_d + v_d) + L * h * v_d * o,
    why="Each of the L positions projects its d values to h heads for the query and key (k_d each) and the value "
    "(v_d, and the gate's v_d with use_gate); every query meets every key in h k_d products and weighs the values "
    "in h v_d; the output projection maps h v_d values to o. Softmax and biases are not multiply-accumulates.",
)


class MultiHeadAttention(Layer):
    """Keras MultiHeadAttention used as self-attention: query, key and value are all the input."""

    neutral_options = frozenset({"dropout", "sliding_window", "flash_attention"})

    def __init__(
        self,
        num_heads: Value,
        key_dim: Value,
        value_dim: Value | None = None,
        use_bias: bool = True,
        output_shape: Value | list[Value] | None = None,
        attention_axes: int | list[int] | None = None,
        use_gate: bool = False,
        **options: Any,
    ):
        super().__init__(**options)
        self.num_heads = _positive_int(num_heads, "num_heads")
        self.key_dim = _positive_int(key_dim, "key_dim")
        self.value_dim = self.key_dim if value_dim is None else _positive_int(value_dim, "value_dim")
        self.use_bias = to_bool(use_bias, "use_bias")
        self.use_gate = to_bool(use_gate, "use_gate")
        if output_shape is None or output_shape == []:
            self.output_sizes: tuple[sp.Expr, ...] | None = None
        else:
            sizes = output_shape if isinstance(output_shape, (list, tuple)) else [output_shape]
            self.output_sizes = tuple(_positive_int(size, "output_shape") for size in sizes)
        axes = [attention_axes] if isinstance(attention_axes, int) else attention_axes
        if axes is not None and (
            not isinstance(axes, (list, tuple)) or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes)
        ):
            raise CalcError(f"attention_axes must be an axis number or a list of them, got {attention_axes!r}")
        self.attention_axes = None if axes is None else tuple(axes)
        dropout, flash = options.get("dropout", 0.0), options.get("flash_attention")
        if flash and isinstance(dropout, (int, float)) and dropout > 0:
            raise CalcError("Keras does not allow dropout together with flash_attention")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        heads = env.positive(self.num_heads, "num_heads")
        key_dim = env.positive(self.key_dim, "key_dim")
        value_dim = env.positive(self.value_dim, "value_dim")
        if self.attention_axes is not None:
            # Keras places the heads as an extra axis before the last: the projected query has
            # rank + 2 axes (batch included), and attention_axes must name one of them
            limit = len(shape) + 2
            for axis in self.attention_axes:
                if not -limit <= axis < limit:
                    raise CalcError(f"attention_axes {axis} is out of range for a query of shape rank {len(shape)}")
        width = shape[-1]
        out_sizes = self.output_sizes if self.output_sizes is not None else (width,)
        out_sizes = tuple(env.positive(size, "output_shape") for size in out_sizes)
        fixed = {b: sp.Integer(int(self.use_bias))}
        steps: list[Step] = []

        def projection(title: str, name: str, per_head: sp.Expr) -> Step:
            step = apply(PROJECTION, title, {d: width, h: heads, e: per_head}, fixed)
            step.lhs = f"P_{{{name}}}"  # which projection, as the total below names it
            steps.append(step)
            return step

        query = projection("Query projection", "q", key_dim)
        key = projection("Key projection", "k", key_dim)
        value = projection("Value projection", "v", value_dim)
        gate = projection("Gate projection", "g", value_dim) if self.use_gate else None
        output = apply(OUTPUT_PROJECTION, "Output projection", {h: heads, v: value_dim, o: sp.Mul(*out_sizes)}, fixed)
        steps.append(output)
        parts = {P_q: query.value, P_k: key.value, P_v: value.value, P_o: output.value}
        total = apply(
            TOTAL, "Parameters", {**parts, **({P_g: gate.value} if gate else {})}, {} if gate else {P_g: sp.Integer(0)}
        )
        steps.append(total)
        description: list = [heads, " heads of ", key_dim, " key and ", value_dim, " value dimensions, self-attention"]
        return LayerResult(
            output_shape=(*shape[:-1], *out_sizes),
            trainable=total.value,
            non_trainable=sp.Integer(0),
            param_steps=steps,
            description=description,
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step | None:
        """Self-attention over a sequence [L, d]; other ranks (attention_axes) have no MACs rule here."""
        shape = shapes[0]
        if len(shape) != 2:
            return None
        bindings = {
            L: shape[0],
            d: shape[-1],
            h: env.resolve(self.num_heads),
            k_d: env.resolve(self.key_dim),
            v_d: env.resolve(self.value_dim),
            o: sp.Mul(*result.output_shape[1:]),
        }
        return apply(MACS, "MACs", bindings, {gate: sp.Integer(int(self.use_gate))})
