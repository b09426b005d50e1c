"""calc: symbolic derivation of neural-network layer arithmetic.

Output shapes and parameter counts as closed-form sympy expressions, with the numbers put in and
step-by-step derivations. ``calc.load("spec.yaml")`` or ``calc.load("lenet5")`` reads a model;
``calc.Sequential([...], input=(32, 32, 3))`` builds one in Python; ``calc.load("model.py")``,
``calc.load("model.keras")`` and ``calc.from_keras(keras_model)`` read Keras's models, and
``calc.load("net.py", calc.SourceOptions("3,32,32"))`` a PyTorch model's source.
``calc.derivation(model)`` is a model's worked solution. ``calc.check(model, layer=..., quantity=...,
answer=...)`` judges a student's answer and ``calc.grade(model, "answers.csv")`` a class's;
``calc.grade_class("course/variants.json", "answers.csv")`` grades each student against their own variant. In Jupyter,
models, summaries, derivations and check results show themselves as tables and math.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from calc import layers
from calc.errors import CalcError
from calc.model import Analysis, Model, Sequential
from calc.render.model_notebook import show_models
from calc.spec import SourceOptions, from_spec, from_text, load

show_models(Model)  # summary() and Jupyter's display, given by the view

# Imported on first use, so a command that never checks or derives does not pay for them at start-up.
_LAZY = {
    "CheckResult": "calc.checker",
    "check": "calc.checker",
    "Derivation": "calc.derive",
    "derivation": "calc.derive",
    "grade": "calc.grading",
    "grade_class": "calc.grading",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'calc' has no attribute {name!r}")


def from_keras(model: Any) -> Model:
    """A live Keras model (keras is optional: ``pip install 'calc[keras]'``), read from its config, never run."""
    from calc.importers import spec_from_keras_object

    return from_spec(spec_from_keras_object(model), source=getattr(model, "name", "keras model"))


__all__ = [
    "Analysis",
    "CalcError",
    "CheckResult",
    "Derivation",
    "Sequential",
    "SourceOptions",
    "check",
    "derivation",
    "from_keras",
    "from_spec",
    "from_text",
    "grade",
    "grade_class",
    "layers",
    "load",
]
__version__ = "0.1.0"
