"""Closed forms: a quantity as an expression in the symbols kept free, in a form people read.

The expression is what the layers built (each layer's rule applied to the previous layer's output),
in the readable form of ``calc.closed_form`` (nested floors merged, sums expanded). A single layer's
quantity keeps its rule's factored form (``f*(3*k**2 + 1)``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy as sp
from markupsafe import Markup

from calc.closed_form import normal_form, normalised
from calc.errors import CalcError
from calc.explore.keep import Keep, apply_rewrites
from calc.explore.quantities import Quantity, quantity
from calc.model import Analysis, Sequential
from calc.render.math import sympy_source, sympy_text, tex

_CODE = re.compile(r"[A-Za-z0-9_ *+/(),.-]*")


@dataclass
class Formula:
    """A quantity in closed form, with the analysis it came from (for its derivation)."""

    model: str
    quantity: Quantity
    expression: sp.Expr | tuple[sp.Expr, ...]
    analysis: Analysis

    @property
    def free_symbols(self) -> list[sp.Symbol]:
        """The symbols the closed form is written in, sorted by name."""
        exprs = self.expression if isinstance(self.expression, tuple) else (self.expression,)
        return sorted({s for e in exprs for s in e.free_symbols}, key=lambda s: s.name)

    @property
    def symbols(self) -> list[str]:
        return [s.name for s in self.free_symbols]

    @property
    def is_sum(self) -> bool:
        """True for a parameter count of the whole model: a sum over its layers."""
        return self.quantity.layer is None and self.quantity.name.rpartition(".")[2].endswith("params")

    @property
    def text(self) -> str:
        value = self.expression
        return sympy_text(sp.Tuple(*value) if isinstance(value, tuple) else value)

    @property
    def latex(self) -> str:
        value = self.expression
        if isinstance(value, tuple):
            return r"\left(" + ", ".join(tex(v) for v in value) + r"\right)"
        return tex(value)

    def to_dict(self) -> dict[str, object]:
        """The JSON contract: quantity, expression (sympy syntax), latex, symbols."""
        value = sp.Tuple(*self.expression) if isinstance(self.expression, tuple) else self.expression
        expression = sympy_source(value)
        return {"quantity": self.quantity.name, "expression": expression, "latex": self.latex, "symbols": self.symbols}


def free_analysis(
    model: Sequential, keep: Keep | None, values: Mapping[str, str], free: Sequence[str] | None = None, **options: bool
) -> tuple[Sequential, Analysis]:
    """Rewrite hyper-parameters into symbols, then analyse with the kept symbols free.

    Without ``--keep`` (and without ``free``) every symbol not given by ``--set`` stays free.
    """
    if keep is not None:
        model = apply_rewrites(model, keep.rewrites)
    if free is None:
        free = keep.free if keep is not None else [s.name for s in model.symbols if s.name not in values]
    both = sorted(set(free) & set(values))
    if both:
        raise CalcError(f"symbol '{both[0]}' is both kept free and given a value with --set", source=model.source)
    return model, model.analyze(values, free=free, **options)


def check_all_values_given(expr: sp.Basic, free: Sequence[str], source: str | None) -> None:
    """Every symbol that is not kept free must have a value."""
    exprs = expr if isinstance(expr, tuple) else (expr,)
    missing = sorted({s.name for e in exprs for s in e.free_symbols} - set(free))
    if missing:
        raise CalcError(
            f"symbol '{missing[0]}' has no value: keep it free (--keep {missing[0]}) "
            f"or give it one (--set {missing[0]}=...)",
            source=source,
        )


def closed_form(
    model: Sequential,
    keep: Keep | None = None,
    quantity_name: str = "total_params",
    layer: str | None = None,
    values: Mapping[str, str] | None = None,
) -> Formula:
    """The closed form of one quantity of ``model``."""
    values = dict(values or {})
    model, analysis = free_analysis(model, keep, values)
    try:
        wanted = quantity(analysis, quantity_name, layer)
    except CalcError as error:
        raise error.within(source=model.source) from None
    if keep is not None:
        check_all_values_given(wanted.value, keep.free, model.source)
    expression = normal_form(wanted.value, expand=wanted.layer is None)
    return Formula(model.name, wanted, expression, analysis)


def render_formula(formula: Formula, fmt: str) -> str:
    """The derivation of a closed form as Markdown or LaTeX (templates/<fmt>/formula.j2)."""
    from calc.derive import layer_views
    from calc.render.templating import render

    layer = formula.quantity.layer
    include = _includes(formula.quantity.name.rpartition(".")[2])
    views = layer_views(normalised(formula.analysis), include)[: None if layer is None else layer.index]
    return render(
        "formula",
        fmt,
        formula=formula,
        free=formula.free_symbols,
        values=formula.analysis.values,
        layers=views,
        terms=[v.record.params for v in views if v.record.params != 0],
        is_sum=formula.is_sum,
        # sympy syntax of calc's own expressions: names, digits and operators, nothing to escape
        code=Markup(formula.text) if _CODE.fullmatch(formula.text) else formula.text,
    )


def _includes(name: str) -> tuple[str, ...]:
    """The compute steps a closed form's derivation shows: those of the quantity asked for."""
    base = name.removeprefix("total_")
    if base in ("macs", "flops", "activation_elements"):
        return ({"activation_elements": "activations"}.get(base, base),)
    return ("rf",) if base.startswith(("receptive_field", "jump")) else ()
