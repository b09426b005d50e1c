"""SVG writer: prints a ``Geometry`` as a standalone SVG document (hand-written XML, every text escaped).

The output has no ids, no timestamps and no scripts: a hostile layer name is character data and the
same figure always gives the same bytes. Characters XML 1.0 cannot hold (control characters) become
spaces, so the document always parses.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from calc.figures.geometry import (
    COLOURS,
    Circle,
    Geometry,
    Line,
    Polygon,
    Text,
    arrow_head,
    shaded,
    trimmed,
)

PIXELS = 40  # per unit of the geometry
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
ANCHORS = {"start": "start", "middle": "middle", "end": "end"}


def xml_text(text: str) -> str:
    """Character data safe in XML 1.0: control characters and unpaired surrogates replaced, <&> escaped."""
    clean = "".join(
        " " if (ord(c) < 32 and c not in "\t") or 0xD800 <= ord(c) <= 0xDFFF or c in "\ufffe\uffff" else c
        for c in str(text)
    )
    return escape(clean)


def _n(value: float) -> str:
    text = f"{value * PIXELS:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _colour(style: str, shade: float = 0.0) -> str:
    r, g, b = shaded(COLOURS.get(style, COLOURS["ink"]), shade)
    return f"#{r:02x}{g:02x}{b:02x}"


def _points(points) -> str:  # a tuple of points
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def render(geometry: Geometry) -> str:
    """The whole SVG document."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + element(geometry) + "\n"


def element(geometry: Geometry) -> str:
    """The ``<svg>`` element alone, for an HTML page or a notebook."""
    left, top, right, bottom = geometry.bounds()
    width, height = right - left, bottom - top
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="{_n(left)} {_n(top)} {_n(width)} {_n(height)}" role="img" '
        f"aria-label={quoteattr(xml_text(geometry.title))}>",
        f"<title>{xml_text(geometry.title)}</title>",
        f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>',
        f'<g font-family="{FONT}" stroke-linejoin="round">',
    ]
    for item in geometry.items:
        out.extend(_item(item))
    out += ["</g>", "</svg>"]
    return "\n".join(out)


def _item(item) -> list[str]:  # one geometry item
    if isinstance(item, Polygon):
        dash = ' stroke-dasharray="4 3"' if item.dashed else ""
        fill = "none" if item.style == "none" else _colour(item.style, item.shade)
        return [
            f'<polygon points="{_points(item.points)}" fill="{fill}" stroke="{_colour(item.stroke)}" '
            f'stroke-width="{_n(item.width)}"{dash}/>'
        ]
    if isinstance(item, Circle):
        (x, y), r = item.centre, item.radius
        return [
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{_colour(item.style)}" '
            f'stroke="{_colour(item.stroke)}" stroke-width="{_n(0.025)}"/>'
        ]
    if isinstance(item, Line):
        dash = ' stroke-dasharray="5 4"' if item.dashed else ""
        lines = [
            f'<polyline points="{_points(trimmed(item))}" fill="none" stroke="{_colour(item.style)}" '
            f'stroke-width="{_n(item.width)}"{dash}/>'
        ]
        if item.arrow:
            lines += _item(arrow_head(item))
        return lines
    assert isinstance(item, Text)
    weight = ' font-weight="bold"' if item.bold else ""
    return [
        f'<text x="{_n(item.x)}" y="{_n(item.y)}" font-size="{_n(item.size)}" text-anchor="{ANCHORS[item.anchor]}" '
        f'fill="{_colour(item.style)}"{weight}>{xml_text(item.text)}</text>'
    ]
