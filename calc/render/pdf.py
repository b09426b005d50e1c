"""LaTeX to PDF with pdflatex, reproducibly.

The document is compiled in a private temporary folder with shell escape off and a time limit; only
the PDF comes out. The bytes repeat from run to run: the PDF carries no dates (``\\pdfinfoomitdate``)
unless the caller sets SOURCE_DATE_EPOCH, which then gives them; FORCE_SOURCE_DATE=1 makes TeX's own
clock (``\\today``) follow SOURCE_DATE_EPOCH too (0 unless set); the trailer /ID is left empty
(``\\pdftrailerid{}``) and pdfTeX's /PTEX entries are suppressed. These settings are given on the
command line, before the document, so a user's template cannot undo them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from calc.errors import CalcError

DEBIAN_PACKAGES = "texlive-latex-base texlive-latex-recommended texlive-pictures"  # TikZ: the figures
TIMEOUT_SECONDS = 120
_SETTINGS = r"\pdftrailerid{}\pdfsuppressptexinfo=-1"
_NO_DATES = r"\pdfinfoomitdate=1"


def pdflatex() -> str:
    """The pdflatex program, or a one-line error naming the packages that provide it."""
    path = shutil.which("pdflatex")
    if path is None:
        raise CalcError(f"pdflatex is not installed; install it with: apt-get install {DEBIAN_PACKAGES}")
    return path


def compile_pdf(latex: str, what: str = "document") -> bytes:
    """The PDF of a complete LaTeX document; a LaTeX error becomes a CalcError with pdflatex's message."""
    program = pdflatex()
    dated = "SOURCE_DATE_EPOCH" in os.environ
    env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "0"), "FORCE_SOURCE_DATE": "1"}
    first_line = _SETTINGS + ("" if dated else _NO_DATES) + r"\input{document.tex}"
    with tempfile.TemporaryDirectory(prefix="calc-pdf-") as folder:
        (Path(folder) / "document.tex").write_text(latex, encoding="utf-8")
        try:
            result = subprocess.run(
                [
                    program,
                    "-interaction=nonstopmode",
                    "-halt-on-error",
                    "-no-shell-escape",
                    "-jobname=document",
                    first_line,
                ],
                cwd=folder,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            raise CalcError(f"pdflatex did not finish within {TIMEOUT_SECONDS} s", source=what) from None
        pdf = Path(folder) / "document.pdf"
        if result.returncode != 0 or not pdf.is_file():
            raise CalcError(f"pdflatex failed: {_first_error(result.stdout)}", source=what)
        return pdf.read_bytes()


def _first_error(log: bytes) -> str:
    """pdflatex's first error line ('! Undefined control sequence.'), or the last line of its output."""
    lines = log.decode("utf-8", "replace").splitlines()
    errors = [line for line in lines if line.startswith("!")]
    return (errors or [line for line in lines if line.strip()][-1:] or ["no output"])[0].strip()
