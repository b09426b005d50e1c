"""Compute and memory per layer: MACs, FLOPs, activation size, parameter memory, receptive field.

Each layer states its MACs rule next to its parameter rule (``Layer.macs``) and, where it has one, its
receptive-field rule (``Layer.receptive_field``; the sliding-window rules live in
``calc.layers.receptive``). This module walks an analysis in graph order, asks every layer call for
both, and keeps the results on the records (``LayerRecord.compute``). What is not a layer's rule but a
convention lives here, stated once: FLOPs per MAC, bytes per value of a dtype, the activation count.

Conventions (the README's "Compute" section says the same):

* MACs count the multiply-accumulates of weighted sums (convolutions, dense layers, recurrent and
  attention projections) and attention's two products of activations, for one example and one
  forward pass. Work done value by value (activation functions, pooling, merges, normalization,
  padding, dropout) is 0 MACs; each layer's MACs step says why.
* FLOPs are 2 per MAC by default (a multiply and an add); ``flops_per_mac=1`` is fvcore's convention.
* A layer's activations are the values of its output for one example; memory is values times the
  bytes of the dtype (float32 by default).
* A shared layer called twice does its work twice: totals of MACs and activations run over every call,
  while parameters are counted once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sympy as sp

from calc.errors import CalcError, quote
from calc.layers.base import Env, zero_macs
from calc.layers.layout import model_channel_axis
from calc.layers.receptive import Field, FieldChange, has_field, input_field, union
from calc.layers.reshape import flatten_rule
from calc.references import split_reference
from calc.rules import Rule, Step, apply, local_symbols, numbered_symbols
from calc.sums import add_up

if TYPE_CHECKING:
    from calc.model import Analysis, LayerRecord

macs_symbol, phi, b, count = local_symbols("M phi b N")

FLOPS = Rule(
    lhs="F",
    name="FLOPs from multiply-accumulates",
    symbols={"M": "the multiply-accumulates"},
    expr=phi * macs_symbol,
    why="A multiply-accumulate is a multiplication and an addition: two floating-point operations "
    "(fvcore counts it as one).",
)
BYTES = Rule(
    lhs="B",
    name="Memory in bytes",
    symbols={"b": "the bytes one value takes in the dtype", "N": "the values stored"},
    expr=b * count,
    why="Each of the N values takes b bytes.",
)
ACTIVATIONS_WHY = "The output of one example holds the product of its axes' sizes in values."

#: Bytes per value of the dtypes calc knows.
DTYPE_BYTES = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int8": 1, "uint8": 1}
FLOPS_PER_MAC = (2, 1)
KEEPS_WORDS = (
    "It works value by value, so each output unit sees what its input unit saw: the receptive field passes through."
)
ENDS_WORDS = "Each output reads every position of its input, so the receptive field ends here."


@dataclass
class LayerCompute:
    """MACs, activation size and receptive field of one layer call."""

    macs_step: Step | None  # None: calc has no MACs rule for this layer
    activation_step: Step
    field: Field
    field_steps: list[Step] = dataclasses.field(default_factory=list)
    field_words: str = ""

    @property
    def macs(self) -> sp.Expr | None:
        return None if self.macs_step is None else self.macs_step.value

    @property
    def activation_elements(self) -> sp.Expr:
        return self.activation_step.value

    def _axes(self, attribute: str) -> tuple[sp.Expr, ...] | None:
        values = tuple(getattr(axis, attribute) for axis in self.field if axis is not None)
        return values or None

    @property
    def receptive_field(self) -> tuple[sp.Expr, ...] | None:
        """The receptive field along each axis that has one (the spatial axes, in order); None when none has."""
        return self._axes("size")

    @property
    def jump(self) -> tuple[sp.Expr, ...] | None:
        return self._axes("jump")

    @property
    def start(self) -> tuple[sp.Expr, ...] | None:
        return self._axes("start")

    @property
    def axis_names(self) -> list[str]:
        """Names of the axes that have a field: height and width of an image, ..."""
        from calc.layers.base import AXIS_NAMES

        count = sum(axis is not None for axis in self.field)
        return list(AXIS_NAMES.get(count, tuple(f"axis {i}" for i in range(1, count + 1))))


def channel_axis(analysis: Analysis) -> int:
    """Where the channels are: first in PyTorch's layout and for Keras layers with
    data_format='channels_first' (the first layer that names a data format decides), else last."""
    return model_channel_axis((record.layer for record in analysis.records), analysis.dialect)


def compute_analysis(analysis: Analysis, input_fields: Mapping[str, Field] | None = None) -> list[LayerCompute]:
    """Every record's compute quantities, in record order (``Analysis.keep_compute`` keeps them on the records;
    a block works them out again when ``input_fields`` come from an outer model)."""
    results: list[LayerCompute] = []
    env = Env(analysis.values)
    channels = channel_axis(analysis)
    tensors: dict[str, Field] = {}
    given = dict(input_fields or {})
    for name, shape in _input_shapes(analysis).items():
        tensors[f"{name}[0]"] = given.get(name, input_field(len(shape), channels))  # every output has one field
    for record in analysis.records:
        if record.layer is None:  # a model input (functional models list them)
            incoming = tensors[f"{record.name}[0]"]
            results.append(LayerCompute(zero_macs("A model input does no work."), _activations(record), incoming))
            continue
        fields = [tensors[_key(ref)] for ref in record.inputs]
        change = _field(record, fields, env)
        macs = record.layer.macs(record.input_shapes, record.result, env)
        results.append(LayerCompute(macs, _activations(record), change.field, change.steps, change.words))
        tensors[f"{record.name}[{record.call}]"] = change.field
    return results


def _input_shapes(analysis: Analysis) -> dict[str, Any]:
    if analysis.functional:
        return {r.name: r.output_shape for r in analysis.records if r.layer is None}
    return {"input": analysis.input_shape}


def _key(ref: str) -> str:
    name, call = split_reference(ref)
    return f"{name}[{call}]"


def _activations(record: LayerRecord) -> Step:
    shape = record.output_shape
    bindings = dict(zip(numbered_symbols("n", len(shape)), shape))
    step = apply(flatten_rule(len(shape)), "Activations", bindings, why=ACTIVATIONS_WHY)
    step.lhs = "A"
    return step


def _field(record: LayerRecord, fields: list[Field], env: Env) -> FieldChange:
    layer = record.layer
    rank = len(record.output_shape)
    change = layer.receptive_field(fields, record.input_shapes, record.result, env)
    if change is not None:
        return change
    if layer.field_effect == "keeps" and fields:
        if len(fields) == 1:
            return FieldChange(fields[0] if len(fields[0]) == rank else (None,) * rank, [], KEEPS_WORDS)
        return union(fields, [])
    return FieldChange((None,) * rank, [], ENDS_WORDS if any(has_field(f) for f in fields) else "")


# ---------------------------------------------------------------------------------------------
# Totals and conventions
# ---------------------------------------------------------------------------------------------


def calls(analysis: Analysis, record: LayerRecord) -> list[LayerRecord]:
    """Every call of the layer of ``record`` (a shared layer has several)."""
    return analysis.calls(record)


def layer_macs(analysis: Analysis, record: LayerRecord) -> sp.Expr | None:
    """A layer's MACs over all its calls; None when calc has no MACs rule for it."""
    values = [r.compute.macs for r in calls(analysis, record)]
    return None if any(v is None for v in values) else add_up(values)


def layer_activations(analysis: Analysis, record: LayerRecord) -> sp.Expr:
    return add_up(r.compute.activation_elements for r in calls(analysis, record))


def total_macs(analysis: Analysis) -> sp.Expr | None:
    """The MACs of every layer call; None when some layer has no MACs rule."""
    values = [r.compute.macs for r in analysis.records if r.layer is not None]
    return None if any(v is None for v in values) else add_up(values)


def total_activations(analysis: Analysis) -> sp.Expr:
    """The values every layer call produces for one example (a block counts its layers' outputs, a
    repeated block each copy's), the model's inputs left out: what a forward pass keeps for training."""
    terms = []
    for record in analysis.records:
        if record.layer is None:
            continue
        children = record.result.children
        if children is None:
            terms.append(record.compute.activation_elements)
        else:
            copies = getattr(record.layer, "applied", sp.Integer(1)).xreplace(analysis.values)
            terms.append(copies * total_activations(children))
    return add_up(terms)


def deepest_field(analysis: Analysis) -> LayerRecord | None:
    """The last layer call whose output still has a receptive field (the model's, before it ends)."""
    found = [r for r in analysis.records if r.layer is not None and r.compute.receptive_field is not None]
    return found[-1] if found else None


@dataclass(frozen=True)
class Conventions:
    """The conventions that turn MACs into FLOPs and value counts into bytes."""

    flops_per_mac: int = 2
    dtype: str = "float32"
    #: For a transformer's KV cache and activations: sequences in a batch, and the training scheme whose
    #: bytes per parameter count the training memory (calc.transformer_math).
    batch: int = 1
    training: str = "adam_mixed"

    def __post_init__(self) -> None:
        if isinstance(self.batch, bool) or not isinstance(self.batch, int) or not 1 <= self.batch <= 10**6:
            raise CalcError(f"batch must be a whole number from 1 to 1,000,000, got {self.batch!r}")
        if self.flops_per_mac not in FLOPS_PER_MAC:
            raise CalcError(f"flops per MAC must be 2 or 1 (fvcore's), got {quote(self.flops_per_mac)}")
        if self.dtype not in DTYPE_BYTES:
            raise CalcError(f"dtype must be one of {', '.join(DTYPE_BYTES)}, got {quote(self.dtype)}")

    @property
    def bytes_per_value(self) -> int:
        return DTYPE_BYTES[self.dtype]

    def flops_step(self, macs: sp.Expr) -> Step:
        why = FLOPS.why if self.flops_per_mac == 2 else "fvcore's convention: one FLOP per multiply-accumulate."
        return apply(FLOPS, "FLOPs", {macs_symbol: macs}, {phi: sp.Integer(self.flops_per_mac)}, why=why)

    def flops(self, macs: sp.Expr | None) -> sp.Expr | None:
        return None if macs is None else self.flops_per_mac * macs

    def bytes_step(self, values: sp.Expr, title: str) -> Step:
        why = f"Each of the N values takes b = {self.bytes_per_value} bytes as {self.dtype}."
        return apply(BYTES, title, {count: values, b: sp.Integer(self.bytes_per_value)}, why=why)

    def bytes(self, values: sp.Expr) -> sp.Expr:
        return self.bytes_per_value * values


DEFAULT = Conventions()


#: The compute quantities of one layer call, read off its record (``LayerRecord.compute`` works the whole
#: analysis out on first use). For the checker and other tools: name -> getter; receptive_field, jump and
#: start give one value per spatial axis (or None where the field has ended); flops uses 2 per MAC.
LAYER_QUANTITIES: dict[str, Callable[[LayerRecord], Any]] = {
    "macs": lambda record: record.compute.macs,
    "flops": lambda record: DEFAULT.flops(record.compute.macs),
    "activation_elements": lambda record: record.compute.activation_elements,
    "param_bytes": lambda record: DEFAULT.bytes(record.params),
    "receptive_field": lambda record: record.compute.receptive_field,
    "jump": lambda record: record.compute.jump,
    "start": lambda record: record.compute.start,
}

#: The steps that worked a layer call's quantity out (what a derivation shows), by the same names.
LAYER_STEPS: dict[str, Callable[[LayerRecord], list[Step]]] = {
    "macs": lambda record: [s for s in (record.compute.macs_step,) if s is not None],
    "flops": lambda record: [DEFAULT.flops_step(record.compute.macs)] if record.compute.macs is not None else [],
    "activation_elements": lambda record: [record.compute.activation_step],
    "receptive_field": lambda record: [s for s in record.compute.field_steps if s.lhs == "r_{out}"],
    "jump": lambda record: [s for s in record.compute.field_steps if s.lhs == "j_{out}"],
}
