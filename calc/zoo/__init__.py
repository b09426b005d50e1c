"""Built-in models, each an ordinary spec file shipped inside the package."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable


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
