"""Keras's own model files: what the recorded fixtures do not show on their own.

The fixtures in keras_import/ are all Keras 3; Keras 2 (tf.keras up to TensorFlow 2.15) wrote list-form
inbound nodes and ``batch_input_shape``, read here from hand-written files with hand-worked numbers.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

import calc
from calc.importers import spec_from_keras

FIXTURES = Path(__file__).parent / "fixtures"

KERAS2_SEQUENTIAL = {
    "class_name": "Sequential",
    "keras_version": "2.15.0",
    "backend": "tensorflow",
    "config": {
        "name": "old",
        "layers": [
            {
                "class_name": "Conv2D",
                "config": {
                    "name": "conv2d",
                    "batch_input_shape": [None, 28, 28, 1],
                    "dtype": "float32",
                    "filters": 6,
                    "kernel_size": [5, 5],
                    "strides": [1, 1],
                    "padding": "valid",
                    "use_bias": True,
                    "trainable": True,
                },
            },
            {"class_name": "Flatten", "config": {"name": "flatten", "dtype": "float32", "trainable": True}},
            {"class_name": "Dense", "config": {"name": "dense", "units": 10, "use_bias": True, "trainable": False}},
        ],
    },
}

KERAS2_FUNCTIONAL = {
    "class_name": "Functional",
    "config": {
        "name": "model",
        "layers": [
            {
                "class_name": "InputLayer",
                "name": "input_1",
                "config": {"batch_input_shape": [None, 10], "name": "input_1"},
                "inbound_nodes": [],
            },
            {
                "class_name": "Dense",
                "name": "dense",
                "config": {"name": "dense", "units": 4},
                "inbound_nodes": [[["input_1", 0, 0, {}]], [["dense_1", 0, 0, {}]]],
            },
            {
                "class_name": "Dense",
                "name": "dense_1",
                "config": {"name": "dense_1", "units": 10},
                "inbound_nodes": [[["dense", 0, 0, {}]]],
            },
            {
                "class_name": "Concatenate",
                "name": "concatenate",
                "config": {"name": "concatenate", "axis": -1},
                "inbound_nodes": [[["dense", 0, 0, {}], ["dense", 1, 0, {}]]],
            },
        ],
        "input_layers": [["input_1", 0, 0]],
        "output_layers": [["concatenate", 0, 0]],
    },
}


def test_keras2_sequential():
    summary = calc.from_spec(spec_from_keras(KERAS2_SEQUENTIAL)).summary().to_dict()
    rows = [(r["name"], r["output_shape"], r["trainable_params"], r["non_trainable_params"]) for r in summary["layers"]]
    assert rows == [
        ("conv2d", [None, 24, 24, 6], (5 * 5 * 1 + 1) * 6, 0),  # 156
        ("flatten", [None, 3456], 0, 0),  # 24 * 24 * 6
        ("dense", [None, 10], 0, 3456 * 10 + 10),  # 34570, frozen
    ]


def test_keras2_functional_shared_layer_called_on_a_later_layer():
    """dense is listed first but its second call reads dense_1, listed after it."""
    spec = spec_from_keras(KERAS2_FUNCTIONAL)
    assert [next(iter(entry)) for entry in spec["layers"]] == ["Dense", "Dense", "dense", "Concatenate"]
    summary = calc.from_spec(spec).summary().to_dict()
    assert [(r["name"], r["output_shape"], r["params"]) for r in summary["layers"]] == [
        ("input_1", [None, 10], 0),
        ("dense", [None, 4], 10 * 4 + 4),  # 44, counted once for both calls
        ("dense_1", [None, 10], 4 * 10 + 10),  # 50
        ("concatenate", [None, 8], 0),  # 4 + 4
    ]


def test_the_recorded_functional_models_keep_keras_names_and_order():
    """keras_functional.json holds each model's to_json() beside its spec: both give the same rows."""
    for case in json.loads((FIXTURES / "keras_functional.json").read_text())["cases"]:
        from_json = calc.from_spec(spec_from_keras(case["keras_json"])).summary().to_dict()
        from_spec = calc.from_spec({k: case[k] for k in ("name", "inputs", "layers")}).summary().to_dict()
        assert sorted(from_json["layers"], key=by_name) == sorted(from_spec["layers"], key=by_name), case["name"]


def by_name(row: dict) -> str:
    return row["name"]


def test_derive_reads_keras_files(cli):
    for path in ("lenet5.json", "lenet5.keras", "lenet5.py"):
        run = cli("derive", str(FIXTURES / "keras_import" / path))
        assert run.status == 0, run.err
        assert r"3 \cdot 5 \cdot 5 + 1 = 76$ numbers, and the $f = 8$ filters hold $P = 8 \cdot 76 = 608$" in run.out


def test_nested_functional_block_from_a_spec(cli, spec_file):
    """A graph nested as a block reads its one input by the name a spec gives it: input."""
    text = """\
inputs: {image: [8, 8, 3]}
layers:
  - Conv2D: {filters: 4, kernel_size: 3}
  - Model:
      name: blk
      layers:
        - Conv2D: {filters: 4, kernel_size: 1, padding: same}
        - Conv2D: {filters: 4, kernel_size: 1, inputs: [input]}
        - Add: {inputs: [conv2d, conv2d_1]}
  - Flatten: {}
"""
    run = cli("summary", spec_file(text), "--format", "json")
    assert run.status == 0, run.err
    block = run.json()["layers"][2]
    assert (block["name"], block["type"], block["output_shape"], block["params"]) == (
        "blk",
        "Functional",
        [None, 6, 6, 4],
        2 * (4 * 4 + 4),  # two 1x1 convolutions of 4 channels to 4 filters
    )


class LiveModel:
    """Stands in for a keras.Model: calc.from_keras reads its to_json() and nothing else."""

    name = "lenet5"

    def to_json(self) -> str:
        return (FIXTURES / "keras_import" / "lenet5.json").read_text()

    def __call__(self, *args):
        raise AssertionError("calc must never run the model")


def test_from_keras_reads_a_live_model():
    assert calc.from_keras(LiveModel()).summary().to_dict()["total_params"] == 62958


def test_from_keras_refuses_other_objects():
    with pytest.raises(calc.CalcError, match="expected a Keras model"):
        calc.from_keras(object())


@pytest.mark.parametrize("name", ["lenet5.json", "lenet5.keras", "lenet5.py"])
def test_standard_input_takes_every_form(cli, monkeypatch, name):
    data = (FIXTURES / "keras_import" / name).read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    run = cli("summary", "-", "--format", "json")
    assert run.status == 0, run.err
    assert run.json()["total_params"] == 62958


def tensor(layer: str) -> dict:
    """A tensor argument as Keras 3.15's to_json() writes it (shape and dtype left out: calc reads the history)."""
    return {"class_name": "__keras_tensor__", "config": {"keras_history": [layer, 0, 0]}}


def attention_model(node: dict | list, key_shape: tuple = (7, 10)) -> dict:
    """Inputs q [5, 12], v [7, 6], k [*key_shape] and one MultiHeadAttention(2, key_dim=4) called as ``node``."""
    inputs = [("q", [None, 5, 12]), ("v", [None, 7, 6]), ("k", [None, *key_shape])]
    layers = [
        {"class_name": "InputLayer", "name": n, "config": {"name": n, "batch_shape": s}, "inbound_nodes": []}
        for n, s in inputs
    ]
    config = {"name": "mha", "num_heads": 2, "key_dim": 4, "value_dim": 4, "use_bias": True, "output_shape": None}
    layers.append({"class_name": "MultiHeadAttention", "name": "mha", "config": config, "inbound_nodes": [node]})
    return {
        "class_name": "Functional",
        "config": {
            "name": "cross",
            "layers": layers,
            "input_layers": [[n, 0, 0] for n, _ in inputs],
            "output_layers": [["mha", 0, 0]],
        },
    }


@pytest.mark.parametrize(
    ("node", "reads", "params"),
    [
        # Keras 3.15's inbound nodes for mha(q, v), mha(q, v, k), mha(query=q, key=k, value=v),
        # mha(q, value=v, use_causal_mask=False), mha(q, v, v) and mha(q, q)
        ({"args": [tensor("q"), tensor("v")], "kwargs": {}}, ["q", "v"], 324),
        ({"args": [tensor("q"), tensor("v"), tensor("k")], "kwargs": {}}, ["q", "v", "k"], 356),
        (
            {"args": [], "kwargs": {"query": tensor("q"), "key": tensor("k"), "value": tensor("v")}},
            ["q", "v", "k"],
            356,
        ),
        ({"args": [tensor("q")], "kwargs": {"value": tensor("v"), "use_causal_mask": False}}, ["q", "v"], 324),
        ({"args": [tensor("q"), tensor("v"), tensor("v")], "kwargs": {}}, ["q", "v"], 324),
        ({"args": [tensor("q"), tensor("q")], "kwargs": {}}, ["q"], 420),
        # Keras 2 (tf.keras) put every argument after the first into the first tensor's keywords
        ([["q", 0, 0, {"value": ["v", 0, 0], "key": ["k", 0, 0], "attention_mask": None}]], ["q", "v", "k"], 356),
        ([["q", 0, 0, {"value": ["v", 0, 0]}]], ["q", "v"], 324),
    ],
)
def test_attention_reads_query_value_and_key(node, reads, params):
    """The counts Keras 3.15 gives these calls: mha(q, v) 324 (q 12*8 + 8 = 104; k and v 6*8 + 8 = 56 each;
    out 8*12 + 12 = 108); with the key of width 10, 356 (k 10*8 + 8 = 88); mha(q, q) 420 (q, k, v 104 each,
    out 108)."""
    spec = spec_from_keras(attention_model(node))
    assert spec["layers"][0]["MultiHeadAttention"]["inputs"] == reads
    assert calc.from_spec(spec).summary().to_dict()["total_params"] == params


@pytest.mark.parametrize(
    ("node", "key_shape", "message"),
    [
        ({"args": [tensor("q")], "kwargs": {}}, (7, 10), "layer 'mha' (MultiHeadAttention) is called without a value"),
        ({"args": [tensor("q"), tensor("v")], "kwargs": {"value": tensor("k")}}, (7, 10), "two values for 'value'"),
        # Keras refuses a key of length 8 for a value of length 7
        (
            {"args": [tensor("q"), tensor("v"), tensor("k")], "kwargs": {}},
            (8, 10),
            "(None, 7, 6) and the key (None, 8, 10)",
        ),
    ],
)
def test_attention_calls_refused(node, key_shape, message, cli, tmp_path):
    path = tmp_path / "cross.json"
    path.write_text(json.dumps(attention_model(node, key_shape)))
    run = cli("summary", str(path))
    assert run.status == 2 and message in run.err and len(run.err.strip().splitlines()) == 1, run.err
