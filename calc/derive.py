"""The worked solution: for every layer, each step's formula, the numbers in place, the value.

This module only arranges what the analysis computed (and spots divisions that are not exact, so
the text can say that the floor drops the remainder); the templates in ``templates/`` typeset it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

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


def layer_views(analysis: Analysis, prefix: str = "") -> list[LayerView]:
    """Every layer call's steps; a block's layers follow as its children, numbered within it (10.1, 10.2)."""
    return [
        LayerView(
            r,
            [step_view(s) for s in r.result.shape_steps],
            [step_view(s) for s in r.result.param_steps],
            f"{prefix}{r.index}",
            analysis.functional,
            layer_views(r.result.children, f"{prefix}{r.index}.") if r.result.children and not r.is_repeat else [],
        )
        for r in analysis.records
    ]


def render_derivation(analysis: Analysis, fmt: str = "markdown") -> str:
    """The worked solution as Markdown or a complete LaTeX document."""
    from calc.render.templating import render

    return render("derivation", fmt, analysis=analysis, layers=layer_views(analysis))


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

        return render("derivation", fmt, analysis=self.analysis, layers=layer_views(self.analysis), body_only=True)


def derivation(model: Model | Analysis, values: Mapping[str, Any] | None = None) -> Derivation:
    """The worked solution of a model (with symbol values, as ``--set`` gives them) or of an analysis."""
    analysis = model if isinstance(model, Analysis) else model.analyze(values or {})
    return Derivation(analysis)
