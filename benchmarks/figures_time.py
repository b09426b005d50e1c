"""Time to lay out and print the figures of zoo models, apart from the analysis they read.

For each model: the analysis once (not counted), then the median of --runs of each figure's layout
(geometry) and of its SVG and TikZ printing, in CPU seconds, with the number of drawn items. PNG and
the params chart are matplotlib's time and are left out. Prints a table; exits 0.

    python benchmarks/figures_time.py [--runs N] [--models lenet5,resnet50,...]
"""

from __future__ import annotations

import argparse
import statistics
import time

from calc.errors import CalcError
from calc.figures import geometry, svg, tikz
from calc.spec import load

MODELS = "lenet5,vgg16,resnet50,inception_v3,densenet121,mobilenet_v2,bert_base,gpt2,torchvision_resnet18"


def cpu(function, runs: int) -> float:  # a callable
    times = []
    for _ in range(runs):
        start = time.process_time()
        function()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--models", default=MODELS)
    args = parser.parse_args()
    print(f"{'model':24} {'figure':13} {'items':>7} {'layout s':>9} {'svg s':>7} {'tikz s':>7}")
    for name in args.models.split(","):
        analysis = load(name).analyze()
        for figure in ("architecture", "layer", "field"):
            try:
                drawn = geometry(analysis, figure)
            except CalcError as error:
                print(f"{name:24} {figure:13} {'-':>7}  ({error})")
                continue
            layout = cpu(lambda: geometry(analysis, figure), args.runs)  # noqa: B023 - used at once
            svg_time = cpu(lambda: svg.render(drawn), args.runs)  # noqa: B023
            tikz_time = cpu(lambda: tikz.document(drawn), args.runs)  # noqa: B023
            print(f"{name:24} {figure:13} {len(drawn.items):7} {layout:9.3f} {svg_time:7.3f} {tikz_time:7.3f}")


if __name__ == "__main__":
    main()
