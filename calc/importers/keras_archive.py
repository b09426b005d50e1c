"""A ``.keras`` archive: a zip file holding config.json (the model), metadata.json and the weights.

Only config.json is read, in memory, as JSON: nothing is extracted to disk, the weights and any other
member are never opened, and nothing is unpickled. Archives come from strangers, so every size is
capped before it costs anything: the central directory (checked from the end record, before Python's
zipfile reads it), the number of members, and config.json's declared sizes, compressed and not. A
header may lie about a size, so the member is read with a limit as well, never trusted.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

from calc.errors import CalcError, quote
from calc.spec_text import parse_json

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
CONFIG = "config.json"
MAX_CONFIG_BYTES = 5_000_000
MAX_MEMBERS = 1_000
MAX_DIRECTORY_BYTES = 1_000_000

END_RECORD = struct.Struct("<4s4H2LH")  # end of central directory
ZIP64_LOCATOR = struct.Struct("<4sLQL")
ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")
MAX_COMMENT = 0xFFFF


def is_zip(data: bytes) -> bool:
    """Bytes (standard input) that start like a zip file."""
    return data[:4] in ZIP_MAGIC


def read_config(source: Path | bytes) -> Any:
    """The parsed config.json of a .keras archive: a file, or its bytes (read from standard input)."""
    try:
        with source.open("rb") if isinstance(source, Path) else io.BytesIO(source) as handle:
            _check_directory(handle)
            with zipfile.ZipFile(handle) as archive:
                data = _read_config(archive)
    except CalcError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError) as error:
        raise CalcError(f"not a readable .keras archive ({_reason(error)})") from None
    except (NotImplementedError, RuntimeError) as error:  # unknown compression, encryption
        raise CalcError(f"cannot read {CONFIG} from the archive ({_reason(error)})") from None
    except OSError as error:
        raise CalcError(f"cannot read the file ({error.strerror or error})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CalcError(f"the archive's {CONFIG} is not UTF-8 text (a .keras file's is JSON)") from None
    return parse_json(text, f"the archive's {CONFIG}")


def _read_config(archive: zipfile.ZipFile) -> bytes:
    """config.json's bytes, after checking every member's name and the member's sizes."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise CalcError(f"the archive has {len(members):,} members; a .keras file has a handful")
    for member in members:
        _check_name(member.filename)
    configs = [m for m in members if m.filename == CONFIG]
    if not configs:
        raise CalcError(f"the archive has no {CONFIG} (a .keras file saved by model.save() has one)")
    if len(configs) > 1:
        raise CalcError(f"the archive holds {CONFIG} {len(configs)} times; refusing to guess which is the model")
    return _read_member(archive, configs[0])


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """The member's bytes, refused when its declared or its real size passes the cap."""
    if member.flag_bits & 0x1:
        raise CalcError(f"the archive's {CONFIG} is encrypted")
    for size, what in ((member.file_size, "uncompressed"), (member.compress_size, "compressed")):
        if size > MAX_CONFIG_BYTES:
            raise CalcError(
                f"the archive's {CONFIG} declares {size:,} bytes {what}; at most {MAX_CONFIG_BYTES:,} are read"
            )
    with archive.open(member) as handle:
        data = handle.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise CalcError(f"the archive's {CONFIG} is larger than {MAX_CONFIG_BYTES:,} bytes")
    return data


def _check_name(name: str) -> None:
    """Refuse archives whose member names point outside the archive: a sign of a hostile file."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":") or "\x00" in name:
        raise CalcError(
            f"the archive holds a member named {quote(name)}, which points outside it; refusing the archive"
        )


def _check_directory(handle: IO[bytes]) -> None:
    """Read the end record ourselves: the central directory's size and entry count, before zipfile loads it."""
    handle.seek(0, 2)
    size = handle.tell()
    tail_size = min(size, END_RECORD.size + MAX_COMMENT)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + END_RECORD.size > len(tail):
        raise CalcError("not a .keras archive (not a zip file)")
    _, _, _, _, entries, directory, offset, _ = END_RECORD.unpack_from(tail, at)
    if entries == 0xFFFF or directory == 0xFFFFFFFF or offset == 0xFFFFFFFF:
        locator_at = size - tail_size + at - ZIP64_LOCATOR.size
        if locator_at < 0:
            raise CalcError("not a readable .keras archive (damaged zip64 end record)")
        handle.seek(locator_at)
        signature, _, record_at, _ = ZIP64_LOCATOR.unpack(handle.read(ZIP64_LOCATOR.size))
        if signature != b"PK\x06\x07" or record_at > size - ZIP64_END_RECORD.size:
            raise CalcError("not a readable .keras archive (damaged zip64 end record)")
        handle.seek(record_at)
        record = ZIP64_END_RECORD.unpack(handle.read(ZIP64_END_RECORD.size))
        if record[0] != b"PK\x06\x06":
            raise CalcError("not a readable .keras archive (damaged zip64 end record)")
        entries, directory = record[7], record[8]
    if entries > MAX_MEMBERS:
        raise CalcError(f"the archive declares {entries:,} members; a .keras file has a handful")
    if directory > MAX_DIRECTORY_BYTES:
        raise CalcError(f"the archive's directory declares {directory:,} bytes; at most {MAX_DIRECTORY_BYTES:,}")


def _reason(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]
