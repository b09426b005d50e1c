"""Names of Keras's API as code writes them (``keras.layers.Conv2D``, ``tf.keras.Model``), checked one by one.

An import or an attribute is never looked up in Python: each step is checked against calc's tables
(``keras_api`` for the layers), so a typo gets a suggestion and anything outside what calc reads is
refused where it is written. ``tensorflow.keras`` is Keras (it is Keras 3 since TensorFlow 2.16).
"""

from __future__ import annotations

from dataclasses import dataclass

from calc.errors import CalcError
from calc.importers import keras_api
from calc.layers.base import suggest

MODEL_NAMES = {"Sequential", "Model", "Input"}
#: Namespaces whose values change no shape and no count; calling a member gives a placeholder.
NEUTRAL = {"activations", "regularizers", "initializers", "constraints", "optimizers", "losses", "metrics", "callbacks"}
#: Keras's data: loading it gives a value calc never reads (a script's data lines may stay).
DATA = {"datasets"}
#: Namespaces calc knows by name but does not read (their members may be mentioned, not called).
OPAQUE = NEUTRAL | DATA | {"applications", "backend", "ops"}
MEMBERS = {
    ("keras",): {"layers", "models", "utils", "random", "config"} | OPAQUE | MODEL_NAMES,
    ("keras", "config"): {"image_data_format"},
    ("keras", "models"): {"Sequential", "Model"},
    ("keras", "utils"): {"plot_model", "set_random_seed", "to_categorical"},
    ("tensorflow",): {"keras", "nn", "random"},
    ("tensorflow", "random"): {"set_seed"},
}
#: Keras's data format setting, which builders read to choose a BatchNormalization axis: Keras's default,
#: "channels_last" (a file cannot change it: keras.config.set_image_data_format is not read).
IMAGE_DATA_FORMAT = {("keras", "config", "image_data_format"), ("keras", "backend", "image_data_format")}
#: Calls that only draw or seed: not even their arguments are read.
HARMLESS = {
    ("keras", "backend", "clear_session"),
    ("keras", "utils", "plot_model"),
    ("keras", "utils", "set_random_seed"),
    ("tensorflow", "random", "set_seed"),
}
SEQUENTIAL = {("keras", "Sequential"), ("keras", "models", "Sequential")}
MODEL = {("keras", "Model"), ("keras", "models", "Model")}
INPUT = ("keras", "Input")


@dataclass(frozen=True)
class KerasName:
    """A namespace (``keras.layers``) or a member (``keras.layers.Conv2D``) of Keras's API."""

    path: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join(self.path)

    @property
    def described(self) -> str:
        return str(self)

    @property
    def spec_text(self) -> str:
        """As an argument (``activation=tf.nn.relu``): the function's name, as Keras stores it."""
        return self.path[-1]

    @property
    def layer(self) -> str | None:
        """The Keras class a ``keras.layers`` member names (aliases resolved), else None."""
        if self.path[:2] == ("keras", "layers") and len(self.path) == 3 and self.path[2] in keras_api.ALIASES:
            return keras_api.ALIASES[self.path[2]]
        if self.path[:2] == ("keras", "layers") and len(self.path) == 3 and self.path[2] in keras_api.LAYERS:
            return self.path[2]
        return None


def normalised(path: tuple[str, ...]) -> tuple[str, ...]:
    """tensorflow.keras.layers.Dense -> keras.layers.Dense."""
    return ("keras", *path[2:]) if path[:2] == ("tensorflow", "keras") else path


def module(dotted: str) -> KerasName | None:
    """The Keras namespace an import names (``tensorflow.keras.layers``), or None for any other module."""
    path = tuple(dotted.split("."))
    if path[0] not in ("keras", "tensorflow"):
        return None
    name = KerasName(path[:1])
    for part in path[1:]:
        name = member(name, part)
    return name


def member(namespace: KerasName, name: str) -> KerasName:
    """``keras.layers`` + ``Conv2D``, if Keras has it and calc knows what it is."""
    parent = namespace.path
    path = normalised((*parent, name))
    if parent == ("keras", "layers"):
        if name in keras_api.LAYERS or name in keras_api.ALIASES or name in keras_api.MERGE_FUNCTIONS:
            return KerasName(path)
        if name == "Input":
            return KerasName(INPUT)
        raise CalcError(f"keras.layers has no '{name}'{suggest(name, [*keras_api.LAYERS, *keras_api.MERGE_FUNCTIONS])}")
    if parent in MEMBERS:
        if name not in MEMBERS[parent]:
            raise CalcError(f"calc does not know {namespace}.{name}{suggest(name, sorted(MEMBERS[parent]))}")
        return KerasName(path)
    if (parent[:1] == ("keras",) and len(parent) >= 2 and parent[1] in OPAQUE) or parent == ("tensorflow", "nn"):
        return KerasName(path)
    raise CalcError(f"calc does not know {'.'.join(path)}")


def members(namespace: KerasName) -> set[str]:
    """What ``from <namespace> import *`` brings in."""
    if namespace.path == ("keras", "layers"):
        return {*keras_api.LAYERS, *keras_api.ALIASES, *keras_api.MERGE_FUNCTIONS, "Input"}
    return MEMBERS.get(namespace.path, set())
