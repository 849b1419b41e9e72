"""Per-station complementarity: each system set, each elevation mask, on the same epochs.

:func:`compare` runs the single-point solver for every system set (default R, C, R+C and
G+R+E+C as a reference) and elevation mask (default 10°–40°, which stand in for urban canyons
and open-pit mines) and tabulates availability, satellites used, PDOP and, when a truth position
is known, the horizontal / vertical / 3D errors. An epoch counts as solved when the solver gives
it status ``ok`` or ``fde`` (solved after excluding faulty satellites); everything else (too few
satellites, geometry or integrity refused) is an unsolved epoch, never a position.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import DataNotFoundError, LodestarError, NoEphemerisError
from ..frames import azimuth_elevation
from ..io.rinex_nav import load_nav as _load
from ..io.rinex_obs import read_obs
from ..orbits import BroadcastEphemeris
from ..positioning import Calibration, prepare, solve
from ..positioning.accuracy import error_enu, error_statistics, solved_mask
from ..positioning.output import main_reason
from ..positioning.result import SOLVED_STATUSES
from ..systems import DEFAULT_SETS, SYSTEM_NAMES, format_system_set, parse_system_set
from .truth import resolve_truth, station_names

__all__ = ["compare", "CompareResult", "ROW_COLUMNS", "SOLVED_STATUSES", "GAIN_COLUMNS", "load_nav", "load_obs",
           "error_enu", "improvement_table", "common_epoch_gains", "solved_errors_by_epoch", "block_bootstrap_gain_pct",
           "GAIN_BLOCK_S"]

DEFAULT_MASKS = (10, 20, 30, 40)
ROW_COLUMNS = ("systems", "mask_deg", "status", "reason", "epochs", "epochs_solved", "sats_median", "sats_min",
               "pdop_median", "pdop_p95", "rms_h_m", "rms_v_m", "rms3d_m", "p95_h_m", "p95_v_m", "p95_3d_m",
               "max_err_3d_m")
_JSON_COLUMNS = ROW_COLUMNS
_INTEGER_COLUMNS = ("epochs", "epochs_solved", "sats_min", "common_epochs", "extra_epochs_solved", "common_blocks")
#: A combined set against one of its parts at one mask, on the epochs both solved (the fairness rule,
#: docs/complementarity.md); availability (``extra_epochs_solved``) separately.
GAIN_COLUMNS = ("mask_deg", "set", "over", "epochs_solved_set", "epochs_solved_over", "extra_epochs_solved",
                "common_epochs", "rms3d_common_set_m", "rms3d_common_over_m", "gain_common_rms3d_pct",
                "rms_h_common_set_m", "rms_h_common_over_m", "gain_common_rms_h_pct", "common_blocks",
                "gain_common_rms3d_pct_lo", "gain_common_rms3d_pct_hi", "pdop_median_common_set",
                "pdop_median_common_over")
#: Single-point errors are correlated over tens of minutes (broadcast orbit/clock, ionosphere, multipath
#: of a slowly moving geometry): the gain's uncertainty is bootstrapped over blocks of this length.
GAIN_BLOCK_S = 600.0
_BOOTSTRAP_DRAWS = 2000  # resamples of the blocks; 95 % interval from the 2.5 / 97.5 percentiles
_BOOTSTRAP_SEED = 15  # fixed: the same inputs always print the same interval


@dataclass
class CompareResult:
    """Everything :func:`compare` found for one station and day."""

    station: str
    marker: str
    date: str
    truth: list | None
    rows: pd.DataFrame
    solutions: dict = field(default_factory=dict)  # set -> solution Dataset at the first mask
    truth_source: str = ""
    sky: xr.Dataset | None = None  # azimuth_deg / elevation_deg (time, sv) of tracked satellites
    masks: tuple = DEFAULT_MASKS
    # set -> positioning.Calibration estimated at the lowest mask and applied at the others
    calibrations: dict = field(default_factory=dict)
    # GAIN_COLUMNS: each combined set over each of its parts, on the epochs both solved
    gains: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(GAIN_COLUMNS)))
    mode: str = "post-processing"
    # (set, mask) -> solution Dataset at every mask (the report's time series)
    solutions_by_mask: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        rows = [{key: _plain(row[key], key in _INTEGER_COLUMNS) for key in _JSON_COLUMNS}
                for _, row in self.rows.iterrows()]
        gains = [{key: _plain(row[key], key in _INTEGER_COLUMNS) for key in GAIN_COLUMNS}
                 for _, row in self.gains.iterrows()]
        # screened cells and epoch-order counts of the inputs (positioning.screening), the same for every set
        notes = next((json.loads(ds.attrs.get("input_notes") or "{}") for ds in self.solutions.values()), {})
        return {"station": self.station, "truth": self.truth, "rows": rows, "gains_common_epochs": gains,
                "mode": self.mode, "input_notes": notes}


def _plain(value, integer: bool = False):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return None
        return int(value) if integer else float(value)
    return value


# --- inputs ------------------------------------------------------------------------------

def load_obs(obs) -> xr.Dataset:
    if isinstance(obs, xr.Dataset):
        return obs
    return read_obs(obs)


def load_nav(nav):
    """A ``NavData`` from a path, a list of paths (merged) or a ``NavData``."""
    return _load(nav)


def _missing_systems(systems, nav, obs) -> str:
    """Why a set cannot be solved ('' when it can): systems without navigation data or observations."""
    no_nav = [s for s in systems if len(nav.records.get(s, ())) == 0]
    if no_nav:
        return "no navigation data for " + ", ".join(f"{s} ({SYSTEM_NAMES[s]})" for s in no_nav)
    observed = {str(sv)[0] for sv in obs["sv"].values}
    no_obs = [s for s in systems if s not in observed]
    if no_obs:
        return "no observations of " + ", ".join(f"{s} ({SYSTEM_NAMES[s]})" for s in no_obs)
    return ""


# --- statistics --------------------------------------------------------------------------
# solved_mask / error_enu / error_statistics: positioning.accuracy (one implementation with solve --json)

def _percentile(values, q):
    return float(np.percentile(values, q)) if values.size else np.nan


def _row(name, mask, solution, truth) -> dict:
    solved = solved_mask(solution)
    row = {"systems": name, "mask_deg": mask, "status": "ok", "reason": _unsolved_reason(solution, solved),
           "epochs": int(solution.sizes["time"]), "epochs_solved": int(solved.sum())}
    sats, pdop = solution["n_sats"].values[solved], solution["pdop"].values[solved]
    row.update(sats_median=float(np.median(sats)) if sats.size else np.nan,
               sats_min=int(sats.min()) if sats.size else np.nan,
               pdop_median=_percentile(pdop[np.isfinite(pdop)], 50), pdop_p95=_percentile(pdop[np.isfinite(pdop)], 95))
    row.update(_error_stats(solution, solved, truth))
    return row


def _unsolved_reason(solution, solved) -> str:
    """Why a set that ran solved no epoch (positioning.output.main_reason), else ""."""
    return "" if solved.any() or not solution.sizes["time"] else f"no epoch solved: {main_reason(solution)}"


_ERROR_KEYS = ("rms_h_m", "rms_v_m", "rms3d_m", "p95_h_m", "p95_v_m", "p95_3d_m", "max_err_3d_m")


def _error_stats(solution, solved, truth) -> dict:
    if truth is None or not solved.any():
        return dict.fromkeys(_ERROR_KEYS, np.nan)
    stats = error_statistics(solution, truth, epochs=solved)
    return {key: stats[key] for key in _ERROR_KEYS}


def _skipped_row(name, mask, epochs, reason) -> dict:
    row = dict.fromkeys(ROW_COLUMNS, np.nan)
    row.update(systems=name, mask_deg=mask, status="skipped", reason=reason, epochs=epochs, epochs_solved=0)
    return row


def improvement_table(rows: pd.DataFrame, pair: str = "R+C", gains: pd.DataFrame | None = None) -> pd.DataFrame:
    """Improvement of the pair over each system alone, per mask: availability in epochs, then the
    median PDOP and 3D RMS changes in % on the epochs both solved (``gains`` from
    :func:`common_epoch_gains`; without it, NaN: medians or RMS over different epochs are no comparison)."""
    out = []
    table = rows.set_index(["systems", "mask_deg"])
    common = None if gains is None or not len(gains) else gains.set_index(["set", "over", "mask_deg"])
    for mask in sorted(rows["mask_deg"].unique()):
        if (pair, mask) not in table.index:
            continue
        both = table.loc[(pair, mask)]
        if both["status"] != "ok":  # a skipped pair has nothing to compare
            continue
        for alone in parse_system_set(pair):
            if (alone, mask) not in table.index or table.loc[(alone, mask)]["status"] != "ok":
                continue
            single = table.loc[(alone, mask)]
            fair = common.loc[(pair, alone, mask)] if common is not None and (pair, alone, mask) in common.index \
                else None
            with np.errstate(invalid="ignore", divide="ignore"):
                out.append({
                    "mask_deg": mask, "over": alone,
                    "extra_epochs_solved": both["epochs_solved"] - single["epochs_solved"],
                    "pdop_median_change_pct": np.nan if fair is None else _change_pct(
                        fair["pdop_median_common_set"], fair["pdop_median_common_over"]),
                    "rms3d_change_pct": np.nan if fair is None else -fair["gain_common_rms3d_pct"],
                    # 95 % interval of the change (block bootstrap, common_epoch_gains)
                    "rms3d_change_lo_pct": np.nan if fair is None else -fair["gain_common_rms3d_pct_hi"],
                    "rms3d_change_hi_pct": np.nan if fair is None else -fair["gain_common_rms3d_pct_lo"],
                    "common_epochs": 0 if fair is None else int(fair["common_epochs"]),
                    "common_blocks": 0 if fair is None else int(fair["common_blocks"]),
                })
    return pd.DataFrame(out)


def common_epoch_gains(solved_errors: dict, sets, masks, block_epochs: int = 20,
                       pdop: dict | None = None) -> pd.DataFrame:
    """:data:`GAIN_COLUMNS` for every combined set over each of its parts (single systems and
    smaller sets in ``sets``) at every mask, the RMS on the epochs both solved.

    ``solved_errors``: ``{(set, mask): (solved (T,), 3D error (T,), horizontal error (T,))}``
    (errors NaN without a truth). A positive gain is a smaller RMS for the combined set.
    ``pdop``: ``{(set, mask): PDOP (T,)}``, for the median PDOP of each on the same common epochs
    (NaN without it).
    ``common_blocks`` / ``gain_common_rms3d_pct_lo`` / ``_hi``: how many blocks of ``block_epochs``
    consecutive epochs hold common epochs, and the 95 % interval of the 3D gain from resampling
    those blocks (:func:`block_bootstrap_gain_pct`): 177 epochs in two stretches are two samples
    of the satellites' slowly changing errors, not 177.
    """
    out = []
    for name in sets:
        parts = set(parse_system_set(name))
        for over in sets:
            if over == name or not set(parse_system_set(over)) < parts:
                continue
            for mask in masks:
                if (name, mask) not in solved_errors or (over, mask) not in solved_errors:
                    continue
                (ok_a, d3_a, h_a), (ok_b, d3_b, h_b) = solved_errors[(name, mask)], solved_errors[(over, mask)]
                both = ok_a & ok_b
                row = {"mask_deg": mask, "set": name, "over": over, "epochs_solved_set": int(ok_a.sum()),
                       "epochs_solved_over": int(ok_b.sum()), "extra_epochs_solved": int(ok_a.sum() - ok_b.sum()),
                       "common_epochs": int(both.sum())}
                for key, a, b in (("rms3d", d3_a, d3_b), ("rms_h", h_a, h_b)):
                    rms_a, rms_b = _rms(a[both]), _rms(b[both])
                    row[f"{key}_common_set_m"], row[f"{key}_common_over_m"] = rms_a, rms_b
                    with np.errstate(invalid="ignore", divide="ignore"):
                        row[f"gain_common_{key}_pct"] = 100.0 * (rms_b - rms_a) / rms_b
                blocks, lo, hi = block_bootstrap_gain_pct(d3_a, d3_b, both, block_epochs)
                row.update(common_blocks=blocks, gain_common_rms3d_pct_lo=lo, gain_common_rms3d_pct_hi=hi)
                if pdop is not None:
                    row["pdop_median_common_set"] = _median(pdop[(name, mask)][both])
                    row["pdop_median_common_over"] = _median(pdop[(over, mask)][both])
                out.append(row)
    return pd.DataFrame(out, columns=list(GAIN_COLUMNS))


def block_bootstrap_gain_pct(error_set, error_over, both, block_epochs: int):
    """``(blocks, lo, hi)``: the 95 % interval of ``100 (1 - rms_set / rms_over)`` on the epochs ``both``.

    Block bootstrap with non-overlapping blocks of ``block_epochs`` epochs (Carlstein 1986, Ann. Stat.
    14:1171; the moving-block variant: Kuensch 1989, Ann. Stat. 17:1217), for errors correlated
    within a block: the blocks holding common epochs are drawn with replacement and each
    draw's RMS ratio computed from the blocks' sums of squared errors (vectorized over draws). NaN
    bounds with fewer than two blocks or without errors.
    """
    ok = np.asarray(both, bool) & np.isfinite(error_set) & np.isfinite(error_over)
    index = np.flatnonzero(ok) // max(int(block_epochs), 1)
    labels, block = np.unique(index, return_inverse=True)
    if labels.size < 2:
        return int(labels.size), np.nan, np.nan
    sum_set = np.bincount(block, np.asarray(error_set)[ok] ** 2, labels.size)
    sum_over = np.bincount(block, np.asarray(error_over)[ok] ** 2, labels.size)
    draws = np.random.default_rng(_BOOTSTRAP_SEED).integers(0, labels.size, (_BOOTSTRAP_DRAWS, labels.size))
    with np.errstate(invalid="ignore", divide="ignore"):
        gain = 100.0 * (1.0 - np.sqrt(sum_set[draws].sum(axis=1) / sum_over[draws].sum(axis=1)))
    lo, hi = np.nanpercentile(gain, [2.5, 97.5])
    return int(labels.size), float(lo), float(hi)


def _median(values) -> float:
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else np.nan


def _rms(values) -> float:
    values = values[np.isfinite(values)]
    return float(np.sqrt(np.mean(values**2))) if values.size else np.nan


def solved_errors_by_epoch(solution, truth):
    """(solved (T,), 3D error (T,), horizontal error (T,)) of one solution, NaN errors without truth."""
    solved = solved_mask(solution)
    if truth is None:
        nan = np.full(solved.shape, np.nan)
        return solved, nan, nan
    enu = error_enu(solution, truth)
    return solved, np.linalg.norm(enu, axis=1), np.hypot(enu[:, 0], enu[:, 1])


def _change_pct(new, old):
    return 100.0 * (new - old) / old


# --- the run ---------------------------------------------------------------------------

@contextlib.contextmanager
def progress_bar(description: str, enabled: bool = True):
    """A rich progress bar on stderr; yields ``advance(done, total, what=None)`` (a no-op when disabled)."""
    if not enabled:
        yield lambda done, total, what=None: None
        return
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(description, total=None)

        def advance(done, total, what=None):
            bar.update(task, completed=done, total=total, **({"description": what} if what else {}))

        yield advance


def compare(obs, nav, *, truth=None, sets=DEFAULT_SETS, masks=DEFAULT_MASKS, sp3=None, clk=None,
            progress=False, calibrate: bool | None = None, causal: bool = False, antex=None, sinex=None,
            bias=None, workers: int = 2) -> CompareResult:
    """Solve every system set at every mask on the same epochs and tabulate the results.

    ``obs``: path or Dataset; ``nav``: path, list of paths or NavData; ``truth``: None, (3,)
    ECEF metres, ``"header"`` or ``("sinex", [paths])``. A set whose systems have no navigation
    data (or no observations) gives ``skipped`` rows with the reason. ``calibrate``: estimate
    each set's code biases and inter-system bias once, at the lowest mask, and apply them as
    known at the higher masks; False lets every mask estimate its own. Default (None): True in
    post-processing, False with ``causal``.
    ``causal``: every solution in forward mode (``solve(..., causal=True)``: biases, weights and
    ISBs from past epochs only). The lowest mask's calibration is its end-of-run estimate, i.e. of
    the whole file: handed to another mask's run it would give that run's first epochs the file's
    future, so a causal comparison calibrates only when asked (``calibrate=True``: the end-of-run
    values start the other masks, as a calibration from an earlier day would). Gains of a combined
    set over its parts are computed on the epochs both solved (``CompareResult.gains``).
    ``antex``/``sinex``/``bias``: phase-centre and code-bias sources used with ``sp3``
    (:func:`lodestar.positioning.prepare`).
    ``workers``: system sets solved side by side in threads (the estimator is numpy on epochs x satellites
    arrays, which releases the interpreter lock); 1 solves them one after the other, as inside a batch
    worker. The results do not depend on it.
    """
    sets = tuple(dict.fromkeys(format_system_set(s) for s in sets))
    calibrate = (not causal) if calibrate is None else bool(calibrate)
    masks = tuple(float(m) if float(m) % 1 else int(m) for m in masks)
    if not sets or not masks:
        raise LodestarError("compare needs at least one system set and one mask")
    runs = [(name, mask) for name in sets for mask in masks]
    steps = len(runs) + 3  # read, prepare, the runs, sky
    with progress_bar("reading", enabled=progress) as advance:
        advance(0, steps, "reading")
        obs, nav = load_obs(obs), load_nav(nav)
        station, marker = station_names(obs)
        try:
            reference, source = resolve_truth(truth, obs, station)
        except DataNotFoundError:
            if sp3 is None or not sinex:
                raise
            # the SINEX files serve the phase centres of sp3; a station they lack just has no truth
            reference, source = None, "none (station not in the SINEX files, used for phase centres)"
        rows, solutions, by_mask, epochs = [], {}, {}, int(obs.sizes["time"])
        why_not = {name: _missing_systems(parse_system_set(name), nav, obs) for name in sets}
        advance(1, steps, f"{station}: orbits and corrections")
        products = {"antex": antex, "sinex": sinex, "bias": bias} if sp3 is not None else {}
        prepared = _prepare_usable(prepare, obs, nav, sets, why_not, sp3=sp3, clk=clk, **products)
        calibrations, solved_errors, pdops = {}, {}, {}
        done = _Counter(advance, steps, start=1)
        solved = _solve_sets(prepared, [name for name in sets if not why_not[name]], masks, calibrations, calibrate,
                             causal, workers, lambda name, mask: done.tick(f"{station}: {name} at {mask:g}°"))
        for name, mask in runs:  # rows in the order of the sets and masks asked for, whatever order they ran in
            why = why_not[name]
            if why:
                rows.append(_skipped_row(name, mask, epochs, why))
                continue
            solution = solved[(name, mask)]
            rows.append(_row(name, mask, solution, reference))
            solved_errors[(name, mask)] = solved_errors_by_epoch(solution, reference)
            pdops[(name, mask)] = solution["pdop"].values
            by_mask[(name, mask)] = solution
            if mask == masks[0]:
                solutions[name] = solution
        advance(steps - 1, steps, f"{station}: skyplot")
        sky = _sky(obs, nav, reference, solutions)
        advance(steps, steps)
    return CompareResult(
        station=station, marker=marker, date=str(obs["time"].values[0].astype("datetime64[D]")),
        truth=None if reference is None else [float(v) for v in reference],
        rows=pd.DataFrame(rows, columns=list(ROW_COLUMNS)), solutions=solutions, truth_source=source,
        sky=sky, masks=masks, calibrations={name: cal for name, (cal, _) in calibrations.items()},
        gains=common_epoch_gains(solved_errors, sets, masks, _block_epochs(obs), pdop=pdops),
        mode="causal" if causal else "post-processing",
        solutions_by_mask=by_mask)


class _Counter:
    """Progress over runs finishing in any thread: one step per finished run, under a lock."""

    def __init__(self, advance, total: int, start: int = 0):
        self.advance, self.total, self.done = advance, total, start
        self.lock = threading.Lock()

    def tick(self, what: str) -> None:
        with self.lock:
            self.done += 1
            self.advance(self.done, self.total, what)


def _solve_sets(prepared, names, masks, calibrations, calibrate, causal, workers, finished) -> dict:
    """``{(set, mask): solution}``: each set's masks in order (the lowest mask's calibration serves the others),
    the sets in up to ``workers`` threads. ``calibrations`` gets each set's (Calibration, lowest-mask solution)."""
    def one_set(name):
        own = {}  # this set's calibration: each thread writes its own dict
        out = {}
        for mask in masks:
            out[(name, mask)] = _solve_calibrated(solve, prepared, name, mask, min(masks), own, calibrate, causal)
            finished(name, mask)
        return out, own

    if workers > 1 and len(names) > 1:
        with ThreadPoolExecutor(max_workers=min(workers, len(names))) as pool:
            done = list(pool.map(one_set, names))
    else:
        done = [one_set(name) for name in names]
    solved = {}
    for out, own in done:
        solved.update(out)
        calibrations.update(own)
    return solved


def _block_epochs(obs) -> int:
    """Epochs in :data:`GAIN_BLOCK_S` at the file's median spacing (at least 1)."""
    t = np.asarray(obs["time"].values, dtype="datetime64[ns]").astype(np.int64) / 1e9
    spacing = float(np.median(np.diff(t))) if t.size > 1 else 30.0
    return max(1, int(round(GAIN_BLOCK_S / spacing))) if spacing > 0 else 1


def _solve_calibrated(solve, prepared, name, mask, lowest, calibrations, calibrate, causal=False):
    """The solution of ``name`` at ``mask``, with the receiver calibration of the lowest mask.

    Code biases and the inter-system bias belong to the receiver and the day, not to the mask:
    the higher masks stand in for obstructions on the same receiver and day. So they are
    estimated once per set from all its data (the lowest mask) and applied as known at every
    other mask (``positioning.Calibration``; docs/complementarity.md). ``calibrations`` caches
    ``set -> (Calibration, solution at the lowest mask)``.
    """
    if not calibrate:
        return solve(prepared, systems=name, mask_deg=mask, causal=causal)
    if name not in calibrations:
        base = solve(prepared, systems=name, mask_deg=lowest, causal=causal)
        calibrations[name] = (Calibration.from_solution(base), base)
    calibration, base = calibrations[name]
    if mask == lowest:
        return base
    return solve(prepared, systems=name, mask_deg=mask, calibration=calibration, causal=causal)


def _prepare_usable(prepare, obs, nav, sets, why_not, **products):
    """Orbits, clocks and code selection once for every set (each solve is then the estimator only).

    A system with no usable orbit at all (e.g. a precise product without it) turns the sets that
    need it into ``skipped`` rows, with the reason, instead of failing the whole station-day.
    """
    while True:
        letters = "".join(sorted({s for name in sets if not why_not[name] for s in parse_system_set(name)}))
        if not letters:
            return None
        try:
            return prepare(obs, nav, systems=letters, **products)
        except NoEphemerisError as exc:
            if exc.system is None or exc.system not in letters:
                raise
            for name in sets:
                if not why_not[name] and exc.system in parse_system_set(name):
                    why_not[name] = str(exc)


def _sky(obs, nav, reference, solutions, step_s: float = 120.0) -> xr.Dataset | None:
    """Azimuth and elevation of tracked GLONASS/BeiDou/GPS/Galileo satellites, every ``step_s``."""
    position = reference if reference is not None else _median_position(solutions)
    if position is None:
        return None
    times = obs["time"].values
    keep = np.flatnonzero(np.r_[True, np.diff((times - times[0]) // np.timedelta64(int(step_s), "s")) > 0])
    codes = [v for v in obs.data_vars if len(v) == 3 and v[0] == "C"]
    sub = obs.isel(time=keep)
    svs = [str(sv) for sv in sub["sv"].values if str(sv)[0] in "GREC" and len(nav.records.get(str(sv)[0], ()))]
    if not svs or not codes:
        return None
    sub = sub.sel(sv=svs)
    tracked = np.zeros((len(keep), len(svs)), dtype=bool)
    for code in codes:
        tracked |= np.isfinite(sub[code].values)
    states = BroadcastEphemeris(nav).states(sub["time"].values, np.array(svs))
    azimuth, elevation = azimuth_elevation(position, states.position_m)
    seen = tracked & states.valid
    return xr.Dataset({"azimuth_deg": (("time", "sv"), np.where(seen, azimuth, np.nan)),
                       "elevation_deg": (("time", "sv"), np.where(seen, elevation, np.nan))},
                      coords={"time": sub["time"].values, "sv": svs})


def _median_position(solutions) -> np.ndarray | None:
    for solution in solutions.values():
        solved = solved_mask(solution)
        if solved.any():
            xyz = np.stack([solution[k].values[solved] for k in ("x_m", "y_m", "z_m")], axis=-1)
            return np.median(xyz, axis=0)
    return None


def print_table(result: CompareResult, file=None) -> None:
    """The command-line table: one line per set and mask."""
    file = file or sys.stdout
    header = (f"{'set':8s} {'mask':>4s} {'solved':>11s} {'sats med/min':>12s} {'PDOP med/95':>12s} "
              f"{'RMS h/v/3D m':>18s} {'95% 3D m':>9s} {'max 3D m':>9s}")
    print(f"{result.station} {result.date}  truth: {result.truth_source}  mode: {result.mode}", file=file)
    print(header, file=file)
    for _, r in result.rows.iterrows():
        if r["status"] == "skipped":
            print(f"{r['systems']:8s} {r['mask_deg']:>4g}  skipped: {r['reason']}", file=file)
            continue
        print(f"{r['systems']:8s} {r['mask_deg']:>4g} {int(r['epochs_solved']):>5d}/{int(r['epochs']):<5d} "
              f"{_f(r['sats_median'], 0):>5s}/{_f(r['sats_min'], 0):<6s} {_f(r['pdop_median'])}/{_f(r['pdop_p95'])} "
              f"{_f(r['rms_h_m'])}/{_f(r['rms_v_m'])}/{_f(r['rms3d_m'])} {_f(r['p95_3d_m']):>9s} "
              f"{_f(r['max_err_3d_m']):>9s}" + (f"  {r['reason']}" if r["reason"] else ""), file=file)
    if result.truth is None:
        print("no truth position given: error columns are empty (use --truth X,Y,Z, --truth header or --sinex)",
              file=file)
    gains = improvement_table(result.rows, gains=result.gains)
    if len(gains):
        print("\nR+C against each system alone: availability, then median PDOP and 3D RMS on the epochs both solved "
              "(negative change = better):", file=file)
        for _, g in gains.iterrows():
            if not int(g["common_epochs"]):  # nothing to compare on: say why instead of a row of dashes
                print(f"  mask {g['mask_deg']:>4g}  over {g['over']}: {int(g['extra_epochs_solved']):+6d} epochs solved; "
                      f"no epoch solved by both, so no PDOP or RMS change", file=file)
                continue
            print(f"  mask {g['mask_deg']:>4g}  over {g['over']}: {int(g['extra_epochs_solved']):+6d} epochs solved, "
                  f"PDOP median {_f(g['pdop_median_change_pct'], 1)} %, 3D RMS {_f(g['rms3d_change_pct'], 1)} % "
                  f"[{_f(g['rms3d_change_lo_pct'], 0)}, {_f(g['rms3d_change_hi_pct'], 0)}] on "
                  f"{int(g['common_epochs'])} common epochs in {int(g['common_blocks'])} blocks of "
                  f"{GAIN_BLOCK_S / 60:g} min", file=file)
        print("  [95 % interval of the RMS change: blocks of epochs resampled, errors being correlated over minutes]",
              file=file)


def _f(value, digits: int = 2) -> str:
    return "—" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"
