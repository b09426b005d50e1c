"""Keras model-building code, read with ``ast``: never imported, never executed.

The reader walks the statements in order and evaluates a small, closed language: literals and the
arithmetic on them (``folding``), names assigned earlier, imports of keras / tensorflow.keras (checked
name by name against calc's own table of Keras's API, ``keras_names``, never looked up in Python),
layer constructors, ``Sequential``, ``keras.Input``, ``keras.Model``, layer calls on tensors,
``model.add`` / ``build`` / ``summary`` (``keras_objects.Session`` does what Keras would), functions
defined in the file (read at each call, their arguments bound), subclassed models (``class Net(keras.Model)``,
read through ``keras_classes``: ``__init__`` when made, ``call`` when given an input), and
``if __name__ == "__main__":``.
Everything else — loops, conditionals, calls of anything unknown, attributes outside Keras's API — stops
the reader with the line, the column and a suggestion. Every cost is capped: expression nesting, call
depth, and the number of things evaluated in all.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from calc.errors import CalcError, quote
from calc.importers import folding, keras_api, keras_names
from calc.importers.entries import check_modelled, name_unknown_sizes
from calc.importers.keras_classes import BASES, REFUSED_METHODS, Instance, Method, ModelClass
from calc.importers.keras_graph import freeze, model_spec, modelled_layers, parts
from calc.importers.keras_names import KerasName
from calc.importers.keras_objects import Functional, Input, Layer, Sequential, Session, Tensor, Where
from calc.importers.python_source import REFUSED, Foreign, Function, SourceReader, is_super_init, parse
from calc.layers.base import suggest

#: Model methods that change nothing calc counts (training, saving, printing): not even their arguments are read.
IGNORED_METHODS = {"compile", "fit", "evaluate", "predict", "save", "save_weights", "load_weights", "export"}
IGNORED_METHODS |= {"summary", "count_params", "get_config", "to_json"}


def spec_from_source(text: str) -> dict:
    """The spec of the model that Keras source code builds (refused whole if a layer is not modelled)."""
    return read_source(text)[0]


def read_source(text: str) -> tuple[dict, dict[str, str]]:
    """The spec, and where in the code each of the model's own layers is made ('line 7, column 5'): a
    problem found later, when shapes are worked out, can then point at the line to change."""
    tree = parse(text)
    reader = _Reader()
    reader.run(tree)
    try:
        model = reader.chosen()
        check_modelled(modelled_layers(model))
        places = {part.name: str(part.where) for part in parts(model)}
        return name_unknown_sizes(model_spec(model, top=True, convert=spec_value)), places
    except RecursionError:
        raise CalcError("the code is nested too deeply to read") from None


@dataclass(frozen=True)
class Placeholder:
    """What a call in a namespace that changes nothing calc counts gives: ``keras.regularizers.l2(1e-4)``."""

    spec_text: str
    described = "a Keras setting"


@dataclass(frozen=True)
class Unread:
    """What training, evaluating or loading data gives (``history = model.fit(...)``): never computed.

    A script's other lines may pass it around (print it, index it, unpack it); a model may not use it.
    """

    origin: str

    @property
    def described(self) -> str:
        return f"a value from {self.origin}, which calc does not run"


class _Reader(SourceReader):
    """The shared evaluator (``python_source``) with Keras's meaning for imports, attributes, calls and classes."""

    def __init__(self) -> None:
        super().__init__()
        self.star: list[KerasName] = []  # from keras.layers import *
        self.session = Session()
        self.instances: list[Instance] = []  # objects of the file's classes, in the order made
        self.initialising: list[Instance] = []  # whose __init__ is being read (for super().__init__())

    # -- Hooks of the shared evaluator -------------------------------------------------------

    def import_names(self, node: ast.Import) -> None:
        for alias in node.names:
            with self.at(node):
                module = keras_names.module(alias.name)
            if alias.asname:
                self.scopes[-1][alias.asname] = module or Foreign(alias.name)
            else:  # import a.b binds a
                top = alias.name.split(".")[0]
                self.scopes[-1][top] = keras_names.module(top) or Foreign(top)

    def star_member(self, name: str) -> tuple[bool, Any]:
        for namespace in reversed(self.star):
            if name in keras_names.members(namespace):
                return True, keras_names.member(namespace, name)
        return False, None

    def unpacked(self, target: ast.expr, value: Any) -> list | tuple:
        if isinstance(value, Unread):  # (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
            return [value] * len(target.elts)
        return super().unpacked(target, value)

    def binary(self, node: ast.BinOp, left: Any, right: Any) -> Any:
        unread = next((v for v in (left, right) if isinstance(v, Unread)), None)
        return unread or folding.binary(node.op, left, right)

    def unary(self, node: ast.UnaryOp, operand: Any) -> Any:
        return operand if isinstance(operand, Unread) else folding.unary(node.op, operand)

    def subscript(self, node: ast.Subscript, container: Any, position: Any) -> Any:
        return container if isinstance(container, Unread) else folding.index(container, position)

    def assign_other(self, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Attribute) and isinstance(owner := self.evaluate(target.value), Instance):
            if target.attr.startswith("__") or target.attr in ("trainable", "name", "layers"):
                raise self.fail(target, f"calc does not follow setting '{target.attr}' of {owner.described}")
            owner.attributes[target.attr] = value  # self.conv = layers.Conv2D(...)
        elif isinstance(target, ast.Attribute) and target.attr == "trainable":
            if not isinstance(owner, (Layer, Sequential, Functional)) or not isinstance(value, bool):
                raise self.fail(target, "calc follows 'x.trainable = True/False' only on layers and models")
            with self.at(target):
                freeze(owner, value)
        else:
            raise self.fail(target, "calc follows assignments to plain names (and x.trainable = False) only")

    def import_from(self, node: ast.ImportFrom) -> None:
        if node.level:
            raise self.fail(node, "calc does not follow relative imports; paste the model code into one file")
        with self.at(node):
            base = keras_names.module(node.module or "")
        for alias in node.names:
            if alias.name == "*":
                if base is None:
                    raise self.fail(node, f"calc does not follow 'from {node.module} import *'")
                self.star.append(base)
                continue
            with self.at(node):
                value = keras_names.member(base, alias.name) if base else Foreign(f"{node.module}.{alias.name}")
            self.scopes[-1][alias.asname or alias.name] = value

    def define_class(self, node: ast.ClassDef) -> None:
        """``class Net(keras.Model):`` with methods only; they are read when the model is made and traced."""
        refused = REFUSED
        if node.decorator_list or node.keywords or len(node.bases) != 1:
            raise self.fail(node, f"{refused} reads classes with one base (keras.Model), no decorators or keywords")
        base = self.evaluate(node.bases[0])
        kind = BASES.get(base.path) if isinstance(base, KerasName) else None
        if kind is None:
            raise self.fail(
                node.bases[0],
                f"{refused} reads classes of keras.Model or keras.layers.Layer only, not {folding.describe(base)}",
            )
        methods: dict[str, Function] = {}
        for item in node.body:
            docstring = isinstance(item, ast.Expr) and isinstance(item.value, ast.Constant)
            if isinstance(item, ast.Pass) or (docstring and isinstance(item.value.value, str)):
                continue
            if not isinstance(item, ast.FunctionDef):
                raise self.fail(item, f"{refused} reads only methods in a class (no class attributes or properties)")
            if item.name in REFUSED_METHODS:
                raise self.fail(item, f"{refused} does not read {item.name}(): {REFUSED_METHODS[item.name]}")
            if item.name.startswith("__") and item.name != "__init__":
                raise self.fail(item, f"{refused} does not read the method '{item.name}'")
            function = self.function(item)
            if not item.args.args:
                raise self.fail(item, f"the method '{item.name}' takes no 'self'")
            methods[item.name] = function
        if "call" not in methods:
            raise self.fail(node, f"the class '{node.name}' has no call() method: calc traces a model through call()")
        self.scopes[-1][node.name] = ModelClass(node.name, kind, methods)

    def chosen(self) -> Sequential | Functional:
        """The model the code is about; a subclassed one once it has been given its input."""
        summarized = self.session.summarized
        unbuilt = [instance for instance in self.instances if instance.graph is None and instance.cls.base == "Model"]
        if isinstance(summarized, Instance) or (not self.session.models and unbuilt):
            instance = summarized if isinstance(summarized, Instance) else unbuilt[-1]
            if instance.graph is None:
                raise CalcError(
                    f"the model '{instance.name}' never gets its input: call model.build((None, ...)) "
                    "or call it on keras.Input(shape=(...))"
                )
            self.session.summarized = instance.graph
        top = [model for model in self.session.models if id(model) not in self.session.nested]
        traced = [instance.graph for instance in self.instances if instance.graph and instance.cls.base == "Model"]
        if self.session.summarized is None and not top and traced:  # outputs = model(inputs), nothing more
            self.session.summarized = traced[-1]
        model = self.session.chosen()
        if isinstance(model, Functional) and any(tensor.origin.shape is None for tensor in model.inputs):
            raise CalcError(
                f"the model '{model.name}' was only called inside another model; summarise that one, "
                "or give it its input with model.build((None, ...))"
            )
        return model

    def attribute(self, node: ast.Attribute, owner: Any) -> Any:
        name = node.attr
        if isinstance(owner, Instance) and not name.startswith("__"):
            if name in owner.attributes:
                return owner.attributes[name]
            if name in owner.cls.methods:
                return Method(owner, owner.cls.methods[name])
            if name == "name":
                return owner.name
            known = [*owner.attributes, *owner.cls.methods]
            message = f"{owner.described} has no attribute '{name}' set before this line{suggest(name, known)}"
            raise self.fail(node, message)
        if name.startswith("_"):
            raise self.fail(node, f"calc does not follow the attribute '{name}'")
        if isinstance(owner, Unread):
            return owner
        if isinstance(owner, Foreign):  # numpy.zeros: refused where it is called or used
            return Foreign(f"{owner.name}.{name}")
        if isinstance(owner, KerasName):
            return keras_names.member(owner, name)
        if isinstance(owner, Functional) and name in ("input", "inputs", "output", "outputs"):
            tensors = owner.inputs if name.startswith("input") else owner.outputs
            if name.endswith("s"):
                return list(tensors)
            if len(tensors) != 1:
                raise self.fail(node, f"model '{owner.name}' has {len(tensors)} {name}s; use .{name}s[i]")
            return tensors[0]
        if isinstance(owner, (Layer, Sequential, Functional)) and name == "name":
            return owner.name
        raise self.fail(node, f"calc does not follow the attribute '{name}' of {folding.describe(owner)}")

    # -- Calls ----------------------------------------------------------------------------

    def call(self, node: ast.Call) -> Any:
        if is_super_init(node):
            return self.super_init(node)
        if isinstance(node.func, ast.Attribute) and not node.func.attr.startswith("_"):
            owner = self.evaluate(node.func.value)
            if isinstance(owner, (Sequential, Functional, Layer, Tensor)):
                return self.method(node, owner, node.func.attr)
            if isinstance(owner, Instance) and node.func.attr not in (*owner.attributes, *owner.cls.methods, "name"):
                return self.instance_method(node, owner, node.func.attr)
            function = self.attribute(node.func, owner)
        else:
            function = self.evaluate(node.func)
        if isinstance(function, KerasName) and function.path in keras_names.HARMLESS:
            return None
        args, kwargs = self.arguments(node)
        where = self.where(node)
        if isinstance(function, Unread):  # history.history.keys(): nothing to compute
            return function
        if isinstance(function, KerasName):
            return self.keras_call(function, args, kwargs, where)
        if isinstance(function, (Layer, Sequential, Functional)):
            return self.session.call(function, args, kwargs, where)
        if isinstance(function, Method):
            return self.function_call(node, function.function, [function.instance, *args], kwargs)
        if isinstance(function, ModelClass):
            return self.instantiate(node, function, args, kwargs)
        if isinstance(function, Instance):
            return self.instance_call(node, function, args, kwargs)
        return self.plain_call(node, function, args, kwargs)

    def method(self, node: ast.Call, owner: Any, name: str) -> Any:
        if isinstance(owner, (Sequential, Functional)) and name in IGNORED_METHODS:
            if name == "summary":
                self.session.summarized = owner
            return Unread(f"{owner.name}.{name}()")
        args, kwargs = self.arguments(node)
        if isinstance(owner, Sequential) and name == "add" and len(args) == 1 and not kwargs:
            return self.session.add(owner, args[0])
        if isinstance(owner, Sequential) and name == "build":
            return self.session.build(owner, args, kwargs, self.where(node))
        raise self.fail(node, f"calc does not follow the method '{name}' of {folding.describe(owner)}")

    # -- Subclassed models ----------------------------------------------------------------

    def instantiate(self, node: ast.Call, cls: ModelClass, args: list, kwargs: dict) -> Instance:
        """``Net(...)``: its ``__init__`` read with ``self`` bound; Keras names the model in super().__init__()."""
        instance = Instance(cls)
        self.instances.append(instance)
        if "__init__" not in cls.methods:  # Keras's own __init__: name= and trainable= only
            self.initialising.append(instance)
            try:
                self.name_instance(node, instance, args, kwargs)
            finally:
                self.initialising.pop()
            return instance
        self.initialising.append(instance)
        try:
            self.function_call(node, cls.methods["__init__"], [instance, *args], kwargs)
        finally:
            self.initialising.pop()
        if not instance.initialised:
            raise self.fail(node, f"{cls.name}.__init__() never calls super().__init__() (Keras requires it)")
        return instance

    def super_init(self, node: ast.Call) -> None:
        if not self.initialising or self.initialising[-1].initialised:
            raise self.fail(node, "calc follows super().__init__() once, inside the __init__ of a Keras class")
        self.items(node.func.value.args)  # super(Net, self): the names must exist
        args, kwargs = self.arguments(node)
        self.name_instance(node, self.initialising[-1], args, kwargs)

    def name_instance(self, node: ast.Call, instance: Instance, args: list, kwargs: dict) -> None:
        unknown = sorted(set(kwargs) - {"name", "trainable", "dtype"})
        if args or unknown:
            raise self.fail(node, "calc reads super().__init__() with name=, trainable= and dtype= only")
        name = kwargs.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip() or "/" in name):
            raise self.fail(node, f"a model name must be a non-empty string without '/', got {quote(name)}")
        if kwargs.get("trainable") is False:
            raise self.fail(node, "calc does not follow trainable=False for a whole subclassed model")
        instance.name = name if name is not None else self.session.auto_name(instance.cls.name)
        instance.initialised = True

    def instance_method(self, node: ast.Call, instance: Instance, name: str) -> Any:
        """``model.build((None, 28, 28, 1))``, ``model.summary()``, ``model.compile(...)``."""
        if instance.cls.base == "Model" and name in IGNORED_METHODS:
            if name == "summary":
                self.session.summarized = instance
            return Unread(f"{instance.name}.{name}()")
        if instance.cls.base == "Model" and name == "build":
            args, kwargs = self.arguments(node)
            shape = kwargs.pop("input_shape", args[0] if len(args) == 1 else None)
            if kwargs or len(args) > 1 or shape is None:
                raise self.fail(node, "calc reads model.build((None, ...)) with one shape")
            with self.at(node):
                shape = folding.batch_shape(shape)
            self.trace(node, instance, Input("input_layer", shape, self.where(node)), {})
            return None
        known = [*instance.attributes, *instance.cls.methods]
        message = f"{instance.described} has no attribute '{name}' set before this line{suggest(name, known)}"
        raise self.fail(node, f"{message} (calc follows its build(), summary() and layers)")

    def instance_call(self, node: ast.Call, instance: Instance, args: list, kwargs: dict) -> Tensor:
        """``model(x)``: traced once through call() (a later call shares its layers), then used as a layer."""
        if len(args) != 1 or not isinstance(args[0], Tensor):
            raise self.fail(node, f"calc follows {instance.described} called on one tensor")
        if any(isinstance(value, (Tensor, list, tuple)) for value in kwargs.values()):
            raise self.fail(node, f"calc follows {instance.described} called with plain keyword values only")
        given = args[0].origin
        shape = given.shape if isinstance(given, Input) else None
        graph = self.trace(node, instance, Input("input_layer", shape, self.where(node)), kwargs)
        with self.at(node):
            return self.session.call(graph, args, {}, self.where(node))

    def trace(self, node: ast.Call, instance: Instance, given: Input, kwargs: dict) -> Functional:
        """Read call(self, inputs, training=None, ...) on a tensor of ``given``: the model's functional graph."""
        if instance.graph is not None:
            return instance.graph
        if instance.tracing:
            raise self.fail(node, f"{instance.described} calls itself")
        call = instance.cls.methods["call"]
        names = [a.arg for a in call.node.args.args + call.node.args.kwonlyargs]
        for keyword in ("training", "mask"):  # Keras passes these to call() when it takes them
            if keyword in names[2:] and keyword not in kwargs and keyword not in call.defaults:
                kwargs = {**kwargs, keyword: None}
        inputs = self.session.tensor(given, [])
        instance.tracing = True
        try:
            result = self.function_call(node, call, [instance, inputs], kwargs)
        finally:
            instance.tracing = False
        outputs = list(result) if isinstance(result, (tuple, list)) else [result]
        if not outputs or not all(isinstance(tensor, Tensor) for tensor in outputs):
            raise self.fail(node, f"the call() of {instance.described} must return tensors")
        instance.graph = Functional(instance.name, self.where(node), [inputs], outputs)
        self.session.models.append(instance.graph)
        return instance.graph

    def keras_call(self, function: KerasName, args: list, kwargs: dict, where: Where) -> Any:
        path = function.path
        if path in keras_names.SEQUENTIAL:
            return self.session.sequential(args, kwargs, where)
        if path in keras_names.MODEL:
            return self.session.functional(args, kwargs, where)
        if path == keras_names.INPUT:
            return self.session.tensor(self.session.input(args, kwargs, where, function=True), [])
        if (
            len(path) == 3 and path[:2] == ("keras", "layers") and path[2] in keras_api.MERGE_FUNCTIONS
        ):  # layers.add([a, b])
            inputs = kwargs.pop("inputs", args[0] if args else None)
            if len(args) > 1 or inputs is None:
                raise CalcError(f"layers.{path[2]}() takes the list of tensors to merge")
            layer = self.session.layer(keras_api.MERGE_FUNCTIONS[path[2]], [], kwargs, where)
            return self.session.call(layer, [inputs], {}, where)
        if path in keras_names.IMAGE_DATA_FORMAT:
            if args or kwargs:
                raise CalcError(f"{function}() takes no arguments")
            return "channels_last"
        if function.layer == "InputLayer":
            return self.session.input(args, kwargs, where, function=False)
        if function.layer is not None:
            return self.session.layer(function.layer, args, kwargs, where)
        if len(path) > 2 and path[0] == "keras" and path[1] in keras_names.NEUTRAL:
            return Placeholder(str(function))
        if path == ("keras", "utils", "to_categorical") or (len(path) > 2 and path[:2] == ("keras", "datasets")):
            return Unread(f"{function}()")
        if path[:2] == ("keras", "applications"):
            raise CalcError(
                f"calc does not build {function} (its layers are in Keras's code); "
                "save the model with model.to_json() and pass that file"
            )
        raise CalcError(f"calc does not call {function}")


def spec_value(value: Any) -> Any:
    """A folded value as spec data: tuples as lists, Keras names as text, a wrapper's layer as a mapping."""
    if isinstance(value, (tuple, list)):
        return [spec_value(item) for item in value]
    if isinstance(value, dict):
        return {key: spec_value(item) for key, item in value.items()}
    if isinstance(value, Layer):  # Bidirectional(LSTM(8)): the spec's one-key form
        return {value.cls: {"name": value.name, **{k: spec_value(v) for k, v in value.kwargs.items()}}}
    text = getattr(value, "spec_text", None)
    return value if text is None else text
