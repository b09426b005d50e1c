"""Carried errors: the right rule applied to a wrong size that came from an earlier step.

A student who got an earlier layer's output wrong (or left that layer out) and then worked on correctly
writes, for a later layer, exactly what the later layers' rules give on the wrong size. To find such an
answer, each earlier layer's output is made wrong in each catalogued way (a mistake in one of its
output-size steps) and by leaving the layer out (its input passed on unchanged), and the layers after
it are built again on that size with their own rules. The earliest layer whose output differs is
where the student's size stops matching the model.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import sympy as sp

from calc.errors import CalcError
from calc.layers.base import Env, LayerResult, Shape
from calc.model import Analysis, LayerRecord
from calc.rules import Mistake, Step, mistake_value

#: Carried errors are tried from at most this many earlier layers (each costs a rebuild of the layers after it).
MAX_SOURCES = 40
CARRIED = "carried_error"


@dataclass
class World:
    """The model as the student worked it: ``source``'s output was ``wrong`` instead of its real shape."""

    source: LayerRecord
    wrong: Shape
    #: The catalogued mistake made in the source (None: the source was left out) and the step it is in.
    mistake: Mistake | None
    step: Step | None
    words: dict = field(default_factory=dict)
    #: Every later layer's result in this world, by record index (only the layers whose input changed).
    results: dict[int, LayerResult] = field(default_factory=dict)
    #: The shapes each of those layers was built on.
    inputs: dict[int, list[Shape]] = field(default_factory=dict)


def worlds(analysis: Analysis, until: int | None) -> Iterator[World]:
    """Every world with one earlier layer's output wrong, built up to record index ``until`` (None: all)."""
    env = Env(analysis.values)
    sources = [r for r in analysis.records if r.layer is not None and (until is None or r.index < until)]
    # the latest source first: of two worlds that give the same answer, the one that agrees with the model
    # the longest names the layer where the student's size stops matching
    for source in reversed(sources[-MAX_SOURCES:]):
        for world in _wrong_outputs(source):
            if _rebuild(analysis, world, env, until):
                yield world


def _wrong_outputs(source: LayerRecord) -> Iterator[World]:
    right = source.output_shape
    shapes: set[Shape] = {right}
    if len(source.input_shapes) == 1:
        passed = tuple(source.input_shapes[0])
        if len(passed) == len(right) and passed not in shapes:
            shapes.add(passed)
            yield World(source, passed, None, None)
    for step in source.result.shape_steps:
        if step.rule is None or not step.axes or max(step.axes) >= len(right):
            continue
        for mistake in step.rule.mistakes:
            if mistake.catch_all or mistake.substitute is not None:
                continue
            wrong = mistake_value(step, mistake)
            if wrong is None or not (wrong.is_Integer and wrong > 0):
                continue
            shape = list(right)
            for axis in step.axes:
                shape[axis] = wrong
            if tuple(shape) not in shapes:
                shapes.add(tuple(shape))
                yield World(source, tuple(shape), mistake, step)


def _rebuild(analysis: Analysis, world: World, env: Env, until: int | None) -> bool:
    """Build the layers after the source on the wrong shape; False when one of them cannot take it."""
    original = {f"{r.name}[{r.call}]": r.output_shape for r in analysis.records}
    changed = {f"{world.source.name}[{world.source.call}]": world.wrong}
    for record in analysis.records:
        if record.index <= world.source.index or record.layer is None:
            continue
        if until is not None and record.index > until:
            break
        refs = [ref if "[" in ref else f"{ref}[0]" for ref in record.inputs]
        if not any(ref in changed for ref in refs):
            continue
        shapes = [changed.get(ref, original.get(ref)) for ref in refs]
        if any(shape is None for shape in shapes):
            return False
        try:
            result = record.layer.build_many(shapes, env)
        except (CalcError, ValueError, TypeError, ZeroDivisionError):
            return False
        if not record.layer.trainable:
            result.non_trainable, result.trainable = result.params, sp.Integer(0)
        world.results[record.index] = result
        world.inputs[record.index] = shapes
        changed[f"{record.name}[{record.call}]"] = result.output_shape
    return True


def count_in(world: World, record: LayerRecord, count: str) -> sp.Expr:
    """A layer's count of ``count`` in the student's world."""
    result = world.results.get(record.index, record.result)
    if count == "trainable_params":
        return result.trainable
    if count == "non_trainable_params":
        return result.non_trainable
    return result.params


def output_in(world: World, record: LayerRecord) -> Shape:
    return world.results.get(record.index, record.result).output_shape
