"""Layer classes by family, and the registry that maps Keras class names to them."""

from __future__ import annotations

from calc.layers.activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from calc.layers.attention import MultiHeadAttention
from calc.layers.base import Layer
from calc.layers.conv import Conv1D, Conv2D, Conv3D
from calc.layers.conv_depthwise import DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D
from calc.layers.conv_transpose import Conv1DTranspose, Conv2DTranspose, Conv3DTranspose
from calc.layers.core import (
    Activation,
    ActivityRegularization,
    AlphaDropout,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    Identity,
    InputLayer,
    Masking,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from calc.layers.dense import Dense
from calc.layers.dot_attention import DotProductAttention
from calc.layers.embedding import Embedding
from calc.layers.merge import (
    Add,
    Average,
    Concatenate,
    CustomScaleLayer,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
)
from calc.layers.normalization import (
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
    LayerScale,
    Normalization,
    Rescaling,
    RMSNormalization,
    UnitNormalization,
)
from calc.layers.padding import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from calc.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from calc.layers.recurrent import GRU, LSTM, Bidirectional, SimpleRNN, TimeDistributed
from calc.layers.reshape import Flatten, Permute, RepeatVector, Reshape
from calc.layers.transformer_parts import ClassToken, GatedActivation, PositionEmbedding, TiedDense

_CLASSES: list[type[Layer]] = [
    InputLayer,
    Dense,
    Conv1D,
    Conv2D,
    Conv3D,
    Conv1DTranspose,
    Conv2DTranspose,
    Conv3DTranspose,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    Flatten,
    Reshape,
    Permute,
    RepeatVector,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
    Cropping1D,
    Cropping2D,
    Cropping3D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    Embedding,
    SimpleRNN,
    LSTM,
    GRU,
    Bidirectional,
    TimeDistributed,
    MultiHeadAttention,
    DotProductAttention,
    TiedDense,
    GatedActivation,
    ClassToken,
    PositionEmbedding,
    BatchNormalization,
    LayerNormalization,
    GroupNormalization,
    RMSNormalization,
    UnitNormalization,
    Normalization,
    Rescaling,
    Dropout,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
    GaussianDropout,
    GaussianNoise,
    AlphaDropout,
    Activation,
    ReLU,
    LeakyReLU,
    PReLU,
    ELU,
    Softmax,
    Identity,
    Masking,
    ActivityRegularization,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    Add,
    Subtract,
    Multiply,
    Average,
    Maximum,
    Minimum,
    Concatenate,
    Dot,
    LayerScale,
    CustomScaleLayer,
]

#: calc's own layers for what Hugging Face transformers have and Keras lacks (the config.json importer's
#: parts); recorded against transformers (tests/fixtures/hf_counts.json), not against Keras.
TRANSFORMER_PARTS = frozenset({DotProductAttention, TiedDense, GatedActivation, ClassToken, PositionEmbedding})

#: Keras class name (and Keras's own aliases) -> layer class.
REGISTRY: dict[str, type[Layer]] = {cls.__name__: cls for cls in _CLASSES}
for _rank in (1, 2, 3):
    REGISTRY[f"MaxPool{_rank}D"] = REGISTRY[f"MaxPooling{_rank}D"]
    REGISTRY[f"AvgPool{_rank}D"] = REGISTRY[f"AveragePooling{_rank}D"]
    REGISTRY[f"GlobalMaxPool{_rank}D"] = REGISTRY[f"GlobalMaxPooling{_rank}D"]
    REGISTRY[f"GlobalAvgPool{_rank}D"] = REGISTRY[f"GlobalAveragePooling{_rank}D"]
    REGISTRY[f"Convolution{_rank}D"] = REGISTRY[f"Conv{_rank}D"]
    REGISTRY[f"Convolution{_rank}DTranspose"] = REGISTRY[f"Conv{_rank}DTranspose"]
for _rank in (1, 2):
    REGISTRY[f"SeparableConvolution{_rank}D"] = REGISTRY[f"SeparableConv{_rank}D"]

__all__ = ["REGISTRY", "TRANSFORMER_PARTS", "Layer", *(cls.__name__ for cls in _CLASSES)]
