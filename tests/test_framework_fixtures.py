"""Every model recorded from real Keras and PyTorch (tests/fixtures/generate_*.py) matches, layer by layer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import calc
from calc.errors import CalcError

FIXTURES = Path(__file__).parent / "fixtures"


def _load(name: str) -> dict:
    path = FIXTURES / name
    return json.loads(path.read_text()) if path.exists() else {"cases": [], "rejected": []}


KERAS = _load("keras_layers.json")
FUNCTIONAL = _load("keras_functional.json")
TORCH = _load("torch_layers.json")


def _compare(case: dict) -> None:
    spec = {key: case[key] for key in ("name", "input", "inputs", "layers") if key in case}
    summary = calc.from_spec(spec, source=case["name"]).summary().to_dict()
    expected = case["expected"]
    assert len(summary["layers"]) == len(expected["layers"])
    for ours, theirs in zip(summary["layers"], expected["layers"]):
        for key in ("name", "type", "output_shape", "trainable_params", "non_trainable_params"):
            if key in theirs:
                assert ours[key] == theirs[key], f"{case['name']}: {ours['name']} {key}"
    for key in ("total_params", "trainable_params", "non_trainable_params"):
        if key in expected:
            assert summary[key] == expected[key], f"{case['name']}: {key}"


def test_fixtures_are_present():
    assert len(KERAS["cases"]) >= 150
    assert len(TORCH["cases"]) >= 100
    assert len(FUNCTIONAL["cases"]) >= 10
    assert any(case["name"] == "lenet5" and case["expected"]["total_params"] == 62958 for case in KERAS["cases"])


@pytest.mark.parametrize("case", KERAS["cases"], ids=lambda case: case["name"])
def test_keras(case):
    _compare(case)


@pytest.mark.parametrize("case", FUNCTIONAL["cases"], ids=lambda case: case["name"])
def test_keras_functional(case):
    """Keras orders a graph's layers its own way: compare each layer by name."""
    spec = {key: case[key] for key in ("name", "inputs", "layers")}
    summary = calc.from_spec(spec, source=case["name"]).summary().to_dict()
    ours = {layer["name"]: layer for layer in summary["layers"]}
    expected = case["expected"]
    assert set(ours) == {layer["name"] for layer in expected["layers"]}
    for theirs in expected["layers"]:
        mine = ours[theirs["name"]]
        for key in ("type", "output_shape", "trainable_params", "non_trainable_params"):
            assert mine[key] == theirs[key], f"{case['name']}: {theirs['name']} {key}"
    for key in ("total_params", "trainable_params", "non_trainable_params"):
        assert summary[key] == expected[key], key


def test_cross_attention_is_recorded():
    """Attention from one tensor to another, called with two and with three inputs, and Keras's refusals."""
    reads = [
        len(arguments.get("inputs", []))
        for case in FUNCTIONAL["cases"]
        for entry in case["layers"]
        for cls, arguments in entry.items()
        if cls == "MultiHeadAttention"
    ]
    assert reads.count(2) >= 5 and reads.count(3) >= 2
    refused = {case["keras_refuses"] for case in FUNCTIONAL["rejected"]}
    assert refused == {"building the model", "calling the model"}


@pytest.mark.parametrize("case", FUNCTIONAL.get("rejected", []), ids=lambda case: case["spec"]["name"])
def test_keras_functional_rejects(case):
    """Keras refuses these graphs (building them, or calling them on data); calc refuses them as it builds."""
    with pytest.raises(CalcError):
        calc.from_spec(case["spec"], source=case["spec"]["name"]).analyze()


@pytest.mark.parametrize("case", KERAS["rejected"], ids=lambda case: case["spec"]["name"])
def test_keras_rejects(case):
    with pytest.raises(CalcError):
        calc.from_spec(case["spec"], source=case["spec"]["name"]).analyze()


@pytest.mark.parametrize("case", TORCH["cases"], ids=lambda case: case["name"])
def test_torch(case):
    _compare(case)


@pytest.mark.parametrize("case", TORCH["rejected"], ids=lambda case: case["spec"]["name"])
def test_torch_rejects(case):
    with pytest.raises(CalcError):
        calc.from_spec(case["spec"], source=case["spec"]["name"]).analyze()
