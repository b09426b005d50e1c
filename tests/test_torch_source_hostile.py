"""Hostile PyTorch source: code that would run on import, huge ranges, recursion, attribute tricks,
torch.hub, custom autograd and control flow that depends on a tensor's values. Each is refused in one
line naming the file, the line and the column, exit 2, in well under a second, and nothing runs (each
test checks that the file the payload would have written is absent)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

HEAD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def net(forward: str, init: str = "self.fc = nn.Linear(4, 2)") -> str:
    """A model class whose __init__ and forward() bodies are given (8-space indented lines)."""
    return (
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        f"        {init}\n\n    def forward(self, x):\n        {forward}\n"
    )


CASES = [
    # (id, code after HEAD, words the one line must contain)
    ("os-system", "import os\nos.system('touch {pwned}')\n", ["line 5, column 1", "'os.system' (outside PyTorch)"]),
    ("dunder-import", "__import__('os').system('touch {pwned}')\n", ["line 4, column 1", "'__import__'"]),
    ("exec", "exec(\"open('{pwned}', 'w')\")\n", ["line 4, column 1", "'exec'"]),
    ("eval", "size = eval('2 + 2')\n", ["line 4, column 8", "'eval'"]),
    ("open", "open('{pwned}', 'w')\n", ["line 4, column 1", "'open'"]),
    ("subclasses", "().__class__.__bases__[0].__subclasses__()\n", ["line 4, column 1", "'__class__'"]),
    ("getattr", net("return getattr(self, 'fc')(x)"), ["line 10, column 16", "'getattr'"]),
    ("dict-trick", net("return self.__dict__['fc'](x)"), ["line 10, column 16", "'__dict__'"]),
    (
        "setattr-method",
        "class Net(nn.Module):\n    def __setattr__(self, name, value):\n        pass\n",
        ["line 5, column 5", "__setattr__"],
    ),
    (
        "getattr-method",
        "class Net(nn.Module):\n    def __getattr__(self, name):\n        return 1\n",
        ["line 5, column 5", "__getattr__"],
    ),
    ("torch-hub", "model = torch.hub.load('pytorch/vision', 'resnet18')\n", ["line 4, column 9", "torch.hub"]),
    ("hub-import", "from torch.hub import load\nmodel = load('a', 'b')\n", ["line 5, column 9", "'torch.hub.load'"]),
    ("torch-load", "model = torch.load('{pwned}')\n", ["line 4, column 9", "torch.load unpickles"]),
    ("jit", "@torch.jit.script\ndef f(x):\n    return x\n", ["line 5, column 1", "decorated functions"]),
    ("autograd", "class Square(torch.autograd.Function):\n    pass\n", ["line 4, column 14", "torch.autograd"]),
    ("huge-range", "for i in range(10**12):\n    pass\n", ["line 4, column 10", "range() would give more than"]),
    ("huge-list", "sizes = [0] * 10**9\n", ["line 4, column 9", "more than 10,000 items"]),
    ("huge-power", "n = 2 ** 10**10\n", ["line 4, column 5", "the power is too large"]),
    (
        "nested-loops",
        "for i in range(10000):\n    for j in range(10000):\n        k = i\n",
        ["evaluation steps; calc stops here"],
    ),
    ("recursion", "def f(n):\n    return f(n + 1)\nf(0)\n", ["call each other more than 16 deep"]),
    ("forward-recursion", net("return self(x)"), ["line 10, column 16", "calls itself"]),
    (
        "data-dependent-if",
        net("if x.sum(dim=-1, keepdim=True) > 0:\n            x = -x\n        return self.fc(x)"),
        ["line 10, column 12", "plain values"],
    ),
    (
        "data-dependent-loop",
        net("for i in range(x.size(0)):\n            x = self.fc(x)\n        return x"),
        ["line 10, column 18", "range()"],
    ),
    ("while", net("while True:\n            x = self.fc(x)\n        return x"), ["line 10, column 9", "'while' loops"]),
    ("item", net("n = int(x.sum(dim=-1, keepdim=True))\n        return self.fc(x)"), ["line 10, column 13", "int()"]),
    ("lambda", net("f = lambda t: t\n        return f(x)"), ["line 10, column 13", "lambda"]),
    ("module-in-forward", net("return nn.Linear(4, 2)(x)"), ["line 10, column 16", "forward() must not make"]),
    (
        "unregistered",
        net("return self.layers[0](x)", "self.layers = [nn.Linear(4, 2)]"),
        ["line 10, column 16", "not registered"],
    ),
    ("relative-import", "from .layers import Block\n", ["line 4, column 1", "relative imports"]),
    ("deep-nesting", "x = " + "[" * 200 + "1" + "]" * 200 + "\n", ["line 4", "nests expressions"]),
]


@pytest.mark.parametrize(("code", "words"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_hostile_source_is_refused_in_one_line(cli, tmp_path: Path, code: str, words: list[str]):
    pwned = tmp_path / "pwned"
    path = tmp_path / "net.py"
    path.write_text(HEAD + code.replace("{pwned}", str(pwned)))
    started = time.monotonic()
    run = cli("summary", str(path), "--input-shape", "4")
    elapsed = time.monotonic() - started
    assert run.status == 2, run.out
    assert run.out == ""
    assert run.err.count("\n") == 1 and run.err.startswith(f"calc: {path}: "), run.err
    for word in words:
        assert word in run.err, run.err
    assert elapsed < 1, elapsed
    assert not pwned.exists()


def test_missing_input_shape_says_what_to_give(cli, tmp_path: Path):
    path = tmp_path / "net.py"
    path.write_text(HEAD + net("return self.fc(x)"))
    run = cli("summary", str(path))
    assert run.status == 2 and "--input-shape 3,32,32" in run.err and run.err.count("\n") == 1


def test_several_classes_ask_for_model(cli, tmp_path: Path):
    path = tmp_path / "net.py"
    path.write_text(HEAD + net("return self.fc(x)") + net("return self.fc(x)").replace("Net", "Other"))
    run = cli("summary", str(path), "--input-shape", "4")
    assert run.status == 2 and "--model" in run.err and "Net, Other" in run.err


def test_input_shape_is_refused_for_a_spec(cli, spec_file):
    run = cli("summary", spec_file("input: [4]\nlayers:\n  - Dense: {units: 2}\n"), "--input-shape", "4")
    assert run.status == 2 and "PyTorch source" in run.err


def test_hostile_input_shape_and_model_text_are_refused(cli, tmp_path: Path):
    """--input-shape goes through calc's own expression parser and --model through the same reader as the
    file: neither runs anything."""
    pwned = tmp_path / "pwned"
    path = tmp_path / "net.py"
    path.write_text(HEAD + net("return self.fc(x)"))
    payload = f"__import__('os').system('touch {pwned}')"
    for option, value in (("--input-shape", payload), ("--model", payload), ("--model", "Net" + "(" * 5000)):
        run = cli("summary", str(path), "--input-shape", "4", option, value) if option == "--model" else None
        run = run or cli("summary", str(path), option, value)
        assert run.status == 2 and run.err.count("\n") == 1, run.err
    assert not pwned.exists()


def test_module_names_are_plain(cli, tmp_path: Path):
    path = tmp_path / "net.py"
    path.write_text(HEAD + net("return self.d['a b'](x)", "self.d = nn.ModuleDict({'a b': nn.Linear(4, 2)})"))
    run = cli("summary", str(path), "--input-shape", "4")
    assert run.status == 2 and "letters, digits and _" in run.err and "line 7, column 18" in run.err
