"""The cost of reading PyTorch source: every recorded model of tests/fixtures/torch_source/ read with ast
and traced (the spec), then built and analysed, in-process (median of --runs), with the reader's step
count; then the hostile loop that stops at the step cap, and the same cap reached in the Keras reader's
terms. Usage: python benchmarks/torch_source_cost.py [--runs 5]. A report, not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from calc.errors import CalcError  # noqa: E402
from calc.importers.python_source import parse  # noqa: E402
from calc.importers.torch_source import MAX_TORCH_STEPS, _Reader  # noqa: E402
from calc.layers.base import parse_shape  # noqa: E402
from calc.spec import from_spec  # noqa: E402

FIXTURES = REPO_ROOT / "tests" / "fixtures"
HOSTILE = "import torch\nfor i in range(10000):\n    for j in range(10000):\n        k = i\n"


def read(text: str, shape: list, model: str | None) -> tuple[dict, int]:
    reader = _Reader()
    reader.run(parse(text))
    spec = reader.trace(reader.chosen(model), [parse_shape(shape, "input")])
    return spec, reader.steps


def median_time(runs: int, function, *args) -> float:  # a benchmark helper
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def analyse(spec: dict) -> None:
    from_spec(spec).analyze()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    cases = json.loads((FIXTURES / "torch_source.json").read_text())["cases"]
    print(f"{'case':<20} {'steps':>6} {'read+trace ms':>14} {'build+analyse ms':>17} {'layers':>7}")
    for name, case in cases.items():
        text = (FIXTURES / "torch_source" / case["file"]).read_text()
        spec, steps = read(text, case["input_shape"], case["model"])  # also warms the imports
        reading = median_time(runs, read, text, case["input_shape"], case["model"])
        building = median_time(runs, analyse, spec)
        print(f"{name:<20} {steps:>6} {reading * 1e3:>14.1f} {building * 1e3:>17.1f} {len(spec['layers']):>7}")

    def hostile() -> None:
        try:
            _Reader().run(parse(HOSTILE))
        except CalcError:
            return
        raise AssertionError("the hostile loop was not stopped")

    print(f"\nhostile nested loop, stopped at {MAX_TORCH_STEPS:,} steps: {median_time(runs, hostile) * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
