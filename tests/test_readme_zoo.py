"""The README's zoo section shows what the tool prints now, and its table the recorded exact counts."""

from __future__ import annotations

import json
import re
import shlex

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## The zoo: published models") : README.index("## Checking answers")]
MODELS = json.loads((ROOT / "tests" / "fixtures" / "zoo_counts.json").read_text())["models"]


def test_zoo_listing_and_formulas_are_real(cli):
    blocks = re.findall(r"```text\n(.*?)```", SECTION, re.DOTALL)
    examples = [chunk for block in blocks for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]]
    assert len(examples) == 4
    for chunk in examples:
        command, shown = chunk.split("\n", 1)
        run = cli(*shlex.split(command)[1:])
        assert run.status == 0, run.err
        assert run.out == shown, command


def test_seed_table_shows_the_recorded_counts():
    rows = re.findall(r"^\| ([\w-]+) \| (\d+)M \| ([\d,]+) \|", SECTION, re.MULTILINE)
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
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \| ([\w-]+): .*? \| ([\d,]+) \|$", SECTION, re.MULTILINE)
    assert [zoo for zoo, *_ in rows] == ["gpt2", "gpt2_medium", "distilbert_base"]
    for zoo, cls, checkpoint, exact in rows:
        assert (
            MODELS[zoo]["built_with"]
            == f"transformers.{cls}({cls.removesuffix('Model')}Config(**config)), as {checkpoint}"
        )
        assert int(exact.replace(",", "")) == MODELS[zoo]["total_params"], zoo


def test_vgg16_input_size_formula(cli):
    line = re.search(r"`calc formula vgg16 --keep n` gives `(.*?)`", SECTION.replace("\n  ", " "))[1]
    assert cli("formula", "vgg16", "--keep", "n").out == f"total_params = {line}\n"


def test_torchvision_sum_shown_is_in_the_spec():
    from calc.zoo import zoo_text

    zoo, line = re.search(r"\(`(torchvision_\w+)`: `(- add: \{.*?\})`\)", SECTION.replace("\n  ", " ")).groups()
    assert f"  {line}\n" in zoo_text(zoo)
