"""Where the wrong values of a substitution mistake come from: sizes the model holds elsewhere (another
layer's channels, the last axis of another layer, the sequence length, one direction of a bidirectional
layer ...), each with the words that say where it comes from."""

from __future__ import annotations

import sympy as sp

from calc.layers.base import AXIS_NAMES
from calc.layers.layout import channel_index, channels_first_in
from calc.model import Analysis, LayerRecord

__all__ = ["AXIS_NAMES", "alternatives", "axis_names", "channels_first", "has_channels"]


def channels_first(record: LayerRecord, analysis: Analysis) -> bool:
    """Whether the layer's output has its channels before its spatial axes (PyTorch, or channels_first)."""
    return channels_first_in(record.layer, analysis.dialect)


def has_channels(record: LayerRecord, analysis: Analysis) -> bool:
    """Whether the layer's output has a channel axis: image-like layers with a data format (or PyTorch's)."""
    return len(record.output_shape) >= 2 and (analysis.dialect == "pytorch" or hasattr(record.layer, "data_format"))


def axis_names(record: LayerRecord, analysis: Analysis) -> list[str] | None:
    """height, width, channels (in the layer's order) for layers with a data format; else None."""
    rank = len(record.output_shape) - 1
    if not has_channels(record, analysis) or rank not in AXIS_NAMES:
        return None
    spatial = [f"output {name}" for name in AXIS_NAMES[rank]]
    return ["channel count", *spatial] if channels_first(record, analysis) else [*spatial, "channel count"]


def alternatives(kind: str, analysis: Analysis, record: LayerRecord) -> list[tuple[sp.Expr, str]]:
    """The wrong values that a substitution mistake tries, each with where it comes from: ``channels``,
    the channel counts of the image and of the layers with channels; ``features``, the last axis of the
    model's input and of every layer's output (what a fully connected layer reads)."""
    if kind == "features":
        return _features(analysis, record)
    if kind in OTHER_SOURCES:
        return OTHER_SOURCES[kind](analysis, record)
    if kind != "channels":
        raise LookupError(f"no alternatives named {kind!r}")
    found: dict[sp.Expr, str] = {}
    first = next((r for r in analysis.records if r.layer is not None), None)
    if len(analysis.input_shape) >= 2 and first is not None:
        found[analysis.input_shape[channel_index(channels_first(first, analysis))]] = (
            "the channels of the model's input"
        )
    for other in analysis.layers:
        if other.layer is not None and has_channels(other, analysis):
            channels = other.output_shape[channel_index(channels_first(other, analysis))]
            own = "this layer's own output channels" if other is record else f"the output channels of {other.name}"
            found.setdefault(channels, own)
    return list(found.items())


def _features(analysis: Analysis, record: LayerRecord) -> list[tuple[sp.Expr, str]]:
    found: dict[sp.Expr, str] = {}
    if analysis.input_shape:
        found[analysis.input_shape[-1]] = "the last axis of the model's input"
    for other in analysis.layers:
        if other.layer is not None and other.output_shape:
            own = "this layer's own output size" if other is record else f"the last axis of {other.name}'s output"
            found.setdefault(other.output_shape[-1], own)
    return list(found.items())


def _sequence(analysis: Analysis, record: LayerRecord) -> list[tuple[sp.Expr, str]]:
    """The length of a sequence coming in (ids, or steps of features): the axes of a rank 1 or 2 input."""
    shape = record.input_shapes[0] if record.input_shapes else ()
    if not 1 <= len(shape) <= 2:
        return []
    return [(size, "the sequence length") for size in dict.fromkeys(shape)]


def _flattened(analysis: Analysis, record: LayerRecord) -> list[tuple[sp.Expr, str]]:
    """Every value of the input, as if it were flattened first."""
    shape = record.input_shapes[0] if record.input_shapes else ()
    return [(sp.Mul(*shape), "all its input's axes multiplied")] if len(shape) >= 2 else []


def _one_direction(analysis: Analysis, record: LayerRecord) -> list[tuple[sp.Expr, str]]:
    """Half the features of a bidirectional layer's output (one direction, as if the two were not joined)."""
    found = []
    for other in analysis.layers:
        layer = other.layer
        both = getattr(layer, "merge_mode", None) == "concat" or getattr(layer, "bidirectional", False)
        if both and other.index <= record.index and other.output_shape:  # <=: a stacked layer reads its own
            found.append((other.output_shape[-1] / 2, f"one direction of {other.name}"))
    return found


def _input_axes(analysis: Analysis, record: LayerRecord) -> list[tuple[sp.Expr, str]]:
    """The size of each axis of the layer's input."""
    shape = record.input_shapes[0] if record.input_shapes else ()
    names = axis_names(record, analysis) if len(shape) == len(record.output_shape) else None
    found: dict[sp.Expr, str] = {}
    for i, size in enumerate(shape):
        label = names[i].removeprefix("output ") if names else f"axis {i + 1}"
        found.setdefault(size, f"the input's {label}")
    return list(found.items())


OTHER_SOURCES = {
    "sequence": _sequence,
    "flattened": _flattened,
    "one_direction": _one_direction,
    "input_axes": _input_axes,
}
