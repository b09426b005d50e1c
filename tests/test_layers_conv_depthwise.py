"""Depthwise and separable convolutions against cases worked by hand (arithmetic in the comments)."""

from __future__ import annotations

import pytest
import sympy as sp

from calc import layers as L
from calc.errors import CalcError
from calc.expressions import make_symbol
from tests.test_layers import one


@pytest.mark.parametrize(
    ("input_shape", "layer", "shape", "params"),
    [
        # 8 - 3 + 1 = 6; (3*3 + 1)*3 = 30
        ((8, 8, 3), L.DepthwiseConv2D(3), (6, 6, 3), 30),
        # multiplier 2: 3*2 = 6 channels; (9 + 1)*3*2 = 60
        ((8, 8, 3), L.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), (8, 8, 6), 60),
        # floor((9 - 3)/2) + 1 = 4, floor((10 - 2)/2) + 1 = 5; no bias: 3*2*4 = 24
        ((9, 10, 4), L.DepthwiseConv2D((3, 2), strides=2, use_bias=False), (4, 5, 4), 24),
        # strides 2 with dilation 2 (Keras allows it here): floor((12 - 5)/2) + 1 = 4
        ((12, 12, 2), L.DepthwiseConv2D(3, strides=2, dilation_rate=2), (4, 4, 2), 20),
        # 1D: floor((20 - 5)/3) + 1 = 6; (5 + 1)*4*2 = 48
        ((20, 4), L.DepthwiseConv1D(5, strides=3, depth_multiplier=2), (6, 8), 48),
        # separable: 16 - 3 + 1 = 14; 9*3 + (3 + 1)*8 = 27 + 32 = 59
        ((16, 16, 3), L.SeparableConv2D(8, 3), (14, 14, 8), 59),
        # multiplier 2, same, stride 2: ceil(15/2) = 8, ceil(16/2) = 8; 9*3*2 + (6 + 1)*8 = 54 + 56 = 110
        ((15, 16, 3), L.SeparableConv2D(8, 3, depth_multiplier=2, padding="same", strides=2), (8, 8, 8), 110),
        # Xception-like, no bias: 9*16 + 16*32 = 144 + 512 = 656
        ((10, 10, 16), L.SeparableConv2D(32, 3, use_bias=False), (8, 8, 32), 656),
        # 1D, stride 2 and dilation 2: floor((7 - 5)/2) + 1 = 2; 3*3 + (3 + 1)*4 = 25
        ((7, 3), L.SeparableConv1D(4, 3, strides=2, dilation_rate=2), (2, 4), 25),
        # PyTorch-style explicit padding 1: 8 + 2 - 3 + 1 = 8
        ((8, 8, 3), L.DepthwiseConv2D(3, padding=1), (8, 8, 3), 30),
    ],
)
def test_hand_worked(input_shape, layer, shape, params):
    out, (trainable, non_trainable) = one(input_shape, layer)
    assert out == shape
    assert (trainable, non_trainable) == (params, 0)


def test_separable_is_depthwise_plus_pointwise():
    """The separable count is a depthwise layer's weights plus a 1 x 1 Conv2D's, with the numbers kept free."""
    c, m, f = make_symbol("c"), make_symbol("m"), make_symbol("f")
    _, (separable, _) = one((9, 9, c), L.SeparableConv2D(f, 3, depth_multiplier=m))
    _, (depthwise, _) = one((9, 9, c), L.DepthwiseConv2D(3, depth_multiplier=m, use_bias=False))
    _, (pointwise, _) = one((7, 7, c * m), L.Conv2D(f, 1))
    assert sp.expand(separable - depthwise - pointwise) == 0


@pytest.mark.parametrize(
    ("input_shape", "layer", "message"),
    [
        ((2, 2, 3), L.DepthwiseConv2D(3), "larger than the padded input"),
        ((8, 8, 3), L.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier must be a positive whole number"),
        ((8, 8, 3), L.SeparableConv2D(0, 3), "filters must be a positive whole number"),
        ((8, 8, 3), L.SeparableConv1D(2, 3), "exactly 2 axes"),
    ],
)
def test_impossible_layers(input_shape, layer, message):
    with pytest.raises(CalcError, match=message):
        one(input_shape, layer)


def test_keras_argument_checks():
    with pytest.raises(CalcError, match="padding must be one of valid, same"):
        L.DepthwiseConv1D(3, padding="causal")
    with pytest.raises(CalcError, match="has no argument 'filters'"):
        L.DepthwiseConv2D(3, filters=2)
    L.SeparableConv2D(4, 3, depthwise_regularizer=None, pointwise_constraint=None)  # accepted, no effect
