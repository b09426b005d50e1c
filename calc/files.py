"""Reading the files calc is given, with a cap on the bytes taken; writing its output files whole.

A file's size as stat reports it is no guide: ``/dev/zero``, ``/dev/stdin``, a FIFO or a file that grows
while it is read report 0 or anything else. So every read stops one byte past its cap, whatever the
file is, and a longer stream is refused in bounded memory.
"""

from __future__ import annotations

import os
import select
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from calc.errors import CalcError

#: The most any one input file (a spec, Keras JSON or source, a .keras archive) may hold.
MAX_FILE_BYTES = 5_000_000
#: How long a FIFO may stay without a writer (``calc summary <(cat spec.yaml)`` has one at once).
WRITER_WAIT = 2.0
_CHUNK = 1 << 16


def read_capped(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path`` (a regular file, a FIFO, a device, ``/dev/stdin``), refused past ``limit``.

    A FIFO is given ``WRITER_WAIT`` seconds for a writer to appear, then refused: it never hangs calc.
    """
    source = str(path)
    try:
        descriptor = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise CalcError(f"cannot read the file ({error.strerror or error})", source=source) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise CalcError("is a folder, not a file", source=source)
        if stat.S_ISFIFO(mode):
            _await_writer(descriptor, source)
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)  # a writer is there: wait for its data as a normal read does
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            return read_stream(handle, limit, source)
    except OSError as error:
        raise CalcError(f"cannot read the file ({error.strerror or error})", source=source) from None
    finally:
        os.close(descriptor)


def read_stream(handle: BinaryIO, limit: int = MAX_FILE_BYTES, source: str = "<stdin>") -> bytes:
    """At most ``limit`` bytes of an open stream; more is refused without reading on."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = handle.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise CalcError(f"the input is too large (more than {limit:,} bytes)", source=source)


def _await_writer(descriptor: int, source: str) -> None:
    """Wait until a FIFO has data or a writer that has closed it; a FIFO nobody writes to is refused."""
    poller = select.poll()
    poller.register(descriptor, select.POLLIN | select.POLLHUP)
    if not poller.poll(WRITER_WAIT * 1000):
        raise CalcError(f"nothing was written to the pipe within {WRITER_WAIT:g} s", source=source)


def replace_file(path: str | Path, data: bytes, follow: bool = True) -> None:
    """Write ``data`` to a temporary file in ``path``'s folder, then rename it over ``path``: a reader, or
    a failure midway (a full disk), sees the old file or the whole new one, never a truncated one.
    The new file keeps the old one's permissions (or gets the umask's). A target that is no regular file
    (/dev/null, /dev/full, a FIFO, a terminal) is written in place: renaming over it would replace the
    device. A symlink's target is replaced, not the link. Without ``follow`` (calc's own cache entries)
    the path itself is replaced, whatever stands there. Raises OSError."""
    path = Path(os.path.realpath(path)) if follow and Path(path).is_symlink() else Path(path)
    try:
        info: os.stat_result | None = path.stat() if follow else None
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        with open(path, "wb") as stream:
            stream.write(data)
        return
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            mode = 0o666 & ~_umask()
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
