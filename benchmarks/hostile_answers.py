"""How long hostile answers take to be refused: each must cost milliseconds, never a hang.

    python benchmarks/hostile_answers.py

Times ``calc.check`` on LeNet-5 (numbers) and on the symbolic spec (k, f free), in-process: the first
time (what a class of distinct answers pays each time: sympy caches what it built) and the best of five.
An answer that is hostile only in size may still be right: with k = 5 and f = 8 the expansion test is
exact arithmetic on numbers, and correct; with k and f free it is refused before sympy expands it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calc.checker import Question  # noqa: E402
from calc.spec import from_text, load  # noqa: E402

SYMBOLIC = """\
input: [32, 32, 3]
layers:
  - Conv2D: {filters: f, kernel_size: k}
"""

HOSTILE = [
    "9**9**9**9",
    "2^2^2^2^2^2^2^2",
    "(" * 100_000,
    "9" * 100_000,
    "__import__('os').system('true')",
    "().__class__.__bases__[0].__subclasses__()",
    "lambda: 0",
    "open('/etc/passwd')",
    "((k^64)^64)^64",
    "(1 + k + f + kf)^64 - ((1 + k)(1 + f))^64 + f(3k²+1)",
    "(k+f+1)^64 (k+f+2)^64 (k+f+3)^64",
    "-" * 999 + "1",
    # short, but sympy would build each floor by asking its assumptions (10 to 30 ms a floor)
    "floor((k-3)^(k-k+9)/(k-k+7))*0 + f(3k²+1)",
    "floor(k^(f-f+3)/5) + f(3k^2+1) - floor(k^3/5)",
    "ceiling((k*f+3)/(k-k+2))*2 - 2*ceiling((k*f+3)/2) + f(3k^2+1)",
]


def main() -> None:
    questions = {
        "lenet5": Question(load("lenet5").analyze(), "params", "conv2d"),
        "symbolic": Question(from_text(SYMBOLIC, suffix=".yaml").analyze(), "params", "conv2d"),
    }
    for question in questions.values():  # a question's first wrong answer builds its tables of mistakes
        question.check("1")
    worst = 0.0
    for answer in HOSTILE:
        firsts, times, verdicts = [], [], []
        for question in questions.values():
            spent = []
            for _ in range(5):
                start = time.perf_counter()
                result = question.check(answer)
                spent.append(time.perf_counter() - start)
            firsts.append(spent[0] * 1000)
            times.append(min(spent) * 1000)
            verdicts.append("correct" if result.correct else "refused" if result.problem else "incorrect")
        worst = max(worst, *firsts)
        label = answer if len(answer) <= 40 else answer[:30] + f"... ({len(answer):,} chars)"
        print(
            f"{label:<52} lenet5 {firsts[0]:6.2f} / {times[0]:6.2f} ms {verdicts[0]:<9}  "
            f"symbolic {firsts[1]:6.2f} / {times[1]:6.2f} ms {verdicts[1]}"
        )
    print(f"slowest first time: {worst:.2f} ms (times: first / best of five)")


if __name__ == "__main__":
    main()
