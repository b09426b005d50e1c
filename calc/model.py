"""A model and its analysis: shapes propagated layer by layer, with every quantity kept symbolic.

``Sequential`` holds the layers and the model's symbols; ``analyze`` builds each layer on the shape
the previous one produced and returns an ``Analysis``, the one object every view reads.
Each layer's sizes arrive as the previous layer's values, so an expression grows only by the
arithmetic of its own layer, never by re-deriving the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from calc.errors import CalcError
from calc.expressions import make_symbol, parse_expression
from calc.layers.base import Env, Layer, LayerResult, Shape, keras_default_name, parse_shape
from calc.layers.core import InputLayer

MAX_LAYERS = 100_000


@dataclass
class LayerRecord:
    """One layer of an analysis: where it sits, what came in, what it produced."""

    index: int
    name: str
    type: str
    layer: Layer
    input_shape: Shape
    result: LayerResult

    @property
    def output_shape(self) -> Shape:
        return self.result.output_shape

    @property
    def trainable(self) -> sp.Expr:
        return self.result.trainable

    @property
    def non_trainable(self) -> sp.Expr:
        return self.result.non_trainable

    @property
    def params(self) -> sp.Expr:
        return self.result.params


@dataclass
class Analysis:
    """Every layer's quantities for one model and one set of symbol values."""

    model: str
    input_shape: Shape
    records: list[LayerRecord]
    values: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)

    @property
    def trainable_params(self) -> sp.Expr:
        return sp.Add(*(r.trainable for r in self.records))

    @property
    def non_trainable_params(self) -> sp.Expr:
        return sp.Add(*(r.non_trainable for r in self.records))

    @property
    def total_params(self) -> sp.Expr:
        return self.trainable_params + self.non_trainable_params

    def layer(self, name: str) -> LayerRecord:
        for record in self.records:
            if record.name == name:
                return record
        names = ", ".join(r.name for r in self.records)
        raise CalcError(f"no layer named '{name}' (layers: {names})")


class Sequential:
    """A stack of layers, each feeding the next (Keras's Sequential)."""

    def __init__(
        self,
        layers: Sequence[Layer],
        input: Sequence[Any] | None = None,
        name: str = "sequential",
        symbols: Mapping[str, Any] | None = None,
        source: str | None = None,
    ):
        self.source = source
        self.name = name
        layers = list(layers)
        if len(layers) > MAX_LAYERS:
            raise CalcError(f"the model has {len(layers)} layers; at most {MAX_LAYERS} are supported")
        if layers and isinstance(layers[0], InputLayer):
            input = layers.pop(0).shape if input is None else input
        elif input is None and layers:
            input = layers[0].input_shape
        if input is None:
            raise CalcError("missing 'input' (the input shape without the batch axis, e.g. input: [32, 32, 3])")
        self.input_shape = parse_shape(list(input), "input")
        if not layers:
            raise CalcError("the model has no layers")
        self.layers = layers
        self.names = layer_names(layers)
        self.values = {make_symbol(k): _symbol_value(k, v) for k, v in (symbols or {}).items() if v is not None}
        self.declared = {make_symbol(k) for k in (symbols or {})}

    @property
    def symbols(self) -> list[sp.Symbol]:
        """Every symbol of the model, declared or used, sorted by name."""
        used = set(self.declared)
        for size in self.input_shape:
            used |= size.free_symbols
        for layer in self.layers:
            used |= _layer_symbols(layer)
        return sorted(used, key=lambda s: s.name)

    def with_values(self, overrides: Mapping[str, Any]) -> dict[sp.Symbol, sp.Expr]:
        """The model's symbol values with ``--set`` overrides; unknown names are an error."""
        known = {s.name: s for s in self.symbols}
        values = dict(self.values)
        for name, value in overrides.items():
            if name not in known:
                listed = ", ".join(known) or "none"
                raise CalcError(f"the model has no symbol '{name}' (its symbols: {listed})")
            values[known[name]] = _symbol_value(name, value)
        return values

    def analyze(self, overrides: Mapping[str, Any] | None = None) -> Analysis:
        """Propagate shapes through every layer with the given symbol values."""
        try:
            values = self.with_values(overrides or {})
        except CalcError as error:
            raise error.within(source=self.source) from None
        env = Env(values)
        shape = tuple(env.resolve(size) for size in self.input_shape)
        records: list[LayerRecord] = []
        for index, (layer, name) in enumerate(zip(self.layers, self.names), start=1):
            where = f"layer {index} ({name}, {layer.type_name})"
            try:
                result = layer.build(shape, env)
            except CalcError as error:
                raise error.within(source=self.source, layer=where) from None
            if not layer.trainable:
                result.non_trainable, result.trainable = result.params, sp.Integer(0)
            records.append(LayerRecord(index, name, layer.type_name, layer, shape, result))
            shape = result.output_shape
        return Analysis(self.name, tuple(env.resolve(s) for s in self.input_shape), records, values)

    def summary(self, overrides: Mapping[str, Any] | None = None) -> Any:
        """The Keras-style summary (``calc.summary.Summary``) for these symbol values."""
        from calc.summary import Summary

        return Summary(self.analyze(overrides))


def _symbol_value(name: str, value: Any) -> sp.Expr:
    """A symbol's value: a positive whole number, possibly written as arithmetic ('2*4')."""
    try:
        expr = value if isinstance(value, sp.Basic) else parse_expression(value)
    except CalcError as error:
        raise CalcError(f"value of {name}: {error.message}") from None
    if not (expr.is_Integer and expr > 0):
        raise CalcError(f"value of {name} must be a positive whole number, got {value!r}")
    return expr


def assign_names(layers: Iterable[tuple[str, str | None]]) -> list[str]:
    """Keras's default names (conv2d, conv2d_1, ...) for unnamed layers; given names kept.

    Takes (type name, given name or None) pairs so a loader can name layers before building them.
    """
    layers = list(layers)
    seen: set[str] = set()
    for _, given in layers:
        if given in seen:
            raise CalcError(f"two layers are named '{given}'")
        if given:
            seen.add(given)
    counters: dict[str, int] = {}
    names = []
    for type_name, given in layers:
        if given:
            names.append(given)
            continue
        base = keras_default_name(type_name)
        while True:
            count = counters.get(base, 0)
            counters[base] = count + 1
            candidate = base if count == 0 else f"{base}_{count}"
            if candidate not in seen:
                break
        seen.add(candidate)
        names.append(candidate)
    return names


def layer_names(layers: Sequence[Layer]) -> list[str]:
    """Keras's names for a model's layers. A wrapped layer (Bidirectional's LSTM) is created, so named,
    before its wrapper and takes its default name first: [Bidirectional(LSTM), LSTM] gives
    'bidirectional' and 'lstm_1'. A wrapped layer's given name is not a name in the model (Keras keeps
    only renamed copies of it), so it neither counts nor clashes."""
    order: list[tuple[str, str | None]] = []
    top: list[int] = []

    def visit_wrapped(layer: Layer) -> None:
        for inner in layer.sublayers():
            visit_wrapped(inner)
            if inner.name is None:
                order.append((inner.type_name, None))

    for layer in layers:
        visit_wrapped(layer)
        order.append((layer.type_name, layer.name))
        top.append(len(order) - 1)
    names = assign_names(order)
    return [names[i] for i in top]


def _layer_symbols(layer: Layer) -> set[sp.Symbol]:
    found: set[sp.Symbol] = set()
    for value in vars(layer).values():
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, sp.Basic):
                found |= item.free_symbols
    for inner in layer.sublayers():
        found |= _layer_symbols(inner)
    return found
