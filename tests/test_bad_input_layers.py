"""Bad input to the new layer families from the command line: one line naming file, layer and problem."""

from __future__ import annotations

import pytest

LAYER = "input: %s\nlayers:\n  - %s\n"

CASES = [
    # (id, input shape, layer, words the message must contain)
    (
        "bidirectional-inner-argument",
        "[7, 3]",
        "Bidirectional: {layer: {LSTM: {unit: 5}}}",
        ["layer 1 (bidirectional, Bidirectional)", "layer (LSTM): LSTM has no argument 'unit'", "did you mean 'units'"],
    ),
    (
        "bidirectional-inner-missing",
        "[7, 3]",
        "Bidirectional: {layer: {LSTM: {}}}",
        ["layer (LSTM): LSTM needs 'units'"],
    ),
    ("wrapper-not-a-layer", "[7, 3]", "TimeDistributed: {layer: 5}", ["layer must be one layer"]),
    (
        "wrapper-inner-too-big",
        "[7, 3]",
        "TimeDistributed: {layer: {Conv1D: {filters: 2, kernel_size: 9}}}",
        ["the wrapped Conv1D, on each step's shape (None, 3)", "takes inputs with exactly 2 axes"],
    ),
    ("recursive-alias", "[7, 3]", "&a {TimeDistributed: {layer: *a}}", ["an alias (*a)", "aliases are not read"]),
    (
        "transposed-output-padding",
        "[6, 6, 2]",
        "Conv2DTranspose: {filters: 2, kernel_size: 3, output_padding: 1}",
        ["layer 1 (conv2d_transpose, Conv2DTranspose)", "output_padding (1) must be smaller than strides (1)"],
    ),
    ("reshape-total", "[6, 4]", "Reshape: {target_shape: [5, 5]}", ["holds 25 values"]),
    ("reshape-hostile", "[6, 4]", "Reshape: {target_shape: ['9**9**9**9']}", ["layer 1 (reshape, Reshape)"]),
    ("group-norm", "[8, 6]", "GroupNormalization: {groups: 4}", ["groups (4) must divide the 6 channels"]),
    ("batch-axis", "[8, 6]", "BatchNormalization: {axis: 0}", ["the batch axis"]),
    ("mha-heads", "[8, 6]", "MultiHeadAttention: {num_heads: 0, key_dim: 2}", ["num_heads must be a positive"]),
    ("lstm-rank", "[8]", "LSTM: {units: 2}", ["layer 1 (lstm, LSTM)", "exactly 2 axes"]),
    ("embedding-float", "[8]", "Embedding: {input_dim: 2.5, output_dim: 2}", ["input_dim"]),
]


@pytest.mark.parametrize(("shape", "layer", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_one_clear_line(cli, spec_file, shape, layer, words):
    assert_one_line(cli, spec_file(LAYER % (shape, layer)), words)


def assert_one_line(cli, path, words):
    """``calc summary`` refuses the spec: exit 2, nothing on stdout, one line naming the file, holding ``words``."""
    run = cli("summary", path)
    assert run.status == 2, run.out
    assert run.out == ""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"calc: {path}: ")
    for word in words:
        assert word in lines[0]


ATTENTION = "inputs: %s\nlayers:\n  - MultiHeadAttention: {num_heads: 2, key_dim: 4, inputs: %s}\n"
LAYER_WORDS = "layer %d (multi_head_attention, MultiHeadAttention)"

ATTENTION_CASES = [
    # (id, inputs, the tensors the layer reads, words the message must contain); inputs count as layers 1..n
    (
        "mha-key-value-lengths",
        "{q: [5, 12], v: [7, 6], k: [8, 6]}",
        "[q, v, k]",
        [LAYER_WORDS % 4, "the value (None, 7, 6) and the key (None, 8, 6) must agree on every axis but the last"],
    ),
    (
        "mha-query-rank",
        "{q: [5, 12], v: [3, 7, 6]}",
        "[q, v]",
        [LAYER_WORDS % 3, "the query (None, 5, 12) and the value (None, 3, 7, 6) have different numbers of axes"],
    ),
    ("mha-four-inputs", "{q: [5, 12]}", "[q, q, q, q]", [LAYER_WORDS % 2, "takes 1 to 3 inputs"]),
    ("mha-hostile-length", "{q: [5, 12], v: ['9**9**9**9', 6]}", "[q, v]", ["input"]),
]


@pytest.mark.parametrize(
    ("inputs", "reads", "words"), [c[1:] for c in ATTENTION_CASES], ids=[c[0] for c in ATTENTION_CASES]
)
def test_attention_inputs_one_clear_line(cli, spec_file, inputs, reads, words):
    assert_one_line(cli, spec_file(ATTENTION % (inputs, reads)), words)
