"""Which steps make up which parameter count, and the one rule that belongs to the counts rather than
to a layer's formula: the split into trainable and non-trainable.

Layers state their counts in ``param_steps`` whose values add up to the layer's parameters (each taken
``Step.counts`` times: a step that adds up the others counts 0 times, a Bidirectional's forward layer 2); a step
marked ``non_trainable`` (BatchNormalization's moving statistics) never trains, and every step of a
frozen layer (``trainable: false``) is non-trainable. ``counting_steps`` reads that off, so the
checker can find which step of which layer an answer got wrong. (The quantities themselves, and how
each is read off an analysis, are ``calc.explore.quantities``.)
"""

from __future__ import annotations

import sympy as sp

from calc.model import Analysis, LayerRecord
from calc.rules import Mistake, Rule, Step, apply, local_symbols

trainable, non_trainable = local_symbols("P_trainable P_non_trainable")

TRAINABLE = Rule(
    lhs="P_{trainable}",
    expr=trainable,
    why="Only the parameters that training updates are trainable; those of a frozen layer (trainable: false) "
    "and a BatchNormalization layer's moving mean and variance are non-trainable.",
    mistakes=(
        Mistake(
            "counted_non_trainable",
            None,
            "You counted the non-trainable parameters too: weights of a frozen layer and moving statistics "
            "are part of the total but are never trained.",
            replaces={trainable: trainable + non_trainable},
        ),
    ),
)


def counting_steps(record: LayerRecord, name: str) -> list[Step]:
    """The steps whose values add up to this layer's count of ``name``; none when the layer's steps do
    not add up to its parameters (then its formulas cannot say which part an answer got wrong)."""
    steps = record.result.param_steps
    if sp.expand(sp.Add(*(step.counts * step.value for step in steps)) - record.params) != 0:
        return []
    frozen = record.layer is not None and not record.layer.trainable
    if name == "trainable_params":
        return [] if frozen else [step for step in steps if not step.non_trainable]
    if name == "non_trainable_params":
        return list(steps) if frozen else [step for step in steps if step.non_trainable]
    return list(steps)


def trainable_step(analysis: Analysis, record: LayerRecord | None) -> Step:
    """The trainable count as a step of ``TRAINABLE``, so its mistakes can be evaluated like any rule's."""
    records = [record] if record is not None else analysis.layers
    counts = {
        trainable: sp.Add(*(r.trainable for r in records)),
        non_trainable: sp.Add(*(r.non_trainable for r in records)),
    }
    return apply(TRAINABLE, "Trainable parameters", counts)
