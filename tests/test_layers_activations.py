"""Activation layers, dropout variants and other pass-through layers, against cases worked by hand."""

from __future__ import annotations

import pytest

from calc import layers as L
from calc.errors import CalcError
from calc.expressions import make_symbol
from tests.test_layers import one


@pytest.mark.parametrize(
    ("input_shape", "layer", "params"),
    [
        ((6, 5), L.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5), 0),
        ((6, 5), L.LeakyReLU(), 0),
        ((6, 5), L.LeakyReLU(alpha=0.2), 0),
        ((6, 5), L.ELU(alpha=0.5), 0),
        ((6, 5), L.Softmax(axis=1), 0),
        # PReLU: one slope per value: 4*5*3 = 60
        ((4, 5, 3), L.PReLU(), 60),
        # shared over height and width: 1*1*3 = 3, one slope per channel
        ((4, 5, 3), L.PReLU(shared_axes=[1, 2]), 3),
        # shared over the steps: 1*3 = 3
        ((7, 3), L.PReLU(shared_axes=1), 3),
        ((20,), L.PReLU(), 20),
        ((10, 4), L.SpatialDropout1D(0.2), 0),
        ((6, 6, 4), L.SpatialDropout2D(0.5, data_format="channels_first"), 0),
        ((3, 4, 5, 2), L.SpatialDropout3D(0.1), 0),
        ((10,), L.GaussianDropout(0.3), 0),
        ((10,), L.GaussianNoise(0.1), 0),
        ((10, 3), L.AlphaDropout(0.1), 0),
        ((10, 3), L.Identity(), 0),
        ((10, 3), L.Masking(mask_value=-1.0), 0),
        ((10,), L.ActivityRegularization(l1=0.01), 0),
    ],
)
def test_hand_worked(input_shape, layer, params):
    assert one(input_shape, layer) == (input_shape, (params, 0))


def test_prelu_closed_form():
    h, c = make_symbol("h"), make_symbol("c")
    assert one((h, h, c), L.PReLU(shared_axes=[1, 2]))[1] == (c, 0)
    assert one((h, h, c), L.PReLU())[1] == (h**2 * c, 0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: L.ReLU(max_value=-1.0), "max_value cannot be negative"),
        (lambda: L.LeakyReLU(negative_slope=-0.1), "negative_slope cannot be negative"),
        (lambda: L.ELU(alpha="big"), "alpha must be a number"),
        (lambda: L.Softmax(axis="last"), "axis must be an axis number"),
        # Keras reads shared_axes=[0] as the last axis (a negative index); calc refuses it
        (lambda: L.PReLU(shared_axes=[0]), "shared_axes must list axis numbers from 1"),
        (lambda: L.GaussianNoise(2.0), "stddev must be a number from 0 to 1"),
        (lambda: L.GaussianDropout(1.5), "rate must be a number from 0 to 1"),
        (lambda: L.AlphaDropout(-0.1), "rate must be a number from 0 to 1"),
        (lambda: L.SpatialDropout1D(0.1, data_format="channels_first"), "has no argument 'data_format'"),
        (lambda: L.Masking(mask_value="x"), "mask_value must be a number"),
    ],
)
def test_keras_argument_checks(make, message):
    with pytest.raises(CalcError, match=message):
        make()


@pytest.mark.parametrize(
    ("input_shape", "layer", "message"),
    [
        ((7, 3), L.PReLU(shared_axes=[3]), "shared_axes 3 is out of range"),
        ((7, 3, 2), L.SpatialDropout1D(0.2), "exactly 2 axes"),
        ((7, 3), L.SpatialDropout2D(0.2), "exactly 3 axes"),
    ],
)
def test_impossible_layers(input_shape, layer, message):
    with pytest.raises(CalcError, match=message):
        one(input_shape, layer)
