"""The plain data every figure is made of, in abstract units with y growing downwards.

A figure's layout is worked out once (``architecture``, ``window``, ``field``) as a ``Geometry``: a
list of filled polygons, circles, lines and text labels, each with a style name. The writers (``svg``,
``tikz``, ``png``) only print these primitives; none of them places anything. One unit is one
centimetre in TikZ and ``svg.PIXELS`` pixels in SVG.

Text widths are estimated (``text_width``) from the number of characters, so layouts leave room
for labels without measuring fonts: every writer uses a sans-serif face of about that width.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Point = tuple[float, float]

#: Fill and stroke colours by style name (RGB 0-255), shared by every writer.
COLOURS: dict[str, tuple[int, int, int]] = {
    "input": (222, 222, 222),
    "conv": (140, 180, 225),
    "pool": (245, 190, 120),
    "dense": (160, 210, 150),
    "norm": (210, 190, 230),
    "block": (235, 220, 150),
    "merge": (255, 255, 255),
    "other": (200, 215, 220),
    "cell": (255, 255, 255),
    "padding": (238, 238, 238),
    "window": (120, 170, 230),
    "window2": (250, 200, 120),
    "output": (250, 160, 140),
    "field": (120, 170, 230),
    "ink": (40, 40, 40),
    "faint": (150, 150, 150),
    "accent": (200, 70, 50),
}

#: Text sizes (the height of a capital letter is about 0.7 of it), in units.
SMALL, NORMAL, LARGE = 0.22, 0.28, 0.36
#: Width of an average character of the sans-serif faces the writers use, per unit of size.
CHAR_WIDTH = 0.6
MAX_LABEL = 26  # characters of a user-given name shown before it is cut with "…"


@dataclass(frozen=True)
class Polygon:
    """A closed, filled outline. ``shade`` darkens the fill (0 none, 1 black) for the sides of a volume."""

    points: tuple[Point, ...]
    style: str
    shade: float = 0.0
    dashed: bool = False
    stroke: str = "ink"
    width: float = 0.02


@dataclass(frozen=True)
class Circle:
    centre: Point
    radius: float
    style: str
    stroke: str = "ink"


@dataclass(frozen=True)
class Line:
    """An open polyline, with an arrow head at its end when ``arrow``."""

    points: tuple[Point, ...]
    style: str = "ink"
    arrow: bool = False
    dashed: bool = False
    width: float = 0.025


@dataclass(frozen=True)
class Text:
    """One line of text; ``anchor`` is where (x, y) sits: "start", "middle" or "end" of the baseline."""

    x: float
    y: float
    text: str
    size: float = NORMAL
    anchor: str = "middle"
    style: str = "ink"
    bold: bool = False


Item = Polygon | Circle | Line | Text


@dataclass
class Geometry:
    """A whole figure: its items in drawing order, and a one-line description for alt text."""

    title: str
    items: list[Item] = field(default_factory=list)

    def add(self, *items: Item) -> None:
        self.items.extend(items)

    def extend(self, items: Iterable[Item]) -> None:
        self.items.extend(items)

    def bounds(self, margin: float = 0.3) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) around every item, text included by its estimated width."""
        xs: list[float] = []
        ys: list[float] = []
        for item in self.items:
            if isinstance(item, (Polygon, Line)):
                xs += [x for x, _ in item.points]
                ys += [y for _, y in item.points]
            elif isinstance(item, Circle):
                (x, y), r = item.centre, item.radius
                xs += [x - r, x + r]
                ys += [y - r, y + r]
            else:
                width = text_width(item.text, item.size)
                left = item.x - {"start": 0, "middle": width / 2, "end": width}[item.anchor]
                xs += [left, left + width]
                ys += [item.y - item.size, item.y + item.size * 0.3]
        if not xs:
            return (0.0, 0.0, 1.0, 1.0)
        return (min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin)

    def shifted(self, dx: float, dy: float) -> list[Item]:
        return [shift(item, dx, dy) for item in self.items]


def shift(item: Item, dx: float, dy: float) -> Item:
    """The same item moved by (dx, dy)."""
    if isinstance(item, Polygon):
        return Polygon(_moved(item.points, dx, dy), item.style, item.shade, item.dashed, item.stroke, item.width)
    if isinstance(item, Line):
        return Line(_moved(item.points, dx, dy), item.style, item.arrow, item.dashed, item.width)
    if isinstance(item, Circle):
        return Circle((item.centre[0] + dx, item.centre[1] + dy), item.radius, item.style, item.stroke)
    return Text(item.x + dx, item.y + dy, item.text, item.size, item.anchor, item.style, item.bold)


def _moved(points: Sequence[Point], dx: float, dy: float) -> tuple[Point, ...]:
    return tuple((x + dx, y + dy) for x, y in points)


def text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_WIDTH


def cut(text: str, limit: int = MAX_LABEL) -> str:
    """A user-given name short enough for a label: long names keep their start and end."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return text[:half] + "…" + text[-(limit - 1 - half) :]


def rect(x: float, y: float, w: float, h: float, style: str, **options: object) -> Polygon:
    """An axis-aligned rectangle w wide and h high with its top-left corner at (x, y); ``options`` are
    Polygon's (shade, dashed, stroke, width)."""
    return Polygon(((x, y), (x + w, y), (x + w, y + h), (x, y + h)), style, **options)


def volume(x: float, y: float, width: float, height: float, depth: float, style: str) -> list[Polygon]:
    """A box seen from the front, slightly from above and the right: front face with its bottom-left
    corner at (x, y), and the top and right faces receding by ``depth`` at 45 degrees."""
    dx = dy = depth * 0.5
    top = y - height
    front = rect(x, top, width, height, style)
    upper = Polygon(((x, top), (x + dx, top - dy), (x + width + dx, top - dy), (x + width, top)), style, shade=0.12)
    side = Polygon(
        ((x + width, top), (x + width + dx, top - dy), (x + width + dx, y - dy), (x + width, y)), style, shade=0.25
    )
    return [front, upper, side]


def shaded(rgb: tuple[int, int, int], shade: float) -> tuple[int, int, int]:
    """A colour darkened towards black by ``shade``."""
    return tuple(round(c * (1 - shade)) for c in rgb)  # type: ignore[return-value]


def arrow_head(line: Line, length: float = 0.16, spread: float = 0.07) -> Polygon:
    """The filled triangle at the end of an arrow, pointing along its last segment (every writer draws
    this same polygon, so arrows look alike in SVG, TikZ and PNG)."""
    (x0, y0), (x1, y1) = line.points[-2], line.points[-1]
    dx, dy = x1 - x0, y1 - y0
    norm = (dx * dx + dy * dy) ** 0.5 or 1.0
    ux, uy = dx / norm, dy / norm
    bx, by = x1 - ux * length, y1 - uy * length
    return Polygon(
        ((x1, y1), (bx - uy * spread, by + ux * spread), (bx + uy * spread, by - ux * spread)),
        line.style,
        stroke=line.style,
        width=0.01,
    )


def trimmed(line: Line, length: float = 0.14) -> tuple[Point, ...]:
    """The points of an arrow's line, its last point drawn back under the head (so no line pokes through)."""
    if not line.arrow:
        return line.points
    (x0, y0), (x1, y1) = line.points[-2], line.points[-1]
    dx, dy = x1 - x0, y1 - y0
    norm = (dx * dx + dy * dy) ** 0.5 or 1.0
    back = min(length, norm)
    return (*line.points[:-1], (x1 - dx / norm * back, y1 - dy / norm * back))
