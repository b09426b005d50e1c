"""Channel layout, decided here and read everywhere: where a tensor's channels sit.

Keras puts them last by default (``channels_last``) and first with ``data_format='channels_first'``; the
PyTorch dialect always puts them first. A layer's own layout is its ``data_format`` (a layer without one is
channels-last); a whole model's is the PyTorch dialect's, or else the first layer that names a data format.
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp

from calc.layers.base import Shape, to_choice

CHANNELS_LAST = "channels_last"
CHANNELS_FIRST = "channels_first"
DATA_FORMATS = (CHANNELS_LAST, CHANNELS_FIRST)


def parse_data_format(value: str | None) -> str:
    """A layer's ``data_format`` argument: one of the two words, channels-last when not given."""
    return to_choice(value or CHANNELS_LAST, DATA_FORMATS, "data_format")


def channels_first(layer: object) -> bool:
    """Whether the layer's own data format puts the channels before the spatial axes."""
    return getattr(layer, "data_format", CHANNELS_LAST) == CHANNELS_FIRST


def channels_first_in(layer: object, dialect: str) -> bool:
    """Whether the layer's output has its channels first in a model of this dialect (PyTorch: always)."""
    return dialect == "pytorch" or channels_first(layer)


def first_axis(layer: object) -> int:
    """Where the spatial axes start in the layer's output shape: after the channels when they come first."""
    return 1 if channels_first(layer) else 0


def spatial_axes(rank: int, first: bool) -> list[int]:
    """The positions of ``rank`` spatial axes in a shape (batch axis left out) with the channels first or last."""
    return list(range(1, rank + 1)) if first else list(range(rank))


def channel_index(first: bool) -> int:
    """The position of the channels in a shape (batch axis left out): 0 when first, -1 when last."""
    return 0 if first else -1


def split_channels(shape: Shape, data_format: str) -> tuple[list[sp.Expr], sp.Expr]:
    """Spatial axes and channel count, for channels-last (Keras's default) or channels-first."""
    if data_format == CHANNELS_FIRST:
        return list(shape[1:]), shape[0]
    return list(shape[:-1]), shape[-1]


def join_channels(spatial: list[sp.Expr], channels: sp.Expr, data_format: str) -> Shape:
    return (channels, *spatial) if data_format == CHANNELS_FIRST else (*spatial, channels)


def model_channel_axis(layers: Iterable[object], dialect: str) -> int:
    """Where a model's channels are: first in PyTorch's layout and when the first layer that names a data
    format says channels_first, else last."""
    if dialect == "pytorch":
        return 0
    for layer in layers:
        layout = getattr(layer, "data_format", None)
        if layout is not None:
            return channel_index(layout == CHANNELS_FIRST)
    return -1
