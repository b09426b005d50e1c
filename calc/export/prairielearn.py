"""PrairieLearn: one question directory per question of the sheet, each drawing one of the variants.

Each directory holds ``info.json`` (its uuid is uuid5 of the model and the question, so exporting again
updates the same question instead of adding one), ``question.html`` (the model and the question, a
``pl-number-input`` per number or a ``pl-symbolic-input`` for a formula, the worked steps in the answer
panel) and ``server.py``, which carries the variants and calc's diagnoses and needs no calc to run.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from pathlib import Path

from calc.export.html import markdown_html
from calc.export.records import NUMBER_KINDS, Export, Item

#: uuid5 namespace of calc's PrairieLearn questions (a fixed uuid4, so the uuids never change).
NAMESPACE = uuid.UUID("6c0ae5b0-1f7e-4c55-9a39-5d2f3f0b8a61")
PLACEHOLDER = 'VARIANTS = json.loads("[]")'


def question_uuid(model: str, item: Item) -> str:
    return str(uuid.uuid5(NAMESPACE, f"calc/{model}/{item.kind}/{item.quantity}"))


def files(data: Export) -> dict[str, bytes]:
    """Question folder name/file -> contents, under ``questions/``-style folders named after the question."""
    server = (Path(__file__).parent / "prairielearn_server.py").read_text(encoding="utf-8")
    out: dict[str, bytes] = {}
    for _, items in data.slots():
        first = items[0]
        folder = _folder(data.model, first)
        names = _names(first)
        info = {
            "uuid": question_uuid(data.model, first),
            "type": "v3",
            "title": f"{data.model}: {first.quantity}"[:200],
            "topic": "Neural-network layer arithmetic",
            "tags": ["calc", first.kind],
            "singleVariant": len(items) == 1,
            "partialCredit": True,
        }
        variants = [_variant(data, item, names) for item in items]
        code = server.replace(PLACEHOLDER, f"VARIANTS = json.loads({json.dumps(variants, ensure_ascii=False)!r})")
        out[f"{folder}/info.json"] = (json.dumps(info, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        out[f"{folder}/question.html"] = _question_html(first, names).encode("utf-8")
        out[f"{folder}/server.py"] = code.encode("utf-8")
    return out


def _folder(model: str, item: Item) -> str:
    """A folder name of letters, digits and _ only (PrairieLearn's question ids are paths), named after what
    it asks (not its number on the sheet), so exporting again writes over the same folder."""
    return re.sub(r"[^A-Za-z0-9_]+", "_", f"{model}_{item.quantity}").strip("_")[:100] or "question"


def _names(item: Item) -> list[str]:
    """The answers-name of each input: one for a number or a formula, one per size of a shape."""
    if item.kind == "output_shape":
        return [f"size{axis}" for axis in range(1, len(item.expected))]
    return ["formula" if item.kind == "formula" else "answer"]


def _values(item: Item, value: object, names: list[str]) -> dict[str, object]:
    if item.kind == "output_shape" and isinstance(value, (list, tuple)):
        return dict(zip(names, value[1:]))
    return {names[0]: value}


def _variant(data: Export, item: Item, names: list[str]) -> dict[str, object]:
    model = markdown_html(data.variant_model(item.variant))
    return {
        "variant": item.variant,
        "question_html": f"{model}\n{markdown_html(f'**{item.number}.** {item.prompt}')}",
        "solution_html": markdown_html(item.solution),
        "answers": _values(item, item.expected, names),
        "wrong": [
            {"answers": _values(item, wrong.value, names), "mistakes": wrong.mistakes, "feedback": wrong.feedback}
            for wrong in item.wrong
        ],
    }


def _question_html(item: Item, names: list[str]) -> str:
    if item.kind == "formula":
        variables = ", ".join(item.free)
        inputs = [
            f'<pl-symbolic-input answers-name="formula" variables="{html.escape(variables)}" '
            'custom-functions="floor, ceil" label="size ="></pl-symbolic-input>'
        ]
    elif item.kind in NUMBER_KINDS:
        inputs = ['<pl-number-input answers-name="answer" comparison="relabs" rtol="0" atol="0.5"></pl-number-input>']
    else:
        inputs = ["(None,"] + [
            f'<pl-number-input answers-name="{name}" comparison="relabs" rtol="0" atol="0.5" display="inline" '
            f'size="6"></pl-number-input>{"," if i < len(names) - 1 else ")"}'
            for i, name in enumerate(names)
        ]
    return "\n".join(
        [
            "<pl-question-panel>",
            "{{{params.question_html}}}",
            "</pl-question-panel>",
            *inputs,
            "<pl-submission-panel>",
            '{{#feedback.calc}}<pre class="tex2jax_ignore">{{feedback.calc}}</pre>{{/feedback.calc}}',
            "</pl-submission-panel>",
            "<pl-answer-panel>",
            "{{{params.solution_html}}}",
            "</pl-answer-panel>",
            "",
        ]
    )
