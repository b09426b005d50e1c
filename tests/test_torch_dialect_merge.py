"""The pytorch dialect's tensor arithmetic (add, sub, mul, cat) in graphs, worked by hand: broadcasting,
dims counted with the batch axis as 0, torch.fx's names, and bad input (one line, exit 2)."""

from __future__ import annotations

import pytest

import calc
from calc.dialects.pytorch import REGISTRY
from calc.layers.merge import concat_rule

SE_BLOCK = """\
dialect: pytorch
name: se_block
input: [16, 8, 8]
layers:
  - Conv2d: {in_channels: 16, out_channels: 16, kernel_size: 3, padding: 1, name: conv}
  - AdaptiveAvgPool2d: {output_size: 1, name: squeeze}
  - Conv2d: {in_channels: 16, out_channels: 4, kernel_size: 1, name: reduce}
  - ReLU: {}
  - Conv2d: {in_channels: 4, out_channels: 16, kernel_size: 1, name: expand}
  - Sigmoid: {}
  - mul: {inputs: [conv, sigmoid]}
  - add: {inputs: [mul, input_layer]}
  - add: {inputs: [add, conv], alpha: 0.5}
  - cat: {inputs: [add_1, input_layer], dim: 1}
  - cat: {inputs: [cat, cat], dim: -1, name: wide}
"""


def rows(text: str) -> list[tuple]:
    summary = calc.from_text(text).summary().to_dict()
    return [(x["name"], x["type"], x["output_shape"], x["params"], x["macs"]) for x in summary["layers"]]


def test_squeeze_and_excitation_residual_and_concatenation():
    assert rows(SE_BLOCK) == [
        ("input_layer", "InputLayer", [None, 16, 8, 8], 0, 0),
        ("conv", "Conv2d", [None, 16, 8, 8], 16 * 9 * 16 + 16, 8 * 8 * 16 * 9 * 16),  # 2320; 147,456
        ("squeeze", "AdaptiveAvgPool2d", [None, 16, 1, 1], 0, 0),
        ("reduce", "Conv2d", [None, 4, 1, 1], 16 * 4 + 4, 16 * 4),
        ("re_lu", "ReLU", [None, 4, 1, 1], 0, 0),
        ("expand", "Conv2d", [None, 16, 1, 1], 4 * 16 + 16, 4 * 16),
        ("sigmoid", "Sigmoid", [None, 16, 1, 1], 0, 0),
        ("mul", "mul", [None, 16, 8, 8], 0, 0),  # [N, 16, 8, 8] * [N, 16, 1, 1]: the 1s repeat
        ("add", "add", [None, 16, 8, 8], 0, 0),
        ("add_1", "add", [None, 16, 8, 8], 0, 0),  # default names as torch.fx gives them: add, add_1
        ("cat", "cat", [None, 32, 8, 8], 0, 0),  # dim 1, the channels: 16 + 16
        ("wide", "cat", [None, 32, 8, 16], 0, 0),  # dim -1, the width: 8 + 8
    ]


def test_arithmetic_is_keras_merge_arithmetic():
    """One rule each: cat's joined size is Concatenate's c_1 + c_2; add/mul are ElementWise merges."""
    from calc.layers.merge import Concatenate, ElementWise

    assert issubclass(REGISTRY["add"], ElementWise) and issubclass(REGISTRY["mul"], ElementWise)
    assert issubclass(REGISTRY["cat"], Concatenate)
    record = calc.from_text(SE_BLOCK).analyze().layer("cat")
    (step,) = record.result.shape_steps
    assert step.rule is concat_rule(2) and step.value == 32


def test_a_sum_keeps_the_receptive_field_and_a_broadcast_axis_has_none():
    analysis = calc.from_text(SE_BLOCK).analyze()
    assert analysis.layer("conv").compute.receptive_field == (3, 3)
    # the excitation scale is one value per channel for the whole image: no field slides with the output
    assert analysis.layer("mul").compute.receptive_field is None
    text = (
        "dialect: pytorch\ninput: [2, 9, 9]\nlayers:\n"
        "  - Conv2d: {in_channels: 2, out_channels: 2, kernel_size: 5, padding: 2}\n"
        "  - add: {inputs: [conv2d, input_layer]}\n"
        "  - Conv2d: {in_channels: 2, out_channels: 2, kernel_size: [1, 9]}\n"
        "  - add: {inputs: [add, conv2d_1]}\n"
    )
    analysis = calc.from_text(text).analyze()
    assert analysis.layer("add").compute.receptive_field == (5, 5)  # the union of 5x5 and the input's 1x1
    # conv2d_1 is 9 wide but [N, 2, 9, 1]: its width of 1 repeats along add's 9, so that axis has no field
    field = analysis.layer("add_1").compute.field  # (channels, height, width)
    assert field[1].size == 5 and field[2] is None


def test_sub_and_alpha():
    text = (
        "dialect: pytorch\ninputs: {a: [3, 5], b: [1, 5]}\nlayers:\n"
        "  - sub: {inputs: [a, b], alpha: 2}\n  - sub: {inputs: [sub, a]}\n"
    )
    assert [r[1:3] for r in rows(text)[2:]] == [("sub", [None, 3, 5]), ("sub", [None, 3, 5])]
    assert REGISTRY["add"].argument_names() == ["alpha", "name"]
    assert REGISTRY["cat"].argument_names() == ["dim", "name"]
    assert REGISTRY["mul"].argument_names() == ["name"]


def test_a_function_named_like_an_earlier_layer_is_a_new_call():
    """torch.fx names the first sum 'add'; a later '- add:' entry is another sum, not a second call of it."""
    text = (
        "dialect: pytorch\ninput: [4, 6]\nlayers:\n"
        "  - add: {inputs: [input_layer, input_layer]}\n"
        "  - add: {inputs: [add, input_layer], name: add_7}\n"
        "  - add: {inputs: [add_7, add]}\n"
    )
    assert [r[0] for r in rows(text)] == ["input_layer", "add", "add_7", "add_1"]


def test_symbolic_sizes_that_may_agree_are_accepted():
    text = "dialect: pytorch\ninputs: {a: [C, H, W], b: [C, 1, 1]}\nlayers:\n  - mul: {inputs: [a, b]}\n"
    summary = calc.from_text(text).summary().to_dict()
    assert summary["layers"][-1]["output_shape"] == [None, "C", "H", "W"]
    text = "dialect: pytorch\ninputs: {a: [C, H], b: [D, H]}\nlayers:\n  - cat: {inputs: [a, b], dim: 1}\n"
    assert calc.from_text(text).summary().to_dict()["layers"][-1]["output_shape"] == [None, "C + D", "H"]


def test_derivation_says_what_was_combined(cli, spec_file):
    out = cli("derive", spec_file(SE_BLOCK)).out
    assert "mul: product of 2 tensors, value by value, a size of 1 repeated to match." in out
    assert "add: sum of 2 tensors, value by value, the second scaled by alpha = 0.5." in out
    assert "cat: joins 2 tensors along dim 1." in out and "c = 16 + 16 = 32" in out


MISMATCHED_RESIDUAL = """\
dialect: pytorch
name: block_without_downsample
input: [64, 56, 56]
layers:
  - Conv2d: {in_channels: 64, out_channels: 128, kernel_size: 3, stride: 2, padding: 1, bias: false, name: conv1}
  - BatchNorm2d: {num_features: 128, name: bn1}
  - add: {inputs: [bn1, input_layer]}
"""


def test_mismatched_residual_branches_are_refused(cli, spec_file):
    path = spec_file(MISMATCHED_RESIDUAL)
    run = cli("summary", path)
    assert run.status == 2 and run.out == ""
    assert run.err == (
        f"calc: {path}: layer 4 (add, add): add inputs do not broadcast: [N, 128, 28, 28], [N, 64, 56, 56] "
        "(dim 1: 128 against 64; sizes must agree or one be 1)\n"
    )


GRAPH = "dialect: pytorch\ninputs: {a: [4, 8, 8], b: [4, 7, 8], c: [4, 8], d: [1, 8, 3]}\nlayers:\n  - %s\n"

BAD = [
    # (id, layer line, words the one line must contain)
    ("add-three", "add: {inputs: [a, a, a]}", ["(add, add)", "add takes exactly 2 inputs, got 3"]),
    ("add-one", "add: {inputs: [a]}", ["add takes exactly 2 inputs, got 1"]),
    ("mul-one", "mul: {inputs: [a]}", ["(mul, mul)", "mul takes exactly 2 inputs, got 1"]),
    (
        "add-shapes",
        "add: {inputs: [a, b]}",
        ["add inputs do not broadcast: [N, 4, 8, 8], [N, 4, 7, 8] (dim 2: 8 against 7"],
    ),
    ("mul-shapes", "mul: {inputs: [a, d]}", ["mul inputs do not broadcast", "dim 3: 8 against 3"]),
    ("add-ranks", "add: {inputs: [a, c]}", ["add inputs have different ranks: [N, 4, 8, 8], [N, 4, 8]"]),
    ("cat-ranks", "cat: {inputs: [a, c], dim: 1}", ["cat inputs have different ranks"]),
    (
        "cat-other-dims",
        "cat: {inputs: [a, b], dim: 1}",
        ["cat on dim 1 needs the other dims to agree: [N, 4, 8, 8], [N, 4, 7, 8] (dim 2: 8 against 7)"],
    ),
    ("cat-default-dim", "cat: {inputs: [a, a]}", ["dim 0 is the batch axis (torch.cat's default)", "dim 1"]),
    ("cat-negative-batch", "cat: {inputs: [a, a], dim: -4}", ["dim -4 is the batch axis"]),
    ("cat-dim-range", "cat: {inputs: [a, a], dim: 4}", ["dim 4 is out of range for the input [N, 4, 8, 8]"]),
    ("cat-dim-negative-range", "cat: {inputs: [a, a], dim: -5}", ["dim -5 is out of range", "dims -4 to 3"]),
    ("cat-dim-word", "cat: {inputs: [a, a], dim: channels}", ["dim must be a whole number, got 'channels'"]),
    ("add-alpha", "add: {inputs: [a, a], alpha: '9**9**9'}", ["alpha must be a number"]),
    ("mul-alpha", "mul: {inputs: [a, a], alpha: 2}", ["mul has no argument 'alpha'"]),
    ("cat-keras-axis", "cat: {inputs: [a, a], axis: 1}", ["cat has no argument 'axis'"]),
    ("keras-add", "Add: {inputs: [a, a]}", ["unknown layer type 'Add' in the pytorch dialect", "'add'"]),
]


@pytest.mark.parametrize(("line", "words"), [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_input_one_line_exit_2(cli, spec_file, line, words):
    path = spec_file(GRAPH % line)
    run = cli("summary", path)
    assert run.status == 2 and run.out == ""
    assert run.err.count("\n") == 1 and run.err.startswith(f"calc: {path}: layer "), run.err
    for word in words:
        assert word in run.err, run.err
