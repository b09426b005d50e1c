"""otter-grader: a Jupyter assignment in otter's format per variant, for ``otter assign``.

Each variant's notebook shows the model as its sheet does and asks each question as a variable to set,
in code or as a number (``q2 = ...``). Each question's test is otter's exception-based kind: it asserts
the answer and, when it is wrong, fails with calc's diagnosis of the value (the catalogued mistakes' wrong
values are written into the test), so ``otter run`` and Gradescope show the student calc's feedback. The
right answer is compared by its SHA-256 digest, as otter shows the failing line (a student who hashes
candidate numbers can still find it: use otter's hidden tests for an exam).
Formulas are left out (they are graded symbolically, which needs sympy in the grading image).
"""

from __future__ import annotations

import hashlib
import json
import re

from calc.export.records import NUMBER_KINDS, Export, Item, VariantRecord

OTHER = "Not one of the mistakes calc knows: compare your working with the worked solution."


def files(data: Export) -> dict[str, bytes]:
    """``MODEL-N/MODEL-N.ipynb`` for each variant: the master notebook that ``otter assign`` reads."""
    out = {}
    for variant in data.variants:
        name = _name(f"{data.model}-{variant.number}")
        out[f"{name}/{name}.ipynb"] = (
            json.dumps(notebook(data, variant, name), indent=1, ensure_ascii=False) + "\n"
        ).encode()
    return out


def _name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_-")[:80] or "calc"


def notebook(data: Export, variant: VariantRecord, name: str) -> dict:
    config = "\n".join(
        [
            "# ASSIGNMENT CONFIG",
            f"name: {name}",
            "init_cell: true",
            "check_all_cell: false",
            "export_cell: false",
            "generate: true",
            "tests:",
            "    ok_format: false",
        ]
    )
    title = f"# {_markdown_line(data.model)}" + (f", variant {variant.number}" if len(data.variants) > 1 else "")
    cells = [_raw(config), _markdown(f"{title}\n\n{variant.model}")]
    for item in variant.items:
        if item.kind in NUMBER_KINDS or item.kind == "output_shape":
            cells += _question(item)
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 4,
    }


def _question(item: Item) -> list[dict]:
    variable = item.id
    if item.kind == "output_shape":
        how = f"Set `{variable}` to the shape as a tuple, with `None` for the batch axis: `{variable} = (None, ...)`."
        expected = tuple(item.expected)
    else:
        how = f"Set `{variable}` to the number (worked out in code or written down): `{variable} = ...`."
        expected = item.expected
    wrong = {(tuple(w.value) if isinstance(w.value, list) else w.value): w.feedback for w in item.wrong}
    # otter prints the failing line: the answer is compared by its digest, so that line does not give it away
    digest = hashlib.sha256(repr(expected).encode()).hexdigest()
    test = "\n".join(
        [
            f"def test_{variable}({variable}):",
            "    import hashlib",
            "",
            "    def whole(x):",
            "        return int(x) if isinstance(x, float) and x.is_integer() else x",
            "",
            f"    given = {variable}",
            "    answer = tuple(map(whole, given)) if isinstance(given, (list, tuple)) else whole(given)",
            f"    wrong = {wrong!r}",
            "    try:",
            f"        feedback = wrong.get(answer, {OTHER!r})",
            "    except TypeError:  # an answer that is no number or shape",
            f"        feedback = {OTHER!r}",
            f"    assert hashlib.sha256(repr(answer).encode()).hexdigest() == {digest!r}, feedback",
            "",
            "",
            f"test_{variable}({variable})",
        ]
    )
    return [
        _raw(f"# BEGIN QUESTION\nname: {variable}\npoints: {item.marks}"),
        _markdown(f"**{item.number}.** {item.prompt}\n\n{how}"),
        _raw("# BEGIN SOLUTION"),
        _code(f"{variable} = {expected!r}  # SOLUTION"),
        _raw("# END SOLUTION"),
        _raw("# BEGIN TESTS"),
        _code(test),
        _raw("# END TESTS"),
        _raw("# END QUESTION"),
    ]


def _markdown_line(text: str) -> str:
    from calc.render.templating import escape_markdown

    return escape_markdown(text)


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def _raw(text: str) -> dict:
    return {"cell_type": "raw", "metadata": {}, "source": _lines(text)}


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": _lines(text)}


def _code(text: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": _lines(text)}
