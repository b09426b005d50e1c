"""`dialect: pytorch` against PyTorch itself: every layer of every model recorded by
tests/fixtures/generate_torch_dialect.py (torch 2.13 CPU), chains and graphs (residual sums, products,
concatenation), matches, and what PyTorch refused is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import calc
from calc.errors import CalcError

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "torch_dialect.json").read_text())
SPEC_KEYS = ("name", "dialect", "input", "inputs", "layers")


def _summary(spec: dict) -> dict:
    spec = {key: spec[key] for key in SPEC_KEYS if key in spec}
    return calc.from_spec(spec, source=spec["name"]).summary().to_dict()


def _types(layers: list) -> set[str]:
    return {next(iter(layer)) for layer in layers}


def test_fixture_covers_the_dialect():
    cases = {case["name"]: case for case in FIXTURE["cases"]}
    assert len(cases) >= 30 and len(FIXTURE["rejected"]) >= 20
    types = {name for case in FIXTURE["cases"] for name in _types(case["layers"])}
    for needed in (
        "Conv1d",
        "Conv2d",
        "Conv3d",
        "MaxPool2d",
        "AvgPool3d",
        "AdaptiveAvgPool2d",
        "BatchNorm2d",
        "LayerNorm",
        "GroupNorm",
        "ChannelShuffle",
        "Linear",
        "Embedding",
        "LSTM",
        "GRU",
        "RNN",
        "MultiheadAttention",
        "Flatten",
        "add",
        "sub",
        "mul",
        "cat",
    ):
        assert needed in types, needed
    # torch's own refusals of the tensor arithmetic: shapes that do not broadcast, dims that do not agree
    refused = {name for case in FIXTURE["rejected"] for name in _types(case["spec"]["layers"])}
    assert {"add", "sub", "mul", "cat"} <= refused
    # Well-known totals (torchvision's AlexNet and VGG-16, the classic LeNet-5).
    assert cases["alexnet"]["expected"]["total_params"] == 61_100_840
    assert cases["vgg16"]["expected"]["total_params"] == 138_357_544
    assert cases["lenet5"]["expected"]["total_params"] == 61_706
    assert cases["dcgan_generator"]["expected"]["total_params"] == 3_576_704
    # ceil_mode's dropped window: 5 + 2*1 padded, windows of 2 every 2 -> ceil(5/2) + 1 = 4, but the
    # 4th would start at 3*2 = 6 >= n + p = 6, in the right padding, so PyTorch keeps 3.
    assert cases["ceil_mode_drops_padded_window_1d"]["expected"]["layers"][0]["output_shape"] == [None, 2, 3]


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=lambda case: case["name"])
def test_matches_pytorch(case):
    summary = _summary(case)
    expected = case["expected"]
    layers = [layer for layer in summary["layers"] if layer["type"] != "InputLayer"]  # a graph's named inputs
    assert len(layers) == len(expected["layers"])
    for index, (ours, theirs) in enumerate(zip(layers, expected["layers"]), start=1):
        where = f"{case['name']}: layer {index} ({ours['name']}, {theirs['type']})"
        assert ours["name"] == theirs.get("name", ours["name"]), where  # graphs record the names they wire
        assert ours["type"] == theirs["type"], where
        assert ours["output_shape"] == theirs["output_shape"], where
        assert ours["params"] == ours["trainable_params"] == theirs["params"], where
        assert ours["non_trainable_params"] == 0, where
    for key in ("total_params", "trainable_params", "non_trainable_params"):
        assert summary[key] == expected[key], f"{case['name']}: {key}"


@pytest.mark.parametrize("case", FIXTURE["rejected"], ids=lambda case: case["spec"]["name"])
def test_rejects_what_pytorch_rejects(case):
    with pytest.raises(CalcError):
        _summary(case["spec"])
