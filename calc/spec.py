"""Reading models: native spec files (YAML, JSON, TOML), zoo names, plain dictionaries, and Keras's formats.

Keras files (``model.to_json()``, whatever their name), ``.keras`` archives and Keras source code
(``.py`` or ``-`` for standard input) are recognised by their content and turned into a spec by
``calc.importers``; every model then takes the one path through ``from_spec``.

A spec is a mapping with ``name``, ``input`` (sizes without the batch axis), optional ``symbols``
(name -> value or null) and ``layers``: a list of one-key mappings from a Keras class name to its
keyword arguments. ``dialect: pytorch`` switches to torch.nn class names and arguments with
channels-first shapes (``calc.dialects``). Every problem becomes a ``CalcError`` naming the file and
the layer.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from calc import importers
from calc.dialects import registry
from calc.errors import CalcError
from calc.layers import Layer
from calc.layers.base import suggest
from calc.layers.nested import ModelLayer, RepeatLayer
from calc.model import Model, Namer, Node, Sequential, layer_label, name_layer
from calc.zoo import zoo_names, zoo_spec

MAX_FILE_BYTES = 5_000_000
TOP_LEVEL_KEYS = ("name", "dialect", "input", "inputs", "outputs", "symbols", "layers", "vary", "description")
BLOCK_KEYS = ("name", "layers", "description")
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}\Z")
REFERENCE = re.compile(r"[^\s\[\]]{1,128}(\[\d{1,4}\]){0,2}\Z")


STDIN = "-"


def load(model: str | Path) -> Model:
    """A model from a file (a spec, a Keras file, a .keras archive, Keras source), ``-`` for stdin, or a zoo name."""
    if model == STDIN:
        data = _read_stdin()
        if importers.is_zip(data):
            return _from_archive(data, "<stdin>")
        return from_text(_decode(data, "<stdin>"), source="<stdin>")
    path = Path(model)
    if path.is_file():
        if importers.is_archive(path):
            return _from_archive(path, str(path))
        return from_text(_read(path), source=str(path), suffix=path.suffix.lower())
    if isinstance(model, str):
        data = zoo_spec(model)
        if data is not None:
            return from_spec(data, source=model)
    if path.exists():
        raise CalcError("not a regular file", source=str(path))
    raise CalcError(f"no such file, and no zoo model of that name (zoo: {', '.join(zoo_names())})", source=str(model))


def _read(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CalcError(f"file is too large ({size:,} bytes, at most {MAX_FILE_BYTES:,})", source=str(path))
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise CalcError(f"cannot read the file ({error.strerror})", source=str(path)) from None
    return _decode(data, str(path))


def _from_archive(archive: Path | bytes, source: str) -> Model:
    try:
        data = importers.spec_from_archive(archive)
    except CalcError as error:
        raise error.within(source=source) from None
    return from_spec(data, source=source)


def _read_stdin() -> bytes:
    """Standard input as bytes (a spec, Keras JSON or source, or a .keras archive), capped like a file."""
    data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise CalcError(f"standard input is too large (more than {MAX_FILE_BYTES:,} bytes)", source="<stdin>")
    return data


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CalcError("the file is not UTF-8 text", source=source) from None


def from_text(text: str, source: str = "<spec>", suffix: str = "") -> Model:
    """Parse text (a spec, a Keras ``to_json()``, or Keras source; by suffix, else by content) and build the model."""
    if not text.strip():
        raise CalcError("the file is empty", source=source)
    places: dict[str, str] = {}
    try:
        if importers.is_python(text, suffix):
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
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise CalcError(f"malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}") from None
    if suffix == ".toml":
        import tomllib  # like yaml below: imported only for the files that need it

        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise CalcError(f"malformed TOML: {error}") from None
    import yaml

    # PyYAML's Python parser, not libyaml's: libyaml recurses in C, and a file nested a million brackets
    # deep would crash the process; here the recursion stops with RecursionError ("nested too deeply").
    try:
        return yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise CalcError(f"malformed YAML{where}: {problem}") from None


def from_spec(data: Any, source: str = "<spec>", places: Mapping[str, str] | None = None) -> Model:
    """Build a model from an already-parsed spec mapping; ``places`` says where in the source file each
    top-level layer is made (Keras source: 'line 7, column 5'), for the messages about those layers."""
    try:
        model = _from_spec(data, source, places=places)
    except CalcError as error:
        raise error.within(source=source) from None
    model.places = dict(places or {})
    return model


def _from_spec(
    data: Any,
    source: str | None,
    block: bool = False,
    dialect: str = "keras",
    places: Mapping[str, str] | None = None,
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
        raise CalcError(f"'name' must be a non-empty string, got {name!r}")
    symbols = data.get("symbols") or {}
    if not isinstance(symbols, Mapping):
        raise CalcError("'symbols' must be a mapping from symbol names to values (or null)")
    symbols = {str(k): v for k, v in symbols.items()}
    raw_layers = data.get("layers")
    if not isinstance(raw_layers, list):
        raise CalcError("'layers' must be a list of layers")
    inputs = _inputs(data, block)
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
                raise CalcError(f"input name {key!r} must be letters, digits and _")
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
    if key in ("Model", "Repeat"):
        times = kwargs.pop("times", None) if key == "Repeat" else None
        if key == "Repeat" and times is None:
            raise CalcError("Repeat needs 'times' (how many copies of the block, a number or a symbol)")
        kind = "Functional" if _is_graph(kwargs) else "Sequential"
        name = namer.next(kind if key == "Model" else "Repeat", kwargs.get("name"))
        where = f"layer {index} ({name}, {key})"
        try:
            inner = _from_spec({**kwargs, "name": name}, source=None, block=True, dialect=dialect)
            layer = (
                ModelLayer(inner, list(inner.inputs), name=name)
                if key == "Model"
                else RepeatLayer(inner, times, name=name)
            )
        except CalcError as error:
            raise error.inside(where) from None
        return Node(name, layer, refs)
    if key not in classes:
        known = list(classes) + [node.name for node in nodes]
        where = "" if dialect == "keras" else f" in the {dialect} dialect"
        raise CalcError(f"unknown layer type '{key}'{where}{suggest(str(key), known)}")
    try:
        layer = _construct(classes[key], kwargs)
    except CalcError as error:
        name = namer.next(classes[key].__name__, kwargs.get("name"))
        raise error.within(layer=layer_label(index, name, key, places)) from None
    return Node(name_layer(layer, namer), layer, refs)  # a wrapped layer is named before its wrapper


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
        raise CalcError(f"'inputs' must be a list of layer or input names, got {raw!r}")
    return refs


@cache
def _required(cls: type[Layer]) -> tuple[str, ...]:
    """The constructor's arguments without a default, read once per class."""
    parameters = inspect.signature(cls.__init__).parameters.values()
    return tuple(
        p.name
        for p in parameters
        if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"
    )


def _construct(cls: type[Layer], kwargs: dict[str, Any]) -> Layer:
    """Call the layer's constructor, turning an unknown or missing argument into a clear message."""
    accepted = cls.argument_names()
    for key in kwargs:
        if key not in accepted:
            raise CalcError(f"{cls.__name__} has no argument '{key}'{suggest(key, accepted)}")
    missing = [name for name in _required(cls) if name not in kwargs]
    if missing:
        raise CalcError(f"{cls.__name__} needs '{missing[0]}'")
    return cls(**kwargs)
