"""The worked solution: for every layer, each step's formula, the numbers in place, the value.

This module only arranges what the analysis computed (and spots divisions that are not exact, so
the text can say that the floor drops the remainder); the templates in ``templates/`` typeset it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from calc.compute import DEFAULT, Conventions
from calc.errors import CalcError
from calc.layers.base import suggest
from calc.model import Analysis, LayerRecord, Model
from calc.render.math import substituted, tex
from calc.render.notebook import Notebook
from calc.rules import Step


@dataclass
class Rounding:
    """A floor or ceiling whose argument is not whole here: ⌊27/2⌋ = 13."""

    kind: str  # "floor" or "ceiling"
    argument: sp.Expr
    result: sp.Expr


@dataclass
class StepView:
    step: Step
    show_numbers: bool
    roundings: list[Rounding] = field(default_factory=list)


@dataclass
class LayerView:
    record: LayerRecord
    shape_steps: list[StepView]
    param_steps: list[StepView]
    #: With ``--include``: MACs, FLOPs, activations and memory steps, then the receptive-field steps.
    compute_steps: list[StepView] = field(default_factory=list)
    field_steps: list[StepView] = field(default_factory=list)
    field_words: str = ""
    #: True when MACs were asked for and calc has no MACs rule for this layer.
    no_macs_rule: bool = False
    #: The layer's number in the derivation: "10", or "10.2" for the second layer of block 10.
    number: str = ""
    #: Whether the model or block the layer sits in is a graph (its inputs are then named).
    functional: bool = False
    #: A block's own layers (a nested Model, or one copy of a Repeat), derived in turn.
    children: list[LayerView] = field(default_factory=list)


def roundings(step: Step) -> list[Rounding]:
    """Floors and ceilings in the step whose argument, with this layer's numbers, is not whole."""
    found = []
    for node in sp.preorder_traversal(step.formula):
        if isinstance(node, sp.floor | sp.ceiling):
            argument = node.args[0].xreplace(step.bindings)
            if argument.is_number and not argument.is_integer:
                kind = "floor" if isinstance(node, sp.floor) else "ceiling"
                found.append(Rounding(kind, argument, type(node)(argument)))
    return found


def step_view(step: Step) -> StepView:
    """A step with what its rendering needs: whether the numbers-in line adds anything, and roundings."""
    numbers = substituted(step)
    show = bool(step.bindings) and numbers not in (tex(step.value), tex(step.formula))
    return StepView(step, show, roundings(step))


INCLUDES = ("macs", "flops", "activations", "memory", "rf", "kv_cache", "training", "tokens")
#: The model-level quantities of a transformer (calc.transformer_math), shown with the totals.
TRANSFORMER_INCLUDES = ("kv_cache", "training", "tokens")


def layer_views(
    analysis: Analysis, include: Sequence[str] = (), conventions: Conventions = DEFAULT, prefix: str = ""
) -> list[LayerView]:
    """Every layer call's steps; a block's own layers follow as its children, numbered within it (10.1, 10.2)."""
    views = []
    for r in analysis.records:
        view = LayerView(r, [step_view(s) for s in r.result.shape_steps], [step_view(s) for s in r.result.param_steps])
        view.number, view.functional = f"{prefix}{r.index}", analysis.functional
        if include and r.layer is not None:
            _compute_steps(view, include, conventions)
        if r.result.children and not r.is_repeat:
            view.children = layer_views(r.result.children, include, conventions, f"{view.number}.")
        views.append(view)
    return views


def _compute_steps(view: LayerView, include: Sequence[str], conventions: Conventions) -> None:
    """The steps of the quantities asked for, from the layer's own rules and the conventions."""
    record = view.record
    c = record.compute
    steps: list[Step] = []
    if "macs" in include or "flops" in include:
        view.no_macs_rule = c.macs_step is None
        if c.macs_step is not None:
            steps.append(c.macs_step)
            if "flops" in include and c.macs != 0:
                steps.append(conventions.flops_step(c.macs))
    if "activations" in include:
        steps += [c.activation_step, conventions.bytes_step(c.activation_elements, "Activation memory")]
    if "memory" in include and not record.is_repeat and record.params != 0:
        steps.append(conventions.bytes_step(record.params, "Parameter memory"))
    view.compute_steps = [step_view(s) for s in steps]
    if "rf" in include:
        view.field_steps = [step_view(s) for s in c.field_steps]
        view.field_words = c.field_words


def parse_include(text: str | None) -> tuple[str, ...]:
    """'macs,rf' -> ('macs', 'rf'): the compute quantities a derivation shows besides shapes and parameters."""
    if not text:
        return ()
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in INCLUDES:
            listed = ", ".join(INCLUDES)
            raise CalcError(
                f"unknown quantity '{name[:40]}' for --include{suggest(name, INCLUDES)} (choose from {listed})"
            )
    return tuple(dict.fromkeys(names))


def render_derivation(
    analysis: Analysis, fmt: str = "markdown", include: Sequence[str] = (), conventions: Conventions = DEFAULT
) -> str:
    """The worked solution as Markdown or a complete LaTeX document; ``include`` adds compute quantities."""
    from calc.render.templating import render

    return render("derivation", fmt, **derivation_context(analysis, include, conventions))


def derivation_context(
    analysis: Analysis, include: Sequence[str] = (), conventions: Conventions = DEFAULT
) -> dict[str, Any]:
    """What the derivation templates read: the layers' steps and, with ``include``, the compute totals."""
    from calc.summary import Summary

    return {
        "analysis": analysis,
        "layers": layer_views(analysis, include, conventions),
        "include": tuple(include),
        "compute": Summary(analysis, conventions=conventions) if include else None,
        "macs_terms": [r.compute.macs for r in analysis.records if r.layer is not None and r.compute.macs != 0]
        if {"macs", "flops"} & set(include)
        else [],
        "totals": [step_view(s) for s in _totals(analysis, include, conventions)] if include else [],
    }


def _totals(analysis: Analysis, include: Sequence[str], conventions: Conventions) -> list[Step]:
    """The model's FLOPs and memory totals as steps (the MACs sum is written out by the template)."""
    from calc import compute

    steps: list[Step] = []
    macs = compute.total_macs(analysis)
    if "flops" in include and macs is not None:
        steps.append(conventions.flops_step(macs))
    if "activations" in include:
        steps.append(conventions.bytes_step(compute.total_activations(analysis), "Activation memory"))
        steps[-1].why = (
            f"A forward pass that keeps every layer's output (as training does) holds N values; each takes "
            f"b = {conventions.bytes_per_value} bytes as {conventions.dtype}."
        )
    if "memory" in include:
        steps.append(conventions.bytes_step(analysis.total_params, "Parameter memory"))
    return steps + transformer_totals(analysis, include, conventions)


def transformer_totals(analysis: Analysis, include: Sequence[str], conventions: Conventions) -> list[Step]:
    """The transformer's KV cache, training memory and compute per token, as steps of their rules."""
    from calc import transformer_math as tm

    if not set(include) & set(TRANSFORMER_INCLUDES) or not tm.is_transformer(analysis):
        return []
    steps: list[Step] = []
    if "kv_cache" in include:
        steps += tm.kv_steps(analysis, conventions.bytes_per_value, conventions.batch)
    if "training" in include:
        steps += [
            conventions.bytes_step(analysis.total_params, "Weights"),
            tm.training_step(analysis, conventions.training),
        ]
        steps += tm.activation_steps(analysis, conventions.batch)
    if "tokens" in include:
        steps += tm.compute_steps(analysis, conventions.flops_per_mac)
    return steps


class Derivation(Notebook):
    """The worked solution of one analysis: Markdown or a LaTeX document, and typeset math in Jupyter."""

    def __init__(self, analysis: Analysis):
        self.analysis = analysis

    def to_markdown(self) -> str:
        return render_derivation(self.analysis, "markdown")

    def to_latex(self) -> str:
        """A complete LaTeX document (pdflatex compiles it)."""
        return render_derivation(self.analysis, "latex")

    def __str__(self) -> str:
        return self.to_markdown()

    def _render(self, fmt: str) -> str | None:
        if fmt == "html":  # Markdown math is typeset by every notebook front end; math in HTML is not
            return None
        if fmt == "text":
            return self.to_markdown()
        from calc.render.templating import render

        return render("derivation", fmt, **derivation_context(self.analysis), body_only=True)


def derivation(model: Model | Analysis, values: Mapping[str, Any] | None = None) -> Derivation:
    """The worked solution of a model (with symbol values, as ``--set`` gives them) or of an analysis."""
    analysis = model if isinstance(model, Analysis) else model.analyze(values or {})
    return Derivation(analysis)
