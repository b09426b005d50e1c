"""MultiHeadAttention (self-attention) against cases worked by hand (arithmetic in the comments)."""

from __future__ import annotations

import pytest

from calc import layers as L
from calc.errors import CalcError
from calc.expressions import make_symbol
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
