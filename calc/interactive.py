"""The interactive page (``calc derive --format html``): the worked solution in one HTML file that
recomputes itself when a student moves a slider, and checks typed answers.

The model is analysed once with the varied symbols free. Every number the page shows (a binding in a
substituted equation, a step's value, a shape, a count, a total), every check a layer makes (with the
message the command line would print when it fails) and every value a catalogued mistake gives is an
expression in those symbols; each is compiled into JavaScript by ``calc.render.javascript`` from the
expression itself, so the page never holds a second copy of a rule. This module gathers those
expressions and the words around them; ``templates/html/page.j2`` lays them out and its script runs them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter
from typing import Any
from xml.dom.minidom import Element

import sympy as sp
from sympy.printing.mathml import MathMLPresentationPrinter

from calc import expressions
from calc.check_sources import alternatives
from calc.checker import Candidate, Question
from calc.derive import StepView
from calc.errors import CalcError
from calc.layers.base import Message
from calc.model import Analysis, LayerRecord, Model, layer_label
from calc.render.javascript import compile_javascript
from calc.render.math import _reading_order, group_digits, readable, readable_lhs
from calc.rules import Rule

MAX_CONTROLS = 6
MAX_VALUES = 10_000  # per control
_ASSIGNMENT = re.compile(r",(?=\s*[A-Za-z][A-Za-z0-9_]*\s*=)")
_SPEC_SUFFIXES = (".yaml", ".yml", ".json", ".toml")


@dataclass
class Control:
    """One varied symbol: a slider over its candidates (their smallest common step) and its start."""

    name: str
    values: list[int]
    initial: int

    @property
    def minimum(self) -> int:
        return self.values[0]

    @property
    def maximum(self) -> int:
        return self.values[-1]

    @property
    def step(self) -> int:
        gaps = [b - a for a, b in zip(self.values, self.values[1:])]
        return math.gcd(*gaps) if gaps else 1


def parse_vary_options(texts: Sequence[str]) -> dict[str, list[int]]:
    """``--vary k=1:7,f=4:64:4`` (several symbols in one option, or one per option): symbol -> values.

    Each assignment is what ``calc sweep --vary`` reads (``k=3,5,7`` or ``f=4:64:4``, the stop included).
    """
    from calc.explore.sweep import parse_vary

    choices: dict[str, list[int]] = {}
    for text in texts:
        for part in _ASSIGNMENT.split(text):
            vary = parse_vary(part)
            if vary.name in choices:
                raise CalcError(f"--vary {vary.name} is given twice")
            if len(vary.values) > MAX_VALUES:
                raise CalcError(f"--vary {vary.name}: {len(vary.values):,} values; a slider has at most {MAX_VALUES:,}")
            choices[vary.name] = sorted(set(vary.values))
    return choices


def spec_vary(model_argument: str, model: Model) -> dict[str, list[int]] | None:
    """The spec's ``vary:`` section, when the model is a spec file or a zoo model that has one."""
    from calc import spec
    from calc.handout.variants import parse_vary
    from calc.zoo import zoo_spec

    path = Path(model_argument)
    data: Any = None
    if path.is_file() and path.suffix.lower() in _SPEC_SUFFIXES:
        try:
            data = spec._parse(spec._read(path), path.suffix.lower())
        except CalcError:
            return None
    elif not path.exists():
        data = zoo_spec(model_argument)
    if not isinstance(data, Mapping) or "vary" not in data:
        return None
    return parse_vary(data["vary"], model)


def choose_controls(
    model: Model, given: Mapping[str, list[int]], from_spec: Mapping[str, list[int]] | None, values: Mapping[str, str]
) -> list[Control]:
    """The sliders: ``--vary``, else the spec's ``vary:``, else the handouts' defaults; each starts at the
    symbol's value (``--set`` or the model's) when that is one of its values, else at its first."""
    from calc.handout.variants import default_choices

    choices = dict(given or from_spec or default_choices(model))
    known = {s.name for s in model.symbols}
    for name in choices:
        if name not in known:
            raise CalcError(
                f"--vary: the model has no symbol '{name}' (its symbols: {', '.join(sorted(known)) or 'none'})"
            )
    if len(choices) > MAX_CONTROLS:
        raise CalcError(f"at most {MAX_CONTROLS} symbols can be varied on a page, got {len(choices)}")
    own = {s.name: int(v) for s, v in model.values.items()}
    controls = []
    for name in sorted(choices):
        candidates = choices[name]
        start = values.get(name, own.get(name))
        start = int(start) if start is not None and str(start).isdigit() else None
        controls.append(Control(name, list(candidates), start if start in candidates else candidates[0]))
    missing = sorted(known - set(choices) - set(own) - set(values))
    if missing:
        raise CalcError(
            f"symbol '{missing[0]}' has no value: give it one (--set {missing[0]}=...) "
            f"or a slider (--vary {missing[0]}=...)"
        )
    return controls


class Expressions:
    """Every expression the page shows or checks, once each, compiled in order of first use."""

    def __init__(self, symbols: Sequence[sp.Symbol], point: Mapping[sp.Symbol, int]):
        self.symbols = list(symbols)
        self.point = {s: sp.Integer(v) for s, v in point.items()}
        self.codes: list[str] = []
        self._index: dict[sp.Expr, int] = {}

    def add(self, expr: sp.Expr | int) -> int:
        expr = sp.sympify(expr)
        if expr not in self._index:
            self._index[expr] = len(self.codes)
            self.codes.append(compile_javascript(expr, self.symbols))
        return self._index[expr]

    def slot(self, expr: sp.Expr | int, position: int) -> Slot:
        """A number on the page: the expression's id, its text at the starting values, and the layer
        position from which an invalid setting hides it."""
        expr = sp.sympify(expr)
        return Slot(self.add(expr), shown(expr.xreplace(self.point)), position)


@dataclass(frozen=True)
class Slot:
    id: int
    text: str
    position: int


def shown(value: sp.Expr) -> str:
    """A value as the page writes it: 62,958; a fraction as 7/2; '—' for what is not a number."""
    if value.is_Integer:
        return group_digits(int(value))
    if value.is_Rational:
        return str(value)
    return "—"


class _MathML(MathMLPresentationPrinter):
    """MathML in calc's reading order (n − k + 1), with chosen symbols written as live numbers."""

    def __init__(self, slots: Mapping[sp.Symbol, Slot] | None = None, bold: frozenset[sp.Symbol] = frozenset()):
        super().__init__({"mul_symbol": "dot"})
        self.slots = dict(slots or {})
        self.bold = bold

    def _as_ordered_terms(self, expr, order=None):  # sympy's signature
        return _reading_order(super()._as_ordered_terms(expr, order=order))

    def _print_Symbol(self, sym: sp.Symbol, style: str = "plain") -> Element:
        slot = self.slots.get(sym)
        if slot is None:  # the spec's own symbols in bold, as the worked solution sets them
            element = super()._print_Symbol(sym, style)
            if sym in self.bold:  # Chromium's MathML ignores mathvariant="bold": the page's style sets it
                element.setAttribute("class", "spec")
            return element
        element = self.dom.createElement("mn")
        element.setAttribute("class", "x")
        element.setAttribute("data-x", str(slot.id))
        element.setAttribute("data-l", str(slot.position))
        element.appendChild(self.dom.createTextNode(slot.text))
        return element

    def _print_floor(self, expr: sp.floor) -> Element:
        return self._rounded(expr, "⌊", "⌋")

    def _print_ceiling(self, expr: sp.ceiling) -> Element:
        return self._rounded(expr, "⌈", "⌉")

    def _rounded(self, expr: sp.Expr, left: str, right: str) -> Element:
        """⌊(31 − k)/2⌋ over one fraction bar, as the LaTeX of the worked solution writes it."""
        numerator, denominator = sp.fraction(sp.together(expr.args[0]))
        row = self.dom.createElement("mrow")
        row.appendChild(self._mark(left))
        if denominator == 1:
            row.appendChild(self._print(numerator))
        else:
            fraction = self.dom.createElement("mfrac")
            fraction.appendChild(self._print(numerator))
            fraction.appendChild(self._print(denominator))
            row.appendChild(fraction)
        row.appendChild(self._mark(right))
        return row

    def _mark(self, text: str) -> Element:
        mark = self.dom.createElement("mo")
        mark.appendChild(self.dom.createTextNode(text))
        return mark

    def _print_Integer(self, expr: sp.Integer) -> Element:
        element = self.dom.createElement("mn")
        element.appendChild(self.dom.createTextNode(group_digits(int(expr))))
        return element


#: The spec's own symbols, set in bold while a page is built (as ``calc.render.math.bold_symbols`` does).
_BOLD: frozenset[sp.Symbol] = frozenset()


def mathml(expr: sp.Expr, slots: Mapping[sp.Symbol, Slot] | None = None) -> str:
    """Presentation MathML of an expression (the inside of a <math> element), with a true minus sign."""
    return _MathML(slots, _BOLD).doprint(expr).replace("<mo>-</mo>", "<mo>&#x2212;</mo>")


def lhs_mathml(lhs: str) -> str:
    """A rule's left-hand side, written in LaTeX (``n_{out}``), as MathML."""
    name = re.sub(r"[^A-Za-z0-9_]", "", readable_lhs(lhs)) or "P"
    return mathml(sp.Symbol(name))


@dataclass
class BindingPage:
    """A value a step writes in, and where it comes from: 'c_in = 8 (the channels leaving conv2d)'."""

    symbols: list[str]  # MathML of the symbol and those sharing its value (k_h = k_w)
    value: Slot
    source: list[str | Math]


@dataclass
class PerUnitPage:
    """One filter (unit, ...) first: 'One filter holds ... = 76 numbers, and the f = 8 filters hold ...'."""

    noun: str
    symbol: str
    count: Slot
    formula: str
    numbers: str
    value: Slot


@dataclass
class StepPage:
    """One derivation step: its words, the formula, the formula with live numbers, the live value."""

    title: str
    why: str
    lhs: str
    formula: str
    numbers: str | None
    value: Slot
    trivial: bool = False
    roundings: list[tuple[str, int, Slot]] = field(default_factory=list)  # (kind, argument id, result)
    formula_number: int | None = None
    bindings: list[BindingPage] = field(default_factory=list)
    note: str = ""
    per: PerUnitPage | None = None
    #: The rule applied, whose symbols the words (``why``, ``note``) typeset where they name them.
    rule: Rule | None = None


@dataclass
class FormulaPage:
    """A rule as "Formulas used" states it: (F1) its title, its sentence, the formula, its symbols."""

    number: int
    title: str
    why: str
    lhs: str
    formula: str
    symbols: list[tuple[str, str]]
    contrast: str = ""
    #: The rule itself, whose symbols its sentence typesets where it names them.
    rule: Rule | None = None


@dataclass
class RunPage:
    """Consecutive layers that repeat an earlier run's arithmetic layer for layer (``derive.Run``)."""

    number: str
    name: str
    count: int
    first_layer: str
    last_layer: str
    first_name: str
    first_numbers: tuple[str, str]
    params: Slot
    output_shape: tuple[Slot, ...]


@dataclass
class ShareRow:
    """A row of the totals table: a layer or block, its parameters, and its share of the total."""

    name: str
    params: Slot
    share: str


@dataclass
class LayerPage:
    """One layer call as the page shows it; ``position`` orders the layers for the validity checks."""

    position: int
    number: str
    record: LayerRecord
    description: list[str | Slot | tuple[Slot, ...]]
    input_shapes: list[tuple[Slot, ...]]
    output_shape: tuple[Slot, ...]
    params: Slot
    non_trainable: Slot | None
    shape_steps: list[StepPage]
    param_steps: list[StepPage]
    where: str = ""
    checks: list[tuple[int, int, list[str | int]]] = field(default_factory=list)
    questions: bool = False
    #: A block's own layers (one copy of a Repeat, a nested model), shown within it; invalid with it.
    children: list[LayerPage] = field(default_factory=list)
    #: ``children`` as the derivation shows them, repeats folded.
    shown_children: list[LayerPage | RunPage] = field(default_factory=list)
    #: The earlier layer whose arithmetic this one repeats: (its number, its name).
    same_as: tuple[str, str] | None = None
    simple: bool = False
    sources: list[str] = field(default_factory=list)
    shape_notes: list[list[str | Slot | tuple[Slot, ...]]] = field(default_factory=list)
    param_notes: list[list[str | Slot | tuple[Slot, ...]]] = field(default_factory=list)


@dataclass
class Page:
    """Everything the template lays out and the script runs."""

    model: str
    controls: list[Control]
    layers: list[LayerPage]
    totals: dict[str, Slot]
    practice: bool
    expressions: Expressions
    questions: dict[str, Any]
    functional: bool
    dialect: str
    fixed: dict[str, int]
    #: How the command line starts a message about this model ("calc: lenet5: ").
    where: str = ""
    shown: list[LayerPage | RunPage] = field(default_factory=list)
    formulas: list[FormulaPage] = field(default_factory=list)
    shares: list[ShareRow] = field(default_factory=list)
    by_block: bool = False
    #: The total in the varied symbols, and its leading term (MathML), when the derivation gives one.
    closed: tuple[str, str | None, list[str]] | None = None
    input_shapes: list[tuple[str, tuple[Slot, ...]]] = field(default_factory=list)
    #: The architecture figure (inline SVG) with live labels, when calc can draw the model.
    figure: str | None = None

    def script_data(self) -> dict[str, Any]:
        """What the page's script reads (as JSON): controls, checks, questions and the answer grammar."""
        return {
            "controls": [
                {"name": c.name, "min": c.minimum, "max": c.maximum, "step": c.step, "initial": c.initial}
                for c in self.controls
            ],
            "where": self.where,
            "layers": [{"position": p.position, "checks": p.checks} for p in self.layers],
            "questions": self.questions.get("questions", []),
            "sentences": self.questions.get("sentences", []),
            "answers": {
                "characters": expressions._CHARACTERS,
                "units": sorted(expressions._UNIT_WORDS),
                "batch": sorted(expressions._BATCH_WORDS),
                "superscripts": "".join(expressions._SUPERSCRIPTS),
                "maxLength": expressions.MAX_ANSWER_LENGTH,
                "maxDigits": expressions.MAX_LITERAL_DIGITS,
                "maxDepth": expressions.MAX_DEPTH,
                "maxExponent": expressions.MAX_EXPONENT,
                # the checker's own patterns (Python's and JavaScript's regular expressions agree on them)
                "grouped": [expressions._GROUPED[False].pattern, expressions._GROUPED[True].pattern],
                "timesX": expressions._TIMES_X.pattern,
                "scan": expressions._SCAN.pattern.replace("(?P<", "(?<"),
            },
        }


END = 1_000_000  # the position of the model's totals: after every layer


def build_page(
    model: Model,
    controls: Sequence[Control],
    values: Mapping[str, str] | None = None,
    practice: bool = False,
) -> Page:
    """The page of ``model`` with ``controls`` as sliders and ``values`` (``--set``) for other symbols."""
    global _BOLD
    from calc.derive import closed_total, derivation_context

    names = [c.name for c in controls]
    fixed = {name: value for name, value in (values or {}).items() if name not in names}
    analysis = model.analyze(fixed, free=names, record=True)
    symbols = {s.name: s for s in model.symbols}
    exprs = Expressions([symbols[n] for n in names], {symbols[c.name]: c.initial for c in controls})
    closed = closed_total(model, {**fixed, **{s.name: v for s, v in model.values.items() if s.name not in names}})
    context = derivation_context(analysis, closed_form=closed)
    before, _BOLD = _BOLD, frozenset(symbols[n] for n in names)
    try:
        pages: dict[int, LayerPage] = {}
        layers = [_layer_page(view, position, exprs, model, pages) for position, view in enumerate(context["layers"])]
        shown = [_shown(item, pages, exprs) for item in context["shown"]]
        formulas = [_formula_page(f) for f in context["formulas"]]
        closed_form = context["closed"]
        closed_page = None
        if closed_form is not None:
            leading = mathml(closed_form.leading) if closed_form.leading is not None else None
            closed_page = (mathml(closed_form.expression), leading, [mathml(s) for s in closed_form.symbols])
    finally:
        _BOLD = before
    totals = {
        "total_params": exprs.slot(analysis.total_params, END),
        "trainable_params": exprs.slot(analysis.trainable_params, END),
        "non_trainable_params": exprs.slot(analysis.non_trainable_params, END),
    }
    point = exprs.point
    total_now = analysis.total_params.xreplace(point)
    shares = [
        ShareRow(row.name, exprs.slot(row.params, END), _percent(row.params.xreplace(point), total_now))
        for row in context["shares"]
    ]
    questions = _questions(analysis, layers, exprs) if practice else {}
    own = {s.name: int(v) for s, v in analysis.values.items() if s.name not in names}
    inputs = [
        (r.name, tuple(exprs.slot(d, 0) for d in r.output_shape)) for r in analysis.records if r.type == "InputLayer"
    ]
    if not inputs:
        inputs = [("", tuple(exprs.slot(d, 0) for d in analysis.input_shape))]
    page = Page(
        analysis.model, list(controls), layers, totals, practice, exprs, questions, analysis.functional,
        analysis.dialect, own, "calc: " + _prefix(model.source), shown, formulas, shares, context["by_block"],
        closed_page, inputs,
    )  # fmt: skip
    page.figure = _figure(model, analysis, {**fixed, **{c.name: str(c.initial) for c in controls}}, exprs)
    return page


def _figure(model: Model, analysis: Analysis, start: Mapping[str, str], exprs: Expressions) -> str | None:
    """The architecture figure at the starting values, its labels live (``calc.interactive_figure``)."""
    from calc.interactive_figure import live_figure, record_positions

    try:
        numeric = model.analyze(start)
    except CalcError:  # the starting values break a layer: no figure to size
        return None

    def slot(expr: sp.Expr, position: int) -> str:
        s = exprs.slot(expr, position)
        return f'<tspan class="x" data-x="{s.id}" data-l="{s.position}">{s.text}</tspan>'

    return live_figure(numeric, analysis, slot, record_positions(analysis.records))


def _percent(part: sp.Expr, total: sp.Expr) -> str:
    """A share as the worked solution writes it (76.4 %); the page's script rewrites it live."""
    if not (part.is_number and total.is_number) or total == 0:
        return ""
    return f"{100 * float(part) / float(total):.1f} %"


def _formula_page(f: Any) -> FormulaPage:
    rule = f.rule
    return FormulaPage(
        f.number,
        f.title,
        rule.why,
        lhs_mathml(rule.lhs),
        mathml(rule.expr),
        [(mathml(symbol), meaning) for symbol, meaning in f.symbols],
        getattr(rule, "contrast", "") or "",
        rule,
    )


def _shown(item: Any, pages: dict[int, LayerPage], exprs: Expressions) -> LayerPage | RunPage:
    """An item of the derivation's folded list: the layer's page, or a run of repeating layers."""
    if not hasattr(item, "layers"):
        return pages[id(item)]
    last = pages[id(item.layers[-1])]
    return RunPage(
        item.number,
        item.name,
        len(item.layers),
        item.layers[0].record.name,
        item.layers[-1].record.name,
        item.first_name,
        (item.first[0].number, item.first[-1].number),
        exprs.slot(item.params, pages[id(item.layers[0])].position),
        last.output_shape,
    )


def _prefix(source: str | None, layer: str | None = None) -> str:
    """What the command line writes before a message about this model (and layer): 'lenet5: layer 3 (...): '."""
    return str(CalcError("\x00", source=source, layer=layer)).partition("\x00")[0]


def _layer_page(
    view: Any, position: int, exprs: Expressions, model: Model, pages: dict[int, LayerPage], checks: bool = True
) -> LayerPage:
    r: LayerRecord = view.record
    where = layer_label(r.index, r.name, r.type, getattr(model, "places", {}))
    page = LayerPage(
        position=position,
        number=view.number,
        record=r,
        description=[_described(part, exprs, position) for part in r.result.description],
        input_shapes=[tuple(exprs.slot(size, position) for size in shape) for shape in r.input_shapes],
        output_shape=tuple(exprs.slot(size, position) for size in r.output_shape),
        params=exprs.slot(r.params, position),
        non_trainable=exprs.slot(r.non_trainable, position) if r.non_trainable != 0 else None,
        shape_steps=[_step_page(sv, exprs, position) for sv in view.shape_steps],
        param_steps=[_step_page(sv, exprs, position) for sv in view.param_steps],
        where="calc: " + _prefix(model.source, where),
        questions=r.type != "InputLayer" and not r.is_repeat,
        children=[_layer_page(child, position, exprs, model, pages, checks=False) for child in view.children],
        same_as=(view.same_as.number, view.same_as.record.name) if view.same_as is not None else None,
        simple=view.simple,
        sources=list(view.sources),
        shape_notes=[[_described(p, exprs, position) for p in note] for note in r.result.shape_notes],
        param_notes=[[_described(p, exprs, position) for p in note] for note in r.result.param_notes],
    )
    pages[id(view)] = page
    page.shown_children = [_shown(item, pages, exprs) for item in view.shown_children]
    if not checks:  # a block's checks are its own layer's: the message names the block, as the CLI's does
        return page
    inner = _inner_labels(r, where)
    for condition in r.conditions:
        prefix = "calc: " + _prefix(model.source, inner.get(id(condition), where))
        fallback = (f"{condition.what} must be a whole number of at least {condition.minimum}, got ", condition.expr)
        message: Message = condition.message or fallback
        parts = [part if isinstance(part, str) else exprs.add(part) for part in message]
        page.checks.append([exprs.add(condition.expr), condition.minimum, [prefix, *parts]])
    for axis, size in enumerate(r.output_shape, start=1):  # what a sweep checks too, for rules that record less
        if size.free_symbols and not (size.is_integer and (size - 1).is_nonnegative):
            message = [page.where, f"output size (axis {axis}) would be ", exprs.add(size)]
            page.checks.append([exprs.add(size), 1, message])
    return page


def _inner_labels(record: LayerRecord, where: str) -> dict[int, str]:
    """For the checks a block's own layers made: how the CLI names where they failed, the block first
    ('layer 10 (encoder.layer, Repeat): layer 2 (attention, MultiHeadAttention)')."""
    labels: dict[int, str] = {}
    children = record.result.children
    for child in children.records if children is not None else ():
        label = f"{where}: {layer_label(child.index, child.name, child.type, {})}"
        labels.update(_inner_labels(child, label))
        for condition in child.conditions:
            labels.setdefault(id(condition), label)
    return labels


@dataclass(frozen=True)
class Math:
    """An expression written as the spec wrote it (MathML), not a live number: 'written 2·f in the spec'."""

    mathml: str


def _written(part: Any) -> str | Math:
    return Math(mathml(part)) if isinstance(part, sp.Basic) else str(part)


def _described(part: Any, exprs: Expressions, position: int) -> str | Slot | tuple[Slot, ...]:
    if isinstance(part, tuple):
        return tuple(exprs.slot(p, position) for p in part)
    if isinstance(part, sp.Basic | int):
        return exprs.slot(part, position)
    return str(part)


def _step_page(sv: StepView, exprs: Expressions, position: int) -> StepPage:
    step = sv.step
    shown = sv.shown if sv.shown is not None else step.formula
    numbers = sv.numbers if sv.shown is not None else step.bindings
    slots = {symbol: exprs.slot(value, position) for symbol, value in numbers.items()}
    page = StepPage(
        title=step.title,
        why=step.why,
        lhs=lhs_mathml(step.lhs),
        formula=mathml(shown),
        numbers=mathml(shown, slots) if sv.show_numbers and not step.is_trivial else None,
        value=exprs.slot(step.value, position),
        trivial=step.is_trivial,
        formula_number=sv.formula_number,
        note=sv.note,
        rule=step.rule,
    )
    for b in sv.bindings:
        source = [_written(part) for part in b.source]
        page.bindings.append(
            BindingPage([mathml(s) for s in [b.symbol, *b.also]], exprs.slot(b.value, position), source)
        )
    if sv.per is not None:
        u = sv.per
        unit_slots = {symbol: exprs.slot(value, position) for symbol, value in u.numbers.items()}
        page.per = PerUnitPage(
            u.noun, mathml(u.symbol), exprs.slot(u.count, position), mathml(u.formula), mathml(u.formula, unit_slots),
            exprs.slot(u.value, position),
        )  # fmt: skip
    for node in sp.preorder_traversal(step.formula):
        if isinstance(node, sp.floor | sp.ceiling):
            argument = node.args[0].xreplace(step.bindings)
            if argument.free_symbols or not argument.is_integer:
                kind = "floor" if isinstance(node, sp.floor) else "ceiling"
                page.roundings.append((kind, exprs.add(argument), exprs.slot(type(node)(argument), position)))
    return page


def _questions(analysis: Analysis, layers: Sequence[LayerPage], exprs: Expressions) -> dict[str, Any]:
    """Per layer an output-shape and a parameter question, and the model's total, each with the value
    of every mistake the checker knows (single ones, two together, then catch-alls), compiled; the
    feedback sentences, which pairs of mistakes repeat, are stored once and referred to by number."""
    sentences: dict[str, int] = {}
    live = _live_sentences(analysis)
    found = []
    for layer in layers:
        if layer.questions:
            for name in ("output_shape", "params"):
                question = Question(analysis, name, layer.record.name)
                found.append(_question(question, exprs, layer.position, sentences))
    found.append(_question(Question(analysis, "total_params"), exprs, END, sentences))
    written = [_live(text, live, exprs) for text in sentences]
    return {"questions": found, "sentences": written}


def _live(text: str, live: Mapping[str, list[str | sp.Expr]], exprs: Expressions) -> str | list[str | int]:
    """A sentence as the page writes it: text, or words and expression ids. "The same mistake in every
    layer ... (conv2d, dense). <the first place's sentence>" keeps its opening words."""
    head, tail = "", text
    if text not in live and text.startswith("The same mistake in ") and "). " in text:
        head, _, tail = text.partition("). ")
        head += "). "
    if tail not in live:
        return text
    return [head, *(part if isinstance(part, str) else exprs.add(part) for part in live[tail])]


def _live_sentences(analysis: Analysis) -> dict[str, list[str | sp.Expr]]:
    """The checker's sentences that state values ("Each of the f = {f} filters ...", "c_in is ... (3), not
    2·f (...)") as words and expressions, so that the page writes them with the numbers of the current
    settings. Each is made the way the checker makes it (``Mistake.sentence`` with ``step_words`` and a
    substitution's ``value``, ``source`` and ``actual``) and keyed by the text that gives on the free analysis."""
    from calc.check_search import step_words

    found: dict[str, list[str | sp.Expr]] = {}
    for record in analysis.layers:
        for step in [*record.result.shape_steps, *record.result.param_steps]:
            given = {symbol.name: value for symbol, value in step.given.items()}
            words = step_words(step)
            for mistake in step.rule.mistakes if step.rule is not None else ():
                if mistake.catch_all:
                    continue
                variants = [(words, given)]
                actual = step.given.get(mistake.substitute) if mistake.substitute is not None else None
                if actual is not None:
                    variants = [
                        (
                            {**words, "value": readable(wrong), "source": source, "actual": readable(actual)},
                            {**given, "value": wrong, "source": source, "actual": actual},
                        )
                        for wrong, source in alternatives(mistake.alternatives, analysis, record)
                    ]
                for text_words, values in variants:
                    text = mistake.sentence(text_words)
                    parts: list[str | sp.Expr] = []
                    for literal, name, _, _ in Formatter().parse(mistake.feedback):
                        parts.append(literal)
                        if name is not None:
                            parts.append(values.get(name, "{" + name + "}"))
                    for where in ("", f"In layer {record.name}: "):
                        found.setdefault(where + text, [where, *parts])
    return found


def _question(question: Question, exprs: Expressions, position: int, sentences: dict[str, int]) -> dict[str, Any]:
    def value(v: Any) -> int | list[int]:
        return [exprs.add(axis) for axis in v] if isinstance(v, tuple) else exprs.add(v)

    def candidate(c: Candidate) -> dict[str, Any]:
        return {
            "mistakes": list(c.mistakes),
            "sentences": [sentences.setdefault(sentence, len(sentences)) for sentence in c.sentences],
            "value": None if c.value is None else value(c.value),
            "axes": list(c.axes),
        }

    singles = [c for c in question.candidates if c.value is not None]
    catch_all = [c for c in question.candidates if c.value is None]
    pairs = list(question.pairs.values())  # the checker tries them after the single mistakes, as here
    return {
        "layer": question.record.name if question.record is not None else "",
        "quantity": question.name,
        "shape": question.kind == "shape",
        "position": position,
        "expected": value(question.expected),
        "candidates": [candidate(c) for c in [*singles, *pairs, *catch_all]],
    }


def render_page(page: Page) -> str:
    """The page as one self-contained HTML document."""
    import json

    from markupsafe import Markup

    from calc.render.templating import render

    data = json.dumps(page.script_data(), ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    code = ",\n".join(f"v=>{c}" for c in page.expressions.codes)
    return render("page", "html", page=page, data=Markup(data), code=Markup(code))
