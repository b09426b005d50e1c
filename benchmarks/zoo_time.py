"""Whole-process time of ``calc zoo`` and of ``calc summary`` / ``calc derive`` on every zoo model.

The floor is ``python -c "import sympy, jinja2"``, the foundation benchmark's: what any run of calc pays
before it reads a model. Each command is run N times (median); wall time and CPU time (user + system,
of the child process) are printed, with CPU time over the floor's: on a machine shared with other work,
wall time moves with the load and CPU time much less. Usage:

    python benchmarks/zoo_time.py [--runs N] [--models resnet50,bert_base] [--no-bytecode-cache]

Bytecode is cached as in process_time.py (an installed calc has its .pyc files), and each command runs
once untimed first, which also fills calc's own cache (compiled templates, parsed zoo specs) as a user's
first run does. A report, not a test. The foundation's targets: lenet5 within 1.5x the floor; cost linear in depth.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from process_time import child_environment

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from calc.zoo import zoo_names  # noqa: E402


def _child(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _median(args: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    _child(args, env)  # warm-up
    results = [_child(args, env) for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def _layers(name: str) -> int:
    from calc import load

    def count(analysis) -> int:
        return sum(1 + (count(r.result.children) if r.result.children else 0) for r in analysis.records)

    return count(load(name).analyze())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--models", help="comma-separated zoo names (default: all)")
    parser.add_argument("--no-bytecode-cache", action="store_true", help="time in the inherited environment")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="calc-zoo-bench-") as scratch:
        cache = None if args.no_bytecode_cache else Path(scratch)
        report_all(args, {**child_environment(cache), "PYTHONPATH": str(REPO_ROOT)})


def report_all(args: argparse.Namespace, env: dict[str, str]) -> None:
    names = args.models.split(",") if args.models else zoo_names()
    calc = [sys.executable, "-m", "calc"]
    print(f"Whole-process times, median of {args.runs} runs (wall / CPU; CPU relative to the floor's)")
    floor_wall, floor_cpu = _median([sys.executable, "-c", "import sympy, jinja2"], args.runs, env)
    print(f"  {'floor: import sympy, jinja2':<44} {floor_wall:5.2f} s / {floor_cpu:5.2f} s   1.00x")

    def report(label: str, command: list[str]) -> None:
        wall, cpu = _median(command, args.runs, env)
        print(f"  {label:<44} {wall:5.2f} s / {cpu:5.2f} s   {cpu / floor_cpu:4.2f}x")

    report(f"calc zoo ({len(zoo_names())} models)", [*calc, "zoo"])
    for name in names:
        print(f"  {name} ({_layers(name)} layer calls, blocks' layers included)")
        report("  calc summary", [*calc, "summary", name])
        report("  calc derive", [*calc, "derive", name])


if __name__ == "__main__":
    main()
