"""Every zoo model against the counts its own framework gives (tests/zoo_records.py: recorded by
tests/fixtures/generate_zoo.py): totals for all (every layer of the Keras applications: tests/test_zoo_keras.py),
every module's count and output shapes for torchvision and its MACs against torchvision's published GFLOPS, and
for the Hugging Face models every module (of the first of the L alike blocks, and outside them) against the calc
layer that stands for it."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import sympy as sp

import calc
from calc.model import Analysis
from calc.zoo import zoo_names, zoo_spec, zoo_text
from tests.zoo_records import recorded_models, torchvision_published

MODELS = recorded_models()
#: Written by hand for the seed article and the handouts, checked by their own tests (test_lenet5, ...).
OWN_MODELS = {"lenet5", "vgg_blocks"}


@cache
def analysis(name: str) -> Analysis:
    return calc.load(name).analyze()


def by_framework(framework: str) -> list[str]:
    return [name for name, record in MODELS.items() if record["framework"] == framework]


def hf_configs() -> set[str]:
    """The zoo's Hugging Face config.json entries, recorded apart (tests/test_hf_config.py)."""
    return {name for name in zoo_names() if "model_type" in zoo_spec(name)}


def test_every_zoo_model_is_recorded():
    assert set(zoo_names()) - OWN_MODELS - hf_configs() == set(MODELS)
    assert len(by_framework("keras")) == 40  # tests/test_zoo_keras.py
    assert len(by_framework("transformers")) == 9


def test_the_torchvision_models_are_its_published_builders():
    """Each torchvision model is a builder of torchvision's model table, built as its default weights are."""
    published = torchvision_published()
    for name in by_framework("torchvision"):
        builder = name.removeprefix("torchvision_")
        assert MODELS[name]["built_with"].startswith(f"torchvision.models.{builder}(weights=None"), name
        assert MODELS[name]["weights"] == published[builder]["weights"], name
        assert MODELS[name]["input"] == [3, published[builder]["crop_size"], published[builder]["crop_size"]], name
        assert zoo_spec(name)["symbols"] == {"n": published[builder]["crop_size"]}, name


def test_the_zoo_has_every_torchvision_classifier():
    """Every builder of torchvision's classification table is a zoo model, recorded from torchvision."""
    builders = set(torchvision_published())
    assert len(builders) == 80
    assert {f"torchvision_{builder}" for builder in builders} == set(by_framework("torchvision"))
    assert set(by_framework("torchvision")) <= set(zoo_names())


@pytest.mark.parametrize("name", sorted(MODELS))
def test_total(name):
    result = analysis(name)
    assert result.total_params == MODELS[name]["total_params"]


@pytest.mark.parametrize("name", by_framework("torchvision"))
def test_torchvision_parameters_and_macs_are_the_published_figures(name):
    """Parameters equal the weights' num_params; MACs, of the layers an evaluation runs (not those only training
    runs: Inception v3's auxiliary classifier), equal its GFLOPS to the three decimals torchvision prints."""
    published = torchvision_published()[name.removeprefix("torchvision_")]
    result = analysis(name)
    assert result.total_params == published["num_params"]
    training = set(MODELS[name]["training_only"])
    evaluated = [r.compute.macs for r in result.records if r.layer is not None and r.name not in training]
    assert round(int(sp.Add(*evaluated)) / 1e9, 3) == published["gflops"]


@pytest.mark.parametrize("name", by_framework("torchvision"))
def test_torchvision_modules(name):
    """Each torchvision module is a layer of the same name: same parameters, same output at every call."""
    result = analysis(name)
    calls: dict[str, list] = {}
    for record in result.records:
        calls.setdefault(record.name, []).append(record)
    modules = MODELS[name]["modules"]
    for module in modules:
        if not module["output_shapes"]:  # built but never called (EfficientNet's StochasticDepth without a sum)
            assert module["name"] not in calls and module["params"] == 0, module["name"]
            continue
        records = calls[module["name"]]
        assert records[0].params == module["params"], module["name"]
        assert [[None, *r.output_shape] for r in records] == module["output_shapes"], module["name"]
    named = {module["name"] for module in modules}
    learned = {tensor["name"]: tensor["params"] for tensor in MODELS[name]["parameters"]}
    assert all(r.params == learned.get(r.name, 0) for r in result.layers if r.name not in named)  # Flatten, add


@pytest.mark.parametrize("name", by_framework("torchvision"))
def test_torchvision_function_calls(name):
    """Each function call torch.fx traced (a residual sum, flatten) is a layer of torch.fx's name and type,
    reading as many tensors, with torch's output shape; each learned tensor read outside a module (ConvNeXt's
    layer scale) a Parameter layer of its size; the layers of the spec's own are no more than these."""
    result = analysis(name)
    functions = MODELS[name]["functions"]
    for function in functions:
        record = result.layer(function["name"])
        assert record.type == function["type"], function["name"]
        assert len(record.input_shapes) == function["inputs"], function["name"]
        assert [None, *record.output_shape] == function["output_shape"], function["name"]
    for tensor in MODELS[name]["parameters"]:
        record = result.layer(tensor["name"])
        assert (record.type, record.params) == ("Parameter", tensor["params"]), tensor["name"]
        assert list(record.layer.size) == tensor["size"], tensor["name"]
    modules = {module["name"] for module in MODELS[name]["modules"]} | {"input_layer"}
    own = {function["name"] for function in functions} | {tensor["name"] for tensor in MODELS[name]["parameters"]}
    assert {r.name for r in result.layers} - modules == own


def test_torchvision_resnet50_sums_read_two_branches():
    """16 bottleneck blocks, one sum each: [3, 4, 6, 3]."""
    sums = [r for r in analysis("torchvision_resnet50").layers if r.type == "add"]
    assert [r.name for r in sums] == ["add"] + [f"add_{i}" for i in range(1, 16)]
    assert all(len(r.input_shapes) == 2 and r.input_shapes[0] == r.input_shapes[1] for r in sums)


#: Each spec symbol's key in the Hugging Face configuration, by model class.
BERT_SYMBOLS = {"L": "num_hidden_layers", "H": "hidden_size", "A": "num_attention_heads", "I": "intermediate_size"}
BERT_SYMBOLS |= {"V": "vocab_size", "P": "max_position_embeddings", "T": "type_vocab_size"}
CONFIG_SYMBOLS = {
    "BertModel": BERT_SYMBOLS,
    "RobertaModel": BERT_SYMBOLS,
    "LayoutLMModel": BERT_SYMBOLS | {"B": "max_2d_position_embeddings"},
    # n_inner is not a symbol: the published null is 4H, written 4*H in the spec (test_gpt2_mlp_is_four_wide)
    "GPT2Model": {"L": "n_layer", "H": "n_embd", "A": "n_head", "V": "vocab_size", "P": "n_positions"},
    "DistilBertModel": {"L": "n_layers", "H": "dim", "A": "n_heads", "I": "hidden_dim"}
    | {"V": "vocab_size", "P": "max_position_embeddings"},
}


def model_class(record: dict) -> str:
    """ "transformers.GPT2Model(GPT2Config(**config)), as gpt2" -> "GPT2Model"."""
    return record["built_with"].removeprefix("transformers.").split("(")[0]


def owner(module: str, layers: dict) -> str:
    """The calc layer that stands for a Hugging Face module: the layer of its name, else of its longest dotted
    prefix (BERT's attention.self.query and GPT-2's attn.c_attn are parts of one MultiHeadAttention)."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in layers:
            return ".".join(parts[:end])
    raise AssertionError(f"no layer stands for Hugging Face's {module}")


@pytest.mark.parametrize("name", by_framework("transformers"))
def test_transformer_configuration_is_the_symbols(name):
    expected = MODELS[name]
    symbols = {symbol.name: int(value) for symbol, value in calc.load(name).values.items()}
    names = CONFIG_SYMBOLS[model_class(expected)]
    assert set(symbols) - set(names) == {"S"}  # and the sequence length, on which no count depends
    assert {symbol: symbols[symbol] for symbol in names} == {s: expected["config"][key] for s, key in names.items()}


@pytest.mark.parametrize("name", by_framework("transformers"))
def test_transformer_modules(name):
    """Every Hugging Face module with parameters has its calc layer (the first of the L alike blocks for the
    block's modules), and each calc layer with parameters holds exactly those of the modules it stands for."""
    expected = MODELS[name]
    result = analysis(name)
    blocks = expected["blocks"]
    block = result.layer(blocks)
    outer = {record.name: record.params for record in result.layers if record.name != blocks}
    inner = {record.name: record.params for record in block.result.children.layers}
    outer_sums: Counter[str] = Counter()
    inner_sums: Counter[str] = Counter()
    first = f"{blocks}.0."
    for module, params in expected["modules"].items():
        if module.startswith(first):
            inner_sums[owner(module.removeprefix(first), inner)] += params
        else:
            outer_sums[owner(module, outer)] += params
    assert {layer: params for layer, params in outer.items() if params} == outer_sums
    assert {layer: params for layer, params in inner.items() if params} == inner_sums
    assert set(expected["block_params"]) == {sum(inner_sums.values())}  # the L blocks are alike
    assert block.params == sum(expected["block_params"])


def test_gpt2_mlp_is_four_wide():
    """GPT-2's n_inner is null in its published configurations, which Hugging Face reads as 4 * n_embd."""
    for name in ("gpt2", "gpt2_medium"):
        assert MODELS[name]["config"]["n_inner"] is None
        mlp = analysis(name).layer("h").result.children.layer("mlp.c_fc")
        assert mlp.output_shape[-1] == 4 * MODELS[name]["config"]["n_embd"], name


def test_gpt2_size_as_a_polynomial_in_layers_and_width(cli):
    """Worked from the layout: each block holds ln_1 and ln_2 (2H each), attn.c_attn (H*3H + 3H) and
    attn.c_proj (H*H + H), mlp.c_fc (H*4H + 4H) and mlp.c_proj (4H*H + H): 12H^2 + 13H. Outside the blocks
    wte is V*H = 50257H, wpe P*H = 1024H and ln_f 2H: 51283H. With L = 12 and H = 768:
    12*768^2*12 + 13*768*12 + 51283*768 = 84,934,656 + 119,808 + 39,385,344 = 124,439,808."""
    run = cli("formula", "gpt2", "--keep", "L,H")
    assert run.status == 0, run.err
    assert run.out == "total_params = 12*H**2*L + 13*H*L + 51283*H\n"
    assert 12 * 768**2 * 12 + 13 * 768 * 12 + 51283 * 768 == MODELS["gpt2"]["total_params"] == 124_439_808


def test_distilbert_size_as_a_polynomial_in_layers_and_width(cli):
    """Each layer is BERT's: attention 4H^2 + 4H, two LayerNorms 4H, ffn.lin1 H*I + I and ffn.lin2 I*H + H,
    with I = 3072: 4H^2 + 6153H + 3072. The embeddings: (V + P)H = (30522 + 512)H and their LayerNorm 2H:
    31036H. With L = 6 and H = 768: 6*(4*589,824 + 6153*768 + 3072) + 31036*768 = 42,527,232 + 23,835,648."""
    run = cli("formula", "distilbert_base", "--keep", "L,H")
    assert run.out == "total_params = 4*H**2*L + 6153*H*L + 31036*H + 3072*L\n"
    assert MODELS["distilbert_base"]["total_params"] == 6 * (4 * 768**2 + 6153 * 768 + 3072) + 31036 * 768


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
    (kept,) = (private_cache / "calc" / "zoo").glob("resnet50-*.checked-json")
    checksum, body = kept.read_text().split("\n", 1)  # the entry's SHA-256, then the JSON
    assert checksum == hashlib.sha256(body.encode()).hexdigest()
    assert first == fresh == json.loads(body)
    assert zoo_spec("resnet50") == fresh


def test_a_damaged_or_stale_cache_entry_is_not_used(private_cache: Path):
    zoo_spec("lenet5")
    (kept,) = (private_cache / "calc" / "zoo").glob("lenet5-*.checked-json")
    kept.write_text('{"name": "lenet5", "input": [32, 32')  # cut short, as by a full disk
    assert calc.load("lenet5").analyze().total_params == 62958
    kept.write_text("[" * 100_000)  # not written by calc at all
    assert calc.load("lenet5").analyze().total_params == 62958
    stale = kept.with_name("lenet5-" + "0" * 32 + ".checked-json")  # an older zoo file's entry is never read
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
