"""The interactive page without a browser: its contract, its safety, its messages (tests/test_interactive_browser.py
runs it in Chromium)."""

from __future__ import annotations

import json
import re

import pytest
import sympy as sp

from calc.errors import CalcError
from calc.interactive import parse_vary_options
from calc.layers.base import spoken
from calc.render.javascript import compile_javascript
from calc.spec import from_text, load

HOSTILE = (
    "name: '</script><script>alert(1)</script>'\ninput: [n, n, 3]\nsymbols: {n: 8}\nlayers:\n"
    "  - Conv2D: {filters: 4, kernel_size: 3, name: '<img src=x onerror=alert(2)>'}\n"
    "  - Dense: {units: 2, name: 'a\"b&c</math>'}\n"
)


def _data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="calc-data">(.*?)</script>', html, re.DOTALL)
    assert match
    return json.loads(match.group(1))


def test_page_is_one_self_contained_deterministic_file(cli):
    first = cli("derive", "lenet5", "--format", "html", "--practice")
    assert first.status == 0, first.err
    assert first.out == cli("derive", "lenet5", "--format", "html", "--practice").out
    html = first.out
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)  # nothing fetched
    assert "default-src 'none'" in html  # and the browser is told to fetch nothing either
    assert "@import" not in html and "url(" not in html


def test_page_contract_inputs_and_answer_boxes(cli):
    html = cli("derive", "lenet5", "--format", "html", "--practice").out
    assert re.findall(r'<input type="range" id="slider-\w+" name="(\w+)"', html) == ["f", "k"]
    boxes = re.findall(r'data-layer="([^"]*)" data-quantity="(\w+)"', html)
    layers = ["conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "flatten", "dense", "dense_1", "dense_2"]
    assert boxes == [(name, q) for name in layers for q in ("output_shape", "params")] + [("", "total_params")]
    data = _data(html)
    assert [c["name"] for c in data["controls"]] == ["f", "k"]
    assert data["controls"][0] == {"name": "f", "min": 4, "max": 16, "step": 4, "initial": 8}  # the handouts' defaults
    conv = next(q for q in data["questions"] if q["layer"] == "conv2d" and q["quantity"] == "params")
    assert conv["candidates"][0]["mistakes"] == ["forgot_bias"]


def test_without_practice_the_numbers_are_in_the_page(cli):
    html = cli("derive", "lenet5", "--format", "html").out
    assert "62,958" in html and "data-quantity" not in html
    assert _data(html)["questions"] == []


def test_hostile_names_are_escaped(cli, spec_file):
    path = spec_file(HOSTILE)
    run = cli("derive", path, "--format", "html", "--practice")
    assert run.status == 0, run.err
    html = run.out
    assert "<script>alert" not in html and "<img src=x" not in html and 'a"b&c</math>' not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert html.count("</script>") == 2  # the data and the script, nothing a name closed early
    data = _data(html)
    assert any(q["layer"] == "<img src=x onerror=alert(2)>" for q in data["questions"])


def test_vary_options():
    assert parse_vary_options(["k=1:7,f=4:64:4"]) == {"k": list(range(1, 8)), "f": list(range(4, 65, 4))}
    assert parse_vary_options(["k=3,5,7", "f=8"]) == {"k": [3, 5, 7], "f": [8]}
    with pytest.raises(CalcError, match="given twice"):
        parse_vary_options(["k=3", "k=5"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vary", "q=1:3"], "lenet5: --vary: the model has no symbol 'q' (its symbols: f, k)"),
        (["--vary", "k=0:3"], "values must be positive whole numbers"),
        (["--vary", "k=1:100000"], "a slider has at most 10,000"),
        (["--format", "markdown", "--practice"], "add --format html"),
    ],
)
def test_bad_options_are_one_line(cli, args, message):
    fmt = [] if "--format" in args else ["--format", "html"]
    run = cli("derive", "lenet5", *fmt, *args)
    assert run.status == 2 and run.out == ""
    assert message in run.err and run.err.count("\n") == 1 and "Traceback" not in run.err


def test_a_symbol_without_a_value_needs_a_slider(cli, spec_file):
    path = spec_file("input: [8, 8, 3]\nlayers:\n  - Conv2D: {filters: f, kernel_size: 3}\n")
    run = cli("derive", path, "--format", "html", "--vary", "f=2:6:2")
    assert run.status == 0, run.err
    assert _data(run.out)["controls"] == [{"name": "f", "min": 2, "max": 6, "step": 2, "initial": 2}]


def test_compiled_code_is_bigint_arithmetic_only():
    k, f = sp.symbols("k f", integer=True, positive=True)
    code = compile_javascript(sp.floor((31 - k) / 2) + sp.ceiling(f / 3) + sp.Max(k, f) + sp.Mod(k, 2) - k**2, [k, f])
    assert re.fullmatch(r"\[(?:v\[\d\]|\d+n|fdiv|cdiv|max|min|[-+*/(), ])*\]", code), code
    assert "Math." not in code and not re.search(r"\b[kf]\b", code)  # symbols by position, never by name


# A spec per kind of check the layers make, with values that fail it: the message that the page
# composes from the recorded condition (words and expressions, evaluated at the point) is the CLI's.
FAILING = [
    ("input: [n, n, 3]\nsymbols: {n: 8}\nlayers:\n  - Conv2D: {filters: 4, kernel_size: k}\n", {"k": 9}),
    (
        "input: [n, n, 3]\nsymbols: {n: 8}\nlayers:\n  - MaxPooling2D: {pool_size: 2}\n"
        "  - Conv2D: {filters: 4, kernel_size: 3}\n",
        {"n": 5},
    ),
    ("input: [n, n, 3]\nsymbols: {n: 8}\nlayers:\n  - Cropping2D: {cropping: c}\n", {"n": 8, "c": 4}),
    ("input: [8, 8, c]\nsymbols: {c: 6}\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 3, groups: 4}\n", {"c": 6}),
    ("input: [8, 8, 3]\nlayers:\n  - Conv2D: {filters: f - 4, kernel_size: 3}\n", {"f": 4}),
    ("input: [n]\nsymbols: {n: 8}\nlayers:\n  - Dense: {units: u}\n  - Reshape: {target_shape: [4, 2]}\n", {"u": 6}),
]


@pytest.mark.parametrize(("text", "values"), FAILING)
def test_recorded_messages_are_the_clis(cli, spec_file, text, values):
    path = spec_file(text)
    sets = [item for name, value in values.items() for item in ("--set", f"{name}={value}")]
    run = cli("summary", path, *sets)
    assert run.status == 2
    model = load(path)
    analysis = model.analyze({}, free=list(values), record=True)
    point = {s: sp.Integer(values[s.name]) for s in model.symbols if s.name in values}
    for record in analysis.records:
        for condition in record.conditions:
            value = condition.expr.xreplace(point)
            if not (value.is_Integer and value >= condition.minimum):
                assert condition.message, condition
                message = spoken(tuple(p if isinstance(p, str) else p.xreplace(point) for p in condition.message))
                assert run.err.strip().endswith(message), (run.err, message)
                return
    pytest.fail(f"no recorded condition fails at {values}, but the CLI says {run.err}")


def test_page_from_source_text_has_no_file_prefix_problems():
    model = from_text("input: [n]\nsymbols: {n: 4}\nlayers:\n  - Dense: {units: 2}\n", source="m.yaml")
    from calc.interactive import build_page, choose_controls

    page = build_page(model, choose_controls(model, {"n": [2, 4]}, None, {}))
    assert page.where == "calc: m.yaml: "
    assert page.layers[0].where == "calc: m.yaml: layer 1 (dense, Dense): "


def test_the_commands_in_the_docs_run(cli, tmp_path):
    """Every `calc ...` line of docs/interactive.md's shell blocks writes its page."""
    import shlex

    from tests.docs_examples import block

    commands = [
        line.split("#")[0].strip()
        for line in block("docs/interactive.md", "interactive-commands").splitlines()
        if line.startswith("calc ")
    ]
    assert len(commands) == 4
    for number, command in enumerate(commands):
        args = shlex.split(command)[1:]
        args[args.index("-o") + 1] = str(tmp_path / f"{number}.html")
        run = cli(*args)
        assert run.status == 0, (command, run.err)
        assert (tmp_path / f"{number}.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
