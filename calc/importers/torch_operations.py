"""The tensor operations of forward() as the PyTorch source reader follows them: each module call,
functional call or tensor method becomes one entry of the pytorch-dialect spec, built at once (so the
next line knows its shape) and named as torch.fx names function calls (relu, relu_1, view, getitem, ...).

A mixin of the reader (``torch_source._Reader``): it uses the reader's ``fail``, ``where``, ``size`` and
its spec so far (``entries``, ``places``, ``taken``, ``env``, ``first_input``).
"""

from __future__ import annotations

import ast
from typing import Any

import sympy as sp

from calc.dialects.pytorch import REGISTRY
from calc.errors import CalcError
from calc.importers import folding
from calc.importers.torch_names import FUNCTION_ONLY, FUNCTIONAL
from calc.importers.torch_objects import Batch, Parameter, Tensor
from calc.layers.base import construct

#: Tensor methods that change neither shape nor anything calc counts.
SAME_TENSOR = frozenset({"contiguous", "clone", "detach", "float", "double", "half", "to", "cpu", "cuda", "type_as"})

#: Binary operators on tensors and the dialect operation each is.
OPERATORS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.MatMult: "matmul"}


def spec_value(value: Any) -> Any:
    """A value as spec data: tuples as lists, sympy sizes as numbers or text for the safe parser."""
    if isinstance(value, (tuple, list)):
        return [spec_value(item) for item in value]
    if isinstance(value, sp.Basic):
        return int(value) if value.is_Integer else str(value)
    return value


def is_size(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, sp.Expr) and value.is_integer is not False
    )


def spec_value_map(kwargs: dict) -> dict:
    return {key: spec_value(value) for key, value in kwargs.items()}


class TensorOperations:
    """forward()'s operations on tensors, as spec entries."""

    def bind(self, node: ast.AST, what: str, order: tuple[str, ...], args: list, kwargs: dict) -> dict:
        """Arguments by name, the positional ones in PyTorch's ``order`` (nn.Conv2d(3, 6, 5), F.max_pool2d(x, 2))."""
        if len(args) > len(order):
            raise self.fail(node, f"{what} takes at most {len(order)} positional arguments here, got {len(args)}")
        given = dict(zip(order, args))
        for key, value in kwargs.items():
            if key in given:
                raise self.fail(node, f"{what} got '{key}' twice")
            given[key] = value
        return given

    def fresh(self, base: str) -> str:
        """A function call's name as torch.fx gives it: relu, relu_1, ... past every module's name."""
        name, count = base, 0
        while name in self.taken:
            count += 1
            name = f"{base}_{count}"
        self.taken.add(name)
        return name

    def emit(self, node: ast.AST, cls: str, kwargs: dict, inputs: list[Tensor], base: str) -> Tensor:
        layer = construct(REGISTRY[cls], dict(kwargs))
        result = layer.build_many([t.shape for t in inputs], self.env)
        name = self.fresh(base)
        spec = {k: spec_value(v) for k, v in kwargs.items()}
        self.entries.append({cls: {"name": name, **spec, "inputs": [t.ref for t in inputs]}})
        self.places[name] = str(self.where(node))
        return Tensor(name, tuple(result.output_shape))

    def tensor(self, value: Any, rank: int | None, node: ast.AST) -> Tensor:
        """A tensor operand: a tensor of forward(), or a parameter read for the first time (its row made,
        lined up with tensors of ``rank`` dims, batch axis included)."""
        if isinstance(value, Tensor):
            return value
        if isinstance(value, Parameter):
            if value.row is None:
                dims = rank if rank is not None and rank >= len(value.size) else None
                kwargs = {"size": list(value.size), **({"dims": dims} if dims is not None else {})}
                layer = construct(REGISTRY["Parameter"], dict(kwargs))
                result = layer.build_many([], self.env)
                self.entries.append(
                    {"Parameter": {"name": value.name, **spec_value_map(kwargs), "inputs": [self.first_input]}}
                )
                self.places[value.name] = str(value.where)
                value.row = Tensor(value.name, tuple(result.output_shape))
            return value.row
        raise self.fail(node, f"calc expected a tensor here, got {folding.describe(value)}")

    def combine(self, node: ast.AST, operation: str, values: list) -> Tensor:
        """``a + b``, ``a * b``, ``a @ b`` of tensors (and parameters, lined up with the tensor they meet)."""
        ranks = [len(v.shape) + 1 for v in values if isinstance(v, Tensor)]
        rank = max(ranks) if ranks else None
        tensors = [self.tensor(v, rank, node) for v in values]
        return self.emit(node, operation, {}, tensors, operation)

    def dim(self, value: Any, what: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise CalcError(f"{what} must be a whole number, got {folding.describe(value)}")
        return value

    def operation(self, node: ast.Call, name: str, args: list, kwargs: dict) -> Any:
        """torch.X(...) and F.X(...): the first argument is the tensor (the tensors, for cat and stack)."""
        if name in ("cat", "concat", "stack"):
            tensors = kwargs.pop("tensors", args[0] if args else None)
            dim = kwargs.pop("dim", args[1] if len(args) > 1 else 0)
            if not isinstance(tensors, (list, tuple)) or not tensors or kwargs or len(args) > 2:
                raise self.fail(node, f"torch.{name} takes a list of tensors and dim")
            rank = (
                max(len(t.shape) + 1 for t in tensors if isinstance(t, Tensor))
                if any(isinstance(t, Tensor) for t in tensors)
                else None
            )
            inputs = [self.tensor(t, rank, node) for t in tensors]
            if len(inputs) == 1 and name != "stack":  # torch.cat([x], 1) is x
                return inputs[0]
            cls = "stack" if name == "stack" else "cat"
            return self.emit(node, cls, {"dim": self.dim(dim, "dim")}, inputs, cls)
        source = kwargs.pop("input", None)
        if source is None:
            if not args:
                raise self.fail(node, f"torch.{name} needs its input tensor")
            source, args = args[0], args[1:]
        if name in ("add", "sub", "mul", "matmul", "bmm", "div"):
            other = kwargs.pop("other", args[0] if args else None)
            if other is None or kwargs or len(args) > 1:
                raise self.fail(node, f"calc follows torch.{name}(a, b) of two tensors only")
            operation = "matmul" if name == "bmm" else name
            if not isinstance(other, (Tensor, Parameter)):
                return self.tensor(source, None, node)
            return self.combine(node, operation, [source, other])
        if name == "scaled_dot_product_attention":
            given = self.bind(node, "F.scaled_dot_product_attention", ("key", "value", "attn_mask"), args, kwargs)
            if given.pop("attn_mask", None) is not None:
                raise self.fail(node, "calc follows scaled_dot_product_attention without attn_mask (is_causal is fine)")
            key, value = given.pop("key", None), given.pop("value", None)
            inputs = [self.tensor(t, None, node) for t in (source, key, value)]
            return self.emit(node, name, given, inputs, name)
        if name == "linear" or name.startswith("conv"):
            return self.weighted(node, name, self.tensor(source, None, node), args, kwargs)
        return self.tensor_method(node, source, name, args, kwargs)

    def weighted(self, node: ast.Call, name: str, x: Tensor, args: list, kwargs: dict) -> Tensor:
        """F.linear(x, weight, bias) and F.conv2d(x, weight, bias, stride, ...): the layer the weights make."""
        names = (
            ("weight", "bias") if name == "linear" else ("weight", "bias", "stride", "padding", "dilation", "groups")
        )
        given = dict(zip(names, args))
        given.update(kwargs)
        weight, bias = given.pop("weight", None), given.pop("bias", None)
        if not isinstance(weight, Parameter) or (bias is not None and not isinstance(bias, Parameter)):
            raise self.fail(node, f"calc follows F.{name} with nn.Parameter weights (and bias)")
        size = [self.size(s) for s in weight.size]
        for parameter in (weight, bias):
            if parameter is not None:
                parameter.consumed = True
        if name == "linear":
            if given or len(size) != 2:
                raise self.fail(node, "F.linear takes a weight of [out_features, in_features]")
            kwargs = {"in_features": size[1], "out_features": size[0], "bias": bias is not None}
            return self.emit(node, "Linear", kwargs, [x], "linear")
        rank = int(name[-2]) if name[-2].isdigit() else 0
        if name not in ("conv1d", "conv2d", "conv3d") or len(size) != rank + 2:
            raise self.fail(node, f"F.{name} takes a weight of [out_channels, in_channels/groups, *kernel]")
        groups = given.get("groups", 1)
        layer = {"in_channels": size[1] * groups, "out_channels": size[0], "kernel_size": size[2:], **given}
        return self.emit(node, f"Conv{rank}d", {**layer, "bias": bias is not None}, [x], name)

    def tensor_method(self, node: ast.Call, value: Any, name: str, args: list, kwargs: dict) -> Any:
        """x.view(...), x.flatten(1), F.relu(x), torch.mean(x, dim): one operation on one tensor."""
        if name in SAME_TENSOR:
            return self.tensor(value, None, node)
        if isinstance(value, Parameter) and name in ("size", "dim"):
            shape = tuple(self.size(s) for s in value.size)
            return shape if not args else folding.index(shape, args[0])
        if name == "expand" and isinstance(value, Parameter):
            sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            return self.expand(node, self.tensor(value, len(sizes), node), sizes)
        x = self.tensor(value, None, node)
        if name == "size":
            shape = (Batch(), *(self.size(s) for s in x.shape))
            index = kwargs.pop("dim", args[0] if args else None)
            return shape if index is None else folding.index(shape, index)
        if name == "dim":
            return len(x.shape) + 1
        if name in FUNCTIONAL:
            return self.functional(node, name, x, args, kwargs)
        sizes = list(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else list(args)
        if name in ("view", "reshape"):
            return self.view(node, name, x, sizes if sizes else kwargs.get("shape", []))
        if name == "expand":
            return self.expand(node, x, sizes)
        if name == "expand_as":
            other = self.tensor(args[0] if args else None, None, node)
            return self.emit(node, "expand", {"size": list(other.shape)}, [x], "expand_as")
        if name == "permute":
            return self.emit(node, "permute", {"dims": [self.dim(d, "dims") for d in sizes]}, [x], "permute")
        if name == "flatten":
            start = kwargs.pop("start_dim", args[0] if args else 0)
            end = kwargs.pop("end_dim", args[1] if len(args) > 1 else -1)
            return self.emit(node, "Flatten", {"start_dim": start, "end_dim": end}, [x], "flatten")
        if name in ("transpose", "unsqueeze", "squeeze", "mean", "sum"):
            order = {"transpose": ("dim0", "dim1"), "mean": ("dim", "keepdim"), "sum": ("dim", "keepdim")}
            given = dict(zip(order.get(name, ("dim",)), args))
            given.update(kwargs)
            if name in ("mean", "sum") and isinstance(given.get("dim"), tuple):
                given["dim"] = list(given["dim"])
            return self.emit(node, name, given, [x], name)
        if name == "t":
            return self.emit(node, "transpose", {"dim0": -2, "dim1": -1}, [x], "t")
        if name == "pad":
            amounts = kwargs.pop("pad", args[0] if args else None)
            options = dict(zip(("mode", "value"), args[1:]))
            options.update(kwargs)
            return self.emit(node, "pad", {"pad": list(amounts or []), **options}, [x], "pad")
        if name in ("chunk", "split"):
            return self.pieces(node, name, x, args, kwargs)
        if name in ("matmul", "add", "sub", "mul", "div", "bmm"):
            return self.operation(node, name, [x, *args], kwargs)
        raise self.fail(node, f"calc does not follow the tensor operation '{name}'")

    def functional(self, node: ast.Call, name: str, x: Tensor, args: list, kwargs: dict) -> Tensor:
        cls, positional = FUNCTIONAL[name]
        given = self.bind(node, f"F.{name} (after the input)", positional, args, kwargs)
        given = {k: v for k, v in given.items() if k not in FUNCTION_ONLY and v is not None}
        if given.pop("return_indices", False):
            raise self.fail(node, f"calc does not follow F.{name}(..., return_indices=True)")
        if given.get("weight") is not None or given.get("bias") is not None:
            raise self.fail(node, f"calc follows F.{name} without weights")
        return self.emit(node, cls, given, [x], name)

    def view(self, node: ast.Call, name: str, x: Tensor, sizes: list) -> Tensor:
        """x.view(N, ...): the first size is the batch (x.size(0)) or -1 with every other size given."""
        if not sizes:
            raise self.fail(node, f"{name}() needs the new sizes")
        first, rest = sizes[0], list(sizes[1:])
        if not rest:
            raise self.fail(node, f"{name}({'-1' if first == -1 else '...'}) would merge the batch axis; keep it first")
        for size in rest:
            if not (is_size(size) or size == -1):
                raise self.fail(node, f"{name}() sizes must be whole numbers or -1, got {folding.describe(size)}")
        if isinstance(first, Batch):
            return self.emit(node, name, {"shape": rest}, [x], name)
        if first != -1:
            raise self.fail(
                node,
                f"the first size of {name}() is the batch: write x.size(0) or -1, not {folding.describe(first)}",
            )
        if -1 in rest:
            raise self.fail(node, f"{name}(-1, ...) may have one -1 only, and the batch is it")
        return self.emit(node, name, {"shape": rest}, [x], name)

    def expand(self, node: ast.Call, x: Tensor, sizes: list) -> Tensor:
        if not sizes or not (isinstance(sizes[0], Batch) or sizes[0] == -1):
            raise self.fail(node, "the first size of expand() is the batch: write x.size(0) (or -1)")
        rest = list(sizes[1:])
        if not all(is_size(s) or s == -1 for s in rest):
            raise self.fail(node, "expand() sizes must be whole numbers or -1")
        return self.emit(node, "expand", {"size": rest}, [x], "expand")

    def pieces(self, node: ast.Call, name: str, x: Tensor, args: list, kwargs: dict) -> list[Tensor]:
        """x.chunk(3, dim) and x.split(size or sizes, dim): one slice per piece, as PyTorch cuts them."""
        amount = kwargs.pop("chunks" if name == "chunk" else "split_size_or_sections", args[0] if args else None)
        dim = self.dim(kwargs.pop("dim", args[1] if len(args) > 1 else 0), "dim")
        if kwargs or amount is None:
            raise self.fail(node, f"calc reads {name}(amount, dim)")
        index = dim % (len(x.shape) + 1)
        if index == 0:
            raise self.fail(node, f"{name}() along dim 0 would cut the batch; cut a later dim")
        length = x.shape[index - 1]
        if not length.is_Integer:
            raise self.fail(node, f"calc cuts dims of known size only; dim {dim} is {length}")
        length = int(length)
        if name == "chunk":
            each = -(-length // self.dim(amount, "chunks"))
            sizes = [min(each, length - start) for start in range(0, length, each)]
        elif isinstance(amount, (list, tuple)):
            sizes = [self.dim(s, "split sizes") for s in amount]
            if sum(sizes) != length:
                raise self.fail(node, f"split sizes {sizes} do not add up to dim {dim}'s {length}")
        else:
            each = self.dim(amount, "split size")
            if each < 1:
                raise self.fail(node, "split size must be positive")
            sizes = [min(each, length - start) for start in range(0, length, each)]
        if len(sizes) > folding.MAX_ITEMS:
            raise self.fail(node, f"more than {folding.MAX_ITEMS:,} pieces")
        out, start = [], 0
        for size in sizes:
            out.append(self.emit(node, "slice", {"dim": dim, "start": start, "stop": start + size}, [x], name))
            start += size
        return out

    def index_tensor(self, node: ast.AST, x: Tensor, position: Any) -> Tensor:
        """x[:, 0], x[:, -1, :], x[..., 1:3], x[:, None]: dim 0 (the batch) must be taken whole."""
        entries = list(position) if isinstance(position, tuple) else [position]
        if entries.count(Ellipsis) > 1:
            raise self.fail(node, "an index may hold one '...'")
        if Ellipsis in entries:
            at = entries.index(Ellipsis)
            named = len([e for e in entries if e is not None and e is not Ellipsis])
            entries[at : at + 1] = [slice(None)] * (len(x.shape) + 1 - named)
        first = entries[0] if entries else slice(None)
        if not (isinstance(first, slice) and first == slice(None)):
            raise self.fail(node, "index the batch axis whole: start with ':' (x[:, 0]), calc keeps the batch apart")
        dim = 1
        for entry in entries[1:]:
            if entry is None:
                x = self.emit(node, "unsqueeze", {"dim": dim}, [x], "getitem")
                dim += 1
            elif isinstance(entry, slice):
                if entry != slice(None):
                    bounds = {"start": entry.start, "stop": entry.stop, "step": entry.step or 1}
                    bounds = {k: v for k, v in bounds.items() if v is not None}
                    x = self.emit(node, "slice", {"dim": dim, **bounds}, [x], "getitem")
                dim += 1
            elif isinstance(entry, int) and not isinstance(entry, bool):
                x = self.emit(node, "select", {"dim": dim, "index": entry}, [x], "getitem")
            else:
                raise self.fail(
                    node, f"calc indexes tensors with numbers, slices, None and '...', not {folding.describe(entry)}"
                )
        return x
