"""PyTorch source through the commands: derive writes the tutorial Net's worked solution, --style torchinfo
draws the tree of module calls, sizes may be symbols, several inputs are separated by ';', and --model
chooses among classes or builds one with arguments."""

from __future__ import annotations

from pathlib import Path

import calc
from calc.spec import SourceOptions, load

FILES = Path(__file__).parent / "fixtures" / "torch_source"
TUTORIAL = str(FILES / "tutorial_net.py")

SIAMESE = """\
import torch
import torch.nn as nn


class Siamese(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.encoder = nn.Linear(dim, 4)
        self.head = nn.Linear(8, 1)

    def forward(self, a, b):
        return self.head(torch.cat([self.encoder(a), self.encoder(b)], dim=1))
"""


def test_derive_writes_the_tutorial_nets_worked_solution(cli):
    run = cli("derive", TUTORIAL, "--input-shape", "3,32,32")
    assert run.status == 0, run.err
    assert run.out.startswith("# Worked solution: Net")
    assert "### 1. conv1 (Conv2d)" in run.out
    assert r"3 \cdot 5 \cdot 5 + 1 = 76$ numbers, and the $f = 6$ filters hold $P = 6 \cdot 76 = 456$" in run.out
    assert r"N = 16 \cdot 5 \cdot 5 = 400" in run.out  # x.view(-1, 16 * 5 * 5)
    assert "Applies pool again, to relu\\_1" in run.out  # self.pool, called twice, counted once


def test_torchinfo_style_is_the_tree_of_module_calls(cli):
    run = cli("summary", TUTORIAL, "--input-shape", "3,32,32", "--style", "torchinfo")
    assert run.status == 0, run.err
    lines = run.out.splitlines()
    assert lines[1].split() == ["Layer", "(type:depth-idx)", "Output", "Shape", "Param", "#"]
    assert [line.split() for line in lines[3:11]] == [
        ["Net", "[1,", "10]", "--"],
        ["├─Conv2d:", "1-1", "[1,", "6,", "28,", "28]", "456"],
        ["├─MaxPool2d:", "1-2", "[1,", "6,", "14,", "14]", "--"],
        ["├─Conv2d:", "1-3", "[1,", "16,", "10,", "10]", "2,416"],
        ["├─MaxPool2d:", "1-4", "[1,", "16,", "5,", "5]", "--"],
        ["├─Linear:", "1-5", "[1,", "120]", "48,120"],
        ["├─Linear:", "1-6", "[1,", "84]", "10,164"],
        ["├─Linear:", "1-7", "[1,", "10]", "850"],
    ]
    assert "Total params: 62,006" in run.out
    assert "Total mult-adds (M): 0.65" in run.out  # torchinfo's figure for this Net at batch size 1


def test_torchinfo_style_nests_blocks(cli):
    resnet = str(FILES / "resnet.py")
    run = cli("summary", resnet, "--input-shape", "3,32,32", "--model", "resnet20()", "--style", "torchinfo")
    assert run.status == 0, run.err
    assert "├─Sequential: 1-3" in run.out and "│    └─BasicBlock: 2-1" in run.out
    assert "│    │    └─Conv2d: 3-1                  [1, 16, 32, 32]           2,304" in run.out


def test_sizes_may_be_symbols():
    model = load(FILES / "lenet_lazy.py", SourceOptions(("1,n,n",), None))
    assert int(model.analyze({"n": 28}).total_params) == 61_706  # torch's count at 28x28
    assert int(model.analyze({"n": 32}).total_params) == 6 * 26 + 16 * 151 + 16 * 6 * 6 * 120 + 120 + 84 * 121 + 850


def test_several_inputs_and_a_shared_module(tmp_path: Path):
    path = tmp_path / "siamese.py"
    path.write_text(SIAMESE)
    summary = load(path, SourceOptions(("8", "8"), None)).summary().to_dict()
    rows = [(r["name"], r["output_shape"], r["params"]) for r in summary["layers"]]
    assert rows == [
        ("a", [None, 8], 0),
        ("b", [None, 8], 0),
        ("encoder", [None, 4], 36),  # one row for both calls: the weights are shared
        ("cat", [None, 8], 0),
        ("head", [None, 1], 9),
    ]


def test_model_builds_a_class_with_arguments(cli):
    resnet = str(FILES / "resnet.py")
    run = cli(
        "summary", resnet, "--input-shape", "3,32,32", "--format", "json", "--model", "ResNet(BasicBlock, [1, 1, 1])"
    )
    assert run.status == 0, run.err
    assert run.json()["total_params"] == 78_042  # torch 2.13.0: sum(p.numel() for p in model.parameters())
    missing = cli("summary", resnet, "--input-shape", "3,32,32")
    assert missing.status == 2 and "BasicBlock, Bottleneck, ResNet" in missing.err


def test_the_api_reads_pytorch_source_too():
    text = (FILES / "tutorial_net.py").read_text()
    assert int(calc.from_text(text, suffix=".py", options=SourceOptions(("3,32,32",))).analyze().total_params) == 62_006


def test_the_docs_examples_are_what_calc_prints(cli, monkeypatch):
    """docs/pytorch-source.md quotes examples/net.py (the tutorial fixture's model) and what calc prints for the
    files it ships in examples/, run from the repository's root."""
    from tests.conftest import ROOT
    from tests.docs_examples import block, check_shown, commands

    code = block("docs/pytorch-source.md", "net-py")
    assert code == (ROOT / "examples" / "net.py").read_text(encoding="utf-8")
    assert code in (FILES / "tutorial_net.py").read_text()
    lazy = (ROOT / "examples" / "lenet_lazy.py").read_text(encoding="utf-8")
    assert lazy == (FILES / "lenet_lazy.py").read_text(encoding="utf-8")
    examples = [
        c
        for name in ("net-torchinfo", "lenet-lazy", "refused")
        for c in commands(block("docs/pytorch-source.md", name))
    ]
    assert [args[1] for args, _ in examples] == [
        "examples/net.py",
        "examples/lenet_lazy.py",
        "examples/gate.py",
        "examples/hub.py",
    ]
    monkeypatch.chdir(ROOT)
    for args, shown in examples:
        check_shown(cli(*args), args, shown)


def test_keras_reader_points_torch_code_to_the_pytorch_reader():
    """The Keras reader (calc.spec_from_source) used to say "calc does not call 'torch.nn.Conv2d' (outside Keras)"."""
    import pytest

    from calc.errors import CalcError
    from calc.importers import spec_from_source

    with pytest.raises(CalcError) as error:
        spec_from_source("import torch.nn as nn\nconv = nn.Conv2d(3, 6, 5)\n")
    message = str(error.value)
    assert "'torch.nn.Conv2d'" in message and "PyTorch reader" in message and "--input-shape" in message


def test_python_api_and_check(cli):
    model = calc.load(TUTORIAL, calc.SourceOptions("3,32,32", model="Net"))
    assert int(model.analyze().total_params) == 62_006
    run = cli(
        "check", TUTORIAL, "--input-shape", "3,32,32", "--layer", "fc1", "--quantity", "params", "--answer", "48120"
    )
    assert run.status == 0, run.err
    wrong = cli(
        "check", TUTORIAL, "--input-shape", "3,32,32", "--layer", "fc1", "--quantity", "params", "--answer", "48000"
    )
    assert wrong.status == 1  # 400 * 120 without the 120 biases
    assert "bias" in wrong.out
