"""Spec dialects: which classes a spec's layer names refer to, and whose conventions they follow.

``keras`` (the default): Keras class names and keyword arguments, channels-last shapes.
``pytorch``: ``torch.nn`` class names and keyword arguments, channels-first shapes (``calc.dialects.pytorch``).
A spec chooses with a top-level ``dialect:`` key; the shapes and counts of both come from the same rules.
"""

from __future__ import annotations

from calc.errors import CalcError, quote
from calc.layers.base import Layer, suggest

DIALECTS = ("keras", "pytorch")


def registry(dialect: object) -> dict[str, type[Layer]]:
    """The class-name registry of a dialect; an unknown dialect is the user's mistake."""
    if dialect == "keras":
        from calc.layers import REGISTRY

        return REGISTRY
    if dialect == "pytorch":
        from calc.dialects.pytorch import REGISTRY

        return REGISTRY
    hint = suggest(dialect, DIALECTS) if isinstance(dialect, str) else ""
    raise CalcError(f"dialect must be one of {', '.join(DIALECTS)}, got {quote(dialect)}{hint}")
