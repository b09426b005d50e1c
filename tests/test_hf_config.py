"""Hugging Face config.json files against what transformers 5.24 counts for them (tests/fixtures/hf_counts.json,
recorded on the meta device by tests/fixtures/generate_hf_configs.py): the base model and the head model named
in ``architectures``, in total and module by module (every module of the first of the L alike blocks, and
every module outside them), and the closed forms evaluated back to the same numbers."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
import sympy as sp

from calc.importers.hf_config import spec_from_hf_config
from calc.model import Analysis
from calc.spec import from_spec
from calc.zoo import zoo_names, zoo_spec

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = json.loads((FIXTURES / "hf_counts.json").read_text())
MODELS = RECORDED["models"]


def config(name: str) -> dict:
    path = FIXTURES / "hf_configs" / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else dict(zoo_spec(name))


@cache
def analysis(name: str, kind: str) -> Analysis:
    data = config(name)
    data["architectures"] = [MODELS[name][kind]["class"]]
    return from_spec(data, source=name).analyze()


def module_counts(result: Analysis, prefix: str = "") -> dict[str, sp.Expr]:
    """calc's layers by their named_modules() path: a repeated block's layers as those of its copy 0; a block
    applied again with the same weights (ALBERT's sharing) adds no name of its own; an Experts layer
    (transformers 5 keeps all experts in one module) is one module."""
    out: dict[str, sp.Expr] = {}
    for record in result.records:
        if record.layer is None or record.is_repeat:
            continue
        name = prefix + record.name
        children = record.result.children
        if children is not None and record.type == "Repeat" and record.layer.shared:
            out.update(module_counts(children, prefix))
        elif children is not None and record.type == "Repeat":
            out.update(module_counts(children, f"{name}.0."))
        else:
            out[name] = record.params
    return out


def owner(path: str, modules: dict[str, int]) -> str | None:
    """The transformers module a calc layer belongs to: the longest module path that is it or contains it."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


CASES = [(name, kind) for name in sorted(MODELS) for kind in ("base", "head")]


def test_every_hf_zoo_model_is_recorded():
    hf_zoo = {name for name in zoo_names() if isinstance(zoo_spec(name), dict) and "model_type" in zoo_spec(name)}
    assert hf_zoo == {
        "llama2_7b",
        "llama3_8b",
        "llama31_70b",
        "mistral_7b",
        "mixtral_8x7b",
        "qwen25_7b",
        "gemma_2b",
        "gemma_7b",
        "phi3_mini",
        "tinyllama_1b",
        "t5_base",
        "vit_b_16",
    }
    assert hf_zoo <= set(MODELS)
    assert RECORDED["transformers"] == "5.24.0"


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_total(name, kind):
    assert analysis(name, kind).total_params == MODELS[name][kind]["total"]


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_every_module(name, kind):
    """Each transformers module with parameters of its own has the sum of the calc layers it holds; the
    modules of blocks 1 ... L-1 equal those of block 0 (so calc's L x block is the whole)."""
    theirs = MODELS[name][kind]["modules"]
    result = analysis(name, kind)
    repeats = "|".join(re.escape(path) for path in repeated_paths(result))
    copy = re.compile(rf"^((?:{repeats})\.)([1-9]\d*)\.") if repeats else None
    first = {path: count for path, count in theirs.items() if copy is None or not copy.match(path)}
    ours: dict[str, sp.Expr] = {}
    for path, count in module_counts(result).items():
        if count == 0:
            continue
        home = owner(path, first)
        assert home is not None, f"calc's {path} ({count}) is no module of {MODELS[name][kind]['class']}"
        ours[home] = ours.get(home, 0) + count
    assert ours == first
    for path, count in theirs.items():
        if copy is not None:
            assert count == theirs[copy.sub(r"\g<1>0.", path)], path


def repeated_paths(result: Analysis, prefix: str = "") -> list[str]:
    """The module paths of calc's repeated blocks (``model.layers``), whose copies transformers numbers."""
    out = []
    for record in result.records:
        children = record.result.children if record.layer is not None else None
        if children is None or record.type != "Repeat":
            continue
        if record.layer.shared:
            out += repeated_paths(children, prefix)
        else:
            out.append(prefix + record.name)
            out += repeated_paths(children, f"{prefix}{record.name}.0.")
    return out


def test_tied_embeddings_are_counted_once_and_said():
    gemma = analysis("gemma_2b", "head")
    (head,) = [r for r in gemma.records if r.name == "lm_head"]
    assert head.type == "TiedDense" and head.params == 0
    assert "tied" in "".join(str(part) for part in head.result.description)
    llama = analysis("llama2_7b", "head")
    assert [r.params for r in llama.records if r.name == "lm_head"] == [32000 * 4096]


@pytest.mark.parametrize("name", ["llama3_8b", "mixtral_8x7b", "gemma_7b", "phi3_mini", "qwen25_7b", "gpt2"])
def test_closed_form_evaluates_back(name):
    data = config(name)
    model = from_spec(data, source=name)
    names = [symbol.name for symbol in model.symbols]
    symbolic = model.analyze(free=names)
    assert symbolic.total_params.free_symbols, "a closed form, not a number"
    values = {symbol: value for symbol, value in model.with_values({}).items()}
    assert symbolic.total_params.xreplace(values) == MODELS[name]["head"]["total"]


LLAMA = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "vocab_size": 100,
    "max_position_embeddings": 32,
    "rms_norm_eps": 1e-6,
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hidden_size": 1e300}, "config field 'hidden_size' must be a whole number from 1 to 134,217,728, got 1e+300"),
        ({"hidden_size": 10**40}, "config field 'hidden_size' must be a whole number from 1 to 134,217,728"),
        ({"num_hidden_layers": "__import__('os')"}, "config field 'num_hidden_layers' must be a whole number"),
        ({"vocab_size": True}, "config field 'vocab_size' must be a whole number"),
        ({"num_hidden_layers": 100_001}, "config field 'num_hidden_layers' must be a whole number from 1 to 100,000"),
        ({"num_attention_heads": 3}, "'hidden_size' (64) is not a multiple of 'num_attention_heads' (3)"),
        ({"num_key_value_heads": 3}, "num_heads (4) must be a multiple of num_key_value_heads (3)"),
        ({"tie_word_embeddings": "yes"}, "config field 'tie_word_embeddings' must be true or false"),
        ({"architectures": ["LlamaForTokenClassification"]}, "names LlamaForTokenClassification; for llama calc reads"),
        ({"model_type": "bloom", "rms_norm_eps": None}, "model_type 'bloom' is not one calc reads"),
        ({"architectures": ["<b>" * 1000]}, "'architectures' must be a list of class names"),
        ({"model_type": "x", "architectures": ["\\input{x}ForCausalLM"]}, "model_type 'x' is not one calc reads"),
        ({"intermediate_size": None}, "config field 'intermediate_size' is missing"),
    ],
)
def test_hostile_or_broken_configs_are_one_line(tmp_path, cli, change, message):
    data = {**LLAMA, **change}
    data = {key: value for key, value in data.items() if value is not None}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    run = cli("summary", str(path))
    assert run.status == 2
    assert run.err.count("\n") == 1 and message in run.err and str(path) in run.err


def test_a_llama_like_config_is_read_as_llama_and_says_so():
    data = {**LLAMA, "model_type": "yi", "architectures": ["YiForCausalLM"]}
    model = from_spec(data, source="yi.json")
    result = model.analyze()
    # embed and lm_head 100*64 each, final norm 64; per layer: q, o 64*64, k, v 64*32, MLP 3*64*128, norms 2*64
    layer = 2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 128 + 2 * 64
    assert result.total_params == 2 * 100 * 64 + 64 + 2 * layer
    assert result.model == "YiForCausalLM (read as Llama)"
    assert "model_type 'yi' read as Llama" in spec_from_hf_config(data)["description"]


def test_a_handout_reads_a_config(cli, tmp_path):
    run = cli("handout", "tinyllama_1b", "-o", str(tmp_path))
    assert run.status == 0, run.err
    sheet = (tmp_path / "LlamaForCausalLM-1-sheet.md").read_text()
    assert "| 3 | model.layers | Repeat | times=22 | model.embed\\_tokens |" in sheet
