"""The cost of reading Keras's formats: the recorded fixtures through each path, and large inputs.

For each path (to_json file, .keras archive, Keras source): the in-process time to turn every recorded
fixture of tests/fixtures/keras_import/ into a spec, and to build and analyse the model from it
(median per file, and the slowest). Then the source reader and the JSON reader on generated models of
growing depth (a Sequential chain of Dense layers), to show the cost grows with the file, and the
reader on the largest source calc accepts (1,000,000 characters of assignments). Usage:
python benchmarks/import_cost.py [--depths 100,1000,5000]. A report, not a test.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from calc import from_spec  # noqa: E402
from calc.errors import CalcError  # noqa: E402
from calc.importers import spec_from_archive, spec_from_keras, spec_from_source  # noqa: E402

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "keras_import"


def _archive(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("config.json", text)
    return buffer.getvalue()


def _timed(function, *args):  # a benchmark helper
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def fixtures() -> None:
    names = [case["name"] for case in json.loads((FIXTURES / "index.json").read_text())["cases"]]
    paths = {
        "to_json": lambda name: spec_from_keras(json.loads((FIXTURES / f"{name}.json").read_text())),
        ".keras": lambda name: spec_from_archive(_archive((FIXTURES / f"{name}.json").read_text())),
        "source": lambda name: spec_from_source((FIXTURES / f"{name}.py").read_text()),
    }
    print(f"{len(names)} recorded models; milliseconds per file (median / slowest):")
    print(f"{'path':10} {'to spec':>16} {'build + analyse':>18}")
    for label, read in paths.items():
        reading, building = [], []
        for name in names:
            spec, seconds = _timed(read, name)
            reading.append(seconds)
            _, seconds = _timed(lambda s: from_spec(s).analyze(), spec)
            building.append(seconds)
        row = [f"{statistics.median(t) * 1e3:6.2f} / {max(t) * 1e3:6.1f}" for t in (reading, building)]
        print(f"{label:10} {row[0]:>16} {row[1]:>18}")


def depth(depths: list[int]) -> None:
    print("\nA Sequential chain of Dense layers; milliseconds to a spec:")
    print(f"{'layers':>8} {'source':>10} {'to_json':>10}")
    for count in depths:
        source = "import keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input((8,))])\n"
        source += "model.add(layers.Dense(8))\n" * count
        config = {
            "class_name": "Sequential",
            "config": {
                "name": "chain",
                "layers": [{"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [None, 8]}}]
                + [{"class_name": "Dense", "config": {"name": f"d{i}", "units": 8}} for i in range(count)],
            },
        }
        _, from_source = _timed(spec_from_source, source)
        _, from_json = _timed(spec_from_keras, config)
        print(f"{count:>8} {from_source * 1e3:>10.1f} {from_json * 1e3:>10.1f}")


def largest() -> None:
    source = "x = 1\n" * 166_000  # just under 1,000,000 characters, the source cap
    try:
        _, seconds = _timed(spec_from_source, source)
    except CalcError as error:  # no model in it: the time is the reading
        seconds = None
        message = str(error)
    print(f"\n1 MB of assignments: {message!r}" if seconds is None else f"\n1 MB: {seconds:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", default="100,1000,5000")
    args = parser.parse_args()
    fixtures()
    depth([int(d) for d in args.depths.split(",")])
    start = time.perf_counter()
    largest()
    print(f"  read in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
