"""The questions of a problem sheet, each answered by the derivation's own steps.

A question names a quantity the analysis computed (a layer's output shape, a layer's parameters, the
model's total) and carries the derivation's view of that layer, so the solution key prints exactly
the steps ``calc derive`` prints. The wording lives in the templates, so a course can reword or
translate it. A layer is asked about only where there is something to work out: an output shape
with a formula behind it (convolution, pooling, flatten, concatenation), a parameter count that is
not simply zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from calc.derive import LayerView, layer_views
from calc.errors import CalcError
from calc.layers.base import suggest
from calc.model import Analysis, LayerRecord

#: The kinds of question, in the order a layer's questions are asked.
KINDS = ("output_shape", "params", "total_params")
DEFAULT_KINDS = KINDS


@dataclass
class Question:
    number: int
    kind: str
    layer: LayerView | None  # the derivation's view of the layer asked about; None for the whole model

    @property
    def record(self) -> LayerRecord | None:
        return self.layer.record if self.layer else None


def parse_kinds(text: str) -> list[str]:
    """'output_shape,params' -> the kinds, checked."""
    kinds = [part.strip() for part in text.split(",") if part.strip()]
    if not kinds:
        raise CalcError(f"--questions needs at least one of {', '.join(KINDS)}")
    for kind in kinds:
        if kind not in KINDS:
            raise CalcError(f"--questions: no question kind '{kind}'{suggest(kind, KINDS)} (kinds: {', '.join(KINDS)})")
    return kinds


def questions(analysis: Analysis, kinds: Sequence[str] = DEFAULT_KINDS) -> list[Question]:
    """The questions of the given kinds, layer by layer, then the model's total."""
    found: list[Question] = []

    def ask(kind: str, layer: LayerView | None) -> None:
        found.append(Question(len(found) + 1, kind, layer))

    for view in layer_views(analysis):
        record = view.record
        if record.type == "InputLayer" or record.is_repeat:
            continue
        if "output_shape" in kinds and view.shape_steps:
            ask("output_shape", view)
        worked = any(not sv.step.is_trivial for sv in view.param_steps) or record.result.children
        if "params" in kinds and worked:
            ask("params", view)
    if "total_params" in kinds:
        ask("total_params", None)
    if not found:
        raise CalcError(f"the model has nothing to ask of the kinds {', '.join(kinds)}")
    return found
