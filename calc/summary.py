"""The Keras-style summary: per-layer output shapes and parameter counts, and the totals.

``Summary.to_dict`` is the JSON contract other tools script against: whole numbers as JSON integers,
symbolic values as strings in sympy syntax, ``null`` for the batch axis. Besides Keras's keys, each
layer has its compute quantities (``calc.compute``): ``macs``, ``flops``, ``activation_elements``,
``activation_bytes``, ``param_bytes``, and per spatial axis ``receptive_field``, ``jump`` and ``start``
(``null`` where the layer has no MACs rule, or its output no receptive field any more). A shared layer's
MACs and activations add up its calls; its receptive field is that of its first call; its
``output_shape`` is its first call's, and ``call_output_shapes`` lists every call's. The
``output_shape`` of a layer with several outputs (an LSTM's states) is a list of shapes, one per output.

``columns`` chooses what the table shows besides the output shape: ``params`` (Keras's column),
``macs``, ``flops``, ``activations``, ``memory`` (parameter bytes) and ``rf`` (receptive field and jump).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from calc import compute
from calc.closed_form import readable
from calc.compute import DEFAULT, Conventions
from calc.errors import CalcError
from calc.layers.base import LayerResult, suggest
from calc.model import Analysis, LayerRecord
from calc.render.math import plain, sympy_text
from calc.render.notebook import Notebook

COLUMNS = ("params", "macs", "flops", "activations", "memory", "rf", "kv_cache", "training", "tokens")
HEADERS = {
    "params": ["Param #"],
    "macs": ["MACs"],
    "flops": ["FLOPs"],
    "activations": ["Activations"],
    "memory": ["Param bytes"],
    "rf": ["RF", "Jump"],
    "kv_cache": ["KV bytes/token"],
    "training": ["Train bytes"],
    "tokens": ["FLOPs/token"],
}


def parse_columns(text: str) -> tuple[str, ...]:
    """'params,macs,rf' -> ('params', 'macs', 'rf'); unknown names are the user's mistake."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise CalcError(f"--columns needs at least one of {', '.join(COLUMNS)}")
    for name in names:
        if name not in COLUMNS:
            raise CalcError(f"unknown column '{name[:40]}'{suggest(name, COLUMNS)} (columns: {', '.join(COLUMNS)})")
    return tuple(dict.fromkeys(names))


def json_value(expr: sp.Expr) -> int | str:
    """A JSON integer when the value is a whole number, else sympy syntax such as 'f*(3*k**2 + 1)'."""
    return int(expr) if expr.is_Integer else sympy_text(expr)


def shown(expr: sp.Expr) -> str:
    """A value as the summary writes it: grouped digits for a whole number, else sympy syntax as ``calc
    formula`` writes it, each floor over one fraction bar (``floor((31 - 3*k)/4)``)."""
    return plain(expr) if expr.is_Integer else sympy_text(expr)


def json_number(expr: sp.Expr | None) -> int | float | str | None:
    """Like ``json_value``, with a fraction such as a receptive field's start (5/2) as a JSON number."""
    if expr is None:
        return None
    if expr.is_Rational and not expr.is_Integer:
        return float(expr)
    return json_value(expr)


def json_shape(shape: tuple[sp.Expr, ...]) -> list:
    """A shape as JSON: ``null`` for the batch axis, then the sizes."""
    return [None, *(json_value(d) for d in shape)]


def json_output(result: LayerResult) -> list:
    """A layer's output shape as JSON; a list of shapes for a layer with several outputs."""
    if result.outputs is not None:
        return [json_shape(shape) for shape in result.outputs]
    return json_shape(result.output_shape)


def json_axes(values: tuple[sp.Expr, ...] | None) -> list | None:
    return None if values is None else [json_number(v) for v in values]


def axes_text(values: tuple[sp.Expr, ...] | None) -> str:
    """One value per spatial axis: '16×16' for an image, '9' for a sequence; '-' without a receptive field."""
    if values is None:
        return "-"
    if len(values) == 1:
        return shown(values[0])
    return "×".join(shown(v) if v.is_Atom else f"({shown(v)})" for v in values)  # (3*k + 1)×(3*k + 1)


class Summary(Notebook):
    """What ``calc summary`` shows, read off an analysis; in Jupyter, a table."""

    def __init__(self, analysis: Analysis, columns: Sequence[str] = ("params",), conventions: Conventions = DEFAULT):
        self.analysis = readable(analysis)  # floor((31 - 3*k)/4), as calc formula writes it
        self.columns = tuple(columns)
        self.conventions = conventions

    # -- the compute quantities of a layer (over all its calls) and of the model -----------------------

    def macs(self, record: LayerRecord) -> sp.Expr | None:
        return compute.layer_macs(self.analysis, record)

    def flops(self, record: LayerRecord) -> sp.Expr | None:
        return self.conventions.flops(self.macs(record))

    def activations(self, record: LayerRecord) -> sp.Expr:
        return compute.layer_activations(self.analysis, record)

    @property
    def total_macs(self) -> sp.Expr | None:
        return compute.total_macs(self.analysis)

    @property
    def total_flops(self) -> sp.Expr | None:
        return self.conventions.flops(self.total_macs)

    @property
    def total_activations(self) -> sp.Expr:
        return compute.total_activations(self.analysis)

    def to_dict(self) -> dict[str, Any]:
        a, c = self.analysis, self.conventions
        layers = []
        for r in a.layers:
            macs = self.macs(r)
            activations = self.activations(r)
            layers.append(
                {
                    "name": r.name,
                    "type": r.type,
                    "output_shape": json_output(r.result),
                    "params": json_value(r.params),
                    "trainable_params": json_value(r.trainable),
                    "non_trainable_params": json_value(r.non_trainable),
                    "macs": None if macs is None else json_value(macs),
                    "flops": None if macs is None else json_value(c.flops(macs)),
                    "activation_elements": json_value(activations),
                    "activation_bytes": json_value(c.bytes(activations)),
                    "param_bytes": json_value(c.bytes(r.params)),
                    "receptive_field": json_axes(r.compute.receptive_field),
                    "jump": json_axes(r.compute.jump),
                    "start": json_axes(r.compute.start),
                }
            )
            calls = a.calls(r)
            if len(calls) > 1:  # a shared layer: each call's output, the first call's given above
                layers[-1]["call_output_shapes"] = [json_output(call.result) for call in calls]
        total_macs = self.total_macs
        deepest = compute.deepest_field(a)
        return {
            "model": a.model,
            "layers": layers,
            "total_params": json_value(a.total_params),
            "trainable_params": json_value(a.trainable_params),
            "non_trainable_params": json_value(a.non_trainable_params),
            "total_macs": None if total_macs is None else json_value(total_macs),
            "total_flops": None if total_macs is None else json_value(c.flops(total_macs)),
            "total_activation_elements": json_value(self.total_activations),
            "total_activation_bytes": json_value(c.bytes(self.total_activations)),
            "total_param_bytes": json_value(c.bytes(a.total_params)),
            "receptive_field": None if deepest is None else json_axes(deepest.compute.receptive_field),
            "flops_per_mac": c.flops_per_mac,
            "dtype": c.dtype,
            **self._transformer_json(),
        }

    def _transformer_json(self) -> dict[str, Any]:
        t = self.transformer
        if t is None:
            return {}
        figures = {key: json_number(value) for key, value in t.items() if key != "experts"}
        return {"transformer": figures | {"training": self.conventions.training, "experts": t["experts"]}}

    # -- the table's cells and total lines (text, Markdown and LaTeX share them) -----------------------

    @property
    def headers(self) -> list[str]:
        return [header for column in self.columns for header in HEADERS[column]]

    def cells(self, record: LayerRecord, grouped: bool = False) -> list[str]:
        """The chosen columns' cells of one layer: numbers as Keras prints them (or with grouped digits)."""

        def number(value: sp.Expr | None) -> str:
            if value is None:
                return "?"
            return shown(value) if grouped or not value.is_Integer else str(value)

        out: list[str] = []
        for column in self.columns:
            if column == "params":
                out.append(number(record.params))
            elif column == "macs":
                out.append(number(self.macs(record)))
            elif column == "flops":
                out.append(number(self.flops(record)))
            elif column == "activations":
                out.append(number(self.activations(record)))
            elif column == "memory":
                out.append(number(self.conventions.bytes(record.params)))
            elif column == "rf":
                out += [axes_text(record.compute.receptive_field), axes_text(record.compute.jump)]
            else:
                out.append(number(self._transformer_cell(column, record)))
        return out

    def _transformer_cell(self, column: str, record: LayerRecord) -> sp.Expr | None:
        from calc import transformer_math as tm

        c = self.conventions
        if column == "kv_cache":
            return c.bytes_per_value * tm.kv_values(record, self.analysis)
        if column == "training":
            return tm.bytes_per_parameter(c.training) * record.params
        flops, transformer = self.flops(record), self.transformer
        return None if flops is None or transformer is None else flops / transformer["context"]

    @property
    def transformer(self) -> dict[str, Any] | None:
        """A transformer's KV cache, training memory and compute per token (calc.transformer_math); None for
        a model without attention layers."""
        from calc import transformer_math as tm

        if "_transformer" not in vars(self):
            c = self.conventions
            found = tm.is_transformer(self.analysis)
            self._transformer = (
                tm.totals(self.analysis, c.bytes_per_value, c.batch, c.training, c.flops_per_mac) if found else None
            )
        return self._transformer

    def total_lines(self) -> list[str]:
        """Keras's three parameter lines, then one line per chosen compute column."""
        a, c = self.analysis, self.conventions
        lines = [
            f"Total params: {shown(a.total_params)}",
            f"Trainable params: {shown(a.trainable_params)}",
            f"Non-trainable params: {shown(a.non_trainable_params)}",
        ]
        lines += [
            f"Tied: {r.name} uses the weights of {r.layer.tied_to}, counted once (as model.parameters() counts them)"
            for r in a.records
            if r.type == "TiedDense" and not r.is_repeat
        ]
        if "macs" in self.columns:
            macs = self.total_macs
            lines.append(f"Total MACs: {self._unknown() if macs is None else shown(macs)}")
        if "flops" in self.columns:
            flops = self.total_flops
            lines.append(
                f"Total FLOPs: {self._unknown() if flops is None else shown(flops)} ({c.flops_per_mac} per MAC)"
            )
        if "activations" in self.columns:
            values = self.total_activations
            lines.append(f"Total activations: {shown(values)} values ({shown(c.bytes(values))} bytes as {c.dtype})")
        if "memory" in self.columns:
            lines.append(f"Parameter memory: {shown(c.bytes(a.total_params))} bytes as {c.dtype}")
        if "rf" in self.columns:
            lines.append(self._field_line())
        lines += self._transformer_lines()
        return lines

    def _transformer_lines(self) -> list[str]:
        t, c = self.transformer, self.conventions
        wanted = {"kv_cache", "training", "tokens"} & set(self.columns)
        if t is None or not wanted:
            return []
        lines = []
        if "kv_cache" in wanted:
            lines.append(
                f"KV cache: {shown(t['kv_cache_bytes_per_token'])} bytes per token as {c.dtype}; "
                f"{shown(t['kv_cache_bytes'])} bytes at {shown(t['context'])} tokens × batch {c.batch}"
            )
        if "training" in wanted:
            lines.append(
                f"Training memory ({c.training}): {shown(t['training_bytes'])} bytes for weights, gradients and "
                f"optimizer; activations {shown(t['activation_bytes'])} bytes "
                f"({shown(t['activation_bytes_recomputed'])} with full recomputation; Korthikanti et al.)"
            )
        if "tokens" in wanted and t["flops_per_token"] is not None:
            lines.append(
                f"FLOPs per token: {shown(t['flops_per_token'])} at {shown(t['context'])} tokens "
                f"(attention's quadratic part {shown(t['flops_per_token_attention'])}); Kaplan et al.'s "
                f"2N + 2·n_layer·n_ctx·d_attn: {shown(t['kaplan_flops_per_token'])}"
                + ("; experts: only those each token uses" if t["experts"] else "")
            )
        return lines

    def deepest_field(self) -> LayerRecord | None:
        """The last layer call whose output still has a receptive field."""
        return compute.deepest_field(self.analysis)

    @staticmethod
    def axes(values: tuple[sp.Expr, ...] | None) -> str:
        return axes_text(values)

    def _unknown(self) -> str:
        """Why a MACs total is unknown (only asked when it is: it makes every layer's compute known)."""
        return "unknown (calc has no MACs rule for " + ", ".join(self._without_macs()) + ")"

    def _without_macs(self) -> list[str]:
        return sorted({r.type for r in self.analysis.records if r.layer is not None and r.compute.macs is None})

    def _field_line(self) -> str:
        deepest = compute.deepest_field(self.analysis)
        if deepest is None:
            return "Receptive field: none (no layer slides a window over the input)"
        field = deepest.compute
        words = f"Receptive field: {axes_text(field.receptive_field)}, jump {axes_text(field.jump)} (at {deepest.name}"
        after = [r for r in self.analysis.records if r.index > deepest.index and r.layer is not None]
        return words + ("; after it the field ends)" if after else ")")

    def to_text(self) -> str:
        from calc.render.text import summary_table

        return summary_table(self)

    def __str__(self) -> str:
        return self.to_text()

    def _render(self, fmt: str) -> str:
        if fmt == "text":
            return self.to_text()
        from calc.render.templating import render

        return render("summary", fmt, summary=self, body_only=True)
