"""calc's MACs against real counters, and its receptive fields against published values.

MACs: tests/fixtures/flops.json, recorded by tests/fixtures/generate_flops.py (torch 2.13 CPU, fvcore 0.1.5,
ptflops 0.7.5) on models built from plain torch.nn: every model of the PyTorch-dialect fixture (AlexNet,
VGG-16, ResNet stem and branches, LeNet-5, MobileNet's separable block, recurrent and attention stacks,
seeded random stacks), the seed's LeNet-5, and ResNet pieces with their residual additions; and every call
of Keras's MultiHeadAttention in the Keras fixtures (self- and cross-attention, on Keras's torch backend).

The conventions, per layer type (calc counts multiply-accumulates of weighted sums and attention's two
products of activations; everything value by value is 0):

  fvcore (one flop per multiply-accumulate) is the reference. It agrees with calc exactly on convolutions
  (grouped, depthwise, 1/2/3-d), Linear on any rank, MultiheadAttention (projections, QK^T and AV) and on
  what both count as 0 (max and average pooling, activations, dropout, flatten, embedding lookups). It
  counts more than calc on:
    - BatchNorm in eval mode: 2 per value with the affine scale and shift, 1 without (calc: 0, the scale
      and shift fold into the previous layer's weights at inference); without running statistics
      (track_running_stats=False, batch statistics at inference too) 5 per value, 4 without affine;
    - LayerNorm: 5 per value with elementwise_affine, 4 without (calc: 0, value-by-value statistics);
    - AdaptiveAvgPool2d (and Keras's GlobalAveragePooling2D, which it is): 1 per input value (calc: 0).
  fvcore has no rule for recurrent layers (aten::lstm, gru, rnn_relu), nor for convolutions with
  padding='same' (aten::_convolution_mode) or a padding_mode other than zeros: those layers are checked
  against ptflops instead, which counts more than calc on:
    - convolutions (and Linear): 1 per output value for the bias;
    - RNN, GRU, LSTM: per time step, layer and direction, both bias vectors (2 g h, g gates of h units)
      and its element-wise gate work (RNN h, GRU 7h, LSTM 10h); it leaves out an LSTM's projection
      (proj_size q: q h per step, which calc counts).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import sympy as sp

import calc
from calc.compute import total_macs

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "flops.json").read_text())
SPEC_KEYS = ("name", "dialect", "input", "layers")
GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
ELEMENT_WISE = {"RNN": 1, "GRU": 7, "LSTM": 10}


def fvcore_extra(kind: str, arguments: dict, record) -> int:
    """What fvcore counts for a layer beyond calc's MACs (see the module docstring)."""
    values = math.prod(record.output_shape)
    if kind in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d"):
        affine = arguments.get("affine", True)
        if not arguments.get("track_running_stats", True):  # batch statistics even in eval mode
            return (5 if affine else 4) * values
        return (2 if affine else 1) * values
    if kind == "BatchNormalization":
        return 2 * values
    if kind == "LayerNorm":
        return (5 if arguments.get("elementwise_affine", True) else 4) * values
    if kind in ("AdaptiveAvgPool2d", "GlobalAveragePooling2D"):
        return math.prod(record.input_shape)
    return 0


def ptflops_extra(kind: str, arguments: dict, record) -> int:
    """What ptflops counts for a layer fvcore cannot count, beyond calc's MACs."""
    if kind.startswith("Conv"):
        return math.prod(record.output_shape) if arguments.get("bias", True) else 0
    hidden, layers = arguments["hidden_size"], arguments.get("num_layers", 1)
    directions = 2 if arguments.get("bidirectional") else 1
    steps = record.input_shape[0]
    per_step = 2 * GATES[kind] * hidden * arguments.get("bias", True) + ELEMENT_WISE[kind] * hidden
    per_step -= arguments.get("proj_size", 0) * hidden
    return steps * directions * layers * per_step


def fvcore_counts_it(theirs: dict) -> bool:
    """fvcore counted the layer's weighted sums (it reports the operators it has no rule for as null)."""
    weighted = theirs["type"].startswith("Conv") or theirs["type"] in GATES
    return not (weighted and any(count is None for count in theirs["fvcore_operators"].values()))


def test_fixture_covers_the_conventions():
    kinds = {layer["type"] for case in FIXTURE["cases"] for layer in case["expected"]["layers"]}
    for needed in ("Conv1d", "Conv2d", "Conv3d", "Linear", "BatchNorm2d", "LayerNorm", "AdaptiveAvgPool2d", "LSTM"):
        assert needed in kinds, needed
    assert {"GRU", "RNN", "MultiheadAttention", "MaxPool2d", "AvgPool2d", "ReLU"} <= kinds
    cases = {case["name"]: case for case in FIXTURE["cases"]}
    # The seed's LeNet-5 in torch.nn: fvcore's total is calc's 849,320 (no normalization, no adaptive pooling).
    assert cases["lenet5_seed"]["expected"]["fvcore_total"] == 849_320
    # torchvision's AlexNet features + classifier: 714,188,480 convolution and Linear MACs,
    # plus 9,216 for the adaptive average pooling of 256 x 6 x 6 values.
    assert cases["alexnet"]["expected"]["fvcore_total"] == 714_188_480 + 9_216


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=lambda case: case["name"])
def test_macs_agree_with_fvcore_or_ptflops(case):
    analysis = calc.from_spec({key: case[key] for key in SPEC_KEYS}, source=case["name"]).analyze()
    records = [r for r in analysis.records if r.layer is not None]
    assert len(records) == len(case["expected"]["layers"])
    for index, (record, theirs, item) in enumerate(zip(records, case["expected"]["layers"], case["layers"]), 1):
        ((kind, arguments),) = item.items()
        where = f"{case['name']}: layer {index} ({record.name}, {kind})"
        ours = record.compute.macs
        if fvcore_counts_it(theirs):
            assert ours + fvcore_extra(kind, arguments, record) == theirs["fvcore"], where
        else:
            assert ours + ptflops_extra(kind, arguments, record) == theirs["ptflops"], where
    if all(fvcore_counts_it(t) for t in case["expected"]["layers"]):
        extra = sum(fvcore_extra(next(iter(i)), next(iter(i.values())), r) for r, i in zip(records, case["layers"]))
        assert total_macs(analysis) + extra == case["expected"]["fvcore_total"], case["name"]


def test_ptflops_conventions_for_weighted_layers():
    """Where fvcore counts the layer, ptflops is calc plus one per output value for the bias."""
    checked = 0
    for case in FIXTURE["cases"]:
        analysis = calc.from_spec({key: case[key] for key in SPEC_KEYS}, source=case["name"]).analyze()
        records = [r for r in analysis.records if r.layer is not None]
        for record, theirs, item in zip(records, case["expected"]["layers"], case["layers"]):
            ((kind, arguments),) = item.items()
            if kind.startswith("Conv") or kind == "Linear":
                bias = math.prod(record.output_shape) if arguments.get("bias", True) else 0
                assert record.compute.macs + bias == theirs["ptflops"], (case["name"], record.name)
                checked += 1
    assert checked > 80


@pytest.mark.parametrize("graph", FIXTURE["graphs"], ids=lambda graph: graph["name"])
def test_resnet_pieces_with_residual_additions(graph):
    analysis = calc.from_spec({k: graph[k] for k in ("name", "inputs", "layers")}, source=graph["name"]).analyze()
    expected = graph["expected"]["fvcore"]
    extra = 0
    for record in analysis.records:
        if record.name not in expected:
            continue
        more = fvcore_extra(record.type, {}, record)
        assert record.compute.macs + more == expected[record.name], record.name
        extra += more
    assert total_macs(analysis) + extra == graph["expected"]["fvcore_total"]
    # the residual sums cost nothing in either count
    assert all(r.compute.macs == 0 for r in analysis.records if r.type == "Add")


# ---------------------------------------------------------------------------------------------------
# Receptive fields against published values.
#
# Source: the receptive-field table of Araujo, Norris and Sim's library (google-research/receptive_field,
# RECEPTIVE_FIELD_TABLE.md), computed on TF-Slim's models with the method of their article "Computing
# Receptive Fields of Convolutional Neural Networks" (Distill, 2019, doi:10.23915/distill.00021). Its
# columns: receptive field r, effective stride (calc's jump) and effective padding P, the number of
# positions before the input that the first unit's field starts at: P = (r - 1)/2 - start, with calc's
# start the centre of the first unit's field (first input position 0).
#
# Checked against the table: VGG-16's conv5_3 is not in it; its r is 196 (conv5_2's 164 + (3 - 1) * 16),
# and the 212 often quoted for VGG-16 is pool5's. ResNet-50's 483 is block4's, with the stride in the
# 3x3 convolution of each block's last unit (TF-Slim) -- the original paper's 1x1 stride gives 483 too.
# ---------------------------------------------------------------------------------------------------


def field(record) -> tuple[int, int, int]:
    """(r, jump, effective padding) along the first spatial axis (these models are square)."""
    c = record.compute
    r, jump, start = c.receptive_field[0], c.jump[0], c.start[0]
    return int(r), int(jump), int((r - 1) / sp.Integer(2) - start)


def chain(name: str, size: int, layers: list[dict]) -> dict:
    return {
        r.name: r for r in calc.from_spec({"name": name, "input": [size, size, 3], "layers": layers}).analyze().records
    }


def conv(k: int, s: int = 1, padding: str | int = "same", name: str | None = None) -> dict:
    args = {"filters": 4, "kernel_size": k, "strides": s, "padding": padding}
    return {"Conv2D": {**args, **({"name": name} if name else {})}}


def vgg16() -> list[dict]:
    layers = []
    for block, convs in enumerate((2, 2, 3, 3, 3), start=1):
        layers += [conv(3, name=f"conv{block}_{i}") for i in range(1, convs + 1)]
        layers.append({"MaxPooling2D": {"pool_size": 2, "name": f"pool{block}"}})
    return layers


VGG16_TABLE = {  # end-point: (r, effective stride, effective padding) at 224
    "conv1_1": (3, 1, 1), "pool1": (6, 2, 2), "conv2_1": (10, 2, 4), "pool2": (16, 4, 6), "conv3_1": (24, 4, 10),
    "conv3_2": (32, 4, 14), "pool3": (44, 8, 18), "conv4_1": (60, 8, 26), "conv4_2": (76, 8, 34),
    "pool4": (100, 16, 42), "conv5_1": (132, 16, 58), "conv5_2": (164, 16, 74), "pool5": (212, 32, 90),
}  # fmt: skip


def test_vgg16_against_the_table():
    records = chain("vgg_16", 224, vgg16())
    for name, published in VGG16_TABLE.items():
        assert field(records[name]) == published, name
    assert field(records["conv5_3"])[0] == 196 and field(records["pool5"])[0] == 212


def test_alexnet_v2_against_the_table():
    layers = [
        conv(11, 4, "valid", "conv1"), {"MaxPooling2D": {"pool_size": 3, "strides": 2, "name": "pool1"}},
        conv(5, name="conv2"), {"MaxPooling2D": {"pool_size": 3, "strides": 2, "name": "pool2"}},
        conv(3, name="conv3"), conv(3, name="conv4"), conv(3, name="conv5"),
        {"MaxPooling2D": {"pool_size": 3, "strides": 2, "name": "pool5"}},
    ]  # fmt: skip
    records = chain("alexnet_v2", 224, layers)
    table = {"conv1": (11, 4, 0), "pool1": (19, 8, 0), "conv2": (51, 8, 16), "conv3": (99, 16, 32)}
    table |= {"conv4": (131, 16, 48), "conv5": (163, 16, 64), "pool5": (195, 32, 64)}
    for name, published in table.items():
        assert field(records[name]) == published, name


MOBILENET_STRIDES = (1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1)
MOBILENET_TABLE = {  # Conv2d_i_pointwise: r, effective stride, effective padding at 224 and at 321
    1: (7, 2, 2, 3), 2: (11, 4, 2, 5), 3: (19, 4, 6, 9), 4: (27, 8, 6, 13), 5: (43, 8, 14, 21),
    6: (59, 16, 14, 29), 7: (91, 16, 30, 45), 8: (123, 16, 46, 61), 9: (155, 16, 62, 77),
    10: (187, 16, 78, 93), 11: (219, 16, 94, 109), 12: (251, 32, 94, 125), 13: (315, 32, 126, 157),
}  # fmt: skip


@pytest.mark.parametrize("size", [224, 321])
def test_mobilenet_v1_same_padding_depends_on_the_input_size(size):
    """'same' padding puts the smaller half of its zeros first, so the effective padding changes with the
    input size: the table's two resolutions check the depthwise layers' fields and calc's padding rule."""
    layers = [conv(3, 2, name="Conv2d_0")]
    for i, stride in enumerate(MOBILENET_STRIDES, start=1):
        layers.append({"DepthwiseConv2D": {"kernel_size": 3, "strides": stride, "padding": "same"}})
        layers.append(conv(1, name=f"Conv2d_{i}_pointwise"))
    records = chain("mobilenet_v1", size, layers)
    assert field(records["Conv2d_0"]) == (3, 2, 0 if size == 224 else 1)
    for i, (r, jump, at_224, at_321) in MOBILENET_TABLE.items():
        assert field(records[f"Conv2d_{i}_pointwise"]) == (r, jump, at_224 if size == 224 else at_321), i


def resnet_v1_50(stride_at: str) -> dict:
    """ResNet-50's layout as a graph (only what moves the field: 4 channels everywhere). ``stride_at``:
    'slim' (TF-Slim: 3x3 of each block's last unit, a 1x1 max-pool subsampling the shortcut),
    'paper' (the first unit's first 1x1 and its projection shortcut), 'v1.5' (torchvision: the first
    unit's 3x3)."""
    layers: list[dict] = [
        {"ZeroPadding2D": {"padding": 3, "name": "pad"}},
        conv(7, 2, "valid", "conv1"),
        {"MaxPooling2D": {"pool_size": 3, "strides": 2, "padding": "same", "name": "pool1"}},
    ]
    previous = "pool1"
    for block, units in enumerate((3, 4, 6, 3), start=1):
        for unit in range(1, units + 1):
            last, first = unit == units, unit == 1
            if stride_at == "slim":
                stride = 2 if last and block < 4 else 1
                s1, s2 = 1, stride
            else:
                stride = 2 if first and block > 1 else 1
                s1, s2 = (stride, 1) if stride_at == "paper" else (1, stride)
            p = f"block{block}_unit{unit}"
            layers.append(
                {"Conv2D": {"filters": 4, "kernel_size": 1, "strides": s1, "name": f"{p}_c1", "inputs": [previous]}}
            )
            if s2 == 1:
                layers.append(conv(3, 1, "same", f"{p}_c2"))
            else:  # TF-Slim's conv2d_same and PyTorch's padding 1: one zero on each side, then 'valid'
                layers.append(conv(3, s2, 1, f"{p}_c2"))
            layers.append(conv(1, 1, "same", f"{p}_c3"))
            if first:
                shortcut = {"Conv2D": {"filters": 4, "kernel_size": 1, "strides": stride, "name": f"{p}_sc"}}
            else:
                shortcut = {"MaxPooling2D": {"pool_size": 1, "strides": stride, "name": f"{p}_sc"}}
            ((kind, arguments),) = shortcut.items()
            layers.append({kind: {**arguments, "inputs": [previous]}})
            layers.append({"Add": {"name": p if not last else f"block{block}", "inputs": [f"{p}_c3", f"{p}_sc"]}})
            previous = p if not last else f"block{block}"
    spec = {"name": f"resnet_v1_50_{stride_at}", "inputs": {"image": [224, 224, 3]}, "layers": layers}
    spec["layers"][0]["ZeroPadding2D"]["inputs"] = ["image"]
    return {r.name: r for r in calc.from_spec(spec).analyze().records}


def test_resnet_50_against_the_table():
    records = resnet_v1_50("slim")
    table = {"block1": (35, 8, 15), "block2": (99, 16, 47), "block3": (291, 32, 143), "block4": (483, 32, 239)}
    for name, published in table.items():
        assert field(records[name]) == published, name


def test_resnet_50_stride_placements():
    # The paper's 1x1 stride: block4 ends at 483 as well (the field grows by 2 * 32 in each of its 3 units).
    assert field(resnet_v1_50("paper")["block4"])[:2] == (483, 32)
    # torchvision's v1.5 moves the stride into the 3x3, which then sees the finer grid: worked by hand,
    # stem 11 (jump 4); block1 11 + 3*2*4 = 35; block2 35 + 2*4 = 43 (jump 8) + 3*2*8 = 91;
    # block3 91 + 2*8 = 107 (jump 16) + 5*2*16 = 267; block4 267 + 2*16 = 299 (jump 32) + 2*2*32 = 427.
    v15 = resnet_v1_50("v1.5")
    assert [field(v15[f"block{b}"])[0] for b in (1, 2, 3, 4)] == [35, 91, 267, 427]


def keras_case(fixture: str, name: str) -> dict:
    cases = json.loads((Path(__file__).parent / "fixtures" / fixture).read_text())["cases"]
    return next(case for case in cases if case["name"] == name)


KERAS_ATTENTION = FIXTURE["keras_attention"]


def test_keras_attention_calls_are_recorded():
    """Self-attention and attention to a value (and key) of another length and width, as Keras computes them."""
    sequences = [r for r in KERAS_ATTENTION if r["fvcore"] is not None and len(r["input_shapes"][0]) == 2]
    assert sum(len(r["input_shapes"]) == 3 for r in sequences) >= 2
    assert sum(r["input_shapes"][0][0] != r["input_shapes"][1][0] for r in sequences) >= 5  # L_q != L_k
    assert sum(len(set(map(tuple, r["input_shapes"]))) == 1 for r in sequences) >= 20  # mha(x, x)


@pytest.mark.parametrize("record", KERAS_ATTENTION, ids=lambda r: f"{r['case']}-{r['layer']}-{r['call']}")
def test_keras_attention_macs_agree_with_fvcore(record):
    """Keras's attention is einsums (the four projections, QK^T and AV): calc's MACs rule counts them exactly,
    for a query of L_q positions (the product of every axis but the last, with Keras's default attention
    axes) and a value and key of L_k positions. fvcore itself rounds each einsum to four significant digits
    (numpy's printed estimate), so its total is within that of the exact count. calc states no rule for
    attention over some of the axes only, and Keras cannot call a layer on a vector query (no count then)."""
    case = keras_case(record["fixture"], record["case"])
    spec = {key: case[key] for key in ("name", "input", "inputs", "layers") if key in case}
    analysis = calc.from_spec(spec, source=case["name"]).analyze()
    (ours,) = [r for r in analysis.records if r.name == record["layer"] and r.call == record["call"]]
    assert [list(shape) for shape in ours.input_shapes] == record["input_shapes"][: len(ours.input_shapes)]
    axes, rank = ours.layer.attention_axes, len(record["input_shapes"][0])
    if rank < 2 or (axes is not None and set(axes) != set(range(1, rank))):
        assert ours.compute.macs is None
        return
    assert ours.compute.macs == record["einsum_exact"]
    assert abs(record["fvcore"] - ours.compute.macs) <= ours.compute.macs * 5e-4 + 6  # up to 6 einsums rounded
