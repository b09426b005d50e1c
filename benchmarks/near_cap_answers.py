"""How fast a class of answers near the caps is graded: 10,000 distinct answers of about 950 characters
(long sums whose extra terms cancel, long products, 30 levels of nesting, powers of 64, LaTeX), right
ones, catalogued mistakes and other wrong values, as students could type them.

Times three whole commands as a user runs them, each a fresh process (wall time, CPU time and peak
memory from the process's own resource usage): ``calc check lenet5 --answers`` (every symbol has a
value), ``calc check SPEC --answers`` on a spec whose kernel size k and filters f stay symbols (answers
compared as expressions), and ``calc grade`` against a handout of lenet5's variants (sizes, counts,
formulas with a free symbol, solve questions). Then checks that the verdicts are the planned ones.

    python benchmarks/near_cap_answers.py [--rows 10000] [--students 300] [--length 950] [--keep DIR] [--jobs N]

``--length`` sets the answers' length in characters (the work per answer grows with it: try 100).

``--keep DIR`` keeps the CSVs, the spec and the handout in DIR, to time another version of calc on them.

``--jobs N`` passes ``--jobs N`` to the commands (by default they judge the answers in one process per
core, up to 8); the CPU time is that of every process, the workers included.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calc.cli import main  # noqa: E402
from calc.handout.manifest import load as load_manifest  # noqa: E402
from calc.spec import from_text, load  # noqa: E402
from calc.spread import available_cores  # noqa: E402
from tests.fixtures.near_cap_answers import SYMBOLIC, check_rows, grade_rows  # noqa: E402

KINDS = "output_shape,params,macs,receptive_field,total_params,formula,solve"


def run(command: list[str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds and peak memory (MB) of one whole process, and its standard output."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen([sys.executable, "-m", "calc", *command], cwd=ROOT, stdout=out)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        text = out.read().decode()
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"calc {' '.join(command)} exited with {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def report(label: str, rows: int, timing: tuple[float, float, float, str]) -> None:
    wall, cpu, memory, _ = timing
    print(f"{label}: {rows:,} rows, {wall:.2f} s wall, {cpu:.2f} s CPU, peak {memory:.0f} MB")


def tally(planned: list[str], grades: list[dict]) -> str:
    """How the verdicts compare with the plan: right answers graded right, mistakes named, wrong ones wrong."""
    counts: Counter = Counter()
    for plan, grade in zip(planned, grades, strict=True):
        if plan == "right":
            counts["right, graded correct" if grade["correct"] else "right, graded WRONG"] += 1
        elif grade["correct"]:
            counts["wrong, graded CORRECT"] += 1
        elif plan != "wrong":
            counts["mistake named" if plan in grade["mistakes"] else "mistake not named"] += 1
        else:
            counts["wrong, graded wrong"] += 1
    return ", ".join(f"{n:,} {k}" for k, n in sorted(counts.items()))


JOBS: list[str] = []  # ["--jobs", "N"] when asked for


def check_class(folder: Path, name: str, model: str, analysis, rows: int, length: int) -> None:
    planned = check_rows(analysis, rows, length=length)
    path = folder / f"{name}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "layer", "quantity", "answer"])
        writer.writerows(row[:4] for row in planned)
    size = path.stat().st_size / 1e6
    timing = run(["check", model, "--answers", str(path), "--format", "json", *JOBS])
    report(f"calc check {name} --answers ({size:.1f} MB)", rows, timing)
    print("  " + tally([row[4] for row in planned], json.loads(timing[3])["grades"]))


def grade_class(folder: Path, students: int, length: int) -> None:
    course = folder / "course"
    with contextlib.redirect_stdout(io.StringIO()):
        status = main(["handout", "lenet5", "--variants", "30", "--seed", "1", "--questions", KINDS, "-o", str(course)])
    assert status == 0
    planned = grade_rows(load_manifest(course / "variants.json"), students, length=length)
    path = folder / "grade.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "variant", "question", "answer"])
        writer.writerows(row[:4] for row in planned)
    size = path.stat().st_size / 1e6
    timing = run(["grade", str(course / "variants.json"), "--answers", str(path), "--format", "json", *JOBS])
    report(f"calc grade ({size:.1f} MB, {students} students, 30 variants)", len(planned), timing)
    print("  " + tally([row[4] for row in planned], json.loads(timing[3])["grades"]))


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--students", type=int, default=300, help="for calc grade (22 questions each)")
    parser.add_argument("--length", type=int, default=950, help="characters per answer (at most 1,000)")
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    parser.add_argument("--jobs", type=int, help="processes judging the answers (default: calc's, one per core)")
    args = parser.parse_args()
    if args.jobs:
        JOBS.extend(["--jobs", str(args.jobs)])
    floor = run(["--help"])
    print(f"floor (python -m calc --help): {floor[0]:.2f} s wall, {floor[1]:.2f} s CPU, peak {floor[2]:.0f} MB")
    print(f"cores this process may use: {available_cores()}; --jobs {args.jobs or 'not given'}")
    with tempfile.TemporaryDirectory(prefix="calc-near-cap-") as name:
        folder = args.keep or Path(name)
        folder.mkdir(parents=True, exist_ok=True)
        check_class(folder, "lenet5", "lenet5", load("lenet5").analyze(), args.rows, args.length)
        spec = folder / "symbolic.yaml"
        spec.write_text(SYMBOLIC, encoding="utf-8")
        symbolic = from_text(SYMBOLIC, suffix=".yaml").analyze()
        check_class(folder, "symbolic", str(spec), symbolic, args.rows, args.length)
        grade_class(folder, args.students, args.length)


if __name__ == "__main__":
    main_()
