"""What the letters of the rules stand for, so a worked solution can define every symbol it uses.

Rules share their letters (``n``, ``k``, ``c_in``, ...), so the meanings are kept here once; a rule
whose letter means something else there says so in ``Rule.symbols``. Some symbols are read off the
tensor coming into the layer (its sizes and channels) rather than off the layer's own arguments: a
worked solution names the layer they come from ("c_in = 8, the channels leaving max_pooling2d").
"""

from __future__ import annotations

import re

import sympy as sp

from calc.rules import Rule

MEANINGS: dict[str, str] = {
    "n": "the input's size along the axis",
    "k": "the window (kernel) size along the axis",
    "p": "the zeros of padding on each side of the axis",
    "s": "the stride: how many positions the window moves at a time",
    "d": "the dilation: the window's taps lie d positions apart",
    "a": "the output padding added on one side",
    "c_in": "the channels coming in",
    "c": "the features normalized (the size of the normalized axis)",
    "f": "the number of filters",
    "g": "the number of groups the channels are split into",
    "b": "1 when the layer has biases, 0 when it has none",
    "m": "the depth multiplier: filters per input channel",
    "k_h": "the kernel's height",
    "k_w": "the kernel's width",
    "k_d": "the kernel's depth",
    "n_in": "the size of the last axis coming in",
    "n_out": "the number of units",
    "q": "the positions along the other axes (1 for a vector)",
    "h_out": "the output's height",
    "w_out": "the output's width",
    "d_out": "the output's depth",
    "l_out": "the output's length",
    "h_in": "the input's height",
    "w_in": "the input's width",
    "d_in": "the input's depth",
    "l_in": "the input's length",
    "u": "the units of the recurrent layer",
    "T": "the time steps of the sequence",
    "gamma": "1 when the layer learns a scale γ per feature, 0 when not",
    "beta": "1 when the layer learns an offset β per feature, 0 when not",
    "rho": "1 with batch renormalization, 0 without",
    "V": "the size of the vocabulary",
    "D": "the width of one embedding vector",
    "N": "the values of one example",
    "M": "the product of the sizes given",
    "P_1": "the parameters of the first part",
    "P_2": "the parameters of the second part",
    "M_1": "the MACs of the first part",
    "M_2": "the MACs of the second part",
    "p_1": "the zeros added before the axis",
    "p_2": "the zeros added after the axis",
    "c_1": "the positions cropped at the start",
    "c_2": "the positions cropped at the end",
    "phi": "the floating-point operations counted per multiply-accumulate",
    "r_in": "the receptive field of one input unit, in positions of the model's input",
    "j_in": "the jump: how many positions of the model's input lie between neighbouring input units",
    "start_in": "the centre of the first input unit's field, in positions of the model's input",
    "L_q": "the query positions",
    "L_k": "the key and value positions",
}

#: Symbols whose value is read off the incoming tensor: a worked solution says which layer it leaves.
FROM_INPUT = frozenset({"n", "c_in", "c", "n_in", "q", "h_in", "w_in", "d_in", "l_in", "T", "N"})

_NUMBERED = re.compile(r"^([A-Za-z]+)_(\d+)$")
_NUMBERED_MEANINGS = {
    "n": "the size of axis {i}",
    "c": "the size of the joined axis in input {i}",
    "M": "the MACs of layer {i}",
    "P": "the parameters of part {i}",
    "r": "the receptive field before layer {i}",
    "start": "the start of the field before layer {i}",
    "s": "the size of dim {i} of the learned tensor",
}


def meaning(rule: Rule, symbol: sp.Symbol) -> str:
    """What ``symbol`` means in ``rule``; "" when nobody has said."""
    name = symbol.name
    if name in rule.symbols:
        return rule.symbols[name]
    if name in MEANINGS:
        return MEANINGS[name]
    numbered = _NUMBERED.match(name)
    if numbered and numbered.group(1) in _NUMBERED_MEANINGS:
        return _NUMBERED_MEANINGS[numbered.group(1)].format(i=numbered.group(2))
    return ""


def from_input(symbol: sp.Symbol) -> bool:
    """True when the symbol's value is a size of the tensor coming in (n, c_in, n_1, ...)."""
    numbered = _NUMBERED.match(symbol.name)
    return symbol.name in FROM_INPUT or bool(numbered and numbered.group(1) == "n")
