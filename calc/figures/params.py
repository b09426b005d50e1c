"""The params figure: a matplotlib bar chart of parameters (and MACs, where calc has a MACs rule for every
bar) per layer, or per block for a model with many layers.

Drawn as ``calc sweep --plot`` draws: matplotlib without pyplot (no window, no global state), from calc's
``plot`` extra. The SVG has fixed ids and neither writes a date, so the same model gives the same bytes.
"""

from __future__ import annotations

import io
import os

import sympy as sp

from calc.errors import CalcError
from calc.figures.architecture import build_units, split
from calc.figures.geometry import cut
from calc.figures.png import matplotlib_figure, save_png
from calc.model import Analysis, LayerRecord
from calc.render.math import group_digits

MAX_BARS = 40


def bars(analysis: Analysis) -> tuple[str, list[tuple[str, sp.Expr, sp.Expr | None]]]:
    """What the chart shows, and one (label, parameters, MACs or None) per bar: per layer with weights, or
    per block (the segments of the architecture figure) when there would be more than MAX_BARS."""
    layers = [r for r in analysis.layers if r.layer is not None and r.params != 0]
    if len(layers) <= MAX_BARS:
        return "layer", [(cut(r.name), r.params, _macs([r])) for r in layers]
    out = []
    for segment in split(build_units(analysis)):
        records = [r for unit in segment.units for r in unit.records if r.layer is not None]
        weighted = [r for r in records if not r.is_repeat]
        params = sp.Add(*(r.params for r in weighted))
        if params != 0:
            out.append((_block_name(records), params, _macs(records)))
    return "block", out


def _macs(records: list[LayerRecord]) -> sp.Expr | None:
    values = [r.compute.macs for r in records]
    return None if any(v is None for v in values) else sp.Add(*values)


def _block_name(records: list[LayerRecord]) -> str:
    """A block's label: its layers' common name prefix (conv2_block1), else its first and last names."""
    names = [r.name for r in records]
    prefix = os.path.commonprefix(names).rstrip("_.-/ ")
    if len(names) > 1 and len(prefix) >= 3:
        return cut(prefix)
    return cut(names[0]) if len(names) == 1 else cut(f"{names[0]} … {names[-1]}", 40)


def draw_params(analysis: Analysis, fmt: str) -> str | bytes:
    if fmt == "tikz":
        raise CalcError("the params figure is a matplotlib chart: use --format svg or png")
    Figure = matplotlib_figure()
    import matplotlib
    from matplotlib.ticker import FuncFormatter

    per, rows = bars(analysis)
    if not rows:
        raise CalcError("the model has no parameters to draw")
    for label, params, _ in rows:
        if not params.is_number:
            raise CalcError(f"the figure needs numbers, but {label} has {params} parameters (give values with --set)")
    with_macs = all(macs is not None and macs.is_number for *_, macs in rows)
    panels = 2 if with_macs else 1
    figure = Figure(figsize=(4.6 * panels + 1.6, 1.2 + 0.28 * len(rows)), layout="constrained")
    axes = figure.subplots(1, panels, sharey=True, squeeze=False)[0]
    labels = [label for label, *_ in rows]
    positions = list(range(len(rows)))
    columns = [("parameters", [float(p) for _, p, _ in rows], "#8cb4e1")]
    if with_macs:
        columns.append(("MACs (one example)", [float(m) for *_, m in rows], "#f5be78"))
    for ax, (title, values, colour) in zip(axes, columns):
        ax.barh(positions, values, color=colour, edgecolor="#444444", linewidth=0.5)
        ax.set_title(title, fontsize="medium")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _short(v)))
        ax.grid(True, axis="x", alpha=0.3)
        largest = max(values) or 1.0
        for y, value in zip(positions, values):
            ax.text(value + largest * 0.01, y, group_digits(round(value)), va="center", fontsize=7, parse_math=False)
        ax.set_xlim(0, largest * 1.3)
    axes[0].set_yticks(positions, labels, fontsize=8)
    for tick in axes[0].get_yticklabels():
        tick.set_parse_math(False)  # a layer name with $ in it is text, not mathematics
    axes[0].invert_yaxis()
    title = f"{analysis.model}: parameters{' and MACs' if with_macs else ''} per {per}"
    figure.suptitle(title, fontsize="medium", parse_math=False)
    if fmt == "png":
        return save_png(figure, 100)
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "calc", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def _short(value: float) -> str:
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"
