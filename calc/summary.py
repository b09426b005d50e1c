"""The Keras-style summary: per-layer output shapes and parameter counts, and the totals.

``Summary.to_dict`` is the JSON contract other tools script against: whole numbers as JSON integers,
symbolic values as strings in sympy syntax, ``null`` for the batch axis.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from calc.model import Analysis
from calc.render.notebook import Notebook


def json_value(expr: sp.Expr) -> int | str:
    """A JSON integer when the value is a whole number, else sympy syntax such as 'f*(3*k**2 + 1)'."""
    return int(expr) if expr.is_Integer else str(expr)


class Summary(Notebook):
    """What ``calc summary`` shows, read off an analysis; in Jupyter, a table."""

    def __init__(self, analysis: Analysis):
        self.analysis = analysis

    def to_dict(self) -> dict[str, Any]:
        a = self.analysis
        return {
            "model": a.model,
            "layers": [
                {
                    "name": r.name,
                    "type": r.type,
                    "output_shape": [None, *(json_value(d) for d in r.output_shape)],
                    "params": json_value(r.params),
                    "trainable_params": json_value(r.trainable),
                    "non_trainable_params": json_value(r.non_trainable),
                }
                for r in a.layers
            ],
            "total_params": json_value(a.total_params),
            "trainable_params": json_value(a.trainable_params),
            "non_trainable_params": json_value(a.non_trainable_params),
        }

    def to_text(self) -> str:
        from calc.render.text import summary_table

        return summary_table(self.analysis)

    def __str__(self) -> str:
        return self.to_text()

    def _render(self, fmt: str) -> str:
        if fmt == "text":
            return self.to_text()
        from calc.render.templating import render

        return render("summary", fmt, summary=self, body_only=True)
