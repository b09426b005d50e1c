"""The committed reports are what the tool makes now, and the LaTeX compiles with pdflatex."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, require, require_program
from tests.docs_examples import block, check_shown, commands, region

REPORTS = [("lenet5.md", "markdown", ()), ("lenet5.tex", "latex", ()), ("lenet5.html", "html", ("--practice",))]


@pytest.mark.parametrize(("name", "fmt", "extra"), REPORTS)
def test_reports_are_current(cli, name, fmt, extra):
    run = cli("derive", "lenet5", "--format", fmt, *extra)
    committed = (ROOT / "reports" / name).read_text(encoding="utf-8")
    command = " ".join(["calc derive lenet5 --format", fmt, *extra, "-o", f"reports/{name}"])
    assert run.out == committed, f"reports/{name} is stale: run `{command}`"


@pytest.mark.parametrize("model", ["lenet5", "resnet50"])
def test_pdf_reports_are_current(cli, tmp_path, model):
    """The committed PDFs are what `calc derive MODEL -o reports/MODEL.pdf` makes now (pdflatex's output
    repeats byte for byte; test_worked_solution checks their length)."""
    require_program("pdflatex")
    fresh = tmp_path / f"{model}.pdf"
    options = ["--no-figures"] if model == "resnet50" else []  # ResNet-50's is the 15-page text alone
    assert cli("derive", model, *options, "-o", str(fresh)).status == 0
    committed = (ROOT / "reports" / f"{model}.pdf").read_bytes()
    if _producer(fresh.read_bytes()) == _producer(committed):  # the pdflatex that made it: byte for byte
        stale = f"reports/{model}.pdf is stale: calc derive {model} {' '.join(options)} -o reports/{model}.pdf"
        assert fresh.read_bytes() == committed, stale


def test_output_is_deterministic(cli):
    assert cli("derive", "lenet5").out == cli("derive", "lenet5").out


def _compile(tex: Path) -> subprocess.CompletedProcess:
    pdflatex = require_program("pdflatex")
    return subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", tex.name],
        cwd=tex.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["derive", "lenet5", "--format", "latex"],
        ["summary", "lenet5", "--format", "latex"],
        ["derive", "{symbolic}", "--format", "latex"],
        ["derive", "{hostile}", "--format", "latex"],
    ],
    ids=["derive", "summary", "symbolic", "hostile-names"],
)
def test_latex_compiles(cli, spec_file, tmp_path, args):
    files = {
        "{symbolic}": spec_file(
            "input: [n, n, 3]\nlayers:\n  - Conv2D: {filters: f, kernel_size: k, strides: s}\n"
            "  - MaxPooling2D: {pool_size: 2}\n  - Flatten: {}\n  - Dense: {units: 10}\n",
            ".yaml",
        ),
        "{hostile}": spec_file(
            "name: 'evil & <script>alert(1)</script> $\\\\ 100% #1 ~ ^ _ { }'\ninput: [8, 8, 3]\nlayers:\n"
            "  - Conv2D: {filters: 4, kernel_size: 3, name: 'conv_1&\\\\input{/etc/passwd}'}\n"
            "  - Dense: {units: 2, name: 'x\\\\end{document}'}\n",
            ".yml",
        ),
    }
    run = cli(*[files.get(a, a) for a in args])
    assert run.status == 0, run.err
    assert "\\input{/etc/passwd}" not in run.out and run.out[-15:] == "\\end{document}\n"
    tex = tmp_path / "out.tex"
    tex.write_text(run.out, encoding="utf-8")
    result = _compile(tex)
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "out.pdf").stat().st_size > 1000


def test_markdown_escapes_user_text(cli, spec_file):
    path = spec_file("name: '<script>x</script>'\ninput: [4]\nlayers:\n  - Dense: {units: 2, name: '<b>*x*</b>'}\n")
    for command in ("derive", "summary"):
        out = cli(command, path, "--format", "markdown").out
        assert "<script>" not in out and "<b>" not in out
        assert "&lt;script&gt;" in out and r"\*x\*" in out


def test_installed_package_finds_its_templates(tmp_path):
    """Run from another folder, the package (installed non-editable in CI) ships its templates and zoo."""
    result = subprocess.run(
        [sys.executable, "-m", "calc", "derive", "lenet5", "--format", "latex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": ""},
    )
    if "No module named calc" in result.stderr:
        require(False, "an installed calc package")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "reports" / "lenet5.tex").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command():
    command = "python3 -m venv .venv && . .venv/bin/activate && pip install '.[test]' && python -m pytest"
    assert block("README.md", "setup-test") == command + "\n"
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    run = "python3 -m venv .venv && . .venv/bin/activate && pip install . && calc derive lenet5"
    assert block("README.md", "setup-run") == run + "\n"


def test_readme_tour_shows_real_output(cli):
    """The README's `calc summary lenet5` block is what the tool prints."""
    ((args, shown),) = commands(block("README.md", "summary-lenet5"))
    assert args == ["summary", "lenet5"]
    check_shown(cli(*args), args, shown)


def test_readme_derivation_excerpt_is_real(cli):
    """Each line the README quotes from `calc derive lenet5` is a whole line of what it prints."""
    quoted = [line.removeprefix(">").strip() for line in region("README.md", "derive-excerpt").splitlines()]
    quoted = [line for line in quoted if line]
    assert len(quoted) == 3
    printed = cli("derive", "lenet5").out.splitlines()
    for line in quoted:
        assert line in printed, line


ALL_KINDS = "output_shape,params,macs,receptive_field,total_params,formula,solve"
#: reports/handouts/<folder>/: the arguments of calc handout (then --format markdown and --format pdf).
HANDOUTS = {
    "lenet5": ["lenet5", "--variants", "3", "--seed", "7", "--questions", ALL_KINDS],
    "vgg_blocks": ["vgg_blocks"],
}
#: The graded example: a class's answers (tests/fixtures/class_answers.py) and calc grade's report.
GRADED = ("lenet5", "answers.csv", "grades.md", ["--partial", "arithmetic_slip=0.5"])


def _producer(pdf: bytes) -> bytes | None:
    found = re.search(rb"/Producer \(([^)]*)\)", pdf)
    return found.group(1) if found else None


@pytest.mark.parametrize("model", sorted(HANDOUTS))
def test_handout_reports_are_current(cli, tmp_path, monkeypatch, model):
    """reports/handouts/MODEL/ holds what `calc handout` makes now: the Markdown sheets and keys, and the
    PDFs with the class files and the manifest, byte for byte (a PDF where this pdflatex is the version
    that made the committed one; elsewhere it must still compile)."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.chdir(ROOT)
    args = HANDOUTS[model]
    committed = Path("reports") / "handouts" / model
    for fmt in ("markdown", "pdf"):
        if fmt == "pdf":
            require_program("pdflatex")
        out = tmp_path / fmt
        run = cli("handout", *args, "--format", fmt, "-o", str(out))
        assert run.status == 0, run.err
        command = f"calc handout {' '.join(args)} --format {fmt} -o {committed} --force"
        for made in sorted(out.iterdir()):
            if fmt == "markdown" and made.name == "variants.json":
                continue  # the PDF run's manifest is the one kept
            kept = committed / made.name
            assert kept.is_file(), f"{kept} is missing: run `{command}`"
            new, old = made.read_bytes(), kept.read_bytes()
            if fmt == "pdf" and made.suffix == ".pdf" and _producer(new) != _producer(old):
                assert new.startswith(b"%PDF-")  # another pdfTeX: same source, other bytes
                continue
            assert new == old, f"{kept} is stale: run `{command}`"


def test_graded_example_is_current(cli, monkeypatch):
    """reports/handouts/lenet5/grades.md is calc grade's report on the committed answers.csv."""
    monkeypatch.chdir(ROOT)
    model, answers, grades, options = GRADED
    folder = Path("reports") / "handouts" / model
    run = cli("grade", str(folder / "variants.json"), "--answers", str(folder / answers), *options)
    command = f"calc grade {folder}/variants.json --answers {folder}/{answers} {' '.join(options)} -o {folder}/{grades}"
    assert run.status == 0, run.err
    assert run.out == (folder / grades).read_text(encoding="utf-8"), f"{folder}/{grades} is stale: run `{command}`"


def test_no_stale_handout_reports():
    """Every file under reports/handouts/ is made by the commands above (or is the folder's README)."""
    root = ROOT / "reports" / "handouts"
    folders = {p.name for p in root.iterdir() if p.is_dir()}
    assert folders == set(HANDOUTS), folders
    for folder in folders:
        for path in (root / folder).iterdir():
            name = path.name
            made = name.split("-")[0] == folder or name in ("class-sheets.pdf", "class-keys.pdf", "variants.json")
            assert made or (folder, name) in {(GRADED[0], GRADED[1]), (GRADED[0], GRADED[2])}, path
