"""Every hostile input of issue 16, run as a user runs calc: time, peak memory, exit status, stderr.

    python benchmarks/hostile_inputs.py [--only NAME] [--timeout 60]

Each case is a fresh ``python -m calc ...`` process (inputs written to a temporary folder, a private
cache folder for the cache cases). A case passes when it ends within 5 s and 500 MB, with exit status
0, 1 or 2 and at most one line of at most 300 characters on stderr. The times include Python's start
and sympy's import (about 1 s on an idle machine; see process_time.py for that floor). The verdict
reads the CPU time, which other work on the machine does not inflate, except for the FIFO case, which
waits (wall time); a WARNING says when the machine was busy. A report, not a test: the exit status is
0 whatever the results; the regression tests are in tests/test_bounds.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT_SECONDS, LIMIT_MB, LIMIT_STDERR = 5.0, 500, 300
SYMBOLIC = "input: [32, 32, 3]\nlayers:\n  - Conv2D: {filters: f, kernel_size: k}\n"


@dataclass
class Case:
    name: str
    args: list[str]
    files: dict[str, str | bytes]  # written into the case's folder first; {dir} in args is that folder
    stdin: str | None = None  # a path whose content goes to standard input
    prepare: Callable[[Path], None] | None = None
    waits: bool = False  # the case sleeps rather than computes: judged by its wall time


def _laughs() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(9)]
    return "input: [4]\n" + "\n".join(lines) + "\nlayers:\n  - Dense: {units: *j}\n"


def _nested_models() -> str:
    """10 levels of aliased Model blocks, 10 each: 10^10 layers if the aliases were expanded."""
    text = "input: [4]\nl0: &l0 {Dense: {units: 2}}\n"
    for level in range(1, 11):
        text += f"l{level}: &l{level} {{Model: {{layers: [{', '.join([f'*l{level - 1}'] * 10)}]}}}}\n"
    return text + "layers: [*l10]\n"


def _nested_json(depth: int, times: int) -> str:
    block = '{"layers": [{"Dense": {"units": 4}}]}'
    for _ in range(depth):
        block = '{"layers": [{"Repeat": {"times": ' + str(times) + ", " + block[1:] + "}]}"
    return '{"input": [4], ' + block[1:]


def _nested_power_repeats() -> str:
    return _nested_json(4, 1).replace('"times": 1', '"times": "999999999999999999**64"')


def _huge_size() -> str:
    return 'input: [4]\nlayers:\n  - Dense: {units: "999999999999999999**64"}\n'


def _strided(times: int) -> str:
    return (
        f"input: [10, 1]\nlayers:\n  - Repeat:\n      times: {times}\n      layers:\n"
        "        - Conv1D: {filters: 1, kernel_size: 3, strides: 2}\n        - ZeroPadding1D: {padding: [3, 3]}\n"
    )


def _answers(rows: list[str]) -> str:
    return "student,layer,quantity,answer\n" + "\n".join(rows) + "\n"


def _near_cap(count: int) -> str:
    """Correct answers whose expansion has thousands of terms, each distinct: 40 took 84 s before."""
    forms = [
        "(1 + k + f + kf)^{e} - ((1 + k)(1 + f))^{e} + f(3k²+1) + {c} - {c}",
        "(k+f+1)^{e} - (f+k+1)^{e} + f(3k^2+1) + {c} - {c}",
        "floor((k+f+{c})^{e}/7) - floor((k+f+{c})^{e}/7) + f(3k²+1)",
    ]
    rows = [f"s{i},conv2d,params,{forms[i % 3].format(e=30 + i % 35, c=i)}" for i in range(count)]
    return _answers([f'{row.split(",", 3)[0]},conv2d,params,"{row.split(",", 3)[3]}"' for row in rows])


def _keras_config(digits: int) -> bytes:
    import io
    import zipfile

    config = {"class_name": "Sequential", "config": {"name": "m", "layers": [{"class_name": "Dense", "config": {}}]}}
    text = json.dumps(config).replace("{}", '{"units": ' + "9" * digits + "}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("config.json", text)
    return buffer.getvalue()


def _poison_cache(kind: str) -> Callable[[Path], None]:
    def prepare(folder: Path) -> None:
        env = {**os.environ, "XDG_CACHE_HOME": str(folder / "cache")}
        subprocess.run([sys.executable, "-m", "calc", "summary", "lenet5"], env=env, capture_output=True, check=True)
        (entry,) = (folder / "cache" / "calc" / "zoo").glob("lenet5-*")
        if kind == "edited":
            entry.write_bytes(entry.read_bytes().replace(b'"units": 120', b'"units": 999'))
            return
        entry.unlink()
        if kind == "fifo":
            os.mkfifo(entry)
        else:
            entry.symlink_to("/dev/zero")

    return prepare


def cases() -> list[Case]:
    huge_source = (
        "import keras\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense([['x'*10000]*10000]*9)])\n"
    )
    five_thousand = "9" * 5000
    return [
        Case("echo: 900 MB value in Keras source", ["summary", "{dir}/m.py"], {"m.py": huge_source}),
        Case("echo: 100 KB string in a spec", ["summary", "{dir}/m.yaml"], {"m.yaml": _strings()}),
        Case("yaml: 9^10 alias expansion", ["summary", "{dir}/m.yaml"], {"m.yaml": _laughs()}),
        Case("yaml: nested aliased Model blocks", ["summary", "{dir}/m.yaml"], {"m.yaml": _nested_models()}),
        Case(
            "yaml: key written twice", ["summary", "{dir}/m.yaml"], {"m.yaml": "input: [4]\ninput: [8]\nlayers: []\n"}
        ),
        Case("spec: 100,001 layers", ["summary", "{dir}/m.json"], {"m.json": _flat(100_001)}),
        Case("spec: blocks nested 40 deep", ["summary", "{dir}/m.json"], {"m.json": _nested_json(40, 2)}),
        Case("repeat: 10^18 nested 32 deep", ["summary", "{dir}/m.json"], {"m.json": _nested_json(32, 10**18 - 1)}),
        Case("repeat: 10^1152 nested 4 deep", ["summary", "{dir}/m.json"], {"m.json": _nested_power_repeats()}),
        Case("size: 999999999999999999**64", ["summary", "{dir}/m.yaml"], {"m.yaml": _huge_size()}),
        Case(
            "repeat 10^9: --format json", ["summary", "{dir}/m.yaml", "--format", "json"], {"m.yaml": _strided(10**9)}
        ),
        Case("repeat 10^9: --columns rf", ["summary", "{dir}/m.yaml", "--columns", "rf"], {"m.yaml": _strided(10**9)}),
        Case("repeat 10^9: derive rf", ["derive", "{dir}/m.yaml", "--include", "rf"], {"m.yaml": _strided(10**9)}),
        Case("repeat 100,000: derive rf", ["derive", "{dir}/m.yaml", "--include", "rf"], {"m.yaml": _strided(100_000)}),
        Case("repeat 2,000: exact rf", ["summary", "{dir}/m.yaml", "--columns", "rf"], {"m.yaml": _strided(2000)}),
        *(
            Case(f"answer {answer[:28]} on {model}", ["check", model, *_question(), "--answer", answer], {})
            for answer in ("((k+f+1)^64)^64", "*".join(["999999999999999999^64"] * 3))
            for model in ("lenet5", "{dir}/sym.yaml")
        ),
        Case("answer -k + 613", ["check", "lenet5", *_question(), "--answer", "-k + 613"], {}),
        Case("answer fullwidth ６０８", ["check", "lenet5", *_question(), "--answer", "６０８"], {}),
        Case(
            "json: 5,000-digit integer", ["summary", "{dir}/m.json"], {"m.json": '{"input": [' + five_thousand + "]}"}
        ),
        Case("toml: 5,000-digit integer", ["summary", "{dir}/m.toml"], {"m.toml": f"input = [{five_thousand}]\n"}),
        Case("yaml: 5,000-digit integer", ["summary", "{dir}/m.yaml"], {"m.yaml": f"input: [{five_thousand}]\n"}),
        Case(".keras: 5,000-digit integer", ["summary", "{dir}/m.keras"], {"m.keras": _keras_config(5000)}),
        Case(
            "class: 40 near-cap answers",
            ["check", "{dir}/sym.yaml", "--answers", "{dir}/a.csv"],
            {"a.csv": _near_cap(40)},
        ),
        Case(
            "class: 1,000 near-cap answers", ["check", "lenet5", "--answers", "{dir}/a.csv"], {"a.csv": _near_cap(1000)}
        ),
        Case("class: bad rows among good", ["check", "lenet5", "--answers", "{dir}/a.csv"], {"a.csv": _bad_rows()}),
        Case("class: unclosed quote", ["check", "lenet5", "--answers", "{dir}/a.csv"], {"a.csv": _unclosed()}),
        Case("read: /dev/zero as a model", ["summary", "/dev/zero"], {}),
        Case("read: /dev/zero as answers", ["check", "lenet5", "--answers", "/dev/zero"], {}),
        Case("read: endless standard input", ["summary", "-"], {}, stdin="/dev/zero"),
        Case("read: /dev/stdin endless", ["check", "lenet5", "--answers", "/dev/stdin"], {}, stdin="/dev/zero"),
        Case(
            "read: FIFO without a writer",
            ["summary", "{dir}/pipe"],
            {},
            prepare=lambda d: os.mkfifo(d / "pipe"),
            waits=True,
        ),
        Case("write: > /dev/full", ["summary", "lenet5", "-o", "/dev/full"], {}),
        Case("latex: layer named über", ["summary", "{dir}/u.yaml", "--format", "latex"], {"u.yaml": _unicode()}),
        Case("name: layer a[0]", ["summary", "{dir}/b.yaml"], {"b.yaml": _bracket()}),
        Case("cache: entry edited", ["summary", "lenet5"], {}, prepare=_poison_cache("edited")),
        Case("cache: entry -> /dev/zero", ["summary", "lenet5"], {}, prepare=_poison_cache("zero")),
        Case("cache: entry is a FIFO", ["summary", "lenet5"], {}, prepare=_poison_cache("fifo")),
        Case("json: 10,000 Dense layers", ["summary", "{dir}/m.json", "--format", "json"], {"m.json": _flat(10_000)}),
    ]


def _question() -> list[str]:
    return ["--layer", "conv2d", "--quantity", "params"]


def _flat(layers: int) -> str:
    return json.dumps({"input": [8], "layers": [{"Dense": {"units": 8}}] * layers})


def _strings() -> str:
    return "input: [4]\nlayers:\n  - Dropout: {rate: " + '"' + "x" * 100_000 + '"}\n'


def _bad_rows() -> str:
    rows = ["ada,conv2d,params,608", "bob,conv2d,params,((k+f+1)^64)^64", 'cy,conv2d,params,"' + "(" * 5000 + '"']
    rows += ["dee,,total_params,62958", "eve,conv2d,params,9**9**9**9", "fay,conv2d,params,608"]
    return _answers(rows)


def _unclosed() -> str:
    return _answers(['ada,conv2d,params,"608', "bob,conv2d,params,608", 'cy,,total_params,"62,958"'])


def _unicode() -> str:
    return 'input: [4]\nlayers:\n  - Dense: {units: 2, name: "über"}\n  - Dense: {units: 2, name: "naïve_日本"}\n'


def _bracket() -> str:
    return 'input: [4]\nlayers:\n  - Dense: {units: 2, name: "a[0]"}\n'


def run(case: Case, folder: Path, timeout: float) -> tuple[float, float, float, int | None, str]:
    """Wall seconds, CPU seconds, peak MB, exit status (None when killed at the timeout), stderr."""
    for name, content in case.files.items():
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    (folder / "sym.yaml").write_text(SYMBOLIC)
    if case.prepare:
        case.prepare(folder)
    env = {**os.environ, "XDG_CACHE_HOME": str(folder / "cache")}
    args = [arg.replace("{dir}", str(folder)) for arg in case.args]
    stdin = open(case.stdin, "rb") if case.stdin else subprocess.DEVNULL  # noqa: SIM115 - closed below
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "calc", *args], stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    killer = threading.Timer(timeout, child.kill)
    killer.start()
    stderr = child.stderr.read() if child.stderr else b""
    _, status, usage = os.wait4(child.pid, 0)
    killer.cancel()
    seconds = time.perf_counter() - started
    if case.stdin:
        stdin.close()
    code = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, (code if code >= 0 else None), stderr.decode("utf-8", "replace")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run the cases whose name contains this text")
    parser.add_argument("--timeout", type=float, default=60.0, help="kill a case after this many seconds")
    args = parser.parse_args()
    failures = 0
    load_before = os.getloadavg()[0]
    print(f"{'case':<40} {'wall s':>6} {'cpu s':>6} {'MB':>5} {'exit':>4}  verdict, stderr")
    for case in cases():
        if args.only and args.only not in case.name:
            continue
        with tempfile.TemporaryDirectory() as scratch:
            wall, cpu, megabytes, code, stderr = run(case, Path(scratch), args.timeout)
        lines = stderr.splitlines()
        seconds = wall if case.waits else cpu
        ok = seconds < LIMIT_SECONDS and megabytes < LIMIT_MB and code in (0, 1, 2)
        ok = ok and len(lines) <= 1 and len(stderr) <= LIMIT_STDERR
        failures += not ok
        shown = (lines[0][:60] + ("..." if len(lines[0]) > 60 else "")) if lines else ""
        verdict = "ok  " if ok else "FAIL"
        print(
            f"{case.name[:40]:<40} {wall:6.2f} {cpu:6.2f} {megabytes:5.0f} {code!s:>4}  {verdict} {shown}", flush=True
        )
    print(f"{failures} case(s) outside the bounds (< {LIMIT_SECONDS:g} s, < {LIMIT_MB} MB, exit 0/1/2, one short line)")
    load = max(load_before, os.getloadavg()[0])
    if load > (os.cpu_count() or 1):
        print(
            f"WARNING  the machine was busy (load average {load:.1f} on {os.cpu_count()} CPUs): wall times are inflated"
        )


if __name__ == "__main__":
    main()
