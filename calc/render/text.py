"""The plain-text summary table, laid out as Keras's ``model.summary()`` prints it."""

from __future__ import annotations

from calc.layers.base import format_shape
from calc.model import Analysis
from calc.render.math import plain


def summary_table(analysis: Analysis) -> str:
    """Layer (type) | Output Shape | Param #, then the totals with thousands separators."""
    rows = [(f"{r.name} ({r.type})", format_shape(r.output_shape), str(r.params)) for r in analysis.records]
    header = ("Layer (type)", "Output Shape", "Param #")
    widths = [max(len(row[i]) for row in [header, *rows]) + 4 for i in range(2)]
    width = max(65, sum(widths) + max(len(row[2]) for row in [header, *rows]))

    def line(cells: tuple[str, str, str]) -> str:
        return (" " + cells[0].ljust(widths[0] - 1) + cells[1].ljust(widths[1]) + cells[2]).rstrip()

    out = [f'Model: "{analysis.model}"', "_" * width, line(header), "=" * width]
    for i, row in enumerate(rows):
        out += [""] * (i > 0) + [line(row)]
    out += [
        "=" * width,
        f"Total params: {plain(analysis.total_params)}",
        f"Trainable params: {plain(analysis.trainable_params)}",
        f"Non-trainable params: {plain(analysis.non_trainable_params)}",
        "_" * width,
    ]
    return "\n".join(out) + "\n"
