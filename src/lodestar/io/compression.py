"""Open any file as its plain bytes: gzip, zip, Unix ``.Z`` and Hatanaka ``.crx``/``.d``.

Compression is recognised by content (magic bytes), not only by name, so a mis-named file still
reads; Hatanaka is recognised by its ``COMPACT RINEX FORMAT`` first line. Input files are only
ever opened for reading.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from pathlib import Path

import hatanaka
import ncompress  # Unix compress (LZW), C; a dependency of hatanaka, so no second .Z decoder is needed

from ..errors import DataNotFoundError, FormatError

__all__ = ["read_bytes", "decompress_bytes"]

_GZIP_MAGIC = b"\x1f\x8b"
_LZW_MAGIC = b"\x1f\x9d"
_ZIP_MAGIC = b"PK\x03\x04"


def read_bytes(path) -> bytes:
    """The file's plain (decompressed, de-Hatanaka'd) content."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataNotFoundError(f"file {path} not found") from None
    except IsADirectoryError:
        raise DataNotFoundError(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise DataNotFoundError(f"cannot read {path}: {exc.strerror}") from None
    return decompress_bytes(raw, path)


def decompress_bytes(raw: bytes, path="<memory>") -> bytes:
    """Undo every layer of compression on ``raw`` (``path`` is only used in messages)."""
    for _ in range(4):  # e.g. zip -> gzip -> Hatanaka
        if raw.startswith(_GZIP_MAGIC):
            raw = _gunzip(raw, path)
        elif raw.startswith(_LZW_MAGIC):
            try:
                raw = ncompress.decompress(raw)
            except Exception as exc:  # ncompress raises a bare ValueError ("corrupt input") on damage
                raise FormatError(path, None, "a valid Unix .Z (LZW) stream", f"damaged data ({exc})") from None
        elif raw.startswith(_ZIP_MAGIC):
            raw = _unzip(raw, path)
        else:
            break
    if _is_hatanaka(raw):
        raw = _crx2rnx(raw, path)
    return raw


def _gunzip(raw: bytes, path) -> bytes:
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        # A truncated gzip still holds readable data up to the cut; keep what is whole
        # only if the caller can tell: we refuse, naming the cause.
        raise FormatError(path, None, "a complete gzip stream", f"damaged or truncated data ({exc})") from None


def _unzip(raw: bytes, path) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            if len(names) != 1:
                raise FormatError(path, None, "a zip archive holding exactly one file", f"{len(names)} files")
            return archive.read(names[0])
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise FormatError(path, None, "a valid zip archive", f"damaged data ({exc})") from None


def _is_hatanaka(raw: bytes) -> bool:
    head = raw[:200]
    return b"COMPACT RINEX FORMAT" in head.split(b"\n", 1)[0] or head.startswith(b"1.0                 COMPACT")


def _crx2rnx(raw: bytes, path) -> bytes:
    try:
        return hatanaka.crx2rnx(raw)
    except Exception as exc:  # the hatanaka package raises HatanakaException, ValueError, ...
        raise FormatError(path, None, "a valid Hatanaka-compressed RINEX (CRX) file", str(exc).strip()[:200]) from None
