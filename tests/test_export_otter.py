"""calc export --to otter: otter assign builds the assignment, and otter run grades a correct notebook at
100% and one with the bias forgotten below 100%, showing calc's forgot_bias diagnosis. Offline: otter
runs the notebooks in a local kernel."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import require
from tests.test_export import HOSTILE

TIMEOUT = 600


def _otter() -> list[str]:
    require(shutil.which("otter") is not None or _importable("otter"), "otter-grader")
    return [sys.executable, "-m", "otter"]


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _filled(student: dict, answers: dict[str, str]) -> dict:
    notebook = copy.deepcopy(student)
    for cell in notebook["cells"]:
        match = re.fullmatch(r"(q\d+) = \.\.\.", "".join(cell["source"]).strip())
        if cell["cell_type"] == "code" and match:
            cell["source"] = [f"{match.group(1)} = {answers[match.group(1)]}"]
    return notebook


def _run(otter: list[str], archive: Path, notebook: Path, out: Path) -> dict:
    out.mkdir()
    subprocess.run(
        [*otter, "run", "-a", str(archive), "-o", str(out), str(notebook)],
        check=True,
        timeout=TIMEOUT,
        capture_output=True,
    )
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_otter_assign_and_run_grade_with_calcs_feedback(cli, tmp_path):
    otter = _otter()
    run = cli(
        "export",
        "lenet5",
        "--variants",
        "5",
        "--seed",
        "1",
        "--questions",
        "output_shape,params,total_params",
        "--to",
        "otter",
        "-o",
        str(tmp_path / "otter"),
    )
    assert run.status == 0, run.err
    masters = sorted((tmp_path / "otter").glob("*/*.ipynb"))
    assert [m.name for m in masters] == [f"lenet5-{n}.ipynb" for n in range(1, 6)]
    master = masters[0]
    dist = master.parent / "dist"
    subprocess.run(
        [*otter, "assign", master.name, "dist"], cwd=master.parent, check=True, timeout=TIMEOUT, capture_output=True
    )
    (archive,) = (dist / "autograder").glob("*.zip")
    student = json.loads((dist / "student" / master.name).read_text(encoding="utf-8"))
    assert "SOLUTION" not in json.dumps(student)  # the answers are taken out of the student's notebook
    # the right answers, read off the variant's manifest-equivalent records (calc's own computation)
    from calc.export import from_model

    items = from_model("lenet5", ["output_shape", "params", "total_params"], 5, 1).variants[0].items
    right = {it.id: repr(tuple(it.expected)) if isinstance(it.expected, list) else str(it.expected) for it in items}
    conv = next(it for it in items if it.quantity == "conv2d.params")
    forgot = next(w for w in conv.wrong if w.mistakes == ["forgot_bias"])

    (tmp_path / "right.ipynb").write_text(json.dumps(_filled(student, right)), encoding="utf-8")
    (tmp_path / "forgot.ipynb").write_text(
        json.dumps(_filled(student, {**right, conv.id: str(forgot.value)})), encoding="utf-8"
    )
    graded = _run(otter, archive, tmp_path / "right.ipynb", tmp_path / "out-right")
    scores = [t for t in graded["tests"] if "max_score" in t]
    assert sum(t["score"] for t in scores) == sum(t["max_score"] for t in scores) == sum(it.marks for it in items)

    graded = _run(otter, archive, tmp_path / "forgot.ipynb", tmp_path / "out-forgot")
    scores = {t["name"]: t for t in graded["tests"] if "max_score" in t}
    assert sum(t["score"] for t in scores.values()) == sum(it.marks for it in items) - conv.marks
    shown = scores[conv.id]["output"]
    assert "Mistake: forgot_bias." in shown and forgot.diagnosis.split("\n")[0] in shown
    assert str(conv.expected) not in shown  # the failing line compares digests: the answer is not shown


def test_hostile_names_stay_inert_in_otter(spec_file, cli, tmp_path):
    import ast

    from markdown_it import MarkdownIt

    run = cli("export", spec_file(HOSTILE), "--to", "otter", "-o", str(tmp_path / "otter"))
    assert run.status == 0, run.err
    (master,) = (tmp_path / "otter").glob("*/*.ipynb")
    assert master.parent.name.replace("_", "").replace("-", "").isalnum()  # the folder is a plain name
    notebook = json.loads(master.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            tree = ast.parse(source)  # names are inside string literals: the code is calc's, nothing more
            assert all(isinstance(node, (ast.Assign, ast.FunctionDef, ast.Expr)) for node in tree.body)
        elif cell["cell_type"] == "markdown":  # rendered as Jupyter does, raw HTML allowed: none comes through
            rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(source)
            assert "<script" not in rendered and "<!--" not in rendered
