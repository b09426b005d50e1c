"""Attention within windows, as torchvision's vision transformers build it, each layer named after its
torchvision class: Swin's ShiftedWindowAttention and ShiftedWindowAttentionV2 with PatchMerging and
PatchMergingV2 (torchvision.models.swin_transformer), and MaxViT's WindowPartition, WindowDepartition and
RelativePositionalMultiHeadAttention (torchvision.models.maxvit).

Swin works channels-last, [H, W, C] after the batch axis; it pads the map up to whole windows of a × b
tokens, attends within each window (after a cyclic shift, ``roll``, on every other block) and crops the
padding off again. MaxViT cuts a channels-first map into G groups of P tokens ([G, P, C]) and attends
within each group. Both count the same work per group of tokens (ATTENTION_IN_WINDOWS); their projections
are Linear layers (the Dense rules) and their relative position bias is a learned table of one value per
head for each of the (2a - 1)(2b - 1) offsets between two tokens of a window.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, ClassVar

import sympy as sp

from calc.dialects.pytorch.attention import ATTENTION_MACS, extra, length_kv, length_q
from calc.dialects.pytorch.attention import e as attn_e
from calc.dialects.pytorch.attention import k as attn_k
from calc.dialects.pytorch.attention import v as attn_v
from calc.dialects.pytorch.base import TorchLayer, check_divides, check_matches, torch_shape
from calc.errors import CalcError
from calc.layers.base import Env, LayerResult, Shape, Value, fmt, to_bool, to_expr
from calc.layers.dense import PARAMS as DENSE_PARAMS
from calc.layers.dense import b as dense_b
from calc.layers.dense import dense_macs, n_in, n_out
from calc.layers.normalization import AFFINE, beta, c, gamma
from calc.layers.reshape import NO_MACS, NO_PARAMETERS
from calc.layers.window import merge_step
from calc.rules import Rule, Step, apply, local_symbols, note, numbered_symbols

h_in, w_in, a, b, g, t, e, heads, hidden, n, p = local_symbols("H W a b g t E h m n p")

#: What the symbols of these rules mean (the shared glossary gives a, b, h and H other meanings).
SYMBOLS = {
    "H": "the height of the map coming in, in tokens",
    "W": "the width of the map coming in, in tokens",
    "a": "the window's height, in tokens",
    "b": "the window's width, in tokens",
    "g": "the number of windows (or groups) of tokens",
    "t": "the tokens in one window",
    "E": "the channels of each token",
    "h": "the number of attention heads",
    "m": "the width of cpb_mlp's hidden layer (512)",
    "n": "the input's size along the axis",
    "p": "the side of a tile, in tokens",
}

WINDOWS = Rule(
    lhs="g",
    expr=sp.ceiling(h_in / a) * sp.ceiling(w_in / b),
    why="The H × W map is padded at the bottom and right up to whole windows of a × b tokens: ⌈H/a⌉ rows "
    "of ⌈W/b⌉ windows.",
    symbols=SYMBOLS,
    name="Windows of a map",
)
ATTENTION_IN_WINDOWS = Rule(
    lhs="M",
    # nn.MultiheadAttention's rule, with t queries meeting t keys and values of E channels, in each of g windows
    expr=g * ATTENTION_MACS.expr.xreplace({length_q: t, length_kv: t, extra: 0, attn_e: e, attn_k: e, attn_v: e}),
    why="In each of the g windows of t tokens of E channels: the query, key and value projections take "
    "3 t E² products and the output projection t E²; each token's query meets each key of its window in E "
    "products (over all heads together), and as many weigh the values: 2 t² E. Softmax, scaling and the "
    "bias and mask additions work value by value and are not counted.",
    symbols=SYMBOLS,
    name="MACs of attention in windows",
)
POSITION_BIAS_TABLE = Rule(
    lhs="P_{bias}",
    expr=(2 * a - 1) * (2 * b - 1) * heads,
    why="Two tokens of an a × b window lie between -(a - 1) and a - 1 rows and -(b - 1) and b - 1 columns "
    "apart: (2a - 1)(2b - 1) offsets, with one learned bias for each and each of the h heads.",
    symbols=SYMBOLS,
    name="Relative position bias table",
)
LOGIT_SCALE = Rule(
    lhs="P_{scale}",
    expr=heads,
    why="Swin V2's cosine attention divides by a learned temperature: one logit scale per head.",
    symbols=SYMBOLS,
    name="Logit scale of cosine attention",
)
CONTINUOUS_BIAS_MACS = Rule(
    lhs="M",
    expr=ATTENTION_IN_WINDOWS.expr + (2 * a - 1) * (2 * b - 1) * hidden * (2 + heads),
    why="Besides the attention in windows (g (4 t E² + 2 t² E), as in Swin), Swin V2 computes its position "
    "bias with a small MLP run once per forward pass over the (2a - 1)(2b - 1) offsets: 2 → m → h, "
    "(2a - 1)(2b - 1) m (2 + h) products.",
    symbols=SYMBOLS,
    name="MACs of Swin V2's window attention",
)
HALVED = Rule(
    lhs="n_{out}",
    expr=sp.ceiling(n / 2),
    why="Patch merging pads an odd side by one and joins each 2 × 2 block of tokens into one: ⌈n/2⌉.",
    symbols=SYMBOLS,
    name="Output size of patch merging",
)
PARTS = Rule(
    lhs="g",
    expr=(h_in / p) * (w_in / p),
    why="The H × W map is cut into p × p tiles: H/p rows of W/p tiles (p must divide both).",
    symbols=SYMBOLS,
    name="Tiles of a map",
)


@cache
def parts_rule(count: int) -> Rule:
    """P = P_1 + ... + P_k: a layer made of parts (projections, a table, a norm) holds their parameters."""
    return Rule(
        lhs="P",
        expr=sp.Add(*numbered_symbols("P", count)),
        why="The layer's parameters are those of its parts added up.",
    )


def _pair(value: Any, what: str) -> tuple[sp.Expr, sp.Expr]:
    values = value if isinstance(value, (list, tuple)) else [value, value]
    if len(values) != 2:
        raise CalcError(f"{what} must give 2 sizes (height, width), got {len(values)}")
    return to_expr(values[0], what), to_expr(values[1], what)


def _channels_last(layer: TorchLayer, shape: Shape, dim: sp.Expr, env: Env) -> None:
    if len(shape) != 3:
        raise CalcError(f"{layer.type_name} takes a channels-last map [N, H, W, C], got {torch_shape(shape)}")
    check_matches(dim, shape[-1], "dim", f"the last axis of the input {torch_shape(shape)} is {{}}", env)


def _total(steps: list[Step]) -> Step:
    """The step that adds up the parts' steps (counted 0 times: the parts are the counts)."""
    parts = numbered_symbols("P", len(steps))
    total = apply(parts_rule(len(steps)), "Parameters", {part: step.value for part, step in zip(parts, steps)})
    total.counts = 0
    return total


class ShiftedWindowAttention(TorchLayer):
    """Swin's window attention on [N, H, W, C]: qkv (a Linear of C to 3C), attention within a × b windows
    shifted by ``shift_size`` (a ``roll``; no work), a relative position bias table, and proj (C to C)."""

    neutral = frozenset({"attention_dropout", "dropout"})
    version: ClassVar[int] = 1

    def __init__(
        self,
        dim: Value,
        window_size: list[Value],
        shift_size: list[Value],
        num_heads: Value,
        qkv_bias: bool = True,
        proj_bias: bool = True,
        **options: Any,
    ):
        super().__init__(**options)
        self.dim = to_expr(dim, "dim")
        self.window_size = _pair(window_size, "window_size")
        self.shift_size = _pair(shift_size, "shift_size")
        self.num_heads = to_expr(num_heads, "num_heads")
        self.qkv_bias = to_bool(qkv_bias, "qkv_bias")
        self.proj_bias = to_bool(proj_bias, "proj_bias")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        dim = env.positive(self.dim, "dim")
        _channels_last(self, shape, dim, env)
        count = env.positive(self.num_heads, "num_heads")
        check_divides(count, dim, "dim", by="num_heads")
        rows, cols = (env.positive(s, "window_size") for s in self.window_size)
        for shift in self.shift_size:
            env.non_negative(shift, "shift_size")
        windows = apply(WINDOWS, "Windows", {h_in: shape[0], w_in: shape[1], a: rows, b: cols})
        steps = self._parameter_steps(dim, count, rows, cols)
        steps.append(_total(steps))
        return LayerResult(
            output_shape=tuple(shape),
            trainable=steps[-1].value,
            non_trainable=sp.Integer(0),
            shape_steps=[windows],
            param_steps=steps,
            description=[
                "self-attention within ",
                windows.value,
                " windows of ",
                (rows, cols),
                " tokens, ",
                count,
                " heads; the shape is kept",
            ],
        )

    def _projections(self, dim: sp.Expr) -> list[Step]:
        qkv = apply(DENSE_PARAMS, "qkv", {n_in: dim, n_out: 3 * dim}, {dense_b: sp.Integer(int(self.qkv_bias))})
        proj = apply(DENSE_PARAMS, "proj", {n_in: dim, n_out: dim}, {dense_b: sp.Integer(int(self.proj_bias))})
        return [qkv, proj]

    def _parameter_steps(self, dim: sp.Expr, count: sp.Expr, rows: sp.Expr, cols: sp.Expr) -> list[Step]:
        table = apply(POSITION_BIAS_TABLE, "relative_position_bias_table", {a: rows, b: cols, heads: count})
        return [*self._projections(dim), table]

    def _macs_bindings(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> dict:
        rows, cols = (env.resolve(s) for s in self.window_size)
        return {g: result.shape_steps[0].value, t: rows * cols, e: env.resolve(self.dim), a: rows, b: cols}

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        return apply(ATTENTION_IN_WINDOWS, "MACs", self._macs_bindings(shapes, result, env))


class ShiftedWindowAttentionV2(ShiftedWindowAttention):
    """Swin V2's window attention: cosine attention with a learned logit scale per head, and the position
    bias computed by cpb_mlp (Linear 2 → 512 with bias, ReLU, Linear 512 → heads without) from the offsets
    instead of a table. (The key's third of qkv's bias is held at zero but is still a parameter.)"""

    version = 2
    #: The width of cpb_mlp's hidden layer, fixed in torchvision (not an argument).
    CPB_HIDDEN = 512

    def _parameter_steps(self, dim: sp.Expr, count: sp.Expr, rows: sp.Expr, cols: sp.Expr) -> list[Step]:
        scale = apply(LOGIT_SCALE, "logit_scale", {heads: count})
        width = sp.Integer(self.CPB_HIDDEN)
        first = apply(DENSE_PARAMS, "cpb_mlp.0", {n_in: sp.Integer(2), n_out: width}, {dense_b: sp.Integer(1)})
        second = apply(DENSE_PARAMS, "cpb_mlp.2", {n_in: width, n_out: count}, {dense_b: sp.Integer(0)})
        return [*self._projections(dim), scale, first, second]

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        bindings = self._macs_bindings(shapes, result, env)
        bindings |= {heads: env.resolve(self.num_heads), hidden: sp.Integer(self.CPB_HIDDEN)}
        return apply(CONTINUOUS_BIAS_MACS, "MACs", bindings)


class PatchMerging(TorchLayer):
    """Swin's downsampling on [N, H, W, C]: each 2 × 2 block of tokens (an odd side padded by one) joined
    into 4C channels, a LayerNorm, and a Linear of 4C to 2C without bias: [N, ⌈H/2⌉, ⌈W/2⌉, 2C]. PatchMergingV2
    applies the Linear first and normalizes its 2C outputs."""

    neutral = frozenset({"norm_layer"})
    norm_first: ClassVar[bool] = True

    def __init__(self, dim: Value, **options: Any):
        super().__init__(**options)
        self.dim = to_expr(dim, "dim")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        dim = env.positive(self.dim, "dim")
        _channels_last(self, shape, dim, env)
        sizes: list[Step] = []
        for axis, words in ((0, "height"), (1, "width")):
            size = apply(HALVED, "", {n: shape[axis]})
            size.axes = (axis,)
            merge_step(sizes, size, words)
        height, width = (next(s.value for s in sizes if axis in s.axes) for axis in (0, 1))
        normalized = 4 * dim if self.norm_first else 2 * dim
        norm = apply(AFFINE, "norm", {c: normalized}, {gamma: sp.Integer(1), beta: sp.Integer(1)})
        reduction = apply(DENSE_PARAMS, "reduction", {n_in: 4 * dim, n_out: 2 * dim}, {dense_b: sp.Integer(0)})
        steps = [norm, reduction] if self.norm_first else [reduction, norm]
        steps.append(_total(steps))
        return LayerResult(
            output_shape=(height, width, 2 * dim),
            trainable=steps[-1].value,
            non_trainable=sp.Integer(0),
            shape_steps=sizes,
            param_steps=steps,
            description=["each 2 × 2 block of tokens joined into ", 4 * dim, " channels and mapped to ", 2 * dim],
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        merged = (*result.output_shape[:2], 4 * env.resolve(self.dim))
        return dense_macs(merged, result.output_shape[-1])


class PatchMergingV2(PatchMerging):
    norm_first = False


class WindowPartition(TorchLayer):
    """MaxViT's cut of a channels-first map [N, C, H, W] into p × p tiles: [N, (H/p)(W/p), p², C]; ``p`` is
    forward's argument (the window size, or the number of grid cells for the grid attention)."""

    neutral = frozenset()
    no_macs = NO_MACS

    def __init__(self, p: Value, **options: Any):
        super().__init__(**options)
        self.p = to_expr(p, "p")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        if len(shape) != 3:
            raise CalcError(f"WindowPartition takes a map [N, C, H, W], got {torch_shape(shape)}")
        tile = env.positive(self.p, "p")
        for size in shape[1:]:
            check_divides(tile, size, "the map's height and width", by="p")
        parts = apply(PARTS, "Tiles", {h_in: shape[1], w_in: shape[2], p: tile})
        return LayerResult(
            output_shape=(parts.value, tile**2, shape[0]),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            shape_steps=[parts],
            param_steps=[note("Parameters", 0, NO_PARAMETERS)],
            description=["the map cut into ", parts.value, " tiles of ", (tile, tile), " tokens"],
        )


class WindowDepartition(TorchLayer):
    """WindowPartition undone: [N, h·w, p², C] back to [N, C, h·p, w·p] (forward's p, h_partitions and
    w_partitions)."""

    neutral = frozenset()
    no_macs = NO_MACS

    def __init__(self, p: Value, h_partitions: Value, w_partitions: Value, **options: Any):
        super().__init__(**options)
        self.p = to_expr(p, "p")
        self.h_partitions = to_expr(h_partitions, "h_partitions")
        self.w_partitions = to_expr(w_partitions, "w_partitions")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        if len(shape) != 3:
            raise CalcError(f"WindowDepartition takes tiles [N, G, P, C], got {torch_shape(shape)}")
        tile = env.positive(self.p, "p")
        rows, cols = env.positive(self.h_partitions, "h_partitions"), env.positive(self.w_partitions, "w_partitions")
        if (shape[0] - rows * cols).is_zero is False or (shape[1] - tile**2).is_zero is False:
            raise CalcError(
                f"{torch_shape(shape)} is not {fmt(rows)} × {fmt(cols)} tiles of {fmt(tile)} × {fmt(tile)} tokens"
            )
        return LayerResult(
            output_shape=(shape[2], rows * tile, cols * tile),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            param_steps=[note("Parameters", 0, NO_PARAMETERS)],
            description=["the tiles put back into a ", (rows * tile, cols * tile), " map"],
        )


class RelativePositionalMultiHeadAttention(TorchLayer):
    """MaxViT's attention within each of G groups of P tokens ([N, G, P, D], P = max_seq_len, a square
    window of s × s): to_qkv (a Linear of D to 3D), a relative position bias table, and merge (D to D),
    with D/head_dim heads."""

    neutral = frozenset()

    def __init__(self, feat_dim: Value, head_dim: Value, max_seq_len: Value, **options: Any):
        super().__init__(**options)
        self.feat_dim = to_expr(feat_dim, "feat_dim")
        self.head_dim = to_expr(head_dim, "head_dim")
        self.max_seq_len = to_expr(max_seq_len, "max_seq_len")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        if len(shape) != 3:
            raise CalcError(f"{self.type_name} takes groups of tokens [N, G, P, D], got {torch_shape(shape)}")
        dim = env.positive(self.feat_dim, "feat_dim")
        check_matches(dim, shape[-1], "feat_dim", f"the last axis of the input {torch_shape(shape)} is {{}}", env)
        head = env.positive(self.head_dim, "head_dim")
        check_divides(head, dim, "feat_dim", by="head_dim")
        length = env.positive(self.max_seq_len, "max_seq_len")
        side = sp.sqrt(length)
        if not side.is_Integer:
            raise CalcError(f"max_seq_len ({fmt(length)}) must be the square of the window's side")
        check_matches(length, shape[1], "max_seq_len", f"each group of {torch_shape(shape)} holds {{}} tokens", env)
        count = dim / head
        qkv = apply(DENSE_PARAMS, "to_qkv", {n_in: dim, n_out: 3 * dim}, {dense_b: sp.Integer(1)})
        merge = apply(DENSE_PARAMS, "merge", {n_in: dim, n_out: dim}, {dense_b: sp.Integer(1)})
        table = apply(POSITION_BIAS_TABLE, "relative_position_bias_table", {a: side, b: side, heads: count})
        steps = [qkv, merge, table]
        steps.append(_total(steps))
        return LayerResult(
            output_shape=tuple(shape),
            trainable=steps[-1].value,
            non_trainable=sp.Integer(0),
            param_steps=steps,
            description=[
                "self-attention within each of ",
                shape[0],
                " groups of ",
                length,
                " tokens, ",
                count,
                " heads",
            ],
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        shape = shapes[0]
        return apply(ATTENTION_IN_WINDOWS, "MACs", {g: shape[0], t: shape[1], e: shape[2]})


WINDOW_CLASSES: list[type[TorchLayer]] = [
    ShiftedWindowAttention,
    ShiftedWindowAttentionV2,
    PatchMerging,
    PatchMergingV2,
    WindowPartition,
    WindowDepartition,
    RelativePositionalMultiHeadAttention,
]
