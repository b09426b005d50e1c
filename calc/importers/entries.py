"""The spec entries both Keras importers write, the order they go in, and the check made before building.

Every importer ends in calc's own spec dict (``calc.spec.from_spec`` reads it), so a Keras file, a
.keras archive and Keras source code take the one path into the engine that spec files take.
A model with a layer the engine does not model is refused whole, naming every such layer in one line:
a partial summary would look complete and be wrong.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from calc.errors import CalcError
from calc.layers import REGISTRY
from calc.layers.attention import ROLES

#: Names Keras gives its model classes; a model used as a layer becomes a spec ``Model`` block.
MODEL_CLASSES = ("Sequential", "Functional", "Model")

#: The name the spec gives a nested graph's input (a block's input arrives from outside).
BLOCK_INPUT = "input"


def layer_entry(cls: str, name: str, kwargs: Mapping[str, Any], refs: list[str] | None = None) -> dict:
    """``{Conv2D: {name: conv2d, filters: 8, ..., inputs: [...]}}``: a layer's first (or only) call."""
    arguments = {"name": name, **kwargs}
    if refs is not None:
        arguments["inputs"] = refs
    return {cls: arguments}


def call_entry(name: str, refs: list[str]) -> dict:
    """``{encoder: {inputs: [...]}}``: a later call of a shared layer, whose weights are the first call's."""
    return {name: {"inputs": refs}}


def block_entry(name: str, layers: list[dict], refs: list[str] | None = None) -> dict:
    """A model used as a layer: ``{Model: {name, layers}}``; its input comes from the outer model."""
    arguments: dict[str, Any] = {"name": name, "layers": layers}
    if refs is not None:
        arguments["inputs"] = refs
    return {"Model": arguments}


#: Layers whose call names the tensors it reads, in the order the spec lists them: Keras's
#: ``MultiHeadAttention.call(query, value, key=None, ...)``.
CALL_ROLES = {"MultiHeadAttention": ROLES}


#: Layers called as ``rnn(sequences, initial_state=[h, c], mask=...)``.
RECURRENT_CALLS = frozenset({"SimpleRNN", "LSTM", "GRU", "Bidirectional"})


def call_reads(cls: str, name: str, positional: list[str], keywords: list[tuple[str, str]]) -> list[str]:
    """The tensors a call reads, as the spec lists them, from the tensors passed by position and by keyword.

    Most layers read them all, in argument order. Attention reads its query, value and key, wherever they
    were passed, in Keras's order, and as few as say the same: ``mha(x, x)`` reads x once (self-attention),
    ``mha(q, v, v)`` reads q and v. Its other tensors (``attention_mask``, ``query_mask``, ... by keyword or
    by position after the key) change neither shapes nor counts, so the spec leaves them out.
    """
    if cls in RECURRENT_CALLS:  # the sequence, then the initial states; a mask changes no shape
        return [*positional[:1], *(ref for key, ref in keywords if key == "initial_state"), *positional[1:]]
    roles = CALL_ROLES.get(cls)
    if roles is None:
        return [*positional, *(ref for _, ref in keywords)]
    given = dict(zip(roles, positional))
    for key, ref in keywords:
        if key in roles:
            if key in given:
                raise CalcError(f"layer '{name}' ({cls}) is given two values for '{key}'")
            given[key] = ref
    for role in roles[:2]:
        if role not in given:
            raise CalcError(f"layer '{name}' ({cls}) is called without a {role} tensor")
    query, value = given["query"], given["value"]
    key = given.get("key", value)
    if key != value:
        return [query, value, key]
    return [query] if value == query else [query, value]


def reference(name: str, call: int, output: int = 0) -> str:
    """How the spec names the output of a layer's call: ``dense`` for the first, ``dense[1]`` for the next,
    ``lstm[0][1]`` for the second output (an LSTM's state) of the first."""
    if output:
        return f"{name}[{call}][{output}]"
    return name if call == 0 else f"{name}[{call}]"


#: Names for the sizes Keras leaves open (None), by the number of axes of the input (batch axis left out):
#: a sequence's length s (and its features f), an image's height h and width w (and channels c), a
#: volume's depth d.
UNKNOWN_SIZES = {1: ("s",), 2: ("s", "f"), 3: ("h", "w", "c"), 4: ("d", "h", "w", "c")}


def name_unknown_sizes(spec: dict) -> dict:
    """Give each size Keras leaves open (None) in the model's inputs a free symbol: ``(None, None, 3)`` becomes
    ``[h, w, 3]``. Counts that do not depend on it stay numbers; ``--set h=224`` fixes it. A second input's
    open sizes take the next free names (``s_1``)."""
    shapes = spec.get("inputs") or ({"input": spec["input"]} if spec.get("input") is not None else {})
    taken: set[str] = set()
    symbols: dict[str, None] = {}
    for shape in shapes.values():
        names = UNKNOWN_SIZES.get(len(shape)) or tuple(f"n{axis}" for axis in range(1, len(shape) + 1))
        for axis, size in enumerate(shape):
            if size is not None:
                continue
            base, count = names[axis], 0
            name = base
            while name in taken:
                count += 1
                name = f"{base}_{count}"
            taken.add(name)
            shape[axis] = name
            symbols[name] = None
    if symbols:
        spec["symbols"] = {**spec.get("symbols", {}), **symbols}
    return spec


def check_modelled(layers: Iterable[tuple[str, str]]) -> None:
    """Refuse the model, in one line, when any (name, Keras class) is a layer calc does not model yet."""
    missing: dict[str, str] = {}
    for name, cls in layers:
        if cls not in REGISTRY and cls not in MODEL_CLASSES and cls != "InputLayer":
            missing.setdefault(name, cls)
    if missing:
        listed = ", ".join(f"{name} ({cls})" for name, cls in missing.items())
        count = f"{len(missing)} layer{'s' if len(missing) > 1 else ''}"
        raise CalcError(f"calc does not model {count} of this model yet: {listed}; no partial answer is given")


def topological(needs: Mapping[Hashable, set], priority: Callable[[Any], tuple]) -> list:
    """Every call after the calls it reads (Kahn's algorithm); of the calls ready, the lowest priority first.

    A spec lists each call after its inputs. Keras lists a model's layers by depth, a shared layer once at
    its deepest call, so its later calls may read layers listed after it; with Keras's position as the
    priority, the calls keep Keras's order wherever that order allows. A cycle leaves calls unordered:
    they are returned apart, last, for the caller to report.
    """
    waiting = {key: set(keys) for key, keys in needs.items()}
    readers: dict[Any, list] = {}
    for key, keys in waiting.items():
        for need in keys:
            readers.setdefault(need, []).append(key)
    ready = [(priority(key), index, key) for index, (key, keys) in enumerate(waiting.items()) if not keys]
    heapq.heapify(ready)
    order = []
    counter = len(ready)
    while ready:
        *_, key = heapq.heappop(ready)
        order.append(key)
        for reader in readers.get(key, []):
            waiting[reader].discard(key)
            if not waiting[reader]:
                counter += 1
                heapq.heappush(ready, (priority(reader), counter, reader))
    return order
