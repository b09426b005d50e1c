"""TikZ writer: prints a ``Geometry`` as a tikzpicture (for a LaTeX document) or as a whole document.

One unit is one centimetre; y grows downwards as in the geometry (``y=-1cm``), so no coordinate is
flipped by hand. Colours are defined inside the picture, so it needs nothing but ``tikz`` (Debian's
texlive-pictures) and, when scaled to the line width, ``graphicx``. Every text goes through LaTeX
escaping: a hostile layer name is printed, never run.
"""

from __future__ import annotations

import math

from calc.figures.geometry import COLOURS, Circle, Geometry, Line, Polygon, Text, arrow_head, trimmed
from calc.render.templating import escape_latex

#: Characters of the figures' labels that pdflatex's fonts lack, as mathematics.
SYMBOLS = {
    "·": r"\(\cdot\)",
    "×": r"\(\times\)",
    "…": r"\dots{}",
    "⋮": r"\(\vdots\)",
    "−": "-",
    "→": r"\(\to\)",
}
#: Named LaTeX sizes by their height in centimetres (10 pt document): the nearest is used.
SIZES = ((0.18, r"\tiny"), (0.25, r"\scriptsize"), (0.28, r"\footnotesize"), (0.32, r"\small"), (0.35, r"\normalsize"))
ANCHORS = {"start": "base west", "middle": "base", "end": "base east"}


def latex_text(text: str) -> str:
    return "".join(SYMBOLS.get(char) or escape_latex(char) for char in str(text))


def _n(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _colour(style: str, shade: float = 0.0) -> str:
    name = "calc" + style
    return f"{name}!{round(100 * (1 - shade))}!black" if shade else name


def _path(points) -> str:  # noqa: ANN001 - a tuple of points
    return " -- ".join(f"({_n(x)},{_n(y)})" for x, y in points)


def picture(geometry: Geometry, max_width: float | None = None, max_height: float | None = None) -> str:
    """The tikzpicture; wider than ``max_width`` or taller than ``max_height`` centimetres, it is scaled
    down to fit (text and all, so it stays one drawing)."""
    left, top, right, bottom = geometry.bounds()
    used = sorted({s for item in geometry.items for s in _styles(item)})
    lines = [r"\begin{tikzpicture}[x=1cm,y=-1cm,line join=round]"]
    for style in used:
        r, g, b = COLOURS[style]
        lines.append(rf"\definecolor{{calc{style}}}{{RGB}}{{{r},{g},{b}}}")
    lines.append(rf"\useasboundingbox ({_n(left)},{_n(top)}) rectangle ({_n(right)},{_n(bottom)});")
    for item in geometry.items:
        lines.extend(_item(item))
    lines.append(r"\end{tikzpicture}")
    text = "\n".join(lines)
    scale = min(1.0, (max_width or math.inf) / (right - left), (max_height or math.inf) / (bottom - top))
    if scale < 1:
        text = f"\\scalebox{{{scale:.3f}}}{{%\n" + text + "%\n}"
    return text


def document(geometry: Geometry) -> str:
    """A LaTeX document whose one page is the figure (pdflatex with tikz; no standalone class needed)."""
    left, top, right, bottom = geometry.bounds()
    return "\n".join(
        [
            r"\documentclass{article}",
            r"\usepackage{tikz}",
            rf"\usepackage[paperwidth={_n(right - left + 0.2)}cm,paperheight={_n(bottom - top + 0.5)}cm,"
            r"margin=0.1cm]{geometry}",
            r"\pagestyle{empty}",
            r"\setlength{\parindent}{0pt}",
            r"\setlength{\topskip}{0pt}",
            r"\begin{document}",
            r"\sffamily",
            f"% {latex_text(geometry.title)}",
            picture(geometry),
            r"\end{document}",
            "",
        ]
    )


def _styles(item) -> list[str]:  # noqa: ANN001 - one geometry item
    if isinstance(item, Polygon):
        return [s for s in (item.style, item.stroke) if s != "none"]
    if isinstance(item, Circle):
        return [item.style, item.stroke]
    return [item.style]


def _item(item) -> list[str]:  # noqa: ANN001 - one geometry item
    if isinstance(item, Polygon):
        filled = item.style != "none"
        command = r"\filldraw" if filled else r"\draw"  # \filldraw with no fill would fill black
        fill = f"fill={_colour(item.style, item.shade)}," if filled else ""
        dash = "dashed," if item.dashed else ""
        style = f"{fill}{dash}draw={_colour(item.stroke)},line width={_n(item.width)}cm"
        return [rf"{command}[{style}] {_path(item.points)} -- cycle;"]
    if isinstance(item, Circle):
        (x, y), r = item.centre, item.radius
        return [
            rf"\filldraw[fill={_colour(item.style)},draw={_colour(item.stroke)},line width=0.025cm] "
            rf"({_n(x)},{_n(y)}) circle[radius={_n(r)}];"
        ]
    if isinstance(item, Line):
        dash = "dashed," if item.dashed else ""
        lines = [rf"\draw[{dash}draw={_colour(item.style)},line width={_n(item.width)}cm] {_path(trimmed(item))};"]
        if item.arrow:
            lines += _item(arrow_head(item))
        return lines
    assert isinstance(item, Text)
    size = min(SIZES, key=lambda entry: abs(entry[0] - item.size))[1]
    weight = r"\bfseries" if item.bold else ""
    return [
        rf"\node[anchor={ANCHORS[item.anchor]},inner sep=0,text={_colour(item.style)},"
        rf"font=\sffamily{size}{weight}] at ({_n(item.x)},{_n(item.y)}) {{{latex_text(item.text)}}};"
    ]
