"""Keras source code read without running it: the styles people write, Keras's default names, the summary.

Expected numbers come from Keras 3.15 itself: each snippet here was run once in the framework
virtualenv and its model.summary() copied (the recorded fixtures in keras_import/ cover the rest).
"""

from __future__ import annotations

import io
import sys

import pytest

import calc
from calc.errors import CalcError
from calc.importers import spec_from_source
from tests.conftest import ROOT

#: The seed article's snippet, verbatim, as the docs ship it (docs/importers.md).
SEED = (ROOT / "examples" / "lenet.py").read_text(encoding="utf-8")

# The seed article's table: Keras's own numbers for the snippet above.
SEED_TABLE = [
    ("conv2d", "Conv2D", [None, 28, 28, 8], 608),
    ("max_pooling2d", "MaxPooling2D", [None, 14, 14, 8], 0),
    ("conv2d_1", "Conv2D", [None, 10, 10, 16], 3216),
    ("max_pooling2d_1", "MaxPooling2D", [None, 5, 5, 16], 0),
    ("flatten", "Flatten", [None, 400], 0),
    ("dense", "Dense", [None, 120], 48120),
    ("dense_1", "Dense", [None, 84], 10164),
    ("dense_2", "Dense", [None, 10], 850),
]


def rows(summary: dict) -> list[tuple]:
    return [(r["name"], r["type"], r["output_shape"], r["params"]) for r in summary["layers"]]


def summary_of(cli, tmp_path, text: str, name: str = "model.py") -> dict:
    path = tmp_path / name
    path.write_text(text)
    run = cli("summary", str(path), "--format", "json")
    assert run.status == 0, run.err
    return run.json()


def test_seed_snippet_prints_the_seed_table(cli, tmp_path):
    data = summary_of(cli, tmp_path, SEED, "seed_snippet.py")
    assert rows(data) == SEED_TABLE
    assert data["model"] == "sequential" and data["total_params"] == 62958
    text = cli("summary", str(tmp_path / "seed_snippet.py")).out
    assert "conv2d_1 (Conv2D)" in text and "Total params: 62,958" in text


def test_seed_snippet_from_standard_input(cli, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SEED.encode())))
    run = cli("summary", "-", "--format", "json")
    assert run.status == 0, run.err
    assert rows(run.json()) == SEED_TABLE


def test_every_command_taking_a_model_reads_source(cli, tmp_path):
    path = tmp_path / "lenet.py"
    path.write_text(SEED)
    derivation = cli("derive", str(path))
    assert derivation.status == 0, derivation.err
    assert "608" in derivation.out and "62958" in derivation.out.replace(",", "").replace("{,}", "")


@pytest.mark.parametrize(
    "imports, prefix, sequential",
    [
        (
            "from tensorflow.keras import layers\nfrom tensorflow.keras.models import Sequential",
            "layers.",
            "Sequential",
        ),
        (
            "from tensorflow.keras.layers import Conv2D, Dense, Flatten, MaxPooling2D\nimport keras",
            "",
            "keras.Sequential",
        ),
        ("from keras import layers, Sequential", "layers.", "Sequential"),
        ("import tensorflow as tf", "tf.keras.layers.", "tf.keras.Sequential"),
        ("import tensorflow as tf\nfrom tensorflow import keras", "keras.layers.", "keras.models.Sequential"),
        ("from tensorflow.keras.layers import *\nfrom keras.models import Sequential", "", "Sequential"),
        ("import keras.layers as L\nfrom keras import Sequential", "L.", "Sequential"),
    ],
)
def test_import_forms(tmp_path, cli, imports, prefix, sequential):
    code = f"""{imports}
model = {sequential}([
    {prefix}Conv2D(8, (5, 5), activation="relu", input_shape=(32, 32, 3)),
    {prefix}MaxPooling2D((2, 2), strides=2),
    {prefix}Conv2D(16, (5, 5), activation="relu"),
    {prefix}MaxPooling2D(pool_size=2),
    {prefix}Flatten(),
    {prefix}Dense(120, activation="relu"),
    {prefix}Dense(84, activation="relu"),
    {prefix}Dense(10, activation="softmax"),
])
"""
    assert rows(summary_of(cli, tmp_path, code)) == SEED_TABLE


def test_constants_arithmetic_and_helpers(cli, tmp_path):
    code = '''"""LeNet, written the long way."""
import keras
from keras import layers

SIZE = 32
CHANNELS: int = 3
SHAPE = (SIZE, SIZE) + (CHANNELS,)
BASE = 4
kernel = 5
conv = dict(activation="relu", padding="valid")


def conv_block(x, filters, pool=(2, 2), *, kernel_size=kernel):
    x = layers.Conv2D(filters, kernel_size, **conv)(x)
    return layers.MaxPooling2D(pool, strides=pool[0])(x)


def build():
    inputs = keras.Input(shape=SHAPE)
    x = conv_block(inputs, BASE * 2)
    x = conv_block(x, 2 ** BASE)
    x = layers.Flatten()(x)
    for_units = [120, 84]
    x = layers.Dense(for_units[0], activation="relu")(x)
    x = layers.Dense(for_units[-1], activation="relu")(x)
    return keras.Model(inputs, layers.Dense(10 * 1, activation="softmax")(x), name="lenet")


if __name__ == "__main__":
    model = build()
    model.summary()
'''
    data = summary_of(cli, tmp_path, code)
    assert data["model"] == "lenet"
    assert rows(data) == [("input_layer", "InputLayer", [None, 32, 32, 3], 0), *SEED_TABLE]


def test_functional_add_concatenate_shared_and_nested(cli, tmp_path):
    """Keras 3.15 printed: input_layer_1 0, input_layer_2 0, sequential_1 48, concatenate 0,
    sequential 144 (frozen), dense_4 27 (frozen); total 219, trainable 48. The names count every object
    Keras names, the InputLayer and graphs a Sequential model makes when it builds included."""
    code = """import keras
from keras import layers
base = keras.Sequential([layers.Dense(8), layers.Dense(8)])
base.trainable = False
m = keras.Sequential()
m.add(layers.Dense(4, input_shape=(6,)))
m.add(layers.Dense(4))
i = keras.Input((6,))
j = keras.Input((6,))
a = m(i)
b = m(j)
c = layers.concatenate([a, b])
d = base(c)
e = layers.Dense(3, trainable=False)(d)
model = keras.Model([i, j], e)
model.summary()
"""
    data = summary_of(cli, tmp_path, code)
    assert data["model"] == "functional_3"
    assert [(r["name"], r["type"], r["trainable_params"], r["non_trainable_params"]) for r in data["layers"]] == [
        ("input_layer_1", "InputLayer", 0, 0),
        ("input_layer_2", "InputLayer", 0, 0),
        ("sequential_1", "Sequential", 48, 0),  # (6*4+4) + (4*4+4)
        ("concatenate", "Concatenate", 0, 0),
        ("sequential", "Sequential", 0, 144),  # (8*8+8) * 2, frozen
        ("dense_4", "Dense", 0, 27),  # 8*3+3, frozen
    ]
    assert (data["total_params"], data["trainable_params"]) == (219, 48)


def test_residual_block_rows_in_keras_order(cli, tmp_path):
    """Keras lists a graph's layers by depth from the output; the shortcut's conv comes where Keras puts it."""
    code = """from tensorflow.keras import layers, Model, Input
x = Input(shape=(28, 28, 8), name="x")
y = layers.Conv2D(32, 3, strides=2, padding="same")(x)
y = layers.Conv2D(32, 3, padding="same")(y)
s = layers.Conv2D(32, 1, strides=2, use_bias=False)(x)
out = layers.Add()([y, s])
model = Model(x, layers.Dense(5)(layers.Flatten()(out)))
"""
    names = [r["name"] for r in summary_of(cli, tmp_path, code)["layers"]]
    assert names == ["x", "conv2d", "conv2d_1", "conv2d_2", "add", "flatten", "dense"]


def test_model_build_and_input_layer(tmp_path):
    spec = spec_from_source(
        "import keras\nm = keras.Sequential([keras.layers.Dense(3)])\nm.build((None, 7))\n"
        "n = keras.Sequential([keras.layers.InputLayer(shape=(5,)), keras.layers.Dense(2)], name='n')\n"
        "m.summary()\n"
    )
    assert spec == {"name": "sequential", "input": [7], "layers": [{"Dense": {"name": "dense", "units": 3}}]}


def test_the_model_summarised_is_the_one_read():
    code = "import keras\na = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
    code += "b = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5)], name='b')\na.summary()\n"
    assert spec_from_source(code)["input"] == [3]
    assert spec_from_source(code.replace("a.summary()", "pass"))["name"] == "b"


def test_settings_that_change_no_count_are_accepted():
    code = """import tensorflow as tf
from keras import regularizers, layers, Sequential
model = Sequential([
    layers.Input((8,)),
    layers.Dense(4, activation=tf.nn.relu, kernel_regularizer=regularizers.l2(1e-4),
                 kernel_initializer=tf.keras.initializers.HeNormal(seed=1)),
])
model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="mse")
model.fit(x_train, y_train, epochs=10)
tf.random.set_seed(0)
print(model.summary())
"""
    layer = spec_from_source(code)["layers"][0]["Dense"]
    assert layer["units"] == 4 and layer["activation"] == "relu"
    assert calc.from_spec(spec_from_source(code)).summary().to_dict()["total_params"] == 8 * 4 + 4


def test_positional_arguments_follow_keras_signatures():
    spec = spec_from_source(
        "import keras\nm = keras.Sequential([keras.Input((9, 9, 2)), keras.layers.Conv2D(4, 3, 2, 'same')])"
    )
    assert spec["layers"][0]["Conv2D"] == {
        "name": "conv2d",
        "filters": 4,
        "kernel_size": 3,
        "strides": 2,
        "padding": "same",
    }


def test_docs_show_the_seed_snippet_and_its_real_summary(cli):
    """docs/importers.md's lenet.py (examples/lenet.py) is the seed's code verbatim, and the table under it is
    what calc prints."""
    from tests.docs_examples import block, check_shown, commands

    path = ROOT / "examples" / "lenet.py"
    assert block("docs/importers.md", "lenet-py") == SEED
    assert (ROOT / "tests" / "fixtures" / "keras_import" / "extra_seed_verbatim.py").read_text() == SEED
    ((args, shown),) = commands(block("docs/importers.md", "lenet-py-summary"))
    assert args == ["summary", "examples/lenet.py"]
    check_shown(cli("summary", str(path)), args, shown)


KERAS_MNIST_EXAMPLE = '''\
"""Keras's MNIST convnet example, whole: data, model, training, evaluation."""
import numpy as np
import keras
from keras import layers

num_classes = 10
input_shape = (28, 28, 1)
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.astype("float32") / 255
y_train = keras.utils.to_categorical(y_train, num_classes)
print("x_train shape:", x_train.shape)

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)
model.summary()
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=128, epochs=15, validation_split=0.1)
score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0], history.history["loss"][-1])
'''


def test_a_whole_script_with_data_and_training(cli, tmp_path):
    """Loading data, training and evaluating are read past (never run); numpy is imported, not used."""
    data = summary_of(cli, tmp_path, KERAS_MNIST_EXAMPLE)
    assert [r["params"] for r in data["layers"]] == [
        3 * 3 * 1 * 32 + 32,  # 320
        0,
        3 * 3 * 32 * 64 + 64,  # 18496
        0,
        0,  # flatten: 5 * 5 * 64 = 1600
        0,
        1600 * 10 + 10,  # 16010
    ]
    assert data["total_params"] == 34826


def test_input_dim_is_a_shape_for_dense_and_the_vocabulary_for_embedding():
    dense = spec_from_source("import keras\nm = keras.Sequential()\nm.add(keras.layers.Dense(64, input_dim=100))\n")
    assert dense["input"] == [100] and dense["layers"] == [{"Dense": {"name": "dense", "units": 64}}]
    code = (
        "import keras\nm = keras.Sequential([keras.Input((20,)), keras.layers.Embedding(input_dim=1000, output_dim=8)])"
    )
    summary = calc.from_spec(spec_from_source(code)).summary().to_dict()
    assert summary["layers"][0]["output_shape"] == [None, 20, 8] and summary["total_params"] == 1000 * 8


def test_self_attention_is_read_once(tmp_path, cli):
    code = """import keras
from keras import layers
x = keras.Input((7, 16))
a = layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
model = keras.Model(x, a)
"""
    mha = spec_from_source(code)["layers"][0]["MultiHeadAttention"]
    assert mha["inputs"] == ["input_layer"]
    # query, key and value projections 16 -> 2 heads x 4, with bias: 3 * (16*8 + 8); output 8*16 + 16; 552 in
    # all, as Keras 3.15 records for mha_self_attention
    assert calc.from_spec(spec_from_source(code)).summary().to_dict()["total_params"] == 3 * (16 * 8 + 8) + 8 * 16 + 16


CROSS_ATTENTION = """import keras
from keras import layers
q = keras.Input((5, 12), name="q")
v = keras.Input((7, 6), name="v")
k = keras.Input((7, 10), name="k")
m = keras.Input((5, 7), name="m")
a = layers.MultiHeadAttention(2, key_dim=4)CALL
model = keras.Model([q, v, k, m], a)
"""


@pytest.mark.parametrize(
    ("call", "reads", "params"),
    [
        # q 12*8 + 8 = 104; k and v 6*8 + 8 = 56 each; out 8*12 + 12 = 108 (Keras 3.15: 324)
        ("(q, v)", ["q", "v"], 324),
        ("(q, value=v)", ["q", "v"], 324),
        ("(q, v, v)", ["q", "v"], 324),
        ("(q, v, attention_mask=m)", ["q", "v"], 324),  # a mask changes no count: not read
        # the key of width 10: 10*8 + 8 = 88 in place of 56 (Keras 3.15: 356)
        ("(q, v, k)", ["q", "v", "k"], 356),
        ("(query=q, key=k, value=v)", ["q", "v", "k"], 356),
        ("(q, v, key=k, use_causal_mask=True)", ["q", "v", "k"], 356),
    ],
)
def test_cross_attention_reads_query_value_and_key_in_keras_order(call, reads, params):
    spec = spec_from_source(CROSS_ATTENTION.replace("CALL", call))
    (entry,) = [layer for layer in spec["layers"] if "MultiHeadAttention" in layer]
    assert entry["MultiHeadAttention"]["inputs"] == reads
    assert calc.from_spec(spec).summary().to_dict()["total_params"] == params


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("(q)", "is called without a value tensor"),
        ("(q, v, value=k)", "is given two values for 'value'"),
        # k is the value here and v the key (Keras's order), of lengths 8 and 7: Keras refuses it too
        ("(q, k, v)", "the value (None, 8, 10) and the key (None, 7, 6) must agree on every axis but the last"),
    ],
)
def test_cross_attention_calls_calc_refuses(tmp_path, cli, call, message):
    """Keras refuses these calls too (a missing value, two values for one argument, key and value lengths)."""
    path = tmp_path / "cross.py"
    path.write_text(CROSS_ATTENTION.replace("CALL", call).replace("(7, 10)", "(8, 10)"))
    run = cli("summary", str(path))
    assert run.status == 2 and message in run.err and len(run.err.strip().splitlines()) == 1, run.err


def test_loops_and_comprehensions_are_followed_in_order():
    """The body once per item, as running the file would; a comprehension's name does not leak out."""
    code = """import keras
from keras import layers
n = 5
model = keras.Sequential([keras.Input((4,))] + [layers.Dense(n) for n in (3, 2)])
for units, bias in [(6, True), (7, False)]:
    model.add(layers.Dense(units, use_bias=bias))
for i in range(8, 0, -4):
    model.add(layers.Dense(i + n))
"""
    layers = spec_from_source(code)["layers"]
    assert [(entry["Dense"]["name"], entry["Dense"]["units"]) for entry in layers] == [
        ("dense", 3),
        ("dense_1", 2),
        ("dense_2", 6),
        ("dense_3", 7),
        ("dense_4", 13),
        ("dense_5", 9),
    ]  # the outer n = 5 is kept: 8 + 5, 4 + 5
    # 4*3 + 3, 3*2 + 2, 2*6 + 6, 6*7 (no bias), 7*13 + 13, 13*9 + 9
    total = calc.from_spec(spec_from_source(code)).summary().to_dict()["total_params"]
    assert total == 15 + 8 + 18 + 42 + 104 + 126


def test_conditions_on_plain_values_choose_the_branch():
    """if/elif/else, conditional expressions, and/or, comparisons and 'is None' decide as Python would."""
    code = """import keras
from keras import layers


def head(x, classes=10, bias=None, pooled=False):
    if pooled and classes > 2:
        x = layers.Dense(classes, use_bias=bias is None or bias)(x)
    elif not pooled:
        x = layers.Dense(4 if classes in (1, 2) else 3, name="small_" + str(len((1, 2))))(x)
    else:
        x = layers.Dense(1)(x)
    return x


inputs = keras.Input((6,))
outputs = head(head(inputs, pooled=True, bias=False), classes=2)
model = keras.Model(inputs, outputs)
"""
    layers = spec_from_source(code)["layers"]
    dense = [entry["Dense"] for entry in layers if "Dense" in entry]
    assert [(d["name"], d["units"], d.get("use_bias", True)) for d in dense] == [
        ("dense", 10, False),  # pooled, 10 classes, bias False: 'bias is None or bias' is False
        ("small_2", 4, True),  # not pooled, 2 classes
    ]
    total = calc.from_spec(spec_from_source(code)).summary().to_dict()["total_params"]
    assert total == 6 * 10 + (10 * 4 + 4)  # no bias in the first; 104 in all


@pytest.mark.parametrize("call", ["keras.config.image_data_format()", "keras.backend.image_data_format()"])
def test_image_data_format_is_keras_default(call):
    """Builders read the data format to choose BatchNormalization's axis; Keras's default is channels_last."""
    code = f"""import keras
axis = 3 if {call} == "channels_last" else 1
model = keras.Sequential([keras.Input((8, 8, 4)), keras.layers.BatchNormalization(axis=axis)])
"""
    assert spec_from_source(code)["layers"][0]["BatchNormalization"]["axis"] == 3
    assert calc.from_spec(spec_from_source(code)).summary().to_dict()["total_params"] == 4 * 4  # 4 per channel


# The brief's snippet (class Net(keras.Model), model.build((None, 28, 28, 1))), as recorded in Keras.
SUBCLASSED = (ROOT / "tests" / "fixtures" / "keras_import" / "extra_subclassed_build.py").read_text()


def test_subclassed_model_built_with_build(cli, tmp_path):
    """Keras 3.15 (after one call on data): net, 54,410 weights; the layers named in __init__ order."""
    data = summary_of(cli, tmp_path, SUBCLASSED)
    assert data["model"] == "net"
    assert rows(data) == [
        ("input_layer", "InputLayer", [None, 28, 28, 1], 0),
        ("conv2d", "Conv2D", [None, 26, 26, 32], 3 * 3 * 1 * 32 + 32),  # 320
        ("max_pooling2d", "MaxPooling2D", [None, 13, 13, 32], 0),
        ("flatten", "Flatten", [None, 13 * 13 * 32], 0),  # 5408
        ("dense", "Dense", [None, 10], 5408 * 10 + 10),  # 54090
    ]
    assert data["total_params"] == 320 + 54090


def test_subclassed_model_helpers_lists_sharing_and_unused_layers():
    """A helper method, a list made by a comprehension, a layer called twice (its weights once), a layer
    never called (Keras leaves it unbuilt: no weights), `if training:` (None), and a keras.Input call.
    Keras 3.15 run on this code: mlp, 243 weights."""
    code = """import keras
from keras import layers


class MLP(keras.Model):
    def __init__(self, width=8, depth=2, name=None):
        super().__init__(name=name)
        self._scale = layers.Dense(width)
        self.blocks = [layers.Dense(width, activation="relu") for _ in range(depth)]
        self.spare = layers.Dense(1000)
        self.head = layers.Dense(3)

    def mix(self, x):
        for block in self.blocks:
            x = block(x)
        return layers.add([x, self._scale(x)])

    def call(self, inputs, training=None):
        x = self._scale(inputs)
        x = self.mix(x)
        if training:
            x = layers.Dropout(0.5)(x)
        return self.head(x)


inputs = keras.Input((8,))
model = MLP(name="mlp")
outputs = model(inputs)
model.summary()
"""
    summary = calc.from_spec(spec_from_source(code)).summary().to_dict()
    assert summary["model"] == "mlp"
    names = [layer["name"] for layer in summary["layers"]]
    # Keras 3.15 lists dense..dense_4 (dense_3 unbuilt, 0 weights) and not 'add', which call() makes
    assert names == ["input_layer", "dense", "dense_1", "dense_2", "add", "dense_4"]
    # dense 8*8 + 8 (called twice, counted once), two blocks 8*8 + 8 each, head 8*3 + 3
    assert summary["total_params"] == 72 + 2 * 72 + 27


def test_subclassed_model_called_on_an_input_is_a_block_of_the_outer_model():
    code = """import keras
from keras import layers


class Block(keras.layers.Layer):
    def __init__(self, filters):
        super().__init__()
        self.conv = layers.Conv2D(filters, 3, padding="same")
        self.merge = layers.Add()

    def call(self, x):
        return self.merge([x, self.conv(x)])


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.block = Block(4)
        self.gap = layers.GlobalAveragePooling2D()

    def call(self, x):
        return self.gap(self.block(self.block(x)))


inputs = keras.Input((8, 8, 4))
outputs = Net()(inputs)
model = keras.Model(inputs, outputs)
"""
    summary = calc.from_spec(spec_from_source(code)).summary().to_dict()
    assert summary["model"] == "functional"
    assert [(layer["name"], layer["type"]) for layer in summary["layers"]] == [
        ("input_layer", "InputLayer"),
        ("net", "Functional"),
    ]
    # the block's conv, shared by both calls: 148 (Keras 3.15: functional [input_layer, net (Net)], 148)
    assert summary["total_params"] == 3 * 3 * 4 * 4 + 4


def test_subclassed_model_called_on_an_input_alone_is_the_model():
    """`y = model(keras.Input(...))` with nothing after it: the subclassed model itself, built by that call."""
    code = """import keras
from keras import layers


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.d = layers.Dense(3)

    def call(self, x):
        return self.d(x)


model = Net()
y = model(keras.Input((5,)))
"""
    summary = calc.from_spec(spec_from_source(code)).summary().to_dict()
    assert (summary["model"], summary["total_params"]) == ("net", 5 * 3 + 3)


def test_subclassed_model_passes_its_name_through_kwargs():
    """The tutorials' `def __init__(self, ..., **kwargs): super().__init__(**kwargs)`; name= is the model's."""
    code = """import keras
from keras import layers


class Tiny(keras.Model):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(units)

    def call(self, inputs):
        return self.dense(inputs)


model = Tiny(units=2, name="tiny")
model.build((None, 3))
"""
    summary = calc.from_spec(spec_from_source(code)).summary().to_dict()
    assert (summary["model"], summary["total_params"]) == ("tiny", 3 * 2 + 2)
    with pytest.raises(CalcError, match=r"super\(\).__init__\(\) with name="):  # Keras's Model.__init__ refuses it too
        spec_from_source(code.replace('name="tiny"', "bogus=1"))
