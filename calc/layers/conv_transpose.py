"""Transposed convolutions: Conv1DTranspose, Conv2DTranspose, Conv3DTranspose.

A transposed convolution runs the sliding window backwards: each input position spreads a kernel's
worth of values over the output, and consecutive positions land s apart. Its output size is therefore
the ordinary convolution's rule solved for the input, which is why swapping the two is the classic
mistake (declared on every rule below). Per spatial axis, with the dilated kernel k' = d(k - 1) + 1:

    explicit padding p (PyTorch's ConvTranspose rule; Keras 'valid' with output_padding is p = 0):
        n_out = (n - 1)s - 2p + d(k - 1) + a + 1
    Keras 'valid' without output_padding (Keras pads a = max(k', s) - k' so that no stride step is lost):
        n_out = (n - 1)s + max(d(k - 1) + 1, s)
    Keras 'same' without output_padding:
        n_out = n s
    Keras 'same' with output_padding a (Keras crops the kernel's even part, leaving k' mod 2):
        n_out = (n - 1)s + (d(k - 1) + 1) mod 2 + a

Parameters are those of an ordinary convolution without groups: one weight per kernel position,
input channel and filter, plus a bias per filter (``conv.PARAMS``). MACs: every input value meets every
weight of its window once, n_1 ... n_r c_in f k_1 ... k_r for n_1 ... n_r input positions (fvcore's count).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import sympy as sp

from calc.errors import CalcError
from calc.layers.base import (
    AXIS_NAMES,
    Description,
    Env,
    Layer,
    LayerResult,
    Shape,
    Value,
    check_output_size,
    fmt,
    to_bool,
    to_expr,
    to_tuple,
)
from calc.layers.conv import (
    KERNEL_SYMBOLS,
    OUTPUT_SYMBOLS,
    PARAMS,
    above_one,
    b,
    c_in,
    f,
    g,
)
from calc.layers.conv import MACS as CONV_MACS
from calc.layers.layout import first_axis, join_channels, parse_data_format, split_channels
from calc.layers.receptive import Field, FieldChange, keras_window_field
from calc.layers.window import EXPLICIT_PADDING, SAME_PADDING, d, k, merge_step, n, neutral, p, parse_padding, s
from calc.rules import Mistake, Rule, Step, apply, local_symbols

(a,) = local_symbols("a")

SWAPPED_FEEDBACK = (
    "That is the ordinary convolution's rule, which shrinks the axis; a transposed convolution runs it "
    "backwards, so the output grows to about n times the stride."
)


def _swapped(expr: Callable[[], sp.Expr]) -> Callable[[], tuple[Mistake, ...]]:
    """The catalogue 'the ordinary convolution's rule was used', built on first use (see Rule)."""
    return lambda: (Mistake("transposed_formula_swapped", expr(), SWAPPED_FEEDBACK),)


TRANSPOSED_EXPLICIT = Rule(
    lhs="n_{out}",
    expr=(n - 1) * s - 2 * p + d * (k - 1) + a + 1,
    why="Each of the n input positions starts a window s outputs after the previous one, so the starts "
    "span (n - 1)s; the last window adds its d(k - 1) + 1 positions, the output padding a adds a, "
    "and the padding p is cut from both ends.",
    mistakes=_swapped(lambda: EXPLICIT_PADDING.expr),
)
TRANSPOSED_VALID = Rule(
    lhs="n_{out}",
    expr=(n - 1) * s + sp.Max(d * (k - 1) + 1, s, evaluate=False),
    why="With 'valid' padding the window starts move s outputs apart, (n - 1)s in all, and the last "
    "window adds its d(k - 1) + 1 positions, or a whole stride when the stride is longer than the window.",
    mistakes=_swapped(lambda: EXPLICIT_PADDING.expr.xreplace({p: 0})),
)
TRANSPOSED_SAME = Rule(
    lhs="n_{out}",
    expr=n * s,
    why="'same' padding makes a transposed convolution the exact inverse of a strided one: every input "
    "position becomes s outputs.",
    mistakes=lambda: (
        *_swapped(lambda: SAME_PADDING.expr)(),
        Mistake(
            "same_keeps_size",
            None,
            "'same' keeps the size only with stride 1: a transposed convolution with stride s = {s} makes every "
            "input position s outputs, n·s = {n}·{s}.",
            replaces={s: 1},
        ),
    ),
)
TRANSPOSED_SAME_OUTPUT_PADDING = Rule(
    lhs="n_{out}",
    expr=lambda: (n - 1) * s + sp.Mod(d * (k - 1) + 1, 2) + a,
    why="With 'same' padding and an explicit output padding a, Keras crops the window to its odd part: "
    "the starts span (n - 1)s, the window leaves (d(k - 1) + 1) mod 2 positions, and a is added.",
    mistakes=_swapped(lambda: SAME_PADDING.expr),
)
INPUT_SYMBOLS = {1: local_symbols("l_in"), 2: local_symbols("h_in w_in"), 3: local_symbols("d_in h_in w_in")}
TRANSPOSED_MACS = {
    rank: Rule(
        lhs="M",
        # the convolution's MACs counted at the input positions (the convolution it reverses has them as outputs)
        expr=CONV_MACS[rank].expr.xreplace({**dict(zip(OUTPUT_SYMBOLS[rank], INPUT_SYMBOLS[rank])), g: 1}),
        why="Each input position spreads each of its c_in values over a window: one product per kernel "
        "position and filter (those that land in the cut padding included, as fvcore counts them).",
    )
    for rank, kernel in KERNEL_SYMBOLS.items()
}
UNDILATED_VALID_WHY = (
    "With 'valid' padding the window starts move s outputs apart, (n - 1)s in all, and the last window "
    "adds its positions; the window is at least as long as the stride, so nothing else is added."
)


def transposed_shape(
    spatial: list[sp.Expr],
    kernel: tuple[sp.Expr, ...],
    strides: tuple[sp.Expr, ...],
    padding: str | tuple[sp.Expr, ...],
    output_padding: tuple[sp.Expr, ...] | None,
    dilation: tuple[sp.Expr, ...],
    env: Env,
    *,
    first_axis: int = 0,
) -> tuple[list[sp.Expr], list[Step]]:
    """Output sizes of a transposed convolution along the spatial axes, one step per distinct axis
    (``first_axis``: where the spatial axes start in the output shape, as for ``window_shape``)."""
    names = AXIS_NAMES[len(spatial)]
    sizes: list[sp.Expr] = []
    steps: list[Step] = []
    for axis, size in enumerate(spatial):
        kk = env.positive(kernel[axis], "kernel size")
        ss = env.positive(strides[axis], "strides")
        dd = env.positive(dilation[axis], "dilation_rate")
        aa = None if output_padding is None else env.non_negative(output_padding[axis], "output_padding")
        bindings = {n: size, k: kk, s: ss, d: dd}
        if padding == "same":
            if aa is None:
                step = apply(TRANSPOSED_SAME, "", bindings, fixed=neutral(s=ss))
            else:
                step = apply(TRANSPOSED_SAME_OUTPUT_PADDING, "", {**bindings, a: aa}, fixed=neutral(s=ss, d=dd))
        elif padding == "valid" and aa is None:
            span = dd * (kk - 1) + 1
            if (span - ss).is_number and span >= ss:  # Keras's default output padding is 0 here
                fixed = {p: sp.Integer(0), a: sp.Integer(0), **neutral(s=ss, d=dd)}
                step = apply(TRANSPOSED_EXPLICIT, "", bindings, fixed=fixed, why=UNDILATED_VALID_WHY)
            else:
                step = apply(TRANSPOSED_VALID, "", bindings, fixed=neutral(s=ss, d=dd))
        else:
            pp = sp.Integer(0) if padding == "valid" else env.non_negative(padding[axis], "padding")
            aa = sp.Integer(0) if aa is None else aa
            fixed = neutral(p=pp, s=ss, d=dd)
            if aa == 0:
                fixed[a] = sp.Integer(0)
            step = apply(TRANSPOSED_EXPLICIT, "", {**bindings, p: pp, a: aa}, fixed=fixed)
        reason = (
            ("the padding (", pp, " on each side) removes the whole output")
            if padding not in ("same", "valid")
            else "Keras's 'same' rule keeps only the odd part of the window, which is empty for an even window"
        )
        check_output_size(step.value, f"output {names[axis]}", reason, env)
        sizes.append(step.value)
        step.axes = (first_axis + axis,)
        merge_step(steps, step, names[axis])
    return sizes, steps


class ConvTranspose(Layer):
    """A transposed convolution over ``rank`` spatial axes (Keras Conv1D/2D/3DTranspose).

    Keras takes padding 'valid' or 'same'; an integer (or one per axis) is PyTorch's explicit
    padding, with PyTorch's rule and PyTorch's limit on the output padding.
    """

    rank: ClassVar[int]

    def __init__(
        self,
        filters: Value,
        kernel_size: Value | tuple[Value, ...],
        strides: Value | tuple[Value, ...] = 1,
        padding: Any = "valid",
        output_padding: Value | tuple[Value, ...] | None = None,
        data_format: str | None = None,
        dilation_rate: Value | tuple[Value, ...] = 1,
        use_bias: bool = True,
        **options: Any,
    ):
        super().__init__(**options)
        self.filters = to_expr(filters, "filters")
        self.kernel_size = to_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = to_tuple(strides, self.rank, "strides")
        self.padding = parse_padding(padding, self.rank)
        self.output_padding = None if output_padding is None else to_tuple(output_padding, self.rank, "output_padding")
        self.data_format = parse_data_format(data_format)
        self.dilation_rate = to_tuple(dilation_rate, self.rank, "dilation_rate")
        self.use_bias = to_bool(use_bias, "use_bias")
        if isinstance(self.padding, str) and above_one(self.strides) and above_one(self.dilation_rate):
            raise CalcError(
                "Keras does not allow strides > 1 together with dilation_rate > 1 "
                "(give integer padding for PyTorch's rule, which does)"
            )

    def accepted_ranks(self) -> tuple[int, int | None]:
        return self.rank + 1, self.rank + 1

    def _check_output_padding(self, env: Env) -> None:
        """Keras: output_padding < strides on every axis; PyTorch: < max(stride, dilation)."""
        if self.output_padding is None:
            return
        for op, stride, dilation in zip(self.output_padding, self.strides, self.dilation_rate):
            op, stride, dilation = env.non_negative(op, "output_padding"), env.resolve(stride), env.resolve(dilation)
            if isinstance(self.padding, str):
                limit, what = stride, "strides"
            else:
                limit, what = sp.Max(stride, dilation), "the larger of strides and dilation_rate"
            if (limit - op).is_number and op >= limit:
                raise CalcError(f"output_padding ({fmt(op)}) must be smaller than {what} ({fmt(limit)})")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        spatial, channels = split_channels(shape, self.data_format)
        filters = env.positive(self.filters, "filters")
        self._check_output_padding(env)
        sizes, shape_steps = transposed_shape(
            spatial,
            self.kernel_size,
            self.strides,
            self.padding,
            self.output_padding,
            self.dilation_rate,
            env,
            first_axis=first_axis(self),
        )
        kernel = [env.resolve(size) for size in self.kernel_size]
        bindings = {c_in: channels, f: filters, **dict(zip(KERNEL_SYMBOLS[self.rank], kernel))}
        step = apply(
            PARAMS[self.rank],
            "Parameters",
            bindings,
            fixed={b: sp.Integer(int(self.use_bias)), g: sp.Integer(1)},
            why="Each of the f filters holds one weight for every kernel position and every input channel, "
            "plus one bias when the layer uses one: the same count as the ordinary convolution it reverses.",
        )
        return LayerResult(
            output_shape=join_channels(sizes, filters, self.data_format),
            trainable=step.value,
            non_trainable=sp.Integer(0),
            shape_steps=shape_steps,
            param_steps=[step],
            description=[filters, " filters of size ", tuple(kernel), *self._settings(env)],
        )

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step:
        inputs, channels = split_channels(shapes[0], self.data_format)
        kernel = [env.resolve(size) for size in self.kernel_size]
        bindings = {c_in: channels, f: env.resolve(self.filters), **dict(zip(KERNEL_SYMBOLS[self.rank], kernel))}
        bindings.update(zip(INPUT_SYMBOLS[self.rank], inputs))
        return apply(TRANSPOSED_MACS[self.rank], "MACs", bindings)

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        return keras_window_field(self, fields, shapes, result, env, transposed=True)

    def _settings(self, env: Env) -> Description:
        parts: Description = [", stride ", tuple(env.resolve(x) for x in self.strides)]
        if isinstance(self.padding, str):
            parts.append(f", '{self.padding}' padding")
        else:
            parts += [", padding ", tuple(env.resolve(x) for x in self.padding)]
        if self.output_padding is not None:
            parts += [", output padding ", tuple(env.resolve(x) for x in self.output_padding)]
        if any(x != 1 for x in self.dilation_rate):
            parts += [", dilation ", tuple(env.resolve(x) for x in self.dilation_rate)]
        parts.append("" if self.use_bias else ", no bias")
        return parts


class Conv1DTranspose(ConvTranspose):
    rank = 1


class Conv2DTranspose(ConvTranspose):
    rank = 2


class Conv3DTranspose(ConvTranspose):
    rank = 3
