"""The README's section on MACs, FLOPs and receptive fields shows what the tool prints now."""

from __future__ import annotations

import re
import shlex

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## Compute: MACs") : README.index("## Exploring how parameters scale")]


def test_readme_compute_examples_are_real(cli):
    examples = []
    for block in re.findall(r"```text\n(.*?)```", SECTION, re.DOTALL):
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, *shown = chunk.rstrip("\n").split("\n")
            examples.append((shlex.split(command)[1:], shown))
    assert len(examples) == 4
    for args, shown in examples:
        run = cli(*args)
        assert run.status == 0, (args, run.err)
        lines = run.out.splitlines()
        for line in shown:
            if line != "...":
                assert line in lines, (args, line)


def test_readme_derivation_formula_is_real(cli):
    formula = re.search(r"\(\$(M = 3 .*?)\$\)", SECTION)[1]
    assert formula in cli("derive", "lenet5", "--include", "macs").out
