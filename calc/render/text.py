"""The plain-text summary table, laid out as Keras's ``model.summary()`` prints it.

Graphs get Keras's fourth column, "Connected to", listing every tensor a layer reads (over all its
calls when it is shared), one per line.
"""

from __future__ import annotations

from calc.layers.base import format_shape
from calc.model import Analysis
from calc.render.math import plain


def summary_table(analysis: Analysis) -> str:
    """Layer (type) | Output Shape | Param # [| Connected to], then the totals with thousands separators."""
    header = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if analysis.functional else [])
    rows: list[list[list[str]]] = []  # each row: one list of lines per column
    for record in analysis.layers:
        cells = [[f"{record.name} ({record.type})"], [format_shape(record.output_shape)], [str(record.params)]]
        if analysis.functional:
            cells.append(analysis.connections(record) or ["-"])
        rows.append(cells)
    widths = [
        max(len(line) for cells in [[[h] for h in header], *rows] for line in cells[i]) + 3 for i in range(len(header))
    ]
    width = max(65, sum(widths))

    def line(texts: list[str]) -> str:
        return (" " + "".join(text.ljust(w) for text, w in zip(texts, widths))).rstrip()

    out = [f'Model: "{analysis.model}"', "_" * width, line(header), "=" * width]
    for i, cells in enumerate(rows):
        if i:
            out.append("")
        for depth in range(max(len(c) for c in cells)):
            out.append(line([c[depth] if depth < len(c) else "" for c in cells]))
    out += [
        "=" * width,
        f"Total params: {plain(analysis.total_params)}",
        f"Trainable params: {plain(analysis.trainable_params)}",
        f"Non-trainable params: {plain(analysis.non_trainable_params)}",
        "_" * width,
    ]
    return "\n".join(out) + "\n"
