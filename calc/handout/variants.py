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

Everything else stays as written — strides, pool sizes, numeric filter counts — because changing
those changes the architecture rather than the exercise. A draw that makes a layer invalid (a kernel
larger than its input, say) is drawn again; small spaces are enumerated in a shuffled order, so the
answer "only 3 of the 8 combinations are valid" is exact.
"""

from __future__ import annotations

import copy
import itertools
import random
import re
from collections.abc import Mapping, Sequence
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
    candidates = ", ".join(f"{n} in {quote(list(choices[n]))}" for n in names)
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
    variants: list[Variant] = []
    seen: set[tuple[int, ...]] = set()
    answered: set[tuple] = set()
    problem = None
    for combo in combos:
        if combo in seen:
            continue
        seen.add(combo)
        values = {**{k: int(v) for k, v in fixed.items()}, **dict(zip(names, combo))}
        try:
            analysis = model.analyze(values)
        except CalcError as error:
            problem = error
            continue
        answers = tuple((r.output_shape, r.params) for r in analysis.records)
        if answers in answered:  # other values, same numbers everywhere: no new exercise
            continue
        answered.add(answers)
        variants.append(Variant(len(variants) + 1, values, analysis))
        if len(variants) == count:
            return variants
    found = f"only {len(variants)} of the {space:,} combinations" if space <= ENUMERATE_UP_TO else f"{len(variants)}"
    raise CalcError(
        f"could not draw {count} valid variants ({candidates}): {found} give valid layers and different answers "
        f"in {tries:,} tries" + (f"; for example, {problem}" if problem else "")
    )
