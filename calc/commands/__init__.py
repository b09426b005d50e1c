"""One module per subcommand of ``calc``.

Each module has ``register(commands)``, which adds its parser (cheaply: heavy imports wait until the
command runs) and sets ``handler`` to a function ``(args) -> exit status``. ``cli`` lists the modules.
"""

from __future__ import annotations

import argparse


def model_parser(
    commands: argparse._SubParsersAction, name: str, help: str, optional: bool = False
) -> argparse.ArgumentParser:
    """A subcommand that takes a MODEL and ``--set NAME=VALUE`` (every such command does); ``optional``
    when another option may stand for the model (``calc check --variants``)."""
    sub = commands.add_parser(name, help=help, description=help)
    sub.add_argument(
        "model",
        metavar="MODEL",
        nargs="?" if optional else None,
        help="a spec file (YAML, JSON, TOML), a Keras model.to_json() file, a .keras archive, Keras or PyTorch "
        "source code (.py, or - for standard input; read, never run), or a zoo name such as lenet5",
    )
    sub.add_argument(
        "--input-shape",
        dest="input_shapes",
        metavar="SHAPE",
        help="PyTorch source: one example's input shape, channels first, no batch axis (3,32,32; sizes may be "
        "symbols: 3,n,n); several inputs separated by ';'",
    )
    sub.add_argument(
        "--model",
        dest="model_class",
        metavar="NAME",
        help="PyTorch source: the class to analyse, or a constructor call ('ResNet(BasicBlock, [2, 2, 2, 2])')",
    )
    sub.add_argument(
        "--set",
        dest="values",
        action="append",
        type=set_option,
        default=[],
        metavar="NAME=VALUE",
        help="give a symbol a value (repeatable), e.g. --set k=5",
    )
    return sub


def set_option(text: str) -> tuple[str, str]:
    from calc.errors import quote

    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {quote(text)}")
    return name.strip(), value.strip()


def keep_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="SYMBOLS",
        help="symbols to keep free, comma-separated (k,f); ARG=NAME or LAYER.ARG=NAME makes a hyper-parameter "
        "the symbol NAME (kernel_size=k, conv2d.kernel_size=k); ARG=NAME* scales it by NAME (filters=f*)",
    )


def compute_options(sub: argparse.ArgumentParser) -> None:
    """The conventions of the compute quantities: FLOPs per MAC and the dtype of memory in bytes."""
    sub.add_argument(
        "--flops-per-mac",
        type=int,
        choices=(2, 1),
        default=2,
        help="FLOPs per multiply-accumulate: 2 (a multiply and an add, the default) or 1 (fvcore's convention)",
    )
    sub.add_argument(
        "--dtype",
        default="float32",
        choices=("float64", "float32", "float16", "bfloat16", "int8", "uint8"),
        help="the type of every value, for memory in bytes (default float32)",
    )
    sub.add_argument(
        "--batch", type=int, default=1, help="sequences in a batch, for a transformer's KV cache and activations"
    )
    sub.add_argument(
        "--training",
        default="adam_mixed",
        choices=("adam_mixed", "adam_fp32", "adam_8bit", "sgd_mixed"),
        help="optimizer and precision for training memory (Transformer Math 101's bytes per parameter; "
        "default adam_mixed, 16 bytes)",
    )


def conventions(args: argparse.Namespace):  # returns calc.compute.Conventions
    from calc.compute import Conventions

    return Conventions(args.flops_per_mac, args.dtype, args.batch, args.training)


def jobs_option(sub: argparse.ArgumentParser) -> None:
    """How many processes may judge a class's answers (``calc.spread``)."""
    sub.add_argument(
        "--jobs",
        type=positive_count,
        metavar="N",
        help="judge the answers in at most N processes (default: one per core, up to 8, for a class large "
        "enough to gain; 1 judges them in this process)",
    )


def positive_count(text: str) -> int:
    from calc.errors import quote

    if not text.strip().isascii() or not text.strip().isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 64, got {quote(text)}")
    return int(text)


def output_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output (- for it)")


def write(text: str, output: str | None) -> None:
    """Write to standard output (``None`` or ``-``) or to a file, whole or not at all: the file is
    written beside the target and renamed over it, so a full disk never leaves half a file where a
    good one stood. A failure is one line (exit 2)."""
    from calc.errors import CalcError
    from calc.files import replace_file

    if output is None or output == "-":
        write_stdout(text)
        return
    try:
        replace_file(output, text.encode("utf-8"))
    except OSError as error:
        raise CalcError(f"cannot write the file ({error.strerror or error})", source=output) from None


def write_stdout(text: str) -> None:
    """Write and flush standard output; a full or closed one (``> /dev/full``, a pipe whose reader
    left) is one line, and the unwritten rest is dropped so that Python's exit does not report it again."""
    import contextlib
    import os
    import sys

    from calc.errors import CalcError

    try:
        try:
            sys.stdout.write(text)
        except UnicodeEncodeError:  # a terminal that cannot show × or →: a stand-in, not a crash
            encoding = sys.stdout.encoding or "ascii"
            sys.stdout.write(text.encode(encoding, "replace").decode(encoding))
        sys.stdout.flush()
    except OSError as error:
        # what stayed in the buffer now goes nowhere instead of failing again at exit
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise CalcError(f"cannot write to standard output ({error.strerror or error})") from None


def source_options(args: argparse.Namespace):  # returns calc.spec.SourceOptions
    """What PyTorch source needs besides the file: ``--input-shape`` and ``--model``."""
    from calc.spec import SourceOptions

    return SourceOptions(args.input_shapes or (), args.model_class)


def load_model(args: argparse.Namespace):  # returns calc.model.Model
    """The MODEL argument, read with the source options."""
    from calc.spec import load

    return load(args.model, source_options(args))


def analyze(args: argparse.Namespace):  # returns calc.model.Analysis
    """Load the MODEL argument and analyse it with the ``--set`` values."""
    return load_model(args).analyze(dict(args.values))
