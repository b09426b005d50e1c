"""The architecture a problem sheet shows: one table row per layer, and the model as code (Keras, or
torch.nn for the PyTorch dialect).

Both are read off the spec as its author wrote it (``filters: 2*f``), with the variant's numbers put in
(``filters=16``), so a sheet shows the arguments a student would type and nothing computed: output
shapes and parameter counts are the questions. Strings are written as JSON/Python string literals,
so a hostile name stays a string in the code; the templates escape everything for their format.
"""

from __future__ import annotations

import json
import keyword
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from calc.errors import CalcError
from calc.expressions import make_symbol, parse_expression
from calc.model import Analysis, LayerRecord, Model, split_reference

INDENT = "    "
WIDTH = 88  # characters per line of code: what fits a LaTeX sheet in small typewriter type
RESERVED = {"keras", "layers", "model"}


@dataclass
class Row:
    """One line of the architecture table."""

    record: LayerRecord
    arguments: str  # Keras keyword arguments, numbers put in: filters=8, kernel_size=5
    block_layers: int = 0  # for a nested block, how many layers it holds
    reads: list[str] = field(default_factory=list)


class Architecture:
    """The spec's layers aligned with the analysis, as table rows and Keras code."""

    def __init__(self, data: Mapping[str, Any], model: Model, analysis: Analysis, values: Mapping[str, int]):
        self.data = data
        self.model = model
        self.analysis = analysis
        self.values = {make_symbol(k): sp.Integer(v) for k, v in values.items()}
        self.items = _aligned_items(data, model)
        self.records = _by_call(analysis)
        self.used_names: set[str] = set(RESERVED)  # Python variables taken in the code

    # -- the table -------------------------------------------------------------------------------

    def rows(self) -> list[Row]:
        rows = []
        kwargs_by_call = {(n.name, n.call): kw for n, (_, kw) in zip(self.model.nodes, self.items)}
        for record in self.analysis.records:
            if record.type == "InputLayer":
                rows.append(Row(record, f"shape={literal(tuple(int(d) for d in record.output_shape))}"))
                continue
            kwargs = kwargs_by_call.get((record.name, record.call), {})
            shown = {k: v for k, v in kwargs.items() if k not in ("name", "inputs", "layers")}
            layers = kwargs.get("layers") if record.type in ("Sequential", "Functional") else None
            rows.append(
                Row(
                    record,
                    self.arguments(shown, record.layer),
                    block_layers=len(layers) if isinstance(layers, list) else 0,
                    reads=list(record.inputs),
                )
            )
        return rows

    def arguments(self, kwargs: Mapping[str, Any], layer: Any) -> str:
        return ", ".join(f"{key}={self.value(value, getattr(layer, key, None))}" for key, value in kwargs.items())

    def value(self, raw: Any, attribute: Any = None) -> str:
        """A spec value as Python source, with the variant's numbers put into arithmetic."""
        if isinstance(raw, bool) or raw is None or isinstance(raw, float):
            return repr(raw)
        if isinstance(raw, int):
            return str(raw)
        if isinstance(raw, str):
            if isinstance(attribute, str):  # a choice such as padding='same', never arithmetic
                return literal(raw)
            return self.number(raw)
        if isinstance(raw, list | tuple):
            parts = [self.value(item, attribute) for item in raw]
            return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
        if isinstance(raw, Mapping):
            return "{" + ", ".join(f"{literal(str(k))}: {self.value(v)}" for k, v in raw.items()) + "}"
        return literal(str(raw))

    def number(self, text: str) -> str:
        """'2*f' with f = 8 -> '16'; text that is not arithmetic over the model's symbols stays a string."""
        try:
            expr = parse_expression(text)
        except CalcError:
            return literal(text)
        if not expr.free_symbols or not expr.free_symbols <= set(self.values):
            return literal(text) if expr.free_symbols else str(expr)
        value = expr.xreplace(self.values)
        return str(int(value)) if value.is_Integer else literal(text)

    # -- the code --------------------------------------------------------------------------------

    def code(self) -> str | None:
        """The model as code of its dialect's framework (None where that is not a plain chain of calls)."""
        if self.model.dialect == "pytorch":
            return None if self.model.functional else self.torch_code()
        return self.keras_code()

    def torch_code(self) -> str:
        """``nn.Sequential(nn.Conv2d(...), ...)``; the names stay in the table (torch.nn layers take none)."""
        definitions: list[str] = []
        calls = [
            self.layer_call(node, kwargs, key, definitions, self.records, module="nn", exclude=("name",))
            for node, (key, kwargs) in zip(self.model.nodes, self.items)
        ]
        shape = ", ".join(str(int(d)) for d in self.analysis.input_shape)
        lines = ["import torch", "from torch import nn", "", *definitions, "model = nn.Sequential("]
        lines += [line for call in calls for line in wrap(call, INDENT, ",")]
        return "\n".join([*lines, ")", f"output = model(torch.zeros(1, {shape}))  # a batch of one input"]) + "\n"

    def keras_code(self) -> str:
        lines = ["import keras", "from keras import layers", ""]
        name = literal(self.analysis.model)
        if self.model.functional:
            writer = _GraphWriter(self, self.model, self.items, self.records, prefix="")
            lines += writer.lines()
            inputs = _listed([writer.var(n) for n in self.model.inputs])
            outputs = _listed([writer.var(ref) for ref in self.model.outputs])
            lines += wrap(Call("model = keras.Model", [f"inputs={inputs}", f"outputs={outputs}", f"name={name}"]))
        else:
            shape = literal(tuple(int(d) for d in self.analysis.input_shape))
            definitions: list[str] = []
            entries = [Call("keras.Input", [f"shape={shape}"])]
            entries += [
                self.layer_call(node, kwargs, key, definitions, self.records)
                for node, (key, kwargs) in zip(self.model.nodes, self.items)
            ]
            lines += definitions
            lines += sequential_lines("model", entries, name)
        return "\n".join(lines) + "\n"

    def fresh(self, wanted: str) -> str:
        """A Python variable named after a layer, not yet taken."""
        name = _identifier(wanted, self.used_names)
        self.used_names.add(name)
        return name

    def layer_call(
        self,
        node: Any,
        kwargs: Mapping[str, Any],
        key: str,
        definitions: list[str],
        records: Mapping,
        module: str = "layers",
        exclude: Sequence[str] = (),
    ) -> Call:
        """``layers.Conv2D(filters=8, kernel_size=5)``. A nested block is defined beforehand (its lines go
        to ``definitions``) as a ``keras.Sequential`` or, when it is a graph, a ``keras.Model``, and is
        used by its variable. ``records`` are the analysis records of the model that holds the node."""
        shown = {k: v for k, v in kwargs.items() if k not in ("inputs", "layers", *exclude)}
        if key != "Model":
            return Call(
                f"{module}.{key}", [f"{k}={self.value(v, getattr(node.layer, k, None))}" for k, v in shown.items()]
            )
        inner: Model = node.layer.model
        items = _aligned_items(kwargs, inner)
        name = literal(node.name)
        inner_records = _by_call(records[(node.name, 0)].result.children)
        block = self.fresh(f"{node.name}_block")
        if not inner.functional:
            calls = [
                self.layer_call(n, kw, k, definitions, inner_records, module, exclude)
                for n, (k, kw) in zip(inner.nodes, items)
            ]
            if module == "nn":
                lines = [f"{block} = nn.Sequential(", *(x for c in calls for x in wrap(c, INDENT, ",")), ")"]
            else:
                lines = sequential_lines(block, calls, name)
            definitions += [*lines, ""]
            return Call(block, None)
        writer = _GraphWriter(self, inner, items, inner_records, prefix=block + "_")
        source = writer.names[next(iter(inner.inputs))] = writer.fresh("input")
        shape = literal(tuple(int(d) for d in records[(node.name, 0)].input_shape))
        definitions.append(f"{source} = keras.Input(shape={shape})")
        definitions += writer.lines(skip_inputs=True)
        outputs = _listed([writer.var(ref) for ref in inner.outputs])
        definitions += [*wrap(Call(f"{block} = keras.Model", [source, outputs, f"name={name}"])), ""]
        return Call(block, None)


@dataclass
class Call:
    """A call to write out, ``head(args...)``, or a plain name when ``args`` is None."""

    head: str
    args: list[str] | None


def wrap(call: Call, indent: str = "", tail: str = "") -> list[str]:
    """The call on one line when it fits in WIDTH characters, else its arguments on their own line(s)."""
    if call.args is None:
        return [f"{indent}{call.head}{tail}"]
    one = f"{indent}{call.head}({', '.join(call.args)}){tail}"
    if len(one) <= WIDTH or not call.args:
        return [one]
    middle = f"{indent}{INDENT}{', '.join(call.args)}"
    if len(middle) <= WIDTH:
        return [f"{indent}{call.head}(", middle, f"{indent}){tail}"]
    return [f"{indent}{call.head}(", *(f"{indent}{INDENT}{arg}," for arg in call.args), f"{indent}){tail}"]


def sequential_lines(target: str, entries: Sequence[Call], name: str) -> list[str]:
    lines = [f"{target} = keras.Sequential(", INDENT + "["]
    for entry in entries:
        lines += wrap(entry, INDENT * 2, ",")
    return [*lines, INDENT + "],", INDENT + f"name={name},", ")"]


class _GraphWriter:
    """Keras functional code for a graph: one variable per tensor, shared layers as variables."""

    def __init__(self, arch: Architecture, model: Model, items: list, records: Mapping, prefix: str):
        self.arch, self.model, self.items, self.records, self.prefix = arch, model, items, records, prefix
        self.names: dict[str, str] = {}  # tensor reference 'name[call]' or input name -> variable

    def fresh(self, wanted: str) -> str:
        return self.arch.fresh(self.prefix + wanted)

    def var(self, ref: str) -> str:
        name, call = split_reference(ref)
        return self.names.get(f"{name}[{call}]") or self.names[name]

    def lines(self, skip_inputs: bool = False) -> list[str]:
        out: list[str] = []
        if not skip_inputs:
            for name in self.model.inputs:
                self.names[name] = self.fresh(name)
                sizes = literal(tuple(int(d) for d in self.records[(name, 0)].output_shape))
                out.append(f"{self.names[name]} = keras.Input(shape={sizes}, name={literal(name)})")
        calls: dict[str, int] = {}
        for node in self.model.nodes:
            calls[node.name] = calls.get(node.name, 0) + 1
        layer_vars: dict[str, str] = {}
        for node, (key, kwargs) in zip(self.model.nodes, self.items):
            args = [self.var(ref) for ref in node.inputs]
            argument = args[0] if len(args) == 1 else _listed(args)
            target = self.fresh(node.name if node.call == 0 else f"{node.name}_{node.call}")
            if node.call == 0:
                made = self.arch.layer_call(node, kwargs, key, out, self.records)
                if calls[node.name] > 1:  # shared: the layer is a variable, called once per use
                    layer_vars[node.name] = self.fresh(f"{node.name}_layer")
                    out += wrap(Call(f"{layer_vars[node.name]} = {made.head}", made.args))
                    made = Call(layer_vars[node.name], None)
            else:
                made = Call(layer_vars[node.name], None)
            out += wrap(Call(f"{target} = {made.head}", made.args), tail=f"({argument})")
            self.names[f"{node.name}[{node.call}]"] = target
        return out


def _by_call(analysis: Analysis) -> dict[tuple[str, int], LayerRecord]:
    return {(r.name, r.call): r for r in analysis.records}


def _aligned_items(data: Mapping[str, Any], model: Model) -> list[tuple[str, dict[str, Any]]]:
    """The spec's layer entries, one per node of the model, as (key, keyword arguments)."""
    raw = data.get("layers") or []
    items = [next(iter(item.items())) for item in raw]
    items = [(str(key), dict(kwargs or {})) for key, kwargs in items]
    if not model.functional and items and items[0][0] == "InputLayer":
        items = items[1:]  # Sequential takes a leading InputLayer as its input shape
    if len(items) != len(model.nodes):
        raise CalcError(f"the spec has {len(items)} layer entries but the model {len(model.nodes)} layers")
    return items


def literal(value: Any) -> str:
    """A Python literal: strings in double quotes (JSON escapes are Python escapes), tuples of ints."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple):
        return "(" + ", ".join(literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return str(value)


def _identifier(name: str, used: set[str]) -> str:
    """A Python variable for a layer name: the name itself when it is one, else 'x'; unique."""
    base = name if name.isidentifier() and name.isascii() and not keyword.iskeyword(name) else "x"
    candidate, number = base, 1
    while candidate in used or candidate in RESERVED:
        candidate, number = f"{base}_{number}", number + 1
    return candidate


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else "[" + ", ".join(names) + "]"
