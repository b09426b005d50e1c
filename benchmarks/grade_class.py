"""How fast ``calc grade DIR/variants.json --answers FILE.csv`` grades a class against its variants.

Writes a handout of lenet5 with every kind of question (30 variants, Markdown: the sheets' format does
not matter to grading), then a class's answers by the plan of tests/fixtures/class_answers.py (right
answers in the forms students write, catalogued mistakes, other wrong numbers, unreadable text) up to
``--rows`` rows, and times the whole command as a user runs it (wall and CPU time of the process, the
median of ``--repeat`` runs) and the grading alone in-process.

    python benchmarks/grade_class.py [--rows 10000] [--variants 30] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calc.cli import main  # noqa: E402
from calc.grading import grade_class  # noqa: E402
from calc.handout.manifest import load  # noqa: E402
from tests.fixtures.class_answers import plan, to_csv  # noqa: E402

KINDS = "output_shape,params,macs,receptive_field,total_params,formula,solve"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--variants", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="calc-grade-") as folder:
        course = Path(folder) / "course"
        with contextlib.redirect_stdout(io.StringIO()):  # the list of files written
            status = main(["handout", "lenet5", "--variants", str(args.variants), "--seed", "1", "--questions", KINDS,
                           "-o", str(course)])  # fmt: skip
        assert status == 0
        manifest = load(course / "variants.json")
        per_student = len(next(iter(manifest.variants.values())).questions)
        rows = plan(manifest, -(-args.rows // per_student), seed=1)[: args.rows]
        answers = Path(folder) / "answers.csv"
        answers.write_text(to_csv(rows), encoding="utf-8")
        outcomes: dict[str, int] = {}
        for row in rows:
            key = row.outcome if row.outcome in ("right", "wrong", "unreadable") else "catalogued mistake"
            outcomes[key] = outcomes.get(key, 0) + 1
        print(
            f"class: {len(rows):,} rows, {len({r.student for r in rows}):,} students, {args.variants} variants, "
            f"{per_student} questions each; " + ", ".join(f"{n:,} {k}" for k, n in sorted(outcomes.items()))
        )

        walls, cpus = [], []
        for _ in range(args.repeat):
            before, start = children_cpu(), time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "calc", "grade", str(course / "variants.json"), "--answers", str(answers),
                 "--format", "json", "-o", str(Path(folder) / "grades.json")],
                check=True, cwd=ROOT,
            )  # fmt: skip
            walls.append(time.perf_counter() - start)
            cpus.append(children_cpu() - before)
        print(f"calc grade (whole process, median of {args.repeat}): "
              f"{statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU")  # fmt: skip

        start = time.process_time()
        report = grade_class(course / "variants.json", answers)
        report.render("markdown")
        print(f"grading and the Markdown report in-process: {time.process_time() - start:.2f} s CPU "
              f"({report.correct:,} correct, {len(report.problems()):,} unusable rows)")  # fmt: skip


if __name__ == "__main__":
    main_()
