"""The package passes mypy at the level pyproject.toml sets ([tool.mypy]; mypy comes with the test extras)."""

from __future__ import annotations

import shutil
import subprocess

from tests.conftest import ROOT, require


def test_mypy_is_clean():
    mypy = shutil.which("mypy")
    require(mypy is not None, "mypy (pip install '.[test]')")
    result = subprocess.run([mypy, "calc"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
