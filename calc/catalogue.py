"""The mistake catalogues, listed per layer family for the docs (docs/mistakes.md is this module's output).

Each family's module states its rules with their mistakes (``Rule.mistakes``); this walks the modules and
lists every mistake id with the first sentence of its feedback, so the page is read off the code and cannot
drift from it (tests/test_mistake_docs.py compares them). Regenerate with ``python -m calc.catalogue``.
"""

from __future__ import annotations

import importlib
import pkgutil

import calc.dialects.pytorch
import calc.layers
from calc.counts import TRAINABLE
from calc.layers.reshape import flatten_rule
from calc.rules import Mistake, Rule

#: Ids the checker gives itself, not a layer's rule.
CHECKER_IDS = {
    "arithmetic_slip": "The right formula with one slip in the working: a digit swapped, dropped or written "
    "twice, one product or sum inside a step worked out wrong, or a total that leaves out (or repeats) one "
    "layer. `calc grade` gives half marks for it.",
    "carried_error": "The right rules applied to a wrong size that came from an earlier layer (or with a layer "
    "left out): the feedback names the layer where the student's size stops matching the model.",
}


#: Runnable examples on the zoo's LeNet-5: (layer, quantity, answer, what calc names). The page shows them
#: and tests/test_mistake_docs.py runs them.
EXAMPLES = (
    ("conv2d", "params", "600", "forgot_bias"),
    ("flatten", "output_size", "1600", "carried_error"),
    ("dense", "params", "192120", "carried_error"),
    ("dense", "params", "48210", "arithmetic_slip"),
    (None, "total_params", "14838", "arithmetic_slip"),
)


def _rules(module: object) -> list[Rule]:
    found = []
    for value in vars(module).values():
        items = value.values() if isinstance(value, dict) else value if isinstance(value, tuple) else [value]
        found += [item for item in items if isinstance(item, Rule)]
    return found


def families() -> dict[str, dict[str, str]]:
    """Family (dialect and module) -> mistake id -> the first sentence of its feedback."""
    found: dict[str, dict[str, str]] = {}
    packages = (("Keras", calc.layers), ("PyTorch", calc.dialects.pytorch))
    for dialect, package in packages:
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            rules = _rules(module)
            if module is calc.layers.reshape:
                rules.append(flatten_rule(2))
            mistakes: dict[str, str] = {}
            for rule in rules:
                for mistake in rule.mistakes:
                    mistakes.setdefault(mistake.id, _first_sentence(mistake))
            for value in vars(module).values():
                if isinstance(value, tuple) and value and all(isinstance(m, Mistake) for m in value):
                    for mistake in value:
                        mistakes.setdefault(mistake.id, _first_sentence(mistake))
            if mistakes:
                found[f"{dialect}: {info.name.replace('_', ' ')}"] = mistakes
    found["Both: the trainable split"] = {m.id: _first_sentence(m) for m in TRAINABLE.mistakes}
    found["Both: the checker"] = dict(CHECKER_IDS)
    return found


def _first_sentence(mistake: Mistake) -> str:
    text = mistake.feedback.split(": ")[0] if mistake.feedback.startswith("That is") else mistake.feedback
    sentence = text.split(". ")[0].rstrip(".")
    return sentence.replace("|", "\\|") + "."


def page() -> str:
    """docs/mistakes.md."""
    lines = [
        "# Mistakes calc diagnoses",
        "",
        "`calc check` and `calc grade` name the mistake behind a wrong answer with one of these ids (the JSON",
        "field `mistake`; `mistakes` lists two made together, or a carried error and the mistake it came from).",
        "When several give the answer equally well, none is named and `alternatives` lists them; in a graded",
        "class the one the student made in other answers is taken. Each mistake is a changed version of its",
        "layer's rule, so the feedback shows the right count of the part that went wrong. In the feedback",
        "below, `{n}` and the like stand for the layer's numbers.",
        "",
        "Beyond each layer's own catalogue, the checker finds two kinds of mistake by value. A *carried error* is",
        "an answer that the right rules give on a wrong size from an earlier layer: calc builds the later layers",
        "again on each size an earlier layer gives when one of its catalogued mistakes is made, or when it is",
        "left out, and names the layer where the student's size stops matching the model (of two that fit, the",
        "one that agrees with the model the longest). A flattened length that multiplies right with a wrong",
        "factor is never `flatten_product_wrong`. An *arithmetic slip* is the right formula with one slip in the",
        "last step. The simplest explanation is taken: one catalogued mistake, then a carried error, a slip, two",
        "mistakes made together, and a catch-all last; if nothing fits, the feedback says how far off the",
        "answer is, never a guessed mistake.",
        "",
        "Generated from the code by `python -m calc.catalogue > docs/mistakes.md`; a test keeps it current and",
        "runs the examples below on the zoo's LeNet-5 (input 32×32×3, conv2d 8 filters of 5×5, max_pooling2d,",
        "conv2d_1 16 filters, max_pooling2d_1, flatten to 400, dense 120, dense_1 84, dense_2 10).",
        "",
        "| command | mistake |",
        "|---|---|",
        *(
            f"| `calc check lenet5 {'--layer ' + layer + ' ' if layer else ''}--quantity {quantity} --answer {answer}`"
            f" | `{mistake}` |"
            for layer, quantity, answer, mistake in EXAMPLES
        ),
        "",
        "The carried error on `flatten` reads: *1,600 = 10·10·16 is right for a 10×10×16 map, but max_pooling2d_1",
        "gives 5×5×16: the answer leaves out its step*, followed by that step worked with its numbers.",
        "",
    ]
    for family, mistakes in families().items():
        lines += [f"## {family}", "", "| id | what went wrong |", "|---|---|"]
        lines += [f"| `{mistake_id}` | {sentence} |" for mistake_id, sentence in mistakes.items()]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(page(), end="")
