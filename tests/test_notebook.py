"""Jupyter display: models, summaries and derivations render through the templates, safely, and the
example notebook runs in a real kernel."""

from __future__ import annotations

import json
import subprocess

import calc
from tests.conftest import ROOT, require, require_program

HOSTILE = """\
name: 'evil & <script>alert(1)</script> $x$ \\( 100% #1'
input: [8, 8, 3]
layers:
  - Conv2D: {filters: 4, kernel_size: 3, name: 'conv_1&\\input{/etc/passwd}'}
  - Flatten: {}
  - Dense: {units: 2, name: '<img src=x onerror=alert(1)>'}
"""


def test_model_shows_as_its_summary():
    model = calc.load("lenet5")
    html = model._repr_html_()
    assert '<td style="text-align:right">48,120</td>' in html and "Total params: 62,958" in html
    assert "(None, 5, 5, 16)" in html  # shapes as Keras prints them
    assert "62,958" in model._repr_markdown_() and "62,958" in model._repr_latex_()
    assert "\\documentclass" not in model._repr_latex_()  # the inside of a document, for nbconvert


def test_summary_and_derivation_display():
    summary = calc.load("lenet5").summary({"k": 3})
    assert "Total params: 81,646" in summary._repr_html_()  # k = 3 (docs/spec-format.md's Python example)
    derivation = calc.derivation(calc.load("lenet5"))
    assert derivation._repr_html_() is None  # Markdown math is what every front end typesets
    markdown = derivation._repr_markdown_()
    assert markdown == derivation.to_markdown() == (ROOT / "reports" / "lenet5.md").read_text(encoding="utf-8")
    assert "One filter holds $c_{in} k_{h} k_{w} + 1 = 3 \\cdot 5 \\cdot 5 + 1 = 76$ numbers" in markdown
    latex = derivation._repr_latex_()
    assert latex.startswith("\\section*{Worked solution: lenet5}") and "\\end{document}" not in latex


def test_plain_text_display_is_the_text_view():
    class Printer:
        def __init__(self):
            self.out = ""

        def text(self, value):
            self.out += value

    printer = Printer()
    calc.load("lenet5")._repr_pretty_(printer, False)
    assert printer.out == calc.load("lenet5").summary().to_text()  # never an object address


def test_display_of_an_invalid_model_is_one_line_not_an_exception():
    model = calc.from_text("name: bad\ninput: [3, 3, 1]\nlayers:\n  - Conv2D: {filters: 2, kernel_size: 5}\n")
    for shown in (model._repr_html_(), model._repr_markdown_(), model._repr_latex_()):
        assert shown.startswith("calc: ") and "output height would be -1" in shown and "\n" not in shown


def _markdown_to_html(text: str) -> str:
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        require(False, "markdown-it-py (pip install '.[test]')")
    return MarkdownIt("commonmark").enable("table").render(text)


def test_hostile_names_inject_nothing_in_any_display(spec_file):
    model = calc.load(spec_file(HOSTILE))
    html = model._repr_html_()
    assert "<script" not in html and "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.startswith('<div class="tex2jax_ignore')  # $x$ and \( are never typeset as math
    for shown in (model._repr_markdown_(), calc.derivation(model)._repr_markdown_()):
        rendered = _markdown_to_html(shown)
        assert "<script" not in rendered and "<img" not in rendered and "onerror=alert(1)&gt;" in rendered
    for shown in (model._repr_latex_(), calc.derivation(model)._repr_latex_()):
        assert "\\input{/etc/passwd}" not in shown and "conv\\_1\\&\\textbackslash{}input\\{/etc/passwd\\}" in shown


def test_latex_displays_compile_inside_a_document(tmp_path, spec_file):
    """nbconvert puts text/latex into its own document (amsmath and booktabs loaded): it must compile."""
    pdflatex = require_program("pdflatex")
    parts = [calc.load("lenet5")._repr_latex_(), calc.derivation(calc.load(spec_file(HOSTILE)))._repr_latex_()]
    document = "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{booktabs}\n\\begin{document}\n"
    (tmp_path / "nb.tex").write_text(document + "\n".join(parts) + "\\end{document}\n", encoding="utf-8")
    result = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "nb.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def _outputs(notebook) -> list[dict]:
    """Each code cell's display data by MIME type (execution counts and timing left out)."""
    return [
        {mime: "".join(value) if isinstance(value, list) else value for mime, value in output.get("data", {}).items()}
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        for output in cell["outputs"]
    ]


def test_example_notebook_runs_in_a_real_kernel():
    try:
        import nbclient
        import nbformat
    except ImportError:
        require(False, "nbclient, nbformat and ipykernel (pip install '.[test]')")
    path = ROOT / "examples" / "lenet5.ipynb"
    notebook = nbformat.read(path, as_version=4)
    committed = _outputs(json.loads(path.read_text(encoding="utf-8")))
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    fresh = _outputs(notebook)
    assert not [
        o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"
    ]
    model, smaller, worked, symbolic = fresh
    assert "Total params: 62,958" in model["text/html"] and "62,958" in model["text/markdown"]
    assert "Total params: 81,646" in smaller["text/html"]
    assert set(worked) == {"text/markdown", "text/latex", "text/plain"}  # no HTML: Markdown math is typeset
    assert "the $f = 8$ filters hold $P = 8 \\cdot 76 = 608$" in worked["text/markdown"]
    assert "\\left\\lfloor" in symbolic["text/markdown"] and "\\[" in symbolic["text/latex"]
    assert fresh == committed, "examples/lenet5.ipynb is stale: run `jupyter execute --inplace examples/lenet5.ipynb`"
