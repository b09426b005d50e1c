"""Every zoo model against the counts its own framework gives (tests/fixtures/zoo_counts.json, recorded by
tests/fixtures/generate_zoo.py): totals for all, every layer's shape and counts for the Keras applications,
every module's count and output shapes for torchvision, and the embeddings, one encoder layer and the
pooler for the Hugging Face models."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

import calc
from calc.model import Analysis
from calc.summary import Summary
from calc.zoo import zoo_names, zoo_spec, zoo_text

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "zoo_counts.json").read_text())
MODELS = FIXTURE["models"]
#: Written by hand for the seed article and the handouts, checked by their own tests (test_lenet5, ...).
OWN_MODELS = {"lenet5", "vgg_blocks"}


@cache
def analysis(name: str) -> Analysis:
    return calc.load(name).analyze()


def by_framework(framework: str) -> list[str]:
    return [name for name, record in MODELS.items() if record["framework"] == framework]


def test_every_zoo_model_is_recorded():
    assert set(zoo_names()) - OWN_MODELS == set(MODELS)
    assert len(by_framework("keras")) == 8 and len(by_framework("torchvision")) == 5
    assert len(by_framework("transformers")) == 6


@pytest.mark.parametrize("name", sorted(MODELS))
def test_total(name):
    result = analysis(name)
    assert result.total_params == MODELS[name]["total_params"]


@pytest.mark.parametrize("name", by_framework("keras"))
def test_keras_layers(name):
    """Every layer of the Keras application: name, type, output shape, trainable and non-trainable."""
    expected = MODELS[name]
    summary = Summary(analysis(name)).to_dict()
    ours = {layer["name"]: layer for layer in summary["layers"]}
    assert list(ours) == [layer["name"] for layer in expected["layers"]]
    for theirs in expected["layers"]:
        mine = ours[theirs["name"]]
        for key in ("type", "output_shape", "params", "trainable_params", "non_trainable_params"):
            assert mine[key] == theirs[key], f"{theirs['name']} {key}"
    for key in ("trainable_params", "non_trainable_params"):
        assert summary[key] == expected[key]


@pytest.mark.parametrize("name", by_framework("torchvision"))
def test_torchvision_modules(name):
    """Each torchvision module is a layer of the same name: same parameters, same output at every call."""
    result = analysis(name)
    calls: dict[str, list] = {}
    for record in result.records:
        calls.setdefault(record.name, []).append(record)
    modules = MODELS[name]["modules"]
    for module in modules:
        records = calls[module["name"]]
        assert records[0].params == module["params"], module["name"]
        assert [[None, *r.output_shape] for r in records] == module["output_shapes"], module["name"]
    named = {module["name"] for module in modules}
    assert all(r.params == 0 for r in result.layers if r.name not in named)  # Flatten and the like


@pytest.mark.parametrize("name", by_framework("torchvision"))
def test_torchvision_function_calls(name):
    """Each function call torch.fx traced (a residual sum, flatten) is a layer of torch.fx's name and type,
    reading as many tensors, with torch's output shape; the layers of the spec's own are no more than these."""
    result = analysis(name)
    functions = MODELS[name]["functions"]
    for function in functions:
        record = result.layer(function["name"])
        assert record.type == function["type"], function["name"]
        assert len(record.input_shapes) == function["inputs"], function["name"]
        assert [None, *record.output_shape] == function["output_shape"], function["name"]
    modules = {module["name"] for module in MODELS[name]["modules"]} | {"input_layer"}
    assert {r.name for r in result.layers} - modules == {function["name"] for function in functions}


def test_torchvision_resnet50_sums_read_two_branches():
    """16 bottleneck blocks, one sum each: [3, 4, 6, 3]."""
    sums = [r for r in analysis("torchvision_resnet50").layers if r.type == "add"]
    assert [r.name for r in sums] == ["add"] + [f"add_{i}" for i in range(1, 16)]
    assert all(len(r.input_shapes) == 2 and r.input_shapes[0] == r.input_shapes[1] for r in sums)


@pytest.mark.parametrize("name", by_framework("transformers"))
def test_transformer_modules(name):
    """The configuration is the spec's symbols; the embeddings, each encoder layer and the pooler agree."""
    expected = MODELS[name]
    config = expected["config"]
    model = calc.load(name)
    symbols = {symbol.name: int(value) for symbol, value in model.values.items()}
    names = {"L": "num_hidden_layers", "H": "hidden_size", "A": "num_attention_heads", "I": "intermediate_size"}
    names |= {"V": "vocab_size", "P": "max_position_embeddings", "T": "type_vocab_size"}
    names |= {"B": "max_2d_position_embeddings"} if "B" in symbols else {}
    assert {symbol: symbols[symbol] for symbol in names} == {symbol: config[key] for symbol, key in names.items()}

    result = analysis(name)
    modules = expected["modules"]
    for module, params in modules.items():
        if module.startswith("embeddings.") or module.startswith("pooler."):
            assert result.layer(module).params == params, module
    encoder = result.layer("encoder.layer")
    assert encoder.params == sum(expected["encoder_layer_params"])
    block = {record.name: record.params for record in encoder.result.children.layers}
    layer = "encoder.layer.0."
    projections = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense")
    assert block["attention"] == sum(modules[layer + p] for p in projections)
    for inner in ("attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"):
        assert block[inner] == modules[layer + inner], inner
    assert sum(block.values()) == expected["encoder_layer_params"][0]
    assert result.layer("pooler.dense").params == expected["pooler_params"]


def test_zoo_command_lists_every_total(cli):
    run = cli("zoo")
    assert run.status == 0, run.err
    listed = {line.split()[0]: line.split()[1] for line in run.out.splitlines() if line.strip()}
    assert set(listed) == set(zoo_names())
    for name, record in MODELS.items():
        assert listed[name] == f"{record['total_params']:,}", name


def test_a_zoo_model_is_parsed_once_and_kept_as_json(private_cache: Path):
    """The parsed spec is cached under a digest of the YAML text and read back equal to a fresh parse."""
    import yaml

    fresh = yaml.safe_load(zoo_text("resnet50"))
    first = zoo_spec("resnet50")
    (kept,) = (private_cache / "calc" / "zoo").glob("resnet50-*.json")
    assert first == fresh == json.loads(kept.read_text())
    assert zoo_spec("resnet50") == fresh


def test_a_damaged_or_stale_cache_entry_is_not_used(private_cache: Path):
    zoo_spec("lenet5")
    (kept,) = (private_cache / "calc" / "zoo").glob("lenet5-*.json")
    kept.write_text('{"name": "lenet5", "input": [32, 32')  # cut short, as by a full disk
    assert calc.load("lenet5").analyze().total_params == 62958
    kept.write_text("[" * 100_000)  # not written by calc at all
    assert calc.load("lenet5").analyze().total_params == 62958
    stale = kept.with_name("lenet5-" + "0" * 32 + ".json")  # an older zoo file's entry is never read
    stale.write_text(json.dumps({"name": "lenet5", "input": [8], "layers": [{"Dense": {"units": 1}}]}))
    assert calc.load("lenet5").analyze().total_params == 62958


def test_the_zoo_works_without_a_writable_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert zoo_spec("lenet5")["name"] == "lenet5"
    assert calc.load("resnet50").analyze().total_params == MODELS["resnet50"]["total_params"]


def test_zoo_command_formats(cli):
    rows = {row["name"]: row for row in cli("zoo", "--format", "json").json()}
    assert set(rows) == set(zoo_names())
    assert rows["lenet5"] == {
        "name": "lenet5",
        "dialect": "keras",
        "input_shapes": [[None, 32, 32, 3]],
        "total_params": 62958,
        "trainable_params": 62958,
        "non_trainable_params": 0,
    }
    assert rows["torchvision_resnet18"]["dialect"] == "pytorch"
    assert rows["torchvision_resnet18"]["input_shapes"] == [[None, 3, 224, 224]]  # n = 224
    for name, record in MODELS.items():
        assert rows[name]["total_params"] == record["total_params"], name
        if "non_trainable_params" in record:  # Keras's split (torch and transformers record totals)
            assert rows[name]["non_trainable_params"] == record["non_trainable_params"], name
    table = cli("zoo", "--format", "markdown").out.splitlines()
    assert table[0].startswith("| Model | Dialect | Input |") and len(table) == 2 + len(rows)
    assert "| resnet50 | keras | (None, 224, 224, 3) | 25,636,712 | 25,583,592 | 53,120 |" in table
