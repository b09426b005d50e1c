"""torch.nn's Lazy modules (LazyConv2d, LazyLinear, LazyBatchNorm2d, ...): the layer of the same name
without its input size, which PyTorch infers at the first call, as calc does when it meets the input.

Each is its eager class with the size argument left out of the signature; building fills it in from the
input (the channels of [N, C, ...], the last axis for LazyLinear) and then applies the eager class's rules,
so the parameter and MACs rules stay those of Conv2d, Linear and BatchNorm2d.
"""

from __future__ import annotations

import inspect
from typing import Any

from calc.dialects.pytorch.base import TorchLayer
from calc.dialects.pytorch.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from calc.dialects.pytorch.linear import Linear
from calc.dialects.pytorch.normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d
from calc.errors import CalcError
from calc.layers.base import Env, LayerResult, Shape

#: eager class -> the argument PyTorch infers and the input axis it reads (batch axis left out).
INFERRED: dict[type[TorchLayer], tuple[str, int]] = {
    Conv1d: ("in_channels", 0),
    Conv2d: ("in_channels", 0),
    Conv3d: ("in_channels", 0),
    ConvTranspose1d: ("in_channels", 0),
    ConvTranspose2d: ("in_channels", 0),
    ConvTranspose3d: ("in_channels", 0),
    Linear: ("in_features", -1),
    BatchNorm1d: ("num_features", 0),
    BatchNorm2d: ("num_features", 0),
    BatchNorm3d: ("num_features", 0),
}


def _lazy(eager: type[TorchLayer], argument: str, axis: int) -> type[TorchLayer]:
    parameters = list(inspect.signature(eager.__init__).parameters.values())
    signature = inspect.Signature([p for p in parameters if p.name != argument])

    def __init__(self: TorchLayer, *args: Any, **kwargs: Any) -> None:
        if argument in kwargs:
            raise CalcError(f"{type(self).__name__} infers {argument} from its input; leave it out")
        eager.__init__(self, 1, *args, **kwargs)  # a stand-in, replaced from the input when built

    def build(self: TorchLayer, shape: Shape, env: Env) -> LayerResult:
        self.check_rank(shape)
        setattr(self, argument, shape[axis])
        return eager.build(self, shape, env)

    __init__.__signature__ = signature
    doc = f"torch.nn.Lazy{eager.__name__}: {eager.__name__} whose {argument} is read from the input at the first call."
    return type(f"Lazy{eager.__name__}", (eager,), {"__init__": __init__, "build": build, "__doc__": doc})


LAZY_CLASSES: list[type[TorchLayer]] = [_lazy(eager, *inferred) for eager, inferred in INFERRED.items()]
