"""docs/engineers.md shows what the tool prints now: MACs, FLOPs and receptive fields, closed forms, sweeps,
scaling and solving, each example found by its marker and run from the repository's root."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.docs_examples import block, check_shown, commands, region

PAGE = "docs/engineers.md"
#: Each marked block of commands, with how many commands it holds.
BLOCKS = {"compute-columns": 1, "compute-formulas": 3, "formula": 3, "sweep": 1, "scaling": 1, "solve": 2}


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_examples_are_real(cli, monkeypatch, name):
    monkeypatch.chdir(ROOT)
    examples = commands(block(PAGE, name))
    assert len(examples) == BLOCKS[name]
    for args, shown in examples:
        check_shown(cli(*args), args, shown)


def test_the_derivation_step_quoted_is_real(cli):
    formula = region(PAGE, "macs-step").strip().strip("$")
    assert formula.startswith("M = 3 ")
    assert formula in cli("derive", "lenet5", "--include", "macs").out


def test_the_scaling_example_shows_the_trend_and_the_sentence(cli):
    shown = block(PAGE, "scaling")
    dense = next(line.split() for line in shown.splitlines() if line.startswith("dense (Dense)"))
    assert dense[2:5] == ["48,120", "falls", "2"]  # degree 2 in k, yet it falls over k = 1-10
    sentence = cli("scaling", "lenet5", "--in", "k", "--format", "json").json()["total"]["sentence"]
    assert sentence[:1].upper() + sentence[1:] in shown


def test_padded_example_is_the_shipped_file():
    assert block(PAGE, "padded-yaml") == (ROOT / "examples" / "padded.yaml").read_text(encoding="utf-8")
