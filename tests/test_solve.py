"""calc solve: whole-number answers within a range, each checked by building the model."""

from __future__ import annotations

import pytest

PADDED = (
    "input: [32, 32, 3]\nlayers:\n  - Conv2D: {filters: 6, kernel_size: 5, strides: 1, padding: p}\n  - Flatten: {}\n"
)


def test_padding_that_keeps_32(cli, spec_file):
    # 32 + 2p - 5 + 1 = 32  =>  p = 2
    args = ["solve", spec_file(PADDED), "--layer", "conv2d", "--target", "output_size=32", "--for", "padding"]
    data = cli(*args, "--range", "0:10", "--format", "json").json()
    assert data["solutions"] == [{"padding": 2}]
    assert data["checks"] == [{"padding": 2, "output_size": 32, "holds": True}]
    text = cli(*args, "--range", "0:10").out
    assert "output_size = 2*padding + 28" in text
    assert "padding = 2: output shape (None, 32, 32, 6), output_size = 32 ✓" in text


def test_the_model_symbol_itself(cli, spec_file):
    data = cli(
        "solve",
        spec_file(PADDED),
        "--target",
        "conv2d.output_size=32",
        "--for",
        "p",
        "--range",
        "1:10",
        "--format",
        "json",
    ).json()
    assert data["solutions"] == [{"p": 2}]


def test_strides_and_the_layers_after(cli):
    # pooling 28 -> floor((28 - 2)/s) + 1 = 8 needs 26/s in [7, 8), s in (3.25, 3.71]: no whole number
    data = cli(
        "solve",
        "lenet5",
        "--layer",
        "max_pooling2d",
        "--target",
        "output_size=8",
        "--for",
        "strides",
        "--format",
        "json",
    ).json()
    assert data["solutions"] == []
    # conv 32 -> floor(27/s) + 1 = 7 for s = 4 (27/4 = 6.75), but then pooling gives 3 and the 5-wide
    # second convolution no longer fits: the answer must keep the whole model valid
    later = cli(
        "solve", "lenet5", "--layer", "conv2d", "--target", "output_size=7", "--for", "strides", "--format", "json"
    ).json()
    assert later["solutions"] == [] and later["checks"] == []
    smallest = cli(
        "solve", "lenet5", "--layer", "conv2d", "--target", "output_size>=14", "--for", "strides", "--format", "json"
    ).json()
    assert smallest["solutions"] == [{"strides": 1}]  # the smallest stride that keeps at least 14 (28)


def test_several_solutions(cli, spec_file):
    path = spec_file("input: [32, 32, 3]\nlayers:\n  - Conv2D: {filters: 6, kernel_size: 3, strides: 2, padding: 1}\n")
    # floor((32 + 2p - 3)/2) + 1 = 16  =>  (29 + 2p)/2 in [15, 16)  =>  2p in [1, 3)  =>  p = 1
    data = cli(
        "solve",
        path,
        "--layer",
        "conv2d",
        "--target",
        "output_size=16",
        "--for",
        "padding",
        "--range",
        "0:5",
        "--format",
        "json",
    ).json()
    assert data["solutions"] == [{"padding": 1}]
    kernels = cli(
        "solve",
        path,
        "--layer",
        "conv2d",
        "--target",
        "output_size=15",
        "--for",
        "kernel_size",
        "--range",
        "1:9",
        "--format",
        "json",
    ).json()
    # floor((34 - k)/2) + 1 = 15  =>  (34 - k)/2 in [14, 15)  =>  k in (4, 6]  =>  k = 5, 6: a floor gives two answers
    assert kernels["solutions"] == [{"kernel_size": 5}, {"kernel_size": 6}]


def test_budget_gives_the_largest_value_that_fits(cli):
    # lenet5 with k = 5: total = 50 f^2 + 6078 f + 11134: f = 13 -> 8450 + 79014 + 11134 = 98598; f = 14 -> 106026
    data = cli("solve", "lenet5", "--target", "total_params<=100000", "--for", "f", "--format", "json").json()
    assert data["solutions"] == [{"f": 13}]
    assert data["checks"] == [
        {"f": 13, "total_params": 98598, "holds": True},
        {"f": 14, "total_params": 106026, "holds": False},
    ]
    filters = cli(
        "solve",
        "lenet5",
        "--layer",
        "conv2d_1",
        "--target",
        "total_params<=100000",
        "--for",
        "filters",
        "--format",
        "json",
    ).json()
    # conv2d_1 with g filters: (25*8 + 1) g; dense: 25 g * 120 + 120; rest 608 + 10164 + 850:
    # 201 g + 3000 g + 120 + 11622 <= 100000  =>  3201 g <= 88258  =>  g = 27 (86427 + 11742 = 98169)
    assert filters["solutions"] == [{"filters": 27}]
    assert filters["checks"][0]["total_params"] == 98169


def test_solving_for_the_kernel_size(cli):
    run = cli("solve", "lenet5", "--layer", "conv2d", "--target", "output_size=28", "--for", "kernel_size")
    assert run.status == 0
    assert "output_size = 33 - kernel_size" in run.out and "1 solution: kernel_size = 5." in run.out


def test_same_padding_is_replaced(cli, spec_file):
    path = spec_file("input: [28, 28, 1]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 3, padding: same}\n")
    run = cli("solve", path, "--layer", "conv2d", "--target", "output_size=30", "--for", "padding")
    assert "The layer's 'same' padding is replaced by explicit padding." in run.out
    assert "1 solution: padding = 2." in run.out  # 28 + 2p - 3 + 1 = 30


def test_no_solution(cli):
    run = cli(
        "solve", "lenet5", "--layer", "conv2d", "--target", "output_size=14", "--for", "padding", "--range", "0:10"
    )
    assert run.status == 0
    assert "No padding from 0 to 10 gives output_size = 14." in run.out
    assert "no solution even without the floors" in run.out  # 28 + 2p = 14 needs p = -7


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_derivation(cli, spec_file, fmt):
    run = cli(
        "solve",
        spec_file(PADDED),
        "--layer",
        "conv2d",
        "--target",
        "output_size=32",
        "--for",
        "padding",
        "--range",
        "0:10",
        "--format",
        fmt,
    )
    assert run.status == 0, run.err
    assert r"2 \cdot \mathit{padding} + 28" in run.out


def test_solve_latex_compiles(cli, tmp_path):
    from tests.test_reports import _compile

    tex = tmp_path / "solve.tex"
    args = ["solve", "lenet5", "--target", "total_params<=100000", "--for", "f", "--format", "latex"]
    assert cli(*args, "-o", str(tex)).status == 0
    assert _compile(tex).returncode == 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--target", "output_size=28", "--for", "padding"], ["needs --layer"]),
        (
            ["--layer", "conv2d", "--target", "output_size=28", "--for", "padding", "--range", "0:1000000000"],
            ["at most"],
        ),
        (["--layer", "conv2d", "--target", "output_size=28", "--for", "padding", "--range", "5:1"], ["empty"]),
        (
            ["--layer", "conv2d", "--target", "output_size=28", "--for", "padding", "--range", "0:10**9"],
            ["cannot read"],
        ),
        (["--layer", "conv2d", "--target", "output_size=28", "--for", "strides", "--range", "0:5"], ["at least 1"]),
        (["--target", "total_params<=100000", "--for", "f", "--range", "0:5"], ["at least 1"]),
        (["--layer", "conv2d", "--target", "output_size=28", "--for", "units"], ["has no argument 'units'"]),
        (["--layer", "conv9", "--target", "output_size=28", "--for", "padding"], ["no layer named 'conv9'"]),
        (["--target", "output_size=28", "--for", "__import__('os')"], ["neither a model symbol"]),
        (["--target", "output_size=28", "--for", "kernel"], ["did you mean"]),
        (["--target", "__import__('os').system('x')=1", "--for", "f"], ["cannot read"]),
        (["--target", "output_size=2**64", "--for", "f"], ["cannot read"]),
        (["--target", "output_size=" + "9" * 30, "--for", "f"], ["cannot read"]),
        (["--target", "weights=3", "--for", "f"], ["unknown quantity 'weights'"]),
        (["--target", "output_shape=3", "--for", "f"], ["not a number"]),
        (["--target", "total_params<=1", "--for", "f", "--set", "f=3"], ["cannot also be set"]),
        (["--target", "total_params<=1", "--for", "f", "--range", "1:99999999999"], ["too large", "at most"]),
    ],
)
def test_bad_input(cli, args, words):
    run = cli("solve", "lenet5", *args)
    assert run.status == 2, run.out
    assert run.err.count("\n") == 1 and run.err.startswith("calc: "), run.err
    assert any(word in run.err for word in words), run.err
