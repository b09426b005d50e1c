"""Jupyter display of a model: its summary table and, in HTML, its architecture figure.

Apart from ``calc.render.notebook`` (the mixin every displayed object shares), because this one reads the
summary and the figures, which read the model: the base mixin must not depend on them.
"""

from __future__ import annotations

from typing import Any

from calc.render.notebook import Notebook


class ModelNotebook(Notebook):
    """A model shows as its summary table (with the model's own symbol values); in HTML, its architecture
    figure follows the table (an inline SVG, which every front end shows)."""

    def _render(self, fmt: str) -> str | None:
        from calc.summary import Summary

        model: Any = self
        analysis = model.analyze()
        shown = Summary(analysis)._render(fmt)
        if fmt == "html" and shown is not None:
            from calc.figures import embedded

            shown += f'\n<div class="tex2jax_ignore calc-figure">{embedded(analysis, "html")}</div>'
        return shown
