"""The worked solution teaches: overview first, each rule stated once with its symbols defined, every
step naming its rule and where its values come from, repeats said once, totals that explain, and LaTeX
that typesets every character and fits the page."""

from __future__ import annotations

import re
import subprocess

import pytest

import calc
from calc.derive import derivation_context, fold_repeats, layer_views
from calc.zoo import zoo_names
from tests.conftest import require_program

LENET_PARTS = ["## The model at a glance", "## Formulas used", "## Layer by layer", "## Totals"]


@pytest.fixture(scope="module")
def lenet(request: pytest.FixtureRequest) -> str:
    return calc.derivation(calc.load("lenet5")).to_markdown()


def test_overview_comes_first_then_formulas_then_steps_then_totals(lenet):
    positions = [lenet.index(part) for part in LENET_PARTS]
    assert positions == sorted(positions)
    assert "| 6 | dense (Dense) | $\\left(\\mathrm{None}, 120\\right)$ | 48,120 |" in lenet
    assert "**Conventions.** Keras" in lenet and "`None` is the batch axis" in lenet
    assert "padding is 'valid' (none) unless a layer says otherwise" in lenet


def test_each_rule_is_stated_once_with_every_symbol_defined(lenet):
    formulas = lenet[lenet.index("## Formulas used") : lenet.index("## Layer by layer")]
    # the sliding-window rule in full (padding, dilation, stride), used by convolution and pooling alike
    assert formulas.count("Output size of a sliding window") == 1
    assert r"n_{out} = \left\lfloor{\frac{n + 2 p - d \left(k - 1\right) - 1}{s}}\right\rfloor + 1" in formulas
    assert "$p$ is the zeros of padding on each side of the axis" in formulas
    assert formulas.count("Parameters of a convolution") == 1 and formulas.count("Parameters of a dense layer") == 1
    # the steps refer to the rules by number instead of restating them
    steps = lenet[lenet.index("## Layer by layer") :]
    assert steps.count("By (F1)") == 4 and "Output size of a sliding window" not in steps


def test_steps_write_every_term_and_say_where_values_come_from(lenet):
    assert r"$$n_{out} = \left\lfloor{\frac{32 + 2 \cdot 0 - 5}{1}}\right\rfloor + 1 = 28$$" in lenet
    assert "$c_{in} = 8$ (the channels leaving max\\_pooling2d)" in lenet
    assert r"$f = 16$ (written $2 \mathbf{f}$ in the spec)" in lenet
    assert r"One filter holds $c_{in} k_{h} k_{w} + 1 = 3 \cdot 5 \cdot 5 + 1 = 76$ numbers" in lenet
    assert "Each filter gives one output channel, so the output has $8$ channels." in lenet
    assert "Pooling works on each channel separately, so the $8$ channels stay." in lenet
    assert "The weights form kernel, a $400 \\times 120$ matrix with one column of $400$ weights per unit" in lenet
    assert "it has no weights and no bias" in lenet and "it has no weights." in lenet


def test_the_specs_symbols_never_read_as_a_rules_letters(lenet):
    # the spec's k and f are bold wherever they appear; the rules' own f (filters) and k (window) are not
    assert r"$\mathbf{k} = 5$, $\mathbf{f} = 8$" in lenet
    assert "Symbol values" not in lenet
    assert not re.search(r"(?<!\\mathbf\{)\bf = 8\$, \$\\mathbf", lenet)


def test_rule_sentences_typeset_their_symbols_as_the_formulas_do(cli):
    """A rule's sentence names c_in and n_out as its formula writes them (c with subscript in), in each format;
    a single letter, which may be a word (a rule's a is also the article), stays as written."""
    typeset = {
        "markdown": ("($c_{in}$/g of them)", "Every one of the $n_{out}$ units has a weight for each of the $n_{in}$"),
        "latex": (
            r"(\(c_{in}\)/g of them)",
            r"Every one of the \(n_{out}\) units has a weight for each of the \(n_{in}\)",
        ),
        "html": (
            "(<math><msub><mi>c</mi><mi>in</mi></msub></math>/g of them)",
            "Every one of the <math><msub><mi>n</mi><mi>out</mi></msub></math> units",
        ),
    }
    for fmt, sentences in typeset.items():
        out = cli("derive", "lenet5", "--format", fmt).out
        for sentence in sentences:
            assert sentence in out, (fmt, sentence)
        assert "c\\_in" not in out and "n\\_out units" not in out and "c_in/g" not in out
        assert "Each of the f filters" in out  # f, a single letter, as written


def test_prose_typesets_only_names_that_cannot_be_words():
    from calc.render.templating import environment, prose_symbols
    from calc.rules import Rule, local_symbols

    a, c_in, gamma, start_1 = local_symbols("a c_in gamma start_1")
    rule = Rule(
        "P", a * c_in * gamma + start_1, why="a layer with c_in inputs, gamma and start_1; use_c_in and c_in_total"
    )
    assert list(prose_symbols(rule)) == ["start_1", "gamma", "c_in"]  # longest first
    latex = environment("latex").filters["prose"](rule.why, rule)
    assert latex == (r"a layer with \(c_{in}\) inputs, \(\gamma\) and \(start_{1}\); use\_c\_in and c\_in\_total")
    assert environment("markdown").filters["prose"]("n_out & <b>", None) == r"n\_out &amp; &lt;b&gt;"


def test_totals_give_shares_and_the_closed_form(lenet):
    assert "| dense | 48,120 | 76.4 % |" in lenet
    assert "$608 + 3{,}216 + 48{,}120 + 10{,}164 + 850 = 62{,}958$" in lenet  # zero terms left out
    assert "dense holds the largest share, 76.4 %." in lenet
    assert r"P_{total} = 2 \mathbf{f}^{2} \mathbf{k}^{2} + 3 \mathbf{f} \mathbf{k}^{2} + 3 \mathbf{f}" in lenet
    assert r"Its leading term is $2 \mathbf{f}^{2} \mathbf{k}^{2}$" in lenet


def test_an_odd_input_explains_its_floor(cli, spec_file):
    path = spec_file(
        "input: [33, 33, 3]\nlayers:\n  - Conv2D: {filters: 8, kernel_size: 5}\n  - MaxPooling2D: {pool_size: 2}\n"
    )
    text = cli("derive", path).out
    # 33 - 5 + 1 = 29, and (29 - 2)/2 is not whole: the pooling's floor drops the remainder
    assert r"\left\lfloor{\frac{29 + 2 \cdot 0 - 2}{2}}\right\rfloor + 1 = 14" in text
    assert r"$\frac{27}{2}$ is not a whole number, so the floor drops the remainder: $13$." in text


def test_shapes_have_no_thousands_separators_and_counts_keep_theirs(cli):
    out = cli("derive", "resnet50").out
    assert r"\left(\mathrm{None}, 14, 14, 1024\right)" in out and "1{,}024\\right)" not in out
    assert "25,636,712" in out


def test_identical_blocks_are_derived_once(cli):
    out = cli("derive", "resnet50").out
    # conv2's third block repeats its second, layer for layer
    assert "conv2\\_block3\\_1\\_conv to conv2\\_block3\\_out" in out
    assert "repeat the arithmetic of conv2\\_block2" in out
    assert "the same shapes and counts, 70{,}400 parameters in all" not in out  # counts are grouped, not math
    assert "the same shapes and counts, 71,552 parameters in all" in out  # 16,448 + 256 + 36,928 + 256 + 16,640 + 1,024
    # and the sum of the total is by block, zeros dropped
    blocks = "9{,}728 + 220{,}032 + 1{,}230{,}336 + 7{,}129{,}088 + 14{,}998{,}528 + 2{,}049{,}000"
    assert f"{blocks} = 25{{,}}636{{,}}712" in out


def test_numbering_has_no_gaps():
    for name in ("bert_base", "resnet50", "lenet5"):
        analysis = calc.load(name).analyze()
        shown = fold_repeats(layer_views(analysis))
        numbers = [int(item.number) for item in shown]
        assert numbers == list(range(1, len(numbers) + 1)), name


@pytest.mark.parametrize("name", zoo_names())
def test_every_zoo_rule_is_stated_once_with_its_symbols_defined(name):
    context = derivation_context(calc.load(name).analyze(), ("macs", "flops", "activations", "memory", "rf"))
    formulas = context["formulas"]
    keys = [(f.rule.lhs, str(f.rule.expr), f.rule.why) for f in formulas]
    assert len(keys) == len(set(keys))
    for f in formulas:
        undefined = [sym.name for sym, meaning in f.symbols if not meaning]
        assert not undefined, f"{name}: (F{f.number}) {f.title} leaves {undefined} undefined"


@pytest.mark.parametrize("name", zoo_names())
def test_every_zoo_latex_typesets_every_character(cli, name):
    out = cli("derive", name, "--format", "latex").out
    assert "[U+" not in out and "**" not in out, name
    assert all(ord(char) < 128 for char in out), name


# The figures (the architecture, each distinct window) add pages: LeNet-5 4 -> 6, ResNet-50 15 -> 19.
@pytest.mark.parametrize(
    ("name", "pages"), [("lenet5", 6), ("vgg16", 12), ("resnet50", 20), ("efficientnet_b0", 40), ("bert_base", 10)]
)
def test_latex_fits_the_page(cli, tmp_path, name, pages):
    pdflatex = require_program("pdflatex")
    # the page budget is the text's (figures add a page or two: tests/test_figures.py compiles them)
    (tmp_path / "d.tex").write_text(cli("derive", name, "--format", "latex", "--no-figures").out, encoding="utf-8")
    run = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "d.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    log = (tmp_path / "d.log").read_text(encoding="latin-1")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert all(width <= 10 for width in widths), widths
    count = int(re.search(r"Output written on d\.pdf \((\d+) pages?", log)[1])
    assert count <= pages
