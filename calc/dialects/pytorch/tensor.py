"""The tensor operations of forward(), named as torch.fx names their calls: view, reshape, permute,
transpose, unsqueeze, squeeze, expand, mean, sum, stack, slice (``x[:, 1:3]``, chunk and split),
select (``x[:, 0]``), roll, matmul (``@``) and pad, with the learned tensors they meet (``Parameter``).

Every shape in calc leaves the batch axis out, so each operation states how it treats PyTorch's dim 0:
it keeps it (view/reshape/expand take the sizes after it; a dim argument counts it as 0, as PyTorch does,
and naming dim 0 where it would move, merge or drop the batch is refused). None has weights except
Parameter; only matmul multiplies (its MACs rule below). Reductions end the receptive field along the
axes they read whole; reordering keeps each axis's field; other reshaping ends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import sympy as sp

from calc.dialects.pytorch.base import TorchLayer, check_divides, torch_dim, torch_shape
from calc.errors import CalcError
from calc.layers.base import Env, LayerResult, Shape, Value, fmt, to_bool, to_expr
from calc.layers.layout import CHANNELS_FIRST
from calc.layers.padding import PADDED, PADDED_START, UPSAMPLED, p_1, p_2
from calc.layers.padding import n as size
from calc.layers.padding import u as u_
from calc.layers.receptive import AxisField, Field, FieldChange, merge_axis_step
from calc.layers.receptive import j as jump_in
from calc.layers.receptive import u as start_in
from calc.layers.reshape import NO_AXES_LEFT, NO_MACS, NO_PARAMETERS, Reshape, flatten_rule
from calc.layers.window import merge_step
from calc.rules import Rule, Step, apply, local_symbols, note, numbered_symbols

a, b, c, B, start, stop, step_, count = local_symbols("a b c B start stop step m")

SLICED = Rule(
    lhs="n_{out}",
    expr=lambda: sp.Max(sp.ceiling((stop - start) / step_), 0),
    why="A slice start:stop:step keeps the positions start, start + step, ... before stop: ceil((stop - start)/step) "
    "of them (stop and start clipped to the axis, as Python does).",
    symbols={
        "start": "the first position kept",
        "stop": "the position the slice stops before",
        "step": "the distance between the positions kept",
    },
)
STACKED = Rule(
    lhs="n_{out}",
    expr=count,
    why="Stacking m tensors of one shape puts them side by side along a new axis of m entries.",
)
MATMUL_MACS = Rule(
    lhs="M",
    expr=B * a * b * c,
    why="Each of the a × c entries of a product of an a × b and a b × c matrix is a sum of b products, and the "
    "batch of matrices holds B such products (the product of the leading axes).",
)


@cache
def parameter_rule(rank: int) -> Rule:
    """P = s_1 s_2 ... s_r: one trainable value per entry of a learned tensor."""
    return Rule(
        lhs="P",
        expr=sp.Mul(*numbered_symbols("s", rank)),
        why="A learned tensor (nn.Parameter) holds one trainable value per entry: the product of its sizes.",
    )


NO_PRODUCT_PARAMETERS = "Both factors are tensors of the forward pass: the product itself holds no weights."
NO_REDUCE_PARAMETERS = "A mean or a sum over axes holds no weights."
NO_REDUCE_MACS = (
    "A reduction adds (or compares) values one by one and multiplies nothing by a weight: 0 MACs in calc's count."
)


def _whole(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CalcError(f"{what} must be a whole number, got {value!r}")
    return value


def _dims(value: Any, what: str) -> tuple[int, ...]:
    values = value if isinstance(value, (list, tuple)) else [value]
    return tuple(_whole(v, what) for v in values)


def _not_batch(index: int, what: str, value: int, action: str) -> int:
    if index == 0:
        raise CalcError(f"{what} {value} is the batch axis, which calc keeps apart: {action} a later dim")
    return index


def _plain(output: Shape, description: list, steps: Sequence[Step] = (), why: str = NO_PARAMETERS) -> LayerResult:
    """The result of an operation without weights: its shape, its steps, and why it has no parameters."""
    return LayerResult(
        output_shape=tuple(output),
        trainable=sp.Integer(0),
        non_trainable=sp.Integer(0),
        shape_steps=list(steps),
        param_steps=[note("Parameters", 0, why)],
        description=description,
    )


class view(TorchLayer):
    """x.view(N, ...) / x.reshape(N, ...): the same values in a new shape; ``shape`` is the sizes after the
    batch axis (which stays), one of which may be -1 (Keras's Reshape rule: N values / the product given)."""

    neutral = frozenset()
    function = True
    no_macs = NO_MACS

    def __init__(self, shape: list[Value], **options: Any):
        super().__init__(**options)
        self.reshape = Reshape(target_shape=shape)
        self.shape = self.reshape.target_shape

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return self.reshape.build(shape, env)

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange | None:
        if tuple(shapes[0]) == tuple(result.output_shape):
            return FieldChange(tuple(fields[0]), [], "The shape is unchanged, so is every field.")
        return FieldChange((None,) * len(result.output_shape), [], NO_AXES_LEFT)


class reshape(view):
    """torch.reshape / x.reshape: view's rule (a copy where view would need one; the shape is the same)."""


class permute(TorchLayer):
    """x.permute(0, 2, 3, 1): the axes reordered, PyTorch's dims with the batch axis (0) first and kept there.
    Each axis keeps its receptive field."""

    neutral = frozenset()
    function = True
    no_macs = NO_MACS

    def __init__(self, dims: list[int], **options: Any):
        super().__init__(**options)
        self.dims = _dims(dims, "dims")

    def _order(self, shape: Shape) -> list[int]:
        if len(self.dims) != len(shape) + 1:
            given, rank = len(self.dims), len(shape) + 1
            raise CalcError(f"dims lists {given} dims, but the input {torch_shape(shape)} has {rank}")
        order = [torch_dim(d, shape, "dims") for d in self.dims]
        if sorted(order) != list(range(len(shape) + 1)):
            raise CalcError(f"dims must name each dim once, got {list(self.dims)}")
        if order[0] != 0:
            raise CalcError("dims must keep the batch axis (0) first: calc's shapes leave it out")
        return [d - 1 for d in order[1:]]

    def build(self, shape: Shape, env: Env) -> LayerResult:
        order = self._order(shape)
        return _plain([shape[d] for d in order], ["dims reordered as (", ", ".join(map(str, self.dims)), ")"])

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        order = self._order(shapes[0])
        return FieldChange(tuple(fields[0][d] for d in order), [], "The axes keep their fields, reordered.")


class transpose(permute):
    """x.transpose(1, 2) (and x.t()): two dims swapped; dims count the batch axis as 0 and may be negative."""

    def __init__(self, dim0: int, dim1: int, **options: Any):
        TorchLayer.__init__(self, **options)
        self.dim0, self.dim1 = _whole(dim0, "dim0"), _whole(dim1, "dim1")

    def _order(self, shape: Shape) -> list[int]:
        first = _not_batch(torch_dim(self.dim0, shape, "dim0"), "dim0", self.dim0, "swap")
        second = _not_batch(torch_dim(self.dim1, shape, "dim1"), "dim1", self.dim1, "swap")
        order = list(range(len(shape)))
        order[first - 1], order[second - 1] = order[second - 1], order[first - 1]
        return order

    def build(self, shape: Shape, env: Env) -> LayerResult:
        order = self._order(shape)
        return _plain([shape[d] for d in order], [f"dims {self.dim0} and {self.dim1} swapped"])


class unsqueeze(TorchLayer):
    """x.unsqueeze(dim): a new axis of size 1 at ``dim`` (the dims of the output, batch axis 0)."""

    neutral = frozenset()
    function = True
    no_macs = NO_MACS

    def __init__(self, dim: int, **options: Any):
        super().__init__(**options)
        self.dim = _whole(dim, "dim")

    def _index(self, shape: Shape) -> int:
        longer = (*shape, sp.Integer(1))
        return _not_batch(torch_dim(self.dim, longer, "dim"), "dim", self.dim, "insert at")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        index = self._index(shape)
        out = (*shape[: index - 1], sp.Integer(1), *shape[index - 1 :])
        return _plain(out, [f"a new axis of size 1 as dim {index}"])

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        index = self._index(shapes[0])
        incoming = tuple(fields[0])
        out = (*incoming[: index - 1], None, *incoming[index - 1 :])
        return FieldChange(out, [], "The other axes keep their fields.")


class squeeze(TorchLayer):
    """x.squeeze(dim): drops the axes of size 1 among ``dim`` (an int or a list; all dims when None). A
    symbolic size that may be 1 is not dropped blindly: give the dim."""

    neutral = frozenset()
    function = True
    no_macs = NO_MACS

    def __init__(self, dim: int | list[int] | None = None, **options: Any):
        super().__init__(**options)
        self.dim = None if dim is None else _dims(dim, "dim")

    def _dropped(self, shape: Shape) -> list[int]:
        if self.dim is None:
            if any(not s.is_number for s in shape):
                raise CalcError(f"squeeze() on {torch_shape(shape)} depends on which sizes are 1: give the dim")
            return [i for i, s in enumerate(shape) if s == 1]
        indices = [torch_dim(d, shape, "dim") for d in self.dim]
        dropped = []
        for index, given in zip(indices, self.dim):
            if index == 0:
                continue  # the batch axis: squeezed only when the batch is 1, which calc does not assume
            if not shape[index - 1].is_number:
                raise CalcError(f"dim {given} of {torch_shape(shape)} may or may not be 1; calc cannot squeeze it")
            if shape[index - 1] == 1:
                dropped.append(index - 1)
        return dropped

    def build(self, shape: Shape, env: Env) -> LayerResult:
        dropped = self._dropped(shape)
        out = [s for i, s in enumerate(shape) if i not in dropped]
        if not out:
            raise CalcError(f"squeeze would leave only the batch axis of {torch_shape(shape)}; calc needs one more")
        return _plain(out, ["the axes of size 1 dropped" if dropped else "no axis of size 1 to drop"])

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        dropped = self._dropped(shapes[0])
        return FieldChange(tuple(f for i, f in enumerate(fields[0]) if i not in dropped), [], "")


class expand(TorchLayer):
    """x.expand(N, -1, 8): axes of size 1 repeated to a larger size (without copying); ``size`` gives the
    sizes after the batch axis, -1 keeping an axis."""

    neutral = frozenset()
    function = True
    no_macs = NO_MACS
    field_effect = "keeps"

    def __init__(self, size: list[Value], **options: Any):
        super().__init__(**options)
        if not isinstance(size, (list, tuple)) or not size:
            raise CalcError(f"size must list the sizes after the batch axis, got {size!r}")
        self.size = tuple(to_expr(s, "size") for s in size)

    def build(self, shape: Shape, env: Env) -> LayerResult:
        if len(self.size) != len(shape):
            raise CalcError(f"expand gives {len(self.size) + 1} sizes for the input {torch_shape(shape)}")
        out = []
        for axis, (old, new) in enumerate(zip(shape, self.size), start=1):
            if new == -1 or new == old:
                out.append(old)
            elif old == 1:
                out.append(env.positive(new, "size"))
            else:
                where = f"dim {axis} of {torch_shape(shape)}"
                raise CalcError(f"expand cannot change {where} to {fmt(new)} (only sizes of 1 grow)")
        return _plain(out, ["axes of size 1 repeated to ", torch_shape(tuple(out))])


class Reduction(TorchLayer):
    """mean/sum over ``dim`` (int or list, batch axis 0; None, all dims, would reduce the batch too)."""

    neutral = frozenset({"dtype"})
    function = True
    no_macs = NO_REDUCE_MACS
    words = ""

    def __init__(self, dim: int | list[int] | None = None, keepdim: bool = False, **options: Any):
        super().__init__(**options)
        if dim is None:
            raise CalcError(f"{self.type_name} over all dims would reduce the batch axis too: give dim")
        self.dim = _dims(dim, "dim")
        self.keepdim = to_bool(keepdim, "keepdim")

    def _reduced(self, shape: Shape) -> set[int]:
        return {_not_batch(torch_dim(d, shape, "dim"), "dim", d, "reduce") - 1 for d in self.dim}

    def build(self, shape: Shape, env: Env) -> LayerResult:
        reduced = self._reduced(shape)
        out = [sp.Integer(1) if i in reduced else s for i, s in enumerate(shape) if self.keepdim or i not in reduced]
        if not out:
            raise CalcError(f"{self.type_name} would leave only the batch axis; calc needs one more (keepdim=True)")
        dims = ", ".join(str(d) for d in self.dim)
        words = [f"the {self.words} over dim {dims}", ", kept as size 1" if self.keepdim else ""]
        return _plain(out, words, why=NO_REDUCE_PARAMETERS)

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        reduced = self._reduced(shapes[0])
        kept = [None if i in reduced else f for i, f in enumerate(fields[0]) if self.keepdim or i not in reduced]
        return FieldChange(tuple(kept), [], "Each output reads the reduced axes whole: their field ends.")


class mean(Reduction):
    words = "mean"


class sum(Reduction):  # named as torch names the function
    words = "sum"


class stack(TorchLayer):
    """torch.stack(tensors, dim): tensors of one shape joined along a new axis of as many entries."""

    neutral = frozenset()
    function = True
    no_macs = NO_MACS

    def __init__(self, dim: int = 0, **options: Any):
        super().__init__(**options)
        self.dim = _whole(dim, "dim")

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        if len(shapes) < 1:
            raise CalcError("stack needs at least one tensor")
        for other in shapes[1:]:
            if tuple(other) != tuple(shapes[0]):
                listed = ", ".join(torch_shape(s) for s in shapes)
                raise CalcError(f"stack needs tensors of one shape, got {listed}")
        shape = shapes[0]
        index = _not_batch(torch_dim(self.dim, (*shape, sp.Integer(1)), "dim"), "dim", self.dim, "stack along")
        step = apply(STACKED, "Output size", {count: sp.Integer(len(shapes))})
        out = (*shape[: index - 1], step.value, *shape[index - 1 :])
        return _plain(out, [f"{len(shapes)} tensors side by side along a new dim {index}"], [step])

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return self.build_many([shape], env)


class slice(TorchLayer):  # x[:, a:b], x.narrow, chunk and split pieces
    """x[:, start:stop:step] on one dim (batch axis 0, refused): the positions kept, as Python slices."""

    neutral = frozenset()
    function = True
    no_macs = NO_MACS

    def __init__(self, dim: int, start: Value | None = None, stop: Value | None = None, step: Value = 1, **options):
        super().__init__(**options)
        self.dim = _whole(dim, "dim")
        self.start = None if start is None else to_expr(start, "start")
        self.stop = None if stop is None else to_expr(stop, "stop")
        self.step = to_expr(step, "step")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        index = _not_batch(torch_dim(self.dim, shape, "dim"), "dim", self.dim, "slice")
        length = shape[index - 1]
        step = env.positive(self.step, "step")

        def bound(value: sp.Expr | None, default: sp.Expr) -> sp.Expr:
            if value is None:
                return default
            value = env.resolve(value)
            if value.is_number and value < 0:
                value = value + length
            return sp.Min(sp.Max(value, 0), length) if value.is_number and length.is_number else value

        first, last = bound(self.start, sp.Integer(0)), bound(self.stop, length)
        rule = apply(SLICED, "Output size", {start: first, stop: last, step_: step})
        if not env.require(rule.value, 1, "the slice's size"):
            raise CalcError(f"the slice keeps nothing of dim {index} (size {fmt(length)})")
        out = list(shape)
        out[index - 1] = rule.value
        return _plain(out, [f"positions {fmt(first)} to {fmt(last)} of dim {index}"], [rule])

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        index = torch_dim(self.dim, shapes[0], "dim") - 1
        out = list(fields[0])
        if out[index] is not None:
            first = env.resolve(self.start) if self.start is not None else sp.Integer(0)
            step = env.resolve(self.step)
            before = out[index]
            begun = before.start + first * before.jump if first.is_number and first >= 0 else None
            out[index] = None if begun is None else AxisField(before.size, before.jump * step, begun)
        return FieldChange(tuple(out), [], "The positions kept keep their fields, step apart.")


class select(TorchLayer):
    """x[:, 0] (x.select(dim, index)): one position of a dim, which disappears."""

    neutral = frozenset()
    function = True
    no_macs = NO_MACS

    def __init__(self, dim: int, index: int, **options: Any):
        super().__init__(**options)
        self.dim, self.index = _whole(dim, "dim"), _whole(index, "index")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        axis = _not_batch(torch_dim(self.dim, shape, "dim"), "dim", self.dim, "select on") - 1
        length = shape[axis]
        if length.is_number and not -length <= self.index < length:
            raise CalcError(f"index {self.index} is out of range for dim {axis + 1} of {torch_shape(shape)}")
        out = [s for i, s in enumerate(shape) if i != axis]
        if not out:
            raise CalcError(f"selecting on {torch_shape(shape)} would leave only the batch axis")
        return _plain(out, [f"position {self.index} of dim {axis + 1}"])

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        axis = torch_dim(self.dim, shapes[0], "dim") - 1
        return FieldChange(tuple(f for i, f in enumerate(fields[0]) if i != axis), [], "")


class roll(TorchLayer):
    """torch.roll(x, shifts, dims): the values moved cyclically along ``dims`` (batch axis 0, refused), those
    pushed past the end coming back at the start, as Swin shifts its windows; the shape is kept."""

    neutral = frozenset()
    function = True
    no_macs = NO_MACS

    def __init__(self, shifts: Value | list[Value], dims: int | list[int], **options: Any):
        super().__init__(**options)
        self.dims = _dims(dims, "dims")
        values = shifts if isinstance(shifts, (list, tuple)) else [shifts]
        self.shifts = tuple(to_expr(v, "shifts") for v in values)
        if len(self.shifts) != len(self.dims):
            raise CalcError(f"roll gives {len(self.shifts)} shifts for {len(self.dims)} dims")

    def _rolled(self, shape: Shape) -> set[int]:
        return {_not_batch(torch_dim(d, shape, "dims"), "dims", d, "roll") - 1 for d in self.dims}

    def build(self, shape: Shape, env: Env) -> LayerResult:
        rolled = sorted(self._rolled(shape))
        shifts = ", ".join(fmt(s) for s in self.shifts)
        return _plain(shape, [f"values moved by ({shifts}) along dims {', '.join(str(a + 1) for a in rolled)}"])

    def receptive_field(self, fields: Any, shapes: Any, result: LayerResult, env: Env) -> FieldChange:
        rolled = self._rolled(shapes[0])
        kept = tuple(None if i in rolled else f for i, f in enumerate(fields[0]))
        return FieldChange(kept, [], "A rolled axis wraps around: its positions no longer follow one grid.")


class ChannelShuffle(TorchLayer):
    """nn.ChannelShuffle(groups) on [N, C, *]: the C channels, read as ``groups`` rows of C/groups, are read out
    column by column (ShuffleNet's channel_shuffle: view, transpose, view). The shape is unchanged and each
    position keeps its receptive field: channels move, positions do not."""

    data_format = "channels_first"
    neutral = frozenset()
    no_macs = NO_MACS
    field_effect = "keeps"

    def __init__(self, groups: Value, **options: Any):
        super().__init__(**options)
        self.groups = to_expr(groups, "groups")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        if len(shape) < 2:
            raise CalcError(f"ChannelShuffle takes [N, C, *spatial], got {torch_shape(shape)}")
        groups = env.positive(self.groups, "groups")
        check_divides(groups, shape[0], "the channels", by="groups")
        return _plain(
            shape, ["the ", shape[0], " channels, in ", groups, " groups of ", shape[0] / groups, ", interleaved"]
        )


class matmul(TorchLayer):
    """a @ b on [..., n, k] and [..., k, m]: [..., n, m], the leading dims broadcast (the batch axis is one)."""

    neutral = frozenset()
    function = True

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        if len(shapes) != 2:
            raise CalcError(f"matmul takes two tensors, got {len(shapes)}")
        left, right = shapes
        if len(left) < 2 or len(left) != len(right):
            raise CalcError(
                f"calc multiplies matrices of one rank, at least 3 with the batch axis: {torch_shape(left)} @ "
                f"{torch_shape(right)}"
            )
        if (left[-1] - right[-2]).is_zero is False:
            raise CalcError(f"matmul needs the inner sizes to agree: {torch_shape(left)} @ {torch_shape(right)}")
        batch = []
        for x, y in zip(left[:-2], right[:-2]):
            if x != y and x != 1 and y != 1:
                raise CalcError(f"matmul's leading dims do not broadcast: {torch_shape(left)} @ {torch_shape(right)}")
            batch.append(y if x == 1 else x)
        words = ["matrix products of ", left[-2:], " by ", right[-2:]]
        return _plain((*batch, left[-2], right[-1]), words, why=NO_PRODUCT_PARAMETERS)

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return self.build_many([shape], env)

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        left, right = shapes
        leading = sp.Mul(*result.output_shape[:-2])
        step = apply(MATMUL_MACS, "MACs", {B: leading, a: left[-2], b: left[-1], c: right[-1]})
        step.lhs = "M"
        return step


class Parameter(TorchLayer):
    """A learned tensor held by a module (nn.Parameter(torch.zeros(1, 1, 768)): a class token, a position
    embedding, a layer scale). ``size`` is PyTorch's; ``dims`` is the rank of the tensors it meets (batch
    axis included), to which PyTorch's broadcasting pads it with leading 1s; the first of those dims then
    faces the batch axis and must be 1. It reads no input: ``inputs`` (the model's input) only places it in
    the graph."""

    neutral = frozenset({"requires_grad"})
    no_macs = "A stored tensor computes nothing: 0 MACs."
    #: Figures draw no edge into it: its ``inputs`` only place it in the graph.
    reads_input = False

    def __init__(self, size: list[Value], dims: int | None = None, **options: Any):
        super().__init__(**options)
        if not isinstance(size, (list, tuple)) or not size:
            raise CalcError(f"size must list the parameter's sizes, got {size!r}")
        self.size = tuple(to_expr(s, "size") for s in size)
        if dims is None:
            dims = len(self.size) if self.size[0] == 1 and len(self.size) > 1 else len(self.size) + 1
        self.dims = _whole(dims, "dims")
        if self.dims < len(self.size) or self.dims < 2:
            raise CalcError(f"dims ({self.dims}) must be at least the parameter's rank ({len(self.size)}) and 2")
        aligned = (sp.Integer(1),) * (self.dims - len(self.size)) + self.size
        if aligned[0] != 1:
            raise CalcError(
                f"the parameter's dim 0 (size {fmt(aligned[0])}) would face the batch axis; calc needs it to be 1"
            )
        self.aligned = aligned

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        sizes = [env.positive(s, "size") for s in self.size]
        values = apply(parameter_rule(len(sizes)), "Parameters", dict(zip(numbered_symbols("s", len(sizes)), sizes)))
        return LayerResult(
            output_shape=tuple(env.resolve(s) for s in self.aligned[1:]),
            trainable=values.value,
            non_trainable=sp.Integer(0),
            param_steps=[values],
            description=["a learned tensor of size ", "[" + ", ".join(fmt(s) for s in sizes) + "]"],
        )

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return self.build_many([shape], env)

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        return FieldChange((None,) * len(result.output_shape), [], "A stored tensor reads no input position.")


class pad(TorchLayer):
    """F.pad(x, (left, right, top, bottom, ...)): pairs of amounts from the last dim backwards (PyTorch's
    order), the padded rule of ZeroPadding per dim; ``mode`` and ``value`` change values only."""

    neutral = frozenset({"mode", "value"})
    function = True
    no_macs = NO_MACS

    def __init__(self, pad: list[Value], **options: Any):  # PyTorch's name
        super().__init__(**options)
        if not isinstance(pad, (list, tuple)) or not pad or len(pad) % 2:
            raise CalcError(f"pad must list pairs of amounts (left, right, top, bottom, ...), got {pad!r}")
        self.pad = tuple(to_expr(x, "pad") for x in pad)

    def _pairs(self, shape: Shape) -> list[tuple[int, sp.Expr, sp.Expr]]:
        count = len(self.pad) // 2
        if count > len(shape):
            raise CalcError(f"pad gives {count} pairs, more than the dims after the batch axis of {torch_shape(shape)}")
        return [(len(shape) - 1 - i, self.pad[2 * i], self.pad[2 * i + 1]) for i in range(count)]

    def build(self, shape: Shape, env: Env) -> LayerResult:
        out = list(shape)
        steps: list[Step] = []
        for axis, before, after in sorted(self._pairs(shape)):
            rule = apply(PADDED, "", {size: shape[axis], p_1: env.resolve(before), p_2: env.resolve(after)})
            if not env.require(rule.value, 1, "the padded size"):
                raise CalcError(f"padding would leave dim {axis + 1} of {torch_shape(shape)} empty")
            out[axis] = rule.value
            merge_step(steps, rule, f"dim {axis + 1}")
        return _plain(out, ["values added at both ends of the last ", len(self.pad) // 2, " dims"], steps)

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        out = list(fields[0])
        steps: list[Step] = []
        for axis, before, _ in self._pairs(shapes[0]):
            if out[axis] is None:
                continue
            old = out[axis]
            moved = apply(PADDED_START, "Start", {start_in: old.start, jump_in: old.jump, p_1: env.resolve(before)})
            out[axis] = AxisField(old.size, old.jump, moved.value)
            merge_axis_step(steps, moved, f"dim {axis + 1}")
        return FieldChange(tuple(out), steps)


def flattened(shape: Shape) -> sp.Expr:
    """How many values one example holds (Flatten's rule), for readers that check a view's sizes."""
    return apply(flatten_rule(len(shape)), "", dict(zip(numbered_symbols("n", len(shape)), shape))).value


class Upsample(TorchLayer):
    """nn.Upsample and F.interpolate on [N, C, *spatial]: each spatial axis to ``size``, or times
    ``scale_factor`` (UpSampling's rule, rounded down as PyTorch does for a fractional factor); ``mode``
    and ``align_corners`` change values only."""

    data_format = CHANNELS_FIRST
    neutral = frozenset({"mode", "align_corners", "recompute_scale_factor", "antialias"})
    no_macs = NO_MACS

    def __init__(self, size: Any = None, scale_factor: Any = None, **options: Any):
        super().__init__(**options)
        if (size is None) == (scale_factor is None):
            raise CalcError("give Upsample either size or scale_factor")
        self.size, self.scale_factor = size, scale_factor

    def _per_axis(self, value: Any, rank: int, what: str) -> list:
        values = list(value) if isinstance(value, (list, tuple)) else [value] * rank
        if len(values) != rank:
            raise CalcError(f"{what} needs {rank} values for {rank} spatial dims, got {len(values)}")
        return values

    def build(self, shape: Shape, env: Env) -> LayerResult:
        if len(shape) < 2:
            raise CalcError(f"Upsample takes [N, C, *spatial], got {torch_shape(shape)}")
        spatial = shape[1:]
        steps: list[Step] = []
        if self.size is not None:
            sizes = [env.positive(to_expr(s, "size"), "size") for s in self._per_axis(self.size, len(spatial), "size")]
            return _plain((shape[0], *sizes), ["each spatial axis resized to ", tuple(sizes)])
        sizes = []
        factors = self._per_axis(self.scale_factor, len(spatial), "scale_factor")
        for axis, (n_in, factor) in enumerate(zip(spatial, factors)):
            if isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor <= 0:
                raise CalcError(f"scale_factor must be a positive number, got {factor!r}")
            rule = apply(UPSAMPLED, "", {size: n_in, u_: sp.nsimplify(factor)})
            rule.value = sp.floor(rule.value)
            sizes.append(rule.value)
            merge_step(steps, rule, f"dim {axis + 2}")
        return _plain((shape[0], *sizes), ["each spatial axis scaled by ", str(self.scale_factor)], steps)


SDPA_MACS = Rule(
    lhs="M",
    expr=B * a * c * (b + count),
    why="Each of the a queries is compared with each of the c keys (a dot product of b values), and each of the "
    "a outputs sums the c values' m entries weighted by the softmax: a c (b + m) products per head, B heads "
    "(the product of the leading axes).",
)


class scaled_dot_product_attention(TorchLayer):
    """F.scaled_dot_product_attention(q, k, v): softmax(q kᵀ / √E) v over [..., L, E], [..., S, E], [..., S, Ev],
    giving [..., L, Ev]; the leading dims (the batch and the heads) broadcast. No weights."""

    neutral = frozenset({"dropout_p", "is_causal", "scale", "enable_gqa"})
    function = True

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        if len(shapes) != 3:
            raise CalcError(f"scaled_dot_product_attention takes query, key and value, got {len(shapes)} tensors")
        query, key, value = shapes
        listed = ", ".join(torch_shape(s) for s in shapes)
        if not len(query) == len(key) == len(value) or len(query) < 2:
            raise CalcError(f"scaled_dot_product_attention needs query, key and value of one rank: {listed}")
        if (query[-1] - key[-1]).is_zero is False or (key[-2] - value[-2]).is_zero is False:
            raise CalcError(
                f"the query's and the key's last sizes, and the key's and value's lengths must agree: {listed}"
            )
        words = ["attention of ", query[-2], " queries over ", key[-2], " keys"]
        return _plain((*query[:-1], value[-1]), words, why=NO_PRODUCT_PARAMETERS)

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return self.build_many([shape], env)

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        query, key, value = shapes
        leading = sp.Mul(*result.output_shape[:-2])
        step = apply(SDPA_MACS, "MACs", {B: leading, a: query[-2], b: query[-1], c: key[-2], count: value[-1]})
        step.lhs = "M"
        return step


TENSOR_CLASSES: list[type[TorchLayer]] = [
    view,
    reshape,
    permute,
    transpose,
    unsqueeze,
    squeeze,
    expand,
    mean,
    sum,
    stack,
    slice,
    select,
    roll,
    ChannelShuffle,
    matmul,
    Parameter,
    pad,
    Upsample,
    scaled_dot_product_attention,
]
