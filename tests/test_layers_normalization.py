"""Normalization layers against cases worked by hand (arithmetic in the comments)."""

from __future__ import annotations

import pytest
import sympy as sp

from calc import layers as L
from calc.errors import CalcError
from calc.expressions import make_symbol
from calc.layers.normalization import BATCH_NORM_TRAINABLE, beta, c, gamma, rho
from tests.test_layers import one


@pytest.mark.parametrize(
    ("input_shape", "layer", "shape", "trainable", "non_trainable"),
    [
        # γ and β per channel: 2*16 = 32; moving mean and variance: 2*16 = 32
        ((8, 8, 16), L.BatchNormalization(), (8, 8, 16), 32, 32),
        # no β: 1*5 = 5; the moving statistics stay: 2*5 = 10
        ((6, 5), L.BatchNormalization(center=False), (6, 5), 5, 10),
        ((6, 5), L.BatchNormalization(center=False, scale=False), (6, 5), 0, 10),
        # axis 1 is the first axis of an example (6 features): 2*6 = 12 and 12
        ((6, 5), L.BatchNormalization(axis=1), (6, 5), 12, 12),
        # channels first: axis 1 holds the 3 channels
        ((3, 8, 8), L.BatchNormalization(axis=1), (3, 8, 8), 6, 6),
        # renorm keeps 3 more vectors: (2 + 3)*5 = 25
        ((6, 5), L.BatchNormalization(renorm=True), (6, 5), 10, 25),
        # LayerNormalization over the last axis: 2*16 = 32
        ((10, 16), L.LayerNormalization(), (10, 16), 32, 0),
        # over two axes: 2*(10*16) = 320
        ((10, 16), L.LayerNormalization(axis=[1, 2]), (10, 16), 320, 0),
        # axis -2 of (4, 10, 16) is the 10, scale only: 10
        ((4, 10, 16), L.LayerNormalization(axis=-2, center=False), (4, 10, 16), 10, 0),
        # rms_scaling keeps γ only: 16
        ((10, 16), L.LayerNormalization(rms_scaling=True), (10, 16), 16, 0),
        ((10, 16), L.RMSNormalization(), (10, 16), 16, 0),
        ((10, 16), L.RMSNormalization(axis=[1, 2]), (10, 16), 160, 0),
        # GroupNormalization: γ and β per channel whatever the groups: 2*12 = 24
        ((8, 8, 12), L.GroupNormalization(groups=4), (8, 8, 12), 24, 0),
        ((8, 8, 12), L.GroupNormalization(groups=-1, scale=False), (8, 8, 12), 12, 0),
        ((10, 16), L.UnitNormalization(), (10, 16), 0, 0),
        ((8, 8, 3), L.Rescaling(1 / 255), (8, 8, 3), 0, 0),
        # Normalization: mean and variance per feature and one count: 2*3 + 1 = 7
        ((5, 3), L.Normalization(), (5, 3), 0, 7),
        # axis None: one mean, one variance, one count
        ((5, 3), L.Normalization(axis=None), (5, 3), 0, 3),
        # both axes kept: 2*(5*3) + 1 = 31
        ((5, 3), L.Normalization(axis=[1, 2]), (5, 3), 0, 31),
        ((5, 3), L.Normalization(mean=0.5, variance=2.0), (5, 3), 0, 0),
    ],
)
def test_hand_worked(input_shape, layer, shape, trainable, non_trainable):
    out, counts = one(input_shape, layer)
    assert out == shape
    assert counts == (trainable, non_trainable)


def test_batch_norm_is_symbolic_in_the_channels():
    f = make_symbol("f")
    _, counts = one((8, 8, f), L.BatchNormalization())
    assert counts == (2 * f, 2 * f)


def test_counted_non_trainable_mistake():
    """The checker's mistake: all four vectors counted as trainable, 4c (7c with renorm)."""
    mistake = BATCH_NORM_TRAINABLE.mistakes[0]
    assert [m.id for m in BATCH_NORM_TRAINABLE.mistakes] == [
        "counted_non_trainable",
        "one_param_per_feature",
        "wrong_axis",
    ]
    assert mistake.expr is None  # the rule with the statistics added to γ, not a formula typed again
    wrong = mistake.formula(BATCH_NORM_TRAINABLE)
    plain = {gamma: 1, beta: 1, rho: 0, c: 16}
    assert wrong.subs(plain) == 64  # 4*16, where the rule gives 2*16 = 32
    assert BATCH_NORM_TRAINABLE.expr.subs(plain) == 32
    assert sp.expand(wrong.subs({**plain, rho: 1})) == 7 * 16


@pytest.mark.parametrize(
    ("input_shape", "layer", "message"),
    [
        ((6, 5), L.BatchNormalization(axis=0), "axis 0 is the batch axis"),
        ((6, 5), L.BatchNormalization(axis=3), "axis 3 is out of range"),
        ((6, 5), L.LayerNormalization(axis=-3), "the batch axis"),
        # Keras counts a repeated axis twice (2*(5*5) here); calc refuses it
        ((6, 5), L.LayerNormalization(axis=[-1, -1]), "names the same axis twice"),
        ((8, 4), L.GroupNormalization(), "groups \\(32\\) cannot be more than the 4 channels"),
        ((8, 6), L.GroupNormalization(groups=4), "groups \\(4\\) must divide the 6 channels"),
        ((8, 6), L.UnitNormalization(axis=3), "out of range"),
        ((8, 6), L.Normalization(axis=0), "the batch axis"),
    ],
)
def test_impossible_layers(input_shape, layer, message):
    with pytest.raises(CalcError, match=message):
        one(input_shape, layer)


def test_keras_argument_checks():
    with pytest.raises(CalcError, match="give both mean and variance"):
        L.Normalization(mean=1.0)
    with pytest.raises(CalcError, match="groups must be a positive whole number"):
        L.GroupNormalization(groups=0)
    with pytest.raises(CalcError, match="scale must be a number"):
        L.Rescaling("big")
    with pytest.raises(CalcError, match="center must be true or false"):
        L.BatchNormalization(center="yes")
    L.BatchNormalization(momentum=0.9, epsilon=1e-5, synchronized=False)  # accepted, no effect on counts
