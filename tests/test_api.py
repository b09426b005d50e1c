"""The Python API for autograders and notebooks: calc.check and calc.grade."""

from __future__ import annotations

import calc
from tests.test_grading import CLASS


def test_check_returns_a_result():
    result = calc.check("lenet5", layer="conv2d", quantity="params", answer="8 × 76")
    assert isinstance(result, calc.CheckResult)
    assert result.correct and bool(result)
    assert result.to_dict()["expected"] == "608"


def test_check_takes_a_model_object_and_values():
    model = calc.load("lenet5")
    result = calc.check(model, layer="conv2d", quantity="params", answer="3*3*3*8 + 8", values={"k": 3})
    assert result.correct  # (3·3·3 + 1)·8 = 224 with k = 3
    assert not calc.check(model.analyze(), quantity="total_params", answer="62958 - 8").correct


def test_unreadable_answer_does_not_raise():
    """An autograder keeps going: a bad answer is a result with a problem, not an exception."""
    result = calc.check("lenet5", layer="conv2d", quantity="params", answer="lambda: 0")
    assert not result.correct and "unexpected character" in result.problem


def test_results_display_in_jupyter():
    result = calc.check("lenet5", layer="flatten", quantity="output_shape", answer="(None, 25)")
    markdown = result._repr_markdown_()
    assert markdown.startswith("**Incorrect** — output shape of flatten")
    assert "Mistake `flatten_product_wrong`." in markdown
    assert r"$$n = n_{1} n_{2} n_{3} = 5 \cdot 5 \cdot 16 = 400$$" in markdown


def test_grade_a_class(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(CLASS, encoding="utf-8")
    report = calc.grade("lenet5", path)
    assert report.correct == 5
    assert report._repr_markdown_().startswith("# Grades: lenet5")
    rows = [{"student": "ann", "layer": None, "quantity": "total_params", "answer": "62,958"}]
    assert calc.grade("lenet5", rows).to_dict()["correct"] == 1
