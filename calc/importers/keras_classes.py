"""Subclassed Keras models (``class Net(keras.Model)``) as the source reader sees them.

A class is its methods, never run as Python: the reader reads ``__init__`` when the class is
instantiated (``self`` bound to an ``Instance`` that holds the attributes it sets) and ``call`` when the
model gets its input (``model.build((None, ...))`` or ``model(keras.Input(...))``), exactly as Keras
traces it. The call's tensors form a functional graph named after the model, so the rest of calc sees
a model used as a layer (or a top-level model), as if the code had used the functional API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from calc.importers.keras_objects import Functional

#: Bases calc reads a class of: a model, or a layer used as a block of one (both traced through ``call``).
BASES = {("keras", "Model"): "Model", ("keras", "models", "Model"): "Model", ("keras", "layers", "Layer"): "Layer"}
#: Methods Keras would call itself with other semantics than the reader gives them: refused where defined.
REFUSED_METHODS = {
    "build": "a class with its own build() makes its layers from shapes; make them in __init__ instead",
    "compute_output_shape": "calc works shapes out itself; remove compute_output_shape()",
    "__call__": "a Keras class is called through call(); remove __call__()",
}


@dataclass(eq=False)
class ModelClass:
    """A ``class Net(keras.Model)`` of the file: its methods, their defaults evaluated where defined."""

    name: str
    base: str  # "Model" or "Layer"
    methods: dict[str, Any]  # name -> the reader's Function

    @property
    def described(self) -> str:
        return f"the class '{self.name}'"


@dataclass(eq=False)
class Instance:
    """An object of such a class: the attributes its ``__init__`` set, and its graph once it has an input."""

    cls: ModelClass
    name: str = ""
    initialised: bool = False  # super().__init__() was called
    attributes: dict[str, Any] = field(default_factory=dict)
    graph: Functional | None = None
    tracing: bool = False

    @property
    def described(self) -> str:
        return f"the {self.cls.base.lower()} '{self.name or self.cls.name}' ({self.cls.name})"


@dataclass(frozen=True)
class Method:
    """``self.helper``: a method of the instance, called with ``self`` first."""

    instance: Instance
    function: Any

    @property
    def described(self) -> str:
        return f"the method '{self.function.node.name}'"
