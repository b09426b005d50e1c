"""The zoo's counts as each framework gives them, recorded by tests/fixtures/generate_zoo.py: Keras's and
transformers' models in tests/fixtures/zoo_counts.json, each torchvision model in its own file in
tests/fixtures/torchvision_zoo/ (so that its builders can be recorded again one by one), beside torchvision's
published figures (tests/fixtures/torchvision_published.json)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
TORCHVISION_ZOO = FIXTURES / "torchvision_zoo"


@cache
def recorded_models() -> dict[str, dict]:
    """Zoo name -> the framework's record (framework, built_with, total_params, and per-layer truth)."""
    models = json.loads((FIXTURES / "zoo_counts.json").read_text())["models"]
    for path in sorted(TORCHVISION_ZOO.glob("*.json")):
        models[path.stem] = json.loads(path.read_text())
    return dict(sorted(models.items()))


@cache
def torchvision_published() -> dict[str, dict]:
    """Builder -> its default weights' num_params, gflops and crop_size, as torchvision publishes them."""
    return json.loads((FIXTURES / "torchvision_published.json").read_text())["builders"]
