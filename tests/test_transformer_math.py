"""A transformer's KV cache, training memory, activations and compute per token, against numbers worked by
hand here (from the published configs), in the summary, its JSON and the derivation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calc.compute import Conventions
from calc.spec import from_spec, load
from calc.summary import Summary

GPT2 = json.loads((Path(__file__).parent / "fixtures" / "hf_configs" / "gpt2.json").read_text())


def figures(model, dtype="bfloat16", batch=1, training="adam_mixed", **values):
    analysis = model.analyze({name: str(value) for name, value in values.items()})
    return Summary(analysis, conventions=Conventions(2, dtype, batch, training)).transformer


def test_kv_cache_of_grouped_query_attention():
    # Llama 3 8B: 2 (K and V) x 8 key-value heads x 128 values x 32 layers x 2 bytes = 131,072 bytes per token
    t = figures(load("llama3_8b"), batch=4, seq_len=8192)
    assert t["kv_cache_values_per_token"] == 2 * 8 * 128 * 32 == 65_536
    assert t["kv_cache_bytes_per_token"] == 131_072
    assert t["kv_cache_bytes"] == 131_072 * 8192 * 4 == 4_294_967_296  # 4 GiB at 8k tokens, batch 4


def test_kv_cache_of_multi_head_and_multi_query_attention():
    # Llama 2 7B has 32 key-value heads: four times Llama 3's cache per token; Gemma 2B has one of 256 values
    assert figures(load("llama2_7b"))["kv_cache_bytes_per_token"] == 2 * 32 * 128 * 32 * 2 == 524_288
    assert figures(load("gemma_2b"), dtype="float32")["kv_cache_bytes_per_token"] == 2 * 1 * 256 * 18 * 4 == 36_864


def test_an_encoder_keeps_no_kv_cache():
    assert figures(load("vit_b_16"))["kv_cache_bytes_per_token"] == 0


@pytest.mark.parametrize(
    ("scheme", "per_parameter"), [("adam_mixed", 16), ("adam_fp32", 16), ("adam_8bit", 10), ("sgd_mixed", 12)]
)
def test_training_memory_by_scheme(scheme, per_parameter):
    # Llama 2 7B: 6,738,415,616 parameters; mixed-precision AdamW 2 + 2 + 12 = 16 bytes each (Transformer Math 101)
    t = figures(load("llama2_7b"), training=scheme)
    assert t["training_bytes"] == per_parameter * 6_738_415_616
    if scheme == "adam_mixed":
        assert t["training_bytes"] == 107_814_649_856


def test_activations_follow_korthikanti():
    # GPT-2 at s = 1024, b = 2, h = 768, a = 12, L = 12: s b h (34 + 5 a s / h) = 1024*2*768*(34 + 80) per layer
    t = figures(from_spec(GPT2, source="gpt2.json"), batch=2)
    assert t["activation_bytes"] == 12 * 1024 * 2 * 768 * 114 == 2_151_677_952
    assert t["activation_bytes_recomputed"] == 12 * 2 * 1024 * 2 * 768 == 37_748_736


def test_compute_per_token_and_kaplan():
    # GPT-2 with its LM head at n_ctx = 1024. Kaplan's N: 12 layers of 12H^2 + 13H, plus ln_f's 2H = 85,056,000;
    # C_forward = 2N + 2 n_layer n_ctx d_attn = 170,112,000 + 18,874,368.
    # calc: the weight matrices 12 * 12H^2 = 84,934,656 and the tied output layer 768 * 50257 = 38,597,376 MACs
    # per token, attention 2 * 1024 * 768 * 12 = 18,874,368: 142,406,400 MACs, 284,812,800 FLOPs per token.
    t = figures(from_spec(GPT2, source="gpt2.json"))
    assert t["non_embedding_params"] == 85_056_000
    assert t["kaplan_flops_per_token"] == 188_986_368
    assert t["flops_per_token_attention"] == 2 * 18_874_368
    assert t["flops_per_token"] == 2 * (84_934_656 + 38_597_376 + 18_874_368) == 284_812_800


def test_mixture_of_experts_counts_the_active_experts():
    # Mixtral: of each layer's 8 experts (3 * 4096 * 14336 each) a token uses 2, so Kaplan's N drops 6 of 8
    t = figures(load("mixtral_8x7b"), seq_len=4096)
    expert = 3 * 4096 * 14336
    assert t["non_embedding_params"] == 46_702_792_704 - 2 * 32000 * 4096 - 32 * 6 * expert
    assert t["non_embedding_params"] == 12_617_781_248  # the 12.9B active of the paper, less the 0.26B tables


def test_summary_columns_and_json(cli):
    run = cli("summary", "llama3_8b", "--columns", "params,kv_cache,training,tokens", "--dtype", "bfloat16")
    assert run.status == 0, run.err
    assert "KV cache: 131,072 bytes per token as bfloat16; 1,073,741,824 bytes at 8,192 tokens × batch 1" in run.out
    assert "Training memory (adam_mixed): 128,484,179,968 bytes" in run.out
    data = json.loads(cli("summary", "llama3_8b", "--format", "json", "--dtype", "bfloat16").out)
    assert data["transformer"]["kv_cache_bytes_per_token"] == 131_072
    assert data["transformer"]["training"] == "adam_mixed"
    assert "transformer" not in json.loads(cli("summary", "lenet5", "--format", "json").out)


def test_derive_shows_each_rule_step_by_step(cli):
    run = cli("derive", "llama3_8b", "--include", "kv_cache,training,tokens", "--dtype", "bfloat16")
    assert run.status == 0, run.err
    for words in (
        "**KV cache per token.**",
        "Transformer Math 101",
        "Korthikanti et al. (2022), eq. 1",
        "Kaplan et al. (2020), Table 1",
        r"B_{KV} = B C T b",
        r"B_{KV} = 65{,}536 \cdot 2 = 131{,}072",
    ):
        assert words in run.out, words
