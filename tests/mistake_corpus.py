# ruff: noqa: E501  (a table of cases, one a line, with their source addresses)
"""A corpus of wrong hand counts that people wrote in public, each restated in our own words as a small
model, a question, the wrong answer and the mistake it shows (``None``: no catalogued mistake explains it,
and the checker must name none). The source of each case is the address above it; where a thread states a
confusion on its own numbers, its cases put that confusion to the thread's model (or, a few, to a model of
the same kind).

``tally()`` checks every case and counts: named right, named wrongly (a confident wrong diagnosis), not
named (incorrect, with no diagnosis, or several equally likely), and, for cases with no catalogued mistake,
whether the checker kept quiet. ``benchmarks/mistake_corpus.py`` prints it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from calc.checker import Question
from calc.model import Analysis
from calc.spec import from_text

SPECS = {
    # Keras
    "conv_same": "input: [32, 32, 3]\nlayers:\n  - Conv2D: {filters: 32, kernel_size: 3, padding: same}\n",
    "mnist_cnn": (
        "input: [28, 28, 1]\nlayers:\n  - Conv2D: {filters: 32, kernel_size: 3}\n  - Conv2D: {filters: 64, kernel_size: 3}\n"
        "  - MaxPooling2D: {pool_size: 2}\n  - Flatten: {}\n  - Dense: {units: 128}\n  - Dense: {units: 10}\n"
    ),
    "two_conv5": (
        "input: [28, 28, 1]\nlayers:\n  - Conv2D: {filters: 32, kernel_size: 5}\n  - MaxPooling2D: {pool_size: 2}\n"
        "  - Conv2D: {filters: 64, kernel_size: 5}\n  - MaxPooling2D: {pool_size: 2}\n  - Flatten: {}\n"
        "  - Dense: {units: 100}\n  - Dense: {units: 2}\n"
    ),
    "conv64_pool": (
        "input: [28, 28, 1]\nlayers:\n  - Conv2D: {filters: 64, kernel_size: 3}\n  - MaxPooling2D: {pool_size: 2}\n"
        "  - Flatten: {}\n  - Dense: {units: 128}\n  - Dense: {units: 10}\n"
    ),
    "conv_same_dense": (
        "input: [28, 28, 1]\nlayers:\n  - Conv2D: {filters: 10, kernel_size: 3, padding: same}\n  - Flatten: {}\n"
        "  - Dense: {units: 2}\n"
    ),
    "conv16_32": (
        "input: [64, 64, 3]\nlayers:\n  - Conv2D: {filters: 16, kernel_size: 3}\n  - Conv2D: {filters: 32, kernel_size: 3}\n"
        "  - Flatten: {}\n  - Dense: {units: 512}\n"
    ),
    "lenet": "lenet5",
    "lstm_big": "input: [16, 4096]\nlayers:\n  - LSTM: {units: 256}\n",
    "lstm_small": "input: [20, 1]\nlayers:\n  - LSTM: {units: 9}\n",
    "lstm_func": "input: [3, 1]\nlayers:\n  - LSTM: {units: 2}\n",
    "lstm_25": "input: [10, 25]\nlayers:\n  - LSTM: {units: 100}\n",
    "lstm_stack": (
        "input: [2, 8]\nlayers:\n  - LSTM: {units: 16, return_sequences: true}\n  - LSTM: {units: 12}\n"
        "  - Dense: {units: 5}\n"
    ),
    "gru_tf2": "input: [10, 16]\nlayers:\n  - GRU: {units: 32}\n",
    "gru_td": (
        "input: [64, 15]\nlayers:\n  - Bidirectional: {layer: {GRU: {units: 16, return_sequences: true, reset_after: false}}}\n"
        "  - TimeDistributed: {layer: {Dense: {units: 8}}}\n"
    ),
    "bilstm_300": "input: [40, 300]\nlayers:\n  - Bidirectional: {layer: {LSTM: {units: 300, return_sequences: true}}}\n",
    "bilstm_stack": (
        "input: [50, 20]\nlayers:\n  - Bidirectional: {layer: {LSTM: {units: 32, return_sequences: true}}}\n"
        "  - LSTM: {units: 16}\n"
    ),
    "simple_rnn": "input: [30, 8]\nlayers:\n  - SimpleRNN: {units: 20}\n",
    "embedding": "input: [10]\nlayers:\n  - Embedding: {input_dim: 1000, output_dim: 64}\n",
    "embed_lstm": (
        "input: [100]\nlayers:\n  - Embedding: {input_dim: 500, output_dim: 32}\n  - LSTM: {units: 32}\n"
        "  - Dense: {units: 1}\n"
    ),
    "bn_dense": (
        "input: [4096]\nlayers:\n  - Dense: {units: 512}\n  - BatchNormalization: {}\n  - Dense: {units: 80}\n"
    ),
    "bn_mnist": "input: [784]\nlayers:\n  - BatchNormalization: {}\n  - Dense: {units: 300}\n",
    "bn_conv": "input: [32, 32, 3]\nlayers:\n  - Conv2D: {filters: 64, kernel_size: 3}\n  - BatchNormalization: {}\n",
    "separable": "input: [3, 3, 3]\nlayers:\n  - SeparableConv2D: {filters: 1, kernel_size: 2}\n",
    "separable_4": "input: [224, 224, 3]\nlayers:\n  - SeparableConv2D: {filters: 4, kernel_size: 3}\n",
    "depthwise": "input: [32, 32, 3]\nlayers:\n  - DepthwiseConv2D: {kernel_size: 3, padding: same, use_bias: false}\n",
    "depthwise_m": "input: [32, 32, 8]\nlayers:\n  - DepthwiseConv2D: {kernel_size: 3, depth_multiplier: 2}\n",
    "conv3d": "input: [16, 64, 64, 2]\nlayers:\n  - Conv3D: {filters: 32, kernel_size: 3}\n",
    "conv1d_text": "input: [100, 8]\nlayers:\n  - Conv1D: {filters: 16, kernel_size: 5}\n",
    "mha": "input: [8, 16]\nlayers:\n  - MultiHeadAttention: {num_heads: 2, key_dim: 2}\n",
    "mha_big": "input: [50, 64]\nlayers:\n  - MultiHeadAttention: {num_heads: 8, key_dim: 64}\n",
    "strided": "input: [7, 7, 3]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 3, strides: 2}\n",
    "same_stride": "input: [224, 224, 3]\nlayers:\n  - Conv2D: {filters: 64, kernel_size: 7, strides: 2, padding: same}\n",
    "transposed": "input: [7, 7, 16]\nlayers:\n  - Conv2DTranspose: {filters: 8, kernel_size: 3, strides: 2, padding: same}\n",
    "dilated": "input: [32, 32, 3]\nlayers:\n  - Conv2D: {filters: 8, kernel_size: 3, dilation_rate: 2}\n",
    "pool_chain": (
        "input: [44, 44, 3]\nlayers:\n  - Conv2D: {filters: 32, kernel_size: 5}\n  - MaxPooling2D: {pool_size: 2}\n"
        "  - MaxPooling2D: {pool_size: 2}\n  - Flatten: {}\n  - Dense: {units: 10}\n"
    ),
    "dense_3d": "input: [10, 64]\nlayers:\n  - Dense: {units: 32}\n",
    "dense_5_4": "input: [5]\nlayers:\n  - Dense: {units: 4}\n",
    "dense_5_4_3": "input: [5]\nlayers:\n  - Dense: {units: 4}\n  - Dense: {units: 3}\n",
    "dense_1_5_2": "input: [1]\nlayers:\n  - Dense: {units: 5}\n  - Dense: {units: 2}\n",
    "t_dilated": "dialect: pytorch\ninput: [3, 32, 32]\nlayers:\n  - Conv2d: {in_channels: 3, out_channels: 8, kernel_size: 3, padding: 1, dilation: 2}\n",
    "t_omniglot": (
        "dialect: pytorch\ninput: [1, 28, 28]\nlayers:\n"
        + "  - Conv2d: {in_channels: 1, out_channels: 64, kernel_size: 3, padding: 1}\n  - MaxPool2d: {kernel_size: 2}\n"
        + "  - Conv2d: {in_channels: 64, out_channels: 64, kernel_size: 3, padding: 1}\n  - MaxPool2d: {kernel_size: 2}\n"
        * 3
        + "  - Flatten: {}\n"
    ),
    # PyTorch
    "t_conv": "dialect: pytorch\ninput: [3, 32, 32]\nlayers:\n  - Conv2d: {in_channels: 3, out_channels: 8, kernel_size: 5}\n",
    "t_mnist": (
        "dialect: pytorch\ninput: [1, 28, 28]\nlayers:\n"
        "  - Conv2d: {in_channels: 1, out_channels: 16, kernel_size: 5, stride: 1, padding: 2}\n"
        "  - MaxPool2d: {kernel_size: 2}\n"
        "  - Conv2d: {in_channels: 16, out_channels: 32, kernel_size: 5, stride: 1, padding: 2}\n"
        "  - MaxPool2d: {kernel_size: 2}\n  - Flatten: {}\n"
    ),
    "t_pad": "dialect: pytorch\ninput: [3, 64, 64]\nlayers:\n  - Conv2d: {in_channels: 3, out_channels: 8, kernel_size: 3, stride: 2, padding: 1}\n",
    "t_pool_ceil32": "dialect: pytorch\ninput: [3, 32, 32]\nlayers:\n  - MaxPool2d: {kernel_size: 1, stride: 2, ceil_mode: true}\n",
    "t_pool_ceil67": "dialect: pytorch\ninput: [1, 6, 7]\nlayers:\n  - MaxPool2d: {kernel_size: 1, stride: 2, ceil_mode: true}\n",
    "t_pool_ceil54": "dialect: pytorch\ninput: [256, 54, 54]\nlayers:\n  - MaxPool2d: {kernel_size: 3, stride: 2, ceil_mode: true}\n",
    "t_pool_ceil80": "dialect: pytorch\ninput: [256, 80, 200]\nlayers:\n  - MaxPool2d: {kernel_size: 3, stride: 2, ceil_mode: true}\n",
    "t_pool_floor64": "dialect: pytorch\ninput: [8, 64, 64]\nlayers:\n  - MaxPool2d: {kernel_size: 3, stride: 2, padding: 1}\n",
    "t_pool_floor112": "dialect: pytorch\ninput: [64, 112, 112]\nlayers:\n  - MaxPool2d: {kernel_size: 3, stride: 2, padding: 1}\n",
    "t_lstm": "dialect: pytorch\ninput: [5, 10]\nlayers:\n  - LSTM: {input_size: 10, hidden_size: 20}\n",
    "t_rnn": "dialect: pytorch\ninput: [5, 10]\nlayers:\n  - RNN: {input_size: 10, hidden_size: 20}\n",
    "t_gru": "dialect: pytorch\ninput: [5, 10]\nlayers:\n  - GRU: {input_size: 10, hidden_size: 20}\n",
    "t_bilstm": (
        "dialect: pytorch\ninput: [7, 20]\nlayers:\n"
        "  - LSTM: {input_size: 20, hidden_size: 50, num_layers: 3, bias: false, bidirectional: true}\n"
    ),
    "t_lstm2": "dialect: pytorch\ninput: [7, 20]\nlayers:\n  - LSTM: {input_size: 20, hidden_size: 50, num_layers: 2}\n",
    "t_embedding": "dialect: pytorch\ninput: [12]\nlayers:\n  - Embedding: {num_embeddings: 5000, embedding_dim: 100}\n",
    "t_bn": "dialect: pytorch\ninput: [64, 16, 16]\nlayers:\n  - BatchNorm2d: {num_features: 64}\n",
    "t_mha": "dialect: pytorch\ninput: [10, 64]\nlayers:\n  - MultiheadAttention: {embed_dim: 64, num_heads: 8}\n",
    "t_linear": "dialect: pytorch\ninput: [400]\nlayers:\n  - Linear: {in_features: 400, out_features: 120}\n",
    "t_conv3d": "dialect: pytorch\ninput: [2, 8, 32, 32]\nlayers:\n  - Conv3d: {in_channels: 2, out_channels: 16, kernel_size: 3}\n",
    "t_depthwise": (
        "dialect: pytorch\ninput: [32, 56, 56]\nlayers:\n"
        "  - Conv2d: {in_channels: 32, out_channels: 32, kernel_size: 3, padding: 1, groups: 32}\n"
    ),
}


@dataclass(frozen=True)
class Case:
    spec: str
    layer: str | None
    quantity: str
    answer: str
    #: the mistake the person made (an id, or the ids of two made together); None: nothing catalogued
    expected: str | tuple[str, ...] | None
    source: str


def _cases() -> Iterator[Case]:
    # fmt: off
    url = "https://exchangetuts.com/understanding-number-of-parameters-in-keras-conv2d-layer-1640295604538227"
    yield Case("conv_same", "conv2d", "params", "288", ("forgot_bias", "forgot_input_channels"), url)  # 32·3·3
    yield Case("conv_same", "conv2d", "params", "864", "forgot_bias", url)  # 32·3·3·3
    yield Case("conv_same", "conv2d", "params", "28", "forgot_filters", url)  # one filter: 3·3·3 + 1
    yield Case("conv_same", "conv2d", "output_shape", "(30, 30, 32)", "wrong_padding_mode", url)  # valid, not same
    url = "http://codegur.com/44608552/keras-cnn-model-parameters-caculation"
    yield Case("two_conv5", "conv2d_1", "params", "1664", "forgot_input_channels", url)  # (5·5 + 1)·64
    yield Case("two_conv5", "conv2d_1", "params", "1664 - 64", ("forgot_bias", "forgot_input_channels"), url)
    yield Case("two_conv5", "conv2d", "params", "800", "forgot_bias", url)  # 5·5·1·32
    yield Case("two_conv5", "conv2d_1", "params", "(5*5*1 + 1)*64", "forgot_input_channels", url)
    yield Case("two_conv5", "conv2d_1", "output_shape", "(7, 7, 64)", "forgot_plus_one", url)  # 12 - 5, no + 1
    url = "https://datascience.stackexchange.com/questions/72185/how-are-weights-organized-in-conv2d-layers/72195"
    yield Case("mnist_cnn", "conv2d_1", "params", "640", "forgot_input_channels", url)  # (3·3 + 1)·64
    yield Case("mnist_cnn", "conv2d_1", "params", "18432", "forgot_bias", url)  # 3·3·32·64
    yield Case("mnist_cnn", "dense", "params", "1179648", "forgot_bias", url)  # 9216·128
    yield Case("mnist_cnn", "flatten", "output_size", "36864", "carried_error", url)  # 24·24·64: pooling left out
    yield Case("mnist_cnn", "dense", "params", "4718720", "carried_error", url)  # 36864·128 + 128
    yield Case("mnist_cnn", None, "total_params", "1199882 - 1290", "arithmetic_slip", url)  # dense_1 left out
    yield Case("mnist_cnn", "conv2d", "output_shape", "(25, 25, 32)", "forgot_plus_one", url)
    yield Case("mnist_cnn", "max_pooling2d", "output_shape", "(23, 23, 64)", "ignored_stride", url)
    url = "https://datascience.stackexchange.com/questions/84795/calculate-the-number-of-params-of-a-neural-network"
    yield Case("conv64_pool", "flatten", "output_size", "43264", "carried_error", url)  # 26·26·64, pool skipped
    yield Case("conv64_pool", "dense", "params", "1384448", "forgot_bias", url)  # 10816·128
    yield Case("conv64_pool", "conv2d", "params", "576", "forgot_bias", url)  # 3·3·64
    yield Case("conv64_pool", "max_pooling2d", "output_shape", "(25, 25, 64)", "ignored_stride", url)  # (26 - 2)/1 + 1
    yield Case("conv64_pool", "dense_1", "params", "1280", "forgot_bias", url)
    url = "https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1"  # "How many parameters in a CNN?" quiz
    yield Case("conv_same_dense", None, "total_params", "100", "arithmetic_slip", url)  # the dense layer left out
    yield Case("conv_same_dense", None, "total_params", "15682", "arithmetic_slip", url)  # the conv layer left out
    yield Case("conv_same_dense", "dense", "params", "15680", "forgot_bias", url)
    yield Case("conv_same_dense", "conv2d", "output_shape", "(26, 26, 10)", "wrong_padding_mode", url)
    yield Case("conv_same_dense", "dense", "params", "1570", "carried_error", url)  # flatten without its channels
    url = "https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1"  # "Explain the math behind model.summary()"
    yield Case("conv16_32", "conv2d_1", "params", "4608", "forgot_bias", url)  # 3·3·16·32
    yield Case("conv16_32", "conv2d_1", "params", "896", "wrong_input_channels", url)  # the image's 3 channels
    yield Case("conv16_32", "conv2d", "params", "432", "forgot_bias", url)
    yield Case("conv16_32", "conv2d_1", "params", "4460", "arithmetic_slip", url)  # 4640 with 64 swapped
    url = "https://newbedev.com/how-to-calculate-the-number-of-parameters-of-an-lstm-network"
    yield Case("lstm_big", "lstm", "params", "4*(4096*256 + 256)", "forgot_recurrent_weights", url)
    yield Case("lstm_big", "lstm", "params", "4*(256 + 4096)*256", "forgot_bias", url)
    yield Case("lstm_big", "lstm", "params", "(256 + 4096 + 1)*256", "forgot_gates", url)
    yield Case("lstm_big", "lstm", "params", "4457742", "arithmetic_slip", url)  # 4,457,472 with 47 swapped
    yield Case("lstm_big", "lstm", "params", "4*(256 + 16 + 1)*256", "sequence_length_as_features", url)
    url = "https://datascience.stackexchange.com/questions/128705/tf-keras-layers-lstm-where-did-all-these-parameters-came-from"
    yield Case("lstm_small", "lstm", "params", "1*36 + 36", "forgot_recurrent_weights", url)
    yield Case("lstm_small", "lstm", "params", "1*36 + 9*36", "forgot_bias", url)
    yield Case("lstm_small", "lstm", "params", "99", "forgot_gates", url)  # 9·(1 + 9) + 9
    yield Case("lstm_small", "lstm", "params", "1*36 + 9*4 + 36", "recurrent_weights_per_unit", url)
    yield Case("lstm_small", "lstm", "params", "4*(9*(20 + 9) + 9)", "sequence_length_as_features", url)
    url = "https://wiki.gubat.org/content/stackoverflow.com_en_all_2023-11/questions/52759193/lstm-in-keras-number-of-parameters-differs-between-sequential-and-functional-a"
    yield Case("lstm_func", "lstm", "params", "48", "sequence_length_as_features", url)  # timesteps 3 as features
    yield Case("lstm_func", "lstm", "params", "8", "forgot_gates", url)
    url = "https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1"  # "Number of Parameters in an LSTM Model"
    yield Case("lstm_25", "lstm", "params", "4*(100*25 + 100**2)", "forgot_bias", url)
    yield Case("lstm_25", "lstm", "params", "4*(100*25 + 100)", "forgot_recurrent_weights", url)
    yield Case("lstm_25", "lstm", "params", "50040", "arithmetic_slip", url)  # 50,400 with 40 swapped
    yield Case("lstm_25", "lstm", "params", "3*(100*25 + 100**2 + 100)", None, url)  # three gates: not catalogued
    url = "https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1"  # "Number of Parameters in an LSTM Cell"
    yield Case("lstm_stack", "lstm_1", "params", "4*12*(8 + 12) + 4*12", "wrong_input_channels", url)
    yield Case("lstm_stack", "lstm", "params", "4*16*(2 + 16) + 4*16", "sequence_length_as_features", url)
    yield Case("lstm_stack", "dense", "params", "4*5*(12 + 5)", None, url)  # Dense counted as an LSTM
    yield Case("lstm_stack", "lstm_1", "params", "4*12*(16 + 12)", "forgot_bias", url)
    url = "https://newbedev.com/calculating-the-number-of-parameters-of-a-gru-layer-keras"
    yield Case("gru_tf2", "gru", "params", "3*((16 + 32)*32 + 32)", "one_bias_per_gate", url)
    yield Case("gru_tf2", "gru", "params", "3*(16 + 32)*32", "forgot_bias", url)
    yield Case("gru_tf2", "gru", "params", "(16 + 32)*32 + 64", "forgot_gates", url)
    yield Case("gru_tf2", "gru", "params", "3*(16*32 + 2*32)", "forgot_recurrent_weights", url)
    url = "https://example-a.com/answer/51601018"
    yield Case("gru_td", "bidirectional", "params", "1536", "bidirectional_not_doubled", url)
    yield Case("gru_td", "time_distributed", "params", "16*8 + 8", "bidirectional_not_doubled", url)
    # 136 doubled: 2·(16·8 + 8) = 32·8 + 2·8, the right weights with the 8 biases counted twice
    yield Case("gru_td", "time_distributed", "params", "272", "bias_counted_twice", url)
    yield Case("gru_td", "bidirectional", "output_shape", "(64, 16)", "bidirectional_not_doubled", url)
    url = "https://kiwix.lema.org/stackoverflow.com_en_all_2023-11/questions/60353094/why-cudnnlstm-has-more-parameres-than-lstm-in-keras"
    yield Case("bilstm_300", "bidirectional", "params", "1444800", "two_biases_per_gate", url)
    yield Case("bilstm_300", "bidirectional", "params", "721200", "bidirectional_not_doubled", url)
    yield Case("bilstm_300", "bidirectional", "params", "1440000", "forgot_bias", url)
    url = "https://mmsankosho.com/en/how-to-build-a-bidirectional-lstm-model-with-keras/"
    yield Case("bilstm_stack", "lstm_1", "params", "4*16*(32 + 16) + 64", "bidirectional_not_doubled", url)
    yield Case("bilstm_stack", "bidirectional", "output_shape", "(50, 32)", "bidirectional_not_doubled", url)
    url = "https://r-packages.io/packages/torch/nn_rnn"  # the RNN's equations: tanh(W_ih x + b_ih + W_hh h + b_hh)
    yield Case("simple_rnn", "simple_rnn", "params", "20*(8 + 20) + 40", "two_biases_per_gate", url)
    yield Case("simple_rnn", "simple_rnn", "params", "20*8 + 20", "forgot_recurrent_weights", url)
    yield Case("simple_rnn", "simple_rnn", "params", "20*(30 + 20) + 20", "sequence_length_as_features", url)
    url = "https://faroit.com/keras-docs/1.2.0/layers/embeddings/"
    yield Case("embedding", "embedding", "params", "640", "sequence_length_as_features", url)  # 10·64
    yield Case("embedding", "embedding", "params", "64064", "embedding_has_no_bias", url)  # 1000·64 + 64
    yield Case("embedding", "embedding", "params", "6400", "arithmetic_slip", url)  # 64,000 with a 0 dropped
    url = "http://xplordat.com/2019/06/18/reconciling-data-shapes-and-parameter-counts-in-keras"
    yield Case("embed_lstm", "embedding", "params", "3200", "sequence_length_as_features", url)  # 100·32
    yield Case("embed_lstm", "lstm", "params", "4*32*(100 + 32) + 128", "sequence_length_as_features", url)
    yield Case("embed_lstm", "lstm", "params", "4*32*(500 + 32) + 128", None, url)  # vocabulary as features
    yield Case("embed_lstm", "dense", "params", "32", "forgot_bias", url)
    url = "https://devpeace.com/keras/42521005/how-the-number-of-parameters-associated-with-batchnormalization-layer-is-2048"
    yield Case("bn_dense", "batch_normalization", "params", "1024", "forgot_moving_statistics", url)
    yield Case("bn_dense", "batch_normalization", "params", "512", ("one_param_per_feature", "forgot_moving_statistics"), url)
    yield Case("bn_dense", "batch_normalization", "trainable_params", "2048", "counted_non_trainable", url)
    yield Case("bn_dense", "batch_normalization", "non_trainable_params", "0", "forgot_moving_statistics", url)
    yield Case("bn_dense", None, "non_trainable_params", "0", "forgot_moving_statistics", url)
    yield Case("bn_dense", None, "trainable_params", "2140752", "counted_non_trainable", url)
    yield Case("bn_dense", "dense", "params", "2097152", "forgot_bias", url)
    url = "https://github.com/cristianpachon/hands-on-ml"  # "each BN layer adds four parameters per input"
    yield Case("bn_mnist", "batch_normalization", "trainable_params", "3136", "counted_non_trainable", url)
    yield Case("bn_mnist", "batch_normalization", "params", "1568", "forgot_moving_statistics", url)
    yield Case("bn_mnist", "batch_normalization", "params", "2352", "one_param_per_feature", url)  # 784 + 2·784
    url = "https://ingoampt.com/batch-normalisation-trainable-and-non-trainable-day-27"
    yield Case("bn_conv", "batch_normalization", "params", "4*30*30*64", None, url)  # per position: not catalogued
    yield Case("bn_conv", "batch_normalization", "params", "4*30", "wrong_axis", url)  # the height taken as c
    yield Case("bn_conv", "batch_normalization", "trainable_params", "256", "counted_non_trainable", url)
    yield Case("bn_conv", "batch_normalization", "params", "128", "forgot_moving_statistics", url)
    url = "https://stackoverflow.com/questions/54705367/what-is-the-difference-between-separableconv2d-and-conv2d-layers"
    yield Case("separable", "separable_conv2d", "params", "13", "separable_counted_as_conv", url)  # 2·2·3 + 1
    yield Case("separable", "separable_conv2d", "params", "15", "forgot_bias", url)
    yield Case("separable", "separable_conv2d", "params", "19", "bias_on_depthwise", url)  # 16 + 3
    yield Case("separable", "separable_conv2d", "params", "12", "forgot_pointwise", url)
    url = "https://github.com/crea0414/2nd-ML100Days"  # depthwise 27 + pointwise 16 = 43
    yield Case("separable_4", "separable_conv2d", "params", "27 + 3 + 16", "bias_on_depthwise", url)
    yield Case("separable_4", "separable_conv2d", "params", "112", "separable_counted_as_conv", url)
    yield Case("separable_4", "separable_conv2d", "params", "16", "forgot_depthwise", url)
    yield Case("separable_4", "separable_conv2d", "output_shape", "(224, 224, 4)", "wrong_padding_mode", url)
    url = "https://github.com/passonly/doc"  # DW convolution: 27 parameters
    yield Case("depthwise", "depthwise_conv2d", "params", "81", "depthwise_mixes_channels", url)  # 3·3·3·3
    yield Case("depthwise", "depthwise_conv2d", "params", "9", "forgot_input_channels", url)
    url = "https://www.machinecurve.com/index.php/2019/09/24/creating-depthwise-separable-convolutions-in-keras/"
    yield Case("depthwise_m", "depthwise_conv2d", "params", "(9 + 1)*8", "forgot_depth_multiplier", url)
    yield Case("depthwise_m", "depthwise_conv2d", "params", "(9*8 + 1)*16", "depthwise_mixes_channels", url)
    yield Case("depthwise_m", "depthwise_conv2d", "params", "9*16", "forgot_bias", url)
    url = "https://cloud.tencent.com.cn/developer/information/%E4%BA%86%E8%A7%A3Keras%20Conv2D%E5%B1%82%E4%B8%AD%E7%9A%84%E5%8F%82%E6%95%B0%E6%95%B0%E9%87%8F"
    yield Case("conv3d", "conv3d", "params", "(3*3*2 + 1)*32", "forgot_kernel_depth", url)  # the 2-D rule
    yield Case("conv3d", "conv3d", "params", "3*3*3*2*32", "forgot_bias", url)
    yield Case("conv3d", "conv3d", "output_shape", "(13, 61, 61, 32)", "forgot_plus_one", url)
    url = "http://xplordat.com/2019/06/18/reconciling-data-shapes-and-parameter-counts-in-keras"  # Conv1D on text
    yield Case("conv1d_text", "conv1d", "params", "(5*100 + 1)*16", "sequence_length_as_features", url)
    yield Case("conv1d_text", "conv1d", "params", "(5 + 1)*16", "forgot_input_channels", url)
    yield Case("conv1d_text", "conv1d", "output_shape", "(95, 16)", "forgot_plus_one", url)
    url = "https://keras.io/api/layers/attention_layers/multi_head_attention/"
    yield Case("mha", "multi_head_attention", "params", "150", "key_dim_split_across_heads", url)
    yield Case("mha", "multi_head_attention", "params", "204", "forgot_output_projection", url)  # 3·68
    yield Case("mha", "multi_head_attention", "params", "256", "forgot_bias", url)  # 284 - 3·4 - 16
    yield Case("mha", "multi_head_attention", "params", "3*(8*2*2 + 4) + 80", "sequence_length_as_features", url)
    url = "https://www.rdocumentation.org/packages/keras/versions/2.13.0/topics/layer_multi_head_attention"
    yield Case("mha_big", "multi_head_attention", "params", "4*(64*64 + 64)", "key_dim_split_across_heads", url)
    yield Case("mha_big", "multi_head_attention", "params", "3*(64*8*64 + 8*64)", "forgot_output_projection", url)
    url = "https://github.com/shicai/DenseNet-Caffe/issues/20"
    yield Case("strided", "conv2d", "output_shape", "(5, 5, 4)", "ignored_stride", url)
    yield Case("strided", "conv2d", "output_shape", "(4, 4, 4)", "wrong_padding_mode", url)  # ⌈7/2⌉: the 'same' rule
    yield Case("strided", "conv2d", "output_shape", "(2, 2, 4)", "forgot_plus_one", url)
    url = "https://github.com/ethereon/netscope/issues/25"
    yield Case("same_stride", "conv2d", "output_shape", "(109, 109, 64)", "wrong_padding_mode", url)
    yield Case("same_stride", "conv2d", "output_shape", "(224, 224, 64)", "ignored_stride", url)
    url = "https://kegui.medium.com/how-to-calculate-the-output-size-when-using-conv2dtranspose-layer-19124c79aa15"
    yield Case("transposed", "conv2d_transpose", "output_shape", "(7, 7, 8)", "same_keeps_size", url)
    yield Case("transposed", "conv2d_transpose", "output_shape", "(4, 4, 8)", "transposed_formula_swapped", url)
    yield Case("transposed", "conv2d_transpose", "params", "3*3*8*8 + 8", "wrong_input_channels", url)
    url = "https://discuss.pytorch.org/t/how-to-keep-the-shape-of-input-and-output-same-when-dilation-conv/14338/2"
    yield Case("t_dilated", "conv2d", "output_shape", "(8, 32, 32)", "ignored_dilation", url)  # 32 + 2 - 3 + 1
    yield Case("t_dilated", "conv2d", "output_shape", "(8, 29, 29)", "forgot_plus_one", url)
    yield Case("dilated", "conv2d", "output_shape", "(30, 30, 8)", "ignored_dilation", url)
    yield Case("dilated", "conv2d", "output_shape", "(27, 27, 8)", "forgot_plus_one", url)
    url = "https://androidkt.com/fix-runtimeerror-mat1-and-mat2-shapes-cannot-be-multiplied/"
    yield Case("t_mnist", "flatten", "output_shape", "(None, 6272)", "carried_error", url)  # 32·14·14
    yield Case("t_mnist", "flatten", "output_shape", "(None, 1050)", None, url)  # no size fits
    yield Case("t_mnist", "conv2d", "output_shape", "(16, 24, 24)", "ignored_padding", url)
    yield Case("t_mnist", "conv2d_1", "params", "(5*5 + 1)*32", "forgot_input_channels", url)
    yield Case("t_mnist", "conv2d", "output_shape", "(16, 26, 26)", "padding_not_doubled", url)
    yield Case("t_mnist", "flatten", "output_shape", "(None, 32*8*8)", "carried_error", url)
    url = "https://geekycodes.in/machine-learning/pytorch-cnn-shape-mismatch-error-fixing-mat1-and-mat2-shapes-cannot-be-multiplied/"
    yield Case("t_conv", "conv2d", "output_shape", "(8, 27, 27)", "forgot_plus_one", url)
    yield Case("t_conv", "conv2d", "params", "(5*5*8 + 1)*8", "wrong_input_channels", url)
    yield Case("t_conv", "conv2d", "params", "600", "forgot_bias", url)
    url = "https://github.com/pytorch/pytorch/issues/148123"  # d2l's p (both sides) against PyTorch's (per side)
    yield Case("t_pad", "conv2d", "output_shape", "(8, 31, 31)", "forgot_plus_one", url)  # ⌊(64 + 2 - 3)/2⌋
    yield Case("t_pad", "conv2d", "output_shape", "(8, 33, 33)", "padding_counted_twice", url)  # ⌊(64 + 4 - 3)/2⌋ + 1
    url = "https://github.com/pytorch/pytorch/issues/57178"
    yield Case("t_pool_ceil32", "max_pool2d", "output_shape", "(3, 17, 17)", "ceil_mode_last_window", url)
    url = "https://github.com/pytorch/pytorch/issues/45357"
    yield Case("t_pool_ceil67", "max_pool2d", "output_shape", "(1, 4, 4)", "ceil_mode_last_window", url)
    url = "https://github.com/tenstorrent/tt-metal/issues/15039"
    yield Case("t_pool_ceil54", "max_pool2d", "output_shape", "(256, 26, 26)", "rounded_wrong_way", url)
    url = "https://github.com/tenstorrent/tt-metal/issues/15093"
    yield Case("t_pool_ceil80", "max_pool2d", "output_shape", "(256, 39, 99)", "rounded_wrong_way", url)
    yield Case("t_pool_ceil80", "max_pool2d", "output_shape", "(256, 78, 198)", "ignored_stride", url)
    url = "https://github.com/ethereon/netscope/issues/25"
    yield Case("t_pool_floor64", "max_pool2d", "output_shape", "(8, 33, 33)", "rounded_wrong_way", url)
    yield Case("t_pool_floor64", "max_pool2d", "params", "8*9", "pooling_has_no_params", url)
    url = "https://github.com/shicai/DenseNet-Caffe/issues/20"
    yield Case("t_pool_floor112", "max_pool2d", "output_shape", "(64, 57, 57)", "rounded_wrong_way", url)
    yield Case("t_pool_floor112", "max_pool2d", "output_shape", "(64, 55, 55)", "forgot_plus_one", url)
    url = "https://discuss.pytorch.org/t/why-lstm-has-two-bias-parameters/45025"
    yield Case("t_lstm", "lstm", "params", "4*20*(10 + 20) + 4*20", "one_bias_per_gate", url)
    yield Case("t_lstm", "lstm", "params", "4*20*(10 + 20)", "forgot_bias", url)
    yield Case("t_lstm", "lstm", "params", "4*20*10 + 8*20", "forgot_recurrent_weights", url)
    yield Case("t_lstm", "lstm", "params", "4*20*(5 + 20) + 8*20", "sequence_length_as_features", url)
    yield Case("t_rnn", "rnn", "params", "20*(10 + 20) + 20", "one_bias_per_gate", url)
    yield Case("t_gru", "gru", "params", "3*20*(10 + 20) + 3*20", "one_bias_per_gate", url)
    yield Case("t_gru", "gru", "params", "20*(10 + 20) + 2*20", "forgot_gates", url)
    url = "https://discuss.pytorch.org/t/bidirectional-lstm-isnt-2x-the-size-of-2-unidirectional-lstms/193073"
    yield Case("t_bilstm", "lstm", "params", "2*(200*20 + 200*50 + 2*(200*50 + 200*50))", "bidirectional_not_doubled", url)
    yield Case("t_bilstm", "lstm", "params", "200*20 + 200*50 + 2*(200*100 + 200*50)", "bidirectional_not_doubled", url)
    yield Case("t_bilstm", "lstm", "output_shape", "(7, 50)", "bidirectional_not_doubled", url)
    url = "https://r-packages.io/packages/torch/nn_lstm"
    yield Case("t_lstm2", "lstm", "params", "2*(4*50*(20 + 50) + 8*50)", "stacked_layers_read_input", url)
    yield Case("t_lstm2", "lstm", "params", "4*50*(20 + 50) + 8*50", "forgot_stacked_layers", url)
    url = "https://www.javatpoint.com/keras-embedding"
    yield Case("t_embedding", "embedding", "params", "1200", "sequence_length_as_features", url)  # 12·100
    yield Case("t_embedding", "embedding", "params", "500100", "embedding_has_no_bias", url)
    url = "https://keras.io/api/layers/normalization_layers/batch_normalization/"
    yield Case("t_bn", "batch_norm2d", "params", "256", "counted_buffers", url)
    yield Case("t_bn", "batch_norm2d", "params", "257", "counted_buffers", url)
    yield Case("t_bn", "batch_norm2d", "params", "64", "one_param_per_feature", url)
    yield Case("t_bn", "batch_norm2d", "params", "32", "wrong_axis", url)  # 2·16: the height taken as channels
    url = "https://keras.io/api/layers/attention_layers/multi_head_attention/"
    yield Case("t_mha", "multihead_attention", "params", "3*64*64 + 3*64", "forgot_output_projection", url)
    yield Case("t_mha", "multihead_attention", "params", "4*64*64", "forgot_bias", url)
    url = "https://stats.stackexchange.com/questions/459929/understanding-how-many-biases-are-there-in-a-neural-network"
    yield Case("dense_5_4", "dense", "params", "21", "one_bias_per_layer", url)  # 5·4 + 1
    yield Case("dense_5_4_3", None, "total_params", "20 + 1 + 12 + 1", "one_bias_per_layer", url)
    yield Case("dense_5_4_3", "dense_1", "params", "13", "one_bias_per_layer", url)
    yield Case("dense_5_4_3", "dense_1", "params", "12", "forgot_bias", url)
    yield Case("t_linear", "linear", "params", "48001", "one_bias_per_layer", url)  # the course table
    url = "https://ai.stackexchange.com/questions/17584/why-does-the-bias-need-to-be-a-vector-in-a-neural-network"
    yield Case("dense_1_5_2", "dense", "params", "6", "one_bias_per_layer", url)  # 1·5 + 1
    yield Case("dense_1_5_2", None, "total_params", "6 + 11", "one_bias_per_layer", url)
    url = "https://discuss.pytorch.org/t/what-is-the-dilation-in-the-convolutional-layer-output-size-formula/66834"
    yield Case("t_omniglot", "flatten", "output_shape", "(None, 576)", "carried_error", url)  # 64·3·3: last pool left out
    url = "https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1"  # dense: 256·512 + 512
    yield Case("t_linear", "linear", "params", "48000", "forgot_bias", url)
    yield Case("t_linear", "linear", "params", "48240", "bias_counted_twice", url)
    yield Case("dense_3d", "dense", "params", "640*32 + 32", "dense_flattens_input", url)
    url = "https://www.rdocumentation.org/packages/keras/versions/2.13.0/topics/layer_separable_conv_2d"
    yield Case("t_conv3d", "conv3d", "params", "(3*3*2 + 1)*16", "forgot_kernel_depth", url)
    url = "https://github.com/YahuGao/Demos"
    yield Case("pool_chain", "flatten", "output_size", "12800", "carried_error", url)
    yield Case("pool_chain", "dense", "params", "128010", "carried_error", url)
    yield Case("pool_chain", "flatten", "output_size", "2592", ("carried_error", "forgot_plus_one"), url)
    # fmt: on


CASES = [case for case in _cases() if case is not None]


@cache
def _analysis(name: str) -> Analysis:
    text = SPECS[name]
    if "\n" not in text:
        from calc.spec import load

        return load(text).analyze()
    return from_text(text, suffix=".yaml").analyze()


@cache
def _question(name: str, layer: str | None, quantity: str) -> Question:
    return Question(_analysis(name), quantity, layer)


@dataclass
class Verdict:
    case: Case
    mistakes: tuple[str, ...]
    alternatives: tuple[str, ...]
    correct: bool

    @property
    def outcome(self) -> str:
        """right, wrong (a confident wrong diagnosis), unnamed, quiet (nothing expected, nothing named) or
        correct (the answer was right after all: a defect of the case)."""
        if self.correct:
            return "correct"
        expected = self.case.expected
        if expected is None:
            return "wrong" if self.mistakes else "quiet"
        wanted = (expected,) if isinstance(expected, str) else expected
        if not self.mistakes:
            return "unnamed"
        if set(self.mistakes) == set(wanted) or (len(wanted) == 1 and self.mistakes[0] == wanted[0]):
            return "right"
        return "wrong"


def judge(case: Case) -> Verdict:
    result = _question(case.spec, case.layer, case.quantity).check(case.answer)
    return Verdict(case, result.mistakes, result.alternatives, result.correct)


def tally() -> tuple[dict[str, int], list[Verdict]]:
    verdicts = [judge(case) for case in CASES]
    counts: dict[str, int] = {}
    for verdict in verdicts:
        counts[verdict.outcome] = counts.get(verdict.outcome, 0) + 1
    return counts, verdicts
