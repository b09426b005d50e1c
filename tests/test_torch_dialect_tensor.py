"""The pytorch dialect's tensor operations (view, permute, transpose, unsqueeze, squeeze, expand, mean, sum,
stack, slice, select, matmul, pad, Upsample, Parameter) and Lazy modules, in specs, worked by hand."""

from __future__ import annotations

import pytest

import calc
from calc.errors import CalcError

OPS = """\
dialect: pytorch
name: ops
input: [3, 8, 8]
layers:
  - LazyConv2d: {out_channels: 4, kernel_size: 3, padding: 1, name: conv}
  - pad: {pad: [1, 1, 2, 2], name: pad}
  - permute: {dims: [0, 2, 3, 1], name: permute}
  - transpose: {dim0: 1, dim1: -1, name: transpose}
  - view: {shape: [4, -1], name: view}
  - unsqueeze: {dim: 1, name: unsqueeze}
  - squeeze: {dim: 1, name: squeeze}
  - slice: {dim: 2, start: 0, stop: 50, step: 2, name: getitem}
  - Parameter: {size: [4, 1], name: scale, inputs: [input_layer]}
  - mul: {name: mul, inputs: [getitem, scale]}
  - transpose: {dim0: 1, dim1: 2, name: t}
  - matmul: {name: matmul, inputs: [mul, t]}
  - mean: {dim: -1, keepdim: true, name: mean}
  - select: {dim: 2, index: 0, name: select}
  - stack: {dim: 1, name: stack, inputs: [select, select]}
  - Upsample: {scale_factor: 2, name: up, inputs: [conv]}
  - LazyLinear: {out_features: 5, name: fc}
  - sum: {dim: [2, 3], name: total}
  - expand: {size: [-1, 3], name: wide, inputs: [mean]}
"""


def rows(text: str) -> list[tuple]:
    summary = calc.from_text(text).summary().to_dict()
    return [(x["name"], x["type"], x["output_shape"], x["params"], x["macs"]) for x in summary["layers"]]


def test_every_operation_worked_by_hand():
    assert rows(OPS) == [
        ("input_layer", "InputLayer", [None, 3, 8, 8], 0, 0),
        ("conv", "LazyConv2d", [None, 4, 8, 8], (3 * 9 + 1) * 4, 8 * 8 * 4 * 3 * 9),  # in_channels = 3, read
        ("pad", "pad", [None, 4, 12, 10], 0, 0),  # width 8 + 1 + 1, height 8 + 2 + 2
        ("permute", "permute", [None, 12, 10, 4], 0, 0),
        ("transpose", "transpose", [None, 4, 10, 12], 0, 0),  # dims 1 and 3 swapped
        ("view", "view", [None, 4, 120], 0, 0),  # -1 = 480 / 4
        ("unsqueeze", "unsqueeze", [None, 1, 4, 120], 0, 0),
        ("squeeze", "squeeze", [None, 4, 120], 0, 0),
        ("getitem", "slice", [None, 4, 25], 0, 0),  # 0:50:2 of 120: ceil(50 / 2)
        ("scale", "Parameter", [None, 4, 1], 4, 0),  # size [4, 1] meets [N, 4, 25]: broadcast as [1, 4, 1]
        ("mul", "mul", [None, 4, 25], 0, 0),
        ("t", "transpose", [None, 25, 4], 0, 0),
        ("matmul", "matmul", [None, 4, 4], 0, 4 * 25 * 4),  # a 4x25 by 25x4 product: 4 * 4 sums of 25
        ("mean", "mean", [None, 4, 1], 0, 0),
        ("select", "select", [None, 4], 0, 0),
        ("stack", "stack", [None, 2, 4], 0, 0),
        ("up", "Upsample", [None, 4, 16, 16], 0, 0),
        ("fc", "LazyLinear", [None, 4, 16, 5], 16 * 5 + 5, 4 * 16 * 16 * 5),  # in_features = 16, read
        ("total", "sum", [None, 4], 0, 0),
        ("wide", "expand", [None, 4, 3], 0, 0),
    ]


def test_parameter_with_a_leading_one_stands_over_the_batch_axis():
    """A class token nn.Parameter(torch.zeros(1, 1, 8)) meets [N, L, 8]: its dim 0 faces the batch axis."""
    spec = """\
dialect: pytorch
input: [4, 8]
layers:
  - Parameter: {size: [1, 1, 8], name: cls_token, inputs: [input_layer]}
  - expand: {size: [-1, -1], name: expand}
  - cat: {inputs: [expand, input_layer], dim: 1}
  - Parameter: {size: [1, 5, 8], name: pos, inputs: [input_layer]}
  - add: {inputs: [cat, pos]}
"""
    assert [r[2:4] for r in rows(spec)[1:]] == [
        ([None, 1, 8], 8),
        ([None, 1, 8], 0),
        ([None, 5, 8], 0),
        ([None, 5, 8], 40),
        ([None, 5, 8], 0),
    ]


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ("permute: {dims: [1, 0, 2, 3]}", "keep the batch axis (0) first"),
        ("transpose: {dim0: 0, dim1: 1}", "dim0 0 is the batch axis"),
        ("view: {shape: [5, -1]}", "do not divide"),
        ("mean: {}", "would reduce the batch axis too"),
        ("squeeze: {}", None),
        ("expand: {size: [3, 9, 9]}", "cannot change dim 2"),
        ("slice: {dim: 1, start: 5, stop: 2}", "keeps nothing"),
        ("LazyConv2d: {in_channels: 3, out_channels: 4, kernel_size: 3}", "infers in_channels"),
        ("Parameter: {size: [2, 3], dims: 2}", "would face the batch axis"),
        ("Upsample: {}", "either size or scale_factor"),
    ],
)
def test_bad_arguments_one_line(layer: str, message: str | None):
    spec = f"dialect: pytorch\ninput: [3, 8, 8]\nlayers:\n  - {layer}\n"
    if message is None:  # squeeze() of numbers: nothing of size 1, so the shape passes through
        assert rows(spec)[-1][2] == [None, 3, 8, 8]
        return
    with pytest.raises(CalcError) as error:
        calc.from_text(spec).summary()
    assert message in str(error.value) and "\n" not in str(error.value)


def test_symbolic_view_keeps_the_rule():
    spec = "dialect: pytorch\ninput: [c, n, n]\nlayers:\n  - view: {shape: [-1]}\n"
    (shape,) = [r[2] for r in rows(spec)]  # a chain of layers: no input row
    assert shape == [None, "c*n**2"]


def test_scaled_dot_product_attention_worked_by_hand():
    """4 heads of 10 queries over 6 keys, E = 8, Ev = 5: each query meets each key (8 products) and sums the
    6 values' 5 entries: 4 · 10 · 6 · (8 + 5) MACs."""
    spec = """\
dialect: pytorch
inputs: {q: [4, 10, 8], k: [4, 6, 8], v: [4, 6, 5]}
layers:
  - scaled_dot_product_attention: {inputs: [q, k, v], is_causal: false}
"""
    assert rows(spec)[-1] == (
        "scaled_dot_product_attention",
        "scaled_dot_product_attention",
        [None, 4, 10, 5],
        0,
        4 * 10 * 6 * 13,
    )
    bad = spec.replace("v: [4, 6, 5]", "v: [4, 7, 5]")
    with pytest.raises(CalcError, match="lengths must agree"):
        calc.from_text(bad).summary()
