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
from dataclasses import dataclass, field, replace

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
    """Every world with one earlier layer's output wrong, built up to record index ``until`` (None: all).

    Each world is rebuilt once per analysis, as far as any question has asked, and carried further when
    a later one asks (``Rebuilds``): the questions on one model share the rebuilds rather than redoing
    them, one question per layer. A world holds the results of the layers up to ``until`` only."""
    rebuilds = analysis.memo.get(__name__)
    if rebuilds is None:
        rebuilds = analysis.memo[__name__] = Rebuilds(analysis)
    sources = [r for r in analysis.records if r.layer is not None and (until is None or r.index < until)]
    # the latest source first: of two worlds that give the same answer, the one that agrees with the model
    # the longest names the layer where the student's size stops matching
    for source in reversed(sources[-MAX_SOURCES:]):
        for rebuild in rebuilds.of(source):
            if rebuild.reaches(until):
                yield rebuild.up_to(until)


class Rebuilds:
    """One analysis's worlds, by source: each rebuilt lazily, as far as it has been asked for."""

    def __init__(self, analysis: Analysis):
        self.analysis = analysis
        self.env = Env(analysis.values)
        self.original = {_ref(r): r.output_shape for r in analysis.records}
        self.by_source: dict[int, list[Rebuild]] = {}

    def of(self, source: LayerRecord) -> list[Rebuild]:
        found = self.by_source.get(source.index)
        if found is None:
            found = self.by_source[source.index] = [Rebuild(self, world) for world in _wrong_outputs(source)]
        return found


class Rebuild:
    """The layers after a world's source built again on its wrong shape, in record order, as far as asked.

    Building a layer needs only the layers before it, so a rebuild carried from one ``until`` to a later
    one gives what a rebuild straight to the later one gives."""

    def __init__(self, rebuilds: Rebuilds, world: World):
        self.rebuilds = rebuilds
        self.world = world
        self.changed = {_ref(world.source): world.wrong}
        self.position = 0  # the next record to build, in analysis.records
        #: the index of the record that cannot take its wrong input (None: none so far)
        self.failed: int | None = None

    def reaches(self, until: int | None) -> bool:
        """Whether every layer up to record index ``until`` (None: the last) takes the wrong shape."""
        records = self.rebuilds.analysis.records
        while self.failed is None and self.position < len(records):
            record = records[self.position]
            if record.index <= self.world.source.index or record.layer is None:
                self.position += 1
                continue
            if until is not None and record.index > until:
                break
            if not self._build(record):
                self.failed = record.index
            self.position += 1
        return self.failed is None or (until is not None and self.failed > until)

    def _build(self, record: LayerRecord) -> bool:
        """Build one layer in the world if its input changed; False when it cannot take that input."""
        refs = [ref if "[" in ref else f"{ref}[0]" for ref in record.inputs]
        changed, world = self.changed, self.world
        if not any(ref in changed for ref in refs):
            return True
        original = self.rebuilds.original
        shapes = [changed.get(ref, original.get(ref)) for ref in refs]
        if any(shape is None for shape in shapes):
            return False
        try:
            result = record.layer.build_many(shapes, self.rebuilds.env)
        except (CalcError, ValueError, TypeError, ZeroDivisionError):
            return False
        if not record.layer.trainable:
            result.non_trainable, result.trainable = result.params, sp.Integer(0)
        world.results[record.index] = result
        world.inputs[record.index] = shapes
        changed[_ref(record)] = result.output_shape
        return True

    def up_to(self, until: int | None) -> World:
        """The world with the results of the layers up to record index ``until`` (None: every one)."""
        world = self.world
        kept = [i for i in world.results if until is None or i <= until]
        return replace(world, results={i: world.results[i] for i in kept}, inputs={i: world.inputs[i] for i in kept})


def _ref(record: LayerRecord) -> str:
    return f"{record.name}[{record.call}]"


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
