"""Checking answers: the forms students write for LeNet-5 and a symbolic spec, each catalogued mistake,
and what the feedback says when no mistake matches."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import calc
import calc.layers
from calc.checker import Question, check
from calc.counts import TRAINABLE
from calc.rules import Mistake, Rule
from calc.spec import from_text, load
from tests.test_lenet5 import SYMBOLIC

LENET = load("lenet5").analyze()
SYMBOLIC_MODEL = from_text(SYMBOLIC, suffix=".yaml")


def verdict(model, layer, quantity, answer):
    result = check(model, layer=layer, quantity=quantity, answer=answer)
    assert result.problem is None, result.problem
    return result


@pytest.mark.parametrize(
    ("layer", "quantity", "answer"),
    [
        # conv2d: (5·5·3 + 1)·8 = 608, with k = 5 and f = 8 in the zoo spec
        ("conv2d", "params", "608"),
        ("conv2d", "params", "(5*5*3+1)*8"),
        ("conv2d", "params", "8 × 76"),
        ("conv2d", "params", "f(3k²+1)"),
        ("conv2d", "params", "3k^2 f + f"),
        ("conv2d", "params", r"\left(5 \times 5 \times 3 + 1\right) \times 8"),
        ("conv2d", "params", r"8 \cdot 76"),
        ("conv2d", "params", r"\frac{1216}{2}"),
        ("conv2d", "params", "(k·k·3 + 1)·f"),
        # conv2d_1: 16·(5·5·8 + 1) = 3216, filters 2f
        ("conv2d_1", "params", "16 (5·5·8 + 1)"),
        ("conv2d_1", "params", "2f(f k^2 + 1)"),
        ("conv2d_1", "params", "3,216"),
        ("conv2d", "output_shape", "(28, 28, 8)"),
        ("conv2d", "output_shape", "(None, 28, 28, 8)"),
        ("conv2d", "output_shape", "28x28x8"),
        ("conv2d", "output_shape", "28 × 28 × 8"),
        ("conv2d", "output_shape", "[28,28,8]"),
        ("conv2d", "output_shape", "(32-k+1, 32-k+1, f)"),
        ("max_pooling2d", "output_shape", r"(\lfloor \frac{28-2}{2} \rfloor + 1, 14, 8)"),
        ("flatten", "output_shape", "400"),
        ("flatten", "output_shape", "(400,)"),
        ("flatten", "output_shape", "(None, 5 × 5 × 16)"),
        ("dense", "params", "400·120 + 120"),
        ("max_pooling2d", "params", "0"),
        ("dense_2", "trainable_params", "850"),
        ("dense_2", "non_trainable_params", "0"),
        (None, "total_params", "62,958"),
        (None, "total_params", "62 958"),
        (None, "total_params", "62958"),
        (None, "total_params", "62{,}958"),
        (None, "trainable_params", "62958"),
        (None, "non_trainable_params", "0"),
    ],
)
def test_lenet5_forms_judged_right(layer, quantity, answer):
    result = verdict(LENET, layer, quantity, answer)
    assert result.correct, result.feedback
    assert result.mistake is None


@pytest.mark.parametrize(
    ("layer", "quantity", "answer"),
    [
        ("conv2d", "params", "600"),  # no bias
        ("conv2d", "params", "609"),
        ("conv2d", "output_shape", "(27, 27, 8)"),
        ("conv2d", "output_shape", "(28, 28)"),
        ("flatten", "output_shape", "(5, 5, 16)"),
        (None, "total_params", "62,959"),
    ],
)
def test_lenet5_wrong_answers(layer, quantity, answer):
    assert not verdict(LENET, layer, quantity, answer).correct


@pytest.mark.parametrize(
    ("layer", "quantity", "answer", "correct"),
    [
        # with k and f free: conv2d has (3k² + 1)f parameters and output 33 - k
        ("conv2d", "params", "f(3k²+1)", True),
        ("conv2d", "params", "3k^2 f + f", True),
        ("conv2d", "params", r"(k \cdot k \cdot 3 + 1) \cdot f", True),
        ("conv2d", "params", "608", False),  # right only for k = 5, f = 8
        ("conv2d", "params", "3k^2 f", False),
        ("conv2d", "output_shape", "(33-k, 33-k, f)", True),
        ("conv2d", "output_shape", "(32 - k + 1) x (32 - k + 1) x f", True),
        ("conv2d_1", "params", "2f(f k^2 + 1)", True),
        ("conv2d_1", "params", "2kkff + 2f", True),
        # pooling: ⌊(33 - k - 2)/2⌋ + 1 = ⌊(33 - k)/2⌋
        ("max_pooling2d", "output_shape", r"(\lfloor \frac{33-k}{2} \rfloor, ⌊(33-k)/2⌋, f)", True),
        ("max_pooling2d", "output_shape", "((33-k)//2, (33-k)//2, f)", True),
        ("max_pooling2d", "output_shape", "((33-k)/2, (33-k)/2, f)", False),
        # flatten: ⌊(⌊(31 - k)/2⌋ - k)/2⌋ + 1 = ⌊(35 - 3k)/4⌋ per axis, times 2f channels
        ("flatten", "output_shape", "(None, 2f ⌊(35-3k)/4⌋^2)", True),
        ("dense_1", "params", "120·84 + 84", True),
    ],
)
def test_symbolic_spec(layer, quantity, answer, correct):
    result = verdict(SYMBOLIC_MODEL, layer, quantity, answer)
    assert result.correct is correct, result.feedback


def test_symbolic_spec_with_values_given():
    result = check(SYMBOLIC_MODEL, layer="conv2d", quantity="params", answer="608", values={"k": 5, "f": 8})
    assert result.correct


PADDED = "input: [10, 10, 3]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 5, padding: 2}\n"
STRIDED = "input: [7, 7, 3]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 3, strides: 2}\n"
SAME = "input: [32, 32, 3]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 5, padding: same}\n"
ODD_POOL = "input: [7, 7, 1]\nlayers:\n  - MaxPooling2D: {pool_size: 2}\n"
FROZEN = "input: [400]\nlayers:\n  - Dense: {units: 120, trainable: false}\n  - Dense: {units: 10}\n"
BATCH_NORM = "input: [28, 28, 8]\nlayers:\n  - BatchNormalization: {}\n  - Flatten: {}\n  - Dense: {units: 10}\n"
TRANSPOSED = "input: [7, 7, 3]\nlayers:\n  - Conv2DTranspose: {filters: 4, kernel_size: 3, strides: 2}\n"
TORCH = "dialect: pytorch\ninput: [3, 32, 32]\nlayers:\n  - Conv2d: {in_channels: 3, out_channels: 8, kernel_size: 5}\n"

MISTAKES = [
    # (mistake id, model, layer, quantity, answer) with the wrong arithmetic in the comment
    ("forgot_bias", LENET, "conv2d", "params", "600"),  # 5·5·3·8
    ("forgot_bias", LENET, "dense", "params", "48000"),  # 400·120
    ("forgot_bias", LENET, None, "total_params", "62,720"),  # 62,958 - (8 + 16 + 120 + 84 + 10): every layer
    ("forgot_bias", LENET, None, "total_params", "62,942"),  # 62,958 - 16: conv2d_1 only
    ("forgot_bias", SYMBOLIC_MODEL, "conv2d", "params", "3k^2 f"),
    ("forgot_input_channels", LENET, "conv2d_1", "params", "(5*5 + 1)*16"),  # 416
    ("wrong_input_channels", LENET, "conv2d_1", "params", "(5*5*3 + 1)*16"),  # the image's 3 channels: 1216
    ("wrong_input_channels", LENET, "conv2d_1", "params", "(5*5*16 + 1)*16"),  # its own 16 filters: 6416
    ("wrong_input_channels", SYMBOLIC_MODEL, "conv2d_1", "params", "2f(3k^2 + 1)"),
    ("bias_per_weight", LENET, "conv2d", "params", "1200"),  # 2·5·5·3·8
    ("bias_per_weight", LENET, "dense", "params", "96000"),  # 2·400·120
    ("forgot_plus_one", LENET, "conv2d", "output_shape", "(27, 27, 8)"),  # 32 - 5
    ("forgot_plus_one", SYMBOLIC_MODEL, "conv2d", "output_shape", "(32-k, 32-k, f)"),
    ("padding_not_doubled", PADDED, "conv2d", "output_shape", "(8, 8, 4)"),  # 10 + 2 - 5 + 1
    ("ignored_stride", STRIDED, "conv2d", "output_shape", "(5, 5, 4)"),  # 7 - 3 + 1
    ("wrong_padding_mode", LENET, "conv2d", "output_shape", "(32, 32, 8)"),  # 'same' instead of 'valid'
    ("wrong_padding_mode", SAME, "conv2d", "output_shape", "(28, 28, 4)"),  # 'valid' instead of 'same'
    ("forgot_floor", ODD_POOL, "max_pooling2d", "output_shape", "(3.5, 3.5, 1)"),  # (7 - 2)/2 + 1
    ("forgot_floor", SYMBOLIC_MODEL, "max_pooling2d", "output_shape", "((33-k)/2, (33-k)/2, f)"),
    ("pooling_has_no_params", LENET, "max_pooling2d", "params", "(2*2*8 + 1)*8"),
    ("pooling_has_no_params", LENET, "max_pooling2d_1", "params", "4"),
    ("flatten_product_wrong", LENET, "flatten", "output_shape", "(None, 25)"),  # 5·5, channels left out
    ("flatten_product_wrong", LENET, "flatten", "output_shape", "(None, 26)"),  # 5 + 5 + 16
    ("counted_non_trainable", FROZEN, "dense", "trainable_params", "48120"),  # 400·120 + 120, all frozen
    ("counted_non_trainable", FROZEN, None, "trainable_params", "48120 + 1210"),
    # BatchNormalization on 8 channels: γ, β trainable (2·8), moving mean and variance not (2·8)
    ("counted_non_trainable", BATCH_NORM, "batch_normalization", "trainable_params", "4·8"),
    ("counted_non_trainable", BATCH_NORM, None, "trainable_params", "32 + 62730"),  # 62,730 = 6272·10 + 10
    # the ordinary convolution's ⌊(7 - 3)/2⌋ + 1 = 3 instead of the transposed (7 - 1)·2 + 3 = 15
    ("transposed_formula_swapped", TRANSPOSED, "conv2d_transpose", "output_shape", "(3, 3, 4)"),
    ("forgot_plus_one", TORCH, "conv2d", "output_shape", "(8, 27, 27)"),  # channels first: 32 - 5
    ("wrong_input_channels", TORCH, "conv2d", "params", "(5*5*8 + 1)*8"),  # its own 8 output channels
]


@pytest.mark.parametrize(("mistake", "model", "layer", "quantity", "answer"), MISTAKES)
def test_each_mistake_is_diagnosed(mistake, model, layer, quantity, answer):
    if isinstance(model, str):
        model = from_text(model, suffix=".yaml")
    result = verdict(model, layer, quantity, answer)
    assert not result.correct
    assert result.mistake == mistake, result.feedback


def test_every_issue_mistake_id_is_declared_next_to_a_formula():
    """The catalogue lives with the rules in calc/layers (and the trainable split in quantities)."""
    declared = {m.id for m in TRAINABLE.mistakes}
    for info in pkgutil.iter_modules(calc.layers.__path__):
        module = importlib.import_module(f"calc.layers.{info.name}")
        for value in vars(module).values():
            found = value.values() if isinstance(value, dict) else value if isinstance(value, tuple) else [value]
            for item in found:
                declared |= {m.id for m in item.mistakes} if isinstance(item, Rule) else set()
                declared |= {item.id} if isinstance(item, Mistake) else set()
    declared |= {m.id for m in calc.layers.reshape.flatten_rule(3).mistakes}
    required = {mistake for mistake, *_ in MISTAKES}
    assert required <= declared
    assert len(required) == 13
    assert declared >= {"forgot_bias", "wrong_padding_mode", "transposed_formula_swapped", "counted_non_trainable"}


def test_feedback_shows_the_correct_step():
    result = verdict(LENET, "conv2d", "params", "600")
    assert result.feedback.startswith("You left out the biases")
    assert "P = f·(c_in·k_h·k_w + 1)\n" in result.feedback
    assert "one filter: c_in·k_h·k_w + 1 = 3·5·5 + 1 = 76; 8 filters: 8·76 = 608" in result.feedback
    shape = verdict(LENET, "max_pooling2d", "output_shape", "(13, 13, 8)")
    assert "n_out = ⌊(n + 2·p - k)/s⌋ + 1 = ⌊(28 + 2·0 - 2)/2⌋ + 1 = 14" in shape.feedback
    assert "Output shape: (None, 14, 14, 8)." in shape.feedback


def test_wrong_input_channels_names_the_source():
    result = verdict(LENET, "conv2d_1", "params", "1216")
    assert "c_in is the number of channels coming into this layer (8), not 3 (the channels of the model's input)" in (
        result.feedback
    )


@pytest.mark.parametrize(
    ("layer", "quantity", "answer", "mistake", "words"),
    [
        # 62,958 - 48,120: the dense layer left out of the total, a sum off by one term
        (None, "total_params", "14838", "arithmetic_slip", "leaves out layer dense's 48,120"),
        (None, "total_params", "62958 + 850", "arithmetic_slip", "adds layer dense_2's 850 twice"),
        # 62,958 + 16: conv2d_1's biases counted twice
        (None, "total_params", "62974", "bias_counted_twice", "the biases add f = 16 once, not twice"),
    ],
)
def test_feedback_says_which_part_was_counted_wrong(layer, quantity, answer, mistake, words):
    result = verdict(LENET, layer, quantity, answer)
    assert result.mistake == mistake and not result.correct
    assert words in result.feedback


@pytest.mark.parametrize(
    ("layer", "quantity", "answer", "words"),
    [
        ("conv2d", "params", "609", "1 more than the expected 608"),
        ("conv2d", "params", "1216", "twice the expected value"),
        ("conv2d", "output_shape", "(28, 28, 3)", "the channel count should be 8, not 3"),
        ("conv2d", "output_shape", "(28, 8)", "3 axes besides the batch axis; the answer has 2"),
    ],
)
def test_feedback_says_which_part_differs(layer, quantity, answer, words):
    result = verdict(LENET, layer, quantity, answer)
    assert result.mistake is None and not result.correct
    assert words in result.feedback


def test_feedback_names_a_factor_left_out(spec_file):
    model = calc.load(spec_file("input: [10]\nlayers:\n  - Embedding: {input_dim: 1000, output_dim: 64}\n"))
    result = check(model, "embedding", "params", "1000")  # 1000·64 = 64,000 without its 64
    assert result.mistake is None and "leaves out the factor D = 64 of P = D·V" in result.feedback


def test_json_contract():
    result = verdict(LENET, "conv2d", "params", "f(3k²+1)")
    assert list(result.to_dict()) == [
        "correct",
        "quantity",
        "layer",
        "expected",
        "answer",
        "mistake",
        "mistakes",
        "feedback",
        "alternatives",
    ]
    assert result.to_dict()["answer"] == "f*(3*k**2 + 1)"  # as understood, before the values go in
    assert result.to_dict()["expected"] == "608"
    total = verdict(LENET, None, "total_params", "62,958").to_dict()
    assert (total["layer"], total["answer"], total["expected"]) == (None, "62958", "62958")
    shape = verdict(LENET, "flatten", "output_shape", "400").to_dict()
    assert (shape["expected"], shape["answer"]) == ("(None, 400)", "(None, 400)")


def test_unreadable_answer_is_a_result_with_a_problem():
    result = check(LENET, layer="conv2d", quantity="params", answer="8 76")
    assert not result.correct and result.mistake is None
    assert "two numbers in a row" in result.problem


@pytest.mark.parametrize(
    "answer",
    [
        "9**9**9**9",
        "2^2^2^2^2^2^2^2",
        "(" * 100_000,
        "9" * 100_000,
        "__import__('os').system('touch /tmp/calc-pwned-check')",
        "().__class__",
        "lambda: 0",
        "open('/etc/passwd')",
    ],
)
def test_hostile_answers_are_problems(answer):
    result = check(SYMBOLIC_MODEL, layer="conv2d", quantity="params", answer=answer)
    assert not result.correct and result.problem


def test_an_answer_too_large_to_expand_is_still_judged():
    """Equal to the right answer, though its expansion would have C(67, 64) = 47,905 terms: judged by its
    exact values at many points instead of by algebra."""
    answer = "(1 + k + f + kf)^64 - ((1 + k)(1 + f))^64 + f(3k²+1)"
    assert check(SYMBOLIC_MODEL, layer="conv2d", quantity="params", answer=answer).correct
    wrong = check(SYMBOLIC_MODEL, layer="conv2d", quantity="params", answer=answer + " + 1")
    assert not wrong.correct and not wrong.problem


@pytest.mark.parametrize(
    ("layer", "quantity", "message"),
    [
        ("conv9", "params", "no layer named 'conv9'"),
        ("conv2d", "total_params", "leave out the layer"),
        ("conv2d", "weights", "unknown quantity 'weights'"),
        ("conv2d", "outptu_shape", "did you mean 'output_shape'"),
        ("flatten", "output_height", "flatten has no height axis"),
    ],
)
def test_unusable_questions(layer, quantity, message):
    with pytest.raises(calc.CalcError, match=message):
        Question(LENET, quantity, layer)


@pytest.mark.parametrize(
    ("layer", "quantity", "answer", "mistake"),
    [
        # the quantities of calc formula: one axis, the size of every spatial axis, the channels
        ("conv2d", "output_height", "28", None),
        ("conv2d", "output_size", "32 - 5 + 1", None),
        ("conv2d", "output_channels", "f", None),
        ("conv2d", "output_width", "27", "forgot_plus_one"),
        ("max_pooling2d", "output_size", "27", "ignored_stride"),  # (28 - 2)/1 + 1 instead of (28 - 2)/2 + 1
        ("flatten", "output_size", "25", "flatten_product_wrong"),
        (None, "dense.params", "48000", "forgot_bias"),  # LAYER.Q as calc formula writes it
        (None, "params", "62958", None),  # the model's parameters are its total, as in calc formula
        (None, "output_shape", "(None, 10)", None),  # the model's output: its last layer's
    ],
)
def test_more_quantities(layer, quantity, answer, mistake):
    result = verdict(LENET, layer, quantity, answer)
    assert result.correct is (mistake is None), result.feedback
    assert result.mistake == mistake


def test_markdown_display_typesets_the_step():
    markdown = verdict(LENET, "conv2d", "params", "600")._repr_markdown_()
    assert markdown.startswith(
        "**Incorrect** — parameters of conv2d: the answer is $600$; the expected value is $608$."
    )
    assert "Mistake `forgot_bias`." in markdown
    assert r"$$P = f \left(c_{in} k_{h} k_{w} + 1\right)$$" in markdown
    assert r"One filter holds $c_{in} k_{h} k_{w} + 1 = 3 \cdot 5 \cdot 5 + 1 = 76$ numbers" in markdown


def test_hostile_text_cannot_inject_into_markdown():
    result = check(LENET, layer="conv2d", quantity="params", answer="<script>alert(1)</script>")
    assert "<script>" not in result._repr_markdown_()


def test_pytorch_axes_are_channels_first():
    """output_height of a PyTorch layer is a spatial size, not the channel count (input (3, 32, 30))."""
    from calc.explore.quantities import quantity

    spec = (
        "dialect: pytorch\ninput: [3, 32, 30]\nlayers:\n  - Conv2d: {in_channels: 3, out_channels: 8, kernel_size: 5}\n"
    )
    analysis = from_text(spec, suffix=".yaml").analyze()
    assert quantity(analysis, "output_height", "conv2d").value == 28  # 32 - 5 + 1
    assert quantity(analysis, "output_channels", "conv2d").value == 8
    assert verdict(analysis, "conv2d", "output_width", "25").mistake == "forgot_plus_one"  # 30 - 5


CARRIED = """input: [44, 44, 3]
layers:
  - Conv2D: {filters: 32, kernel_size: 5}
  - MaxPooling2D: {pool_size: 2}
  - MaxPooling2D: {pool_size: 2}
  - Flatten: {}
  - Dense: {units: 10}
"""


@pytest.mark.parametrize(
    ("layer", "quantity", "answer", "mistakes", "words"),
    [
        # 40×40×32 after conv2d, 20×20 after max_pooling2d, 10×10 after max_pooling2d_1: 3,200 flattened
        (
            "flatten",
            "output_size",
            "12800",
            ("carried_error",),
            "12,800 = 20·20·32 is right for a 20×20×32 map, "
            "but max_pooling2d_1 gives 10×10×32: the answer leaves out its step",
        ),
        ("dense", "params", "128010", ("carried_error",), "right for an output of 20×20×32 from max_pooling2d_1"),
        # conv2d counted as 44 - 5 = 39 (no + 1): 19 after one pooling, 9 after the next: 9·9·32 = 2,592
        # (20 - 2)/2 without the + 1 in max_pooling2d_1: 9·9·32 = 2,592
        ("flatten", "output_size", "2592", ("carried_error", "forgot_plus_one"), "max_pooling2d_1 gives 10×10×32"),
        (None, "total_params", "2432 + 128010", ("carried_error",), "20×20×32 from max_pooling2d_1"),
    ],
)
def test_carried_errors_name_the_earliest_wrong_layer(layer, quantity, answer, mistakes, words):
    result = verdict(from_text(CARRIED, suffix=".yaml"), layer, quantity, answer)
    assert result.mistakes == mistakes, result.feedback
    assert words in result.feedback


def test_a_right_product_of_a_wrong_factor_is_not_a_wrong_product():
    # LeNet's flatten reads 5×5×16; 5·5·8 multiplies right, with conv2d's 8 channels, a size no layer carries
    result = verdict(LENET, "flatten", "output_shape", "(None, 200)")
    assert result.mistake is None and not result.correct


@pytest.mark.parametrize(
    ("layer", "quantity", "answer", "words"),
    [
        ("conv2d", "params", "680", "608 written with the digits 08 swapped"),
        ("dense", "params", "4812", "48,120 written with the digit 0 dropped"),
        ("conv2d_1", "params", "16*(25*8 + 1) + 10", None),  # not a slip: no diagnosis
        ("conv2d", "params", "(57 + 1)*8", "3·5·5 = 75, not 57"),
    ],
)
def test_arithmetic_slips_say_where(layer, quantity, answer, words):
    result = verdict(LENET, layer, quantity, answer)
    assert result.mistake == ("arithmetic_slip" if words else None), result.feedback
    if words:
        assert words in result.feedback


POOL_80 = (
    "dialect: pytorch\ninput: [256, 80, 200]\nlayers:\n  - MaxPool2d: {kernel_size: 3, stride: 2, ceil_mode: true}\n"
)


def test_equally_likely_mistakes_are_both_said_and_a_batch_decides():
    """ceil_mode rounds up: ⌈77/2⌉ + 1 = 40; rounding down (39) is also the rounded-up count without its + 1."""
    from calc.grading import grade

    model = from_text(POOL_80, suffix=".yaml")
    result = verdict(model, "max_pool2d", "output_height", "39")
    assert result.mistake is None and result.alternatives == ("rounded_wrong_way", "forgot_plus_one")
    assert "No single diagnosis" in result.feedback
    question = Question(model.analyze(), "output_height", "max_pool2d")
    chosen = question.check("39", prefer={"rounded_wrong_way", "forgot_bias"})  # the student's other mistakes
    assert chosen.mistake == "rounded_wrong_way" and not chosen.alternatives
    report = grade(model, [{"student": "bob", "layer": "max_pool2d", "quantity": "output_height", "answer": "39"}])
    assert report.grades[0].mistake is None and report.grades[0].result.alternatives


def test_a_shape_carried_from_a_skipped_layer():
    # conv2d_1 on max_pooling2d's 14×14×8 gives 10×10×16; on conv2d's 28×28×8 (the pooling left out), 24×24×16
    result = verdict(LENET, "conv2d_1", "output_shape", "(24, 24, 16)")
    assert result.mistakes == ("carried_error",)
    assert "right for an output of 28×28×8 from max_pooling2d, but max_pooling2d gives 14×14×8" in result.feedback


BIDIRECTIONAL = "input: [10, 8]\nlayers:\n  - Bidirectional: {layer: {LSTM: {units: 4}}}\n"


@pytest.mark.parametrize(
    ("answer", "mistake"),
    [
        ("2*4*4*(8 + 4)", "forgot_bias"),  # each direction's 4 gates without their 4 biases: 384
        ("4*(4*(8 + 4) + 4)", "bidirectional_not_doubled"),  # one direction: 208 of 416
    ],
)
def test_a_mistake_in_the_forward_layer_is_made_in_its_backward_copy_too(answer, mistake):
    """The forward layer's step counts twice (Step.counts): its mistake changes both directions."""
    result = verdict(from_text(BIDIRECTIONAL, suffix=".yaml"), "bidirectional", "params", answer)
    assert result.mistakes == (mistake,)
