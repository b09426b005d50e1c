"""Reading models: native spec files (YAML, JSON, TOML), zoo names, and plain dictionaries.

A spec is a mapping with ``name``, ``input`` (sizes without the batch axis), optional ``symbols``
(name -> value or null) and ``layers``: a list of one-key mappings from a Keras class name to its
keyword arguments. Every problem becomes a ``CalcError`` naming the file and the layer.
"""

from __future__ import annotations

import inspect
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from calc.errors import CalcError
from calc.layers import REGISTRY, Layer
from calc.layers.base import suggest
from calc.model import Sequential, assign_names
from calc.zoo import zoo_names, zoo_text

MAX_FILE_BYTES = 5_000_000
TOP_LEVEL_KEYS = ("name", "input", "symbols", "layers", "vary", "description")


def load(model: str | Path) -> Sequential:
    """A model from a spec file path or a zoo name."""
    path = Path(model)
    if path.is_file():
        return from_text(_read(path), source=str(path), suffix=path.suffix.lower())
    if isinstance(model, str):
        text = zoo_text(model)
        if text is not None:
            return from_text(text, source=model, suffix=".yaml")
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
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CalcError("the file is not UTF-8 text", source=str(path)) from None


def from_text(text: str, source: str = "<spec>", suffix: str = "") -> Sequential:
    """Parse spec text (format by suffix, else by content) and build the model."""
    if not text.strip():
        raise CalcError("the file is empty", source=source)
    try:
        data = _parse(text, suffix)
    except CalcError as error:
        raise error.within(source=source) from None
    except RecursionError:
        raise CalcError("the file is nested too deeply", source=source) from None
    return from_spec(data, source=source)


def _parse(text: str, suffix: str) -> Any:
    if suffix == ".json" or (suffix not in (".yaml", ".yml", ".toml") and text.lstrip().startswith("{")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise CalcError(f"malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}") from None
    if suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise CalcError(f"malformed TOML: {error}") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise CalcError(f"malformed YAML{where}: {problem}") from None


def from_spec(data: Any, source: str = "<spec>") -> Sequential:
    """Build a model from an already-parsed spec mapping."""
    try:
        return _from_spec(data, source)
    except CalcError as error:
        raise error.within(source=source) from None


def _from_spec(data: Any, source: str) -> Sequential:
    if data is None:
        raise CalcError("the file is empty")
    if not isinstance(data, Mapping):
        raise CalcError(f"a spec must be a mapping with 'input' and 'layers', got {type(data).__name__}")
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise CalcError(f"unknown key '{key}'{suggest(str(key), TOP_LEVEL_KEYS)}")
    name = data.get("name", Path(source).stem or "model")
    if not isinstance(name, str) or not name.strip():
        raise CalcError(f"'name' must be a non-empty string, got {name!r}")
    symbols = data.get("symbols") or {}
    if not isinstance(symbols, Mapping):
        raise CalcError("'symbols' must be a mapping from symbol names to values (or null)")
    raw_layers = data.get("layers")
    if not isinstance(raw_layers, list):
        raise CalcError("'layers' must be a list of layers")
    entries = [_entry(i, item) for i, item in enumerate(raw_layers, start=1)]
    names = assign_names((type_name, kwargs.get("name")) for type_name, kwargs in entries)
    layers = []
    for index, ((type_name, kwargs), layer_name) in enumerate(zip(entries, names), start=1):
        try:
            layers.append(_construct(REGISTRY[type_name], kwargs))
        except CalcError as error:
            raise error.within(layer=f"layer {index} ({layer_name}, {type_name})") from None
    return Sequential(
        layers, input=data.get("input"), name=name, symbols={str(k): v for k, v in symbols.items()}, source=source
    )


def _entry(index: int, item: Any) -> tuple[str, dict[str, Any]]:
    """One list item: a one-key mapping from a Keras class name to its arguments."""
    where = f"layer {index}"
    if not isinstance(item, Mapping) or len(item) != 1:
        raise CalcError(
            "each layer must be a one-key mapping such as {Conv2D: {filters: 8, kernel_size: 5}}", layer=where
        )
    ((type_name, kwargs),) = item.items()
    if type_name not in REGISTRY:
        raise CalcError(f"unknown layer type '{type_name}'{suggest(str(type_name), list(REGISTRY))}", layer=where)
    kwargs = {} if kwargs is None else kwargs
    if not isinstance(kwargs, Mapping) or not all(isinstance(k, str) for k in kwargs):
        raise CalcError(f"the arguments of {type_name} must be a mapping of names to values", layer=where)
    return type_name, dict(kwargs)


def _construct(cls: type[Layer], kwargs: dict[str, Any]) -> Layer:
    """Call the layer's constructor, turning an unknown or missing argument into a clear message."""
    accepted = cls.argument_names()
    for key in kwargs:
        if key not in accepted:
            raise CalcError(f"{cls.__name__} has no argument '{key}'{suggest(key, accepted)}")
    parameters = inspect.signature(cls.__init__).parameters
    missing = [
        p.name
        for p in parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind is p.POSITIONAL_OR_KEYWORD
        and p.name != "self"
        and p.name not in kwargs
    ]
    if missing:
        raise CalcError(f"{cls.__name__} needs '{missing[0]}'")
    return cls(**kwargs)
