"""Hostile and broken Keras input, every path: one line naming the file, the layer and the problem; exit 2.

Nothing in these files may run: the source reader never executes code, the archive reader never
extracts or unpickles, and each test checks that a file the payload would have written is absent.
"""

from __future__ import annotations

import json
import pickle
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "keras_import"
LENET_JSON = (FIXTURES / "lenet5.json").read_text()
FUNCTIONAL_JSON = (FIXTURES / "residual_block.json").read_text()


def refused(cli, path: Path, *words: str) -> str:
    run = cli("summary", str(path))
    assert run.status == 2, run.out
    assert run.out == ""
    assert run.err.count("\n") == 1 and run.err.startswith(f"calc: {path}: "), run.err
    for word in words:
        assert word in run.err, run.err
    return run.err


# -- Keras source ------------------------------------------------------------------------------

HEAD = "from tensorflow.keras import layers, Sequential\n"
NET = "import keras\nclass Net(keras.Model):\n"  # a subclassed model; its body follows
SOURCE_CASES = [
    # (id, code, words the one line must contain)
    ("import-os", "__import__('os').system('touch {pwned}')\n", ["line 2, column 1", "'__import__'"]),
    ("exec", "exec(\"open('{pwned}', 'w')\")\n", ["line 2, column 1", "'exec'"]),
    ("eval", "x = eval('1')\n", ["line 2, column 5", "'eval'"]),
    ("open", "open('{pwned}', 'w').write('x')\n", ["line 2, column 1", "'open'"]),
    ("getattr", "getattr(layers, 'Dense')\n", ["line 2, column 1", "'getattr'"]),
    ("os-import", "import os\nos.system('touch {pwned}')\n", ["line 3, column 1", "'os.system' (outside Keras)"]),
    ("subclasses", "x = ().__class__.__bases__[0].__subclasses__()\n", ["line 2, column 5", "'__class__'"]),
    ("keras-dunder", "x = layers.__dict__\n", ["line 2, column 5", "'__dict__'"]),
    ("keras-unknown", "x = layers.Dens(3)\n", ["line 2, column 5", "no 'Dens'", "did you mean 'Dense'"]),
    ("lambda", "f = lambda: 1\n", ["line 2, column 5", "lambda"]),
    (
        "for-else",
        "m = Sequential()\nfor i in range(3):\n    m.add(layers.Dense(4))\nelse:\n    pass\n",
        ["line 3, column 1", "'for ... else'"],
    ),
    ("for-break", "for i in range(3):\n    break\n", ["line 3, column 5", "'break'"]),
    ("for-number", "for i in 3:\n    pass\n", ["line 2, column 10", "lists, tuples and range() only"]),
    ("for-module", "for i in layers:\n    pass\n", ["line 2, column 10", "lists, tuples and range() only"]),
    ("range-step", "for i in range(1, 3, 0):\n    pass\n", ["line 2, column 10", "step must not be zero"]),
    ("range-huge", "x = range(10 ** 12)\n", ["line 2, column 5", "more than 10,000 values"]),
    ("len-number", "x = len(3)\n", ["line 2, column 5", "len() of a string, a tuple or a list only"]),
    ("str-list", "x = str([1])\n", ["line 2, column 5", "str() of a number or a string only"]),
    ("range-float", "x = range(2.5)\n", ["line 2, column 5", "whole numbers only"]),
    # 100 million passes of an empty loop: stopped by the step limit, not run
    ("nested-loops", "for i in range(10000):\n    for j in range(10000):\n        pass\n", ["evaluation steps"]),
    (
        "nested-comprehensions",
        "x = [0 for i in range(10000) for j in range(10000) for k in ()]\n",
        ["line 2, column 5", "evaluation steps"],
    ),
    ("while", "while True:\n    pass\n", ["line 2, column 1", "'while' loops"]),
    ("if-model", "m = Sequential()\nif m:\n    pass\n", ["line 3, column 4", "not on a Sequential model"]),
    ("if-unread", "import numpy as np\nif np.random.rand() > 0.5:\n    pass\n", ["line 3, column 4", "'numpy"]),
    ("compare-layer", "x = layers.Dense(3) == 3\n", ["line 2, column 5", "plain values"]),
    ("compare-order", "x = 'a' < 3\n", ["line 2, column 5", "does not order a str and a int"]),
    ("is-number", "x = 3 is 3\n", ["line 2, column 5", "'is' only with None, True or False"]),
    ("in-number", "x = 3 in 4\n", ["line 2, column 5", "'in' a tuple, a list, a dict or a string"]),
    (  # each comparison is charged the values it may look at: 10,000 lists of 10,000 numbers are too many
        "compare-huge",
        "x = list(range(1000, 11000))\ny = [x] * 10000\nz = [list(range(1000, 11000))] * 10000\nf = y == z\n",
        ["line 5, column 5", "evaluation steps"],
    ),
    (
        "compare-in-a-loop",
        "x = list(range(1000, 11000))\nz = list(range(1000, 11000))\nfor i in range(10000):\n    f = x == z\n",
        ["line 5, column 9", "evaluation steps"],
    ),
    ("and-layer", "x = layers.Dense(3) and 4\n", ["line 2, column 5", "not on the layer 'dense' (Dense)"]),
    ("try", "try:\n    pass\nexcept Exception:\n    pass\n", ["line 2, column 1", "'try'"]),
    ("with", "with open('x') as f:\n    pass\n", ["line 2, column 1", "'with'"]),
    ("class", "class Net:\n    pass\n", ["line 2, column 1", "one base (keras.Model)"]),
    ("class-other-base", "class Net(dict):\n    pass\n", ["line 2, column 11", "keras.Model or keras.layers.Layer"]),
    ("class-attribute", NET + "    units = 3\n", ["line 4, column 5", "only methods"]),
    (
        "class-property",
        NET + "    @property\n    def f(self):\n        return 1\n",
        ["decorated"],
    ),
    (
        "class-build",
        NET + "    def build(self, shape):\n        pass\n",
        ["line 4, column 5", "build()"],
    ),
    (
        "class-no-call",
        NET + "    pass\nm = Net()\n",
        ["line 3, column 1", "no call()"],
    ),
    (
        "class-no-super",
        NET + "    def __init__(self):\n        pass\n    def call(self, x):\n        return x\nm = Net()\n",
        ["line 8, column 5", "never calls super().__init__()"],
    ),
    (
        "class-recursive-init",
        NET + "    def __init__(self):\n        super().__init__()\n        self.me = Net()\n"
        "    def call(self, x):\n        return x\nm = Net()\n",
        ["more than 16 deep"],
    ),
    (
        "class-calls-itself",
        NET + "    def call(self, x):\n        return self(x)\nm = Net()\nm.build((None, 3))\n",
        ["line 5, column 16", "calls itself"],
    ),
    (
        "class-method-recursion",
        NET + "    def call(self, x):\n        return self.f(x)\n    def f(self, x):\n"
        "        return self.f(x)\nm = Net()\nm.build((None, 3))\n",
        ["more than 16 deep"],
    ),
    (
        "class-huge-loop",
        NET + "    def __init__(self):\n        super().__init__()\n        for i in range(10000):\n"
        "            for j in range(10000):\n                self.d = i\n    def call(self, x):\n        return x\n"
        "m = Net()\n",
        ["evaluation steps"],
    ),
    (
        "class-augassign",
        NET + "    def __init__(self):\n        super().__init__()\n        self.d = layers.Dense(3)\n"
        "    def call(self, x):\n        self.d += x\n        return x\nm = Net()\nm.build((None, 3))\n",
        ["line 8, column 9", "augassign"],
    ),
    (
        "class-missing-attribute",
        NET + "    def call(self, x):\n        return self.conv(x)\nm = Net()\nm.build((None, 3))\n",
        ["line 5, column 16", "no attribute 'conv'"],
    ),
    (
        "class-unbuilt",
        NET + "    def call(self, x):\n        return x\nm = Net()\nm.summary()\n",
        ["never gets its input"],
    ),
    (
        "class-dunder",
        NET + "    def call(self, x):\n        return self.__dict__\nm = Net()\nm.build((None, 3))\n",
        ["'__dict__'"],
    ),
    (
        "comprehension-if",
        "x = [layers.Dense(4) for _ in range(3) if True]\n",
        ["line 2, column 5", "'if' in comprehensions"],
    ),
    ("set-comprehension", "x = {layers.Dense(4) for _ in range(3)}\n", ["line 2, column 5", "comprehensions"]),
    ("comprehension-items", "x = [0 for i in range(10000) for j in range(2)]\n", ["more than 10,000 items"]),
    ("conditional", "x = 3 if layers.Dense(2) else 4\n", ["line 2, column 10", "plain values"]),
    ("unknown-name", "m = Sequential([layers.Dense(units)])\n", ["line 2, column 30", "'units' is not defined"]),
    ("recursion", "def f():\n    return f()\nf()\n", ["more than 16 deep"]),
    ("power", "x = 9 ** 9 ** 9\n", ["line 2, column 5", "power is too large"]),
    ("repeat", "x = [0] * 10 ** 9\n", ["line 2, column 5", "more than 10,000 items"]),
    ("big-number", "x = 10 ** 30\n", ["too large"]),
    ("nested-calls", "x = " + "max(" * 150 + "1" + ")" * 150 + "\n", ["nested", "deep"]),
    ("nested-lists", "x = " + "[" * 150 + "]" * 150 + "\n", ["nested"]),
    ("deep-parentheses", "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n", ["line 2", "too many nested parentheses"]),
    ("long-chain", "x = " + "+".join(["1"] * 300_000) + "\n", ["nested too deeply"]),
    ("deep-unary", "x = " + "-" * 100_000 + "1\n", ["nested too deeply"]),
    ("syntax", "model = Sequential(\n", ["line 2, column", "not valid Python"]),
    ("nul", "x = 1\0\n", ["null bytes"]),
    ("no-model", "x = layers.Dense(3)\n", ["builds no Keras model"]),
    ("no-input", "m = Sequential([layers.Dense(3)])\n", ["line 2, column 5", "no input shape"]),
    ("applications", "import keras\nm = keras.applications.ResNet50()\n", ["line 3, column 5", "to_json()"]),
    (
        "unmodelled",
        "m = Sequential([layers.Input((8, 4)), layers.ConvLSTM1D(5, 3), layers.Dense(2), layers.Discretization()])\n",
        ["does not model 2 layers", "conv_lstm1d (ConvLSTM1D)", "discretization (Discretization)"],
    ),
    (
        "too-many-positional",
        "m = Sequential([layers.Input((4,)), layers.Dense(3, None, True, 'x', 'y', 'z', 'w')])\n",
        ["at most 6"],
    ),
    (
        "bad-argument",
        "m = Sequential([layers.Input((4,)), layers.Dense(3, bogus=1)])\n",
        ["layer 1 (dense, Dense)", "'bogus'"],
    ),
    ("tensor-argument", "x = layers.Input((4,))\ny = layers.Dense(x)\n", ["line 3, column 5", "must be a value"]),
    (
        "training-result-in-a-model",
        "m = Sequential([layers.Input((3,)), layers.Dense(2)])\nh = m.fit(x, y)\n"
        "n = Sequential([layers.Input((3,)), layers.Dense(h.history['loss'][0])])\n",
        ["line 4, column 37", "from sequential.fit(), which calc does not run"],
    ),
    (
        "numpy-size",
        "import numpy as np\nm = Sequential([layers.Input((3,)), layers.Dense(np.prod((2, 3)))])\n",
        ["'numpy.prod'"],
    ),
    (
        "shared-lists",
        "row = [0] * 10000\nm = Sequential([layers.Input((3,)), layers.Dense(2, bias_initializer=[row] * 10000)])\n",
        ["more than 100,000 values"],
    ),
    (
        "kernel-too-large",
        "m = Sequential([layers.Input((4, 4, 1)), layers.Conv2D(2, 5)])\n",
        ["line 2, column 42: layer 1 (conv2d, Conv2D)", "larger than"],
    ),
    (
        "kernel-too-large-below",  # found when shapes are worked out, reported at the line that makes the layer
        "m = Sequential([\n    layers.Input((8, 8, 1)),\n    layers.Conv2D(2, 5),\n    layers.Conv2D(2, 5),\n])\n",
        ["line 5, column 5: layer 2 (conv2d_1, Conv2D): output height would be 0"],
    ),
    (
        "functional-residual-mismatch",
        "from tensorflow import keras\nx = keras.Input((8, 8, 3))\ny = layers.Conv2D(4, 3, padding='same')(x)\n"
        "z = layers.Add()([x, y])\nm = keras.Model(x, z)\n",
        ["line 5, column 5: layer 3 (add, Add)", "incompatible shapes"],
    ),
    (
        "misspelt-argument",
        "m = Sequential([layers.Input((8, 8, 1)),\n                layers.Conv2D(2, 3, paddin='same')])\n",
        ["line 3, column 17: layer 1 (conv2d, Conv2D)", "did you mean 'padding'"],
    ),
]


@pytest.mark.parametrize(("code", "words"), [c[1:] for c in SOURCE_CASES], ids=[c[0] for c in SOURCE_CASES])
def test_hostile_source(cli, tmp_path, code, words):
    pwned = tmp_path / "pwned"
    path = tmp_path / "model.py"
    path.write_text(HEAD + code.replace("{pwned}", str(pwned)))
    started = time.monotonic()
    refused(cli, path, *words)
    assert time.monotonic() - started < 10
    assert not pwned.exists()


@pytest.mark.parametrize(("lines", "words"), [(2_000_000, "too large"), (200_000, "up to 1,000,000")])
def test_source_too_large(cli, tmp_path, lines, words):
    """12 MB passes the file cap; 1.2 MB the source cap (model code is small; parsing is the costly part)."""
    path = tmp_path / "big.py"
    path.write_text(HEAD + "x = 1\n" * lines)
    started = time.monotonic()
    refused(cli, path, words)
    assert time.monotonic() - started < 5


def test_exponential_calls_are_cut_short(cli, tmp_path):
    """Each function calls the one below twice: 2**14 calls of a 30-argument max(), past the step cap."""
    body = "".join(f"def f{i}():\n    f{i - 1}()\n    f{i - 1}()\n" for i in range(2, 16))
    path = tmp_path / "model.py"
    path.write_text(HEAD + "def f1():\n    return max(" + ", ".join(["1"] * 30) + ")\n" + body + "f15()\n")
    started = time.monotonic()
    refused(cli, path, "evaluation steps")
    assert time.monotonic() - started < 10


# -- Keras JSON --------------------------------------------------------------------------------


def functional(layers: list, inputs: list, outputs: list) -> str:
    return json.dumps(
        {
            "class_name": "Functional",
            "config": {"name": "m", "layers": layers, "input_layers": inputs, "output_layers": outputs},
        }
    )


def node(*histories: list) -> dict:
    tensors = [{"class_name": "__keras_tensor__", "config": {"keras_history": h}} for h in histories]
    return {"args": [tensors if len(tensors) > 1 else tensors[0]], "kwargs": {}}


INPUT = {
    "class_name": "InputLayer",
    "name": "x",
    "config": {"name": "x", "batch_shape": [None, 8]},
    "inbound_nodes": [],
}


def dense(name: str, *nodes: dict, cls: str = "Dense", **config) -> dict:
    return {
        "class_name": cls,
        "name": name,
        "config": {"name": name, "units": 2, **config},
        "inbound_nodes": list(nodes),
    }


JSON_CASES = [
    ("malformed", '{"class_name": "Sequential", "config": {', ["malformed JSON at line 1"]),
    (
        "not-a-model",
        json.dumps({"class_name": "Dense", "config": {"units": 3}}),
        ["expected a Keras Sequential or Functional"],
    ),
    ("subclassed", json.dumps({"class_name": "MyModel", "config": {}}), ["'MyModel'", "subclassed"]),
    ("layers-not-list", json.dumps({"class_name": "Sequential", "config": {"layers": 3}}), ["no 'layers' list"]),
    (
        "unbuilt",
        json.dumps(
            {
                "class_name": "Sequential",
                "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 3}}]},
            }
        ),
        ["no input shape", "never built"],
    ),
    (
        "unmodelled",
        LENET_JSON.replace('"Flatten"', '"ConvLSTM1D"').replace('"class_name": "Dense"', '"class_name": "Hashing"', 1),
        ["does not model 2 layers", "flatten (ConvLSTM1D)", "dense (Hashing)", "no partial answer"],
    ),
    (
        "custom-layer",
        LENET_JSON.replace(
            '"module": "keras.layers", "class_name": "Flatten"', '"module": "mine", "class_name": "Flatten"'
        ),
        ["flatten (Flatten, not a Keras layer)"],
    ),
    (
        "unknown-argument",
        LENET_JSON.replace('"filters": 8', '"filters": 8, "fliters": 3'),
        ["layer 1 (conv2d, Conv2D)", "'fliters'"],
    ),
    (
        "dangling",
        functional([INPUT, dense("d", node(["nowhere", 0, 0]))], [["x", 0, 0]], ["d", 0, 0]),
        ["'d' reads 'nowhere'"],
    ),
    (
        "missing-call",
        functional([INPUT, dense("d", node(["x", 0, 0])), dense("e", node(["d", 3, 0]))], [["x", 0, 0]], ["e", 0, 0]),
        ["call 3 of 'd'"],
    ),
    (
        "cycle",
        functional([INPUT, dense("d", node(["e", 0, 0])), dense("e", node(["d", 0, 0]))], [["x", 0, 0]], ["e", 0, 0]),
        ["in a cycle: d, e"],
    ),
    (
        "second-output",
        functional([INPUT, dense("d", node(["x", 0, 1]))], [["x", 0, 0]], ["d", 0, 0]),
        ["output 1 of 'x'"],
    ),
    (
        "bad-history",
        functional([INPUT, dense("d", node(["x", "0", 0]))], [["x", 0, 0]], ["d", 0, 0]),
        ["keras_history"],
    ),
    (
        "quantized",
        LENET_JSON.replace('"quantization_config": null', '"quantization_config": {"mode": "int8"}', 1),
        ["dense", "quantized"],
    ),
    ("deep", '{"class_name": "Sequential", "config": ' + "[" * 100_000 + "]" * 100_000 + "}", ["nested too deeply"]),
]


@pytest.mark.parametrize(("text", "words"), [c[1:] for c in JSON_CASES], ids=[c[0] for c in JSON_CASES])
def test_bad_keras_json(cli, tmp_path, text, words):
    path = tmp_path / "model.json"
    path.write_text(text)
    refused(cli, path, *words)


# -- .keras archives ---------------------------------------------------------------------------


def archive(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as handle:
        for name, data in members.items():
            handle.writestr(name, data)
    return path


class Payload:
    """Unpickling this would write a file: it must never happen."""

    def __init__(self, target: str):
        self.target = target

    def __reduce__(self):
        return (Path.write_text, (Path(self.target), "pwned"))


def test_archive_with_a_pickle_is_read_without_it(cli, tmp_path):
    pwned = tmp_path / "pwned"
    path = archive(
        tmp_path / "m.keras", {"config.json": LENET_JSON.encode(), "model.pkl": pickle.dumps(Payload(str(pwned)))}
    )
    run = cli("summary", str(path), "--format", "json")
    assert run.status == 0 and run.json()["total_params"] == 62958
    assert not pwned.exists()


def test_archive_whose_config_is_a_pickle(cli, tmp_path):
    pwned = tmp_path / "pwned"
    path = archive(tmp_path / "m.keras", {"config.json": pickle.dumps(Payload(str(pwned)))})
    refused(cli, path, "config.json")
    assert not pwned.exists()


def test_zip_bomb_is_refused_by_its_declared_size(cli, tmp_path):
    path = archive(tmp_path / "bomb.keras", {"config.json": b"{" + b" " * 50_000_000 + b"}"})
    assert path.stat().st_size < 100_000
    refused(cli, path, "declares 50,000,002 bytes uncompressed")


def test_zip_bomb_with_a_lying_header_is_cut_off(cli, tmp_path):
    """The headers claim 1,000 bytes; the member inflates to 50 MB: reading stops at the claim."""
    path = archive(tmp_path / "liar.keras", {"config.json": b"{" + b" " * 50_000_000 + b"}"})
    data = bytearray(path.read_bytes())
    real = struct.pack("<L", 50_000_002)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, directory entry
        at = data.find(signature)
        assert data[at + offset : at + offset + 4] == real
        data[at + offset : at + offset + 4] = struct.pack("<L", 1_000)
    path.write_bytes(bytes(data))
    started = time.monotonic()
    refused(cli, path, "archive")
    assert time.monotonic() - started < 5


def declaring(name: str, data: bytes, declared: int) -> bytes:
    """A one-member zip (stored, zip64 sizes) whose headers declare ``declared`` bytes for the member."""
    encoded = name.encode()
    crc = zlib.crc32(data)
    extra = struct.pack("<HHQQ", 1, 16, declared, declared)
    local = struct.pack(
        "<4s5H3L2H", b"PK\x03\x04", 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(encoded), len(extra)
    )
    head = local + encoded + extra + data
    entry = struct.pack(
        "<4s6H3L5H2L",
        b"PK\x01\x02",
        45,
        45,
        0,
        0,
        0,
        0,
        crc,
        0xFFFFFFFF,
        0xFFFFFFFF,
        len(encoded),
        len(extra),
        0,
        0,
        0,
        0,
        0,
    )
    directory = entry + encoded + extra
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(directory), len(head), 0)
    return head + directory + end


def test_ten_gigabyte_member_is_refused_unread(cli, tmp_path):
    """The headers declare 10 GB for config.json: refused before a byte of it is read."""
    path = tmp_path / "huge.keras"
    path.write_bytes(declaring("config.json", b"{}", 10 * 1024**3))
    refused(cli, path, "declares 10,737,418,240 bytes uncompressed")


@pytest.mark.parametrize("name", ["../config.json", "/etc/passwd", "a/../../b", "..\\evil", "C:/windows"])
def test_path_traversal_names_refuse_the_archive(cli, tmp_path, name):
    path = archive(tmp_path / "m.keras", {"config.json": LENET_JSON.encode(), name: b"x"})
    refused(cli, path, "points outside it")
    assert not (tmp_path.parent / "config.json").exists()


ARCHIVE_CASES = [
    ("missing-config", {"metadata.json": b"{}", "model.weights.h5": b"\x89HDF"}, ["no config.json"]),
    ("nested-zip", {"inner.keras": b"PK\x03\x04nested"}, ["no config.json"]),
    ("config-is-a-zip", {"config.json": b"PK\x03\x04\x14\x00\x00\x00"}, ["malformed JSON"]),
    ("config-not-json", {"config.json": b"\xff\xfe"}, ["not UTF-8"]),
    ("config-not-a-model", {"config.json": b'{"name": "x"}'}, ["does not describe a Keras model"]),
    ("too-many-members", {f"f{i}": b"" for i in range(1_500)}, ["1,500 members"]),
]


@pytest.mark.parametrize(("members", "words"), [c[1:] for c in ARCHIVE_CASES], ids=[c[0] for c in ARCHIVE_CASES])
def test_bad_archive(cli, tmp_path, members, words):
    refused(cli, archive(tmp_path / "m.keras", members), *words)


def test_duplicate_config_is_refused(cli, tmp_path):
    path = tmp_path / "m.keras"
    with pytest.warns(UserWarning), zipfile.ZipFile(path, "w") as handle:
        handle.writestr("config.json", LENET_JSON)
        handle.writestr("config.json", FUNCTIONAL_JSON)
    refused(cli, path, "2 times")


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04" + b"\0" * 100, b"PK\x05\x06" + b"\0" * 30])
def test_not_a_zip(cli, tmp_path, content):
    path = tmp_path / "m.keras"
    path.write_bytes(content)
    refused(cli, path, "archive")


def test_archive_detected_by_content(cli, tmp_path):
    """A zip is read as an archive whatever its name; a Keras JSON file whatever its name."""
    zipped = archive(tmp_path / "model.bin", {"config.json": LENET_JSON.encode()})
    named = tmp_path / "model.txt"
    named.write_text(FUNCTIONAL_JSON)
    assert cli("summary", str(zipped), "--format", "json").json()["total_params"] == 62958
    assert cli("summary", str(named), "--format", "json").json()["model"] == "residual_block"
