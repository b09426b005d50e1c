"""What every layer shares: argument conversion, value checks, and the result of building a layer.

A layer's constructor takes Keras's keyword arguments (the spec loader calls it with them, so the
signature is the one list of accepted arguments). ``build`` receives the incoming shape (batch axis
left out) and returns a ``LayerResult``: output shape, trainable and non-trainable counts, and the
derivation steps that produced them.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import sympy as sp

from calc.errors import CalcError
from calc.expressions import parse_expression
from calc.rules import Step

Shape = tuple[sp.Expr, ...]
Value = int | str | sp.Expr
# Words and mathematics of a layer's one-line description; a tuple of sizes reads "5 × 5".
Description = list[str | sp.Expr | tuple[sp.Expr, ...]]

AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def keras_default_name(type_name: str) -> str:
    """Keras's snake-case base name for a class: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", type_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def to_expr(value: Value, what: str) -> sp.Expr:
    """A hyper-parameter as a sympy expression: an int, a sympy object or text for the safe parser."""
    if isinstance(value, sp.Basic):
        return sp.sympify(value)  # already a sympy object, never text: sympify only converts types
    try:
        return parse_expression(value)
    except CalcError as error:
        raise CalcError(f"{what}: {error.message}") from None


def to_tuple(value: Value | Sequence[Value], rank: int, what: str) -> tuple[sp.Expr, ...]:
    """An int-or-tuple argument (kernel_size=5 or (5, 3)) as one expression per spatial axis."""
    if isinstance(value, (list, tuple)):
        if len(value) != rank:
            raise CalcError(f"{what} needs {rank} value{'s' if rank > 1 else ''}, got {len(value)}")
        return tuple(to_expr(v, what) for v in value)
    return (to_expr(value, what),) * rank


def to_bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise CalcError(f"{what} must be true or false, got {value!r}")
    return value


def to_choice(value: Any, choices: Sequence[str], what: str) -> str:
    if not isinstance(value, str) or value.lower() not in choices:
        raise CalcError(f"{what} must be one of {', '.join(choices)}, got {value!r}")
    return value.lower()


def suggest(word: str, candidates: Sequence[str]) -> str:
    """' (did you mean 'x'?)' when a close candidate exists, else nothing."""
    close = difflib.get_close_matches(word, candidates, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def fmt(expr: sp.Expr) -> str:
    """An expression as a user reads it in a message."""
    return str(expr)


@dataclass
class LayerResult:
    """What building a layer produced; the views only read this."""

    output_shape: Shape
    trainable: sp.Expr
    non_trainable: sp.Expr
    shape_steps: list[Step] = field(default_factory=list)
    param_steps: list[Step] = field(default_factory=list)
    description: Description = field(default_factory=list)

    @property
    def params(self) -> sp.Expr:
        return self.trainable + self.non_trainable


class Env:
    """Symbol values in force while building, and the checks that need them."""

    def __init__(self, values: Mapping[sp.Symbol, sp.Expr] | None = None):
        self.values = dict(values or {})

    def resolve(self, expr: sp.Expr) -> sp.Expr:
        return expr.xreplace(self.values) if self.values else expr

    def positive(self, expr: sp.Expr, what: str) -> sp.Expr:
        """Resolve a size that must be a positive whole number (checked when it is a number)."""
        value = self.resolve(expr)
        if value.is_number and not (value.is_Integer and value > 0):
            raise CalcError(f"{what} must be a positive whole number, got {fmt(value)}")
        return value

    def non_negative(self, expr: sp.Expr, what: str) -> sp.Expr:
        value = self.resolve(expr)
        if value.is_number and not (value.is_Integer and value >= 0):
            raise CalcError(f"{what} must be a whole number of at least 0, got {fmt(value)}")
        return value


def check_output_size(value: sp.Expr, what: str, why: str) -> sp.Expr:
    """A computed size must be at least 1 when it is a number; say why it is not."""
    if value.is_number and not (value.is_Integer and value >= 1):
        raise CalcError(f"{what} would be {fmt(value)}: {why}")
    return value


# Keras arguments that change neither shapes nor counts: accepted and kept, never computed with.
NEUTRAL_OPTIONS = frozenset(
    {
        "activation",
        "kernel_initializer",
        "bias_initializer",
        "kernel_regularizer",
        "bias_regularizer",
        "activity_regularizer",
        "kernel_constraint",
        "bias_constraint",
        "dtype",
        "seed",
        "depthwise_initializer",
        "pointwise_initializer",
        "autocast",
    }
)


class Layer:
    """Base of all layers. Subclasses set ``min_rank``/``max_rank`` and implement ``build``."""

    min_rank: ClassVar[int] = 1
    max_rank: ClassVar[int | None] = None
    #: True for layers with no output of their own (Dropout, Activation): shown but not derived.
    passthrough: ClassVar[bool] = False
    #: This layer type's own Keras arguments that change neither shapes nor counts (epsilon, momentum,
    #: its initializers ...): accepted and kept like NEUTRAL_OPTIONS.
    neutral_options: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        name: str | None = None,
        trainable: bool = True,
        input_shape: Sequence[Value] | None = None,
        **options: Any,
    ):
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise CalcError(f"name must be a non-empty string, got {name!r}")
        self.name = name
        self.input_shape = None if input_shape is None else parse_shape(input_shape, "input_shape")
        self.trainable = to_bool(trainable, "trainable")
        unknown = sorted(set(options) - NEUTRAL_OPTIONS - self.neutral_options)
        if unknown:
            raise CalcError(
                f"{self.type_name} has no argument '{unknown[0]}'{suggest(unknown[0], self.argument_names())}"
            )
        self.options = options

    @classmethod
    def argument_names(cls) -> list[str]:
        """Every keyword the layer accepts: its own signature, the base's, and the neutral ones."""
        names = {
            p
            for klass in cls.__mro__
            if "__init__" in vars(klass)
            for p in inspect.signature(klass.__init__).parameters
        }
        return sorted((names | NEUTRAL_OPTIONS | cls.neutral_options) - {"self", "options"})

    @property
    def type_name(self) -> str:
        return type(self).__name__

    def accepted_ranks(self) -> tuple[int, int | None]:
        """Fewest and most axes (batch axis left out) the layer takes; None is no limit."""
        return self.min_rank, self.max_rank

    def check_rank(self, shape: Shape) -> None:
        low, high = self.accepted_ranks()
        rank = len(shape)
        if rank < low or (high is not None and rank > high):
            expected = f"exactly {low}" if low == high else f"at least {low}" if high is None else f"{low} to {high}"
            raise CalcError(
                f"{self.type_name} takes inputs with {expected} axes besides the batch axis, "
                f"got shape {format_shape(shape)}"
            )

    def sublayers(self) -> list[Layer]:
        """The layers this one wraps (Bidirectional's LSTM), which Keras creates, and names, first."""
        return []

    def build(self, shape: Shape, env: Env) -> LayerResult:
        raise NotImplementedError


def format_shape(shape: Shape) -> str:
    """Keras's way of writing a shape: (None, 28, 28, 8)."""
    return "(" + ", ".join(["None", *(str(d) for d in shape)]) + ")"


def parse_shape(value: Any, what: str) -> Shape:
    """A shape without the batch axis: a non-empty list of sizes (numbers or expressions)."""
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise CalcError(f"{what} must be a list of sizes such as [32, 32, 3], got {value!r}")
    if len(value) > 8:
        raise CalcError(f"{what} has {len(value)} axes; at most 8 are supported")
    sizes = tuple(to_expr(v, what) for v in value)
    for size in sizes:
        if size.is_number and not (size.is_Integer and size > 0):
            raise CalcError(f"{what} sizes must be positive whole numbers, got {size}")
    return sizes
