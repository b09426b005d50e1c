"""Importers: models written for Keras or PyTorch, turned into calc's spec dict (the one path into the engine).

- ``keras_json``: Keras's own description of a model (``model.to_json()``, a .keras file's config.json);
- ``keras_archive``: a ``.keras`` zip archive, of which only config.json is read;
- ``keras_source``: Keras model-building code, read with ``ast`` and never run, with ``folding`` (the
  arithmetic on plain values), ``keras_names`` (Keras's API as code names it, checked against the
  table in ``keras_api``), ``keras_objects`` (Keras's objects and state as the code builds them) and
  ``keras_graph`` (a model so built, as a spec);
- ``torch_source``: PyTorch model code (nn.Module classes), read the same way through the shared
  evaluator of ``python_source``, with ``torch_names``, ``torch_objects``, ``torch_operations`` and
  ``torch_modules``;
- ``hf_config`` with ``hf_families``: a Hugging Face ``config.json`` (a transformer by its hyper-parameters);
- ``entries``: the spec entries both write, their order, and the check that every layer is modelled.

``calc.spec.load`` and ``from_text`` recognise these by content and pass the result to ``from_spec``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from calc.errors import CalcError

SPEC_SUFFIXES = (".yaml", ".yml", ".json", ".toml")
# A line that only Python has: an import, or a name assigned the result of a call (model = Sequential()).
PYTHON_LINE = re.compile(r"^(?:import\s+\w|from\s+[\w.]+\s+import\s|[A-Za-z_]\w*\s*=\s*[\w.]+\()", re.MULTILINE)


# The readers are imported on first use: most runs read a spec or a zoo model and need none of them.


def is_zip(data: bytes) -> bool:
    from calc.importers.keras_archive import is_zip as check

    return check(data)


def read_config(source: Path | bytes) -> Any:
    from calc.importers.keras_archive import read_config as read

    return read(source)


def is_keras_model(data: Any) -> bool:
    from calc.importers.keras_json import is_keras_model as check

    return check(data)


def spec_from_keras(data: Any) -> dict:
    from calc.importers.keras_json import spec_from_keras as read

    return read(data)


def spec_from_source(text: str) -> dict:
    """Keras source code, read with ``ast``."""
    return read_source(text)[0]


def read_source(text: str) -> tuple[dict, dict[str, str]]:
    """Keras source code, read with ``ast``: the spec, and the line and column where each layer is made."""
    from calc.importers.keras_source import read_source as read

    return read(text)


#: An import of torch: the file is PyTorch source (read by ``torch_source``), not Keras source.
TORCH_IMPORT = re.compile(
    r"^\s*(?:import\s+(?:[\w.]+(?:\s+as\s+\w+)?\s*,\s*)*torch\b|from\s+torch(?:\.[\w.]+)?\s+import\s)", re.MULTILINE
)


def is_torch(text: str) -> bool:
    return TORCH_IMPORT.search(text) is not None


def read_torch_source(text: str, input_shapes: list[str] | None, model: str | None) -> tuple[dict, dict[str, str]]:
    """PyTorch source code, read with ``ast``: the spec of the model traced on inputs of ``input_shapes``."""
    from calc.importers.torch_source import read_source as read

    return read(text, input_shapes, model)


def is_python(text: str, suffix: str) -> bool:
    """Keras source: a .py file, or text with no spec suffix that has a line only Python has."""
    if suffix == ".py":
        return True
    if suffix in SPEC_SUFFIXES or text.lstrip().startswith("{"):
        return False
    return PYTHON_LINE.search(text) is not None


def is_hf_config(data: Any) -> bool:
    from calc.importers.hf_config import is_hf_config as check

    return check(data)


def spec_from_hf_config(data: Any) -> dict:
    """A Hugging Face config.json (a transformer by its hyper-parameters), laid out as ``named_modules()``."""
    from calc.importers.hf_config import spec_from_hf_config as read

    return read(data)


def spec_from_archive(source: Path | bytes) -> dict:
    """The spec of the model in a .keras archive (a file, or its bytes from standard input)."""
    data = read_config(source)
    if not is_keras_model(data):
        raise CalcError("the archive's config.json does not describe a Keras model")
    return spec_from_keras(data)


def spec_from_keras_object(model: Any) -> dict:
    """The spec of a live Keras model: Keras's own serialisation of its config; the model is never called."""
    to_json = getattr(model, "to_json", None)
    if not callable(to_json):
        raise CalcError(f"expected a Keras model (with to_json()), got {type(model).__name__}")
    data = json.loads(to_json())
    if not is_keras_model(data):
        raise CalcError("the object's to_json() does not describe a Keras model")
    return spec_from_keras(data)


__all__ = [
    "is_zip",
    "is_keras_model",
    "is_python",
    "is_torch",
    "read_torch_source",
    "is_hf_config",
    "spec_from_hf_config",
    "spec_from_archive",
    "spec_from_keras",
    "spec_from_keras_object",
    "read_source",
    "spec_from_source",
]
