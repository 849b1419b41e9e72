"""Open any file as its plain bytes: gzip, zip, Unix ``.Z`` and Hatanaka ``.crx``/``.d``.

Compression is recognised by content (magic bytes), not only by name, so a mis-named file still
reads; Hatanaka is recognised by its ``COMPACT RINEX FORMAT`` first line. Input files are only
ever opened for reading.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import subprocess
import tempfile
import threading
import warnings
import zipfile
import zlib
from importlib import resources
from pathlib import Path

import ncompress  # Unix compress (LZW), C; a dependency of hatanaka, so no second .Z decoder is needed

from ..errors import DataNotFoundError, FormatError, LodestarError

__all__ = ["read_bytes", "decompress_bytes", "max_bytes_limit", "DEFAULT_MAX_BYTES", "TooLargeError"]

_GZIP_MAGIC = b"\x1f\x8b"
_LZW_MAGIC = b"\x1f\x9d"
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"  # end-of-central-directory record first: no member (PKWARE APPNOTE 4.3.16)
#: Default limit on a file's decompressed size: 2 GB, about 3x a full day of 1 Hz multi-GNSS RINEX 3
#: observations (~600-700 MB), so no real file is refused and a "zip bomb" stops early.
DEFAULT_MAX_BYTES = 2 * 1000**3
_CHUNK = 4 * 1024 * 1024  # decompression step: memory beyond the output stays below a few chunks


class TooLargeError(LodestarError):
    """A file, once decompressed, would exceed the size limit."""


def max_bytes_limit(explicit: int | None = None) -> int:
    """The decompressed-size limit: ``explicit``, else ``$LODESTAR_MAX_BYTES``, else 2 GB."""
    if explicit is not None:
        return int(explicit)
    text = os.environ.get("LODESTAR_MAX_BYTES", "").strip()
    if not text:
        return DEFAULT_MAX_BYTES
    try:
        value = int(float(text))
    except ValueError:
        raise LodestarError(f"LODESTAR_MAX_BYTES must be a number of bytes (e.g. 2000000000), not {text!r}") from None
    if value <= 0:
        raise LodestarError(f"LODESTAR_MAX_BYTES must be positive, not {text!r}")
    return value


def _too_large(path, limit: int, what: str = "decompressed") -> TooLargeError:
    return TooLargeError(f"{path}: {what} size exceeds the limit of {limit:,} bytes (raise it with "
                         "LODESTAR_MAX_BYTES or max_bytes=; a valid day of 1 Hz observations is < 1 GB)")


FOLDER_HINT = "give the files in it (a shell glob such as DIR/*.rnx); lodestar batch takes folders of stations"


def _regular_file(path: Path) -> os.stat_result:
    """``os.stat`` of ``path``, refusing FIFOs, devices, sockets and folders before any ``open``."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise DataNotFoundError(f"file {path} not found") from None
    except OSError as exc:
        raise DataNotFoundError(f"cannot read {path}: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataNotFoundError(f"{path} is a folder, not a file: {FOLDER_HINT}")
    if not stat.S_ISREG(info.st_mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else
                "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise LodestarError(f"{path} is {kind}: give a regular file (copy the data into one first)")
    return info


def read_bytes(path, *, max_bytes: int | None = None, text: bool = True) -> bytes:
    """The file's plain (decompressed, de-Hatanaka'd) content.

    ``max_bytes`` (default ``$LODESTAR_MAX_BYTES`` or 2 GB) bounds the file and every
    decompression layer; it is enforced while decompressing, so a bomb stops at the limit.
    ``text``: refuse content holding NUL bytes (every format read here is text), at once and
    before any line is split, so a valid header followed by gigabytes of zeros costs one scan.
    """
    path = Path(path)
    limit = max_bytes_limit(max_bytes)
    info = _regular_file(path)
    if info.st_size > limit:
        raise _too_large(path, limit, "file")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(min(info.st_size, limit) + 1)  # a file that grew since stat is caught below
    except IsADirectoryError:
        raise DataNotFoundError(f"{path} is a folder, not a file: {FOLDER_HINT}") from None
    except OSError as exc:
        raise DataNotFoundError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > limit:
        raise _too_large(path, limit, "file")
    content = decompress_bytes(raw, path, max_bytes=limit)
    if text:
        _refuse_binary(content, path)
    return content


def _refuse_binary(content: bytes, path) -> None:
    first = content.find(b"\0")  # memchr speed: ~0.1 s per GB
    if first >= 0:
        line = content.count(b"\n", 0, first) + 1
        raise FormatError(path, line, "text (RINEX, SP3, clock and SINEX files hold no NUL bytes)",
                          f"binary data (a NUL byte at offset {first:,})")


def decompress_bytes(raw: bytes, path="<memory>", *, max_bytes: int | None = None) -> bytes:
    """Undo every layer of compression on ``raw`` (``path`` is only used in messages)."""
    limit = max_bytes_limit(max_bytes)
    for _ in range(4):  # e.g. zip -> gzip -> Hatanaka
        if raw.startswith(_GZIP_MAGIC):
            raw = _gunzip(raw, path, limit)
        elif raw.startswith(_LZW_MAGIC):
            raw = _unlzw(raw, path, limit)
        elif raw.startswith(_ZIP_MAGIC):
            raw = _unzip(raw, path, limit)
        elif raw.startswith(_EMPTY_ZIP_MAGIC):  # an archive of no file is its end record alone
            raise FormatError(path, None, "a zip archive holding exactly one file", "an empty zip archive (no file)")
        else:
            break
    if _is_hatanaka(raw):
        raw = _crx2rnx(raw, path, limit)
    return raw


def _read_limited(stream, path, limit: int) -> bytes:
    """Read a decompressing stream in chunks, stopping as soon as it passes ``limit``."""
    out = io.BytesIO()
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return out.getvalue()
        if out.tell() + len(chunk) > limit:
            raise _too_large(path, limit)
        out.write(chunk)


def _gunzip(raw: bytes, path, limit: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            return _read_limited(stream, path, limit)
    except (OSError, EOFError, zlib.error) as exc:
        # A truncated gzip still holds readable data up to the cut; keep what is whole
        # only if the caller can tell: we refuse, naming the cause.
        raise FormatError(path, None, "a complete gzip stream", f"damaged or truncated data ({exc})") from None


def _unzip(raw: bytes, path, limit: int) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            if len(names) != 1:
                raise FormatError(path, None, "a zip archive holding exactly one file", f"{len(names)} files")
            if archive.getinfo(names[0]).file_size > limit:
                raise _too_large(path, limit)
            with archive.open(names[0]) as stream:  # the declared size may lie: read with the limit too
                return _read_limited(stream, path, limit)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise FormatError(path, None, "a valid zip archive", f"damaged data ({exc})") from None


class _LimitedSink(io.BytesIO):
    """An output stream that refuses to grow past ``limit`` bytes (for decoders that write to a stream)."""

    def __init__(self, path, limit: int):
        super().__init__()
        self.path, self.limit = path, limit

    def write(self, data) -> int:
        if self.tell() + len(data) > self.limit:
            raise _too_large(self.path, self.limit)
        return super().write(data)


def _unlzw(raw: bytes, path, limit: int) -> bytes:
    """Unix ``.Z`` (LZW) with ``ncompress`` (C), writing into a sink that stops at the limit."""
    sink = _LimitedSink(path, limit)
    try:
        ncompress.decompress(raw, sink)
    except TooLargeError:
        raise
    except Exception as exc:  # ncompress raises a bare ValueError ("corrupt input") on damage
        raise FormatError(path, None, "a valid Unix .Z (LZW) stream", f"damaged data ({exc})") from None
    return sink.getvalue()


def _stream_program(command, raw: bytes, path, limit: int, expected: str) -> bytes:
    """Run a filter (stdin ``raw`` -> stdout), reading its output in chunks up to ``limit``."""
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
        feeder = threading.Thread(target=_feed, args=(proc.stdin, raw), daemon=True)
        feeder.start()
        try:
            out = _read_limited(proc.stdout, path, limit)
        except TooLargeError:
            proc.kill()
            raise
        finally:
            proc.stdout.close()
            code = proc.wait()
            feeder.join()
        errors.seek(0)
        message = errors.read().decode("ascii", "backslashreplace").strip()
    if code not in (0, 2):  # crx2rnx: 2 = finished with warnings
        raise FormatError(path, None, expected, " ".join(message.split())[:200] or f"exit status {code}")
    if code == 2 and message:
        warnings.warn(f"{Path(command[0]).name}: {' '.join(message.split())}", stacklevel=3)
    return out


def _feed(stdin, raw: bytes) -> None:
    try:
        stdin.write(raw)
    except (BrokenPipeError, OSError):  # the reader stopped (limit reached, or the program failed)
        pass
    finally:
        try:
            stdin.close()
        except OSError:
            pass


def _is_hatanaka(raw: bytes) -> bool:
    head = raw[:200]
    return b"COMPACT RINEX FORMAT" in head.split(b"\n", 1)[0] or head.startswith(b"1.0                 COMPACT")


def _crx2rnx(raw: bytes, path, limit: int) -> bytes:
    """Hatanaka CRX -> RINEX with the ``crx2rnx`` program the ``hatanaka`` package ships, streamed."""
    program = resources.files("hatanaka.bin").joinpath("crx2rnx")
    return _stream_program([str(program), "-"], raw, path, limit,
                           "a valid Hatanaka-compressed RINEX (CRX) file")
