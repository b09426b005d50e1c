"""Finding the explanations of a wrong answer: the candidate search of ``checker.Question``.

A ``Candidate`` is the answer one explanation gives: a catalogued mistake made in one place (the value of
its wrong formula, placed in the question's count or shape), the same mistake made in every place, two
mistakes made together (``pairs``), an arithmetic slip (``calc.slips``) or an error carried from an earlier
layer (``calc.carried``). Each kind is worked out once per question, the costlier ones only when an answer
matches none of the simpler ones. Values are kept by fingerprint (``equivalence``), so an answer is looked
up, not compared with each candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, partial

import sympy as sp

from calc.carried import CARRIED, World, count_in, output_in, worlds
from calc.check_sources import alternatives
from calc.counts import counting_steps, trainable_step
from calc.equivalence import Value, fingerprint
from calc.layers.base import Shape
from calc.model import LayerRecord
from calc.render.math import readable
from calc.rules import Mistake, Step, mistake_value, replaced_value, together
from calc.slips import SLIP, Slip, digit_slips, inner_slips, numbers_in, term_slips

#: Pairs of mistakes are tried only when a question has at most this many single ones (LeNet-5's total has
#: 37, torchvision AlexNet's 61, VGG-16's 81, ResNet-50's 164): pairs grow as the square of the singles
#: (64 give at most 2,016 across layers), and among many thousands a wrong answer would match one by chance.
MAX_SINGLES_FOR_PAIRS = 64
TWO_MISTAKES = "Two mistakes made together give this answer:"


@dataclass
class Candidate:
    """What one mistake, made in one place, would give as the answer (or two mistakes made together:
    then ``second`` holds the other one's id and sentence)."""

    mistake: str
    #: its feedback, or what writes it when first read: a table holds many candidates and an answer
    #: matches few, so most are never written
    said: str | Callable[[], str]
    value: Value | None  # None for a catch-all: any other answer for the step's part
    shown: list[tuple[LayerRecord | None, Step]]  # the correct steps to show
    axes: tuple[int, ...] = ()  # for a catch-all on a shape: the axes the step fills
    key: tuple = field(default=(), repr=False)  # its fingerprint (equivalence), to find it quickly
    #: for a single mistake in one counting step: that step, so it can pair with a mistake in another one
    place: tuple[LayerRecord, Step] | None = field(default=None, repr=False)
    pairs: bool = field(default=True, repr=False)  # whether it may be one of two mistakes made together
    #: whether its wrong value was drawn from the model (a substitution): a rule's own replacement that gives
    #: the same value is the likelier explanation
    drawn: bool = field(default=False, repr=False)
    #: the symbols of its step that the mistake changes (two mistakes that change the same symbols of the same
    #: step to the same value are one explanation, not two)
    changed: frozenset = field(default=frozenset(), repr=False)
    second: tuple[str, str] | None = None
    #: further ids the answer is diagnosed with (a carried error: the mistake made in the earlier layer)
    also: tuple[str, ...] = ()
    #: other single mistakes that give the same value, so equally likely (``judge`` says both)
    equals: list[Candidate] = field(default_factory=list, repr=False)
    #: for an answer that several explanations fit equally well: their ids (then ``mistakes`` is empty)
    alternatives: tuple[str, ...] = ()

    @property
    def sentence(self) -> str:
        if not isinstance(self.said, str):
            self.said = self.said()
        return self.said

    @property
    def mistakes(self) -> tuple[str, ...]:
        if self.alternatives:
            return ()
        pair = (self.mistake,) if self.second is None else (self.mistake, self.second[0])
        return pair + tuple(m for m in self.also if m not in pair)

    @property
    def sentences(self) -> list[str]:
        if self.alternatives:  # the heading, then one sentence per explanation
            return self.sentence.split("\n")
        return [self.sentence] if self.second is None else [TWO_MISTAKES, self.sentence, self.second[1]]


EQUALLY_LIKELY = "No single diagnosis: these explanations give this answer equally well."


class CandidateSearch:
    """The candidate search of a ``Question`` (a mixin: it reads the question's analysis, record, kind,
    expected value and fingerprints)."""

    @cached_property
    def candidates(self) -> list[Candidate]:
        """Every distinct wrong value that a catalogued mistake gives, in catalogue order."""
        found = {
            "count": self._count_candidates,
            "shape": self._shape_candidates,
            "size": self._size_candidates,
        }[self.kind]()
        seen: dict[tuple, Candidate] = {}
        distinct = []
        for candidate in found:
            if candidate.value is None:
                distinct.append(candidate)
                continue
            candidate.key = fingerprint(candidate.value, self.points)
            if candidate.key == self._expected_print or not _known(candidate.key):
                continue
            first = seen.get(candidate.key)
            if first is None:
                seen[candidate.key] = candidate
                distinct.append(candidate)
            elif _same_change(first, candidate):  # one explanation in two words: the rule's own one is kept
                if first.drawn and not candidate.drawn:
                    seen[candidate.key] = candidate
                    distinct[distinct.index(first)] = candidate
                continue
            elif candidate.mistake != first.mistake and all(c.mistake != candidate.mistake for c in first.equals):
                first.equals.append(candidate)
        return distinct

    @cached_property
    def _singles(self) -> dict[tuple, Candidate]:
        """The candidates with a value, by fingerprint (each fingerprint is one candidate's, the first in
        catalogue order: ``candidates`` keeps one per value)."""
        return {candidate.key: candidate for candidate in self.candidates if candidate.value is not None}

    def _count_candidates(self) -> list[Candidate]:
        name = self.count
        records = [self.record] if self.record is not None else self.analysis.layers
        found: list[Candidate] = []
        # one mistake (a substitution: with one wrong value) made in several places, to try together
        by_id: dict[tuple[str, str], list[tuple[LayerRecord, Step, sp.Expr, dict]]] = {}
        for record in records:
            steps = counting_steps(record, name)
            for step in steps:
                for mistake in step.rule.mistakes if step.rule else ():
                    if mistake.catch_all:
                        if self.record is not None and len(steps) == 1:
                            found.append(Candidate(mistake.id, mistake.feedback, None, [(record, step)]))
                        continue
                    for wrong, words in self._mistake_values(record, step, mistake):
                        value = self._placed(step, wrong)
                        sentence = self._where(record) + mistake.sentence(words)
                        found.append(
                            Candidate(
                                mistake.id,
                                sentence,
                                value,
                                [(record, step)],
                                place=(record, step),
                                pairs=mistake.pairs,
                                drawn=mistake.substitute is not None,
                                changed=_changes(mistake),
                            )
                        )
                        if step.counts != 0:
                            by_id.setdefault((mistake.id, words.get("value", "")), []).append(
                                (record, step, wrong, words)
                            )
        if name == "trainable_params":
            step = trainable_step(self.analysis, self.record)
            shown = [(r, s) for r in records for s in r.result.param_steps if r.non_trainable != 0]
            for mistake in step.rule.mistakes:
                wrong = mistake_value(step, mistake)
                if wrong is not None:
                    found.append(Candidate(mistake.id, mistake.feedback, wrong, shown[:5]))
        # the same mistake in every place where it applies (all biases left out), or in every layer of one
        # type (the convolutions' biases), or in every part of one layer (each projection's bias)
        for (mistake_id, _), places in by_id.items():
            first: dict[tuple[int, int], tuple[LayerRecord, Step, sp.Expr, dict]] = {}
            for place in places:
                first.setdefault((id(place[0]), id(place[1])), place)
            every = "every part of the layer" if self.record is not None else "every layer where it can be made"
            groups = {every: list(first.values())}
            for kind in dict.fromkeys(place[0].type for place in first.values()):
                group = [place for place in first.values() if place[0].type == kind]
                if len(group) < len(first):
                    groups[f"every {kind} layer"] = group
            for words, group in groups.items():
                if len(group) > 1:
                    found.append(self._same_mistake(mistake_id, words, group))
        return found

    def _same_mistake(
        self, mistake_id: str, words: str, places: list[tuple[LayerRecord, Step, sp.Expr, dict]]
    ) -> Candidate:
        """One mistake made in each of several places: the count is off by the sum of its differences."""
        record, step, _, first_words = places[0]
        mistake = next(m for m in step.rule.mistakes if m.id == mistake_id)
        value = self.expected + sp.Add(*(_weight(step) * (wrong - step.value) for _, step, wrong, _ in places))
        if self.record is not None:
            names = ", ".join(s.title.split(",")[0] for _, s, _, _ in places)  # "Query projection", not where it reads
        else:
            names = ", ".join(dict.fromkeys(r.name for r, _, _, _ in places))
        sentence = f"The same mistake in {words} ({names}). {mistake.sentence(first_words)}"
        return Candidate(mistake.id, sentence, value, [(r, s) for r, s, _, _ in places][:5])

    def _shape_candidates(self) -> list[Candidate]:
        record = self.record
        assert record is not None
        found: list[Candidate] = []
        by_id: dict[str, list[tuple[Step, sp.Expr, str]]] = {}
        for step in record.result.shape_steps:
            if not step.axes or step.rule is None or max(step.axes) >= len(self.expected):
                continue
            for mistake in step.rule.mistakes:
                if mistake.catch_all:
                    found.append(Candidate(mistake.id, mistake.feedback, None, [(record, step)], step.axes))
                    continue
                for wrong, words in self._mistake_values(record, step, mistake):
                    shape = self._placed(step, wrong)
                    candidate = Candidate(mistake.id, mistake.sentence(words), shape, [(record, step)])
                    candidate.drawn, candidate.changed = mistake.substitute is not None, _changes(mistake)
                    found.append(candidate)
                    if mistake.substitute is None:
                        by_id.setdefault(mistake.id, []).append((step, wrong, candidate.sentence))
        for mistake_id, places in by_id.items():  # the same mistake on every axis (each its own step)
            if len({id(step) for step, _, _ in places}) > 1 and len(places) == len({id(s) for s, _, _ in places}):
                shape = list(self.expected)
                for step, wrong, _ in places:
                    for axis in step.axes:
                        shape[axis] = wrong
                sentence = f"The same mistake on every axis. {places[0][2]}"
                found.append(Candidate(mistake_id, sentence, tuple(shape), [(record, s) for s, _, _ in places]))
        return found

    def _size_candidates(self) -> list[Candidate]:
        """The mistakes of the output-size steps that fill the asked axes, as sizes."""
        found: list[Candidate] = []
        for record, step in self.default_steps:
            for mistake in step.rule.mistakes if step.rule else ():
                if mistake.catch_all:
                    found.append(Candidate(mistake.id, mistake.feedback, None, [(record, step)]))
                    continue
                for wrong, words in self._mistake_values(record, step, mistake):
                    found.append(Candidate(mistake.id, mistake.sentence(words), wrong, [(record, step)]))
        return found

    def _mistake_values(self, record: LayerRecord, step: Step, mistake: Mistake) -> list[tuple[sp.Expr, dict]]:
        """The mistake's value in this step, or one value per wrong alternative it substitutes."""
        if mistake.substitute is None:
            value = mistake_value(step, mistake)
            return [] if value is None or self._not_whole(value) else [(value, step_words(step))]
        out = []
        for wrong, words in self._substitutions(record, step, mistake):
            value = mistake_value(step, mistake, {mistake.substitute: wrong})
            if value is not None and not self._not_whole(value):
                out.append((value, words))
        return out

    def _not_whole(self, value: sp.Expr) -> bool:
        """A count that is no whole number (half a bias vector): no answer a mistake could explain."""
        return self.kind == "count" and bool(value.is_number and not value.is_integer)

    def _substitutions(self, record: LayerRecord, step: Step, mistake: Mistake) -> list[tuple[sp.Expr, dict]]:
        """The wrong values a substitution mistake tries in this step, each with the words of its feedback."""
        actual = step.given.get(mistake.substitute)
        if actual is None:
            return []
        words = step_words(step)
        return [
            (wrong, {**words, "value": readable(wrong), "source": source, "actual": readable(actual)})
            for wrong, source in alternatives(mistake.alternatives, self.analysis, record)
            if wrong != actual
        ]

    # -- slips and carried errors -----------------------------------------------------------------------

    @cached_property
    def slips(self) -> dict[tuple, Candidate]:
        """Arithmetic slips (``calc.slips``) in a count or a size with a numeric value, by fingerprint: worked
        out the first time an answer matches no single mistake."""
        if self.kind == "shape" or self.expected.free_symbols:
            return {}
        found: list[Candidate] = []
        shown = self.default_steps

        def add(value: sp.Expr, sentence: str | Callable[[], str], steps: list) -> None:
            found.append(Candidate(SLIP, sentence, value, steps))

        for slip in digit_slips(self.expected):
            add(sp.Integer(slip.value), partial(self._last_slip, slip), shown)
        for record, step in self._mistake_places() if self.kind == "count" else ():
            for part, slip, wrong in inner_slips(step):
                add(self._placed(step, wrong), partial(self._inner_slip, record, step, part, slip), [(record, step)])
        if self.kind == "count" and self.record is None:
            for record, how, change in term_slips(self.analysis.layers, self.count):
                steps = [(record, step) for step in record.result.param_steps][:2]
                add(self.expected + change, f"A sum off by one term: the answer {how}.", steps)
        return self._new_keys(found)

    def _last_slip(self, slip: Slip) -> str:
        return f"An arithmetic slip in the last step: {readable(self.expected)} written with {slip.how}."

    def _inner_slip(self, record: LayerRecord, step: Step, part: sp.Expr, slip: Slip) -> str:
        right = part.xreplace(step.given)
        return (
            f"{self._where(record)}An arithmetic slip: {readable(numbers_in(part, step.given))} = "
            f"{readable(right)}, not "
            f"{readable(slip.value)} ({slip.how}); the rest of the working is right."
        )

    @cached_property
    def carried(self) -> dict[tuple, Candidate]:
        """Answers right for a wrong size carried from an earlier layer (``calc.carried``), by fingerprint."""
        if self.kind != "count" and self.record is None:
            return {}
        target = self.record
        found = []
        for world in worlds(self.analysis, None if target is None else target.index):
            if self.kind == "count":
                records = [target] if target is not None else self.analysis.layers
                value = sp.Add(*(count_in(world, record, self.count) for record in records))
            else:
                shape = output_in(world, target)
                if len(shape) != len(target.output_shape):
                    continue
                value = shape if self.kind == "shape" else self._at_positions(shape)
            found.append(self._carried_candidate(world, value))
        return self._new_keys(found)

    def _at_positions(self, shape: Shape) -> sp.Expr | None:
        sizes = {shape[i] for i in self.positions if i < len(shape)}
        return sizes.pop() if len(sizes) == 1 else None

    def _carried_candidate(self, world: World, value: Value) -> Candidate:
        source = world.source
        if world.mistake is None:
            steps = [(source, step) for step in source.result.shape_steps]
            also: tuple[str, ...] = ()
        else:
            steps = [(source, world.step)]  # type: ignore[list-item]  # a world with a mistake has its step
            also = (world.mistake.id,)
        candidate = Candidate(
            CARRIED, partial(self._carried_sentence, world, value), value, [*steps, *self.default_steps][:5]
        )
        candidate.also = also
        return candidate

    def _carried_sentence(self, world: World, value: Value) -> str:
        source = world.source
        wrong, right = _by(world.wrong), _by(source.output_shape)
        head = f"The answer is right for an output of {wrong} from {source.name}, but {source.name} gives {right}"
        target = self.record
        incoming = world.inputs.get(target.index) if target is not None else None
        if incoming and len(incoming) == 1 and target.type == "Flatten" and not isinstance(value, tuple):
            product = "·".join(readable(size) for size in incoming[0])
            head = f"{readable(value)} = {product} is right for a {_by(incoming[0])} map"
            if incoming[0] == world.wrong:
                head += f", but {source.name} gives {right}"
            else:
                head += f" coming into {target.name}; the size stops matching at {source.name}, which gives {right}"
        if world.mistake is None:
            sentence = f"{head}: the answer leaves out its step (worked below)."
        else:
            sentence = f"{head}. {world.mistake.sentence(step_words(world.step))}"
        if self.record is not None and self.record is not source:
            sentence += f" Every step after {source.name} was worked out right on the wrong size."
        return sentence

    def _new_keys(self, found: list[Candidate]) -> dict[tuple, Candidate]:
        """Candidates by fingerprint, the first for each value, leaving out values a single mistake gives."""
        table: dict[tuple, Candidate] = {}
        for candidate in found:
            if candidate.value is None:
                continue
            candidate.key = fingerprint(candidate.value, self.points)
            if candidate.key == self._expected_print or candidate.key in self._singles or not _known(candidate.key):
                continue
            table.setdefault(candidate.key, candidate)
        return table

    # -- two mistakes made together ---------------------------------------------------------------------

    @cached_property
    def pairs(self) -> dict[tuple, Candidate]:
        """Two mistakes made together, by fingerprint: worked out once, the first time an answer matches no
        single mistake. Both in one step (the union of their replacements), or, in a count, two different
        mistakes in two different steps (of two layers, for a total): each changes the count by its own
        difference. A value that a single mistake gives stays that mistake's; none when there are too
        many single mistakes to pair."""
        singles = [candidate for candidate in self.candidates if candidate.value is not None and candidate.pairs]
        if sum(candidate.place is not None for candidate in singles) > MAX_SINGLES_FOR_PAIRS:
            return {}
        seen = {self._expected_print} | {candidate.key for candidate in singles}
        found: dict[tuple, Candidate] = {}
        for candidate in self._pairs_in_steps():
            candidate.key = fingerprint(candidate.value, self.points)
            if candidate.key not in seen and _known(candidate.key):
                seen.add(candidate.key)
                found[candidate.key] = candidate
        if self.kind == "count":
            for candidate in self._pairs_across_steps(singles):
                if candidate.key not in seen and _known(candidate.key):
                    seen.add(candidate.key)
                    found[candidate.key] = candidate
        return found

    def _mistake_places(self) -> list[tuple[LayerRecord, Step]]:
        """The steps whose mistakes change this quantity (as the single candidates use them)."""
        if self.kind == "count":
            records = [self.record] if self.record is not None else self.analysis.layers
            return [(record, step) for record in records for step in counting_steps(record, self.count)]
        if self.kind == "shape":
            steps = self.record.result.shape_steps
            return [(self.record, step) for step in steps if step.axes and max(step.axes) < len(self.expected)]
        return list(self.default_steps)

    def _placed(self, step: Step, wrong: sp.Expr) -> Value:
        """The answer when this step's value is ``wrong`` and everything else is right."""
        if self.kind == "count":
            return self.expected + _weight(step) * (wrong - step.value)
        if self.kind == "shape":
            shape = list(self.expected)
            for axis in step.axes:
                shape[axis] = wrong
            return tuple(shape)
        return wrong

    def _pairs_in_steps(self) -> Iterator[Candidate]:
        """Two mistakes in one step: two replacements, or a replacement and a wrong value substituted."""
        for record, step in self._mistake_places():
            if step.rule is None:
                continue
            changes = []  # (mistake, its replacements, the words of its feedback)
            for mistake in step.rule.mistakes:
                if not mistake.pairs:
                    continue
                if mistake.replaces:
                    changes.append((mistake, mistake.replaces, step_words(step)))
                elif mistake.substitute is not None and mistake.expr is None and not mistake.catch_all:
                    for wrong, words in self._substitutions(record, step, mistake):
                        changes.append((mistake, {mistake.substitute: wrong}, words))
            for i, (first, first_replaces, first_words) in enumerate(changes):
                for second, second_replaces, second_words in changes[i + 1 :]:
                    replaces = together(first_replaces, second_replaces) if first.id != second.id else None
                    wrong = None if replaces is None else replaced_value(step, replaces)
                    if wrong is None or self._not_whole(wrong):
                        continue
                    where = self._where(record)
                    yield Candidate(
                        first.id,
                        where + first.sentence(first_words),
                        self._placed(step, wrong),
                        [(record, step)],
                        second=(second.id, where + second.sentence(second_words)),
                    )

    def _pairs_across_steps(self, singles: list[Candidate]) -> Iterator[Candidate]:
        """Two different mistakes in two different steps: each adds its own difference to the count."""
        placed = [
            (candidate, candidate.place[1], candidate.value)
            for candidate in singles
            if candidate.place is not None and candidate.value is not None and candidate.pairs
        ]
        expected = self._expected_print
        for i, (first, first_step, first_value) in enumerate(placed):
            for second, second_step, second_value in placed[i + 1 :]:
                if first.mistake == second.mistake or first_step is second_step:
                    continue
                if first_step.counts == 0 or second_step.counts == 0:
                    continue  # a step that adds up others, paired with one of them, counts a change twice
                # fingerprints are values at fixed points, so the pair's is the sum of the differences
                key = _sum_prints(first.key, second.key, expected)
                yield Candidate(
                    first.mistake,
                    first.sentence,
                    first_value + second_value - self.expected,
                    [*first.shown, *second.shown],
                    key=key,
                    second=(second.mistake, second.sentence),
                )

    def _where(self, record: LayerRecord) -> str:
        return f"In layer {record.name}: " if self.record is None else ""


def _weight(step: Step) -> sp.Expr | int:
    """How much a change in the step's value changes its layer's count (see ``Step.counts``)."""
    return step.counts if step.counts != 0 else 1


def step_words(step: Step) -> dict[str, str]:
    """The step's values by symbol name, for the ``{name}`` fields of a mistake's feedback."""
    if step_words not in step.memo:
        given = step.given.items()
        step.memo[step_words] = {symbol.name: readable(value) for symbol, value in given if not value.free_symbols}
    return dict(step.memo[step_words])


def _changes(mistake: Mistake) -> frozenset:
    return frozenset(mistake.replaces) | ({mistake.substitute} if mistake.substitute is not None else set())


def _same_change(first: Candidate, second: Candidate) -> bool:
    """Whether two mistakes with the same value change the same symbols of the same step."""
    same_step = [id(step) for _, step in first.shown] == [id(step) for _, step in second.shown]
    return same_step and bool(first.changed & second.changed)


def _by(shape: Shape) -> str:
    """A shape as a student writes it: 20×20×32."""
    return "×".join(readable(size) for size in shape)


def _sum_prints(first: tuple, second: tuple, expected: tuple) -> tuple:
    """The fingerprint of first + second - expected, from theirs (None where one is unknown)."""
    if not len(first) == len(second) == len(expected):
        return (None,)
    return tuple(
        None if a is None or b is None or e is None else a + b - e
        for a, b, e in zip(first, second, expected, strict=True)
    )


def _known(key: tuple) -> bool:
    """Whether a fingerprint has every value (compared by identity: ``== None`` costs sympy a conversion)."""
    return all(x is not None for x in _flat(key))


def _flat(value: tuple) -> list:
    return [x for item in value for x in (_flat(item) if isinstance(item, tuple) else [item])]
