"""What Keras source code builds, as the source reader sees it: layers, tensors and models.

These stand in for Keras's objects without being them: a ``Layer`` is a class name, a name and the
keyword arguments; a ``Tensor`` remembers which call made it and what that call read. ``Session`` is
Keras's own state while code runs, done the way Keras does it: the counters behind default names
(``conv2d``, ``conv2d_1``: Keras names an object when it is made, counting every object of that
class, including the ``input_layer`` and ``functional`` objects a Sequential model makes for itself
each time it builds) and the constructors ``Sequential``, ``add``, ``build``, ``Input``, ``Model``.
Errors carry no place; the reader adds the line and column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from calc.errors import CalcError, quote
from calc.importers import keras_api
from calc.importers.folding import batch_shape, describe, sizes
from calc.importers.python_source import Where
from calc.layers.base import keras_default_name, suggest

MAX_ARGUMENT_ITEMS = 100_000
INPUT_ARGUMENTS = ["shape", "batch_size", "dtype", "sparse", "ragged", "batch_shape", "name"]


@dataclass(eq=False)
class Layer:
    """A Keras layer the code made: ``layers.Conv2D(8, 5)`` -> Conv2D, conv2d, {filters: 8, kernel_size: 5}."""

    cls: str
    name: str
    kwargs: dict[str, Any]
    where: Where
    #: input_shape= / input_dim=: a Sequential model's input when the layer comes first.
    input_shape: list | None = None

    @property
    def described(self) -> str:
        return f"the layer '{self.name}' ({self.cls})"


@dataclass(eq=False)
class Input:
    """An InputLayer; ``shape`` is None for the one Keras makes when a model without input is called."""

    name: str
    shape: list | None
    where: Where
    described = "an InputLayer"


@dataclass(eq=False)
class Tensor:
    """The output of one call: of an Input, of a layer, or of a model called like a layer."""

    origin: Any  # Input | Layer | Sequential | Functional
    reads: list[Tensor]
    order: int
    #: The keywords of the last ``len(keywords)`` reads, which were passed by keyword (``value=v``).
    keywords: tuple[str, ...] = ()
    #: Which output of the call this is (an LSTM's states come after its output), and the call's first
    #: output, which stands for the call, when this is a later one.
    output: int = 0
    main: Tensor | None = None
    described = "a tensor"

    @property
    def call(self) -> Tensor:
        """The tensor standing for the call that made this one (its first output)."""
        return self.main or self

    def arguments(self) -> tuple[list[Tensor], list[tuple[str, Tensor]]]:
        """The tensors the call was given by position, and those given by keyword with their keywords."""
        cut = len(self.reads) - len(self.keywords)
        return self.reads[:cut], list(zip(self.keywords, self.reads[cut:]))


@dataclass(eq=False)
class Sequential:
    name: str
    where: Where
    layers: list[Any] = field(default_factory=list)  # an Input first when it has one
    trainable: bool = True
    described = "a Sequential model"

    @property
    def input(self) -> Input | None:
        return self.layers[0] if self.layers and isinstance(self.layers[0], Input) else None

    def parts(self) -> list[Any]:
        return [item for item in self.layers if not isinstance(item, Input)]


@dataclass(eq=False)
class Functional:
    name: str
    where: Where
    inputs: list[Tensor]
    outputs: list[Tensor]
    trainable: bool = True
    described = "a functional model"


Model = Sequential | Functional
LAYERLIKE = (Layer, Sequential, Functional)


class Session:
    """Keras's state while the code runs: default-name counters, tensors in order, the models made."""

    def __init__(self) -> None:
        self.counters: dict[str, int] = {}
        self.tensors = 0
        self.models: list[Model] = []
        self.nested: set[int] = set()  # models used inside another model
        self.summarized: Model | None = None

    def auto_name(self, cls: str) -> str:
        """Keras's default name for a new object of class ``cls``: conv2d, conv2d_1, ..."""
        base = keras_default_name(cls)
        count = self.counters.get(base, 0)
        self.counters[base] = count + 1
        return base if count == 0 else f"{base}_{count}"

    def chosen(self) -> Model:
        """The model the code is about: the last one summarised, else the last one not used inside another."""
        if self.summarized is not None:
            return self.summarized
        top = [model for model in self.models if id(model) not in self.nested]
        if not top:
            raise CalcError(
                "the code builds no Keras model (expected Sequential([...]), model.add(...) "
                "or keras.Model(inputs, outputs))"
            )
        return top[-1]

    def tensor(self, origin: Any, reads: list[Tensor]) -> Tensor:
        self.tensors += 1
        return Tensor(origin, reads, self.tensors)

    # -- Layers and inputs ----------------------------------------------------------------

    def layer(self, cls: str, args: list, kwargs: dict, where: Where) -> Layer:
        """``layers.Conv2D(8, (5, 5), ...)``: positional arguments named after Keras's signature."""
        names = keras_api.positional(cls)
        if len(args) > len(names):
            listed = ", ".join(names) or "none"
            raise CalcError(
                f"{cls} takes at most {len(names)} positional arguments here ({listed}); pass the rest by keyword"
            )
        for key, value in zip(names, args):
            if key in kwargs:
                raise CalcError(f"{cls} got two values for '{key}'")
            kwargs[key] = value
        name = kwargs.pop("name", None)
        if name is not None and (not isinstance(name, str) or not name.strip() or "/" in name):
            raise CalcError(f"a layer name must be a non-empty string without '/', got {quote(name)}")
        # Keras 2's input_dim=n on a first layer means input_shape=(n,), except where the layer has an
        # input_dim of its own (Embedding's vocabulary size).
        dim = None if "input_dim" in names else kwargs.pop("input_dim", None)
        shape = kwargs.pop("input_shape", None)
        shape = [dim] if dim is not None else shape
        for key, value in kwargs.items():
            _check_argument(cls, key, value)
        given = None if shape is None else sizes(shape, "input_shape")
        return Layer(cls, name if name is not None else self.auto_name(cls), kwargs, where, given)

    def input(self, args: list, kwargs: dict, where: Where, function: bool) -> Input:
        """``keras.Input(shape=(32, 32, 3), name=...)`` or ``layers.InputLayer(...)``."""
        if len(args) > (len(INPUT_ARGUMENTS) if function else 1):
            raise CalcError("pass the input's shape as shape=(...)")
        for key, value in zip(INPUT_ARGUMENTS, args):
            kwargs[key] = value
        for old, new in (("input_shape", "shape"), ("batch_input_shape", "batch_shape")):
            if old in kwargs and new not in kwargs:
                kwargs[new] = kwargs.pop(old)
        unknown = sorted(set(kwargs) - {*INPUT_ARGUMENTS, "optional", "input_tensor", "tensor"})
        if unknown:
            raise CalcError(f"keras.Input has no argument '{unknown[0]}'{suggest(unknown[0], INPUT_ARGUMENTS)}")
        if kwargs.get("shape") is not None:
            shape = sizes(kwargs["shape"], "shape")
        elif kwargs.get("batch_shape") is not None:
            shape = batch_shape(kwargs["batch_shape"])
        else:
            raise CalcError("keras.Input needs shape=(...)")
        name = kwargs.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise CalcError(f"an input's name must be a non-empty string, got {quote(name)}")
        return Input(name if name is not None else self.auto_name("InputLayer"), shape, where)

    def call(self, layer: Any, args: list, kwargs: dict, where: Where) -> Tensor:
        """``layer(x)``, ``layer([a, b])``, ``model(x)``: a new tensor reading the tensors given."""
        reads: list[Tensor] = []
        for value in args:
            items = value if isinstance(value, (tuple, list)) else [value]
            if not all(isinstance(item, Tensor) for item in items):
                raise CalcError(f"'{layer.name}' is called on {describe(value)}; it takes tensors")
            reads.extend(items)
        # Keras flattens a call's arguments with its keyword arguments sorted by name: the tensors' order
        # (which orders model.layers) is the same here; initial_state=[h, c] gives two tensors
        keywords: tuple[str, ...] = ()
        for key in sorted(kwargs):
            items = kwargs[key] if isinstance(kwargs[key], (list, tuple)) else [kwargs[key]]
            if items and all(isinstance(item, Tensor) for item in items):
                keywords += (key,) * len(items)
                reads.extend(items)
        if not reads:
            raise CalcError(f"'{layer.name}' is called without a tensor (keras.Input or another layer's output)")
        if isinstance(layer, (Sequential, Functional)):
            self.nested.add(id(layer))
            if isinstance(layer, Sequential) and layer.input is None:  # Keras builds it at its first call
                layer.layers.insert(0, Input(self.auto_name("InputLayer"), None, where))
                self.auto_name("Functional")
        tensor = self.tensor(layer, reads)
        tensor.keywords = keywords
        count = output_count(layer, kwargs)
        if count == 1:
            return tensor
        extra = [Tensor(layer, reads, tensor.order, keywords, output, tensor) for output in range(1, count)]
        return [tensor, *extra]  # Keras returns a list: outputs, states = lstm(x)

    # -- Models ---------------------------------------------------------------------------

    def sequential(self, args: list, kwargs: dict, where: Where) -> Sequential:
        for key, value in zip(("layers", "trainable", "name"), args):
            if key in kwargs:
                raise CalcError(f"Sequential got two values for '{key}'")
            kwargs[key] = value
        unknown = sorted(set(kwargs) - {"layers", "trainable", "name"})
        if unknown or len(args) > 3:
            raise CalcError(f"Sequential takes layers, trainable and name, got '{(unknown or ['?'])[0]}'")
        model = Sequential(self._model_name(kwargs, "Sequential"), where)
        items = kwargs.get("layers") or []
        if not isinstance(items, (list, tuple)):
            raise CalcError("Sequential takes a list of layers")
        for item in items:
            self.add(model, item, rebuild=False)
        if items:
            self.rebuild(model)
        model.trainable = kwargs.get("trainable") is not False
        self.models.append(model)
        return model

    def add(self, model: Sequential, item: Any, rebuild: bool = True) -> None:
        """Keras's Sequential.add, with the InputLayer Keras makes from a first layer's input_shape."""
        if isinstance(item, Tensor) and isinstance(item.origin, Input):
            item = item.origin
        if not isinstance(item, (Layer, Input, Sequential, Functional)):
            raise CalcError(f"a Sequential model takes layers, got {describe(item)}")
        if not model.layers and isinstance(item, Layer) and item.input_shape is not None:
            model.layers.append(Input(self.auto_name("InputLayer"), item.input_shape, item.where))
        if isinstance(item, Input) and model.layers:
            raise CalcError(f"the Sequential model '{model.name}' already has layers; its Input must come first")
        if isinstance(item, (Sequential, Functional)):
            self.nested.add(id(item))
        model.layers.append(item)
        if rebuild:
            self.rebuild(model)

    def rebuild(self, model: Sequential) -> None:
        """Keras rebuilds a Sequential model that has an input after each change, naming a new graph."""
        if model.input is not None and len(model.layers) > 1:
            self.auto_name("Functional")

    def build(self, model: Sequential, args: list, kwargs: dict, where: Where) -> None:
        """``model.build((None, 32, 32, 3))``."""
        shape = kwargs.pop("input_shape", args[0] if len(args) == 1 else None)
        if kwargs or len(args) > 1 or shape is None:
            raise CalcError("calc reads model.build((None, ...)) with one shape")
        shape = batch_shape(shape)
        if model.input is None:
            model.layers.insert(0, Input(self.auto_name("InputLayer"), shape, where))
        elif model.input.shape is None:
            model.input.shape = shape
        self.auto_name("Functional")

    def functional(self, args: list, kwargs: dict, where: Where) -> Functional:
        """``keras.Model(inputs, outputs, name=...)``."""
        for key, value in zip(("inputs", "outputs"), args):
            if key in kwargs:
                raise CalcError(f"keras.Model got two values for '{key}'")
            kwargs[key] = value
        unknown = sorted(set(kwargs) - {"inputs", "outputs", "name", "trainable"})
        if unknown or len(args) > 2 or "inputs" not in kwargs or "outputs" not in kwargs:
            raise CalcError("calc reads keras.Model(inputs, outputs, name=...) (the functional API)")
        inputs = _tensors(kwargs["inputs"], "inputs")
        if not all(isinstance(tensor.origin, Input) for tensor in inputs):
            raise CalcError("a model's inputs must be keras.Input tensors")
        model = Functional(
            self._model_name(kwargs, "Functional"), where, inputs, _tensors(kwargs["outputs"], "outputs")
        )
        model.trainable = kwargs.get("trainable") is not False
        self.models.append(model)
        return model

    def _model_name(self, kwargs: Mapping[str, Any], cls: str) -> str:
        name = kwargs.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise CalcError(f"a model's name must be a non-empty string, got {quote(name)}")
        return name if name is not None else self.auto_name(cls)


#: The states a recurrent layer returns with return_state=True, after its output.
STATES = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}


def output_count(layer: Any, call_kwargs: Mapping[str, Any]) -> int:
    """How many outputs a call gives: an RNN's output and its states (return_state), a Bidirectional's two
    outputs (merge_mode None) and both layers' states, attention's output and scores
    (``return_attention_scores=True`` at the call, which the spec keeps on the layer)."""
    if not isinstance(layer, Layer):
        return 1
    if layer.cls == "MultiHeadAttention" and call_kwargs.get("return_attention_scores") is True:
        layer.kwargs["return_attention_scores"] = True
        return 2
    if layer.cls in STATES:
        return 1 + STATES[layer.cls] * (layer.kwargs.get("return_state") is True)
    if layer.cls == "Bidirectional" and isinstance(inner := layer.kwargs.get("layer"), Layer):
        states = STATES.get(inner.cls, 0) * (inner.kwargs.get("return_state") is True)
        outputs = 2 if "merge_mode" in layer.kwargs and layer.kwargs["merge_mode"] is None else 1
        return outputs + 2 * states
    return 1


def _check_argument(cls: str, key: str, value: Any) -> None:
    """A layer's argument is a value (or a layer, for wrappers), never a tensor or a model; and not huge.

    Lists may share items (``[[0] * 100] * 100``), so the items are counted, not the lists' lengths.
    """
    stack, count = [value], 0
    while stack:
        item = stack.pop()
        count += 1
        if count > MAX_ARGUMENT_ITEMS:
            raise CalcError(f"{cls}'s argument '{key}' holds more than {MAX_ARGUMENT_ITEMS:,} values")
        if isinstance(item, (tuple, list)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (Tensor, Input, Sequential, Functional)) or not _plain(item):
            raise CalcError(f"{cls}'s argument '{key}' must be a value, got {describe(item)}")


def _plain(value: Any) -> bool:
    """Numbers, strings, None, a layer (a wrapper's), or a Keras name or placeholder (the reader's own)."""
    return (
        value is None
        or isinstance(value, (bool, int, float, str, Layer))
        or getattr(value, "spec_text", None) is not None
    )


def _tensors(value: Any, what: str) -> list[Tensor]:
    values = list(value.values()) if isinstance(value, Mapping) else value
    items = list(values) if isinstance(values, (tuple, list)) else [values]
    if not items or not all(isinstance(item, Tensor) for item in items):
        raise CalcError(f"keras.Model's {what} must be tensors")
    return items
