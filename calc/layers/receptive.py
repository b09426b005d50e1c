"""Receptive-field arithmetic shared by every sliding-window layer (convolution and pooling).

Each axis of a tensor carries three numbers about the units along it, all in positions of the model's
input (the first input position is 0):

    r      the receptive field: how many input positions one unit depends on;
    j      the jump: how far apart (in input positions) two neighbouring units' fields are;
    start  the centre of the first unit's field.

A window of k positions, d apart, with p positions of padding before the first value and stride s
(Dumoulin & Visin, "A guide to convolution arithmetic for deep learning"; Araujo, Norris & Sim,
"Computing receptive fields of convolutional neural networks", Distill 2019):

    r_out = r_in + (k - 1) d j_in,   j_out = j_in s,   start_out = start_in + ((k - 1) d / 2 - p) j_in

An axis whose units each read every position of the axis (Flatten, Dense over it, global pooling,
attention, a recurrent layer over time) has no receptive field of its own any more: it is ``None``.
The channel axis is ``None`` from the start. Where branches merge, a unit's field is the union of the
fields it reads: the largest r when they are centred alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import sympy as sp

from calc.layers.base import AXIS_NAMES, Env, LayerResult, Shape
from calc.layers.layout import channels_first as first_channels
from calc.layers.layout import spatial_axes
from calc.layers.window import d, k, n, p, s, same_padding
from calc.rules import Rule, Step, apply, local_symbols, numbered_symbols

r, j, u = local_symbols("r_in j_in start_in")

FIELD_SIZE = Rule(
    name="Receptive field through a sliding window",
    lhs="r_{out}",
    expr=r + (k - 1) * d * j,
    why="The window covers (k - 1)d + 1 units of its input, d apart; neighbouring input units are j "
    "positions of the model's input apart, so the window adds (k - 1)d j positions to the field r of one unit.",
)
JUMP = Rule(
    name="Jump through a sliding window",
    lhs="j_{out}",
    expr=j * s,
    why="Neighbouring windows start s input units apart, and each input unit is j positions of the "
    "model's input from the next.",
)
START = Rule(
    name="Start of the field through a sliding window",
    lhs=r"\mathrm{start}_{out}",
    expr=u + ((k - 1) * d / 2 - p) * j,
    why="The first window begins p units before the first input unit (in the padding) and its centre lies "
    "(k - 1)d/2 units further on: ((k - 1)d/2 - p) input units, j positions of the model's input each, from "
    "the centre of the first input unit's field.",
)
SAME_LEFT_PADDING = Rule(
    lhs="p",
    expr=lambda: same_padding(evaluate=False)[0],
    why="'same' padding adds the zeros that ceil(n/s) windows need and puts the smaller half before the "
    "first value (Keras and TensorFlow; PyTorch's padding='same' splits its zeros the same way).",
)
CAUSAL_LEFT_PADDING = Rule(
    lhs="p",
    expr=d * (k - 1),
    why="'causal' padding puts all d(k - 1) zeros before the first value, so no output reads a later position.",
)
TRANSPOSED_SAME_CROP = Rule(
    lhs="p",
    # the 'same' padding of a strided convolution over s values, whose windows fit exactly: what this one reverses
    expr=lambda: same_padding(size=s, evaluate=False)[0],
    why="'same' cuts the d(k - 1) + 1 - s outputs that stick out past n s, the smaller half at the start (the "
    "padding of the strided convolution it reverses).",
)
TRANSPOSED_FIELD_SIZE = Rule(
    name="Receptive field through a transposed convolution",
    lhs="r_{out}",
    expr=lambda: r + sp.floor(d * (k - 1) / s) * j,
    why="A transposed convolution spreads each input unit over a window of outputs, s outputs per input "
    "unit; an output unit gathers from the input units whose windows cover it, at most "
    "floor(d(k - 1)/s) + 1 neighbours (exact when d = 1 or s = 1, an upper bound otherwise).",
)
TRANSPOSED_JUMP = Rule(
    name="Jump through a transposed convolution",
    lhs="j_{out}",
    expr=j / s,
    why="Each input unit becomes s output units, so neighbouring outputs are j/s positions of the model's input apart.",
)
TRANSPOSED_START = Rule(
    name="Start of the field through a transposed convolution",
    lhs=r"\mathrm{start}_{out}",
    expr=u + (p - (k - 1) * d / 2) * j / s,
    why="Read as a stride-1 convolution over the input with s - 1 zeros between values (Dumoulin & Visin), the "
    "first window's centre lies p - (k - 1)d/2 positions of that finer grid, j/s each, from the first input unit.",
)


@dataclass(frozen=True)
class AxisField:
    """The receptive field, jump and start of the units along one axis."""

    size: sp.Expr
    jump: sp.Expr
    start: sp.Expr


#: One entry per axis of a tensor (batch axis left out): an AxisField, or None where the axis's units
#: read every position of it (or where the axis holds channels).
Field = tuple[AxisField | None, ...]

UNIT = AxisField(sp.Integer(1), sp.Integer(1), sp.Integer(0))


@dataclass
class FieldChange:
    """What one layer did to the receptive field: the output's field, the steps, and a sentence."""

    field: Field
    steps: list[Step] = dataclasses.field(default_factory=list)
    words: str = ""


def input_field(rank: int, channel_axis: int) -> Field:
    """A model input: every position is its own field (r = 1, j = 1, start = its index) along each
    axis but the channel axis."""
    if rank < 2:
        return (None,) * rank
    return tuple(None if axis == channel_axis % rank else UNIT for axis in range(rank))


def ended(rank: int) -> Field:
    return (None,) * rank


def has_field(value: Field | None) -> bool:
    return bool(value) and any(axis is not None for axis in value)


def window_field(
    incoming: Field,
    spatial_axes: Sequence[int],
    rank_out: int,
    kernel: Sequence[sp.Expr],
    strides: Sequence[sp.Expr],
    dilation: Sequence[sp.Expr],
    left_padding: Sequence[sp.Expr],
    names: Sequence[str],
    transposed: bool = False,
) -> FieldChange:
    """A sliding window over ``spatial_axes`` (the same positions in the output): the other axes of the
    output (channels) read every channel, so they have no field."""
    size_rule, jump_rule, start_rule = (
        (TRANSPOSED_FIELD_SIZE, TRANSPOSED_JUMP, TRANSPOSED_START) if transposed else (FIELD_SIZE, JUMP, START)
    )
    out: list[AxisField | None] = [None] * rank_out
    steps: list[Step] = []
    for i, axis in enumerate(spatial_axes):
        before = incoming[axis] if axis < len(incoming) else None
        if before is None:
            continue
        bindings = {r: before.size, j: before.jump, u: before.start, k: kernel[i], s: strides[i], d: dilation[i]}
        bindings[p] = left_padding[i]
        fixed = {symbol: bindings[symbol] for symbol, plain in ((d, 1), (p, 0), (s, 1)) if bindings[symbol] == plain}
        if before.jump == 1:
            fixed[j] = sp.Integer(1)
        if before.start == 0:
            fixed[u] = sp.Integer(0)
        size = apply(size_rule, "Receptive field", bindings, fixed)
        jump = apply(jump_rule, "Jump", bindings, fixed)
        start = apply(start_rule, "Start", bindings, fixed)
        out[axis] = AxisField(size.value, jump.value, start.value)
        for step in (size, jump, start):
            merge_axis_step(steps, step, names[i])
    return FieldChange(tuple(out), steps)


def merge_axis_step(steps: list[Step], step: Step, axis: str) -> None:
    """Axes with the same arithmetic share one step ('Receptive field (height and width)')."""
    for previous in steps:
        if previous.title.startswith(step.title + " (") and (previous.formula, previous.bindings) == (
            step.formula,
            step.bindings,
        ):
            previous.title = previous.title[:-1].replace(" and ", ", ") + f" and {axis})"
            return
    step.title = f"{step.title} ({axis})"
    steps.append(step)


@cache
def union_rules(count: int) -> tuple[Rule, Rule]:
    """The field of a unit that reads ``count`` tensors: from the lowest to the highest input position
    any of their fields covers (r_i wide around start_i), and centred between them."""
    sizes, starts = numbered_symbols("r", count), numbered_symbols("start", count)
    low = sp.Min(*(c - (w - 1) / 2 for w, c in zip(sizes, starts)))
    high = sp.Max(*(c + (w - 1) / 2 for w, c in zip(sizes, starts)))
    size = Rule(
        lhs="r_{out}",
        expr=high - low + 1,
        why="The merged unit reads one unit of each input, so its field is the union of theirs: from the lowest "
        "position any of them covers to the highest.",
    )
    start = Rule(lhs=r"\mathrm{start}_{out}", expr=(high + low) / 2, why="The union's centre.")
    return size, start


@cache
def largest_rule(count: int) -> Rule:
    """The union of fields centred alike: the largest of them."""
    return Rule(
        lhs="r_{out}",
        expr=sp.Max(*numbered_symbols("r", count)),
        why="The merged unit reads one unit of each input; their fields are centred alike, so the union is "
        "the largest of them (the largest receptive field over the paths).",
    )


def union(fields: Sequence[Field], names: Sequence[str]) -> FieldChange:
    """Fields of tensors merged value by value (Add, Concatenate, ...): axis by axis, the union; an axis
    that any input has mixed stays mixed."""
    rank = len(fields[0])
    out: list[AxisField | None] = []
    steps: list[Step] = []
    if not names:  # the axes that have a field, named as spatial axes are (height, width, ...)
        spatial = [axis for axis in range(rank) if all(axis < len(f) and f[axis] is not None for f in fields)]
        words = AXIS_NAMES.get(len(spatial), tuple(f"axis {i + 1}" for i in spatial))
        names = [words[spatial.index(axis)] if axis in spatial else "" for axis in range(rank)]
    for axis in range(rank):
        entries = [f[axis] if axis < len(f) else None for f in fields]
        if any(e is None for e in entries):
            out.append(None)
            continue
        if all(e == entries[0] for e in entries):
            out.append(entries[0])
            continue
        count = len(entries)
        sizes, starts = numbered_symbols("r", count), numbered_symbols("start", count)
        bindings = {**dict(zip(sizes, (e.size for e in entries))), **dict(zip(starts, (e.start for e in entries)))}
        jumps = [e.jump for e in entries]
        jump = jumps[0] if all(x == jumps[0] for x in jumps) else sp.Max(*jumps)
        if all(sp.simplify(e.start - entries[0].start) == 0 for e in entries):
            size = apply(largest_rule(count), "Receptive field", bindings)
            start_value = entries[0].start
            new = [size]
        else:
            size_rule, start_rule = union_rules(count)
            size = apply(size_rule, "Receptive field", bindings)
            start = apply(start_rule, "Start", bindings)
            start_value = start.value
            new = [size, start]
        out.append(AxisField(size.value, jump, start_value))
        for step in new:
            merge_axis_step(steps, step, names[axis] if axis < len(names) else f"axis {axis + 1}")
    return FieldChange(tuple(out), steps)


def left_padding(
    padding: str | Sequence[sp.Expr],
    sizes: Sequence[sp.Expr],
    kernel: Sequence[sp.Expr],
    strides: Sequence[sp.Expr],
    dilation: Sequence[sp.Expr],
    names: Sequence[str],
) -> tuple[list[sp.Expr], list[Step]]:
    """The zeros before the first value on each axis: explicit, none ('valid'), or what 'same' and
    'causal' put there (a step each, shown where they depend on the layer's numbers)."""
    if padding == "valid":
        return [sp.Integer(0)] * len(sizes), []
    if not isinstance(padding, str):
        return list(padding), []
    pads: list[sp.Expr] = []
    steps: list[Step] = []
    for i, size in enumerate(sizes):
        bindings = {n: size, k: kernel[i], s: strides[i], d: dilation[i]}
        fixed = {symbol: bindings[symbol] for symbol in (s, d) if bindings[symbol] == 1}
        rule = CAUSAL_LEFT_PADDING if padding == "causal" else SAME_LEFT_PADDING
        step = apply(rule, "Padding before the first value", bindings, fixed)
        pads.append(step.value)
        merge_axis_step(steps, step, names[i])
    return pads, steps


def transposed_padding(
    padding: str | Sequence[sp.Expr],
    kernel: Sequence[sp.Expr],
    strides: Sequence[sp.Expr],
    dilation: Sequence[sp.Expr],
    names: Sequence[str],
) -> tuple[list[sp.Expr], list[Step]]:
    """The outputs a transposed convolution cuts from the start of each axis: explicit, none ('valid'), or
    what 'same' cuts."""
    if padding == "valid":
        return [sp.Integer(0)] * len(kernel), []
    if not isinstance(padding, str):
        return list(padding), []
    pads: list[sp.Expr] = []
    steps: list[Step] = []
    for i in range(len(kernel)):
        bindings = {k: kernel[i], s: strides[i], d: dilation[i]}
        fixed = {symbol: bindings[symbol] for symbol in (s, d) if bindings[symbol] == 1}
        step = apply(TRANSPOSED_SAME_CROP, "Outputs cut at the start", bindings, fixed)
        pads.append(step.value)
        merge_axis_step(steps, step, names[i])
    return pads, steps


def sliding_window_field(
    incoming: Field,
    shape_in: Sequence[sp.Expr],
    rank_out: int,
    channels_first: bool,
    kernel: Sequence[sp.Expr],
    strides: Sequence[sp.Expr],
    dilation: Sequence[sp.Expr],
    padding: str | Sequence[sp.Expr],
    names: Sequence[str],
    transposed: bool = False,
) -> FieldChange:
    """A convolution's or pooling layer's field: the zeros before the first value, then the window rules
    on each spatial axis (the axes after the channels, or before them)."""
    rank = len(kernel)
    axes = spatial_axes(rank, channels_first)
    if transposed:
        pads, pad_steps = transposed_padding(padding, kernel, strides, dilation, names)
    else:
        pads, pad_steps = left_padding(padding, [shape_in[a] for a in axes], kernel, strides, dilation, names)
    change = window_field(incoming, axes, rank_out, kernel, strides, dilation, pads, names, transposed)
    change.steps = pad_steps + change.steps if has_field(change.field) else []
    return change


def keras_window_field(
    layer: Any,
    fields: Sequence[Field],
    shapes: Sequence[Shape],
    result: LayerResult,
    env: Env,
    transposed: bool = False,
) -> FieldChange:
    """The receptive field through a Keras convolution-like layer, read off its own arguments
    (``kernel_size``, ``strides``, ``dilation_rate``, ``padding``, ``data_format``, ``rank``)."""
    return sliding_window_field(
        fields[0],
        shapes[0],
        len(result.output_shape),
        first_channels(layer),
        [env.resolve(x) for x in layer.kernel_size],
        [env.resolve(x) for x in layer.strides],
        [env.resolve(x) for x in layer.dilation_rate],
        layer.padding if isinstance(layer.padding, str) else [env.resolve(x) for x in layer.padding],
        AXIS_NAMES[layer.rank],
        **({"transposed": True} if transposed else {}),
    )
