"""The ``server.py`` of an exported PrairieLearn question (copied into each question with its variants).

It needs nothing but Python's standard library: calc worked out every variant's answers and the wrong
values of its catalogued mistakes when it exported the question. ``generate`` picks one variant
(PrairieLearn seeds ``random`` with the variant's seed); ``grade`` runs after the input elements have
scored the answers and turns a catalogued wrong value into calc's diagnosis.
"""

import json
import random

#: The exported variants: calc export writes them here as one JSON string.
VARIANTS = json.loads("[]")


def generate(data):
    variant = random.choice(VARIANTS)
    data["params"]["variant"] = variant["variant"]
    data["params"]["question_html"] = variant["question_html"]
    data["params"]["solution_html"] = variant["solution_html"]
    for name, value in variant["answers"].items():
        data["correct_answers"][name] = value


def grade(data):
    variant = next(v for v in VARIANTS if v["variant"] == data["params"]["variant"])
    submitted = {name: _number(data["submitted_answers"].get(name)) for name in variant["answers"]}
    if all(data["partial_scores"].get(name, {}).get("score", 0) >= 1 for name in variant["answers"]):
        return
    for wrong in variant["wrong"]:  # a whole answer that a catalogued mistake gives: its diagnosis
        if all(submitted.get(name) == value for name, value in wrong["answers"].items()):
            data["feedback"]["calc"] = wrong["feedback"]
            return
    for name, value in submitted.items():  # else, size by size, the first mistake that gives that size
        for wrong in variant["wrong"]:
            if value is not None and wrong["answers"].get(name) == value and value != variant["answers"][name]:
                data["feedback"]["calc"] = wrong["feedback"]
                return


def _number(value):
    """An element's parsed answer (an int, a float, or text) as a whole number where it is one."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if number.is_integer() else number
