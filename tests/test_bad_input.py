"""Every kind of bad input: one line on stderr naming the file, the layer and the problem; exit 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

CONV = "input: [32, 32, 3]\nlayers:\n  - Conv2D: {%s}\n"

CASES = [
    # (id, file text, suffix, words the message must contain)
    ("malformed-yaml", "input: [32, 32\nlayers: [", ".yaml", ["malformed YAML at line"]),
    ("malformed-json", '{"input": [32, 32, 3], "layers": [}', ".json", ["malformed JSON at line 1"]),
    ("malformed-toml", "input = [32, 32\n", ".toml", ["malformed TOML"]),
    ("empty", "", ".yaml", ["the file is empty"]),
    ("blank-yaml", "# nothing\n", ".yaml", ["the file is empty"]),
    ("not-a-mapping", "- 1\n- 2\n", ".yaml", ["a spec must be a mapping"]),
    ("missing-input", "layers:\n  - Dense: {units: 3}\n", ".yaml", ["missing 'input'"]),
    ("layers-not-list", "input: [3]\nlayers: {Dense: {units: 3}}\n", ".yaml", ["'layers' must be a list"]),
    ("unknown-top-key", "input: [3]\nlayer: []\n", ".yaml", ["unknown key 'layer'", "did you mean 'layers'"]),
    (
        "unknown-layer",
        "input: [3]\nlayers:\n  - Dens: {units: 3}\n",
        ".yaml",
        ["layer 1", "unknown layer type 'Dens'", "did you mean 'Dense'"],
    ),
    (
        "unknown-argument",
        CONV % "filter: 8, kernel_size: 5",
        ".yaml",
        ["layer 1 (conv2d, Conv2D)", "no argument 'filter'", "did you mean 'filters'"],
    ),
    ("missing-argument", CONV % "kernel_size: 5", ".yaml", ["layer 1 (conv2d, Conv2D)", "needs 'filters'"]),
    (
        "not-one-key",
        "input: [3]\nlayers:\n  - {Dense: {units: 3}, Flatten: {}}\n",
        ".yaml",
        ["layer 1", "one-key mapping"],
    ),
    ("float-size", CONV % "filters: 8, kernel_size: 2.5", ".yaml", ["layer 1 (conv2d, Conv2D)", "kernel_size"]),
    ("zero-filters", CONV % "filters: 0, kernel_size: 5", ".yaml", ["filters must be a positive whole number"]),
    (
        "negative-stride",
        CONV % "filters: 8, kernel_size: 5, strides: -1",
        ".yaml",
        ["strides must be a positive whole number"],
    ),
    ("fraction-filters", CONV % "filters: 7/2, kernel_size: 5", ".yaml", ["filters must be a positive whole number"]),
    ("bad-input-size", "input: [0, 32, 3]\nlayers:\n  - Flatten: {}\n", ".yaml", ["input sizes must be positive"]),
    (
        "kernel-too-large",
        CONV % "filters: 8, kernel_size: 40",
        ".yaml",
        ["layer 1 (conv2d, Conv2D)", "larger than the padded input"],
    ),
    (
        "pool-too-large",
        "input: [4, 4, 3]\nlayers:\n  - MaxPooling2D: {pool_size: 5}\n",
        ".yaml",
        ["layer 1 (max_pooling2d, MaxPooling2D)", "larger than the padded input"],
    ),
    (
        "groups",
        "input: [8, 8, 3]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 3, groups: 2}\n",
        ".yaml",
        ["groups=2 does not divide the 3 input channels"],
    ),
    (
        "rank",
        "input: [32, 32, 3]\nlayers:\n  - Flatten: {}\n  - Conv2D: {filters: 4, kernel_size: 3}\n",
        ".yaml",
        ["layer 2 (conv2d, Conv2D)", "exactly 3 axes", "(None, 3072)"],
    ),
    ("huge-power", CONV % "filters: '9**9**9**9', kernel_size: 5", ".yaml", ["exponent must be a whole number"]),
    (
        "deep-parentheses",
        CONV % ("filters: '" + "(" * 5000 + "8" + ")" * 5000 + "', kernel_size: 5"),
        ".yaml",
        ["expression is too long"],
    ),
    (
        "python-code",
        CONV % "filters: \"__import__('os').system('touch /tmp/calc-pwned')\", kernel_size: 5",
        ".yaml",
        ["unexpected character"],
    ),
    ("dunder-name", CONV % "filters: __class__, kernel_size: 5", ".yaml", ["not a usable symbol name"]),
    ("deep-yaml", "input: " + "[" * 10000 + "]" * 10000 + "\nlayers: []\n", ".yaml", ["nested too deeply"]),
    ("deep-json", '{"input": ' + "[" * 100000 + "]" * 100000 + ', "layers": []}', ".json", ["nested too deeply"]),
    (
        "bad-symbols",
        "input: [3]\nsymbols: [k]\nlayers:\n  - Dense: {units: 3}\n",
        ".yaml",
        ["'symbols' must be a mapping"],
    ),
    (
        "bad-symbol-value",
        "input: [3]\nsymbols: {k: -2}\nlayers:\n  - Dense: {units: k}\n",
        ".yaml",
        ["value of k must be a positive whole number"],
    ),
    (
        "duplicate-names",
        "input: [3]\nlayers:\n  - Dense: {units: 3, name: a}\n  - Dense: {units: 3, name: a}\n",
        ".yaml",
        ["two layers are named 'a'"],
    ),
    ("no-layers", "input: [3]\nlayers: []\n", ".yaml", ["the model has no layers"]),
    ("input-mapping", "input: {a: 1}\nlayers:\n  - Dense: {units: 3}\n", ".yaml", ["input must be a list of sizes"]),
    (
        "chain-outputs",
        "input: [8]\noutputs: [zz]\nlayers:\n  - Dense: {units: 3}\n",
        ".yaml",
        ["a chain of layers has one output, its last layer 'dense'"],
    ),
    ("binary", "\udcff", ".yaml", ["not UTF-8"]),
]


@pytest.mark.parametrize(("text", "suffix", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_spec(cli, tmp_path, text, suffix, words):
    path = tmp_path / f"model{suffix}"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    run = cli("summary", str(path))
    assert run.status == 2, run.out
    assert run.out == ""
    assert run.err.count("\n") == 1 and run.err.startswith(f"calc: {path}: "), run.err
    for word in words:
        assert word in run.err
    assert not os.path.exists("/tmp/calc-pwned")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["summary", "no-such-model"], ["no-such-model", "no such file, and no zoo model", "lenet5"]),
        (["summary", "lenet5", "--set", "z=3"], ["lenet5", "no symbol 'z'", "its symbols: f, k"]),
        (["summary", "lenet5", "--set", "k=0"], ["value of k must be a positive whole number"]),
        (["summary", "lenet5", "--set", "k=9**9**9"], ["exponent"]),
        (["summary", "lenet5", "--set", "k=40"], ["layer 1 (conv2d, Conv2D)", "larger than the padded input"]),
        (["summary", "lenet5", "--set", "k"], ["expected NAME=VALUE"]),
        (["summary", "lenet5", "--format", "yaml"], ["invalid choice"]),
        (["frobnicate"], ["invalid choice"]),
    ],
)
def test_bad_command_line(cli, args, words):
    run = cli(*args)
    assert run.status == 2
    assert run.err.count("\n") == 1, run.err
    for word in words:
        assert word in run.err


def test_directory_is_not_a_spec(cli, tmp_path):
    run = cli("summary", str(tmp_path))
    assert run.status == 2 and "not a regular file" in run.err


def test_real_process_has_no_traceback(tmp_path):
    """The installed entry point, as a user runs it: one line, exit 2, quickly even for hostile text."""
    path = tmp_path / "evil.yaml"
    path.write_text(CONV % "filters: '9**9**9**9', kernel_size: 5")
    result = subprocess.run(
        [sys.executable, "-m", "calc", "derive", str(path)], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_version(cli):
    import calc

    run = cli("--version")
    assert run.status == 0 and run.out == f"calc {calc.__version__}\n"


@pytest.mark.parametrize(("typed", "meant"), [("lenet", "lenet5"), ("resnet", "resnet50"), ("vgg_16", "vgg16")])
def test_a_misspelt_zoo_name_gets_a_suggestion(cli, typed, meant):
    run = cli("summary", typed)
    assert run.status == 2
    assert f"(did you mean '{meant}'" in run.err and run.err.count("\n") == 1
