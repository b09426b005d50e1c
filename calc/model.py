"""A model and its analysis: shapes propagated layer by layer, with every quantity kept symbolic.

``Sequential`` holds the layers and the model's symbols; ``analyze`` builds each layer on the shape
the previous one produced and returns an ``Analysis``, the one object every view reads.
Each layer's sizes arrive as the previous layer's values, so an expression grows only by the
arithmetic of its own layer, never by re-deriving the history.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sympy as sp

from calc.errors import CalcError, quote
from calc.expressions import make_symbol, parse_expression
from calc.layers.base import (
    Condition,
    Env,
    Layer,
    LayerResult,
    Shape,
    format_shape,
    keras_default_name,
    parse_shape,
)
from calc.layers.core import InputLayer
from calc.references import reference_parts, split_reference, tensor_key
from calc.sums import add_up

if TYPE_CHECKING:
    from calc.compute import LayerCompute

MAX_LAYERS = 100_000
#: The largest size or parameter count a layer may have: 1,024 bits, about 308 digits. Real models have
#: at most 13 digits; past this, nested Repeat counts or 18-digit powers of sizes would reach numbers
#: Python refuses to print (4,300 digits), and every total and MAC count after them would grow too.
MAX_QUANTITY_BITS = 1024


@dataclass
class Node:
    """One call of a layer in a graph: the layer, its name, and the tensors it reads.

    ``inputs`` name model inputs or earlier layers; ``name[i]`` is the output of the i-th call of a
    shared layer (``name`` alone is its first call), ``name[i][j]`` its j-th output (a layer with several:
    an LSTM's states, attention's scores), as Keras's "Connected to" writes them. ``call`` > 0 marks a
    repeated call, whose weights are those of the first call and are counted once.
    """

    name: str
    layer: Layer
    inputs: list[str]
    call: int = 0


@dataclass
class LayerRecord:
    """One layer call of an analysis: where it sits, what came in, what it produced."""

    index: int
    name: str
    type: str
    layer: Layer | None
    input_shapes: list[Shape]
    result: LayerResult
    inputs: list[str] = field(default_factory=list)
    call: int = 0
    #: Checks left open because their values were symbolic (only when analysed with ``record=True``).
    conditions: list[Condition] = field(default_factory=list)
    _compute: Any = field(default=None, init=False, repr=False, compare=False)
    _analysis: Analysis | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def input_shape(self) -> Shape:
        return self.input_shapes[0] if self.input_shapes else self.result.output_shape

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

    @property
    def is_repeat(self) -> bool:
        """A second or later call of a shared layer: shown, but its weights are the first call's."""
        return self.call > 0

    @property
    def compute(self) -> LayerCompute | None:
        """MACs, activation size and receptive field of this call (a ``calc.compute.LayerCompute``),
        worked out for the whole analysis the first time any record's is read."""
        if self._compute is None and self._analysis is not None:
            from calc.compute import compute_analysis

            self._analysis.keep_compute(compute_analysis(self._analysis))
        return self._compute


@dataclass
class Analysis:
    """Every layer's quantities for one model and one set of symbol values."""

    model: str
    input_shape: Shape
    records: list[LayerRecord]
    values: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    functional: bool = False
    outputs: list[str] = field(default_factory=list)
    #: Whose conventions the shapes follow: "keras" (channels-last) or "pytorch" (channels-first).
    dialect: str = "keras"
    #: Every symbol of the model, with or without a value (answers may use any of them).
    symbols: list[sp.Symbol] = field(default_factory=list)
    #: Work that views do once per analysis and keep, by the name of the module that does it (the carried
    #: errors' rebuilt models, ``calc.carried``): every question asked of the analysis reads it.
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for record in self.records:  # so that a record can work out its compute quantities on demand
            record._analysis = self

    def keep_compute(self, results: Sequence[Any]) -> None:
        """Keep each record's compute quantities (``calc.compute.compute_analysis``'s, in record order)."""
        for record, result in zip(self.records, results, strict=True):
            record._compute = result

    @property
    def layers(self) -> list[LayerRecord]:
        """The records that own weights: every record but the repeated calls of shared layers."""
        return [r for r in self.records if not r.is_repeat]

    @property
    def trainable_params(self) -> sp.Expr:
        return add_up(r.trainable for r in self.layers)

    @property
    def non_trainable_params(self) -> sp.Expr:
        return add_up(r.non_trainable for r in self.layers)

    @property
    def total_params(self) -> sp.Expr:
        return self.trainable_params + self.non_trainable_params

    def layer(self, name: str) -> LayerRecord:
        record = self.first_call(name)
        if record is None:
            names = ", ".join(r.name for r in self.layers)
            raise CalcError(f"no layer named '{name}' (layers: {names})")
        return record

    def first_call(self, name: str) -> LayerRecord | None:
        """The first record named ``name`` (a model input, or a layer's first call); None when there is none."""
        calls = self._by_name().get(name)
        return calls[0] if calls else None

    def calls(self, record: LayerRecord) -> list[LayerRecord]:
        """Every call of a layer (one, unless it is shared), in order."""
        return self._by_name()[record.name]

    def _by_name(self) -> dict[str, list[LayerRecord]]:
        """Every record by name, made once per analysis: views ask for every layer's calls and inputs."""
        if "_calls" not in vars(self):
            by_name: dict[str, list[LayerRecord]] = {}
            for r in self.records:
                by_name.setdefault(r.name, []).append(r)
            self._calls = by_name
        return self._calls

    def connections(self, record: LayerRecord) -> list[str]:
        """Keras's "Connected to" entries of a layer, over all its calls: ``conv2d[0][0]``."""
        return [_keras_reference(ref) for r in self.calls(record) for ref in r.inputs]


def _keras_reference(ref: str) -> str:
    return tensor_key(ref)


def _check_sizes(result: LayerResult) -> None:
    """Refuse a layer whose output sizes or parameter counts are numbers past MAX_QUANTITY_BITS."""
    sizes = [size for shape in result.output_shapes for size in shape if isinstance(size, sp.Expr)]
    for what, values in (("an output size", sizes), ("the parameter count", [result.trainable, result.non_trainable])):
        for value in values:
            bits = int(value).bit_length() if value.is_Integer else 0
            if bits > MAX_QUANTITY_BITS:
                raise CalcError(
                    f"{what} would be a number of about {int(bits * 0.30103) + 1:,} digits; "
                    f"at most {MAX_QUANTITY_BITS:,} bits (about 308 digits) are supported"
                )


def layer_label(index: int, name: str, type_name: str, places: Mapping[str, str]) -> str:
    """How a message names a layer: 'layer 2 (conv2d_1, Conv2D)', after its place in the source if known."""
    label = f"layer {index} ({name}, {type_name})"
    return f"{places[name]}: {label}" if name in places else label


class Model:
    """A graph of layer calls in topological order (Keras's functional model).

    Inputs are named tensors with shapes; each node reads earlier tensors. ``Sequential`` is the
    special case of a chain. With ``inputs=None`` the model is a block whose input shapes are given
    when it is analysed (a nested model used as a layer).
    """

    functional = True
    #: Set by the spec loader: "pytorch" for torch.nn layers (channels-first), else "keras".
    dialect = "keras"
    #: Set by the spec loader for Keras source: where each layer is made ('line 7, column 5'), by name.
    places: Mapping[str, str] = {}
    #: Set by the spec loader for PyTorch source: every module call as (name, class, depth, output reference),
    #: parents before their modules, for the torchinfo style of the summary; None for other models.
    module_calls: Sequence[tuple[str, str, int, str | None]] | None = None
    #: The Keras-style summary, ``model.summary(overrides)``, and Jupyter's display of the model as that table:
    #: given by the view, ``calc.render.model_notebook.show_models``, so the model imports no view.
    summary: Callable[..., Any]

    def __init__(
        self,
        nodes: Sequence[Node],
        inputs: Mapping[str, Sequence[Any] | None],
        name: str = "functional",
        symbols: Mapping[str, Any] | None = None,
        source: str | None = None,
        outputs: Sequence[str] | None = None,
    ):
        self.source = source
        self.name = name
        self.nodes = list(nodes)
        if len(self.nodes) > MAX_LAYERS:
            raise CalcError(f"the model has {len(self.nodes)} layers; at most {MAX_LAYERS} are supported")
        if not self.nodes:
            raise CalcError("the model has no layers")
        if not inputs:
            raise CalcError("missing 'input' (the input shape without the batch axis, e.g. input: [32, 32, 3])")
        # A shape of None is given at analysis time: a block used as a layer.
        self.inputs = {k: None if v is None else parse_shape(v, "input") for k, v in inputs.items()}
        self.outputs = list(outputs) if outputs else [self.nodes[-1].name]
        self.values = {make_symbol(k): _symbol_value(k, v) for k, v in (symbols or {}).items() if v is not None}
        self.declared = {make_symbol(k) for k in (symbols or {})}
        self._check_references()

    @property
    def layers(self) -> list[Layer]:
        return [node.layer for node in self.nodes if node.call == 0]

    def with_layers(self, layers: Sequence[Layer], symbols: Mapping[str, Any]) -> Model:
        """A copy with the layers (in ``self.layers`` order) replaced and the symbols declared anew.

        The graph, its inputs and outputs, the dialect and the shared calls stay as they were: a shared
        layer's later calls take the replacement too.
        """
        swap = {id(old): new for old, new in zip(self.layers, layers)}
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.nodes = [dataclasses.replace(node, layer=swap.get(id(node.layer), node.layer)) for node in self.nodes]
        copy.values = {make_symbol(k): _symbol_value(k, v) for k, v in symbols.items() if v is not None}
        copy.declared = {make_symbol(k) for k in symbols}
        return copy

    @property
    def names(self) -> list[str]:
        return [node.name for node in self.nodes if node.call == 0]

    @property
    def input_shape(self) -> Shape:
        """The first input's shape (the only one of a Sequential model)."""
        shape = next(iter(self.inputs.values()))
        if shape is None:
            raise CalcError("the model has no input shape of its own")
        return shape

    def _check_references(self) -> None:
        """Every input a node reads is a model input or an earlier call: no cycles, no typos."""
        known = set(self.inputs)
        calls: dict[str, int] = {}
        for index, node in enumerate(self.nodes, start=1):
            where = f"layer {index} ({node.name}, {node.layer.type_name})"
            for ref in node.inputs:
                name, call = split_reference(ref)
                if name not in known or call >= calls.get(name, 1 if name in self.inputs else 0):
                    defined = ", ".join(sorted(known)) or "none"
                    raise CalcError(f"input '{ref}' is not defined before this layer (defined: {defined})", layer=where)
            known.add(node.name)
            calls[node.name] = calls.get(node.name, 0) + 1
        for ref in self.outputs:
            if split_reference(ref)[0] not in known:
                raise CalcError(f"output '{ref}' is not a layer of the model")

    @property
    def symbols(self) -> list[sp.Symbol]:
        """Every symbol of the model, declared or used, sorted by name."""
        used = set(self.declared)
        for shape in self.inputs.values():
            for size in shape or ():
                used |= size.free_symbols
        for layer in self.layers:
            used |= layer_symbols(layer)
        return sorted(used, key=lambda s: s.name)

    def with_values(
        self, overrides: Mapping[str, Any], symbols: Sequence[sp.Symbol] | None = None
    ) -> dict[sp.Symbol, sp.Expr]:
        """The model's symbol values with ``--set`` overrides; unknown names are an error. ``symbols``:
        ``self.symbols`` when the caller has it already (it reads every layer)."""
        known = {s.name: s for s in (self.symbols if symbols is None else symbols)}
        values = dict(self.values)
        for name, value in overrides.items():
            if name not in known:
                listed = ", ".join(known) or "none"
                raise CalcError(f"the model has no symbol '{name}' (its symbols: {listed})")
            values[known[name]] = _symbol_value(name, value)
        return values

    def analyze(
        self, overrides: Mapping[str, Any] | None = None, *, free: Iterable[str] = (), record: bool = False
    ) -> Analysis:
        """Propagate shapes through every layer with the given symbol values.

        ``free`` names symbols to keep symbolic even where the model gives them a value (a closed
        form in them); ``record`` keeps, per layer, the checks that symbolic values left open.
        """
        symbols = self.symbols  # read once: it visits every layer
        try:
            values = self.with_values(overrides or {}, symbols)
            known = {s.name: s for s in symbols}
            for name in free:
                if name not in known:
                    raise CalcError(f"the model has no symbol '{name}' (its symbols: {', '.join(known) or 'none'})")
                values.pop(known[name], None)
        except CalcError as error:
            raise error.within(source=self.source) from None
        env = Env(values, record=record)
        if any(shape is None for shape in self.inputs.values()):
            raise CalcError("the model has no input shape of its own", source=self.source)
        shapes = {name: tuple(env.resolve(size) for size in shape) for name, shape in self.inputs.items()}
        return self.propagate(shapes, env, symbols)

    def propagate(
        self, input_shapes: Mapping[str, Shape], env: Env, symbols: Sequence[sp.Symbol] | None = None
    ) -> Analysis:
        """Build every node on the shapes of the tensors it reads (``symbols``: ``self.symbols``, if known)."""
        tensors: dict[str, Shape] = {}
        records: list[LayerRecord] = []
        if self.functional:
            for name, shape in input_shapes.items():
                result = LayerResult(output_shape=shape, trainable=sp.Integer(0), non_trainable=sp.Integer(0))
                records.append(LayerRecord(len(records) + 1, name, "InputLayer", None, [], result))
        tensors.update({f"{name}[0][0]": shape for name, shape in input_shapes.items()})
        for node in self.nodes:
            where = layer_label(len(records) + 1, node.name, node.layer.type_name, self.places)
            try:
                shapes = [_read(tensors, ref) for ref in node.inputs]
            except CalcError as error:
                raise error.within(source=self.source, layer=where) from None
            start = len(env.conditions or ())
            try:
                result = node.layer.build_many(shapes, env)
            except CalcError as error:
                if error.layer and getattr(node.layer, "model", None) is not None:  # raised inside a nested block
                    error.inside(where)
                raise error.within(source=self.source, layer=where) from None
            try:
                _check_sizes(result)
            except CalcError as error:
                raise error.within(source=self.source, layer=where) from None
            if not node.layer.trainable:
                result.non_trainable, result.trainable = result.params, sp.Integer(0)
            if node.call > 0:
                _check_shared_call(records, node, shapes, result, where, self.source)
            conditions = list((env.conditions or [])[start:])
            records.append(
                LayerRecord(
                    len(records) + 1,
                    node.name,
                    node.layer.type_name,
                    node.layer,
                    shapes,
                    result,
                    list(node.inputs),
                    node.call,
                    conditions,
                )
            )
            for output, shape in enumerate(result.output_shapes):
                tensors[f"{node.name}[{node.call}][{output}]"] = shape
        first = next(iter(input_shapes.values()))
        return Analysis(
            self.name,
            first,
            records,
            dict(env.values),
            self.functional,
            list(self.outputs),
            self.dialect,
            list(self.symbols if symbols is None else symbols),
        )

    def output_shapes(self, analysis: Analysis) -> list[Shape]:
        tensors = {
            f"{r.name}[{r.call}][{output}]": shape
            for r in analysis.records
            for output, shape in enumerate(r.result.output_shapes)
        }
        return [_read(tensors, ref) for ref in self.outputs]


class Sequential(Model):
    """A stack of layers, each feeding the next (Keras's Sequential)."""

    functional = False

    def __init__(
        self,
        layers: Sequence[Layer],
        input: Sequence[Any] | None = None,
        name: str = "sequential",
        symbols: Mapping[str, Any] | None = None,
        source: str | None = None,
        block: bool = False,
    ):
        layers = list(layers)
        if layers and isinstance(layers[0], InputLayer):
            input = layers.pop(0).shape if input is None else input
        elif input is None and layers:
            input = layers[0].input_shape
        if input is None and not block:
            raise CalcError("missing 'input' (the input shape without the batch axis, e.g. input: [32, 32, 3])")
        if not layers:
            raise CalcError("the model has no layers")
        names = layer_names(layers)
        nodes = [Node(name, layer, [previous]) for layer, name, previous in zip(layers, names, ["input", *names])]
        super().__init__(nodes, {"input": input}, name, symbols, source)


def _read(tensors: Mapping[str, Shape], ref: str) -> Shape:
    """The shape of the tensor a reference names; an output the layer does not have is the user's mistake."""
    key = tensor_key(ref)
    if key not in tensors:
        name, call, output = reference_parts(ref)
        count = sum(k.startswith(f"{name}[{call}][") for k in tensors)
        raise CalcError(f"'{ref}' reads output {output} of '{name}', which has {count} output{'s' * (count != 1)}")
    return tensors[key]


def _check_shared_call(
    records: list[LayerRecord], node: Node, shapes: list[Shape], result: LayerResult, where: str, source: str | None
) -> None:
    """A shared layer's weights are built by its first call; a later call must fit them (Keras refuses
    a Dense built for 4 inputs called on 8)."""
    first = next(r for r in records if r.name == node.name and r.call == 0)
    if sp.simplify(first.params - result.params) != 0:
        raise CalcError(
            f"'{node.name}' is shared: its weights were built for input shape {format_shape(first.input_shape)}, "
            f"but this call gives it {', '.join(format_shape(shape) for shape in shapes)}",
            source=source,
            layer=where,
        )


def _symbol_value(name: str, value: Any) -> sp.Expr:
    """A symbol's value: a positive whole number, possibly written as arithmetic ('2*4')."""
    try:
        expr = value if isinstance(value, sp.Basic) else parse_expression(value)
    except CalcError as error:
        raise CalcError(f"value of {name}: {error.message}") from None
    if not (expr.is_Integer and expr > 0):
        raise CalcError(f"value of {name} must be a positive whole number, got {quote(value)}")
    return expr


def assign_names(layers: Iterable[tuple[str, str | None]]) -> list[str]:
    """Keras's default names (conv2d, conv2d_1, ...) for unnamed layers; given names kept."""
    namer = Namer()
    return [namer.next(type_name, given) for type_name, given in layers]


class Namer:
    """Keras's default names, given out in order: conv2d, conv2d_1, ...; given names kept, duplicates refused."""

    def __init__(self, taken: Iterable[str] = ()):
        self.seen = set(taken)
        self.counters: dict[str, int] = {}

    def next(self, type_name: str, given: Any) -> str:
        if given is not None:
            if not isinstance(given, str) or not given.strip():
                raise CalcError(f"name must be a non-empty string, got {quote(given)}")
            if "[" in given or "]" in given:
                raise CalcError(
                    f"the layer name {quote(given)} has a bracket, which calc keeps for the calls of a shared "
                    "layer (name[1]); rename the layer"
                )
            if given in self.seen:
                raise CalcError(f"two layers are named '{given}'")
            self.seen.add(given)
            return given
        base = keras_default_name(type_name)
        while True:
            count = self.counters.get(base, 0)
            self.counters[base] = count + 1
            candidate = base if count == 0 else f"{base}_{count}"
            if candidate not in self.seen:
                self.seen.add(candidate)
                return candidate


def layer_names(layers: Sequence[Layer], namer: Namer | None = None) -> list[str]:
    """Keras's names for a model's layers. A wrapped layer (Bidirectional's LSTM) is created, so named,
    before its wrapper and takes its default name first: [Bidirectional(LSTM), LSTM] gives
    'bidirectional' and 'lstm_1'. A wrapped layer's given name is not a name in the model (Keras keeps
    only renamed copies of it), so it neither counts nor clashes."""
    namer = namer or Namer()
    return [name_layer(layer, namer) for layer in layers]


def name_layer(layer: Layer, namer: Namer) -> str:
    """Name a layer's wrapped layers, then the layer itself, in Keras's order."""
    _name_wrapped(layer, namer)
    return namer.next(layer.type_name, layer.name)


def _name_wrapped(layer: Layer, namer: Namer) -> None:
    """Wrapped layers take Keras's default names first; one given a name takes none of the model's."""
    for inner in layer.sublayers():
        _name_wrapped(inner, namer)
        if inner.name is None:
            namer.next(inner.type_name, None)


def layer_symbols(layer: Layer) -> set[sp.Symbol]:
    """The symbols in a layer's hyper-parameters (a nested model's own symbols included)."""
    found: set[sp.Symbol] = set(layer.symbols()) if hasattr(layer, "symbols") else set()
    for value in vars(layer).values():
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, sp.Basic):
                found |= item.free_symbols
    for inner in layer.sublayers():
        found |= layer_symbols(inner)
    return found
