"""Drawing a sweep: each quantity against the first varied symbol, one line per value of the others.

matplotlib is an optional extra. The figure is built without pyplot (no window, no global state) and
saved as PNG or SVG by the file's suffix. Invalid points are left out, so a line stops where the model
stops being valid; the caption says how many points that was. More than ten lines are told apart by
a colour scale (with a colour bar) instead of a legend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from calc.errors import CalcError
from calc.explore.sweep import SweepResult
from calc.render.math import group_digits

SUFFIXES = (".png", ".svg")
MAX_LINES = 64
MAX_PANELS = 4
LEGEND_LINES = 10
NEEDS_MATPLOTLIB = "--plot needs matplotlib: pip install matplotlib (or calc's plot extra: pip install '.[plot]')"


def check_plot_path(path: str) -> None:
    if Path(path).suffix.lower() not in SUFFIXES:
        raise CalcError("the plot file must end in .png or .svg", source=path)


def plot(result: SweepResult, path: str, logx: bool = False, logy: bool = False) -> None:
    """Draw the sweep into ``path`` (.png or .svg)."""
    check_plot_path(path)
    try:
        from matplotlib import colormaps
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize
        from matplotlib.figure import Figure
        from matplotlib.ticker import FuncFormatter, MaxNLocator
    except ImportError:
        raise CalcError(NEEDS_MATPLOTLIB) from None
    import numpy as np

    if len(result.quantities) > MAX_PANELS:
        raise CalcError(f"a plot shows at most {MAX_PANELS} quantities, got {len(result.quantities)}")
    first, *others = result.varied
    x_values = first.array()
    shape = tuple(len(v.values) for v in result.varied)
    lines = int(np.prod(shape[1:], dtype=np.int64)) if others else 1
    if lines > MAX_LINES:
        raise CalcError(f"the plot would have {lines} lines (at most {MAX_LINES}); vary fewer values of the others")
    valid = (result.failure >= 0).reshape(shape).reshape(len(x_values), lines).T  # True where invalid
    labels = _line_labels(result, lines)
    panels = len(result.quantities)
    figure = Figure(figsize=(8, 4.2 + 2.8 * (panels - 1)), layout="constrained")
    axes = figure.subplots(panels, 1, sharex=True, squeeze=False)[:, 0]
    colours = colormaps["viridis"] if lines > LEGEND_LINES else None
    for ax, quantity, values in zip(axes, result.quantities, result.values):
        table = values.reshape(len(x_values), lines).T.astype(float)
        table[valid] = np.nan
        for line, (row, label) in enumerate(zip(table, labels)):
            colour = colours(line / max(lines - 1, 1)) if colours else None
            ax.plot(x_values, row, marker="o", markersize=3.5, linewidth=1.6, label=label, color=colour)
        ax.set_ylabel(quantity.label)
        ax.grid(True, alpha=0.3)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v)))
        if logy:
            ax.set_yscale("log")
        if logx:
            ax.set_xscale("log")
        elif len(x_values) <= 12:
            ax.set_xticks(x_values)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[-1].set_xlabel(first.name)
    if others and colours:
        bar = figure.colorbar(
            ScalarMappable(norm=Normalize(0, lines - 1), cmap=colours), ax=list(axes), pad=0.02, aspect=30
        )
        bar.set_label(_others_name(result))
        _label_colour_bar(bar, labels, lines)
    elif others:
        axes[0].legend(title=_others_name(result), fontsize="small", title_fontsize="small", loc="best")
    names = " and ".join(q.label for q in result.quantities)
    title = f"{result.model}: {names} against {first.name}"
    if others:
        title += f", one line per {_others_name(result)}"
    figure.suptitle(title, fontsize="medium")
    invalid = int((result.failure >= 0).sum())
    if invalid:
        note = f"{invalid:,} of {result.points:,} points are invalid models and left out"
        figure.text(0.01, 0.005, note, fontsize=8, alpha=0.7)
    try:
        figure.savefig(path, dpi=120)
    except OSError as error:
        raise CalcError(f"cannot write the plot ({error.strerror})", source=path) from None


def _others_name(result: SweepResult) -> str:
    return ", ".join(v.name for v in result.varied[1:])


def _line_labels(result: SweepResult, lines: int) -> list[str]:
    import itertools

    others = result.varied[1:]
    if not others:
        return [result.quantities[0].name]
    combos = list(itertools.product(*(v.values for v in others)))
    if len(others) == 1:
        return [f"{others[0].name} = {combo[0]}" for combo in combos]
    return [", ".join(f"{v.name}={value}" for v, value in zip(others, combo)) for combo in combos]


def _label_colour_bar(bar: Any, labels: list[str], lines: int) -> None:
    """Ticks on the colour bar at a few of the lines, labelled with their values."""
    step = max(1, lines // 8)
    ticks = list(range(0, lines, step))
    bar.set_ticks(ticks)
    bar.set_ticklabels([labels[t].split(" = ")[-1] for t in ticks])


def _tick(value: float) -> str:
    if value != value or abs(value) >= 1e15:  # NaN, or too large for grouped digits to help
        return f"{value:.3g}"
    return group_digits(int(value)) if float(value).is_integer() else f"{value:,.2f}"
