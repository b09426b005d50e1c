"""`dialect: pytorch` layer by layer against cases worked by hand (the arithmetic is in the comments),
the derivation's words where PyTorch's conventions differ from Keras's, and bad input."""

from __future__ import annotations

import pytest
import sympy as sp

import calc
from calc.dialects import registry
from calc.dialects.pytorch import REGISTRY
from calc.errors import CalcError
from calc.expressions import make_symbol
from calc.layers import window


def one(input_shape, name, **kwargs):
    """Output shape (batch axis left out) and parameter count of one torch.nn layer."""
    spec = {"dialect": "pytorch", "input": list(input_shape), "layers": [{name: kwargs}]}
    record = calc.from_spec(spec).analyze().records[0]
    return tuple(int(d) for d in record.output_shape), int(record.params)


@pytest.mark.parametrize(
    ("input_shape", "name", "kwargs", "shape", "params"),
    [
        # ResNet stem: floor((224 + 6 - 7)/2) + 1 = 112; 3*64*7*7 = 9408 (no bias)
        (
            (3, 224, 224),
            "Conv2d",
            dict(in_channels=3, out_channels=64, kernel_size=7, stride=2, padding=3, bias=False),
            (64, 112, 112),
            9408,
        ),
        # 'same' at stride 1 keeps 9; (3*3*3 + 1)*4 = 112
        ((3, 9, 9), "Conv2d", dict(in_channels=3, out_channels=4, kernel_size=3, padding="same"), (4, 9, 9), 112),
        # depthwise: groups = 8: (9 * 8/8 + 1) * 8 = 80; floor((14 + 2 - 3)/2) + 1 = 7
        (
            (8, 14, 14),
            "Conv2d",
            dict(in_channels=8, out_channels=8, kernel_size=3, stride=2, padding=1, groups=8),
            (8, 7, 7),
            80,
        ),
        # dilation 2, k 3: span 5; floor((16 + 4 - 5)/2) + 1 = 8
        (
            (4, 16),
            "Conv1d",
            dict(in_channels=4, out_channels=2, kernel_size=3, stride=2, padding=2, dilation=2),
            (2, 8),
            (3 * 4 + 1) * 2,
        ),
        # Conv3d tuples: d: 9 - 3 + 1 = 7, h: floor((10 - 1)/2) + 1 = 5, w: 11; (3*1*1*2 + 1)*6 = 42
        (
            (2, 9, 10, 11),
            "Conv3d",
            dict(in_channels=2, out_channels=6, kernel_size=[3, 1, 1], stride=[1, 2, 1]),
            (6, 7, 5, 11),
            42,
        ),
        # DCGAN's first ConvTranspose2d(100, 512, 4, 1, 0): (1 - 1)*1 - 0 + (4 - 1) + 0 + 1 = 4; 100*512*16 = 819200
        (
            (100, 1, 1),
            "ConvTranspose2d",
            dict(in_channels=100, out_channels=512, kernel_size=4, bias=False),
            (512, 4, 4),
            819200,
        ),
        # (4 - 1)*2 - 2*1 + 3 + 1 = 8; (16*8 + 1)*4 = 516
        (
            (8, 4, 4),
            "ConvTranspose2d",
            dict(in_channels=8, out_channels=4, kernel_size=4, stride=2, padding=1),
            (4, 8, 8),
            516,
        ),
        # (7 - 1)*3 - 2*2 + 2 + 2 + 1 = 19; groups 2: (3*4/2 + 1)*6 = 42
        (
            (4, 7),
            "ConvTranspose1d",
            dict(in_channels=4, out_channels=6, kernel_size=3, stride=3, padding=2, output_padding=2, groups=2),
            (6, 19),
            42,
        ),
        # ResNet's MaxPool2d(3, 2, 1): floor((112 + 2 - 3)/2) + 1 = 56
        ((64, 112, 112), "MaxPool2d", dict(kernel_size=3, stride=2, padding=1), (64, 56, 56), 0),
        # GoogLeNet's MaxPool2d(3, 2, ceil_mode=True): ceil((112 - 3)/2) + 1 = ceil(54.5) + 1 = 56
        ((64, 112, 112), "MaxPool2d", dict(kernel_size=3, stride=2, ceil_mode=True), (64, 56, 56), 0),
        # floor would give 55 there: floor(54.5) + 1
        ((64, 112, 112), "MaxPool2d", dict(kernel_size=3, stride=2), (64, 55, 55), 0),
        # ceil_mode drops a window in the right padding: ceil((5 + 2 - 2)/2) + 1 = 4, but window 4 would
        # start at 3*2 = 6 >= 5 + 1, so 3
        ((2, 5), "MaxPool1d", dict(kernel_size=2, stride=2, padding=1, ceil_mode=True), (2, 3), 0),
        # ... and a window beyond the input without padding: ceil((5 - 1)/3) + 1 = 3, window 3 starts at 6 >= 5
        ((1, 5), "MaxPool1d", dict(kernel_size=1, stride=3, ceil_mode=True), (1, 2), 0),
        # kept: ceil((8 + 2 - 3)/2) + 1 = 5, window 5 starts at 8 < 8 + 1
        ((4, 8, 8), "AvgPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), (4, 5, 5), 0),
        # stride defaults to the kernel: floor((9 - 3)/3) + 1 = 3
        ((4, 9, 9), "AvgPool2d", dict(kernel_size=3), (4, 3, 3), 0),
        ((3, 17, 23), "AdaptiveAvgPool2d", dict(output_size=[None, 5]), (3, 17, 5), 0),
        ((3, 17, 23), "AdaptiveMaxPool2d", dict(output_size=7), (3, 7, 7), 0),
        # BatchNorm: 2C parameters with affine (buffers not counted), none without
        ((64, 8, 8), "BatchNorm2d", dict(num_features=64), (64, 8, 8), 128),
        ((64, 8, 8), "BatchNorm2d", dict(num_features=64, affine=False), (64, 8, 8), 0),
        ((16,), "BatchNorm1d", dict(num_features=16), (16,), 32),
        # LayerNorm over [6, 6]: (1 + 1) * 36 = 72; without bias 36
        ((4, 6, 6), "LayerNorm", dict(normalized_shape=[6, 6]), (4, 6, 6), 72),
        ((4, 6, 6), "LayerNorm", dict(normalized_shape=[6, 6], bias=False), (4, 6, 6), 36),
        ((4, 6, 6), "LayerNorm", dict(normalized_shape=6, elementwise_affine=False), (4, 6, 6), 0),
        # Linear = Dense: 400*120 + 120 = 48120
        ((400,), "Linear", dict(in_features=400, out_features=120), (120,), 48120),
        ((7, 20), "Linear", dict(in_features=20, out_features=5, bias=False), (7, 5), 100),
        # Embedding: 1000 * 32; [12] -> [12, 32]
        ((12,), "Embedding", dict(num_embeddings=1000, embedding_dim=32, padding_idx=0), (12, 32), 32000),
        # LSTM(32, 64): 4*64*(32 + 64) + 2*4*64 = 24576 + 512 = 25088
        ((12, 32), "LSTM", dict(input_size=32, hidden_size=64), (12, 64), 25088),
        # bidirectional, 2 layers: layer 2 reads 128: 4*64*(128 + 64) + 512 = 49664; 2*(25088 + 49664) = 149504
        ((12, 32), "LSTM", dict(input_size=32, hidden_size=64, num_layers=2, bidirectional=True), (12, 128), 149504),
        # proj_size 3: 4*10*(8 + 3) + 2*4*10 + 3*10 = 440 + 80 + 30 = 550
        ((5, 8), "LSTM", dict(input_size=8, hidden_size=10, proj_size=3), (5, 3), 550),
        # GRU(5, 7): 3*7*(5 + 7) + 2*3*7 = 252 + 42 = 294
        ((9, 5), "GRU", dict(input_size=5, hidden_size=7, batch_first=True), (9, 7), 294),
        # RNN without bias: 7*(5 + 7) = 84
        ((9, 5), "RNN", dict(input_size=5, hidden_size=7, bias=False, nonlinearity="relu"), (9, 7), 84),
        # MHA(64, 8): 3*64*64 + 3*64 + 64*64 + 64 = 12288 + 192 + 4096 + 64 = 16640
        ((10, 64), "MultiheadAttention", dict(embed_dim=64, num_heads=8), (10, 64), 16640),
        # add_bias_kv: + 2*64 = 16768; bias=False: 3*64*64 + 64*64 = 16384
        ((10, 64), "MultiheadAttention", dict(embed_dim=64, num_heads=8, add_bias_kv=True), (10, 64), 16768),
        ((10, 64), "MultiheadAttention", dict(embed_dim=64, num_heads=8, bias=False), (10, 64), 16384),
        # Flatten: dims counted with the batch axis as 0
        ((8, 5, 6), "Flatten", {}, (240,), 0),
        ((8, 5, 6), "Flatten", dict(start_dim=2), (8, 30), 0),
        ((2, 3, 4, 5), "Flatten", dict(start_dim=1, end_dim=2), (6, 4, 5), 0),
        ((4, 6), "PReLU", dict(num_parameters=4), (4, 6), 4),
        ((4, 6), "LeakyReLU", dict(negative_slope=0.2, inplace=True), (4, 6), 0),
        ((4, 6), "Softmax", dict(dim=-1), (4, 6), 0),
        ((4, 6), "Dropout2d", dict(p=0.1), (4, 6), 0),
        ((4, 6), "Identity", {}, (4, 6), 0),
    ],
)
def test_hand_worked(input_shape, name, kwargs, shape, params):
    assert one(input_shape, name, **kwargs) == (shape, params)


def test_cross_attention_in_a_graph():
    """Two inputs: query [5, 12], key and value [7, 6] with kdim = vdim = 6.
    12*(12 + 6 + 6) + 3*12 = 288 + 36 = 324 in; 12*12 + 12 = 156 out; 480 in all."""
    spec = {
        "dialect": "pytorch",
        "inputs": {"query": [5, 12], "memory": [7, 6]},
        "layers": [
            {
                "MultiheadAttention": {
                    "embed_dim": 12,
                    "num_heads": 3,
                    "kdim": 6,
                    "vdim": 6,
                    "inputs": ["query", "memory"],
                }
            }
        ],
    }
    summary = calc.from_spec(spec).summary().to_dict()
    assert summary["layers"][-1]["output_shape"] == [None, 5, 12]
    assert summary["total_params"] == 480


def test_ceil_mode_rule_is_one_formula():
    """min(rounded-up count, starts below n + p); numbers pick which one binds."""
    n, k, p, s, d = window.n, window.k, window.p, window.s, window.d
    rule = window.CEIL_MODE.expr
    assert isinstance(rule, sp.Min)
    # n=5, k=2, p=1, s=2: ceil(5/2) + 1 = 4, but only ceil(6/2) = 3 starts lie below 6 -> 3
    # n=6: ceil(6/2) + 1 = 4 and ceil(7/2) = 4 starts -> 4 (kept)
    assert rule.xreplace({n: 5, k: 2, p: 1, s: 2, d: 1}) == 3
    assert rule.xreplace({n: 6, k: 2, p: 1, s: 2, d: 1}) == 4


def test_ceil_mode_agrees_with_pytorchs_drop_rule():
    """PyTorch's code: m = ceil((n + 2p - d(k-1) - 1)/s) + 1, minus one if (m - 1)s >= n + p. Within
    PyTorch's limit p <= k/2, the min form gives the same count everywhere on a grid."""
    n, k, p, s, d = window.n, window.k, window.p, window.s, window.d
    for size in range(1, 12):
        for kernel in range(1, 6):
            for pad in range(kernel // 2 + 1):
                for stride in range(1, 5):
                    for dilation in (1, 2, 3):
                        numerator = size + 2 * pad - dilation * (kernel - 1) - 1
                        if numerator < 0:
                            continue
                        m = -(-numerator // stride) + 1
                        torch_rule = m - 1 if (m - 1) * stride >= size + pad else m
                        values = {n: size, k: kernel, p: pad, s: stride, d: dilation}
                        assert window.CEIL_MODE.expr.xreplace(values) == torch_rule, values


def test_symbols_stay_symbolic():
    """A symbolic width: Conv2d's output and count stay expressions in the symbols."""
    spec = {
        "dialect": "pytorch",
        "input": [3, "h", "h"],
        "layers": [{"Conv2d": {"in_channels": 3, "out_channels": "f", "kernel_size": 3, "padding": 1}}],
    }
    record = calc.from_spec(spec).analyze().records[0]
    h, f = make_symbol("h"), make_symbol("f")
    assert record.output_shape == (f, h, h)
    assert sp.expand(record.params - (27 * f + f)) == 0


def test_default_names_keras_style_and_torch_types():
    spec = {
        "dialect": "pytorch",
        "input": [3, 8, 8],
        "layers": [
            {"Conv2d": {"in_channels": 3, "out_channels": 4, "kernel_size": 3}},
            {"Conv2d": {"in_channels": 4, "out_channels": 4, "kernel_size": 3, "name": "head"}},
            {"Conv2d": {"in_channels": 4, "out_channels": 4, "kernel_size": 1}},
            {"BatchNorm2d": {"num_features": 4}},
        ],
    }
    layers = calc.from_spec(spec).summary().to_dict()["layers"]
    assert [(x["name"], x["type"]) for x in layers] == [
        ("conv2d", "Conv2d"),
        ("head", "Conv2d"),
        ("conv2d_1", "Conv2d"),
        ("batch_norm2d", "BatchNorm2d"),
    ]


def test_registries_are_separate():
    assert "Conv2d" in registry("pytorch") and "Conv2d" not in registry("keras")
    assert "Conv2D" in registry("keras") and "Conv2D" not in registry("pytorch")
    assert "filters" not in REGISTRY["Conv2d"].argument_names()
    assert "kernel_initializer" not in REGISTRY["Linear"].argument_names()


def test_derivation_says_where_pytorch_differs(cli, spec_file):
    path = spec_file(
        "dialect: pytorch\ninput: [2, 5]\nlayers:\n"
        "  - MaxPool1d: {kernel_size: 2, stride: 2, padding: 1, ceil_mode: true}\n"
        "  - BatchNorm1d: {num_features: 2}\n"
        "  - LSTM: {input_size: 3, hidden_size: 4, bidirectional: true}\n"
        "  - MultiheadAttention: {embed_dim: 8, num_heads: 2}\n"
    )
    result = cli("derive", path)
    assert result.status == 0, result.err
    text = result.out
    assert "channels-first" in text
    assert "would start in the right padding" in text and "is dropped" in text
    assert "buffers, not parameters" in text and "non-trainable" in text
    assert "two bias vectors" in text
    assert "in\\_proj\\_weight" in text
    latex = cli("derive", path, "--format", "latex")
    assert latex.status == 0 and "channels-first" in latex.out


BAD = [
    # (id, dialect, input, layer line, words the message must contain)
    (
        "in-channels",
        [3, 8, 8],
        "Conv2d: {in_channels: 4, out_channels: 8, kernel_size: 3}",
        ["layer 1 (conv2d, Conv2d)", "in_channels is 4", "has 3 channels"],
    ),
    (
        "pool-padding",
        [3, 8, 8],
        "MaxPool2d: {kernel_size: 3, padding: 2}",
        ["layer 1 (max_pool2d, MaxPool2d)", "more than half the pool window"],
    ),
    ("avg-pool-padding", [3, 8], "AvgPool1d: {kernel_size: 2, padding: 2}", ["more than half the pool window"]),
    (
        "groups-in",
        [3, 8, 8],
        "Conv2d: {in_channels: 3, out_channels: 8, kernel_size: 3, groups: 2}",
        ["in_channels (3) must be divisible by groups (2)"],
    ),
    (
        "groups-out",
        [4, 8, 8],
        "Conv2d: {in_channels: 4, out_channels: 6, kernel_size: 3, groups: 4}",
        ["out_channels (6) must be divisible by groups (4)"],
    ),
    (
        "same-strided",
        [3, 8, 8],
        "Conv2d: {in_channels: 3, out_channels: 8, kernel_size: 3, stride: 2, padding: same}",
        ["padding='same' is not supported for strided convolutions"],
    ),
    (
        "keras-name",
        [3, 8, 8],
        "Conv2D: {filters: 8, kernel_size: 3}",
        ["unknown layer type 'Conv2D' in the pytorch dialect", "did you mean 'Conv2d'"],
    ),
    (
        "keras-argument",
        [3, 8, 8],
        "Conv2d: {in_channels: 3, out_channels: 8, kernel_size: 3, strides: 2}",
        ["no argument 'strides'", "did you mean 'stride'"],
    ),
    ("missing-argument", [3, 8, 8], "Conv2d: {in_channels: 3, kernel_size: 3}", ["needs 'out_channels'"]),
    ("batchnorm", [3, 8, 8], "BatchNorm2d: {num_features: 4}", ["num_features is 4", "has 3 channels"]),
    ("linear", [4, 6], "Linear: {in_features: 5, out_features: 3}", ["in_features is 5", "is 6"]),
    ("lstm-input", [6, 3], "LSTM: {input_size: 4, hidden_size: 5}", ["input_size is 4"]),
    ("lstm-rank", [3, 8, 8], "LSTM: {input_size: 8, hidden_size: 5}", ["a sequence [L, input_size]"]),
    ("proj-size", [6, 4], "LSTM: {input_size: 4, hidden_size: 5, proj_size: 5}", ["proj_size (5) has to be smaller"]),
    (
        "mha-heads",
        [5, 10],
        "MultiheadAttention: {embed_dim: 10, num_heads: 3}",
        ["embed_dim (10) must be divisible by num_heads (3)"],
    ),
    ("flatten-batch", [3, 4], "Flatten: {start_dim: 0}", ["flatten the batch axis"]),
    ("flatten-order", [3, 4, 5], "Flatten: {start_dim: 3, end_dim: 1}", ["cannot come after end_dim"]),
    ("pool-same", [3, 8, 8], "MaxPool2d: {kernel_size: 2, padding: same}", ["padding must be a number here"]),
    (
        "avgpool3d-small",
        [1, 2, 8, 8],
        "AvgPool3d: {kernel_size: 3, padding: 1}",
        ["input depth 2 is smaller than the pool window 3"],
    ),
    ("ceil-zero", [1, 1], "MaxPool1d: {kernel_size: 3, stride: 2, ceil_mode: true}", ["output length would be 0"]),
    (
        "reflect",
        [3, 4, 4],
        "Conv2d: {in_channels: 3, out_channels: 8, kernel_size: 3, padding: 4, padding_mode: reflect}",
        ["padding_mode 'reflect' needs padding smaller than the input size"],
    ),
    (
        "padding-mode",
        [3, 4, 4],
        "Conv2d: {in_channels: 3, out_channels: 8, kernel_size: 3, padding_mode: mirror}",
        ["padding_mode must be one of"],
    ),
    (
        "same-uppercase",
        [3, 8, 8],
        "Conv2d: {in_channels: 3, out_channels: 8, kernel_size: 3, padding: SAME}",
        ["padding must be one of 'same', 'valid', got 'SAME'"],
    ),
    (
        "rnn-nonlinearity",
        [6, 3],
        "RNN: {input_size: 3, hidden_size: 4, nonlinearity: TANH}",
        ["nonlinearity must be one of 'tanh', 'relu'"],
    ),
    ("gelu-approximate", [6, 3], "GELU: {approximate: bogus}", ["approximate must be one of 'none', 'tanh'"]),
    (
        "transpose-output-padding",
        [4, 5, 5],
        "ConvTranspose2d: {in_channels: 4, out_channels: 6, kernel_size: 3, stride: 2, output_padding: 2}",
        ["output_padding (2) must be smaller than either stride (2) or dilation (1)"],
    ),
    (
        "transpose-padding-mode",
        [4, 5, 5],
        "ConvTranspose2d: {in_channels: 4, out_channels: 6, kernel_size: 3, padding_mode: reflect}",
        ["only padding_mode 'zeros' is supported for ConvTranspose2d"],
    ),
    (
        "embedding-padding",
        [6],
        "Embedding: {num_embeddings: 10, embedding_dim: 3, padding_idx: 10}",
        ["padding_idx 10 must be within num_embeddings (10)"],
    ),
    ("softmax-dim", [4, 6], "Softmax: {dim: 3}", ["dim 3 is out of range"]),
    ("dropout-p", [4, 6], "Dropout: {p: 2}", ["p must be a number from 0 to 1"]),
    ("divisor", [1, 4, 4], "AvgPool2d: {kernel_size: 2, divisor_override: 0}", ["divisor_override must not be zero"]),
    (
        "avgpool1d-divisor",
        [1, 4],
        "AvgPool1d: {kernel_size: 2, divisor_override: 2}",
        ["AvgPool1d has no argument 'divisor_override'"],
    ),
    ("hostile", [3, 8, 8], "Conv2d: {in_channels: 3, out_channels: '9**9**9**9', kernel_size: 3}", ["out_channels"]),
]


@pytest.mark.parametrize(("case", "input_shape", "line", "words"), BAD, ids=[case[0] for case in BAD])
def test_bad_input_one_line_exit_2(cli, spec_file, case, input_shape, line, words):
    path = spec_file(f"dialect: pytorch\ninput: {input_shape}\nlayers:\n  - {line}\n")
    result = cli("summary", path)
    assert result.status == 2
    assert result.out == ""
    assert result.err.count("\n") == 1 and result.err.startswith(f"calc: {path}: ")
    for word in words:
        assert word in result.err


def test_unknown_dialect(cli, spec_file):
    path = spec_file("dialect: pytorh\ninput: [3]\nlayers:\n  - Linear: {in_features: 3, out_features: 2}\n")
    result = cli("summary", path)
    assert result.status == 2
    assert "dialect must be one of keras, pytorch, got 'pytorh' (did you mean 'pytorch'?)" in result.err


def test_keras_stays_the_default():
    spec = {"input": [8, 8, 3], "layers": [{"Conv2D": {"filters": 4, "kernel_size": 3}}]}
    assert calc.from_spec(spec).summary().to_dict()["layers"][0]["output_shape"] == [None, 6, 6, 4]
    with pytest.raises(CalcError, match="unknown layer type 'Conv2d'"):
        calc.from_spec({"input": [3, 8, 8], "layers": [{"Conv2d": {"in_channels": 3}}]})


def test_docs_example_is_real(cli):
    """docs/spec-format.md's PyTorch-dialect spec (examples/torch_stem.yaml) gives exactly the summary shown."""
    from tests.conftest import ROOT
    from tests.docs_examples import block, check_shown, commands

    path = ROOT / "examples" / "torch_stem.yaml"
    assert block("docs/spec-format.md", "torch-stem-yaml") == path.read_text(encoding="utf-8")
    ((args, shown),) = commands(block("docs/spec-format.md", "torch-stem-summary"))
    assert args == ["summary", "examples/torch_stem.yaml"]
    check_shown(cli("summary", str(path)), args, shown)


def test_formulas_stated_once():
    """The dialect reads the Keras rules where the arithmetic is the same; its own rules add words."""
    from calc.dialects.pytorch import normalization as torch_norm
    from calc.layers import normalization

    assert torch_norm.BATCH_NORM.expr == normalization.AFFINE.expr
    assert "buffers" in torch_norm.BATCH_NORM.why
    assert [m.id for m in torch_norm.BATCH_NORM.mistakes][:2] == ["counted_buffers", "counted_buffers"]
    assert torch_norm.BATCH_NORM.mistakes[2] is normalization.ONE_PER_FEATURE  # the Keras catalogue's, read
    spec = {"dialect": "pytorch", "input": [4, 6], "layers": [{"Linear": {"in_features": 6, "out_features": 2}}]}
    (step,) = calc.from_spec(spec).analyze().records[0].result.param_steps
    from calc.layers.dense import PARAMS

    assert step.rule is PARAMS
