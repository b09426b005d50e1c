"""The Keras code on a problem sheet is the model its questions are about: each sheet's code block was
run in real Keras (tests/fixtures/generate_keras_handouts.py) and its answers recorded; calc's
answers for the same variant agree layer by layer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from calc import handout

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "keras_handouts.json").read_text(encoding="utf-8"))
REGENERATE = "KERAS_BACKEND=torch /work/fwenv-keras/bin/python tests/fixtures/generate_keras_handouts.py"


def _code_blocks(folder: Path) -> dict[str, str]:
    found = {}
    for sheet in sorted(folder.glob("*-sheet.md")):
        match = re.search(r"^(`{3,})python\n(.*?)\n\1$", sheet.read_text(encoding="utf-8"), re.S | re.M)
        found[sheet.name] = match.group(2) + "\n"
    return found


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=[c["name"] for c in FIXTURE["cases"]])
def test_sheet_code_builds_the_model_of_the_questions(cli, tmp_path, case):
    spec = tmp_path / f"{case['name']}.yaml"
    if case["spec"]:
        spec.write_text(case["spec"], encoding="utf-8")
    args = [str(spec) if a == "{spec}" else a for a in case["args"]]
    run = cli("handout", *args, "-o", str(tmp_path / "out"))
    assert run.status == 0, run.err
    codes = _code_blocks(tmp_path / "out")
    assert sorted(codes) == sorted(case["sheets"])
    variants = int(args[args.index("--variants") + 1]) if "--variants" in args else None
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 0
    for built in handout.build(args[0], variants=variants, seed=seed):
        sheet = f"{handout.file_stem(built.model)}-{built.number}-sheet.md"
        recorded = case["sheets"][sheet]
        assert codes[sheet] == recorded["code"], f"the code on {sheet} changed: re-run `{REGENERATE}`"
        keras = recorded["keras"]
        analysis = built.analysis
        assert int(analysis.total_params) == keras["total_params"], sheet
        for layer in keras["layers"]:
            record = analysis.layer(layer["name"])
            assert int(record.params) == layer["params"], f"{sheet}: {layer['name']}"
            if "output_shape" in layer:
                assert [None, *(int(d) for d in record.output_shape)] == layer["output_shape"], (
                    f"{sheet}: {layer['name']}"
                )
