"""A class's answers judged in several processes: the same verdicts, in the same order, as in one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from calc import spread
from calc.checker import CheckResult, Question, analyze
from calc.grading import grade_rows, parse_answers

needs_fork = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")


@pytest.fixture
def small_shares(monkeypatch):
    """Spread even a few short answers over two processes."""
    monkeypatch.setattr(spread, "CHARACTERS_PER_WORKER", 1)


def _lenet5_jobs() -> list[tuple[Question, str]]:
    analysis = analyze("lenet5")
    params, shape, total = (
        Question(analysis, q, layer)
        for q, layer in [("params", "conv2d"), ("output_shape", "conv2d"), ("total_params", None)]
    )
    return [
        (params, "608"),
        (params, "600"),  # forgot_bias
        (params, "5*5*3*8 + 8*3"),
        (shape, "(None, 28, 28, 8)"),
        (shape, "(28, 28, 3)"),
        (total, "62,958"),
        (total, "2^65 3"),  # unreadable: said, not raised
        (params, "f(3k²+1)"),
    ] * 3


@needs_fork
def test_verdicts_from_workers_are_the_verdicts_judged_here(small_shares):
    jobs = _lenet5_jobs()
    here = spread.judge_all(jobs, workers=1)
    apart = spread.judge_all(jobs, workers=2)
    assert [r.portable() for r in apart] == [r.portable() for r in here]
    assert [r.correct for r in here[:8]] == [True, False, False, True, False, True, False, True]
    assert here[1].mistakes == ("forgot_bias",) and here[6].problem.startswith("exponent must be a whole number")
    # what a report reads came from the workers; the feedback is worked out here when asked for
    assert all(r.recheck is not None for r in apart)
    assert [r.feedback for r in apart] == [r.feedback for r in here]
    assert apart[1].to_text() == here[1].to_text() and apart[1]._repr_markdown_() == here[1]._repr_markdown_()


class _Where:
    """A judge that says which process judged it, and fails as asked."""

    def __init__(self, fail: str = ""):
        self.fail, self.parent = fail, os.getpid()

    def check(self, text: str) -> CheckResult:
        if self.fail == "raise":
            raise ValueError(text)
        if self.fail == "die" and os.getpid() != self.parent:
            os._exit(9)  # a worker killed midway (by the kernel's out-of-memory killer, say)
        return CheckResult(True, "params", None, "1", f"{os.getpid()} {text}", None)


@needs_fork
def test_the_work_is_done_in_other_processes(small_shares):
    results = spread.judge_all([(_Where(), "x" * 100)] * 40, workers=2)
    judged_in = {int(r.answer_text.split()[0]) for r in results}
    assert os.getpid() not in judged_in and 1 <= len(judged_in) <= 2  # on a busy machine one may do all


@needs_fork
def test_answers_grouped_by_question_come_back_in_order(small_shares):
    judges = [_Where() for _ in range(3)]
    jobs = [(judges[i % 3], f"answer{i}") for i in range(60)]
    results = spread.judge_all(jobs, workers=2)
    assert [r.answer_text.split()[1] for r in results] == [f"answer{i}" for i in range(60)]


@needs_fork
def test_a_failing_answer_is_said_and_the_others_judged(small_shares):
    jobs = [(_Where(), "1"), (_Where("raise"), "2"), (_Where(), "3")] * 10
    results = spread.judge_all(jobs, workers=2)
    assert results[1::3] == ["the answer could not be checked (ValueError)"] * 10
    assert all(r.correct for i, r in enumerate(results) if i % 3 != 1)


@needs_fork
def test_a_worker_that_dies_leaves_the_answers_to_this_process(small_shares):
    results = spread.judge_all([(_Where("die"), "x")] * 20, workers=2)
    assert [r.answer_text for r in results] == [f"{os.getpid()} x"] * 20


def test_small_work_one_core_or_threads_stay_in_this_process(monkeypatch):
    big = [(None, "x" * spread.CHARACTERS_PER_WORKER)] * 8
    assert spread._workers(big[:1], 8) == 1  # too little to gain
    many_questions = [
        (object(), "608") for _ in range(2 * spread.CHARACTERS_PER_WORKER // spread.CHARACTERS_PER_QUESTION)
    ]
    assert spread._workers(many_questions, 8) == 2  # each question's tables of mistakes are work too
    assert spread._workers(big, 1) == 1
    assert spread._workers(big, 3) == 3 and spread._workers(big, 64) == 8
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert spread._workers(big, 8) == 1  # forking a process that runs threads is unsafe


def test_shares_are_consecutive_and_about_equal():
    jobs = [(None, "x" * n) for n in [10, 10, 10, 10, 100, 10, 10, 10, 10, 10]]
    shares = spread._shares(jobs, 4)
    assert [i for share in shares for i in share] == list(range(10))
    assert shares[0] == range(0, 5) and len(shares) <= 4


@needs_fork
def test_a_class_report_is_the_same_whatever_the_processes(small_shares):
    text = "student,layer,quantity,answer\n" + "".join(
        f"s{i},{layer},{quantity},{answer}\n"
        for i in range(12)
        for layer, quantity, answer in [
            ("conv2d", "params", ["608", "600", "456", "f(3k²+1)"][i % 4]),
            ("conv2d_1", "params", ['"3,216"', "1216", "3200"][i % 3]),
            ("", "total_params", ["62958", "62720", "(1"][i % 3]),
        ]
    )
    analysis = analyze("lenet5")
    reports = [grade_rows(analysis, parse_answers(text.splitlines(keepends=True)), workers) for workers in (1, 2)]
    assert json.dumps(reports[0].to_dict()) == json.dumps(reports[1].to_dict())
    assert reports[1].to_csv() == reports[0].to_csv() and reports[1].render("markdown") == reports[0].render("markdown")
    assert reports[0].correct == 14 and len(reports[0].problems()) == 4


def test_jobs_must_be_a_count(cli, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("student,layer,quantity,answer\nann,conv2d,params,608\n", encoding="utf-8")
    run = cli("check", "lenet5", "--answers", str(path), "--jobs", "0")
    assert run.status == 2 and run.err.count("\n") == 1 and "--jobs" in run.err
    assert cli("check", "lenet5", "--answers", str(path), "--jobs", "1", "--format", "json").json()["correct"] == 1


@needs_fork
def test_what_was_written_before_is_written_once():
    script = """
import os
from calc import spread
from tests.test_spread import _Where
spread.CHARACTERS_PER_WORKER = 1
print("before the workers")  # a pipe is block-buffered: multiprocessing flushes it before a fork
results = spread.judge_all([(_Where(), "x")] * 8, workers=2)
print("judged elsewhere" if str(os.getpid()) not in {r.answer_text.split()[0] for r in results} else "here")
"""
    root = Path(__file__).resolve().parents[1]
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    run = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert run.stdout == "before the workers\njudged elsewhere\n", run.stderr


class _Slow:
    """A judge taking 0.1 s an answer, which writes a line for each answer it judges."""

    def __init__(self, log: str):
        self.log = log

    def check(self, text: str) -> CheckResult:
        with open(self.log, "a") as log:
            log.write("judged\n")
        time.sleep(0.1)
        return CheckResult(True, "params", None, "1", text, None)


@needs_fork
def test_ctrl_c_stops_the_workers_at_once(tmp_path):
    log = tmp_path / "judged"
    script = f"""
import sys
from calc import spread
from tests.test_spread import _Slow
spread.CHARACTERS_PER_WORKER = 1
try:
    spread.judge_all([(_Slow({str(log)!r}), "x")] * 400, workers=2)  # 20 s of work
except KeyboardInterrupt:
    sys.exit(130)
"""
    root = Path(__file__).resolve().parents[1]
    run = subprocess.Popen([sys.executable, "-c", script], cwd=root, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 30
    while not log.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C does: the parent and its workers are interrupted
    judged = len(log.read_text().splitlines())
    _, err = run.communicate(timeout=30)
    assert run.returncode == 130 and err == b""
    # each worker ends the answer it was judging, and judges no other (not the 50 of its next share)
    assert len(log.read_text().splitlines()) <= judged + 2


class _Unsendable:
    """A judge whose verdict cannot be pickled back from a worker."""

    def check(self, text: str) -> CheckResult:
        return CheckResult(True, "params", None, "1", text, str(os.getpid()), problem=lambda: None)


@needs_fork
def test_a_verdict_that_cannot_cross_leaves_the_answers_to_this_process(small_shares):
    results = spread.judge_all([(_Unsendable(), "x")] * 10, workers=2)
    assert [r.mistake for r in results] == [str(os.getpid())] * 10
