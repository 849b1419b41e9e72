"""File formats: RINEX observation and navigation, SP3, RINEX clock, SINEX, Bias-SINEX, ANTEX (``io.antex``).

:func:`read` looks at a file's content (through any compression) and hands it to the right reader;
which formats exist, how each is recognised and which function reads it is registered in one place,
:data:`lodestar.io.headers.FORMATS`.
"""

from __future__ import annotations

from pathlib import Path

from .compression import read_bytes
from .headers import read_content, sniff_content, sniff_format

__all__ = ["read", "sniff_format"]


def read(path, **options):
    """Read any supported file: observations -> ``xarray.Dataset``, navigation -> ``NavData``,
    SP3 / clock -> ``xarray.Dataset``, SINEX and Bias-SINEX -> ``pandas.DataFrame``, ANTEX -> ``AntexFile``."""
    path = Path(path)
    content = read_bytes(path)
    kind = sniff_content(content, path)
    return read_content(kind, path, content, **options)
