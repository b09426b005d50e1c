"""Keras graphs with open sizes (None), layers with several outputs, shared layers, Dot and LayerScale, read from
their ``to_json()`` against Keras's own answers (tests/fixtures/keras_graphs.json, recorded from Keras 3.15.1 by
tests/fixtures/generate_keras_graphs.py): every layer's type and counts, and every call's output shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sympy as sp

from calc.importers import spec_from_keras
from calc.model import Analysis
from calc.spec import from_spec
from calc.summary import Summary, json_output

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "keras_graphs.json").read_text())
CASES = {case["name"]: case for case in FIXTURE["cases"]}


def analysis(case: dict, sizes: dict[str, int] | None = None) -> Analysis:
    return from_spec(spec_from_keras(case["keras_json"]), source=case["name"]).analyze(sizes)


def calls_by_layer(result: Analysis) -> dict[str, list]:
    calls: dict[str, list] = {}
    for record in result.records:
        calls.setdefault(record.name, []).append(json_output(record.result))
    return calls


def open_where_keras_is(ours: Any, theirs: Any) -> bool:
    """calc's shape (JSON) against Keras's: a symbol (a string) exactly where Keras has None past the batch
    axis, the same number everywhere else; lists of shapes compared item by item."""
    if isinstance(theirs, list):
        return isinstance(ours, list) and len(ours) == len(theirs) and all(map(open_where_keras_is, ours, theirs))
    if theirs is None:
        return ours is None or isinstance(ours, str)
    return ours == theirs


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_layer_as_keras_counts_it(name):
    case = CASES[name]
    summary = Summary(analysis(case)).to_dict()
    ours = {layer["name"]: layer for layer in summary["layers"]}
    assert list(ours) == [layer["name"] for layer in case["layers"]]
    for theirs in case["layers"]:
        mine = ours[theirs["name"]]
        for key in ("type", "params", "trainable_params", "non_trainable_params"):
            assert mine[key] == theirs[key], f"{theirs['name']} {key}"
    for key in ("total_params", "trainable_params", "non_trainable_params"):
        assert summary[key] == case[key]


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_call_output_shape(name):
    """Each call of each layer, each of its outputs: a symbol where Keras says None, Keras's number elsewhere."""
    case = CASES[name]
    calls = calls_by_layer(analysis(case))
    for theirs in case["layers"]:
        assert len(calls[theirs["name"]]) == len(theirs["call_output_shapes"]), theirs["name"]
        for mine, expected in zip(calls[theirs["name"]], theirs["call_output_shapes"]):
            assert open_where_keras_is(mine, expected), f"{theirs['name']}: {mine} against Keras's {expected}"


SIZED = sorted(name for name, case in CASES.items() if case.get("sizes"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_call_output_shape_as_running_the_model_gives_it(name):
    """With numbers in place of None (--set s=20), each call's outputs are those of the model run on a batch
    of zeros. They are Keras's symbolic shapes too, but for one Keras slip: MultiHeadAttention's scores,
    which Keras writes (batch, heads, L_q, L_q) and which are (batch, heads, L_q, L_k)."""
    case = CASES[name]
    calls = calls_by_layer(analysis(case, case.get("sizes")))
    run = case.get("run_at_sizes") or case["run"]
    symbolic = {layer["name"]: layer["call_output_shapes"] for layer in case.get("layers_at_sizes") or case["layers"]}
    for layer, shapes in run.items():
        assert calls[layer] == shapes, layer
        if calls[layer] != symbolic[layer]:
            assert (name, layer) == ("cross_attention_scores_any_length", "multi_head_attention")


@pytest.mark.parametrize("name", SIZED)
def test_counts_that_do_not_depend_on_open_sizes_are_numbers(name):
    result = analysis(CASES[name])
    assert {s.name for s in result.symbols} == set(CASES[name]["sizes"])
    assert result.total_params.is_Integer
    assert all(isinstance(r.params, sp.Integer) for r in result.records)


def test_an_open_size_reaching_a_dense_layer_leaves_its_count_in_the_symbol():
    """LeNet-5 (the seed article's) read with its height open: the convolutions' counts stay numbers, the
    first Dense layer's depends on h (Keras refuses to build it), and h = 32 gives the article's 62,958."""
    lenet = json.loads((Path(__file__).parent / "fixtures" / "keras_import" / "lenet5.json").read_text())
    lenet["config"]["layers"][0]["config"]["batch_shape"][1] = None
    model = from_spec(spec_from_keras(lenet))
    result = model.analyze()
    h = sp.Symbol("h", integer=True, positive=True)
    assert [s.name for s in result.symbols] == ["h"]
    conv = [r for r in result.records if r.type == "Conv2D"]
    assert all(r.params.is_Integer for r in conv)
    assert h in result.total_params.free_symbols
    assert model.analyze({"h": 32}).total_params == 62_958


#: Cases whose source calc's reader follows: all but those importing LayerScale or CustomScaleLayer from keras.src
#: (Keras's applications define them; they are not in keras.layers) and tensor arithmetic (x + 3.0).
SOURCES = sorted(name for name, case in CASES.items() if case["source_readable"])


@pytest.mark.parametrize("name", SOURCES)
def test_the_source_reads_as_its_to_json(name):
    """The same model read from its Keras source code: every call of every layer alike (name, type, counts,
    outputs), and the same open sizes."""
    case = CASES[name]
    from calc.importers import read_source

    spec, _ = read_source("import keras\nfrom keras import layers\n" + case["source"])
    from_source = from_spec(spec, source=name).analyze()
    from_json = analysis(case)
    assert [s.name for s in from_source.symbols] == [s.name for s in from_json.symbols]
    assert [(r.name, r.type, r.params, r.inputs) for r in from_source.records] == [
        (r.name, r.type, r.params, r.inputs) for r in from_json.records
    ]
    assert calls_by_layer(from_source) == calls_by_layer(from_json)


def test_the_docs_example_prints_what_is_shown(cli, tmp_path):
    """docs/keras-graphs.md: the image model of any size, shipped as examples/fcn.py, gives the table shown."""
    from tests.conftest import ROOT
    from tests.docs_examples import block, check_shown, commands

    path = ROOT / "examples" / "fcn.py"
    assert block("docs/keras-graphs.md", "fcn-py") == path.read_text(encoding="utf-8")
    ((args, shown),) = commands(block("docs/keras-graphs.md", "fcn-summary"))
    assert args == ["summary", "examples/fcn.py"]
    check_shown(cli("summary", str(path)), args, shown)
    fixed = cli("summary", str(path), "--set", "h=64", "--set", "w=48").out
    assert "(None, 16, 12, 32)" in fixed and "Total params: 5,418" in fixed
