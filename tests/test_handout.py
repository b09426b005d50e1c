"""Handouts: problem sheets and keys, variants drawn from vary: or from defaults, Markdown, LaTeX, PDF."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from calc import handout
from calc.handout.variants import common_neighbours, default_choices, parse_candidates
from calc.spec import load
from tests.conftest import require, require_program

LENET_VARY = """\
name: lenet_vary
input: [n, n, 3]
symbols: {n: 32, k: 5, f: 8}
vary: {k: [3, 5], f: "4:12:4", n: [28, 32]}
layers:
  - Conv2D: {filters: f, kernel_size: k, activation: relu}
  - MaxPooling2D: {pool_size: 2, strides: 2}
  - Conv2D: {filters: 2*f, kernel_size: k, activation: relu}
  - MaxPooling2D: {pool_size: 2, strides: 2}
  - Flatten: {}
  - Dense: {units: 10}
"""

HOSTILE = """\
name: 'evil & <script>alert(1)</script> $x$ \\\\ 100% #1 ~ ^ _ { } ```'
input: [8, 8, 3]
layers:
  - Conv2D: {filters: 4, kernel_size: 3, name: 'conv_1&\\\\input{/etc/passwd}', activation: '<b>`x`</b>\\\\end{alltt}'}
  - Flatten: {name: "```\\n<img src=x onerror=alert(1)>"}
  - Dense: {units: 2, name: 'x\\\\end{document}'}
"""

GRAPH = """\
name: graph
inputs: {image: [16, 16, 3], meta: [10]}
layers:
  - Conv2D: {filters: 8, kernel_size: 3, inputs: [image]}
  - GlobalAveragePooling2D: {}
  - Dense: {units: 8, name: shared}
  - Dense: {units: 8, inputs: [meta]}
  - shared: {inputs: [dense]}
  - Concatenate: {inputs: [shared, "shared[1]"]}
  - Model:
      name: head
      layers:
        - Dense: {units: 4}
        - Dense: {units: 2}
"""


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _answers(key: str) -> list[str]:
    return re.findall(r"\\textbf\{Answer: ([^}]+)\}|\*\*Answer:\*\* (.+)", key)


def _compile(tex: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [require_program("pdflatex"), "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", tex.name],
        cwd=tex.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_done_when_three_latex_variants_compile_differ_and_repeat(cli, tmp_path):
    """The issue's "done when": three sheets and three keys, different numbers, all compile, same bytes again."""
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        run = cli("handout", "lenet5", "--variants", "3", "--seed", "7", "--format", "latex", "-o", str(out))
        assert run.status == 0, run.err
    files = _files(first)
    sheets = [f"lenet5-{n}-{part}.tex" for n in (1, 2, 3) for part in ("key", "sheet")]
    assert sorted(files) == [*sheets, "variants.json"]
    assert files == _files(second)
    keys = [files[f"lenet5-{n}-key.tex"].decode() for n in (1, 2, 3)]
    assert len({tuple(_answers(key)) for key in keys}) == 3  # every variant has its own numbers
    for name in sheets:
        result = _compile(first / name)
        assert result.returncode == 0, f"{name}: {result.stdout[-2000:]}"


def test_same_seed_same_draw_and_another_seed_another(tmp_path):
    draws = [[h.values for h in handout.build("lenet5", variants=4, seed=seed)] for seed in (1, 1, 2)]
    assert draws[0] == draws[1] and draws[0] != draws[2]
    assert len({tuple(sorted(v.items())) for v in draws[0]}) == 4


def test_defaults_for_lenet5(spec_file):
    """lenet5 (k=5, f=8, input 32×32×3) without vary: kernels {3, 5}, filters 8 ± two steps of 4, input
    32 between its common neighbours 28 and 48 (made a symbol n for the purpose)."""
    model = load("lenet5")
    assert default_choices(model) == {"f": [4, 8, 12, 16], "k": [3, 5]}
    assert common_neighbours(32) == [28, 32, 48] and common_neighbours(224) == [192, 224, 256]
    seen = {name: set() for name in ("k", "f", "n", "u1", "u2")}
    for h in handout.build("lenet5", variants=20, seed=3):
        for name, value in h.values.items():
            seen[name].add(value)
        assert f"keras.Input(shape=({h.values['n']}, {h.values['n']}, 3))" in h.code
        assert f'layers.Dense(units={h.values["u1"]}, activation="relu")' in h.code
    # the dense layers' units (120 and 84) are drawn too, 4 apart; the last layer's 10 classes stay
    assert {k: seen[k] for k in ("k", "f", "n")} == {"k": {3, 5}, "f": {4, 8, 12, 16}, "n": {28, 32, 48}}
    assert seen["u1"] <= {112, 116, 120, 124, 128} and seen["u2"] <= {76, 80, 84, 88, 92}
    assert len(seen["u1"]) > 1 and len(seen["u2"]) > 1
    assert all('units=10, activation="softmax"' in h.code for h in handout.build("lenet5", variants=3))


def test_vary_section_lists_and_ranges(spec_file):
    path = spec_file(LENET_VARY)
    assert parse_candidates("4:12:4", "f") == [4, 8, 12] and parse_candidates([5, 3, 3], "k") == [3, 5]
    values = [h.values for h in handout.build(path, variants=12, seed=0)]  # 2 × 3 × 2 = 12: all of them
    assert sorted((v["k"], v["f"], v["n"]) for v in values) == [
        (k, f, n) for k in (3, 5) for f in (4, 8, 12) for n in (28, 32)
    ]


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        ("{q: [1, 2]}", "vary: the model has no symbol 'q' (its symbols: f, k, n)"),
        ('{f: "12:4"}', "must run upwards"),
        ('{f: "a:b"}', 'a range is "start:stop" or "start:stop:step"'),
        ("{f: [0, 4]}", "candidates must be positive whole numbers"),
        ('{f: "1:100000000"}', "more than 10,000 values"),
        ("[k]", "'vary' must map symbol names to candidates"),
        ("{k: [40, 50]}", "could not draw 2 valid variants (k in [40, 50]): only 0 of the 2 combinations"),
        ("{k: [3, 5], f: [8], n: [32]}", "asked for 3 variants, but the candidates allow only 2"),
    ],
)
def test_bad_vary_is_one_line(cli, spec_file, tmp_path, vary, message):
    text = LENET_VARY.replace('vary: {k: [3, 5], f: "4:12:4", n: [28, 32]}', f"vary: {vary}")
    count = "3" if "allow only" in message else "2"
    run = cli("handout", spec_file(text), "--variants", count, "-o", str(tmp_path / "out"))
    assert run.status == 2 and message in run.err and run.err.count("\n") == 1, run.err
    assert not (tmp_path / "out").exists()  # nothing written


def test_impossible_draws_give_up_with_the_reason(cli, spec_file, tmp_path):
    """Kernels larger than the 8×8 input: every draw fails; the message says why, after bounded tries."""
    text = "input: [8, 8, 1]\nsymbols: {k: 9}\nvary: {k: '9:5000'}\nlayers:\n  - Conv2D: {filters: 2, kernel_size: k}\n"
    run = cli("handout", spec_file(text), "--variants", "2", "-o", str(tmp_path))
    assert run.status == 2
    assert "could not draw 2 valid variants (k in [9, 10, 11, " in run.err and "in 200 tries; for example," in run.err
    assert "is larger than the padded input (8)" in run.err and run.err.count("\n") == 1


def test_without_variants_the_model_as_written(cli, tmp_path):
    run = cli("handout", "lenet5", "--set", "k=3", "--set", "f=12", "-o", str(tmp_path))
    assert run.status == 0, run.err
    key = (tmp_path / "lenet5-1-key.md").read_text(encoding="utf-8")
    assert "**Answer:** 336 [2 marks]" in key.replace("\\[", "[").replace("\\]", "]")  # (3·3·3 + 1)·12 = 336
    assert "# Solution key: lenet5\n" in key  # no "(variant 1)" when nothing was drawn
    files = ["lenet5-1-sheet.md", "lenet5-1-key.md", "lenet5-1-sheet-figure.svg", "lenet5-1-key-figure.svg"]
    assert run.out == "".join(f"{tmp_path}/{name}\n" for name in [*files, "variants.json"])


def test_a_symbol_without_value_is_refused(cli, spec_file, tmp_path):
    path = spec_file("input: [32, 32, 3]\nlayers:\n  - Conv2D: {filters: f, kernel_size: 3}\n")
    run = cli("handout", path, "-o", str(tmp_path))
    assert run.status == 2 and "symbol f has no value" in run.err
    run = cli("handout", path, "--variants", "2", "-o", str(tmp_path))  # a filter count needs a value to vary around
    assert run.status == 2 and "symbol f has no value" in run.err


def test_solutions_inline_and_none(cli, tmp_path):
    assert cli("handout", "lenet5", "--solutions", "none", "-o", str(tmp_path / "none")).status == 0
    assert sorted(_files(tmp_path / "none")) == ["lenet5-1-sheet-figure.svg", "lenet5-1-sheet.md", "variants.json"]
    assert "**Answer:**" not in (tmp_path / "none" / "lenet5-1-sheet.md").read_text(encoding="utf-8")
    assert cli("handout", "lenet5", "--solutions", "inline", "-o", str(tmp_path / "inline")).status == 0
    sheet = (tmp_path / "inline" / "lenet5-1-sheet.md").read_text(encoding="utf-8")
    assert sorted(_files(tmp_path / "inline")) == ["lenet5-1-sheet-figure.svg", "lenet5-1-sheet.md", "variants.json"]
    assert sheet.count("*Solution.*") == 11 and "**Answer:** 62,958 \\[2 marks\\]" in sheet


def test_questions_choose_the_kinds(cli, tmp_path):
    run = cli("handout", "lenet5", "--questions", "total_params", "-o", str(tmp_path))
    assert run.status == 0
    sheet = (tmp_path / "lenet5-1-sheet.md").read_text(encoding="utf-8")
    assert "**1.** How many parameters does the model have in all" in sheet and "**2.**" not in sheet
    run = cli("handout", "lenet5", "--questions", "params,output_shapes", "-o", str(tmp_path))
    assert run.status == 2 and "no question kind 'output_shapes' (did you mean 'output_shape'?)" in run.err


def test_questions_ask_only_what_has_working():
    """lenet5: shapes of the 2 convolutions, 2 poolings and flatten; parameters of 2 convolutions and 3
    dense layers (pooling and flatten have none to work out); then the total."""
    asked = [(q.kind, q.record.name if q.record else None) for q in handout.build("lenet5")[0].questions]
    assert asked == [
        ("output_shape", "conv2d"),
        ("params", "conv2d"),
        ("output_shape", "max_pooling2d"),
        ("output_shape", "conv2d_1"),
        ("params", "conv2d_1"),
        ("output_shape", "max_pooling2d_1"),
        ("output_shape", "flatten"),
        ("params", "dense"),
        ("params", "dense_1"),
        ("params", "dense_2"),
        ("total_params", None),
    ]


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_the_key_prints_the_derivations_own_steps(cli, tmp_path, fmt):
    """Every display equation of the key is one of `calc derive`'s, character for character, once the key's
    statement of the rule (which the worked solution makes once, under "Formulas used") is set aside."""
    assert cli("handout", "lenet5", "--format", fmt, "-o", str(tmp_path)).status == 0
    key = (tmp_path / f"lenet5-1-key.{'md' if fmt == 'markdown' else 'tex'}").read_text(encoding="utf-8")
    derivation = cli("derive", "lenet5", "--format", fmt).out
    pattern = r"\$\$(.*?)\$\$" if fmt == "markdown" else r"\\\[(.*?)\\\]"
    worked = [" ".join(eq.split()) for eq in re.findall(pattern, derivation, re.S)]
    equations = [" ".join(eq.split()) for eq in re.findall(pattern, key, re.S)]
    # set aside the rule's own statement ("P = f (c_in k_h k_w + 1)"): it ends in symbols, not a number
    worked_out = [eq for eq in equations if re.fullmatch(r"[\d{},]+", eq.rpartition(" = ")[2])]
    assert len(worked_out) >= 8  # shapes and the dense counts; the conv counts are one filter first, inline
    for eq in worked_out:
        lhs, _, rest = eq.partition(" = ")
        assert any(w.startswith(lhs + " = ") and rest.endswith(w.partition(" = ")[2]) for w in worked), eq


def test_graph_handout_tables_and_code(cli, spec_file, tmp_path):
    assert cli("handout", spec_file(GRAPH), "-o", str(tmp_path)).status == 0, "graph"
    sheet = (tmp_path / "graph-1-sheet.md").read_text(encoding="utf-8")
    assert "| # | Layer | Type | Arguments | Reads |" in sheet
    assert "| 6 | dense | Dense | units=8 | meta |" in sheet
    assert "| 7 | shared | Dense | calls shared again, with the same weights | dense |" in sheet
    code = handout.build(spec_file(GRAPH))[0].code
    ast.parse(code)
    assert (
        'shared_layer = layers.Dense(units=8, name="shared")\nshared = shared_layer(global_average_pooling2d)' in code
    )
    assert "shared_1 = shared_layer(dense)" in code and "concatenate = layers.Concatenate()([shared, shared_1])" in code
    assert "head_block = keras.Sequential(\n    [\n        layers.Dense(units=4),\n" in code
    assert "head = head_block(concatenate)" in code
    assert 'model = keras.Model(inputs=[image, meta], outputs=head, name="graph")' in code


def _markdown_to_html(text: str) -> str:
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        require(False, "markdown-it-py (pip install '.[test]')")
    return MarkdownIt("commonmark").enable("table").render(text)


def test_hostile_names_neither_break_nor_inject(cli, spec_file, tmp_path):
    path = spec_file(HOSTILE)
    for fmt in ("markdown", "latex"):
        for solutions in ("inline", "separate"):  # sheets with answers, sheets without, keys
            out = str(tmp_path / solutions)
            args = ["--variants", "2", "--solutions", solutions, "--format", fmt, "-o", out, "--force"]
            run = cli("handout", path, *args)
            assert run.status == 0, run.err
    assert len(list(tmp_path.glob("*/*.tex"))) == 6
    for h in handout.build(path):
        tree = ast.parse(h.code)  # the names stay inside string literals
        names = [
            node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
        ]
        assert {r.name for r in h.analysis.records} | {h.model} <= set(names)
    for md in tmp_path.glob("*/*.md"):
        html = _markdown_to_html(md.read_text(encoding="utf-8"))
        assert "<script" not in html and "<img" not in html and "<b>" not in html, md.name
        assert "onerror=alert(1)&gt;" in html  # shown as text
    for tex in tmp_path.glob("*/*.tex"):
        text = tex.read_text(encoding="utf-8")
        assert "\\input{/etc/passwd}" not in text and "x\\end{document}" not in text
        assert text.count("\\end{alltt}") == (0 if "-key" in tex.name else 1) and text.count("\\end{document}") == 1
        result = _compile(tex)
        assert result.returncode == 0, f"{tex.name}: {result.stdout[-2000:]}"


def test_pdf_is_reproducible(cli, tmp_path, monkeypatch):
    require_program("pdflatex")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    for out in ("a", "b"):
        run = cli("handout", "lenet5", "--variants", "2", "--format", "pdf", "-o", str(tmp_path / out))
        assert run.status == 0, run.err
    files = _files(tmp_path / "a")
    sheets = ["lenet5-1-key.pdf", "lenet5-1-sheet.pdf", "lenet5-2-key.pdf", "lenet5-2-sheet.pdf"]
    assert sorted(files) == ["class-keys.pdf", "class-sheets.pdf", *sheets, "variants.json"]
    assert files == _files(tmp_path / "b")
    del files["variants.json"]
    assert all(content.startswith(b"%PDF-") and b"/CreationDate" not in content for content in files.values())


def test_pdf_without_pdflatex_names_the_packages(cli, tmp_path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    run = cli("handout", "lenet5", "--format", "pdf", "-o", str(tmp_path / "out"))
    assert run.status == 2
    packages = "texlive-latex-base texlive-latex-recommended texlive-pictures"
    assert run.err == f"calc: pdflatex is not installed; install it with: apt-get install {packages}\n"
    assert not (tmp_path / "out").exists()


def test_a_broken_template_is_one_line(cli, tmp_path):
    require_program("pdflatex")
    (tmp_path / "t" / "latex").mkdir(parents=True)
    (tmp_path / "t" / "latex" / "handout_header.j2").write_text("\\undefinedcommand\n", encoding="utf-8")
    run = cli("handout", "lenet5", "--format", "pdf", "--templates", str(tmp_path / "t"), "-o", str(tmp_path / "o"))
    assert run.status == 2 and run.err.startswith("calc: lenet5-1-sheet.pdf: pdflatex failed: ! Undefined control")


def test_templates_override_any_template(cli, tmp_path):
    """docs/handouts.md's example: a course header in place of the default title."""
    folder = tmp_path / "course" / "markdown"
    folder.mkdir(parents=True)
    (folder / "handout_header.j2").write_text(
        "# Deep Learning 101, {{ 'solutions' if part == 'key' else 'exercise' }} {{ handout.number }}: "
        "{{ handout.model }}\n",
        encoding="utf-8",
    )
    run = cli("handout", "lenet5", "--templates", str(tmp_path / "course"), "-o", str(tmp_path / "out"))
    assert run.status == 0, run.err
    assert (
        (tmp_path / "out" / "lenet5-1-sheet.md")
        .read_text(encoding="utf-8")
        .startswith("# Deep Learning 101, exercise 1: lenet5\n\nName: ")
    )
    assert (
        (tmp_path / "out" / "lenet5-1-key.md")
        .read_text(encoding="utf-8")
        .startswith("# Deep Learning 101, solutions 1")
    )
    run = cli("handout", "lenet5", "--templates", str(tmp_path / "missing"), "-o", str(tmp_path / "out"))
    assert run.status == 2 and "not a folder of templates" in run.err


def test_vgg_blocks_hand_worked():
    """VGG16's first three blocks: 3·3·3·64+64 = 1,792; 3·3·64·64+64 = 36,928; 3·3·64·128+128 = 73,856;
    3·3·128·128+128 = 147,584; 3·3·128·256+256 = 295,168; 3·3·256·256+256 = 590,080 (twice);
    head 256·10+10 = 2,570; total 1,738,058."""
    analysis = load("vgg_blocks").analyze()
    params = [int(r.params) for r in analysis.layers if r.params != 0]
    assert params == [1792, 36928, 73856, 147584, 295168, 590080, 590080, 2570]
    assert analysis.total_params == 1738058
    assert [int(d) for d in analysis.layer("block3_pool").output_shape] == [28, 28, 256]  # 224 / 2 / 2 / 2


def test_file_names_are_safe():
    assert handout.file_stem("evil & <script>/../x") == "evil_script_x"
    assert handout.file_stem("../../") == "model" and handout.file_stem("ok-name_2") == "ok-name_2"


def test_examples_in_the_docs_run(cli, tmp_path):
    from tests.docs_examples import block, page

    command = "calc handout lenet5 --variants 30 --seed 1 --format pdf -o course/"
    assert command in block("docs/instructors.md", "handout-commands") and "(handouts.md)" in page(
        "docs/instructors.md"
    )
    assert block("docs/handouts.md", "handout-cycle").startswith(command + "\n")
    assert cli("handout", "lenet5", "--variants", "20", "-o", str(tmp_path / "twenty")).status == 0
    shell = block("docs/handouts.md", "handout-template")
    assert "--templates course/" in shell
    header = shell.split("cat > course/latex/handout_header.j2 <<'TEMPLATE'\n", 1)[1].split("TEMPLATE\n", 1)[0]
    (tmp_path / "course" / "latex").mkdir(parents=True)
    (tmp_path / "course" / "latex" / "handout_header.j2").write_text(header, encoding="utf-8")
    run = cli("handout", "lenet5", "--format", "latex", "--templates", str(tmp_path / "course"), "-o", str(tmp_path))
    assert run.status == 0, run.err
    sheet = (tmp_path / "lenet5-1-sheet.tex").read_text(encoding="utf-8")
    assert "\\section*{Deep Learning 101 --- exercise 1}\n" in sheet
    if shutil.which("pdflatex"):
        assert _compile(tmp_path / "lenet5-1-sheet.tex").returncode == 0


def test_set_fixes_a_symbol_and_an_input_layer_shape_varies(spec_file):
    assert {h.values["k"] for h in handout.build("lenet5", variants=5, seed=2, values={"k": "3"})} == {3}
    path = spec_file("layers:\n  - InputLayer: {shape: [28, 28, 1]}\n  - Conv2D: {filters: 4, kernel_size: 3}\n")
    drawn = handout.build(path, variants=6)  # 28 between its common neighbours, the kernel 3 or 5
    assert {(h.values["n"], h.values["k1"]) for h in drawn} == {(n, k) for n in (24, 28, 32) for k in (3, 5)}
    assert "keras.Input(shape=(24, 24, 1))," in "".join(h.code for h in drawn)


TORCH = """\
dialect: pytorch
name: torch_stem
input: [3, 224, 224]
layers:
  - Conv2d: {in_channels: 3, out_channels: 64, kernel_size: 7, stride: 2, padding: 3, bias: false}
  - BatchNorm2d: {num_features: 64}
  - MaxPool2d: {kernel_size: 3, stride: 2, ceil_mode: true}
  - AdaptiveAvgPool2d: {output_size: 1}
  - Flatten: {name: pooled}
  - Linear: {in_features: 64, out_features: 10}
"""


def test_pytorch_dialect_sheets_show_torch_code_channels_first(spec_file):
    """The input size varies on the spatial axes, which come last; the code is torch.nn (checked in torch
    2.13: the parameters of both variants sum to 9,408 + 128 + 650 = 10,186, the output is (1, 10))."""
    built = handout.build(spec_file(TORCH), variants=2)
    assert [h.values["n"] for h in built] == [192, 256]
    code = built[0].code
    assert code.startswith("import torch\nfrom torch import nn\n\nmodel = nn.Sequential(\n")
    assert "    nn.Flatten(),\n" in code  # torch.nn layers take no name
    assert code.endswith("output = model(torch.zeros(1, 3, 192, 192))  # a batch of one input\n")
    ast.parse(code)
    assert int(built[0].analysis.total_params) == 10186
    sheet = handout.render(built[0], "sheet", "markdown")
    assert "Shapes are channels-first, (channels, height, width), as PyTorch lays tensors out" in sheet
    assert "In PyTorch:" in sheet
