"""The documentation site: its generated pages are what the code says now, its copied figures are the
golden ones, the tutorial's commands do what it says, and `mkdocs build --strict` passes."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from calc import reference
from tests.conftest import ROOT, require

DOCS = ROOT / "docs"


def test_layer_reference_is_generated_from_the_rules():
    assert (DOCS / "layers.md").read_text(encoding="utf-8") == reference.page(), (
        "docs/layers.md is stale: python -m calc.reference > docs/layers.md"
    )
    page = reference.page()
    # a rule changed in code changes the page: the sliding-window rule as sympy prints it, with its symbols
    assert r"$$ n_{out} = \left\lfloor{\frac{n + 2 p - d \left(k - 1\right) - 1}{s}}\right\rfloor + 1 $$" in page
    assert "### Parameters of a convolution" in page and "`forgot_bias`" in page


def test_cli_reference_is_generated_from_the_parsers():
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == reference.cli_page(), (
        "docs/cli.md is stale: python -m calc.reference cli > docs/cli.md"
    )
    assert "## calc derive" in reference.cli_page() and "--closed-form" in reference.cli_page()


@pytest.mark.parametrize("name", ["lenet5_architecture.svg", "lenet5_layer_conv2d.svg", "lenet5_field.svg"])
def test_figures_shown_in_the_docs_are_the_golden_ones(name):
    assert (DOCS / "assets" / name).read_bytes() == (ROOT / "tests" / "golden" / name).read_bytes()


@pytest.mark.parametrize(
    ("args", "status", "shown"),
    [
        (["summary", "lenet5"], 0, "Total params: 62,958"),
        (["derive", "lenet5"], 0, "One filter holds"),
        (["check", "lenet5", "--layer", "conv2d", "--quantity", "params", "--answer", "600"], 1, "forgot_bias"),
    ],
)
def test_tutorial_commands_do_what_it_says(cli, args, status, shown):
    tutorial = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    assert "calc " + " ".join(args) in tutorial
    run = cli(*args)
    assert run.status == status and shown in run.out


def test_site_builds_strictly(tmp_path):
    mkdocs = shutil.which("mkdocs")
    require(mkdocs is not None, "mkdocs (pip install '.[test]')")
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert (tmp_path / "site" / "layers" / "index.html").is_file()
    # The formulas are typeset: arithmatex leaves them in spans of its class, which docs/javascripts/mathjax.js
    # hands to MathJax, and every page loads both scripts (MathJax itself from its CDN at reading time).
    page = (tmp_path / "site" / "layers" / "index.html").read_text(encoding="utf-8")
    assert page.count('class="arithmatex"') > 100
    assert "javascripts/mathjax.js" in page and "mathjax@3/es5/tex-mml-chtml.js" in page
    assert "processHtmlClass" in (tmp_path / "site" / "javascripts" / "mathjax.js").read_text(encoding="utf-8")
    # Names in tables (torchvision_shufflenet_v2_x1_5) are not broken mid-word.
    zoo = (tmp_path / "site" / "zoo" / "index.html").read_text(encoding="utf-8")
    assert "stylesheets/tables.css" in zoo
    assert "white-space: nowrap" in (tmp_path / "site" / "stylesheets" / "tables.css").read_text(encoding="utf-8")
