"""Dense: a fully connected layer acting on the last axis of any rank.

    params = n_in * n_out + b * n_out
one weight per (input, unit) pair plus one bias per unit when ``use_bias``. MACs: one product per weight,
at each of the q positions along the other axes: macs = q * n_in * n_out. Each unit reads the whole last
axis, so that axis has no receptive field after it; the other axes keep theirs (Dense on an image's
channels is a 1 x 1 convolution). After Flatten, nothing is left: Dense ends the receptive field. With
``lora_rank`` the kernel is frozen and a low-rank update trained instead (``lora``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from calc.layers.base import Env, Layer, LayerResult, Shape, Value, to_bool, to_expr
from calc.layers.lora import FROZEN_WHY, lora_update, parse_rank
from calc.layers.receptive import Field, FieldChange
from calc.rules import Mistake, Rule, Step, apply, bias_mistakes, local_symbols, shared_bias_mistakes

n_in, n_out, b, q = local_symbols("n_in n_out b q")


def _params_mistakes() -> tuple[Mistake, ...]:
    """The catalogue of the parameter rule, built on first use (see Rule)."""
    forgot_bias, bias_per_weight = bias_mistakes(b, n_in, "unit", "n_out")
    wrong_inputs = Mistake(
        "wrong_input_channels",
        None,
        "n_in is the size of the last axis coming into this layer ({actual}), not {value} ({source}).",
        substitute=n_in,
        alternatives="features",
    )
    flattens = Mistake(
        "dense_flattens_input",
        None,
        "Dense acts on the last axis only ({actual} values); it does not flatten its input ({value} values in "
        "all): the other axes pass through, sharing the same weights.",
        substitute=n_in,
        alternatives="flattened",
    )
    one_direction = Mistake(
        "bidirectional_not_doubled",
        None,
        "A Bidirectional layer with merge_mode 'concat' outputs both directions side by side: this layer reads "
        "{actual} features, not the {value} of one direction.",
        substitute=n_in,
        alternatives="one_direction",
    )
    more_bias = shared_bias_mistakes(b, n_out, "unit", "n_out")
    return forgot_bias, wrong_inputs, bias_per_weight, flattens, one_direction, *more_bias


PARAMS = Rule(
    lhs="P",
    expr=n_in * n_out + b * n_out,
    name="Parameters of a dense layer",
    why="Every one of the n_out units has a weight for each of the n_in inputs, plus one bias per "
    "unit when the layer uses one.",
    mistakes=_params_mistakes,
)


MACS = Rule(
    lhs="M",
    name="MACs of a dense layer",
    expr=q * n_in * n_out,
    why="Each of the n_out units sums a product with each of the n_in inputs, once for each of the q "
    "positions along the other axes (q = 1 for a vector); adding the bias is not a multiply-accumulate.",
)


def dense_count(rule: Rule, inputs: sp.Expr, units: sp.Expr, positions: sp.Expr = sp.S.One) -> sp.Expr:
    """``PARAMS`` or ``MACS`` over other symbols: a dense map from ``inputs`` to ``units`` values at ``positions``
    positions, as attention's query, key, value and output projections are. They read this rule, never a copy."""
    return rule.expr.xreplace({n_in: inputs, n_out: units, q: positions})


def dense_macs(shape: Shape, units: sp.Expr) -> Step:
    """The MACs step of a fully connected layer on the last axis of ``shape``."""
    positions = sp.Mul(*shape[:-1])
    fixed = {q: sp.Integer(1)} if positions == 1 else {}
    return apply(MACS, "MACs", {q: positions, n_in: shape[-1], n_out: units}, fixed)


def weight_shapes(inputs: sp.Expr, units: sp.Expr, bias: bool, layout: str) -> list:
    """The sentence naming a dense layer's tensors in its framework's layout: Keras's kernel is
    (inputs, units), one column per unit; PyTorch's weight is (out_features, in_features), one row each."""
    keras = layout == "keras"
    weight, shape, per = ("kernel", (inputs, units), "column") if keras else ("weight", (units, inputs), "row")
    words = [f"The weights form {weight}, a ", shape, f" matrix with one {per} of ", inputs, " weights per unit"]
    if bias:
        words += [", and bias holds one bias per unit: ", units, " values."]
    else:
        words += ["; there is no bias."]
    return words


class Dense(Layer):
    """Keras Dense: ``units`` outputs from the last axis; the other axes pass through."""

    min_rank = 1

    def __init__(
        self, units: Value, use_bias: bool = True, lora_rank: Value | None = None, lora_alpha: Any = None, **options
    ):
        super().__init__(**options)
        self.units = to_expr(units, "units")
        self.use_bias = to_bool(use_bias, "use_bias")
        self.lora_rank = parse_rank(lora_rank)  # lora_alpha scales the update's values, not its size

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        units = env.positive(self.units, "units")
        step = apply(PARAMS, "Parameters", {n_in: shape[-1], n_out: units}, fixed={b: sp.Integer(int(self.use_bias))})
        description: list = [units, " units on the last axis of ", shape[-1], " inputs"]
        if not self.use_bias:
            description.append(", no bias")
        trainable, non_trainable, steps = step.value, sp.Integer(0), [step]
        if self.lora_rank is not None:
            update = lora_update(self.lora_rank, shape[-1], units, self.use_bias, env)
            frozen = apply(
                PARAMS, "Non-trainable parameters", {n_in: shape[-1], n_out: units}, {b: sp.Integer(0)}, FROZEN_WHY
            )
            trainable, non_trainable, steps = update.value, frozen.value, [update, frozen]
            description += [", trained through a rank-", env.resolve(self.lora_rank), " update"]
        return LayerResult(
            output_shape=(*shape[:-1], units),
            trainable=trainable,
            non_trainable=non_trainable,
            param_steps=steps,
            description=description,
            param_notes=[weight_shapes(shape[-1], units, self.use_bias, "keras")],
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        return dense_macs(shapes[0], result.output_shape[-1])

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        return dense_field(fields[0])


DENSE_ENDS = (
    "Each unit reads every value of the last axis: after a Flatten that is the whole input, so the receptive "
    "field ends."
)
DENSE_KEEPS = (
    "Each unit reads every value of the last axis (the channels) at one position: the other axes keep their "
    "receptive field."
)


def dense_field(incoming: Field) -> FieldChange:
    """A layer that mixes the last axis only: that axis has no field after it; the others keep theirs."""
    out = (*incoming[:-1], None)
    return FieldChange(out, [], DENSE_KEEPS if any(a is not None for a in out) else DENSE_ENDS)
