"""PNG writer: matplotlib draws the same ``Geometry`` (for platforms that take only images).

matplotlib is calc's ``plot`` extra. Text is drawn with mathtext off, so a layer name with ``$`` in it
is shown as written; the file carries no software or date metadata, so its bytes depend only on the
figure (and matplotlib's rasteriser).
"""

from __future__ import annotations

import io

from calc.errors import CalcError
from calc.figures.geometry import COLOURS, Circle, Geometry, Line, Polygon, Text, arrow_head, shaded, trimmed

NEEDS_MATPLOTLIB = "PNG figures need matplotlib: pip install matplotlib (or calc's plot extra: pip install '.[plot]')"
DOTS_PER_UNIT = 40  # one unit (a centimetre in TikZ) is 40 pixels, as in the SVG
POINTS_PER_UNIT = 72 / 2.54  # text sizes are in units; matplotlib's in points (at one unit per centimetre)
ALIGN = {"start": "left", "middle": "center", "end": "right"}


def matplotlib_figure():  # matplotlib.figure.Figure
    """matplotlib's Figure class, or a one-line error naming the extra."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise CalcError(NEEDS_MATPLOTLIB) from None
    return Figure


def _rgb(style: str, shade: float = 0.0) -> tuple[float, float, float]:
    return tuple(c / 255 for c in shaded(COLOURS.get(style, COLOURS["ink"]), shade))  # type: ignore[return-value]


def render(geometry: Geometry) -> bytes:
    Figure = matplotlib_figure()
    from matplotlib.patches import Circle as CirclePatch
    from matplotlib.patches import Polygon as PolygonPatch

    left, top, right, bottom = geometry.bounds()
    dpi = 100
    scale = DOTS_PER_UNIT / dpi  # inches per unit
    figure = Figure(figsize=((right - left) * scale, (bottom - top) * scale), dpi=dpi)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(left, right)
    axes.set_ylim(bottom, top)
    axes.set_axis_off()
    # a text size in units, as points at this figure's scale (a unit is scale inches)
    points = 72 * scale
    for order, item in enumerate(geometry.items):
        if isinstance(item, Polygon):
            axes.add_patch(
                PolygonPatch(
                    item.points,
                    closed=True,
                    facecolor="none" if item.style == "none" else _rgb(item.style, item.shade),
                    edgecolor=_rgb(item.stroke),
                    linewidth=item.width * points,
                    linestyle="--" if item.dashed else "-",
                    zorder=order,
                )
            )
        elif isinstance(item, Circle):
            axes.add_patch(
                CirclePatch(
                    item.centre,
                    item.radius,
                    facecolor=_rgb(item.style),
                    edgecolor=_rgb(item.stroke),
                    linewidth=0.025 * points,
                    zorder=order,
                )
            )
        elif isinstance(item, Line):
            xs, ys = zip(*trimmed(item))
            axes.plot(
                xs,
                ys,
                color=_rgb(item.style),
                linewidth=item.width * points,
                linestyle="--" if item.dashed else "-",
                zorder=order,
                solid_capstyle="butt",
            )
            if item.arrow:
                head = arrow_head(item)
                axes.add_patch(
                    PolygonPatch(
                        head.points,
                        closed=True,
                        facecolor=_rgb(head.style),
                        edgecolor=_rgb(head.style),
                        linewidth=0.3,
                        zorder=order,
                    )
                )
        elif isinstance(item, Text):
            axes.text(
                item.x,
                item.y,
                item.text,
                fontsize=item.size * points,
                ha=ALIGN[item.anchor],
                va="baseline",
                color=_rgb(item.style),
                fontweight="bold" if item.bold else "normal",
                parse_math=False,
                family="DejaVu Sans",
                zorder=order,
            )
    return save_png(figure, dpi)


def save_png(figure, dpi: int = 100) -> bytes:  # a matplotlib Figure
    """The figure as PNG bytes without metadata (no software version, no date)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()
