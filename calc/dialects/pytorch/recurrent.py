"""torch.nn.RNN, GRU, LSTM: a sequence [L, H_in] in, the output at every step [L, D * H_out] out.

PyTorch returns the whole output sequence (Keras's return_sequences=True), with the D directions
side by side; ``batch_first`` only moves the batch axis, which calc leaves out, so the shapes here
read the same either way. Each gate has two bias vectors, b_ih and b_hh, where Keras's LSTM and
SimpleRNN have one. Layer 1 reads the input; each later layer reads the D * H_out outputs below it.
MACs: per time step, direction and layer, the gates' weighted sums of inputs and recurrent values; each
output step reads every earlier step, so the layer ends the receptive field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import sympy as sp

from calc.dialects.pytorch.base import TorchLayer, check_matches, exact_choice, torch_shape
from calc.errors import CalcError, quote
from calc.layers.base import Env, LayerResult, Shape, Value, fmt, to_bool, to_expr
from calc.layers.recurrent import FORGOT_GATES
from calc.rules import Mistake, Rule, Step, apply, local_symbols

g, h, x, r, bias, q, n_d, n_l, p_1, p_2 = local_symbols("g h x r b q D N P_1 P_2")

LAYER_PARAMS = Rule(
    lhs="P_{dir}",
    expr=g * h * (x + r) + 2 * bias * g * h + q * h,
    why="Each of the g gates (1 for RNN; 3 for GRU: reset, update, new; 4 for LSTM: input, forget, cell, "
    "output) has h units, each with a weight for every one of the x inputs and of the r recurrent values, "
    "and PyTorch gives every gate two bias vectors, b_ih and b_hh (Keras's LSTM and SimpleRNN have one). "
    "An LSTM with proj_size q also projects its h hidden values down to q with a q x h matrix.",
    mistakes=lambda: (
        Mistake(
            "forgot_bias",
            None,
            "PyTorch gives each of the g = {g} gates two bias vectors of h = {h} values (b_ih and b_hh): 2·g·h biases.",
            replaces={bias: 0},
        ),
        Mistake(
            "one_bias_per_gate",
            None,
            "PyTorch keeps two bias vectors per gate, b_ih and b_hh (Keras's LSTM keeps one): 2·g·h = 2·{g}·{h} "
            "biases, not g·h.",
            replaces={bias: bias / 2},
        ),
        Mistake(
            "forgot_recurrent_weights",
            None,
            "Each gate also reads the h = {h} values of the previous step: an h×h recurrent matrix (weight_hh) "
            "per gate besides the h×x input matrix (weight_ih).",
            replaces={r: 0},
        ),
        FORGOT_GATES,
        Mistake(
            "wrong_input_channels",
            None,
            "x is the number of features at each step coming into this layer ({actual}), not {value} ({source}).",
            substitute=x,
            alternatives="features",
        ),
        Mistake(
            "sequence_length_as_features",
            None,
            "x is input_size, the features at each step ({actual}), not the sequence length ({value}): the same "
            "weights are used at every step.",
            substitute=x,
            alternatives="sequence",
        ),
        Mistake(
            "bidirectional_not_doubled",
            None,
            "Each later layer of a bidirectional stack reads both directions of the layer below, side by side: "
            "x = D·h = {actual}, not {value}.",
            substitute=x,
            alternatives="one_direction",
        ),
    ),
)
TOTAL_PARAMS = Rule(
    lhs="P",
    expr=n_d * (p_1 + (n_l - 1) * p_2),
    why="Each of the D directions of each of the N stacked layers has its own weights; the first layer "
    "reads the input and each later layer reads the D outputs of the layer below.",
    mistakes=(
        Mistake(
            "bidirectional_not_doubled",
            None,
            "With bidirectional=True each layer has a forward and a backward direction, each with weights of "
            "its own: D = 2.",
            replaces={n_d: 1},
        ),
        Mistake(
            "forgot_stacked_layers",
            None,
            "num_layers = {N} stacks that many layers, each with weights of its own.",
            replaces={n_l: 1},
        ),
        Mistake(
            "stacked_layers_read_input",
            None,
            "Only the first layer reads the input; each later layer reads the D·h outputs of the layer below, so "
            "its count differs: P_2 = {P_2}, not P_1 = {P_1}.",
            replaces={p_2: p_1},
        ),
    ),
)
OUTPUT_SIZE = Rule(
    lhs="n_{out}",
    expr=n_d * h,
    why="PyTorch returns the output at every time step, the D directions side by side (D = 2 when "
    "bidirectional), each of h values (q with proj_size). Keras's recurrent layers return only the last "
    "step unless return_sequences=True.",
    mistakes=(
        Mistake(
            "bidirectional_not_doubled",
            None,
            "A bidirectional layer puts its two directions side by side: D·h = 2·{h} features.",
            replaces={n_d: 1},
        ),
    ),
)


length, m_1, m_2 = local_symbols("L M_1 M_2")
STEP_MACS = Rule(
    lhs="M_{step}",
    expr=g * h * (x + r) + q * h,
    why="At each time step each of the g gates' h units sums a product with each of the x inputs and each of "
    "the r recurrent values; an LSTM with proj_size q projects its h values down to q (q h more). The gates' "
    "element-wise products, activations and biases are not multiply-accumulates of weighted sums and are "
    "not counted (ptflops counts them).",
)
TOTAL_MACS = Rule(
    lhs="M",
    expr=length * n_d * (m_1 + (n_l - 1) * m_2),
    why="Each of the L time steps runs every one of the D directions of each of the N stacked layers once; the "
    "first layer reads the input, each later one the D outputs of the layer below.",
)


class RecurrentNd(TorchLayer):
    """A stack of ``num_layers`` recurrent layers, each in one or two directions."""

    gates: ClassVar[int]
    neutral = TorchLayer.neutral | {"dropout"}
    min_rank = max_rank = 2

    def __init__(
        self,
        input_size: Value,
        hidden_size: Value,
        num_layers: Value = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        **options: Any,
    ):
        super().__init__(**options)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise CalcError(f"dropout must be a number from 0 to 1, got {quote(dropout)}")
        self.input_size = to_expr(input_size, "input_size")
        self.hidden_size = to_expr(hidden_size, "hidden_size")
        self.num_layers = to_expr(num_layers, "num_layers")
        self.bias = to_bool(bias, "bias")
        self.batch_first = to_bool(batch_first, "batch_first")
        self.bidirectional = to_bool(bidirectional, "bidirectional")
        self.proj_size: sp.Expr = sp.Integer(0)

    def build(self, shape: Shape, env: Env) -> LayerResult:
        if len(shape) != 2:
            raise CalcError(
                f"{self.type_name} takes a sequence [L, input_size] (batch axis left out), got {torch_shape(shape)}"
            )
        input_size = env.positive(self.input_size, "input_size")
        hidden = env.positive(self.hidden_size, "hidden_size")
        layers = env.positive(self.num_layers, "num_layers")
        proj = env.non_negative(self.proj_size, "proj_size")
        if (proj >= hidden) is sp.true and proj != 0:
            raise CalcError(f"proj_size ({fmt(proj)}) has to be smaller than hidden_size ({fmt(hidden)})")
        check_matches(
            input_size, shape[-1], "input_size", f"the last axis of the input {torch_shape(shape)} is {{}}", env
        )
        directions = sp.Integer(2 if self.bidirectional else 1)
        out = hidden if proj == 0 else proj
        size = apply(OUTPUT_SIZE, "Output features", {n_d: directions, h: out}, fixed=_one(n_d, directions))
        size.axes = (1,)

        fixed = {g: sp.Integer(self.gates), bias: sp.Integer(int(self.bias))}
        fixed.update({q: sp.Integer(0), r: h} if proj == 0 else {})
        per = ", per direction" if directions != 1 else ""
        first = "Parameters" + (" of layer 1" if layers != 1 else "") + per
        steps = [apply(LAYER_PARAMS, first, {h: hidden, x: input_size, r: proj, q: proj}, fixed)]
        later = sp.Integer(0)
        if layers != 1:
            bindings = {h: hidden, x: size.value, r: proj, q: proj}
            steps.append(apply(LAYER_PARAMS, f"Parameters of each later layer{per}", bindings, fixed))
            later = steps[-1].value
        total_fixed = {**_one(n_d, directions), **_one(n_l, layers)}
        bindings = {n_d: directions, n_l: layers, p_1: steps[0].value, p_2: later}
        total = apply(TOTAL_PARAMS, "Parameters", bindings, total_fixed)
        if layers != 1 or directions != 1:
            steps[0].counts = directions  # each direction has its own copy of these weights
            if layers != 1:
                steps[1].counts = directions * (layers - 1)
            total.counts = 0  # it adds up the steps above
            steps.append(total)
        description: list = [layers, " layer" if layers == 1 else " layers", " of ", hidden, " units"]
        description += [", bidirectional" if self.bidirectional else "", "" if self.bias else ", no bias"]
        if proj != 0:
            description += [", projected to ", proj]
        return LayerResult(
            output_shape=(shape[0], size.value),
            trainable=total.value,
            non_trainable=sp.Integer(0),
            shape_steps=[size] if size.formula.free_symbols - {h} else [],
            param_steps=steps,
            description=description,
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        hidden, proj = env.resolve(self.hidden_size), env.resolve(self.proj_size)
        layers = env.resolve(self.num_layers)
        directions = sp.Integer(2 if self.bidirectional else 1)
        fixed = {g: sp.Integer(self.gates), **({q: sp.Integer(0), r: h} if proj == 0 else {})}
        first = apply(STEP_MACS, "MACs per time step", {h: hidden, x: shapes[0][-1], r: proj, q: proj}, fixed)
        later = sp.Integer(0)
        if layers != 1:
            out = directions * (hidden if proj == 0 else proj)
            later = apply(STEP_MACS, "", {h: hidden, x: out, r: proj, q: proj}, fixed).value
        bindings = {length: shapes[0][0], n_d: directions, m_1: first.value, m_2: later, n_l: layers}
        return apply(TOTAL_MACS, "MACs", bindings, {**_one(n_d, directions), **_one(n_l, layers)})


def _one(symbol: sp.Symbol, value: sp.Expr) -> dict[sp.Symbol, sp.Expr]:
    """A count of one goes into the formula itself (one direction, one layer)."""
    return {symbol: sp.Integer(1)} if value == 1 else {}


class RNN(RecurrentNd):
    gates = 1

    def __init__(self, input_size: Value, hidden_size: Value, nonlinearity: str = "tanh", **options: Any):
        super().__init__(input_size, hidden_size, **options)
        self.nonlinearity = exact_choice(nonlinearity, ("tanh", "relu"), "nonlinearity")


class GRU(RecurrentNd):
    gates = 3


class LSTM(RecurrentNd):
    gates = 4

    def __init__(self, input_size: Value, hidden_size: Value, proj_size: Value = 0, **options: Any):
        super().__init__(input_size, hidden_size, **options)
        self.proj_size = to_expr(proj_size, "proj_size")
