"""What the compute quantities (MACs, activations, receptive field) add to an analysis.

They are worked out lazily, on the first read of a record's ``compute``, so commands that never ask for
them (summary without --columns, sweeps of parameters, solve) pay nothing. This script measures, for a
few models, the median in-process time of ``analyze()`` alone and of ``analyze()`` followed by reading
every record's compute quantities, numeric and with the symbols free. Usage:
python benchmarks/compute_cost.py [--runs N]. A report, not a test.
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

import calc  # noqa: E402
from calc.compute import total_macs  # noqa: E402


def models() -> dict[str, calc.Model]:
    cases = json.loads((REPO_ROOT / "tests" / "fixtures" / "torch_dialect.json").read_text())["cases"]
    by_name = {case["name"]: case for case in cases}
    out = {"lenet5": calc.load("lenet5")}
    for name in ("alexnet", "vgg16"):
        case = by_name[name]
        out[name] = calc.from_spec({k: case[k] for k in ("name", "dialect", "input", "layers")})
    graph = json.loads((REPO_ROOT / "tests" / "fixtures" / "flops.json").read_text())["graphs"][0]
    out["resnet_pieces"] = calc.from_spec({k: graph[k] for k in ("name", "inputs", "layers")})
    return out


def median_time(job, runs: int) -> float:
    job()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"{'model':<16}{'layers':>8}{'analyze':>12}{'+ compute':>12}{'free symbols':>14}")
    for name, model in models().items():
        free = [s.name for s in model.symbols]

        def plain(model=model) -> None:
            model.analyze()

        def with_compute(model=model) -> None:
            analysis = model.analyze()
            total_macs(analysis)
            for record in analysis.records:
                record.compute.receptive_field  # noqa: B018 - reading is the work measured

        def symbolic(model=model, free=free) -> None:
            analysis = model.analyze(free=free)
            total_macs(analysis)

        layers = len(model.nodes)
        a, b = median_time(plain, runs), median_time(with_compute, runs)
        c = f"{median_time(symbolic, runs) * 1000:.1f}ms" if free else "-"
        print(f"{name:<16}{layers:>8}{a * 1000:>10.1f}ms{b * 1000:>10.1f}ms{c:>14}")


if __name__ == "__main__":
    main()
