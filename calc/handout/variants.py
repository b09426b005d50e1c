"""Variants of a model for handouts: symbol values drawn so that every layer stays valid.

A spec's ``vary:`` section lists each symbol's candidates, as a list (``k: [3, 5]``) or as an
inclusive range ``"start:stop:step"`` (``f: "4:32:4"``). Without it, the candidates come from where
each symbol is used (``default_choices``):

- a kernel size: 3 or 5 (and its own value);
- a filter count or a number of units (out_channels, out_features in PyTorch): its value and up to two
  steps of 4 each way (8 gives 4, 8, 12, 16);
- an input size: its value and its neighbours among common sizes (32 gives 28, 32, 48). A model whose
  single input has numeric sizes gets a symbol ``n`` for them (``with_input_symbol``): the spatial axes
  (all but the channels, when they are equal) of an image, or the length of a vector.

A Keras spec's numeric widths and kernel sizes become symbols too (``with_width_symbols``: ``units: 120``
becomes ``u1`` valued 120), so every question's answer moves from variant to variant; the last layer's
width stays, as it is the number of classes the task fixes. Everything else stays as written —
strides, pool sizes, padding — because changing those changes the architecture rather than the exercise.
A draw that makes a layer invalid (a kernel larger than its input, say) is drawn again; small spaces are
enumerated in a shuffled order, so the answer "only 3 of the 8 combinations are valid" is exact.
"""

from __future__ import annotations

import copy
import itertools
import random
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from math import prod
from typing import Any

import sympy as sp

from calc.errors import CalcError, quote
from calc.expressions import parse_expression
from calc.model import Analysis, Model

MAX_CANDIDATES = 10_000  # per symbol
MAX_VARIANTS = 1_000
ENUMERATE_UP_TO = 500  # spaces up to this size are enumerated (shuffled), larger ones drawn at random
KERNEL_SIZES = (3, 5)
WIDTH_STEP, WIDTH_STEPS = 4, 2
COMMON_SIZES = (8, 16, 24, 28, 32, 48, 56, 64, 96, 112, 128, 160, 192, 224, 256, 299, 320, 384, 448, 512, 768, 1024)
INPUT_SYMBOL_NAMES = ("n", "n_in", "size")
WIDTHS = {"filters", "units", "out_channels", "out_features"}  # Keras's and torch.nn's names for a layer's width


@dataclass
class Variant:
    """One drawn variant: its number (from 1), the symbol values and the analysis with them."""

    number: int
    values: dict[str, int]
    analysis: Analysis


def parse_vary(raw: Any, model: Model) -> dict[str, list[int]]:
    """The ``vary:`` section: symbol -> sorted candidate values."""
    if not isinstance(raw, Mapping):
        raise CalcError("'vary' must map symbol names to candidates, e.g. vary: {k: [3, 5], f: \"4:32:4\"}")
    known = {s.name for s in model.symbols}
    choices = {}
    for name, spec in raw.items():
        if name not in known:
            listed = ", ".join(sorted(known)) or "none"
            hint = " (write the input as [n, n, 3] with symbols: {n: 32} to vary its size)" if not known else ""
            raise CalcError(f"vary: the model has no symbol '{name}' (its symbols: {listed}){hint}")
        choices[str(name)] = parse_candidates(spec, f"vary: {name}")
    return choices


def parse_candidates(spec: Any, what: str) -> list[int]:
    """``[3, 5]``, ``"4:32:4"`` (inclusive; the step defaults to 1) or a single value."""
    if isinstance(spec, str) and ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3) or not all(re.fullmatch(r"[0-9]{1,9}", p.strip()) for p in parts):
            raise CalcError(f'{what}: a range is "start:stop" or "start:stop:step" in whole numbers, got {quote(spec)}')
        start, stop, step = (int(p) for p in [*parts, "1"][:3])
        if step < 1 or start < 1 or stop < start:
            raise CalcError(f"{what}: the range {quote(spec)} must run upwards from at least 1, in steps of at least 1")
        if (stop - start) // step + 1 > MAX_CANDIDATES:
            raise CalcError(f"{what}: the range {quote(spec)} has more than {MAX_CANDIDATES:,} values")
        return list(range(start, stop + 1, step))
    items = spec if isinstance(spec, list) else [spec]
    if not items or len(items) > MAX_CANDIDATES:
        raise CalcError(f"{what}: give between 1 and {MAX_CANDIDATES:,} candidates")
    values = set()
    for item in items:
        try:
            value = parse_expression(item)
        except CalcError as error:
            raise CalcError(f"{what}: {error.message}") from None
        if not (value.is_Integer and value > 0):
            raise CalcError(f"{what}: candidates must be positive whole numbers, got {quote(item)}")
        values.add(int(value))
    return sorted(values)


def symbol_roles(model: Model) -> dict[str, set[str]]:
    """Where each symbol is used: 'input', or the layer argument it appears in ('kernel_size', 'units', ...)."""
    roles: dict[str, set[str]] = {}
    for shape in model.inputs.values():
        for size in shape or ():
            for symbol in size.free_symbols:
                roles.setdefault(symbol.name, set()).add("input")
    for layer in model.layers:
        _layer_roles(layer, roles)
    return roles


def _layer_roles(layer: Any, roles: dict[str, set[str]]) -> None:
    inner = getattr(layer, "model", None)
    if isinstance(inner, Model):  # a nested block: its layers' roles
        for child in inner.layers:
            _layer_roles(child, roles)
    for attribute, value in vars(layer).items():
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, sp.Basic):
                for symbol in item.free_symbols:
                    roles.setdefault(symbol.name, set()).add(attribute)


def default_choices(model: Model) -> dict[str, list[int]]:
    """Candidates for the symbols whose use says how to vary them (see the module's notes)."""
    values = {s.name: int(v) for s, v in model.values.items()}
    choices = {}
    for name, roles in sorted(symbol_roles(model).items()):
        value = values.get(name)
        if "kernel_size" in roles:
            choices[name] = sorted(set(KERNEL_SIZES) | ({value} if value else set()))
        elif value is None:
            continue
        elif "input" in roles:
            choices[name] = common_neighbours(value)
        elif roles & WIDTHS:
            steps = range(-WIDTH_STEPS, WIDTH_STEPS + 1)
            choices[name] = [value + WIDTH_STEP * i for i in steps if value + WIDTH_STEP * i > 0]
    return choices


def common_neighbours(value: int) -> list[int]:
    """The value with the next smaller and the next larger common size."""
    sizes = sorted(set(COMMON_SIZES) | {value})
    at = sizes.index(value)
    return sizes[max(at - 1, 0) : at + 2]


def with_input_symbol(data: Mapping[str, Any], model: Model) -> tuple[dict[str, Any], str | None]:
    """The spec with its single input's numeric size made a symbol (valued as before), and that symbol.

    An image [32, 32, 3] becomes [n, n, 3] with n = 32 ([3, 32, 32] becomes [3, n, n] in the PyTorch
    dialect, channels first); a vector [784] becomes [n]. The shape may be
    the spec's ``input``, its one ``inputs`` entry, or a first ``InputLayer``'s ``shape``. Inputs whose
    spatial sizes differ (or are channels-first, which looks the same), several inputs, and inputs
    that already use symbols are left alone (None).
    """
    key = "input" if "input" in data else "inputs" if "inputs" in data else "InputLayer"
    raw = data.get(key)
    if key == "inputs":
        if not isinstance(raw, Mapping) or len(raw) != 1:
            return dict(data), None
        raw = next(iter(raw.values()))
    elif key == "InputLayer":  # a Sequential spec whose first layer is InputLayer: {shape: [...]}
        first = (data.get("layers") or [None])[0]
        raw = first.get("InputLayer", {}).get("shape") if isinstance(first, Mapping) else None
    if not isinstance(raw, list) or not raw or not all(type(v) is int for v in raw):
        return dict(data), None
    if len(raw) == 1:
        axes = range(1)
    elif data.get("dialect") == "pytorch":  # channels first
        axes = range(1, len(raw))
    else:
        axes = range(len(raw) - 1)
    if len({raw[i] for i in axes}) != 1:
        return dict(data), None
    taken = {s.name for s in model.symbols}
    name = next((n for n in INPUT_SYMBOL_NAMES if n not in taken), None)
    if name is None:
        return dict(data), None
    shape = [name if i in axes else v for i, v in enumerate(raw)]
    result = copy.deepcopy(dict(data))
    if key == "input":
        result["input"] = shape
    elif key == "inputs":
        result["inputs"] = {next(iter(data["inputs"])): shape}
    else:
        result["layers"][0]["InputLayer"]["shape"] = shape
    result["symbols"] = {**(data.get("symbols") or {}), name: raw[axes[0]]}
    return result, name


MORE_DRAWS = 2_000  # at most, in a large space, to find further variants with answers of their own
SPREAD_TRIES = 50  # further draws tried, beyond 4 per variant, to make every answer differ somewhere

#: Layer arguments made symbols by ``with_width_symbols``, with the prefix of the symbols' names.
WIDTH_PREFIXES = {"units": "u", "filters": "f", "kernel_size": "k"}


def with_width_symbols(data: Mapping[str, Any], model: Model) -> tuple[dict[str, Any], list[str]]:
    """The spec with each top-level layer's numeric ``units``, ``filters`` and (for a convolution) whole
    ``kernel_size`` made a symbol valued as written, and the names of those symbols.

    Only Keras specs are rewritten: a torch.nn layer repeats its input's width (``in_channels``), which
    would then disagree with the layer before it. The last layer that has a width keeps it: it is the
    number of classes (or outputs) the task fixes, and drawing it would change the question asked.
    """
    layers = data.get("layers")
    if data.get("dialect") == "pytorch" or not isinstance(layers, list):
        return dict(data), []
    entries = [_layer_arguments(item) for item in layers]
    widths = [i for i, (_, args) in enumerate(entries) if args and any(type(args.get(w)) is int for w in WIDTHS)]
    last_width = widths[-1] if widths else None
    result = copy.deepcopy(dict(data))
    symbols = dict(data.get("symbols") or {})
    taken = {s.name for s in model.symbols} | set(symbols)
    added = []
    counters = dict.fromkeys(WIDTH_PREFIXES.values(), 0)
    for i, (kind, args) in enumerate(entries):
        if not args:
            continue
        for argument, prefix in WIDTH_PREFIXES.items():
            value = args.get(argument)
            if type(value) is not int or value < 1:
                continue
            if argument == "kernel_size" and "Conv" not in kind:
                continue
            if argument != "kernel_size" and i == last_width:
                continue
            counters[prefix] += 1
            name = f"{prefix}{counters[prefix]}"
            while name in taken:
                counters[prefix] += 1
                name = f"{prefix}{counters[prefix]}"
            taken.add(name)
            symbols[name] = value
            arguments = _layer_arguments(result["layers"][i])[1]
            if arguments is not None:  # the layer the value was read from, so always a mapping
                arguments[argument] = name
            added.append(name)
    if added:
        result["symbols"] = symbols
    return result, added


def _layer_arguments(item: Any) -> tuple[str, dict | None]:
    """A spec's layer entry ``{Conv2D: {filters: 8}}``: its type and its argument mapping (None if other)."""
    if isinstance(item, dict) and len(item) == 1:
        kind, args = next(iter(item.items()))
        if isinstance(kind, str) and isinstance(args, dict):
            return kind, args
    return "", None


def draw(model: Model, choices: Mapping[str, Sequence[int]], fixed: Mapping[str, Any], count: int, seed: int) -> list:
    """``count`` variants whose every layer is valid and whose answers differ (two draws that give the
    same shapes and counts everywhere are one exercise), the same ones for the same seed."""
    if not 1 <= count <= MAX_VARIANTS:
        raise CalcError(f"--variants must be between 1 and {MAX_VARIANTS:,}, got {count}")
    names = sorted(n for n in choices if n not in fixed)
    if not names:
        raise CalcError(
            "there is nothing to vary: add a 'vary:' section to the spec (e.g. vary: {k: [3, 5]}) "
            "or give the model symbols such as kernel sizes, filter counts or an input size"
        )
    space = prod(len(choices[n]) for n in names)
    candidates = ", ".join(f"{n} in {quote(list(choices[n]))}" for n in names)  # a long range, capped
    if count > space:
        raise CalcError(f"asked for {count} variants, but the candidates allow only {space:,} ({candidates})")
    rng = random.Random(seed)
    if space <= ENUMERATE_UP_TO:
        combos = list(itertools.product(*(choices[n] for n in names)))
        rng.shuffle(combos)
        tries = len(combos)
    else:
        tries = max(200, 20 * count)
        combos = (tuple(rng.choice(choices[n]) for n in names) for _ in range(tries))
    seen: set[tuple[int, ...]] = set()
    answered: set[tuple] = set()
    problems: list[CalcError] = []
    valid = _valid_variants(model, names, fixed, combos, seen, answered, problems)
    variants = [Variant(n + 1, v.values, v.analysis) for n, v in zip(range(count), valid)]
    if len(variants) == count:
        draws = (
            tuple(rng.choice(choices[n]) for n in names) for _ in range(MORE_DRAWS if space > ENUMERATE_UP_TO else 0)
        )
        more = itertools.chain(valid, _valid_variants(model, names, fixed, draws, seen, answered, problems))
        return spread(variants, more, _varying_answers(model, fixed, names), SPREAD_TRIES + 4 * count)
    problem = problems[0] if problems else None
    found = f"only {len(variants)} of the {space:,} combinations" if space <= ENUMERATE_UP_TO else f"{len(variants)}"
    raise CalcError(
        f"could not draw {count} valid variants ({candidates}): {found} give valid layers and different answers "
        f"in {tries:,} tries" + (f"; for example, {problem}" if problem else "")
    )


def answers_of(analysis: Analysis) -> tuple:
    """Everything a sheet may ask of the variant, in a fixed order: per layer call its output shape,
    parameters, MACs and receptive field."""
    return tuple(
        item
        for r in analysis.records
        for item in (tuple(r.output_shape), r.params, r.compute.macs, r.compute.receptive_field)
    )


def _varying_answers(model: Model, fixed: Mapping[str, Any], names: Sequence[str]) -> set[int] | None:
    """The positions of ``answers_of`` that depend on the drawn symbols (None when the model cannot be
    analysed with them free: then every position counts)."""
    try:
        symbolic = model.analyze(dict(fixed), free=list(names))
    except CalcError:
        return None
    drawn = set(names)

    def depends(item: Any) -> bool:
        items = item if isinstance(item, tuple) else (item,)
        return any(isinstance(x, sp.Basic) and {s.name for s in x.free_symbols} & drawn for x in items)

    return {i for i, item in enumerate(answers_of(symbolic)) if depends(item)}


def _constant(answers: Sequence[tuple], varying: set[int] | None) -> set[int]:
    """The positions whose answer is the same in every variant (and could differ)."""
    first = answers[0]
    positions = range(len(first)) if varying is None else sorted(varying)
    return {i for i in positions if all(a[i] == first[i] for a in answers[1:])}


def spread(variants: list[Variant], more: Iterator[Variant], varying: set[int] | None, tries: int) -> list[Variant]:
    """While some answer is the same in every variant though the drawn symbols change it, replace a variant
    (the last first) with a further draw that leaves fewer such answers: no question should have one
    answer for the whole class unless the spec fixes it. Bounded by ``tries`` further draws."""
    if len(variants) < 2:
        return variants
    answers = [answers_of(v.analysis) for v in variants]
    constant = _constant(answers, varying)
    for _, candidate in zip(range(tries), more):
        if not constant:
            break
        new = answers_of(candidate.analysis)
        if all(new[i] == answers[0][i] for i in constant):
            continue
        for j in range(len(variants) - 1, 0, -1):
            trial = answers[:j] + [new] + answers[j + 1 :]
            left = _constant(trial, varying)
            if left < constant:
                variants[j] = Variant(variants[j].number, candidate.values, candidate.analysis)
                answers, constant = trial, left
                break
    return variants


def _valid_variants(
    model: Model,
    names: Sequence[str],
    fixed: Mapping[str, Any],
    combos: Iterable[tuple],
    seen: set[tuple],
    answered: set[tuple],
    problems: list[CalcError],
) -> Iterator[Variant]:
    """The combinations not seen before whose every layer is valid and whose answers are new (two draws
    that give the same shapes and counts everywhere are one exercise); the first problem is kept."""
    for combo in combos:
        if combo in seen:
            continue
        seen.add(combo)
        values = {**{k: int(v) for k, v in fixed.items()}, **dict(zip(names, combo))}
        try:
            analysis = model.analyze(values)
        except CalcError as error:
            if not problems:
                problems.append(error)
            continue
        key = tuple((r.output_shape, r.params) for r in analysis.records)
        if key in answered:
            continue
        answered.add(key)
        yield Variant(0, values, analysis)
