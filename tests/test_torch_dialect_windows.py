"""The pytorch dialect's window layers (Swin's ShiftedWindowAttention(V2) and PatchMerging(V2), MaxViT's
WindowPartition, WindowDepartition and RelativePositionalMultiHeadAttention) and roll, against torchvision
(tests/fixtures/torchvision_layers.json, recorded by tests/fixtures/generate_torchvision_layers.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy as sp

import calc
from calc.errors import CalcError

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "torchvision_layers.json").read_text())
CASES = FIXTURE["cases"]


def spec(item: dict) -> str:
    arguments = {**item["arguments"], **item["forward"], "name": "layer"}
    return json.dumps({"dialect": "pytorch", "input": item["input"], "layers": [{item["class"]: arguments}]})


@pytest.mark.parametrize("item", CASES, ids=[f"{c['class']}-{i}" for i, c in enumerate(CASES)])
def test_window_layer_matches_torchvision(item):
    row = calc.from_text(spec(item)).summary().to_dict()["layers"][-1]
    assert (row["output_shape"], row["params"], row["macs"]) == (item["output_shape"], item["params"], item["macs"])


def test_every_class_is_recorded():
    assert {c["class"] for c in CASES} == {
        "ShiftedWindowAttention",
        "ShiftedWindowAttentionV2",
        "PatchMerging",
        "PatchMergingV2",
        "WindowPartition",
        "WindowDepartition",
        "RelativePositionalMultiHeadAttention",
    }


def test_windows_of_a_symbolic_map_are_rounded_up():
    """Swin-T's first stage at any input n: ceil(n/28)^2 windows of 49 tokens (224: 64 windows)."""
    text = """\
dialect: pytorch
input: [3, n, n]
symbols: {n: 224}
layers:
  - Conv2d: {in_channels: 3, out_channels: 96, kernel_size: 4, stride: 4}
  - permute: {dims: [0, 2, 3, 1]}
  - ShiftedWindowAttention: {dim: 96, window_size: [7, 7], shift_size: [3, 3], num_heads: 3, name: attn}
"""
    model = calc.from_text(text)
    row = model.summary().to_dict()["layers"][-1]
    assert row["macs"] == 64 * (4 * 49 * 96**2 + 2 * 49**2 * 96)
    step = next(r for r in model.analyze().layers if r.name == "attn").result.shape_steps[0]
    assert step.formula.has(sp.ceiling) and step.value.subs(sp.Symbol("n", integer=True, positive=True), 224) == 64


def test_roll_keeps_the_shape():
    text = """\
dialect: pytorch
input: [6, 6, 4]
layers:
  - roll: {shifts: [-3, -3], dims: [1, 2]}
"""
    row = calc.from_text(text).summary().to_dict()["layers"][-1]
    assert (row["output_shape"], row["params"], row["macs"]) == ([None, 6, 6, 4], 0, 0)


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ("roll: {shifts: [1], dims: [0]}", "batch axis"),
        ("roll: {shifts: [1, 2], dims: [1]}", "2 shifts for 1 dims"),
        ("ShiftedWindowAttention: {dim: 8, window_size: [2, 2], shift_size: [1, 1], num_heads: 3}", "divisible"),
        ("ShiftedWindowAttention: {dim: 9, window_size: [2, 2], shift_size: [1, 1], num_heads: 3}", "dim is 9"),
        ("PatchMerging: {dim: 4}", "dim is 4"),
        ("WindowPartition: {p: 5}", "divisible by p"),
        ("WindowDepartition: {p: 2, h_partitions: 3, w_partitions: 3}", "is not 3 × 3 tiles"),
        ("RelativePositionalMultiHeadAttention: {feat_dim: 8, head_dim: 4, max_seq_len: 6}", "square"),
    ],
)
def test_impossible_window_layers_are_refused(layer, message):
    text = f"dialect: pytorch\ninput: [8, 6, 8]\nlayers:\n  - {layer}\n"
    with pytest.raises(CalcError, match=message):
        calc.from_text(text).summary()
