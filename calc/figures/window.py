"""The layer figure: one output cell's window on the input grid, and the cube of weights of one filter.

Every number comes from the layer's own steps: the sizes, kernel, stride, dilation and padding of each
axis are the values its output-size step was worked out with (``Step.given``); padding that 'same' or
'causal' chose is the receptive-field step that states it; the count under the cube is its parameter
step (formula, bindings and value), split into the count of one filter and the number of filters.
Nothing here restates a formula.

The grid is the padded input (padding ring shaded), with the first output cell's window filled (its
positions d apart when dilated) and the next window along the width outlined, one stride further on. A
transposed convolution runs the other way, so its grid is the output: one input value spreads over a
window of it. An axis too long to draw shows its first cells, a break and its last cell, and its true
size is written beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from calc.errors import CalcError
from calc.figures.architecture import shape_text
from calc.figures.geometry import LARGE, NORMAL, SMALL, Geometry, Line, Polygon, Text, cut, rect
from calc.layers.base import AXIS_NAMES
from calc.layers.window import d, k, n, p, s
from calc.model import Analysis, LayerRecord
from calc.render.math import group_digits, readable, readable_lhs, readable_substituted
from calc.rules import Step

CELL = 0.36
GRID = 9.0  # the widest grid, in units
MAX_CELLS = 12  # leading cells of an axis drawn before a break
CUBE_CELL = 0.3
MAX_DEPTH = 8  # channels drawn in a filter's cube before the rest is left to its label


@dataclass
class Axis:
    """One spatial axis of a window as the layer's steps give it."""

    name: str
    size: int  # input length (a transposed convolution's output length)
    kernel: int
    stride: int
    dilation: int
    before: int  # padding before the first value (cut from the start, for a transposed convolution)
    after: int
    out: int

    @property
    def span(self) -> int:
        return self.dilation * (self.kernel - 1) + 1

    @property
    def padded(self) -> int:
        return self.before + self.size + self.after


def draw_window(analysis: Analysis, name: str | None) -> Geometry:
    """The window figure of the layer called ``name`` (the first convolution or pooling layer if None)."""
    return window_figure(_record(analysis, name))


def window_figure(record: LayerRecord, steps: bool = True) -> Geometry:
    """The figure of one window layer; ``steps`` False leaves its output-size and parameter steps out of the
    captions (a worked solution prints them in full right below)."""
    transposed = "Transpose" in record.type
    axes = window_axes(record, transposed)
    geometry = Geometry(f"Window of {record.name} ({record.type})")
    title = f"{cut(record.name, 40)} ({record.type})"
    geometry.add(Text(0, -0.3, title, LARGE, "start", bold=True))
    rows, cols = (axes[-2], axes[-1]) if len(axes) >= 2 else (None, axes[-1])
    cell = min(CELL, GRID / max(_extent(rows), _extent(cols)))  # a long window: smaller cells, true sizes below
    bottom = _grid(geometry, rows, cols, 0.0, 0.6, transposed, cell)
    x = _extent(cols) * cell + 1.6
    x = _output(geometry, record, rows, cols, x, 0.6, transposed)
    cube_bottom = _cube(geometry, record, axes, x + 0.8, 0.6)
    y = max(bottom, cube_bottom) + 0.5
    for line in captions(record, axes, transposed)[: None if steps else 2]:
        geometry.add(Text(0, y, line, NORMAL, "start"))
        y += 0.4
    return geometry


def _record(analysis: Analysis, name: str | None) -> LayerRecord:
    windows = [r for r in analysis.records if is_window(r)]
    if name is None:
        if not windows:
            raise CalcError("the model has no convolution or pooling layer to draw (--figure layer)")
        return windows[0]
    record = analysis.layer(name)
    if not is_window(record):
        listed = ", ".join(r.name for r in windows) or "none"
        raise CalcError(
            f"layer '{name}' ({record.type}) has no sliding window to draw (convolution and pooling layers: {listed})"
        )
    return record


def is_window(record: LayerRecord) -> bool:
    """A layer whose output sizes come from a sliding window (its steps bind a kernel and a stride)."""
    return any({k, s} <= set(step.given) for step in record.result.shape_steps)


def window_axes(record: LayerRecord, transposed: bool) -> list[Axis]:
    """Each spatial axis's sizes, read off the layer's output-size steps (one per axis, or shared)."""
    shape = record.output_shape
    steps = [step for step in record.result.shape_steps if {k, s} <= set(step.given)]
    positions = sorted({axis for step in steps for axis in step.axes})
    names = AXIS_NAMES.get(len(positions), tuple(f"axis {i + 1}" for i in range(len(positions))))
    axes = []
    for name, position in zip(names, positions):
        step = next(step for step in steps if position in step.axes)
        given = step.given
        values = {key: _int(given[key], record) for key in (n, k, s) if key in given}
        dilation = _int(given.get(d, sp.Integer(1)), record)
        before = _int(given[p], record) if p in given else _chosen_padding(record, name)
        out = _int(shape[position], record)
        size, kernel, stride = values[n], values[k], values[s]
        if transposed:  # the grid is the output: windows s apart, the first `before` outputs cut
            full = (size - 1) * stride + dilation * (kernel - 1) + 1
            axes.append(Axis(name, out, kernel, stride, dilation, before, max(full - before - out, 0), size))
        else:
            reach = (out - 1) * stride + dilation * (kernel - 1) + 1  # where the last window ends
            after = before if p in given else max(reach - before - size, 0)
            axes.append(Axis(name, size, kernel, stride, dilation, before, after, out))
    return axes


def _int(value: sp.Expr, record: LayerRecord) -> int:
    if not value.is_Integer:
        raise CalcError(
            f"the figure needs numbers, but {record.name} has the size {readable(value)} (give values with --set)"
        )
    return int(value)


def _chosen_padding(record: LayerRecord, axis: str) -> int:
    """Padding 'same' or 'causal' chose (or a transposed convolution's 'same' cut), from the field step."""
    for step in record.compute.field_steps:
        if step.lhs == "p" and (f"({axis})" in step.title or f" {axis})" in step.title or f"({axis} " in step.title):
            return _int(step.value, record)
    return 0


# -- drawing -----------------------------------------------------------------------------------------


def _shown(axis: Axis | None) -> list[int | None]:
    """Padded positions drawn along an axis; None is a break."""
    if axis is None:
        return [0]
    need = axis.stride + axis.span + 1
    if axis.padded <= max(need, MAX_CELLS):
        return list(range(axis.padded))
    lead = list(range(max(need, MAX_CELLS - 2)))
    tail = list(range(axis.padded - axis.after - 1, axis.padded))
    return [*lead, None, *tail]


def _extent(axis: Axis | None) -> int:
    return len(_shown(axis))


def _grid(
    geometry: Geometry, rows: Axis | None, cols: Axis, x0: float, y0: float, transposed: bool, cell: float
) -> float:
    """The padded grid with the first window filled and the second outlined; returns its bottom."""
    row_cells, col_cells = _shown(rows), _shown(cols)
    first_rows = _window(rows, 0)
    first_cols, second_cols = _window(cols, 0), _window(cols, 1)
    for i, r in enumerate(row_cells):
        for j, c in enumerate(col_cells):
            x, y = x0 + j * cell, y0 + i * cell
            if r is None or c is None:
                if (r is None) != (c is None):
                    geometry.add(
                        Text(x + cell / 2, y + cell * 0.7, "…" if r is not None else "⋮", SMALL, style="faint")
                    )
                continue
            padding = _is_padding(rows, r) or _is_padding(cols, c)
            style = "padding" if padding else "cell"
            if r in first_rows and c in first_cols:
                style = "window"
            geometry.add(rect(x, y, cell, cell, style, stroke="faint", width=0.012, dashed=padding))
            if r in first_rows and c in second_cols and style != "window":
                geometry.add(rect(x + 0.06, y + 0.06, cell - 0.12, cell - 0.12, "window2", stroke="window2"))
    _outline(geometry, rows, cols, x0, y0, 1, "window2", cell)
    _outline(geometry, rows, cols, x0, y0, 0, "accent", cell)
    # the stride: from the first window's start to the second's, above the grid
    top = y0 - 0.15
    start, step = x0 + col_cells.index(0) * cell, cols.stride * cell
    geometry.add(Line(((start, top), (start + step, top)), style="accent", arrow=cols.stride > 0))
    geometry.add(Text(start + step / 2 + 0.05, top - 0.1, f"stride {cols.stride}", SMALL, "start", style="accent"))
    bottom = y0 + len(row_cells) * cell
    what = "output" if transposed else "input"
    width_text = f"{what} width {cols.size}" + (_padding_words(cols, transposed) if cols.padded != cols.size else "")
    geometry.add(Text(x0, bottom + 0.35, width_text, SMALL, "start"))
    if rows is not None:
        height_text = f"height {rows.size}" + (_padding_words(rows, transposed) if rows.padded != rows.size else "")
        geometry.add(Text(x0, bottom + 0.65, height_text, SMALL, "start"))
        return bottom + 0.65
    return bottom + 0.35


def _padding_words(axis: Axis, transposed: bool) -> str:
    word = "cut" if transposed else "padding"
    if axis.before == axis.after:
        return f", {word} {axis.before} on each side"
    return f", {word} {axis.before} before and {axis.after} after"


def _is_padding(axis: Axis | None, position: int) -> bool:
    return axis is not None and (position < axis.before or position >= axis.before + axis.size)


def _window(axis: Axis | None, index: int) -> set[int]:
    """Padded positions the index-th window of an axis reads: kernel positions d apart, s per window."""
    if axis is None:
        return {0}
    return {index * axis.stride + i * axis.dilation for i in range(axis.kernel)}


def _outline(
    geometry: Geometry, rows: Axis | None, cols: Axis, x0: float, y0: float, index: int, style: str, cell: float
) -> None:
    """A rectangle around the index-th window along the width (dilation gaps inside it)."""
    col_cells = _shown(cols)
    start = index * cols.stride
    if start not in col_cells or start + cols.span - 1 not in col_cells:
        return
    left = x0 + col_cells.index(start) * cell
    right = x0 + (col_cells.index(start + cols.span - 1) + 1) * cell
    height = (rows.span if rows is not None else 1) * cell
    inset = 0.03 * index
    points = (
        (left + inset, y0 + inset),
        (right - inset, y0 + inset),
        (right - inset, y0 + height - inset),
        (left + inset, y0 + height - inset),
    )
    geometry.add(Polygon(points, "none", stroke=style, width=0.05, dashed=index > 0))


def _output(
    geometry: Geometry, record: LayerRecord, rows: Axis | None, cols: Axis, x0: float, y0: float, transposed: bool
) -> float:
    """An arrow and the small grid on the other side (the output, or a transposed convolution's input)."""
    middle = y0 + (rows.span if rows else 1) * CELL / 2
    ends = ((x0 - 0.3, middle), (x0 - 1.2, middle))  # a transposed convolution's input spreads onto the grid
    geometry.add(Line(ends if transposed else ends[::-1], arrow=True))
    shown_rows = min(rows.out, 4) if rows else 1
    shown_cols = min(cols.out, 4)
    for i in range(shown_rows):
        for j in range(shown_cols):
            style = "output" if (i, j) == (0, 0) else "window2" if (i, j) == (0, 1) else "cell"
            geometry.add(rect(x0 + j * CELL, y0 + i * CELL, CELL, CELL, style, stroke="faint", width=0.012))
    what = "input" if transposed else "output"
    size = f"{rows.out} × {cols.out}" if rows else f"{cols.out}"
    geometry.add(Text(x0, y0 + shown_rows * CELL + 0.35, f"{what} {size}", SMALL, "start"))
    if cols.out > shown_cols or (rows and rows.out > shown_rows):
        geometry.add(Text(x0 + shown_cols * CELL + 0.1, y0 + CELL * 0.7, "…", SMALL, "start", style="faint"))
    return x0 + max(shown_cols * CELL, 1.6)


def _param_step(record: LayerRecord) -> Step | None:
    steps = record.result.param_steps
    return steps[0] if steps else None


def per_filter(step: Step) -> tuple[sp.Expr, sp.Expr] | None:
    """The step's formula as (count of one filter, number of filters), split where its rule is a sum times
    a count: (k_h k_w c_in/g + b) f for a convolution, (k_h k_w + b) c_in m for a depthwise one. The count
    takes the layer's fixed choices (m = 1); a layer without bias keeps the product (c_in k_h k_w per
    filter). None when the rule is no such product (a separable convolution's sum)."""
    rule = step.rule.expr if step.rule is not None else step.formula
    if not rule.is_Mul or sum(factor.is_Add for factor in rule.args) != 1:
        return None
    fixed = {symbol: value for symbol, value in step.given.items() if symbol not in step.formula.free_symbols}
    count = sp.Mul(*(factor for factor in rule.args if not factor.is_Add)).xreplace(fixed)
    one = sp.cancel(step.formula / count) if count != 0 else None
    if one is None or not one.free_symbols & _kernel_symbols(step):
        return None
    return one, count


def _cube(geometry: Geometry, record: LayerRecord, axes: list[Axis], x0: float, y0: float) -> float:
    """One filter's weights as a kernel-sized grid (the last two axes), c_in deep, with its sizes below."""
    step = _param_step(record)
    split = per_filter(step) if step is not None and step.value != 0 else None
    if split is None:
        return y0
    one, _ = split
    kernel = 1
    for axis in axes:
        kernel *= axis.kernel
    weights = sum(_value(term, step) for term in sp.Add.make_args(one) if term.free_symbols & _kernel_symbols(step))
    depth = max(1, weights // kernel)
    drawn = min(depth, MAX_DEPTH)
    hk = min(axes[-2].kernel, 9) if len(axes) >= 2 else 1
    wk = min(axes[-1].kernel, 9)
    offset = CUBE_CELL * 0.35
    for layer in range(drawn - 1, -1, -1):
        dx, dy = layer * offset, -layer * offset
        for i in range(hk):
            for j in range(wk):
                y = y0 + 0.3 + dy + i * CUBE_CELL + (drawn - 1) * offset
                shade = 0.0 if layer == 0 else 0.15
                geometry.add(rect(x0 + dx + j * CUBE_CELL, y, CUBE_CELL, CUBE_CELL, "conv", shade=shade, width=0.012))
    bottom = y0 + 0.3 + (drawn - 1) * offset + hk * CUBE_CELL
    sizes = [str(axis.kernel) for axis in axes] + [str(depth)]
    geometry.add(Text(x0, bottom + 0.35, "one filter: " + " × ".join(sizes), SMALL, "start"))
    if max(a.kernel for a in axes[-2:]) > 9 or depth > MAX_DEPTH:
        geometry.add(Text(x0, bottom + 0.65, "(drawn smaller)", SMALL, "start", style="faint"))
        return bottom + 0.65
    return bottom + 0.35


def _kernel_symbols(step: Step) -> set[sp.Symbol]:
    return {symbol for symbol in step.formula.free_symbols if symbol.name.startswith("k")}


def _value(expr: sp.Expr, step: Step) -> int:
    return int(expr.xreplace(step.bindings))


def product_text(expr: sp.Expr, step: Step) -> str:
    """A term of a count with its numbers in place, kernel sizes first as one reads a filter:
    5·5·3 (k_h·k_w·c_in), 1 (the bias)."""
    terms = []
    for term in sp.Add.make_args(expr):
        factors = sorted(sp.Mul.make_args(term), key=lambda f: (not (f.is_Symbol and f.name.startswith("k")), str(f)))
        terms.append("·".join(readable(factor.xreplace(step.bindings)) for factor in factors))
    ordered = sorted(terms, key=lambda t: ("·" not in t, t))  # products before the bias
    return " + ".join(ordered)


def captions(record: LayerRecord, axes: list[Axis], transposed: bool) -> list[str]:
    """The sentences under the figure: shapes, each output-size step, and the parameter count."""
    lines = [f"input {shape_text(record.input_shape)}  →  output {shape_text(record.output_shape)}"]
    crop = "outputs cut" if transposed else "padding"
    words = [
        f"kernel {a.kernel}, stride {a.stride}, dilation {a.dilation}, {crop} {a.before}"
        + ("" if a.before == a.after else f" before and {a.after} after")
        for a in axes
    ]
    if len(set(words)) == 1:  # every axis alike: said once
        settings = f"{' and '.join(a.name for a in axes)}: {words[0]}"
    else:
        settings = "; ".join(f"{a.name}: {w}" for a, w in zip(axes, words))
    lines.append(settings)
    for step in record.result.shape_steps:
        if step.is_trivial:
            continue
        lines.append(
            f"{step.title}: {readable_lhs(step.lhs)} = {readable(step.formula)} = {readable_substituted(step)}"
            f" = {readable(step.value)}"
        )
    step = _param_step(record)
    if step is None:
        return lines
    split = per_filter(step)
    if split is not None and step.value != 0:
        one, count = split
        word = "filters" if any(symbol.name == "f" for symbol in count.free_symbols) else "kernels"
        number = count.xreplace(step.bindings)
        count_words = product_text(count, step)
        if count_words != readable(number):  # c_in·m kernels: the product, then its value
            count_words += f" = {readable(number)}"
        lines.append(
            f"{product_text(one, step)} = {readable(one.xreplace(step.bindings))} per {word[:-1]}, "
            f"× {count_words} {word} = {group_digits(int(step.value))} parameters"
        )
    elif step.value == 0:
        lines.append("no parameters: " + step.why.split(". ")[0].rstrip(".") + ".")
    else:
        lines.append(f"{readable_lhs(step.lhs)} = {readable_substituted(step)} = {readable(step.value)} parameters")
    return lines
