"""The figures inside a worked solution: the architecture first, then each window layer's figure.

LaTeX gets each figure inline as a tikzpicture; Markdown gets image links to SVG files, which the
caller writes beside the document (``files``: file name to SVG text). In a model with many windows (VGG,
ResNet), a window that slides as one already drawn (the same layer type, kernel, stride, dilation and
padding: the many 3×3 convolutions) is drawn once and referred to afterwards; with a few (LeNet's four),
only a layer equal in every size is. A layer whose sizes are still symbols has no window figure. The
templates ask ``figures.architecture()`` and ``figures.layer(record)``; both give text already escaped
for the format.
"""

from __future__ import annotations

import re

from markupsafe import Markup

from calc.errors import CalcError
from calc.figures import LATEX_HEIGHT, LATEX_WIDTH
from calc.figures.architecture import draw_architecture
from calc.figures.window import is_window, window_axes, window_figure
from calc.model import Analysis, LayerRecord

SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
MANY_WINDOWS = 6
WINDOW_HEIGHT = 6.0  # centimetres: a window figure beside the steps it illustrates stays small
SHEET_HEIGHT = 9.0  # centimetres: a problem sheet's architecture leaves room for the questions


class DerivationFigures:
    """The figures of one derivation in one format ("latex" or "markdown"); ``stem`` names the SVG files."""

    def __init__(self, analysis: Analysis, fmt: str, stem: str = "figure"):
        self.analysis = analysis
        self.fmt = fmt
        self.stem = _safe(stem) or "figure"
        self.files: dict[str, str] = {}
        self._shown: dict[tuple, str] = {}  # what a window figure shows -> the layer it was shown for
        # many windows: each way of sliding drawn once; a few (LeNet's four): each layer's own grid and filter
        self.compact = sum(is_window(r) for r in analysis.records if r.layer is not None) > MANY_WINDOWS

    def architecture(self) -> Markup:
        return self._figure(draw_architecture(self.analysis), "architecture")

    def layer(self, record: LayerRecord) -> Markup:
        """The window figure of a convolution or pooling layer, or a sentence pointing to an equal one."""
        if record.layer is None or record.is_repeat or not is_window(record):
            return Markup("")
        try:
            axes = window_axes(record, "Transpose" in record.type)
        except CalcError:  # symbolic sizes: a window is drawn with numbers only
            return Markup("")
        key: tuple = (record.type, tuple((a.kernel, a.stride, a.dilation, a.before, a.after) for a in axes))
        if not self.compact:
            key += (record.input_shape, record.output_shape, record.params)
        if key in self._shown:
            sentence = f"Its window (kernel, stride, dilation and padding) is drawn as for {self._shown[key]} above."
            return Markup(self._escape(sentence))
        self._shown[key] = record.name
        return self._figure(window_figure(record, steps=False), record.name, WINDOW_HEIGHT)

    def _figure(self, geometry, name: str, height: float = LATEX_HEIGHT) -> Markup:  # noqa: ANN001 - a Geometry
        if self.fmt == "latex":
            from calc.figures import tikz

            return Markup(
                "\\begin{center}\n"
                + tikz.picture(geometry, max_width=LATEX_WIDTH, max_height=height)
                + "\n\\end{center}"
            )
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
