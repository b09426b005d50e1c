"""The corpus of real wrong answers (tests/mistake_corpus.py): more than 85% named with the right mistake,
none named wrongly, every layer family covered."""

from __future__ import annotations

import pytest

from tests.mistake_corpus import CASES, SPECS, judge, tally


def test_the_corpus_is_large_and_sourced():
    assert len(CASES) > 100
    assert all(case.source.startswith("http") for case in CASES)
    assert all(case.spec in SPECS for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.spec}-{case.layer}-{case.quantity}-{case.answer}")
def test_no_case_is_named_wrongly(case):
    verdict = judge(case)
    assert verdict.outcome not in ("wrong", "correct"), (verdict.mistakes, case)


def test_more_than_85_percent_are_named_right():
    counts, _ = tally()
    named = counts.get("right", 0)
    wrong_answers = sum(counts.values())
    assert named / wrong_answers > 0.85, counts
    assert counts.get("wrong", 0) == 0


def test_every_family_has_cases_in_both_dialects():
    families = {
        "keras": [
            "Conv2D",
            "Conv1D",
            "Conv3D",
            "Dense",
            "LSTM",
            "GRU",
            "SimpleRNN",
            "Bidirectional",
            "Embedding",
            "MultiHeadAttention",
            "SeparableConv2D",
            "DepthwiseConv2D",
            "BatchNormalization",
            "MaxPooling2D",
            "Flatten",
            "Conv2DTranspose",
        ],
        "pytorch": [
            "Conv2d",
            "Conv3d",
            "Linear",
            "LSTM",
            "GRU",
            "RNN",
            "Embedding",
            "MultiheadAttention",
            "BatchNorm2d",
            "MaxPool2d",
            "Flatten",
        ],
    }
    for dialect, types in families.items():
        texts = [
            SPECS[case.spec] for case in CASES if ("dialect: pytorch" in SPECS[case.spec]) == (dialect == "pytorch")
        ]
        for name in types:
            assert any(f"- {name}:" in text or f"{{{name}:" in text or text == "lenet5" for text in texts), name
