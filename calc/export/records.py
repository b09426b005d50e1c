"""The records every export writes: per variant, its model as the sheet shows it, and per question the
answer, the catalogued mistakes' wrong values with calc's diagnosis, and the worked steps.

The wrong values are the checker's own (``Question.candidates``: one per catalogued mistake, and
``Question.carried``: an earlier layer's mistake carried on), each judged again by ``Question.check`` so
that its diagnosis is exactly what ``calc check`` says for that answer (two mistakes that give one value
are both named). The question wording and the worked steps are the handout's own template macros, so
an exported question reads like the sheet and its solution like the key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from calc.errors import CalcError
from calc.handout import Handout, build
from calc.handout import manifest as manifests
from calc.handout.architecture import Architecture
from calc.handout.questions import questions
from calc.handout.variants import symbol_roles

#: Kinds whose answer is one whole number (a shape is one number per axis; a formula is an expression).
NUMBER_KINDS = ("params", "macs", "receptive_field", "total_params", "solve")


@dataclass
class Wrong:
    """A wrong answer that calc diagnoses: its value (a number, or a shape as [null, 28, 28, 8]), the
    catalogued mistakes that give it (several when equally likely) and calc's diagnosis in plain text.
    The diagnosis never states the correct answer, so a platform may show it on a wrong attempt."""

    value: Any
    mistakes: list[str]
    diagnosis: str
    equally_likely: bool = False

    @property
    def feedback(self) -> str:
        """What a platform shows for this answer: the mistake's id, then the diagnosis."""
        label = " or ".join(self.mistakes) if self.equally_likely else " and ".join(self.mistakes)
        return f"Mistake: {label}.\n{self.diagnosis}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "mistakes": self.mistakes,
            "diagnosis": self.diagnosis,
            "equally_likely": self.equally_likely,
        }


@dataclass
class Item:
    """One question of one variant, with everything a platform needs to grade it without calc."""

    variant: int
    id: str
    number: int
    kind: str
    quantity: str
    layer: str | None
    marks: int
    expected: Any  # as in variants.json: a number, [null, 28, 28, 8], or a formula as sympy text
    expected_text: str
    prompt: str  # the question, Markdown with $-delimited math
    solution: str  # the worked steps, Markdown with $-delimited math
    wrong: list[Wrong] = field(default_factory=list)
    free: list[str] = field(default_factory=list)  # a formula's symbols

    @property
    def title(self) -> str:
        return f"{self.id} {self.quantity}"

    def axis_wrong(self, axis: int) -> list[tuple[int, Wrong]]:
        """For a shape: the wrong sizes of one axis (1 = the first after the batch axis) that a diagnosed
        answer has, each with the first diagnosis that gives it."""
        seen: dict[int, Wrong] = {}
        for wrong in self.wrong:
            size = wrong.value[axis]
            if size != self.expected[axis] and size not in seen:
                seen[size] = wrong
        return list(seen.items())

    def to_dict(self) -> dict[str, Any]:
        data = {
            "variant": self.variant,
            "id": self.id,
            "number": self.number,
            "kind": self.kind,
            "quantity": self.quantity,
            "layer": self.layer,
            "marks": self.marks,
            "expected": self.expected,
            "expected_text": self.expected_text,
            "prompt": self.prompt,
            "solution": self.solution,
            "wrong": [wrong.to_dict() for wrong in self.wrong],
        }
        if self.free:
            data["free"] = self.free
        return data


@dataclass
class VariantRecord:
    number: int
    values: dict[str, int]
    model: str  # the model as the sheet shows it: input, conventions, layer table, code (Markdown)
    items: list[Item]


@dataclass
class Export:
    """A model's variants, ready to be written for any platform."""

    model: str
    dialect: str
    seed: int | None
    kinds: list[str]
    variants: list[VariantRecord]

    def variant_model(self, number: int) -> str:
        """The model a variant's questions are about, as its sheet shows it (Markdown)."""
        return next(variant.model for variant in self.variants if variant.number == number)

    def slots(self) -> list[tuple[str, list[Item]]]:
        """The questions by id (q1, q2, ...), each with its item in every variant: what a platform draws
        one of per student."""
        order: dict[str, list[Item]] = {}
        for variant in self.variants:
            for item in variant.items:
                order.setdefault(item.id, []).append(item)
        return list(order.items())


def from_manifest(path: str) -> Export:
    """The export of a handout's ``variants.json`` (or its folder)."""
    manifest = manifests.load(path)
    return _export(manifest, rebuilt(manifest))


def from_model(
    model: str,
    kinds: Sequence[str],
    variants: int | None,
    seed: int,
    values: Mapping[str, Any] | None = None,
    options: Any = None,
) -> Export:
    """The export of a model's variants drawn as ``calc handout`` draws them (same seed, same numbers)."""
    handouts = build(model, kinds, variants, seed, values, None, options)
    data = manifests.manifest(handouts, str(model), seed, [])
    return _export(manifests.Manifest(data, str(model)), handouts)


def rebuilt(manifest: manifests.Manifest) -> list[Handout]:
    """The handouts a manifest records, built again from its spec and values (their questions must be the
    ones it lists, else the manifest came from another calc or was edited: one line says which)."""
    model = manifest.model
    data = manifest.data
    inputs = sorted(name for name, roles in symbol_roles(model).items() if "input" in roles)
    own = {symbol.name: int(value) for symbol, value in model.values.items()}
    handouts = []
    for variant in manifest.variants.values():
        everything = {**own, **variant.values}
        marks = {entry["kind"]: entry["marks"] for entry in variant.questions.values()}
        analysis = variant.analysis
        asked = questions(analysis, data["kinds"], marks, model, everything, inputs)
        listed = [(entry["id"], entry["expected"]) for entry in variant.questions.values()]
        if [(q.id, manifests.json_value(q.expected)) for q in asked] != listed:
            raise CalcError(
                f"variant {variant.number}: its questions are not the ones calc asks of this spec "
                "(was the manifest written by another version of calc, or edited?)",
                source=manifest.source,
            )
        architecture = Architecture(data["spec"], model, analysis, everything)
        handouts.append(
            Handout(
                number=variant.number,
                count=len(manifest.variants),
                varied=data.get("seed") is not None,
                values=variant.values,
                analysis=analysis,
                rows=architecture.rows(),
                code=architecture.code(),
                questions=asked,
                kinds=tuple(data["kinds"]),
                spec=data["spec"],
                all_values=everything,
            )
        )
    return handouts


def _export(manifest: manifests.Manifest, handouts: Sequence[Handout]) -> Export:
    from calc.render.templating import environment

    parts = environment("markdown").get_template("markdown/handout_parts.j2").module
    records = []
    for handout in handouts:
        variant = manifest.variant(handout.number)
        shown = "\n\n".join(
            [
                _without_images(str(parts.architecture(handout)).strip()),
                str(parts.conventions(handout)).strip(),
            ]
        )
        items = []
        for question in handout.questions:
            entry = variant.questions[question.id]
            items.append(
                Item(
                    variant=handout.number,
                    id=question.id,
                    number=question.number,
                    kind=question.kind,
                    quantity=entry["quantity"],
                    layer=entry["layer"],
                    marks=question.marks,
                    expected=entry["expected"],
                    expected_text=entry["expected_text"],
                    prompt=str(parts.question(question, handout)).strip(),
                    solution=str(parts.answer(question, handout)).strip(),
                    wrong=wrong_answers(manifest.judge(variant, entry)),
                    free=list(entry.get("free", [])),
                )
            )
        records.append(VariantRecord(handout.number, dict(handout.values), shown, items))
    first = handouts[0]
    return Export(manifest.name, first.dialect, manifest.data.get("seed"), list(manifest.data["kinds"]), records)


def _without_images(markdown: str) -> str:
    """The sheet's text without its figure's image link: a platform gets the questions, not the SVG file
    beside a Markdown sheet, and text2qti refuses a link to a file it cannot find."""
    return "\n".join(line for line in markdown.split("\n") if not line.lstrip().startswith("!["))


def wrong_answers(judge: object) -> list[Wrong]:
    """The wrong values the checker's catalogue gives for one question, each with calc's diagnosis of it
    (a solve question has no catalogue: none)."""
    from calc.checker import Question

    if not isinstance(judge, Question) or judge.kind == "size":
        return []
    found: dict[str, Wrong] = {}
    values = [c.value for c in judge.candidates if c.value is not None]
    values += [c.value for c in judge.carried.values()]
    for value in values:
        if isinstance(value, tuple) and not all(v.is_Integer for v in value) or not _whole(value):
            continue  # a formula question's wrong expression: graded symbolically on the platforms that can
        text = judge.show(value)
        if text in found:
            continue
        result = judge.check(text)
        ids = list(result.mistakes or result.alternatives)
        if result.correct or not ids:
            continue
        found[text] = Wrong(
            value=manifests.json_value(value),
            mistakes=ids,
            diagnosis="\n".join(result.sentences),
            equally_likely=bool(result.alternatives),
        )
    return list(found.values())


def _whole(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(getattr(v, "is_Integer", False) for v in value)
    return bool(getattr(value, "is_Integer", False))
