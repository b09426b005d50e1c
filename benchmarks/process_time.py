"""Whole-process wall time of ``calc`` commands, compared with the cost of importing sympy and jinja2.

A user runs ``calc`` as a command, so what they wait for is the whole process: interpreter start,
imports, parsing the spec, the analysis and the rendering. This script times exactly that (a fresh
``python -m calc ...`` per run, median of N runs) and checks two targets:

(a) ``summary`` of the zoo model lenet5 takes at most 1.2x the floor, the time of
    ``python -c "import sympy, jinja2"``, and ``derive`` (which renders a worked solution) at most 1.5x:
    calc's own work must be small next to its dependencies. Judged on CPU time, best of the N runs (the
    child's user + system time: on a machine shared with other work, wall time mostly measures the waiting);
    the median wall-time ratio is shown beside it;
(b) cost grows linearly with depth: the time above the floor at 1,000 layers is at most ~10x the
    time at 100 (12x allowed for noise), and likewise 10,000 against 1,000.

The deep models are generated (JSON specs in a temporary directory) and valid at every depth:
a Dense stack, a 'same'-padded Conv2D stack with Activation/Dropout between the convolutions, and
the same conv stack with kernel size and filters given as symbols so the symbolic path is timed.

Usage: python benchmarks/process_time.py [--runs N] [--quick] [--spec-dir DIR] [--no-bytecode-cache]
It is a report, not a test: the exit status is 0 whatever the results. Each child's CPU time is shown
too, and a WARNING line says when other work on the machine made the wall times unreliable.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEPTHS = (100, 1_000, 10_000)
COMMANDS = ("summary", "derive")
FLOOR_RATIO_TARGETS = {"summary": 1.2, "derive": 1.5}  # target (a), per command
LINEAR_TARGET = 10.0  # target (b): 10x the layers should cost about 10x ...
LINEAR_ALLOWED = 12.0  # ... with some room for timing noise
BUSY_WALL_OVER_CPU = 1.15  # wall time this far above CPU time means processes waited for a CPU
MIN_EXCESS = 0.001  # seconds; the smallest noise estimate, so that a ratio stays finite


# --------------------------------------------------------------------------- generated models


def dense_stack(depth: int) -> dict:
    """An MLP on flattened 28x28 images: Dense layers whose widths cycle, ending in a 10-way softmax."""
    widths = (512, 256, 128, 256)
    layers = [{"Dense": {"units": widths[i % len(widths)], "activation": "relu"}} for i in range(depth - 1)]
    layers.append({"Dense": {"units": 10, "activation": "softmax"}})
    return {"name": f"dense_{depth}", "input": [784], "layers": layers}


def conv_body(depth: int, filters: Callable[[int], int | str], kernel: int | str) -> list[dict]:
    """Conv2D ('same' padding, so the image never shrinks) alternating with Activation and Dropout.

    The pattern repeats Conv2D, Activation, Conv2D, Dropout; two layers are left for the head.
    """
    layers: list[dict] = []
    conv_index = 0
    while len(layers) < depth - 2:
        position = len(layers) % 4
        if position in (0, 2):
            conv = {"filters": filters(conv_index), "kernel_size": kernel, "padding": "same"}
            layers.append({"Conv2D": conv})
            conv_index += 1
        elif position == 1:
            layers.append({"Activation": {"activation": "relu"}})
        else:
            layers.append({"Dropout": {"rate": 0.25}})
    return layers


def classifier_head() -> list[dict]:
    """Global average pooling and a 10-way softmax, as at the end of a typical image classifier."""
    return [{"GlobalAveragePooling2D": {}}, {"Dense": {"units": 10, "activation": "softmax"}}]


def conv_stack(depth: int) -> dict:
    """A CIFAR-sized conv net with numeric hyper-parameters; filters cycle 16, 32, 64."""
    widths = (16, 32, 64)
    layers = conv_body(depth, lambda i: widths[i % len(widths)], 3) + classifier_head()
    return {"name": f"conv_{depth}", "input": [32, 32, 3], "layers": layers}


def symbolic_conv_stack(depth: int) -> dict:
    """The conv net with kernel size k and filters f or 2*f: every layer goes through symbol resolution."""
    layers = conv_body(depth, lambda i: "f" if i % 2 == 0 else "2*f", "k") + classifier_head()
    return {"name": f"symconv_{depth}", "input": [32, 32, 3], "symbols": {"k": 3, "f": 16}, "layers": layers}


FAMILIES: dict[str, Callable[[int], dict]] = {
    "dense": dense_stack,
    "conv": conv_stack,
    "symconv": symbolic_conv_stack,
}


def write_specs(directory: Path, depths: tuple[int, ...]) -> dict[tuple[str, int], Path]:
    """Write every generated model as a JSON spec; JSON because it is the cheapest format to parse."""
    paths = {}
    for family, generate in FAMILIES.items():
        for depth in depths:
            spec = generate(depth)
            assert len(spec["layers"]) == depth, (family, depth, len(spec["layers"]))
            path = directory / f"{family}_{depth}.json"
            path.write_text(json.dumps(spec), encoding="utf-8")
            paths[family, depth] = path
    return paths


# --------------------------------------------------------------------------- timing


@dataclass
class Case:
    label: str
    argv: list[str]
    samples: list[float] = field(default_factory=list)  # wall seconds
    cpu_samples: list[float] = field(default_factory=list)  # the child's user + system seconds
    error: str = ""  # set when the command fails; its time would measure nothing useful

    @property
    def seconds(self) -> float | None:
        return None if self.error or not self.samples else statistics.median(self.samples)

    @property
    def cpu_seconds(self) -> float | None:
        return None if self.error or not self.cpu_samples else statistics.median(self.cpu_samples)

    @property
    def cpu_best(self) -> float | None:
        """The least CPU time of the runs: the work itself, with the least disturbance from other processes."""
        return None if self.error or not self.cpu_samples else min(self.cpu_samples)


def child_environment(cache_dir: Path | None) -> dict[str, str]:
    """The environment of every timed process.

    With a cache directory, bytecode is written there (PYTHONPYCACHEPREFIX) even when the caller sets
    PYTHONDONTWRITEBYTECODE, as many containers do: an installed calc has its .pyc files, so recompiling
    calc's sources on every run would be an artefact. Without one, the caller's environment is used as is.
    """
    env = dict(os.environ)
    if cache_dir is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache_dir)
    return env


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """One fresh process: wall seconds, CPU seconds, and the result.

    Output goes to /dev/null so that the terminal's speed is not measured. The CPU time is reported
    beside the wall time because it moves much less when other work shares the machine, so it tells
    a slow command from a busy machine; the targets still use wall time, which is what a user waits for.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def measure(cases: list[Case], runs: int, env: dict[str, str]) -> None:
    """Time every case ``runs`` times, round-robin, after one untimed warm-up run each.

    The warm-up fills the OS file cache and the bytecode cache, and checks that the command succeeds.
    Round-robin rather than case after case, so that a change in machine load during the benchmark
    shifts every case (the floor included) alike instead of skewing a few of them.
    """
    for case in cases:
        _, _, done = run_once(case.argv, env)
        if done.returncode != 0:
            last_line = (done.stderr.strip().splitlines() or ["no message"])[-1]
            case.error = f"exit {done.returncode}: {last_line}"
    live = [case for case in cases if not case.error]
    for round_number in range(1, runs + 1):
        print(f"  ... round {round_number}/{runs}", file=sys.stderr, flush=True)
        for case in live:
            wall, cpu, _ = run_once(case.argv, env)
            case.samples.append(wall)
            case.cpu_samples.append(cpu)


def source_version() -> str:
    """The commit being measured (with '-dirty' for uncommitted changes): results belong to one version."""
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown version"
    return f"calc {done.stdout.strip()}"


def calc_argv(command: str, model: str | Path) -> list[str]:
    return [sys.executable, "-m", "calc", command, str(model)]


# --------------------------------------------------------------------------- report


def timing_noise(samples: list[float]) -> float:
    """How far a run of one command typically lands from its median on this machine (from the floor's runs).

    Three median absolute deviations (about two standard deviations of well-behaved timings) rather
    than the full spread, so that one run slowed by other work on the machine does not inflate it.
    A time above the floor smaller than this cannot be told from zero: a ratio against it would be
    noise divided by noise, so the linearity check divides by the noise instead.
    """
    median = statistics.median(samples)
    deviation = statistics.median(abs(sample - median) for sample in samples)
    return max(3 * deviation, MIN_EXCESS)


def growth(small: float, large: float, floor: float, noise: float) -> tuple[float, bool]:
    """(large - floor) / (small - floor), the small excess raised to the noise; and whether it was."""
    excess_small = small - floor
    return max(large - floor, 0.0) / max(excess_small, noise), excess_small < noise


def print_table(cases: list[Case], floor: float, floor_cpu: float) -> None:
    print(f"  {'command':<28} {'median':>9} {'- floor':>10} {'/ floor':>8}   {'cpu':>8} {'- floor':>10}")
    for case in cases:
        t, cpu = case.seconds, case.cpu_seconds
        if t is None or cpu is None:
            print(f"  {case.label:<28} {'FAILED':>9}  {case.error}")
        else:
            print(
                f"  {case.label:<28} {t:>8.3f}s {t - floor:>+9.3f}s {t / floor:>7.2f}x"
                f"   {cpu:>7.3f}s {cpu - floor_cpu:>+9.3f}s"
            )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def check_floor_ratio(cases: dict[str, Case], floor: Case) -> list[str]:
    """Target (a): lenet5 costs at most FLOOR_RATIO_TARGETS[command] times the bare imports, in CPU time (best of
    the runs of each); the median wall-time ratio is shown too."""
    lines = []
    for command in COMMANDS:
        case = cases[f"lenet5 {command}"]
        if case.seconds is None or case.cpu_best is None or not floor.cpu_best or not floor.seconds:
            lines.append(f"FAIL  (a) lenet5 {command}: command failed ({case.error})")
            continue
        ratio, wall_ratio = case.cpu_best / floor.cpu_best, case.seconds / floor.seconds
        target = FLOOR_RATIO_TARGETS[command]
        lines.append(
            f"{verdict(ratio <= target)}  (a) lenet5 {command}: {ratio:.2f}x floor in CPU time, best of "
            f"{len(case.cpu_samples)} ({case.cpu_best:.3f}s / {floor.cpu_best:.3f}s; median wall {wall_ratio:.2f}x) "
            f"(target <= {target}x)"
        )
    return lines


def check_linear(cases: dict[str, Case], floor: Case, depths: tuple[int, ...]) -> list[str]:
    """Target (b): each 10x step in depth costs at most ~10x more time above the floor.

    The verdict is on wall time; the same ratio in CPU time is shown beside it for busy machines.
    """
    wall_noise, cpu_noise = timing_noise(floor.samples), timing_noise(floor.cpu_samples)
    lines = []
    for family in FAMILIES:
        for command in COMMANDS:
            for small, large in pairwise(depths):
                a, b = cases[f"{family}_{small} {command}"], cases[f"{family}_{large} {command}"]
                name = f"(b) {family} {command} {large:,} vs {small:,} layers"
                if None in (a.seconds, b.seconds, a.cpu_seconds, b.cpu_seconds):
                    lines.append(f"FAIL  {name}: command failed")
                    continue
                ratio, noisy = growth(a.seconds, b.seconds, floor.seconds, wall_noise)
                cpu_ratio, cpu_noisy = growth(a.cpu_seconds, b.cpu_seconds, floor.cpu_seconds, cpu_noise)
                lines.append(
                    f"{verdict(ratio <= LINEAR_ALLOWED)}  {name}: {ratio:.1f}x{'*' if noisy else ''} "
                    f"(cpu {cpu_ratio:.1f}x{'*' if cpu_noisy else ''}; "
                    f"linear ~{LINEAR_TARGET:g}x, allowed <= {LINEAR_ALLOWED:g}x)"
                )
    return lines


# --------------------------------------------------------------------------- main


def build_cases(depths: tuple[int, ...], specs: dict[tuple[str, int], Path]) -> list[Case]:
    """The floor first, then lenet5, then every generated model with both commands."""
    cases = [Case("floor (import sympy, jinja2)", [sys.executable, "-c", "import sympy, jinja2"])]
    cases += [Case(f"lenet5 {c}", calc_argv(c, "lenet5")) for c in COMMANDS]
    cases += [Case(f"{fam}_{d} {c}", calc_argv(c, specs[fam, d])) for fam in FAMILIES for d in depths for c in COMMANDS]
    return cases


def busy_machine_warning(cases: list[Case], load_before: float, load_after: float) -> str:
    """A warning when other work competed for the CPU, which makes wall-time verdicts unreliable.

    calc is single-threaded, so on an idle machine a process's wall time is about its CPU time;
    waiting for a CPU shows up as wall time well above CPU time.
    """
    timed = [case for case in cases if case.seconds is not None and case.cpu_seconds]
    wall = sum(case.seconds or 0.0 for case in timed)
    cpu = sum(case.cpu_seconds or 0.0 for case in timed)
    if cpu == 0 or wall / cpu <= BUSY_WALL_OVER_CPU:
        return ""
    return (
        f"WARNING  the machine was busy (wall time {wall / cpu:.2f}x CPU time; load average "
        f"{load_before:.1f} before, {load_after:.1f} after, {os.cpu_count()} CPUs): wall-time verdicts are "
        "unreliable, compare the cpu column or run again on an idle machine"
    )


def run_all(runs: int, depths: tuple[int, ...], spec_dir: Path, cache_dir: Path | None) -> None:
    specs = write_specs(spec_dir, depths)
    cache_note = f"bytecode cached in {cache_dir}" if cache_dir else "bytecode caching as inherited"
    print(f"{source_version()}, python {sys.version.split()[0]}, median of {runs} runs per command")
    print(f"specs in {spec_dir}, {cache_note}")
    cases = build_cases(depths, specs)
    load_before = os.getloadavg()[0]
    measure(cases, runs, child_environment(cache_dir))
    load_after = os.getloadavg()[0]

    floor = cases[0].seconds
    if floor is None:
        print(f"cannot time the floor: {cases[0].error}")
        return
    noise, cpu_noise = timing_noise(cases[0].samples), timing_noise(cases[0].cpu_samples)
    print(f"timing noise (3 median absolute deviations of the floor's runs): {noise:.3f}s wall, {cpu_noise:.3f}s cpu")
    print()
    print_table(cases, floor, cases[0].cpu_seconds or 0.0)
    by_label = {case.label: case for case in cases}
    print("\n* in (b): the smaller model's time above the floor was below the noise, so the noise was used instead")
    warning = busy_machine_warning(cases, load_before, load_after)
    for line in check_floor_ratio(by_label, cases[0]) + check_linear(by_label, cases[0], depths) + [warning]:
        if line:
            print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command; the median is reported")
    parser.add_argument("--quick", action="store_true", help="skip the 10,000-layer models")
    parser.add_argument("--spec-dir", type=Path, help="write the generated specs here and keep them (for profiling)")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="time in the inherited environment (where PYTHONDONTWRITEBYTECODE=1, "
        "calc's sources are compiled again on every run)",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    depths = DEPTHS[:-1] if args.quick else DEPTHS
    with tempfile.TemporaryDirectory(prefix="calc-bench-") as scratch:
        spec_dir = args.spec_dir.resolve() if args.spec_dir else Path(scratch) / "specs"
        spec_dir.mkdir(parents=True, exist_ok=True)
        cache_dir = None if args.no_bytecode_cache else Path(scratch) / "pycache"
        run_all(args.runs, depths, spec_dir, cache_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
