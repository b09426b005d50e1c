"""Keras MultiHeadAttention: mha(query, value, key), with the key the value when not given.

Keras projects the query, key and value each with a dense map from its own last axis (d_q, d_k, d_v)
to h heads of e values (e = key_dim for query and key, value_dim for value), with a bias of h e values
when ``use_bias``:
    P_proj = d h e + b h e
then maps the h heads of value_dim values back to the output (the query's last axis, or
``output_shape``, whose sizes multiply to o) with a bias of o values:
    P_out = h v o + b o
``use_gate`` adds a fourth projection of the query to h heads of value_dim values. The output has the
query's shape with its last axis replaced by ``output_shape`` (or kept). Attention itself has no weights.

With ``return_attention_scores`` (a call argument in Keras) the layer has a second output, the scores:
the axes attention does not run over, the h heads, the query's attended axes and the key's.

One input is self-attention (query = value = key); a graph gives two (query, value: the key is the
value) or three (query, value, key), in Keras's order. The key and value must agree on every axis but
the last (Keras refuses the call otherwise); the query must have as many axes as they do, and agree
with them on the axes attention does not run over (Keras builds such a layer, but its call fails).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from calc.errors import CalcError, quote
from calc.layers.base import Env, Layer, LayerResult, Shape, Value, agree, fmt, format_shape, to_bool, to_expr
from calc.layers.dense import MACS as DENSE_MACS
from calc.layers.dense import PARAMS as DENSE_PARAMS
from calc.layers.dense import dense_count
from calc.rules import Mistake, Rule, Step, apply, local_symbols

d, h, e, v, o, b = local_symbols("d h e v o b")
P_q, P_k, P_v, P_g, P_o = local_symbols("P_q P_k P_v P_g P_o")
L, L_q, L_k, d_q, d_k, d_v, gate = local_symbols("L L_q L_k d_q d_k d_v gamma")

ATTENTION_SYMBOLS = {
    "d": "the values on the last axis of the input the projection reads",
    "h": "the number of heads",
    "e": "the values per head of the queries and keys (key_dim)",
    "v": "the values per head of the values (value_dim)",
    "o": "the values of the output's last axis",
    "d_q": "the values of one query position",
    "d_k": "the values of one key position",
    "d_v": "the values of one value position",
    "gamma": "1 with use_gate, 0 without",
    "P_q": "the query projection's parameters",
    "P_k": "the key projection's parameters",
    "P_v": "the value projection's parameters",
    "P_g": "the gate projection's parameters (0 without a gate)",
    "P_o": "the output projection's parameters",
}
PROJECTION = Rule(
    lhs="P",
    name="Parameters of an attention projection",
    symbols=ATTENTION_SYMBOLS,
    expr=dense_count(DENSE_PARAMS, d, h * e),  # a Dense map from d values to h heads of e
    why="A dense map from the d values of the last axis to h heads of e values each: one weight per "
    "(input, head, value) triple, plus a bias of h e values when the layer uses one.",
    mistakes=(
        Mistake("forgot_bias", None, "Each projection also has a bias of h·e = {h}·{e} values.", replaces={b: 0}),
        Mistake(
            "key_dim_split_across_heads",
            None,
            "In Keras key_dim (and value_dim) is the size of each head, e = {e}, not a width split among the "
            "h = {h} heads (that is PyTorch's embed_dim): each projection maps d to h·e = {h}·{e} values.",
            replaces={e: e / h},
        ),
        Mistake(
            "sequence_length_as_features",
            None,
            "d is the size of the last axis, the features at each position ({actual}), not the sequence length "
            "({value}): the same projection is applied at every position.",
            substitute=d,
            alternatives="sequence",
        ),
    ),
)
OUTPUT_PROJECTION = Rule(
    lhs=r"P_{o}",
    name="Parameters of attention's output projection",
    symbols=ATTENTION_SYMBOLS,
    expr=dense_count(DENSE_PARAMS, h * v, o),  # a Dense map from h heads of v values to o
    why="The h heads of v values are mapped back to the o output values: one weight per (head, value, "
    "output) triple, plus a bias of o values when the layer uses one.",
    mistakes=(
        Mistake("forgot_bias", None, "The output projection also has a bias of o = {o} values.", replaces={b: 0}),
        Mistake(
            "key_dim_split_across_heads",
            None,
            "In Keras value_dim is the size of each head, v = {v}, not a width split among the h = {h} heads: "
            "the output projection reads h·v = {h}·{v} values.",
            replaces={v: v / h},
        ),
    ),
)
TOTAL = Rule(
    lhs="P",
    expr=P_q + P_k + P_v + P_g + P_o,
    name="Parameters of multi-head attention",
    symbols=ATTENTION_SYMBOLS,
    why="The query, key and value projections, the gate when there is one, and the output projection "
    "each have weights of their own; the attention scores themselves have none.",
    mistakes=(
        Mistake(
            "forgot_output_projection",
            None,
            "After attention the h heads are mapped back to the output by a projection of its own: "
            "P_o = {P_o} parameters.",
            replaces={P_o: 0},
        ),
    ),
)


def _positive_int(value: Any, what: str) -> sp.Expr:
    expr = to_expr(value, what)
    if expr.is_number and not (expr.is_Integer and expr > 0):
        raise CalcError(f"{what} must be a positive whole number, got {fmt(expr)}")
    return expr


MACS = Rule(
    lhs="M",
    name="MACs of multi-head attention",
    symbols=ATTENTION_SYMBOLS,
    expr=lambda: _macs(),
    why="The L_q query positions project their d_q values to h heads of e (the query) and, with use_gate, of v "
    "(the gate); the L_k key and value positions project d_k values to h heads of e and d_v values to h heads of v; "
    "every query meets every key in h e products and weighs the values in h v; the output projection maps each "
    "query position's h v values to o. Softmax and biases are not multiply-accumulates. Self-attention is "
    "L_q = L_k = L and d_q = d_k = d_v = d.",
)


def _macs() -> sp.Expr:
    """The projections' MACs read off the Dense rule (the query and key maps to h e values grouped, the value and
    gate maps to h v grouped), and attention's own: every query meets every key in h e products, weighs the
    values in h v."""
    to_keys = dense_count(DENSE_MACS, d_q, h * e, L_q) + dense_count(DENSE_MACS, d_k, h * e, L_k)
    to_values = dense_count(DENSE_MACS, d_v, h * v, L_k) + gate * dense_count(DENSE_MACS, d_q, h * v, L_q)
    attention = L_q * L_k * h * (e + v)
    return sp.factor_terms(to_keys) + sp.factor_terms(to_values) + attention + dense_count(DENSE_MACS, h * v, o, L_q)


#: What each input is, in Keras's order: mha(query, value, key).
ROLES = ("query", "value", "key")


def _sources(count: int) -> dict[str, str]:
    """Which input each projection reads, in words: the query and gate read the query, the key reads the key
    (the value when no key is given), the value the value."""
    if count == 1:
        return dict.fromkeys(("query", "key", "value", "gate"), "the input (query, value and key)")
    value = "the value (input 2)"
    key = "the key (input 3)" if count == 3 else f"{value}: with no key given, Keras uses the value as the key"
    return {"query": "the query (input 1)", "key": key, "value": value, "gate": "the query (input 1)"}


class MultiHeadAttention(Layer):
    """Keras MultiHeadAttention: self-attention on one input, attention from a query to a value (and key)
    on two or three."""

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
        return_attention_scores: bool = False,
        **options: Any,
    ):
        super().__init__(**options)
        # Keras takes it at the call (mha(q, v, return_attention_scores=True)); the importers put it here
        self.return_attention_scores = to_bool(return_attention_scores, "return_attention_scores")
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
            raise CalcError(f"attention_axes must be an axis number or a list of them, got {quote(attention_axes)}")
        self.attention_axes = None if axes is None else tuple(axes)
        dropout, flash = options.get("dropout", 0.0), options.get("flash_attention")
        if flash and isinstance(dropout, (int, float)) and dropout > 0:
            raise CalcError("Keras does not allow dropout together with flash_attention")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return self.build_many([shape], env)

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        if not 1 <= len(shapes) <= 3:
            raise CalcError(f"MultiHeadAttention takes 1 to 3 inputs (query, value, key), got {len(shapes)}")
        query, value, key = _roles(shapes)
        heads = env.positive(self.num_heads, "num_heads")
        key_dim = env.positive(self.key_dim, "key_dim")
        value_dim = env.positive(self.value_dim, "value_dim")
        attended = self._attended_axes(query)
        _check_agreement(query, value, key, attended, env)
        out_sizes = self.output_sizes if self.output_sizes is not None else (query[-1],)
        out_sizes = tuple(env.positive(size, "output_shape") for size in out_sizes)
        fixed = {b: sp.Integer(int(self.use_bias))}
        sources = _sources(len(shapes))
        steps: list[Step] = []

        def projection(role: str, name: str, width: sp.Expr, per_head: sp.Expr) -> Step:
            title = f"{role.capitalize()} projection, reading {sources[role]}"
            step = apply(PROJECTION, title, {d: width, h: heads, e: per_head}, fixed)
            step.lhs = f"P_{{{name}}}"  # which projection, as the total below names it
            steps.append(step)
            return step

        parts = {
            P_q: projection("query", "q", query[-1], key_dim).value,
            P_k: projection("key", "k", key[-1], key_dim).value,
            P_v: projection("value", "v", value[-1], value_dim).value,
        }
        if self.use_gate:
            parts[P_g] = projection("gate", "g", query[-1], value_dim).value
        output = apply(OUTPUT_PROJECTION, "Output projection", {h: heads, v: value_dim, o: sp.Mul(*out_sizes)}, fixed)
        steps.append(output)
        parts[P_o] = output.value
        total = apply(TOTAL, "Parameters", parts, {} if self.use_gate else {P_g: sp.Integer(0)})
        total.counts = 0  # it adds up the projections
        steps.append(total)
        description: list = [heads, " heads of ", key_dim, " key and ", value_dim, " value dimensions, "]
        if len(shapes) == 1:
            description.append("self-attention")
        else:
            reads = "key and value from input 2" if len(shapes) == 2 else "value from input 2, key from input 3"
            description.append(f"cross-attention: query from input 1, {reads}")
        output_shape = (*query[:-1], *out_sizes)
        outputs = None
        if self.return_attention_scores:
            description.append(", then the attention scores as a second output")
            outputs = [output_shape, _scores_shape(query, key, attended, heads)]
        return LayerResult(
            output_shape=output_shape,
            trainable=total.value,
            non_trainable=sp.Integer(0),
            param_steps=steps,
            description=description,
            outputs=outputs,
        )

    def _attended_axes(self, query: Shape) -> set[int]:
        """The query's axes (batch axis left out) attention runs over: all but the last by default."""
        rank = len(query)
        if self.attention_axes is None:
            return set(range(rank - 1))
        # Keras places the heads as an extra axis before the last: the projected query has rank + 2
        # axes (batch included), attention_axes must name one of them, and a negative axis counts
        # from the heads axis
        limit = rank + 2
        for axis in self.attention_axes:
            if not -limit <= axis < limit:
                raise CalcError(f"attention_axes {axis} is out of range for a query of shape rank {rank}")
        return {(axis if axis >= 0 else limit - 1 + axis) - 1 for axis in self.attention_axes}

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step | None:
        """Attention from the L_q positions of a query [..., d_q] to the L_k positions of a value (and key).
        With Keras's default attention axes (every axis but the batch and the last) a query of shape
        (4, 5, d) has 20 positions that all attend to each other; attention over some of the axes only
        (``attention_axes``) has no MACs rule here."""
        query, value, key = _roles(shapes)
        every_axis = set(range(1, len(query)))  # Keras's numbering: the batch axis is 0, the features last
        if len(query) < 2 or (self.attention_axes is not None and set(self.attention_axes) != every_axis):
            return None
        positions, sources = sp.Mul(*query[:-1]), sp.Mul(*value[:-1])
        bindings = {
            L_q: positions,
            L_k: sources,
            d_q: query[-1],
            d_k: key[-1],
            d_v: value[-1],
            h: env.resolve(self.num_heads),
            e: env.resolve(self.key_dim),
            v: env.resolve(self.value_dim),
            o: sp.Mul(*result.output_shape[len(query) - 1 :]),  # the values of one output position
        }
        fixed: dict[sp.Symbol, sp.Expr] = {gate: sp.Integer(int(self.use_gate))}
        if len(shapes) == 1:  # one sequence: one length and one width
            fixed.update({L_q: L, L_k: L, d_q: d, d_k: d, d_v: d})
            bindings.update({L: positions, d: query[-1]})
        elif len(shapes) == 2:  # the key is the value
            fixed[d_k] = d_v
        return apply(MACS, "MACs", bindings, fixed)


def _scores_shape(query: Shape, key: Shape, attended: set[int], heads: sp.Expr) -> Shape:
    """Keras's attention scores: the axes attention does not run over, the h heads, then the query's attended
    axes and the key's: (h, L_q, L_k) for a sequence with the default axes."""
    axes = range(len(query) - 1)
    return (
        *(query[i] for i in axes if i not in attended),
        heads,
        *(query[i] for i in axes if i in attended),
        *(key[i] for i in axes if i in attended),
    )


def _roles(shapes: Sequence[Shape]) -> tuple[Shape, Shape, Shape]:
    """(query, value, key) from Keras's call order: the value defaults to the query, the key to the value."""
    query = shapes[0]
    value = shapes[1] if len(shapes) > 1 else query
    key = shapes[2] if len(shapes) > 2 else value
    return query, value, key


def _check_agreement(query: Shape, value: Shape, key: Shape, attended: set[int], env: Env) -> None:
    """Keras's check that key and value agree on all axes but the last, and the ones its attention call needs:
    the same number of axes as the query, and the query's sizes on the axes attention does not run over."""
    if len(key) != len(value) or not all(
        agree(a, b, f"the value's axis {axis}", f"the key's axis {axis}", env)
        for axis, (a, b) in enumerate(zip(value[:-1], key[:-1]), start=1)
    ):
        raise CalcError(
            f"the value {format_shape(value)} and the key {format_shape(key)} must agree on every axis but the last"
        )
    if len(value) != len(query):
        raise CalcError(
            f"the query {format_shape(query)} and the value {format_shape(value)} have different numbers of axes; "
            "attention needs the same number (Keras builds such a layer, but calling it fails)"
        )
    for axis in sorted(set(range(len(query) - 1)) - attended):
        if not agree(query[axis], value[axis], f"the query's axis {axis + 1}", f"the value's axis {axis + 1}", env):
            raise CalcError(
                f"axis {axis + 1} is not an attention axis, so the query {format_shape(query)} and the value "
                f"{format_shape(value)} must agree on it (Keras builds such a layer, but calling it fails)"
            )
