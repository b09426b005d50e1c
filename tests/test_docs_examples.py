"""The examples of docs/spec-format.md, docs/importers.md, docs/conventions.md and docs/json.md do what they
say, on the files shipped in examples/ (each found by its marker; commands run from the repository's root),
and every file in examples/ is one that a page uses and a test runs."""

from __future__ import annotations

import re

import pytest

import calc
from tests.conftest import ROOT
from tests.docs_examples import block, check_shown, commands, page, region

#: Every file shipped in examples/, with the test that runs the documented command on it.
SHIPPED = {
    "gpt2/config.json": "test_docs_llm.py::test_example_is_real",
    "bloom.json": "test_docs_llm.py::test_example_is_real",
    "gqa.yaml": "test_docs_llm.py::test_example_is_real",
    "augment.py": "test_docs_examples.py::test_command_blocks_are_real[importers-refused-source]",
    "bad.yaml": "test_docs_examples.py::test_command_blocks_are_real[conventions-bad-yaml]",
    "cross.yaml": "test_graphs.py::test_docs_cross_attention_example",
    "fcn.py": "test_keras_graphs.py::test_the_docs_example_prints_what_is_shown",
    "gate.py": "test_torch_source_cli.py::test_the_docs_examples_are_what_calc_prints",
    "grow.py": "test_docs_examples.py::test_command_blocks_are_real[importers-refused-source]",
    "hub.py": "test_torch_source_cli.py::test_the_docs_examples_are_what_calc_prints",
    "lenet.py": "test_keras_source.py::test_docs_show_the_seed_snippet_and_its_real_summary",
    "lenet5.ipynb": "test_notebook.py",
    "lenet5_symbolic.yaml": "test_docs_examples.py::test_command_blocks_are_real[spec-format-lenet5-symbolic-summary]",
    "lenet_lazy.py": "test_torch_source_cli.py::test_the_docs_examples_are_what_calc_prints",
    "net.py": "test_torch_source_cli.py::test_the_docs_examples_are_what_calc_prints",
    "padded.yaml": "test_docs_engineers.py::test_examples_are_real[solve]",
    "resblock.yaml": "test_docs_examples.py::test_command_blocks_are_real[spec-format-resblock-summary]",
    "torch_stem.yaml": "test_torch_dialect_layers.py::test_docs_example_is_real",
    "unet.yaml": "test_figures.py",
}

#: Marked blocks of `$ calc ...` commands: (page, marker, how many commands).
BLOCKS = [
    ("spec-format", "lenet5-symbolic-summary", 1),
    ("spec-format", "resblock-summary", 1),
    ("importers", "refused-source", 2),
    ("conventions", "bad-yaml", 1),
]


def test_every_shipped_example_is_used_and_tested():
    folder = ROOT / "examples"
    shipped = sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())
    assert shipped == sorted(SHIPPED)
    pages = "".join(page(path.relative_to(ROOT)) for path in sorted((ROOT / "docs").glob("*.md")))
    for name, test in SHIPPED.items():
        assert f"examples/{name}" in pages, f"no page uses examples/{name}"
        module, _, function = test.partition("::")
        source = (ROOT / "tests" / module).read_text(encoding="utf-8")
        assert "examples" in source and (not function or f"def {function.split('[')[0]}(" in source), test


@pytest.mark.parametrize(("doc", "name", "count"), BLOCKS, ids=[f"{d}-{n}" for d, n, _ in BLOCKS])
def test_command_blocks_are_real(cli, monkeypatch, doc, name, count):
    monkeypatch.chdir(ROOT)
    examples = commands(block(f"docs/{doc}.md", name))
    assert len(examples) == count
    for args, shown in examples:
        assert args[1].startswith("examples/"), args
        check_shown(cli(*args), args, shown)


@pytest.mark.parametrize("name", ["lenet5_symbolic", "resblock"])
def test_specs_shown_are_the_shipped_files(name):
    marker = name.replace("_", "-") + "-yaml"
    assert block("docs/spec-format.md", marker) == (ROOT / "examples" / f"{name}.yaml").read_text(encoding="utf-8")


def test_the_symbolic_specs_json_is_what_the_page_says(cli, monkeypatch):
    """The page used to promise "f*(3*k**2 + 1)" for a spec that sets f: 8; the JSON has f put in."""
    monkeypatch.chdir(ROOT)
    words = region("docs/spec-format.md", "lenet5-symbolic-json")
    data = cli("summary", "examples/lenet5_symbolic.yaml", "--format", "json").json()
    assert data["layers"][0]["params"] == "24*k**2 + 8" and '`"24*k**2 + 8"`' in words
    total = cli("summary", "examples/lenet5_symbolic.yaml", "--set", "k=5", "--format", "json").json()["total_params"]
    assert total == 62958 and "62,958" in words


def test_the_python_example_says_what_it_returns():
    code = block("docs/spec-format.md", "python-api")
    assert 'calc.load("lenet5").summary({"k": 3}).to_dict()["total_params"]   # 81646' in code
    assert calc.load("lenet5").summary({"k": 3}).to_dict()["total_params"] == 81646


#: Each JSON contract's region on docs/json.md, and a command whose JSON it describes.
CONTRACTS = {
    "json-summary": "summary examples/lenet5_symbolic.yaml",
    "json-check": "check lenet5 --layer conv2d --quantity params --answer 600",
    "json-formula": "formula lenet5",
    "json-scaling": "scaling lenet5 --in k",
    "json-solve": "solve lenet5 --target total_params<=100000 --for f",
}


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_json_contracts_name_every_key(cli, monkeypatch, name):
    """Every key the command writes (at the top, and in its layers or checks) is named on the page."""
    monkeypatch.chdir(ROOT)
    named = set(re.findall(r"`(\w+)`", region("docs/json.md", name)))
    run = cli(*CONTRACTS[name].split(), "--format", "json")
    assert run.status in (0, 1), run.err
    data = run.json()
    keys = set(data)
    for nested in ("layers", "checks"):
        if nested in data:
            keys |= set(data[nested][0])
    if name == "json-solve":  # a check is keyed by the symbol solved for and the quantity: data, not keys
        keys -= {"f", "total_params"}
    assert keys <= named, sorted(keys - named)
