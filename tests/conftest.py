"""Shared test helpers.

Tests that need an outside program (pdflatex, torch) skip where it is missing, but CI sets
CALC_REQUIRE_EXTERNAL=1, which turns those skips into failures so they always run there.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from calc.cli import main

ROOT = Path(__file__).resolve().parents[1]


def require(available: bool, what: str) -> None:
    """Skip when ``what`` is missing, or fail when CI demands every external test."""
    if available:
        return
    if os.environ.get("CALC_REQUIRE_EXTERNAL") == "1":
        pytest.fail(f"{what} is required (CALC_REQUIRE_EXTERNAL=1) but missing")
    pytest.skip(f"{what} is not installed")


def require_program(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, name)
    return path  # type: ignore[return-value]


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory):
    """calc's cache (compiled templates, parsed zoo models) goes to a folder of this test session, for the
    commands run in-process and in subprocesses alike, never to the user's own cache."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield Path(os.environ["XDG_CACHE_HOME"])
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


class Run:
    """The result of running the command line in-process."""

    def __init__(self, status: int, out: str, err: str):
        self.status, self.out, self.err = status, out, err

    def json(self) -> dict:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run ``calc ARGS`` in this process; return status, stdout and stderr."""

    def run(*args: str) -> Run:
        try:
            status = main(list(args))
        except SystemExit as exit_:
            status = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Run(status, captured.out, captured.err)

    return run


@pytest.fixture
def spec_file(tmp_path: Path):
    """Write spec text to a file with the given suffix and return its path."""

    def write(text: str, suffix: str = ".yaml") -> str:
        path = tmp_path / f"model{suffix}"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write
