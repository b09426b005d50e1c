"""torch.nn layers that keep the shape: activations, dropout, Identity. Only PReLU has parameters.

Each activation accepts PyTorch's own arguments (``inplace``, ``negative_slope``, ...), which change
values and never shapes. Softmax-like layers check that ``dim`` exists (counting the batch axis as 0).
"""

from __future__ import annotations

from typing import Any, ClassVar

import sympy as sp

from calc.dialects.pytorch.base import TorchLayer, check_matches, exact_choice, torch_dim, torch_shape
from calc.errors import CalcError, quote
from calc.layers.base import Env, LayerResult, Shape, Value, to_expr
from calc.layers.core import NO_MACS, NO_PARAMETERS
from calc.rules import Rule, apply, local_symbols, note

(m,) = local_symbols("m")

PRELU = Rule(
    lhs="P",
    expr=m,
    why="PReLU learns the slope of its negative part: one per channel (num_parameters = C), or a single "
    "one shared by all channels.",
)


class ShapeKeeping(TorchLayer):
    """Same shape out as in; value by value (Softmax along one axis mixes that axis only, which calc does
    not follow), so the receptive field passes through."""

    neutral = frozenset()
    no_macs = NO_MACS
    field_effect = "keeps"
    words: ClassVar[str] = ""

    def build(self, shape: Shape, env: Env) -> LayerResult:
        return LayerResult(
            output_shape=shape,
            trainable=sp.Integer(0),
            non_trainable=sp.Integer(0),
            param_steps=[note("Parameters", 0, NO_PARAMETERS)],
            description=self.describe(),
        )

    def describe(self) -> list:
        return [self.words] if self.words else []


class Identity(ShapeKeeping):
    words = "passes its input through unchanged"


class DropoutNd(ShapeKeeping):
    """Dropout and its channel-wise variants: zero values while training, nothing at inference."""

    neutral = frozenset({"inplace"})

    def __init__(self, p: float = 0.5, **options: Any):
        super().__init__(**options)
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise CalcError(f"p must be a number from 0 to 1, got {quote(p)}")
        self.p = p

    unit: ClassVar[str] = "values"

    def describe(self) -> list:
        return [f"zeroes a fraction {self.p:g} of the {self.unit} while training"]


class Dropout(DropoutNd):
    pass


class Dropout1d(DropoutNd):
    unit = "channels"


class Dropout2d(DropoutNd):
    unit = "channels"


class Dropout3d(DropoutNd):
    unit = "channels"


class StochasticDepth(ShapeKeeping):
    """torchvision.ops.StochasticDepth(p, mode) (Huang et al., 2016): while training, drops the residual
    branch it ends, for the whole batch (``mode="batch"``) or per example (``"row"``), with probability p; at
    inference it passes its input through. No weights, nothing multiplied by a weight: 0 parameters, 0 MACs."""

    def __init__(self, p: float, mode: str, **options: Any):
        super().__init__(**options)
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise CalcError(f"p must be a number from 0 to 1, got {quote(p)}")
        self.p = p
        self.mode = exact_choice(mode, ("batch", "row"), "mode")

    def describe(self) -> list:
        unit = "the whole batch" if self.mode == "batch" else "each example"
        return [f"drops the branch for {unit} with probability {self.p:g} while training; passes it on at inference"]


class AlphaDropout(DropoutNd):
    pass


class FeatureAlphaDropout(DropoutNd):
    unit = "channels"


#: Activation arguments that PyTorch takes only as one of a few words.
CHOICES = {"approximate": ("none", "tanh")}


class Activation(ShapeKeeping):
    """An element-wise function; subclasses are made from ACTIVATIONS below."""

    def __init__(self, **options: Any):
        super().__init__(**options)
        for argument, choices in CHOICES.items():
            if argument in options:
                exact_choice(options[argument], choices, argument)


class SoftmaxLike(Activation):
    """Normalizes along ``dim``, which must be an axis of the input (batch axis = 0)."""

    def __init__(self, dim: int | None = None, **options: Any):
        super().__init__(**options)
        if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int)):
            raise CalcError(f"dim must be a whole number, got {quote(dim)}")
        self.dim = dim

    def build(self, shape: Shape, env: Env) -> LayerResult:
        if self.dim is not None:
            torch_dim(self.dim, shape, "dim")
        return super().build(shape, env)


class PReLU(TorchLayer):
    """Parametric ReLU: ``num_parameters`` learned slopes, 1 or the channel count."""

    no_macs = "It multiplies each negative value by its slope, value by value: element-wise work, 0 MACs."
    field_effect = "keeps"

    neutral = TorchLayer.neutral | {"init"}

    def __init__(self, num_parameters: Value = 1, **options: Any):
        super().__init__(**options)
        self.num_parameters = to_expr(num_parameters, "num_parameters")

    def build(self, shape: Shape, env: Env) -> LayerResult:
        count = env.positive(self.num_parameters, "num_parameters")
        if count != 1:
            check_matches(count, shape[0], "num_parameters", f"the input {torch_shape(shape)} has {{}} channels", env)
        step = apply(PRELU, "Parameters", {m: count})
        return LayerResult(
            output_shape=shape,
            trainable=step.value,
            non_trainable=sp.Integer(0),
            param_steps=[step],
            description=["a learned slope for negative values, ", "shared" if count == 1 else "one per channel"],
        )


#: torch.nn activation name -> the arguments it takes besides ``inplace`` (all change values only).
ACTIVATIONS: dict[str, tuple[str, ...]] = {
    "ReLU": (),
    "ReLU6": (),
    "LeakyReLU": ("negative_slope",),
    "ELU": ("alpha",),
    "CELU": ("alpha",),
    "SELU": (),
    "GELU": ("approximate",),
    "SiLU": (),
    "Mish": (),
    "Sigmoid": (),
    "Tanh": (),
    "Hardtanh": ("min_val", "max_val"),
    "Hardsigmoid": (),
    "Hardswish": (),
    "Hardshrink": ("lambd",),
    "Softshrink": ("lambd",),
    "Tanhshrink": (),
    "Softplus": ("beta", "threshold"),
    "Softsign": (),
    "LogSigmoid": (),
}
SOFTMAX_LIKE = ("Softmax", "LogSoftmax", "Softmin")


def _activation(name: str, arguments: tuple[str, ...], base: type[Activation]) -> type[Activation]:
    attributes = {
        "__doc__": f"torch.nn.{name}: applied value by value; the shape passes through.",
        "__module__": __name__,
        "neutral": frozenset({"inplace", *arguments}),
        "words": f"applies {name} to each value" if base is Activation else f"applies {name} along one axis",
    }
    return type(name, (base,), attributes)


ACTIVATION_CLASSES: list[type[TorchLayer]] = [
    *(_activation(name, arguments, Activation) for name, arguments in ACTIVATIONS.items()),
    *(_activation(name, (), SoftmaxLike) for name in SOFTMAX_LIKE),
]
