"""The worked solution: an overview, the formulas used, then every layer's steps, then the totals.

This module only arranges what the analysis computed; the templates in ``templates/`` typeset it.
Arranging means:

* **Formulas used.** Every rule a step applies is stated once, numbered (F1, F2, ...), with each of
  its symbols defined (``calc.glossary``); a layer's step refers to its number.
* **Bindings.** A step names where each value comes from before writing it in: a size of the tensor
  coming in ("c_in = 8, the channels leaving max_pooling2d") or one of the layer's arguments ("f = 16:
  filters = 2**f**", the spec's own symbols in bold so they never read as the rule's letters).
* **Every term written in.** A step writes its rule with the layer's numbers in place, padding and
  stride included even at 0 and 1 (``Rule.keep``), so the general rule is seen being applied.
* **Repeats once.** A layer, or a run of layers, whose arithmetic is the same as an earlier one's (same
  shapes, same steps, same counts) is not derived again: it refers back to the first.
* **Totals that explain.** Each layer's (or block's) share of the total, and the total in closed form.

Nothing here computes a quantity of its own: values are the steps', closed forms the caller's.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from calc import glossary
from calc.compute import DEFAULT, Conventions
from calc.errors import CalcError
from calc.layers.base import suggest
from calc.model import Analysis, LayerRecord, Model
from calc.render.notebook import Notebook
from calc.rules import Rule, Step


@dataclass
class Rounding:
    """A floor or ceiling whose argument is not whole here: ⌊27/2⌋ = 13."""

    kind: str  # "floor" or "ceiling"
    argument: sp.Expr
    result: sp.Expr


@dataclass
class Binding:
    """One symbol's value in a step, and where the value comes from (words and expressions)."""

    symbol: sp.Symbol
    value: sp.Expr
    source: list[Any] = field(default_factory=list)
    #: Other symbols with the same value and source (k_w beside k_h).
    also: list[sp.Symbol] = field(default_factory=list)


@dataclass
class PerUnit:
    """A count shown one unit first: one filter holds ``formula`` = ``value``; ``count`` filters hold more."""

    noun: str
    symbol: sp.Symbol
    count: sp.Expr
    formula: sp.Expr
    value: sp.Expr
    numbers: dict[sp.Symbol, sp.Expr]
    total: sp.Expr


@dataclass
class StepView:
    step: Step
    show_numbers: bool
    roundings: list[Rounding] = field(default_factory=list)
    #: The formula as this step writes it: the rule with only the settings that change nothing folded in.
    shown: sp.Expr | None = None
    #: The values written in place of the symbols of ``shown``.
    numbers: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    #: The rule's number under "Formulas used" (None where the text states no such list).
    formula_number: int | None = None
    bindings: list[Binding] = field(default_factory=list)
    per: PerUnit | None = None

    @property
    def note(self) -> str:
        """What this step says besides its rule's general sentence (ceil_mode dropping a window, ...)."""
        rule = self.step.rule
        return self.step.why if rule is None or self.step.why != rule.why else ""


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
    #: False for a learned tensor (a Parameter), whose inputs only place it in the graph.
    reads_input: bool = True
    #: A block's own layers (a nested Model, or one copy of a Repeat), derived in turn.
    children: list[LayerView] = field(default_factory=list)
    #: An earlier layer whose steps, shapes and counts are exactly these: this one refers to it.
    same_as: LayerView | None = None
    #: Where each input comes from: a layer's name, or "" for the model's input.
    sources: list[str] = field(default_factory=list)
    #: ``children`` as the derivation shows them, repeats folded (see ``fold_repeats``).
    shown_children: list[LayerView | Run] = field(default_factory=list)

    @property
    def simple(self) -> bool:
        """Nothing to work out: no step with a formula, no block inside (an activation, a dropout)."""
        steps = [*self.shape_steps, *self.param_steps]
        return not self.children and all(sv.step.is_trivial for sv in steps)


@dataclass
class Run:
    """Consecutive layers whose arithmetic repeats that of an earlier run, layer for layer."""

    layers: list[LayerView]
    first: list[LayerView]
    number: str = ""

    @property
    def name(self) -> str:
        return block_name([v.record.name for v in self.layers])

    @property
    def first_name(self) -> str:
        return block_name([v.record.name for v in self.first])

    @property
    def params(self) -> sp.Expr:
        return sp.Add(*(v.record.params for v in self.layers))


@dataclass
class FormulaView:
    """One rule as "Formulas used" states it."""

    number: int
    rule: Rule
    title: str
    symbols: list[tuple[sp.Symbol, str]]


@dataclass
class Share:
    """A row of the totals table: a layer or a block of layers, and its part of the total."""

    name: str
    params: sp.Expr
    share: str  # "76.4 %", or "" where the total is symbolic


def roundings(step: Step) -> list[Rounding]:
    """Floors and ceilings in the step whose argument, with this layer's numbers, is not whole."""
    found = []
    for node in _rounded(step.formula):
        argument = node.args[0].xreplace(step.bindings)
        if argument.is_number and not argument.is_integer:
            kind = "floor" if isinstance(node, sp.floor) else "ceiling"
            rounding = Rounding(kind, argument, type(node)(argument))
            if rounding not in found:  # ⌈28/8⌉·⌈28/8⌉ is said once
                found.append(rounding)
    return found


@functools.lru_cache(maxsize=4096)
def _rounded(formula: sp.Expr) -> tuple[sp.Expr, ...]:
    """The floors and ceilings of a formula, in reading order: looked for once per formula, which every layer of
    a kind shares, rather than once per step."""
    return tuple(node for node in sp.preorder_traversal(formula) if isinstance(node, sp.floor | sp.ceiling))


def _shown(step: Step) -> tuple[sp.Expr, dict[sp.Symbol, sp.Expr]]:
    """The formula a worked solution writes, with the values written into it: the rule with the fixed
    settings folded in, except those its rule keeps in view (padding 0, stride 1)."""
    rule = step.rule
    keep = {sym: val for sym, val in step.fixed.items() if rule is not None and sym.name in rule.keep}
    if not keep or rule is None or rule.expr.xreplace(step.fixed) != step.formula:
        return step.formula, dict(step.bindings)
    folded = {sym: val for sym, val in step.fixed.items() if sym not in keep}
    return rule.expr.xreplace(folded), {**step.bindings, **keep}


def _per_unit(step: Step, shown: sp.Expr, numbers: dict[sp.Symbol, sp.Expr]) -> PerUnit | None:
    """The count of one filter (unit, ...) before the count of all, where the rule is one times many."""
    rule = step.rule
    if rule is None or rule.per is None or not shown.is_Mul:
        return None
    name, noun = rule.per
    symbol = next((s for s in shown.args if isinstance(s, sp.Symbol) and s.name == name), None)
    if symbol is None or symbol not in numbers:
        return None
    one = shown / symbol
    used = {sym: val for sym, val in numbers.items() if sym in one.free_symbols}
    value = one.xreplace(used)
    return PerUnit(noun, symbol, numbers[symbol], one, value, used, numbers[symbol] * value)


def step_view(step: Step) -> StepView:
    """A step with what its rendering needs: the formula as written, whether the numbers-in line adds
    anything, roundings, and the one-unit-first breakdown."""
    from calc.render.math import tex, written_in

    shown, numbers = _shown(step)
    in_place = written_in(shown, numbers)
    show = bool(numbers) and in_place not in (tex(step.value), tex(shown))
    view = StepView(step, show, roundings(step), shown, numbers)
    view.per = _per_unit(step, shown, numbers)
    return view


INCLUDES = ("macs", "flops", "activations", "memory", "rf", "kv_cache", "training", "tokens")
#: The model-level quantities of a transformer (calc.transformer_math), shown with the totals.
TRANSFORMER_INCLUDES = ("kv_cache", "training", "tokens")


def layer_views(
    analysis: Analysis, include: Sequence[str] = (), conventions: Conventions = DEFAULT, prefix: str = ""
) -> list[LayerView]:
    """Every layer call's steps; a block's own layers follow as its children, numbered within it (10.1, 10.2).

    Numbers run without gaps over the layers a derivation shows (a block's input is not one of them).
    """
    views = []
    number = 0
    for position, r in enumerate(analysis.records):
        view = LayerView(r, [step_view(s) for s in r.result.shape_steps], [step_view(s) for s in r.result.param_steps])
        if r.type != "InputLayer":
            number += 1
        view.number, view.functional = f"{prefix}{number}", analysis.functional
        view.reads_input = getattr(r.layer, "reads_input", True)
        view.sources = [_source_name(analysis, name) for name in r.inputs] or [_previous(analysis, position)]
        if include and r.layer is not None:
            _compute_steps(view, include, conventions)
        if r.result.children and not r.is_repeat:
            view.children = layer_views(r.result.children, include, conventions, f"{view.number}.")
        views.append(view)
    return views


def _previous(analysis: Analysis, position: int) -> str:
    """The layer before the record at ``position`` in a chain ("" when it reads the model's input)."""
    if position == 0:
        return ""
    earlier = analysis.records[position - 1]
    return "" if earlier.type == "InputLayer" else earlier.name


def _source_name(analysis: Analysis, reference: str) -> str:
    record = analysis.first_call(reference.split("[")[0])
    if record is None:
        return ""  # a sequential model's own input
    return "" if record.type == "InputLayer" else record.name


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


# -- formulas used ---------------------------------------------------------------------------------


def _steps(views: Sequence[LayerView]) -> list[tuple[LayerView, StepView]]:
    """Every step of the layers derived in full, blocks' layers included, in reading order."""
    found = []
    for view in views:
        if view.same_as is not None:
            continue
        for sv in [*view.shape_steps, *view.param_steps, *view.compute_steps, *view.field_steps]:
            found.append((view, sv))
        found += _steps(view.children)
    return found


def formulas_used(views: Sequence[LayerView], totals: Sequence[StepView] = ()) -> list[FormulaView]:
    """Each rule the steps apply, once, numbered in order of first use; each step learns its number.
    ``totals`` are the model's own steps (its FLOPs, its memory), after the layers'."""
    book: dict[tuple, FormulaView] = {}
    model = LayerView(_MODEL, [], [])
    for view, sv in [*_steps(views), *((model, sv) for sv in totals)]:
        rule = sv.step.rule
        if rule is None or sv.step.is_trivial or not rule.expr.free_symbols:
            continue
        key = (rule.lhs, str(rule.expr), rule.why)
        if key not in book:
            title = rule.name or f"{sv.step.title or 'Output size'} of {view.record.type}"
            symbols = _in_order(rule.expr)
            book[key] = FormulaView(len(book) + 1, rule, title, [(s, glossary.meaning(rule, s)) for s in symbols])
        sv.formula_number = book[key].number
    return list(book.values())


def _in_order(expr: sp.Expr) -> list[sp.Symbol]:
    """The symbols of a formula in the order a reader meets them in it."""
    from calc.render.math import tex

    text = tex(expr)
    return sorted(expr.free_symbols, key=lambda s: (text.find(tex(s)), s.name))


#: Stands for the whole model where a step is the model's own (its total FLOPs), not a layer's.
_MODEL: Any = type("ModelRecord", (), {"type": "the model"})()


# -- where each value comes from -------------------------------------------------------------------

_CHANNEL_SYMBOLS = {"c_in", "c"}


def _bindings(view: LayerView, sv: StepView, values: Mapping[sp.Symbol, sp.Expr]) -> list[Binding]:
    """The step's values, each with where it comes from: the tensor coming in, or the layer's arguments."""
    found = []
    arguments = _arguments(view.record)
    source = view.sources[0] if view.sources else ""
    # a size symbol's value is read off the tensor coming in only when that tensor has such a size (a
    # layer's inner Linear, Swin's cpb_mlp 2 -> 512, reads sizes of its own)
    incoming = _incoming(tuple(view.record.input_shapes), tuple(values.items()))
    for symbol, value in sv.numbers.items():
        words: list[Any] = []
        if glossary.from_input(symbol) and (not incoming or value in incoming):
            what = "the channels" if symbol.name in _CHANNEL_SYMBOLS else "the size"
            words = [f"{what} leaving {source}" if source else f"{what} of the model's input"]
        else:
            written = [expr for expr in arguments if expr.xreplace(values) == value]
            if written:
                words = ["written ", written[0], " in the spec"]
        found.append(Binding(symbol, value, words))
    _said_once(found)
    return _merged(found)


@functools.lru_cache(maxsize=4096)
def _incoming(shapes: tuple[tuple[sp.Expr, ...], ...], values: tuple[tuple[sp.Symbol, sp.Expr], ...]) -> frozenset:
    """The sizes a layer's input tensors have: each axis, and the products of all axes and of all but the
    first or the last (once per set of shapes: the layers of a deep model read a few)."""
    given = dict(values)
    return frozenset(
        size.xreplace(given)
        for shape in shapes
        for size in (*shape, sp.Mul(*shape[:-1]), sp.Mul(*shape[1:]), sp.Mul(*shape))
    )


def _said_once(bindings: list[Binding]) -> None:
    """n_1 = 5, n_2 = 5 and n_3 = 16 (the sizes leaving max_pooling2d_1): a run of sizes read off the
    same tensor names it once, after the last of them."""
    start = 0
    while start < len(bindings):
        end = start
        while (
            end + 1 < len(bindings)
            and bindings[start].source
            and glossary.from_input(bindings[start].symbol)  # "written k in the spec" is merged by _merged
            and bindings[end + 1].source == bindings[start].source
            and _kin(bindings[start].symbol, bindings[end + 1].symbol)
        ):
            end += 1
        if end > start:
            words = bindings[start].source[0].replace("the size ", "the sizes ", 1)
            for b in bindings[start:end]:
                b.source = []
            bindings[end].source = [words]
        start = end + 1


def _kin(a: sp.Symbol, b: sp.Symbol) -> bool:
    """Symbols of one family (k_h and k_w), which may share a value's statement."""
    return a.name.split("_")[0] == b.name.split("_")[0]


def _merged(bindings: list[Binding]) -> list[Binding]:
    """k_h = k_w = 5 (written k in the spec): symbols with the same value and source said together."""
    merged: list[Binding] = []
    for b in bindings:
        same = (m for m in merged if m.value == b.value and m.source == b.source and _kin(m.symbol, b.symbol))
        twin = next(same, None)
        if twin is not None and not glossary.from_input(b.symbol):
            twin.also.append(b.symbol)
        else:
            merged.append(b)
    return merged


def _arguments(record: LayerRecord) -> list[sp.Expr]:
    """The layer's arguments as the spec wrote them (expressions, before the symbols got values)."""
    layer = record.layer
    if layer is None:
        return []
    found = []
    for value in vars(layer).values():
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, sp.Expr) and item.free_symbols:
                found.append(item)
    return found


# -- repeats, said once ----------------------------------------------------------------------------


def _signature(view: LayerView) -> tuple:
    """What makes two layers' derivations the same, names apart: type, shapes, steps and counts."""
    r = view.record
    steps = tuple(
        (sv.step.title, _text(sv.shown), tuple(sorted((s.name, _text(v)) for s, v in sv.numbers.items())))
        for sv in [*view.shape_steps, *view.param_steps, *view.compute_steps, *view.field_steps]
    )
    return (
        r.type,
        tuple(_part_text(part) for part in r.result.description),
        tuple(tuple(_text(d) for d in s) for s in r.input_shapes),
        tuple(_text(d) for d in r.output_shape),
        _text(r.params),
        _text(r.non_trainable),
        steps,
        tuple(_signature(child) for child in view.children),
        r.is_repeat,
    )


@functools.lru_cache(maxsize=4096)
def _text(expr: sp.Basic) -> str:
    """``str(expr)``, printed once per distinct expression: the layers of a deep model repeat a few formulas
    and sizes, and sympy's printer takes a millisecond to order a sum's terms."""
    return str(expr)


def _part_text(part: Any) -> Any:
    """A part of a layer's description as its signature compares it: words as they are, mathematics as printed."""
    if isinstance(part, sp.Basic):
        return _text(part)
    if isinstance(part, tuple):
        return tuple(_part_text(item) for item in part)
    return part if isinstance(part, str) else repr(part)


_TOKENS = re.compile(r"[_.]")


def _blocks(views: list[LayerView], depth: int) -> list[tuple[str, list[int]]]:
    """Consecutive layers grouped by the first ``depth`` parts of their names (conv2_block3_1_conv, depth 2:
    conv2_block3); a name with no more parts than that is a group of its own."""
    groups: list[tuple[str, list[int]]] = []
    for i, view in enumerate(views):
        parts = _TOKENS.split(view.record.name)
        key = "_".join(parts[:depth]) if len(parts) > depth else f"\0{i}"
        if groups and groups[-1][0] == key:
            groups[-1][1].append(i)
        else:
            groups.append((key, [i]))
    return groups


def _repeated(views: list[LayerView], signatures: list[tuple], depth: int) -> dict[int, list[int]]:
    """Groups (by their first index) whose layers repeat an earlier group's, layer for layer."""
    first: dict[tuple, list[int]] = {}
    found: dict[int, list[int]] = {}
    for _, members in _blocks(views, depth):
        key = tuple(signatures[i] for i in members)
        if len(members) < 2 or all(views[i].simple for i in members):
            continue
        if key in first:
            found[members[0]] = first[key]
        else:
            first[key] = members
    return found


def fold_repeats(views: list[LayerView], prefix: str = "") -> list[LayerView | Run]:
    """The layers as a derivation shows them: each block that repeats an earlier block layer for layer
    becomes one ``Run``, and each other layer whose arithmetic an earlier layer already showed refers
    back to it. Blocks are read off the layers' names (conv2_block3_...), at the depth that folds most."""
    signatures = [_signature(v) for v in views]
    best: dict[int, list[int]] = {}
    for depth in (1, 2, 3):
        found = _repeated(views, signatures, depth)
        if sum(len(m) for m in found.values()) > sum(len(m) for m in best.values()):
            best = found
    seen: dict[tuple, int] = {}
    shown: list[LayerView | Run] = []
    i = 0
    while i < len(views):
        if i in best:
            first = best[i]
            run = Run(views[i : i + len(first)], [views[j] for j in first])
            for view, earlier in zip(run.layers, run.first):
                view.same_as = earlier
            shown.append(run)
            i += len(first)
            continue
        view = views[i]
        shown_at = seen.get(signatures[i])
        if shown_at is not None and not view.simple and view.record.type != "InputLayer":
            view.same_as = views[shown_at]
        seen.setdefault(signatures[i], i)
        shown.append(view)
        i += 1
    number = 0
    for item in shown:
        if isinstance(item, Run) or item.record.type != "InputLayer":
            number += 1
            item.number = f"{prefix}{number}"
    for item in shown:
        if isinstance(item, LayerView) and item.children and item.same_as is None:
            item.shown_children = fold_repeats(item.children, f"{item.number}.")
    return [item for item in shown if isinstance(item, Run) or item.record.type != "InputLayer"]


def block_name(names: Sequence[str]) -> str:
    """What a run of layers is called: the start their names share (conv2_block3), else first to last."""
    if not names:
        return ""
    common = names[0]
    for name in names[1:]:
        while not name.startswith(common):
            common = common[:-1]
    common = common.rstrip("_.-")
    return common if len(common) >= 3 else f"{names[0]} to {names[-1]}"


# -- totals ----------------------------------------------------------------------------------------


def _percent(part: sp.Expr, total: sp.Expr) -> str:
    if not (part.is_number and total.is_number) or total == 0:
        return ""
    return f"{100 * float(part) / float(total):.1f} %"


def _group(name: str) -> str:
    """The block a layer's name puts it in: conv2_block1_1_conv -> conv2, features.3 -> features."""
    for separator in ("_", "."):
        if separator in name:
            return name.split(separator)[0]
    return name


def grouped(
    analysis: Analysis, count: Callable[[LayerRecord], sp.Expr] = lambda r: r.params
) -> list[tuple[str, sp.Expr]]:
    """A count summed per layer, or per block for a large model, zero terms left out: what a sum of a
    total writes, so ResNet-50's is six terms, not 177."""
    by_block = len(analysis.records) > LARGE
    rows: dict[str, sp.Expr] = {}
    for r in analysis.layers:
        if r.type == "InputLayer":
            continue
        key = _group(r.name) if by_block else r.name
        rows[key] = rows.get(key, sp.Integer(0)) + count(r)
    return [(name, value) for name, value in rows.items() if value != 0]


def shares(analysis: Analysis) -> list[Share]:
    """Each layer's (or, for a large model, each block's) parameters and share, zero rows left out."""
    return [Share(name, params, _percent(params, analysis.total_params)) for name, params in grouped(analysis)]


@dataclass
class OverviewRow:
    """A row of "the model at a glance": a layer, or for a large model a block of layers."""

    name: str
    kind: str  # the layer's type, for a block its first layer's
    output_shape: tuple
    params: sp.Expr
    layers: int = 1


def overview(analysis: Analysis, by_block: bool) -> list[OverviewRow]:
    """The summary table a derivation opens with: one row per layer, or per block for a large model."""
    records = [r for r in analysis.records if r.type != "InputLayer"]
    if not by_block:
        return [OverviewRow(r.name, r.type, r.output_shape, r.params) for r in records]
    rows: list[OverviewRow] = []
    for r in records:
        name = _group(r.name)
        if rows and rows[-1].name == name:
            last = rows[-1]
            rows[-1] = OverviewRow(name, last.kind, r.output_shape, last.params + r.params, last.layers + 1)
        else:
            rows.append(OverviewRow(name, r.type, r.output_shape, r.params))
    return rows


#: Models with more layers than this get their totals by block, and their trivial layers in brief.
LARGE = 40


@dataclass
class ClosedForm:
    """The total in the spec's own symbols, and what dominates it (the caller works it out)."""

    expression: sp.Expr
    symbols: list[sp.Symbol]
    leading: sp.Expr | None


def closed_form_of(expression: sp.Expr) -> ClosedForm:
    """The closed form with its leading term: the term of highest degree in the symbols (floors count as
    their argument's degree)."""
    symbols = sorted(expression.free_symbols, key=lambda s: s.name)
    terms = [t for t in sp.Add.make_args(expression) if t.free_symbols]

    def degree(term: sp.Expr) -> int:
        relaxed = term.replace(lambda e: isinstance(e, sp.floor | sp.ceiling), lambda e: e.args[0])
        try:
            return sp.Poly(relaxed, *symbols).total_degree()
        except sp.PolynomialError:
            return 0

    leading = max(terms, key=degree) if terms else None
    return ClosedForm(expression, symbols, leading)


def render_derivation(
    analysis: Analysis,
    fmt: str = "markdown",
    include: Sequence[str] = (),
    conventions: Conventions = DEFAULT,
    closed_form: sp.Expr | None = None,
    body_only: bool = False,
    figures: Any = None,
) -> str:
    """The worked solution as Markdown or a complete LaTeX document (``body_only``: the part inside the
    document); ``include`` adds compute quantities, ``closed_form`` (the total in the spec's symbols) a
    paragraph on how the total scales, ``figures`` (a ``calc.figures.derivation.DerivationFigures``) the
    architecture and window figures. The spec's own symbols are set in bold throughout."""
    from calc.render.math import bold_symbols
    from calc.render.templating import render

    context = derivation_context(analysis, include, conventions, closed_form)
    with bold_symbols(analysis.symbols):
        return render("derivation", fmt, **context, body_only=body_only, figures=figures)


def derivation_context(
    analysis: Analysis,
    include: Sequence[str] = (),
    conventions: Conventions = DEFAULT,
    closed_form: sp.Expr | None = None,
) -> dict[str, Any]:
    """What the derivation templates read: the overview, the formulas, the layers' steps, the totals."""
    from calc.summary import Summary

    views = layer_views(analysis, include, conventions)
    shown = fold_repeats(views)
    totals = [step_view(s) for s in _totals(analysis, include, conventions)] if include else []
    formulas = formulas_used(views, totals)
    _bind_all(views, analysis.values)
    large = len(analysis.records) > LARGE
    rows = shares(analysis)
    dominant = max(rows, key=lambda row: float(row.params) if row.params.is_number else 0, default=None)
    return {
        "analysis": analysis,
        "layers": views,
        "shown": shown,
        "formulas": formulas,
        "large": large,
        "shares": rows,
        "overview": overview(analysis, by_block=large),
        "by_block": large,
        "dominant": dominant if dominant is not None and dominant.share else None,
        "closed": closed_form_of(closed_form) if closed_form is not None and closed_form.free_symbols else None,
        "include": tuple(include),
        "compute": Summary(analysis, conventions=conventions) if include else None,
        "summary": Summary(analysis),
        "macs_terms": [r.compute.macs for r in analysis.records if r.layer is not None and r.compute.macs != 0]
        if {"macs", "flops"} & set(include)
        else [],
        "totals": totals,
    }


def _bind_all(views: Sequence[LayerView], values: Mapping[sp.Symbol, sp.Expr]) -> None:
    for view in views:
        for sv in [*view.shape_steps, *view.param_steps]:
            sv.bindings = _bindings(view, sv, values)
        _bind_all(view.children, values)


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

    def __init__(self, analysis: Analysis, closed_form: sp.Expr | None = None):
        self.analysis = analysis
        self.closed_form = closed_form

    def to_markdown(self) -> str:
        return render_derivation(self.analysis, "markdown", closed_form=self.closed_form)

    def to_latex(self) -> str:
        """A complete LaTeX document (pdflatex compiles it)."""
        return render_derivation(self.analysis, "latex", closed_form=self.closed_form)

    def __str__(self) -> str:
        return self.to_markdown()

    def _render(self, fmt: str) -> str | None:
        if fmt == "html":  # Markdown math is typeset by every notebook front end; math in HTML is not
            return None
        if fmt == "text":
            return self.to_markdown()
        return render_derivation(self.analysis, fmt, closed_form=self.closed_form, body_only=True)


def derivation(model: Model | Analysis, values: Mapping[str, Any] | None = None) -> Derivation:
    """The worked solution of a model (with symbol values, as ``--set`` gives them) or of an analysis.
    A model with symbols of its own also gets its total in closed form in them."""
    if isinstance(model, Analysis):
        return Derivation(model)
    values = dict(values or {})
    return Derivation(model.analyze(values), closed_total(model, values))


def closed_total(model: Model, values: Mapping[str, Any]) -> sp.Expr | None:
    """The total in the spec's own symbols (those not given a value by ``values``); None without any."""
    from calc.closed_form import total_closed_form

    if not [s for s in model.symbols if s.name not in values]:
        return None
    return total_closed_form(model, values)
