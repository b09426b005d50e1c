"""The ``pytorch`` dialect: torch.nn class names and keyword arguments, channels-first shapes.

One module per family, as in ``calc.layers``; each reuses the Keras rules where the arithmetic is the
same (sliding windows, the convolution and Dense parameter rules, Flatten) and states a rule of its
own, with its sentence, only where PyTorch counts differently (BatchNorm's buffers, the two bias
vectors of recurrent layers, MultiheadAttention's packed in_proj). The tensor arithmetic of forward()
(``add``, ``sub``, ``mul``, ``cat``, ``view``, ``permute``, ``matmul``, ...: ``tensor``) is named after
the functions, as torch.fx names their calls; ``lazy`` holds the Lazy modules; ``windows`` holds
torchvision's attention within windows (Swin, MaxViT).
"""

from __future__ import annotations

from calc.dialects.pytorch.activation import (
    ACTIVATION_CLASSES,
    AlphaDropout,
    Dropout,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    FeatureAlphaDropout,
    Identity,
    PReLU,
    StochasticDepth,
)
from calc.dialects.pytorch.attention import MultiheadAttention
from calc.dialects.pytorch.base import TorchLayer
from calc.dialects.pytorch.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from calc.dialects.pytorch.lazy import LAZY_CLASSES
from calc.dialects.pytorch.linear import Embedding, Linear
from calc.dialects.pytorch.merge import add, cat, div, mul, sub
from calc.dialects.pytorch.normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm, LayerNorm2d
from calc.dialects.pytorch.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
)
from calc.dialects.pytorch.recurrent import GRU, LSTM, RNN
from calc.dialects.pytorch.reshape import Flatten
from calc.dialects.pytorch.tensor import TENSOR_CLASSES
from calc.dialects.pytorch.windows import WINDOW_CLASSES

_CLASSES: list[type[TorchLayer]] = [
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    GroupNorm,
    LayerNorm,
    LayerNorm2d,
    Linear,
    Embedding,
    RNN,
    GRU,
    LSTM,
    MultiheadAttention,
    Flatten,
    add,
    sub,
    mul,
    div,
    cat,
    Identity,
    Dropout,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    AlphaDropout,
    FeatureAlphaDropout,
    PReLU,
    StochasticDepth,
    *ACTIVATION_CLASSES,
    *TENSOR_CLASSES,
    *LAZY_CLASSES,
    *WINDOW_CLASSES,
]

#: torch.nn class name -> layer class.
REGISTRY: dict[str, type[TorchLayer]] = {cls.__name__: cls for cls in _CLASSES}

__all__ = ["REGISTRY", "TorchLayer"]
