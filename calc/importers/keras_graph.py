"""A model that Keras source code built, as a spec: its layers, or its calls in Keras's order.

A Sequential model becomes its list of layers. A functional model becomes the calls its outputs
depend on (Keras keeps no others), listed where Keras lists them in ``model.layers`` so the summary's
rows come in Keras's order: Keras sorts layers by depth from the outputs, done the same way here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from calc.errors import CalcError
from calc.importers.entries import (
    BLOCK_INPUT,
    block_entry,
    call_entry,
    call_reads,
    layer_entry,
    reference,
    topological,
)
from calc.importers.keras_objects import Functional, Input, Layer, Model, Sequential, Tensor


def parts(model: Model) -> list[Any]:
    """The layers and models inside a model (a shared one once per call)."""
    if isinstance(model, Sequential):
        return model.parts()
    return [tensor.origin for tensor in calls_of(model)]


def freeze(item: Any, trainable: bool) -> None:
    """``x.trainable = False``: Keras sets the flag on the object and on every layer inside it."""
    if isinstance(item, Layer):
        item.kwargs["trainable"] = trainable
    elif isinstance(item, (Sequential, Functional)):
        item.trainable = trainable
        for part in parts(item):
            freeze(part, trainable)


def calls_of(model: Functional) -> list[Tensor]:
    """The layer calls the model's outputs depend on, in the order Keras lists the model's layers."""
    seen: set[int] = set()
    calls: list[Tensor] = []
    stack = list(model.outputs)
    while stack:
        tensor = stack.pop().call  # a call's later outputs (an LSTM's states) stand for the call itself
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        if isinstance(tensor.origin, Input):
            if not any(tensor is given for given in model.inputs):
                raise CalcError(
                    f"the outputs of model '{model.name}' depend on input '{tensor.origin.name}', "
                    "which is not among its inputs",
                    layer=str(model.where),
                )
            continue
        calls.append(tensor)
        stack.extend(tensor.reads)
    calls.sort(key=lambda tensor: tensor.order)
    # Each call is the k-th of its layer in this model; it reads earlier calls and its layer's previous call.
    keys: dict[int, tuple[int, int]] = {}
    counts: dict[int, int] = {}
    for tensor in calls:
        call = counts.get(id(tensor.origin), 0)
        counts[id(tensor.origin)] = call + 1
        keys[id(tensor)] = (id(tensor.origin), call)
    needs: dict[tuple[int, int], set] = {}
    for tensor in calls:
        origin, call = key = keys[id(tensor)]
        needs[key] = {keys[id(read.call)] for read in tensor.reads if id(read.call) in keys}
        if call > 0:
            needs[key].add((origin, call - 1))
    position = keras_layer_order(model)
    by_key = {keys[id(tensor)]: tensor for tensor in calls}
    return [by_key[key] for key in topological(needs, lambda key: (position[key[0]], key[1]))]


def keras_layer_order(model: Functional) -> dict[int, int]:
    """Where Keras lists each layer of a functional model (``model.layers``), by the layer's id.

    Keras walks the graph depth-first from the outputs, gives each layer a depth (the longest path to an
    output; a shared layer takes its deepest call's), and lists the layers deepest first, ties in the
    order the walk met them.
    """
    met: dict[int, int] = {}  # layer -> when the walk first met it
    finished: set[int] = set()
    postorder: list[Tensor] = []
    for output in model.outputs:
        stack: list[tuple[Tensor, bool]] = [(output, False)]
        while stack:
            tensor, done = stack.pop()
            tensor = tensor.call
            if done:
                finished.add(id(tensor))
                postorder.append(tensor)
                continue
            if id(tensor) in finished:
                continue
            met.setdefault(id(tensor.origin), len(met))
            stack.append((tensor, True))
            if not isinstance(tensor.origin, Input):
                stack.extend((read, False) for read in reversed(tensor.reads))
    tensor_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    for tensor in reversed(postorder):
        depth = max(tensor_depth.setdefault(id(tensor), 0), layer_depth.get(id(tensor.origin), 0))
        layer_depth[id(tensor.origin)] = tensor_depth[id(tensor)] = depth
        for read in tensor.reads:
            read = read.call
            tensor_depth[id(read)] = max(depth + 1, tensor_depth.get(id(read), 0))
    for tensor in model.inputs:  # an input no output reads is still listed
        layer_depth.setdefault(id(tensor.origin), 0)
        met.setdefault(id(tensor.origin), -1)
    ordered = sorted(layer_depth, key=lambda layer: (-layer_depth[layer], met[layer]))
    return {layer: position for position, layer in enumerate(ordered)}


def model_spec(model: Model, top: bool, convert: Callable[[Any], Any], frozen: bool = False) -> dict:
    """The spec of a model; ``top`` is False for a model used as a layer (its input comes from outside).

    A frozen model used as a layer has no trainable weights at all (Keras's ``trainable_weights`` is
    empty), whatever its layers' own flags say: ``frozen`` marks every layer inside it.
    """
    frozen = frozen or (not model.trainable and not top)
    where = str(model.where)
    if isinstance(model, Sequential):
        entries = [_entry(part, convert, frozen) for part in model.parts()]
        if not entries:
            raise CalcError(f"the Sequential model '{model.name}' has no layers", layer=where)
        if not top:
            return {"name": model.name, "layers": entries}
        if model.input is None or model.input.shape is None:
            raise CalcError(
                f"the Sequential model '{model.name}' has no input shape: give its first layer "
                "input_shape=(...), start it with keras.Input(shape=(...)), or call model.build((None, ...))",
                layer=where,
            )
        return {"name": model.name, "input": model.input.shape, "layers": entries}
    if not top and len(model.inputs) != 1:
        raise CalcError(f"the model '{model.name}' is used as a layer with several inputs; calc nests one", layer=where)
    calls = calls_of(model)
    if not calls:
        raise CalcError(f"the model '{model.name}' has no layer between its inputs and outputs", layer=where)
    refs = {id(tensor): tensor.origin.name if top else BLOCK_INPUT for tensor in model.inputs}
    counts: dict[int, int] = {}
    made: dict[int, tuple[str, int]] = {}  # a call's tensor -> (layer, call number)
    entries = []

    def ref(tensor: Tensor) -> str:
        """The spec's name of a tensor: its call's, with the output's number for a later output."""
        if tensor.main is None:
            return refs[id(tensor)]
        return reference(*made[id(tensor.main)], tensor.output)

    for tensor in calls:
        call = counts.get(id(tensor.origin), 0)
        counts[id(tensor.origin)] = call + 1
        reads = [ref(read) for read in tensor.reads]
        if isinstance(tensor.origin, Layer):
            positional, keywords = tensor.arguments()
            reads = call_reads(
                tensor.origin.cls,
                tensor.origin.name,
                [ref(read) for read in positional],
                [(key, ref(read)) for key, read in keywords],
            )
        refs[id(tensor)] = reference(tensor.origin.name, call)
        made[id(tensor)] = (tensor.origin.name, call)
        if call > 0:
            entries.append(call_entry(tensor.origin.name, reads))
        else:
            ((key, arguments),) = _entry(tensor.origin, convert, frozen).items()
            entries.append({key: {**arguments, "inputs": reads}})
    outputs = [ref(tensor) for tensor in model.outputs]
    if not top:
        if outputs != [refs[id(calls[-1])]]:
            raise CalcError(f"the model '{model.name}' is used as a layer; it must have one output", layer=where)
        return {"name": model.name, "layers": entries}
    shapes = {tensor.origin.name: tensor.origin.shape for tensor in model.inputs}
    return {"name": model.name, "inputs": shapes, "layers": entries, "outputs": outputs}


def _entry(part: Any, convert: Callable[[Any], Any], frozen: bool) -> dict:
    if isinstance(part, Layer):
        kwargs = {key: convert(value) for key, value in part.kwargs.items()}
        if frozen:
            kwargs["trainable"] = False
        return layer_entry(part.cls, part.name, kwargs)
    spec = model_spec(part, top=False, convert=convert, frozen=frozen)
    return block_entry(spec["name"], spec["layers"])


def modelled_layers(model: Model, path: str = "") -> list[tuple[str, str]]:
    """(name, Keras class) of every layer in the model, nested ones as block/name."""
    found = []
    for part in parts(model):
        if isinstance(part, Layer):
            found.extend(_wrapped(part, path))
        else:
            found.append((f"{path}{part.name}", "Sequential" if isinstance(part, Sequential) else "Functional"))
            found.extend(modelled_layers(part, f"{path}{part.name}/"))
    return found


def _wrapped(layer: Layer, path: str) -> list[tuple[str, str]]:
    """A layer, and the layers it wraps (``Bidirectional(LSTM(8))``), as wrapper/name."""
    found = [(f"{path}{layer.name}", layer.cls)]
    stack = list(layer.kwargs.values())
    while stack:
        value = stack.pop()
        if isinstance(value, Layer):
            found.extend(_wrapped(value, f"{path}{layer.name}/"))
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
    return found
