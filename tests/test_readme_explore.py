"""The README's examples of formula, sweep, scaling and solve show what the tool prints now."""

from __future__ import annotations

import re
import shlex

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## Exploring how parameters scale") : README.index("## Errors")]


def _examples() -> list[tuple[list[str], list[str]]]:
    """Each ``$ calc ...`` line of the section's text blocks, with the lines shown after it."""
    found = []
    for block in re.findall(r"```text\n(.*?)```", SECTION, re.DOTALL):
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, *shown = chunk.rstrip("\n").split("\n")
            found.append((shlex.split(command.split("  #")[0])[1:], shown))
    return found


def test_readme_examples_are_real(cli, tmp_path, monkeypatch):
    spec = re.search(r"```yaml\n(name: padded.*?)```", SECTION, re.DOTALL)[1]
    (tmp_path / "padded.yaml").write_text(spec)
    monkeypatch.chdir(tmp_path)
    examples = _examples()
    assert len(examples) == 6
    for args, shown in examples:
        run = cli(*args)
        assert run.status == 0, (args, run.err)
        lines = run.out.splitlines()
        for line in shown:
            if line != "...":
                assert line in lines, (args, line)


def test_readme_scaling_sentence(cli):
    sentence = re.search(r'"(doubling k \(5 → 10\).*?)"', SECTION.replace("\n", " "))[1]
    assert sentence in cli("scaling", "lenet5", "--in", "k", "--format", "json").json()["total"]["sentence"]
