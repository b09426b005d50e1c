"""torch.nn.Flatten: merges the axes ``start_dim`` to ``end_dim`` into one.

PyTorch counts dims with the batch axis as 0, so the default start_dim=1 keeps the batch axis and
flattens the rest (what Keras's Flatten always does); start_dim=2 keeps the channels apart. The
merged size is the product of the merged axes (the Flatten rule of ``calc.layers.reshape``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from calc.dialects.pytorch.base import TorchLayer, torch_dim
from calc.errors import CalcError
from calc.layers.base import Env, LayerResult, Shape
from calc.layers.receptive import Field, FieldChange
from calc.layers.reshape import NO_AXES_LEFT, NO_MACS, NO_PARAMETERS, flatten_rule
from calc.rules import apply, note, numbered_symbols

PARTIAL_WHY = (
    "Flatten merges the axes start_dim to end_dim (counted with the batch axis as 0, as PyTorch does) "
    "into one, which holds all their values."
)


class Flatten(TorchLayer):
    """Flatten with PyTorch's start_dim and end_dim. The merged axis has no receptive field (no window can
    slide along it); the axes outside start_dim..end_dim keep theirs."""

    neutral = frozenset()
    no_macs = NO_MACS

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange:
        incoming, rank = fields[0], len(shapes[0]) + 1
        start = self.start_dim % rank
        end = self.end_dim % rank
        return FieldChange((*incoming[: start - 1], None, *incoming[end:]), [], NO_AXES_LEFT)

    def __init__(self, start_dim: int = 1, end_dim: int = -1, **options: Any):
        super().__init__(**options)
        self.start_dim, self.end_dim = start_dim, end_dim

    def build(self, shape: Shape, env: Env) -> LayerResult:
        rank = len(shape) + 1  # PyTorch's count includes the batch axis
        start = torch_dim(self.start_dim, shape, "start_dim")
        end = torch_dim(self.end_dim, shape, "end_dim")
        if start > end:
            raise CalcError(f"start_dim ({self.start_dim}) cannot come after end_dim ({self.end_dim})")
        if start == 0:
            raise CalcError("start_dim 0 would flatten the batch axis too; calc keeps the batch axis (use 1 or more)")
        merged = shape[start - 1 : end]
        steps = []
        if len(merged) > 1:
            why = None if (start, end) == (1, rank - 1) else PARTIAL_WHY
            step = apply(
                flatten_rule(len(merged)), "Output size", dict(zip(numbered_symbols("n", len(merged)), merged)), why=why
            )
            steps.append(step)
            size = step.value
        else:
            size = merged[0]
        return LayerResult(
            output_shape=(*shape[: start - 1], size, *shape[end:]),
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            shape_steps=steps,
            param_steps=[note("Parameters", 0, NO_PARAMETERS)],
            description=["dims ", start, " to ", end, " into one (the batch axis is dim 0)"],
        )
