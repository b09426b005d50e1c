"""The code passes ruff (installed with the test extras)."""

from __future__ import annotations

import shutil
import subprocess

from tests.conftest import ROOT, require


def test_ruff_is_clean():
    ruff = shutil.which("ruff")
    require(ruff is not None, "ruff (pip install '.[test]')")
    folders = [name for name in ("calc", "templates", "tests", "benchmarks") if (ROOT / name).is_dir()]
    result = subprocess.run([ruff, "check", *folders], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
