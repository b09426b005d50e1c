"""The field figure: how the region of the input that one output cell sees grows through the layers.

It reads the receptive fields the analysis already worked out (``LayerRecord.compute``: size, jump and
centre of the first unit's field along each spatial axis, ``calc.layers.receptive``). On the left, the
input with the field of the first unit of some layers drawn on it to scale; on the right, one bar per
layer that changes the field, as long as the field, with its size and jump.
"""

from __future__ import annotations

import sympy as sp

from calc.compute import channel_axis
from calc.errors import CalcError
from calc.figures.geometry import CHAR_WIDTH, LARGE, SMALL, Geometry, Polygon, Text, cut, rect
from calc.model import Analysis, LayerRecord, split_reference
from calc.render.math import readable

SIDE = 6.0  # the input square's side, in units
BAR = 7.0  # the longest bar
ROW = 0.42
MAX_ROWS = 30
MAX_SQUARES = 6
STYLES = ("field", "window2", "output", "dense", "norm", "pool")


def draw_field(analysis: Analysis) -> Geometry:
    changes = field_changes(analysis)
    if not changes:
        raise CalcError("the model has no layer with a receptive field to draw (convolution or pooling layers)")
    sizes = _input_sizes(analysis)
    geometry = Geometry(f"Receptive field through {analysis.model}")
    geometry.add(
        Text(0, -0.3, f"Receptive field of one output unit: {cut(analysis.model, 40)}", LARGE, "start", bold=True)
    )
    rows = _sample(changes, MAX_ROWS)
    squares = _sample(changes, MAX_SQUARES)
    _input_panel(geometry, sizes, squares)
    _bars(geometry, rows, SIDE + 1.2, 0.4, squares)
    return geometry


def field_changes(analysis: Analysis) -> list[LayerRecord]:
    """The layer calls along the path to the output that change the field (in size or jump); where
    branches merge, the path follows the branch with the largest field (the one the union takes)."""
    path = _path(analysis)
    out: list[LayerRecord] = []
    previous: tuple | None = None
    for record in path:
        field = record.compute.receptive_field
        if record.layer is None or field is None:
            continue
        key = (field, record.compute.jump or ())
        if key != previous and any(size != 1 for size in field + key[1]):
            out.append(record)
        previous = key
    return out


def _path(analysis: Analysis) -> list[LayerRecord]:
    """The records from the first output back to an input, through the widest-field input at each merge."""
    by_key = {f"{r.name}[{r.call}]": r for r in analysis.records}
    if not analysis.functional:
        return list(analysis.records)
    outputs = [by_key.get(_key(ref)) for ref in analysis.outputs]
    record = outputs[0] if outputs and outputs[0] is not None else analysis.records[-1]
    path = []
    while record is not None:
        path.append(record)
        sources = [by_key[_key(ref)] for ref in record.inputs if _key(ref) in by_key]
        record = max(sources, key=_width, default=None)
    return path[::-1]


def _key(ref: str) -> str:
    name, call = split_reference(ref)
    return f"{name}[{call}]"


def _width(record: LayerRecord) -> float:
    field = record.compute.receptive_field
    return float(field[-1]) if field and field[-1].is_number else 0.0


def _input_sizes(analysis: Analysis) -> tuple[sp.Expr, ...]:
    shape = tuple(analysis.input_shape)
    axis = channel_axis(analysis) % len(shape)
    return tuple(size for i, size in enumerate(shape) if i != axis)


def _sample(records: list[LayerRecord], limit: int) -> list[LayerRecord]:
    """At most ``limit`` records spread evenly, the last always among them."""
    if len(records) <= limit:
        return records
    step = (len(records) - 1) / (limit - 1)
    return [records[round(i * step)] for i in range(limit)]


def _number(value: sp.Expr, record: LayerRecord | None = None) -> float:
    if not value.is_number:
        where = f" of {record.name}" if record else ""
        raise CalcError(f"the figure needs numbers, but the field{where} is {readable(value)} (give values with --set)")
    return float(value)


def _input_panel(geometry: Geometry, sizes: tuple[sp.Expr, ...], squares: list[LayerRecord]) -> None:
    height = _number(sizes[-2]) if len(sizes) >= 2 else 1.0
    width = _number(sizes[-1])
    # fields larger than the input reach past its edges: the panel fits both, drawn at one scale
    corners = [point for record in squares for point in _square(record, 1.0, 0.0, height)]
    low_x, low_y = min([0.0, *(x for x, _ in corners)]), min([0.0, *(y for _, y in corners)])
    high_x, high_y = max([width, *(x for x, _ in corners)]), max([height, *(y for _, y in corners)])
    scale = SIDE / max(high_x - low_x, high_y - low_y)
    left, top = -low_x * scale, 0.4 - low_y * scale
    h = height * scale if len(sizes) >= 2 else 0.6
    geometry.add(rect(left, top, width * scale, h, "cell", stroke="ink", width=0.03))
    label = " × ".join(readable(size) for size in sizes)
    geometry.add(Text(0, 0.4 + (high_y - low_y) * scale + 0.4, f"input {label} (the outlined square)", SMALL, "start"))
    for index, record in enumerate(reversed(squares)):  # the largest first, smaller ones on top
        style = STYLES[(len(squares) - 1 - index) % len(STYLES)]
        geometry.add(Polygon(_square(record, scale, top, h, left), style, stroke=style, width=0.04))
    for record in squares:  # thin outlines over all, so a small field inside a large one stays visible
        geometry.add(Polygon(_square(record, scale, top, h, left), "none", stroke="ink", width=0.015))
    geometry.add(rect(left, top, width * scale, h, "none", stroke="ink", width=0.03))


def _field(record: LayerRecord) -> tuple:
    """The field sizes of a layer the figure shows (each was chosen for having a field)."""
    return record.compute.receptive_field or ()


def _square(record: LayerRecord, scale: float, top: float, height: float, left: float = 0.0) -> tuple:
    """The first unit's field on the input: r wide around its centre, per axis (the whole height of a
    one-axis input)."""
    fields, starts = _field(record), record.compute.start or ()
    r_w, s_w = _number(fields[-1], record), _number(starts[-1], record)
    x0, x1 = left + (s_w + 0.5 - r_w / 2) * scale, left + (s_w + 0.5 + r_w / 2) * scale
    if len(fields) >= 2:
        r_h, s_h = _number(fields[-2], record), _number(starts[-2], record)
        y0, y1 = top + (s_h + 0.5 - r_h / 2) * scale, top + (s_h + 0.5 + r_h / 2) * scale
    else:
        y0, y1 = top, top + height
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def _bars(geometry: Geometry, rows: list[LayerRecord], x0: float, y0: float, squares: list[LayerRecord]) -> None:
    largest = max(_number(_field(r)[-1], r) for r in rows)
    names = max(len(cut(r.name, 24)) for r in rows) * SMALL * CHAR_WIDTH + 0.3
    for i, record in enumerate(rows):
        y = y0 + i * ROW
        fields = _field(record)
        size = _number(fields[-1], record)
        style = STYLES[squares.index(record) % len(STYLES)] if record in squares else "padding"
        geometry.add(Text(x0, y + ROW * 0.7, cut(record.name, 24), SMALL, "start", bold=record in squares))
        length = max(BAR * size / largest, 0.05)
        geometry.add(rect(x0 + names, y + 0.06, length, ROW - 0.12, style, stroke="faint", width=0.01))
        jump = " × ".join(readable(j) for j in record.compute.jump)
        text = f"r = {' × '.join(readable(f) for f in fields)}, jump {jump}"
        geometry.add(Text(x0 + names + length + 0.15, y + ROW * 0.7, text, SMALL, "start"))
