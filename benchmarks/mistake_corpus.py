"""The tally of the corpus of real wrong answers: how many the checker names right, names wrongly, or
leaves unnamed (no diagnosis, or several equally likely). Run from the repository root:

    python benchmarks/mistake_corpus.py          # the tally
    python benchmarks/mistake_corpus.py -v       # and every case not named right
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.mistake_corpus import tally


def main() -> None:
    counts, verdicts = tally()
    total = len(verdicts)
    expected = [v for v in verdicts if v.case.expected is not None]
    right = counts.get("right", 0)
    print(f"cases: {total} wrong answers ({len(expected)} with a catalogued mistake, {total - len(expected)} without)")
    print(
        f"named right:   {right} ({100 * right / total:.1f}% of all, {100 * right / len(expected):.1f}% of catalogued)"
    )
    print(f"named wrongly: {counts.get('wrong', 0)}")
    print(f"not named:     {counts.get('unnamed', 0)} (no diagnosis, or several equally likely said together)")
    print(f"kept quiet:    {counts.get('quiet', 0)} (nothing catalogued, nothing named)")
    if "-v" in sys.argv:
        for verdict in verdicts:
            if verdict.outcome not in ("right", "quiet"):
                case = verdict.case
                print(
                    f"  {verdict.outcome}: {case.spec} {case.layer} {case.quantity} {case.answer!r}: "
                    f"expected {case.expected}, got {verdict.mistakes or verdict.alternatives}"
                )


if __name__ == "__main__":
    main()
