"""Model code read with ``ast``, never imported or executed: what the Keras and the PyTorch readers share.

``SourceReader`` walks statements in order and evaluates a small, closed language: literals and the
arithmetic on them (``folding``), names assigned earlier, ``if``/``for`` over plain values, list
comprehensions, functions of the file (read at each call with their arguments bound) and a few pure
built-ins. A framework's reader subclasses it and says what its imports, attributes, calls and classes
mean (the hooks below). Every cost is capped: the source's length, expression nesting, call depth and the
number of things evaluated in all, so a hostile file stops in well under a second with its line and column.
"""

from __future__ import annotations

import ast
import builtins
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from calc.errors import CalcError
from calc.importers import folding
from calc.layers.base import suggest

MAX_SOURCE = 1_000_000  # characters: model code is small; parsing is the one cost not capped below
MAX_DEPTH = 100  # nesting of expressions, counted across calls of the file's functions
MAX_CALL_DEPTH = 16  # functions of the file calling each other
MAX_STEPS = 500_000  # expressions evaluated in all
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
REFUSED = "calc reads model code without running it and"


@dataclass(frozen=True)
class Where:
    """A place in the source: 1-based line and column, as editors count them."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"


def parse(text: str) -> ast.Module:
    """The code's syntax tree, within the length cap; bad code is one line naming where."""
    if len(text) > MAX_SOURCE:
        raise CalcError(f"the code is {len(text):,} characters long; calc reads model code up to {MAX_SOURCE:,}")
    collecting = gc.isenabled()
    gc.disable()  # an AST has no cycles to collect; the collector would double the parse time
    try:
        return ast.parse(text)
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


@dataclass(frozen=True)
class Foreign:
    """A name imported from outside the framework (numpy, sklearn): it may be imported, never used."""

    name: str
    framework: str = "Keras"

    @property
    def described(self) -> str:
        return f"'{self.name}' (outside {self.framework})"


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
        if self.name in ("enumerate", "zip"):
            if not all(isinstance(a, (tuple, list)) for a in args) or (self.name == "enumerate" and len(args) != 1):
                raise CalcError(f"calc folds {self.name}() of tuples and lists only")
            pairs = enumerate(args[0]) if self.name == "enumerate" else zip(*args)
            return [tuple(pair) for pair in pairs]
        if self.name == "round" and len(args) == 1 and folding.is_number(args[0]):
            return round(args[0])
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
PURE_BUILTINS: dict[str, Callable[..., Any]] = {
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
    "enumerate": enumerate,
    "zip": zip,
    "round": round,
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


class Return(Exception):
    """A ``return`` statement of a function of the file, carrying its value up to the call."""

    def __init__(self, value: Any):
        self.value = value


def constant(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str, float)):
        return value
    if isinstance(value, int):
        return folding.checked(value)
    raise CalcError(f"calc does not read {type(value).__name__} values")


class SourceReader:
    """The evaluator; subclasses give the framework's meaning to imports, attributes, calls and classes."""

    #: Expressions evaluated in all before the reader stops (a reader may need fewer).
    max_steps = MAX_STEPS

    def __init__(self) -> None:
        self.scopes: list[dict[str, Any]] = [{}]  # the module's names, then the running function's
        self.steps = 0
        self.nesting = 0

    @staticmethod
    def where(node: ast.AST) -> Where:
        return Where(getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1)

    def fail(self, node: ast.AST, message: str) -> CalcError:
        return CalcError(message, layer=str(self.where(node)))

    @contextmanager
    def at(self, node: ast.AST) -> Iterator[None]:
        """Errors raised without a place (folding, the framework's objects) get this node's line and column."""
        try:
            yield
        except CalcError as error:
            raise error.within(layer=str(self.where(node))) from None

    def run(self, tree: ast.Module) -> None:
        """Read the module's statements; a nesting too deep for Python itself is one line too."""
        try:
            self.block(tree.body)
        except RecursionError:
            raise CalcError("the code is nested too deeply to read") from None

    # -- Hooks ----------------------------------------------------------------------------

    def import_names(self, node: ast.Import) -> None:
        raise self.fail(node, f"{REFUSED} does not follow imports here")

    def import_from(self, node: ast.ImportFrom) -> None:
        raise self.fail(node, f"{REFUSED} does not follow imports here")

    def define_class(self, node: ast.ClassDef) -> None:
        raise self.fail(node, f"{REFUSED} does not read classes here")

    def assign_other(self, target: ast.expr, value: Any) -> None:
        """An assignment to something other than a name or a tuple of names (``self.conv = ...``)."""
        raise self.fail(target, "calc follows assignments to plain names only")

    def unpacked(self, target: ast.expr, value: Any) -> list | tuple:
        """The values a tuple target takes: a tuple or list of as many."""
        if not isinstance(value, (tuple, list)) or len(value) != len(target.elts):
            raise self.fail(target, "the values do not match the names they are unpacked into")
        return value

    def binary(self, node: ast.BinOp, left: Any, right: Any) -> Any:
        return folding.binary(node.op, left, right)

    def unary(self, node: ast.UnaryOp, operand: Any) -> Any:
        return folding.unary(node.op, operand)

    def subscript(self, node: ast.Subscript, container: Any, position: Any) -> Any:
        return folding.index(container, position)

    def attribute(self, node: ast.Attribute, owner: Any) -> Any:
        raise self.fail(node, f"calc does not follow the attribute '{node.attr}' of {folding.describe(owner)}")

    def call(self, node: ast.Call) -> Any:
        """A call; this base follows the file's functions and Python's pure built-ins only."""
        function = self.evaluate(node.func)
        args, kwargs = self.arguments(node)
        return self.plain_call(node, function, args, kwargs)

    def plain_call(self, node: ast.Call, function: Any, args: list, kwargs: dict) -> Any:
        if isinstance(function, Builtin):
            return function.apply(args, kwargs)
        if isinstance(function, Function):
            return self.function_call(node, function, args, kwargs)
        if isinstance(function, Foreign) and function.name.split(".")[0] == "torch":
            raise self.fail(
                node,
                f"calc does not call {function.described} here: PyTorch models are read by calc's PyTorch reader, "
                "for a file that imports torch (import torch.nn as nn) and with --input-shape (docs/pytorch-source.md)",
            )
        if isinstance(function, Foreign):
            raise self.fail(
                node,
                f"calc does not call {function.described}: keep only the model-building code "
                "(lines that prepare data can go), and write computed sizes as numbers",
            )
        raise self.fail(node, f"calc cannot call {folding.describe(function)}")

    def star_member(self, name: str) -> tuple[bool, Any]:
        """A name from ``from framework import *`` (found, value)."""
        return False, None

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
            current = self.evaluate(node.target)
            operation = ast.BinOp(left=node.target, op=node.op, right=node.value)
            ast.copy_location(operation, node)
            with self.at(node):
                self.assign(node.target, self.binary(operation, current, self.evaluate(node.value)))
        elif isinstance(node, ast.Import):
            self.import_names(node)
        elif isinstance(node, ast.ImportFrom):
            self.import_from(node)
        elif isinstance(node, ast.For):
            self.loop(node)
        elif isinstance(node, ast.FunctionDef):
            self.define(node)
        elif isinstance(node, ast.ClassDef):
            self.define_class(node)
        elif isinstance(node, ast.Return) and len(self.scopes) > 1:
            raise Return(None if node.value is None else self.evaluate(node.value))
        elif isinstance(node, ast.If):  # if use_bias: ..., if __name__ == "__main__": ...
            self.block(node.body if self.condition(node.test) else node.orelse)
        elif not isinstance(node, ast.Pass):
            kind = type(node).__name__.lower()
            advice = STATEMENT_ADVICE.get(type(node), f"does not follow this statement ({kind})")
            raise self.fail(node, f"{REFUSED} {advice}")

    def loop(self, node: ast.For) -> None:
        """``for filters in [64, 128]:`` (or over a tuple, or range()): the body read once per item, in
        order, as running it would; every pass counts towards the reader's step limit."""
        if node.orelse:
            raise self.fail(node, f"{REFUSED} does not follow 'for ... else'")
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
        elif isinstance(target, (ast.Tuple, ast.List)):
            for item, item_value in zip(target.elts, self.unpacked(target, value)):
                self.assign(item, item_value)
        else:
            self.assign_other(target, value)

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
        except Return as result:
            return result.value
        finally:
            self.scopes.pop()
        return None

    # -- Expressions ----------------------------------------------------------------------

    def tick(self, node: ast.AST, steps: int = 1) -> None:
        """More steps of reading: an expression, a pass through a loop, the values a comparison looks at.
        A file cannot ask for more than MAX_STEPS in all."""
        self.steps += steps
        if self.steps > self.max_steps:
            raise self.fail(node, f"the code asks for more than {self.max_steps:,} evaluation steps; calc stops here")

    def evaluate(self, node: ast.expr) -> Any:
        self.tick(node)
        if self.nesting >= MAX_DEPTH:
            raise self.fail(node, f"the code nests expressions (and calls) more than {MAX_DEPTH} deep")
        self.nesting += 1
        try:
            return self.value(node)
        except CalcError as error:  # as self.at(node), without a context manager on every expression
            raise error.within(layer=str(self.where(node))) from None
        finally:
            self.nesting -= 1

    def value(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return constant(node.value)
        if isinstance(node, ast.Name):
            return self.lookup(node.id, node)
        if isinstance(node, (ast.Tuple, ast.List)):
            items = self.items(node.elts)
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.Dict):
            return self.dictionary(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node, self.evaluate(node.left), self.evaluate(node.right))
        if isinstance(node, ast.UnaryOp):
            return self.unary(node, self.evaluate(node.operand))
        if isinstance(node, ast.Attribute):
            return self.attribute(node, self.evaluate(node.value))
        if isinstance(node, ast.Subscript):
            return self.subscript(node, self.evaluate(node.value), self.position(node.slice))
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
                budget = self.max_steps - self.steps
                self.tick(node, folding.size(left, budget) + folding.size(right, budget))  # what it looks at
                if not folding.compare(op, left, right):
                    return False
                left = right
            return True
        kind = type(node).__name__.lower()
        advice = EXPRESSION_ADVICE.get(type(node), f"does not follow this expression ({kind})")
        raise self.fail(node, f"{REFUSED} {advice}")

    def decides(self, op: ast.boolop, value: Any, node: ast.expr) -> bool:
        """Does this operand end ``a and b`` (a false one) or ``a or b`` (a true one)?"""
        with self.at(node):
            return folding.truth(value) is isinstance(op, ast.Or)

    def comprehension(self, node: ast.ListComp) -> list:
        """``[layers.Dense(n) for n in sizes]``: the item once per value, as the loop it stands for; its names
        are the comprehension's own, as in Python 3 (an outer name of the same name is kept)."""
        if any(generator.ifs or generator.is_async for generator in node.generators):
            raise self.fail(node, f"{REFUSED} does not follow 'if' in comprehensions")
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
        if isinstance(node, ast.Tuple):  # x[:, 0]: one position per dim
            return tuple(self.position(item) for item in node.elts)
        return self.evaluate(node)

    def lookup(self, name: str, node: ast.AST) -> Any:
        for scope in (self.scopes[-1], self.scopes[0]):
            if name in scope:
                return scope[name]
        found, value = self.star_member(name)
        if found:
            return value
        if name in PURE_BUILTINS or name == "print":
            return Builtin(name)
        if name == "__name__":
            return "__main__"
        if hasattr(builtins, name):
            raise self.fail(node, f"{REFUSED} does not use Python's '{name}'")
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


def is_super_init(node: ast.Call) -> bool:
    """``super().__init__(...)`` or ``super(Net, self).__init__(...)``."""
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "__init__"
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "super"
    )
