"""The summary in torchinfo's layout (``calc summary --style torchinfo``): the tree of module calls with
their class, depth and index, output shapes written with a batch of 1, and the totals.

It reads an analysis and the model's tree of module calls (PyTorch source records it; for other models
each layer is a module of the model). Function calls (F.relu, view, +) are not modules, so, as in
torchinfo, they have no row; a module called again shows "(recursive)" instead of its parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from calc.model import Analysis, LayerRecord
from calc.render.math import plain

COLUMN = 25  # torchinfo's width of the Output Shape and Param # columns
NAME = 40  # its least width of the layer column, widened in steps of 5 to the longest row


def _row(width: int, *cells: str) -> str:
    """A row as torchinfo formats it: each cell padded and followed by a space, the end stripped."""
    return (f"{cells[0]:<{width}} " + "".join(f"{cell:<{COLUMN}} " for cell in cells[1:])).rstrip()


def _shape(record: LayerRecord | None) -> str:
    if record is None:
        return "--"
    return "[" + ", ".join(["1", *(str(s) for s in record.result.output_shape)]) + "]"


def _count(value: sp.Expr) -> str:
    return plain(value) if value.is_Integer else str(value)


def _mult_adds(total: sp.Expr | None) -> str:
    if total is None:
        return "Total mult-adds: -- (a layer has no MACs rule in calc)"
    if not total.is_number:
        return f"Total mult-adds: {total}"
    unit, scale = ("G", 10**9) if total >= 10**9 else ("M", 10**6)
    return f"Total mult-adds ({unit}): {float(total) / scale:.2f}"


def render_torchinfo(analysis: Analysis, calls: Sequence[tuple[str, str, int, str | None]] | None) -> str:
    by_ref: dict[str, LayerRecord] = {}
    for record in analysis.records:
        by_ref[record.name if record.call == 0 else f"{record.name}[{record.call}]"] = record
    if calls is None:  # not PyTorch source: every layer is a module of the model
        calls = [(analysis.model, analysis.model, 0, analysis.outputs[-1] if analysis.outputs else None)]
        calls += [(r.name, r.type, 1, r.name if r.call == 0 else f"{r.name}[{r.call}]") for r in analysis.records]
        calls = [c for c in calls if c[1] != "InputLayer"]
    counters: dict[int, int] = {}
    table: list[tuple[str, str, str, int]] = []
    seen: set[str] = set()
    names = [c[0] for c in calls]
    for name, kind, depth, ref in calls:
        record = by_ref.get(ref) if ref is not None else None
        if ref is not None and record is None and analysis.records:
            record = next((r for r in analysis.records if r.name == ref), None)
        own = [
            r for r in analysis.layers if r.type == "Parameter" and r.name.rpartition(".")[0] == (name if depth else "")
        ]
        leaf = not any(other.startswith(name + ".") for other in names) if depth else False
        first = next((r for r in analysis.layers if r.name == name), None) if leaf else None
        if leaf and first is not None:  # a module called again: torchinfo's "(recursive)" where it has weights
            weights = first.result.params
            params = "--" if weights == 0 else "(recursive)" if name in seen else _count(weights)
        else:
            held = sp.Add(*(r.result.params for r in own))
            if depth == 0:  # the model: whatever no submodule holds (weights used by F.linear/F.conv2d too)
                held = analysis.total_params - _held_below(analysis, names)
            params = _count(held) if held != 0 else "--"
        seen.add(name)
        kind = kind.removeprefix("Lazy")  # PyTorch makes a Lazy module its eager class at the first call
        if depth:
            counters[depth] = counters.get(depth, 0) + 1
            kind = f"{kind}: {depth}-{counters[depth]}"
        table.append((kind, _shape(record), params, depth))
    longest = max(len(title) + depth * 5 + 1 for title, _, _, depth in table)  # torchinfo's estimate
    width = NAME if longest < NAME else -(-longest // 5) * 5
    rule = "=" * (width + 2 * COLUMN)
    rows = [rule, _row(width, "Layer (type:depth-idx)", "Output Shape", "Param #"), rule]
    for title, shape, params, depth in table:
        start = "" if depth == 0 else "├─" if depth == 1 else "│    " * (depth - 1) + "└─"
        rows.append(_row(width, start + title, shape, params))
    rows += [
        rule,
        f"Total params: {_count(analysis.total_params)}",
        f"Trainable params: {_count(analysis.trainable_params)}",
        f"Non-trainable params: {_count(analysis.non_trainable_params)}",
        _mult_adds(_total_macs(analysis)),
        rule,
    ]
    return "\n".join(rows) + "\n"


def _held_below(analysis: Analysis, names: Sequence[str]) -> sp.Expr:
    """The parameters of the model's submodules: their rows, and parameters whose path names a submodule."""
    modules = set(names[1:])
    return sp.Add(
        *(r.result.params for r in analysis.layers if r.name in modules or (r.type == "Parameter" and "." in r.name))
    )


def _total_macs(analysis: Analysis) -> sp.Expr | None:
    from calc.compute import total_macs

    return total_macs(analysis)
