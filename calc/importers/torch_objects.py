"""PyTorch's objects as the source reader sees them: modules the code makes, the tensors forward() passes
around, and the learned tensors (``nn.Parameter``) modules hold. Nothing here runs PyTorch.

A module is a torch.nn layer (``Leaf``: its dialect class and arguments), a container (``Container``:
nn.Sequential, nn.ModuleList, nn.ModuleDict) or an object of a class of the file (``Instance`` of a
``ModuleClass``). Names are given once the model is chosen, as ``named_modules()`` gives them: the path of
attributes from the model (``layer1.0.conv1``), the first path for a module registered twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from calc.dialects.pytorch.base import torch_shape


@dataclass(eq=False)
class Leaf:
    """A torch.nn layer: ``nn.Conv2d(3, 6, 5)`` -> Conv2d {in_channels: 3, out_channels: 6, kernel_size: 5}."""

    cls: str
    kwargs: dict[str, Any]
    where: Any
    name: str | None = None
    calls: int = 0  # calls so far: a later call is the spec's second call of a shared layer

    @property
    def described(self) -> str:
        return f"the module '{self.name}' ({self.cls})" if self.name else f"an nn.{self.cls}"


@dataclass(eq=False)
class Container:
    """nn.Sequential (called: its children in turn), nn.ModuleList or nn.ModuleDict (indexed, iterated)."""

    kind: str
    children: dict[str, Any]
    name: str | None = None

    @property
    def described(self) -> str:
        return f"the nn.{self.kind} '{self.name}'" if self.name else f"an nn.{self.kind}"


@dataclass(eq=False)
class ModuleClass:
    """``class Net(nn.Module)`` of the file: its methods, class attributes, and the class it extends."""

    name: str
    methods: dict[str, Any]
    attributes: dict[str, Any]
    base: ModuleClass | None = None
    sequential: bool = False  # a subclass of nn.Sequential: called, it runs its modules in turn

    @property
    def described(self) -> str:
        return f"the class '{self.name}'"

    def method(self, name: str) -> Any:
        cls: ModuleClass | None = self
        while cls is not None:
            if name in cls.methods:
                return cls.methods[name]
            cls = cls.base
        return None

    def attribute(self, name: str) -> tuple[bool, Any]:
        cls: ModuleClass | None = self
        while cls is not None:
            if name in cls.attributes:
                return True, cls.attributes[name]
            cls = cls.base
        return False, None

    def is_a(self, other: ModuleClass) -> bool:
        cls: ModuleClass | None = self
        while cls is not None:
            if cls is other:
                return True
            cls = cls.base
        return False


@dataclass(eq=False)
class Instance:
    """An object of such a class: the attributes its ``__init__`` set, in the order set."""

    cls: ModuleClass
    attributes: dict[str, Any] = field(default_factory=dict)
    initialised: bool = False
    name: str | None = None
    tracing: bool = False

    @property
    def described(self) -> str:
        return f"the module '{self.name}' ({self.cls.name})" if self.name else f"a {self.cls.name}"


@dataclass(eq=False)
class Parameter:
    """``nn.Parameter(torch.zeros(1, 1, 768))``: a learned tensor of a module, named by its path."""

    size: tuple[sp.Expr, ...]
    where: Any
    name: str | None = None
    row: Any = None  # the Tensor of its spec entry once a forward() reads it
    consumed: bool = False  # counted inside a layer (F.linear's weight) instead of a row of its own

    @property
    def described(self) -> str:
        sizes = ", ".join(str(s) for s in self.size)
        return f"the parameter '{self.name}' [{sizes}]" if self.name else f"a parameter [{sizes}]"


@dataclass(frozen=True)
class Values:
    """``torch.zeros(1, 1, 8)``: a tensor of sizes only, for nn.Parameter to hold (never part of forward)."""

    size: tuple[sp.Expr, ...]
    described = "a tensor made by torch.zeros/ones/randn (calc reads it only inside nn.Parameter)"


@dataclass(frozen=True)
class Tensor:
    """A tensor of forward(): the spec reference of the output it is, and its shape without the batch axis."""

    ref: str
    shape: tuple[sp.Expr, ...]

    @property
    def described(self) -> str:
        return f"a tensor {torch_shape(self.shape)} (its values exist only when the model runs)"


@dataclass(frozen=True)
class Batch:
    """The batch size (``x.size(0)``, ``x.shape[0]``): it may only be passed on to view/reshape/expand."""

    described = "the batch size (x.size(0))"


@dataclass(frozen=True)
class Opaque:
    """A value calc follows no further: an LSTM's (h_n, c_n), attention weights, ``self.training``."""

    what: str

    @property
    def described(self) -> str:
        return self.what


@dataclass(frozen=True)
class States:
    """h_n of nn.RNN/GRU/LSTM: [num_layers * directions, N, hidden] (the batch second). Only the last
    layer's entries are known from the output, the forward one at its last step and the backward one at
    its first: ``h_n[-1]`` (and ``h_n[-2]`` when bidirectional) are followed, as those slices of the output."""

    output: Tensor
    layers: int
    directions: int
    hidden: Any
    module: str

    @property
    def described(self) -> str:
        return f"the final hidden states of {self.module}"


@dataclass(frozen=True)
class Bound:
    """``x.view``, ``self.helper``, ``layers.append``: a method waiting for its arguments."""

    owner: Any
    name: str

    @property
    def described(self) -> str:
        return f"the method '{self.name}' of {getattr(self.owner, 'described', type(self.owner).__name__)}"


def is_module(value: Any) -> bool:
    return isinstance(value, (Leaf, Container, Instance))


def children(module: Any) -> list[tuple[str, Any]]:
    """A module's registered submodules and parameters, in the order registered (named_modules' order)."""
    if isinstance(module, Container):
        return list(module.children.items())
    if isinstance(module, Instance):
        return [
            (key, value) for key, value in module.attributes.items() if is_module(value) or isinstance(value, Parameter)
        ]
    return []


def clone(module: Any) -> Any:
    """copy.deepcopy of a module as the reader holds it (TransformerEncoder's copies of its layer)."""
    if isinstance(module, Leaf):
        return Leaf(module.cls, dict(module.kwargs), module.where)
    if isinstance(module, Container):
        return Container(module.kind, {key: clone(child) for key, child in module.children.items()})
    if isinstance(module, Parameter):
        return Parameter(module.size, module.where)
    if isinstance(module, Instance):
        attributes = {
            k: clone(v) if is_module(v) or isinstance(v, Parameter) else v for k, v in module.attributes.items()
        }
        return Instance(module.cls, attributes, module.initialised)
    return module


def name_modules(root: Instance | Container | Leaf) -> list[Any]:
    """Give every module and parameter under ``root`` its path, as named_modules()/named_parameters() do (the
    first path of one registered twice); return them in that order."""
    seen: set[int] = set()
    order: list[Any] = []

    def visit(item: Any, path: str) -> None:
        if id(item) in seen:
            return
        seen.add(id(item))
        item.name = path
        order.append(item)
        for key, child in children(item):
            visit(child, f"{path}.{key}" if path else key)

    visit(root, "")
    return order
