"""torchvision's vision transformers in the zoo (ViT, Swin v1 and v2, MaxViT), beyond what tests/test_zoo.py checks
for every torchvision model (num_params, the published GFLOPS, each module's parameters and output shapes, each
function call): the parts a reader checks by hand, worked out here from the papers' arithmetic."""

from __future__ import annotations

from functools import cache

import sympy as sp

import calc
from calc.model import Analysis


@cache
def analysis(name: str) -> Analysis:
    return calc.load(name).analyze()


def macs(record) -> int:
    return int(record.compute.macs)


def test_vit_b_16_class_token_and_position_embedding():
    """ViT-B/16: 196 patches of 768 channels, a learned class token in front (197 tokens), a learned position
    embedding of 197 x 768 added; the classifier reads the class token's output only."""
    result = analysis("torchvision_vit_b_16")
    token, position = result.layer("class_token"), result.layer("encoder.pos_embedding")
    assert (token.type, token.params, position.params) == ("Parameter", 768, 197 * 768)
    assert tuple(result.layer("cat").output_shape) == (197, 768)
    head = result.layer("heads.head")
    assert tuple(head.input_shapes[0]) == (768,) and macs(head) == 768 * 1000


def test_vit_h_14_is_built_at_518_as_its_swag_weights():
    """vit_h_14's default (SWAG) weights take 518 x 518: 37 x 37 patches of 14, and the class token."""
    result = analysis("torchvision_vit_h_14")
    assert result.values[sp.Symbol("n", integer=True, positive=True)] == 518
    assert tuple(result.layer("encoder.pos_embedding").output_shape) == (37 * 37 + 1, 1280)


def test_swin_t_shifts_every_other_block_and_counts_each_window():
    """Swin-T: blocks alternate unshifted and shifted windows of 7 x 7; stage 1's 56 x 56 map holds 64 windows,
    stage 4's 7 x 7 one window. Each attention's MACs: g (4 t E^2 + 2 t^2 E) with t = 49 tokens per window."""
    result = analysis("torchvision_swin_t")
    shifts = [r.layer.shift_size for r in result.layers if r.type == "ShiftedWindowAttention"]
    assert [tuple(int(s) for s in shift) for shift in shifts[:2]] == [(0, 0), (3, 3)]
    first, last = result.layer("features.1.0.attn"), result.layer("features.7.1.attn")
    assert macs(first) == 64 * (4 * 49 * 96**2 + 2 * 49**2 * 96)
    assert macs(last) == 1 * (4 * 49 * 768**2 + 2 * 49**2 * 768)
    merging = result.layer("features.2")
    assert tuple(merging.output_shape) == (28, 28, 192) and merging.params == 8 * 96 + 8 * 96**2


def test_swin_v2_t_counts_its_position_bias_mlp_once_per_layer():
    """Swin V2-T at 256: 8 x 8 windows; besides the attention, each layer's cpb_mlp maps the 15 x 15 offsets
    through 2 -> 512 -> heads once per forward pass."""
    result = analysis("torchvision_swin_v2_t")
    first = result.layer("features.1.0.attn")
    attention = 64 * (4 * 64 * 96**2 + 2 * 64**2 * 96)
    assert macs(first) == attention + 15 * 15 * 512 * (2 + 3)
    assert first.params == (96 * 288 + 288) + (96 * 96 + 96) + 3 + (2 * 512 + 512) + 512 * 3


def test_maxvit_t_attends_within_windows_then_across_the_grid():
    """MaxViT-T's first block at 56 x 56: 64 windows of 7 x 7, then a grid of 7 x 7 cells 8 apart (49 groups
    swapped into 64 groups of 49 tokens): the same attention work either way."""
    result = analysis("torchvision_maxvit_t")
    prefix = "blocks.0.layers.0.layers"
    window = result.layer(f"{prefix}.window_attention.attn_layer.1")
    grid = result.layer(f"{prefix}.grid_attention.attn_layer.1")
    assert tuple(window.input_shapes[0]) == tuple(grid.input_shapes[0]) == (64, 49, 64)
    assert macs(window) == macs(grid) == 64 * (4 * 49 * 64**2 + 2 * 49**2 * 64)
    assert window.params == (64 * 192 + 192) + (64 * 64 + 64) + 13 * 13 * 2
