"""PyTorch model source read with ast, never run, against PyTorch itself: for every model file of
tests/fixtures/torch_source/ (each a style people write), every module call's output shape and every
module's own parameter count equal what torch 2.13.0 recorded with forward hooks
(tests/fixtures/generate_torch_source.py), in the order PyTorch calls them, and the totals are exact."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from calc.dialects.pytorch import REGISTRY
from calc.spec import SourceOptions, load

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = json.loads((FIXTURES / "torch_source.json").read_text())
CASES = RECORDED["cases"]


def analysis(case: dict):
    shape = ",".join(str(size) for size in case["input_shape"])
    return load(FIXTURES / "torch_source" / case["file"], SourceOptions((shape,), case["model"])).analyze()


def shape(value) -> list:
    return [None, *(int(size) for size in value)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_module_call_and_parameter_count_equals_pytorch(name: str):
    case = CASES[name]
    result = analysis(case)
    calls = defaultdict(list)  # module name -> its calls' records, in order
    for record in result.records:
        calls[record.name].append(record)
    seen = defaultdict(int)
    compared = 0
    for call in case["calls"]:
        if not call["leaf"] or call["type"] not in REGISTRY:  # containers and blocks: their modules are compared
            continue
        index = seen[call["name"]]
        seen[call["name"]] += 1
        record = calls[call["name"]][index]
        assert record.type.removeprefix("Lazy") == call["type"], call["name"]
        assert shape(record.result.output_shape) == call["output_shape"], (call["name"], index)
        if index == 0:
            assert int(record.result.params) == call["params"], call["name"]
        compared += 1
    assert all(len(calls[module]) == count for module, count in seen.items())  # no call more, none less
    assert compared == sum(len(c) for n, c in calls.items() if n in seen)
    modules = {call["name"] for call in case["calls"]}
    weighted_functions = [r for r in result.layers if r.name not in modules and r.type != "Parameter" and r.params]
    own = {call["name"]: call["params"] for call in case["calls"] if call["type"] not in REGISTRY and call["params"]}
    for module, count in own.items() if not weighted_functions else ():  # class tokens, position embeddings
        held = [r for r in result.records if r.type == "Parameter" and r.name.rpartition(".")[0] == module]
        assert sum(int(r.result.params) for r in held) == count, module
    assert int(result.total_params) == case["total_params"]


def test_recorded_with_the_torch_the_issue_names():
    assert RECORDED["torch"].startswith("2.13.0")


@pytest.mark.parametrize("name", sorted(CASES))
def test_torchinfo_style_is_torchinfos_table(name: str):
    """calc summary --style torchinfo prints torchinfo 1.8.0's own table for the model, row for row (its
    mult-adds line aside: calc counts MACs with its own rules)."""
    from calc.render.torchinfo import render_torchinfo

    case = CASES[name]
    shape = ",".join(str(size) for size in case["input_shape"])
    model = load(FIXTURES / "torch_source" / case["file"], SourceOptions((shape,), case["model"]))
    ours = render_torchinfo(model.analyze(), model.module_calls).splitlines()

    def table(lines: list[str]) -> list[str]:
        return [line for line in lines if not line.startswith("Total mult-adds")]

    assert table(ours) == table(case["torchinfo"])
    assert RECORDED["torchinfo"] == "1.8.0"
