"""Jupyter display: models, summaries and derivations show as tables and typeset mathematics.

Jupyter asks an object for ``_repr_html_``, ``_repr_markdown_`` and ``_repr_latex_`` and shows the
richest one it got (HTML, then Markdown, then LaTeX); nbconvert's LaTeX and PDF export takes the LaTeX
first. Each is rendered from the same templates as the command line. Tables (a model, a summary) come
as HTML, which every front end shows; a derivation, which is mostly mathematics, comes as Markdown
with ``$…$`` math and no HTML, because Markdown math is typeset by every front end (JupyterLab, the
classic notebook, VS Code, Colab) while math inside HTML output is not. The LaTeX is the inside of a
document (no preamble), so nbconvert can put it into its own.
"""

from __future__ import annotations

from typing import Any

from calc.errors import CalcError


class Notebook:
    """Mixin: ``_render(fmt)`` gives the text of one format (``text`` too), or None where there is none."""

    def _render(self, fmt: str) -> str | None:
        raise NotImplementedError

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's plain-text display (text/plain): the text view, never an object's address."""
        printer.text(self._shown("text") or "")

    def _shown(self, fmt: str) -> str | None:
        """The rendering, or the user's mistake in one escaped line (a display must never raise)."""
        try:
            return self._render(fmt)
        except CalcError as error:
            from calc.render.templating import escape

            return f"calc: {error}" if fmt == "text" else f"calc: {escape(fmt, str(error))}"

    def _repr_html_(self) -> str | None:
        return self._shown("html")

    def _repr_markdown_(self) -> str | None:
        return self._shown("markdown")

    def _repr_latex_(self) -> str | None:
        return self._shown("latex")
