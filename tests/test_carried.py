"""Carried errors' worlds (``calc.carried``): rebuilt once per analysis, whatever questions ask, and the
same whichever question asked first."""

from __future__ import annotations

import pytest

from calc import carried
from calc.carried import worlds
from calc.checker import Question
from calc.spec import from_text, load

#: A residual block after a pooling layer: a mistake in conv2d_1 (its padding left out) carries through
#: conv2d_2 and then cannot be added to the pooling's output, so its world holds up to conv2d_2 only.
RESIDUAL = """
name: residual
inputs: {image: [32, 32, 3]}
layers:
  - Conv2D: {filters: 16, kernel_size: 3, activation: relu}
  - MaxPooling2D: {pool_size: 2}
  - Conv2D: {filters: 16, kernel_size: 3, padding: same, activation: relu}
  - Conv2D: {filters: 16, kernel_size: 3, padding: same}
  - Add: {inputs: [max_pooling2d, conv2d_2]}
  - Flatten: {}
  - Dense: {units: 10}
"""


def analysis(name: str):
    return from_text(RESIDUAL, suffix=".yaml").analyze() if name == "residual" else load(name).analyze()


def seen(analysis, until):
    """What the worlds up to ``until`` hold, in order, as plain values."""
    return [
        (
            world.source.index,
            world.wrong,
            world.mistake and world.mistake.id,
            world.step and world.step.title,
            {i: (r.output_shape, r.params, r.trainable, r.non_trainable) for i, r in world.results.items()},
            world.inputs,
        )
        for world in worlds(analysis, until)
    ]


@pytest.mark.parametrize("name", ["lenet5", "residual"])
def test_worlds_up_to_a_layer_are_the_same_after_a_whole_rebuild(name):
    """Asked after the whole model was rebuilt (or after any other layer), the worlds up to a layer are
    what a rebuild straight to it gives: the same worlds, in the same order, holding the same results."""
    model = analysis(name)
    untils = [None, *(record.index for record in model.records)]
    cold = {}
    for until in untils:
        fresh = analysis(name)
        cold[until] = seen(fresh, until)
    warm = analysis(name)
    assert seen(warm, None) == cold[None]
    for until in reversed(untils):
        assert seen(warm, until) == cold[until], until
    for until in untils[1:]:  # a world holds the layers up to ``until`` only
        assert all(i <= until for world in cold[until] for i in world[4])


def test_a_world_that_fails_later_holds_up_to_the_layer_that_cannot_take_it():
    model = analysis("residual")
    conv2d_2, add = model.layer("conv2d_2").index, model.layer("add").index
    wrong = (13, 13, 16)  # conv2d_1 without its padding
    assert any(world.source.name == "conv2d_1" and world.wrong == wrong for world in worlds(model, conv2d_2))
    assert not any(world.source.name == "conv2d_1" and world.wrong == wrong for world in worlds(model, add))
    assert not any(world.source.name == "conv2d_1" and world.wrong == wrong for world in worlds(model, None))
    # asked again once the whole model was rebuilt
    assert any(world.source.name == "conv2d_1" and world.wrong == wrong for world in worlds(model, conv2d_2))


@pytest.mark.parametrize("name", ["lenet5", "residual"])
def test_worlds_are_built_once_however_many_questions_ask(name, monkeypatch):
    """Every layer's questions, asked twice, then the total: each layer of each world is built once in all,
    and the builds are those of one rebuild of every world to the end."""
    built = []
    build = carried.Rebuild._build

    def counted(self, record):
        built.append((self.world.source.index, self.world.wrong, record.index))
        return build(self, record)

    monkeypatch.setattr(carried.Rebuild, "_build", counted)
    model = analysis(name)
    asked = [(record.name, quantity) for record in model.layers for quantity in ("params", "output_shape")]
    tables = [list(Question(model, q, layer).carried) for layer, q in [*asked, *asked, (None, "total_params")]]
    assert tables[: len(asked)] == tables[len(asked) : -1]  # asked again: the same carried errors
    assert any(tables)
    assert len(built) == len(set(built))
    questions = sorted(built)

    built.clear()
    list(worlds(analysis(name), None))
    assert questions == sorted(built)
    assert any(record_index > source for source, _, record_index in built)


def test_right_answers_and_single_mistakes_rebuild_nothing():
    """Worlds are rebuilt only for an answer that no single mistake explains: right answers build no
    table at all, and an answer a single mistake gives builds no world."""
    model = analysis("lenet5")
    steps = [step for record in model.records for step in [*record.result.shape_steps, *record.result.param_steps]]
    questions = [Question(model, "total_params")]
    questions += [
        Question(model, quantity, record.name) for record in model.layers for quantity in ("params", "output_shape")
    ]
    for question in questions:
        assert question.check(question.show(question.expected)).correct
    assert model.memo == {}
    assert not any(step.memo for step in steps)
    for question in questions:
        single = next((c for c in question.candidates if c.value is not None), None)
        if single is not None:
            result = question.check(question.show(single.value))
            assert single.mistake in (*result.mistakes, *result.alternatives)
    assert model.memo == {}
    assert "carried" not in vars(questions[0])
