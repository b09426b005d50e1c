"""Embedding against cases worked by hand (arithmetic in the comments)."""

from __future__ import annotations

import pytest

from calc import layers as L
from calc.errors import CalcError
from calc.expressions import make_symbol
from tests.test_layers import one


@pytest.mark.parametrize(
    ("input_shape", "layer", "shape", "counts"),
    [
        # a table of 1000 vectors of 16: 16,000; each of the 12 ids becomes a vector of 16
        ((12,), L.Embedding(1000, 16), (12, 16), (16000, 0)),
        ((3, 4), L.Embedding(50, 8), (3, 4, 8), (400, 0)),
        ((12,), L.Embedding(100, 4, mask_zero=True), (12, 4), (400, 0)),
        # LoRA rank 4: trainable 4*(100 + 16) = 464, the frozen table 100*16 = 1,600
        ((12,), L.Embedding(100, 16, lora_rank=4), (12, 16), (464, 1600)),
        # BERT-base's word embeddings: 30,522 * 768 = 23,440,896
        ((128,), L.Embedding(30522, 768), (128, 768), (23440896, 0)),
    ],
)
def test_hand_worked(input_shape, layer, shape, counts):
    assert one(input_shape, layer) == (shape, counts)


def test_symbolic_vocabulary():
    v, d = make_symbol("v"), make_symbol("d")
    assert one((10,), L.Embedding(v, d)) == ((10, d), (v * d, 0))


def test_impossible_layers():
    with pytest.raises(CalcError, match="input_dim must be a positive whole number"):
        one((12,), L.Embedding(0, 4))
    with pytest.raises(CalcError, match="quantized embeddings are not supported"):
        L.Embedding(10, 4, quantization_config={"mode": "int8"})
