"""Padding, cropping, upsampling and reshaping against cases worked by hand (arithmetic in the comments)."""

from __future__ import annotations

import pytest

from calc import layers as L
from calc.errors import CalcError
from calc.expressions import make_symbol
from tests.test_layers import one


@pytest.mark.parametrize(
    ("input_shape", "layer", "shape"),
    [
        # 10 + 1 + 1 = 12
        ((10, 3), L.ZeroPadding1D(), (12, 3)),
        # 10 + 0 + 2 = 12
        ((10, 3), L.ZeroPadding1D((0, 2)), (12, 3)),
        # 6 + 2 + 2 = 10, 7 + 2 + 2 = 11
        ((6, 7, 3), L.ZeroPadding2D(2), (10, 11, 3)),
        # 6 + 1 + 2 = 9, 7 + 0 + 3 = 10
        ((6, 7, 3), L.ZeroPadding2D(((1, 2), (0, 3))), (9, 10, 3)),
        # one int per axis: 6 + 1 + 1 = 8, 7 + 3 + 3 = 13
        ((6, 7, 3), L.ZeroPadding2D((1, 3)), (8, 13, 3)),
        # channels first: (3, 6, 7) -> (3, 6 + 1 + 0, 7 + 2 + 2) = (3, 7, 11)
        ((3, 6, 7), L.ZeroPadding2D(((1, 0), (2, 2)), data_format="channels_first"), (3, 7, 11)),
        # 4 + 2, 5 + 0 + 2, 6 + 3 + 1
        ((4, 5, 6, 2), L.ZeroPadding3D((1, (0, 2), (3, 1))), (6, 7, 10, 2)),
        # Keras's default cropping (1, 1): 10 - 1 - 1 = 8
        ((10, 3), L.Cropping1D(), (8, 3)),
        # 10 - 4 - 5 = 1, the least Keras allows
        ((10, 3), L.Cropping1D((4, 5)), (1, 3)),
        # Cropping2D's default is no cropping at all
        ((6, 7, 3), L.Cropping2D(), (6, 7, 3)),
        # 6 - 1 - 2 = 3, 7 - 0 - 3 = 4
        ((6, 7, 3), L.Cropping2D(((1, 2), (0, 3))), (3, 4, 3)),
        # Cropping3D's default is one from each end: 4 - 2, 5 - 2, 6 - 2
        ((4, 5, 6, 2), L.Cropping3D(), (2, 3, 4, 2)),
        # 10 * 2 = 20
        ((10, 3), L.UpSampling1D(), (20, 3)),
        # 5 * 2 = 10, 6 * 3 = 18
        ((5, 6, 3), L.UpSampling2D((2, 3), interpolation="bilinear"), (10, 18, 3)),
        ((2, 3, 4, 2), L.UpSampling3D((1, 2, 3)), (2, 6, 12, 2)),
        # 6 * 4 = 24 values: -1 is 24 / 2 = 12
        ((6, 4), L.Reshape((-1, 2)), (12, 2)),
        # 6 * 4 * 2 = 48 values: -1 is 48 / (4 * 3) = 4
        ((6, 4, 2), L.Reshape((4, -1, 3)), (4, 4, 3)),
        ((48,), L.Reshape((4, 4, 3)), (4, 4, 3)),
        ((2, 3, 4), L.Permute((3, 1, 2)), (4, 2, 3)),
        ((5,), L.RepeatVector(3), (3, 5)),
    ],
)
def test_hand_worked(input_shape, layer, shape):
    out, counts = one(input_shape, layer)
    assert out == shape
    assert counts == (0, 0)


def test_symbolic_reshape_divides_the_values():
    n = make_symbol("n")
    # (n, 4, 2) holds 8n values; with 4 given, -1 is 2n
    shape, _ = one((n, 4, 2), L.Reshape((4, -1)))
    assert shape == (4, 2 * n)


@pytest.mark.parametrize(
    ("input_shape", "layer", "message"),
    [
        ((7, 3), L.Cropping1D((4, 3)), "output length would be 0: cropping 7 removes the whole length of 7"),
        ((6, 7, 3), L.Cropping2D(((3, 3), 0)), "output height would be 0"),
        ((6, 4), L.Reshape((5, 5)), "holds 25 values, but shape \\(None, 6, 4\\) has 24"),
        ((6, 4), L.Reshape((-1, 5)), "the 24 values of shape \\(None, 6, 4\\) do not divide"),
        ((6, 4, 2), L.Permute((2, 1)), "exactly 2 axes"),
        ((6, 4), L.RepeatVector(2), "exactly 1 axes"),
        ((6, 4, 2), L.ZeroPadding1D(), "exactly 2 axes"),
        ((5, 6, 3), L.UpSampling2D(0), "size must be a positive whole number"),
        ((5, 3), L.ZeroPadding1D(-1), "padding must be a whole number of at least 0"),
    ],
)
def test_impossible_layers(input_shape, layer, message):
    with pytest.raises(CalcError, match=message):
        one(input_shape, layer)


def test_keras_argument_checks():
    with pytest.raises(CalcError, match="size must be a single whole number for UpSampling1D"):
        L.UpSampling1D([2])
    with pytest.raises(CalcError, match="padding needs 2 entries"):
        L.ZeroPadding2D((1, 1, 1))
    with pytest.raises(CalcError, match="at most one size as -1"):
        L.Reshape((-1, -1))
    with pytest.raises(CalcError, match="positive whole numbers or -1"):
        L.Reshape((0, -1))
    with pytest.raises(CalcError, match="dims must list the axes"):
        L.Permute((1, 3))
    with pytest.raises(CalcError, match="has no argument 'data_format'"):
        L.Cropping1D(1, data_format="channels_last")
    with pytest.raises(CalcError, match="has no argument 'interpolation'"):
        L.UpSampling3D(2, interpolation="nearest")
