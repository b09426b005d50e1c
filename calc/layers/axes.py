"""Keras's axis numbers, read against calc's shapes.

Keras numbers axes of the whole tensor, batch axis included: 0 is the batch axis, 1 the first axis of
an example, -1 the last. calc's shapes leave the batch axis out, so Keras's axis i is calc's i - 1.
"""

from __future__ import annotations

from typing import Any, Literal, overload

from calc.errors import CalcError, quote


@overload
def keras_axis(axis: Any, rank: int, what: str = ..., *, allow_batch: Literal[False] = ...) -> int: ...
@overload
def keras_axis(axis: Any, rank: int, what: str = ..., *, allow_batch: bool) -> int | None: ...
def keras_axis(axis: Any, rank: int, what: str = "axis", *, allow_batch: bool = False) -> int | None:
    """calc's index for Keras's ``axis`` on an input of ``rank`` axes (batch left out).

    None stands for the batch axis, which only layers that compute nothing per axis (allow_batch) take;
    the others need its size, which is not known.
    """
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise CalcError(f"{what} must be a whole number such as -1, got {quote(axis)}")
    full = rank + 1
    if not -full <= axis < full:
        raise CalcError(f"{what} {axis} is out of range for an input of {full} axes (the batch axis included)")
    index = axis % full
    if index == 0:
        if allow_batch:
            return None
        raise CalcError(f"{what} {axis} is the batch axis, whose size is not known")
    return index - 1


def keras_axes(value: Any, rank: int, what: str = "axis", *, allow_batch: bool = False) -> list[int | None]:
    """A Keras axis argument that may be one axis or a list of them; each axis at most once."""
    axes = list(value) if isinstance(value, (list, tuple)) else [value]
    if not axes:
        raise CalcError(f"{what} must name at least one axis")
    indices = [keras_axis(axis, rank, what, allow_batch=allow_batch) for axis in axes]
    if len(set(indices)) != len(indices):
        raise CalcError(f"{what} {quote(value)} names the same axis twice")
    return indices
