"""The figures inside a worked solution: the architecture first, then each window layer's figure.

LaTeX gets each figure inline as a tikzpicture; Markdown gets image links to SVG files, which the
caller writes beside the document (``files``: file name to SVG text). A window figure that would look
the same as one already shown (ResNet's many 3×3 convolutions on one shape) is shown once and referred
to afterwards. The templates ask ``figures.architecture()`` and ``figures.layer(record)``; both give
text already escaped for the format.
"""

from __future__ import annotations

import re
from dataclasses import astuple

from markupsafe import Markup

from calc.figures import LATEX_WIDTH
from calc.figures.architecture import draw_architecture
from calc.figures.window import is_window, window_axes, window_figure
from calc.model import Analysis, LayerRecord

SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class DerivationFigures:
    """The figures of one derivation in one format ("latex" or "markdown"); ``stem`` names the SVG files."""

    def __init__(self, analysis: Analysis, fmt: str, stem: str = "figure"):
        self.analysis = analysis
        self.fmt = fmt
        self.stem = _safe(stem) or "figure"
        self.files: dict[str, str] = {}
        self._shown: dict[tuple, str] = {}  # what a window figure shows -> the layer it was shown for

    def architecture(self) -> Markup:
        return self._figure(draw_architecture(self.analysis), "architecture")

    def layer(self, record: LayerRecord) -> Markup:
        """The window figure of a convolution or pooling layer, or a sentence pointing to an equal one."""
        if record.layer is None or record.is_repeat or not is_window(record):
            return Markup("")
        axes = window_axes(record, "Transpose" in record.type)
        key = (record.type, tuple(astuple(a) for a in axes), record.input_shape, record.output_shape, record.params)
        if key in self._shown:
            return Markup(self._escape(f"Its window is drawn as for {self._shown[key]} above."))
        self._shown[key] = record.name
        return self._figure(window_figure(record), record.name)

    def _figure(self, geometry, name: str) -> Markup:  # a Geometry
        if self.fmt == "latex":
            from calc.figures import tikz

            return Markup("\\begin{center}\n" + tikz.picture(geometry, max_width=LATEX_WIDTH) + "\n\\end{center}")
        from calc.figures import svg

        base = f"{self.stem}-{_safe(name)}"
        file, number = f"{base}.svg", 1
        while file in self.files:
            number += 1
            file = f"{base}-{number}.svg"
        self.files[file] = svg.render(geometry)
        return Markup(f"![{self._escape(geometry.title)}]({file})")

    def _escape(self, text: str) -> str:
        from calc.render.templating import escape_latex, escape_markdown

        return escape_latex(text) if self.fmt == "latex" else escape_markdown(text)


def _safe(name: str) -> str:
    """A file name part of letters, digits, _ . and - only, never starting with a dot (no hidden files, no
    folders: a layer named '../x' gives '_x')."""
    return SAFE.sub("_", name).lstrip(".-")[:60]
