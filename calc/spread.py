"""Judging a class's answers on every core the machine gives this process.

Reading an answer near the 1,000-character cap costs about a millisecond of pure Python, so 10,000
of them cost seconds on one core whatever is done per answer; a class is many independent answers,
so the work divides. Worker processes are forked once the questions are built, so they start with
the analysis and the questions in memory (nothing is pickled on the way in); each judges a share of
the distinct answers and sends back only what a class's report reads (``CheckResult.portable``).
The feedback of an answer judged elsewhere is worked out again here if it is ever asked for.

Work too small to gain, one core, a system other than Linux (where forking is safe for a process
without threads), or a worker that dies: the answers are judged here, one after another, with the
same verdicts.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol

from calc.checker import CheckResult
from calc.errors import CalcError

#: Characters of distinct answers worth one more process: forking one and sending its verdicts back
#: costs tens of milliseconds, judging this many characters of answers costs about 0.1 to 0.3 s.
CHARACTERS_PER_WORKER = 100_000
#: A question's first wrong answer builds its tables of mistakes (``check_search``), a few milliseconds:
#: about what reading this many characters of answers costs.
CHARACTERS_PER_QUESTION = 5_000
#: Workers when none are asked for: each holds a copy of the analysis (tens of megabytes), so a class
#: on a machine of many cores does not take gigabytes.
DEFAULT_WORKERS = 8
#: Shares per worker: a share is handed to whichever worker is free, so a worker given the long answers
#: does not keep the others waiting.
SHARES_PER_WORKER = 4


class Judge(Protocol):
    def check(self, text: str) -> CheckResult: ...


#: What a worker judges, and what tells it to stop: set in the parent just before the fork, so the
#: workers inherit them.
_JOBS: Sequence[tuple[Judge, str]] = ()
_STOP: Any = None  # a multiprocessing Event


def available_cores() -> int:
    """The cores this process may run on (a container or ``taskset`` may give fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def judge_all(jobs: Sequence[tuple[Judge, str]], workers: int | None = None) -> list[CheckResult | str]:
    """Each answer's result, in order; a string says why one could not be judged (whatever went wrong,
    one answer never stops the others). ``workers``: at most this many processes (None: one per core,
    up to DEFAULT_WORKERS)."""
    wanted = _workers(jobs, min(available_cores(), DEFAULT_WORKERS) if workers is None else workers)
    if wanted > 1:
        try:
            return _judged_apart(jobs, wanted)
        except Exception:  # a worker killed (BrokenProcessPool), no process started, a verdict that would not
            pass  # cross: whatever goes wrong with the workers, the class is judged here
    return [_judged(judge, text) for judge, text in jobs]


def _workers(jobs: Sequence[tuple[Judge, str]], cores: int) -> int:
    if cores < 2 or not sys.platform.startswith("linux") or threading.active_count() > 1:
        return 1  # forking a process that runs threads can copy a lock held by one of them; macOS's system
        # libraries are not safe to use in a forked child at all
    size = sum(len(text) for _, text in jobs) + CHARACTERS_PER_QUESTION * len({id(judge) for judge, _ in jobs})
    return max(1, min(cores, size // CHARACTERS_PER_WORKER))


def _judged(judge: Judge, text: str) -> CheckResult | str:
    try:
        return judge.check(text)
    except Exception as error:  # one answer's failure, whatever it is, is that answer's alone
        return _failure(error)


def _failure(error: Exception) -> str:
    """What went wrong with one answer (a CalcError's message quotes at most a few words of it)."""
    return (
        error.message if isinstance(error, CalcError) else f"the answer could not be checked ({type(error).__name__})"
    )


def _judged_apart(jobs: Sequence[tuple[Judge, str]], workers: int) -> list[CheckResult | str]:
    """The jobs grouped by question, so that a worker judges few questions and builds few questions'
    tables of mistakes; shares of the groups go to the workers, and the verdicts come back in order."""
    global _JOBS, _STOP
    first: dict[int, int] = {}
    order = sorted(range(len(jobs)), key=lambda index: first.setdefault(id(jobs[index][0]), index))
    _JOBS = [jobs[index] for index in order]
    context = multiprocessing.get_context("fork")
    _STOP = context.Event()
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_leave_interrupts_to_the_parent)
    try:
        shares = pool.map(_judge_share, _shares(_JOBS, workers * SHARES_PER_WORKER))
        verdicts = [verdict for share in shares for verdict in share]
    except BaseException:  # Ctrl-C: the workers stop at their next answer rather than judge the class
        _STOP.set()
        raise
    finally:
        pool.shutdown(cancel_futures=True)
        _JOBS = ()
    results: list[CheckResult | str] = [""] * len(jobs)
    for index, verdict in zip(order, verdicts, strict=True):
        judge, text = jobs[index]
        results[index] = verdict if isinstance(verdict, str) else CheckResult.rebuilt(verdict, judge, text)
    return results


def _leave_interrupts_to_the_parent() -> None:
    """In a worker: Ctrl-C interrupts the whole process group, and a worker interrupted between two shares
    would print a traceback; the parent, interrupted, tells the workers to stop instead (``_STOP``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _shares(jobs: Sequence[tuple[Judge, str]], count: int) -> list[range]:
    """Consecutive runs of the jobs of about equal length in characters."""
    total = sum(len(text) for _, text in jobs)
    shares: list[range] = []
    start = length = 0
    for index, (_, text) in enumerate(jobs):
        length += len(text)
        if length * count >= total * (len(shares) + 1) or index == len(jobs) - 1:
            shares.append(range(start, index + 1))
            start = index + 1
    return shares


def _judge_share(share: range) -> list[dict[str, Any] | str]:
    """In a worker: the verdicts of one share of the jobs, as plain data."""
    verdicts: list[dict[str, Any] | str] = []
    for index in share:
        if _STOP.is_set():
            break
        judge, text = _JOBS[index]
        result = _judged(judge, text)
        verdicts.append(result if isinstance(result, str) else result.portable())
    return verdicts
