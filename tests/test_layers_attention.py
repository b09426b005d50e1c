"""MultiHeadAttention, self- and cross-attention, against cases worked by hand (arithmetic in the comments)."""

from __future__ import annotations

import re

import pytest

import calc
from calc import layers as L
from calc.errors import CalcError
from calc.expressions import make_symbol
from calc.layers import attention
from tests.test_layers import one


@pytest.mark.parametrize(
    ("input_shape", "layer", "shape", "params"),
    [
        # d = 16, h = 2, key_dim 4: query, key, value each 16*2*4 + 2*4 = 136; output 2*4*16 + 16 = 144;
        # 3*136 + 144 = 552
        ((7, 16), L.MultiHeadAttention(2, 4), (7, 16), 552),
        # a single vector as the query: the same weights
        ((16,), L.MultiHeadAttention(2, 4), (16,), 552),
        # value_dim 6, h = 3: q, k 16*3*4 + 12 = 204; v 16*3*6 + 18 = 306; out 3*6*16 + 16 = 304; total 1,018
        ((7, 16), L.MultiHeadAttention(3, 4, value_dim=6), (7, 16), 1018),
        # output_shape (2, 5) and a gate: q, k 136; v, gate 16*2*3 + 6 = 102; out 2*3*10 + 10 = 70; total 546
        ((7, 16), L.MultiHeadAttention(2, 4, value_dim=3, output_shape=(2, 5), use_gate=True), (7, 2, 5), 546),
        # no bias: 4 * (16*4*4) = 1,024
        ((7, 16), L.MultiHeadAttention(4, 4, use_bias=False), (7, 16), 1024),
        # BERT-base: d = 768, 12 heads of 64: 4*(768*768 + 768) = 2,362,368
        ((128, 768), L.MultiHeadAttention(12, 64), (128, 768), 2362368),
        # attention over two axes changes no weights
        ((3, 7, 16), L.MultiHeadAttention(2, 4, attention_axes=(1, 2)), (3, 7, 16), 552),
    ],
)
def test_hand_worked(input_shape, layer, shape, params):
    assert one(input_shape, layer) == (shape, (params, 0))


def test_closed_form_in_the_width():
    d = make_symbol("d")
    _, (trainable, _) = one((10, d), L.MultiHeadAttention(2, 4))
    # q, k, v: 8d + 8 each; output 8d + d
    assert (trainable - (3 * (8 * d + 8) + 8 * d + d)).expand() == 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: L.MultiHeadAttention(0, 4), "num_heads must be a positive whole number"),
        (lambda: L.MultiHeadAttention(2, 0), "key_dim must be a positive whole number"),
        (lambda: L.MultiHeadAttention(2, 4, value_dim=-1), "value_dim must be a positive whole number"),
        (lambda: L.MultiHeadAttention(2, 4, dropout=0.1, flash_attention=True), "dropout together with flash"),
        (lambda: L.MultiHeadAttention(2, 4, attention_axes="time"), "attention_axes must be"),
    ],
)
def test_keras_argument_checks(make, message):
    with pytest.raises(CalcError, match=message):
        make()


def test_attention_axis_out_of_range():
    with pytest.raises(CalcError, match="attention_axes 5 is out of range"):
        one((7, 16), L.MultiHeadAttention(2, 4, attention_axes=[5]))


def graph(inputs: dict, **arguments) -> calc.model.Analysis:
    """One MultiHeadAttention reading the named inputs, in the order given (Keras's: query, value, key)."""
    spec = {"inputs": inputs, "layers": [{"MultiHeadAttention": {**arguments, "inputs": list(inputs)}}]}
    return calc.from_spec(spec).analyze()


@pytest.mark.parametrize(
    ("inputs", "arguments", "shape", "params"),
    [
        # query [5, 12], value [7, 6] (the key too), h = 2, key_dim 4: q 12*8 + 8 = 104; k, v 6*8 + 8 = 56 each;
        # out 2*4*12 + 12 = 108; 104 + 56 + 56 + 108 = 324
        ({"q": [5, 12], "v": [7, 6]}, dict(num_heads=2, key_dim=4), (5, 12), 324),
        # key [7, 10], value_dim 3, output_shape 9: q 104; k 10*8 + 8 = 88; v 6*6 + 6 = 42; out 2*3*9 + 9 = 63;
        # 104 + 88 + 42 + 63 = 297
        (
            {"q": [5, 12], "v": [7, 6], "k": [7, 10]},
            dict(num_heads=2, key_dim=4, value_dim=3, output_shape=9),
            (5, 9),
            297,
        ),
        # the gate reads the query: 12*3*4 + 12 = 156; q 156; k, v 6*12 + 12 = 84 each; out 3*4*12 + 12 = 156;
        # 156 + 156 + 84 + 84 + 156 = 636
        ({"q": [5, 12], "v": [7, 6]}, dict(num_heads=3, key_dim=4, use_gate=True), (5, 12), 636),
        # no bias, output_shape (2, 5): q 12*8 = 96; k 10*8 = 80; v 6*8 = 48; out 2*4*10 = 80; total 304
        (
            {"q": [5, 12], "v": [7, 6], "k": [7, 10]},
            dict(num_heads=2, key_dim=4, use_bias=False, output_shape=[2, 5]),
            (5, 2, 5),
            304,
        ),
        # attention over both axes: the query and value may differ on every axis but must have the same rank
        ({"q": [3, 5, 12], "v": [4, 7, 6]}, dict(num_heads=2, key_dim=4), (3, 5, 12), 324),
        # attention over axis 2 only: axis 1 must agree (3 = 3)
        ({"q": [3, 5, 12], "v": [3, 7, 6]}, dict(num_heads=2, key_dim=4, attention_axes=2), (3, 5, 12), 324),
    ],
)
def test_cross_attention_hand_worked(inputs, arguments, shape, params):
    record = graph(inputs, **arguments).records[-1]
    assert (tuple(record.output_shape), record.trainable) == (shape, params)


@pytest.mark.parametrize(
    ("inputs", "arguments", "macs"),
    [
        # L_q 5, d_q 12, L_k 7, d_k = d_v 6, h 2, e = v 4: q 5*12*8 = 480; k, v 7*6*8 = 336 each; QK^T and AV
        # 5*7*8 = 280 each; out 5*8*12 = 480; 480 + 336 + 336 + 280 + 280 + 480 = 2,192
        ({"q": [5, 12], "v": [7, 6]}, dict(num_heads=2, key_dim=4), 2192),
        # d_k 10, v 3, o 9: q 480; k 7*10*8 = 560; v 7*6*6 = 252; QK^T 280; AV 5*7*6 = 210; out 5*6*9 = 270: 2,052
        # (fvcore on Keras's layer also counts 2,052)
        ({"q": [5, 12], "v": [7, 6], "k": [7, 10]}, dict(num_heads=2, key_dim=4, value_dim=3, output_shape=9), 2052),
        # gate: 5*12*12 = 720 more than the h = 3 layer without it: q 720; k, v 7*6*12 = 504 each; QK^T, AV
        # 5*7*12 = 420 each; out 720; 720 + 720 + 504 + 504 + 420 + 420 + 720 = 4,008 (fvcore: 4,008)
        ({"q": [5, 12], "v": [7, 6]}, dict(num_heads=3, key_dim=4, use_gate=True), 4008),
        # self-attention, one input [10, 16], h 2, e = v 4: four projections 10*16*8 = 1,280 each, QK^T and AV
        # 10*10*8 = 800 each: 5,120 + 1,600 = 6,720 (fvcore: 6,720)
        ({"x": [10, 16]}, dict(num_heads=2, key_dim=4), 6720),
    ],
)
def test_macs_for_query_and_key_lengths(inputs, arguments, macs):
    assert graph(inputs, **arguments).records[-1].compute.macs == macs


def test_one_macs_rule_for_self_and_cross_attention():
    """Self-attention is the cross-attention rule with L_q = L_k = L and d_q = d_k = d_v = d."""
    rule = attention.MACS.expr
    same = {attention.L_q: attention.L, attention.L_k: attention.L}
    same |= {attention.d_q: attention.d, attention.d_k: attention.d, attention.d_v: attention.d}
    self_step = graph({"x": [7, 16]}, num_heads=2, key_dim=4).records[-1].compute.macs_step
    assert self_step.formula == rule.xreplace({**same, attention.gate: 0})
    cross_step = graph({"q": [5, 12], "v": [7, 6]}, num_heads=2, key_dim=4).records[-1].compute.macs_step
    assert cross_step.formula == rule.xreplace({attention.d_k: attention.d_v, attention.gate: 0})


def test_derivation_names_the_input_each_projection_reads(cli, spec_file):
    spec = """\
inputs: {decoder: [5, 12], encoder: [7, 6]}
layers:
  - MultiHeadAttention: {num_heads: 2, key_dim: 4, use_gate: true, inputs: [decoder, encoder]}
"""
    out = cli("derive", spec_file(spec)).out
    assert "cross-attention: query from input 1, key and value from input 2" in out
    assert "self-attention" not in out
    assert "**Query projection, reading the query (input 1).**" in out
    assert "**Key projection, reading the value (input 2): with no key given, Keras uses the value as the key.**" in out
    assert "**Value projection, reading the value (input 2).**" in out
    assert "**Gate projection, reading the query (input 1).**" in out
    # d is the last axis of the input each projection reads: 12 for the query and gate, 6 for key and value
    assert r"P_{q} = 12 \cdot 4 \cdot 2 + 4 \cdot 2 = 104" in out
    assert r"P_{k} = 6 \cdot 4 \cdot 2 + 4 \cdot 2 = 56" in out


@pytest.mark.parametrize(
    ("inputs", "arguments", "message"),
    [
        ({"q": [5, 12], "v": [7, 6], "k": [8, 6]}, {}, "the value (None, 7, 6) and the key (None, 8, 6) must agree"),
        ({"q": [5, 12], "v": [7, 6], "k": [2, 7, 6]}, {}, "must agree on every axis but the last"),
        ({"q": [5, 12], "v": [3, 7, 6]}, {}, "the query (None, 5, 12) and the value (None, 3, 7, 6) have different"),
        ({"q": [3, 5, 12], "v": [4, 7, 6]}, dict(attention_axes=2), "axis 1 is not an attention axis"),
        ({"q": [3, 5, 12], "v": [3, 7, 6]}, dict(attention_axes=1), "axis 2 is not an attention axis"),
        ({"a": [5, 4], "b": [5, 4], "c": [5, 4], "d": [5, 4]}, {}, "takes 1 to 3 inputs (query, value, key), got 4"),
    ],
)
def test_cross_attention_shape_checks(inputs, arguments, message):
    with pytest.raises(CalcError, match=re.escape(message)):
        graph(inputs, num_heads=2, key_dim=4, **arguments)


def test_symbolic_lengths_that_may_agree_pass():
    """The key and value lengths are symbols: they may agree, so calc keeps the closed form."""
    spec = {
        "inputs": {"q": ["n", 12], "v": ["m", 6], "k": ["m", 10]},
        "layers": [{"MultiHeadAttention": {"num_heads": 2, "key_dim": 4, "inputs": ["q", "v", "k"]}}],
    }
    record = calc.from_spec(spec).analyze().records[-1]
    assert record.trainable == 104 + 88 + 56 + 108  # q 12*8 + 8; k 10*8 + 8; v 6*8 + 8; out 8*12 + 12
    n, m = make_symbol("n"), make_symbol("m")
    # q 8*12 n; k 8*10 m; v 8*6 m; QK^T and AV 8 n m each; out 8*12 n
    assert (record.compute.macs - (96 * n + 80 * m + 48 * m + 16 * n * m + 96 * n)).expand() == 0


def test_a_sweep_refuses_the_points_where_key_and_value_lengths_differ(cli, spec_file):
    spec = """\
inputs: {q: [5, 12], v: [m, 6], k: [7, 10]}
symbols: {m: 7}
layers:
  - MultiHeadAttention: {num_heads: 2, key_dim: 4, inputs: [q, v, k]}
"""
    run = cli("sweep", spec_file(spec), "--vary", "m=6,7,8", "--quantity", "total_params")
    assert run.status == 0, run.err
    rows = run.out.splitlines()[1:]
    # only m = 7 fits the key's 7 positions: q 12*8 + 8 = 104; k 10*8 + 8 = 88; v 6*8 + 8 = 56; out 108: 356
    assert rows[1] == "7,356,"
    must_agree = "(the two must agree) would be negative"
    assert rows[0].startswith("6,,") and f"the value's axis 1 minus the key's axis 1 {must_agree}" in rows[0]
    assert rows[2].startswith("8,,") and f"the key's axis 1 minus the value's axis 1 {must_agree}" in rows[2]
