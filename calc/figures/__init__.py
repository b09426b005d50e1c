"""Figures of a model: its architecture, one layer's window, the receptive field, parameters per layer.

Each figure's layout is computed once from the analysis as a plain ``Geometry`` (``architecture``,
``window``, ``field``); the writers ``svg``, ``tikz`` and ``png`` print that same geometry. The
``params`` figure is a matplotlib bar chart (calc's ``plot`` extra), as ``calc sweep --plot`` draws.
"""

from __future__ import annotations

from calc.errors import CalcError
from calc.figures.geometry import Geometry
from calc.model import Analysis

FIGURES = ("architecture", "layer", "field", "params")
FORMATS = ("svg", "tikz", "png")


def geometry(
    analysis: Analysis, figure: str = "architecture", layer: str | None = None, answers: bool = True
) -> Geometry:
    """The layout of one of the drawn figures (all but ``params``, which matplotlib lays out). ``answers``
    False leaves the architecture's shapes and counts out, for a problem sheet that asks them."""
    if figure == "architecture":
        from calc.figures.architecture import draw_architecture

        return draw_architecture(analysis, reveal=answers)
    if figure == "layer":
        from calc.figures.window import draw_window

        return draw_window(analysis, layer)
    if figure == "field":
        from calc.figures.field import draw_field

        return draw_field(analysis)
    raise CalcError(f"unknown figure '{figure}' (figures: {', '.join(FIGURES)})")


def render(analysis: Analysis, figure: str = "architecture", fmt: str = "svg", layer: str | None = None) -> str | bytes:
    """The figure as SVG text, a TikZ document, or PNG bytes."""
    if fmt not in FORMATS:
        raise CalcError(f"unknown figure format '{fmt}' (formats: {', '.join(FORMATS)})")
    if figure == "params":
        from calc.figures.params import draw_params

        return draw_params(analysis, fmt)
    if layer is not None and figure != "layer":
        raise CalcError("--layer chooses the layer of --figure layer only")
    drawn = geometry(analysis, figure, layer)
    if fmt == "svg":
        from calc.figures import svg

        return svg.render(drawn)
    if fmt == "tikz":
        from calc.figures import tikz

        return tikz.document(drawn)
    from calc.figures import png

    return png.render(drawn)


#: Widest and tallest a figure is drawn inside a LaTeX document before it is scaled down (centimetres: the
#: text block of an A4 or letter page with margins of about 2.5 cm, less room for a caption).
LATEX_WIDTH, LATEX_HEIGHT = 15.0, 20.0


def embedded(
    analysis: Analysis, fmt: str, figure: str = "architecture", layer: str | None = None, answers: bool = True
) -> str:
    """A figure to put inside a document of ``fmt``: "latex" gives a tikzpicture (scaled down to fit a page;
    the document needs ``tikz``), "html" an inline ``<svg>`` element, "svg" an SVG file's text. ``answers``
    False leaves the architecture's shapes and counts out (a problem sheet asks them)."""
    drawn = geometry(analysis, figure, layer, answers)
    if fmt == "svg":
        from calc.figures import svg

        return svg.render(drawn)
    if fmt == "latex":
        from calc.figures import tikz

        return tikz.picture(drawn, max_width=LATEX_WIDTH, max_height=LATEX_HEIGHT)
    if fmt == "html":
        from calc.figures import svg

        return svg.element(drawn)
    raise CalcError(f"no embedded figure for format '{fmt}' (latex, html)")
