"""The architecture figure: the network as a chain of volumes, with its branches, merges and skips.

How the analysis becomes a drawing, in four passes over plain data:

1. **Units.** Every layer call is a unit; a layer that keeps its input's shape value by value
   (activation, normalization, dropout: ``field_effect == "keeps"``) and is the only reader of its
   input is folded into the unit before it, so ResNet's conv + BN + ReLU is one volume.
2. **Segments.** A cut is a unit every path from the inputs to the outputs goes through. The units
   between two cuts form a segment (a residual block, a U-Net's whole encoder-decoder, or one layer);
   equal consecutive segments (the same layers, arguments and shapes) are drawn once with "×n".
3. **Columns and lanes.** Inside a segment a unit's column is its longest path from the segment's
   start; the longest path back from the segment's end (the spine) runs along lane 0 and side branches
   take lanes below it. Skips over units of lane 0 are drawn as arcs above it.
4. **Rows.** Segments are laid left to right and wrap onto a new row (only at cuts, so one arrow joins
   the rows).

Volumes are drawn to a logarithmic scale (a 224-pixel image is not 75 times as tall as a 3-pixel
one), each labelled with its name, type, shape (in the dialect's own axis order) and non-zero
parameter count. Nested models and Repeat blocks are one box each.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from calc.figures.geometry import (
    LARGE,
    SMALL,
    Circle,
    Geometry,
    Line,
    Text,
    cut,
    rect,
    text_width,
    volume,
)
from calc.layers.layout import model_channel_axis
from calc.model import Analysis, LayerRecord, split_reference
from calc.render.math import group_digits, readable

MAX_ROW = 30.0  # units of width before the chain wraps onto a new row
GAP = 0.55  # between columns
LINE = 0.3  # label line height
ARC = 0.32  # between the levels of skip arcs
MERGE_RADIUS = 0.26
HIDDEN = (0.45, 2.0, 1.2)  # every volume of a figure that reveals no shapes
SHORT_TYPES = {
    "BatchNormalization": "BN",
    "LayerNormalization": "LN",
    "BatchNorm1d": "BN",
    "BatchNorm2d": "BN",
    "BatchNorm3d": "BN",
    "LayerNorm": "LN",
    "LayerNorm2d": "LN",
    "GroupNormalization": "GN",
    "GroupNorm": "GN",
}
MERGE_SIGNS = {
    "add": "+",
    "subtract": "−",
    "sub": "−",
    "multiply": "×",
    "mul": "×",
    "average": "avg",
    "maximum": "max",
    "minimum": "min",
    "concatenate": "cat",
    "cat": "cat",
}


@dataclass(eq=False)  # units are told apart by identity
class Unit:
    """One drawn node: a layer call with the shape-keeping layers folded into it."""

    key: str
    records: list[LayerRecord]
    inputs: list[str]
    kind: str  # "input", "volume", "merge" or "block"
    shape: tuple[sp.Expr, ...] = ()
    reveal: bool = True  # False: no output shapes or counts (a problem sheet asks for them)
    # placed later
    col: int = 0
    lane: int = 0
    x: float = 0.0  # left of the column
    width: float = 0.0  # the column's width

    @property
    def first(self) -> LayerRecord:
        return self.records[0]

    @functools.cached_property
    def lines(self) -> list[str]:
        """The labels under the unit (read once its layers are all folded in, when it is drawn)."""
        return labels(self)


@dataclass
class Segment:
    units: list[Unit]
    entry: bool  # read from the cut before it (every segment but the first)
    count: int = 1
    widths: list[float] = field(default_factory=list)
    arcs: list[tuple[Unit | None, Unit, int]] = field(default_factory=list)  # (from, to, level); None = entry
    lanes: int = 1

    @property
    def width(self) -> float:
        return sum(self.widths) + GAP * (len(self.widths) - 1) + (0.6 if self.count > 1 else 0.0)


def draw_architecture(analysis: Analysis, reveal: bool = True) -> Geometry:
    """The architecture figure of an analysis. With ``reveal`` False (a problem sheet, which asks for them)
    it shows no output shapes and no parameter counts: every layer's volume is drawn alike, labelled with
    its name and type, and only the inputs give their shapes."""
    units = build_units(analysis, reveal)
    segments = collapse(split(units))
    channels_first = model_channel_axis((record.layer for record in analysis.records), analysis.dialect) == 0
    for segment in segments:
        place(segment, channels_first)
    geometry = Geometry(f"Architecture of {analysis.model}")
    heading = f"{cut(analysis.model, 60)}: {_total(analysis)}" if reveal else cut(analysis.model, 60)
    geometry.add(Text(0, -0.2, heading, LARGE, "start", bold=True))
    y, exit = 0.4, None
    for row in rows(segments):
        y, exit = draw_row(geometry, row, y, exit, channels_first)
    return geometry


# -- 1. units ---------------------------------------------------------------------------------------


def _key(ref: str) -> str:
    name, call = split_reference(ref)
    return f"{name}[{call}]"


def build_units(analysis: Analysis, reveal: bool = True) -> list[Unit]:
    units: list[Unit] = []
    owner: dict[str, Unit] = {}  # tensor key -> the unit that produces it
    readers: dict[str, int] = {}
    for record in analysis.records:
        for ref in record.inputs:
            readers[_key(ref)] = readers.get(_key(ref), 0) + 1
    if not analysis.functional:  # a Sequential model's input is no record of its own
        unit = Unit("input[0]", [], [], "input", tuple(analysis.input_shape), reveal=reveal)
        units.append(unit)
        owner["input[0]"] = unit
    for record in analysis.records:
        key = f"{record.name}[{record.call}]"
        refs = [_key(ref) for ref in record.inputs]
        if record.type == "InputLayer":
            unit = Unit(key, [record], [], "input", tuple(record.output_shape), reveal=reveal)
        elif _folds(record, refs, owner, readers):
            unit = owner[refs[0]]
            unit.records.append(record)
            unit.shape = tuple(record.output_shape)
            owner[key] = unit
            continue
        else:
            if not getattr(record.layer, "reads_input", True):  # a learned tensor: its input only places it
                refs = []
            unit = Unit(key, [record], [owner[ref].key for ref in refs if ref in owner], _kind(record), reveal=reveal)
            unit.shape = tuple(record.output_shape)
        units.append(unit)
        owner[key] = unit
    return units


def _folds(record: LayerRecord, refs: list[str], owner: dict[str, Unit], readers: dict[str, int]) -> bool:
    """A shape-keeping, value-by-value layer that alone reads a layer's output joins that layer's unit."""
    if len(refs) != 1 or refs[0] not in owner or readers.get(refs[0], 0) != 1:
        return False
    if owner[refs[0]].kind == "input" or record.layer is None or record.result.children is not None:
        return False
    return record.layer.field_effect == "keeps" and tuple(record.output_shape) == tuple(record.input_shape)


def _kind(record: LayerRecord) -> str:
    from calc.layers.merge import Concatenate, ElementWise

    if record.result.children is not None:
        return "block"
    if isinstance(record.layer, (ElementWise, Concatenate)) and len(record.inputs) > 1:
        return "merge"
    return "volume"


# -- 2. segments -----------------------------------------------------------------------------------


def split(units: list[Unit]) -> list[Segment]:
    """Segments end at cuts: units that no edge jumps over, with no other source after them and no
    other sink before them."""
    position = {unit.key: i for i, unit in enumerate(units)}
    edges = [(position[src], i) for i, unit in enumerate(units) for src in unit.inputs]
    read = {src for _, unit in enumerate(units) for src in unit.inputs}
    reach = [0] * (len(units) + 1)  # the farthest end of an edge starting at or before i
    farthest = 0
    starts: dict[int, int] = {}
    for a, b in edges:
        starts[a] = max(starts.get(a, 0), b)
    for i in range(len(units)):
        farthest = max(farthest, starts.get(i, 0))
        reach[i] = farthest
    later_source = [False] * len(units)
    for i in range(len(units) - 2, -1, -1):
        later_source[i] = later_source[i + 1] or not units[i + 1].inputs
    segments: list[Segment] = []
    current: list[Unit] = []
    sink_before = False
    for i, unit in enumerate(units):
        current.append(unit)
        jumped = i > 0 and reach[i - 1] > i
        if not jumped and not later_source[i] and not sink_before:
            segments.append(Segment(current, entry=bool(segments)))
            current = []
        if unit.key not in read and i < len(units) - 1:
            sink_before = True
    if current:
        segments.append(Segment(current, entry=bool(segments)))
    return segments


def _signature(segment: Segment) -> tuple:
    """What makes two segments draw alike: layers, arguments (names aside), shapes and wiring."""
    index = {unit.key: i for i, unit in enumerate(segment.units)}
    parts = []
    for unit in segment.units:
        layers = []
        for record in unit.records:
            try:
                arguments = {k: v for k, v in record.layer.arguments().items() if k != "name"} if record.layer else {}
            except Exception:  # a layer whose arguments cannot be read is never merged
                return (id(segment),)
            layers.append((record.type, repr(sorted(arguments.items(), key=lambda kv: kv[0]))))
        wiring = tuple(index.get(src, -1) for src in unit.inputs)
        parts.append((unit.kind, tuple(layers), unit.shape, wiring))
    return tuple(parts)


def collapse(segments: list[Segment]) -> list[Segment]:
    """Equal consecutive segments of more than one unit, or repeated single layers, drawn once with ×n."""
    out: list[Segment] = []
    previous_signature: tuple = ()
    for segment in segments:
        previous = out[-1] if out else None
        signature = _signature(segment) if segment.entry else ()  # once a segment: a deep model has thousands
        if (
            previous is not None
            and previous.entry
            and segment.entry
            and previous_signature == signature
            and _input_shape(previous) == _input_shape(segment)
        ):
            previous.count += 1
            continue
        out.append(segment)
        previous_signature = signature
    return out


def _input_shape(segment: Segment) -> tuple:
    first = segment.units[0].first
    return tuple(tuple(shape) for shape in first.input_shapes) if segment.units[0].records else ()


# -- 3. columns and lanes ----------------------------------------------------------------------------


def place(segment: Segment, channels_first: bool) -> None:
    units = {unit.key: unit for unit in segment.units}
    offset = 1 if segment.entry else 0
    for unit in segment.units:
        inside = [units[src].col for src in unit.inputs if src in units]
        unit.col = max(inside) + 1 if inside else offset
    columns = max(unit.col for unit in segment.units) + 1
    spine = _spine(segment, units)
    taken: dict[int, set[int]] = {}  # lane -> columns it holds (units and the edges along it)
    readers: dict[str, list[Unit]] = {}
    for unit in segment.units:
        for src in unit.inputs:
            readers.setdefault(src, []).append(unit)
    for unit in segment.units:
        if unit.key in spine:
            unit.lane = 0
            continue
        needs = set(range(unit.col, max([r.col for r in readers.get(unit.key, [])] + [unit.col + 1])))
        preferred = [units[src].lane for src in unit.inputs if src in units and units[src].lane > 0]
        lane = next(
            (ln for ln in [*preferred, *range(1, len(segment.units) + 1)] if not (taken.get(ln, set()) & needs)),
            1,
        )
        unit.lane = lane
        taken.setdefault(lane, set()).update(needs)
    segment.lanes = 1 + max((unit.lane for unit in segment.units), default=0)
    segment.widths = [0.3 if (segment.entry and c == 0) else 0.0 for c in range(columns)]
    for unit in segment.units:
        segment.widths[unit.col] = max(segment.widths[unit.col], unit_width(unit, channels_first))
    segment.arcs = _arcs(segment, units)


def _spine(segment: Segment, units: dict[str, Unit]) -> set[str]:
    """The longest path back from the segment's last unit (the first input on ties)."""
    spine = set()
    unit: Unit | None = segment.units[-1]
    while unit is not None:
        spine.add(unit.key)
        inside = [units[src] for src in unit.inputs if src in units]
        unit = max(inside, key=lambda u: u.col, default=None)
        if unit is not None and inside and inside[0].col == unit.col:
            unit = inside[0]
    return spine


def _arcs(segment: Segment, units: dict[str, Unit]) -> list[tuple[Unit | None, Unit, int]]:
    """Edges of lane 0 that jump over units of lane 0, as arcs with levels (shorter ones lower)."""
    occupied = {unit.col for unit in segment.units if unit.lane == 0}
    spans = []
    for unit in segment.units:
        if unit.lane != 0:
            continue
        sources = [units.get(src) for src in unit.inputs]
        if segment.entry and any(src not in units for src in unit.inputs):
            sources.append(None)
        for source in dict.fromkeys(sources):
            if source is not None and source.lane != 0:
                continue
            start = source.col if source is not None else 0
            if any(start < c < unit.col for c in occupied):
                spans.append((start, unit.col, source, unit))
    arcs: list[tuple[Unit | None, Unit, int]] = []
    placed: list[tuple[int, int, int]] = []
    for start, end, source, target in sorted(spans, key=lambda s: (s[1] - s[0], s[0])):
        level = 1 + max((lv for a, b, lv in placed if a < end and start < b), default=0)
        placed.append((start, end, level))
        arcs.append((source, target, level))
    return arcs


# -- sizes and labels ----------------------------------------------------------------------------------


def _number(size: sp.Expr) -> float | None:
    return float(size) if size.is_number and size > 0 else None


def _scale(size: sp.Expr, low: float, per_doubling: float, high: float, default: float) -> float:
    value = _number(size)
    if value is None:
        return default
    return min(high, low + per_doubling * math.log2(value))


def dimensions(shape: Sequence[sp.Expr], channels_first: bool) -> tuple[float, float, float]:
    """(width along the chain, height, depth) of a tensor's volume, on a log scale: the channels give the
    width, the first spatial axis the height and the next one the depth."""
    if len(shape) == 0:
        return 0.2, 0.4, 0.2
    if len(shape) == 1:
        return 0.2, _scale(shape[0], 0.4, 0.42, 4.2, 2.0), 0.2
    channels = shape[0] if channels_first else shape[-1]
    spatial = list(shape[1:] if channels_first else shape[:-1])
    width = _scale(channels, 0.14, 0.1, 1.4, 0.6)
    height = _scale(spatial[-2] if len(spatial) >= 2 else spatial[0], 0.4, 0.42, 4.2, 2.0)
    depth = _scale(spatial[-1], 0.3, 0.3, 3.0, 1.4) if len(spatial) >= 2 else 0.3
    return width, height, depth


def unit_dimensions(unit: Unit, channels_first: bool) -> tuple[float, float, float]:
    """A unit's volume: to scale, or all alike when the shapes are not to be revealed."""
    if unit.reveal or unit.kind == "input":
        return dimensions(unit.shape, channels_first)
    return HIDDEN


def shape_text(shape: Sequence[sp.Expr]) -> str:
    return " × ".join(readable(size) for size in shape)


def count_text(value: sp.Expr, word: str) -> str:
    if value.is_Integer:
        number = int(value)
        return f"{group_digits(number)} {word}" if number != 1 else f"1 {word[:-1]}"
    return f"{readable(value)} {word}"


def labels(unit: Unit) -> list[str]:
    """The lines under a unit: name, type, shape, parameters (when not zero)."""
    if unit.kind == "input":
        name = unit.first.name if unit.records else "input"
        return [cut(name), "Input", shape_text(unit.shape)]
    first = unit.first
    name = cut(first.name) + (f" (call {first.call + 1})" if first.call else "")
    if unit.kind == "block":
        inner = first.result.children
        kind = cut(first.type, 12) + f", {sum(r.layer is not None for r in inner.layers)} layers"
    else:
        kind = " + ".join(_short_type(record) for record in unit.records)
    if not unit.reveal:
        return [name, cut(kind, 30)]
    lines = [name, cut(kind, 30), shape_text(unit.shape)]
    params = sp.Add(*(record.params for record in unit.records if not record.is_repeat))
    if params != 0:
        lines.append(count_text(params, "params"))
    return lines


def _short_type(record: LayerRecord) -> str:
    if record.type == "Activation" and record.layer is not None:
        activation = record.layer.arguments().get("activation")
        if isinstance(activation, str):
            return cut(activation, 10)
    return SHORT_TYPES.get(record.type, cut(record.type, 22))


def unit_width(unit: Unit, channels_first: bool = False) -> float:
    text = max(text_width(line, SMALL) for line in unit.lines)
    if unit.kind == "merge":
        return max(2 * MERGE_RADIUS, text)
    width, _, depth = unit_dimensions(unit, channels_first)
    return max(width + depth * 0.5, text)


def _style(unit: Unit) -> str:
    if unit.kind in ("input", "block", "merge"):
        return unit.kind
    name = unit.first.type
    for word, style in (("Conv", "conv"), ("Pool", "pool"), ("Dense", "dense"), ("Linear", "dense")):
        if word in name:
            return style
    if "Embedding" in name:
        return "dense"
    return "norm" if "Norm" in name else "other"


def _total(analysis: Analysis) -> str:
    return count_text(analysis.total_params, "parameters")


# -- 4. rows ----------------------------------------------------------------------------------------


def rows(segments: list[Segment]) -> list[list[Segment]]:
    """Segments in rows of at most MAX_ROW units of width (a wider segment has a row of its own)."""
    out: list[list[Segment]] = [[]]
    width = 0.0
    for segment in segments:
        # a segment wider than a row goes on the short row before it, beside the unit its skips start from
        wide_after_short = segment.width > MAX_ROW and width < MAX_ROW / 3
        if out[-1] and width + segment.width > MAX_ROW and not wide_after_short:
            out.append([])
            width = 0.0
        out[-1].append(segment)
        width += segment.width + GAP
    return out


@dataclass
class Anchor:
    """Where edges meet a unit: its centre line and its left, right and top edges."""

    left: float
    right: float
    centre: float
    y: float
    top: float
    edge: float = 0.0  # the right of the unit's column (its labels end there)


def draw_row(
    geometry: Geometry, row: list[Segment], top: float, previous_exit: Anchor | None, channels_first: bool
) -> tuple[float, Anchor | None]:
    """Draw one row of segments below ``top``, joined to the last unit drawn before; return the bottom of
    the row and its last unit."""
    units = [unit for segment in row for unit in segment.units]
    sizes = {unit.key: unit_dimensions(unit, channels_first) for unit in units}
    half = max((MERGE_RADIUS if u.kind == "merge" else sizes[u.key][1] / 2 for u in units if u.lane == 0), default=0.5)
    rise = max((0 if u.kind == "merge" else sizes[u.key][2] * 0.5 for u in units if u.lane == 0), default=0.0)
    levels = max((level for segment in row for *_, level in segment.arcs), default=0)
    framed = any(segment.count > 1 for segment in row)
    centre = top + (0.45 if framed else 0.1) + levels * ARC + rise + half + 0.25
    tallest = max((sizes[u.key][1] for u in units), default=1.0)
    lines = max(len(u.lines) for u in units)
    pitch = tallest + sizes_rise(units, sizes) + lines * LINE + 0.8
    lanes = max(segment.lanes for segment in row)
    x = 0.0
    for segment in row:
        x0 = x + (0.3 if segment.count > 1 else 0.0)
        anchors = _draw_segment(geometry, segment, x0, centre, pitch, sizes, half, rise, channels_first)
        entry = Anchor(x0, x0, x0, centre, centre)
        if previous_exit is not None:
            _join(geometry, previous_exit, entry, centre, top)
        if segment.count > 1:
            bottom = centre + (segment.lanes - 1) * pitch + half + lines * LINE + 0.35
            frame_top = centre - half - rise - levels * ARC - 0.4
            geometry.add(rect(x, frame_top, segment.width, bottom - frame_top, "none", dashed=True, stroke="faint"))
            geometry.add(Text(x + segment.width - 0.12, frame_top + 0.33, f"×{segment.count}", 0.3, "end", bold=True))
        previous_exit = anchors[segment.units[-1].key]
        x += segment.width + GAP
    return centre + (lanes - 1) * pitch + half + lines * LINE + 0.6, previous_exit


def sizes_rise(units: list[Unit], sizes: dict[str, tuple[float, float, float]]) -> float:
    return max((sizes[u.key][2] * 0.5 for u in units), default=0.0)


def _join(geometry: Geometry, exit: Anchor, entry: Anchor, centre: float, row_top: float) -> None:
    """The line from one segment's last unit to the next segment's entry (across rows when it wrapped)."""
    if abs(exit.y - centre) < 1e-9:
        geometry.add(Line(((exit.right, exit.y), (entry.left, centre))))
        return
    turn, side = row_top - 0.05, max(exit.right, exit.edge) + 0.25  # down beside the labels, not through them
    points = (
        (exit.right, exit.y),
        (side, exit.y),
        (side, turn),
        (entry.left - 0.35, turn),
        (entry.left - 0.35, centre),
        (entry.left, centre),
    )
    geometry.add(Line(points))  # the edges leaving the entry carry the arrow heads


def _draw_segment(
    geometry: Geometry,
    segment: Segment,
    x0: float,
    centre: float,
    pitch: float,
    sizes: dict[str, tuple[float, float, float]],
    half: float,
    rise: float,
    channels_first: bool,
) -> dict[str, Anchor]:
    lefts = []
    x = x0
    for width in segment.widths:
        lefts.append(x)
        x += width + GAP
    anchors: dict[str, Anchor] = {}
    label_top = centre + half + 0.32
    for unit in segment.units:
        y = centre + unit.lane * pitch
        middle = lefts[unit.col] + segment.widths[unit.col] / 2
        if unit.kind == "merge":
            sign = MERGE_SIGNS.get(unit.first.type.lower(), cut(unit.first.type.lower(), 3))
            geometry.add(Circle((middle, y), MERGE_RADIUS, "merge"))
            geometry.add(Text(middle, y + 0.08 if len(sign) == 1 else y + 0.06, sign, 0.3 if len(sign) == 1 else 0.18))
            anchors[unit.key] = Anchor(middle - MERGE_RADIUS, middle + MERGE_RADIUS, middle, y, y - MERGE_RADIUS)
        else:
            width, height, depth = sizes[unit.key]
            left = middle - (width + depth * 0.5) / 2
            geometry.extend(volume(left, y + height / 2, width, height, depth, _style(unit)))
            if unit.kind == "block":
                times = _times(unit.first)
                if times:
                    geometry.add(Text(left + width / 2, y + 0.1, times, 0.3, bold=True))
            anchors[unit.key] = Anchor(
                left, left + width + depth * 0.5, left + width / 2, y, y - height / 2 - depth * 0.5
            )
        anchors[unit.key].edge = lefts[unit.col] + segment.widths[unit.col]
        for i, line in enumerate(unit.lines):
            geometry.add(Text(middle, label_top + unit.lane * pitch + i * LINE, line, SMALL, bold=i == 0))
    entry = Anchor(x0, x0, x0, centre, centre)
    gaps = [left + width + GAP / 2 for left, width in zip(lefts, segment.widths)]
    arcs = {(id(src) if src else None, id(dst)): level for src, dst, level in segment.arcs}
    for unit in segment.units:
        target = anchors[unit.key]
        sources = [(anchors.get(src), segment_unit(segment, src)) for src in unit.inputs]
        for anchor, source in sources:
            start = anchor or entry
            level = arcs.get((id(source) if source else None, id(unit)))
            if level is not None:
                high = centre - half - rise - 0.2 - (level - 1) * ARC
                x_from = start.centre if source else start.right
                geometry.add(
                    Line(
                        (
                            (x_from, start.top if source else start.y),
                            (x_from, high),
                            (target.centre, high),
                            (target.centre, target.top),
                        ),
                        arrow=True,
                    )
                )
                continue
            source_lane = source.lane if source else 0
            if source_lane == unit.lane:
                geometry.add(Line(((start.right, start.y), (target.left, target.y)), arrow=True))
            elif source_lane == 0:
                turn = gaps[source.col] if source else x0 + 0.15
                geometry.add(
                    Line(
                        ((start.right, start.y), (turn, start.y), (turn, target.y), (target.left, target.y)), arrow=True
                    )
                )
            else:
                turn = gaps[unit.col - 1]
                geometry.add(
                    Line(
                        ((start.right, start.y), (turn, start.y), (turn, target.y), (target.left, target.y)), arrow=True
                    )
                )
    return anchors


def segment_unit(segment: Segment, key: str) -> Unit | None:
    return next((unit for unit in segment.units if unit.key == key), None)


def _times(record: LayerRecord) -> str:
    times: Any = getattr(record.layer, "times", None)
    if times is None:
        return ""
    value = times.xreplace(record._analysis.values) if hasattr(record, "_analysis") else times
    return f"×{readable(value)}"
