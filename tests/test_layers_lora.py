"""LoRA (lora_rank) on Dense, convolutions and Embedding, against cases worked by hand."""

from __future__ import annotations

import pytest

from calc import layers as L
from calc.errors import CalcError
from tests.test_layers import one


@pytest.mark.parametrize(
    ("input_shape", "layer", "counts"),
    [
        # kernel 3 x 5 frozen: 15; trained: 2*(3 + 5) + 5 bias = 21
        ((7, 3), L.Dense(5, lora_rank=2), (21, 15)),
        # no bias: 2*(3 + 4) = 14; frozen 3*4 = 12 (lora_alpha scales values only)
        ((8, 3), L.Dense(4, lora_rank=2, use_bias=False, lora_alpha=4), (14, 12)),
        # Conv2D 3 x 3 on 3 channels to 4: kernel 27 x 4 = 108 frozen; 2*(27 + 4) + 4 = 66
        ((8, 8, 3), L.Conv2D(4, 3, lora_rank=2), (66, 108)),
        # groups 2: the kernel's input side is 3*3*4/2 = 18; frozen 18*4 = 72; 2*(18 + 4) + 4 = 48
        ((8, 8, 4), L.Conv2D(4, 3, groups=2, lora_rank=2), (48, 72)),
        # Conv1D, no bias: input side 3*4 = 12; frozen 48; 2*(12 + 4) = 32
        ((8, 4), L.Conv1D(4, 3, lora_rank=2, use_bias=False), (32, 48)),
        # Embedding: table 100 x 16 frozen: 1,600; 4*(100 + 16) = 464
        ((12,), L.Embedding(100, 16, lora_rank=4), (464, 1600)),
    ],
)
def test_hand_worked(input_shape, layer, counts):
    assert one(input_shape, layer)[1] == counts


def test_frozen_lora_layer_counts_everything_as_non_trainable():
    assert one((8, 3), L.Dense(4, lora_rank=2, trainable=False))[1] == (0, 12 + 2 * 7 + 4)


@pytest.mark.parametrize(
    "make",
    [
        lambda: L.Conv2DTranspose(4, 3, lora_rank=2),
        lambda: L.DepthwiseConv2D(3, lora_rank=2),
        lambda: L.LSTM(4, lora_rank=2),
        lambda: L.BatchNormalization(lora_rank=2),
    ],
)
def test_layers_without_lora_refuse_it(make):
    with pytest.raises(CalcError, match="has no argument 'lora_rank'"):
        make()
