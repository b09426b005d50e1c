"""The recorded Keras fixtures cover every layer type calc knows, each at least three times."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from calc.importers.hf_config import spec_from_hf_config
from calc.layers import REGISTRY, TRANSFORMER_PARTS
from calc.zoo import zoo_names, zoo_spec

FIXTURES = Path(__file__).parent / "fixtures"


def layer_types(value: Any) -> list[str]:
    """Every Keras class name used in a spec's layers, wrapped layers included, whatever the spec's form."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in REGISTRY:
                found.append(key)
            found += layer_types(inner)
    elif isinstance(value, list):
        for item in value:
            found += layer_types(item)
    return found


def test_every_layer_type_is_recorded_from_keras():
    cases = [
        case
        for name in ("keras_layers.json", "keras_functional.json")  # merge layers live in the graphs
        for case in json.loads((FIXTURES / name).read_text())["cases"]
    ]
    accepted = Counter(t for case in cases for t in set(layer_types(case["layers"])))
    # the graphs written as Keras source (open sizes, several outputs, Dot, LayerScale) list Keras's layer types
    graphs = json.loads((FIXTURES / "keras_graphs.json").read_text())["cases"]
    accepted.update(t for case in graphs for t in {layer["type"] for layer in case["layers"]} if t in REGISTRY)
    canonical = {cls.__name__ for cls in REGISTRY.values() if cls not in TRANSFORMER_PARTS} - {"InputLayer"}
    missing = sorted(name for name in canonical if accepted[name] < 3)
    assert missing == [], f"layer types with fewer than three accepted Keras fixtures: {missing}"


def test_every_transformer_part_is_recorded_from_transformers():
    """calc's own layers for Hugging Face modules appear in the zoo's configs, which test_hf_config checks
    module by module against transformers."""
    specs = [spec_from_hf_config(zoo_spec(name)) for name in zoo_names() if "model_type" in zoo_spec(name)]
    used = Counter(t for spec in specs for t in set(layer_types(spec["layers"])))
    assert {cls.__name__ for cls in TRANSFORMER_PARTS} <= set(used)
