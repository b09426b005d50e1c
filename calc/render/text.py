"""The plain-text summary table, laid out as Keras's ``model.summary()`` prints it.

A shared layer's row shows each call's output shape, one per line (Keras 3.15 prints only its last call's);
a layer with several outputs shows them as Keras does, as a list: [(None, 7), (None, 7)].
Graphs get Keras's fourth column, "Connected to", listing every tensor a layer reads (over all its
calls when it is shared), one per line. The compute columns chosen with ``--columns`` (MACs, FLOPs,
activations, parameter bytes, receptive field and jump) take the place of Keras's "Param #" column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from calc.layers.base import format_outputs
from calc.render.math import sympy_text

if TYPE_CHECKING:
    from calc.summary import Summary


def summary_table(summary: Summary) -> str:
    """Layer (type) | Output Shape | Param # (or the chosen columns) [| Connected to], then the totals."""
    analysis = summary.analysis
    header = ["Layer (type)", "Output Shape", *summary.headers] + (["Connected to"] if analysis.functional else [])
    rows: list[list[list[str]]] = []  # each row: one list of lines per column
    for record in analysis.layers:
        shapes = [format_outputs(call.result.output_shapes, sympy_text) for call in analysis.calls(record)]
        cells = [[f"{record.name} ({record.type})"], shapes]
        cells += [[cell] for cell in summary.cells(record)]
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
    out += ["=" * width, *summary.total_lines(), "_" * width]
    return "\n".join(out) + "\n"
