"""Each layer rule against cases worked by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import pytest
import sympy as sp

import calc
from calc import layers as L
from calc.errors import CalcError
from calc.expressions import make_symbol


def one(input_shape, layer):
    """Output shape and (trainable, non-trainable) of a single layer on ``input_shape``."""
    record = calc.Sequential([layer], input=input_shape).analyze().records[0]
    return tuple(record.output_shape), (record.trainable, record.non_trainable)


@pytest.mark.parametrize(
    ("input_shape", "layer", "shape", "params"),
    [
        # seed: (32 - 5) + 1 = 28; (5*5*3 + 1)*8 = 608
        ((32, 32, 3), L.Conv2D(8, 5), (28, 28, 8), 608),
        # odd size, stride that does not divide: floor((7 - 3)/2) + 1 = 3; (9*3 + 1)*4 = 112
        ((7, 7, 3), L.Conv2D(4, 3, strides=2), (3, 3, 4), 112),
        # same, stride 2 on 7: ceil(7/2) = 4
        ((7, 7, 3), L.Conv2D(4, 3, strides=2, padding="same"), (4, 4, 4), 112),
        # same, stride 3 on 10: ceil(10/3) = 4
        ((10, 10, 1), L.Conv2D(2, 5, strides=3, padding="same"), (4, 4, 2), 52),
        # dilation 2, k 3: span 5, 10 - 5 + 1 = 6
        ((10, 10, 2), L.Conv2D(3, 3, dilation_rate=2), (6, 6, 3), (9 * 2 + 1) * 3),
        # explicit padding 1, k 3, s 2 on 5: floor((5 + 2 - 2 - 1)/2) + 1 = 3
        ((5, 5, 1), L.Conv2D(1, 3, strides=2, padding=1), (3, 3, 1), 10),
        # tuple kernel and strides: h: floor((9-3)/2)+1 = 4, w: floor((9-5)/1)+1 = 5; (15*2 + 1)*6 = 186
        ((9, 9, 2), L.Conv2D(6, (3, 5), strides=(2, 1)), (4, 5, 6), 186),
        # groups 4: (9 * 8/4 + 1) * 16 = 304
        ((6, 6, 8), L.Conv2D(16, 3, groups=4), (4, 4, 16), 304),
        # no bias: 9 * 3 * 8 = 216
        ((6, 6, 3), L.Conv2D(8, 3, use_bias=False), (4, 4, 8), 216),
        # Conv1D: floor((10 - 4)/3) + 1 = 3; (4*5 + 1)*7 = 147
        ((10, 5), L.Conv1D(7, 4, strides=3), (3, 7), 147),
        # Conv1D causal keeps the length at stride 1
        ((10, 5), L.Conv1D(7, 4, padding="causal"), (10, 7), 147),
        # Conv3D: 8 - 3 + 1 = 6 on each axis; (27*2 + 1)*4 = 220
        ((8, 8, 8, 2), L.Conv3D(4, 3), (6, 6, 6, 4), 220),
        # channels_first: (3, 32, 32) -> (8, 28, 28)
        ((3, 32, 32), L.Conv2D(8, 5, data_format="channels_first"), (8, 28, 28), 608),
        # Dense on the last axis of a rank-2 input: 20*5 + 5 = 105
        ((10, 20), L.Dense(5), (10, 5), 105),
        ((400,), L.Dense(120), (120,), 48120),
        ((4, 3, 20), L.Dense(5, use_bias=False), (4, 3, 5), 100),
        # pooling: strides default to the pool size; floor((9 - 2)/2) + 1 = 4
        ((9, 3), L.MaxPooling1D(2), (4, 3), 0),
        ((28, 28, 8), L.MaxPooling2D(2, strides=2), (14, 14, 8), 0),
        # floor((7 - 3)/2) + 1 = 3 and same: ceil(7/2) = 4
        ((7, 7, 1), L.AveragePooling2D(3, strides=2), (3, 3, 1), 0),
        ((7, 7, 1), L.AveragePooling2D(3, strides=2, padding="same"), (4, 4, 1), 0),
        ((5, 5, 5, 2), L.MaxPooling3D(2), (2, 2, 2, 2), 0),
        ((7, 7, 32), L.GlobalAveragePooling2D(), (32,), 0),
        ((7, 7, 32), L.GlobalMaxPooling2D(keepdims=True), (1, 1, 32), 0),
        ((9, 16), L.GlobalAveragePooling1D(), (16,), 0),
        ((4, 4, 4, 3), L.GlobalMaxPooling3D(), (3,), 0),
        ((5, 5, 16), L.Flatten(), (400,), 0),
        ((5, 5, 16), L.Dropout(0.5), (5, 5, 16), 0),
        ((5, 5, 16), L.Activation("relu"), (5, 5, 16), 0),
    ],
)
def test_hand_worked(input_shape, layer, shape, params):
    out, (trainable, non_trainable) = one(input_shape, layer)
    assert out == shape
    assert (trainable, non_trainable) == (params, 0)


def test_frozen_layer_counts_as_non_trainable():
    _, counts = one((400,), L.Dense(120, trainable=False))
    assert counts == (0, 48120)


def test_conv_params_are_the_closed_form():
    k, c, f = make_symbol("k"), make_symbol("c"), make_symbol("f")
    _, (trainable, _) = one((32, 32, c), L.Conv2D(f, k))
    assert sp.simplify(trainable - (k**2 * c + 1) * f) == 0
    shape, _ = one((32, 32, c), L.Conv2D(f, k))
    assert shape == (33 - k, 33 - k, f)


def test_symbolic_same_padding_stride():
    n, s = make_symbol("n"), make_symbol("s")
    shape, _ = one((n, n, 3), L.MaxPooling2D(2, strides=s, padding="same"))
    assert shape == (sp.ceiling(n / s), sp.ceiling(n / s), 3)


@pytest.mark.parametrize(
    ("input_shape", "layer", "message"),
    [
        ((4, 4, 3), L.Conv2D(8, 5), "larger than the padded input"),
        ((4, 4, 3), L.Conv2D(8, 3, dilation_rate=2), "larger than the padded input"),
        ((4, 4, 3), L.Conv2D(8, 7, padding=1), "larger than the padded input"),
        ((6, 6, 3), L.Conv2D(8, 3, groups=2), "groups=2 does not divide the 3 input channels"),
        ((6, 6, 4), L.Conv2D(6, 3, groups=4), "groups=4 does not divide the 6 filters"),
        ((400,), L.Conv2D(8, 3), "takes inputs with exactly 3 axes"),
        ((6, 6, 3), L.Conv1D(8, 3), "takes inputs with exactly 2 axes"),
        ((6, 6, 3), L.GlobalAveragePooling1D(), "exactly 2 axes"),
        ((1, 1, 3), L.MaxPooling2D(2), "larger than the padded input"),
        ((6, 6, 3), L.Conv2D(0, 3), "filters must be a positive whole number"),
        ((6, 6, 3), L.Conv2D(4, 3, strides=0), "strides must be a positive whole number"),
        ((6, 6, 3), L.Conv2D("f/2", 3), None),
    ],
)
def test_impossible_layers(input_shape, layer, message):
    if message is None:  # symbolic values that cannot be checked are accepted
        one(input_shape, layer)
        return
    with pytest.raises(CalcError, match=message):
        one(input_shape, layer)


def test_bad_arguments():
    with pytest.raises(CalcError, match="has no argument 'filter' \\(did you mean 'filters'\\?\\)"):
        L.Conv2D(8, 3, filter=3)
    with pytest.raises(CalcError, match="kernel_size needs 2 values"):
        L.Conv2D(8, (3, 3, 3))
    with pytest.raises(CalcError, match="padding must be one of valid, same"):
        L.Conv2D(8, 3, padding="full")
    with pytest.raises(CalcError, match="rate must be a number"):
        L.Dropout(1.5)
    with pytest.raises(CalcError, match="use_bias must be true or false"):
        L.Dense(3, use_bias="yes")
