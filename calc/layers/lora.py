"""LoRA (``lora_rank``) on Dense, Conv1D/2D/3D and Embedding: how it moves weights between the counts.

Keras freezes the layer's kernel, an m × n matrix once its input-side axes are flattened (n_in × units
for Dense, k_1 ... k_r c_in / g × f for a convolution, V × D for an embedding table), so the kernel's
m n weights become non-trainable, and trains its change as the product of an m × r and an r × n matrix.
The bias, when there is one, is still trained:
    trainable = r (m + n) + b n
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from calc.layers.base import Env, Value, to_expr
from calc.rules import Mistake, Rule, Step, apply, local_symbols

m, n, r, b = local_symbols("m n r b")

LORA_TRAINABLE = Rule(
    lhs="P",
    expr=r * (m + n) + b * n,
    why="LoRA trains the change of the m × n kernel as the product of an m × r and an r × n matrix; "
    "the bias of n values, when the layer has one, is still trained.",
    mistakes=(
        Mistake(
            "counted_non_trainable",
            m * n + b * n,
            "With LoRA the m×n kernel is frozen: only the two low-rank matrices (and the bias) train.",
        ),
        Mistake(
            "lora_one_matrix",
            r * m + b * n,
            "LoRA trains two matrices, m×r and r×n: r·(m + n) = {r}·({m} + {n}) values, not one of them.",
        ),
    ),
)
FROZEN_WHY = "With LoRA the kernel itself is frozen: these weights are non-trainable."


def parse_rank(lora_rank: Value | None) -> sp.Expr | None:
    return None if lora_rank is None else to_expr(lora_rank, "lora_rank")


def lora_update(rank: sp.Expr, fan_in: sp.Expr, fan_out: sp.Expr, bias: bool, env: Env, title: Any = None) -> Step:
    """The trainable step of a LoRA layer: r (m + n) + b n."""
    rank = env.positive(rank, "lora_rank")
    return apply(
        LORA_TRAINABLE,
        title or "Trainable parameters (LoRA)",
        {m: fan_in, n: fan_out, r: rank},
        {b: sp.Integer(int(bias))},
    )
