"""``calc check`` for one answer: exit 0 correct, 1 incorrect, 2 unusable with one line on stderr."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.test_lenet5 import SYMBOLIC


def test_correct(cli):
    run = cli("check", "lenet5", "--layer", "conv2d", "--quantity", "params", "--answer", "8 × 76")
    assert run.status == 0, run.err
    assert run.out.startswith("correct: conv2d params is 608\n")


def test_incorrect_with_mistake_and_step(cli):
    run = cli("check", "lenet5", "--layer", "conv2d", "--quantity", "params", "--answer", "600")
    assert run.status == 1
    lines = run.out.splitlines()
    assert lines[:2] == ["incorrect: conv2d params is 608, not 600", "mistake: forgot_bias"]
    assert "  P = f·(c_in·k_h·k_w + 1)" in lines
    assert "  one filter: c_in·k_h·k_w + 1 = 3·5·5 + 1 = 76; 8 filters: 8·76 = 608" in lines


def test_json(cli):
    run = cli(
        "check", "lenet5", "--layer", "conv2d", "--quantity", "output_shape", "--answer", "27x27x8", "--format", "json"
    )
    assert run.status == 1
    data = run.json()
    assert list(data) == [
        "correct",
        "quantity",
        "layer",
        "expected",
        "answer",
        "mistake",
        "mistakes",
        "feedback",
        "alternatives",
    ]
    assert data["correct"] is False
    assert (data["quantity"], data["layer"], data["mistake"]) == ("output_shape", "conv2d", "forgot_plus_one")
    assert (data["expected"], data["answer"]) == ("(None, 28, 28, 8)", "(None, 27, 27, 8)")
    assert "n_out = ⌊(n + 2·p - k)/s⌋ + 1 = ⌊(32 + 2·0 - 5)/1⌋ + 1 = 28" in data["feedback"]


def test_total_without_layer(cli):
    run = cli("check", "lenet5", "--quantity", "total_params", "--answer", "62,958", "--format", "json")
    assert run.status == 0
    assert run.json()["layer"] is None and run.json()["correct"] is True


def test_symbolic_spec_with_set(cli, spec_file):
    path = spec_file(SYMBOLIC)
    symbolic = cli("check", path, "--layer", "conv2d", "--quantity", "params", "--answer", "f(3k²+1)")
    assert symbolic.status == 0
    numeric = cli(
        "check", path, "--layer", "conv2d", "--quantity", "params", "--answer", "608", "--set", "k=5", "--set", "f=8"
    )
    assert numeric.status == 0


def test_markdown(cli):
    run = cli(
        "check", "lenet5", "--layer", "dense", "--quantity", "params", "--answer", "48000", "--format", "markdown"
    )
    assert run.status == 1
    assert run.out.startswith("**Incorrect** — parameters of dense")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--layer", "conv2d", "--quantity", "params", "--answer", "8 76"], ["answer '8 76'", "two numbers in a row"]),
        (["--layer", "conv2d", "--quantity", "params", "--answer", "x"], ["unknown name 'x'"]),
        (["--layer", "conv9", "--quantity", "params", "--answer", "1"], ["lenet5: no layer named 'conv9'"]),
        (["--layer", "conv2d", "--quantity", "total_params", "--answer", "1"], ["leave out the layer"]),
        (["--layer", "conv2d", "--quantity", "weights", "--answer", "1"], ["unknown quantity 'weights'"]),
        (["--layer", "conv2d", "--answer", "1"], ["--quantity is needed"]),
        (["--layer", "conv2d", "--quantity", "params"], ["one of the arguments --answer --answers is required"]),
        (["--layer", "conv2d", "--quantity", "params", "--answer", "1", "--format", "csv"], ["is for grading a CSV"]),
        (["--layer", "conv2d", "--quantity", "params", "--answer", "9**9**9**9"], ["exponent"]),
        (["--layer", "conv2d", "--quantity", "params", "--answer", "(" * 100_000], ["too long"]),
        (["--layer", "conv2d", "--quantity", "params", "--answer", "9" * 100_000], ["too long"]),
        (["--layer", "conv2d", "--quantity", "params", "--answer", "lambda: 0"], ["unexpected character ':'"]),
        (["--layer", "conv2d", "--quantity", "params", "--answer", "().__class__"], ["unexpected character '.'"]),
        (["--layer", "conv2d", "--quantity", "params", "--answer", "open('/tmp/x', 'w')"], ["unexpected character"]),
    ],
)
def test_unusable(cli, args, words):
    run = cli("check", "lenet5", *args)
    assert run.status == 2, run.out
    assert run.out == ""
    assert run.err.count("\n") == 1, run.err
    for word in words:
        assert word in run.err


# The rest of the hostile answers are refused in-process above and in test_answer_parsing.py.
HOSTILE = ["__import__('os').system('touch /tmp/calc-pwned-cli')", "2^2^2^2^2^2^2^2"]


@pytest.mark.parametrize("answer", HOSTILE)
def test_hostile_answer_in_a_real_process(answer):
    """As a user runs it: exit 2, one line, no traceback, nothing created; the timeout only guards a hang."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "calc",
            "check",
            "lenet5",
            "--layer",
            "conv2d",
            "--quantity",
            "params",
            "--answer",
            answer,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 2, result.stdout
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not os.path.exists("/tmp/calc-pwned-cli")


@pytest.mark.parametrize("answer", ["600", "200"])  # one mistake; two made together
def test_docs_example_is_current(cli, answer):
    """docs/students.md quotes calc check's output; it must be what the tool prints."""
    from tests.docs_examples import block, commands

    ((args, shown),) = commands(block("docs/students.md", f"check-{answer}"))
    assert args == ["check", "lenet5", "--layer", "conv2d", "--quantity", "params", "--answer", answer]
    run = cli(*args)
    assert run.status == 1
    assert run.out == "\n".join(shown) + "\n"
