"""Property tests against PyTorch's CPU build: random convolutions and poolings, shapes and counts.

PyTorch is channels-first with explicit padding; calc's layers take the same integer padding
(``padding: 1``) channels-last, so each case is translated and both answers compared, including
whether the configuration is possible at all.
"""

from __future__ import annotations

import importlib.util

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import calc
from calc import layers as L
from calc.errors import CalcError
from tests.conftest import require

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def torch():
    require(importlib.util.find_spec("torch") is not None, "torch (pip install torch==2.13.0)")
    import torch

    torch.set_grad_enabled(False)
    return torch


@st.composite
def conv_cases(draw):
    rank = draw(st.integers(1, 3))
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    return {
        "rank": rank,
        "size": draw(st.lists(st.integers(1, 14 if rank < 3 else 7), min_size=rank, max_size=rank)),
        "c_in": groups * draw(st.integers(1, 3)),
        "filters": groups * draw(st.integers(1, 3)),
        "kernel": draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank)),
        "stride": draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank)),
        "padding": draw(st.lists(st.integers(0, 3), min_size=rank, max_size=rank)),
        "dilation": draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank)),
        "groups": groups,
        "bias": draw(st.booleans()),
    }


def _calc(shape, layer):
    """calc's (output shape channels-first, params), or None when calc rejects the layer."""
    try:
        record = calc.Sequential([layer], input=shape).analyze().records[0]
    except CalcError:
        return None
    out = [int(d) for d in record.output_shape]
    return [out[-1], *out[:-1]], int(record.params)


def _torch(torch, module, shape):
    """PyTorch's (output shape without batch, params), or None when PyTorch rejects it. An empty output
    (an axis of size 0, which ConvTranspose can return) counts as a refusal: calc refuses such layers."""
    try:
        out = module(torch.zeros(1, *shape))
    except RuntimeError:
        return None
    if out.numel() == 0:
        return None
    return list(out.shape[1:]), sum(p.numel() for p in module.parameters())


@SETTINGS
@given(case=conv_cases())
def test_convolution_matches_pytorch(torch, case):
    rank = case["rank"]
    module = getattr(torch.nn, f"Conv{rank}d")(
        case["c_in"],
        case["filters"],
        tuple(case["kernel"]),
        stride=tuple(case["stride"]),
        padding=tuple(case["padding"]),
        dilation=tuple(case["dilation"]),
        groups=case["groups"],
        bias=case["bias"],
    )
    layer = getattr(L, f"Conv{rank}D")(
        case["filters"],
        tuple(case["kernel"]),
        strides=tuple(case["stride"]),
        padding=tuple(case["padding"]),
        dilation_rate=tuple(case["dilation"]),
        groups=case["groups"],
        use_bias=case["bias"],
    )
    theirs = _torch(torch, module, [case["c_in"], *case["size"]])
    ours = _calc((*case["size"], case["c_in"]), layer)
    assert ours == theirs


@st.composite
def pool_cases(draw):
    rank = draw(st.integers(1, 3))
    kernel = draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank))
    return {
        "rank": rank,
        "kind": draw(st.sampled_from(["Max", "Avg"])),
        "size": draw(st.lists(st.integers(1, 14 if rank < 3 else 7), min_size=rank, max_size=rank)),
        "channels": draw(st.integers(1, 3)),
        "kernel": kernel,
        "stride": draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank)),
        # PyTorch requires padding of at most half the kernel
        "padding": [draw(st.integers(0, k // 2)) for k in kernel],
    }


@SETTINGS
@given(case=pool_cases())
def test_pooling_matches_pytorch(torch, case):
    rank, kind = case["rank"], case["kind"]
    # PyTorch's AvgPool3d alone also refuses an unpadded input smaller than the kernel, even where the
    # padded one fits (an implementation check, not the shape rule AvgPool1d/2d and MaxPool follow).
    assume(not (kind == "Avg" and rank == 3 and any(n < k for n, k in zip(case["size"], case["kernel"]))))
    module = getattr(torch.nn, f"{kind}Pool{rank}d")(
        tuple(case["kernel"]), stride=tuple(case["stride"]), padding=tuple(case["padding"])
    )
    name = "MaxPooling" if kind == "Max" else "AveragePooling"
    layer = getattr(L, f"{name}{rank}D")(
        tuple(case["kernel"]), strides=tuple(case["stride"]), padding=tuple(case["padding"])
    )
    theirs = _torch(torch, module, [case["channels"], *case["size"]])
    ours = _calc((*case["size"], case["channels"]), layer)
    assert ours == theirs


@SETTINGS
@given(
    rank=st.integers(1, 3),
    lead=st.lists(st.integers(1, 4), max_size=2),
    n_in=st.integers(1, 40),
    units=st.integers(1, 40),
    bias=st.booleans(),
)
def test_dense_matches_pytorch_linear(torch, rank, lead, n_in, units, bias):
    module = torch.nn.Linear(n_in, units, bias=bias)
    theirs = _torch(torch, module, [*lead, n_in])
    record = calc.Sequential([L.Dense(units, use_bias=bias)], input=(*lead, n_in)).analyze().records[0]
    assert ([int(d) for d in record.output_shape], int(record.params)) == theirs


@st.composite
def conv_transpose_cases(draw):
    rank = draw(st.integers(1, 3))
    axes = {"min_size": rank, "max_size": rank}
    return {
        "rank": rank,
        "size": draw(st.lists(st.integers(1, 10 if rank < 3 else 5), **axes)),
        "c_in": draw(st.integers(1, 4)),
        "filters": draw(st.integers(1, 4)),
        "kernel": draw(st.lists(st.integers(1, 5), **axes)),
        "stride": draw(st.lists(st.integers(1, 3), **axes)),
        "padding": draw(st.lists(st.integers(0, 3), **axes)),
        "output_padding": draw(st.lists(st.integers(0, 2), **axes)),
        "dilation": draw(st.lists(st.integers(1, 3), **axes)),
        "bias": draw(st.booleans()),
    }


@SETTINGS
@given(case=conv_transpose_cases())
def test_transposed_convolution_matches_pytorch(torch, case):
    """Integer padding is PyTorch's ConvTranspose rule, including its limit on output_padding."""
    rank = case["rank"]
    module = getattr(torch.nn, f"ConvTranspose{rank}d")(
        case["c_in"],
        case["filters"],
        tuple(case["kernel"]),
        stride=tuple(case["stride"]),
        padding=tuple(case["padding"]),
        output_padding=tuple(case["output_padding"]),
        dilation=tuple(case["dilation"]),
        bias=case["bias"],
    )
    layer = getattr(L, f"Conv{rank}DTranspose")(
        case["filters"],
        tuple(case["kernel"]),
        strides=tuple(case["stride"]),
        padding=tuple(case["padding"]),
        output_padding=tuple(case["output_padding"]),
        dilation_rate=tuple(case["dilation"]),
        use_bias=case["bias"],
    )
    theirs = _torch(torch, module, [case["c_in"], *case["size"]])
    ours = _calc((*case["size"], case["c_in"]), layer)
    assert ours == theirs


@SETTINGS
@given(case=conv_cases(), multiplier=st.integers(1, 3))
def test_depthwise_matches_pytorch_grouped_conv(torch, case, multiplier):
    """A depthwise convolution is PyTorch's Conv with groups = in_channels and m times as many outputs."""
    rank = min(case["rank"], 2)
    axes = slice(0, rank)
    c_in = case["c_in"]
    module = getattr(torch.nn, f"Conv{rank}d")(
        c_in,
        c_in * multiplier,
        tuple(case["kernel"][axes]),
        stride=tuple(case["stride"][axes]),
        padding=tuple(case["padding"][axes]),
        dilation=tuple(case["dilation"][axes]),
        groups=c_in,
        bias=case["bias"],
    )
    layer = getattr(L, f"DepthwiseConv{rank}D")(
        tuple(case["kernel"][axes]),
        strides=tuple(case["stride"][axes]),
        padding=tuple(case["padding"][axes]),
        dilation_rate=tuple(case["dilation"][axes]),
        depth_multiplier=multiplier,
        use_bias=case["bias"],
    )
    theirs = _torch(torch, module, [c_in, *case["size"][axes]])
    ours = _calc((*case["size"][axes], c_in), layer)
    assert ours == theirs


@SETTINGS
@given(
    spatial=st.lists(st.integers(1, 6), max_size=3),
    channels=st.integers(1, 40),
    affine=st.booleans(),
)
def test_batch_norm_matches_pytorch(torch, spatial, channels, affine):
    """Keras and PyTorch keep the same vectors but file them differently.

    PyTorch: γ and β are parameters (when affine); the running mean and variance are buffers, and so is
    num_batches_tracked, a single count Keras does not keep. Keras: γ and β are trainable weights (when
    scale and center), the moving mean and variance are non-trainable weights. So calc's trainable count
    is PyTorch's parameter count, and its non-trainable count is PyTorch's running_mean and running_var.
    """
    module = getattr(torch.nn, f"BatchNorm{max(len(spatial), 1)}d")(channels, affine=affine)
    module.eval()
    out = module(torch.zeros(2, channels, *spatial))
    record = calc.Sequential([L.BatchNormalization(center=affine, scale=affine)], input=(*spatial, channels))
    record = record.analyze().records[0]
    assert [int(d) for d in record.output_shape] == [*out.shape[2:], out.shape[1]]
    assert int(record.trainable) == sum(p.numel() for p in module.parameters())
    assert int(record.non_trainable) == module.running_mean.numel() + module.running_var.numel()
    assert module.num_batches_tracked.numel() == 1  # the one buffer with no Keras counterpart


GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}
KERAS_RECURRENT = {"RNN": "SimpleRNN", "LSTM": "LSTM", "GRU": "GRU"}


@SETTINGS
@given(
    kind=st.sampled_from(["RNN", "LSTM", "GRU"]),
    steps=st.integers(1, 12),
    features=st.integers(1, 24),
    units=st.integers(1, 24),
    bias=st.booleans(),
    reset_after=st.booleans(),
    bidirectional=st.booleans(),
)
def test_recurrent_matches_pytorch(torch, kind, steps, features, units, bias, reset_after, bidirectional):
    """Keras and PyTorch count recurrent biases differently, so the test translates, not equates.

    PyTorch keeps two bias vectors per gate, b_ih and b_hh (g u values each). Keras's SimpleRNN and LSTM
    keep one, so PyTorch has g u more per direction; Keras's GRU with reset_after=True keeps two, the same
    as PyTorch, and with reset_after=False one. Weights (g u (n + u)) and output shapes agree.
    """
    module = getattr(torch.nn, kind)(features, units, bias=bias, batch_first=True, bidirectional=bidirectional)
    out, _ = module(torch.zeros(2, steps, features))
    keras_biases = 2 if kind == "GRU" and reset_after else 1
    directions = 2 if bidirectional else 1
    extra_torch_biases = (2 - keras_biases) * GATES[kind] * units * directions if bias else 0
    expected = sum(p.numel() for p in module.parameters()) - extra_torch_biases

    options = {"units": units, "use_bias": bias, "return_sequences": True}
    if kind == "GRU":
        options["reset_after"] = reset_after
    inner = L.REGISTRY[KERAS_RECURRENT[kind]](**options)
    layer = L.Bidirectional(inner) if bidirectional else inner
    record = calc.Sequential([layer], input=(steps, features)).analyze().records[0]
    assert [int(d) for d in record.output_shape] == list(out.shape[1:])
    assert int(record.trainable) == expected


@SETTINGS
@given(
    heads=st.integers(1, 6),
    head_dim=st.integers(1, 8),
    steps=st.integers(1, 10),
    bias=st.booleans(),
)
def test_self_attention_matches_pytorch(torch, heads, head_dim, steps, bias):
    """PyTorch's MultiheadAttention with embed_dim E is Keras's with key_dim = value_dim = E / heads:
    the same four E x E maps and, with bias, the same four biases of E."""
    width = heads * head_dim
    module = torch.nn.MultiheadAttention(width, heads, bias=bias, batch_first=True)
    x = torch.zeros(2, steps, width)
    out, _ = module(x, x, x)
    record = calc.Sequential([L.MultiHeadAttention(heads, head_dim, use_bias=bias)], input=(steps, width))
    record = record.analyze().records[0]
    assert [int(d) for d in record.output_shape] == list(out.shape[1:])
    assert int(record.params) == sum(p.numel() for p in module.parameters())
