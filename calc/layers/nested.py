"""A model used as a layer (Keras lets a Sequential or functional model be called like a layer).

Its parameters are the sum of its own layers'; its output shape is what its graph produces from the
incoming shapes. The inner analysis is kept, so a derivation can show the block's layers. Its MACs are
its layers' added up, m times for m repeated copies; its receptive field is followed through its layers.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import sympy as sp

from calc.errors import CalcError
from calc.expressions import MAX_POWER_BITS
from calc.layers.base import AXIS_NAMES, Env, Layer, LayerResult, Shape, format_shape, to_expr
from calc.layers.receptive import AxisField, Field, FieldChange, j, merge_axis_step, r, u
from calc.references import split_reference
from calc.rules import Mistake, Rule, Step, apply, local_symbols, numbered_symbols

r_1, u_1, j_1 = local_symbols("r_1 start_1 j_1")
BLOCK_WORDS = "The block's layers carry the receptive field through, as shown for each of them."
REPEATED_JUMP_WORDS = (
    "Each copy of the block changes the jump, and the number of copies is a symbol: calc does not follow the "
    "receptive field through them."
)
GROWING_TOO_FAR_WORDS = (
    "Each copy of the block multiplies the jump, and over this many copies the numbers would pass "
    f"{MAX_POWER_BITS:,} bits: calc does not follow the receptive field through them."
)
NOT_AFFINE_WORDS = (
    "Each copy of the block changes the jump, and not by a fixed factor: calc follows the receptive field "
    "through at most {limit} copies."
)
#: Copies followed one by one when a block's change to the field has no closed form.
MAX_COPIES_FOLLOWED = 64

m, p = local_symbols("m p")
REPEATED = Rule(
    lhs="P",
    expr=m * p,
    why="Each of the m copies of the block has weights of its own, p of them per copy.",
    mistakes=(
        Mistake(
            "forgot_repeats",
            None,
            "That is one copy's count: the block is repeated m = {m} times, each copy with weights of its own.",
            replaces={m: 1},
        ),
    ),
)
SHARED = Rule(
    lhs="P",
    expr=p,
    why="The m applications of the block share one set of weights (ALBERT's cross-layer sharing): model."
    "parameters() counts them once, p in all, however many times the block is applied.",
    name="Parameters of a block applied with shared weights",
    symbols={"m": "the times the block is applied", "p": "the parameters of the block"},
)
REPEATED_MACS = Rule(
    lhs="M",
    expr=m * p,
    why="Each of the m copies of the block does the block's work, p multiply-accumulates per copy.",
)
REPEATED_FIELD = Rule(
    lhs="r_{out}",
    expr=r + m * (r_1 - r),
    why="One copy of the block widens the field from r_in to r_1 without changing the jump, so each of the "
    "m copies adds r_1 - r_in positions.",
)
REPEATED_START = Rule(
    lhs=r"\mathrm{start}_{out}",
    expr=u + m * (u_1 - u),
    why="Each of the m copies moves the centre of the first unit as the first copy does.",
)

# Built on first use (see Rule): sympy's first powers of a ratio cost milliseconds of every command's start-up.
REPEATED_JUMP = Rule(
    lhs="j_{out}",
    expr=lambda: j * (j_1 / j) ** m,
    why="One copy of the block multiplies the jump by j_1/j_in, so m copies multiply it by (j_1/j_in)^m.",
)
REPEATED_GROWING_FIELD = Rule(
    lhs="r_{out}",
    expr=lambda: r + (r_1 - r) * ((j_1 / j) ** m - 1) / (j_1 / j - 1),
    why="The first copy widens the field by r_1 - r_in; each later copy widens it by j_1/j_in times what the "
    "copy before it added, because its jump is that much larger: a geometric series of m terms.",
)
REPEATED_GROWING_START = Rule(
    lhs=r"\mathrm{start}_{out}",
    expr=lambda: u + (u_1 - u) * ((j_1 / j) ** m - 1) / (j_1 / j - 1),
    why="Each copy moves the centre of the first unit by j_1/j_in times what the copy before it moved it.",
)


@cache
def block_macs_rule(count: int) -> Rule:
    """M = M_1 + ... + M_n: a block's work is its layers' work."""
    return Rule(
        lhs="M",
        expr=sp.Add(*numbered_symbols("M", count)),
        why="The block's multiply-accumulates are those of its layers (every call), added up.",
    )


def block_macs(inner) -> Step | None:  # a calc.model.Analysis
    """The MACs step of a block: the sum over its layer calls; None when one of them has no MACs rule."""
    values = [record.compute.macs for record in inner.records if record.layer is not None]
    if any(value is None for value in values):
        return None
    return apply(block_macs_rule(len(values)), "MACs", dict(zip(numbered_symbols("M", len(values)), values)))


def block_field(layer: ModelLayer, inner, fields: Sequence[Field]) -> Field:  # an Analysis
    """The field of a block's output, worked out through its layers from the fields it reads."""
    from calc.compute import compute_analysis

    inner.keep_compute(compute_analysis(inner, dict(zip(layer.input_names, fields))))
    (output,) = [r for r in inner.records if (r.name, r.call) == split_reference(layer.model.outputs[0])]
    return output.compute.field


class ModelLayer(Layer):
    """Wraps a ``calc.model.Model`` built without input shapes of its own."""

    def __init__(self, model, input_names: Sequence[str], **options):  # a calc.model.Model
        super().__init__(**options)
        self.model = model
        self.input_names = list(input_names)

    @property
    def type_name(self) -> str:
        return "Functional" if self.model.functional else "Sequential"

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return self.build_many([shape], env)

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        if len(shapes) != len(self.input_names):
            raise CalcError(f"the block takes {len(self.input_names)} input(s), got {len(shapes)}")
        inner = self.model.propagate(dict(zip(self.input_names, shapes)), env)
        outputs = self.model.output_shapes(inner)
        if len(outputs) != 1:
            raise CalcError("a block used as a layer must have exactly one output")
        layers = inner.layers
        return LayerResult(
            output_shape=outputs[0],
            trainable=inner.trainable_params,
            non_trainable=inner.non_trainable_params,
            description=[f"a block of {len(layers)} layers; its parameters are the sum of theirs"],
            children=inner,
        )

    def symbols(self) -> set[sp.Symbol]:
        return set(self.model.symbols)

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step | None:
        return block_macs(result.children)

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        return FieldChange(block_field(self, result.children, fields), [], BLOCK_WORDS)


class RepeatLayer(ModelLayer):
    """A block applied ``times`` times in a row, each copy with weights of its own.

    Families of models (BERT's L encoder layers, a stack of identical residual blocks) repeat one block;
    with ``times`` a symbol, the parameter count is a closed form in it: times × the block's count.
    A symbolic count needs a block that keeps its input shape, so every copy sees the same shape.
    """

    def __init__(self, model, times, shared: bool = False, **options):  # a Model, an expression
        super().__init__(model, list(model.inputs) if model.inputs else ["input"], **options)
        self.times = to_expr(times, "times")
        self.shared = shared

    @property
    def type_name(self) -> str:
        return "Repeat"

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        times = env.positive(self.times, "times")
        once = super().build_many(shapes, env)
        if once.output_shape != tuple(shapes[0]) and times != 1:
            raise CalcError(
                f"a repeated block must keep its input shape {format_shape(shapes[0])}, "
                f"but it gives {format_shape(once.output_shape)}"
            )
        step = apply(SHARED if self.shared else REPEATED, "Parameters", {m: times, p: once.params})
        copies = 1 if self.shared else times
        own = "sharing one set of weights" if self.shared else "each with own weights"
        return LayerResult(
            output_shape=once.output_shape,
            trainable=copies * once.trainable,
            non_trainable=copies * once.non_trainable,
            param_steps=[step],
            description=[times, " copies of a block of ", len(once.children.layers), f" layers, {own}"],
            children=once.children,
        )

    def symbols(self) -> set[sp.Symbol]:
        return super().symbols() | self.times.free_symbols

    @property
    def applied(self) -> sp.Expr:
        """How many copies of the block one example passes through (each keeps its activations)."""
        return self.times

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step | None:
        once = block_macs(result.children)
        if once is None:
            return None
        times = env.resolve(self.times)
        return apply(REPEATED_MACS, "MACs", {m: times, p: once.value}, {m: sp.Integer(1)} if times == 1 else {})

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        """One copy's field change, m times: each copy adds what the first adds when it keeps the jump."""
        times = env.resolve(self.times)
        before = fields[0]
        once = block_field(self, result.children, fields)
        if times == 1:
            return FieldChange(once, [], BLOCK_WORDS)
        if any(a is not None and b is not None and sp.simplify(a.jump - b.jump) != 0 for a, b in zip(before, once)):
            second = block_field(self, result.children, [once])
            block_field(self, result.children, fields)  # the inner layers show the first copy
            return self._growing_field(before, once, second, times, result)
        out: list[AxisField | None] = []
        steps: list[Step] = []
        spatial = [axis for axis, value in enumerate(before) if value is not None]
        names = AXIS_NAMES.get(len(spatial), tuple(f"axis {i + 1}" for i in spatial))
        for axis, (start, first) in enumerate(zip(before, once)):
            if start is None or first is None:
                out.append(None)
                continue
            bindings = {r: start.size, r_1: first.size, u: start.start, u_1: first.start, m: times}
            size = apply(REPEATED_FIELD, "Receptive field", bindings)
            centre = apply(REPEATED_START, "Start", bindings)
            out.append(AxisField(size.value, start.jump, centre.value))
            for step in (size, centre):
                merge_axis_step(steps, step, names[spatial.index(axis)])
        return FieldChange(tuple(out), steps, BLOCK_WORDS)

    def _growing_field(
        self, before: Field, once: Field, second: Field, times: sp.Expr, result: LayerResult
    ) -> FieldChange:
        """m copies of a block that multiplies the jump: a geometric series when each copy changes the field
        by the same factor (checked on the second copy), while the numbers stay under MAX_POWER_BITS."""
        unfollowed = tuple(None for _ in once)
        if not times.is_Integer:  # each copy multiplies the jump: no closed form is followed here
            return FieldChange(unfollowed, [], REPEATED_JUMP_WORDS)
        out: list[AxisField | None] = []
        steps: list[Step] = []
        spatial = [axis for axis, value in enumerate(before) if value is not None]
        names = AXIS_NAMES.get(len(spatial), tuple(f"axis {i + 1}" for i in spatial))
        for axis, (start, first, then) in enumerate(zip(before, once, second)):
            if start is None or first is None or then is None:
                out.append(None)
                continue
            factor = sp.simplify(first.jump / start.jump)
            if not _affine(start, first, then, factor):
                return self._copy_by_copy(before, once, times, result)
            if factor == 1:  # this axis keeps its jump: each copy adds what the first adds
                bindings = {r: start.size, r_1: first.size, u: start.start, u_1: first.start, m: times}
                new = [apply(REPEATED_FIELD, "Receptive field", bindings), apply(REPEATED_START, "Start", bindings)]
                out.append(AxisField(new[0].value, start.jump, new[1].value))
            else:
                if not factor.is_Rational or int(times) * max(abs(factor.p), factor.q).bit_length() > MAX_POWER_BITS:
                    return FieldChange(unfollowed, [], GROWING_TOO_FAR_WORDS)
                bindings = {r: start.size, r_1: first.size, u: start.start, u_1: first.start, j: start.jump}
                bindings |= {j_1: first.jump, m: times}
                rules = (
                    (REPEATED_GROWING_FIELD, "Receptive field"),
                    (REPEATED_JUMP, "Jump"),
                    (REPEATED_GROWING_START, "Start"),
                )
                new = [apply(rule, what, bindings) for rule, what in rules]
                out.append(AxisField(*(sp.simplify(step.value) for step in new)))
            for step in new:
                merge_axis_step(steps, step, names[spatial.index(axis)])
        return FieldChange(tuple(out), steps, BLOCK_WORDS)

    def _copy_by_copy(self, before: Field, once: Field, times: sp.Expr, result: LayerResult) -> FieldChange:
        """A block with no closed form, followed one copy at a time, up to MAX_COPIES_FOLLOWED copies."""
        if int(times) > MAX_COPIES_FOLLOWED:
            words = NOT_AFFINE_WORDS.format(limit=MAX_COPIES_FOLLOWED)
            return FieldChange(tuple(None for _ in once), [], words)
        field = once
        for _ in range(int(times) - 1):
            field = block_field(self, result.children, [field])
        block_field(self, result.children, [before])  # the inner layers show the first copy
        return FieldChange(field, [], BLOCK_WORDS)


def _affine(start: AxisField, first: AxisField, then: AxisField, factor: sp.Expr) -> bool:
    """Does the second copy change the field as the first did, scaled by the jump's factor?"""
    return all(
        sp.simplify(difference) == 0
        for difference in (
            then.jump - factor * first.jump,
            (then.size - first.size) - factor * (first.size - start.size),
            (then.start - first.start) - factor * (first.start - start.start),
        )
    )


k_active, q_pos, d_out = local_symbols("k q d")
EXPERTS_MACS = Rule(
    lhs="M",
    expr=k_active * p + q_pos * k_active * d_out,
    why="A mixture of experts sends each token to only k of its experts (the router's top k): each token costs "
    "k copies of one expert's work (p multiply-accumulates per copy), plus the k-term weighted sum of their d "
    "outputs at each of the q positions. The experts a token is not sent to do no work for it.",
    name="MACs of a mixture of experts",
    symbols={
        "k": "the experts each token is sent to (num_experts_per_tok)",
        "p": "the MACs of one expert",
        "q": "the token positions",
        "d": "the width of each expert's output",
    },
)


class ExpertsLayer(RepeatLayer):
    """A mixture of experts: ``times`` copies of an expert block, each with weights of its own, of which the
    router picks ``active`` per token. Parameters count every expert; MACs only the active ones.

    Inputs: the tokens [..., d] and the router's logits [..., times] (the router is a layer of its own, as
    Hugging Face's ``block_sparse_moe.gate``); the output has the tokens' shape.
    """

    def __init__(self, model, times, active, **options):  # a calc.model.Model, expressions
        super().__init__(model, times, **options)
        self.active = to_expr(active, "active")

    @property
    def type_name(self) -> str:
        return "Experts"

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        if len(shapes) != 2:
            raise CalcError(f"Experts takes 2 inputs (the tokens and the router's logits), got {len(shapes)}")
        times = env.positive(self.times, "times")
        active = env.positive(self.active, "active")
        if (times - active).is_number and times < active:
            raise CalcError(f"a token cannot use {active} of {times} experts")
        tokens, router = shapes
        if len(router) != len(tokens) or (router[-1] - times).is_number and router[-1] != times:
            raise CalcError(f"the router's logits {format_shape(router)} must give one score per expert ({times})")
        result = super().build_many([tokens], env)
        result.param_steps[0].why = (
            "Each of the m experts has weights of its own, p of them per expert; all are counted, whichever "
            "experts a token is sent to."
        )
        result.description = [times, " experts of ", len(result.children.layers), " layers, ", active, " per token"]
        return result

    def symbols(self) -> set[sp.Symbol]:
        return super().symbols() | self.active.free_symbols

    @property
    def applied(self) -> sp.Expr:
        """Each token passes through ``active`` experts, so their activations are those of ``active`` copies."""
        return self.active

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step | None:
        once = block_macs(result.children)
        if once is None:
            return None
        tokens = shapes[0]
        bindings = {k_active: env.resolve(self.active), p: once.value, q_pos: sp.Mul(*tokens[:-1]), d_out: tokens[-1]}
        return apply(EXPERTS_MACS, "MACs", bindings)

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        return FieldChange(tuple(None for _ in shapes[0]), [], "")
