"""Sweeps: quantities on a grid of symbol values, with the rows where the model breaks kept and explained.

The model is analysed once with the varied symbols free; its quantities, and every check the layers
could not make on symbolic values (sizes at least 1, whole numbers, groups that divide), are compiled
into one whole-number function (``compiled``) and run by numpy on the whole grid, a chunk at a time.
A row is invalid where any check fails; its reason is the first failing check, in layer order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from calc.errors import CalcError, quote
from calc.explore.compiled import compile_expressions
from calc.explore.formula import free_analysis
from calc.explore.keep import Keep
from calc.explore.quantities import MAX_QUANTITIES, Quantity, quantity
from calc.model import Analysis, Sequential

MAX_POINTS = 5_000_000
MAX_VARIED = 6
MAX_VARY_TEXT = 10_000
MAX_DIGITS = 12
CHUNK = 1 << 18
NEEDS_NUMPY = "calc sweep needs numpy: pip install numpy (or install calc with its plot extra: pip install '.[plot]')"

_NUMBER = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}\Z")
_VARY = re.compile(r"([A-Za-z][A-Za-z0-9_]{0,31})=(.+)\Z", re.DOTALL)


@dataclass(frozen=True)
class Vary:
    """One varied symbol and its values, in the order given (a range stays a ``range`` until used)."""

    name: str
    values: tuple[int, ...] | range

    @property
    def largest(self) -> int:
        return self.values[-1] if isinstance(self.values, range) else max(self.values)

    def array(self) -> Any:
        import numpy as np

        if isinstance(self.values, range):
            return np.arange(self.values.start, self.values.stop, self.values.step, dtype=np.int64)
        return np.asarray(self.values, dtype=np.int64)


def _number(text: str, what: str) -> int:
    text = text.strip()
    if not _NUMBER.match(text):
        raise CalcError(f"--vary {what}: {quote(text)} is not a whole number of at most {MAX_DIGITS} digits")
    value = int(text)
    if value < 1:
        raise CalcError(f"--vary {what}: values must be positive whole numbers, got {value}")
    return value


def parse_vary(text: str) -> Vary:
    """``k=3,5,7`` (a list) or ``f=4:64:4`` (start:stop:step, the stop included; step 1 if left out)."""
    if len(text) > MAX_VARY_TEXT:
        raise CalcError(f"--vary is too long ({len(text)} characters, at most {MAX_VARY_TEXT})")
    match = _VARY.match(text.strip())
    if not match:
        raise CalcError(f"--vary: cannot read {quote(text)}; expected NAME=3,5,7 or NAME=START:STOP:STEP")
    name, spec = match.groups()
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise CalcError(f"--vary {name}: a range is START:STOP or START:STOP:STEP, got {quote(spec)}")
        start, stop = _number(parts[0], name), _number(parts[1], name)
        step = _number(parts[2], name) if len(parts) == 3 else 1
        if stop < start:
            raise CalcError(f"--vary {name}: the range {start}:{stop} is empty (stop before start)")
        count = (stop - start) // step + 1
        if count > MAX_POINTS:
            raise CalcError(f"--vary {name}: {count:,} values; a sweep has at most {MAX_POINTS:,} points")
        return Vary(name, range(start, stop + 1, step))
    values = tuple(_number(item, name) for item in spec.split(","))
    return Vary(name, values)


def check_grid(varied: Sequence[Vary]) -> int:
    """The number of grid points; refused (before anything is computed) when above the cap."""
    if not varied:
        raise CalcError("nothing to sweep: give at least one --vary NAME=VALUES")
    if len(varied) > MAX_VARIED:
        raise CalcError(f"at most {MAX_VARIED} symbols can be varied at once, got {len(varied)}")
    names = [v.name for v in varied]
    for name in names:
        if names.count(name) > 1:
            raise CalcError(f"--vary {name} is given twice")
    points = 1
    for vary in varied:
        points *= len(vary.values)
        if points > MAX_POINTS:
            raise CalcError(f"the grid has more than {MAX_POINTS:,} points; vary fewer values")
    return points


@dataclass
class Check:
    """One condition on the grid: ``expr`` must be a whole number of at least ``minimum``."""

    expr: sp.Expr
    minimum: int
    where: str  # "layer 3 (conv2d_1, Conv2D)"
    what: str  # "output height"

    def reasons(self) -> tuple[str, str]:
        """Why a row fails: (the value is too small, the value is not whole)."""
        small = "0 or less" if self.minimum == 1 else "negative"
        return f"{self.where}: {self.what} would be {small}", f"{self.where}: {self.what} would not be a whole number"


def checks(analysis: Analysis) -> list[Check]:
    """Every condition left open by symbolic values, in layer order, without the ones that always hold."""
    found: list[Check] = []
    seen: set[tuple[sp.Expr, int]] = set()
    for r in analysis.records:
        where = f"layer {r.index} ({r.name}, {r.type})"
        conditions = [(c.expr, c.minimum, c.what) for c in r.conditions]
        conditions += [(size, 1, f"output size (axis {i})") for i, size in enumerate(r.output_shape, start=1)]
        conditions += [(r.params, 0, "the parameter count")]
        for expr, minimum, what in conditions:
            if (expr, minimum) in seen or not expr.free_symbols:
                continue
            seen.add((expr, minimum))
            if expr.is_integer and (expr - minimum).is_nonnegative:
                continue  # holds for every value of the symbols (they are positive whole numbers)
            found.append(Check(expr, minimum, where, what))
    return found


@dataclass
class SweepResult:
    """Quantities on every grid point (first varied symbol slowest), with the invalid rows explained."""

    model: str
    varied: list[Vary]
    quantities: list[Quantity]
    columns: list[Any]  # per varied symbol: its value at every point (numpy int64)
    values: list[Any]  # per quantity: its value at every point (meaningless where invalid)
    failure: Any  # per point: -1 when valid, else an index into ``reasons``
    reasons: list[str]

    @property
    def points(self) -> int:
        return len(self.failure)

    def rows(self) -> list[dict[str, int | str]]:
        """Rows as dictionaries: varied values, then quantities, or ``invalid`` with the reason."""
        out = []
        names = [v.name for v in self.varied]
        quantity_names = [q.name for q in self.quantities]
        columns = [c.tolist() for c in self.columns]
        values = [v.tolist() for v in self.values]
        failure = self.failure.tolist()
        for i in range(self.points):
            row: dict[str, int | str] = {name: column[i] for name, column in zip(names, columns)}
            if failure[i] < 0:
                row.update({name: value[i] for name, value in zip(quantity_names, values)})
            else:
                row["invalid"] = self.reasons[failure[i]]
            out.append(row)
        return out


def require_numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise CalcError(NEEDS_NUMPY) from None
    return numpy


class Evaluator:
    """Quantities and validity of one analysis at many points: one compiled function for both.

    ``arrays`` runs on numpy arrays (a whole chunk of a grid); ``point`` on plain whole numbers, so
    ``solve`` and ``scaling`` work without numpy too.
    """

    def __init__(self, analysis: Analysis, exprs: Sequence[sp.Expr], symbols: Sequence[sp.Symbol]):
        self.conditions = checks(analysis)
        self.count = len(exprs)
        self.compiled = compile_expressions(list(exprs) + [c.expr for c in self.conditions], symbols)
        self.reasons = [text for c in self.conditions for text in c.reasons()]

    def check_range(self, largest: Mapping[sp.Symbol, int]) -> None:
        self.compiled.check_range(dict(largest))

    def arrays(self, columns: Sequence[Any]) -> tuple[list[Any], Any]:
        """Each quantity at every point, and per point -1 (valid) or the index of its reason."""
        import numpy as np

        size = len(columns[0]) if columns else 1
        with np.errstate(all="ignore"):  # a division by a zero-sized step happens only on invalid rows
            evaluated = self.compiled(*columns)
            values = [
                np.broadcast_to(numerator if _is_one(denominator) else numerator // denominator, (size,))
                for numerator, denominator in evaluated[: self.count]
            ]
            # Later checks first, so that the first failing check (in layer order) is the one that stays.
            failure = np.full(size, -1, dtype=np.int64)
            for number in reversed(range(len(self.conditions))):
                numerator, denominator = evaluated[self.count + number]
                minimum = self.conditions[number].minimum
                if _is_one(denominator):
                    failure = np.where(numerator < minimum, 2 * number, failure)
                else:
                    failure = np.where(numerator // denominator < minimum, 2 * number, failure)
                    failure = np.where(numerator % denominator != 0, 2 * number + 1, failure)
        return values, failure

    def point(self, values: Sequence[int]) -> tuple[list[int], int]:
        """The quantities at one point, and -1 (valid) or the index of the reason it is not."""
        evaluated = self.compiled(*values)
        results = [numerator // denominator for numerator, denominator in evaluated[: self.count]]
        for number, condition in enumerate(self.conditions):
            numerator, denominator = evaluated[self.count + number]
            if numerator % denominator != 0:
                return results, 2 * number + 1
            if numerator // denominator < condition.minimum:
                return results, 2 * number
        return results, -1


def sweep(
    model: Sequential,
    varied: Sequence[Vary],
    quantity_names: Sequence[str] = ("total_params",),
    values: Mapping[str, str] | None = None,
    keep: Keep | None = None,
) -> SweepResult:
    """Evaluate the quantities of ``model`` on the grid of the varied symbols' values."""
    np = require_numpy()
    check_grid(varied)
    if not quantity_names or len(quantity_names) > MAX_QUANTITIES:
        raise CalcError(f"give 1 to {MAX_QUANTITIES} quantities")
    model, analysis = free_analysis(model, keep, dict(values or {}), free=[v.name for v in varied], record=True)
    try:
        wanted = [quantity(analysis, name) for name in quantity_names]
        for q in wanted:
            if q.is_shape:
                raise CalcError(f"{q.name} is a shape, not a number; sweep output_size or output_height instead")
        symbols = {s.name: s for s in model.symbols}
        evaluator = Evaluator(analysis, [q.value for q in wanted], [symbols[v.name] for v in varied])
        evaluator.check_range({symbols[v.name]: v.largest for v in varied})
    except CalcError as error:
        raise error.within(source=model.source) from None

    axes = [v.array() for v in varied]
    shape = tuple(len(a) for a in axes)
    total = int(np.prod(shape))
    columns = [np.empty(total, dtype=np.int64) for _ in varied]
    results = [np.empty(total, dtype=np.int64) for _ in wanted]
    failure = np.empty(total, dtype=np.int64)
    for start in range(0, total, CHUNK):
        index = np.arange(start, min(start + CHUNK, total))
        point = [axis[i] for axis, i in zip(axes, np.unravel_index(index, shape))]
        for column, value in zip(columns, point):
            column[index] = value
        values_here, failure[index] = evaluator.arrays(point)
        for result, value in zip(results, values_here):
            result[index] = value
    return SweepResult(model.name, list(varied), wanted, columns, results, failure, evaluator.reasons)


def _is_one(value: Any) -> bool:
    return isinstance(value, int | sp.Integer) and value == 1
