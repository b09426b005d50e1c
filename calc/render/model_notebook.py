"""How a model shows itself: ``model.summary()`` and, in Jupyter, its summary table and architecture figure.

The model is plain data and imports no view. Jupyter asks the object itself for ``_repr_html_`` (and the
others), and ``calc.load(...).summary()`` is public API, so this view gives ``Model`` those methods:
``show_models(Model)`` runs once, from ``calc/__init__.py``. The dependency points from the view to the model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from calc.render.notebook import Notebook

if TYPE_CHECKING:
    from calc.model import Model
    from calc.summary import Summary

#: What Jupyter and IPython ask an object for (``calc.render.notebook``).
DISPLAY_METHODS = ("_repr_pretty_", "_repr_html_", "_repr_markdown_", "_repr_latex_")


class ModelNotebook(Notebook):
    """A model shows as its summary table (with the model's own symbol values); in HTML, its architecture
    figure follows the table (an inline SVG, which every front end shows)."""

    def __init__(self, model: Model) -> None:
        self.model = model

    def _render(self, fmt: str) -> str | None:
        analysis = self.model.analyze()
        shown = _summary_class()(analysis)._render(fmt)
        if fmt == "html" and shown is not None:
            from calc.figures import embedded

            shown += f'\n<div class="tex2jax_ignore calc-figure">{embedded(analysis, "html")}</div>'
        return shown


def summary(model: Model, overrides: Mapping[str, Any] | None = None) -> Summary:
    """The Keras-style summary (``calc.summary.Summary``) of a model for these symbol values."""
    return _summary_class()(model.analyze(overrides))


def _summary_class() -> type[Summary]:
    from calc.summary import Summary  # imported on first display: most commands never show a model

    return Summary


def _displayed(name: str) -> Callable[..., Any]:
    def method(model: Model, *args: Any) -> Any:
        return getattr(ModelNotebook(model), name)(*args)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"Jupyter's {name}: the model as its summary table (``calc.render.model_notebook``)."
    return method


def show_models(model_class: type[Model]) -> None:
    """Give the model class its ``summary()`` and Jupyter's display methods, read from this view."""
    model_class.summary = summary
    for name in DISPLAY_METHODS:
        setattr(model_class, name, _displayed(name))
