"""calc draw: every figure of every format, the numbers it shows, golden files, hostile names.

The golden files in tests/golden/ are what ``calc draw lenet5`` makes now; after a deliberate change to
a figure, regenerate them with ``CALC_REGENERATE_GOLDEN=1 python -m pytest tests/test_figures.py`` and
look at them before committing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from calc.figures import geometry as figure_geometry
from calc.figures import render
from calc.figures.architecture import build_units, collapse, place, split
from calc.figures.geometry import Line, Text
from calc.figures.window import captions, window_axes
from calc.spec import from_text, load
from tests.conftest import ROOT, require_program

GOLDEN = ROOT / "tests" / "golden"
UNET = str(ROOT / "examples" / "unet.yaml")
HOSTILE = (
    "name: 'evil & <script>alert(1)</script> $x$ 100% #1'\ninput: [12, 12, 3]\nlayers:\n"
    "  - Conv2D: {filters: 4, kernel_size: 3, name: 'conv_1&\\\\input{/etc/passwd}</text><script>x</script>'}\n"
    "  - MaxPooling2D: {pool_size: 2, name: '$\\\\frac{1}{0}$ \\x01 <!-- x'}\n"
    "  - Flatten: {}\n  - Dense: {units: 2, name: 'x\\\\end{document}'}\n"
)
GOLDEN_CASES = [
    ("lenet5_architecture.svg", ["lenet5"]),
    ("lenet5_architecture.tex", ["lenet5", "--format", "tikz"]),
    ("lenet5_layer_conv2d.svg", ["lenet5", "--figure", "layer", "--layer", "conv2d"]),
    ("lenet5_layer_conv2d.tex", ["lenet5", "--figure", "layer", "--layer", "conv2d", "--format", "tikz"]),
    ("lenet5_field.svg", ["lenet5", "--figure", "field"]),
]


def texts(svg: str) -> list[str]:
    """Every text of an SVG document (parsing it: a document that is no XML fails here)."""
    root = ElementTree.fromstring(svg)
    return ["".join(node.itertext()) for node in root.iter("{http://www.w3.org/2000/svg}text")]


def compile_tikz(tex: str, tmp_path: Path) -> subprocess.CompletedProcess:
    pdflatex = require_program("pdflatex")
    path = tmp_path / "figure.tex"
    path.write_text(tex, encoding="utf-8")
    return subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", path.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(("name", "args"), GOLDEN_CASES, ids=[name for name, _ in GOLDEN_CASES])
def test_golden(cli, name, args):
    run = cli("draw", *args)
    assert run.status == 0, run.err
    path = GOLDEN / name
    if os.environ.get("CALC_REGENERATE_GOLDEN") == "1":
        path.write_text(run.out, encoding="utf-8")
    assert run.out == path.read_text(encoding="utf-8"), f"{name} changed: see this file's docstring to regenerate"


def test_lenet5_architecture_shows_the_seed_network(cli):
    """The seed article's LeNet-5: every layer a volume with its Keras shape and its parameter count."""
    shown = texts(cli("draw", "lenet5").out)
    for text in ["32 × 32 × 3", "28 × 28 × 8", "14 × 14 × 8", "10 × 10 × 16", "5 × 5 × 16", "400", "120", "84", "10"]:
        assert text in shown
    # (5·5·3 + 1)·8 = 608, (5·5·8 + 1)·16 = 3,216, 400·120 + 120 = 48,120, 121·84 = 10,164, 85·10 = 850
    for count in ["608 params", "3,216 params", "48,120 params", "10,164 params", "850 params"]:
        assert count in shown
    assert "lenet5: 62,958 parameters" in shown
    assert not any(t == "0 params" for t in shown)  # pooling and flatten have none: no count


def test_pytorch_dialect_labels_channels_first(cli, spec_file):
    path = spec_file(
        "dialect: pytorch\ninput: [3, 32, 32]\nlayers:\n  - Conv2d: {in_channels: 3, out_channels: 8, kernel_size: 5}\n"
    )
    shown = texts(cli("draw", path).out)
    assert "8 × 28 × 28" in shown and "3 × 32 × 32" in shown


def test_layer_figure_counts_one_filter(cli):
    """Issue 14: the 5×5×3 cube and "76 per filter": 5·5·3 + 1 = 76, × 8 filters = 608."""
    shown = texts(cli("draw", "lenet5", "--figure", "layer", "--layer", "conv2d").out)
    assert "one filter: 5 × 5 × 3" in shown
    assert "5·5·3 + 1 = 76 per filter, × 8 filters = 608 parameters" in shown
    assert "Output height and width: n_out = n - k + 1 = 32 - 5 + 1 = 28" in shown
    second = texts(cli("draw", "lenet5", "--figure", "layer", "--layer", "conv2d_1").out)
    assert "5·5·8 + 1 = 201 per filter, × 16 filters = 3,216 parameters" in second


def test_layer_figure_padding_stride_dilation():
    """'same' padding 3×3: one zero each side; PyTorch dilation 2, stride 2, padding 2 on 9: windows read
    positions 0, 2, 4 and 2, 4, 6 of the padded axis (13 long), output floor((9 + 4 - 4 - 1)/2) + 1 = 5."""
    record = load(UNET).analyze().layer("enc1_conv1")
    (height, width) = window_axes(record, False)
    assert (width.size, width.kernel, width.before, width.after, width.out) == (64, 3, 1, 1, 64)
    spec = (
        "dialect: pytorch\ninput: [1, 9, 9]\nlayers:\n"
        "  - Conv2d: {in_channels: 1, out_channels: 2, kernel_size: 3, stride: 2, padding: 2, dilation: 2}\n"
    )
    from calc.figures.window import _window

    analysis = from_text(spec, "dilated.yaml", ".yaml").analyze()
    (height, width) = window_axes(analysis.records[-1], False)
    assert (width.span, width.padded, width.out) == (5, 13, 5)
    assert _window(width, 0) == {0, 2, 4} and _window(width, 1) == {2, 4, 6}
    assert "kernel 3, stride 2, dilation 2, padding 2" in captions(analysis.records[-1], [width], False)[1]


def test_pooling_and_transposed_windows(cli):
    pool = texts(cli("draw", "lenet5", "--figure", "layer", "--layer", "max_pooling2d").out)
    assert any(t.startswith("no parameters") for t in pool)
    up = texts(cli("draw", UNET, "--figure", "layer", "--layer", "dec3_up").out)
    # 2·2·128 + 1 = 513 per filter, × 64 = 32,832; output (8 - 1)·2 + 2 = 16
    assert "2·2·128 + 1 = 513 per filter, × 64 filters = 32,832 parameters" in up
    assert "output width 16" in up and "input 8 × 8" in up


def test_layer_figure_refuses_other_layers(cli):
    run = cli("draw", "lenet5", "--figure", "layer", "--layer", "dense")
    assert run.status == 2 and run.err.count("\n") == 1
    assert "dense" in run.err and "conv2d, max_pooling2d, conv2d_1, max_pooling2d_1" in run.err
    assert cli("draw", "lenet5", "--figure", "layer", "--layer", "nope").status == 2


def _segments(model: str):
    analysis = load(model).analyze()
    segments = collapse(split(build_units(analysis)))
    for segment in segments:
        place(segment, False)
    return segments


def test_resnet50_skips_and_repeats():
    """ResNet-50: 16 residual blocks, each with a skip; the identical ones drawn once: ×2, ×3, ×5, ×2."""
    segments = _segments("resnet50")
    blocks = [s for s in segments if any(u.kind == "merge" for u in s.units)]
    assert [s.count for s in blocks] == [1, 2, 1, 3, 1, 5, 1, 2]
    # the first block of each stage has a projection on a side lane; the others an identity skip (an arc)
    assert [s.lanes for s in blocks] == [2, 1] * 4
    assert all(len(s.arcs) == 1 for s in blocks[1::2])
    shown = texts(render(load("resnet50").analyze()))
    assert {"×2", "×3", "×5"} <= set(shown)


def test_unet_skip_connections_are_arcs():
    """The U-Net's three concatenations read the encoder: three nested arcs over the chain."""
    segments = _segments(UNET)
    arcs = [(src.first.name if src else "entry", dst.first.name, level) for s in segments for src, dst, level in s.arcs]
    assert sorted(arcs) == [("enc2_conv2", "dec2_skip", 2), ("enc3_conv2", "dec3_skip", 1), ("entry", "dec1_skip", 3)]
    geometry = figure_geometry(load(UNET).analyze())
    long_lines = [item for item in geometry.items if isinstance(item, Line) and len(item.points) == 4 and item.arrow]
    assert len(long_lines) >= 3


def test_bert_repeat_block_is_one_box():
    analysis = load("bert_base").analyze()
    shown = texts(render(analysis))
    assert "×12" in shown and "Repeat, 9 layers" in shown
    assert {"input_ids", "token_type_ids", "position_ids"} <= set(shown)
    geometry = figure_geometry(analysis)
    assert sum(isinstance(i, Text) and i.text == "Input" for i in geometry.items) == 3


def test_field_figure_reads_the_receptive_fields(cli):
    """LeNet-5 by hand: 5; 5 + 1·1 = 6 (jump 2); 6 + 4·2 = 14; 14 + 1·2 = 16 (jump 4)."""
    shown = texts(cli("draw", "lenet5", "--figure", "field").out)
    for size, jump in [(5, 1), (6, 2), (14, 2), (16, 4)]:
        assert f"r = {size} × {size}, jump {jump} × {jump}" in shown


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_params_figure(cli, tmp_path, fmt):
    out = tmp_path / f"p.{fmt}"
    assert cli("draw", "lenet5", "--figure", "params", "-o", str(out)).status == 0
    data = out.read_bytes()
    if fmt == "png":
        assert data.startswith(b"\x89PNG") and b"Software" not in data
    else:
        shown = texts(data.decode())
        assert "48,120" in shown and "conv2d" in shown  # the bars' values and the layers' names
        assert cli("draw", "lenet5", "--figure", "params", "-o", str(tmp_path / "q.svg")).status == 0
        assert (tmp_path / "q.svg").read_bytes() == data  # no dates, fixed ids
    assert cli("draw", "lenet5", "--figure", "params", "--format", "tikz").status == 2


@pytest.mark.parametrize("figure", ["architecture", "layer", "field"])
@pytest.mark.parametrize("model", ["lenet5", "resnet50", UNET, "{hostile}"])
def test_svg_parses_and_png_draws(cli, spec_file, tmp_path, model, figure):
    model = spec_file(HOSTILE) if model == "{hostile}" else model
    run = cli("draw", model, "--figure", figure)
    assert run.status == 0, run.err
    shown = texts(run.out)
    assert "<script" not in run.out and shown
    if model == "resnet50" or figure == "field":
        return  # the PNG writer is the same for every figure: drawn once per model below
    png = tmp_path / "f.png"
    assert cli("draw", model, "--figure", figure, "-o", str(png)).status == 0
    assert png.read_bytes().startswith(b"\x89PNG")


def test_hostile_names_stay_text(cli, spec_file, tmp_path):
    path = spec_file(HOSTILE)
    shown = texts(cli("draw", path).out)
    # the name is shown as written (its middle cut for length), as text: no element comes of it
    assert any(t.startswith("conv_1&\\\\inp") and t.endswith("x</script>") for t in shown)
    tikz = cli("draw", path, "--format", "tikz").out
    assert "\\input{/etc/passwd}" not in tikz and "\\end{document}" not in tikz.replace("\\end{document}\n", "", 1)


@pytest.mark.parametrize(
    "args",
    [
        ["lenet5"],
        ["lenet5", "--figure", "layer"],
        ["lenet5", "--figure", "field"],
        ["resnet50"],
        [UNET],
        ["bert_base"],
        ["{hostile}"],
        ["{hostile}", "--figure", "layer"],
    ],
    ids=["lenet5", "layer", "field", "resnet50", "unet", "bert", "hostile", "hostile-layer"],
)
def test_tikz_compiles(cli, spec_file, tmp_path, args):
    args = [spec_file(HOSTILE) if a == "{hostile}" else a for a in args]
    tex = cli("draw", *args, "--format", "tikz").out
    result = compile_tikz(tex, tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "figure.pdf").stat().st_size > 1000


def test_output_is_deterministic(cli):
    for args in (["resnet50"], ["lenet5", "--format", "tikz"], ["lenet5", "--figure", "layer"]):
        assert cli("draw", *args).out == cli("draw", *args).out


def test_bad_requests_are_one_line(cli, tmp_path):
    for args in (
        ["lenet5", "--figure", "nope"],
        ["lenet5", "--format", "png"],  # PNG needs a file
        ["lenet5", "--layer", "conv2d"],  # --layer belongs to --figure layer
        ["lenet5", "--figure", "layer", "--set", "k=40"],  # no valid model
    ):
        run = cli("draw", *args)
        assert run.status == 2 and run.err.count("\n") == 1, (args, run.err)


def test_symbolic_sizes_need_numbers(cli, spec_file):
    path = spec_file("input: [n, n, 3]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 3}\n")
    run = cli("draw", path, "--figure", "layer")
    assert run.status == 2 and "--set" in run.err
    assert cli("draw", path, "--figure", "layer", "--set", "n=9").status == 0
    assert cli("draw", path).status == 0  # the architecture labels symbolic shapes as they are


def test_png_without_matplotlib(tmp_path):
    code = "import sys; sys.modules['matplotlib'] = None; from calc.cli import main; sys.exit(main(sys.argv[1:]))"
    args = ["draw", "lenet5", "-o", str(tmp_path / "p.png")]
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "plot extra" in result.stderr
    svg = subprocess.run(
        [sys.executable, "-c", code, "draw", "lenet5"], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert svg.returncode == 0 and svg.stdout.startswith("<?xml")  # SVG and TikZ need no extra


def test_notebook_display_includes_the_architecture(spec_file):
    import calc

    html = calc.load("lenet5")._repr_html_()
    assert html.startswith('<div class="tex2jax_ignore') and "Total params: 62,958" in html
    figure = html[html.index("<svg") : html.index("</svg>") + 6]
    assert "28 × 28 × 8" in texts(figure)
    hostile = calc.load(spec_file(HOSTILE))._repr_html_()
    assert "<script" not in hostile and "<svg" in hostile


def test_filter_counts_of_other_convolutions(cli):
    """By hand: depthwise 3·3 = 9 per kernel × 32 kernels = 288 (no bias); torchvision's conv1 has no bias,
    7·7·3 = 147 per filter × 64 = 9,408; a separable convolution's sum is written whole."""
    cases = [
        ("mobilenet_v2", "expanded_conv_depthwise", "3·3 = 9 per kernel, × 32 kernels = 288 parameters"),
        ("torchvision_resnet18", "conv1", "7·7·3 = 147 per filter, × 64 filters = 9,408 parameters"),
        ("xception", "block2_sepconv1", "P = 64·128 + 64·3·3 = 8,768 parameters"),
    ]
    for model, layer, line in cases:
        assert line in texts(cli("draw", model, "--figure", "layer", "--layer", layer).out)


def test_transposed_convolution_axes_in_the_pytorch_dialect():
    """ConvTranspose2d on 6 × 14 × 14, k 4, s 2, p 1, output_padding 1: (14 - 1)·2 - 2·1 + 4 + 1 = 29 on both
    spatial axes (positions 1 and 2 of the channels-first shape; the channels are position 0)."""
    spec = (
        "dialect: pytorch\ninput: [6, 14, 14]\nlayers:\n  - ConvTranspose2d: {in_channels: 6, out_channels: 2, "
        "kernel_size: 4, stride: 2, padding: 1, output_padding: 1}\n"
    )
    record = from_text(spec, "up.yaml", ".yaml").analyze().records[-1]
    assert record.result.shape_steps[0].axes == (1, 2)
    height, width = window_axes(record, True)
    assert (height.size, height.before, height.out) == (width.size, width.before, width.out) == (29, 1, 14)


def test_derivation_figures_are_shown_once_each(spec_file):
    """ResNet-50's 53 convolutions and its max pooling slide in 5 ways: 7×7 stride 2, 3×3 pooling stride 2,
    1×1, 3×3 'same', 1×1 stride 2. Each is drawn once and the other 49 refer to it (the global average
    pooling has no window); LeNet-5 shows all four of its windows."""
    from calc.figures.derivation import DerivationFigures

    analysis = load("resnet50").analyze()
    figures = DerivationFigures(analysis, "markdown", "resnet50")
    assert figures.architecture() == "![Architecture of resnet50](resnet50-architecture.svg)"
    shown = [str(figures.layer(r)) for r in analysis.records]
    assert sum(s.startswith("![") for s in shown) == 5 and sum(s.startswith("Its window") for s in shown) == 49
    assert len(figures.files) == 6 and all(texts(svg) for svg in figures.files.values())
    lenet = load("lenet5").analyze()
    figures = DerivationFigures(lenet, "latex")
    assert sum("tikzpicture" in str(figures.layer(r)) for r in lenet.records) == 4
    hostile = load(spec_file(HOSTILE)).analyze()
    figures = DerivationFigures(hostile, "markdown", "../evil name")
    links = [str(figures.layer(r)) for r in hostile.records] + [str(figures.architecture())]
    assert all("/" not in name and not name.startswith(".") for name in figures.files)
    assert not any("<script" in link for link in links)
    latex = DerivationFigures(hostile, "latex")
    assert "\\input{/etc/passwd}" not in str(latex.layer(hostile.records[0]))


def test_derive_markdown_writes_svg_figures_beside_the_file(cli, tmp_path):
    out = tmp_path / "solution.md"
    assert cli("derive", "lenet5", "-o", str(out)).status == 0
    names = sorted(p.name for p in tmp_path.glob("*.svg"))
    assert names == [
        f"solution-{n}.svg" for n in ("architecture", "conv2d", "conv2d_1", "max_pooling2d", "max_pooling2d_1")
    ]
    text = out.read_text(encoding="utf-8")
    for name in names:
        assert f"]({name})" in text and texts((tmp_path / name).read_text(encoding="utf-8"))
    assert text.index("solution-architecture.svg") < text.index("## Formulas used")  # the figure opens it
    assert text.index("solution-conv2d.svg") < text.index("solution-max_pooling2d.svg")
    bare = tmp_path / "bare" / "solution.md"
    bare.parent.mkdir()
    assert cli("derive", "lenet5", "-o", str(bare), "--no-figures").status == 0
    assert not list(bare.parent.glob("*.svg")) and ".svg" not in bare.read_text(encoding="utf-8")
    assert ".svg" not in cli("derive", "lenet5").out  # standard output: one document, no files to link


def test_derive_latex_draws_tikz_inline(cli):
    latex = cli("derive", "lenet5", "--format", "latex").out
    assert "\\usepackage{tikz}" in latex and latex.count("\\begin{tikzpicture}") == 5
    assert latex.index("\\begin{tikzpicture}") < latex.index("\\section*{Formulas used}")
    plain = cli("derive", "lenet5", "--format", "latex", "--no-figures").out
    assert "tikz" not in plain


def test_problem_sheet_figure_gives_no_answers(cli, tmp_path):
    """A sheet asks for the shapes and counts, so its figure shows names and types only (the input's shape
    is given); the Markdown sheet links it, the LaTeX sheet draws it."""
    from calc.figures import embedded

    shown = texts(embedded(load("lenet5").analyze(), "svg", answers=False))
    assert {"conv2d", "Conv2D", "dense_2", "32 × 32 × 3"} <= set(shown)
    assert not any("28 × 28" in t or "params" in t or "parameters" in t or t == "120" for t in shown)
    assert cli("handout", "lenet5", "-o", str(tmp_path / "md")).status == 0
    sheet = (tmp_path / "md" / "lenet5-1-sheet.md").read_text(encoding="utf-8")
    assert "](lenet5-1-sheet-figure.svg)" in sheet
    assert texts((tmp_path / "md" / "lenet5-1-sheet-figure.svg").read_text(encoding="utf-8")) == shown
    latex = cli("handout", "lenet5", "--format", "latex", "-o", str(tmp_path / "tex"))
    assert latex.status == 0
    assert "\\begin{tikzpicture}" in (tmp_path / "tex" / "lenet5-1-sheet.tex").read_text(encoding="utf-8")
