"""Bad navigation input: every damaged real file is read or refused with a FormatError.

Hand-made damage checks the message (file, line, what was expected); hypothesis mutates real
files (bytes changed, lines dropped, duplicated or cut) and proves that nothing but a
``LodestarError`` ever escapes. ``pytest -m slow`` runs a longer campaign.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lodestar.errors import FormatError, LodestarError
from lodestar.io.compression import read_bytes
from lodestar.io.rinex_nav import NavData, read_nav

# numpy overflow / invalid-cast warnings would mean garbage silently turned into numbers
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

SMALL_FILES = [
    "nav-misc/Example_Mixed_Rinex305.n",
    "nav-misc/BRDM00DLR_S_20230730000_01D_MN.rnx",
    "nav-misc/Example_Beidou_Rinex302.n",
    "rinex4/Example_Beidou_Rinex400.n",
    "rinex4/Example_Glonass_Rinex400.n",
    "rinex2/zim21380.20g",
    "rinex2/14601736.18n",
]


@pytest.fixture(scope="module")
def texts(data):
    return {name: read_bytes(data / name) for name in SMALL_FILES}


def _lines(content: bytes) -> list[bytes]:
    return content.split(b"\n")


def _header_end(lines: list[bytes]) -> int:
    return next(i for i, line in enumerate(lines) if b"END OF HEADER" in line)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.rnx"
    path.write_bytes(b"")
    with pytest.raises(FormatError, match="empty.rnx: expected a RINEX navigation file"):
        read_nav(path)


def test_missing_end_of_header(texts):
    lines = _lines(texts["rinex2/zim21380.20g"])
    content = b"\n".join(line for line in lines if b"END OF HEADER" not in line)
    with pytest.raises(FormatError, match="expected an 'END OF HEADER' line") as error:
        read_nav("zim.g", content=content)
    assert error.value.path == "zim.g"


def test_not_a_navigation_file(data):
    # an observation file: the error says what it is and where it goes
    with pytest.raises(FormatError, match="line 1: expected a RINEX navigation file; this file is RINEX OBS: give "
                                          r"it as the observation file \(OBS\)"):
        read_nav(data / "nav-misc/ABMF00GLP_R_20181330000_01D_30S_MO.zip")
    # a RINEX 3 file type no Lodestar reader knows (meteorological data): the column-21 check still speaks
    with pytest.raises(FormatError, match="line 1: expected navigation type 'N' in column 21"):
        read_nav("x.met", content=b"     3.04           METEOROLOGICAL DATA                     RINEX VERSION / TYPE\n")


def test_truncated_record_names_its_line(texts):
    lines = _lines(texts["nav-misc/Example_Mixed_Rinex305.n"])
    while not lines[-1].strip():
        lines.pop()
    cut = b"\n".join(lines[:-2])  # the last record loses two orbit lines
    with pytest.raises(FormatError, match=r"line \d+: expected \d lines for a record of R\d\d") as error:
        read_nav("cut.n", content=cut)
    assert error.value.line == len(lines) - 2


def test_non_numeric_field(texts):
    """A field that is no number costs its record, not the file (since 2026-12-08: one "NaN" in a GPS record
    refused ESBC's 29 000-line file, and `batch` failed every station-day of the day): the record is left out,
    named with the same message; a file where no record is readable is still refused."""
    lines = _lines(texts["nav-misc/Example_Mixed_Rinex305.n"])
    clean = read_nav("clean.n", content=b"\n".join(lines))
    index = _header_end(lines) + 3  # an orbit line of the first record
    lines[index] = lines[index][:10] + b"X" + lines[index][11:]
    nav = read_nav("bad.n", content=b"\n".join(lines))
    assert sum(nav.counts().values()) == sum(clean.counts().values()) - 1
    assert len(nav.warnings) == 1
    assert re.search(rf"bad.n, line {index + 1}: expected .*a number in columns 5-23.*the record of \w\d\d is left out",
                     nav.warnings[0])
    first = _header_end(lines) + 1
    only = lines[:first] + lines[first:index + 6]  # the damaged record alone (a record of 8 lines at most)
    with pytest.raises(FormatError, match=rf"line {index + 1}: expected .*a number in columns 5-23"):
        read_nav("only.n", content=b"\n".join(only))


def test_garbage_line_inside_records(texts):
    lines = _lines(texts["rinex2/14601736.18n"])
    index = _header_end(lines) + 4
    lines.insert(index, b"this line is garbage")
    with pytest.raises(FormatError) as error:
        read_nav("garbage.n", content=b"\n".join(lines))
    assert error.value.line == index + 1


def test_extra_orbit_line(texts):
    lines = _lines(texts["rinex2/14601736.18n"])
    index = _header_end(lines) + 3
    lines.insert(index, lines[index])
    with pytest.raises(FormatError, match="expected a new record after 8 lines of G30"):
        read_nav("extra.n", content=b"\n".join(lines))


def test_bad_epoch(texts):
    lines = _lines(texts["rinex4/Example_Glonass_Rinex400.n"])
    index = next(i for i, line in enumerate(lines) if line.startswith(b"R"))
    lines[index] = lines[index][:9] + b"13" + lines[index][11:]  # month 13
    with pytest.raises(FormatError, match="a valid calendar epoch"):
        read_nav("epoch.n", content=b"\n".join(lines))


def test_unknown_rinex4_record_type(texts):
    lines = _lines(texts["rinex4/Example_Glonass_Rinex400.n"])
    index = next(i for i, line in enumerate(lines) if line.startswith(b"> EPH"))
    lines[index] = lines[index].replace(b"FDMA", b"XYZW")
    nav = read_nav("unknown.n", content=b"\n".join(lines))
    assert nav.skipped == {"EPH R XYZW": 1}  # counted, not dropped silently


# --- property-based mutations of real files ----------------------------------------------------
def _mutate(content: bytes, data) -> bytes:
    lines = _lines(content)
    kind = data.draw(st.sampled_from(["byte", "drop", "duplicate", "truncate", "swap", "insert"]))
    index = data.draw(st.integers(0, len(lines) - 1))
    if kind == "byte":
        line = lines[index]
        column = data.draw(st.integers(0, max(len(line) - 1, 0)))
        new = data.draw(st.sampled_from(list(b" 0123456789.-+DEe>XG\t\x00\xff")))
        lines[index] = line[:column] + bytes([new]) + line[column + 1:]
    elif kind == "drop":
        del lines[index]
    elif kind == "duplicate":
        lines.insert(index, lines[index])
    elif kind == "truncate":
        return content[: data.draw(st.integers(0, len(content)))]
    elif kind == "swap":
        other = data.draw(st.integers(0, len(lines) - 1))
        lines[index], lines[other] = lines[other], lines[index]
    else:
        lines.insert(index, data.draw(st.binary(max_size=90)))
    return b"\n".join(lines)


def _check_mutation(texts, data) -> None:
    name = data.draw(st.sampled_from(SMALL_FILES))
    content = texts[name]
    for _ in range(data.draw(st.integers(1, 3))):
        content = _mutate(content, data)
    try:
        nav = read_nav(name, content=content)
    except LodestarError as error:
        assert name in str(error)
        return
    assert isinstance(nav, NavData)
    for table in nav.records.values():
        assert table["toc"].notna().all()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_files_read_or_raise_format_error(texts, data):
    _check_mutation(texts, data)


@pytest.mark.slow
@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_files_long_campaign(texts, data):
    _check_mutation(texts, data)


# --- the same for SP3, RINEX clock and SINEX -------------------------------------------------------
PRECISE_FILES = {
    "precise-misc/sp3d.txt": "sp3",
    "precise-misc/minimal.sp3d": "sp3",
    "precise-misc/emr08874.sp3": "sp3",
    "precise-misc/COD0OPSRAP_20230730000_01D_30S_CLK.CLK": "clk",
    "precise-misc/COD0MGXFIN_20211180000_01D_30S_CLK.CLK": "clk",
    "sinex/JAX0MGXFIN_20202440000_01D_000_SOL.SNX": "sinex",
}


@pytest.fixture(scope="module")
def precise_texts(data):
    texts = {}
    for name in PRECISE_FILES:
        content = read_bytes(data / name)
        if name.endswith("MGXFIN_20211180000_01D_30S_CLK.CLK"):
            content = b"\n".join(content.split(b"\n")[:700])  # header and the first epochs
        texts[name] = content
    return texts


def _check_precise(precise_texts, data) -> None:
    from lodestar.io.clk import read_clk
    from lodestar.io.sinex import read_sinex
    from lodestar.io.sp3 import read_sp3

    name = data.draw(st.sampled_from(sorted(PRECISE_FILES)))
    content = precise_texts[name]
    for _ in range(data.draw(st.integers(1, 3))):
        content = _mutate(content, data)
    reader = {"sp3": read_sp3, "clk": read_clk, "sinex": read_sinex}[PRECISE_FILES[name]]
    try:
        reader(name, content=content)
    except LodestarError as error:
        assert name in str(error)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_precise_files_read_or_raise_format_error(precise_texts, data):
    _check_precise(precise_texts, data)


@pytest.mark.slow
@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_precise_files_long_campaign(precise_texts, data):
    _check_precise(precise_texts, data)


def test_a_glonass_channel_outside_rinex_range_leaves_its_record_out(texts):
    """RINEX 3.05 Table A10: frequency number -7..+13. A record with +20 (bad-values sweep, 2026-12-08: accepted,
    so its frequency was wrong) is left out and named; the file's other records are read."""
    lines = _lines(texts["nav-misc/Example_Mixed_Rinex305.n"])
    clean = read_nav("clean.n", content=b"\n".join(lines))
    index = next(i for i, line in enumerate(lines) if line.startswith(b"R"))
    orbit2 = lines[index + 2]  # broadcast orbit 2: y, vy, ay, frequency number (4X,4D19.12)
    lines[index + 2] = orbit2[:61] + f"{20.0:19.12E}".encode() + orbit2[80:]
    nav = read_nav("chan.n", content=b"\n".join(lines))
    assert len(nav.records["R"]) == len(clean.records["R"]) - 1
    assert any("a whole number in [-7, 13] for freq_channel" in w and "is left out" in w for w in nav.warnings)
