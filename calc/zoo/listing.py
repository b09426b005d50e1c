"""What ``calc zoo`` lists: each built-in model's dialect, input shapes and parameter counts.

Working these out means analysing every model: about half a minute for the sixty-odd models, a thousand
layers for the largest. So the package ships them worked out, in index.json beside the specs, each row
under a digest of its spec's text: a row is used only while the spec it was worked out from is unchanged,
and is worked out afresh otherwise. tests/test_zoo_keras.py checks every row against a fresh analysis;
``python -m calc.zoo.listing`` rewrites the index after a zoo file changes.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from calc.zoo import zoo_names, zoo_text

if TYPE_CHECKING:
    from calc.model import Analysis, Model

INDEX = "index.json"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def worked_out(name: str) -> dict[str, Any]:
    """One model's row, from its analysis."""
    from calc.spec import load

    model = load(name)
    return row(name, model, model.analyze())


def row(name: str, model: Model, analysis: Analysis) -> dict[str, Any]:
    """The row of a zoo model (a ``calc.model.Model``) from its analysis with the model's own values."""
    from calc.summary import json_value

    shapes = [tuple(size.xreplace(model.values) for size in shape) for shape in model.inputs.values() if shape]
    return {
        "name": name,
        "dialect": model.dialect,
        "input_shapes": [[None, *map(json_value, shape)] for shape in shapes],
        "total_params": json_value(analysis.total_params),
        "trainable_params": json_value(analysis.trainable_params),
        "non_trainable_params": json_value(analysis.non_trainable_params),
    }


def shipped() -> dict[str, dict[str, Any]]:
    """The index as shipped: model name -> {digest, row}; empty when missing or unreadable."""
    try:
        data = json.loads((resources.files("calc.zoo") / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def rows() -> list[dict[str, Any]]:
    """Every model's row, sorted by name: the shipped one where its spec is unchanged, else worked out."""
    index = shipped()
    out = []
    for name in zoo_names():
        entry = index.get(name)
        text = zoo_text(name) or ""
        if isinstance(entry, dict) and entry.get("digest") == digest(text) and isinstance(entry.get("row"), dict):
            out.append(entry["row"])
        else:
            out.append(worked_out(name))
    return out


def write_index() -> None:
    """Work out every row and write index.json beside the zoo specs (a maintainer's step, in a checkout)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent
    index = {name: {"digest": digest(zoo_text(name) or ""), "row": worked_out(name)} for name in zoo_names()}
    lines = [f"  {json.dumps(name)}: {json.dumps(entry)}" for name, entry in index.items()]
    (folder / INDEX).write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")


if __name__ == "__main__":
    write_index()
