"""What a question costs before its first wrong answer is judged: its mistake tables (``Question.candidates``,
``carried``, ``slips``, ``pairs``: ``calc/check_search.py``), which a wrong answer that no single mistake
explains makes the checker build in full.

In-process, for every question of a 30-variant lenet5 handout (sizes, counts, MACs, receptive fields,
formulas: what ``calc grade`` judges) and for every layer's ``params`` and ``output_shape`` and the model's
``total_params`` on deep zoo models (each question's carried errors rebuild the layers after up to 40
earlier ones: shared by the questions on one model, so the cost per question stays flat as models
deepen). Prints the questions, the CPU seconds for all their tables, and milliseconds per question.

    python benchmarks/question_tables.py [--models lenet5,torchvision_resnet18,torchvision_resnet50,densenet121]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calc.checker import Question  # noqa: E402
from calc.cli import main  # noqa: E402
from calc.errors import CalcError  # noqa: E402
from calc.handout.manifest import load as load_manifest  # noqa: E402
from calc.spec import load  # noqa: E402

KINDS = "output_shape,params,macs,receptive_field,total_params,formula"
MODELS = "lenet5,torchvision_resnet18,torchvision_resnet50,densenet121"


def tables(questions: list[Question]) -> float:
    """CPU seconds to build every table of every question."""
    start = time.process_time()
    for question in questions:
        question.candidates, question.carried, question.slips, question.pairs  # noqa: B018
    return time.process_time() - start


def report(label: str, questions: list[Question], seconds: float) -> None:
    each = 1000 * seconds / max(len(questions), 1)
    print(f"{label}: {len(questions):,} questions, tables {seconds:.2f} s CPU, {each:.1f} ms per question")


def handout() -> None:
    with tempfile.TemporaryDirectory(prefix="calc-tables-") as name:
        course = Path(name) / "course"
        with contextlib.redirect_stdout(io.StringIO()):
            command = ["handout", "lenet5", "--variants", "30", "--seed", "1", "--questions", KINDS]
            status = main([*command, "-o", str(course)])
        assert status == 0
        manifest = load_manifest(course / "variants.json")
        judges = [manifest.judge(v, entry) for v in manifest.variants.values() for entry in v.questions.values()]
    questions = [judge for judge in judges if isinstance(judge, Question)]
    report("lenet5 handout (30 variants)", questions, tables(questions))


def every_layer(model: str) -> None:
    analysis = load(model).analyze()
    questions = [Question(analysis, "total_params")]
    for record in analysis.layers:
        for quantity in ("params", "output_shape"):
            with contextlib.suppress(CalcError):
                questions.append(Question(analysis, quantity, record.name))
    report(f"{model} ({len(analysis.records)} layers), every layer", questions, tables(questions))


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=MODELS, help="zoo models whose every layer is asked about")
    args = parser.parse_args()
    handout()
    for model in args.models.split(","):
        every_layer(model)


if __name__ == "__main__":
    main_()
