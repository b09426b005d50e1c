"""Recurrent layers (SimpleRNN, LSTM, GRU) and the wrappers Bidirectional and TimeDistributed.

A recurrent layer reads a sequence of T steps of n features. Each of its g gates maps the step's n
inputs and the u values it output at the previous step to u new values, with b bias vectors of u values:
    params = g (u (n + u) + b u)
SimpleRNN has g = 1, LSTM g = 4 (input, forget, cell, output), GRU g = 3 (update, reset, candidate).
b is 1, except in Keras's GRU with ``reset_after=True`` (its default, the cuDNN form), which keeps one bias
for the input part and one for the recurrent part: b = 2. ``use_bias=False`` makes b = 0.

PyTorch's RNN, LSTM and GRU always keep two bias vectors per gate (b_ih and b_hh): the same count as
Keras's reset_after GRU, and g u more than Keras's SimpleRNN and LSTM.

The output is the last step's u values, or all T steps' (``return_sequences``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import sympy as sp

from calc.errors import CalcError, quote
from calc.layers.base import (
    Env,
    Layer,
    LayerResult,
    Shape,
    Value,
    agree,
    format_shape,
    to_bool,
    to_choice,
    to_expr,
)
from calc.rules import Mistake, Rule, Step, apply, local_symbols

g, u, n, b, P_1, P_2 = local_symbols("g u n b P_1 P_2")
T, M_1, M_2, m = local_symbols("T M_1 M_2 m")

MACS = Rule(
    lhs="M",
    expr=T * g * u * (n + u),
    why="At each of the T steps each of the g gates' u units sums a product with each of the n inputs and each "
    "of the u previous outputs; the gates' element-wise products, activations and biases are not counted.",
)
BOTH_WAYS_MACS = Rule(
    lhs="M", expr=M_1 + M_2, why="The forward and the backward layer each read the whole sequence once."
)
EACH_STEP_MACS = Rule(lhs="M", expr=T * m, why="The wrapped layer runs once on each of the T steps.")


def _recurrent_mistakes() -> tuple[Mistake, ...]:
    """The catalogue of the recurrent parameter rule: n + u, what each gate reads (the step's n inputs and the
    u previous outputs), is replaced where a mistake leaves the previous outputs out or counts them as one."""
    rule = RECURRENT_PARAMS.expr
    return (
        Mistake("forgot_bias", None, "Each of the g = {g} gates also has a bias of u = {u} values.", replaces={b: 0}),
        Mistake(
            "forgot_recurrent_weights",
            rule.xreplace({n + u: n}),
            "Each gate also reads the u = {u} values the layer output at the previous step: a u×u = {u}×{u} "
            "recurrent matrix per gate besides the u×n input matrix.",
        ),
        Mistake(
            "recurrent_weights_per_unit",
            rule.xreplace({n + u: n + 1}),
            "The recurrent weights are a u×u = {u}×{u} matrix per gate (every unit reads every previous output), "
            "not one weight per unit.",
        ),
        FORGOT_GATES,
        Mistake(
            "one_bias_per_gate",
            None,
            "With reset_after (Keras's default for GRU) each gate keeps two biases of u = {u} values, one for the "
            "input part and one for the recurrent part.",
            replaces={b: sp.Min(b, 1)},
        ),
        Mistake(
            "two_biases_per_gate",
            None,
            "Keras's SimpleRNN and LSTM keep one bias of u = {u} values per gate; two (b_ih and b_hh) is "
            "PyTorch's count.",
            replaces={b: 2 * sp.Min(b, 1)},
        ),
        Mistake(
            "sequence_length_as_features",
            None,
            "n is the number of features at each step ({actual}, the last axis), not the number of timesteps "
            "({value}): the same weights are used at every step, so the sequence length never enters the count.",
            substitute=n,
            alternatives="sequence",
        ),
        Mistake(
            "wrong_input_channels",
            None,
            "n is the number of features at each step coming into this layer ({actual}), not {value} ({source}).",
            substitute=n,
            alternatives="features",
        ),
        Mistake(
            "bidirectional_not_doubled",
            None,
            "A Bidirectional layer with merge_mode 'concat' outputs both directions side by side: the next layer "
            "reads {actual} features, not the {value} of one direction.",
            substitute=n,
            alternatives="one_direction",
        ),
    )


RECURRENT_PARAMS = Rule(
    lhs="P",
    name="Parameters of a recurrent layer",
    symbols={
        "g": "the gates: 1 for SimpleRNN, 4 for LSTM, 3 for GRU",
        "b": "the bias vectors per gate",
    },
    contrast="Keras gives each gate one bias vector (b = 1), except GRU with reset_after=True, its default, "
    "which keeps two (b = 2); PyTorch's RNN, LSTM and GRU always keep two, b_ih and b_hh.",
    expr=g * (u * (n + u) + b * u),
    why="Each of the g gates has a weight from each of the n inputs and each of the u previous outputs "
    "to each of its u units, and b bias vectors of u values.",
    mistakes=_recurrent_mistakes,
)
#: One gate's count given for the layer's: the same mistake in Keras's rule and PyTorch's (g gates in both).
FORGOT_GATES = Mistake(
    "forgot_gates",
    None,
    "That is one gate's count: the layer has g = {g} gates, each with its own weights and biases.",
    replaces={g: 1},
)
BIDIRECTIONAL_PARAMS = Rule(
    lhs="P",
    expr=P_1 + P_2,
    why="The forward layer (P_1) and the backward layer (P_2) each keep weights of their own.",
    mistakes=(
        Mistake(
            "bidirectional_not_doubled",
            None,
            "A Bidirectional layer keeps a second, backward layer with weights of its own: P_1 + P_2 = {P_1} + {P_2}.",
            replaces={P_2: 0},
        ),
    ),
)
CONCATENATED: Rule = Rule(
    lhs="u_{out}",
    expr=2 * u,
    why="merge_mode 'concat' puts the forward and backward outputs side by side.",
    mistakes=lambda: (
        Mistake(
            "bidirectional_not_doubled",
            CONCATENATED.expr / 2,
            "merge_mode 'concat' puts the forward and the backward outputs side by side: 2u = 2·{u} features.",
        ),
    ),
)

RECURRENT_OPTIONS = frozenset(
    {
        "recurrent_activation",
        "recurrent_initializer",
        "recurrent_regularizer",
        "recurrent_constraint",
        "unit_forget_bias",
        "dropout",
        "recurrent_dropout",
        "unroll",
        "use_cudnn",
        "implementation",
        "zero_output_for_mask",
    }
)


class Recurrent(Layer):
    """A Keras RNN layer over (timesteps, features) inputs."""

    min_rank = max_rank = 2
    neutral_options = RECURRENT_OPTIONS
    gates: ClassVar[int]
    gate_words: ClassVar[str]

    def __init__(
        self,
        units: Value,
        use_bias: bool = True,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        **options: Any,
    ):
        super().__init__(**options)
        self.units = to_expr(units, "units")
        self.use_bias = to_bool(use_bias, "use_bias")
        self.return_sequences = to_bool(return_sequences, "return_sequences")
        self.go_backwards = to_bool(go_backwards, "go_backwards")
        self.return_state = to_bool(return_state, "return_state")
        if to_bool(stateful, "stateful"):
            raise CalcError("stateful=True needs a fixed batch size, which Keras cannot know from an input shape")

    def bias_vectors(self) -> int:
        return 1

    def states(self, units: sp.Expr) -> list[Shape]:
        """The final states ``return_state`` adds as outputs after the output: one of u values (an LSTM: two,
        its output h and its cell c)."""
        return [(units,)] * self.state_count

    state_count: ClassVar[int] = 1

    def why(self) -> str:
        bias = "and no bias" if not self.use_bias else "plus a bias of u values"
        return (
            f"{self.gate_words} maps the n inputs and the u previous outputs to u values, "
            f"with a weight for each pair, {bias}."
        )

    def param_step(self, shape: Shape, env: Env) -> Step:
        units = env.positive(self.units, "units")
        # g stays a bound number, not a fixed one, so the formula keeps its per-gate structure: 4(u(n + u) + u)
        fixed = {b: sp.Integer(self.bias_vectors() if self.use_bias else 0)}
        if self.gates == 1:
            fixed[g] = sp.Integer(1)
        bindings = {g: sp.Integer(self.gates), u: units, n: shape[-1]}
        return apply(RECURRENT_PARAMS, "Parameters", bindings, fixed, why=self.why())

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        """The sequence, then the initial states if given (``initial_state=[h, c]``), each of u values."""
        if not shapes:
            raise CalcError(f"{self.type_name} needs a sequence")
        check_states(shapes[1:], self.states(env.resolve(self.units)), self.type_name, env)
        return self.build(shapes[0], env)

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        step = self.param_step(shape, env)
        units = env.resolve(self.units)
        output = (shape[0], units) if self.return_sequences else (units,)
        which = f"all {shape[0]} steps" if self.return_sequences else "the last step"
        states = self.states(units) if self.return_state else []
        description = [units, f" units over {'reversed ' if self.go_backwards else ''}sequences, output of {which}"]
        if states:
            plural = "s" * (len(states) > 1)
            description.append(f", then its final state{plural} as {len(states)} more output{plural}")
        return LayerResult(
            output_shape=output,
            trainable=step.value,
            non_trainable=sp.Integer(0),
            param_steps=[step],
            description=description,
            outputs=[output, *states] if states else None,
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        shape, units = shapes[0], env.resolve(self.units)
        fixed = {g: sp.Integer(1)} if self.gates == 1 else {}
        return apply(MACS, "MACs", {T: shape[0], g: sp.Integer(self.gates), u: units, n: shape[-1]}, fixed)


class SimpleRNN(Recurrent):
    gates, gate_words = 1, "The single recurrent layer"


class LSTM(Recurrent):
    gates, gate_words = 4, "Each of the g = 4 gates (input, forget, cell, output)"
    state_count = 2


class GRU(Recurrent):
    gates, gate_words = 3, "Each of the g = 3 gates (update, reset, candidate)"

    def __init__(self, units: Value, reset_after: bool = True, **options: Any):
        super().__init__(units, **options)
        self.reset_after = to_bool(reset_after, "reset_after")

    def bias_vectors(self) -> int:
        return 2 if self.reset_after else 1

    def why(self) -> str:
        if self.use_bias and self.reset_after:
            return (
                f"{self.gate_words} maps the n inputs and the u previous outputs to u values, with a weight "
                "for each pair; with reset_after (Keras's default) each gate keeps two biases of u values, "
                "one for the input part and one for the recurrent part."
            )
        return super().why()


def nested_layer(value: Any, what: str) -> Layer:
    """The layer a wrapper wraps. A spec's one-key mapping ({LSTM: {units: 8}}) is built by the spec reader
    (``calc.spec``), which knows the registry of layer types; a layer knows none."""
    if isinstance(value, Layer):
        return value
    raise CalcError(f"{what} must be a layer, written like {{LSTM: {{units: 8}}}} in a spec, got {quote(value)}")


def check_states(given: Sequence[Shape], states: Sequence[Shape], owner: str, env: Env) -> None:
    """Initial states handed to a recurrent layer must be as many as its states, each of their shape."""
    if not given:
        return
    if len(given) != len(states):
        raise CalcError(f"{owner} takes {len(states)} initial state{'s' * (len(states) > 1)}, got {len(given)}")
    for number, (shape, expected) in enumerate(zip(given, states), start=1):
        if len(shape) != len(expected) or not all(
            agree(a, b, f"initial state {number}", "the layer's state", env) for a, b in zip(shape, expected)
        ):
            raise CalcError(
                f"initial state {number} of {owner} has shape {format_shape(shape)}; the layer's states are "
                f"{format_shape(expected)}"
            )


def build_inner(layer: Layer, shape: Shape, env: Env) -> LayerResult:
    """Build a wrapped layer; a frozen one (trainable: false) counts all its weights as non-trainable."""
    result = layer.build(shape, env)
    if not layer.trainable:
        result.non_trainable, result.trainable = result.params, sp.Integer(0)
    return result


def _titled(steps: list[Step], prefix: str) -> list[Step]:
    for step in steps:
        step.title = f"{prefix}: {step.title[0].lower()}{step.title[1:]}" if step.title else prefix
    return steps


class Bidirectional(Layer):
    """Keras Bidirectional: the sequence read forwards by ``layer`` and backwards by a copy of it
    (or by ``backward_layer``), the two outputs merged by ``merge_mode``."""

    min_rank = max_rank = 2
    wraps = ("layer", "backward_layer")

    def __init__(
        self, layer: Any, merge_mode: str | None = "concat", weights: Any = None, backward_layer: Any = None, **options
    ):
        super().__init__(**options)
        self.layer = nested_layer(layer, "layer")
        self.backward_layer = None if backward_layer is None else nested_layer(backward_layer, "backward_layer")
        for inner, what in ((self.layer, "layer"), (self.backward_layer, "backward_layer")):
            if inner is not None and not isinstance(inner, Recurrent):
                raise CalcError(
                    f"Bidirectional needs a recurrent {what} (SimpleRNN, LSTM or GRU), got {inner.type_name}"
                )
        # merge_mode None: the forward and backward outputs come out apart, as two outputs
        modes = ("concat", "sum", "mul", "ave")
        self.merge_mode = None if merge_mode is None else to_choice(merge_mode, modes, "merge_mode")
        if weights is not None:
            raise CalcError("weights (initial values) are not supported; they do not change the counts")
        backward = self.backward_layer
        if backward is None and self.layer.go_backwards:
            raise CalcError("the layer already reads backwards (go_backwards), and so would its backward copy")
        if backward is not None:
            if backward.go_backwards == self.layer.go_backwards:
                raise CalcError("layer and backward_layer must read in opposite directions (go_backwards)")
            if backward.return_sequences != self.layer.return_sequences:
                raise CalcError("layer and backward_layer must agree on return_sequences")

    def sublayers(self) -> list[Layer]:
        return [inner for inner in (self.layer, self.backward_layer) if inner is not None]

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        """The sequence, then the initial states if given: the forward layer's, then the backward layer's."""
        if not shapes:
            raise CalcError("Bidirectional needs a sequence")
        backward = self.backward_layer or self.layer
        states = [*self.layer.states(env.resolve(self.layer.units)), *backward.states(env.resolve(backward.units))]
        check_states(shapes[1:], states, "Bidirectional", env)
        return self.build(shapes[0], env)

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        forward = build_inner(self.layer, shape, env)
        steps = _titled(forward.param_steps, "Forward layer")
        if self.backward_layer is None:
            for step in steps:  # the backward copy has weights of the same size
                step.counts *= 2
            backward = forward
            combined = apply(
                BIDIRECTIONAL_PARAMS,
                "Parameters",
                {P_1: forward.params, P_2: forward.params},
                why="The backward layer is a copy of the forward one (P_2 = P_1) with weights of its own.",
            )
        else:
            backward = build_inner(self.backward_layer, shape, env)
            if (forward.output_shape[-1] - backward.output_shape[-1]).is_zero is not True:
                raise CalcError(
                    f"backward_layer has {backward.output_shape[-1]} units and layer {forward.output_shape[-1]}; "
                    "Keras sizes the merged output from the forward layer alone, so give both the same units"
                )
            steps += _titled(backward.param_steps, "Backward layer")
            combined = apply(BIDIRECTIONAL_PARAMS, "Parameters", {P_1: forward.params, P_2: backward.params})
        shape_steps = []
        output = forward.output_shape
        if self.merge_mode == "concat":
            width = apply(CONCATENATED, "Output features", {u: output[-1]})
            width.axes = (len(output) - 1,)
            shape_steps.append(width)
            output = (*output[:-1], width.value)
        combined.counts = 0  # it adds up the two layers' steps
        # Keras's order: the output (or the forward and the backward output), then the forward layer's final
        # states, then the backward layer's (each the forward layer's shapes)
        outputs = [output, output] if self.merge_mode is None else [output]
        states = forward.output_shapes[1:]
        outputs += [*states, *states]
        merged = "apart (two outputs)" if self.merge_mode is None else f"by '{self.merge_mode}'"
        return LayerResult(
            output_shape=output,
            trainable=forward.trainable + backward.trainable,
            non_trainable=forward.non_trainable + backward.non_trainable,
            shape_steps=shape_steps,
            param_steps=[*steps, combined],
            description=[f"{self.layer.type_name} read both ways, outputs merged {merged}"],
            outputs=outputs if len(outputs) > 1 else None,
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        forward = self.layer.macs(shapes, result, env)
        backward = (self.backward_layer or self.layer).macs(shapes, result, env)
        return apply(BOTH_WAYS_MACS, "MACs", {M_1: forward.value, M_2: backward.value})


class TimeDistributed(Layer):
    """Keras TimeDistributed: ``layer`` applied to each of the T slices along the first axis, with one
    set of weights shared by all of them."""

    min_rank = 2
    wraps = ("layer",)

    def __init__(self, layer: Any, **options: Any):
        super().__init__(**options)
        self.layer = nested_layer(layer, "layer")

    def sublayers(self) -> list[Layer]:
        return [self.layer]

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        try:
            inner = build_inner(self.layer, shape[1:], env)
        except CalcError as error:
            where = f"the wrapped {self.layer.type_name}, on each step's shape {format_shape(shape[1:])}"
            raise CalcError(f"{where}: {error.message}") from None
        return LayerResult(
            output_shape=(shape[0], *inner.output_shape),
            trainable=inner.trainable,
            non_trainable=inner.non_trainable,
            shape_steps=_titled(inner.shape_steps, "Each step"),
            param_steps=_titled(inner.param_steps, f"{self.layer.type_name}, shared by all {shape[0]} steps"),
            description=[f"{self.layer.type_name} on each of ", shape[0], " steps: ", *inner.description],
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step | None:
        step_shape = tuple(shapes[0][1:])
        inner = self.layer.macs([step_shape], build_inner(self.layer, step_shape, env), env)
        if inner is None:
            return None
        return apply(EACH_STEP_MACS, "MACs", {T: shapes[0][0], m: inner.value})
