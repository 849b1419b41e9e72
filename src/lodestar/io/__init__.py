"""File formats: RINEX observation and navigation, SP3, RINEX clock, SINEX, Bias-SINEX, ANTEX (``io.antex``).

:func:`read` looks at a file's content (through any compression) and hands it to the right reader.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import FormatError
from .compression import read_bytes

__all__ = ["read", "sniff_format"]


def sniff_format(head: bytes) -> str:
    """``"obs"``, ``"nav"``, ``"sp3"``, ``"clk"``, ``"sinex"``, ``"bias-sinex"`` or ``"antex"`` from a file's first bytes."""
    first = head.split(b"\n", 1)[0]
    if b"ANTEX VERSION / SYST" in first[60:]:
        return "antex"
    if first.startswith(b"#") and first[1:2] in (b"a", b"b", b"c", b"d", b" ") or first[:2] in (b"#a", b"#c", b"#d"):
        return "sp3"
    if first.startswith(b"%=SNX") or first.startswith(b"%=BIA"):
        return "sinex" if first.startswith(b"%=SNX") else "bias-sinex"
    label = first[60:80]
    kind = first[20:21]
    # RINEX clock: type C in column 21 (3.04: column 22, version in columns 1-4)
    if b"RINEX VERSION" in first[60:] and b"C" in (kind, first[21:22]) and first[22:23] in (b" ", b"L"):
        return "clk"
    if b"RINEX VERSION" in label or b"CRINEX" in label:
        if kind == b"O":
            return "obs"
        if kind in (b"N", b"G", b"H", b"B", b"L", b"E", b"C") and b"CLOCK" not in first[20:40]:
            return "nav"
        if kind == b"C" or b"CLOCK" in first[20:40]:
            return "clk"
    raise FormatError(None, 1, "a RINEX, SP3 or SINEX first line", first.decode("latin-1").rstrip())


def read(path, **options):
    """Read any supported file: observations -> ``xarray.Dataset``, navigation -> ``NavData``,
    SP3 / clock -> ``xarray.Dataset``, SINEX and Bias-SINEX -> ``pandas.DataFrame``, ANTEX -> ``AntexFile``."""
    path = Path(path)
    content = read_bytes(path)
    if not content or content.isspace():
        raise FormatError(path, None, "a non-empty file", "no data")
    try:
        kind = sniff_format(content[:400].lstrip(b"\r\n") if content[:1] in (b"\n", b"\r") else content[:400])
    except FormatError as exc:
        raise FormatError(path, exc.line, exc.expected, exc.found) from None
    if kind == "obs":
        from .rinex_obs import read_obs
        return read_obs(path, content=content, **options)
    if kind == "nav":
        from .rinex_nav import read_nav
        return read_nav(path, content=content, **options)
    if kind == "sp3":
        from .sp3 import read_sp3
        return read_sp3(path, content=content, **options)
    if kind == "clk":
        from .clk import read_clk
        return read_clk(path, content=content, **options)
    if kind == "sinex":
        from .sinex import read_sinex
        return read_sinex(path, content=content, **options)
    if kind == "bias-sinex":
        from .bias import read_bias
        return read_bias(path, content=content, **options)
    if kind == "antex":
        from .antex import read_antex
        return read_antex(path, **options)
    raise FormatError(path, 1, "an observation, navigation, SP3, clock, SINEX or Bias-SINEX file", f"a {kind} file (not read yet)")
