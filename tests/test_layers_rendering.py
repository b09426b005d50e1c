"""Every layer type renders: the summary, the Markdown derivation, and LaTeX that pdflatex compiles."""

from __future__ import annotations

import pytest

from calc.layers import REGISTRY
from tests.test_reports import _compile

# One model per input rank, together using every layer type added for real models' layers.
SPECS = {
    "merges": """
inputs: {a: [6, 4], b: [6, 4]}
layers:
  - Add: {inputs: [a, b]}
  - Subtract: {inputs: [a, add]}
  - Multiply: {inputs: [a, subtract]}
  - Average: {inputs: [a, b, multiply]}
  - Maximum: {inputs: [a, average]}
  - Minimum: {inputs: [b, maximum]}
  - Concatenate: {inputs: [minimum, a]}
""",
    "outputs": """
inputs: {a: [s, 4], b: [5, 4]}
symbols: {s: null}
layers:
  - LSTM: {units: 4, return_sequences: true, return_state: true, inputs: [a]}
  - Dot: {axes: [2, 2], inputs: ["lstm[0][0]", b]}
  - LayerScale: {projection_dim: 4, inputs: ["lstm[0][1]"]}
  - MultiHeadAttention: {num_heads: 2, key_dim: 3, return_attention_scores: true, inputs: [b]}
  - Flatten: {inputs: ["multi_head_attention[0][1]"]}
  - Add: {scalar: 3.0, inputs: [b]}
  - CustomScaleLayer: {scale: 0.17, inputs: [b, add]}
""",
    "image": """
input: [9, 9, 3]
layers:
  - Conv2DTranspose: {filters: 4, kernel_size: 3, strides: 2, padding: same, output_padding: 1}
  - Conv2DTranspose: {filters: 4, kernel_size: 1, strides: 3}
  - Conv2DTranspose: {filters: 4, kernel_size: 4, strides: 2, padding: 1}
  - DepthwiseConv2D: {kernel_size: 3, depth_multiplier: 2}
  - SeparableConv2D: {filters: 8, kernel_size: 3, padding: same}
  - BatchNormalization: {renorm: true}
  - PReLU: {shared_axes: [1, 2]}
  - ZeroPadding2D: {padding: [[1, 2], 0]}
  - Cropping2D: {cropping: 1}
  - UpSampling2D: {size: [2, 1]}
  - SpatialDropout2D: {rate: 0.2}
  - GroupNormalization: {groups: 4}
  - LayerNormalization: {axis: [1, 2]}
  - RMSNormalization: {}
  - UnitNormalization: {}
  - Rescaling: {scale: 0.5}
  - Normalization: {}
  - ReLU: {max_value: 6.0}
  - Permute: {dims: [2, 1, 3]}
  - Reshape: {target_shape: [-1, 8]}
  - MultiHeadAttention: {num_heads: 2, key_dim: 4, use_gate: true}
""",
    "sequence": """
input: [12]
layers:
  - Embedding: {input_dim: 100, output_dim: 8, lora_rank: 2}
  - Masking: {}
  - Conv1DTranspose: {filters: 4, kernel_size: 2}
  - DepthwiseConv1D: {kernel_size: 3}
  - SeparableConv1D: {filters: 6, kernel_size: 3}
  - ZeroPadding1D: {}
  - Cropping1D: {cropping: [0, 2]}
  - UpSampling1D: {size: 2}
  - SpatialDropout1D: {rate: 0.1}
  - Bidirectional:
      layer: {LSTM: {units: 5, return_sequences: true}}
      backward_layer: {GRU: {units: 5, go_backwards: true, return_sequences: true}}
  - Bidirectional: {layer: {SimpleRNN: {units: 3, return_sequences: true}}, merge_mode: ave}
  - TimeDistributed: {layer: {Dense: {units: 4}}}
  - GRU: {units: 4, reset_after: false}
  - RepeatVector: {n: 3}
  - LeakyReLU: {}
  - ELU: {}
  - Softmax: {}
  - GaussianNoise: {stddev: 0.1}
  - GaussianDropout: {rate: 0.1}
  - AlphaDropout: {rate: 0.1}
  - Identity: {}
  - ActivityRegularization: {l2: 0.01}
""",
    "decoder": """
inputs: {ids: [6]}
layers:
  - Embedding: {input_dim: 50, output_dim: 8, name: embed, inputs: [ids]}
  - Dense: {units: 16, use_bias: false, name: qkv}
  - DotProductAttention: {num_heads: 2, num_key_value_heads: 1, head_dim: 4, causal: true, name: attention}
  - Dense: {units: 12, name: gate_up}
  - GatedActivation: {name: swiglu}
  - Dense: {units: 8, name: down}
  - TiedDense: {units: 50, tied_to: embed, name: lm_head}
""",
    "patches": """
input: [8, 8, 3]
layers:
  - Conv2D: {filters: 6, kernel_size: 4, strides: 4}
  - Reshape: {target_shape: [4, 6]}
  - ClassToken: {}
  - PositionEmbedding: {sequence_length: 5}
  - Dense: {units: 6, name: q}
  - Dense: {units: 6, name: k, inputs: [position_embedding]}
  - Dense: {units: 6, name: v, inputs: [position_embedding]}
  - DotProductAttention: {num_heads: 3, head_dim: 2, inputs: [q, k, v]}
""",
    "volume": """
input: [4, 4, 4, 2]
layers:
  - Conv3DTranspose: {filters: 2, kernel_size: 2, strides: 2}
  - ZeroPadding3D: {}
  - Cropping3D: {}
  - UpSampling3D: {size: [1, 1, 2]}
  - SpatialDropout3D: {rate: 0.1}
""",
}


def test_every_registered_layer_type_is_rendered_here_or_in_lenet5():
    used = {line.split(":")[0].strip(" -") for spec in SPECS.values() for line in spec.splitlines() if "  - " in line}
    used |= {"LSTM", "GRU", "SimpleRNN", "Dense", "InputLayer"}  # inside wrappers or elsewhere in the suite
    foundation = {"Conv1D", "Conv2D", "Conv3D", "Flatten", "Dropout", "Activation"}
    pooling = {name for name in REGISTRY if "Pool" in name}
    aliases = {name for name, cls in REGISTRY.items() if cls.__name__ != name}
    assert set(REGISTRY) - used - foundation - pooling - aliases == set()


@pytest.mark.parametrize("name", SPECS)
def test_summary_and_markdown(cli, spec_file, name):
    path = spec_file(SPECS[name])
    summary = cli("summary", path, "--format", "json")
    assert summary.status == 0, summary.err
    derivation = cli("derive", path)
    assert derivation.status == 0, derivation.err
    # the four parts, then one section per layer (a layer that repeats an earlier one's arithmetic still
    # has its section, which refers back)
    assert derivation.out.count("\n## ") == 4
    layers = [layer for layer in summary.json()["layers"] if layer["type"] != "InputLayer"]
    assert derivation.out.count("\n### ") == len(layers)


@pytest.mark.parametrize("name", SPECS)
def test_latex_compiles(cli, spec_file, tmp_path, name):
    run = cli("derive", spec_file(SPECS[name]), "--format", "latex")
    assert run.status == 0, run.err
    tex = tmp_path / "out.tex"
    tex.write_text(run.out, encoding="utf-8")
    result = _compile(tex)
    assert result.returncode == 0, result.stdout[-3000:]
