"""Without the optional extras (numpy, matplotlib) the core still runs, and sweep says what to install."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

BLOCK_NUMPY = "import sys; sys.modules['numpy'] = None; sys.modules['matplotlib'] = None; "


def test_core_runs_without_numpy():
    """summary, formula, scaling and solve need neither numpy nor matplotlib; sweep says what to install."""

    def run(*args: str) -> subprocess.CompletedProcess:
        code = BLOCK_NUMPY + "from calc.cli import main; sys.exit(main(sys.argv[1:]))"
        return subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, cwd=ROOT
        )

    assert run("summary", "lenet5").returncode == 0
    assert run("formula", "lenet5").stdout.startswith("total_params = ")
    # solve and scaling run the same compiled code on plain whole numbers
    solved = run("solve", "lenet5", "--target", "total_params<=100000", "--for", "f", "--format", "json")
    assert solved.returncode == 0 and '"f": 13' in solved.stdout
    scaled = run("scaling", "lenet5", "--in", "k")
    assert scaled.returncode == 0 and "valid for k = 1 to 10 (checked from 1 to 2,000)" in scaled.stdout
    swept = run("sweep", "lenet5", "--vary", "k=3,5")
    assert swept.returncode == 2
    assert swept.stderr.count("\n") == 1 and "numpy" in swept.stderr and "pip install" in swept.stderr


def test_plot_without_matplotlib(tmp_path):
    code = "import sys; sys.modules['matplotlib'] = None; from calc.cli import main; sys.exit(main(sys.argv[1:]))"
    args = ["sweep", "lenet5", "--vary", "k=3,5", "--plot", str(tmp_path / "p.png")]
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "matplotlib" in result.stderr
