"""Every output format of ``calc summary`` and ``calc derive`` grows linearly with the model's layers.

    python benchmarks/output_scaling.py [--sizes 10000,100000] [--formats summary:json,derive:markdown] [--default-gc]

For each size, a Dense stack of that many layers is loaded and analysed once (timed apart), then each
format is rendered in-process and timed (CPU seconds), with the garbage collector paced as the command
line paces it (``calc.cli.COLLECTOR_THRESHOLDS``; ``--default-gc`` keeps CPython's). The last column
divides the time by the layers: it stays about constant when the work is linear, and grows with the size
when some view scans every layer for every layer (``--format json`` did: 10,000 layers took 15.7 s;
``derive`` did: 27 s of its 10,000-layer run went to finding each layer's input). A report, not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FORMATS = [
    *(f"summary:{fmt}" for fmt in ("text", "json", "markdown", "latex", "html")),
    *(f"derive:{fmt}" for fmt in ("markdown", "latex")),
]


def render(analysis, command: str, fmt: str) -> str:  # a calc.model.Analysis
    """What ``calc COMMAND MODEL --format FMT`` writes, without the process around it."""
    from calc.derive import render_derivation
    from calc.render.templating import render as render_template
    from calc.summary import Summary

    if command == "derive":
        return render_derivation(analysis, fmt)
    summary = Summary(analysis, ["params"])
    if fmt == "json":
        return json.dumps(summary.to_dict(), indent=2) + "\n"
    if fmt == "text":
        return summary.to_text()
    return render_template("summary", fmt, summary=summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--default-gc", action="store_true", help="CPython's collector thresholds, not calc's")
    args = parser.parse_args()
    import gc

    import calc
    from calc.cli import COLLECTOR_THRESHOLDS

    if not args.default_gc:
        gc.set_threshold(*COLLECTOR_THRESHOLDS)

    print(f"{'layers':>8}  {'what':<18} {'cpu s':>8}  {'µs/layer':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(x) for x in args.sizes.split(",")):
            path = Path(folder) / f"dense_{size}.json"
            path.write_text(json.dumps({"input": [8], "layers": [{"Dense": {"units": 8}}] * size}))
            start = time.process_time()
            model = calc.load(str(path))
            loaded = time.process_time()
            analysis = model.analyze()
            analysed = time.process_time()
            rows = [("load", loaded - start), ("analyze", analysed - loaded)]
            for item in args.formats.split(","):
                command, fmt = item.split(":")
                before = time.process_time()
                try:
                    render(analysis, command, fmt)
                except Exception as error:  # a report: say what failed and go on
                    print(f"{size:>8}  {item:<18} failed: {type(error).__name__}: {error}"[:160])
                    continue
                rows.append((item, time.process_time() - before))
            for what, seconds in rows:
                print(f"{size:>8}  {what:<18} {seconds:8.2f}  {seconds / size * 1e6:9.1f}", flush=True)


if __name__ == "__main__":
    main()
