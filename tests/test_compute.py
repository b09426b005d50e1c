"""MACs, activations and receptive fields per layer, against numbers worked by hand.

Receptive-field arithmetic (calc.layers.receptive): r_out = r_in + (k - 1) d j_in, j_out = j_in s,
start_out = start_in + ((k - 1) d / 2 - p) j_in, with the first input position at 0.
"""

from __future__ import annotations

import sympy as sp

import calc
from calc.compute import LAYER_QUANTITIES, total_activations, total_macs
from calc.dialects.pytorch import REGISTRY as TORCH_REGISTRY
from calc.layers import REGISTRY
from calc.layers.base import Layer
from calc.summary import Summary


def analyse(text: str, **values):
    return calc.from_text(text, source="test.yaml").analyze(values)


def by_name(analysis):
    return {r.name: r for r in analysis.records}


def test_lenet5_macs_and_receptive_fields():
    a = calc.load("lenet5").analyze()
    r = by_name(a)
    # conv2d: 28*28 positions * 8 filters * (5*5*3) products = 784 * 8 * 75 = 470,400
    assert r["conv2d"].compute.macs == 470_400
    # conv2d_1: 10*10 * 16 * (5*5*8) = 320,000; dense: 400*120 = 48,000; 120*84 = 10,080; 84*10 = 840
    assert [r[n].compute.macs for n in ("conv2d_1", "dense", "dense_1", "dense_2")] == [320_000, 48_000, 10_080, 840]
    assert r["max_pooling2d"].compute.macs == 0 and r["flatten"].compute.macs == 0
    assert total_macs(a) == 470_400 + 320_000 + 48_000 + 10_080 + 840 == 849_320
    # r: 5; 5 + (2-1)*1 = 6 (j 2); 6 + (5-1)*2 = 14; 14 + (2-1)*2 = 16 (j 4)
    names = ("conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1")
    assert [r[n].compute.receptive_field for n in names] == [(5, 5), (6, 6), (14, 14), (16, 16)]
    assert [r[n].compute.jump for n in names] == [(1, 1), (2, 2), (2, 2), (4, 4)]
    # start: 0 + 4/2 = 2; 2 + 1/2 = 5/2; 5/2 + (4/2)*2 = 13/2; 13/2 + (1/2)*2 = 15/2
    assert [r[n].compute.start[0] for n in names] == [2, sp.Rational(5, 2), sp.Rational(13, 2), sp.Rational(15, 2)]
    assert r["flatten"].compute.receptive_field is None and r["dense"].compute.receptive_field is None
    # activations: 28*28*8 + 14*14*8 + 10*10*16 + 5*5*16 + 400 + 120 + 84 + 10
    assert total_activations(a) == 6272 + 1568 + 1600 + 400 + 400 + 120 + 84 + 10


def test_lenet5_symbolic_conv_macs_and_field():
    a = calc.load("lenet5").analyze(free=["k", "f"])
    k, f = sp.symbols("k f", integer=True, positive=True)
    conv = by_name(a)["conv2d"].compute
    assert sp.expand(conv.macs - 3 * f * k**2 * (33 - k) ** 2) == 0
    # r: k; k + 1; k + 1 + 2(k - 1) = 3k - 1; 3k + 1
    fields = [
        by_name(a)[n].compute.receptive_field[0] for n in ("conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1")
    ]
    assert [sp.expand(x) for x in fields] == [k, k + 1, 3 * k - 1, 3 * k + 1]


def test_hand_worked_1d_chain_with_dilation_causal_and_explicit_padding():
    a = analyse(
        """
input: [100, 1]
layers:
  - Conv1D: {filters: 4, kernel_size: 3, dilation_rate: 2, padding: causal}
  - MaxPooling1D: {pool_size: 2}
  - Conv1D: {filters: 4, kernel_size: 3, strides: 2, padding: 1}
"""
    )
    r = by_name(a)
    # causal: p = d(k-1) = 4 zeros before; r = 1 + (3-1)*2*1 = 5; start = 0 + (2*2/2 - 4)*1 = -2
    assert (r["conv1d"].compute.receptive_field, r["conv1d"].compute.start) == ((5,), (-2,))
    # pool 2: r = 5 + 1*1 = 6, j = 2, start = -2 + 1/2 = -3/2
    assert r["max_pooling1d"].compute.receptive_field == (6,) and r["max_pooling1d"].compute.jump == (2,)
    # k 3, s 2, p 1: r = 6 + 2*1*2 = 10, j = 4, start = -3/2 + (1 - 1)*2 = -3/2
    last = r["conv1d_1"].compute
    assert (last.receptive_field, last.jump, last.start) == ((10,), (4,), (sp.Rational(-3, 2),))
    # MACs: 100 positions * 4 filters * 3 * 1; then 50 -> 25 positions * 4 * 3 * 4
    assert r["conv1d"].compute.macs == 100 * 4 * 3 and r["conv1d_1"].compute.macs == 25 * 4 * 3 * 4


def test_same_padding_puts_the_smaller_half_first_and_depends_on_the_input_size():
    # k 3, s 2 on 224: 112 outputs need (112-1)*2 + 3 - 224 = 1 zero, 0 of it before: start = 0 + (1 - 0) = 1.
    # On 321: 161 outputs need 160*2 + 3 - 321 = 2 zeros, 1 before: start = 0 + (1 - 1) = 0.
    # (MobileNet v1's first layer in the receptive-field table cited in test_compute_conformance.py:
    # effective padding (r - 1)/2 - start = 0 at 224, 1 at 321.)
    spec = "input: [n, n, 3]\nlayers:\n  - Conv2D: {filters: 8, kernel_size: 3, strides: 2, padding: same}\n"
    for size, start in ((224, 1), (321, 0)):
        assert analyse(spec, n=size).records[0].compute.start == (start, start)


def test_branches_merge_into_the_union_of_their_fields():
    text = """
name: branches
inputs: {image: [32, 32, 3]}
layers:
  - Conv2D: {filters: 4, kernel_size: 3, name: a, inputs: [image]}
  - Cropping2D: {cropping: [[0, 4], [0, 4]], name: a_crop}
  - Conv2D: {filters: 4, kernel_size: 5, name: b, inputs: [image]}
  - Cropping2D: {cropping: [[2, 0], [2, 0]], name: b_crop}
  - Add: {inputs: [a_crop, b_crop]}
  - Conv2D: {filters: 4, kernel_size: 5, padding: same, name: c, inputs: [image]}
  - Conv2D: {filters: 4, kernel_size: 3, padding: same, name: d, inputs: [image]}
  - Concatenate: {inputs: [c, d]}
"""
    r = by_name(analyse(text))
    # a covers input positions 0..2 (start 1); b covers 0..4, cropped by 2: 2..6 (start 4).
    # The sum reads both: 0..6, r = 7, centred at 3.
    add = r["add"].compute
    assert (add.receptive_field, add.start) == ((7, 7), (3, 3))
    # 'same' branches centred alike (start 0): the union is the larger field, 5.
    assert r["concatenate"].compute.receptive_field == (5, 5)
    assert r["concatenate"].compute.macs == 0


def test_weighted_layers_macs():
    cases = [
        # Dense on each of 5*5 positions: 25 * 16 * 10
        ("input: [5, 5, 16]\nlayers:\n  - Dense: {units: 10}\n", 25 * 16 * 10),
        # depthwise, m 2, 3x3 on 10x10x4 valid: 8*8 positions * 4*2 kernels * 9
        ("input: [10, 10, 4]\nlayers:\n  - DepthwiseConv2D: {kernel_size: 3, depth_multiplier: 2}\n", 64 * 8 * 9),
        # separable: 8*8 * 4 * (9 + 6)
        ("input: [10, 10, 4]\nlayers:\n  - SeparableConv2D: {filters: 6, kernel_size: 3}\n", 64 * 4 * (9 + 6)),
        # transposed, 3x3 stride 2 on 4x4x2 to 5 filters: 16 input positions * 2 * 5 * 9
        ("input: [4, 4, 2]\nlayers:\n  - Conv2DTranspose: {filters: 5, kernel_size: 3, strides: 2}\n", 16 * 2 * 5 * 9),
        # grouped: 6x6 outputs * 6 filters * 3*3 * (4/2)
        ("input: [8, 8, 4]\nlayers:\n  - Conv2D: {filters: 6, kernel_size: 3, groups: 2}\n", 36 * 6 * 9 * 2),
    ]
    for text, expected in cases:
        assert analyse(text).records[0].compute.macs == expected, text


def test_transposed_field_spreads_the_jump():
    c = analyse("input: [4, 4, 2]\nlayers:\n  - Conv2DTranspose: {filters: 5, kernel_size: 3, strides: 2}\n")
    c = c.records[0].compute
    # r = 1 + floor(1*2/2)*1 = 2; j = 1/2; start = 0 + (0 - 2/2)*1/2 = -1/2
    assert (c.receptive_field, c.jump, c.start) == ((2, 2), (sp.Rational(1, 2),) * 2, (sp.Rational(-1, 2),) * 2)


def test_pytorch_layers_macs():
    def torch(layers: str, shape: str) -> int:
        return calc.from_text(f"dialect: pytorch\ninput: {shape}\nlayers:\n{layers}").analyze().records[0].compute.macs

    # grouped Conv2d: 10*10 outputs * 16 filters * 9 * (8/4)
    assert (
        torch("  - Conv2d: {in_channels: 8, out_channels: 16, kernel_size: 3, padding: 1, groups: 4}", "[8, 10, 10]")
        == 28_800
    )
    # LSTM: 7 steps * 4 gates * 20 units * (10 inputs + 20 recurrent) = 7 * 2400
    assert torch("  - LSTM: {input_size: 10, hidden_size: 20}", "[7, 10]") == 16_800
    # GRU, 2 layers, bidirectional: per direction 3*16*(8+16) = 1152, then 3*16*(32+16) = 2304; 5 steps, 2 ways
    gru = "  - GRU: {input_size: 8, hidden_size: 16, num_layers: 2, bidirectional: true}"
    assert torch(gru, "[5, 8]") == 5 * 2 * (1152 + 2304)
    # self-attention, E 16, L 10: q 10*16*16, k and v 10*16*(16+16), QK^T and AV 2*10*10*16, out 10*16*16
    mha = "  - MultiheadAttention: {embed_dim: 16, num_heads: 4}"
    assert torch(mha, "[10, 16]") == 2560 + 5120 + 3200 + 2560
    assert torch("  - Embedding: {num_embeddings: 100, embedding_dim: 8}", "[12]") == 0


def test_repeated_block_scales_macs_and_field():
    text = """
input: [16, 16, 8]
symbols: {t: 3}
layers:
  - Repeat:
      times: t
      layers:
        - Conv2D: {filters: 8, kernel_size: 3, padding: same}
"""
    a = calc.from_text(text).analyze(free=["t"])
    t = sp.Symbol("t", integer=True, positive=True)
    block = a.records[0].compute
    # each copy: 16*16 positions * 8 filters * 9 * 8 = 147,456; each widens the field by 2
    assert block.macs == 147_456 * t
    assert block.receptive_field == (2 * t + 1, 2 * t + 1) and block.start == (0, 0)
    assert a.records[0].compute.macs.subs(t, 3) == calc.from_text(text).analyze().records[0].compute.macs


def test_shared_layer_work_is_counted_per_call():
    text = """
inputs: {a: [8], b: [8]}
layers:
  - Dense: {units: 4, name: shared, inputs: [a]}
  - shared: {inputs: [b]}
  - Add: {inputs: [shared, "shared[1]"]}
"""
    a = analyse(text)
    assert total_macs(a) == 2 * 8 * 4
    layers = {layer["name"]: layer for layer in Summary(a).to_dict()["layers"]}
    assert layers["shared"]["macs"] == 64  # both calls of the shared layer


def test_every_layer_class_has_a_macs_rule_or_says_why_it_has_none():
    for registry in (REGISTRY, TORCH_REGISTRY):
        for name, cls in registry.items():
            if name == "InputLayer":
                continue
            assert cls.macs is not Layer.macs or cls.no_macs, name


def test_layer_quantities_table_reads_records():
    record = by_name(calc.load("lenet5").analyze())["conv2d_1"]
    got = {name: getter(record) for name, getter in LAYER_QUANTITIES.items()}
    assert got["macs"] == 320_000 and got["flops"] == 640_000 and got["activation_elements"] == 1600
    assert got["receptive_field"] == (14, 14) and got["jump"] == (2, 2) and got["param_bytes"] == 4 * 3216


def test_summary_columns_and_json(cli):
    run = cli("summary", "lenet5", "--columns", "params,macs,flops,activations,memory,rf")
    assert run.status == 0
    assert "Total MACs: 849,320" in run.out and "Total FLOPs: 1,698,640 (2 per MAC)" in run.out
    assert "Receptive field: 16×16, jump 4×4 (at max_pooling2d_1" in run.out
    line = next(line for line in run.out.splitlines() if line.startswith(" conv2d (Conv2D)"))
    assert line.split()[6:] == ["608", "470400", "940800", "6272", "2432", "5×5", "1×1"]
    data = cli("summary", "lenet5", "--format", "json", "--flops-per-mac", "1", "--dtype", "float16").json()
    first = data["layers"][0]
    for key in ("name", "type", "output_shape", "params", "trainable_params", "non_trainable_params"):
        assert key in first
    assert (first["macs"], first["flops"], first["activation_elements"]) == (470_400, 470_400, 6272)
    assert (first["receptive_field"], first["jump"], first["start"]) == ([5, 5], [1, 1], [2, 2])
    assert data["layers"][1]["start"] == [2.5, 2.5] and data["layers"][4]["receptive_field"] is None
    assert (data["total_macs"], data["total_flops"], data["total_param_bytes"]) == (849_320, 849_320, 2 * 62_958)
    assert data["receptive_field"] == [16, 16]


def test_summary_default_is_keras_and_bad_columns_are_refused(cli):
    assert "MACs" not in cli("summary", "lenet5").out
    bad = cli("summary", "lenet5", "--columns", "params,macz")
    assert bad.status == 2 and "did you mean 'macs'" in bad.err and bad.out == ""
    assert cli("summary", "lenet5", "--columns", "").status == 2
