"""docs/zoo-sources.md shows what the tool prints now, and its tables the recorded exact counts; each example
found by its marker."""

from __future__ import annotations

import json
import re

from tests.conftest import ROOT
from tests.docs_examples import block, check_shown, commands, region

PAGE = "docs/zoo-sources.md"
MODELS = json.loads((ROOT / "tests" / "fixtures" / "zoo_counts.json").read_text())["models"]


def test_zoo_listing_and_formulas_are_real(cli):
    examples = [
        example for name in ("zoo-listing", "bert-formula", "gpt2-formula") for example in commands(block(PAGE, name))
    ]
    assert len(examples) == 4
    for args, shown in examples:
        check_shown(cli(*args), args, shown)


def test_seed_table_shows_the_recorded_counts():
    rows = re.findall(r"^\| ([\w-]+) \| (\d+)M \| ([\d,]+) \|", region(PAGE, "seed-table"), re.MULTILINE)
    zoo = {"BERT": "bert", "RoBERTa": "roberta", "LayoutLM": "layoutlm"}
    assert [(model, seed) for model, seed, _ in rows] == [
        ("BERT-base", "110"),
        ("RoBERTa-base", "125"),
        ("BERT-large", "340"),
        ("RoBERTa-large", "355"),
        ("LayoutLM-base", "113"),
        ("LayoutLM-large", "343"),
    ]
    for model, _, exact in rows:
        family, size = model.split("-")
        assert int(exact.replace(",", "")) == MODELS[f"{zoo[family]}_{size}"]["total_params"], model


def test_table_of_further_transformers_shows_the_recorded_counts():
    table = region(PAGE, "further-transformers")
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \| ([\w-]+): .*? \| ([\d,]+) \|$", table, re.MULTILINE)
    assert [zoo for zoo, *_ in rows] == ["gpt2", "gpt2_medium", "distilbert_base"]
    for zoo, cls, checkpoint, exact in rows:
        assert (
            MODELS[zoo]["built_with"]
            == f"transformers.{cls}({cls.removesuffix('Model')}Config(**config)), as {checkpoint}"
        )
        assert int(exact.replace(",", "")) == MODELS[zoo]["total_params"], zoo


def test_vgg16_input_size_formula(cli):
    line = re.fullmatch(r"`calc formula vgg16 --keep n` gives\s+`(.*?)`", region(PAGE, "vgg16-n"))[1]
    assert cli("formula", "vgg16", "--keep", "n").out == f"total_params = {line}\n"


def test_torchvision_sum_shown_is_in_the_spec():
    from calc.zoo import zoo_text

    zoo, line = re.fullmatch(r"`(torchvision_\w+)`: `(- add: \{.*?\})`", region(PAGE, "torchvision-add")).groups()
    assert f"  {line}\n" in zoo_text(zoo)
