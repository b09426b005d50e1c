"""How fast ``calc check MODEL --answers FILE.csv`` grades a class.

Writes a class's answers for LeNet-5 (a mix of right answers in the forms students use, catalogued
mistakes, other wrong numbers, and unreadable text), then times the whole command as a user runs it
and the grading alone in-process. A second file makes every answer distinct, so nothing is judged
twice: the worst case for the per-answer cache.

    python benchmarks/grading.py [--rows 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calc.grading import grade_file  # noqa: E402
from calc.spec import load  # noqa: E402

QUESTIONS = [(r.name, q) for r in load("lenet5").analyze().records for q in ("params", "output_shape")]
QUESTIONS += [("", "total_params"), ("", "trainable_params")]

# Answers a class gives, per question: right ones in several forms, then common wrong ones.
FORMS = {
    ("conv2d", "params"): ["608", "(5*5*3+1)*8", "8 × 76", "f(3k²+1)", r"\left(5 \times 5 \times 3 + 1\right) \cdot 8"],
    ("conv2d", "output_shape"): ["(28, 28, 8)", "28x28x8", "(None, 28, 28, 8)", "[28,28,8]"],
    ("", "total_params"): ["62,958", "62 958", "62958"],
}
WRONG = {
    ("conv2d", "params"): ["600", "1200", "76"],
    ("conv2d_1", "params"): ["416", "1216", "6416"],
    ("conv2d", "output_shape"): ["(27, 27, 8)", "(32, 32, 8)", "(36, 36, 8)"],
    ("flatten", "output_shape"): ["25", "26", "200"],
    ("max_pooling2d", "params"): ["32", "(2*2*8+1)*8"],
    ("", "total_params"): ["62720", "14838"],
}


def expected_text(layer: str, quantity: str) -> str:
    analysis = load("lenet5").analyze()
    if not layer:
        return str(getattr(analysis, quantity))
    record = analysis.layer(layer)
    return str(tuple(int(x) for x in record.output_shape)) if quantity == "output_shape" else str(record.params)


def write_class(path: Path, rows: int, distinct: bool, seed: int = 7) -> None:
    rng = random.Random(seed)
    expected = {key: expected_text(*key) for key in QUESTIONS}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "layer", "quantity", "answer"])
        for i in range(rows):
            student = f"student{i // len(QUESTIONS):04d}"
            key = QUESTIONS[i % len(QUESTIONS)]
            roll = rng.random()
            if distinct:  # every answer different: a wrong count or shape of its own
                answer = f"{i + 100000}" if key[1] != "output_shape" else f"({i + 1}, 5, 16)"
            elif roll < 0.55:
                answer = rng.choice(FORMS.get(key, [expected[key]]))
            elif roll < 0.85 and key in WRONG:
                answer = rng.choice(WRONG[key])
            elif roll < 0.97:
                answer = str(rng.randint(1, 100000)) if key[1] != "output_shape" else f"({rng.randint(1, 40)}, 5, 16)"
            else:
                answer = rng.choice(["8 76", "lambda: 0", "9**9**9**9", "", "(" * 200])
            writer.writerow([student, *key, answer])


def time_command(path: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "calc", "check", "lenet5", "--answers", str(path)],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        best = min(best, time.perf_counter() - start)
    return best


def time_in_process(path: Path, repeat: int) -> float:
    analysis = load("lenet5").analyze()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        grade_file(analysis, path).render("markdown")
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for distinct in (False, True):
            path = Path(folder) / f"class-{distinct}.csv"
            write_class(path, args.rows, distinct)
            label = "every answer distinct" if distinct else "a class's mix"
            whole = time_command(path, args.repeat)
            inside = time_in_process(path, args.repeat)
            print(
                f"{args.rows:,} rows, {label}: whole command {whole:.2f} s "
                f"({args.rows / whole:,.0f} rows/s); grading and report in-process {inside:.2f} s"
            )


if __name__ == "__main__":
    main()
