"""Transposed convolutions against cases worked by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import pytest
import sympy as sp

from calc import layers as L
from calc.errors import CalcError
from calc.expressions import make_symbol
from calc.layers.conv_transpose import TRANSPOSED_EXPLICIT, TRANSPOSED_SAME, TRANSPOSED_VALID
from calc.layers.window import EXPLICIT_PADDING, SAME_PADDING
from tests.test_layers import one


@pytest.mark.parametrize(
    ("input_shape", "layer", "shape", "params"),
    [
        # valid, kernel 3 >= stride 2: (7 - 1)*2 + 3 = 15; (3*3*3 + 1)*4 = 112
        ((7, 7, 3), L.Conv2DTranspose(4, 3, strides=2), (15, 15, 4), 112),
        # same: 7*2 = 14
        ((7, 7, 3), L.Conv2DTranspose(4, 3, strides=2, padding="same"), (14, 14, 4), 112),
        # same with output padding 1, odd kernel: (7 - 1)*2 + 3 mod 2 + 1 = 14
        ((7, 7, 3), L.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1), (14, 14, 4), 112),
        # same with output padding 0, even kernel 4: (7 - 1)*3 + 4 mod 2 + 0 = 18
        ((7, 3), L.Conv1DTranspose(2, 4, strides=3, padding="same", output_padding=0), (18, 2), (4 * 3 + 1) * 2),
        # valid, stride 3 longer than kernel 1: (5 - 1)*3 + max(1, 3) = 15; (1*2 + 1)*3 = 9
        ((5, 5, 2), L.Conv2DTranspose(3, 1, strides=3), (15, 15, 3), 9),
        # valid with output padding 2: (5 - 1)*3 + 1 + 2 = 15 as well
        ((5, 2), L.Conv1DTranspose(3, 1, strides=3, output_padding=2), (15, 3), 9),
        # dilation 2, kernel 3: (6 - 1)*1 + 2*(3 - 1) + 1 = 10
        ((6, 6, 2), L.Conv2DTranspose(3, 3, dilation_rate=2), (10, 10, 3), (9 * 2 + 1) * 3),
        # PyTorch's explicit padding 1, kernel 4, stride 2 (the DCGAN doubling): (5 - 1)*2 - 2 + 3 + 1 = 10
        ((5, 5, 8), L.Conv2DTranspose(4, 4, strides=2, padding=1), (10, 10, 4), (16 * 8 + 1) * 4),
        # explicit padding 1 and output padding 1: (5 - 1)*2 - 2 + 2 + 1 + 1 = 10
        ((5, 2), L.Conv1DTranspose(1, 3, strides=2, padding=1, output_padding=1), (10, 1), 7),
        # no bias: 5*5*8*2 = 400
        ((4, 4, 8), L.Conv2DTranspose(2, 5, use_bias=False), (8, 8, 2), 400),
        # channels first: (3, 6, 6) -> (5, 12, 12); (2*2*3 + 1)*5 = 65
        ((3, 6, 6), L.Conv2DTranspose(5, 2, strides=2, data_format="channels_first"), (5, 12, 12), 65),
        # 3D: depth (3 - 1)*1 + 2 = 4, height (4 - 1)*2 + 3 = 9, width (5 - 1)*3 + max(1, 3) = 15
        ((3, 4, 5, 2), L.Conv3DTranspose(2, (2, 3, 1), strides=(1, 2, 3)), (4, 9, 15, 2), (6 * 2 + 1) * 2),
    ],
)
def test_hand_worked(input_shape, layer, shape, params):
    out, (trainable, non_trainable) = one(input_shape, layer)
    assert out == shape
    assert (trainable, non_trainable) == (params, 0)


def test_symbolic_same_is_n_times_s():
    n, s = make_symbol("n"), make_symbol("s")
    shape, _ = one((n, 3), L.Conv1DTranspose(2, 3, strides=s, padding="same"))
    assert shape == (n * s, 2)


def test_swapped_formula_mistake_is_the_ordinary_rule():
    for rule in (TRANSPOSED_EXPLICIT, TRANSPOSED_VALID, TRANSPOSED_SAME):
        assert rule.mistakes[0].id == "transposed_formula_swapped"
    assert [m.id for m in TRANSPOSED_SAME.mistakes[1:]] == ["same_keeps_size"]  # 'same' kept the size
    assert TRANSPOSED_EXPLICIT.mistakes[0].expr == EXPLICIT_PADDING.expr
    assert TRANSPOSED_SAME.mistakes[0].expr == SAME_PADDING.expr
    # the mistake, with the seed-like numbers n=7, k=3, s=2, p=0, d=1, gives 3 where the rule gives 15
    values = dict(zip(sp.symbols("n k p s d", integer=True, nonnegative=True), (7, 3, 0, 2, 1)))
    values[sp.Symbol("a", integer=True, nonnegative=True)] = 0
    assert TRANSPOSED_EXPLICIT.expr.subs(values) == 15
    assert TRANSPOSED_EXPLICIT.mistakes[0].expr.subs(values) == 3


@pytest.mark.parametrize(
    ("input_shape", "layer", "message"),
    [
        ((6, 6, 2), L.Conv2DTranspose(3, 3, strides=2, output_padding=2), "output_padding \\(2\\) must be smaller"),
        ((6, 2), L.Conv1DTranspose(3, 3, output_padding=1), "must be smaller than strides \\(1\\)"),
        # PyTorch's limit with explicit padding: max(stride 1, dilation 1) = 1
        ((6, 2), L.Conv1DTranspose(3, 3, padding=0, output_padding=1), "larger of strides and dilation_rate"),
        ((2, 2), L.Conv1DTranspose(3, 2, padding=3), "output length would be -3"),
        # Keras's own rule would give (1 - 1)*1 + 2 mod 2 + 0 = 0 here; calc refuses an empty axis
        ((1, 2), L.Conv1DTranspose(3, 2, padding="same", output_padding=0), "output length would be 0"),
        ((6, 2), L.Conv2DTranspose(3, 3), "exactly 3 axes"),
        ((6, 6, 2), L.Conv2DTranspose(0, 3), "filters must be a positive whole number"),
    ],
)
def test_impossible_layers(input_shape, layer, message):
    with pytest.raises(CalcError, match=message):
        one(input_shape, layer)


def test_keras_argument_checks():
    with pytest.raises(CalcError, match="strides > 1 together with dilation_rate > 1"):
        L.Conv2DTranspose(3, 3, strides=2, dilation_rate=2)
    with pytest.raises(CalcError, match="padding must be one of valid, same"):
        L.Conv1DTranspose(3, 3, padding="causal")
    with pytest.raises(CalcError, match="has no argument 'groups'"):
        L.Conv2DTranspose(3, 3, groups=2)
