"""The layouts of the model families ``hf_config`` reads, one function per family, in transformers 5.24's
module names. Each returns the spec's inputs and layers; a number is the name of its config field (a
symbol), and a derived size an expression of them (``num_key_value_heads*head_dim``).

The sequence length is calc's symbol ``seq_len`` (the config's context length unless ``--set``): no
parameter depends on it, the compute does.
"""

from __future__ import annotations

from typing import Any

from calc.errors import CalcError
from calc.importers.hf_config import MAX_LAYERS, Family, Fields

Layers = list[dict[str, Any]]


def _dense(name: str, units: str, bias: bool, inputs: list[str] | None = None, **extra: Any) -> dict:
    kwargs: dict[str, Any] = {"units": units, "use_bias": bias, "name": name, **extra}
    if inputs is not None:
        kwargs["inputs"] = inputs
    return {"Dense": kwargs}


def _embedding(name: str, rows: str, width: str, input_name: str) -> dict:
    return {"Embedding": {"input_dim": rows, "output_dim": width, "name": name, "inputs": [input_name]}}


def _norm(name: str, kind: str, inputs: list[str] | None = None) -> dict:
    """A LayerNorm (weight and bias), an RMSNorm (weight only), or T5's LayerNorm (weight only)."""
    kwargs: dict[str, Any] = {"name": name}
    if inputs is not None:
        kwargs["inputs"] = inputs
    return {"LayerNormalization" if kind == "layer" else "RMSNormalization": kwargs}


def _sequence(fields: Fields, context: str) -> dict:
    """The one token input of a language model: [seq_len], seq_len the context length by default."""
    fields.symbols["seq_len"] = fields.symbols[context]
    return {"input_ids": ["seq_len"]}


def _lm_head(fields: Fields, embedding: str, width: str, vocab: str, tied_default: bool, bias: bool = False) -> dict:
    """The language-model head: its own V × H matrix, or the embedding table again (tie_word_embeddings)."""
    if fields.flag("tie_word_embeddings", tied_default):
        return {"TiedDense": {"units": vocab, "tied_to": embedding, "use_bias": bias, "name": "lm_head"}}
    return _dense("lm_head", vocab, bias)


# ---------------------------------------------------------------------------------------------
# Llama and the families that share its layout
# ---------------------------------------------------------------------------------------------


def _llama(
    fields: Fields, prefix: str, head: str | None, *, qkv_bias: bool | None = None, packed: bool = False
) -> tuple:
    hidden = fields.number("hidden_size")
    inter = fields.number("intermediate_size")
    layers_n = fields.number("num_hidden_layers", maximum=MAX_LAYERS)
    heads = fields.number("num_attention_heads")
    kv = fields.number("num_key_value_heads", fields.get("num_attention_heads"))
    vocab = fields.number("vocab_size")
    fields.number("max_position_embeddings")
    head_dim = fields.head_dim(hidden, heads)
    bias = fields.flag("attention_bias", False) if qkv_bias is None else qkv_bias
    out_bias = fields.flag("attention_bias", False) if qkv_bias is None else False
    mlp_bias = fields.flag("mlp_bias", False)
    block: Layers = [_norm("input_layernorm", "rms", ["input"])]
    if packed:
        block += [
            _dense("self_attn.qkv_proj", f"({heads} + 2*{kv})*{head_dim}", bias),
            _attention(heads, kv, head_dim, ["self_attn.qkv_proj"]),
        ]
    else:
        block += [
            _dense("self_attn.q_proj", f"{heads}*{head_dim}", bias, ["input_layernorm"]),
            _dense("self_attn.k_proj", f"{kv}*{head_dim}", bias, ["input_layernorm"]),
            _dense("self_attn.v_proj", f"{kv}*{head_dim}", bias, ["input_layernorm"]),
            _attention(heads, kv, head_dim, ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"]),
        ]
    block += [
        _dense("self_attn.o_proj", hidden, out_bias, ["self_attn.attention"]),
        {"Add": {"name": "self_attn.residual", "inputs": ["self_attn.o_proj", "input"]}},
        _norm("post_attention_layernorm", "rms"),
    ]
    if "num_local_experts" in fields.data or "num_local_experts" in fields.defaults:
        experts = fields.number("num_local_experts")
        active = fields.number("num_experts_per_tok")
        block += [
            _dense("mlp.gate", experts, False, ["post_attention_layernorm"]),
            {
                "Experts": {
                    "name": "mlp.experts",
                    "times": experts,
                    "active": active,
                    "inputs": ["post_attention_layernorm", "mlp.gate"],
                    "layers": _gated_mlp(inter, hidden, False, packed=False),
                }
            },
            {"Add": {"name": "mlp.residual", "inputs": ["mlp.experts", "self_attn.residual"]}},
        ]
    else:
        block += _gated_mlp(inter, hidden, mlp_bias, packed=packed, prefix="mlp.")
        block.append({"Add": {"name": "mlp.residual", "inputs": ["mlp.down_proj", "self_attn.residual"]}})
    layers: Layers = [
        _embedding(f"{prefix}embed_tokens", vocab, hidden, "input_ids"),
        {"Repeat": {"name": f"{prefix}layers", "times": layers_n, "layers": block}},
        _norm(f"{prefix}norm", "rms"),
    ]
    if head is not None:
        layers.append(_lm_head(fields, f"{prefix}embed_tokens", hidden, vocab, False))
    return _sequence(fields, "max_position_embeddings"), layers


def _attention(
    heads: str, kv: str, head_dim: str, inputs: list[str], causal: bool = True, name: str = "self_attn.attention"
) -> dict:
    kwargs = {"num_heads": heads, "num_key_value_heads": kv, "head_dim": head_dim, "causal": causal, "name": name}
    return {"DotProductAttention": {**kwargs, "inputs": inputs}}


def _gated_mlp(inter: str, hidden: str, bias: bool, packed: bool, prefix: str = "") -> Layers:
    """SwiGLU / GeGLU: act(gate(x)) × up(x), then down; Phi-3 packs gate and up in one matrix."""
    if packed:
        return [
            _dense(f"{prefix}gate_up_proj", f"2*{inter}", bias),
            {"GatedActivation": {"name": f"{prefix}activation_fn"}},
            _dense(f"{prefix}down_proj", hidden, bias),
        ]
    first = "input" if not prefix else "post_attention_layernorm"
    return [
        _dense(f"{prefix}gate_proj", inter, bias, [first], activation="silu"),
        _dense(f"{prefix}up_proj", inter, bias, [first]),
        {"Multiply": {"name": f"{prefix}act_fn", "inputs": [f"{prefix}gate_proj", f"{prefix}up_proj"]}},
        _dense(f"{prefix}down_proj", hidden, bias),
    ]


def _gemma(fields: Fields, prefix: str, head: str | None) -> tuple:
    inputs, layers = _llama(fields, prefix, head)
    if head is not None:  # Gemma ties its embeddings unless told otherwise
        layers[-1] = _lm_head(fields, f"{prefix}embed_tokens", "hidden_size", "vocab_size", True)
    return inputs, layers


def _qwen2(fields: Fields, prefix: str, head: str | None) -> tuple:
    return _llama(fields, prefix, head, qkv_bias=True)


def _phi3(fields: Fields, prefix: str, head: str | None) -> tuple:
    return _llama(fields, prefix, head, qkv_bias=False, packed=True)


# ---------------------------------------------------------------------------------------------
# GPT-2, GPT-NeoX, OPT
# ---------------------------------------------------------------------------------------------


def _gpt2(fields: Fields, prefix: str, head: str | None) -> tuple:
    hidden = fields.number("n_embd")
    layers_n = fields.number("n_layer", maximum=MAX_LAYERS)
    heads = fields.number("n_head")
    vocab = fields.number("vocab_size")
    positions = fields.number("n_positions")
    inner = fields.number("n_inner") if fields.get("n_inner") is not None else f"4*{hidden}"
    head_dim = fields.head_dim(hidden, heads, field_name=None)
    block: Layers = [
        _norm("ln_1", "layer", ["input"]),
        _dense("attn.c_attn", f"3*{hidden}", True),
        _attention(heads, heads, head_dim, ["attn.c_attn"], name="attn.attention"),
        _dense("attn.c_proj", hidden, True),
        {"Add": {"name": "attn.residual", "inputs": ["attn.c_proj", "input"]}},
        _norm("ln_2", "layer"),
        _dense("mlp.c_fc", inner, True, activation="gelu"),
        _dense("mlp.c_proj", hidden, True),
        {"Add": {"name": "mlp.residual", "inputs": ["mlp.c_proj", "attn.residual"]}},
    ]
    layers: Layers = [
        _embedding(f"{prefix}wte", vocab, hidden, "input_ids"),
        _embedding(f"{prefix}wpe", positions, hidden, "position_ids"),
        {"Add": {"name": f"{prefix}embeddings", "inputs": [f"{prefix}wte", f"{prefix}wpe"]}},
        {"Repeat": {"name": f"{prefix}h", "times": layers_n, "layers": block}},
        _norm(f"{prefix}ln_f", "layer"),
    ]
    if head is not None:
        layers.append(_lm_head(fields, f"{prefix}wte", hidden, vocab, True))
    fields.symbols["seq_len"] = fields.symbols[positions]
    return {"input_ids": ["seq_len"], "position_ids": ["seq_len"]}, layers


def _gpt_neox(fields: Fields, prefix: str, head: str | None) -> tuple:
    hidden = fields.number("hidden_size")
    inter = fields.number("intermediate_size")
    layers_n = fields.number("num_hidden_layers", maximum=MAX_LAYERS)
    heads = fields.number("num_attention_heads")
    vocab = fields.number("vocab_size")
    fields.number("max_position_embeddings")
    head_dim = fields.head_dim(hidden, heads, field_name=None)
    bias = fields.flag("attention_bias", True)
    parallel = fields.flag("use_parallel_residual", True)
    block: Layers = [
        _norm("input_layernorm", "layer", ["input"]),
        _dense("attention.query_key_value", f"3*{hidden}", bias),
        _attention(heads, heads, head_dim, ["attention.query_key_value"], name="attention.attention"),
        _dense("attention.dense", hidden, bias),
    ]
    if parallel:  # x + attn(ln1(x)) + mlp(ln2(x))
        block.append(_norm("post_attention_layernorm", "layer", ["input"]))
    else:
        block += [
            {"Add": {"name": "attention.residual", "inputs": ["attention.dense", "input"]}},
            _norm("post_attention_layernorm", "layer"),
        ]
    block += [_dense("mlp.dense_h_to_4h", inter, True, activation="gelu"), _dense("mlp.dense_4h_to_h", hidden, True)]
    residual = (
        ["mlp.dense_4h_to_h", "attention.dense", "input"] if parallel else ["mlp.dense_4h_to_h", "attention.residual"]
    )
    block.append({"Add": {"name": "residual", "inputs": residual}})
    layers: Layers = [
        _embedding(f"{prefix}embed_in", vocab, hidden, "input_ids"),
        {"Repeat": {"name": f"{prefix}layers", "times": layers_n, "layers": block}},
        _norm(f"{prefix}final_layer_norm", "layer"),
    ]
    if head is not None:
        layers.append(_lm_head(fields, f"{prefix}embed_in", hidden, vocab, False))
    return _sequence(fields, "max_position_embeddings"), layers


def _opt(fields: Fields, prefix: str, head: str | None) -> tuple:
    hidden = fields.number("hidden_size")
    ffn = fields.number("ffn_dim")
    layers_n = fields.number("num_hidden_layers", maximum=MAX_LAYERS)
    heads = fields.number("num_attention_heads")
    vocab = fields.number("vocab_size")
    positions = fields.number("max_position_embeddings")
    projection = fields.number("word_embed_proj_dim", fields.get("hidden_size"))
    head_dim = fields.head_dim(hidden, heads, field_name=None)
    bias = fields.flag("enable_bias", True)
    before = fields.flag("do_layer_norm_before", True)
    affine = fields.flag("layer_norm_elementwise_affine", True)
    if not affine:
        raise CalcError(
            "config field 'layer_norm_elementwise_affine' false is not read by calc (OPT's LayerNorm without weights)"
        )
    d = f"{prefix}decoder."
    block: Layers = [
        _norm("self_attn_layer_norm", "layer", ["input"]),
        _dense("self_attn.q_proj", hidden, bias, ["self_attn_layer_norm"]),
        _dense("self_attn.k_proj", hidden, bias, ["self_attn_layer_norm"]),
        _dense("self_attn.v_proj", hidden, bias, ["self_attn_layer_norm"]),
        _attention(heads, heads, head_dim, ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"]),
        _dense("self_attn.out_proj", hidden, bias),
        {"Add": {"name": "self_attn.residual", "inputs": ["self_attn.out_proj", "input"]}},
        _norm("final_layer_norm", "layer"),
        _dense("fc1", ffn, bias, activation="relu"),
        _dense("fc2", hidden, bias),
        {"Add": {"name": "residual", "inputs": ["fc2", "self_attn.residual"]}},
    ]
    layers: Layers = [
        _embedding(f"{d}embed_tokens", vocab, projection, "input_ids"),
    ]
    last = f"{d}embed_tokens"
    if fields.symbols[projection] != fields.symbols[hidden]:
        layers.append(_dense(f"{d}project_in", hidden, False))
        last = f"{d}project_in"
    layers += [
        _embedding(f"{d}embed_positions", f"{positions} + 2", hidden, "position_ids"),
        {"Add": {"name": f"{d}embeddings", "inputs": [last, f"{d}embed_positions"]}},
        {"Repeat": {"name": f"{d}layers", "times": layers_n, "layers": block}},
    ]
    if before and not fields.flag("_remove_final_layer_norm", False):
        layers.append(_norm(f"{d}final_layer_norm", "layer"))
    if fields.symbols[projection] != fields.symbols[hidden]:
        layers.append(_dense(f"{d}project_out", projection, False))
    if head is not None:
        layers.append(_lm_head(fields, f"{d}embed_tokens", projection, vocab, True))
    fields.symbols["seq_len"] = fields.symbols[positions]
    return {"input_ids": ["seq_len"], "position_ids": ["seq_len"]}, layers


# ---------------------------------------------------------------------------------------------
# BERT, RoBERTa, DistilBERT, ViT (encoders)
# ---------------------------------------------------------------------------------------------


def _post_norm_block(names: tuple[str, ...], hidden: str, inter: str, heads: str, head_dim: str) -> Layers:
    """BERT's encoder layer (and DistilBERT's, ALBERT's, under their own module names): attention, residual,
    LayerNorm, then the MLP, residual, LayerNorm. ``names``: query, key, value, output projection,
    attention LayerNorm, MLP in, MLP out, output LayerNorm."""
    query, key, value, out, attention_norm, mlp_in, mlp_out, out_norm = names
    scores = f"{query.rsplit('.', 1)[0]}.attention"
    return [
        _dense(query, hidden, True, ["input"]),
        _dense(key, hidden, True, ["input"]),
        _dense(value, hidden, True, ["input"]),
        _attention(heads, heads, head_dim, [query, key, value], False, scores),
        _dense(out, hidden, True),
        {"Add": {"name": f"{out}.residual", "inputs": [out, "input"]}},
        _norm(attention_norm, "layer"),
        _dense(mlp_in, inter, True, activation="gelu"),
        _dense(mlp_out, hidden, True),
        {"Add": {"name": f"{mlp_out}.residual", "inputs": [mlp_out, attention_norm]}},
        _norm(out_norm, "layer"),
    ]


BERT_NAMES = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "attention.output.LayerNorm",
    "intermediate.dense",
    "output.dense",
    "output.LayerNorm",
)
DISTILBERT_NAMES = (
    "attention.q_lin",
    "attention.k_lin",
    "attention.v_lin",
    "attention.out_lin",
    "sa_layer_norm",
    "ffn.lin1",
    "ffn.lin2",
    "output_layer_norm",
)
ALBERT_NAMES = (
    "attention.query",
    "attention.key",
    "attention.value",
    "attention.dense",
    "attention.LayerNorm",
    "ffn",
    "ffn_output",
    "full_layer_layer_norm",
)


def _pooler(name: str, hidden: str, input_name: str, rest: str = "seq_len - 1") -> Layers:
    """The first token's vector through a dense layer (BERT's pooler, ViT's): Cropping1D keeps token 0 and
    crops the ``rest``."""
    return [
        {"Cropping1D": {"cropping": [0, rest], "name": f"{name}.first_token", "inputs": [input_name]}},
        {"Flatten": {"name": f"{name}.flatten"}},
        _dense(f"{name}.dense", hidden, True, activation="tanh"),
    ]


def _bert(fields: Fields, prefix: str, head: str | None) -> tuple:
    hidden = fields.number("hidden_size")
    inter = fields.number("intermediate_size")
    layers_n = fields.number("num_hidden_layers", maximum=MAX_LAYERS)
    heads = fields.number("num_attention_heads")
    vocab = fields.number("vocab_size")
    positions = fields.number("max_position_embeddings")
    types = fields.number("type_vocab_size")
    head_dim = fields.head_dim(hidden, heads, field_name=None)
    e = f"{prefix}embeddings."
    layers: Layers = [
        _embedding(f"{e}word_embeddings", vocab, hidden, "input_ids"),
        _embedding(f"{e}position_embeddings", positions, hidden, "position_ids"),
        _embedding(f"{e}token_type_embeddings", types, hidden, "token_type_ids"),
        {
            "Add": {
                "name": f"{e}sum",
                "inputs": [f"{e}word_embeddings", f"{e}position_embeddings", f"{e}token_type_embeddings"],
            }
        },
        _norm(f"{e}LayerNorm", "layer"),
        {
            "Repeat": {
                "name": f"{prefix}encoder.layer",
                "times": layers_n,
                "layers": _post_norm_block(BERT_NAMES, hidden, inter, heads, head_dim),
            }
        },
    ]
    if head is None:
        layers += _pooler("pooler", hidden, "encoder.layer")
    else:  # the masked-LM head: transform, LayerNorm, and the decoder tied to the word embeddings
        lm = "lm_head" if head.startswith("Roberta") else "cls.predictions"
        transform = "lm_head." if lm == "lm_head" else "cls.predictions.transform."
        layers += [
            _dense(f"{transform}dense", hidden, True, activation="gelu"),
            _norm(f"{transform}{'layer_norm' if lm == 'lm_head' else 'LayerNorm'}", "layer"),
            {
                "TiedDense": {
                    "units": vocab,
                    "tied_to": f"{e}word_embeddings",
                    "use_bias": True,
                    "name": f"{lm}.decoder",
                }
            },
        ]
    # RoBERTa's positions start after the padding index (pad_token_id + 1): two of its rows are never a position
    fields.symbols["seq_len"] = fields.symbols[positions] - (2 if fields.data.get("model_type") == "roberta" else 0)
    return {"input_ids": ["seq_len"], "position_ids": ["seq_len"], "token_type_ids": ["seq_len"]}, layers


def _distilbert(fields: Fields, prefix: str, head: str | None) -> tuple:
    hidden = fields.number("dim")
    inter = fields.number("hidden_dim")
    layers_n = fields.number("n_layers", maximum=MAX_LAYERS)
    heads = fields.number("n_heads")
    vocab = fields.number("vocab_size")
    positions = fields.number("max_position_embeddings")
    head_dim = fields.head_dim(hidden, heads, field_name=None)
    if fields.flag("sinusoidal_pos_embds", False):
        raise CalcError("config field 'sinusoidal_pos_embds' true is not read by calc (fixed sinusoidal positions)")
    e = f"{prefix}embeddings."
    block = _post_norm_block(DISTILBERT_NAMES, hidden, inter, heads, head_dim)
    layers: Layers = [
        _embedding(f"{e}word_embeddings", vocab, hidden, "input_ids"),
        _embedding(f"{e}position_embeddings", positions, hidden, "position_ids"),
        {"Add": {"name": f"{e}sum", "inputs": [f"{e}word_embeddings", f"{e}position_embeddings"]}},
        _norm(f"{e}LayerNorm", "layer"),
        {"Repeat": {"name": f"{prefix}transformer.layer", "times": layers_n, "layers": block}},
    ]
    if head is not None:
        layers += [
            _dense("vocab_transform", hidden, True, activation="gelu"),
            _norm("vocab_layer_norm", "layer"),
            {
                "TiedDense": {
                    "units": vocab,
                    "tied_to": f"{e}word_embeddings",
                    "use_bias": True,
                    "name": "vocab_projector",
                }
            },
        ]
    fields.symbols["seq_len"] = fields.symbols[positions]
    return {"input_ids": ["seq_len"], "position_ids": ["seq_len"]}, layers


def _vit(fields: Fields, prefix: str, head: str | None) -> tuple:
    hidden = fields.number("hidden_size")
    inter = fields.number("intermediate_size")
    layers_n = fields.number("num_hidden_layers", maximum=MAX_LAYERS)
    heads = fields.number("num_attention_heads")
    image = fields.number("image_size")
    patch = fields.number("patch_size")
    channels = fields.number("num_channels")
    head_dim = fields.head_dim(hidden, heads, field_name=None)
    bias = fields.flag("qkv_bias", True)
    if fields.symbols[image] % fields.symbols[patch]:
        raise CalcError(f"config field 'image_size' ({fields.symbols[image]}) is not a multiple of 'patch_size'")
    e = f"{prefix}embeddings."
    patches = f"({image}/{patch})**2"
    block: Layers = [
        _norm("layernorm_before", "layer", ["input"]),
        _dense("attention.q_proj", hidden, bias, ["layernorm_before"]),
        _dense("attention.k_proj", hidden, bias, ["layernorm_before"]),
        _dense("attention.v_proj", hidden, bias, ["layernorm_before"]),
        _attention(
            heads,
            heads,
            head_dim,
            ["attention.q_proj", "attention.k_proj", "attention.v_proj"],
            False,
            "attention.attention",
        ),
        _dense("attention.o_proj", hidden, True),
        {"Add": {"name": "attention.residual", "inputs": ["attention.o_proj", "input"]}},
        _norm("layernorm_after", "layer"),
        _dense("mlp.fc1", inter, True, activation="gelu"),
        _dense("mlp.fc2", hidden, True),
        {"Add": {"name": "mlp.residual", "inputs": ["mlp.fc2", "attention.residual"]}},
    ]
    layers: Layers = [
        {
            "Conv2D": {
                "filters": hidden,
                "kernel_size": patch,
                "strides": patch,
                "name": f"{e}patch_embeddings.projection",
            }
        },
        {"Reshape": {"target_shape": [patches, hidden], "name": f"{e}patch_embeddings.flatten"}},
        {"ClassToken": {"name": f"{e}cls_token"}},
        {"PositionEmbedding": {"sequence_length": f"{patches} + 1", "name": f"{e}position_embeddings"}},
        {"Repeat": {"name": f"{prefix}layers", "times": layers_n, "layers": block}},
        _norm(f"{prefix}layernorm", "layer"),
    ]
    fields.symbols["seq_len"] = (fields.symbols[image] // fields.symbols[patch]) ** 2 + 1
    if head is None:
        layers += _pooler("pooler", hidden, "layernorm", patches)
    else:
        labels = _labels(fields)
        layers += [
            {"Cropping1D": {"cropping": [0, f"{patches}"], "name": "classifier.first_token"}},
            {"Flatten": {"name": "classifier.flatten"}},
            _dense("classifier", labels, True),
        ]
    return {"pixel_values": [image, image, channels]}, layers


def _labels(fields: Fields) -> str:
    """The classifier's width: ``num_labels``, or as many labels as ``id2label`` names."""
    if fields.get("num_labels") is None and isinstance(fields.get("id2label"), dict):
        fields.symbols["num_labels"] = len(fields.get("id2label"))
        if not 1 <= fields.symbols["num_labels"] <= 10**6:
            raise CalcError("config field 'id2label' must name from 1 to 1,000,000 labels")
        return "num_labels"
    return fields.number("num_labels", 2)


def _albert(fields: Fields, prefix: str, head: str | None) -> tuple:
    """ALBERT: a factorised embedding (E values, mapped to H) and cross-layer sharing: the
    num_hidden_groups groups of inner_group_num layers hold all the weights, each group applied
    num_hidden_layers / num_hidden_groups times."""
    embedding = fields.number("embedding_size")
    hidden = fields.number("hidden_size")
    inter = fields.number("intermediate_size")
    layers_n = fields.number("num_hidden_layers", maximum=MAX_LAYERS)
    heads = fields.number("num_attention_heads")
    groups = fields.number("num_hidden_groups", 1, maximum=MAX_LAYERS)
    inner = fields.number("inner_group_num", 1, maximum=MAX_LAYERS)
    vocab = fields.number("vocab_size")
    positions = fields.number("max_position_embeddings")
    types = fields.number("type_vocab_size")
    head_dim = fields.head_dim(hidden, heads, field_name=None)
    if fields.symbols[layers_n] % fields.symbols[groups]:
        raise CalcError("config field 'num_hidden_layers' must be a multiple of 'num_hidden_groups'")
    e = f"{prefix}embeddings."
    layer = _post_norm_block(ALBERT_NAMES, hidden, inter, heads, head_dim)
    group = {"Repeat": {"name": "albert_layers", "times": inner, "layers": layer}}
    applied = {"Repeat": {"name": "applied", "times": f"{layers_n}/{groups}", "shared": True, "layers": [group]}}
    layers: Layers = [
        _embedding(f"{e}word_embeddings", vocab, embedding, "input_ids"),
        _embedding(f"{e}position_embeddings", positions, embedding, "position_ids"),
        _embedding(f"{e}token_type_embeddings", types, embedding, "token_type_ids"),
        {
            "Add": {
                "name": f"{e}sum",
                "inputs": [f"{e}word_embeddings", f"{e}position_embeddings", f"{e}token_type_embeddings"],
            }
        },
        _norm(f"{e}LayerNorm", "layer"),
        _dense(f"{prefix}encoder.embedding_hidden_mapping_in", hidden, True),
        {"Repeat": {"name": f"{prefix}encoder.albert_layer_groups", "times": groups, "layers": [applied]}},
    ]
    if head is None:
        layers += _pooler("pooler", hidden, "encoder.albert_layer_groups")
        layers[-1]["Dense"]["name"] = "pooler"
    else:
        layers += [
            _dense("predictions.dense", embedding, True, activation="gelu"),
            _norm("predictions.LayerNorm", "layer"),
            {
                "TiedDense": {
                    "units": vocab,
                    "tied_to": f"{e}word_embeddings",
                    "use_bias": True,
                    "name": "predictions.decoder",
                }
            },
        ]
    fields.symbols["seq_len"] = fields.symbols[positions]
    return {"input_ids": ["seq_len"], "position_ids": ["seq_len"], "token_type_ids": ["seq_len"]}, layers


def _t5_attention(kind: str, model: str, heads: str, d_kv: str, query: str, memory: str, causal: bool) -> Layers:
    return [
        _dense(f"{kind}.q", f"{heads}*{d_kv}", False, [query]),
        _dense(f"{kind}.k", f"{heads}*{d_kv}", False, [memory]),
        _dense(f"{kind}.v", f"{heads}*{d_kv}", False, [memory]),
        _attention(heads, heads, d_kv, [f"{kind}.q", f"{kind}.k", f"{kind}.v"], causal, f"{kind}.attention"),
        _dense(f"{kind}.o", model, False),
    ]


def _t5_feed_forward(layer: str, model: str, d_ff: str, gated: bool, before: str) -> Layers:
    ff = f"{layer}.DenseReluDense"
    if gated:  # gated-gelu: wi_0 (activated) times wi_1
        return [
            _dense(f"{ff}.wi_0", d_ff, False, [f"{layer}.layer_norm"], activation="gelu"),
            _dense(f"{ff}.wi_1", d_ff, False, [f"{layer}.layer_norm"]),
            {"Multiply": {"name": f"{ff}.gated", "inputs": [f"{ff}.wi_0", f"{ff}.wi_1"]}},
            _dense(f"{ff}.wo", model, False),
            {"Add": {"name": f"{layer}.residual", "inputs": [f"{ff}.wo", before]}},
        ]
    return [
        _dense(f"{ff}.wi", d_ff, False, activation="relu"),
        _dense(f"{ff}.wo", model, False),
        {"Add": {"name": f"{layer}.residual", "inputs": [f"{ff}.wo", before]}},
    ]


def _t5(fields: Fields, prefix: str, head: str | None) -> tuple:
    """T5: an encoder and a decoder sharing one embedding table (``shared``); each stack's first block holds
    the relative-position bias (a table of buckets × heads), which the other blocks reuse."""
    model = fields.number("d_model")
    d_ff = fields.number("d_ff")
    d_kv = fields.number("d_kv")
    heads = fields.number("num_heads")
    encoders = fields.number("num_layers", maximum=MAX_LAYERS)
    decoders = fields.number("num_decoder_layers", fields.get("num_layers"), maximum=MAX_LAYERS)
    vocab = fields.number("vocab_size")
    buckets = fields.number("relative_attention_num_buckets", 32)
    projection = fields.word("feed_forward_proj", "relu", ("relu", "gated-gelu", "gelu", "gated-relu"))
    gated = projection.startswith("gated")
    fields.symbols["seq_len"] = fields.symbols[fields.number("n_positions", 512)]
    fields.symbols["decoder_seq_len"] = fields.symbols["seq_len"]
    encoder_block: Layers = [
        _norm("layer.0.layer_norm", "rms", ["input"]),
        *_t5_attention("layer.0.SelfAttention", model, heads, d_kv, "layer.0.layer_norm", "layer.0.layer_norm", False),
        {"Add": {"name": "layer.0.residual", "inputs": ["layer.0.SelfAttention.o", "input"]}},
        _norm("layer.1.layer_norm", "rms"),
        *_t5_feed_forward("layer.1", model, d_ff, gated, "layer.0.residual"),
    ]
    memory = "encoder.final_layer_norm"
    decoder_block: Layers = [
        _norm("layer.0.layer_norm", "rms", ["input"]),
        *_t5_attention("layer.0.SelfAttention", model, heads, d_kv, "layer.0.layer_norm", "layer.0.layer_norm", True),
        {"Add": {"name": "layer.0.residual", "inputs": ["layer.0.SelfAttention.o", "input"]}},
        _norm("layer.1.layer_norm", "rms"),
        *_t5_attention("layer.1.EncDecAttention", model, heads, d_kv, "layer.1.layer_norm", memory, False),
        {"Add": {"name": "layer.1.residual", "inputs": ["layer.1.EncDecAttention.o", "layer.0.residual"]}},
        _norm("layer.2.layer_norm", "rms"),
        *_t5_feed_forward("layer.2", model, d_ff, gated, "layer.1.residual"),
    ]
    bias = "layer.0.SelfAttention.relative_attention_bias"
    layers: Layers = [
        _embedding("shared", vocab, model, "input_ids"),
        _embedding(f"encoder.block.0.{bias}", buckets, heads, "relative_buckets"),
        {"Repeat": {"name": "encoder.block", "times": encoders, "inputs": ["shared"], "layers": encoder_block}},
        _norm("encoder.final_layer_norm", "rms"),
        {"shared": {"inputs": ["decoder_input_ids"]}},
        _embedding(f"decoder.block.0.{bias}", buckets, heads, "decoder_relative_buckets"),
        {
            "Repeat": {
                "name": "decoder.block",
                "times": decoders,
                "inputs": ["shared[1]", memory],
                "layers": decoder_block,
            }
        },
        _norm("decoder.final_layer_norm", "rms"),
    ]
    if head is not None:
        layers.append(_lm_head(fields, "shared", model, vocab, True))
    inputs = {
        "input_ids": ["seq_len"],
        "relative_buckets": ["seq_len", "seq_len"],
        "decoder_input_ids": ["decoder_seq_len"],
        "decoder_relative_buckets": ["decoder_seq_len", "decoder_seq_len"],
    }
    return inputs, layers


FAMILIES: dict[str, Family] = {
    "llama": Family("LlamaModel", {"LlamaForCausalLM": "model."}, {}, _llama),
    "mistral": Family("MistralModel", {"MistralForCausalLM": "model."}, {}, _llama),
    "mixtral": Family(
        "MixtralModel",
        {"MixtralForCausalLM": "model."},
        {"num_local_experts": 8, "num_experts_per_tok": 2},
        _llama,
    ),
    "qwen2": Family("Qwen2Model", {"Qwen2ForCausalLM": "model."}, {}, _qwen2),
    "gemma": Family("GemmaModel", {"GemmaForCausalLM": "model."}, {"head_dim": 256}, _gemma),
    "phi3": Family("Phi3Model", {"Phi3ForCausalLM": "model."}, {}, _phi3),
    "gpt2": Family(
        "GPT2Model",
        {"GPT2LMHeadModel": "transformer."},
        {"n_embd": 768, "n_layer": 12, "n_head": 12, "n_positions": 1024, "vocab_size": 50257},
        _gpt2,
    ),
    "gpt_neox": Family("GPTNeoXModel", {"GPTNeoXForCausalLM": "gpt_neox."}, {}, _gpt_neox),
    "opt": Family("OPTModel", {"OPTForCausalLM": "model."}, {}, _opt),
    "bert": Family("BertModel", {"BertForMaskedLM": "bert."}, {"type_vocab_size": 2}, _bert),
    "roberta": Family("RobertaModel", {"RobertaForMaskedLM": "roberta."}, {"type_vocab_size": 2}, _bert),
    "distilbert": Family("DistilBertModel", {"DistilBertForMaskedLM": "distilbert."}, {}, _distilbert),
    "albert": Family("AlbertModel", {"AlbertForMaskedLM": "albert."}, {"type_vocab_size": 2}, _albert),
    "t5": Family("T5Model", {"T5ForConditionalGeneration": ""}, {}, _t5),
    "vit": Family("ViTModel", {"ViTForImageClassification": "vit."}, {"num_channels": 3}, _vit),
}
