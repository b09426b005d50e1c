"""Sweep throughput: points per second of the compiled whole-number code against naive ``subs``.

Three measurements on the zoo model lenet5 (kernel k, filters f):

1. in-process evaluation: ``calc.explore.sweep.sweep`` on grids of 10^4 .. 10^6 points (the total
   parameter count and every validity check of every layer), timed after the model is loaded;
2. the naive way, for comparison: ``expr.subs({k: ..., f: ...})`` of the same total at each point, and
   building the whole model at each point (``model.analyze``, what a loop over ``calc summary`` does),
   timed on a sample and reported as points per second;
3. whole process, as a user runs it: ``python -m calc sweep lenet5 ... -o FILE`` for a 10^6-point grid
   (mostly valid rows, and mostly invalid rows whose reasons make the file three times larger), with
   the floor ``python -c "import calc.cli, numpy"`` for reference.

Wall time on a shared machine varies with other work, so each child's CPU time (user + system) is
shown too; when they differ a lot, trust the CPU time. Usage: python benchmarks/sweep_throughput.py
[--runs N]. A report, not a test: the exit status is 0 whatever the numbers.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from calc import load  # noqa: E402
from calc.explore.sweep import parse_vary, sweep  # noqa: E402

GRIDS = [("k=1:10", "f=1:1000"), ("k=1:10", "f=1:10000"), ("k=1:10", "f=1:100000")]
WHOLE_PROCESS = {
    "10^6 points, valid rows": ["--vary", "k=1:10", "--vary", "f=1:100000"],
    "10^6 points, 99% invalid rows": ["--vary", "k=1:1000", "--vary", "f=1:1000"],
}


def in_process(runs: int) -> None:
    model = load("lenet5")
    print("In-process sweep of lenet5 (total_params and every layer's checks), median of", runs, "runs:")
    for grid in GRIDS:
        varied = [parse_vary(text) for text in grid]
        points = len(varied[0].values) * len(varied[1].values)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            sweep(model, varied)
            times.append(time.perf_counter() - start)
        best = statistics.median(times)
        print(f"  {' '.join(grid):<22} {points:>9,} points  {best * 1000:8.1f} ms  {points / best:>14,.0f} points/s")


def naive(sample: int) -> None:
    model = load("lenet5")
    analysis = model.analyze(free=["k", "f"])
    total = analysis.total_params
    k, f = sorted(total.free_symbols, key=lambda s: s.name)[::-1]
    points = [(kv, fv) for kv in range(1, 11) for fv in range(1, sample // 10 + 1)]
    start = time.perf_counter()
    for kv, fv in points:
        total.subs({k: kv, f: fv})
    subs_rate = len(points) / (time.perf_counter() - start)
    few = points[:: max(1, len(points) // 100)]
    start = time.perf_counter()
    for kv, fv in few:
        model.analyze({"k": kv, "f": fv})
    analyze_rate = len(few) / (time.perf_counter() - start)
    print(f"Naive evaluation, for comparison ({len(points)} points for subs, {len(few)} for analyze):")
    print(f"  expr.subs per point (total only, no checks)  {subs_rate:>14,.0f} points/s")
    print(f"  model.analyze per point (everything)         {analyze_rate:>14,.0f} points/s")


def _child(args: list[str], output: Path | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        args, cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def whole_process(runs: int) -> None:
    print(f"Whole process (python -m calc sweep lenet5 ... -o FILE), median of {runs} runs:")
    floor = [_child([sys.executable, "-c", "import calc.cli, numpy"]) for _ in range(runs)]
    _report("floor: import calc.cli, numpy", floor)
    with tempfile.TemporaryDirectory() as folder:
        for label, args in WHOLE_PROCESS.items():
            out = Path(folder) / "sweep.csv"
            results = [
                _child([sys.executable, "-m", "calc", "sweep", "lenet5", *args, "-o", str(out)]) for _ in range(runs)
            ]
            _report(label, results, f"{out.stat().st_size / 1e6:.0f} MB CSV")


def _report(label: str, results: list[tuple[float, float]], note: str = "") -> None:
    wall = statistics.median(r[0] for r in results)
    cpu = statistics.median(r[1] for r in results)
    print(f"  {label:<34} wall {wall:6.2f} s   cpu {cpu:6.2f} s   {note}")
    if wall > 1.5 * cpu:
        print("    (wall well above CPU: other work on the machine; the CPU time is the reliable number)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    in_process(args.runs)
    naive(2000)
    whole_process(args.runs)


if __name__ == "__main__":
    main()
