"""docs/mistakes.md lists the mistake ids per family exactly as the catalogues in the code hold them."""

from __future__ import annotations

from pathlib import Path

from calc.catalogue import families, page

DOCS = Path(__file__).resolve().parent.parent / "docs" / "mistakes.md"


def test_the_page_is_the_catalogue():
    assert DOCS.read_text(encoding="utf-8") == page(), "regenerate: python -m calc.catalogue > docs/mistakes.md"


def test_every_family_has_a_catalogue_in_both_dialects():
    found = families()
    keras = {
        "conv",
        "conv depthwise",
        "conv transpose",
        "dense",
        "embedding",
        "attention",
        "normalization",
        "recurrent",
        "reshape",
        "window",
        "pooling",
    }
    pytorch = {"recurrent", "attention", "normalization", "linear"}
    assert keras <= {name.removeprefix("Keras: ") for name in found if name.startswith("Keras: ")}
    assert pytorch <= {name.removeprefix("PyTorch: ") for name in found if name.startswith("PyTorch: ")}
    ids = {mistake for mistakes in found.values() for mistake in mistakes}
    assert {"arithmetic_slip", "carried_error", "forgot_bias", "flatten_product_wrong", "one_bias_per_gate"} <= ids


def test_the_examples_are_what_calc_says():
    from calc.catalogue import EXAMPLES
    from calc.checker import analyze, check

    lenet = analyze("lenet5")
    for layer, quantity, answer, mistake in EXAMPLES:
        assert check(lenet, layer, quantity, answer).mistake == mistake
    words = (
        "1,600 = 10·10·16 is right for a 10×10×16 map, but max_pooling2d_1 gives 5×5×16: the answer leaves out its step"
    )
    assert words in check(lenet, "flatten", "output_size", "1600").feedback
