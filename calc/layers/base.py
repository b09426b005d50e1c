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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

import sympy as sp

if TYPE_CHECKING:
    from calc.layers.receptive import Field, FieldChange

from calc.errors import CalcError, quote
from calc.expressions import parse_expression
from calc.rules import Step, note

Shape = tuple[sp.Expr, ...]
Value: TypeAlias = int | str | sp.Expr
# Words and mathematics of a layer's one-line description; a tuple of sizes reads "5 × 5".
Description = list[str | sp.Expr | tuple[sp.Expr, ...]]

AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


@cache
def keras_default_name(type_name: str) -> str:
    """Keras's snake-case base name for a class: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", type_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def to_expr(value: Value, what: str) -> sp.Expr:
    """A hyper-parameter as a sympy expression: an int, a sympy object or text for the safe parser."""
    if isinstance(value, sp.Basic):
        return sp.sympify(value)  # already a sympy object, never text: sympify only converts types
    try:
        return _parsed(value) if type(value) in (int, str) else parse_expression(value)
    except CalcError as error:
        raise CalcError(f"{what}: {error.message}") from None


@lru_cache(maxsize=1024)
def _parsed(value: int | str) -> sp.Expr:
    """``parse_expression`` once per distinct value: a model repeats a handful of sizes over all its layers.
    (Only ints and strings come here: True would share 1's entry.)"""
    return parse_expression(value)


def to_tuple(value: Value | Sequence[Value], rank: int, what: str) -> tuple[sp.Expr, ...]:
    """An int-or-tuple argument (kernel_size=5 or (5, 3)) as one expression per spatial axis."""
    if isinstance(value, (list, tuple)):
        if len(value) != rank:
            raise CalcError(f"{what} needs {rank} value{'s' if rank > 1 else ''}, got {len(value)}")
        return tuple(to_expr(v, what) for v in value)
    return (to_expr(value, what),) * rank


def to_bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise CalcError(f"{what} must be true or false, got {quote(value)}")
    return value


def to_choice(value: Any, choices: Sequence[str], what: str) -> str:
    if not isinstance(value, str) or value.lower() not in choices:
        raise CalcError(f"{what} must be one of {', '.join(choices)}, got {quote(value)}")
    return value.lower()


def suggest(word: str, candidates: Sequence[str]) -> str:
    """' (did you mean 'x'?)' when a close candidate exists, else nothing."""
    close = difflib.get_close_matches(word, candidates, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def fmt(expr: sp.Expr) -> str:
    """An expression as a user reads it in a message."""
    return str(expr)


#: A message with values in it, kept as words and expressions: joined into text when raised (``spoken``),
#: and evaluated afresh at other symbol values by a view that recomputes (the interactive page), so the
#: page's message is the command line's word for word.
Message = tuple[str | sp.Expr, ...]


def spoken(message: Message) -> str:
    """The message as text, each expression written as ``fmt`` writes it."""
    return "".join(part if isinstance(part, str) else fmt(part) for part in message)


@dataclass
class LayerResult:
    """What building a layer produced; the views only read this."""

    output_shape: Shape
    trainable: sp.Expr
    non_trainable: sp.Expr
    shape_steps: list[Step] = field(default_factory=list)
    param_steps: list[Step] = field(default_factory=list)
    description: Description = field(default_factory=list)
    #: Sentences a worked solution adds after the shape steps and after the parameter steps: the reasons a
    #: student needs (one output channel per filter; W is 400 × 120), with the layer's own values in them.
    shape_notes: list[Description] = field(default_factory=list)
    param_notes: list[Description] = field(default_factory=list)
    #: The inner analysis of a model used as a layer (calc.model.Analysis), else None.
    children: Any = None
    #: Every output's shape when the layer has several (an LSTM's states, attention's scores), the first
    #: being ``output_shape``; None for the one output most layers have.
    outputs: list[Shape] | None = None

    @property
    def output_shapes(self) -> list[Shape]:
        """The shapes of all the layer's outputs, in Keras's order."""
        return self.outputs if self.outputs is not None else [self.output_shape]

    @property
    def params(self) -> sp.Expr:
        if self.non_trainable == 0:  # most layers: the sum would be the trainable count, built anew at each reading
            return self.trainable
        return self.trainable + self.non_trainable


@dataclass(frozen=True)
class Condition:
    """A check that could not be made because the value is still symbolic: ``expr`` must be a whole
    number of at least ``minimum``. Recorded (``Env(record=True)``) so that a sweep can make the same
    check on a whole grid of values at once instead of building the model at every point."""

    expr: sp.Expr
    minimum: int
    what: str
    #: The error's message when the check fails (empty when the caller words its own).
    message: Message = ()


class Env:
    """Symbol values in force while building, and the checks that need them."""

    def __init__(self, values: Mapping[sp.Symbol, sp.Expr] | None = None, record: bool = False):
        self.values = dict(values or {})
        self.conditions: list[Condition] | None = [] if record else None

    def resolve(self, expr: sp.Expr) -> sp.Expr:
        return expr.xreplace(self.values) if self.values else expr

    def require(self, value: sp.Expr, minimum: int, what: str, message: Message = ()) -> bool:
        """True when ``value`` is a number that passes (a whole number >= minimum); False when it is a
        number that fails; a symbolic value passes for now and is recorded (with the ``message`` its
        failure raises) when recording."""
        if value.is_number:
            return bool(value.is_Integer and value >= minimum)
        if self.conditions is not None:
            self.conditions.append(Condition(value, minimum, what, message))
        return True

    def positive(self, expr: sp.Expr, what: str) -> sp.Expr:
        """Resolve a size that must be a positive whole number (checked when it is a number)."""
        value = self.resolve(expr)
        message = (f"{what} must be a positive whole number, got ", value)
        if not self.require(value, 1, what, message):
            raise CalcError(spoken(message))
        return value

    def non_negative(self, expr: sp.Expr, what: str) -> sp.Expr:
        value = self.resolve(expr)
        message = (f"{what} must be a whole number of at least 0, got ", value)
        if not self.require(value, 0, what, message):
            raise CalcError(spoken(message))
        return value


def differ(a: sp.Expr, b: sp.Expr) -> bool:
    """True only when two sizes are certainly different (symbolic sizes that may agree pass)."""
    return sp.simplify(a - b).is_zero is False


def agree(a: sp.Expr, b: sp.Expr, first: str, second: str, env: Env) -> bool:
    """False when two sizes that must be equal certainly differ. Symbolic sizes that may agree pass; an
    analysis that records its open checks keeps the agreement as a - b >= 0 and b - a >= 0, so that a
    sweep refuses the points where they differ."""
    if a == b:  # the same tensor, or the same size: no simplifying needed
        return True
    if differ(a, b):
        return False
    if (a - b).free_symbols:
        env.require(a - b, 0, f"{first} minus {second} (the two must agree)")
        env.require(b - a, 0, f"{second} minus {first} (the two must agree)")
    return True


def check_output_size(value: sp.Expr, what: str, why: str | Message, env: Env | None = None) -> sp.Expr:
    """A computed size must be at least 1 when it is a number; say why it is not (``why`` may hold
    expressions, which are written with the layer's values)."""
    message = (f"{what} would be ", value, ": ", *((why,) if isinstance(why, str) else why))
    if not (env or Env()).require(value, 1, what, message):
        raise CalcError(spoken(message))
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
    #: This layer type's own Keras arguments that change neither shapes nor counts (epsilon, momentum,
    #: its initializers ...): accepted and kept like NEUTRAL_OPTIONS.
    neutral_options: ClassVar[frozenset[str]] = frozenset()
    #: The arguments that hold a wrapped layer (Bidirectional's ``layer``), which a spec writes as a one-key
    #: mapping ({LSTM: {units: 8}}) and the spec reader builds first.
    wraps: ClassVar[tuple[str, ...]] = ()
    #: A function of its inputs rather than a module with weights (the pytorch dialect's ``add``, ``cat``):
    #: a spec entry of its type is a new call even where an earlier layer has the type's name as its own
    #: (torch.fx names the first add ``add``), since calling a function "again" is just another call.
    function: ClassVar[bool] = False

    def __new__(cls, *args: Any, **kwargs: Any) -> Layer:
        # Remember the constructor's arguments as given, so a tool can rebuild the layer with one of
        # them replaced (``formula --keep kernel_size=k``) through the same constructor and checks.
        layer = super().__new__(cls)
        layer._given = (args, dict(kwargs))
        return layer

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments this layer was built from (positional ones named, defaults left out)."""
        args, kwargs = self._given
        bound = _constructor_signature(type(self)).bind(self, *args, **kwargs)
        out: dict[str, Any] = {}
        for name, value in list(bound.arguments.items())[1:]:
            if bound.signature.parameters[name].kind is inspect.Parameter.VAR_KEYWORD:
                out.update(value)
            else:
                out[name] = value
        return out

    def rebuilt(self, **changes: Any) -> Layer:
        """A new layer of the same type from the same arguments with ``changes`` applied."""
        return type(self)(**{**self.arguments(), **changes})

    def __init__(
        self,
        name: str | None = None,
        trainable: bool = True,
        input_shape: Sequence[Value] | None = None,
        **options: Any,
    ):
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise CalcError(f"name must be a non-empty string, got {quote(name)}")
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
        return list(_argument_names(cls))

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

    def build_many(self, shapes: Sequence[Shape], env: Env) -> LayerResult:
        """Build on the shapes of all inputs; most layers take exactly one (merge layers override)."""
        if len(shapes) != 1:
            raise CalcError(f"{self.type_name} takes one input, got {len(shapes)}")
        return self.build(shapes[0], env)

    #: Why this layer type does no multiply-accumulates (its work is value by value), shown as its MACs
    #: step; None where the layer states a MACs rule of its own (``macs``) or calc has none for it yet.
    no_macs: ClassVar[str | None] = None
    #: What the layer does to the receptive field when it states no rule of its own (``receptive_field``):
    #: "keeps" it (it works value by value, so an output unit sees what its input unit saw) or "ends" it.
    field_effect: ClassVar[str] = "ends"

    def macs(self, shapes: Sequence[Shape], result: LayerResult, env: Env) -> Step | None:
        """Multiply-accumulates of one forward pass for one example, as a step of the layer's MACs rule
        (stated next to its parameter rule); None when calc has no MACs rule for the layer."""
        return zero_macs(self.no_macs) if self.no_macs else None

    def receptive_field(
        self, fields: Sequence[Field], shapes: Sequence[Shape], result: LayerResult, env: Env
    ) -> FieldChange | None:
        """The receptive field of the output (a ``calc.layers.receptive.FieldChange``) from the inputs'
        fields; None when ``field_effect`` says it all."""
        return None


def zero_macs(why: str) -> Step:
    """The MACs step of a layer that multiplies nothing by weights: 0, and why."""
    step = note("MACs", 0, why)
    step.lhs = "M"
    return step


@cache
def _argument_names(cls: type[Layer]) -> tuple[str, ...]:
    """Worked out once per class: reading signatures costs more than building a layer."""
    names = {
        p
        for klass in cls.__mro__
        if "__init__" in vars(klass) and klass is not object
        for p in inspect.signature(vars(klass)["__init__"]).parameters
    }
    return tuple(sorted((names | NEUTRAL_OPTIONS | cls.neutral_options) - {"self", "options"}))


def format_shape(shape: Shape, write: Callable[[sp.Expr], str] = fmt) -> str:
    """Keras's way of writing a shape: (None, 28, 28, 8), each size written by ``write``."""
    return "".join(part if isinstance(part, str) else write(part) for part in shape_message(shape))


def shape_message(shape: Shape) -> Message:
    """A shape as words and sizes, for a message that names it: ("(None, ", 28, ", ", 8, ")")."""
    parts: list[str | sp.Expr] = ["(None"]
    for size in shape:
        parts += [", ", sp.sympify(size)]
    return (*parts, ")")


def format_outputs(shapes: Sequence[Shape], write: Callable[[sp.Expr], str] = fmt) -> str:
    """Keras's way of writing a layer's outputs: one shape, or a list of them: [(None, 7), (None, 7)]."""
    if len(shapes) == 1:
        return format_shape(shapes[0], write)
    return "[" + ", ".join(format_shape(shape, write) for shape in shapes) + "]"


def parse_shape(value: Any, what: str) -> Shape:
    """A shape without the batch axis: a non-empty list of sizes (numbers or expressions)."""
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise CalcError(f"{what} must be a list of sizes such as [32, 32, 3], got {quote(value)}")
    if len(value) > 8:
        raise CalcError(f"{what} has {len(value)} axes; at most 8 are supported")
    sizes = tuple(to_expr(v, what) for v in value)
    for size in sizes:
        if size.is_number and not (size.is_Integer and size > 0):
            raise CalcError(f"{what} sizes must be positive whole numbers, got {size}")
    return sizes


@cache
def _constructor_signature(cls: type[Layer]) -> inspect.Signature:
    """The signature of a layer class's constructor, read once per class (inspect takes ~60 µs a reading, and a
    figure of a deep model reads every layer's arguments)."""
    return inspect.signature(cls.__init__)


@cache
def required_arguments(cls: type[Layer]) -> tuple[str, ...]:
    """The constructor's arguments without a default, read once per class."""
    parameters = inspect.signature(cls.__init__).parameters.values()
    return tuple(
        p.name
        for p in parameters
        if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"
    )


def construct(cls: type[Layer], kwargs: dict[str, Any]) -> Layer:
    """Call the layer's constructor, turning an unknown or missing argument into a clear message."""
    accepted = cls.argument_names()
    for key in kwargs:
        if key not in accepted:
            raise CalcError(f"{cls.__name__} has no argument '{key}'{suggest(key, accepted)}")
    missing = [name for name in required_arguments(cls) if name not in kwargs]
    if missing:
        raise CalcError(f"{cls.__name__} needs '{missing[0]}'")
    return cls(**kwargs)
