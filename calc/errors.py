"""The one exception type for a user's mistake.

Every problem with user input (a file, a layer, an expression) becomes a ``CalcError``; the command
line turns it into one line on stderr and exit status 2. The context (file, layer) is attached as the
error travels outwards, so the code that finds the problem need not know where it came from.
"""

from __future__ import annotations

import reprlib
from typing import Any

#: The most of one value a message quotes, and the most of a whole message: a value can be huge.
MAX_QUOTED = 80
MAX_MESSAGE = 1_000
#: The most of the place (file, layer inside blocks) a message names.
MAX_PLACE = 100


class CalcError(Exception):
    """A problem with the user's input, worded for the user."""

    def __init__(self, message: str, *, source: str | None = None, layer: str | None = None):
        message = _cut(message, MAX_MESSAGE)
        super().__init__(message)
        self.message = message
        self.source = source
        self.layer = layer

    def within(self, *, source: str | None = None, layer: str | None = None) -> CalcError:
        """Attach context that the raiser did not know, keeping what it did know."""
        if source is not None and self.source is None:
            self.source = source
        if layer is not None and self.layer is None:
            self.layer = layer
        return self

    def inside(self, layer: str) -> CalcError:
        """Name the block layer the error arose in, before the layer inside it that the raiser named:
        'layer 10 (encoder.layer, Repeat): layer 2 (attention, MultiHeadAttention)'."""
        self.layer = f"{layer}: {self.layer}" if self.layer else layer
        return self

    def __str__(self) -> str:
        parts = [p for p in (self.source, _middle(self.layer or "", MAX_PLACE)) if p]
        return ": ".join([*parts, self.message])


def quote(value: Any) -> str:
    """``repr(value)`` for a message, at most MAX_QUOTED characters with an ellipsis. Only the first few
    items of a container and characters of a string are looked at, so quoting a list of a billion
    strings costs no more than quoting a short one."""
    return _cut(_REPR.repr(value), MAX_QUOTED)


def _middle(text: str, limit: int) -> str:
    """A long place (blocks nested in blocks) keeps its outermost and innermost parts."""
    return text if len(text) <= limit else text[: limit // 2 - 2] + " ... " + text[-(limit // 2 - 3) :]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


_REPR = reprlib.Repr()
_REPR.maxstring = MAX_QUOTED
_REPR.maxother = MAX_QUOTED
_REPR.maxlevel = 3
