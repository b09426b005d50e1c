"""What the torch.nn layers share: PyTorch's keyword arguments, channels-first shapes, and the checks
PyTorch makes when a tensor meets a layer (``in_channels``, ``in_features``, ``num_features``).

Shapes leave the batch axis out, as everywhere in calc; PyTorch counts it as dim 0, so a channels-first
image is ``(C, H, W)`` here and ``(N, C, H, W)`` in PyTorch.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import sympy as sp

from calc.errors import CalcError, quote
from calc.layers.base import Env, Layer, Shape, agree, fmt, suggest
from calc.layers.layout import CHANNELS_LAST

#: Arguments of every torch.nn class that change neither shapes nor counts.
DEVICE_OPTIONS = frozenset({"device", "dtype"})


class TorchLayer(Layer):
    """Base of the torch.nn classes: the constructor takes PyTorch's keyword arguments.

    ``neutral`` names the arguments a class accepts and ignores (``device``, ``inplace``, ``eps``, ...);
    Keras's own neutral arguments (``activation``, ``kernel_initializer``, ...) are not accepted here.
    """

    neutral: ClassVar[frozenset[str]] = DEVICE_OPTIONS
    #: Where the channels are, for tools that name axes (explore's output_height, ...): PyTorch's image
    #: layers are channels-first; Linear, Embedding, recurrent and attention layers keep features last.
    data_format: ClassVar[str] = CHANNELS_LAST

    def __init__(self, name: str | None = None, **options: Any):
        unknown = sorted(set(options) - self.neutral)
        if unknown:
            raise CalcError(
                f"{self.type_name} has no argument '{unknown[0]}'{suggest(unknown[0], self.argument_names())}"
            )
        super().__init__(name=name)
        self.options = options

    @classmethod
    def argument_names(cls) -> list[str]:
        """PyTorch's keywords for this class (its own signatures up to TorchLayer) and ``name``."""
        names = {
            p
            for klass in cls.__mro__
            if issubclass(klass, TorchLayer) and "__init__" in vars(klass)
            for p in inspect.signature(klass.__init__).parameters
        }
        return sorted((names | cls.neutral) - {"self", "options"})


def check_matches(given: sp.Expr, actual: sp.Expr, argument: str, where: str, env: Env) -> None:
    """PyTorch's check that a size argument (in_channels, in_features, ...) fits the incoming tensor;
    ``where`` says what the tensor has, with ``{}`` for its size: 'the input [N, 3, 8, 8] has {} channels'.
    Symbolic sizes that may agree pass, and a sweep checks them at every point (``agree``)."""
    if not agree(given, actual, argument, "the size of the input it reads", env):
        raise CalcError(f"{argument} is {fmt(given)}, but {where.format(fmt(actual))}")


def check_divides(groups: sp.Expr, count: sp.Expr, what: str, by: str = "groups") -> None:
    if groups.is_Integer and count.is_Integer and count % groups != 0:
        raise CalcError(f"{what} ({fmt(count)}) must be divisible by {by} ({fmt(groups)})")


def torch_shape(shape: Shape) -> str:
    """A shape as PyTorch writes it, batch axis included: [N, 3, 32, 32]."""
    return "[" + ", ".join(["N", *(fmt(d) for d in shape)]) + "]"


def torch_dim(value: Any, shape: Shape, what: str) -> int:
    """A dim argument as PyTorch counts it, batch axis as 0 and negative from the end, checked against an
    input of ``shape`` (batch axis left out); returned from 0 (the batch axis) to len(shape)."""
    rank = len(shape) + 1
    if isinstance(value, bool) or not isinstance(value, int):
        raise CalcError(f"{what} must be a whole number, got {quote(value)}")
    if not -rank <= value < rank:
        raise CalcError(
            f"{what} {value} is out of range for the input {torch_shape(shape)} (dims {-rank} to {rank - 1}, "
            "with the batch axis as 0)"
        )
    return value % rank


def no_words(value: Any, argument: str, words: tuple[str, ...]) -> Any:
    """Refuse a word where PyTorch takes only numbers (pooling has no padding='same')."""
    if isinstance(value, str) and value.strip().lower() in words:
        raise CalcError(f"{argument} must be a number here, got {quote(value)}")
    return value


def exact_choice(value: Any, choices: tuple[str, ...], argument: str) -> str:
    """One of PyTorch's words, spelled as PyTorch spells it ('same', not 'SAME': PyTorch refuses that)."""
    if not isinstance(value, str) or value not in choices:
        raise CalcError(f"{argument} must be one of {', '.join(repr(c) for c in choices)}, got {quote(value)}")
    return value
