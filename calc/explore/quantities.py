"""The quantities that ``formula``, ``sweep``, ``scaling`` and ``solve`` ask about, read off an analysis.

A quantity is named ``NAME`` (the whole model, or the layer given by ``--layer``) or ``LAYER.NAME``
(``dense.params``, ``conv2d.output_size``, ``conv2d.macs``). ``total_params`` (and ``total_macs``, ...)
is always the whole model's. Output sizes
per axis follow the layer's data format; ``output_size`` is the size of every spatial axis when they
are all the same (a square image), or the one size of a flat output.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from calc.errors import CalcError
from calc.layers.base import AXIS_NAMES, suggest
from calc.layers.layout import channels_first as layer_channels_first
from calc.layers.layout import channels_first_in
from calc.model import Analysis, LayerRecord

COUNTS = ("total_params", "params", "trainable_params", "non_trainable_params")
AXES = ("output_length", "output_depth", "output_height", "output_width", "output_channels")
#: Compute quantities (calc.compute): a layer's, or with no layer the model's total (all layer calls).
COMPUTE = ("total_macs", "macs", "total_flops", "flops", "total_activation_elements", "activation_elements")
#: Receptive field and jump of a layer's output (with no layer: the last layer that still has one); per
#: axis, or one value when every spatial axis agrees.
FIELDS = tuple(
    f"{name}{axis}" for name in ("receptive_field", "jump") for axis in ("", "_length", "_depth", "_height", "_width")
)
#: A transformer's model-level figures (calc.transformer_math), with FLOPs at 2 per MAC, batch 1 and
#: mixed-precision AdamW; the sequence length is the model's (``--keep seq_len`` makes it a symbol).
TRANSFORMER = (
    "kv_cache_values_per_token",
    "training_bytes",
    "activation_bytes",
    "activation_bytes_recomputed",
    "flops_per_token",
    "flops_per_token_attention",
    "kaplan_flops_per_token",
    "non_embedding_params",
)
SCALARS = (*COUNTS, "output_size", *AXES, *COMPUTE, *FIELDS, *TRANSFORMER)
QUANTITIES = (*SCALARS, "output_shape")
MAX_QUANTITIES = 16


@dataclass(frozen=True)
class Quantity:
    """One named quantity's value for one analysis: an expression, or a tuple of them for a shape."""

    name: str  # as the user wrote it, e.g. "total_params" or "dense.params"
    label: str  # words for titles and axis labels: "parameters of dense"
    value: sp.Expr | tuple[sp.Expr, ...]
    layer: LayerRecord | None = None

    @property
    def is_shape(self) -> bool:
        return isinstance(self.value, tuple)


def split_name(text: str, layer: str | None = None) -> tuple[str | None, str]:
    """'dense.params' -> ('dense', 'params'); a plain name takes ``layer`` (from ``--layer``)."""
    if "." in text:
        layer, _, text = text.rpartition(".")
    if text not in QUANTITIES:
        listed = ", ".join(QUANTITIES)
        raise CalcError(f"unknown quantity '{text[:40]}'{suggest(text, QUANTITIES)} (quantities: {listed})")
    return layer or None, text


def quantity(analysis: Analysis, text: str, layer: str | None = None) -> Quantity:
    """The quantity ``text`` (optionally ``LAYER.NAME``) of ``analysis``."""
    layer_name, name = split_name(text, layer)
    record = analysis.layer(layer_name) if layer_name else None
    if name == "total_params":
        return Quantity(text, "total parameters", analysis.total_params)
    if name in COUNTS:
        value = {
            "params": lambda r: r.params,
            "trainable_params": lambda r: r.trainable,
            "non_trainable_params": lambda r: r.non_trainable,
        }[name]
        words = name.replace("_", " ").replace("params", "parameters")
        if record is None:
            total = getattr(analysis, "total_params" if name == "params" else name)
            return Quantity(text, f"{words} of the model", total)
        return Quantity(text, f"{words} of {record.name}", value(record), record)
    if name in COMPUTE:
        return _compute_quantity(analysis, text, name, record)
    if name in FIELDS:
        return _field_quantity(analysis, text, name, record)
    if name in TRANSFORMER:
        return _transformer_quantity(analysis, text, name)
    record = record or analysis.records[-1]
    shape = record.output_shape
    if name == "output_shape":
        return Quantity(text, f"output shape of {record.name}", tuple(shape), record)
    spatial, channels = axes(record, channels_first=channels_first_in(record.layer, analysis.dialect))
    words = name.replace("_", " ")
    if name == "output_channels":
        return Quantity(text, f"{words} of {record.name}", channels, record)
    if name == "output_size":
        sizes = set(spatial.values()) or {channels}
        if len(sizes) != 1:
            listed = ", ".join(f"{axis} {size}" for axis, size in spatial.items())
            raise CalcError(f"{record.name}'s output sizes differ by axis ({listed}); ask for one, e.g. output_height")
        return Quantity(text, f"output size of {record.name}", sizes.pop(), record)
    axis = name.removeprefix("output_")
    if axis not in spatial:
        have = ", ".join(f"output_{a}" for a in spatial) or "output_channels, output_size"
        raise CalcError(f"{record.name} has no {axis} axis (it has {have})")
    return Quantity(text, f"output {axis} of {record.name}", spatial[axis], record)


def axes(record: LayerRecord, channels_first: bool = False) -> tuple[dict[str, sp.Expr], sp.Expr]:
    """The layer's output sizes by spatial axis name, and its channel (or feature) count; channels come
    first for a layer with ``data_format: channels_first`` and for every layer when ``channels_first``
    (the PyTorch dialect)."""
    shape = record.output_shape
    if len(shape) == 1:
        return {}, shape[0]
    if channels_first or layer_channels_first(record.layer):
        spatial, channels = shape[1:], shape[0]
    else:
        spatial, channels = shape[:-1], shape[-1]
    names = AXIS_NAMES.get(len(spatial), tuple(f"axis{i}" for i in range(1, len(spatial) + 1)))
    return dict(zip(names, spatial)), channels


def _compute_quantity(analysis: Analysis, text: str, name: str, record: LayerRecord | None) -> Quantity:
    """MACs, FLOPs (2 per MAC) or activation counts of a layer (every call of it) or of the whole model."""
    from calc import compute

    base = name.removeprefix("total_")
    if name.startswith("total_"):
        record = None
    if base == "activation_elements":
        value = compute.total_activations(analysis) if record is None else compute.layer_activations(analysis, record)
    else:
        value = compute.total_macs(analysis) if record is None else compute.layer_macs(analysis, record)
        if value is None:
            missing = [r for r in analysis.records if r.layer is not None and r.compute.macs is None]
            where = record or missing[0]
            raise CalcError(f"calc has no MACs rule for {where.name} ({where.type})")
        if base == "flops":
            value = compute.DEFAULT.flops(value)
    words = {"macs": "MACs", "flops": "FLOPs", "activation_elements": "activations"}[base]
    return Quantity(text, f"{words} of {'the model' if record is None else record.name}", value, record)


def _field_quantity(analysis: Analysis, text: str, name: str, record: LayerRecord | None) -> Quantity:
    """The receptive field or jump of a layer's output along one axis, or along all when they agree."""
    from calc import compute

    kind = "jump" if name.startswith("jump") else "receptive_field"
    axis = name.removeprefix(kind).removeprefix("_")
    record = record or compute.deepest_field(analysis)
    if record is None:
        raise CalcError("no layer of the model slides a window over its input, so there is no receptive field")
    values = getattr(record.compute, kind)
    words = "receptive field" if kind == "receptive_field" else "jump"
    if values is None:
        raise CalcError(f"{record.name}'s output has no {words} any more: {record.compute.field_words or 'it ended'}")
    names = record.compute.axis_names
    if axis:
        if axis not in names:
            raise CalcError(f"{record.name}'s {words} has no {axis} axis (it has {', '.join(names)})")
        return Quantity(text, f"{words} ({axis}) of {record.name}", values[names.index(axis)], record)
    if len(set(values)) != 1:
        listed = ", ".join(f"{n} {v}" for n, v in zip(names, values))
        raise CalcError(f"{record.name}'s {words} differs by axis ({listed}); ask for one, e.g. {kind}_{names[0]}")
    return Quantity(text, f"{words} of {record.name}", values[0], record)


def _transformer_quantity(analysis: Analysis, text: str, name: str) -> Quantity:
    from calc import transformer_math as tm

    if not tm.is_transformer(analysis):
        raise CalcError(f"{name} is a transformer's figure, and the model has no attention layer")
    value = tm.totals(analysis, 1, 1, "adam_mixed", 2)[name]
    if value is None:
        raise CalcError(f"{name}: calc has no MACs rule for every layer of the model")
    return Quantity(text, name.replace("_", " "), sp.simplify(value) if value.free_symbols else value)
