"""calc export --to prairielearn: info.json valid under PrairieLearn's own schema, question.html's elements
with attributes their schemas accept, and server.py's generate() and grade() run on the data dict
PrairieLearn passes (docs/question/server.md), with no calc imported."""

from __future__ import annotations

import ast
import importlib.util
import json
import random
from html.parser import HTMLParser
from pathlib import Path

import pytest

from calc.export import from_manifest, prairielearn
from tests.conftest import ROOT, require
from tests.test_export import HOSTILE, KINDS

SCHEMAS = ROOT / "tests" / "fixtures" / "prairielearn"


def _jsonschema():
    """jsonschema (in the test extras): skipped locally when missing, a failure in CI."""
    try:
        import jsonschema
    except ImportError:
        jsonschema = None
    require(jsonschema is not None, "jsonschema")
    return jsonschema


@pytest.fixture(scope="module")
def questions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from calc.cli import main

    course = tmp_path_factory.mktemp("course")
    assert (
        main(["handout", "lenet5", "--variants", "5", "--seed", "3", "--questions", ",".join(KINDS), "-o", str(course)])
        == 0
    )
    out = tmp_path_factory.mktemp("pl")
    assert main(["export", str(course / "variants.json"), "--to", "prairielearn", "-o", str(out)]) == 0
    return out


def _server(folder: Path):
    spec = importlib.util.spec_from_file_location(f"pl_server_{folder.name}", folder / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _generated(server, seed: int) -> dict:
    data = {"params": {}, "correct_answers": {}, "variant_seed": seed, "options": {}}
    random.seed(seed)  # as PrairieLearn seeds every generator with the variant seed
    server.generate(data)
    return data


def _graded(server, data: dict, answers: dict) -> dict:
    """grade() after the elements scored the answers, as PrairieLearn calls it."""
    scores = {
        name: {"score": float(answers[name] == value), "weight": 1} for name, value in data["correct_answers"].items()
    }
    graded = {
        "params": data["params"],
        "correct_answers": data["correct_answers"],
        "submitted_answers": {name: float(value) for name, value in answers.items()},
        "raw_submitted_answers": {name: str(value) for name, value in answers.items()},
        "format_errors": {},
        "partial_scores": scores,
        "score": sum(s["score"] for s in scores.values()) / len(scores),
        "feedback": {},
    }
    server.grade(graded)
    return graded


def test_info_json_valid_under_prairielearns_schema(questions):
    jsonschema = _jsonschema()
    schema = json.loads((SCHEMAS / "infoQuestion.json").read_text(encoding="utf-8"))
    folders = sorted(p for p in questions.iterdir() if p.is_dir())
    # one per question of the sheet: 5 output shapes, 5 parameter counts, the total, a formula, a solve
    assert len(folders) == 13
    uuids = set()
    for folder in folders:
        info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
        jsonschema.validate(info, schema)
        uuids.add(info["uuid"])
    assert len(uuids) == len(folders)


def test_uuids_are_stable_across_exports(questions, tmp_path):
    from calc.cli import main

    again = from_manifest(str(next(questions.parent.glob("course*/variants.json"))))  # the same manifest
    first = json.loads((questions / "lenet5_conv2d_params" / "info.json").read_text(encoding="utf-8"))
    item = [it for it in again.variants[0].items if it.quantity == "conv2d.params"][0]
    assert prairielearn.question_uuid("lenet5", item) == first["uuid"]
    # the same model with other variants is the same question: PrairieLearn updates it, never duplicates it
    out = tmp_path / "pl"
    assert main(["export", "lenet5", "--variants", "2", "--seed", "9", "--to", "prairielearn", "-o", str(out)]) == 0
    assert json.loads((out / "lenet5_conv2d_params" / "info.json").read_text(encoding="utf-8"))["uuid"] == first["uuid"]


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("pl-number-input", "pl-symbolic-input"):
            self.found.append((tag, dict(attrs)))


def test_question_html_elements_use_documented_attributes(questions):
    jsonschema = _jsonschema()
    schemas = {
        name: json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
        for name in ("pl-number-input", "pl-symbolic-input")
    }
    seen = set()
    for page in questions.glob("*/question.html"):
        parser = _Elements()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.found
        for tag, attrs in parser.found:
            jsonschema.validate(attrs, schemas[tag])
            seen.add(tag)
    assert seen == {"pl-number-input", "pl-symbolic-input"}


def test_generate_and_grade_give_calcs_feedback(questions):
    server = _server(questions / "lenet5_conv2d_params")
    code = ast.parse((questions / "lenet5_conv2d_params" / "server.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(code) if isinstance(node, ast.Import) for alias in node.names}
    assert imported == {"json", "random"}  # the standard library only: PrairieLearn needs no calc
    assert not any(isinstance(node, ast.ImportFrom) for node in ast.walk(code))
    picked = {_generated(server, seed)["params"]["variant"] for seed in range(40)}
    assert picked == {1, 2, 3, 4, 5}  # every exported variant can be drawn
    data = _generated(server, 1)
    right = data["correct_answers"]["answer"]
    assert _graded(server, data, {"answer": right})["feedback"] == {}
    variant = next(v for v in server.VARIANTS if v["variant"] == data["params"]["variant"])
    forgot = next(w for w in variant["wrong"] if w["mistakes"] == ["forgot_bias"])
    assert forgot["answers"]["answer"] < right
    feedback = _graded(server, data, forgot["answers"])["feedback"]["calc"]
    assert feedback.startswith("Mistake: forgot_bias.") and "bias" in feedback
    assert _graded(server, data, {"answer": right + 12345})["feedback"] == {}  # not a catalogued value: no guess


def test_a_shape_is_graded_size_by_size(questions):
    server = _server(questions / "lenet5_conv2d_output_shape")
    data = _generated(server, 2)
    right = data["correct_answers"]
    assert list(right) == ["size1", "size2", "size3"]
    wrong = dict(right, size1=right["size1"] - 1, size2=right["size2"] - 1)  # the + 1 left out
    assert _graded(server, data, wrong)["feedback"]["calc"].startswith("Mistake: forgot_plus_one.")
    one = dict(right, size1=right["size1"] - 1)  # one size wrong: the mistake that gives that size
    assert "forgot_plus_one" in _graded(server, data, one)["feedback"]["calc"]


def test_hostile_names_stay_inert_in_prairielearn(spec_file, cli, tmp_path):
    out = tmp_path / "pl"
    run = cli("export", spec_file(HOSTILE), "--to", "prairielearn", "-o", str(out))
    assert run.status == 0, run.err
    template = ast.parse((ROOT / "calc" / "export" / "prairielearn_server.py").read_text(encoding="utf-8"))
    for folder in out.iterdir():
        assert folder.name.replace("_", "").isalnum()  # a folder name, never a path
        code = ast.parse((folder / "server.py").read_text(encoding="utf-8"))
        assert len(code.body) == len(template.body)  # the variants are one string literal: nothing added
        server = _server(folder)
        data = _generated(server, 0)
        assert "<script" not in data["params"]["question_html"] and "<!--" not in data["params"]["question_html"]
        info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
        assert info["title"].startswith("evil & <script>")  # JSON text: PrairieLearn shows it escaped
