"""Rows of text for a million-row table, built by numpy instead of one Python string per cell.

A row is a sequence of pieces: fixed text, a whole number from an array (left out on rows where it is
hidden), or a text picked per row from a short table (a sweep's reasons). Each piece is laid out as a
block of fixed width, padded with zero bytes (numbers right-aligned, digits computed for all rows at
once); the blocks are put side by side and the padding is dropped, leaving the rows' text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

CHUNK = 1 << 17
_POWERS = np.array([10**j for j in range(19)], dtype=np.int64)


@dataclass
class Number:
    """A whole number per row; where ``shown`` is False the piece is left out."""

    values: Any
    shown: Any = None


@dataclass
class Choice:
    """Text per row: ``table[codes[i]]``, nothing where the code is -1."""

    codes: Any
    table: Sequence[str]


Piece = str | Number | Choice


def render_rows(pieces: Sequence[Piece], rows: int) -> str:
    """The text of ``rows`` rows, each the concatenation of the pieces."""
    tables = {id(p): _table(p.table) for p in pieces if isinstance(p, Choice)}
    out = []
    for start in range(0, rows, CHUNK):
        part = slice(start, min(start + CHUNK, rows))
        blocks = [_block(piece, part, tables) for piece in pieces]
        matrix = np.concatenate(blocks, axis=1)
        out.append(matrix[matrix != 0].tobytes())
    return b"".join(out).decode()


def _table(texts: Sequence[str]) -> Any:
    """Texts as rows of a byte matrix, zero-padded; an all-zero last row stands for 'nothing'."""
    encoded = [t.encode() for t in texts]
    width = max((len(e) for e in encoded), default=0)
    table = np.zeros((len(encoded) + 1, width), dtype=np.uint8)
    for i, e in enumerate(encoded):
        table[i, : len(e)] = np.frombuffer(e, dtype=np.uint8)
    return table


def _block(piece: Piece, part: slice, tables: dict[int, Any]) -> Any:
    count = part.stop - part.start
    if isinstance(piece, str):
        return np.broadcast_to(np.frombuffer(piece.encode(), dtype=np.uint8), (count, len(piece.encode())))
    if isinstance(piece, Choice):
        codes = np.asarray(piece.codes[part])
        if not (codes >= 0).any():  # nothing to write in this chunk (a sweep's valid rows)
            return np.zeros((count, 0), dtype=np.uint8)
        return tables[id(piece)][codes]
    values = np.asarray(piece.values[part], dtype=np.int64)
    magnitude = np.abs(values)
    width = int(np.searchsorted(_POWERS, magnitude.max(initial=0), side="right")) or 1
    block = np.empty((count, width), dtype=np.uint8)
    if width > 9:  # the last nine digits, then the rest: 32-bit division is much faster than 64-bit
        high, low = np.divmod(magnitude, 10**9)
        _digits(low.astype(np.uint32), block[:, width - 9 :])
        _digits(high.astype(np.uint32 if width <= 18 else np.uint64), block[:, : width - 9])
    else:
        _digits(magnitude.astype(np.uint32), block)
    block += ord("0")
    leading = magnitude[:, None] < _POWERS[width - 1 :: -1][None, :]  # zeros before the first digit
    leading[:, -1] = False
    block[leading] = 0
    negative = values < 0
    if negative.any():
        sign = np.where(negative, ord("-"), 0).astype(np.uint8)[:, None]
        block = np.concatenate([sign, block], axis=1)
    if piece.shown is not None:
        block[~np.asarray(piece.shown[part])] = 0
    return block


def _digits(values: Any, out: Any) -> None:
    """Write the decimal digits of ``values`` right-aligned into the columns of ``out`` (zero-padded)."""
    ten = values.dtype.type(10)
    for column in range(out.shape[1] - 1, -1, -1):
        values, digit = np.divmod(values, ten)
        out[:, column] = digit
