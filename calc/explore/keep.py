"""Which symbols stay free, and hyper-parameters turned into symbols (``--keep``).

``--keep k,f`` keeps model symbols free. ``--keep kernel_size=k`` (every layer with a kernel size) or
``--keep conv2d.kernel_size=k`` (one layer) makes a numeric hyper-parameter the symbol ``k``;
``--keep filters=f*`` multiplies every filter count by a new factor ``f``. The layers are rebuilt from
their own constructor arguments with the new value (a sympy object built here, never text), so the
layer's checks run again and nothing is substituted into code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from calc.errors import CalcError, quote
from calc.expressions import make_symbol
from calc.layers.base import suggest, to_expr
from calc.model import Model, Sequential

#: Hyper-parameters that are sizes or counts, and so can become symbols.
REWRITABLE = (
    *("filters", "kernel_size", "strides", "padding", "dilation_rate", "groups", "pool_size", "units"),
    *("out_channels", "stride", "dilation", "out_features"),  # the PyTorch dialect's names
)
MAX_ITEMS = 32
_ITEM = re.compile(
    r"(?:(?P<layer>[A-Za-z0-9_][A-Za-z0-9_\-]{0,63})\.)?(?P<argument>[a-z_]{1,32})=(?P<symbol>[A-Za-z][A-Za-z0-9_]{0,31})(?P<scale>\*)?\Z"
)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}\Z")


@dataclass(frozen=True)
class Rewrite:
    """Make ``argument`` of one layer (or of every layer that has it) the symbol ``symbol``,
    or, with ``scale``, the symbol times its current value."""

    argument: str
    symbol: str
    layer: str | None = None
    scale: bool = False

    def __str__(self) -> str:
        where = f"{self.layer}." if self.layer else ""
        return f"{where}{self.argument}={self.symbol}{'*' if self.scale else ''}"


@dataclass(frozen=True)
class Keep:
    """What ``--keep`` asked for: symbols to keep free, and hyper-parameters to rewrite into symbols."""

    names: tuple[str, ...] = ()
    rewrites: tuple[Rewrite, ...] = ()

    @property
    def free(self) -> tuple[str, ...]:
        """Every symbol that stays free, in the order given."""
        return tuple(dict.fromkeys([*self.names, *(r.symbol for r in self.rewrites)]))


def parse_keep(texts: Iterable[str]) -> Keep | None:
    """``--keep`` values (each comma-separated) as a Keep; None when there were none."""
    items = [item.strip() for text in texts for item in text.split(",")]
    if not items:
        return None
    if len(items) > MAX_ITEMS:
        raise CalcError(f"--keep lists {len(items)} items; at most {MAX_ITEMS}")
    names: list[str] = []
    rewrites: list[Rewrite] = []
    for item in items:
        if "=" not in item:
            if not _NAME.match(item):
                raise CalcError(f"--keep: {quote(item)} is not a symbol name (letters, digits and _)")
            make_symbol(item)  # same rules as every model symbol
            names.append(item)
            continue
        match = _ITEM.match(item)
        if not match:
            raise CalcError(
                f"--keep: cannot read {quote(item)}; "
                "expected NAME, ARGUMENT=NAME, LAYER.ARGUMENT=NAME or ARGUMENT=NAME*"
            )
        argument = match["argument"]
        if argument not in REWRITABLE:
            raise CalcError(
                f"--keep: '{argument}' cannot become a symbol{suggest(argument, REWRITABLE)} "
                f"(it can be one of {', '.join(REWRITABLE)})"
            )
        make_symbol(match["symbol"])
        rewrites.append(Rewrite(argument, match["symbol"], match["layer"], bool(match["scale"])))
    return Keep(tuple(names), tuple(rewrites))


def apply_rewrites(model: Sequential, rewrites: Sequence[Rewrite]) -> Model:
    """A copy of ``model`` with the hyper-parameters replaced by symbols.

    A new symbol gets a value when the model already has one for it, when it scales (value 1: the
    model as it was), or when every value it replaced was the same whole number.
    """
    if not rewrites:
        return model
    layers = list(model.layers)
    replaced: dict[str, list[sp.Expr]] = {}
    for rewrite in rewrites:
        targets = _targets(model, rewrite)
        symbol = make_symbol(rewrite.symbol)
        for index in targets:
            layer = layers[index]
            where = f"layer {index + 1} ({model.names[index]}, {layer.type_name})"
            # An argument left out has the value the layer gave it (pooling strides: the pool size).
            old = layer.arguments().get(rewrite.argument, getattr(layer, rewrite.argument, None))
            try:
                new, values = _new_value(old, symbol, rewrite)
                layers[index] = layer.rebuilt(**{rewrite.argument: new})
            except CalcError as error:
                raise error.within(source=model.source, layer=where) from None
            replaced.setdefault(rewrite.symbol, []).extend(values)
    declared = {s.name: model.values.get(s) for s in model.declared}
    for name, olds in replaced.items():
        if declared.get(name) is not None:
            continue
        resolved = {value.xreplace(model.values) for value in olds}
        only = resolved.pop() if len(resolved) == 1 else None
        declared[name] = only if only is not None and only.is_Integer and only > 0 else None
    return model.with_layers(layers, declared)


def _targets(model: Sequential, rewrite: Rewrite) -> list[int]:
    """Indices of the layers that the rewrite changes; an error when there are none."""
    if rewrite.layer is not None:
        if rewrite.layer not in model.names:
            raise CalcError(
                f"--keep {rewrite}: no layer named '{rewrite.layer}'{suggest(rewrite.layer, model.names)}",
                source=model.source,
            )
        index = model.names.index(rewrite.layer)
        layer = model.layers[index]
        if rewrite.argument not in layer.argument_names():
            message = f"--keep {rewrite}: {layer.type_name} has no argument '{rewrite.argument}'"
            raise CalcError(message, source=model.source)
        return [index]
    found = [i for i, layer in enumerate(model.layers) if rewrite.argument in layer.argument_names()]
    if not found:
        message = f"--keep {rewrite}: no layer of the model has an argument '{rewrite.argument}'"
        raise CalcError(message, source=model.source)
    return found


def _new_value(old: Any, symbol: sp.Symbol, rewrite: Rewrite) -> tuple[Any, list[sp.Expr]]:
    """The argument's new value, and the old values it replaces (for the new symbol's value)."""
    what = rewrite.argument
    if isinstance(old, str) and old.lower() in ("valid", "same", "causal"):
        if rewrite.scale or old.lower() != "valid":
            raise CalcError(f"padding '{old}' is not a number of zeros, so it cannot become {rewrite}")
        return symbol, [sp.Integer(0)]
    if old is None:
        raise CalcError(f"{what} has no value to replace")
    items = list(old) if isinstance(old, (list, tuple)) else [old]
    olds = [to_expr(item, what) for item in items]
    if rewrite.scale:
        scaled = [symbol * value for value in olds]
        return (tuple(scaled) if isinstance(old, (list, tuple)) else scaled[0]), [sp.Integer(1)]
    return symbol, olds
