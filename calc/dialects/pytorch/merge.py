"""Tensor arithmetic as torch.fx traces it (``call_function`` nodes): ``add``, ``sub``, ``mul`` and ``cat``,
named as the functions are (torch.add, operator.add and ``+=`` all trace to ``add``), so a spec reads
like the forward() it comes from: ``- add: {inputs: [layer1.0.bn2, maxpool]}`` is ``out += identity``.

The arithmetic is Keras's merge layers' (``calc.layers.merge``): value by value with broadcasting (an
axis of size 1 is repeated to the other input's size), or side by side with the joined axis adding up.
What differs is how PyTorch speaks: shapes as [N, C, H, W], a ``dim`` that counts the batch axis as 0,
exactly two operands for the arithmetic functions, and ``alpha`` (``input + alpha * other``), which
changes values, never shapes. None has parameters, and none counts MACs (element-wise work, as fvcore).

Every tensor in a spec carries the batch axis first, so two inputs of different ranks would have
PyTorch's broadcasting (which lines shapes up from the last dim) pair the batch axis with another dim:
calc refuses that instead of guessing the batch size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from calc.dialects.pytorch.base import TorchLayer, torch_dim, torch_shape
from calc.errors import CalcError, quote
from calc.layers.base import Shape, fmt
from calc.layers.merge import Concatenate, ElementWise


def _listed(shapes: Sequence[Shape]) -> str:
    return ", ".join(torch_shape(shape) for shape in shapes)


def _sizes(shapes: Sequence[Shape], axis: int) -> str:
    """The inputs' sizes on one axis (batch axis left out), as 'dim 2: 8 against 7'."""
    return f"dim {axis + 1}: {' against '.join(fmt(shape[axis]) for shape in shapes)}"


class TorchElementWise(TorchLayer, ElementWise):
    """torch's element-wise functions of two tensors, broadcasting as PyTorch does."""

    neutral = frozenset()
    function = True
    exactly = 2

    def mismatch(self, shapes: Sequence[Shape], axis: int | None) -> str:
        if axis is None:
            return (
                f"{self.type_name} inputs have different ranks: {_listed(shapes)}; each has the batch axis first, "
                "so they need as many dims to broadcast"
            )
        return (
            f"{self.type_name} inputs do not broadcast: {_listed(shapes)} ({_sizes(shapes, axis)}; sizes must "
            "agree or one be 1)"
        )

    def describe(self, shapes: Sequence[Shape]) -> list:
        words = super().describe(shapes)
        if any(shape != shapes[0] for shape in shapes):
            words.append(", a size of 1 repeated to match")
        return words


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CalcError(f"{what} must be a number, got {quote(value)}")
    return value


class add(TorchElementWise):  # named as torch.fx names the call: torch.add, +, +=
    """torch.add(input, other, alpha=1): input + alpha * other."""

    operation = "sum"

    def __init__(self, alpha: float = 1, **options: Any):
        super().__init__(**options)
        self.alpha = _number(alpha, "alpha")

    def describe(self, shapes: Sequence[Shape]) -> list:
        words = super().describe(shapes)
        return words if self.alpha == 1 else [*words, f", the second scaled by alpha = {self.alpha:g}"]


class sub(add):  # torch.sub, operator.sub, -
    """torch.sub(input, other, alpha=1): input - alpha * other."""

    operation = "difference"


class div(TorchElementWise):  # torch.div, operator.truediv, /
    """torch.div(input, other): a tensor divided by another, value by value (``x / norm``)."""

    operation = "quotient"


class mul(TorchElementWise):  # torch.mul, operator.mul, *
    """torch.mul(input, other): squeeze-and-excitation's [N, C, 1, 1] scale times [N, C, H, W]."""

    operation = "product"


class cat(TorchLayer, Concatenate):
    """torch.cat(tensors, dim=0): joins the inputs (one or more) along ``dim``, counted with the batch axis as 0
    (dim=1 joins the channels of [N, C, H, W]); every other dim must agree. The batch axis, torch's default, is
    refused: calc's shapes leave it out."""

    neutral = frozenset()
    function = True
    axis_word = "dim"
    fewest = 1  # DenseNet's first layer of a block reads torch.cat([x], 1)

    def __init__(self, dim: int = 0, **options: Any):
        super().__init__(**options)
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise CalcError(f"dim must be a whole number, got {quote(dim)}")
        self.axis = dim  # Concatenate's joined axis: Keras's axis counts the batch axis as 0 too

    def joined_axis(self, shape: Shape) -> int:
        index = torch_dim(self.axis, shape, "dim")
        if index == 0:
            default = " (torch.cat's default)" if self.axis == 0 else ""
            raise CalcError(
                f"dim {self.axis} is the batch axis{default}, which calc's shapes leave out: join along dim 1 "
                "(the channels of [N, C, H, W]) or a later dim"
            )
        return index - 1

    def mismatch(self, shapes: Sequence[Shape], axis: int | None) -> str:
        if axis is None:
            return f"{self.type_name} inputs have different ranks: {_listed(shapes)}"
        listed = _listed(shapes)
        return f"{self.type_name} on dim {self.axis} needs the other dims to agree: {listed} ({_sizes(shapes, axis)})"
