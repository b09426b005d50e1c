"""The one exception type for a user's mistake.

Every problem with user input (a file, a layer, an expression) becomes a ``CalcError``; the command
line turns it into one line on stderr and exit status 2. The context (file, layer) is attached as the
error travels outwards, so the code that finds the problem need not know where it came from.
"""

from __future__ import annotations


class CalcError(Exception):
    """A problem with the user's input, worded for the user."""

    def __init__(self, message: str, *, source: str | None = None, layer: str | None = None):
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
        parts = [p for p in (self.source, self.layer) if p]
        return ": ".join([*parts, self.message])
