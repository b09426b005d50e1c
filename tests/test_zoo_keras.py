"""Every Keras application in the zoo, against Keras 3.15.1 (tests/fixtures/zoo_counts.json and the stored
to_json() files in tests/fixtures/keras_applications/, recorded by tests/fixtures/generate_zoo.py): every row of
Keras's summary (name, type, output shape, trainable and non-trainable counts), read both from the zoo's spec
and from the application's own to_json(), and the two readings alike layer by layer."""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import calc
from calc import compute
from calc.importers import spec_from_keras
from calc.model import Analysis
from calc.spec import from_spec
from calc.summary import json_output
from calc.zoo import zoo_names, zoo_text
from calc.zoo.listing import digest, row, shipped
from tests.zoo_records import recorded_models, torchvision_published

FIXTURES = Path(__file__).parent / "fixtures"
MODELS = json.loads((FIXTURES / "zoo_counts.json").read_text())["models"]
APPLICATIONS = sorted(name for name, record in MODELS.items() if record["framework"] == "keras")


@cache
def from_zoo(name: str) -> Analysis:
    return calc.load(name).analyze()


@cache
def to_json(name: str) -> dict:
    return json.loads(gzip.decompress((FIXTURES / "keras_applications" / f"{name}.json.gz").read_bytes()))["to_json"]


@cache
def from_json(name: str) -> Analysis:
    return from_spec(spec_from_keras(to_json(name)), source=name).analyze()


def rows(result: Analysis) -> list[dict[str, Any]]:
    """Each layer (each first call) as Keras's summary rows are recorded."""
    return [
        {
            "name": r.name,
            "type": r.type,
            "output_shape": json_output(r.result),
            "params": int(r.params),
            "trainable_params": int(r.trainable),
            "non_trainable_params": int(r.non_trainable),
        }
        for r in result.layers
    ]


def keras_shape_matches(ours: Any, theirs: Any, open_is: type | tuple) -> bool:
    """calc's shape against Keras's, where Keras's None past the batch axis is ``open_is`` in calc's."""
    if isinstance(theirs, list):
        return (
            isinstance(ours, list)
            and len(ours) == len(theirs)
            and all(keras_shape_matches(a, b, open_is) for a, b in zip(ours, theirs))
        )
    if theirs is None:
        return ours is None or isinstance(ours, open_is)
    return ours == theirs


def test_every_application_of_keras_is_in_the_zoo():
    """keras.applications of Keras 3.15.1 has 40 models; each is in the zoo under its snake-case name."""
    assert len(APPLICATIONS) == 40
    assert set(APPLICATIONS) <= set(zoo_names())
    for name in APPLICATIONS:
        constructor = MODELS[name]["built_with"].removeprefix("keras.applications.").split("(")[0]
        assert f"keras.applications.{constructor}(weights=None)" in zoo_text(name), name


def compare(result: Analysis, name: str, open_is: type | tuple) -> None:
    expected = MODELS[name]
    ours = rows(result)
    assert [row["name"] for row in ours] == [layer["name"] for layer in expected["layers"]]
    for mine, theirs in zip(ours, expected["layers"]):
        for key in ("type", "params", "trainable_params", "non_trainable_params"):
            assert mine[key] == theirs[key], f"{name}: {theirs['name']} {key}"
        assert keras_shape_matches(mine["output_shape"], theirs["output_shape"], open_is), theirs["name"]
    for key in ("total_params", "trainable_params", "non_trainable_params"):
        assert getattr(result, key) == expected[key], key


@pytest.mark.parametrize("name", APPLICATIONS)
def test_zoo_spec_as_keras(name):
    """The zoo's spec: Keras's numbers everywhere; where Keras leaves a size open (MobileNetV3's input is
    (None, None, 3)) the spec sets it to the size the weights were trained at, 224."""
    compare(from_zoo(name), name, open_is=int)


@pytest.mark.parametrize("name", APPLICATIONS)
def test_to_json_as_keras(name):
    """The application's own to_json(): Keras's numbers, and a symbol exactly where Keras has None."""
    compare(from_json(name), name, open_is=str)


@pytest.mark.parametrize("name", APPLICATIONS)
def test_zoo_spec_is_its_to_json(name):
    """Layer by layer, the zoo's spec and the to_json() it was written from, with the zoo's sizes set."""
    zoo_model = calc.load(name)
    values = {s.name: int(v) for s, v in zoo_model.values.items() if s.name != "n"}
    read = from_spec(spec_from_keras(to_json(name)), source=name).analyze(values) if values else from_json(name)
    zoo = from_zoo(name)
    assert [(r.name, r.type, r.inputs, r.params, r.result.output_shapes) for r in read.records] == [
        (r.name, r.type, r.inputs, r.params, r.result.output_shapes) for r in zoo.records
    ]


@pytest.mark.parametrize("name", zoo_names())
def test_the_shipped_listing_is_current(name):
    """calc zoo reads the counts shipped in calc/zoo/index.json: each row equals a fresh analysis of its spec."""
    entry = shipped()[name]
    assert entry["digest"] == digest(zoo_text(name))
    assert entry["row"] == row(name, calc.load(name), from_zoo(name))


def test_docs_zoo_table_is_current():
    """docs/zoo.md (tools/zoo_docs.py): every zoo model, calc's count as calc zoo lists it, the framework's as
    recorded; the MACs of two models worked out afresh."""
    page = (Path(__file__).parent.parent / "docs" / "zoo.md").read_text(encoding="utf-8")
    pattern = r"^\| `(\w+)` \| ([^|]+) \| [^|]+ \| ([\d,]+) \| ([\d,]+|—) \| ([\d,]+|—) \| ([\d.]+|—) \|$"
    table = re.findall(pattern, page, re.M)
    assert [line[0] for line in table] == zoo_names()
    listed = {entry["row"]["name"]: entry["row"]["total_params"] for entry in shipped().values()}
    recorded, published = recorded_models(), torchvision_published()
    for name, _, ours, theirs, _, gflops in table:
        assert int(ours.replace(",", "")) == listed[name], name
        if name in recorded:
            assert int(theirs.replace(",", "")) == recorded[name]["total_params"], name
        builder = name.removeprefix("torchvision_")
        expected = f"{published[builder]['gflops']:.3f}" if name.startswith("torchvision_") else "—"
        assert gflops == expected, name
    macs = {name: int(value.replace(",", "")) for name, *_, value, _ in table if value != "—"}
    for name in ("resnet50", "mobilenet_v3_small"):
        assert macs[name] == compute.total_macs(from_zoo(name)), name
