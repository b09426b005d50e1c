"""Built-in models, each an ordinary spec file shipped inside the package."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from calc.cache import cache_folder, read_entry, write_entry


def _folder() -> Traversable:
    return resources.files(__name__)


def zoo_names() -> list[str]:
    """Names of the built-in models, sorted."""
    return sorted(item.name.removesuffix(".yaml") for item in _folder().iterdir() if item.name.endswith(".yaml"))


def zoo_text(name: str) -> str | None:
    """The spec text of a built-in model, or None when there is no such model."""
    if name not in zoo_names():
        return None
    return (_folder() / f"{name}.yaml").read_text(encoding="utf-8")


def zoo_spec(name: str) -> Any:
    """The parsed spec of a built-in model, or None when there is no such model.

    Importing PyYAML and parsing a 400-layer model take longer than the rest of a small derivation, so
    the parsed spec is kept as JSON in the user's cache, under a digest of the YAML text: an edited or
    upgraded zoo file is parsed afresh. What the cache holds is checked like any spec when the model is built.
    """
    text = zoo_text(name)
    if text is None:
        return None
    folder = cache_folder("zoo")
    kept = folder / f"{name}-{hashlib.sha256(text.encode()).hexdigest()[:32]}.checked-json" if folder else None
    if kept is not None:
        entry = read_entry(kept)  # None when missing, damaged or not a private regular file: parse again
        if entry is not None:
            try:
                return json.loads(entry)
            except (ValueError, RecursionError):
                pass
    data = _parse(text)
    if kept is not None:
        dumped = json.dumps(data)
        if json.loads(dumped) == data:  # JSON would change it (a non-string key): parse it each time instead
            write_entry(kept, dumped)
    return data


def _parse(text: str) -> Any:
    """The zoo's own YAML, read with libyaml where PyYAML has it. libyaml reads 400-layer models in a fifth
    of the time, but it recurses in C: a file nested a million brackets deep would crash the process, so
    files from users get PyYAML's Python parser instead (``calc.spec``)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
