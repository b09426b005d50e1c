"""Property tests of `dialect: pytorch` against PyTorch's CPU build: random single layers (convolutions,
transposed convolutions, pooling, BatchNorm, recurrent layers, attention, Flatten, LayerNorm), each built
by PyTorch from the very keyword arguments the spec gives, and run on zeros; and the tensor arithmetic
(add, sub, mul broadcasting, cat's dim) on random shapes, run as torch.add, torch.cat, ...

Both answers are compared: the output shape (batch axis left out) and sum(p.numel()) — or, when
PyTorch refuses the layer (a ValueError at construction or an error on the forward pass), that calc
refuses it too. PyTorch runs with a batch of 2 so that batch-size checks (BatchNorm's "more than one
value per channel") never stand in for shape rules.
"""

from __future__ import annotations

import importlib.util
import warnings

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import calc
from calc.errors import CalcError
from tests.conftest import require


def examples(count: int):
    return settings(max_examples=count, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def torch():
    require(importlib.util.find_spec("torch") is not None, "torch (pip install torch==2.13.0)")
    import torch

    torch.set_grad_enabled(False)
    torch.set_num_threads(1)  # tiny tensors: more threads only wait on each other (10-30x slower)
    warnings.filterwarnings("ignore", module="torch")
    return torch


def ours(input_shape, name, kwargs, inputs=None):
    """calc's (output shape, params) for one layer, or None when calc refuses it."""
    spec = {"dialect": "pytorch", "input": list(input_shape), "layers": [{name: kwargs}]}
    try:
        record = calc.from_spec(spec).analyze().records[-1]
    except CalcError:
        return None
    return [int(d) for d in record.output_shape], int(record.params)


def theirs(torch, input_shape, name, kwargs, call=None):
    """PyTorch's (output shape without the batch axis, params), or None when PyTorch refuses."""
    try:
        module = getattr(torch.nn, name)(**kwargs).eval()
        x = torch.zeros(2, *input_shape)
        out = call(module, x) if call else module(x)
    except Exception:  # a refusal of any kind is PyTorch's answer
        return None
    out = out[0] if isinstance(out, tuple) else out
    if 0 in out.shape:  # ConvTranspose may return an empty tensor, an output size of 0 that calc refuses
        return None
    return list(out.shape[1:]), sum(p.numel() for p in module.parameters())


def per_axis(draw, rank, values):
    """An int, or a list of one value per axis (PyTorch takes both)."""
    if draw(st.booleans()):
        return draw(values)
    return draw(st.lists(values, min_size=rank, max_size=rank))


def sizes(draw, rank, low=1):
    return draw(st.lists(st.integers(low, 12 if rank < 3 else 7), min_size=rank, max_size=rank))


@st.composite
def conv_cases(draw):
    rank = draw(st.integers(1, 3))
    groups = draw(st.sampled_from([1, 1, 1, 2, 3, 4]))
    in_channels = groups * draw(st.integers(1, 3))
    stride = per_axis(draw, rank, st.integers(1, 3))
    padding = draw(
        st.one_of(
            st.sampled_from(["same", "valid"]),
            st.integers(0, 3),
            st.lists(st.integers(0, 3), min_size=rank, max_size=rank),
        )
    )
    kwargs = {
        "in_channels": in_channels,
        # now and then a count that does not divide by groups, which PyTorch refuses
        "out_channels": draw(st.integers(1, 4)) * (groups if draw(st.integers(0, 9)) else 1),
        "kernel_size": per_axis(draw, rank, st.integers(1, 5)),
        "stride": stride,
        "padding": padding,
        "dilation": per_axis(draw, rank, st.integers(1, 3)),
        "groups": groups,
        "bias": draw(st.booleans()),
        "padding_mode": draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"])),
    }
    # now and then an input whose channels are not in_channels
    channels = in_channels if draw(st.integers(0, 9)) else draw(st.integers(1, 8))
    return f"Conv{rank}d", [channels, *sizes(draw, rank)], kwargs


@examples(1000)
@given(case=conv_cases())
def test_convolution(torch, case):
    name, shape, kwargs = case
    assert ours(shape, name, kwargs) == theirs(torch, shape, name, kwargs)


@st.composite
def conv_transpose_cases(draw):
    rank = draw(st.integers(1, 3))
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    in_channels = groups * draw(st.integers(1, 3))
    kwargs = {
        "in_channels": in_channels,
        "out_channels": draw(st.integers(1, 4)) * (groups if draw(st.integers(0, 9)) else 1),
        "kernel_size": per_axis(draw, rank, st.integers(1, 5)),
        "stride": per_axis(draw, rank, st.integers(1, 3)),
        "padding": per_axis(draw, rank, st.integers(0, 3)),
        # output_padding must stay below max(stride, dilation); now and then it does not
        "output_padding": per_axis(draw, rank, st.integers(0, 2)),
        "groups": groups,
        "bias": draw(st.booleans()),
        "dilation": per_axis(draw, rank, st.integers(1, 3)),
    }
    channels = in_channels if draw(st.integers(0, 9)) else draw(st.integers(1, 8))
    return f"ConvTranspose{rank}d", [channels, *sizes(draw, rank)], kwargs


@examples(500)
@given(case=conv_transpose_cases())
def test_transposed_convolution(torch, case):
    name, shape, kwargs = case
    assert ours(shape, name, kwargs) == theirs(torch, shape, name, kwargs)


@st.composite
def pool_cases(draw):
    rank = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["Max", "Avg"]))
    kernel = draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank))
    # padding mostly within PyTorch's limit of kernel/2, sometimes over it
    padding = [draw(st.integers(0, k // 2 + (1 if draw(st.integers(0, 7)) == 0 else 0))) for k in kernel]
    kwargs = {
        "kernel_size": kernel if draw(st.booleans()) or len(set(kernel)) > 1 else kernel[0],
        "stride": draw(
            st.one_of(st.none(), st.integers(1, 3), st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
        ),
        "padding": padding,
        "ceil_mode": draw(st.booleans()),
    }
    if kind == "Max":
        kwargs["dilation"] = per_axis(draw, rank, st.integers(1, 3))
        kwargs["return_indices"] = draw(st.booleans())
    else:
        kwargs["count_include_pad"] = draw(st.booleans())
        if rank > 1:
            kwargs["divisor_override"] = draw(st.sampled_from([None, None, 1, 3]))
    return f"{kind}Pool{rank}d", [draw(st.integers(1, 3)), *sizes(draw, rank)], kwargs


@examples(1200)
@given(case=pool_cases())
def test_pooling_with_ceil_mode(torch, case):
    name, shape, kwargs = case
    assert ours(shape, name, kwargs) == theirs(torch, shape, name, kwargs)


@st.composite
def adaptive_cases(draw):
    rank = draw(st.integers(1, 3))
    output = draw(st.lists(st.one_of(st.none(), st.integers(1, 9)), min_size=rank, max_size=rank))
    if rank == 1 and output[0] is None:
        output = [draw(st.integers(1, 9))]
    kind = draw(st.sampled_from(["Max", "Avg"]))
    size = output[0] if rank == 1 and draw(st.booleans()) else output
    return f"Adaptive{kind}Pool{rank}d", [draw(st.integers(1, 3)), *sizes(draw, rank)], {"output_size": size}


@examples(200)
@given(case=adaptive_cases())
def test_adaptive_pooling(torch, case):
    name, shape, kwargs = case
    assert ours(shape, name, kwargs) == theirs(torch, shape, name, kwargs)


@st.composite
def batch_norm_cases(draw):
    rank = draw(st.integers(1, 3))
    channels = draw(st.integers(1, 8))
    spatial = {1: draw(st.sampled_from([[], [draw(st.integers(1, 6))]])), 2: sizes(draw, 2), 3: sizes(draw, 3)}[rank]
    if draw(st.integers(0, 9)) == 0:  # now and then the wrong rank for the class
        spatial = spatial[:-1] if spatial else [3]
    kwargs = {
        "num_features": channels if draw(st.integers(0, 5)) else draw(st.integers(1, 8)),
        "affine": draw(st.booleans()),
        "track_running_stats": draw(st.booleans()),
        "eps": 1e-5,
        "momentum": draw(st.sampled_from([0.1, None])),
    }
    return f"BatchNorm{rank}d", [channels, *spatial], kwargs


@examples(400)
@given(case=batch_norm_cases())
def test_batch_norm(torch, case):
    name, shape, kwargs = case
    assert ours(shape, name, kwargs) == theirs(torch, shape, name, kwargs)


def recurrent_call(module, x):
    """[2, L, H] in; PyTorch wants [L, 2, H] unless batch_first; the output back as [2, L, D*H]."""
    if module.batch_first:
        return module(x)[0]
    return module(x.transpose(0, 1))[0].transpose(0, 1)


@st.composite
def recurrent_cases(draw):
    name = draw(st.sampled_from(["RNN", "GRU", "LSTM"]))
    input_size = draw(st.integers(1, 12))
    hidden = draw(st.integers(1, 12))
    kwargs = {
        "input_size": input_size,
        "hidden_size": hidden,
        "num_layers": draw(st.integers(1, 3)),
        "bias": draw(st.booleans()),
        "batch_first": draw(st.booleans()),
        "bidirectional": draw(st.booleans()),
        "dropout": draw(st.sampled_from([0.0, 0.0, 0.2])),
    }
    if name == "LSTM" and draw(st.booleans()):
        kwargs["proj_size"] = draw(st.integers(0, hidden))  # proj_size = hidden_size is refused
    if name == "RNN" and draw(st.booleans()):
        kwargs["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
    features = input_size if draw(st.integers(0, 9)) else draw(st.integers(1, 12))
    return name, [draw(st.integers(1, 6)), features], kwargs


@examples(600)
@given(case=recurrent_cases())
def test_recurrent_layers(torch, case):
    name, shape, kwargs = case
    assert ours(shape, name, kwargs) == theirs(torch, shape, name, kwargs, call=recurrent_call)


def attention_call(module, x):
    x = x if module.batch_first else x.transpose(0, 1)
    out = module(x, x, x)[0]
    return out if module.batch_first else out.transpose(0, 1)


@st.composite
def attention_cases(draw):
    heads = draw(st.integers(1, 4))
    embed = heads * draw(st.integers(1, 4)) if draw(st.integers(0, 7)) else draw(st.integers(1, 12))
    kwargs = {
        "embed_dim": embed,
        "num_heads": heads,
        "bias": draw(st.booleans()),
        "add_bias_kv": draw(st.booleans()),
        "add_zero_attn": draw(st.booleans()),
        "batch_first": draw(st.booleans()),
    }
    if draw(st.integers(0, 4)) == 0:  # equal to embed_dim is fine; anything else fails in self-attention
        kwargs["kdim"] = draw(st.sampled_from([embed, embed + 1]))
        kwargs["vdim"] = draw(st.sampled_from([embed, embed + 2]))
    features = embed if draw(st.integers(0, 9)) else draw(st.integers(1, 12))
    return "MultiheadAttention", [draw(st.integers(1, 6)), features], kwargs


@examples(300)
@given(case=attention_cases())
def test_multihead_self_attention(torch, case):
    name, shape, kwargs = case
    assert ours(shape, name, kwargs) == theirs(torch, shape, name, kwargs, call=attention_call)


@st.composite
def flatten_cases(draw):
    shape = draw(st.lists(st.integers(1, 5), min_size=1, max_size=4))
    rank = len(shape) + 1
    start = draw(st.integers(-rank - 1, rank))
    end = draw(st.integers(-rank - 1, rank))
    return shape, {"start_dim": start, "end_dim": end}


@examples(300)
@given(case=flatten_cases())
def test_flatten_dims_count_the_batch_axis(torch, case):
    shape, kwargs = case
    rank = len(shape) + 1
    # start_dim 0 flattens the batch axis, which PyTorch allows and calc refuses (it keeps that axis)
    assume(not (-rank <= kwargs["start_dim"] < rank and kwargs["start_dim"] % rank == 0))
    assert ours(shape, "Flatten", kwargs) == theirs(torch, shape, "Flatten", kwargs)


@st.composite
def layer_norm_cases(draw):
    shape = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    count = draw(st.integers(1, len(shape)))
    normalized = (
        shape[-count:] if draw(st.integers(0, 4)) else draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    )
    kwargs = {"normalized_shape": normalized, "elementwise_affine": draw(st.booleans()), "bias": draw(st.booleans())}
    return shape, kwargs


@examples(200)
@given(case=layer_norm_cases())
def test_layer_norm(torch, case):
    shape, kwargs = case
    # normalized_shape longer than one example would reach into the batch axis, whose size is free here
    assume(len(kwargs["normalized_shape"]) <= len(shape))
    assert ours(shape, "LayerNorm", kwargs) == theirs(torch, shape, "LayerNorm", kwargs)


def ours_graph(shapes, name, kwargs):
    """calc's (output shape, params) for one layer reading named inputs a, b, ..., or None when calc refuses."""
    names = "abcd"[: len(shapes)]
    spec = {
        "dialect": "pytorch",
        "inputs": {n: list(shape) for n, shape in zip(names, shapes)},
        "layers": [{name: {**kwargs, "inputs": list(names)}}],
    }
    try:
        record = calc.from_spec(spec).analyze().records[-1]
    except CalcError:
        return None
    return [int(d) for d in record.output_shape], int(record.params)


def theirs_function(torch, call, shapes):
    """PyTorch's (output shape without the batch axis, 0 params) for a function of zeros of ``shapes``
    (a batch of 2), or None when PyTorch refuses."""
    try:
        out = call([torch.zeros(2, *shape) for shape in shapes])
    except Exception:  # a refusal of any kind is PyTorch's answer
        return None
    return list(out.shape[1:]), 0


@st.composite
def broadcast_cases(draw):
    """Two shapes of one rank, each axis equal, or one of them 1, or (now and then) anything."""
    rank = draw(st.integers(1, 4))
    a = draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank))
    b = [draw(st.sampled_from([size, size, 1, draw(st.integers(1, 4))])) for size in a]
    a = [draw(st.sampled_from([size, size, 1])) for size in a]
    kwargs = {"alpha": draw(st.sampled_from([1, 2, 0.5]))} if draw(st.booleans()) else {}
    name = draw(st.sampled_from(["add", "sub", "mul"]))
    return name, [a, b], kwargs if name != "mul" else {}


@examples(400)
@given(case=broadcast_cases())
def test_add_sub_mul_broadcast_as_pytorch_does(torch, case):
    name, shapes, kwargs = case
    call = getattr(torch, name)
    assert ours_graph(shapes, name, kwargs) == theirs_function(torch, lambda xs: call(*xs, **kwargs), shapes)


@given(a=st.lists(st.integers(1, 4), min_size=1, max_size=3), extra=st.integers(1, 2))
def test_different_ranks_are_refused(a, extra):
    """PyTorch lines shapes up from the last dim, so the batch axis of one would meet another dim of the
    other; calc refuses rather than guess the batch size."""
    b = [1] * extra + a
    assert ours_graph([a, b], "add", {}) is None
    assert ours_graph([b, a], "cat", {"dim": 1}) is None


@st.composite
def cat_cases(draw):
    """2 or 3 shapes of one rank that differ on the joined dim, now and then on another; dims from one out
    of range below to one out of range above (the batch axis, dim 0, left out: calc keeps that axis)."""
    rank = draw(st.integers(1, 4))
    dim = draw(st.sampled_from([d for d in range(-rank - 2, rank + 2) if d not in (0, -rank - 1)]))
    base = draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank))
    shapes = []
    for _ in range(draw(st.integers(2, 3))):
        shape = list(base)
        if -rank - 1 <= dim <= rank:
            shape[dim - 1 if dim > 0 else dim] = draw(st.integers(1, 4))
        if draw(st.integers(0, 9)) == 0:
            shape[draw(st.integers(0, rank - 1))] = draw(st.integers(1, 4))
        shapes.append(shape)
    return shapes, dim


@examples(400)
@given(case=cat_cases())
def test_cat_dims_count_the_batch_axis(torch, case):
    shapes, dim = case
    assert ours_graph(shapes, "cat", {"dim": dim}) == theirs_function(torch, lambda xs: torch.cat(xs, dim=dim), shapes)
