"""The questions of a problem sheet, each answered by the derivation's own steps.

A question names a quantity the analysis computed and carries the derivation's view of its layer, so
the solution key prints exactly the steps ``calc derive`` prints. The kinds:

- ``output_shape``, ``params``, ``total_params``, ``macs``, ``receptive_field``: a layer's (or the
  model's) value, graded by the checker under the quantity name ``LAYER.KIND``;
- ``formula``: the output size of the deepest layer that still has spatial axes, written in the input
  size symbol(s) with the variant's other values put in (as ``calc formula`` writes it), and checked
  symbolically;
- ``solve``: the padding that would keep the first convolution's input size, where it does not keep it
  already (else the sheet's table shows the answer), asked only where exactly one padding does
  (``calc solve``).

A layer is asked about only where there is something to work out: an output shape with a formula
behind it, a parameter count that is not simply zero, MACs that are not zero, a receptive field that a
window changes. The wording lives in the templates, so a course can reword or translate it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from calc.compute import LAYER_STEPS
from calc.derive import LayerView, StepView, layer_views, step_view
from calc.errors import CalcError
from calc.layers.base import suggest
from calc.model import Analysis, LayerRecord, Model

#: The kinds of question, in the order a layer's questions are asked (formula and solve come last).
KINDS = ("output_shape", "params", "macs", "receptive_field", "total_params", "formula", "solve")
DEFAULT_KINDS = ("output_shape", "params", "total_params")
#: Marks per kind unless ``--marks`` says otherwise.
DEFAULT_MARKS = {
    "output_shape": 2,
    "params": 2,
    "macs": 2,
    "receptive_field": 2,
    "total_params": 2,
    "formula": 3,
    "solve": 2,
}
MAX_MARKS = 100


@dataclass
class Question:
    number: int
    kind: str
    layer: LayerView | None  # the derivation's view of the layer asked about; None for the whole model
    marks: int = 1
    #: The checker's name of what is asked: conv2d.output_shape, total_params, conv2d.padding (solve).
    quantity: str = ""
    #: The answer: a shape (a tuple without the batch axis), a number, or an expression (formula).
    expected: Any = None
    #: macs, receptive_field: the steps that work the quantity out (calc.compute's own, as derive shows them).
    steps: list[StepView] = field(default_factory=list)
    #: formula: the symbols kept free, and the views of every layer up to the one asked, in them.
    free: tuple[str, ...] = ()
    chain: list[LayerView] = field(default_factory=list)
    #: solve: the hyper-parameter, the target size, and calc solve's worked solution.
    unknown: str | None = None
    target: int | None = None
    solution: Any = None

    @property
    def id(self) -> str:
        """The question's id in the manifest and in the answers CSV: q1, q2, ..."""
        return f"q{self.number}"

    @property
    def record(self) -> LayerRecord | None:
        return self.layer.record if self.layer else None

    @property
    def free_symbols(self) -> list[sp.Symbol]:
        """formula: the symbols the answer is written in."""
        return [sp.Symbol(name) for name in self.free]

    @property
    def solve_expression(self) -> sp.Expr | None:
        """solve: the output size as a function of the padding, written p."""
        if self.solution is None:
            return None
        return self.solution.expression.xreplace({self.solution.symbol: sp.Symbol("p")})

    @property
    def solve_words(self) -> str:
        """solve: sympy's answer with floors taken as exact division, in words."""
        from calc.explore.solve import smooth_words

        return smooth_words(self.solution).replace("padding", "p") if self.solution is not None else ""


def parse_kinds(text: str) -> list[str]:
    """'output_shape,params' -> the kinds, checked."""
    kinds = [part.strip() for part in text.split(",") if part.strip()]
    if not kinds:
        raise CalcError(f"--questions needs at least one of {', '.join(KINDS)}")
    for kind in kinds:
        if kind not in KINDS:
            raise CalcError(f"--questions: no question kind '{kind}'{suggest(kind, KINDS)} (kinds: {', '.join(KINDS)})")
    return kinds


def parse_marks(text: str | None) -> dict[str, int]:
    """'output_shape=1,formula=4' -> the marks per kind, over the defaults."""
    marks = dict(DEFAULT_MARKS)
    for part in (text or "").split(","):
        if not part.strip():
            continue
        kind, sep, value = part.partition("=")
        kind, value = kind.strip(), value.strip()
        if not sep or kind not in KINDS:
            raise CalcError(
                f"--marks: expected KIND=MARKS with a kind among {', '.join(KINDS)}, got {part.strip()[:40]!r}"
                + (suggest(kind, KINDS) if sep else "")
            )
        if not value.isdigit() or not 0 < int(value) <= MAX_MARKS:
            raise CalcError(f"--marks: {kind} needs a whole number of marks from 1 to {MAX_MARKS}, got {value[:20]!r}")
        marks[kind] = int(value)
    return marks


def questions(
    analysis: Analysis,
    kinds: Sequence[str] = DEFAULT_KINDS,
    marks: Mapping[str, int] | None = None,
    model: Model | None = None,
    values: Mapping[str, int] | None = None,
    inputs: Sequence[str] = (),
) -> list[Question]:
    """The questions of the given kinds, layer by layer, then the model's total, the formula and the
    solve question. ``model``, ``values`` and ``inputs`` (the input-size symbols) are needed for the
    last two: they rebuild the model with symbols kept free or a hyper-parameter unknown."""
    marks = {**DEFAULT_MARKS, **(marks or {})}
    found: list[Question] = []

    def ask(kind: str, layer: LayerView | None, name: str, expected: Any, **more: Any) -> Question:
        found.append(Question(len(found) + 1, kind, layer, marks[kind], name, expected, **more))
        return found[-1]

    views = layer_views(analysis)
    for view in views:
        record = view.record
        if record.type == "InputLayer" or record.is_repeat:
            continue
        if "output_shape" in kinds and view.shape_steps:
            ask("output_shape", view, f"{record.name}.output_shape", tuple(record.output_shape))
        worked = any(not sv.step.is_trivial for sv in view.param_steps) or record.result.children
        if "params" in kinds and worked:
            ask("params", view, f"{record.name}.params", record.params)
        for kind, value in (("macs", record.compute.macs), ("receptive_field", _field(analysis, record))):
            steps = [step_view(step) for step in LAYER_STEPS[kind](record)] if kind in kinds else []
            if steps and value not in (None, 0) and (kind == "macs" or view.shape_steps):
                ask(kind, view, f"{record.name}.{kind}", value, steps=steps)
    if "total_params" in kinds:
        ask("total_params", None, "total_params", analysis.total_params)
    if "formula" in kinds and model is not None and inputs:
        _ask_formula(ask, analysis, model, dict(values or {}), inputs)
    if "solve" in kinds and model is not None:
        _ask_solve(ask, analysis, views, model, dict(values or {}))
    if not found:
        raise CalcError(f"the model has nothing to ask of the kinds {', '.join(kinds)}")
    return found


def _field(analysis: Analysis, record: LayerRecord) -> sp.Expr | None:
    """The layer's receptive field when a window changes it and every spatial axis agrees."""
    from calc.explore.quantities import quantity

    if len(record.output_shape) < 2:
        return None
    try:
        return quantity(analysis, "receptive_field", record.name).value
    except CalcError:  # axes that differ, or a field that ended: nothing single to ask
        return None


def _ask_formula(ask: Any, analysis: Analysis, model: Model, values: dict[str, int], inputs: Sequence[str]) -> None:
    """The output size of the deepest spatial layer, in the input-size symbols."""
    from calc.explore.formula import normal_form
    from calc.explore.quantities import quantity

    free = tuple(inputs)
    fixed = {name: value for name, value in values.items() if name not in free}
    try:
        symbolic = model.analyze(fixed, free=free)
    except CalcError:
        return
    views = {v.record.name: v for v in layer_views(symbolic)}
    for record in reversed(symbolic.records):
        if record.type == "InputLayer" or record.is_repeat or len(record.output_shape) < 2:
            continue
        try:
            value = quantity(symbolic, "output_size", record.name).value
        except CalcError:
            continue
        if not value.free_symbols:
            continue
        chain = [
            views[r.name]
            for r in symbolic.records[: record.index]
            if r.type != "InputLayer" and views[r.name].shape_steps
        ]
        ask(
            "formula",
            views[record.name],
            f"{record.name}.output_size",
            normal_form(value, expand=False),
            free=free,
            chain=chain,
        )
        return


def _ask_solve(ask: Any, analysis: Analysis, views: list[LayerView], model: Model, values: dict[str, int]) -> None:
    """The padding that keeps the first convolution's output as large as its input, where one does."""
    from calc.explore.solve import Target, solve

    first = analysis.dialect == "pytorch"
    for view in views:
        record, layer = view.record, view.record.layer
        if layer is None or record.is_repeat or "Conv" not in record.type or "padding" not in layer.argument_names():
            continue
        shape = record.input_shapes[0] if len(record.input_shapes) == 1 else ()
        sizes = set(shape[1:] if first else shape[:-1])
        if len(shape) < 2 or len(sizes) != 1:
            continue
        size = sizes.pop()
        out = record.output_shape[1:] if first else record.output_shape[:-1]
        if not size.is_Integer or set(out) == {size}:  # a layer that keeps its size already shows the answer
            continue
        target = Target(f"{record.name}.output_size", "==", int(size))
        try:
            solution = solve(model, target, "padding", record.name, "0:100", values)
        except CalcError:
            continue
        if len(solution.solutions) == 1:
            ask(
                "solve",
                view,
                f"{record.name}.padding",
                sp.Integer(solution.solutions[0]),
                unknown="padding",
                target=int(size),
                solution=solution,
            )
            return
