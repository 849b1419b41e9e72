"""Bad input to the observation reader: real files, damaged on purpose.

Each damage gives one ``FormatError`` naming the file, the line and what was expected; random
mutations (hypothesis) never give anything else, and a changed digit changes exactly one value.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lodestar.errors import FormatError, LodestarError
from lodestar.io import read
from lodestar.io.compression import read_bytes
from lodestar.io.rinex_obs import read_obs

V3_FILE = "phone/rinex_obs_mixed_types.20o"  # RINEX 3.03, 5 epochs, 123 lines
V2_FILE = "rinex2/demo.10o"  # RINEX 2.11 mixed, 85 lines, continuation lines
ESBC_HOUR = "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx"


@pytest.fixture(scope="module")
def esbc_text(data):
    return read_bytes(data / ESBC_HOUR).decode("latin-1")


def _write(tmp_path, text, name="damaged.rnx"):
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1"))
    return path


def _error(path) -> FormatError:
    with pytest.raises(FormatError) as info:
        read_obs(path)
    assert str(path) in str(info.value)
    return info.value


def _line_no(text, startswith):
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(startswith))


def test_empty_file(tmp_path):
    path = _write(tmp_path, "")
    assert _error(path).line is None
    with pytest.raises(FormatError, match="non-empty"):
        read(path)


def test_wrong_version(tmp_path, esbc_text):
    error = _error(_write(tmp_path, esbc_text.replace("     3.05", "     5.00", 1)))
    assert error.line == 1 and "2.10, 2.11, 3.00-3.05, 4.00" in error.expected


def test_missing_end_of_header(tmp_path, esbc_text):
    text = esbc_text.replace("END OF HEADER", "             ", 1)
    error = _error(_write(tmp_path, text))
    assert error.line == _line_no(esbc_text, "> 2020 06 25 00 00 00.0000000")
    assert "END OF HEADER" in error.expected


def test_epoch_announcing_more_satellites_than_follow(tmp_path, esbc_text):
    text = esbc_text.replace("> 2020 06 25 00 00 00.0000000  0 43", "> 2020 06 25 00 00 00.0000000  0 44", 1)
    error = _error(_write(tmp_path, text))
    assert error.line == _line_no(esbc_text, "> 2020 06 25 00 00 30.0000000")
    assert "record line 44 of 44" in error.expected
    assert f"epoch at line {_line_no(esbc_text, '> 2020 06 25 00 00 00.0000000')}" in error.expected


def test_epoch_announcing_fewer_satellites(tmp_path, esbc_text):
    text = esbc_text.replace("> 2020 06 25 00 00 00.0000000  0 43", "> 2020 06 25 00 00 00.0000000  0 42", 1)
    error = _error(_write(tmp_path, text))
    assert error.line == _line_no(esbc_text, "> 2020 06 25 00 00 30.0000000") - 1
    assert "an epoch line starting with '>'" in error.expected


def test_truncated_file(tmp_path, esbc_text):
    lines = esbc_text.splitlines(keepends=True)
    last_epoch = max(i for i, line in enumerate(lines) if line.startswith(">"))
    error = _error(_write(tmp_path, "".join(lines[: last_epoch + 5])))
    assert error.line == last_epoch + 1 and "before the end of the file" in error.found


def test_truncated_inside_a_number(tmp_path, esbc_text):
    # last line "S44  41459649.363 5 ..." cut after "41459649.3": a right-aligned F14.3 cannot end there
    start = esbc_text.rindex("S44  41459649.363")
    text = esbc_text[: start + len("S44  41459649.3")]
    error = _error(_write(tmp_path, text))
    assert error.line == esbc_text[:start].count("\n") + 1 and "C1C" in error.expected


def test_non_numeric_field(tmp_path, esbc_text):
    text = esbc_text.replace("C05  40715949.461 5", "C05  40715949.4x1 5", 1)
    error = _error(_write(tmp_path, text))
    assert error.line == _line_no(esbc_text, "C05  40715949.461")
    assert "observation C2I as a number (F14.3) in columns 4-17" in error.expected


def test_bad_lli_character(tmp_path, esbc_text):
    text = esbc_text.replace("212018673.07105", "212018673.071X5", 1)
    error = _error(_write(tmp_path, text))
    assert "loss-of-lock indicator" in error.expected and "L2I" in error.expected


def test_garbage_line(tmp_path, esbc_text):
    text = esbc_text.replace("C05  40715949.461", "#garbage#40715949.461", 1)
    error = _error(_write(tmp_path, text))
    assert error.line == _line_no(esbc_text, "C05  40715949.461") and "satellite ID" in error.expected


def test_unknown_observation_code(tmp_path, esbc_text):
    text = esbc_text.replace("C   12 C2I C6I", "C   12 Q2I C6I", 1)
    error = _error(_write(tmp_path, text))
    assert error.line == _line_no(esbc_text, "C   12 C2I") and error.found == "Q2I"


def test_unknown_rinex2_observation_type(tmp_path, data):
    text = read_bytes(data / V2_FILE).decode("latin-1").replace("    L1    L2    P1", "    L1    Z2    P1", 1)
    error = _error(_write(tmp_path, text))
    assert error.line == 17 and error.found == "Z2"


def test_satellite_of_undeclared_system(tmp_path, esbc_text):
    text = esbc_text.replace("S    8 C1C C5I D1C D5I L1C L5I S1C S5I                      SYS / # / OBS TYPES\n", "", 1)
    error = _error(_write(tmp_path, text))
    assert "systems with observation types in the header" in error.expected


def test_too_many_fields(tmp_path, data):
    # demo.10o, line 42: "        42.000          40.000" (S1 S2): a sixth field does not exist
    text = read_bytes(data / V2_FILE).decode("latin-1")
    text = text.replace("        42.000          40.000", "        42.000          40.000" + " " * 50 + "1.0", 1)
    error = _error(_write(tmp_path, text))
    assert error.line == 42 and "at most 2 observations" in error.expected


def test_rinex2_truncated_epoch(tmp_path, data):
    lines = read_bytes(data / V2_FILE).decode("latin-1").splitlines(keepends=True)
    error = _error(_write(tmp_path, "".join(lines[:-6])))
    assert "before the end of the file" in error.found


def test_bad_epoch_date(tmp_path, esbc_text):
    text = esbc_text.replace("> 2020 06 25 00 00 30.0000000", "> 2020 13 25 00 00 30.0000000", 1)
    error = _error(_write(tmp_path, text))
    assert error.line == _line_no(esbc_text, "> 2020 06 25 00 00 30.0000000") and "date" in error.expected


# --- random mutations ---------------------------------------------------------------------------

def _mutate(text: str, kind: str, where: float, payload: str) -> str:
    lines = text.splitlines(keepends=True)
    i = min(int(where * len(lines)), len(lines) - 1)
    if kind == "delete_line":
        return "".join(lines[:i] + lines[i + 1:])
    if kind == "duplicate_line":
        return "".join(lines[: i + 1] + lines[i:])
    if kind == "insert_line":
        return "".join(lines[:i] + [payload + "\n"] + lines[i:])
    if kind == "truncate":
        return text[: int(where * len(text))]
    if kind == "overwrite":
        at = int(where * len(text))
        return text[:at] + payload + text[at + len(payload):]
    raise AssertionError(kind)


_MUTATION = st.tuples(
    st.sampled_from(["delete_line", "duplicate_line", "insert_line", "truncate", "overwrite"]),
    st.floats(0, 1, allow_nan=False),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
)


def _only_lodestar_errors(tmp_path, text):
    path = _write(tmp_path, text, "fuzz.rnx")
    try:
        ds = read_obs(path)
    except LodestarError as error:
        assert str(path) in str(error)
        return None
    assert ds.sizes["time"] >= 0
    return ds


@pytest.mark.parametrize("name", [V3_FILE, V2_FILE])
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=_MUTATION)
def test_mutations_give_only_format_errors(data, tmp_path, name, mutation):
    text = read_bytes(data / name).decode("latin-1")
    _only_lodestar_errors(tmp_path, _mutate(text, *mutation))


@pytest.mark.slow
@pytest.mark.parametrize("name", [V3_FILE, V2_FILE, "rinex2/14601736.18o", "phone/GEOP092I.24o.gz"])
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=st.lists(_MUTATION, min_size=1, max_size=4))
def test_many_mutations_give_only_format_errors(data, tmp_path, name, mutations):
    text = read_bytes(data / name).decode("latin-1")
    for mutation in mutations:
        text = _mutate(text, *mutation)
    _only_lodestar_errors(tmp_path, text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.floats(0, 1, allow_nan=False), digit=st.sampled_from("0123456789"))
def test_changed_digit_changes_exactly_one_value(data, tmp_path, which, digit):
    """Never silently mis-assign: a digit changed in an observation changes that value only."""
    text = read_bytes(data / V3_FILE).decode("latin-1")
    body_start = text.index("END OF HEADER")
    body_start = text.index("\n", body_start) + 1
    positions = [i for i in range(body_start, len(text))
                 if text[i].isdigit() and text[i - 1] != ">" and _in_number_field(text, i)]
    at = positions[min(int(which * len(positions)), len(positions) - 1)]
    changed = text[:at] + digit + text[at + 1:]
    before = read_obs(_write(tmp_path, text, "a.rnx"))
    after = read_obs(_write(tmp_path, changed, "b.rnx"))
    differing = sum(int((~np.isclose(before[c].values, after[c].values, equal_nan=True, rtol=0, atol=0)).sum())
                    for c in before.data_vars if len(c) == 3)
    assert differing == (0 if text[at] == digit else 1)


def _in_number_field(text, i):
    """Position ``i`` holds a digit of an F14.3 value on a satellite line (not an ID, LLI or SSI)."""
    line_start = text.rindex("\n", 0, i) + 1
    if text[line_start] == ">":
        return False
    column = i - line_start
    return column >= 3 and (column - 3) % 16 < 14


def test_unknown_time_system(tmp_path, esbc_text):
    text = esbc_text.replace("0.0000000     GPS         TIME OF FIRST OBS", "0.0000000     XYZ         TIME OF FIRST OBS", 1)
    error = _error(_write(tmp_path, text))
    assert error.line == _line_no(esbc_text, "  2020     6    25     0     0    0.0000000     GPS")
    assert "time system" in error.expected


def test_satellite_twice_in_one_epoch(tmp_path, esbc_text):
    line = next(l for l in esbc_text.splitlines(keepends=True) if l.startswith("C05  40715949.461"))
    text = esbc_text.replace("> 2020 06 25 00 00 00.0000000  0 43\n", "> 2020 06 25 00 00 00.0000000  0 44\n" + line, 1)
    error = _error(_write(tmp_path, text))
    assert error.line == _line_no(esbc_text, "C05  40715949.461") + 1
    assert "each satellite at most once per epoch" in error.expected


@pytest.mark.parametrize("epoch", ["> 2020 06 25 00 00 30.0000000  7 44", "> 2020 06 25 00 00 30.0000000  0 -4",
                                   "> 2020 06 25 00 00 30.0000000 -1 44", "> 2020 06 25 00 00 30.0000000  0   "])
def test_bad_epoch_flag_or_count(tmp_path, esbc_text, epoch):
    line = next(l for l in esbc_text.splitlines() if l.startswith("> 2020 06 25 00 00 30.0000000"))
    error = _error(_write(tmp_path, esbc_text.replace(line, epoch, 1)))
    assert error.line == _line_no(esbc_text, "> 2020 06 25 00 00 30.0000000")
    assert "flag" in error.expected or "count" in error.expected
