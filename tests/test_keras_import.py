"""Every Keras fixture, imported three ways, matches Keras's own summary on every layer.

tests/fixtures/generate_keras_import.py wrote, for each model of keras_layers.json and
keras_functional.json, Keras's ``model.to_json()`` (<case>.json) and Keras source code of the same model
(<case>.py), and recorded what Keras says of the model when that source RUNS (index.json). Here each
is read by calc (the source is never run) and compared layer by layer: name, type, output shape,
trainable and non-trainable counts. A .keras archive of each to_json() is made in memory for the third
path. A case whose layer types calc does not model yet must be refused in one line naming them all;
which cases those are is computed from the engine's registry, never listed by hand.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

import calc
from calc.errors import CalcError
from calc.importers.entries import MODEL_CLASSES
from calc.layers import REGISTRY

FOLDER = Path(__file__).parent / "fixtures" / "keras_import"
INDEX = json.loads((FOLDER / "index.json").read_text()) if (FOLDER / "index.json").exists() else {"cases": []}
CASES = INDEX["cases"]
#: Subclassed models (class Net(keras.Model)) have no JSON calc reads: only their source is recorded.
JSON_CASES = [case for case in CASES if not case.get("source_only")]
KEYS = ("type", "output_shape", "trainable_params", "non_trainable_params")
TOTALS = ("total_params", "trainable_params", "non_trainable_params")


def classes(config: dict) -> set[str]:
    """Every layer class in a Keras model description, nested models included."""
    found = set()
    for layer in config["config"]["layers"]:
        found.add(layer["class_name"])
        if layer["class_name"] in MODEL_CLASSES:
            found |= classes(layer)
    return found


def unmodelled(case: dict) -> set[str]:
    if case.get("source_only"):  # the layers Keras listed; the file's own classes are read from the source
        expected = case["expected"]
        found = {layer["type"] for layer in expected["layers"]} - set(expected.get("subclassed", []))
        return found - set(REGISTRY) - set(MODEL_CLASSES) - {"InputLayer"}
    config = json.loads((FOLDER / f"{case['name']}.json").read_text())
    return classes(config) - set(REGISTRY) - set(MODEL_CLASSES) - {"InputLayer"}


def compare(summary: dict, expected: dict, name: str) -> None:
    """Layer by layer, by name (Keras lists a graph's inputs among its layers; calc lists them first).

    A subclassed model used as a layer is a functional block to calc; one built by model.build() has no
    InputLayer in Keras (calc's shows the shape it was built with)."""
    if "input_shape" in expected:
        inputs = [layer for layer in summary["layers"] if layer["type"] == "InputLayer"]
        assert [layer["output_shape"] for layer in inputs] == [expected["input_shape"]], name
        summary = {**summary, "layers": [layer for layer in summary["layers"] if layer["type"] != "InputLayer"]}
    subclassed = set(expected.get("subclassed", []))
    expected = {
        **expected,
        "layers": [
            {**layer, "type": "Functional" if layer["type"] in subclassed else layer["type"]}
            for layer in expected["layers"]
        ],
    }
    ours = {layer["name"]: layer for layer in summary["layers"]}
    assert list(ours) == [layer["name"] for layer in summary["layers"]], f"{name}: repeated layer names"
    assert set(ours) == {layer["name"] for layer in expected["layers"]}, name
    for theirs in expected["layers"]:
        mine = ours[theirs["name"]]
        for key in KEYS:
            assert mine[key] == theirs[key], f"{name}: {theirs['name']} {key}: {mine[key]} != {theirs[key]}"
    layers_in_order = [layer["name"] for layer in summary["layers"] if layer["type"] != "InputLayer"]
    assert layers_in_order == [layer["name"] for layer in expected["layers"] if layer["type"] != "InputLayer"], name
    for key in TOTALS:
        assert summary[key] == expected[key], f"{name}: {key}"


def check(load, case: dict) -> dict | None:
    """Import one way; a case with unmodelled layers must be refused naming each of them."""
    missing = unmodelled(case)
    if missing:
        with pytest.raises(CalcError) as refused:
            load()
        message = str(refused.value)
        assert "does not model" in message and "\n" not in message
        assert all(f"{cls})" in message for cls in missing), message
        return None
    summary = load().summary().to_dict()
    compare(summary, case["expected"], case["name"])
    return summary


def test_fixtures_cover_every_recorded_model():
    origins = [case["origin"] for case in CASES]
    assert origins.count("keras_layers") >= 150 and origins.count("keras_functional") >= 10
    assert sum(1 for case in CASES if case.get("source_only")) >= 3, "the subclassed models' sources"
    styles = {case["style"] for case in CASES}
    assert {"seed", "list_input", "tf_keras", "classes", "constants", "builder", "functional"} <= styles
    modelled = [case for case in CASES if not unmodelled(case)]
    assert len(modelled) >= 160, "most recorded models should be modelled by the engine"


@pytest.mark.parametrize("case", JSON_CASES, ids=lambda case: case["name"])
def test_keras_json(case):
    check(lambda: calc.load(str(FOLDER / f"{case['name']}.json")), case)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["name"])
def test_keras_source(case):
    summary = check(lambda: calc.load(str(FOLDER / f"{case['name']}.py")), case)
    if summary is not None:  # the model's own name too: Keras counts the objects it names
        assert summary["model"] == case["expected"]["model"]


@pytest.mark.parametrize("case", JSON_CASES, ids=lambda case: case["name"])
def test_keras_archive(case, tmp_path):
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": INDEX.get("keras_version")}))
        archive.writestr("config.json", (FOLDER / f"{case['name']}.json").read_text())
    check(lambda: calc.load(str(path)), case)


@pytest.mark.parametrize("name", ["lenet5", "residual_block"])
def test_real_keras_archives(name):
    """Archives written by Keras's own model.save(), weights and all."""
    case = next(case for case in CASES if case["name"] == name)
    check(lambda: calc.load(str(FOLDER / f"{name}.keras")), case)
