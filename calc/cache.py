"""calc's folder in the user's cache: work kept between runs, as Python keeps its .pyc files.

Everything here is an optimisation. Without a usable cache folder (a read-only home, a sandbox, a folder
someone else could write) calc does the same work each time and gives the same results. So whenever in
doubt the cache is not used:

- the folder must be the user's own and writable by no one else (pip's rule for its cache);
- an entry is read only if it is a regular file (not a symlink, FIFO or device) of the user's, under a
  size cap, and only as data (JSON here; nothing is unpickled or run);
- an entry carries a SHA-256 of its content, so a damaged or edited entry is ignored and recomputed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from pathlib import Path

from calc.files import replace_file

#: The largest entry read back; the biggest zoo model's parsed spec is a few hundred kilobytes.
MAX_ENTRY_BYTES = 5_000_000
_PRIVATE = 0o700


def cache_folder(kind: str) -> Path | None:
    """``$XDG_CACHE_HOME/calc/KIND`` (``~/.cache/calc/KIND``), created if need be; None when it is not
    the user's own private, writable folder."""
    calc_folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "calc"
    folder = calc_folder / kind
    try:
        calc_folder.parent.mkdir(parents=True, exist_ok=True)
        for made in (calc_folder, folder):
            made.mkdir(mode=_PRIVATE, exist_ok=True)
    except OSError:
        return None
    if not (_private(calc_folder) and _private(folder)):
        return None
    return folder if os.access(folder, os.W_OK) else None


def _private(folder: Path) -> bool:
    """A real folder (not a symlink), owned by this user, that no one else may write."""
    try:
        info = folder.lstat()
    except OSError:
        return False
    owner = os.getuid() if hasattr(os, "getuid") else info.st_uid
    return stat.S_ISDIR(info.st_mode) and info.st_uid == owner and not info.st_mode & 0o022


def read_entry(path: Path) -> str | None:
    """An entry's text when it is intact: a regular file of the user's, within the size cap, whose
    checksum line matches its content; None otherwise (then the caller recomputes it)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        owner = os.getuid() if hasattr(os, "getuid") else info.st_uid
        if not stat.S_ISREG(info.st_mode) or info.st_uid != owner or info.st_size > MAX_ENTRY_BYTES:
            return None
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    digest, _, body = data.partition(b"\n")
    if len(data) > MAX_ENTRY_BYTES or digest != _digest(body):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def write_entry(path: Path, text: str) -> None:
    """Keep ``text`` under ``path`` with its checksum, atomically (see ``write_atomically``)."""
    body = text.encode("utf-8")
    if len(body) <= MAX_ENTRY_BYTES:
        write_atomically(path, _digest(body) + b"\n" + body)


def _digest(body: bytes) -> bytes:
    return hashlib.sha256(body).hexdigest().encode("ascii")


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` whole (see ``calc.files.replace_file``); a failure leaves no file behind and is
    not an error: the entry is computed again next time."""
    with contextlib.suppress(OSError):
        replace_file(path, data, follow=False)  # whatever stands there (a FIFO, a symlink) is replaced
