"""The interactive page: how long calc takes to write it, how large it is, and how long the browser takes
to recompute every number after a slider moves.

    python benchmarks/interactive_page.py [--models lenet5,resnet50] [--moves N]

Writing: one whole ``python -m calc derive MODEL --format html [--practice]`` process per model (wall and
CPU time). Recomputing: the page opened in /usr/bin/chromium (Playwright, network cut), a slider moved
``--moves`` times, the median time from the input event to the last slot written; skipped without
Playwright or chromium.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
VARY = {"lenet5": "k=1:15,f=4:64:4", "resnet50": "n=32:256:32", "bert_base": "H=760:776:4,S=128:512:128"}


def write(model: str, practice: bool, out: Path) -> tuple[float, float]:
    args = [sys.executable, "-m", "calc", "derive", model, "--format", "html", "-o", str(out)]
    args += ["--vary", VARY[model]] if model in VARY else []
    args += ["--practice"] if practice else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def recompute(path: Path, moves: int) -> float | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not os.path.exists("/usr/bin/chromium"):
        return None
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        page.goto(path.resolve().as_uri())
        times = page.evaluate(
            """(moves) => {
              const slider = document.querySelector('input[type=range]');
              const out = [];
              for (let i = 0; i < moves; i++) {
                slider.value = i % 2 ? slider.max : slider.min;
                const start = performance.now();
                slider.dispatchEvent(new Event('input'));
                out.push(performance.now() - start);
              }
              return out;
            }""",
            moves,
        )
        browser.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="lenet5,resnet50,bert_base")
    parser.add_argument("--moves", type=int, default=20)
    options = parser.parse_args()
    print(f"{'model':<12} {'mode':<9} {'wall s':>7} {'cpu s':>6} {'size kB':>8} {'recompute ms':>13}")
    with tempfile.TemporaryDirectory() as folder:
        for model in options.models.split(","):
            for practice in (False, True):
                out = Path(folder) / f"{model}-{practice}.html"
                wall, cpu = write(model, practice, out)
                median = recompute(out, options.moves)
                shown = "-" if median is None else f"{median:.1f}"
                mode = "practice" if practice else "solution"
                size = out.stat().st_size / 1000
                print(f"{model:<12} {mode:<9} {wall:>7.2f} {cpu:>6.2f} {size:>8.0f} {shown:>13}")


if __name__ == "__main__":
    main()
