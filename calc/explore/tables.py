"""A sweep as CSV, a Markdown table or JSON. Only layout: the numbers come from ``sweep``.

Invalid rows keep their grid values; their quantity cells are empty (CSV, Markdown) or left out
(JSON), and ``invalid`` says why. CSV and JSON are written by ``textrows`` (numpy), so a
million-row sweep takes a fraction of a second to print.
"""

from __future__ import annotations

import json

import numpy as np

from calc.explore.sweep import SweepResult
from calc.explore.textrows import Choice, Number, Piece, render_rows
from calc.render.math import group_digits
from calc.render.spreadsheet import safe_cell
from calc.render.templating import escape_markdown


def _csv_text(text: str) -> str:
    text = safe_cell(text)  # a hostile layer name in a header or a reason never runs as a formula
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def to_csv(result: SweepResult) -> str:
    valid = result.failure < 0
    header = [v.name for v in result.varied] + [q.name for q in result.quantities] + ["invalid"]
    pieces: list[Piece] = []
    for column in result.columns:
        pieces += [Number(column), ","]
    for values in result.values:
        pieces += [Number(values, valid), ","]
    pieces += [Choice(result.failure, [_csv_text(r) for r in result.reasons]), "\n"]
    return ",".join(_csv_text(h) for h in header) + "\n" + render_rows(pieces, result.points)


def to_json(result: SweepResult) -> str:
    """One row per line: ``{"k":5,"f":8,"total_params":62958}`` or ``{"k":11,"f":8,"invalid":"..."}``."""
    valid = result.failure < 0
    head = {
        "model": result.model,
        "vary": {v.name: list(v.values) for v in result.varied},
        "quantities": [q.name for q in result.quantities],
    }
    pieces: list[Piece] = []
    for i, (vary, column) in enumerate(zip(result.varied, result.columns)):
        pieces += [("{" if i == 0 else ",") + json.dumps(vary.name) + ":", Number(column)]
    present = np.where(valid, 0, -1)
    for quantity, values in zip(result.quantities, result.values):
        pieces += [Choice(present, ["," + json.dumps(quantity.name) + ":"]), Number(values, valid)]
    pieces += [Choice(result.failure, [',"invalid":' + json.dumps(r) for r in result.reasons]), "},\n"]
    rows = render_rows(pieces, result.points)
    return json.dumps(head)[:-1] + ',"rows":[\n' + rows.removesuffix(",\n") + "\n]}\n"


def to_markdown(result: SweepResult) -> str:
    """A table for people: grouped digits, and the ``invalid`` column only when some row is."""
    failure = result.failure.tolist()
    header = [v.name for v in result.varied] + [q.name for q in result.quantities]
    explain = any(f >= 0 for f in failure)
    lines = [
        f"**Sweep of {escape_markdown(result.model)}**",
        "",
        "| " + " | ".join(escape_markdown(h) for h in header + ["invalid"] * explain) + " |",
        "|" + "---:|" * len(header) + "---|" * explain,
    ]
    columns = [c.tolist() for c in result.columns]
    values = [v.tolist() for v in result.values]
    for i, failed in enumerate(failure):
        cells = [str(c[i]) for c in columns]
        if failed < 0:
            cells += [group_digits(v[i]) for v in values] + [""] * explain
        else:
            cells += [""] * len(values) + [escape_markdown(result.reasons[failed])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


WRITERS = {"csv": to_csv, "markdown": to_markdown, "json": to_json}
