"""docs/llm.md shows what calc prints now: every `$ calc ...` example is run and
its output compared (an example whose shown output starts with `...` is compared at its end)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.docs_examples import block as marked

DOC = (ROOT / "docs" / "llm.md").read_text(encoding="utf-8")
GPT2 = ROOT / "tests" / "fixtures" / "hf_configs" / "gpt2.json"


def examples(text: str) -> list[tuple[str, str]]:
    blocks = re.findall(r"```text\n(.*?)```", text, re.DOTALL)
    found = []
    for block in blocks:
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, shown = chunk.split("\n", 1)
            found.append((command, shown))
    return found


@pytest.fixture
def workdir(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The examples run from the repository's root, on the files shipped in examples/: GPT-2's config
    (the fixture's, as the Hub ships it), a config calc does not read, and the spec the page shows."""
    assert (ROOT / "examples" / "gpt2" / "config.json").read_bytes() == GPT2.read_bytes()
    assert json.loads((ROOT / "examples" / "bloom.json").read_text())["model_type"] == "bloom"
    assert marked("docs/llm.md", "gqa-yaml") == (ROOT / "examples" / "gqa.yaml").read_text(encoding="utf-8")
    monkeypatch.chdir(ROOT)
    return ROOT


@pytest.mark.parametrize(("command", "shown"), examples(DOC))
def test_example_is_real(cli, workdir, command, shown):
    run = cli(*shlex.split(command)[1:])
    printed = run.out if run.status == 0 else run.err
    assert run.status in (0, 2), run.err
    if shown.startswith("...\n"):
        assert printed.rstrip("\n").endswith(shown[4:].rstrip("\n")), command
    else:
        assert printed == shown, command


def test_the_docs_have_examples_of_every_part():
    commands = [command for command, _ in examples(DOC)]
    for words in (
        "summary examples/gpt2/config.json",
        "--keep hidden_size",
        "--set num_hidden_layers=48",
        "flops_per_token",
        "--columns params,kv_cache,training,tokens",
        "--include kv_cache",
        "solve",
    ):
        assert any(words in command for command in commands), words


def test_the_model_card_table_shows_the_exact_counts(cli):
    rows = re.findall(r"^\| (\w+) \| [^|]+ \| ([\d,]+) \|$", DOC, re.MULTILINE)
    assert len(rows) >= 12
    for name, exact in rows:
        assert cli("summary", name, "--format", "json").json()["total_params"] == int(exact.replace(",", "")), name
