"""calc: symbolic derivation of neural-network layer arithmetic.

Output shapes and parameter counts as closed-form sympy expressions, with the numbers put in and
step-by-step derivations. ``calc.load("spec.yaml")`` or ``calc.load("lenet5")`` reads a model;
``calc.Sequential([...], input=(32, 32, 3))`` builds one in Python; ``calc.derivation(model)`` is its
worked solution. In Jupyter, models, summaries and derivations show themselves as tables and math.
"""

from __future__ import annotations

from calc import layers
from calc.derive import Derivation, derivation
from calc.errors import CalcError
from calc.model import Analysis, Sequential
from calc.spec import from_spec, from_text, load

__all__ = [
    "Analysis",
    "CalcError",
    "Derivation",
    "Sequential",
    "derivation",
    "from_spec",
    "from_text",
    "layers",
    "load",
]
__version__ = "0.1.0"
