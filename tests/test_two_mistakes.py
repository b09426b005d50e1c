"""Two mistakes made together: in one step (the union of two mistakes' replacements, or a replacement and a
wrong value substituted) or, in a count, in two different layers; a single mistake always wins.

LeNet-5 (input 32×32×3): conv2d (5·5·3 + 1)·8 = 608, conv2d_1 (5·5·8 + 1)·16 = 3,216, dense 400·120 + 120
= 48,120, dense_1 10,164, dense_2 850; total 62,958.
"""

from __future__ import annotations

import csv
import io

import pytest
import sympy as sp

import calc.check_search
from calc.checker import check
from calc.layers import conv
from calc.rules import Mistake, together
from calc.spec import from_text, load
from tests.test_lenet5 import SYMBOLIC

LENET = load("lenet5").analyze()
SYMBOLIC_MODEL = from_text(SYMBOLIC, suffix=".yaml")
MLP = from_text("input: [784]\nlayers:\n  - Dense: {units: 256}\n  - Dense: {units: 10}\n", suffix=".yaml")
PADDED_STRIDED = from_text(
    "input: [10, 10, 3]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 5, padding: 2, strides: 2}\n", suffix=".yaml"
)
NO_BIAS = from_text(
    "input: [32, 32, 3]\nlayers:\n  - Conv2D: {filters: 8, kernel_size: 5, use_bias: false}\n", suffix=".yaml"
)


def verdict(model, layer, quantity, answer):
    result = check(model, layer=layer, quantity=quantity, answer=answer)
    assert result.problem is None, result.problem
    assert not result.correct
    return result


@pytest.mark.parametrize(
    ("model", "layer", "quantity", "answer", "mistakes"),
    [
        # 5·5·1·8: no bias, and one input channel instead of 3
        (LENET, "conv2d", "params", "200", ("forgot_bias", "forgot_input_channels")),
        # (5·5 + 5·5)·8: one input channel, and a bias for each of the 25 weights of a filter
        (LENET, "conv2d", "params", "400", ("forgot_input_channels", "bias_per_weight")),
        # with k and f free, conv2d has (3k² + 1)f parameters: k²f has no bias and one input channel
        (SYMBOLIC_MODEL, "conv2d", "params", "k^2 f", ("forgot_bias", "forgot_input_channels")),
        # 5·5·3·16: no bias, and the image's 3 channels instead of conv2d's 8
        (LENET, "conv2d_1", "params", "1200", ("forgot_bias", "wrong_input_channels")),
        # 16·120: no bias, and conv2d_1's 16 channels (before flattening) instead of 400 inputs
        (LENET, "dense", "params", "16·120", ("forgot_bias", "wrong_input_channels")),
        # 784·10: no bias, and the model's 784 inputs instead of dense's 256 outputs
        (MLP, "dense_1", "params", "7840", ("forgot_bias", "wrong_input_channels")),
        # 10 + 2 - 5 + 1 = 8 per axis: padding counted once (n + p) and the stride 2 ignored;
        # the right size is ⌊(10 + 4 - 5)/2⌋ + 1 = 5, each mistake alone gives 4 and 10
        (PADDED_STRIDED, "conv2d", "output_shape", "(8, 8, 4)", ("padding_not_doubled", "ignored_stride")),
        # 62,958 - 8 (conv2d's biases) - 2,800 (conv2d_1 with one input channel: 3,216 - (5·5 + 1)·16)
        (LENET, None, "total_params", "60150", ("forgot_bias", "forgot_input_channels")),
        # 62,958 - 2,000 (conv2d_1 with the image's 3 channels: 3,216 - (5·5·3 + 1)·16) - 120 (dense's biases)
        (LENET, None, "total_params", "60838", ("wrong_input_channels", "forgot_bias")),
        # 784·256 + 784·10 + 10: dense's biases left out, and dense_1 reads the model's 784 inputs
        (MLP, None, "total_params", "784·256 + 784·10 + 10", ("forgot_bias", "wrong_input_channels")),
    ],
)
def test_two_mistakes_are_diagnosed(model, layer, quantity, answer, mistakes):
    result = verdict(model, layer, quantity, answer)
    assert result.mistakes == mistakes, result.feedback
    assert result.mistake == mistakes[0]
    assert result.sentences[0] == calc.check_search.TWO_MISTAKES
    assert len(result.sentences) == 3


def test_one_filter_without_its_bias():
    """5·5·3 = 75: the count of one filter (forgot_filters: 5·5·3 + 1 = 76) with its bias left out too."""
    assert verdict(LENET, "conv2d", "params", "76").mistakes == ("forgot_filters",)
    assert set(verdict(LENET, "conv2d", "params", "75").mistakes) == {"forgot_bias", "forgot_filters"}


def test_both_sentences_and_the_correct_step():
    result = verdict(LENET, "conv2d", "params", "200")
    assert result.feedback.splitlines()[1:3] == [
        "You left out the biases: each of the f filters also has one bias, which adds f parameters.",
        "Each filter reaches through every input channel: it holds one weight per kernel position for each of "
        "the c_in channels coming in, so the kernel's size is multiplied by c_in.",
    ]
    assert "one filter: c_in·k_h·k_w + 1 = 3·5·5 + 1 = 76; 8 filters: 8·76 = 608" in result.feedback
    assert result.to_text().splitlines()[:2] == [
        "incorrect: conv2d params is 608, not 200",
        "mistakes: forgot_bias and forgot_input_channels",
    ]
    markdown = result._repr_markdown_()
    assert "Mistakes `forgot_bias` and `forgot_input_channels`, made together." in markdown


def test_a_total_names_both_layers_and_shows_both_steps():
    result = verdict(LENET, None, "total_params", "60150")
    assert result.sentences[1].startswith("In layer conv2d: You left out the biases")
    assert result.sentences[2].startswith("In layer conv2d_1: Each filter reaches through every input channel")
    assert "one filter: c_in·k_h·k_w + 1 = 3·5·5 + 1 = 76; 8 filters: 8·76 = 608" in result.feedback
    assert "one filter: c_in·k_h·k_w + 1 = 8·5·5 + 1 = 201; 16 filters: 16·201 = 3,216" in result.feedback


def test_wrong_input_channels_of_a_dense_layer_names_the_source():
    result = verdict(LENET, "dense", "params", "16·120 + 120")  # 2,040: one mistake
    assert result.mistakes == ("wrong_input_channels",)
    assert "n_in is the size of the last axis coming into this layer (400), not 16 (the last axis of conv2d_1's" in (
        result.feedback
    )


@pytest.mark.parametrize(
    ("model", "layer", "quantity", "answer", "mistake"),
    [
        (LENET, "conv2d", "params", "600", "forgot_bias"),  # 5·5·3·8
        # without biases the count is 5·5·3·8 = 600, and 5·5·8 = 200 is one mistake (one input channel), though
        # 'forgot_bias and forgot_input_channels' gives the same value
        (NO_BIAS, "conv2d", "params", "200", "forgot_input_channels"),
        (LENET, None, "total_params", "62720", "forgot_bias"),  # every bias: 62,958 - (8 + 16 + 120 + 84 + 10)
        (LENET, None, "total_params", "62942", "forgot_bias"),  # conv2d_1's 16 biases only
    ],
)
def test_a_single_mistake_wins(model, layer, quantity, answer, mistake):
    result = verdict(model, layer, quantity, answer)
    assert result.mistakes == (mistake,)
    assert result.sentences[0] != calc.check_search.TWO_MISTAKES


@pytest.mark.parametrize(
    ("layer", "quantity", "answer", "words"),
    [
        # 5·5·3 + 2: nothing in the catalogue gives 77
        ("conv2d", "params", "77", "The answer is 531 less than the expected 608."),
        # the same mistake in two layers but not in all of them (62,958 - 8 - 10) is not two different mistakes
        (None, "total_params", "62940", "The answer is 18 less than the expected 62,958."),
    ],
)
def test_an_answer_explained_by_nothing_is_plain_incorrect(layer, quantity, answer, words):
    result = verdict(LENET, layer, quantity, answer)
    assert result.mistake is None and result.mistakes == ()
    assert result.sentences == [words]


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("62934", "The same mistake in every Conv2D layer (conv2d, conv2d_1)."),  # 62,958 - (8 + 16)
        ("62744", "The same mistake in every Dense layer (dense, dense_1, dense_2)."),  # 62,958 - (120 + 84 + 10)
    ],
)
def test_the_same_mistake_in_every_layer_of_one_type(answer, words):
    result = verdict(LENET, None, "total_params", answer)
    assert result.mistakes == ("forgot_bias",)
    assert result.sentences[0].startswith(words)
    assert "each of the n_out units also has one bias" in result.feedback or "Conv2D" in words  # Dense's own sentence


def test_no_pairs_for_a_question_with_too_many_single_mistakes(monkeypatch):
    monkeypatch.setattr(calc.check_search, "MAX_SINGLES_FOR_PAIRS", 3)  # conv2d params has 5 single mistakes
    assert verdict(LENET, "conv2d", "params", "200").mistakes == ()


def test_cli_json_keeps_mistake_and_adds_the_list(cli):
    run = cli("check", "lenet5", "--layer", "conv2d", "--quantity", "params", "--answer", "200", "--format", "json")
    assert run.status == 1
    data = run.json()
    assert (data["mistake"], data["mistakes"]) == ("forgot_bias", ["forgot_bias", "forgot_input_channels"])
    single = cli("check", "lenet5", "--layer", "conv2d", "--quantity", "params", "--answer", "600", "--format", "json")
    assert (single.json()["mistake"], single.json()["mistakes"]) == ("forgot_bias", ["forgot_bias"])
    right = cli("check", "lenet5", "--layer", "conv2d", "--quantity", "params", "--answer", "608", "--format", "json")
    assert (right.json()["mistake"], right.json()["mistakes"]) == (None, [])


CLASS = """\
student,layer,quantity,answer
ann,conv2d,params,200
ann,,total_params,60150
ben,conv2d,params,600
ben,,total_params,62958
"""


def test_grading_counts_each_mistake_of_a_pair(cli, tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(CLASS, encoding="utf-8")
    data = cli("check", "lenet5", "--answers", str(path), "--format", "json").json()
    conv2d = next(q for q in data["questions"] if q["layer"] == "conv2d")
    assert conv2d["mistakes"] == {"forgot_bias": 2, "forgot_input_channels": 1}  # ann's pair, ben's single
    tally = {m["mistake"]: (m["answers"], m["students"], m["questions"]) for m in data["mistakes"]}
    assert tally == {
        "forgot_bias": (3, 2, ["conv2d params", "total_params"]),
        "forgot_input_channels": (2, 1, ["conv2d params", "total_params"]),
    }
    assert (data["grades"][0]["mistake"], data["grades"][0]["mistakes"]) == (
        "forgot_bias",
        ["forgot_bias", "forgot_input_channels"],
    )
    assert data["grades"][3]["mistakes"] == []

    rows = list(csv.DictReader(io.StringIO(cli("check", "lenet5", "--answers", str(path), "--format", "csv").out)))
    grades = [row["mistake"] for row in rows if row["section"] == "grade"]
    assert grades == ["forgot_bias+forgot_input_channels", "forgot_bias+forgot_input_channels", "forgot_bias", ""]
    counted = {row["mistake"]: row["answers"] for row in rows if row["section"] == "mistake"}
    assert counted == {"forgot_bias": "3", "forgot_input_channels": "2"}

    markdown = cli("check", "lenet5", "--answers", str(path)).out
    assert "| conv2d | params | 608 | 2 | 0 (0%) | forgot\\_bias × 2, forgot\\_input\\_channels × 1 |" in markdown
    assert "| forgot\\_input\\_channels | 2 | 1 | conv2d params; total\\_params |" in markdown


# -- the catalogue: a mistake that is the rule with symbols replaced is built from the rule -----------------


def test_replacement_mistakes_are_built_from_the_rule():
    rule = conv.PARAMS[2]
    by_id = {mistake.id: mistake for mistake in rule.mistakes}
    assert by_id["forgot_bias"].expr is None
    assert by_id["forgot_bias"].formula(rule) == rule.expr.xreplace({conv.b: 0})
    k_h, k_w = conv.KERNEL_SYMBOLS[2]
    # (k_h k_w c_in/g + b) f with c_in = g: (k_h k_w + b) f
    assert by_id["forgot_input_channels"].formula(rule) == (k_h * k_w + conv.b) * conv.f
    # a bias for every weight: (k_h k_w c_in/g)(1 + b) f
    assert (
        sp.expand(by_id["bias_per_weight"].formula(rule) - k_h * k_w * conv.c_in / conv.g * (1 + conv.b) * conv.f) == 0
    )


def test_replacements_made_together():
    b, k, c = sp.symbols("b k c")
    assert together({b: 0}, {b: b * k}) is None  # one symbol replaced two ways
    assert together({b: b * k * c}, {c: 1}) == {b: b * k, c: 1}  # a bias per weight of the smaller kernel
    assert together({c: 1}, {b: b * k * c}) == {c: 1, b: b * k}
    assert together({b: 0}, {b: 0, c: 1}) == {b: 0, c: 1}


def test_a_mistake_is_a_formula_or_a_replacement_not_both():
    b = sp.Symbol("b")
    with pytest.raises(ValueError, match="not both"):
        Mistake("forgot_bias", b, "words", replaces={b: 0})
