"""Keras's own description of a model (``model.to_json()``, a .keras archive's config.json) as a spec.

Keras 3 writes ``{"class_name": "Sequential" | "Functional", "config": {...}}``. A Sequential config
lists its layers in order (an ``InputLayer`` first when the model was built); a Functional config lists
each layer once with ``inbound_nodes``, one per call, whose tensors name their origin by
``keras_history`` = [layer, call, output]. Keras lists a shared layer at its first call, so a later
call may read layers listed after it: the calls are put in an order where every call comes after
what it reads (Kahn's algorithm, ties broken by Keras's own order). Keras 2's list-form nodes
(``[["conv2d", 0, 0, {}]]``) and ``batch_input_shape`` are read too. Layer names are Keras's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from calc.errors import CalcError, quote
from calc.importers.entries import (
    BLOCK_INPUT,
    MODEL_CLASSES,
    block_entry,
    call_entry,
    call_reads,
    check_modelled,
    layer_entry,
    name_unknown_sizes,
    reference,
    topological,
)

# Config keys that are not constructor arguments calc needs: the name is taken apart, the dtype
# policy changes no count (a quantized one is refused), input shapes become the model's input.
SHAPE_KEYS = ("batch_input_shape", "batch_shape", "input_shape", "batch_size")
MAX_NESTING = 32


def is_keras_model(data: Any) -> bool:
    """Does parsed JSON look like Keras's description of a model (rather than a calc spec)?"""
    return _is_config(data)


def _is_config(data: Any) -> bool:
    """``{"class_name": ..., "config": {...}}``: how Keras describes any object it can rebuild."""
    if not isinstance(data, Mapping):
        return False
    return isinstance(data.get("class_name"), str) and isinstance(data.get("config"), Mapping)


def spec_from_keras(data: Mapping[str, Any]) -> dict:
    """The spec of a Keras model description; refuses models with layers calc does not model."""
    reader = _Reader()
    try:
        spec = reader.model(data, top=True, path="")
    except RecursionError:
        raise CalcError("the Keras model is nested too deeply") from None
    check_modelled(reader.layers)
    return name_unknown_sizes(spec)


class _Reader:
    def __init__(self) -> None:
        #: (name, Keras class) of every layer met, nested ones as block/name, for the modelled check.
        self.layers: list[tuple[str, str]] = []

    def model(self, data: Mapping[str, Any], top: bool, path: str) -> dict:
        cls = data.get("class_name")
        config = data.get("config")
        if not isinstance(config, Mapping):
            raise CalcError(f"the Keras model '{path or cls}' has no 'config' mapping")
        if path.count("/") > MAX_NESTING:
            raise CalcError("the Keras model is nested too deeply")
        if cls == "Sequential":
            return self.sequential(config, top, path)
        if cls in ("Functional", "Model") and "input_layers" in config:
            return self.functional(config, top, path)
        raise CalcError(
            f"expected a Keras Sequential or Functional model, got a '{cls}' "
            "(a subclassed model keeps its layers in Python code, not in its config: pass the .py file that defines it)"
        )

    # -- Sequential -------------------------------------------------------------------------

    def sequential(self, config: Mapping[str, Any], top: bool, path: str) -> dict:
        name = _model_name(config, "sequential")
        items = _layer_list(config, name)
        shape = None
        entries = []
        for index, item in enumerate(items):
            cls, layer_config = _header(item, index)
            if cls == "InputLayer":
                if entries:
                    raise CalcError(f"the Sequential model '{name}' has an InputLayer after its first layer")
                shape = _input_shape(layer_config, _name(layer_config, item, index))
                continue
            if shape is None and not entries:
                shape = _shape_argument(layer_config)
            entries.append(self.entry(item, index, path))
        if not entries:
            raise CalcError(f"the Sequential model '{name}' has no layers")
        if not top:
            return block_entry(name, entries)["Model"]
        if shape is None:
            built = config.get("build_input_shape")
            shape = _batch_shape(built, "build_input_shape") if built is not None else None
        if shape is None:
            raise CalcError(
                f"the Sequential model '{name}' has no input shape (it was never built); "
                "build it with keras.Input(shape=...) as its first layer and save it again"
            )
        return {"name": name, "input": shape, "layers": entries}

    # -- Functional -------------------------------------------------------------------------

    def functional(self, config: Mapping[str, Any], top: bool, path: str) -> dict:
        name = _model_name(config, "functional")
        graph = _Graph(name, _layer_list(config, name), top)
        inputs = [ref[0] for ref in _tensor_list(config.get("input_layers"), "input_layers")]
        for input_name in inputs:
            if graph.classes.get(input_name) != "InputLayer":
                raise CalcError(f"the model's input '{input_name}' is not an InputLayer of the model")
        if not top and len(inputs) != 1:
            raise CalcError(f"the nested model '{name}' has {len(inputs)} inputs; calc nests models with one input")
        calls = graph.calls()
        order = _topological(calls, graph.position, name)
        entries = []
        for layer_name, call in order:
            refs = calls[(layer_name, call)][0]
            if call > 0:
                entries.append(call_entry(layer_name, refs))
                continue
            index = graph.position[layer_name]
            ((key, arguments),) = self.entry(graph.items[index], index, path).items()
            entries.append({key: {**arguments, **graph.options.get(layer_name, {}), "inputs": refs}})
        if not entries:
            raise CalcError(f"the model '{name}' has no layers")
        outputs = graph.outputs(config.get("output_layers"))
        if not top:
            if outputs != [reference(*order[-1])]:
                raise CalcError(f"the nested model '{name}' must have one output, its last layer's")
            return {"name": name, "layers": entries}
        shapes = {n: _input_shape(graph.headers[graph.position[n]][1], n) for n in inputs}
        return {"name": name, "inputs": shapes, "layers": entries, "outputs": outputs}

    # -- One layer --------------------------------------------------------------------------

    def entry(self, item: Mapping[str, Any], index: int, path: str) -> dict:
        """A spec entry for one layer config (a nested model becomes a ``Model`` block)."""
        cls, config = _header(item, index)
        name = _name(config, item, index)
        where = f"{path}{name}"
        if cls in MODEL_CLASSES:
            self.layers.append((where, cls))
            return {"Model": self.model(item, top=False, path=f"{where}/")}
        if _custom(item):
            self.layers.append((where, f"{cls}, not a Keras layer"))
            return layer_entry(cls, name, {})
        self.layers.append((where, cls))
        return layer_entry(cls, name, _arguments(config, where, self.layers))


class _Graph:
    """A functional config's layers by name, and the calls their inbound nodes make."""

    def __init__(self, model: str, items: list, top: bool):
        self.model, self.items, self.top = model, items, top
        self.headers = [_header(item, index) for index, item in enumerate(items)]
        self.names = [_name(config, item, index) for index, (item, (_, config)) in enumerate(zip(items, self.headers))]
        self.position: dict[str, int] = {}
        for index, layer_name in enumerate(self.names):
            if layer_name in self.position:
                raise CalcError(f"the model '{model}' has two layers named '{layer_name}'")
            self.position[layer_name] = index
        self.classes = {layer_name: cls for layer_name, (cls, _) in zip(self.names, self.headers)}
        #: Call arguments that change a layer's outputs, which calc keeps on the layer (by layer name).
        self.options: dict[str, dict[str, Any]] = {}

    def calls(self) -> dict[tuple[str, int], tuple[list[str], set[tuple[str, int]]]]:
        """(layer, call) -> (the spec references it reads, the calls it needs before it: all it was given,
        an attention mask too)."""
        calls: dict[tuple[str, int], tuple[list[str], set[tuple[str, int]]]] = {}
        for layer_name, (cls, _), item in zip(self.names, self.headers, self.items):
            nodes = item.get("inbound_nodes") or []
            if cls == "InputLayer":
                continue
            if not isinstance(nodes, list):
                raise CalcError(f"layer '{layer_name}': 'inbound_nodes' must be a list")
            for call, node in enumerate(nodes):
                positional, keywords = _call_tensors(node, layer_name)
                if _call_option(node, "return_attention_scores") is True:  # the scores: a second output
                    self.options.setdefault(layer_name, {})["return_attention_scores"] = True
                scalar = _scalar(node)
                if scalar is not None:  # x + 3.0: Keras's op on a tensor and a number
                    self.options.setdefault(layer_name, {})["scalar"] = scalar
                if not positional and not keywords:
                    raise CalcError(f"layer '{layer_name}' has a call that reads no tensor")
                by_position = [self.reference(history, layer_name) for history in positional]
                by_keyword = [(key, self.reference(history, layer_name)) for key, history in keywords]
                needs = {need for _, need in [*by_position, *(made for _, made in by_keyword)] if need}
                refs = call_reads(
                    cls, layer_name, [ref for ref, _ in by_position], [(key, ref) for key, (ref, _) in by_keyword]
                )
                if call > 0:  # a layer's calls keep their order
                    needs.add((layer_name, call - 1))
                calls[(layer_name, call)] = (refs, needs)
        for key, (_, needs) in calls.items():
            for need in needs:
                if need not in calls:
                    raise CalcError(f"layer '{key[0]}' reads call {need[1]} of '{need[0]}', which the model lacks")
        return calls

    def reference(self, history: list, reader: str) -> tuple[str, tuple[str, int] | None]:
        """The spec's name for a tensor [layer, call, output], and the call that makes it (None for an input)."""
        origin, call, output = history
        if origin not in self.position:
            raise CalcError(f"layer '{reader}' reads '{origin}', which is not a layer of the model '{self.model}'")
        if self.classes[origin] == "InputLayer":
            if output != 0:
                raise CalcError(f"layer '{reader}' reads output {output} of '{origin}', an input, which has one")
            return (origin if self.top else BLOCK_INPUT), None
        return reference(origin, call, output), (origin, call)

    def outputs(self, value: Any) -> list[str]:
        outputs = []
        for origin, call, output in _tensor_list(value, "output_layers"):
            if origin not in self.position:
                raise CalcError(f"the model's output '{origin}' is not a layer of the model")
            if self.classes[origin] == "Functional":  # a nested graph's node 0 is its own: its calls count from 1
                call -= 1
            if call < 0:
                raise CalcError(f"the model's output names a call of '{origin}' that does not exist")
            outputs.append(origin if self.classes[origin] == "InputLayer" else reference(origin, call, output))
        return outputs


def _topological(
    calls: Mapping[tuple[str, int], tuple[list[str], set]], position: Mapping[str, int], model: str
) -> list:
    order = topological({key: needs for key, (_, needs) in calls.items()}, lambda key: (position[key[0]], key[1]))
    if len(order) != len(calls):
        done = set(order)
        stuck = sorted({key[0] for key in calls if key not in done})
        raise CalcError(f"the layers of the model '{model}' read each other in a cycle: {', '.join(stuck)}")
    return order


def _call_tensors(node: Any, reader: str) -> tuple[list[list], list[tuple[str, list]]]:
    """The [layer, call, output] of every tensor a call reads: those passed by position, in order, and
    those passed by keyword, each with its keyword (Keras 3: ``mha(q, value=v)``; Keras 2 put every
    argument after the first in the keywords of the first tensor's entry)."""
    if isinstance(node, list):  # Keras 2: [[layer, call, output, kwargs], ...]
        positional, keywords = [], []
        for item in node:
            if not isinstance(item, list) or len(item) < 3:
                raise CalcError(f"layer '{reader}': an inbound node entry must be [layer, call, output, ...]")
            positional.append(_history(item[:3], reader))
            extra = item[3] if len(item) > 3 and isinstance(item[3], Mapping) else {}
            keywords += [(key, _history(value, reader)) for key, value in extra.items() if _names_a_tensor(value)]
        return positional, keywords
    if not isinstance(node, Mapping):
        raise CalcError(f"layer '{reader}': an inbound node must be a mapping with 'args' and 'kwargs'")
    kwargs = node.get("kwargs")
    items = sorted(kwargs.items()) if isinstance(kwargs, Mapping) else [("", kwargs)]  # as Keras flattens them
    keywords = [(str(key), history) for key, value in items for history in _tensors_in(value, reader)]
    return _tensors_in(node.get("args"), reader), keywords


def _scalar(node: Any) -> float | None:
    """The number a Keras 3 op is called with beside a tensor (``x + 3.0``), else None."""
    args = node.get("args") if isinstance(node, Mapping) else None
    if not isinstance(args, list):
        return None
    numbers = [a for a in args if isinstance(a, (int, float)) and not isinstance(a, bool)]
    return numbers[0] if len(numbers) == 1 else None


def _call_option(node: Any, key: str) -> Any:
    """A call's keyword argument that is not a tensor (``return_attention_scores``), Keras 3's or Keras 2's form."""
    if isinstance(node, Mapping):
        kwargs = node.get("kwargs")
        return kwargs.get(key) if isinstance(kwargs, Mapping) else None
    if isinstance(node, list):
        for item in node:
            if isinstance(item, list) and len(item) > 3 and isinstance(item[3], Mapping) and key in item[3]:
                return item[3][key]
    return None


def _tensors_in(value: Any, reader: str) -> list[list]:
    """The [layer, call, output] of every Keras 3 tensor in an argument (a list of them, a mapping ...)."""
    found: list[list] = []

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            if value.get("class_name") == "__keras_tensor__":
                config = value.get("config")
                history = config.get("keras_history") if isinstance(config, Mapping) else None
                found.append(_history(history, reader))
                return
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(value)
    return found


def _names_a_tensor(value: Any) -> bool:
    """Keras 2 wrote a tensor passed by keyword as [layer, call, output]."""
    return isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)


def _history(value: Any, reader: str) -> list:
    if (
        not isinstance(value, list)
        or len(value) != 3
        or not isinstance(value[0], str)
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value[1:])
    ):
        raise CalcError(f"layer '{reader}': a tensor's keras_history must be [layer, call, output], got {quote(value)}")
    return list(value)


def _tensor_list(value: Any, what: str) -> list[list]:
    """input_layers / output_layers: one [layer, call, output] or a list (or mapping) of them."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return [_history(value, what)]
    if isinstance(value, Mapping):
        value = list(value.values())
    if not isinstance(value, list) or not value:
        raise CalcError(f"the model's '{what}' must list [layer, call, output] entries")
    return [_history(item, what) for item in value]


def _layer_list(config: Mapping[str, Any], model: str) -> list:
    items = config.get("layers")
    if not isinstance(items, list):
        raise CalcError(f"the model '{model}' has no 'layers' list")
    return items


def _model_name(config: Mapping[str, Any], default: str) -> str:
    name = config.get("name", default)
    if not isinstance(name, str) or not name.strip():
        raise CalcError(f"a model's name must be a non-empty string, got {quote(name)}")
    return name


def _header(item: Any, index: int) -> tuple[str, Mapping[str, Any]]:
    if not isinstance(item, Mapping) or not isinstance(item.get("class_name"), str):
        raise CalcError(f"layer {index + 1} must be a mapping with 'class_name' and 'config'")
    config = item.get("config")
    if not isinstance(config, Mapping):
        raise CalcError(f"layer {index + 1} ({item['class_name']}) has no 'config' mapping")
    return item["class_name"], config


def _name(config: Mapping[str, Any], item: Mapping[str, Any], index: int) -> str:
    name = config.get("name", item.get("name"))
    if not isinstance(name, str) or not name.strip():
        raise CalcError(f"layer {index + 1} ({item.get('class_name')}) has no name")
    return name


def _custom(item: Mapping[str, Any]) -> bool:
    """A class of the user's own (registered with Keras), not Keras's: calc cannot know its arithmetic."""
    module = item.get("module")
    registered = item.get("registered_name")
    if isinstance(registered, str) and registered != item.get("class_name"):
        return True
    return isinstance(module, str) and module != "keras" and not module.startswith("keras.")


def _arguments(config: Mapping[str, Any], where: str, found: list[tuple[str, str]]) -> dict[str, Any]:
    """A layer config as constructor arguments: everything but the name, the dtype and input shapes.

    A wrapper's layer (``Bidirectional``'s ``layer``) becomes a one-key mapping, and joins ``found``.
    """
    arguments = {}
    for key, value in config.items():
        if key == "name" or key in SHAPE_KEYS:
            continue
        if key == "dtype":
            if isinstance(value, Mapping) and "Quantized" in str(value.get("class_name", "")):
                raise CalcError(f"layer '{where}' is quantized ({value['class_name']}); calc counts float weights")
            continue
        if key == "quantization_config":
            if value is not None:
                raise CalcError(f"layer '{where}' is quantized; calc counts float weights")
            continue
        arguments[key] = _value(value, where, found)
    return arguments


def _value(value: Any, where: str, found: list[tuple[str, str]]) -> Any:
    if _is_config(value) and value.get("module") == "keras.layers":
        name = value["config"].get("name")
        inner = f"{where}/{name or value['class_name']}"
        found.append((inner, value["class_name"]))
        named = {"name": name} if isinstance(name, str) else {}  # Keras's (forward_lstm): never a default's twin
        return {value["class_name"]: {**named, **_arguments(value["config"], inner, found)}}
    return value


def _input_shape(config: Mapping[str, Any], name: str) -> list:
    """An InputLayer's shape without the batch axis."""
    for key in ("batch_shape", "batch_input_shape"):
        if config.get(key) is not None:
            return _batch_shape(config[key], f"input '{name}'")
    if config.get("shape") is not None:
        return _sizes(config["shape"], f"input '{name}'")
    raise CalcError(f"input '{name}' has no shape")


def _shape_argument(config: Mapping[str, Any]) -> list | None:
    """Keras 2 put the input shape on a Sequential model's first layer."""
    for key in ("batch_input_shape", "batch_shape"):
        if config.get(key) is not None:
            return _batch_shape(config[key], "batch_input_shape")
    if config.get("input_shape") is not None:
        return _sizes(config["input_shape"], "input_shape")
    return None


def _batch_shape(value: Any, what: str) -> list:
    if not isinstance(value, list) or len(value) < 2:
        raise CalcError(f"{what} must list the batch axis and at least one size, got {quote(value)}")
    return _sizes(value[1:], what)


def _sizes(value: Any, what: str) -> list:
    if not isinstance(value, list) or not value:
        raise CalcError(f"{what} must be a list of sizes, got {quote(value)}")
    for size in value:
        if size is None:  # open: the spec names it with a symbol (name_unknown_sizes)
            continue
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise CalcError(f"{what} sizes must be positive whole numbers, got {quote(size)}")
    return list(value)
