"""calc: symbolic derivation of neural-network layer arithmetic.

Output shapes and parameter counts as closed-form sympy expressions, with the numbers put in and
step-by-step derivations. ``calc.load("spec.yaml")`` or ``calc.load("lenet5")`` reads a model;
``calc.Sequential([...], input=(32, 32, 3))`` builds one in Python. ``calc.check(model, layer=...,
quantity=..., answer=...)`` judges a student's answer and ``calc.grade(model, "answers.csv")`` a
class's; both results display in Jupyter.
"""

from __future__ import annotations

from calc import layers
from calc.checker import CheckResult, check
from calc.errors import CalcError
from calc.grading import grade
from calc.model import Analysis, Sequential
from calc.spec import from_spec, from_text, load

__all__ = [
    "Analysis",
    "CalcError",
    "CheckResult",
    "Sequential",
    "check",
    "from_spec",
    "from_text",
    "grade",
    "layers",
    "load",
]
__version__ = "0.1.0"
