"""RTKLIB solutions beside ours: which ``.pos`` file belongs to which system set, reduced to the marker.

``lodestar compare --rtklib-pos SET=FILE ...`` (or bare ``FILE``: the set is read from the file
name, e.g. ``ESBC_2020177_spp_R+C.pos`` -> ``R+C``; the RTKLIB configuration is not read) draws
RTKLIB's errors beside Lodestar's in the report, on the same truth, and tabulates both on the
epochs both solved.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LodestarError
from ..frames import ecef_to_enu, ecef_to_geodetic
from ..io.headers import obs_antenna_delta_hen_m
from ..io.rtklib_pos import read_rtklib_pos, reduce_to_marker
from ..systems import format_system_set, parse_system_set
from .compare import error_enu, solved_mask

__all__ = ["match_pos_files", "load_rtklib_solutions", "rtklib_errors_enu", "rtklib_table", "RTKLIB_TABLE_HEADERS"]


def _sets_in_name(path: Path) -> list[str]:
    """System sets named by upper-case words of the file name (words split at ``_ - .`` and spaces)."""
    found = []
    for word in re.split(r"[_\-.\s]+", path.stem):
        try:
            name = format_system_set(parse_system_set(word))
        except LodestarError:
            continue
        if word.upper() == word:
            found.append(name)
    return found


def _set_from_name(path: Path, sets) -> str | None:
    """The one requested set named by a word of the file name (the last, if several)."""
    found = [name for name in _sets_in_name(path) if name in sets]
    return found[-1] if found else None


def match_pos_files(specs, sets) -> dict[str, Path]:
    """``["R+C=a.pos", "b_C.pos"]`` -> ``{"R+C": a.pos, "C": b_C.pos}`` for the requested ``sets``."""
    sets = tuple(format_system_set(parse_system_set(s)) for s in sets)
    matched: dict[str, Path] = {}
    for spec in specs:
        if "=" in spec:
            name, _, file = spec.partition("=")
            name = format_system_set(parse_system_set(name))
            path = Path(file)
        else:
            path = Path(spec)
            name = _set_from_name(path, sets)
            if name is None:
                other = _sets_in_name(path)
                if other:
                    raise LodestarError(f"--rtklib-pos {spec}: the file name names the set {other[-1]}, which is not "
                                        f"compared (sets: {', '.join(sets)}): add it to --sets or leave the file out")
                raise LodestarError(f"--rtklib-pos {spec}: no system set ({', '.join(sets)}) in the file name; "
                                    f"write SET=FILE, e.g. R+C={spec}")
        if name not in sets:
            raise LodestarError(f"--rtklib-pos {spec}: set {name} is not compared (sets: {', '.join(sets)})")
        if name in matched:
            raise LodestarError(f"--rtklib-pos: two files for {name} ({matched[name]}, {path}); give one per set")
        matched[name] = path
    return matched


def load_rtklib_solutions(specs, sets, obs_path) -> dict:
    """set -> RTKLIB solution Dataset, moved from the antenna reference point to the marker with
    the observation header's ANTENNA: DELTA H/E/N (RTKLIB solves for the ARP unless told the deltas)."""
    delta = obs_antenna_delta_hen_m(obs_path)
    return {name: reduce_to_marker(read_rtklib_pos(path), delta) for name, path in match_pos_files(specs, sets).items()}


def rtklib_errors_enu(solution, truth) -> np.ndarray:
    """(T, 3) east/north/up error (m) of an RTKLIB solution against ``truth``."""
    truth = np.asarray(truth, float)
    lat, lon, _ = ecef_to_geodetic(truth)
    xyz = np.stack([solution["x_m"].values, solution["y_m"].values, solution["z_m"].values], axis=-1)
    return ecef_to_enu(xyz - truth, lat, lon)


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(values**2))) if values.size else float("nan")


#: Column headers of :func:`rtklib_table` for a report (the table's own names are the --json keys).
RTKLIB_TABLE_HEADERS = {"epochs_both_solved": "epochs both solved", "rtklib_epochs": "RTKLIB epochs",
                        "lodestar_rms_h_m": "Lodestar RMS h (m)", "rtklib_rms_h_m": "RTKLIB RMS h (m)",
                        "lodestar_rms_3d_m": "Lodestar RMS 3D (m)", "rtklib_rms_3d_m": "RTKLIB RMS 3D (m)"}


def rtklib_table(ours: dict, theirs: dict, truth) -> pd.DataFrame:
    """Per set of both: epochs both solved, and Lodestar's and RTKLIB's RMS on them (same truth, same epochs);
    ``compare``'s --json keys as column names (:data:`RTKLIB_TABLE_HEADERS` for display)."""
    rows = []
    for name, rtk in theirs.items():
        if name not in ours:
            continue
        solution = ours[name]
        common, ours_at, theirs_at = np.intersect1d(solution["time"].values, rtk["time"].values,
                                                     return_indices=True)
        ok = solved_mask(solution)[ours_at] & np.isfinite(rtk["x_m"].values[theirs_at])
        our_err = error_enu(solution, np.asarray(truth, float))[ours_at][ok]
        rtk_err = rtklib_errors_enu(rtk, truth)[theirs_at][ok]
        rows.append({"set": name, "epochs_both_solved": int(ok.sum()),
                     "rtklib_epochs": int(np.isfinite(rtk["x_m"].values).sum()),
                     "lodestar_rms_h_m": _rms(np.hypot(our_err[:, 0], our_err[:, 1])),
                     "rtklib_rms_h_m": _rms(np.hypot(rtk_err[:, 0], rtk_err[:, 1])),
                     "lodestar_rms_3d_m": _rms(np.linalg.norm(our_err, axis=1)),
                     "rtklib_rms_3d_m": _rms(np.linalg.norm(rtk_err, axis=1))})
    return pd.DataFrame(rows)
