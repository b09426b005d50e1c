"""PyTorch model source (``class Net(nn.Module)`` with ``__init__`` and ``forward()``), read with ``ast``:
never imported, never executed.

The shared evaluator (``python_source``: plain values, loops, conditions on plain values, the file's
functions, the step and depth limits) reads the file; this reader gives PyTorch's meaning to its names.
``__init__`` is read when a class is instantiated, with ``self`` an ``Instance`` that holds the modules,
containers, parameters and plain values it sets. The model chosen (``--model``, else the one instance or
the one top-level class) gets its names as ``named_modules()`` gives them, then ``forward()`` is traced on
tensors of the shapes given: each module call, functional call and tensor operation becomes one entry of
a pytorch-dialect spec, built on the spot (so ``x.size(1)``, Lazy modules and ``x.view(x.size(0), -1)``
know their shapes) and named by its module path, or as torch.fx names a function call (``relu_1``).
Anything else (a condition on a tensor's values, custom autograd, torch.hub, a name calc does not know)
stops the reader with the line, the column and what to do.

The reader's parts: ``torch_names`` (PyTorch's API as code names it), ``torch_objects`` (modules, tensors,
parameters), ``torch_operations`` (forward()'s tensor operations as spec entries) and ``torch_modules``
(torch.nn classes PyTorch builds from other modules: the Transformer encoder).
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

from calc.dialects.pytorch import REGISTRY
from calc.errors import CalcError
from calc.importers import folding, torch_names
from calc.importers.python_source import REFUSED, Foreign, Function, SourceReader, is_super_init, parse
from calc.importers.torch_modules import TRANSFORMER, BuiltModules
from calc.importers.torch_names import POSITIONAL, TorchName
from calc.importers.torch_objects import (
    Batch,
    Bound,
    Container,
    Instance,
    Leaf,
    ModuleClass,
    Opaque,
    Parameter,
    States,
    Tensor,
    Values,
    children,
    is_module,
    name_modules,
)
from calc.importers.torch_operations import OPERATORS, TensorOperations, is_size, spec_value
from calc.layers.base import Env, construct, parse_shape, suggest

MAX_MODEL_TEXT = 1_000  # characters of --model
MAX_TORCH_STEPS = 50_000
INPUT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}\Z")
MODULE_KEY = re.compile(r"[A-Za-z0-9_]{1,64}\Z")  # an nn.Sequential/ModuleDict key: a part of a module's path
#: Methods PyTorch itself calls with a meaning calc does not follow: refused where they are defined.
REFUSED_METHODS = {
    "__call__": "a module is called through forward(); remove __call__()",
    "__getattr__": "attribute tricks hide which modules exist; set them in __init__",
    "__getattribute__": "attribute tricks hide which modules exist; set them in __init__",
    "__setattr__": "attribute tricks hide which modules exist; set them in __init__",
    "__new__": "calc makes modules through __init__ only",
    "__init_subclass__": "calc reads classes without running class machinery",
    "__del__": "calc reads classes without running class machinery",
}
SYMPY_OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: sp.floor(a / b),
    ast.Div: lambda a, b: a / b,
    ast.Mod: lambda a, b: sp.Mod(a, b),
}
RECURRENT = ("RNN", "LSTM", "GRU")
#: Module methods of training scripts: their results are passed around unread.
SCRIPT_METHODS = frozenset(
    {"parameters", "named_parameters", "state_dict", "load_state_dict", "zero_grad", "register_buffer"}
)


def read_source(text: str, input_shapes: Sequence[str] | None, model: str | None) -> tuple[dict, dict[str, str]]:
    """The spec of the model the code defines, traced on inputs of ``input_shapes`` (one example each,
    channels first, no batch axis), and where in the code each layer is made or called."""
    tree = parse(text)
    if not input_shapes:
        raise CalcError("a PyTorch model needs the shape of its input: give --input-shape 3,32,32 (no batch axis)")
    shapes = [parse_shape([part.strip() for part in shape.split(",")], "--input-shape") for shape in input_shapes]
    reader = _Reader()
    reader.run(tree)
    try:
        root = reader.chosen(model)
        return reader.trace(root, shapes), reader.places
    except RecursionError:
        raise CalcError("the code is nested too deeply to read") from None


class _Reader(TensorOperations, BuiltModules, SourceReader):
    """The shared evaluator with PyTorch's meaning for imports, attributes, calls and classes."""

    #: A model's __init__ and forward() take a few thousand steps (DenseNet-121 style code ~2,000); the cap
    #: stops a hostile loop within a second.
    max_steps = MAX_TORCH_STEPS

    def __init__(self) -> None:
        super().__init__()
        self.initialising: list[tuple[Instance, ModuleClass]] = []  # whose __init__ runs, of which class
        self.entries: list[dict] = []
        self.places: dict[str, str] = {}
        self.taken: set[str] = set()
        self.env = Env()
        self.first_input = ""
        self.tracing = False
        self.module_calls: list[list] = []  # [name, class, depth, output reference], parents before children
        self.named: dict[str, Any] = {}  # the model's modules by name
        self.opened: list[str] = []  # the modules whose call is being read, outermost first
        self.listed: set[str] = set()  # ModuleLists given a row

    # -- Imports and classes --------------------------------------------------------------

    def import_names(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.scopes[-1][alias.asname] = torch_names.module(alias.name) or Foreign(alias.name, "PyTorch")
            else:  # import a.b binds a
                top = alias.name.split(".")[0]
                self.scopes[-1][top] = torch_names.module(top) or Foreign(top, "PyTorch")

    def import_from(self, node: ast.ImportFrom) -> None:
        if node.level:
            raise self.fail(node, "calc does not follow relative imports; paste the model code into one file")
        if node.module == "__future__":
            return
        base = torch_names.module(node.module or "")
        for alias in node.names:
            if alias.name == "*":
                raise self.fail(node, f"calc does not follow 'from {node.module} import *': name what you use")
            if base is None:
                value: Any = Foreign(f"{node.module}.{alias.name}", "PyTorch")
            else:
                with self.at(node):
                    value = torch_names.member(base, alias.name)
            self.scopes[-1][alias.asname or alias.name] = value

    def define_class(self, node: ast.ClassDef) -> None:
        """``class Net(nn.Module):`` (or a class of the file): methods, and class attributes of plain values."""
        if node.decorator_list or node.keywords or len(node.bases) != 1:
            raise self.fail(node, f"{REFUSED} reads classes with one base (nn.Module), no decorators or keywords")
        base = self.evaluate(node.bases[0])
        nn_base = base.path[-1] if isinstance(base, TorchName) and base.path[-2:-1] == ("nn",) else None
        if not (isinstance(base, ModuleClass) or nn_base in ("Module", "Sequential")):
            raise self.fail(
                node.bases[0],
                f"{REFUSED} reads classes of nn.Module (or nn.Sequential) only, not {folding.describe(base)}",
            )
        methods: dict[str, Function] = {}
        attributes: dict[str, Any] = {}
        for item in node.body:
            docstring = isinstance(item, ast.Expr) and isinstance(item.value, ast.Constant)
            if isinstance(item, ast.Pass) or (docstring and isinstance(item.value.value, str)):
                continue
            if isinstance(item, ast.Assign) and all(isinstance(t, ast.Name) for t in item.targets):
                value = self.evaluate(item.value)
                if not isinstance(value, folding.PLAIN):
                    raise self.fail(item, "calc reads class attributes of plain values (expansion = 4) only")
                for target in item.targets:
                    attributes[target.id] = value
                continue
            if not isinstance(item, ast.FunctionDef):
                raise self.fail(item, f"{REFUSED} reads only methods and plain class attributes in a class")
            if item.name in REFUSED_METHODS:
                raise self.fail(item, f"{REFUSED} does not read {item.name}(): {REFUSED_METHODS[item.name]}")
            if item.name.startswith("__") and item.name != "__init__":
                raise self.fail(item, f"{REFUSED} does not read the method '{item.name}'")
            if not item.args.args:
                raise self.fail(item, f"the method '{item.name}' takes no 'self'")
            methods[item.name] = self.function(item)
        parent = base if isinstance(base, ModuleClass) else None
        sequential = nn_base == "Sequential" or (parent is not None and parent.sequential)
        cls = ModuleClass(node.name, methods, attributes, parent, sequential)
        self.scopes[-1][node.name] = cls

    def assign_other(self, target: ast.expr, value: Any) -> None:
        if not isinstance(target, ast.Attribute):
            raise self.fail(target, "calc follows assignments to names and to self.attributes only")
        owner = self.evaluate(target.value)
        if not isinstance(owner, Instance):
            raise self.fail(target, f"calc does not follow setting '{target.attr}' of {folding.describe(owner)}")
        if target.attr.startswith("__") or target.attr == "training":
            raise self.fail(target, f"calc does not follow setting '{target.attr}' of {owner.described}")
        if (is_module(value) or isinstance(value, Parameter)) and not owner.initialised:
            raise self.fail(target, "cannot assign a module before super().__init__() (PyTorch refuses it too)")
        if isinstance(value, (Tensor, Values)):
            raise self.fail(target, "calc reads tensors held by a module only as nn.Parameter(...)")
        if self.tracing and (is_module(value) or isinstance(value, Parameter)):
            raise self.fail(target, "forward() must not make modules; make them in __init__")
        owner.attributes.pop(target.attr, None)  # re-set: registered again, in the new order, as PyTorch does
        owner.attributes[target.attr] = value

    def unpacked(self, target: ast.expr, value: Any) -> list | tuple:
        if isinstance(value, Opaque):  # an attention's weights: followed no further
            return [value] * len(target.elts)
        if isinstance(value, Tensor):
            raise self.fail(target, "calc does not unpack a tensor along its first dim (the batch); use chunk()")
        return super().unpacked(target, value)

    # -- Values ---------------------------------------------------------------------------

    def value(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant) and node.value is Ellipsis:
            return Ellipsis
        return super().value(node)

    def lookup(self, name: str, node: ast.AST) -> Any:
        if name == "isinstance" and not any(name in scope for scope in (self.scopes[-1], self.scopes[0])):
            return Bound(None, "isinstance")
        return super().lookup(name, node)

    def is_instance(self, node: ast.AST, args: list) -> bool:
        """isinstance(m, nn.Conv2d) (or a tuple of classes) on a module, for weight-initialisation loops."""
        if len(args) != 2:
            raise self.fail(node, "isinstance() takes a value and a class")
        value, kinds = args
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        for kind in kinds:
            if isinstance(kind, ModuleClass) and isinstance(value, Instance) and value.cls.is_a(kind):
                return True
            if isinstance(kind, TorchName) and kind.path[:2] == ("torch", "nn") and len(kind.path) == 3:
                name = kind.path[2]
                if isinstance(value, Leaf) and value.cls.removeprefix("Lazy") == name.removeprefix("Lazy"):
                    return True
                if isinstance(value, Container) and value.kind == name or name == "Module" and is_module(value):
                    return True
            elif not isinstance(kind, (ModuleClass, TorchName)):
                raise self.fail(node, f"calc follows isinstance() with classes only, not {folding.describe(kind)}")
        return False

    def iterated(self, node: ast.expr) -> list | tuple:
        values = self.evaluate(node)
        if isinstance(values, Container):
            return list(values.children.values()) if values.kind != "ModuleDict" else list(values.children)
        if isinstance(values, dict):
            return list(values)
        if not isinstance(values, (tuple, list)):
            raise self.fail(
                node, f"calc loops over lists, tuples, range() and module lists, not {folding.describe(values)}"
            )
        return values

    def binary(self, node: ast.BinOp, left: Any, right: Any) -> Any:
        if isinstance(left, Values) or isinstance(right, Values):  # torch.randn(1, 65, 64) * 0.02
            values = left if isinstance(left, Values) else right
            other = right if isinstance(left, Values) else left
            if not folding.is_number(other):
                raise self.fail(node, f"calc cannot combine {folding.describe(left)} and {folding.describe(right)}")
            return values
        tensors = [isinstance(v, (Tensor, Parameter)) for v in (left, right)]
        if any(tensors):
            if all(tensors):
                operation = OPERATORS.get(type(node.op))
                if operation is None:
                    raise self.fail(node, f"calc does not follow '{folding.SYMBOLS.get(type(node.op))}' on tensors")
                return self.combine(node, operation, [left, right])
            other = right if tensors[0] else left
            if folding.is_number(other) or isinstance(other, sp.Expr):
                tensor = left if tensors[0] else right
                return self.tensor(tensor, None, node)  # x * scale: values change, the shape does not
            raise self.fail(node, f"calc cannot combine {folding.describe(left)} and {folding.describe(right)}")
        if isinstance(left, sp.Expr) or isinstance(right, sp.Expr):
            if not all(folding.is_number(v) or isinstance(v, sp.Expr) for v in (left, right)):
                raise self.fail(node, f"calc cannot combine {folding.describe(left)} and {folding.describe(right)}")
            combine = SYMPY_OPERATORS.get(type(node.op))
            if combine is None:
                raise self.fail(node, "calc follows + - * / // % on symbolic sizes")
            result = combine(sp.sympify(left), sp.sympify(right))
            return int(result) if result.is_Integer else result
        return folding.binary(node.op, left, right)

    def unary(self, node: ast.UnaryOp, operand: Any) -> Any:
        if isinstance(operand, (Tensor, Parameter)) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self.tensor(operand, None, node)
        if isinstance(operand, sp.Expr) and isinstance(node.op, ast.USub):
            return -operand
        return folding.unary(node.op, operand)

    def subscript(self, node: ast.Subscript, container: Any, position: Any) -> Any:
        if isinstance(container, (Tensor, Parameter)):
            return self.index_tensor(node, self.tensor(container, None, node), position)
        if isinstance(container, Container):
            return self.index_container(node, container, position)
        if isinstance(container, Opaque):
            return container
        if isinstance(container, States):
            return self.final_state(node, container, position)
        if isinstance(container, dict):
            if position not in container:
                raise self.fail(node, f"no key {position!r}{suggest(str(position), [str(k) for k in container])}")
            return container[position]
        return folding.index(container, position)

    def final_state(self, node: ast.AST, states: States, position: Any) -> Tensor:
        """h_n[-1]: the last layer's final state in one direction, the slice of the output that holds it."""
        count = states.layers * states.directions
        if isinstance(position, bool) or not isinstance(position, int) or not -count <= position < count:
            raise self.fail(node, f"calc follows h_n[i] with a whole number i from {-count} to {count - 1}")
        entry = position % count
        if entry < count - states.directions:
            raise self.fail(node, f"h_n[{position}] belongs to a lower layer, whose states the output does not hold")
        backward = states.directions == 2 and entry == count - 1
        step = self.emit(node, "select", {"dim": 1, "index": 0 if backward else -1}, [states.output], "getitem")
        if states.directions == 1:
            return step
        hidden = states.hidden
        bounds = {"start": hidden, "stop": 2 * hidden} if backward else {"start": 0, "stop": hidden}
        return self.emit(node, "slice", {"dim": -1, **bounds}, [step], "getitem")

    def index_container(self, node: ast.AST, container: Container, position: Any) -> Any:
        if container.kind == "ModuleDict":
            if position not in container.children:
                raise self.fail(node, f"{container.described} has no key {position!r}")
            return container.children[position]
        items = list(container.children.values())
        if isinstance(position, slice):
            chosen = folding.index(items, position)
            keys = folding.index(list(container.children), position)
            return Container(container.kind, dict(zip(keys, chosen)))
        return folding.index(items, position)

    def attribute(self, node: ast.Attribute, owner: Any) -> Any:
        name = node.attr
        if name.startswith("__"):
            raise self.fail(node, f"calc does not follow the attribute '{name}'")
        if isinstance(owner, TorchName):
            with self.at(node):
                return torch_names.member(owner, name)
        if isinstance(owner, Foreign):
            return Foreign(f"{owner.name}.{name}", "PyTorch")
        if isinstance(owner, Instance):
            return self.instance_attribute(node, owner, name)
        if isinstance(owner, ModuleClass):
            found, value = owner.attribute(name)
            if found:
                return value
            raise self.fail(node, f"{owner.described} has no class attribute '{name}'")
        if isinstance(owner, Tensor):
            if name == "shape":
                return (Batch(), *(self.size(s) for s in owner.shape))
            if name == "ndim":
                return len(owner.shape) + 1
            if name in ("dtype", "device", "is_cuda"):
                return Opaque(f"the {name} of a tensor")
            return Bound(owner, name)
        if isinstance(owner, Parameter):
            if name == "shape":
                return tuple(self.size(s) for s in owner.size)
            if name in ("data", "requires_grad"):
                return Opaque(f"the {name} of {owner.described}")
            return Bound(owner, name)
        if isinstance(owner, Leaf):
            if name in owner.kwargs:
                return owner.kwargs[name]
            if name in ("weight", "bias"):
                return Opaque(f"the {name} of {owner.described}")
            return Bound(owner, name)
        if isinstance(owner, (Container, list, dict)):
            return Bound(owner, name)
        if isinstance(owner, Opaque):
            return owner
        raise self.fail(node, f"calc does not follow the attribute '{name}' of {folding.describe(owner)}")

    def instance_attribute(self, node: ast.Attribute, owner: Instance, name: str) -> Any:
        if name in owner.attributes:
            return owner.attributes[name]
        if owner.cls.method(name) is not None:
            return Bound(owner, name)
        found, value = owner.cls.attribute(name)
        if found:
            return value
        if name == "training":
            return True  # a module is made in training mode
        if name in ("to", "cuda", "cpu", "train", "eval", "float", "double", "half", "modules", "children", "apply"):
            return Bound(owner, name)
        if name in SCRIPT_METHODS:
            return Bound(owner, name)
        known = [*owner.attributes, *owner.cls.methods]
        raise self.fail(node, f"{owner.described} has no attribute '{name}' set before this line{suggest(name, known)}")

    def size(self, value: sp.Expr) -> Any:
        return int(value) if value.is_Integer else value

    # -- Calls ----------------------------------------------------------------------------

    def call(self, node: ast.Call) -> Any:
        if is_super_init(node):
            return self.super_init(node)
        function = self.evaluate(node.func)
        args, kwargs = self.arguments(node)
        with self.at(node):
            return self.dispatch(node, function, args, kwargs)

    def dispatch(self, node: ast.Call, function: Any, args: list, kwargs: dict) -> Any:
        if isinstance(function, TorchName):
            return self.torch_call(node, function, args, kwargs)
        if isinstance(function, ModuleClass):
            return self.instantiate(node, function, args, kwargs)
        if is_module(function):
            return self.module_call(node, function, args, kwargs)
        if isinstance(function, Bound):
            return self.method_call(node, function, args, kwargs)
        if isinstance(function, Opaque):  # optimizer.step(): training code, passed around unread
            return function
        return self.plain_call(node, function, args, kwargs)

    def super_init(self, node: ast.Call) -> None:
        """``super().__init__()``: the next class's __init__ up from the class whose __init__ runs (nn.Module's
        takes no arguments)."""
        if not self.initialising or self.initialising[-1][0].initialised and self.initialising[-1][1].base is None:
            raise self.fail(node, "calc follows super().__init__() once, inside the __init__ of a module class")
        self.items(node.func.value.args)  # super(Net, self): the names must exist
        instance, cls = self.initialising[-1]
        parent = cls.base
        while parent is not None and "__init__" not in parent.methods:
            parent = parent.base
        args, kwargs = self.arguments(node)
        if parent is None:
            if cls.sequential:  # nn.Sequential.__init__(*modules): its children 0, 1, ...
                children = self.container(node, "Sequential", args, kwargs).children
            elif args or kwargs:
                raise self.fail(node, "nn.Module.__init__() takes no arguments")
            instance.initialised = True
            if cls.sequential:
                instance.attributes.update(children)
            return None
        self.initialising.append((instance, parent))
        try:
            self.function_call(node, parent.methods["__init__"], [instance, *args], kwargs)
        finally:
            self.initialising.pop()
        return None

    def instantiate(self, node: ast.Call, cls: ModuleClass, args: list, kwargs: dict) -> Instance:
        """``Net(...)``: its ``__init__`` read with ``self`` bound (the nearest one up the classes)."""
        if self.tracing:
            raise self.fail(node, "forward() must not make modules; make them in __init__")
        instance = Instance(cls)
        owner: ModuleClass | None = cls
        while owner is not None and "__init__" not in owner.methods:
            owner = owner.base
        if owner is None:
            if args or kwargs:
                raise self.fail(node, f"{cls.name}() takes no arguments (it has no __init__)")
            instance.initialised = True
            return instance
        self.initialising.append((instance, owner))
        try:
            self.function_call(node, owner.methods["__init__"], [instance, *args], kwargs)
        finally:
            self.initialising.pop()
        if not instance.initialised:
            raise self.fail(node, f"{cls.name}.__init__() never calls super().__init__() (PyTorch requires it)")
        return instance

    def torch_call(self, node: ast.Call, function: TorchName, args: list, kwargs: dict) -> Any:
        path = function.path
        if path[:2] == ("torch", "nn") and len(path) == 3:
            return self.nn_call(node, path[2], args, kwargs)
        if path[:3] == ("torch", "nn", "init") or path[0] == "typing":
            return None  # initialisation changes values only
        if path == ("collections", "OrderedDict"):
            pairs = args[0] if args else []
            if kwargs or len(args) > 1 or not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in pairs):
                raise self.fail(node, "calc reads OrderedDict([(name, module), ...]) only")
            return {key: value for key, value in pairs}
        if path[0] == "math":
            if kwargs or len(args) != 1 or not folding.is_number(args[0]):
                raise self.fail(node, f"calc folds {function}() of one number only")
            import math

            return folding.checked(getattr(math, path[1])(args[0]))
        if len(path) > 1 and path[1] in torch_names.TRAINING:
            return Opaque(f"{function}() (training code, which calc does not run)")
        name = path[-1]
        if name in ("zeros", "ones", "randn", "rand", "empty"):
            return self.values(node, args, kwargs)
        return self.operation(node, name, args, kwargs)

    def values(self, node: ast.Call, args: list, kwargs: dict) -> Values:
        sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
        if not sizes or not all(is_size(s) for s in sizes):
            raise self.fail(node, "calc reads torch.zeros/ones/randn with whole-number sizes only")
        return Values(tuple(sp.sympify(s) for s in sizes))

    def nn_call(self, node: ast.Call, name: str, args: list, kwargs: dict) -> Any:
        where = self.where(node)
        if self.tracing:
            raise self.fail(node, "forward() must not make modules; make them in __init__")
        if name == "Module":
            raise self.fail(node, "nn.Module() is a base class; make a module of a class of yours or of torch.nn")
        if name == "Parameter":
            data = kwargs.pop("data", args[0] if args else None)
            kwargs.pop("requires_grad", None)
            if not isinstance(data, Values) or kwargs or len(args) > 2:
                raise self.fail(node, "calc reads nn.Parameter(torch.zeros(...)) (or ones, randn, empty)")
            return Parameter(data.size, where)
        if name in ("Sequential", "ModuleList", "ModuleDict"):
            return self.container(node, name, args, kwargs)
        if name in TRANSFORMER:
            return self.transformer(node, name, args, kwargs)
        if name not in REGISTRY:
            known = suggest(name, list(REGISTRY))
            raise self.fail(node, f"calc does not model nn.{name}{known}; the layers it models are listed in its docs")
        cls = REGISTRY[name]
        order = POSITIONAL.get(name) or tuple(
            p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "options")
        )
        given = self.bind(node, f"nn.{name}", order, args, kwargs)
        for key, value in given.items():
            if isinstance(value, (Tensor, Parameter, Batch, Opaque)) or is_module(value):
                raise self.fail(node, f"nn.{name}'s '{key}' must be a plain value, not {folding.describe(value)}")
        construct(cls, {k: v for k, v in given.items()})  # PyTorch's checks of the arguments, here and now
        return Leaf(name, given, where)

    def container(self, node: ast.Call, kind: str, args: list, kwargs: dict) -> Container:
        if kwargs:
            raise self.fail(node, f"nn.{kind} takes its modules as arguments, not keywords")
        if kind == "Sequential" and len(args) == 1 and isinstance(args[0], dict):
            children = dict(args[0])
        elif kind == "Sequential":
            children = {str(i): module for i, module in enumerate(args)}
        elif kind == "ModuleList":
            items = args[0] if args else []
            if len(args) > 1 or not isinstance(items, (list, tuple, Container)):
                raise self.fail(node, "nn.ModuleList takes one list of modules")
            items = list(items.children.values()) if isinstance(items, Container) else items
            children = {str(i): module for i, module in enumerate(items)}
        else:
            items = args[0] if args else {}
            if len(args) > 1 or not isinstance(items, dict):
                raise self.fail(node, "nn.ModuleDict takes one dict of modules")
            children = dict(items)
        for key, module in children.items():
            if not is_module(module):
                raise self.fail(node, f"nn.{kind} holds modules, not {folding.describe(module)} (at '{key}')")
            if not isinstance(key, str) or not MODULE_KEY.match(key):
                shown = repr(key)[:40]
                raise self.fail(node, f"calc reads module names of letters, digits and _ (up to 64), got {shown}")
        return Container(kind, children)

    def method_call(self, node: ast.Call, bound: Bound, args: list, kwargs: dict) -> Any:
        owner, name = bound.owner, bound.name
        if owner is None and name == "isinstance":
            return self.is_instance(node, args)
        if is_module(owner) and name in ("modules", "children") and not args and not kwargs:
            return submodules(owner, name == "modules")
        if isinstance(owner, Instance):
            method = owner.cls.method(name)
            if method is not None:
                return self.function_call(node, method, [owner, *args], kwargs)
            if name in ("to", "cuda", "cpu", "train", "eval", "float", "double", "half"):
                return owner  # model.to(device), model.eval(): the same model
            if name == "apply" and len(args) == 1 and not kwargs:  # self.apply(self._init_weights)
                for module in reversed(submodules(owner, True)):  # as PyTorch: the modules below first
                    self.dispatch(node, args[0], [module], {})
                return owner
            if name in SCRIPT_METHODS:
                return Opaque(f"{name}() of {owner.described} (training code, which calc does not run)")
            raise self.fail(node, f"calc does not follow {name}() of a module: set the modules out in __init__")
        if isinstance(owner, (Tensor, Parameter)):
            return self.tensor_method(node, owner, name, args, kwargs)
        if isinstance(owner, Leaf):
            raise self.fail(node, f"calc does not follow the method '{name}' of {owner.described}")
        if isinstance(owner, list) and name in ("append", "extend") and len(args) == 1 and not kwargs:
            owner.extend(args[0] if name == "extend" else [args[0]])
            if len(owner) > folding.MAX_ITEMS:
                raise self.fail(node, f"more than {folding.MAX_ITEMS:,} items")
            return None
        if isinstance(owner, dict) and name in ("items", "keys", "values") and not args and not kwargs:
            return list(getattr(owner, name)())
        if isinstance(owner, Container):
            return self.container_method(node, owner, name, args, kwargs)
        raise self.fail(node, f"calc does not follow {bound.described}")

    def container_method(self, node: ast.Call, owner: Container, name: str, args: list, kwargs: dict) -> Any:
        if self.tracing:
            raise self.fail(node, f"forward() must not change {owner.described}")
        if owner.kind in ("ModuleList", "Sequential") and name in ("append", "extend") and len(args) == 1:
            items = args[0] if name == "extend" else [args[0]]
            items = list(items.children.values()) if isinstance(items, Container) else items
            for module in items:
                if not is_module(module):
                    raise self.fail(node, f"nn.{owner.kind} holds modules, not {folding.describe(module)}")
                owner.children[str(len(owner.children))] = module
            return owner
        if owner.kind == "ModuleDict" and name in ("items", "keys", "values") and not args:
            return list(getattr(owner.children, name)())
        raise self.fail(node, f"calc does not follow {owner.described}.{name}()")

    # -- Modules in forward() -------------------------------------------------------------

    def module_call(self, node: ast.Call, module: Any, args: list, kwargs: dict) -> Any:
        if not self.tracing:  # output = model(images) in a script: calc traces the model itself
            return Opaque("a model's output outside forward() (calc traces the model on --input-shape)")
        if module.name is None:
            raise self.fail(
                node,
                f"{module.described} is not registered with the model (a plain list or a local variable hides "
                "it from PyTorch, and its parameters from model.parameters()): use nn.ModuleList or self.name",
            )
        self.list_rows(module.name)
        kind = module.cls if isinstance(module, Leaf) else module.kind if isinstance(module, Container) else None
        entry = [module.name, kind or module.cls.name, module.name.count(".") + 1]
        self.module_calls.append(entry)
        self.opened.append(module.name)
        try:
            result = self.forward(node, module, args, kwargs) if isinstance(module, Instance) else None
            if isinstance(module, Container):
                if module.kind != "Sequential":
                    raise self.fail(
                        node, f"{module.described} is not callable (PyTorch refuses it too); call its modules"
                    )
                result = self.sequence(node, module, list(module.children.values()), args, kwargs)
            elif isinstance(module, Leaf):
                result = self.leaf_call(node, module, args, kwargs)
        finally:
            self.opened.pop()
        entry.append(first_tensor(result))
        return result

    def list_rows(self, name: str) -> None:
        """The ModuleLists and ModuleDicts above a module, which are never called themselves: a row of their
        own where their first module is called (torchinfo shows them so), as deep as their path is long."""
        parts = name.split(".")
        for end in range(1, len(parts)):
            path = ".".join(parts[:end])
            container = self.named.get(path)
            listing = isinstance(container, Container) and container.kind != "Sequential"
            if listing and path not in self.opened and path not in self.listed:
                self.listed.add(path)
                self.module_calls.append([path, container.kind, end, None])

    def sequence(self, node: ast.Call, owner: Any, modules: list, args: list, kwargs: dict) -> Any:
        """nn.Sequential (or a subclass) called: its modules in turn, on one tensor."""
        if len(args) != 1 or kwargs:
            raise self.fail(node, f"{owner.described} is called on one tensor")
        value = args[0]
        for child in modules:
            value = self.module_call(node, child, [value], {})
        return value

    def forward(self, node: ast.Call, instance: Instance, args: list, kwargs: dict) -> Any:
        if instance.cls.name in TRANSFORMER and not instance.cls.methods:
            return self.transformer_forward(node, instance, args, kwargs)
        method = instance.cls.method("forward")
        if method is None and instance.cls.sequential:
            return self.sequence(
                node, instance, [v for v in instance.attributes.values() if is_module(v)], args, kwargs
            )
        if method is None:
            raise self.fail(node, f"{instance.described} has no forward()")
        if instance.tracing:
            raise self.fail(node, f"{instance.described} calls itself")
        instance.tracing = True
        try:
            return self.function_call(node, method, [instance, *args], kwargs)
        finally:
            instance.tracing = False

    def leaf_call(self, node: ast.Call, leaf: Leaf, args: list, kwargs: dict) -> Any:
        ignored = {"need_weights", "average_attn_weights"} if leaf.cls == "MultiheadAttention" else set()
        if set(kwargs) - ignored or not args:
            raise self.fail(node, f"calc calls {leaf.described} on tensors only (no keyword arguments)")
        inputs = [self.tensor(value, None, node) for value in args]
        if leaf.cls in RECURRENT and len(inputs) > 1:
            raise self.fail(node, f"calc follows {leaf.described} from a zero initial state (one input)")
        if leaf.cls == "MultiheadAttention" and len(inputs) != 3:
            raise self.fail(node, "calc calls nn.MultiheadAttention on (query, key, value)")
        refs = [t.ref for t in inputs]
        if leaf.calls == 0:
            layer = construct(REGISTRY[leaf.cls], dict(leaf.kwargs))
            leaf.layer = layer
            entry = {
                leaf.cls: {"name": leaf.name, **{k: spec_value(v) for k, v in leaf.kwargs.items()}, "inputs": refs}
            }
            ref = leaf.name
        else:
            layer = leaf.layer
            entry = {leaf.name: {"inputs": refs}}  # type: ignore[dict-item]  # a called-again leaf has its name
            ref = f"{leaf.name}[{leaf.calls}]"
        result = layer.build_many([t.shape for t in inputs], self.env)
        leaf.calls += 1
        self.entries.append(entry)
        self.places.setdefault(leaf.name, str(self.where(node)))
        out = Tensor(ref, tuple(result.output_shape))
        if leaf.cls in RECURRENT:
            layers = leaf.kwargs.get("num_layers", 1)
            directions = 2 if leaf.kwargs.get("bidirectional", False) else 1
            states = States(out, layers, directions, leaf.kwargs.get("hidden_size"), leaf.described)
            if leaf.cls == "LSTM":
                cell = Opaque(f"the final cell states of {leaf.described} (calc follows its output and h_n)")
                return out, (states, cell)
            return out, states
        if leaf.cls == "MultiheadAttention":
            return out, Opaque(f"the attention weights of {leaf.described}")
        return out

    # -- The model ------------------------------------------------------------------------

    def chosen(self, text: str | None) -> Instance | Container:
        """--model NAME or a constructor call, else the one module-level instance, else the one class that no
        other class of the file names."""
        if text is not None:
            if len(text) > MAX_MODEL_TEXT:
                raise CalcError(f"--model is longer than {MAX_MODEL_TEXT} characters")
            try:
                expression = ast.parse(text.strip(), mode="eval").body
            except SyntaxError:
                raise CalcError(f"--model must be a class name or a call such as 'Net(10)', got {text!r}") from None
            value = self.evaluate(expression)
            if isinstance(value, ModuleClass):
                value = self.instantiate(expression, value, [], {})
            if not isinstance(value, Instance) and not (isinstance(value, Container) and value.kind == "Sequential"):
                raise CalcError(f"--model {text!r} is {folding.describe(value)}, not a module of a class of the file")
            return value
        instances = []
        for value in self.scopes[0].values():
            model = isinstance(value, Instance) or (isinstance(value, Container) and value.kind == "Sequential")
            if model and value not in instances:
                instances.append(value)
        if len(instances) == 1:
            return instances[0]
        names = [name for name, value in self.scopes[0].items() if any(value is i for i in instances)]
        if len(instances) > 1:
            raise CalcError(f"the file makes several models ({', '.join(names)}); choose one with --model NAME")
        classes = {name: value for name, value in self.scopes[0].items() if isinstance(value, ModuleClass)}
        used = {  # names other classes use (a class names itself in super(Net, self))
            n.id
            for owner, cls in classes.items()
            for function in cls.methods.values()
            for n in ast.walk(function.node)
            if isinstance(n, ast.Name) and n.id != owner
        } | {cls.base.name for cls in classes.values() if cls.base is not None}
        top = [name for name in classes if name not in used]
        if not classes:
            raise CalcError("the file defines no model: calc reads classes of nn.Module (class Net(nn.Module): ...)")
        if len(top) != 1:
            listed = ", ".join(top or classes) or "none"
            raise CalcError(f"choose the model with --model NAME or --model 'Net(...)' (classes: {listed})")
        return self.instantiate(ast.Name(id=top[0]), classes[top[0]], [], {})

    def trace(self, root: Instance | Container, shapes: list) -> dict:
        """forward() on tensors of ``shapes``: the spec of every call, in order."""
        for item in name_modules(root):
            self.taken.add(item.name)
            self.named[item.name] = item
        if isinstance(root, Container):
            return self.trace_sequence(root, shapes)
        forward = root.cls.method("forward")
        if forward is None:
            raise CalcError(f"{root.described} has no forward()")
        parameters = [a.arg for a in forward.node.args.args[1:]]
        needed = [p for p in parameters if p not in forward.defaults]
        if not needed or len(shapes) not in range(len(needed), len(parameters) + 1):
            raise CalcError(
                f"{root.cls.name}.forward() takes {len(needed)} input{'s' * (len(needed) != 1)} "
                f"({', '.join(needed)}); --input-shape gave {len(shapes)} (separate several with ';')"
            )
        names = parameters[: len(shapes)]
        for name in names:
            if not INPUT_NAME.match(name) or name in self.taken:
                raise CalcError(f"the input '{name}' of forward() has the name of a module; rename it")
            self.taken.add(name)
        self.first_input = names[0]
        inputs = [Tensor(name, shape) for name, shape in zip(names, shapes)]
        self.tracing = True
        root.tracing = True
        call = ast.Call(func=ast.Name(id="forward"), args=[], keywords=[], lineno=forward.node.lineno, col_offset=0)
        top = [root.cls.name, root.cls.name, 0]
        self.module_calls.append(top)
        try:
            result = self.function_call(call, forward, [root, *inputs], {})
        finally:
            root.tracing = self.tracing = False
        top.append(first_tensor(result))
        outputs = list(result.values()) if isinstance(result, dict) else result
        outputs = list(outputs) if isinstance(outputs, (tuple, list)) else [outputs]
        if not outputs or not all(isinstance(t, (Tensor, Parameter)) for t in outputs):
            raise CalcError(f"{root.cls.name}.forward() must return tensors, got {folding.describe(result)}")
        refs = [self.tensor(t, None, call).ref for t in outputs]
        for item in name_modules(root):  # parameters never read still count, as model.parameters() counts them
            if isinstance(item, Parameter) and item.row is None and not item.consumed:
                self.tensor(item, None, call)
        if not self.entries:
            raise CalcError(f"{root.cls.name}.forward() calls no layer and no operation")
        return self.spec(root.cls.name, names, shapes, refs, call)

    def trace_sequence(self, root: Container, shapes: list) -> dict:
        """A model that is an nn.Sequential made at the module's top level: its modules in turn."""
        if len(shapes) != 1:
            raise CalcError(f"an nn.Sequential takes one input; --input-shape gave {len(shapes)}")
        self.taken.add("input")
        self.first_input = "input"
        call = ast.Call(func=ast.Name(id="forward"), args=[], keywords=[], lineno=1, col_offset=0)
        top = ["Sequential", "Sequential", 0]
        self.module_calls.append(top)
        self.tracing = True
        try:
            result = self.sequence(call, root, list(root.children.values()), [Tensor("input", shapes[0])], {})
        finally:
            self.tracing = False
        top.append(result)
        if not self.entries:
            raise CalcError("the nn.Sequential holds no module")
        return self.spec("Sequential", ["input"], shapes, [result.ref], call)

    def spec(self, model: str, names: list[str], shapes: list, refs: list[str], call: ast.Call) -> dict:
        """The pytorch-dialect spec of what was traced, with the tree of module calls for --style torchinfo."""
        return {
            "dialect": "pytorch",
            "name": model,
            "inputs": {name: [spec_value(s) for s in shape] for name, shape in zip(names, shapes)},
            "layers": self.entries,
            "outputs": refs,
            "module_calls": [
                [name, kind, depth, None if tensor is None else self.tensor(tensor, None, call).ref]
                for name, kind, depth, tensor in self.module_calls
            ],
        }


def submodules(module: Any, deep: bool) -> list:
    """module.modules() (itself and every module under it, each once, as PyTorch lists them) or children()."""
    if not deep:
        return [child for _, child in children(module) if is_module(child)]
    found: list = []

    def visit(item: Any) -> None:
        if not any(item is seen for seen in found):
            found.append(item)
            for child in submodules(item, False):
                visit(child)

    visit(module)
    return found


def first_tensor(value: Any) -> Any:
    """The tensor a module call gives, as torchinfo shows it: the first of a tuple (an LSTM's output), the
    last value of a dict; None when there is none."""
    while isinstance(value, (tuple, list, dict)) and value:
        value = list(value.values())[-1] if isinstance(value, dict) else value[0]
    return value if isinstance(value, (Tensor, Parameter)) else None
