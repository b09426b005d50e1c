"""Reading models: native spec files (YAML, JSON, TOML), zoo names, plain dictionaries, and Keras's formats.

Keras files (``model.to_json()``, whatever their name), ``.keras`` archives, Keras source code and PyTorch
source code (``.py`` or ``-`` for standard input; PyTorch's with ``SourceOptions``: the input shapes) are
recognised by their content and turned into a spec by ``calc.importers``; every model then takes the one
path through ``from_spec``.

A spec is a mapping with ``name``, ``input`` (sizes without the batch axis), optional ``symbols``
(name -> value or null) and ``layers``: a list of one-key mappings from a Keras class name to its
keyword arguments. ``dialect: pytorch`` switches to torch.nn class names and arguments with
channels-first shapes (``calc.dialects``). Every problem becomes a ``CalcError`` naming the file and
the layer.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calc import importers
from calc.dialects import registry
from calc.errors import CalcError, quote
from calc.files import MAX_FILE_BYTES, read_capped, read_stream
from calc.layers import REGISTRY, Layer
from calc.layers.base import construct, suggest
from calc.layers.nested import ExpertsLayer, ModelLayer, RepeatLayer
from calc.model import MAX_LAYERS, Model, Namer, Node, Sequential, layer_label, name_layer
from calc.spec_text import parse_json, parse_toml, parse_yaml
from calc.zoo import zoo_names, zoo_spec

TOP_LEVEL_KEYS = (
    "name",
    "dialect",
    "input",
    "inputs",
    "outputs",
    "symbols",
    "layers",
    "vary",
    "description",
    "module_calls",
)
#: Blocks inside blocks: real models nest a few deep; each level of Repeat multiplies the counts.
MAX_BLOCK_DEPTH = 32
BLOCK_KEYS = ("name", "layers", "description")
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}\Z")
REFERENCE = re.compile(r"[^\s\[\]]{1,128}(\[[0-9]{1,4}\]){0,2}\Z")


STDIN = "-"


def load(model: str | Path, source: SourceOptions | None = None) -> Model:
    """A model from a file (a spec, a Keras file, a .keras archive, Keras or PyTorch source), ``-`` for stdin,
    or a zoo name; ``source`` gives what PyTorch source needs (the input shapes, the model to trace).

    Any file but a folder is read (a FIFO, ``/dev/stdin``), capped at ``MAX_FILE_BYTES`` as it is read."""
    if model == STDIN:
        return _from_bytes(read_stream(sys.stdin.buffer, MAX_FILE_BYTES, "<stdin>"), "<stdin>", options=source)
    path = Path(model)
    if path.exists() and not path.is_dir():
        return _from_bytes(read_capped(path), str(path), path.suffix.lower(), options=source)
    if isinstance(model, str):
        data = zoo_spec(model)
        if data is not None:
            return from_spec(data, source=model)
    if path.exists():
        raise CalcError("is a folder, not a regular file", source=str(path))
    names = zoo_names()
    hint = suggest(str(model), names) or _prefix_hint(str(model), names)
    raise CalcError(f"no such file, and no zoo model of that name{hint} (zoo: {', '.join(names)})", source=str(model))


def _prefix_hint(word: str, names: list[str]) -> str:
    """' (did you mean 'resnet50'?)' for 'resnet': the zoo names that start with the word, when few do."""
    starts = [name for name in names if name.startswith(word.lower())] if len(word) >= 3 else []
    if not starts or len(starts) > 3:
        return ""
    return " (did you mean " + " or ".join(f"'{name}'" for name in starts) + "?)"


def _from_bytes(data: bytes, source: str, suffix: str = "", options: SourceOptions | None = None) -> Model:
    """A model from a file's bytes: a .keras archive (by name or by its first bytes), else text."""
    if suffix == ".keras" or importers.is_zip(data):
        return _from_archive(data, source)
    return from_text(_decode(data, source), source=source, suffix=suffix, options=options)


def _read(path: Path) -> str:
    return _decode(read_capped(path), str(path))


def _from_archive(archive: bytes, source: str) -> Model:
    try:
        data = importers.spec_from_archive(archive)
    except CalcError as error:
        raise error.within(source=source) from None
    return from_spec(data, source=source)


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CalcError("the file is not UTF-8 text", source=source) from None


@dataclass(frozen=True)
class SourceOptions:
    """What reading PyTorch source needs besides the file: ``--input-shape`` (one text per input, sizes
    separated by commas, no batch axis) and ``--model`` (a class name or a constructor call)."""

    input_shapes: tuple[str, ...] | str = ()
    model: str | None = None

    def __post_init__(self) -> None:  # "3,32,32" or "8;8", as on the command line, is one text
        if isinstance(self.input_shapes, str):
            shapes = tuple(part for part in self.input_shapes.split(";") if part.strip())
            object.__setattr__(self, "input_shapes", shapes)

    @property
    def given(self) -> bool:
        return bool(self.input_shapes) or self.model is not None


def from_text(text: str, source: str = "<spec>", suffix: str = "", options: SourceOptions | None = None) -> Model:
    """Parse text (a spec, a Keras ``to_json()``, Keras or PyTorch source; by suffix, else by content) and build
    the model."""
    if not text.strip():
        raise CalcError("the file is empty", source=source)
    places: dict[str, str] = {}
    options = options or SourceOptions()
    try:
        python = importers.is_python(text, suffix)
        if python and importers.is_torch(text):
            data, places = importers.read_torch_source(text, list(options.input_shapes), options.model)
        elif options.given:
            raise CalcError("--input-shape and --model are for PyTorch source (a .py file that imports torch)")
        elif python:
            data, places = importers.read_source(text)
        else:
            data = _parse(text, suffix)
            if isinstance(data, Mapping) and "class_name" in data and importers.is_keras_model(data):
                data = importers.spec_from_keras(data)
    except CalcError as error:
        raise error.within(source=source) from None
    except RecursionError:
        raise CalcError("the file is nested too deeply", source=source) from None
    return from_spec(data, source=source, places=places)


def _parse(text: str, suffix: str) -> Any:
    if suffix == ".json" or (suffix not in (".yaml", ".yml", ".toml") and text.lstrip().startswith("{")):
        return parse_json(text)
    if suffix == ".toml":
        return parse_toml(text)
    return parse_yaml(text)


def from_spec(data: Any, source: str = "<spec>", places: Mapping[str, str] | None = None) -> Model:
    """Build a model from an already-parsed spec mapping; ``places`` says where in the source file each
    top-level layer is made (Keras source: 'line 7, column 5'), for the messages about those layers."""
    try:
        if importers.is_hf_config(data):
            data = importers.spec_from_hf_config(data)
        _count_layers(data)
        model = _from_spec(data, source, places=places)
    except CalcError as error:
        raise error.within(source=source) from None
    model.places = dict(places or {})
    model.module_calls = _module_calls(data.get("module_calls") if isinstance(data, Mapping) else None)
    return model


def _from_spec(
    data: Any,
    source: str | None,
    block: bool = False,
    dialect: str = "keras",
    places: Mapping[str, str] | None = None,
    block_inputs: tuple[str, ...] = ("input",),
) -> Model:
    """Build a model; with ``block`` it is a nested model whose input arrives from outside (and
    whose layers are of the enclosing spec's ``dialect``)."""
    if data is None:
        raise CalcError("the file is empty")
    if not isinstance(data, Mapping):
        raise CalcError(f"a spec must be a mapping with 'input' and 'layers', got {type(data).__name__}")
    for key in data:
        if key not in (BLOCK_KEYS if block else TOP_LEVEL_KEYS):
            raise CalcError(f"unknown key '{key}'{suggest(str(key), BLOCK_KEYS if block else TOP_LEVEL_KEYS)}")
    if not block:
        dialect = data.get("dialect", "keras")
    classes = registry(dialect)
    name = data.get("name", "sequential" if block else Path(source).stem or "model")
    if not isinstance(name, str) or not name.strip():
        raise CalcError(f"'name' must be a non-empty string, got {quote(name)}")
    symbols = data.get("symbols") or {}
    if not isinstance(symbols, Mapping):
        raise CalcError("'symbols' must be a mapping from symbol names to values (or null)")
    symbols = {str(k): v for k, v in symbols.items()}
    raw_layers = data.get("layers")
    if not isinstance(raw_layers, list):
        raise CalcError("'layers' must be a list of layers")
    inputs = dict.fromkeys(block_inputs) if block else _inputs(data, block)
    namer = Namer(inputs if "inputs" in data else [])
    functional = "inputs" in data or any(_connects(item) for item in raw_layers)
    if functional and inputs is not None and "inputs" not in data and not block:  # a block's input stays "input"
        inputs = {namer.next("InputLayer", None): shape for shape in inputs.values()}
    nodes: list[Node] = []
    calls: dict[str, list[Node]] = {}  # each layer name's calls so far, for shared layers
    for index, item in enumerate(raw_layers, start=1):
        try:
            node = _node(index, item, namer, nodes, inputs, classes, dialect, calls, places or {})
            nodes.append(node)
            calls.setdefault(node.name, [node])
        except CalcError as error:
            raise error.within(layer=error.layer or f"layer {index}") from None
    if not functional:
        first = inputs and next(iter(inputs.values()))
        model: Model = Sequential(
            [node.layer for node in nodes], input=first, name=name, symbols=symbols, source=source, block=block
        )
        model.dialect = dialect
        if data.get("outputs") not in (None, [model.names[-1]]):
            last = model.names[-1]
            raise CalcError(f"a chain of layers has one output, its last layer '{last}' ('outputs' names it)")
        return model
    outputs = data.get("outputs")
    if outputs is not None and (not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs)):
        raise CalcError("'outputs' must be a list of layer names")
    if inputs is None:
        raise CalcError("missing 'input' (the input shape without the batch axis, e.g. input: [32, 32, 3])")
    model = Model(nodes, inputs, name=name, symbols=symbols, source=source, outputs=outputs)
    model.dialect = dialect
    return model


def _count_layers(data: Any) -> None:
    """Refuse a spec with more than MAX_LAYERS layers, nested blocks included, or blocks nested more than
    MAX_BLOCK_DEPTH deep, before building any: the cap is the whole model's, so blocks inside blocks (or
    one block object shared by a Keras source's loops) cannot multiply past it."""
    count = 0
    pending = [(data, 0)]
    while pending:
        item, depth = pending.pop()
        layers = item.get("layers") if isinstance(item, Mapping) else None
        if not isinstance(layers, list):
            continue
        if depth > MAX_BLOCK_DEPTH:
            raise CalcError(f"blocks (Model, Repeat, Experts) are nested more than {MAX_BLOCK_DEPTH} deep")
        count += len(layers)
        if count > MAX_LAYERS:
            raise CalcError(f"the model has more than {MAX_LAYERS:,} layers, nested blocks included (the limit)")
        for entry in layers:
            if isinstance(entry, Mapping) and len(entry) == 1:
                ((key, kwargs),) = entry.items()
                if key in ("Model", "Repeat", "Experts"):
                    pending.append((kwargs, depth + 1))


def _module_calls(raw: Any) -> list[tuple[str, str, int, str | None]] | None:
    """PyTorch source's tree of module calls ([name, class, depth, output], parents first), which the torchinfo
    style of the summary draws; None for other models."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(
        isinstance(item, list)
        and len(item) == 4
        and isinstance(item[0], str)
        and isinstance(item[1], str)
        and isinstance(item[2], int)
        and (item[3] is None or isinstance(item[3], str))
        for item in raw
    ):
        raise CalcError("'module_calls' must list [name, class, depth, output] for each module call")
    return [tuple(item) for item in raw]


def _inputs(data: Mapping, block: bool) -> dict[str, Any] | None:
    """The model's named inputs: ``input: [32, 32, 3]`` or ``inputs: {image: [32, 32, 3], ...}``."""
    if block:
        return {"input": None}
    if "inputs" in data:
        raw = data["inputs"]
        if not isinstance(raw, Mapping) or not raw:
            raise CalcError("'inputs' must map input names to shapes, e.g. inputs: {image: [32, 32, 3]}")
        for key in raw:
            if not isinstance(key, str) or not NAME.match(key):
                raise CalcError(f"input name {quote(key)} must be letters, digits and _")
        return dict(raw)
    return {"input": data["input"]} if data.get("input") is not None else None


def _connects(item: Any) -> bool:
    """Does a layer entry name its inputs (which makes the model a graph)?"""
    if isinstance(item, Mapping) and len(item) == 1:
        ((_, kwargs),) = item.items()
        return isinstance(kwargs, Mapping) and "inputs" in kwargs
    return False


def _node(
    index: int,
    item: Any,
    namer: Namer,
    nodes: list[Node],
    inputs: Mapping[str, Any] | None,
    classes: Mapping[str, type[Layer]],
    dialect: str,
    calls: dict[str, list[Node]],
    places: Mapping[str, str],
) -> Node:
    """One list item: a class of the dialect, a nested ``Model``, or the name of an earlier layer to call again."""
    if not isinstance(item, Mapping) or len(item) != 1:
        raise CalcError("each layer must be a one-key mapping such as {Conv2D: {filters: 8, kernel_size: 5}}")
    ((key, kwargs),) = item.items()
    kwargs = {} if kwargs is None else kwargs
    if not isinstance(kwargs, Mapping) or not all(isinstance(k, str) for k in kwargs):
        raise CalcError(f"the arguments of {key} must be a mapping of names to values")
    kwargs = dict(kwargs)
    refs = _references(kwargs.pop("inputs", None), nodes, inputs)
    earlier = calls.get(key) if isinstance(key, str) and not (key in classes and classes[key].function) else None
    if earlier:  # a shared layer, called again on other inputs: same weights, counted once
        if kwargs:
            raise CalcError(f"a second call of '{key}' takes only 'inputs'; its arguments are those of the first call")
        node = Node(key, earlier[0].layer, refs, call=len(earlier))
        earlier.append(node)
        return node
    if key in ("Model", "Repeat", "Experts"):
        times = kwargs.pop("times", None) if key != "Model" else None
        active = kwargs.pop("active", None) if key == "Experts" else None
        shared = kwargs.pop("shared", False) if key == "Repeat" else False
        if not isinstance(shared, bool):
            raise CalcError(f"Repeat's 'shared' must be true or false, got {shared!r}")
        if key != "Model" and times is None:
            raise CalcError(f"{key} needs 'times' (how many copies of the block, a number or a symbol)")
        if key == "Experts" and active is None:
            raise CalcError("Experts needs 'active' (how many experts each token uses, a number or a symbol)")
        kind = "Functional" if _is_graph(kwargs) else "Sequential"
        name = namer.next(kind if key == "Model" else key, kwargs.get("name"))
        where = f"layer {index} ({name}, {key})"
        try:
            # a repeated block reads the tensor it carries as "input", and any further tensor it is given (a
            # decoder's encoder output) under that tensor's own name, the same for every copy
            extra = tuple(refs[1:]) if key == "Repeat" else ()
            inner = _from_spec(
                {**kwargs, "name": name}, source=None, block=True, dialect=dialect, block_inputs=("input", *extra)
            )
            if key == "Model":
                layer: Layer = ModelLayer(inner, list(inner.inputs), name=name)
            elif key == "Repeat":
                layer = RepeatLayer(inner, times, shared=shared, name=name)
            else:
                layer = ExpertsLayer(inner, times, active, name=name)
        except CalcError as error:
            raise error.inside(where) from None
        return Node(name, layer, refs)
    if key not in classes:
        known = list(classes) + [node.name for node in nodes]
        where = "" if dialect == "keras" else f" in the {dialect} dialect"
        raise CalcError(f"unknown layer type '{key}'{where}{suggest(str(key), known)}")
    try:
        layer = construct(classes[key], with_wrapped_layers(classes[key], kwargs))
    except CalcError as error:
        name = namer.next(classes[key].__name__, kwargs.get("name"))
        raise error.within(layer=layer_label(index, name, key, places)) from None
    return Node(name_layer(layer, namer), layer, refs)  # a wrapped layer is named before its wrapper


#: How deep wrappers may wrap one another in a spec (Bidirectional of TimeDistributed of ...).
MAX_NESTING = 16
WRAPPED = tuple(sorted({key for cls in REGISTRY.values() for key in cls.wraps}))  # the arguments that hold one


def _nesting(value: Any) -> int:
    """How deep wrapped layers go in a spec mapping, counted without recursion (so a YAML alias that
    contains itself is caught, not followed forever), stopping past MAX_NESTING."""
    depth, level = 0, [value]
    while level and depth <= MAX_NESTING:
        depth += 1
        inner = []
        for item in level:
            if isinstance(item, Mapping) and len(item) == 1:
                kwargs = next(iter(item.values()))
                if isinstance(kwargs, Mapping):
                    inner += [kwargs[key] for key in WRAPPED if key in kwargs]
        level = inner
    return depth


def with_wrapped_layers(cls: type[Layer], kwargs: dict[str, Any]) -> dict[str, Any]:
    """A wrapper's arguments with the layers it wraps built first, so a layer never needs the registry."""
    return {
        key: _wrapped_layer(value, key) if key in cls.wraps and not isinstance(value, Layer) else value
        for key, value in kwargs.items()
    }


def _wrapped_layer(value: Any, what: str) -> Layer:
    """A spec's one-key mapping such as {LSTM: {units: 8}}, built from Keras's layer types (in either dialect)."""
    if _nesting(value) > MAX_NESTING:
        raise CalcError(f"{what}: layers are wrapped more than {MAX_NESTING} deep")
    if not isinstance(value, Mapping) or len(value) != 1:
        raise CalcError(f"{what} must be one layer, written like {{LSTM: {{units: 8}}}}, got {quote(value)}")
    ((type_name, kwargs),) = value.items()
    if type_name not in REGISTRY or type_name == "InputLayer":
        raise CalcError(f"{what}: unknown layer type '{type_name}'{suggest(str(type_name), list(REGISTRY))}")
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, Mapping) or not all(isinstance(key, str) for key in kwargs):
        raise CalcError(f"{what}: the arguments of {type_name} must be a mapping of names to values")
    try:
        return construct(REGISTRY[type_name], with_wrapped_layers(REGISTRY[type_name], dict(kwargs)))
    except CalcError as error:
        raise CalcError(f"{what} ({type_name}): {error.message}") from None


def _is_graph(kwargs: Mapping) -> bool:
    layers = kwargs.get("layers")
    return isinstance(layers, list) and any(_connects(item) for item in layers)


def _references(raw: Any, nodes: list[Node], inputs: Mapping[str, Any] | None) -> list[str]:
    """The tensors a layer reads: as given, or else the previous layer's output (or the only input)."""
    if raw is None:
        if nodes:
            last = nodes[-1]
            return [last.name if last.call == 0 else f"{last.name}[{last.call}]"]
        if inputs is None:  # no input given: the model reports that once, below
            return []
        if len(inputs) == 1:
            return [next(iter(inputs))]
        raise CalcError("the first layer of a model with several inputs must name its 'inputs'")
    refs = [raw] if isinstance(raw, str) else raw
    if not isinstance(refs, list) or not refs or not all(isinstance(r, str) and REFERENCE.match(r) for r in refs):
        raise CalcError(f"'inputs' must be a list of layer or input names, got {quote(raw)}")
    return refs
