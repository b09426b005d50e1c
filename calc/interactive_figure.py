"""The architecture figure on the interactive page, with live labels.

The figure is drawn by ``calc.figures`` from the analysis at the sliders' starting values (its boxes are
sized on a log scale from those numbers). Its labels are then made live: each unit's shape line and
parameter line, and the total in the title, become slots of the same compiled expressions the page's
text uses (the free analysis's), so moving a slider rewrites them with everything else. Units are
matched to their labels in drawing order; a unit the figure folds into a repeated segment ("×3") has no
labels of its own and is skipped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping

import sympy as sp

from calc.model import Analysis, LayerRecord

_TEXT = re.compile(r"(<text\b[^>]*>)([^<]*)(</text>)")

#: A slot's markup, from (expression, position): the page's own, so the script finds it.
Slot = Callable[[sp.Expr, int], str]


def live_figure(numeric: Analysis, free: Analysis, slot: Slot, positions: Mapping[int, int]) -> str | None:
    """The architecture SVG of ``numeric`` with its labels written as slots of ``free``'s expressions;
    None when calc cannot draw this model."""
    from calc.errors import CalcError
    from calc.figures import embedded
    from calc.figures.architecture import build_units, count_text, labels, shape_text

    try:
        svg = embedded(numeric, "html")
        units = list(zip(build_units(numeric), build_units(free), strict=True))
    except (CalcError, ValueError):
        return None
    texts = list(_TEXT.finditer(svg))
    replaced: dict[int, str] = {}
    total = _total_words(numeric.total_params)
    if texts and total and total in html.unescape(texts[0].group(2)):
        before, _, after = html.unescape(texts[0].group(2)).partition(total)
        replaced[0] = _escape(before) + slot(free.total_params, 1_000_000) + _escape(after)
    at = 1
    for unit, live in units:
        lines = labels(unit)
        if len(lines) < 3:
            continue
        position = max((positions.get(id(r), 0) for r in live.records), default=0)
        found = _find(texts, at, lines)
        if found is None:
            continue
        shape_at = found + 2
        if html.unescape(texts[shape_at].group(2)) == shape_text(unit.shape):
            replaced[shape_at] = " × ".join(slot(size, position) for size in live.shape)
        params = sp.Add(*(r.params for r in live.records if not r.is_repeat))
        number = sp.Add(*(r.params for r in unit.records if not r.is_repeat))
        if len(lines) > 3 and number.is_Integer and number != 1:
            words = count_text(number, "params")
            if html.unescape(texts[shape_at + 1].group(2)) == words:
                replaced[shape_at + 1] = slot(params, position) + " params"
        at = found + len(lines)
    out, last = [], 0
    for index, match in enumerate(texts):
        if index in replaced:
            out += [svg[last : match.start(2)], replaced[index]]
            last = match.end(2)
    out.append(svg[last:])
    return "".join(out)


def _find(texts: list[re.Match], start: int, lines: list[str]) -> int | None:
    """Where the unit's label lines start among the figure's texts, from ``start`` on."""
    for index in range(start, len(texts) - len(lines) + 1):
        if all(html.unescape(texts[index + i].group(2)) == line for i, line in enumerate(lines)):
            return index
    return None


def _total_words(total: sp.Expr) -> str:
    from calc.render.math import group_digits

    return group_digits(int(total)) if total.is_Integer else ""


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def record_positions(records: list[LayerRecord]) -> dict[int, int]:
    """Each top-level record's position on the page (its index among the analysis's records)."""
    return {id(record): position for position, record in enumerate(records)}
