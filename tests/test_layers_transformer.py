"""calc's transformer parts against numbers worked by hand: the attention core (grouped-query, packed), a
mixture of experts, a block applied with shared weights, a repeated block that reads a second tensor, the
tied output layer, the packed gated activation, the class token and learned positions; and their refusals."""

from __future__ import annotations

import pytest

from calc.errors import CalcError
from calc.spec import from_text
from calc.summary import Summary


def analyse(text: str, **values: str):
    return from_text(text, source="model.yaml").analyze(values)


GQA = """
inputs: {x: [10, 16]}
layers:
  - Dense: {units: 16, use_bias: false, name: q, inputs: [x]}
  - Dense: {units: 8, use_bias: false, name: k, inputs: [x]}
  - Dense: {units: 8, use_bias: false, name: v, inputs: [x]}
  - DotProductAttention: {num_heads: 4, num_key_value_heads: 2, head_dim: 4, causal: true, name: att, inputs: [q, k, v]}
"""


def test_grouped_query_attention():
    result = analyse(GQA)
    (att,) = [r for r in result.records if r.name == "att"]
    assert att.output_shape == (10, 16) and att.params == 0
    # 4 heads of 4 values: scores 10 * 10 * 4 * 4 and as many products with the values
    assert att.compute.macs == 2 * 10 * 10 * 4 * 4 == 3200
    # the KV cache keeps 2 key-value heads of 4 values, twice: 16 values per token
    assert att.layer.kv_cache_values(__import__("calc.layers.base", fromlist=["Env"]).Env()).value == 16


def test_packed_attention_splits_query_keys_and_values():
    text = """
input: [6, 8]
layers:
  - Dense: {units: 16, name: qkv}
  - DotProductAttention: {num_heads: 2, num_key_value_heads: 1, head_dim: 4}
"""
    result = analyse(text)
    assert result.records[-1].output_shape == (6, 8)  # (2 + 2*1) * 4 = 16 packed values in, 2 * 4 out
    assert result.records[-1].compute.macs == 2 * 6 * 6 * 2 * 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("num_key_value_heads: 3", "num_heads (4) must be a multiple of num_key_value_heads (3)"),
        ("head_dim: 5", "must have 20 values per position"),
    ],
)
def test_attention_refusals(change, message):
    text = GQA.replace("num_key_value_heads: 2", change) if "num_key" in change else GQA.replace("head_dim: 4", change)
    with pytest.raises(CalcError, match=message.replace("(", r"\(").replace(")", r"\)")):
        analyse(text)


MOE = """
inputs: {x: [5, 4]}
layers:
  - Dense: {units: 3, use_bias: false, name: router, inputs: [x]}
  - Experts:
      name: experts
      times: E
      active: k
      inputs: [x, router]
      layers:
        - Dense: {units: 6, use_bias: false, name: up}
        - Dense: {units: 4, use_bias: false, name: down}
symbols: {E: 3, k: 2}
"""


def test_experts_count_every_expert_but_compute_only_the_active_ones():
    result = analyse(MOE)
    (experts,) = [r for r in result.records if r.name == "experts"]
    # each expert 4*6 + 6*4 = 48 weights; 3 experts
    assert experts.params == 3 * 48
    # each of the 5 tokens goes through 2 experts (48 MACs each), then sums their 4 outputs weighted: 2 * 4
    assert experts.compute.macs == 2 * 5 * 48 + 5 * 2 * 4
    # activations: one copy's outputs (5*6 + 5*4) for each of the 2 experts a token uses
    summary = Summary(result)
    assert summary.activations(experts) == 5 * 4  # the layer's own output
    assert summary.total_activations == 5 * 3 + 2 * (5 * 6 + 5 * 4)


def test_experts_refusals():
    with pytest.raises(CalcError, match="a token cannot use 4 of 3 experts"):
        analyse(MOE.replace("{E: 3, k: 2}", "{E: 3, k: 4}"))
    with pytest.raises(CalcError, match=r"must give one score per expert \(3\)"):
        analyse(MOE.replace("units: 3, use_bias", "units: 2, use_bias"))
    with pytest.raises(CalcError, match="Experts needs 'active'"):
        analyse(MOE.replace("      active: k\n", ""))


def test_a_shared_block_counts_its_weights_once_and_its_work_every_time():
    text = """
input: [3, 4]
symbols: {L: 6}
layers:
  - Repeat:
      times: L
      shared: true
      layers:
        - Dense: {units: 4, name: layer}
"""
    result = analyse(text)
    assert result.total_params == 4 * 4 + 4  # once, not 6 times
    assert result.records[-1].compute.macs == 6 * 3 * 4 * 4


def test_a_repeated_block_reads_a_second_tensor_in_every_copy():
    text = """
inputs: {target: [3, 8], memory: [7, 8]}
symbols: {L: 2}
layers:
  - Dense: {units: 8, name: encoded, inputs: [memory]}
  - Repeat:
      name: decoder
      times: L
      inputs: [target, encoded]
      layers:
        - Dense: {units: 8, name: q, inputs: [input]}
        - Dense: {units: 8, name: k, inputs: [encoded]}
        - Dense: {units: 8, name: v, inputs: [encoded]}
        - DotProductAttention: {num_heads: 2, head_dim: 4, inputs: [q, k, v]}
"""
    result = analyse(text)
    assert result.records[-1].output_shape == (3, 8)
    assert result.total_params == 72 + 2 * 3 * 72
    # per copy: q 3*8*8, k and v 7*8*8 each, attention 2 * 3 * 7 * 2 * 4
    assert result.records[-1].compute.macs == 2 * (3 * 64 + 2 * 7 * 64 + 2 * 3 * 7 * 8)


def test_tied_output_layer_holds_only_its_bias():
    text = """
input: [5]
layers:
  - Embedding: {input_dim: 20, output_dim: 4, name: table}
  - TiedDense: {units: 20, tied_to: table, use_bias: true, name: decoder}
"""
    result = analyse(text)
    assert [r.params for r in result.records] == [20 * 4, 20]
    assert result.records[-1].compute.macs == 5 * 4 * 20
    assert "Tied: decoder uses the weights of table" in Summary(result).to_text()


def test_gated_activation_halves_an_even_axis():
    assert analyse("input: [3, 10]\nlayers:\n  - GatedActivation: {}\n").records[-1].output_shape == (3, 5)
    with pytest.raises(CalcError, match="must be even"):
        analyse("input: [3, 9]\nlayers:\n  - GatedActivation: {}\n")


def test_class_token_and_positions():
    text = "input: [4, 6]\nlayers:\n  - ClassToken: {count: 2}\n  - PositionEmbedding: {sequence_length: 6}\n"
    result = analyse(text)
    assert [r.params for r in result.records] == [2 * 6, 6 * 6]
    assert result.records[-1].output_shape == (6, 6)
    with pytest.raises(CalcError, match="must have sequence_length = 5 positions"):
        analyse(text.replace("sequence_length: 6", "sequence_length: 5"))
