"""calc sweep: the grid evaluation agrees with building the model at every point, valid or not."""

from __future__ import annotations

import csv
import io
import itertools
import json
import subprocess
import sys

import pytest

from calc import CalcError, load
from calc.explore.sweep import parse_vary, sweep
from tests.conftest import ROOT, require
from tests.test_lenet5 import SYMBOLIC

try:
    import numpy
except ImportError:  # the 'plot' extra, which the test extras install
    numpy = None


@pytest.fixture(autouse=True)
def _needs_numpy() -> None:
    require(numpy is not None, "numpy (pip install '.[plot]')")


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_48_point_sweep_of_lenet5(cli, spec_file):
    run = cli("sweep", spec_file(SYMBOLIC), "--vary", "k=3,5,7", "--vary", "f=4:64:4")
    assert run.status == 0, run.err
    rows = _rows(run.out)
    assert len(rows) == 48  # 3 kernel sizes x 16 filter counts (4, 8, ..., 64: the stop is included)
    assert list(rows[0]) == ["k", "f", "total_params", "invalid"]
    (seed,) = [r for r in rows if (r["k"], r["f"]) == ("5", "8")]
    assert seed["total_params"] == "62958" and seed["invalid"] == ""
    # k = 3, f = 8: 81,646 (docs/spec-format.md); first varied symbol changes slowest
    assert rows[1] == {"k": "3", "f": "8", "total_params": "81646", "invalid": ""}


def test_invalid_rows_are_kept_with_the_reason(cli):
    rows = _rows(cli("sweep", "lenet5", "--vary", "k=10,11,40", "--vary", "f=8").out)
    # k = 10: 23 -> 11 -> 2 -> 1, still valid; k = 11: 22 -> 11 -> 1 -> floor(-1/2) + 1 = 0
    assert rows[0]["invalid"] == "" and rows[0]["total_params"] != ""
    assert rows[1] == {
        "k": "11",
        "f": "8",
        "total_params": "",
        "invalid": "layer 4 (max_pooling2d_1, MaxPooling2D): output height would be 0 or less",
    }
    # k = 40 breaks the first layer already: 32 - 40 + 1 = -7
    assert rows[2]["invalid"] == "layer 1 (conv2d, Conv2D): output height would be 0 or less"


WINDOWS = """\
input: [n, n, 3]
layers:
  - Conv2D: {filters: f, kernel_size: k, strides: s, padding: p}
  - MaxPooling2D: {pool_size: 2, padding: same}
  - Conv2D: {filters: 2*f, kernel_size: 3, strides: s, groups: g}
  - AveragePooling2D: {pool_size: 3, strides: 2}
  - Flatten: {}
  - Dense: {units: 10}
"""


def test_every_point_agrees_with_building_the_model(spec_file):
    """Valid rows carry the summary's numbers; invalid rows are exactly the points the model refuses."""
    model = load(spec_file(WINDOWS))
    grid = {"n": (7, 16, 31), "k": (1, 3, 6), "s": (1, 2, 3), "p": (1, 2), "f": (2, 3, 4), "g": (1, 2)}
    varied = [parse_vary(f"{name}={','.join(map(str, values))}") for name, values in grid.items()]
    quantities = ["total_params", "conv2d_1.output_size", "dense.params"]
    result = sweep(model, varied, quantities)
    rows = result.rows()
    assert len(rows) == 3 * 3 * 3 * 2 * 3 * 2
    invalid = 0
    for row, point in zip(rows, itertools.product(*grid.values())):
        values = dict(zip(grid, point))
        assert {name: row[name] for name in grid} == values
        try:
            analysis = model.analyze(values)
        except CalcError:
            invalid += 1
            assert "invalid" in row, values
            continue
        assert "invalid" not in row, (values, row)
        assert row["total_params"] == analysis.total_params
        assert row["conv2d_1.output_size"] == analysis.layer("conv2d_1").output_shape[0]
        assert row["dense.params"] == analysis.layer("dense").params
    assert 0 < invalid < len(rows)  # groups 2 with 3 filters, 7x7 inputs with a 6-wide kernel, ...


def test_groups_that_do_not_divide_are_invalid(cli, spec_file):
    path = spec_file("input: [8, 8, 4]\nlayers:\n  - Conv2D: {filters: f, kernel_size: 3, groups: 2}\n")
    rows = _rows(cli("sweep", path, "--vary", "f=3,4").out)
    assert rows[0]["invalid"] == "layer 1 (conv2d, Conv2D): filters per group would not be a whole number"
    assert rows[1]["total_params"] == str((9 * 2 + 1) * 4)  # 4 filters over 4/2 channels each


def test_formats_and_output_file(cli, tmp_path):
    args = ["sweep", "lenet5", "--vary", "k=5,11", "--vary", "f=8", "--quantity", "total_params"]
    data = cli(*args, "--quantity", "conv2d.params", "--format", "json").json()
    assert data["vary"] == {"k": [5, 11], "f": [8]}
    assert data["quantities"] == ["total_params", "conv2d.params"]
    assert data["rows"][0] == {"k": 5, "f": 8, "total_params": 62958, "conv2d.params": 608}
    assert set(data["rows"][1]) == {"k", "f", "invalid"}
    markdown = cli(*args, "--format", "markdown").out
    assert "| 5 | 8 | 62,958 |  |" in markdown and "| k | f | total\\_params | invalid |" in markdown
    out = tmp_path / "sweep.csv"
    assert cli(*args, "-o", str(out)).out == ""
    assert "5,8,62958," in out.read_text()


def test_large_grid_matches_the_closed_form(cli):
    """A 20,000-point grid against the closed form, to catch an error in the whole-number code."""
    from calc.explore.formula import closed_form

    result = sweep(load("lenet5"), [parse_vary("k=1:10"), parse_vary("f=1:2000")])
    formula = closed_form(load("lenet5")).expression
    symbols = {s.name: s for s in formula.free_symbols}
    rows = result.rows()
    for row in rows[::97]:
        assert row["total_params"] == formula.xreplace({symbols["k"]: row["k"], symbols["f"]: row["f"]})


@pytest.mark.parametrize(
    ("vary", "words"),
    [
        (["k=1:10**9:1"], ["'10**9' is not a whole number"]),
        (["k=1:1000000000:1"], ["1,000,000,000 values", "at most 5,000,000"]),
        (["k=1:3000", "f=1:3000"], ["more than 5,000,000 points"]),
        (["k=0:5"], ["positive whole numbers"]),
        (["k=5:1"], ["empty"]),
        (["k=1:5:0"], ["positive whole numbers"]),
        (["k=1:2:3:4"], ["START:STOP"]),
        (["k=-3"], ["'-3' is not a whole number"]),
        (["k=1e9"], ["not a whole number"]),
        (["k=3,,5"], ["not a whole number"]),
        (["k=1,2;rm -rf /"], ["not a whole number"]),
        (["__import__('os')=1"], ["cannot read"]),
        (["k"], ["cannot read"]),
        (["k=" + "1," * 6000 + "1"], ["too long"]),
        (["z=1,2"], ["no symbol 'z'"]),
        (["k=3", "k=5"], ["given twice"]),
        ([], ["at least one --vary"]),
        (["k=1", "f=1", "a=1", "b=1", "c=1", "d=1", "e=1"], ["at most 6 symbols"]),
        (["f=1:100000000000:10000000000"], ["too large to compute exactly"]),
    ],
)
def test_hostile_vary_is_refused(cli, vary, words):
    run = cli("sweep", "lenet5", *(arg for v in vary for arg in ("--vary", v)))
    assert run.status == 2, run.out[:200]
    assert run.err.count("\n") == 1 and run.err.startswith("calc: "), run.err
    for word in words:
        assert word in run.err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--quantity", "output_shape"], ["is a shape"]),
        (["--quantity", "dense.weights"], ["unknown quantity"]),
        (["--set", "k=3"], ["both kept free and given a value"]),
        (["--plot", "out.pdf"], ["must end in .png or .svg"]),
        (["--format", "xlsx"], ["invalid choice"]),
    ],
)
def test_wrong_options(cli, args, words):
    run = cli("sweep", "lenet5", "--vary", "k=3,5", *args)
    assert run.status == 2
    assert run.err.count("\n") == 1
    for word in words:
        assert word in run.err


def test_huge_grid_is_refused_at_once():
    """The cap is checked on the counts, before any array exists (a subprocess, so a hang would show)."""
    result = subprocess.run(
        [sys.executable, "-m", "calc", "sweep", "lenet5", "--vary", "k=1:999999999999:1", "--vary", "f=1:99999"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 2 and "at most 5,000,000" in result.stderr


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_files(cli, tmp_path, suffix):
    require(_has("matplotlib"), "matplotlib (pip install '.[plot]')")
    path = tmp_path / f"sweep{suffix}"
    run = cli("sweep", "lenet5", "--vary", "k=1:12", "--vary", "f=4,8,16", "--plot", str(path), "--logy")
    assert run.status == 0, run.err
    data = path.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    else:
        assert b"<svg" in data[:2000] and b"</svg>" in data[-200:]
        assert b"total parameters" in data or b"total" in data


def test_plot_with_many_lines_uses_a_colour_scale(cli, tmp_path):
    require(_has("matplotlib"), "matplotlib (pip install '.[plot]')")
    path = tmp_path / "many.png"
    assert cli("sweep", "lenet5", "--vary", "k=3,5,7", "--vary", "f=4:64:4", "--plot", str(path)).status == 0
    assert path.read_bytes().startswith(b"\x89PNG")
    too_many = cli("sweep", "lenet5", "--vary", "k=3,5", "--vary", "f=1:100", "--plot", str(path))
    assert too_many.status == 2 and "lines" in too_many.err


def test_json_rows_parse(cli):
    text = cli("sweep", "lenet5", "--vary", "k=1:12", "--vary", "f=1:50", "--format", "json").out
    data = json.loads(text)
    assert len(data["rows"]) == 600
    assert sum("invalid" in row for row in data["rows"]) == 2 * 50


def test_sweep_a_rewritten_hyper_parameter(cli, spec_file):
    path = spec_file("input: [16, 16, 1]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 3}\n  - Flatten: {}\n")
    rows = _rows(cli("sweep", path, "--keep", "kernel_size=q", "--vary", "q=3,16,17").out)
    # (9 + 1) 4 = 40; 256 + 1 = 257 -> 1028 at q = 16 (a 1x1 output); q = 17 does not fit
    assert [r["total_params"] for r in rows] == ["40", "1028", ""]
    assert rows[2]["invalid"].startswith("layer 1 (conv2d, Conv2D): output height would be 0 or less")


CEIL_MODE = """\
dialect: pytorch
input: [3, n, n]
layers:
  - Conv2d: {in_channels: 3, out_channels: f, kernel_size: k}
  - MaxPool2d: {kernel_size: 3, stride: 2, ceil_mode: true}
  - ConvTranspose2d: {in_channels: f, out_channels: 4, kernel_size: 3, stride: 2}
  - Flatten: {}
"""


def test_minimum_and_maximum_sweep_exactly(spec_file):
    """ceil_mode is a minimum of two counts; every grid row agrees with building the model."""
    model = load(spec_file(CEIL_MODE))
    grid = {"n": tuple(range(5, 15)), "k": (1, 2, 3), "f": (1, 4)}
    varied = [parse_vary(f"{name}={','.join(map(str, values))}") for name, values in grid.items()]
    rows = sweep(model, varied, ["total_params", "max_pool2d.output_size", "flatten.output_size"]).rows()
    for row, point in zip(rows, itertools.product(*grid.values())):
        values = dict(zip(grid, point))
        analysis = model.analyze(values)
        assert row["max_pool2d.output_size"] == analysis.layer("max_pool2d").output_shape[1]
        assert row["flatten.output_size"] == analysis.layer("flatten").output_shape[0]
        assert row["total_params"] == analysis.total_params


MERGES = """
input: [32, 32, 3]
layers:
  - Conv2D: {filters: 8, kernel_size: 3, padding: same, name: stem}
  - Conv2D: {filters: f, kernel_size: k, strides: s, padding: same, name: branch}
  - Add: {inputs: [stem, branch]}
  - Concatenate: {inputs: [stem, branch], name: joined}
"""


def test_merges_are_invalid_where_their_inputs_disagree(spec_file):
    """Symbolic sizes that may agree are accepted when the model is built, and kept as checks: a sweep
    refuses exactly the points where the residual branch's stride or width no longer fits the stem."""
    model = load(spec_file(MERGES))
    grid = {"s": (1, 2), "f": (4, 8, 16), "k": (1, 3)}
    varied = [parse_vary(f"{name}={','.join(map(str, values))}") for name, values in grid.items()]
    rows = sweep(model, varied, ["total_params", "joined.output_channels"]).rows()
    for row, point in zip(rows, itertools.product(*grid.values())):
        values = dict(zip(grid, point))
        try:
            analysis = model.analyze(values)
        except CalcError:
            assert "invalid" in row and "(the two must agree)" in row["invalid"], (values, row)
            continue
        assert "invalid" not in row, (values, row)
        assert row["total_params"] == analysis.total_params
    # only stride 1 and 8 filters fit the stem's 32x32x8; the stem has 8*(3*3*3 + 1) = 224 parameters and
    # the branch 8*(8*k*k + 1): 72 for k = 1, 584 for k = 3; the concatenation has 8 + 8 channels
    valid = [(row["k"], row["total_params"], row["joined.output_channels"]) for row in rows if "invalid" not in row]
    assert valid == [(1, 296, 16), (3, 808, 16)]


def test_pytorch_size_arguments_are_checked_at_every_point(cli, spec_file):
    """in_channels as a symbol may match the input when the model is built; the sweep checks each value."""
    path = spec_file(
        "dialect: pytorch\ninput: [3, 32, 32]\nlayers:\n  - Conv2d: {in_channels: c, out_channels: 8, kernel_size: 3}\n"
    )
    rows = _rows(cli("sweep", path, "--vary", "c=2:4:1").out)
    assert [row["total_params"] for row in rows] == ["", str(8 * (3 * 3 * 3 + 1)), ""]  # only c = 3 fits
    assert all("in_channels" in rows[i]["invalid"] and "must agree" in rows[i]["invalid"] for i in (0, 2))
