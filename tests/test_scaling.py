"""calc scaling: degrees, elasticities and doubling factors, each checked by hand or by the summary."""

from __future__ import annotations

import pytest


def test_lenet5_in_k(cli):
    data = cli("scaling", "lenet5", "--in", "k", "--format", "json").json()
    assert (data["symbol"], data["value"], data["values"], data["valid"]) == ("k", 5, {"f": 8}, [[1, 10]])
    layers = {layer["name"]: layer for layer in data["layers"]}
    conv = layers["conv2d"]
    # 8 (3k^2 + 1): degree 2; E = k P'/P = 48k^2 / (24k^2 + 8) = 1200/608 at k = 5; k = 10: 8 * 301 = 2408
    assert (conv["degree"], conv["params"], conv["doubled_params"]) == (2, 608, 2408)
    assert conv["elasticity"] == pytest.approx(1200 / 608)
    assert conv["factor"] == pytest.approx(2408 / 608)
    assert conv["sentence"] == "doubling k multiplies conv2d's parameters by 3.96 (608 → 2,408)."
    # dense: 1920 (floor((31 - 3k)/4) + 1)^2 + 120; smooth form 1920 ((35 - 3k)/4)^2 + 120:
    # E = k * 1920 * 2 * (35 - 3k)/4 * (-3/4) / P = 5 * (-14400) / 48120 at k = 5
    dense = layers["dense"]
    assert dense["degree"] == 2 and dense["elasticity"] == pytest.approx(-72000 / 48120)
    assert layers["dense_1"]["degree"] == 0 and layers["dense_1"]["factor"] == 1
    assert layers["flatten"]["degree"] is None and layers["flatten"]["sentence"] == "flatten has no parameters."


def test_the_trend_over_the_valid_range_says_what_degree_hides(cli):
    """dense's count has degree 2 in k, yet over k = 1..10 (the only valid values) it falls: its smooth form
    1920 ((35 - 3k)/4)^2 + 120 has slope -360 (35 - 3k) < 0 for k < 35/3. The total,
    1232k^2 - 25200k + 158158 smoothed, turns at k = 25200/2464 = 10.2, past 10: it falls too."""
    data = cli("scaling", "lenet5", "--in", "k", "--format", "json").json()
    assert data["trend_range"] == [1, 10]
    trends = {layer["name"]: layer["trend"] for layer in data["layers"]}
    assert trends == {
        "conv2d": "rises",
        "max_pooling2d": None,
        "conv2d_1": "rises",
        "max_pooling2d_1": None,
        "flatten": None,
        "dense": "falls",
        "dense_1": "constant",
        "dense_2": "constant",
    }
    assert data["total"]["trend"] == "falls" and data["total"]["degree"] == 2
    text = cli("scaling", "lenet5", "--in", "k").out
    assert "Over k = 1–10" in text and "a count of degree 2 can still fall there" in text
    assert [line.split()[-4] for line in text.splitlines() if line.startswith("dense (Dense)")] == ["falls"]


def test_a_trend_that_turns_names_both_pieces():
    import sympy as sp

    from calc.explore.scaling import trend

    k = sp.Symbol("k")
    assert trend((k - 4) ** 2 + sp.floor(k / 2) * 0, k, 1, 10) == "falls then rises"
    assert trend(sp.Integer(0), k, 1, 10) is None and trend(k, k, 3, 3) is None


def test_doubling_is_the_summary_at_twice_the_value(cli):
    data = cli("scaling", "lenet5", "--in", "k", "--format", "json").json()
    at_ten = cli("summary", "lenet5", "--set", "k=10", "--format", "json").json()
    assert data["total"]["doubled_params"] == at_ten["total_params"] == 28278
    assert [x["doubled_params"] for x in data["layers"]] == [x["params"] for x in at_ten["layers"]]
    assert data["total"]["sentence"] == (
        "doubling k (5 → 10) multiplies the total by 0.449 (62,958 → 28,278) because dense shrinks "
        "(48,120 → 2,040), more than conv2d_1 grows (×3.99)."
    )


def test_growth_held_back_by_a_shrinking_layer(cli, spec_file):
    path = spec_file(
        "input: [8, 8, 64]\nsymbols: {k: 1}\nlayers:\n  - Conv2D: {filters: 64, kernel_size: k}\n"
        "  - Flatten: {}\n  - Dense: {units: 1}\n"
    )
    # conv: (64k^2 + 1) 64 = 4160 -> 16448 at k = 2; dense: 64 (9 - k)^2 + 1 = 4097 -> 3137;
    # total 8257 -> 19585, x2.37
    data = cli("scaling", path, "--in", "k", "--format", "json").json()
    assert data["total"]["params"] == 4160 + 4097 and data["total"]["doubled_params"] == 16448 + 3137
    assert data["total"]["sentence"] == (
        "doubling k (1 → 2) multiplies the total by 2.37 (8,257 → 19,585), less than conv2d's ×3.95 "
        "because dense shrinks (4,097 → 3,137)."
    )


def test_filters_and_text_output(cli):
    run = cli("scaling", "lenet5", "--in", "f")
    assert run.status == 0, run.err
    assert "Scaling of lenet5 in f at f = 8 (k = 5)" in run.out
    # conv2d_1: 2f(25f + 1) is quadratic in f; conv2d and dense are linear
    row = next(line.split() for line in run.out.splitlines() if line.startswith("conv2d_1 (Conv2D)"))
    assert row[2:5] == ["3,216", "rises", "2"]
    assert "The model is valid for f = 1 to 100,000 and beyond" in run.out
    assert "Doubling f multiplies conv2d's parameters by 2 (608 → 1,216)." in run.out


def test_doubling_out_of_the_valid_range(cli):
    data = cli("scaling", "lenet5", "--in", "k", "--set", "k=6", "--format", "json").json()
    assert data["value"] == 6 and data["total"]["doubled_params"] is None
    assert "makes the model invalid: layer 3 (conv2d_1, Conv2D)" in data["total"]["sentence"]


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_derivations(cli, fmt):
    run = cli("scaling", "lenet5", "--in", "k", "--format", fmt)
    assert run.status == 0, run.err
    assert r"\frac{6 k^{2}}{3 k^{2} + 1}" in run.out  # conv2d's elasticity, 48k^2/(24k^2 + 8)
    if fmt == "latex":
        assert r"\(\rightarrow\)" in run.out and "[U+" not in run.out


def test_scaling_latex_compiles(cli, tmp_path):
    from tests.test_reports import _compile

    tex = tmp_path / "scaling.tex"
    assert cli("scaling", "lenet5", "--in", "k", "--format", "latex", "-o", str(tex)).status == 0
    assert _compile(tex).returncode == 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--in", "z"], ["no symbol 'z'"]),
        (["--in", "k;rm -rf /"], ["no symbol"]),
        (["--in", "__import__('os')"], ["no symbol"]),
        (["--in", "k", "--set", "k=0"], ["positive whole number"]),
        (["--in", "k", "--keep", "filters=k*"], []),
        (["--format", "yaml", "--in", "k"], ["invalid choice"]),
        ([], ["--in"]),
    ],
)
def test_bad_input(cli, args, words):
    run = cli("scaling", "lenet5", *args)
    if not words:  # a rewrite that is fine: k both kernel size and filter factor
        assert run.status == 0, run.err
        return
    assert run.status == 2
    assert run.err.count("\n") == 1
    for word in words:
        assert word in run.err


def test_symbol_without_value(cli, spec_file):
    path = spec_file("input: [n, n, 3]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: k}\n  - Flatten: {}\n")
    run = cli("scaling", path, "--in", "k")
    assert run.status == 2 and "k has no value to scale from" in run.err
    other = cli("scaling", path, "--in", "k", "--set", "k=3")
    assert other.status == 2 and "symbol 'n' has no value; give it one (--set n=...)" in other.err
    sized = cli("scaling", path, "--in", "k", "--set", "k=3", "--set", "n=28", "--format", "json").json()
    assert sized["valid"] == [[1, 28]] and sized["total"]["params"] == 4 * (27 + 1)


def test_a_terminal_without_unicode_gets_stand_ins():
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    result = subprocess.run(
        [sys.executable, "-m", "calc", "scaling", "lenet5", "--in", "k"],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )
    assert result.returncode == 0, result.stderr
    assert b"(5 ? 10)" in result.stdout
