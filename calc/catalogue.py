"""The mistake catalogues, listed per layer family for the docs (docs/mistakes.md is this module's output).

Each family's module states its rules with their mistakes (``Rule.mistakes``); this walks the modules and
lists every mistake id with the first sentence of its feedback, so the page is read off the code and cannot
drift from it (tests/test_mistake_docs.py compares them). Regenerate with ``python -m calc.catalogue``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import calc.dialects.pytorch
import calc.layers
from calc.counts import TRAINABLE
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


def _own_names(module: object) -> set[str]:
    """The names a module binds itself (assignments and functions), not those it imports."""
    tree = ast.parse(inspect.getsource(module))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
            for target in node.targets:
                if isinstance(target, ast.Tuple):
                    names |= {item.id for item in target.elts if isinstance(item, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.FunctionDef) and node.name.endswith("_rule"):
            names.add(node.name)
    return names


def _rules_and_mistakes(value: object) -> Iterator[Rule | Mistake]:
    """The rules and mistakes a module-level value holds: itself, a dict or tuple of them, or the rule a
    ``*_rule(rank)`` factory builds (for two axes or inputs)."""
    if callable(value) and getattr(value, "__name__", "").endswith("_rule"):
        value = value(2)
    items = value.values() if isinstance(value, dict) else value if isinstance(value, tuple) else [value]
    yield from (item for item in items if isinstance(item, (Rule, Mistake)))


def family_modules() -> list[tuple[str, object]]:
    """(family name, module) for every layer family of both dialects, in a fixed order."""
    modules = [
        (dialect, importlib.import_module(f"{package.__name__}.{info.name}"))
        for dialect, package in (("Keras", calc.layers), ("PyTorch", calc.dialects.pytorch))
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name)
    ]
    return [
        (f"{dialect}: {module.__name__.rsplit('.', 1)[1].replace('_', ' ')}", module) for dialect, module in modules
    ]


def family_rules() -> dict[str, list[tuple[str, Rule]]]:
    """Family -> the rules its module states itself (not those it imports), by the name it gives them."""
    found: dict[str, list[tuple[str, Rule]]] = {}
    for family, module in family_modules():
        own = _own_names(module)
        rules = [
            (name, item)
            for name, value in vars(module).items()
            if name in own
            for item in _rules_and_mistakes(value)
            if isinstance(item, Rule)
        ]
        if rules:
            found[family] = list({id(rule): (name, rule) for name, rule in rules}.values())
    return found


def families() -> dict[str, dict[str, str]]:
    """Family (dialect and module) -> mistake id -> the first sentence of its feedback. A family also lists,
    as ``reads`` entries, the families whose rules it uses (PyTorch's Conv2d reads Keras's convolution rule)."""
    modules = [
        (dialect, importlib.import_module(f"{package.__name__}.{info.name}"))
        for dialect, package in (("Keras", calc.layers), ("PyTorch", calc.dialects.pytorch))
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name)
    ]
    names = {
        module.__name__: f"{dialect}: {module.__name__.rsplit('.', 1)[1].replace('_', ' ')}"
        for dialect, module in modules
    }
    owner: dict[int, str] = {}
    found: dict[str, dict[str, str]] = {}
    reads: dict[str, set[int | str]] = {}
    for _, module in modules:
        family = names[module.__name__]
        own = _own_names(module)
        mistakes: dict[str, str] = {}
        for name, value in vars(module).items():
            builds = name.endswith(("_shape", "_rule", "_mistakes"))  # window_shape, flatten_rule, table_mistakes
            if builds and name not in own and getattr(value, "__module__", None) in names:  # another family's
                reads.setdefault(family, set()).add(names[value.__module__])
            for item in _rules_and_mistakes(value):
                rule_mistakes = item.mistakes if isinstance(item, Rule) else (item,)
                if name in own:
                    owner.setdefault(id(item), family)
                    for mistake in rule_mistakes:
                        mistakes.setdefault(mistake.id, _first_sentence(mistake))
                elif rule_mistakes:
                    reads.setdefault(family, set()).add(id(item))
        found[family] = mistakes
    pages: dict[str, dict[str, str]] = {}
    for family, mistakes in found.items():
        used = reads.get(family, set())
        others = {owner.get(item) if isinstance(item, int) else item for item in used}
        others = sorted(name for name in others if name is not None and name != family and found.get(name))
        if others:
            mistakes = {**mistakes, "reads": "The catalogues of the rules it uses: " + ", ".join(others) + "."}
        if mistakes:
            pages[family] = mistakes
    pages["Both: the trainable split"] = {m.id: _first_sentence(m) for m in TRAINABLE.mistakes}
    pages["Both: the checker"] = dict(CHECKER_IDS)
    return pages


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
        lines += [
            f"| `{mistake_id}` | {sentence} |" if mistake_id != "reads" else f"| (reads) | {sentence} |"
            for mistake_id, sentence in mistakes.items()
        ]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(page(), end="")
