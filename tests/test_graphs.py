"""Functional models: several inputs, residual Add, Concatenate, shared layers, nested blocks."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT

GRAPH = """\
name: resblock
inputs: {image: [32, 32, 3], meta: [10]}
layers:
  - Conv2D: {filters: 16, kernel_size: 3, padding: same, inputs: [image]}
  - Conv2D: {filters: 16, kernel_size: 3, padding: same}
  - Add: {inputs: [conv2d, conv2d_1]}
  - GlobalAveragePooling2D: {}
  - Dense: {units: 8, name: shared}
  - Dense: {units: 16, inputs: [meta]}
  - shared: {inputs: [dense]}
  - Concatenate: {inputs: [shared, "shared[1]"]}
  - Model:
      name: head
      layers:
        - Dense: {units: 4}
        - Dense: {units: 2}
"""


def test_graph_summary(cli, spec_file):
    data = cli("summary", spec_file(GRAPH), "--format", "json").json()
    rows = [(x["name"], x["type"], x["output_shape"], x["params"]) for x in data["layers"]]
    assert rows == [
        ("image", "InputLayer", [None, 32, 32, 3], 0),
        ("meta", "InputLayer", [None, 10], 0),
        ("conv2d", "Conv2D", [None, 32, 32, 16], (9 * 3 + 1) * 16),  # 448
        ("conv2d_1", "Conv2D", [None, 32, 32, 16], (9 * 16 + 1) * 16),  # 2320
        ("add", "Add", [None, 32, 32, 16], 0),
        ("global_average_pooling2d", "GlobalAveragePooling2D", [None, 16], 0),
        ("shared", "Dense", [None, 8], 16 * 8 + 8),  # 136, counted once for two calls
        ("dense", "Dense", [None, 16], 10 * 16 + 16),  # 176
        ("concatenate", "Concatenate", [None, 16], 0),  # 8 + 8
        ("head", "Sequential", [None, 2], (16 * 4 + 4) + (4 * 2 + 2)),  # 68 + 10 = 78
    ]
    assert data["total_params"] == 448 + 2320 + 136 + 176 + 78


def test_connected_to_column(cli, spec_file):
    out = cli("summary", spec_file(GRAPH)).out
    assert "Connected to" in out
    assert " add (Add) " in out and "conv2d[0][0]" in out and "conv2d_1[0][0]" in out
    assert "shared[1][0]" in out


def test_graph_derivation(cli, spec_file):
    out = cli("derive", spec_file(GRAPH)).out
    assert "It shares the weights of the first call" in out
    assert r"c = 8 + 8 = 16" in out
    assert "The block's layers hold dense $68$, dense\\_1 $10$; in all $78$." in out


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ("  - Dense: {units: 4, inputs: [nowhere]}\n", "input 'nowhere' is not defined before this layer"),
        ("  - Dense: {units: 4, inputs: [a]}\n  - Add: {inputs: [a, dense]}\n", "incompatible shapes"),
        ("  - Dense: {units: 4, inputs: [a]}\n  - Concatenate: {inputs: [a, dense], axis: 1}\n", None),
        (
            "  - Conv1D: {filters: 4, kernel_size: 1, inputs: [b]}\n  - Concatenate: {inputs: [a, conv1d]}\n",
            "different ranks",
        ),
        ("  - Subtract: {inputs: [a, a, a]}\n", "exactly 2 inputs"),
        ("  - Add: {inputs: [a]}\n", "at least 2 inputs"),
        ("  - Dense: {units: 3, inputs: [a]}\n  - dense: {inputs: [b], units: 4}\n", "takes only 'inputs'"),
        (
            "  - Dense: {units: 3, inputs: [a]}\n  - Dense: {units: 3, inputs: ['dense[1]']}\n",
            "'dense[1]' is not defined",
        ),
        ("  - Dense: {units: 3}\n", "must name its 'inputs'"),
        ("  - Dense: {units: 3, inputs: 'a; rm -rf /'}\n", "'inputs' must be a list"),
    ],
)
def test_graph_errors(cli, spec_file, layers, message):
    run = cli("summary", spec_file("inputs: {a: [8], b: [5, 8]}\nlayers:\n" + layers))
    if message is None:  # Concatenate of (8,) and (4,) on the last axis is valid
        assert run.status == 0, run.err
        return
    assert run.status == 2, run.out
    assert run.err.count("\n") == 1 and message in run.err, run.err


REPEAT = """\
name: encoder
input: [S, H]
layers:
  - Repeat:
      times: L
      layers:
        - Dense: {units: 4*H}
        - Dense: {units: H}
  - Dense: {units: 2}
"""


def test_repeated_block_is_a_closed_form_in_its_count(cli, spec_file):
    path = spec_file(REPEAT)
    data = cli("summary", path, "--format", "json").json()
    # one copy: (H*4H + 4H) + (4H*H + H) = 8H^2 + 5H; L copies; the head 2H + 2
    assert data["layers"][0]["params"] == "L*(8*H**2 + 5*H)"
    assert data["layers"][0]["output_shape"] == [None, "S", "H"]
    numeric = cli("summary", path, "--set", "L=12", "--set", "H=768", "--set", "S=128", "--format", "json").json()
    assert numeric["total_params"] == 12 * (8 * 768**2 + 5 * 768) + 2 * 768 + 2
    out = cli("derive", path, "--set", "L=2", "--set", "H=4", "--set", "S=3").out
    assert r"P = 2 \cdot 148 = 296" in out  # 8*16 + 5*4 = 148
    # the block's own layers are derived too, numbered within it (H = 4: 4*16 + 16 = 80, then 16*4 + 4 = 68)
    assert "One copy of the block, layer by layer:" in out
    assert "### 1.1. dense (Dense)" in out and r"P = 4 \cdot 16 + 16 = 80" in out
    assert r"### 1.2. dense\_1 (Dense)" in out and r"= 16 \cdot 4 + 4 = 68" in out
    latex = cli("derive", path, "--set", "L=2", "--set", "H=4", "--set", "S=3", "--format", "latex").out
    assert r"\subsubsection*{1.2. dense\_\allowbreak{}1 (Dense)}" in latex


def test_repeated_block_must_keep_its_shape(cli, spec_file):
    text = "input: [8]\nlayers:\n  - Repeat: {times: 3, layers: [{Dense: {units: 4}}]}\n"
    run = cli("summary", spec_file(text))
    assert run.status == 2 and "a repeated block must keep its input shape (None, 8)" in run.err
    run = cli("summary", spec_file("input: [8]\nlayers:\n  - Repeat: {layers: [{Dense: {units: 8}}]}\n"))
    assert run.status == 2 and "Repeat needs 'times'" in run.err


def test_errors_inside_a_block_name_the_file_the_block_and_the_layer(cli, spec_file):
    """A mistake inside a nested block names the block (as a layer of the model) and then its own layer."""
    path = spec_file(
        "input: [8, 16]\nlayers:\n  - Dense: {units: 16}\n  - Repeat: {times: 2, layers: [{Dense: {unitz: 16}}]}\n"
    )
    run = cli("summary", path)
    where = "layer 2 (repeat, Repeat): layer 1 (dense, Dense)"
    assert run.status == 2
    assert run.err == f"calc: {path}: {where}: Dense has no argument 'unitz' (did you mean 'units'?)\n"
    path = spec_file(REPEAT.replace("4*H", "H/3"))  # found while building: H/3 units when H = 4
    run = cli("summary", path, "--set", "H=4", "--set", "L=2", "--set", "S=3")
    assert run.status == 2
    assert run.err.startswith(f"calc: {path}: layer 1 (repeat, Repeat): layer 1 (dense, Dense): "), run.err


def test_shared_layer_must_fit_its_weights(cli, spec_file):
    """Keras builds a shared layer's weights on its first call and refuses a call that does not fit."""
    run = cli(
        "summary",
        spec_file(
            "inputs: {a: [4], b: [8]}\nlayers:\n  - Dense: {units: 3, name: s, inputs: [a]}\n  - s: {inputs: [b]}\n"
        ),
    )
    assert run.status == 2
    assert (
        "'s' is shared: its weights were built for input shape (None, 4), but this call gives it (None, 8)" in run.err
    )


def test_nested_graph_block(cli, spec_file):
    text = (
        "inputs: {a: [4]}\nlayers:\n  - Model:\n      name: blk\n      layers:\n"
        "        - Dense: {units: 3}\n        - Dense: {units: 3, inputs: [input]}\n"
        "        - Add: {inputs: [dense, dense_1]}\n"
    )
    data = cli("summary", spec_file(text), "--format", "json").json()
    block = {key: data["layers"][1][key] for key in ("name", "type", "output_shape", "params")}
    assert block == {"name": "blk", "type": "Functional", "output_shape": [None, 3], "params": 30}  # 2 x (4*3 + 3)


def test_markdown_summary_counts_shared_layers_once(cli, spec_file):
    out = cli("summary", spec_file(GRAPH), "--format", "markdown").out
    assert out.count("shared (Dense)") == 1


def test_docs_cross_attention_example(cli):
    """docs/spec-format.md's cross-attention spec (examples/cross.yaml) prints the table shown under it; 1,188
    is what Keras 3.15 counts for the same layer (tests/fixtures/keras_functional.json,
    encoder_decoder_cross_attention)."""
    from tests.docs_examples import block, check_shown, commands

    path = ROOT / "examples" / "cross.yaml"
    assert block("docs/spec-format.md", "cross-yaml") == path.read_text(encoding="utf-8")
    ((args, shown),) = commands(block("docs/spec-format.md", "cross-summary"))
    assert args == ["summary", "examples/cross.yaml"]
    check_shown(cli("summary", str(path)), args, shown)
    derivation = cli("derive", str(path)).out
    assert "Key projection, reading the value (input 2)" in derivation and "1{,}188" in derivation
