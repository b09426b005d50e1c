"""Hostile inputs that once cost gigabytes, hung or ended in an internal error (issue 16): each is now
refused, or answered, in one line with a bounded cost."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from calc.files import read_capped

LENET_ANSWERS = "student,layer,quantity,answer\nada,conv2d,params,156\n"


def one_line(run) -> str:
    assert run.err.count("\n") == 1, run.err
    assert len(run.err) < 300, run.err[:300]
    return run.err


# --- reads: capped while reading, whatever the file is ------------------------------------------


def test_endless_device_is_refused_as_a_model_and_as_answers(cli):
    run = cli("summary", "/dev/zero")
    assert run.status == 2 and "too large" in one_line(run)
    run = cli("check", "lenet5", "--answers", "/dev/zero")
    assert run.status == 2 and "too large" in one_line(run)


def test_fifo_without_a_writer_is_refused_not_a_hang(cli, tmp_path, monkeypatch):
    monkeypatch.setattr("calc.files.WRITER_WAIT", 0.2)
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    run = cli("summary", str(fifo))
    assert run.status == 2 and "nothing was written to the pipe" in one_line(run)


def test_fifo_with_a_writer_is_read_like_a_file(cli, tmp_path):
    fifo = tmp_path / "answers.csv"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "w", encoding="utf-8") as stream:
            stream.write(LENET_ANSWERS)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        data = read_capped(fifo)
    finally:
        writer.join(timeout=5)
    assert data.decode() == LENET_ANSWERS


def test_a_stream_past_the_cap_is_refused_without_reading_it_all(tmp_path: Path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 1001)
    assert read_capped(big, 1001) == b"#" * 1001
    with pytest.raises(Exception, match="more than 1,000 bytes"):
        read_capped(big, 1000)


def test_a_handout_is_not_made_from_a_stream(cli, tmp_path):
    fifo = tmp_path / "model.yaml"
    os.mkfifo(fifo)
    run = cli("handout", str(fifo), "-o", str(tmp_path / "out"))
    assert run.status == 2 and "regular file" in one_line(run)


# --- spec text: no aliases, no key twice, no endless numbers, one layer cap for the whole model -------

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)
)


def test_yaml_aliases_are_refused_at_once(cli, spec_file):
    path = spec_file("input: [4]\n" + BILLION_LAUGHS + "layers:\n  - Dense: {units: *j}\n")
    run = cli("summary", path)
    assert run.status == 2 and "alias (*a)" in one_line(run) and "line 3" in run.err


@pytest.mark.parametrize(
    ("text", "suffix"),
    [
        ("input: [4]\ninput: [8]\nlayers:\n  - Dense: {units: 2}\n", ".yaml"),
        ("input: [4]\nlayers:\n  - Dense: {units: 2, units: 3}\n", ".yaml"),
        ('{"input": [4], "layers": [{"Dense": {"units": 2, "units": 3}}]}', ".json"),
    ],
    ids=["top-level", "arguments", "json"],
)
def test_a_key_written_twice_is_refused(cli, spec_file, text, suffix):
    run = cli("summary", spec_file(text, suffix))
    assert run.status == 2 and "written twice" in one_line(run)


@pytest.mark.parametrize(
    ("text", "suffix"),
    [
        ("input: [" + "9" * 5000 + "]\nlayers:\n  - Dense: {units: 2}\n", ".yaml"),
        ('{"input": [' + "9" * 5000 + '], "layers": [{"Dense": {"units": 2}}]}', ".json"),
        ("input = [" + "9" * 5000 + "]\nlayers = [{Dense = {units = 2}}]\n", ".toml"),
    ],
    ids=["yaml", "json", "toml"],
)
def test_a_5000_digit_number_is_one_line(cli, spec_file, text, suffix):
    run = cli("summary", spec_file(text, suffix))
    assert run.status == 2 and "100 digits" in one_line(run)


def test_the_layer_cap_counts_nested_blocks():
    """Nine levels of blocks, each holding ten of the level below: 10^9 layers from a few shared objects
    (as a Keras source's loops can build them); refused by counting before any layer is built."""
    from calc.model import MAX_LAYERS
    from calc.spec import from_spec

    inner: dict = {"layers": [{"Dense": {"units": 2}}] * 10}
    for _ in range(8):
        inner = {"layers": [{"Model": inner}] * 10}
    with pytest.raises(Exception, match=f"more than {MAX_LAYERS:,} layers, nested blocks included"):
        from_spec({"input": [4], "layers": [{"Model": inner}]})
    small = {"layers": [{"Model": {"layers": [{"Dense": {"units": 2}}] * 3}}] * 2}
    assert from_spec({"input": [4], "layers": [{"Model": small}]}).analyze().total_params == 10 + 5 * 6


# --- the cache: private folder, regular files, checksums, nothing unpickled -------------------------


def _zoo_entry(cache: Path) -> Path:
    from calc.zoo import zoo_spec

    zoo_spec("lenet5")
    (entry,) = (cache / "calc" / "zoo").glob("lenet5-*")
    return entry


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def test_an_edited_cache_entry_is_recomputed(cli, own_cache):
    entry = _zoo_entry(own_cache)
    edited = entry.read_bytes().replace(b'"units": 120', b'"units": 999')
    assert edited != entry.read_bytes()
    entry.write_bytes(edited)
    run = cli("summary", "lenet5")
    assert run.status == 0 and "Total params: 62,958" in run.out
    assert b'"units": 120' in entry.read_bytes()  # written again, whole and checked


@pytest.mark.parametrize("kind", ["symlink to /dev/zero", "fifo"])
def test_a_cache_entry_that_is_no_regular_file_is_ignored(cli, own_cache, kind):
    entry = _zoo_entry(own_cache)
    entry.unlink()
    if kind == "fifo":
        os.mkfifo(entry)
    else:
        entry.symlink_to("/dev/zero")
    run = cli("summary", "lenet5")
    assert run.status == 0 and "Total params: 62,958" in run.out
    assert entry.is_file() and not entry.is_symlink()  # replaced by a checked entry, never written through


def test_a_cache_folder_others_may_write_is_not_used(own_cache):
    from calc.cache import cache_folder

    assert cache_folder("zoo") is not None
    (own_cache / "calc").chmod(0o777)
    assert cache_folder("zoo") is None
    (own_cache / "calc").chmod(0o700)
    (own_cache / "calc" / "zoo").chmod(0o775)
    assert cache_folder("zoo") is None


def test_templates_have_no_bytecode_cache():
    """Jinja's bytecode cache unpickles its files: a planted file would run as calc."""
    from calc.render.templating import environment

    for fmt in ("markdown", "latex", "html", "text"):
        assert environment(fmt).bytecode_cache is None


# --- output: whole files or none, a full stdout is one line, -o - is stdout ---------------------------


def test_a_failed_write_leaves_the_old_file_and_no_litter(cli, tmp_path, monkeypatch):
    target = tmp_path / "summary.txt"
    target.write_text("the good old summary\n")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("calc.files.os.replace", full_disk)
    run = cli("summary", "lenet5", "-o", str(target))
    assert run.status == 2 and "No space left on device" in one_line(run)
    assert target.read_text() == "the good old summary\n"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.txt"]


def test_an_output_file_is_replaced_whole_keeping_its_mode(cli, tmp_path):
    target = tmp_path / "summary.txt"
    target.write_text("old\n")
    target.chmod(0o640)
    assert cli("summary", "lenet5", "-o", str(target)).status == 0
    assert "Total params: 62,958" in target.read_text() and target.stat().st_mode & 0o777 == 0o640


def test_an_output_that_is_no_regular_file_is_written_in_place(cli, tmp_path):
    """-o /dev/null, /dev/full or a FIFO: renaming a file over it would replace the device itself."""
    import stat

    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    run = cli("summary", "lenet5", "-o", str(fifo))
    reader.join(timeout=10)
    assert run.status == 0 and b"Total params: 62,958" in received[0]
    assert stat.S_ISFIFO(fifo.stat().st_mode) and [p.name for p in tmp_path.iterdir()] == ["out.fifo"]


def test_an_output_symlink_is_kept_and_its_target_replaced(cli, tmp_path):
    target, link = tmp_path / "real.txt", tmp_path / "link.txt"
    link.symlink_to(target)
    assert cli("summary", "lenet5", "-o", str(link)).status == 0
    assert link.is_symlink() and "Total params: 62,958" in target.read_text()


def test_dash_output_is_standard_output(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = cli("summary", "lenet5", "-o", "-")
    assert run.status == 0 and "Total params: 62,958" in run.out and not (tmp_path / "-").exists()


@pytest.mark.parametrize("command", [["summary", "lenet5"], ["derive", "lenet5"], ["zoo"]])
def test_a_full_standard_output_is_one_line(command):
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        run = subprocess.run(
            [sys.executable, "-m", "calc", *command], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60
        )
    assert run.returncode == 2 and run.stderr == "calc: cannot write to standard output (No space left on device)\n"


# --- messages quote at most 80 characters of a value -------------------------------------------------


def test_a_huge_value_in_keras_source_is_quoted_short(cli, spec_file):
    source = "import keras\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense([['x'*10000]*10000]*9)])\n"
    run = cli("summary", spec_file(source, ".py"))
    assert run.status == 2 and "units" in one_line(run) and "..." in run.err


@pytest.mark.parametrize("value", ['"' + "x" * 100_000 + '"', "[" + "1, " * 50_000 + "1]"])
def test_a_huge_value_in_a_spec_is_quoted_short(cli, spec_file, value):
    run = cli("summary", spec_file(f"input: [4]\nlayers:\n  - Dropout: {{rate: {value}}}\n"))
    assert run.status == 2 and "rate" in one_line(run)


def test_a_layer_name_with_a_bracket_is_refused_at_the_name(cli, spec_file):
    run = cli("summary", spec_file('input: [4]\nlayers:\n  - Dense: {units: 2, name: "a[0]"}\n'))
    assert run.status == 2 and "'a[0]' has a bracket" in one_line(run) and "layer 1" in run.err


def test_a_keras_layer_name_with_a_bracket_is_refused_at_the_name(cli, tmp_path):
    fixture = Path(__file__).parent / "fixtures" / "keras_import" / "conv1d_residual.json"
    path = tmp_path / "model.json"
    path.write_text(fixture.read_text().replace('"conv1d"', '"conv[1]"'))
    run = cli("summary", str(path))
    assert run.status == 2 and "'conv[1]' has a bracket" in one_line(run)


# --- LaTeX compiles for any Unicode name -------------------------------------------------------------


def test_latex_escapes_accents_as_commands_and_braces_brackets():
    from calc.render.templating import escape_latex

    assert escape_latex("über") == '\\"{u}ber'
    assert escape_latex("Ça ß") == "\\c{C}a {\\ss}"
    assert escape_latex("日") == "{[}U+65E5{]}"
    assert escape_latex("a[0]") == "a{[}0{]}"


@pytest.mark.parametrize("fmt", ["summary", "derive"])
def test_latex_with_unicode_names_compiles(cli, tmp_path, fmt):
    import subprocess

    from tests.conftest import require_program

    pdflatex = require_program("pdflatex")
    spec = tmp_path / "m.yaml"
    spec.write_text(
        'name: "m[1] über 日本"\ninput: [4]\nlayers:\n  - Dense: {units: 2, name: "über"}\n'
        '  - Dense: {units: 2, name: "naïve_日本_Ω"}\n',
        encoding="utf-8",
    )
    tex = tmp_path / "out.tex"
    assert cli(fmt, str(spec), "--format", "latex", "-o", str(tex)).status == 0
    run = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", tex.name],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    assert '\\"{u}ber' in tex.read_text()


# --- answers: bounded numbers, one bad row never stops the class, answers that start with - -----------

SYMBOLIC = "input: [32, 32, 3]\nlayers:\n  - Conv2D: {filters: f, kernel_size: k}\n"
HUGE_ANSWERS = ["((k+f+1)^64)^64", "*".join(["999999999999999999^64"] * 3)]


@pytest.mark.parametrize("answer", HUGE_ANSWERS)
@pytest.mark.parametrize("model", ["lenet5", "symbolic"])
def test_answers_with_huge_numbers_are_one_line_never_exit_3(cli, spec_file, answer, model):
    target = "lenet5" if model == "lenet5" else spec_file(SYMBOLIC)
    run = cli("check", target, "--layer", "conv2d", "--quantity", "params", "--answer", answer)
    if run.status == 1:  # symbolic and not too large: judged, and wrong
        assert "incorrect" in run.out and model == "symbolic"
    else:
        assert run.status == 2 and "too large" in one_line(run)


def test_an_answer_may_start_with_a_minus(cli):
    run = cli("check", "lenet5", "--layer", "conv2d", "--quantity", "params", "--answer", "-k + 613")
    assert run.status == 0 and run.out.startswith("correct")


def test_one_failing_row_is_reported_and_the_rest_graded(cli, tmp_path, monkeypatch):
    from calc.checker import Question

    check = Question.check

    def fragile(self, text):
        if text == "boom":
            raise ValueError("an internal failure on this one answer")
        return check(self, text)

    monkeypatch.setattr(Question, "check", fragile)
    rows = [
        "ada,conv2d,params,608",
        "bob,conv2d,params,boom",
        *(f"s{i},conv2d,params,{a}" for i, a in enumerate(HUGE_ANSWERS)),
    ]
    answers = tmp_path / "answers.csv"
    answers.write_text("student,layer,quantity,answer\n" + "\n".join([*rows, "cy,conv2d,params,608"]) + "\n")
    run = cli("check", "lenet5", "--answers", str(answers), "--format", "json")
    assert run.status == 0 and not run.err
    report = run.json()
    assert report["answers"] == 5 and report["correct"] == 2  # ada and cy, after the failures
    problems = {p["line"]: p["problem"] for p in report["problems"]}
    assert problems[3] == "unreadable: the answer could not be checked (ValueError)"
    assert "too large" in problems[4] and "too large" in problems[5]


# --- Repeat: a closed form for blocks that multiply the jump; bounded nesting -----------------------


def _strided_block(times: int, unrolled: bool = False) -> str:
    """A block that keeps its shape (10 positions) but doubles the jump: a stride-2 Conv1D, then padding."""
    block = "        - Conv1D: {filters: 1, kernel_size: 3, strides: 2}\n        - ZeroPadding1D: {padding: [3, 3]}\n"
    if unrolled:
        return "input: [10, 1]\nlayers:\n" + "".join(block.replace("        ", "  ") for _ in range(times))
    return f"input: [10, 1]\nlayers:\n  - Repeat:\n      times: {times}\n      layers:\n" + block


@pytest.mark.parametrize("times", [2, 3, 5])
def test_repeated_jump_changing_block_has_the_field_of_its_copies_written_out(times):
    """The geometric series agrees with the copies written out: r = 1 + 2(2^m - 1), j = 2^m."""
    import calc

    repeated = calc.from_text(_strided_block(times), suffix=".yaml").analyze().records[-1].compute
    written = calc.from_text(_strided_block(times, unrolled=True), suffix=".yaml").analyze().records[-1].compute
    assert repeated.receptive_field == written.receptive_field == (1 + 2 * (2**times - 1),)
    assert repeated.jump == written.jump == (2**times,)
    assert repeated.start == written.start


@pytest.mark.parametrize("times", [100_000, 1_000_000_000])
def test_a_huge_repeat_count_leaves_the_field_unfollowed_at_once(cli, spec_file, times):
    path = spec_file(_strided_block(times))
    run = cli("summary", path, "--columns", "rf")
    assert run.status == 0 and "repeat (Repeat)   (None, 10, 1)   -    -" in run.out
    assert cli("summary", path, "--format", "json").status == 0
    run = cli("derive", path, "--include", "rf")
    assert run.status == 0 and "would pass 4,096 bits" in run.out


def test_blocks_nested_too_deep_are_refused(cli, spec_file):
    block = '{"layers": [{"Dense": {"units": 4}}]}'
    for _ in range(40):
        block = '{"layers": [{"Repeat": {"times": 999999999999999999, ' + block[1:] + "}]}"
    run = cli("summary", spec_file('{"input": [4], ' + block[1:], ".json"))
    assert run.status == 2 and "nested more than 32 deep" in one_line(run)


# --- output is linear in the model's size --------------------------------------------------------------


def test_summary_json_reads_the_records_a_fixed_number_of_times():
    """Each layer's calls come from an index built once, not from a scan of every record per layer (which
    made --format json quadratic: 10,000 Dense layers took 15.7 s). Timings live in benchmarks/."""
    import calc
    from calc.summary import Summary

    class Counted(list):
        scans = 0

        def __iter__(self):
            Counted.scans += 1
            return super().__iter__()

    for size in (10, 200):
        analysis = calc.from_spec({"input": [8], "layers": [{"Dense": {"units": 8}}] * size}).analyze()
        analysis.records = Counted(analysis.records)
        Counted.scans = 0
        data = Summary(analysis, ["params", "macs", "activations"]).to_dict()
        assert len(data["layers"]) == size and data["total_params"] == size * 72
        assert Counted.scans < 20, Counted.scans


def test_the_calls_of_a_shared_layer_are_indexed():
    import calc

    spec = {
        "inputs": {"a": [8], "b": [8]},
        "layers": [
            {"Dense": {"units": 4, "name": "shared", "inputs": ["a"]}},
            {"shared": {"inputs": ["b"]}},
            {"Add": {"inputs": ["shared", "shared[1]"]}},
        ],
    }
    analysis = calc.from_spec(spec).analyze()
    assert [r.call for r in analysis.calls(analysis.layer("shared"))] == [0, 1]


# --- equivalence: exact values in Python's numbers, the same as sympy's --------------------------------


def test_exact_evaluation_agrees_with_sympy():
    import sympy as sp

    from calc.equivalence import evaluate
    from calc.expressions import make_symbol

    k, f = make_symbol("k"), make_symbol("f")
    point = {k: sp.Integer(7), f: sp.Integer(3)}
    expressions = [
        f * (3 * k**2 + 1),
        sp.floor((k - 2) / f) + 1,
        sp.ceiling(k / 2) - sp.Rational(1, 3) * f**-2,
        (k + f + 1) ** 64 / (k - f) ** 3,
        sp.Max(k, f) + 1,  # not evaluated by hand: sympy does it
    ]
    for expr in expressions:
        assert evaluate(expr, point) == expr.xreplace(point)
        assert type(evaluate(expr, point)) is type(expr.xreplace(point))
    assert evaluate(1 / (k - 7), point) is None  # a division by zero


# --- smaller fixes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["summary", "lenet5", "--set", "k=５"],
        ["check", "lenet5", "--layer", "conv2d", "--quantity", "params", "--answer", "６０８"],
    ],
)
def test_fullwidth_digits_are_refused_with_a_hint(cli, args):
    run = cli(*args)
    assert run.status == 2 and "as ASCII 0-9" in one_line(run)


def test_fullwidth_digits_in_a_spec_are_refused(cli, spec_file):
    run = cli("summary", spec_file('input: [32, 32, 3]\nlayers:\n  - Conv2D: {filters: "８", kernel_size: 3}\n'))
    assert run.status == 2 and "write the digit 8 as ASCII 0-9" in one_line(run)


def test_json_expressions_read_back_whatever_the_symbols_are_called(cli, spec_file):
    import sympy as sp

    path = spec_file(
        "input: [32, 32, 3]\nsymbols: {I: null, pi: 3}\nlayers:\n  - Conv2D: {filters: I, kernel_size: pi}\n"
    )
    data = cli("formula", path, "--format", "json").json()
    assert data["expression"] == "3*Symbol('I')*Symbol('pi')**2 + Symbol('I')"
    i, pi = sp.Symbol("I"), sp.Symbol("pi")
    assert sp.sympify(data["expression"]) == 3 * i * pi**2 + i  # not the imaginary unit, not 3.14...
    bert = cli("formula", "bert_base", "--keep", "I", "--format", "json").json()
    assert sp.sympify(bert["expression"]).free_symbols == {sp.Symbol("I")}


def test_an_unclosed_quote_spoils_its_own_row_only(cli, tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text(
        'student,layer,quantity,answer\nada,conv2d,params,"608\nbob,conv2d,params,608\ncy,,total_params,"62,958"\n'
    )
    report = cli("check", "lenet5", "--answers", str(answers), "--format", "json").json()
    assert report["answers"] == 3 and report["correct"] == 2
    assert report["problems"] == [
        {"line": 2, "student": "ada", "problem": 'malformed CSV: a quote (") opened on this line is not closed'}
    ]


def test_csv_output_has_no_nul_bytes(cli, tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_bytes(b"student,layer,quantity,answer\nad\x00a,conv2d,params,60\x008\n")
    run = cli("check", "lenet5", "--answers", str(answers), "--format", "csv")
    assert run.status == 0 and "student,ad" in run.out and "\x00" not in run.out


def test_the_handout_could_not_draw_error_is_short(cli, spec_file, tmp_path):
    path = spec_file(
        'input: [32, 32, 3]\nsymbols: {k: 3}\nvary: {k: "1:9999"}\nlayers:\n  - Conv2D: {filters: 4, kernel_size: k}\n'
        "  - Conv2D: {filters: 4, kernel_size: 40}\n"
    )
    run = cli("handout", path, "--variants", "3", "-o", str(tmp_path / "out"))
    assert run.status == 2 and "could not draw 3 valid variants (k in [1, 2, 3, 4, 5, 6, ...])" in run.err
    assert run.err.count("\n") == 1 and len(run.err) < 1100


# --- docs/limits.md states the limits the code has -----------------------------------------------------

LIMITS_DOC = Path(__file__).resolve().parents[1] / "docs" / "limits.md"


@pytest.mark.parametrize(("text", "least"), [(LIMITS_DOC.read_text(encoding="utf-8"), 18), ("README", 6)])
def test_the_limits_page_states_the_limits_in_the_code(text, least):
    """Each row of the table (docs/limits.md's, and the README's short one, which issue 16 asks for: file
    size, layers, repeat count, answer size) names the constant that sets it; the number written must be
    its value."""
    import importlib
    import re

    from tests.docs_examples import region

    if text == "README":
        text = region("README.md", "limits")
    rows = re.findall(r"^\| (.+?) \| (.+?) \| `(calc\.[\w.]+)` \|$", text, re.M)
    assert len(rows) >= least
    for what, limit, where in rows:
        module, _, name = where.rpartition(".")
        value = getattr(importlib.import_module(module), name)
        stated = re.match(r"[\d,.]+", limit).group().replace(",", "")
        assert float(stated) == value, (what, limit, value)


def test_the_limits_page_examples_are_what_calc_prints(cli):
    import re
    import shlex

    from tests.docs_examples import block as marked

    block = marked("docs/limits.md", "limits-refused")
    examples = re.findall(r"^\$ calc (.+)\n(calc: .+)$", block, re.M)
    assert len(examples) == 3
    for command, printed in examples:
        run = cli(*shlex.split(command))
        assert run.status == 2 and run.err == printed + "\n"


def _nested_huge_repeats() -> str:
    block = '{"layers": [{"Dense": {"units": 4}}]}'
    for _ in range(4):
        block = '{"layers": [{"Repeat": {"times": "999999999999999999**64", ' + block[1:] + "}]}"
    return '{"input": [4], ' + block[1:]


@pytest.mark.parametrize(
    ("text", "suffix", "words"),
    [
        ('input: [4]\nlayers:\n  - Dense: {units: "999999999999999999**64"}\n', ".yaml", "an output size"),
        (_nested_huge_repeats(), ".json", "the parameter count"),
    ],
    ids=["huge-size", "nested-huge-repeats"],
)
def test_sizes_and_counts_past_1024_bits_are_one_line(cli, spec_file, text, suffix, words):
    """Each value passes the parser (a power under 4,096 bits), but products and nested Repeat counts
    would pass the 4,300 digits Python prints: refused at the layer, never an internal error."""
    run = cli("summary", spec_file(text, suffix))
    assert run.status == 2 and f"{words} would be a number" in one_line(run) and "1,024 bits" in run.err
