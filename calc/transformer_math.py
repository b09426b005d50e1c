"""A transformer's model-level arithmetic: compute per token, KV cache, weights and training memory.

Each quantity is a rule stated once, with its source, applied to what the analysis found: the attention
layers (``DotProductAttention``: heads, head_dim, the KV values each keeps per token), the repeated blocks
that hold them (their count L, their width h, the sequence length s) and the totals. Any model built from
these layers has them: a Hugging Face config, or a spec written by hand.

- KV cache (the K and V tensors a causal layer keeps while generating): C values per token, C b T B bytes
  at context T and batch B.
- Training memory (EleutherAI, "Transformer Math 101", 2023): bytes per parameter for weights, gradients and
  optimizer states; mixed-precision AdamW is 2 + 2 + 12 = 16.
- Activations (Korthikanti et al., 2022, "Reducing Activation Recomputation in Large Transformer Models",
  eq. 1 and section 5): s b h (34 + 5 a s / h) bytes per layer with 16-bit activations, 2 s b h with full
  recomputation (only each layer's input is kept).
- Compute per token: calc's own count (the layers' MACs over the sequence, split into the part linear in
  the length and attention's quadratic part) next to Kaplan et al. (2020), Table 1: C_forward ≈ 2N +
  2 n_layer n_ctx d_attn FLOPs, N the non-embedding parameters. A mixture of experts counts the experts
  each token uses, in both.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from calc.errors import CalcError
from calc.layers.base import Env
from calc.layers.dot_attention import DotProductAttention
from calc.model import Analysis, LayerRecord
from calc.rules import Rule, Step, apply, local_symbols

C, c, m, b, T, B, N, w, g, o = local_symbols("C c m b T B N w g o")
s, h, a, L, M_d, M_a, phi, S, n_ctx, d_attn, N_x = local_symbols("s h a L M_d M_a phi S n_ctx d_attn N_x")

KV_MODEL = Rule(
    lhs="C",
    expr=m * c,
    why="Each of the m causal attention layers keeps its own keys and values, c values per token.",
    name="KV cache of the model per token",
    symbols={"m": "the causal attention layers", "c": "the values one layer keeps per token"},
)
KV_BYTES = Rule(
    lhs="B_{KV}",
    expr=C * b * T * B,
    why="Each of the T tokens of each of the B sequences keeps C values of b bytes in the cache.",
    name="KV cache in bytes",
    symbols={
        "C": "the KV-cache values per token",
        "b": "the bytes of one value (the dtype)",
        "T": "the tokens in the cache (the context)",
        "B": "the sequences in the batch",
    },
)
TRAINING = Rule(
    lhs="M_{train}",
    expr=(w + g + o) * N,
    why="Transformer Math 101 (EleutherAI, 2023): each of the N parameters takes w bytes as a weight, g bytes "
    "as a gradient and o bytes of optimizer state.",
    name="Training memory (Transformer Math 101)",
    symbols={
        "N": "the parameters",
        "w": "the bytes of one weight",
        "g": "the bytes of one gradient",
        "o": "the bytes of optimizer state per parameter",
    },
)
KORTHIKANTI = {
    "L": "the transformer layers",
    "s": "the sequence length",
    "b": "the sequences in the batch",
    "h": "the hidden size",
    "a": "the attention heads",
}
ACTIVATIONS = Rule(
    lhs="A",
    expr=L * s * b * h * (34 + 5 * a * s / h),
    why="Korthikanti et al. (2022), eq. 1: one transformer layer keeps s b h (34 + 5 a s / h) bytes for the "
    "backward pass with 16-bit activations (34 s b h for the projections, norms, GELU and dropout masks; "
    "5 a s^2 b for the attention scores, softmax and its dropout), times the L layers. The paper's layer "
    "is GPT's (a 4h MLP, full multi-head attention); calc applies it as published.",
    name="Activations of transformer layers (Korthikanti et al.)",
    symbols=KORTHIKANTI,
)
RECOMPUTED = Rule(
    lhs="A",
    expr=2 * L * s * b * h,
    why="Korthikanti et al. (2022), section 5: with full recomputation only each layer's input is kept, "
    "2 s b h bytes in 16 bits, and the rest is recomputed in the backward pass.",
    name="Activations with full recomputation (Korthikanti et al.)",
    symbols=KORTHIKANTI,
)
PER_TOKEN = Rule(
    lhs="F_{token}",
    expr=phi * (M_d + M_a) / S,
    why="A forward pass over S tokens does M_d multiply-accumulates that grow with the length (every "
    "projection, the MLP, the output layer) and M_a in attention's two products, which grow with its square; "
    "per token, at phi FLOPs per MAC.",
    name="FLOPs per token",
    symbols={
        "M_d": "the MACs that grow with the length (projections, MLP, output layer)",
        "M_a": "the MACs of attention's two products",
        "S": "the tokens of the sequence",
    },
)
KAPLAN = Rule(
    lhs="C_{forward}",
    expr=2 * N_x + 2 * L * n_ctx * d_attn,
    why="Kaplan et al. (2020), Table 1: 2 FLOPs per non-embedding parameter N_x per token, plus 2 n_layer "
    "n_ctx d_attn for the attention scores (n_layer = L attention layers of d_attn values, n_ctx tokens). "
    "Their count leaves out the product of the scores with the values and the output layer to the vocabulary, "
    "which calc counts: calc's figure is the higher.",
    name="Forward FLOPs per token (Kaplan et al.)",
    symbols={
        "N_x": "the non-embedding parameters a token uses",
        "L": "the attention layers (n_layer)",
        "n_ctx": "the tokens of the context",
        "d_attn": "the width of one attention layer (heads times head_dim)",
    },
)

#: Bytes per parameter for weights, gradients and optimizer states (Transformer Math 101).
TRAINING_SCHEMES: dict[str, tuple[int, int, int, str]] = {
    "adam_mixed": (
        2,
        2,
        12,
        "AdamW in mixed precision: 16-bit weights and gradients, an fp32 copy of the "
        "weights, momentum and variance (4 + 4 + 4)",
    ),
    "adam_fp32": (4, 4, 8, "AdamW in fp32: momentum and variance (4 + 4)"),
    "adam_8bit": (2, 2, 6, "8-bit AdamW (bitsandbytes) in mixed precision: an fp32 copy and two 1-byte states"),
    "sgd_mixed": (2, 2, 8, "SGD with momentum in mixed precision: an fp32 copy of the weights and the momentum"),
}
EMBEDDING_TYPES = ("Embedding", "PositionEmbedding", "ClassToken", "TiedDense")


@dataclass
class Attention:
    """The attention layers found, each with how many times it is applied, and the blocks that hold them."""

    layers: list[tuple[sp.Expr, LayerRecord]]
    blocks: list[tuple[sp.Expr, LayerRecord]]


ONE = sp.Integer(1)


def attention(analysis: Analysis, times: sp.Expr = ONE) -> Attention:
    found = Attention([], [])
    for record in analysis.records:
        if record.layer is None or record.is_repeat:
            continue
        if isinstance(record.layer, DotProductAttention):
            found.layers.append((times, record))
        children = record.result.children
        if children is not None and record.type == "Repeat":
            inner = attention(children, times * record.layer.times.xreplace(analysis.values))
            found.layers += inner.layers
            found.blocks += inner.blocks
            if any(isinstance(r.layer, DotProductAttention) for r in children.records):
                found.blocks.append((times * record.layer.times.xreplace(analysis.values), record))
    return found


def is_transformer(analysis: Analysis) -> bool:
    return bool(attention(analysis).layers)


def kv_steps(analysis: Analysis, bytes_per_value: int, batch: int) -> list[Step]:
    """The KV cache: per layer, the model's values per token, and bytes per token and at the context."""
    env = Env(analysis.values)
    layers = [(times, r, r.layer.kv_cache_values(env)) for times, r in attention(analysis).layers]
    cached = [(times, step) for times, _, step in layers if step is not None]
    if not cached:
        return []
    first = cached[0][1]
    first.title = "KV cache of one layer (" + next(r.name for _, r, step in layers if step is first) + ")"
    if all(step.value == first.value for _, step in cached):
        model = apply(KV_MODEL, "KV cache values per token", {m: sp.Add(*(t for t, _ in cached)), c: first.value})
    else:
        model = apply(
            KV_MODEL, "KV cache values per token", {c: sp.Add(*(t * st.value for t, st in cached))}, {m: sp.Integer(1)}
        )
    context = _context(analysis)
    per_token = apply(
        KV_BYTES,
        "KV cache per token",
        {C: model.value, b: sp.Integer(bytes_per_value)},
        {T: sp.Integer(1), B: sp.Integer(1)},
    )
    total = apply(
        KV_BYTES,
        "KV cache at the context",
        {C: model.value, b: sp.Integer(bytes_per_value), T: context, B: sp.Integer(batch)},
    )
    return [first, model, per_token, total]


def _context(analysis: Analysis) -> sp.Expr:
    """The sequence length the attention sees: the length of its first layer's keys."""
    _, record = attention(analysis).layers[0]
    return record.input_shapes[-1][0]


def training_step(analysis: Analysis, scheme: str) -> Step:
    if scheme not in TRAINING_SCHEMES:
        raise CalcError(f"training scheme must be one of {', '.join(TRAINING_SCHEMES)}, got {scheme!r}")
    weights, grads, states, words = TRAINING_SCHEMES[scheme]
    why = f"{TRAINING.why} {words}: {weights} + {grads} + {states} = {weights + grads + states} bytes per parameter."
    fixed = {w: sp.Integer(weights), g: sp.Integer(grads), o: sp.Integer(states)}
    return apply(TRAINING, "Training memory (weights, gradients, optimizer)", {N: analysis.total_params}, fixed, why)


def activation_steps(analysis: Analysis, batch: int) -> list[Step]:
    """Korthikanti's activations for each repeated block of attention layers, without and with recomputation."""
    steps = []
    for times, record in attention(analysis).blocks:
        heads = next(
            r.layer.num_heads for r in record.result.children.records if isinstance(r.layer, DotProductAttention)
        )
        bindings = {
            L: times,
            s: record.input_shape[0],
            b: sp.Integer(batch),
            h: record.input_shape[-1],
            a: heads.xreplace(analysis.values),
        }
        steps.append(apply(ACTIVATIONS, f"Activations of {record.name}", bindings))
        steps.append(apply(RECOMPUTED, f"Activations of {record.name}, recomputed", bindings))
    return steps


def compute_steps(analysis: Analysis, flops_per_mac: int) -> list[Step]:
    """FLOPs per token, dense and attention parts, and Kaplan's approximation for comparison."""
    from calc import compute

    total = compute.total_macs(analysis)
    if total is None:
        return []
    found = attention(analysis)
    quadratic = sp.Add(*(times * r.compute.macs for times, r in found.layers))
    length = _context(analysis)
    per_token = apply(
        PER_TOKEN,
        "FLOPs per token",
        {M_d: total - quadratic, M_a: quadratic, S: length},
        {phi: sp.Integer(flops_per_mac)},
    )
    width = sp.Add(*(times * r.output_shape[-1] for times, r in found.layers)) / sp.Add(*(t for t, _ in found.layers))
    layers = sp.Add(*(t for t, _ in found.layers))
    kaplan = apply(
        KAPLAN,
        "Kaplan et al.'s C_forward",
        {N_x: non_embedding_params(analysis), L: layers, n_ctx: length, d_attn: width},
    )
    return [per_token, kaplan]


def non_embedding_params(analysis: Analysis) -> sp.Expr:
    """Kaplan's N: the parameters a token's forward pass multiplies by, without the vocabulary and position
    tables (embeddings, positions, the output layer to the vocabulary) and without the experts a token does
    not use; a block applied again with the same weights (ALBERT) counts each time, since 2N stands for the
    work of one multiply-add per parameter used."""
    total = sp.Integer(0)
    for record in analysis.records:
        if (
            record.layer is None
            or record.is_repeat
            or record.type in EMBEDDING_TYPES
            or record.name.endswith("lm_head")
        ):
            continue
        if record.type == "Experts":
            layer = record.layer
            total += record.params * layer.active.xreplace(analysis.values) / layer.times.xreplace(analysis.values)
        elif record.type == "Repeat":  # shared weights (ALBERT) are multiplied by every time they are used
            total += record.layer.times.xreplace(analysis.values) * non_embedding_params(record.result.children)
        elif record.result.children is not None:
            total += non_embedding_params(record.result.children)
        else:
            total += record.params
    return total


def kv_values(record: LayerRecord, analysis: Analysis) -> sp.Expr:
    """The KV-cache values per token one layer (or block, all its copies) keeps."""
    if record.layer is None:
        return sp.Integer(0)
    if isinstance(record.layer, DotProductAttention):
        step = record.layer.kv_cache_values(Env(analysis.values))
        return sp.Integer(0) if step is None else step.value
    children = record.result.children
    if children is None or record.type != "Repeat":
        return sp.Integer(0)
    once = sp.Add(*(kv_values(r, children) for r in children.records if not r.is_repeat))
    return record.layer.times.xreplace(analysis.values) * once


def bytes_per_parameter(scheme: str) -> int:
    weights, grads, states, _ = TRAINING_SCHEMES[scheme]
    return weights + grads + states


def totals(analysis: Analysis, bytes_per_value: int, batch: int, scheme: str, flops_per_mac: int) -> dict:
    """The transformer's figures for the summary (text lines and JSON), each the value of its rule's step."""
    kv = kv_steps(analysis, bytes_per_value, batch)
    activations = activation_steps(analysis, batch)
    tokens = compute_steps(analysis, flops_per_mac)
    out: dict[str, sp.Expr | None] = {
        "context": _context(analysis),
        "batch": sp.Integer(batch),
        "kv_cache_values_per_token": kv[1].value if kv else sp.Integer(0),
        "kv_cache_bytes_per_token": kv[2].value if kv else sp.Integer(0),
        "kv_cache_bytes": kv[3].value if kv else sp.Integer(0),
        "training_bytes": training_step(analysis, scheme).value,
        "activation_bytes": sp.Add(*(step.value for step in activations[0::2])),
        "activation_bytes_recomputed": sp.Add(*(step.value for step in activations[1::2])),
        "flops_per_token": tokens[0].value if tokens else None,
        "flops_per_token_attention": (
            (flops_per_mac * tokens[0].bindings[M_a] / tokens[0].bindings[S]) if tokens else None
        ),
        "kaplan_flops_per_token": tokens[1].value if tokens else None,
        "non_embedding_params": non_embedding_params(analysis),
        "experts": any(r.type == "Experts" for r in _all_records(analysis)),
    }
    return out


def _all_records(analysis: Analysis) -> list[LayerRecord]:
    """Every layer record, those inside blocks included."""
    out = []
    for record in analysis.records:
        out.append(record)
        if record.layer is not None and record.result.children is not None:
            out += _all_records(record.result.children)
    return out
