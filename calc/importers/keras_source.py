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
import builtins
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from calc.errors import CalcError, quote
from calc.importers import folding, keras_api, keras_names
from calc.importers.entries import check_modelled
from calc.importers.keras_classes import BASES, REFUSED_METHODS, Instance, Method, ModelClass, is_super_init
from calc.importers.keras_graph import freeze, model_spec, modelled_layers, parts
from calc.importers.keras_names import KerasName
from calc.importers.keras_objects import Functional, Input, Layer, Sequential, Session, Tensor, Where
from calc.layers.base import suggest

MAX_SOURCE = 1_000_000  # characters: model code is small; parsing is the one cost not capped below
MAX_DEPTH = 100  # nesting of expressions, counted across calls of the file's functions
MAX_CALL_DEPTH = 16  # functions of the file calling each other
MAX_STEPS = 500_000  # expressions evaluated in all
#: Model methods that change nothing calc counts (training, saving, printing): not even their arguments are read.
IGNORED_METHODS = {"compile", "fit", "evaluate", "predict", "save", "save_weights", "load_weights", "export"}
IGNORED_METHODS |= {"summary", "count_params", "get_config", "to_json"}
LOOP = "write each layer out, or use a calc spec file"
STATEMENT_ADVICE = {
    ast.AsyncFor: f"does not follow 'async for' loops: {LOOP}",
    ast.While: f"does not follow 'while' loops (it follows 'for' over a list, a tuple or range()): {LOOP}",
    ast.Break: "does not follow 'break' (a loop runs over all its items)",
    ast.Continue: "does not follow 'continue' (a loop runs over all its items)",
    ast.Try: "does not follow 'try' statements: keep only the model-building lines",
    ast.With: "does not follow 'with' statements: keep only the model-building lines",
    ast.AsyncWith: "does not follow 'with' statements: keep only the model-building lines",
    ast.AsyncFunctionDef: "does not read async functions",
}
EXPRESSION_ADVICE = {
    ast.Lambda: "does not read lambda functions (a Lambda layer's arithmetic is unknown to calc)",
    ast.SetComp: "does not follow comprehensions: write each item out",
    ast.DictComp: "does not follow comprehensions: write each item out",
    ast.GeneratorExp: "does not follow comprehensions: write each item out",
    ast.JoinedStr: "does not read f-strings: write the string out",
    ast.NamedExpr: "does not follow ':=': assign on a line of its own",
}


def spec_from_source(text: str) -> dict:
    """The spec of the model that Keras source code builds (refused whole if a layer is not modelled)."""
    return read_source(text)[0]


def read_source(text: str) -> tuple[dict, dict[str, str]]:
    """The spec, and where in the code each of the model's own layers is made ('line 7, column 5'): a
    problem found later, when shapes are worked out, can then point at the line to change."""
    if len(text) > MAX_SOURCE:
        raise CalcError(f"the code is {len(text):,} characters long; calc reads model code up to {MAX_SOURCE:,}")
    collecting = gc.isenabled()
    gc.disable()  # an AST has no cycles to collect; the collector would double the parse time
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        raise CalcError(
            f"not valid Python: {error.msg}", layer=str(Where(error.lineno or 1, error.offset or 1))
        ) from None
    except (ValueError, RecursionError, MemoryError) as error:
        reason = "it holds a NUL byte" if isinstance(error, ValueError) else "it is nested too deeply"
        raise CalcError(f"cannot read the code: {reason}") from None
    finally:
        if collecting:
            gc.enable()
    reader = _Reader()
    try:
        reader.block(tree.body)
        model = reader.chosen()
        check_modelled(modelled_layers(model))
        places = {part.name: str(part.where) for part in parts(model)}
        return model_spec(model, top=True, convert=spec_value), places
    except RecursionError:
        raise CalcError("the code is nested too deeply to read") from None


@dataclass(frozen=True)
class Foreign:
    """A name imported from outside Keras (numpy, sklearn): it may be imported, never used."""

    name: str

    @property
    def described(self) -> str:
        return f"'{self.name}' (outside Keras)"


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


@dataclass(eq=False)
class Function:
    """A function defined in the file; its defaults were evaluated where it was defined, as Python does."""

    node: ast.FunctionDef
    defaults: dict[str, Any]

    @property
    def described(self) -> str:
        return f"the function '{self.node.name}'"


@dataclass(frozen=True)
class Builtin:
    """One of Python's few pure built-ins the reader folds (``dict(padding="same")``, ``max(a, b)``), or print."""

    name: str

    @property
    def described(self) -> str:
        return f"Python's '{self.name}'"

    def apply(self, args: list, kwargs: dict) -> Any:
        if self.name == "print":  # print(model.summary()): the arguments were read, nothing more to do
            return None
        if self.name == "dict":
            if len(args) > 1 or (args and not isinstance(args[0], dict)):
                raise CalcError("calc folds dict() of keywords or of one dictionary only")
            return {**(args[0] if args else {}), **kwargs}
        if kwargs or not args:
            raise CalcError(f"calc folds {self.name}() of plain arguments only")
        if self.name == "range":
            return _range(args)
        if self.name in ("str", "len"):
            kinds, words = (
                ((int, float, str), "a number or a string")
                if self.name == "str"
                else ((str, tuple, list), "a string, a tuple or a list")
            )
            if len(args) != 1 or not isinstance(args[0], kinds):
                raise CalcError(f"calc folds {self.name}() of {words} only")
            return str(args[0]) if self.name == "str" else len(args[0])
        if self.name in ("tuple", "list"):
            if len(args) != 1 or not isinstance(args[0], (tuple, list)):
                raise CalcError(f"calc folds {self.name}() of a tuple or a list only")
            return tuple(args[0]) if self.name == "tuple" else list(args[0])
        values = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
        if not values or not all(folding.is_number(v) for v in values):
            raise CalcError(f"calc folds {self.name}() of numbers only")
        if self.name in ("int", "float", "abs") and len(values) == 1:
            return folding.checked(PURE_BUILTINS[self.name](values[0]))
        if self.name in ("min", "max"):
            return PURE_BUILTINS[self.name](values)
        raise CalcError(f"calc folds {self.name}() of one number only")


#: Python's built-ins that compute a plain value from plain values; every other built-in is refused.
PURE_BUILTINS = {
    "dict": dict,
    "tuple": tuple,
    "list": list,
    "int": int,
    "float": float,
    "abs": abs,
    "min": min,
    "max": max,
    "range": range,
    "str": str,
    "len": len,
}


def _range(args: list) -> tuple[int, ...]:
    """range(stop), range(start, stop) or range(start, stop, step), as the tuple of its values (capped)."""
    if not 1 <= len(args) <= 3 or not all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        raise CalcError("calc folds range() of one to three whole numbers only")
    if len(args) == 3 and args[2] == 0:
        raise CalcError("range() step must not be zero")
    values = range(*args)  # its length is known without making it (numbers are at most 10**18)
    if len(values) > folding.MAX_ITEMS:
        raise CalcError(f"range() would give more than {folding.MAX_ITEMS:,} values")
    return tuple(values)


class _Return(Exception):
    def __init__(self, value: Any):
        self.value = value


class _Reader:
    def __init__(self) -> None:
        self.scopes: list[dict[str, Any]] = [{}]  # the module's names, then the running function's
        self.star: list[KerasName] = []  # from keras.layers import *
        self.session = Session()
        self.steps = 0
        self.nesting = 0
        self.instances: list[Instance] = []  # objects of the file's classes, in the order made
        self.initialising: list[Instance] = []  # whose __init__ is being read (for super().__init__())

    @staticmethod
    def where(node: ast.AST) -> Where:
        return Where(getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1)

    def fail(self, node: ast.AST, message: str) -> CalcError:
        return CalcError(message, layer=str(self.where(node)))

    @contextmanager
    def at(self, node: ast.AST) -> Iterator[None]:
        """Errors raised without a place (folding, Keras's objects) get this node's line and column."""
        try:
            yield
        except CalcError as error:
            raise error.within(layer=str(self.where(node))) from None

    # -- Statements -----------------------------------------------------------------------

    def block(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Expr):
            if not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):  # docstrings
                self.evaluate(node.value)
        elif isinstance(node, ast.Assign):
            value = self.evaluate(node.value)
            for target in node.targets:
                self.assign(target, value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.evaluate(node.value))
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            current = self.lookup(node.target.id, node.target)
            with self.at(node):
                self.assign(node.target, folding.binary(node.op, current, self.evaluate(node.value)))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                with self.at(node):
                    module = keras_names.module(alias.name)
                if alias.asname:
                    self.scopes[-1][alias.asname] = module or Foreign(alias.name)
                else:  # import a.b binds a
                    top = alias.name.split(".")[0]
                    self.scopes[-1][top] = keras_names.module(top) or Foreign(top)
        elif isinstance(node, ast.ImportFrom):
            self.import_from(node)
        elif isinstance(node, ast.For):
            self.loop(node)
        elif isinstance(node, ast.FunctionDef):
            self.define(node)
        elif isinstance(node, ast.ClassDef):
            self.define_class(node)
        elif isinstance(node, ast.Return) and len(self.scopes) > 1:
            raise _Return(None if node.value is None else self.evaluate(node.value))
        elif isinstance(node, ast.If):  # if use_bias: ..., if __name__ == "__main__": ...
            self.block(node.body if self.condition(node.test) else node.orelse)
        elif not isinstance(node, ast.Pass):
            kind = type(node).__name__.lower()
            advice = STATEMENT_ADVICE.get(type(node), f"does not follow this statement ({kind})")
            raise self.fail(node, f"calc reads model code without running it and {advice}")

    def loop(self, node: ast.For) -> None:
        """``for filters in [64, 128]:`` (or over a tuple, or range()): the body read once per item, in
        order, as running it would; every pass counts towards the reader's step limit."""
        if node.orelse:
            raise self.fail(node, "calc reads model code without running it and does not follow 'for ... else'")
        for item in self.iterated(node.iter):
            self.tick(node)
            self.assign(node.target, item)
            self.block(node.body)

    def condition(self, node: ast.expr) -> bool:
        with self.at(node):
            return folding.truth(self.evaluate(node))

    def iterated(self, node: ast.expr) -> list | tuple:
        values = self.evaluate(node)
        if not isinstance(values, (tuple, list)):
            raise self.fail(node, f"calc loops over lists, tuples and range() only, not {folding.describe(values)}")
        return values

    def assign(self, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.scopes[-1][target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, Unread):
            for item in target.elts:  # (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
                self.assign(item, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            if not isinstance(value, (tuple, list)) or len(value) != len(target.elts):
                raise self.fail(target, "the values do not match the names they are unpacked into")
            for item, item_value in zip(target.elts, value):
                self.assign(item, item_value)
        elif isinstance(target, ast.Attribute) and isinstance(owner := self.evaluate(target.value), Instance):
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

    def define(self, node: ast.FunctionDef) -> None:
        self.scopes[-1][node.name] = self.function(node)

    def function(self, node: ast.FunctionDef) -> Function:
        arguments = node.args
        if node.decorator_list:
            raise self.fail(node, "calc does not follow decorated functions; remove the decorator")
        if arguments.vararg or arguments.posonlyargs:
            raise self.fail(node, "calc follows functions with named parameters and **kwargs only (no *args, /)")
        positional = arguments.args[len(arguments.args) - len(arguments.defaults) :]
        defaults = {a.arg: self.evaluate(value) for a, value in zip(positional, arguments.defaults)}
        for parameter, value in zip(arguments.kwonlyargs, arguments.kw_defaults):
            if value is not None:
                defaults[parameter.arg] = self.evaluate(value)
        return Function(node, defaults)

    def define_class(self, node: ast.ClassDef) -> None:
        """``class Net(keras.Model):`` with methods only; they are read when the model is made and traced."""
        refused = "calc reads model code without running it and"
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

    # -- Expressions ----------------------------------------------------------------------

    def tick(self, node: ast.AST, steps: int = 1) -> None:
        """More steps of reading: an expression, a pass through a loop, the values a comparison looks at.
        A file cannot ask for more than MAX_STEPS in all."""
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise self.fail(node, f"the code asks for more than {MAX_STEPS:,} evaluation steps; calc stops here")

    def evaluate(self, node: ast.expr) -> Any:
        self.tick(node)
        if self.nesting >= MAX_DEPTH:
            raise self.fail(node, f"the code nests expressions (and calls) more than {MAX_DEPTH} deep")
        self.nesting += 1
        try:
            with self.at(node):
                return self.value(node)
        finally:
            self.nesting -= 1

    def value(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return _constant(node.value)
        if isinstance(node, ast.Name):
            return self.lookup(node.id, node)
        if isinstance(node, (ast.Tuple, ast.List)):
            items = self.items(node.elts)
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.Dict):
            return self.dictionary(node)
        if isinstance(node, ast.BinOp):
            left, right = self.evaluate(node.left), self.evaluate(node.right)
            unread = next((v for v in (left, right) if isinstance(v, Unread)), None)
            return unread or folding.binary(node.op, left, right)
        if isinstance(node, ast.UnaryOp):
            operand = self.evaluate(node.operand)
            return operand if isinstance(operand, Unread) else folding.unary(node.op, operand)
        if isinstance(node, ast.Attribute):
            return self.attribute(node, self.evaluate(node.value))
        if isinstance(node, ast.Subscript):
            container, position = self.evaluate(node.value), self.position(node.slice)
            return container if isinstance(container, Unread) else folding.index(container, position)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.ListComp):
            return self.comprehension(node)
        if isinstance(node, ast.IfExp):
            return self.evaluate(node.body if self.condition(node.test) else node.orelse)
        if isinstance(node, ast.BoolOp):  # Python's: the first operand that decides, as it is
            for operand in node.values[:-1]:
                value = self.evaluate(operand)
                if self.decides(node.op, value, operand):
                    return value
            return self.evaluate(node.values[-1])
        if isinstance(node, ast.Compare):
            left = self.evaluate(node.left)
            for op, comparator in zip(node.ops, node.comparators):
                right = self.evaluate(comparator)
                budget = MAX_STEPS - self.steps
                self.tick(node, folding.size(left, budget) + folding.size(right, budget))  # what it looks at
                if not folding.compare(op, left, right):
                    return False
                left = right
            return True
        kind = type(node).__name__.lower()
        advice = EXPRESSION_ADVICE.get(type(node), f"does not follow this expression ({kind})")
        raise self.fail(node, f"calc reads model code without running it and {advice}")

    def decides(self, op: ast.boolop, value: Any, node: ast.expr) -> bool:
        """Does this operand end ``a and b`` (a false one) or ``a or b`` (a true one)?"""
        with self.at(node):
            return folding.truth(value) is isinstance(op, ast.Or)

    def comprehension(self, node: ast.ListComp) -> list:
        """``[layers.Dense(n) for n in sizes]``: the item once per value, as the loop it stands for; its names
        are the comprehension's own, as in Python 3 (an outer name of the same name is kept)."""
        if any(generator.ifs or generator.is_async for generator in node.generators):
            raise self.fail(node, "calc reads model code without running it and does not follow 'if' in comprehensions")
        scope = self.scopes[-1]
        names = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        saved = {name: scope[name] for name in names if name in scope}
        values: list = []

        def run(generators: list[ast.comprehension]) -> None:
            if not generators:
                values.append(self.evaluate(node.elt))
                if len(values) > folding.MAX_ITEMS:
                    raise self.fail(node, f"more than {folding.MAX_ITEMS:,} items")
                return
            for item in self.iterated(generators[0].iter):
                self.tick(node)
                self.assign(generators[0].target, item)
                run(generators[1:])

        try:
            run(node.generators)
        finally:  # the comprehension's names go; outer names of the same name come back
            for name in names:
                scope.pop(name, None)
            scope.update(saved)
        return values

    def position(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Slice):
            parts = (node.lower, node.upper, node.step)
            return slice(*(None if part is None else self.evaluate(part) for part in parts))
        return self.evaluate(node)

    def lookup(self, name: str, node: ast.AST) -> Any:
        for scope in (self.scopes[-1], self.scopes[0]):
            if name in scope:
                return scope[name]
        for namespace in reversed(self.star):
            if name in keras_names.members(namespace):
                return keras_names.member(namespace, name)
        if name in PURE_BUILTINS or name == "print":
            return Builtin(name)
        if name == "__name__":
            return "__main__"
        if hasattr(builtins, name):
            raise self.fail(node, f"calc reads model code without running it and does not use Python's '{name}'")
        known = [*self.scopes[-1], *self.scopes[0]]
        raise self.fail(node, f"name '{name}' is not defined before this line{suggest(name, known)}")

    def items(self, nodes: list[ast.expr]) -> list:
        values: list = []
        for item in nodes:
            if isinstance(item, ast.Starred):
                value = self.evaluate(item.value)
                if not isinstance(value, (tuple, list)):
                    raise self.fail(item, "calc unpacks only tuples and lists with '*'")
                values.extend(value)
            else:
                values.append(self.evaluate(item))
            if len(values) > folding.MAX_ITEMS:
                raise self.fail(item, f"more than {folding.MAX_ITEMS:,} items")
        return values

    def dictionary(self, node: ast.Dict) -> dict:
        result: dict = {}
        for key, value in zip(node.keys, node.values):
            evaluated = self.evaluate(value)
            if key is None:  # {**other}
                if not isinstance(evaluated, dict):
                    raise self.fail(value, "calc unpacks only dictionaries with '**'")
                result.update(evaluated)
                continue
            name = self.evaluate(key)
            if not isinstance(name, str):
                raise self.fail(key, "calc reads dictionaries with string keys only")
            result[name] = evaluated
        return result

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
        if isinstance(function, Builtin):
            return function.apply(args, kwargs)
        if isinstance(function, Unread):  # history.history.keys(): nothing to compute
            return function
        if isinstance(function, KerasName):
            return self.keras_call(function, args, kwargs, where)
        if isinstance(function, (Layer, Sequential, Functional)):
            return self.session.call(function, args, kwargs, where)
        if isinstance(function, Function):
            return self.function_call(node, function, args, kwargs)
        if isinstance(function, Method):
            return self.function_call(node, function.function, [function.instance, *args], kwargs)
        if isinstance(function, ModelClass):
            return self.instantiate(node, function, args, kwargs)
        if isinstance(function, Instance):
            return self.instance_call(node, function, args, kwargs)
        if isinstance(function, Foreign):
            raise self.fail(
                node,
                f"calc does not call {function.described}: keep only the model-building code "
                "(lines that prepare data can go), and write computed sizes as numbers",
            )
        raise self.fail(node, f"calc cannot call {folding.describe(function)}")

    def arguments(self, node: ast.Call) -> tuple[list, dict]:
        args = self.items(node.args)
        kwargs: dict[str, Any] = {}
        for keyword in node.keywords:
            value = self.evaluate(keyword.value)
            if keyword.arg is not None:
                pairs = [(keyword.arg, value)]
            elif isinstance(value, dict):  # **options
                pairs = list(value.items())
            else:
                raise self.fail(keyword.value, "calc unpacks only dictionaries with '**'")
            for key, item in pairs:
                if key in kwargs:
                    raise self.fail(keyword.value, f"the argument '{key}' is given twice")
                kwargs[key] = item
        return args, kwargs

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

    def function_call(self, node: ast.Call, function: Function, args: list, kwargs: dict) -> Any:
        """A function of the file: its body read in a scope of its own, with the arguments bound."""
        if len(self.scopes) > MAX_CALL_DEPTH:
            raise self.fail(node, f"functions call each other more than {MAX_CALL_DEPTH} deep")
        name = function.node.name
        parameters = function.node.args
        positional = [a.arg for a in parameters.args]
        keywords = positional + [a.arg for a in parameters.kwonlyargs]
        if len(args) > len(positional):
            raise self.fail(node, f"{name}() takes {len(positional)} positional arguments, got {len(args)}")
        scope = dict(zip(positional, args))
        extra: dict[str, Any] = {}  # **kwargs: super().__init__(**kwargs) passes name= on
        for key, value in kwargs.items():
            if key in scope:
                raise self.fail(node, f"{name}() got '{key}' twice")
            if key not in keywords and parameters.kwarg is None:
                raise self.fail(node, f"{name}() has no '{key}'")
            (scope if key in keywords else extra)[key] = value
        if parameters.kwarg is not None:
            scope[parameters.kwarg.arg] = extra
        for key in keywords:
            if key not in scope:
                if key not in function.defaults:
                    raise self.fail(node, f"{name}() needs '{key}'")
                scope[key] = function.defaults[key]
        self.scopes.append(scope)
        try:
            self.block(function.node.body)
        except _Return as result:
            return result.value
        finally:
            self.scopes.pop()
        return None


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


def _constant(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str, float)):
        return value
    if isinstance(value, int):
        return folding.checked(value)
    raise CalcError(f"calc does not read {type(value).__name__} values")
