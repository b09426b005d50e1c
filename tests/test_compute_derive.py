"""``calc derive --include``: the compute quantities worked out through the same step macros, with the
numbers of the summary; Markdown escapes user text and the LaTeX compiles."""

from __future__ import annotations

import pytest

import calc
from calc.derive import render_derivation
from calc.render.math import tex
from tests.test_reports import _compile

LENET_CONV_MACS = r"$$M = 3 \cdot 8 \cdot 28 \cdot 5 \cdot 5 \cdot 28 = 470{,}400$$"


def test_lenet5_macs_and_fields_are_derived(cli):
    run = cli("derive", "lenet5", "--include", "macs,rf")
    assert run.status == 0, run.err
    out = run.out
    assert LENET_CONV_MACS in out
    # conv2d_1's field: r_out = r + (k - 1) j = 6 + 4 * 2 = 14
    assert r"$$r_{out} = 2 \cdot \left(5 - 1\right) + 6 = 14$$" in out
    assert r"$$r_{out} = d j_{in} \left(k - 1\right) + r_{in}$$" in out  # stated once, under "Formulas used"
    assert "470{,}400 + 320{,}000 + 48{,}000 + 10{,}080 + 840 = 849{,}320" in out
    assert "The largest receptive field is that of max\\_pooling2d\\_1: 16×16 positions of the input" in out
    assert "**FLOPs.**" not in out and "**Activations.**" not in out  # only what was asked for
    assert "no axis is left to slide a window along" in out  # flatten ends the field, and says so


def test_every_step_value_is_the_summary_value():
    analysis = calc.load("lenet5").analyze()
    out = render_derivation(analysis, include=("macs", "flops", "activations", "memory", "rf"))
    for record in analysis.records:
        c = record.compute
        assert f"= {tex(c.macs)}$$" in out or f"M = {tex(c.macs)}$" in out, record.name
        assert f"= {tex(c.activation_elements)}$$" in out or c.activation_step.is_trivial, record.name
    assert "$$F = 2 \\cdot 849{,}320 = 1{,}698{,}640$$" in out
    assert "$$B = 62{,}958 \\cdot 4 = 251{,}832$$" in out


def test_without_include_the_derivation_is_unchanged(cli):
    assert cli("derive", "lenet5").out == calc.derivation(calc.load("lenet5")).to_markdown()
    assert "MACs" not in cli("derive", "lenet5").out


def test_fvcore_convention_and_dtype(cli):
    out = cli("derive", "lenet5", "--include", "flops,memory", "--flops-per-mac", "1", "--dtype", "bfloat16").out
    assert "$$F = 849{,}320$$" in out and "2 bytes as bfloat16" in out


def test_bad_include_is_refused(cli):
    run = cli("derive", "lenet5", "--include", "macs,receptive")
    assert run.status == 2 and "unknown quantity 'receptive' for --include" in run.err and run.out == ""


def test_markdown_escapes_user_text(cli, spec_file):
    path = spec_file(
        "name: '<script>x</script>'\ninput: [4, 4, 1]\nlayers:\n"
        "  - Conv2D: {filters: 2, kernel_size: 3, name: '<b>*x*</b>'}\n"
    )
    for args in (
        ("derive", path, "--include", "macs,rf"),
        ("summary", path, "--columns", "macs,rf", "--format", "markdown"),
    ):
        out = cli(*args, "--format", "markdown").out if args[0] == "derive" else cli(*args).out
        assert "<script>" not in out and "<b>" not in out and r"\*x\*" in out


@pytest.mark.parametrize(
    "args",
    [
        ["derive", "lenet5", "--format", "latex", "--include", "macs,flops,activations,memory,rf"],
        ["summary", "lenet5", "--format", "latex", "--columns", "params,macs,flops,activations,memory,rf"],
        ["derive", "{graph}", "--format", "latex", "--include", "macs,rf"],
    ],
    ids=["derive", "summary", "graph"],
)
def test_latex_compiles(cli, spec_file, tmp_path, args):
    graph = spec_file(
        "name: 'evil & $ % #'\ninputs: {image: [16, 16, 3]}\nlayers:\n"
        "  - Conv2D: {filters: 4, kernel_size: 3, padding: same, name: 'a_1&b'}\n"
        "  - Conv2D: {filters: 4, kernel_size: 5, padding: same, inputs: [image]}\n"
        "  - Add: {inputs: ['a_1&b', conv2d]}\n  - GlobalAveragePooling2D: {}\n  - Dense: {units: 2}\n"
    )
    run = cli(*[graph if a == "{graph}" else a for a in args])
    assert run.status == 0, run.err
    path = tmp_path / "out.tex"
    path.write_text(run.out, encoding="utf-8")
    result = _compile(path)
    assert result.returncode == 0, result.stdout[-3000:]
