"""calc formula: closed forms that agree with the summary wherever the model is valid."""

from __future__ import annotations

import pytest
import sympy as sp

from calc import CalcError, from_text, load
from calc.closed_form import merge_roundings
from calc.explore.formula import closed_form
from calc.explore.keep import parse_keep
from tests.test_lenet5 import SYMBOLIC


def test_symbolic_lenet5_equals_the_summary_at_every_valid_point(spec_file):
    model = load(spec_file(SYMBOLIC))
    formula = closed_form(model)
    k, f = sp.symbols("k f", integer=True, positive=True)
    assert formula.symbols == ["f", "k"]
    valid = invalid = 0
    for kv in range(1, 16):
        for fv in range(1, 40, 3):
            try:
                total = model.analyze({"k": kv, "f": fv}).total_params
            except CalcError:
                invalid += 1
                continue
            valid += 1
            assert formula.expression.xreplace({k: kv, f: fv}) == total, (kv, fv)
    assert valid >= 100 and invalid > 0  # k = 11..15 make the second pooling empty


def test_lenet5_closed_form_text(cli):
    # conv2d f(3k^2 + 1) + conv2d_1 2f(fk^2 + 1) + dense 2f*120*(floor((31 - 3k)/4) + 1)^2 + 120
    # + dense_1 10164 + dense_2 850: 10164 + 850 + 120 = 11134
    run = cli("formula", "lenet5")
    assert run.status == 0, run.err
    assert run.out == "total_params = 2*f**2*k**2 + 3*f*k**2 + 3*f + 240*f*(floor((31 - 3*k)/4) + 1)**2 + 11134\n"


def test_keep_one_symbol_puts_the_others_in(cli):
    # f = 8: 2*64 k^2 + 24 k^2 = 152 k^2; 240*8 = 1920; 3*8 + 11134 = 11158
    data = cli("formula", "lenet5", "--keep", "k", "--format", "json").json()
    assert data == {
        "quantity": "total_params",
        "expression": "152*k**2 + 1920*(floor((31 - 3*k)/4) + 1)**2 + 11158",
        "latex": data["latex"],
        "symbols": ["k"],
    }
    assert r"\left\lfloor{\frac{31 - 3 k}{4}}\right\rfloor" in data["latex"]


def test_polynomial_when_no_floor_is_left(cli):
    # k = 3 (valid): 2*9 f^2 + 3*9 f + 3f + 240 f * (floor(22/4) + 1)^2 = 18 f^2 + 30 f + 8640 f
    run = cli("formula", "lenet5", "--set", "k=3")
    assert run.out == "total_params = 18*f**2 + 8670*f + 11134\n"
    assert 18 * 8**2 + 8670 * 8 + 11134 == 81646  # the total for k = 3 (docs/spec-format.md)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--quantity", "dense.params"], "dense.params = 240*f*(floor((31 - 3*k)/4) + 1)**2 + 120"),
        (["--layer", "conv2d", "--quantity", "params"], "params = f*(3*k**2 + 1)"),
        (["--layer", "conv2d", "--quantity", "output_size"], "output_size = 33 - k"),
        (["--quantity", "max_pooling2d_1.output_height"], "max_pooling2d_1.output_height = floor((31 - 3*k)/4) + 1"),
        (["--layer", "conv2d_1", "--quantity", "output_channels"], "output_channels = 2*f"),
        (["--layer", "flatten", "--quantity", "output_size"], "output_size = 2*f*(floor((31 - 3*k)/4) + 1)**2"),
        (["--layer", "conv2d", "--quantity", "output_shape"], "output_shape = (33 - k, 33 - k, f)"),
        (["--quantity", "non_trainable_params"], "non_trainable_params = 0"),
        # k = 5: 2*25 f^2; 3*25 f + 3 f + 240*25 f = 6078 f; at f = 8: 3200 + 48624 + 11134 = 62958
        (["--keep", "f", "--set", "k=5"], "total_params = 50*f**2 + 6078*f + 11134"),
    ],
)
def test_quantities(cli, args, expected):
    run = cli("formula", "lenet5", *args)
    assert run.status == 0, run.err
    assert run.out == expected + "\n"


def test_keep_rewrites_numeric_hyper_parameters(cli, spec_file):
    path = spec_file(
        "input: [32, 32, 3]\nlayers:\n  - Conv2D: {filters: 6, kernel_size: 5}\n  - MaxPooling2D: {pool_size: 2}\n"
        "  - Conv2D: {filters: 16, kernel_size: 5}\n  - Flatten: {}\n  - Dense: {units: 10}\n"
    )
    # conv2d_1: 16 filters over 6 channels, 16(6k^2 + 1) = 96k^2 + 16
    run = cli("formula", path, "--keep", "kernel_size=k", "--quantity", "conv2d_1.params")
    assert run.out == "conv2d_1.params = 96*k**2 + 16\n"
    one = cli("formula", path, "--keep", "conv2d.kernel_size=k", "--quantity", "conv2d_1.output_size")
    assert one.out == "conv2d_1.output_size = floor((31 - k)/2) - 3\n"  # floor((31-k)/2) + 1 - 5 + 1
    scaled = cli("formula", path, "--keep", "filters=w*", "--layer", "conv2d_1", "--quantity", "params")
    assert scaled.out == "params = 16*w*(150*w + 1)\n"  # 16w filters over 6w channels: (25*6w + 1)*16w
    # --layer alone asks for that layer's parameters, not the model's total
    assert cli("formula", path, "--keep", "filters=w*", "--layer", "conv2d_1").out == scaled.out
    assert cli("formula", path, "--layer", "dense").out == "params = 16010\n"  # 10*10*16 inputs: 1600*10 + 10
    assert cli("summary", path, "--format", "json").json()["layers"][2]["params"] == 16 * (150 + 1)


def test_rewritten_symbol_takes_the_value_it_replaced(spec_file):
    model = load(spec_file("input: [28, 28, 1]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 3}\n  - Flatten: {}\n"))
    formula = closed_form(model, parse_keep(["filters=f"]), "total_params", values={})
    assert formula.text == "10*f"  # (9*1 + 1) f
    rewritten = closed_form(model, parse_keep(["kernel_size=k"]), "output_size", "conv2d")
    assert rewritten.text == "29 - k"
    assert rewritten.analysis.values == {}  # k is free; its value (3) is the model's


def test_merging_floors_keeps_values():
    x, c = sp.symbols("x c", integer=True)
    for m in (1, 2, 3):
        for n in (2, 5):
            nested = sp.floor((sp.floor(x / m) + c) / n)
            merged = merge_roundings(nested)
            assert not merged.args[0].has(sp.floor)
            up = sp.ceiling((sp.ceiling(x / m) + c) / n)
            merged_up = merge_roundings(up)
            for xv in range(-20, 21):
                for cv in (-3, 0, 4):
                    point = {x: xv, c: cv}
                    assert merged.xreplace(point) == nested.xreplace(point)
                    assert merged_up.xreplace(point) == up.xreplace(point)


def test_markdown_and_latex_derivations(cli):
    md = cli("formula", "lenet5", "--keep", "k", "--format", "markdown")
    assert md.status == 0, md.err
    assert "# Closed form: total parameters of lenet5" in md.out
    assert "Kept free: $k$. Values put in: $f = 8$." in md.out
    assert r"\left\lfloor{\frac{31 - 3 k}{4}}\right\rfloor + 1" in md.out
    assert "`152*k**2 + 1920*(floor((31 - 3*k)/4) + 1)**2 + 11158`" in md.out
    tex = cli("formula", "lenet5", "--format", "latex")
    assert tex.out.startswith(r"\documentclass") and tex.out.rstrip().endswith(r"\end{document}")
    one_layer = cli("formula", "lenet5", "--quantity", "conv2d_1.params", "--format", "markdown").out
    assert "## 3. conv2d\\_1" in one_layer and "## 4." not in one_layer


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--keep", "__import__('os').system('touch /tmp/calc-pwned')"], ["--keep", "not a symbol name"]),
        (["--keep", "kernel_size=1+1"], ["cannot read"]),
        (["--keep", "kernel_size=k;rm"], ["cannot read"]),
        (["--keep", "kernel_size=__class__"], ["cannot read"]),
        (["--keep", "units=lambda"], ["not a usable symbol name"]),
        (["--keep", "activation=a"], ["'activation' cannot become a symbol"]),
        (["--keep", "conv9.kernel_size=k"], ["no layer named 'conv9'"]),
        (["--keep", "dense.kernel_size=k"], ["Dense has no argument 'kernel_size'"]),
        (["--keep", "z"], ["no symbol 'z'"]),
        (["--keep", ",".join(["k"] * 40)], ["at most 32"]),
        (["--keep", "x" * 5000], ["not a symbol name"]),
        (["--keep", "k", "--set", "k=3"], ["both kept free and given a value"]),
        (["--keep", "k", "--set", "q=3"], ["no symbol 'q'"]),
        (["--quantity", "weights"], ["unknown quantity 'weights'"]),
        (["--layer", "nope"], ["no layer named 'nope'"]),
        (["--quantity", "dense.output_height"], ["dense has no height axis"]),
        (["--keep", "padding=p*"], ["padding 'valid' is not a number of zeros"]),
    ],
)
def test_hostile_and_wrong_input(cli, args, words):
    run = cli("formula", "lenet5", *args)
    assert run.status == 2, run.out
    assert run.err.count("\n") == 1 and run.err.startswith("calc: "), run.err
    for word in words:
        assert word in run.err
    assert run.out == ""


def test_a_symbol_without_value_must_be_kept(spec_file, cli):
    path = spec_file("input: [n, n, 3]\nsymbols: {k: 3}\nlayers:\n  - Conv2D: {filters: 4, kernel_size: k}\n")
    run = cli("formula", path, "--keep", "k", "--quantity", "output_size")
    assert run.status == 2 and "symbol 'n' has no value" in run.err
    assert cli("formula", path, "--keep", "k").out == "total_params = 12*k**2 + 4\n"  # n does not matter here
    assert cli("formula", path, "--quantity", "output_size").out == "output_size = n - k + 1\n"


def test_python_models_can_be_rewritten():
    from calc import Sequential
    from calc import layers as L

    model = Sequential([L.Conv2D(8, 5, padding=2), L.Flatten()], input=(32, 32, 3))
    formula = closed_form(model, parse_keep(["padding=p"]), "output_size", "conv2d")
    assert formula.text == "2*p + 28"  # 32 + 2p - 5 + 1
    assert from_text("input: [3]\nlayers:\n  - Dense: {units: 2}\n").layers[0].arguments() == {"units": 2}


@pytest.mark.parametrize("keep", [[], ["--keep", "k"]])
def test_formula_latex_compiles(cli, tmp_path, keep):
    from tests.test_reports import _compile

    tex = tmp_path / "formula.tex"
    assert cli("formula", "lenet5", *keep, "--format", "latex", "-o", str(tex)).status == 0
    result = _compile(tex)
    assert result.returncode == 0, result.stdout[-2000:]


HOSTILE = (
    "name: 'evil & <script>alert(1)</script> $\\\\ 100% #1 ~ ^ _ { }'\ninput: [8, 8, 3]\nsymbols: {k: 3}\nlayers:\n"
    "  - Conv2D: {filters: 4, kernel_size: k, name: 'conv_1&\\\\input{/etc/passwd}'}\n"
    "  - Dense: {units: 2, name: 'x\\\\end{document}'}\n"
)


@pytest.mark.parametrize(
    "args",
    [
        ["formula", "{spec}", "--format", "latex"],
        ["scaling", "{spec}", "--in", "k", "--format", "latex"],
        ["solve", "{spec}", "--target", "total_params<=500", "--for", "k", "--format", "latex"],
    ],
    ids=["formula", "scaling", "solve"],
)
def test_hostile_names_in_latex(cli, spec_file, tmp_path, args):
    from tests.test_reports import _compile

    path = spec_file(HOSTILE, ".yml")
    run = cli(*[path if a == "{spec}" else a for a in args])
    assert run.status == 0, run.err
    assert "\\input{/etc/passwd}" not in run.out and run.out.endswith("\\end{document}\n")
    tex = tmp_path / "out.tex"
    tex.write_text(run.out, encoding="utf-8")
    assert _compile(tex).returncode == 0


def test_hostile_names_in_markdown(cli, spec_file):
    path = spec_file(
        "name: '<script>x</script>'\ninput: [4]\nsymbols: {u: 2}\nlayers:\n  - Dense: {units: u, name: '<b>*x*</b>'}\n"
    )
    for args in (["formula"], ["scaling", "--in", "u"], ["solve", "--target", "params<=9", "--for", "u"]):
        out = cli(args[0], path, *args[1:], "--format", "markdown").out
        assert "<script>" not in out and "<b>" not in out, args


def test_keep_on_graphs_and_pytorch_keeps_the_model(cli, spec_file):
    """--keep rebuilds layers in place: a graph stays a graph, a PyTorch model stays channels-first."""
    torch_spec = spec_file(
        "dialect: pytorch\ninput: [3, 32, 32]\nlayers:\n"
        "  - Conv2d: {in_channels: 3, out_channels: 8, kernel_size: 5, padding: 1}\n"
    )
    # (5*5*3 + 1) * f = 76 f
    assert cli("formula", torch_spec, "--keep", "out_channels=f").out.strip() == "total_params = 76*f"
    graph = spec_file(
        "inputs: {a: [8]}\nlayers:\n  - Dense: {units: 4, name: shared}\n  - shared: {inputs: [a]}\n"
        "  - Add: {inputs: [shared, 'shared[1]']}\n"
    )
    # one shared Dense counted once: 8 u + u
    assert cli("formula", graph, "--keep", "units=u").out.strip() == "total_params = 9*u"


def test_summary_of_free_symbols_merges_floors_as_formula_does(cli, spec_file):
    """calc summary used to print floor(-k/2 + floor(31/2 - k/2)/2) + 1 where calc formula writes
    floor((31 - 3*k)/4) + 1; both now read the same merged form, in every format."""
    spec = spec_file(
        "input: [32, 32, 3]\nsymbols: {f: 8}\nlayers:\n"
        "  - Conv2D: {filters: f, kernel_size: k}\n  - MaxPooling2D: {pool_size: 2}\n"
        "  - Conv2D: {filters: 2*f, kernel_size: k}\n  - MaxPooling2D: {pool_size: 2}\n"
        "  - Flatten: {}\n  - Dense: {units: 120}\n"
    )
    text = cli("summary", spec).out
    total = cli("formula", spec, "--keep", "k").out.split(" = ", 1)[1].strip()
    assert f"Total params: {total}\n" in text
    assert "(None, floor((31 - 3*k)/4) + 1, floor((31 - 3*k)/4) + 1, 16)" in text
    assert "floor(-k/2" not in text and "floor(31/2" not in text
    data = cli("summary", spec, "--format", "json").json()
    assert data["layers"][3]["output_shape"] == [None, "floor((31 - 3*k)/4) + 1", "floor((31 - 3*k)/4) + 1", 16]
    assert data["total_params"] == total
    assert "Receptive field: (3*k + 1)×(3*k + 1)" in cli("summary", spec, "--columns", "rf").out
