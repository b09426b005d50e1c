"""The cost of ``calc formula`` on the zoo models: the closed form of total_params in all symbols.

For each zoo model: the in-process time of ``closed_form`` (symbolic analysis with the symbols free,
floor merging, the normal form), median of N runs after one warm-up; and the whole process
``python -m calc formula NAME`` (text and LaTeX), wall and CPU time, with ``python -c "import calc.cli"``
as the floor. Usage: python benchmarks/formula_cost.py [--runs N]. A report, not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from calc import load  # noqa: E402
from calc.explore.formula import closed_form, render_formula  # noqa: E402
from calc.zoo import zoo_names  # noqa: E402


def _child(args: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    subprocess.run(args, cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _median(results: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"calc formula on the zoo models, median of {runs} runs")
    wall, cpu = _median([_child([sys.executable, "-c", "import calc.cli"]) for _ in range(runs)])
    print(f"  floor (import calc.cli): wall {wall:.2f} s, cpu {cpu:.2f} s")
    for name in zoo_names():
        model = load(name)
        closed_form(model)  # warm sympy's caches as a second call in one process would
        times, render_times = [], []
        for _ in range(runs):
            start = time.perf_counter()
            formula = closed_form(load(name))
            times.append(time.perf_counter() - start)
            start = time.perf_counter()
            render_formula(formula, "latex")
            render_times.append(time.perf_counter() - start)
        print(f"  {name}: {formula.quantity.name} = {formula.text}")
        print(
            f"    closed_form in-process {statistics.median(times) * 1000:7.1f} ms, "
            f"LaTeX derivation {statistics.median(render_times) * 1000:7.1f} ms"
        )
        for fmt in ("text", "latex"):
            wall, cpu = _median(
                [_child([sys.executable, "-m", "calc", "formula", name, "--format", fmt]) for _ in range(runs)]
            )
            print(f"    python -m calc formula {name} --format {fmt:<6} wall {wall:.2f} s, cpu {cpu:.2f} s")


if __name__ == "__main__":
    main()
