"""calc's folder in the user's cache: work kept between runs, as Python keeps its .pyc files.

Everything here is an optimisation. Without a writable cache folder (a read-only home, a sandbox) calc
does the same work each time and gives the same results.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def cache_folder(kind: str) -> Path | None:
    """``$XDG_CACHE_HOME/calc/KIND`` (``~/.cache/calc/KIND``), created if need be; None when not writable."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "calc" / kind
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` so that a concurrent reader sees the old file or the whole new one, never half;
    a failure (disk full, folder gone) leaves no file behind and is not an error."""
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
