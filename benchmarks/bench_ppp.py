"""Precise point positioning: Lodestar beside RTKLIB 2.4.3, cssrlib and sidereon on the same files.

    python benchmarks/bench_ppp.py [--data DIR] [--sets R C R+C G+R+E+C] [--modes static kinematic]
                                   [--peers lodestar rtklib sidereon cssrlib] [--hours H]
                                   [--stations ESBC WTZR WTZZ] [--readme]

One run: for every system set and mode, each solver runs as its own child process (this script
with ``--worker``) on the same decompressed files in a temporary folder; the parent measures the
child's wall time and peak resident memory (``os.wait4`` rusage, i.e. RUSAGE_CHILDREN per peer) and
scores its positions against the same truth with ``lodestar.analysis.ppp_convergence``:
static daily error (E/N/U and 3D of the last epoch), kinematic 3D RMS after convergence and the
convergence time (horizontal < 0.10 m and 3D < 0.20 m for the rest of the run).

Data (``../shared/data``): ESBC 2020-177, full day at 30 s; GRG SP3 (15 min, the day and the day
before) + GRG 30 s CLK for G/R/E; IAC ``Sta21114.sp3.gz`` (15 min, with clocks) for BeiDou.
``--stations WTZR WTZZ``: the Wettzell hour (same products; SINEX truth; LEIAR25.R3 LEIT from
``antex/igs20_wettzell_trim.atx`` for every solver, the receiver block alone; satellites as on ESBC).
``WTZR-GBM WTZZ-GBM``: the same hour with GBM's 5-min BeiDou orbits and clocks (the data folder's 2-hour
extract of GFZ's rapid product) for every solver. Wettzell truth: IGS's weekly SINEX of 2010 and 2020
interpolated to the hour.
Truth: ESBC's ITRF2014 coordinate (``tests/reference.py``). All peers get the same receiver antenna
model: ESBC's ASH701945E_M SCIS from the IGS ANTEX block of igs08.atx (PCO and PCV, G01/G02 used for
every system's first and second frequency; ``tests/fixtures/igs08_1805_ASH701945E_M_SCIS.atx``).
Until 2026-12-06 it was the SINEX L1/L2 offsets alone (no PCV): every set ~3 cm lower (docs/ppp.md).

Peers and what each needed (docs/ppp-benchmark.md has the details):
- RTKLIB 2.4.3 b34 via PyPI ``pyrtklib`` (the C library's ``postpos``), configs
  ``benchmarks/rtklib/ppp-static.conf`` and ``ppp-kinematic.conf`` (dual-freq iono-free, est-ztd,
  precise SP3 + CLK); ``pos1-navsys`` set per system set. Its SP3 reader takes the satellite count
  as two digits and reads at most 85 satellite ids (5 header lines), so every SP3 is split per
  system into SP3-c files with a canonical 22-line header, in the temp folder.
- sidereon 3.0.4 (PyPI): static float PPP as one batch least squares (no kinematic mode);
  ionosphere-free code/phase built here from the RINEX observations (Lodestar's reader), one
  ambiguity per arc (arcs split at gaps and loss-of-lock flags); its own solid Earth tide, wind-up
  and satellite antenna corrections (``ppp_corrections``) on the satellite offsets and patterns
  Lodestar reads from the same files, the receiver antenna's IF pattern, and the clocks Lodestar
  uses (30 s CLK for G/R/E, the BeiDou SP3's) as its fine clock series. ``BENCH_SIDEREON_MODEL=none``:
  none of these (SP3 clocks), the configuration of the figures before 2026-12-07.
- cssrlib 1.2.1 (PyPI): see ``_cssrlib_worker``.
Peers that are not installed are reported as missing (``pip install -e .[bench]``).

Speed target (issue #13): ``--sets G R+C --modes static --peers lodestar rtklib [--repeat 3]``
prints Lodestar's R+C static day beside RTKLIB's GPS day, wall and CPU (user + system of the child)
and their ratios; on a shared machine the CPU ratio is the steadier one, ``--repeat`` keeps each
solver's fastest run. What the profile taught (docs/ppp-benchmark.md, "Speed"): the filter loop was
the largest cost, and most of it was OpenBLAS running scipy's Cholesky solve of each ~60 x 60 system
on two threads that wait for each other under load (10x on a G+R+E+C day; numpy's solve on the
live block stays on one thread), then
per-epoch measurement models (now vectorised over blocks of epochs) and call overhead around a
tiny update; xarray's dask probe (0.3-0.5 s of imports) and clock records of systems not asked
for came next. Profile the worker itself: ``python -m cProfile -o out.prof benchmarks/bench_ppp.py
--worker lodestar --inputs <tmp>/inputs.json --set R+C --mode static --out <tmp>/x.npz``.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SETS = ("R", "C", "R+C", "G+R+E+C")
MODES = ("static", "kinematic")
NAVSYS = {"G": 1, "R": 4, "E": 8, "C": 32}  # RTKLIB SYS_* bit masks (rtklib.h)
ESBC_ITRF2014_XYZ = (3582104.768, 532590.174, 5232755.144)  # tests/reference.py, data README
GPS_EPOCH = np.datetime64("1980-01-06T00:00:00", "ns")
# ASH701945E_M SCIS, IGS SINEX igs20P2131_wocov.snx +SITE/GPS_PHASE_CENTER (model IGS14_2132):
# L1 up/north/east, L2 up/north/east, metres.
ESBC_ANTENNA = ("ASH701945E_M", "SCIS", (0.0876, 0.0011, -0.0006), (0.1192, 0.0001, 0.0004))
ESBC = {
    "station": "ESBC",
    "obs": "esbc-2020-177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz",
    "nav": "esbc-2020-177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz",
    "sp3": ["esbc-2020-177/GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz",
            "esbc-2020-177/GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"],
    "sp3_bds": ["esbc-2020-177/Sta21114.sp3.gz"],  # BeiDou orbits and clocks (IAC, 15 min)
    "clk": ["esbc-2020-177/GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"],
    # satellite offsets of the products' own model (igs14 for GPS/GLONASS from JAXA MGEX 2020-244, the
    # calibrated Galileo values from ESA 2024-185; without them GPS takes relative-era nominal values and
    # sits 3.3 cm high: docs/ppp.md "The height"); ESBC_ANTENNA keeps the SINEX 2131 receiver offsets for reference
    "sinex": ["sinex/igs20P2131_wocov.snx", "sinex/JAX0MGXFIN_20202440000_01D_000_SOL.SNX",
              "sinex/ESA0OPSFIN_20241850000_01D_01D_SOL.SNX"],
    # ESBC's antenna with its pattern for every solver: the IGS ANTEX block of ASH701945E_M SCIS (igs08.atx,
    # one-antenna extract; origin in tests/fixtures/README.md). An absolute path: data / it = it.
    "antex": str(HERE.parent / "tests" / "fixtures" / "igs08_1805_ASH701945E_M_SCIS.atx"),
    "antenna": ESBC_ANTENNA[:2],
    "delta_h_m": 0.2160,  # RINEX header ANTENNA: DELTA H/E/N
}


def _wettzell(station: str) -> dict:
    """WTZR / WTZZ, 2020-06-25 00:00-01:00 (1 h, 30 s): SINEX truth, LEIAR25.R3 LEIT from ANTEX.

    The satellites' antennas come from the products' own model as on ESBC (igs14 via JAXA's SINEX, ESA's
    Galileo calibrations; GPS with their IGS block nadir PCVs): the ANTEX file is used for the receiver
    only (``receiver_only``: its LEIAR25.R3 LEIT block is copied into a one-antenna file), since its GPS
    satellite blocks are igs20's, whose offsets are not those GRG's IGS14 products were made with (until
    2026-12-07 nine GPS satellites took them and the other 23 the relative-era nominal table: heights
    0.6-1.5 cm higher with GPS in the set).

    Truth: IGS's weekly SINEX solutions of 2010-01 and 2020-11 interpolated to the hour (the data README's
    rule; tests/reference.py ``WETTZELL_TRUTH_SINEX``). Until 2026-12-07 the 2020-11 solution alone, 0.4
    years away: 0.8 cm east and 0.6 cm north of the day's position."""
    return {"station": station, "obs": f"esbc-2020-177/{station}00DEU_R_20201770000_01D_30S_MO_120epoch.rnx",
            "nav": ESBC["nav"], "sp3": ESBC["sp3"], "sp3_bds": ESBC["sp3_bds"], "clk": ESBC["clk"],
            "sinex": ESBC["sinex"], "truth_sinex": ["sinex/igs20P2131_wocov.snx", "sinex/igs10P1565_wocov.snx"],
            "truth_epoch": "2020-06-25T00:30:00", "antex": "antex/igs20_wettzell_trim.atx", "receiver_only": True,
            "antenna": ("LEIAR25.R3", "LEIT"), "delta_h_m": None}


#: GFZ's rapid MGEX product (GBM), its first 2 hours (the data folder's extract): 5-min orbits and clocks of
#: 43 BeiDou satellites, BDS-3 included. It covers the Wettzell hour, not the ESBC day; its 5-min clocks
#: need no clock-error state (api._CLOCK_STATE_SIGMA_M), IAC's 15-min ones do.
GBM_2H = "esbc-2020-177/GBM0MGXRAP_20201770000_01D_05M_ORB_120epoch.sp3"


def _wettzell_gbm(station: str) -> dict:
    """The Wettzell hour with GBM's 5-min BeiDou orbits and clocks instead of IAC's 15-min ones."""
    return {**_wettzell(station), "sp3_bds": [GBM_2H], "label": f"{station}-GBM"}


CASES = {"ESBC": ESBC, "WTZR": _wettzell("WTZR"), "WTZZ": _wettzell("WTZZ"),
         "WTZR-GBM": _wettzell_gbm("WTZR"), "WTZZ-GBM": _wettzell_gbm("WTZZ")}


# ----------------------------------------------------------------------------- input preparation
def _decompress(src: Path, dst: Path) -> str:
    from lodestar.io.compression import read_bytes

    if not dst.exists():
        dst.write_bytes(read_bytes(src))
    return str(dst)


def split_sp3(path: Path, out_dir: Path, systems: str) -> list[str]:
    """Write one SP3-c file per system (satellites of ``systems`` only) that RTKLIB 2.4.3 reads.

    RTKLIB's ``readsp3h`` reads the satellite count from columns 5-6 (two digits: IAC's 121
    becomes 12), the ids from header lines 3-7 only (85 satellites), and expects exactly 22
    header lines; ``readsp3b`` then reads exactly that many records per epoch. Every output file
    therefore gets a canonical 22-line header, fewer than 86 satellites, and one record per
    satellite per epoch (a missing one as zeros: SP3's "no value").
    """
    lines = Path(path).read_text().splitlines()
    time_system = next((t[9:12] for t in lines if t.startswith("%c")), "GPS")
    epochs: list[tuple[str, dict]] = []
    for text in lines:
        if text.startswith("*"):
            epochs.append((text, {}))
        elif epochs and text.startswith("P") and len(text) > 4:
            epochs[-1][1][text[1:4]] = text[:60]
    written = []
    for system in systems:
        sats = sorted({sv for _, records in epochs for sv in records if sv[0] == system})
        if not sats:
            continue
        if len(sats) > 85:
            raise SystemExit(f"{path}: {len(sats)} {system} satellites, more than RTKLIB's header holds")
        body = []
        for epoch, records in epochs:
            body.append(epoch)
            body += [records.get(sv, f"P{sv}      0.000000      0.000000      0.000000 999999.999999")
                     for sv in sats]
        target = out_dir / f"{Path(path).name.split('.')[0]}_{system}.sp3"
        target.write_text("\n".join(_sp3c_header(lines[0], lines[1], sats, time_system, len(epochs))
                                     + body + ["EOF"]) + "\n")
        written.append(str(target))
    return written


def _sp3c_header(first: str, second: str, sats: list[str], time_system: str, n_epochs: int) -> list[str]:
    """The 22 header lines of SP3-c (IGS SP3-c format, 2006) that RTKLIB's reader counts on."""
    ids = sats + ["  0"] * (85 - len(sats))
    plus = [("+  %3d   " % len(sats) if i == 0 else "+        ") + "".join(ids[17 * i:17 * i + 17]) for i in range(5)]
    accuracy = ["++       " + "  0" * 17 for _ in range(5)]
    return ([f"#cP{first[3:31]}{n_epochs:8d} ORBIT IGS14 FIT  SPLT", second] + plus + accuracy +
            [f"%c M  cc {time_system} ccc cccc cccc cccc cccc ccccc ccccc ccccc ccccc",
             "%c cc cc ccc ccc cccc cccc cccc cccc ccccc ccccc ccccc ccccc",
             "%f  1.2500000  1.025000000  0.00000000000  0.000000000000000",
             "%f  0.0000000  0.000000000  0.00000000000  0.000000000000000",
             "%i    0    0    0    0      0      0      0      0         0",
             "%i    0    0    0    0      0      0      0      0         0"] +
            ["/* split per system by lodestar benchmarks/bench_ppp.py for RTKLIB 2.4.3"] * 4)


def combine_sp3(paths: list[str], target: Path, pad: bool = False) -> str:
    """One SP3-d file (IGS SP3-d, 2016: any number of '+' lines) of several single-system files
    written by :func:`split_sp3` with the same epochs. ``pad``: every epoch lists every satellite, for
    readers that take each epoch's record count from the header (cssrlib); those a file does not hold
    there get 999999.999999 in every field. SP3 writes a missing position as 0.000000, but cssrlib
    1.2.1 keeps such zeros beside a NaN clock, its "no orbit" test (norm <= 0) is then false, and it
    interpolates through the zeros (kilometres off); its "no value" marker leaves them NaN (unused)."""
    blocks, sats, first_lines = [], [], None
    for path in paths:
        lines = Path(path).read_text().splitlines()
        first_lines = first_lines or lines[:2]
        epochs: dict[str, list[str]] = {}
        current = None
        for text in lines:
            if text.startswith("*"):  # GRG writes " 6 25", IAC "06 25": one key per instant
                y, mo, d, h, mi, sec = (float(v) for v in text[1:].split()[:6])
                key = f"*  {int(y):4d} {int(mo):2d} {int(d):2d} {int(h):2d} {int(mi):2d} {sec:11.8f}"
                current = epochs.setdefault(key, [])
            elif text.startswith("P") and current is not None:
                current.append(text)
                if text[1:4] not in sats:
                    sats.append(text[1:4])
        blocks.append(epochs)
    order = sorted(set().union(*blocks), key=lambda epoch: epoch)
    n_lines = max(5, -(-len(sats) // 17))
    ids = sats + ["  0"] * (17 * n_lines - len(sats))
    header = [f"#dP{first_lines[0][3:31]}{len(order):8d} ORBIT IGS14 FIT  CMBN", first_lines[1]]
    header += [("+  %3d   " % len(sats) if i == 0 else "+        ") + "".join(ids[17 * i:17 * i + 17])
               for i in range(n_lines)]
    header += ["++       " + "  0" * 17 for _ in range(n_lines)]
    header += ["%c M  cc GPS ccc cccc cccc cccc cccc ccccc ccccc ccccc ccccc",
               "%c cc cc ccc ccc cccc cccc cccc cccc ccccc ccccc ccccc ccccc",
               "%f  1.2500000  1.025000000  0.00000000000  0.000000000000000",
               "%f  0.0000000  0.000000000  0.00000000000  0.000000000000000",
               "%i    0    0    0    0      0      0      0      0         0",
               "%i    0    0    0    0      0      0      0      0         0",
               "/* combined per set by lodestar benchmarks/bench_ppp.py"]
    body = []
    for epoch in order:
        body.append(epoch)
        rows = [row for block in blocks for row in block.get(epoch, [])]
        if pad:  # (split_sp3 wrote a satellite missing at an epoch as zeros: the same marker instead)
            rows = [row[:4] + " 999999.999999" * 4 if row[4:46].split() == ["0.000000"] * 3 else row for row in rows]
            held = {row[1:4] for row in rows}
            rows += [f"P{sv} 999999.999999 999999.999999 999999.999999 999999.999999" for sv in sats if sv not in held]
        body += rows
    target.write_text("\n".join(header + body + ["EOF"]) + "\n")
    return str(target)


def write_antex(path: Path, antenna) -> str:
    """A one-antenna ANTEX 1.4 file from SINEX L1/L2 offsets (no PCV: a NOAZI row of zeros).

    ANTEX 1.4 (IGS, 2011): labels from column 61; offsets north/east/up in millimetres.
    """
    name, radome, l1_une, l2_une = antenna

    def record(text: str, label: str) -> str:
        return text.ljust(60) + label

    rows = [record("     1.4            M", "ANTEX VERSION / SYST"), record("A", "PCV TYPE / REFANT"),
            record("", "END OF HEADER"), record("", "START OF ANTENNA"),
            record(f"{name:<16s}{radome:<4s}", "TYPE / SERIAL NO"),
            record("FIELD               LODESTAR                  0    25-JUN-20", "METH / BY / # / DATE"),
            record("     0.0", "DAZI"), record("     0.0  90.0   5.0", "ZEN1 / ZEN2 / DZEN"),
            record("    10", "# OF FREQUENCIES")]
    for freqs, (up, north, east) in ((("G01", "R01", "E01", "C01", "C02"), l1_une),
                                     (("G02", "R02", "E05", "C06", "C07"), l2_une)):
        for freq in freqs:
            rows += [record(f"   {freq}", "START OF FREQUENCY"),
                     record(f"{north * 1e3:10.2f}{east * 1e3:10.2f}{up * 1e3:10.2f}", "NORTH / EAST / UP"),
                     "   NOAZI" + "    0.00" * 19, record(f"   {freq}", "END OF FREQUENCY")]
    rows.append(record("", "END OF ANTENNA"))
    Path(path).write_text("\n".join(rows) + "\n")
    return str(path)


#: carrier pairs of the clock signals (ICDs); GLONASS at its FDMA centre (wind-up and nadir patterns only:
#: k * 562.5 kHz moves the IF wavelength by < 0.3 %)
IF_PAIRS_HZ = {"G": (1575.42e6, 1227.60e6), "R": (1602.0e6, 1246.0e6), "E": (1575.42e6, 1176.45e6),
               "C": (1561.098e6, 1268.52e6)}
#: ANTEX frequency codes of each system's clock pair (the bands cssrlib reads for its signals)
ANTEX_PAIRS = {"G": ("G01", "G02"), "R": ("R01", "R02"), "E": ("E01", "E05"), "C": ("C02", "C06")}


def write_satellite_antex(path: Path, inputs: dict, svs, when) -> tuple[str, list[str]]:
    """An ANTEX 1.4 file of the satellites' antennas as Lodestar reads them from the case's files, for a
    peer that reads ANTEX (cssrlib): each satellite's ionosphere-free offset (body frame, mm) and IF
    nadir pattern (0-17 deg), written for both frequencies of its system's clock pair. With the same
    value on both, any IF combination returns it; an uncombined filter puts the rest in its slant
    ionosphere. Returns the path and the satellites no source has an offset for (left out, as Lodestar
    leaves them out: a peer dropping satellites without an entry then drops the same ones). Read by
    cssrlib and by RTKLIB (``file-satantfile``)."""
    from lodestar.positioning.ppp.antennas import phase_centres, satellite_offsets, satellite_pcv_if_m

    def record(text: str, label: str) -> str:
        return text.ljust(60) + label

    svs = [str(sv) for sv in svs if str(sv)[0] in ANTEX_PAIRS]
    pc = phase_centres(inputs.get("antex_lodestar"), inputs["sinex"])
    pco, sat, _ = satellite_offsets(pc, np.array(svs), when)
    nadir = np.arange(0.0, 18.0, 1.0)
    f1 = np.array([IF_PAIRS_HZ[sv[0]][0] for sv in svs])
    f2 = np.array([IF_PAIRS_HZ[sv[0]][1] for sv in svs])
    pcv = satellite_pcv_if_m(sat, np.array(svs), np.radians(np.repeat(nadir[:, None], len(svs), axis=1)), f1, f2)
    rows = [record("     1.4            M", "ANTEX VERSION / SYST"), record("A", "PCV TYPE / REFANT"),
            record("", "END OF HEADER")]
    unknown = []
    for j, sv in enumerate(svs):
        if not np.all(np.isfinite(pco[j])):
            unknown.append(sv)
            continue
        x, y, z = pco[j] * 1e3
        rows += [record("", "START OF ANTENNA"), record(f"{'LODESTAR IF':<20s}{sv:<20s}", "TYPE / SERIAL NO"),
                 record("COMPUTED            LODESTAR                  0    25-JUN-20", "METH / BY / # / DATE"),
                 record("     0.0", "DAZI"), record("     0.0  17.0   1.0", "ZEN1 / ZEN2 / DZEN"),
                 record("     2", "# OF FREQUENCIES")]
        # the clock pair (cssrlib reads the system's own codes) and bands 1, 2, 5 (RTKLIB 2.4.3 files a satellite's
        # frequencies by number alone into its three slots: every slot it may combine carries the IF value)
        codes = dict.fromkeys(list(ANTEX_PAIRS[sv[0]]) + [f"{sv[0]}0{band}" for band in "125"])
        rows[-1] = record(f"{len(codes):6d}", "# OF FREQUENCIES")
        for freq in codes:
            rows += [record(f"   {freq}", "START OF FREQUENCY"),
                     record(f"{x:10.2f}{y:10.2f}{z:10.2f}", "NORTH / EAST / UP"),
                     "   NOAZI" + "".join(f"{v * 1e3:8.2f}" for v in pcv[:, j]),
                     record(f"   {freq}", "END OF FREQUENCY")]
        rows.append(record("", "END OF ANTENNA"))
    Path(path).write_text("\n".join(rows) + "\n")
    return str(path), unknown


def solve_case(data: Path, station: str, system_set: str, mode: str, **options):
    """(Dataset, wall s) of Lodestar's PPP of a case's files in-process (the ablation scripts'
    ``ppp_gradients.py``, ``ppp_code_weight.py``): 7 deg mask, ``options`` passed to ``ppp``."""
    import warnings

    from lodestar.positioning.ppp import ppp

    case = CASES[station]
    antex = case_antex(data, case)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ds = ppp(data / case["obs"], sp3=[data / p for p in case["sp3"] + case["sp3_bds"]],
                 clk=[data / p for p in case["clk"]], nav=data / case["nav"], sinex=[data / p for p in case["sinex"]],
                 antex=antex, systems=system_set, mode=mode, mask_deg=7.0, **options)
    return ds, time.perf_counter() - t0


def _truth(data: Path, case: dict) -> list[float]:
    if "truth_epoch" not in case:
        return list(ESBC_ITRF2014_XYZ)
    from lodestar.io.sinex import station_position

    files = case.get("truth_sinex", case["sinex"])
    return [float(v) for v in station_position([data / p for p in files], case["station"], case["truth_epoch"])]


def write_receiver_antex(source: Path, target: Path, name: str, radome: str) -> str:
    """A copy of ``source`` (ANTEX 1.4) holding its header and the one receiver block ``name`` ``radome``,
    verbatim: the receiver's calibration without the file's satellite blocks (found with Lodestar's index)."""
    from lodestar.io.antex import is_satellite_code, read_antex

    atx = read_antex(source)
    wanted = [e for e in atx.entries if (e.antenna_type, e.radome) == (name, radome) and not is_satellite_code(e.serial)]
    if len(wanted) != 1:
        raise SystemExit(f"{source}: {len(wanted)} blocks of {name} {radome}, expected one")
    content, entry = atx.content, wanted[0]
    header_end = content.find(b"\n", content.find(b"END OF HEADER")) + 1
    block_start = content.rfind(b"\n", 0, entry.start - 1) + 1  # the START OF ANTENNA line before TYPE / SERIAL NO
    block_end = content.find(b"\n", entry.end) + 1 or len(content)  # through the END OF ANTENNA line
    Path(target).write_bytes(content[:header_end] + content[block_start:block_end])
    return str(target)


def case_antex(data: Path, case: dict, tmp: Path | None = None) -> str | None:
    """The case's ANTEX file as every solver gets it: the file itself, or its receiver block alone."""
    if not case.get("antex"):
        return None
    source = data / case["antex"]
    if not case.get("receiver_only"):
        return str(source)
    folder = Path(tmp) if tmp is not None else Path(tempfile.mkdtemp(prefix="bench_ppp_antex_"))
    return write_receiver_antex(source, folder / "receiver.atx", *case["antenna"])


def _header_record(obs_path: str, label: str) -> str | None:
    """The first RINEX header line labelled ``label`` (columns 61-80), None when the header has none: a header
    read without reading the observations (the parent prepares inputs for every peer, cheaply)."""
    with open(obs_path) as handle:
        for line in handle:
            if line[60:].strip() == label:
                return line
            if "END OF HEADER" in line[60:]:
                return None
    return None


def _delta_h_m(obs_path: str) -> float:
    """ANTENNA: DELTA H/E/N's height (m), 0 without the record."""
    line = _header_record(obs_path, "ANTENNA: DELTA H/E/N")
    return float(line.split()[0]) if line else 0.0


def _antex_up_offsets_m(path: Path, name: str, radome: str) -> tuple[float, float]:
    """L1 and L2 (G01, G02) up offsets (m) of one antenna in an ANTEX file (ANTEX 1.4, NORTH/EAST/UP mm)."""
    lines = Path(path).read_text().splitlines()
    start = next(i for i, t in enumerate(lines) if "TYPE / SERIAL NO" in t and t[:16].strip() == name
                 and t[16:20].strip() == radome)
    up, freq = {}, None
    for text in lines[start:]:
        if "START OF FREQUENCY" in text:
            freq = text[3:6]
        elif "NORTH / EAST / UP" in text and freq in ("G01", "G02"):
            up[freq] = float(text[20:30]) / 1000.0
        elif "END OF ANTENNA" in text:
            break
    return up["G01"], up["G02"]


def prepare_inputs(data: Path, tmp: Path, case: dict) -> dict:
    """Decompress the case's files into ``tmp`` (shared by every peer) and split its SP3 files."""
    split_dir = tmp / "sp3_split"
    split_dir.mkdir(exist_ok=True)
    sp3_plain = [_decompress(data / rel, tmp / Path(rel).name.replace(".gz", "")) for rel in case["sp3"]]
    bds_plain = [_decompress(data / rel, tmp / Path(rel).name.replace(".gz", "")) for rel in case["sp3_bds"]]
    inputs = {
        "obs": _decompress(data / case["obs"], tmp / "obs.rnx"),
        "nav": _decompress(data / case["nav"], tmp / "nav.rnx"),
        "sp3": sp3_plain, "sp3_bds": bds_plain,
        "clk": [_decompress(data / rel, tmp / Path(rel).name.replace(".gz", "")) for rel in case["clk"]],
        "sp3_split": [f for p in sp3_plain for f in split_sp3(Path(p), split_dir, "GRE")]
        + [f for p in bds_plain for f in split_sp3(Path(p), split_dir, "C")],
        "sinex": [str(data / rel) for rel in case["sinex"]],
        "truth": _truth(data, case),
    }
    if case.get("antex"):  # a real ANTEX entry (with PCV) for every solver
        inputs["antex"] = inputs["antex_lodestar"] = case_antex(data, case, tmp)
        inputs["antenna_up_m"] = _antex_up_offsets_m(data / case["antex"], *case["antenna"])
    else:  # offsets only in SINEX: Lodestar reads the SINEX, the peers a one-antenna ANTEX from it
        inputs["antex"] = write_antex(tmp / "receiver.atx", case["antenna"])
        inputs["antex_lodestar"] = None
        inputs["antenna_up_m"] = (case["antenna"][2][0], case["antenna"][3][0])
    inputs["delta_h_m"] = case["delta_h_m"] if case["delta_h_m"] is not None else _delta_h_m(inputs["obs"])
    # the satellites' antennas as Lodestar reads them, for RTKLIB and cssrlib: written here, outside the
    # peers' measured time, from a streaming scan (a full read here would raise every child's peak RSS:
    # a forked child counts its parent's pages until it execs)
    inputs["sat_antex"], inputs["sat_antex_unknown"] = write_satellite_antex(
        tmp / "satellites.atx", inputs, _observed_satellites(inputs["obs"]),
        _first_obs_time(inputs["obs"]) + np.timedelta64(30, "m"))
    return inputs


def _observed_satellites(obs_path: str) -> list[str]:
    """Satellites with records in a RINEX 3 observation file (record lines start with the satellite id)."""
    found, body = set(), False
    with open(obs_path) as handle:
        for line in handle:
            if body:
                if line[:1] in ANTEX_PAIRS and line[1:3].isdigit():
                    found.add(line[:3])
            elif "END OF HEADER" in line:
                body = True
    return sorted(found)


# ----------------------------------------------------------------------------- workers (children)
def _rtklib_worker(inputs: dict, system_set: str, mode: str, out: Path) -> dict:
    import pyrtklib as rtk

    navsys = sum(NAVSYS[s] for s in system_set.split("+"))
    conf = out.with_suffix(".conf")  # the committed config + this run's system set and antenna files
    extra = f"pos1-navsys        ={navsys}\nfile-rcvantfile    ={inputs['antex']}\n"
    if RTKLIB_SATELLITE_ANTEX:  # the satellites' antennas as Lodestar has them (before 2026-12-07: none, zeros)
        extra += f"file-satantfile    ={inputs['sat_antex']}\n"
    conf.write_text((HERE / "rtklib" / f"ppp-{mode}.conf").read_text() + extra)
    rtk.resetsysopts()
    if not rtk.loadopts(str(conf), rtk.sysopts[0]):
        raise SystemExit(f"RTKLIB could not read {conf}")
    popt, sopt, fopt = rtk.prcopt_t(), rtk.solopt_t(), rtk.filopt_t()
    rtk.getsysopts(popt, sopt, fopt)
    files = [inputs["obs"], inputs["nav"]] + inputs["sp3_split"] + inputs["clk"]
    pos = out.with_suffix(".pos")
    start, end = rtk.gtime_t(), rtk.gtime_t()  # zero: the whole file
    if inputs.get("hours"):
        start = rtk.gpst2time(*_gps_week_seconds(inputs["obs"]))
        end = rtk.timeadd(start, inputs["hours"] * 3600.0 - 1.0)
    if inputs.get("window"):  # epochs [first, stop) of the file, as the other peers get them (ppp_hours.py)
        first, stop = inputs["window"]
        week, seconds = _gps_week_seconds(inputs["obs"])
        interval = _obs_interval_s(inputs["obs"])
        start = rtk.gpst2time(week, seconds + first * interval)
        end = rtk.timeadd(start, (stop - first - 1) * interval)
    status = rtk.postpos(start, end, 0.0, 0.0, popt, sopt, fopt, files, len(files),
                         rtk.Arr1Dchar(str(pos)), "", "")
    rows = [line.split() for line in pos.read_text().splitlines() if line and not line.startswith("%")] \
        if pos.exists() else []
    rows = [r for r in rows if r[5] == "6"]  # Q = 6: PPP solution
    t = np.array([float(r[0]) * 604800.0 + float(r[1]) for r in rows])
    xyz = np.array([[float(v) for v in r[2:5]] for r in rows]).reshape(-1, 3)
    np.savez(out, time_gps_s=t, xyz_m=xyz, sigma_enu_m=_rtklib_sigma_enu_m(rows, xyz))
    return {"status": int(status), "epochs": len(rows),
            "note": "" if rows else "no PPP solution (Q=6) written"}


def _rtklib_sigma_enu_m(rows, xyz) -> np.ndarray:
    """(N, 3) east/north/up 1-sigma from RTKLIB's xyz solution rows (RTKLIB 2.4.3 manual, app. B: sdx sdy sdz
    then sdxy sdyz sdzx, each off-diagonal written as sign(cov) sqrt(|cov|))."""
    from lodestar.frames import ecef_to_geodetic, enu_matrix

    if not rows:
        return np.zeros((0, 3))
    sd = np.array([[float(v) for v in r[7:13]] for r in rows])
    off = np.sign(sd[:, 3:]) * sd[:, 3:] ** 2
    cov = np.zeros((len(rows), 3, 3))
    cov[:, 0, 0], cov[:, 1, 1], cov[:, 2, 2] = sd[:, 0] ** 2, sd[:, 1] ** 2, sd[:, 2] ** 2
    cov[:, 0, 1] = cov[:, 1, 0] = off[:, 0]
    cov[:, 1, 2] = cov[:, 2, 1] = off[:, 1]
    cov[:, 2, 0] = cov[:, 0, 2] = off[:, 2]
    lat, lon, _ = ecef_to_geodetic(np.mean(xyz, axis=0))
    rot = enu_matrix(lat, lon)
    variance = np.einsum("ij,njk,lk->nil", rot, cov, rot)[:, [0, 1, 2], [0, 1, 2]]
    return np.sqrt(np.maximum(variance, 0.0))  # the file's rounding can leave -1e-12 where a variance is 0


def _obs_interval_s(obs_path: str) -> float:
    """The observation header's INTERVAL (RINEX 3), 30 s when the header has none."""
    line = _header_record(obs_path, "INTERVAL")
    return float(line[:10]) if line else 30.0


def _first_obs_time(obs_path: str) -> np.datetime64:
    """The observation file's TIME OF FIRST OBS (RINEX 3 header, GPS time), to the nanosecond."""
    line = _header_record(obs_path, "TIME OF FIRST OBS")
    if line is None:
        raise SystemExit(f"{obs_path}: no TIME OF FIRST OBS")
    fields = line.split()
    minute = np.datetime64(f"{int(fields[0]):04d}-{int(fields[1]):02d}-{int(fields[2]):02d}T"
                           f"{int(fields[3]):02d}:{int(fields[4]):02d}:00", "ns")
    return minute + np.timedelta64(int(round(float(fields[5]) * 1e9)), "ns")


def _gps_week_seconds(obs_path: str) -> tuple[int, float]:
    """GPS week and seconds of the observation file's first epoch."""
    seconds = (_first_obs_time(obs_path) - GPS_EPOCH) / np.timedelta64(1, "s")
    return int(seconds // 604800), float(seconds % 604800)


def _day_sp3_files(inputs: dict, letters: str) -> list[str]:
    """The split SP3 files of the set's systems that reach into the observation day (not the day before)."""
    first = _first_obs_time(inputs["obs"])
    return [p for p in inputs["sp3_split"] if Path(p).name.split("_")[-1][0] in letters and _last_sp3_epoch(p) > first]


def _lodestar_engine():
    try:
        from lodestar import ppp
    except ImportError:
        from lodestar.positioning.ppp import ppp
    return ppp


def _lodestar_worker(inputs: dict, system_set: str, mode: str, out: Path) -> dict:
    ppp = _lodestar_engine()
    sp3 = inputs["sp3"] + inputs["sp3_bds"]  # GRG (G/R/E) and IAC (BeiDou); the engine routes per system
    obs = inputs["obs"]
    if inputs.get("hours") or inputs.get("exclude") or inputs.get("window"):  # a part only / some satellites out
        from lodestar.io.rinex_obs import read_obs

        obs = read_obs(obs, systems=tuple(system_set.replace("+", "")))
        if inputs.get("hours"):  # as the other peers get with --hours
            obs = obs.isel(time=slice(0, int(inputs["hours"] * 120)))
        if inputs.get("window"):  # epochs [first, stop) as the other peers get them (_if_observations)
            obs = obs.isel(time=slice(*inputs["window"]))
        if inputs.get("exclude"):  # as the other peers get them (_if_observations)
            obs = obs.sel(sv=[sv for sv in obs["sv"].values if str(sv) not in inputs["exclude"]])
    ds = ppp(obs, sp3=sp3, clk=inputs["clk"], nav=inputs["nav"], systems=system_set, mode=mode,
             mask_deg=7.0, sinex=inputs["sinex"], antex=inputs.get("antex_lodestar"))  # same antenna source as the peers
    times = np.asarray(ds["time"].values, "datetime64[ns]")
    xyz = np.stack([ds[k].values for k in ("x_m", "y_m", "z_m")], axis=-1)
    # solved = the filter updated the position at that epoch; an `insufficient` epoch only carries the
    # prediction (a static start with too few satellites is the initial code fix) and is not scored
    solved = np.isin(ds["status"].values, ("converged", "converging"))
    xyz[~solved] = np.nan
    sigma = np.stack([ds[k].values for k in ("sde_m", "sdn_m", "sdu_m")], axis=-1)  # its own 1-sigma per epoch
    sigma[~solved] = np.nan
    np.savez(out, time_gps_s=(times - GPS_EPOCH) / np.timedelta64(1, "s"), xyz_m=xyz, sigma_enu_m=sigma)
    return {"epochs": int(solved.sum())}


def _if_observations(inputs: dict, system_set: str):
    """Ionosphere-free code and phase (m), arcs and signals, from Lodestar's reader and screening.

    sidereon and cssrlib's callers take combined observations or raw ones; to give them the same
    signals and the same arcs (cycle slips, gaps, receiver clock jumps) as Lodestar, both come
    from ``lodestar.positioning.ppp`` (observables.select_dual_frequency, quality.screen).
    """
    from lodestar.io.rinex_obs import read_obs
    from lodestar.positioning.ppp.api import _channels
    from lodestar.positioning.ppp.corrections import BDS_GEO
    from lodestar.positioning.ppp.observables import if_coefficients, select_dual_frequency
    from lodestar.positioning.ppp.quality import screen

    letters = system_set.replace("+", "")
    obs = read_obs(inputs["obs"], systems=tuple(letters))
    if inputs.get("window"):  # epochs [first, stop), cut before screening as Lodestar's own run is
        obs = obs.isel(time=slice(*inputs["window"]))
    svs = np.array([sv for sv in obs["sv"].values.astype(str) if sv[0] in letters and sv not in BDS_GEO])
    dual = select_dual_frequency(obs, svs, _channels(obs, inputs["nav"]) if "R" in letters else {})
    times = np.asarray(obs["time"].values, "datetime64[ns]")
    a1, a2 = if_coefficients(dual.f1_hz, dual.f2_hz)
    arcs = screen(dual, times)
    p_if = a1 * dual.p1_m - a2 * dual.p2_m
    l_if = a1 * dual.l1_m - a2 * dual.l2_m + arcs.clock_jump_m[:, None]
    ok = np.isfinite(p_if) & np.isfinite(l_if) & (arcs.arc >= 0)
    ok &= ~np.isin(dual.sv.astype(str), list(inputs.get("exclude") or []))[None, :]  # leave-one-out runs
    return obs, dual, times, p_if, l_if, np.where(ok, arcs.arc, -1)


def _receiver_if_offset_up_m(inputs: dict, system_set: str) -> float:
    """Antenna height + the receiver's ionosphere-free up offset, mean over the set's systems.

    Without PCV a receiver offset is a constant vector; a position estimated from IF phase is
    that of the IF phase centre, so subtracting this vertical offset afterwards is exact per
    system (RINEX 3 ANTENNA: DELTA H/E/N; SINEX or ANTEX L1/L2 up offsets; no PCV applied).
    """
    from lodestar.positioning.ppp.observables import if_coefficients

    l1_up, l2_up = inputs["antenna_up_m"]
    ups = [a1 * l1_up - a2 * l2_up for a1, a2 in (if_coefficients(*IF_PAIRS_HZ[s]) for s in system_set.replace("+", ""))]
    return inputs["delta_h_m"] + float(np.mean(ups))


#: ``BENCH_SIDEREON_MODEL=none`` gives sidereon the configuration used until 2026-12-07 (no tides, no wind-up,
#: no antenna patterns, its SP3 clocks): the figures of docs/ppp-benchmark.md's "Earlier results".
SIDEREON_FULL_MODEL = os.environ.get("BENCH_SIDEREON_MODEL", "full") != "none"
#: ``BENCH_CSSRLIB_SATELLITE_ANTEX=none``: cssrlib without satellite antenna offsets (every lookup answered
#: "no offset"), the configuration of its figures before 2026-12-07.
CSSRLIB_SATELLITE_ANTEX = os.environ.get("BENCH_CSSRLIB_SATELLITE_ANTEX", "lodestar") != "none"
#: ``BENCH_RTKLIB_SATELLITE_ANTEX=none``: RTKLIB without a satellite antenna file (its offsets zero), as until
#: 2026-12-07.
RTKLIB_SATELLITE_ANTEX = os.environ.get("BENCH_RTKLIB_SATELLITE_ANTEX", "lodestar") != "none"
#: ``BENCH_CSSRLIB_PRODUCTS=split``: cssrlib reads the per-system SP3 files one after the other and the CLK
#: alone (no BeiDou clock), as until 2026-12-07.
CSSRLIB_PRODUCTS_FIX = os.environ.get("BENCH_CSSRLIB_PRODUCTS", "merged") != "split"
#: ``BENCH_CSSRLIB_MODES=old``: cssrlib's "static" as run until 2026-12-07 (its pmode 0 with the default
#: position process noise of 100 m/sqrt(s), i.e. a kinematic solution) and "kinematic" as pmode 1.
CSSRLIB_STATIC_FIX = os.environ.get("BENCH_CSSRLIB_MODES", "fixed") != "old"


def _sidereon_worker(inputs: dict, system_set: str, mode: str, out: Path) -> dict:
    import sidereon as sd

    obs, dual, times, p_if, l_if, arc = _if_observations(inputs, system_set)
    # sidereon's merge_sp3 is a consensus merge of products of the same span (not a concatenation
    # of days), and merging the GRG and IAC files lost the BeiDou clocks: give it one SP3-d file
    # holding the set's systems for the observation day (GRG G/R/E + IAC C, same 15-min epochs).
    sp3 = sd.load_sp3(combine_sp3(_day_sp3_files(inputs, system_set.replace("+", "")), out.with_suffix(".sp3")))
    notes = []
    if SIDEREON_FULL_MODEL:  # the same satellites as Lodestar: none without a known antenna offset
        pc, pco, sat = _sidereon_antennas(inputs, dual, times)
        unknown = [str(sv) for sv, row in zip(dual.sv, pco) if not np.all(np.isfinite(row))]
        if unknown:
            arc[:, np.isin(dual.sv.astype(str), unknown)] = -1
            notes.append(f"no satellite antenna offset: {' '.join(unknown)}")
    # GLONASS FDMA channel from the L1 carrier: f1 = 1602 MHz + k * 562.5 kHz (GLONASS ICD 5.1, 3.3.1.4)
    channel = [int(round((f1 - 1602.0e6) / 562.5e3)) if str(sv)[0] == "R" and np.isfinite(f1) else None
               for sv, f1 in zip(dual.sv, dual.f1_hz)]
    last = len(times) if not inputs.get("hours") else int(inputs["hours"] * 120)
    epochs = []
    for t, epoch_time in enumerate(times[:last]):
        keep = np.flatnonzero(arc[t] >= 0)
        if keep.size == 0:
            continue
        dt = epoch_time.astype("datetime64[us]").item()
        second = dt.second + dt.microsecond * 1e-6
        j2000 = sd.j2000_seconds(dt.year, dt.month, dt.day, dt.hour, dt.minute, second)
        jd = 2451545.0 + j2000 / 86400.0
        whole = np.floor(jd - 0.5) + 0.5
        rows = [sd.PppObservation(str(dual.sv[s]), f"{dual.sv[s]}#{arc[t, s]}", float(p_if[t, s]), float(l_if[t, s]),
                                  float(dual.f1_hz[s]), float(dual.f2_hz[s]), glonass_channel=channel[s])
                for s in keep]
        epochs.append((sd.PppCivilDateTime(dt.year, dt.month, dt.day, dt.hour, dt.minute, second),
                       float(whole), float(jd - whole), float(j2000), rows))
    approx = np.asarray(obs.attrs["approx_position_m"], float)
    if SIDEREON_FULL_MODEL:
        tables = _sidereon_model_tables(sd, sp3, epochs, approx, pco, sat, dual, system_set)
        receiver = _sidereon_receiver_pcv(sd, pc, obs, system_set)
        clocks, clock_note = _sidereon_clock_series(sd, inputs, system_set)
        notes.insert(0, clock_note)

        def config_for(index_of):  # the tables re-keyed to the epochs of one attempt
            lookup = sd.PppCorrectionLookup(
                tide={index_of[k]: v for k, v in tables["tide"].items() if k in index_of},
                windup_m={(sv, index_of[k]): v for (sv, k), v in tables["windup_m"].items() if k in index_of},
                sat_pco_ecef={(sv, index_of[k]): v for (sv, k), v in tables["sat_pco_ecef"].items() if k in index_of},
                sat_pcv_m={(sv, index_of[k]): v for (sv, k), v in tables["sat_pcv_m"].items() if k in index_of},
                tide_enabled=True, windup_enabled=True, satellite_antenna_enabled=True)
            return _sidereon_config(sd, sd.PppRangeCorrections(receiver_antenna=receiver, sat_clock_relativity=True,
                                                               satellite_clock=clocks, ppp=lookup))
    else:
        notes.insert(0, "SP3 clocks; no tides, wind-up or antenna patterns")

        def config_for(index_of):
            return _sidereon_config(sd, sd.PppRangeCorrections(sat_clock_relativity=True))
    options = sd.PppAutoInitOptions(initial_guess_position_m=list(approx))
    solution, dropped = _sidereon_solve(sd, sp3, epochs, config_for, options)
    xyz = np.asarray(solution.position, dtype=float)
    from lodestar.frames import ecef_to_geodetic, enu_matrix

    lat, lon, _ = ecef_to_geodetic(xyz)
    xyz = xyz - enu_matrix(lat, lon)[..., 2, :].reshape(3) * _receiver_if_offset_up_m(inputs, system_set)
    t_last = (times[last - 1] - GPS_EPOCH) / np.timedelta64(1, "s")
    # its own 1-sigma: the most conservative of the position covariances it reports (east/north/up), the
    # formal one scaled by the posterior variance factor and by its residuals' temporal-correlation inflation
    sigma = np.sqrt(np.diag(np.asarray(solution.temporal_position_covariance_enu_m2, dtype=float)))
    np.savez(out, time_gps_s=np.array([t_last]), xyz_m=xyz.reshape(1, 3), sigma_enu_m=sigma.reshape(1, 3))
    if dropped:
        notes.append(f"dropped for missing clocks: {' '.join(dropped)}")
    return {"epochs": len(epochs), "note": f"one batch solution ({solution.status.label}, {'; '.join(notes)})"}


def _sidereon_config(sd, corrections):
    return sd.PppFloatConfig(tropo=sd.PppTroposphereOptions(enabled=True, estimate_ztd=True),
                             elevation_cutoff_deg=7.0, corrections=corrections)


def _sidereon_antennas(inputs: dict, dual, times):
    """Lodestar's phase centres for this case (the same ANTEX/SINEX files its own run reads): the
    sources, each satellite's IF body-frame offset (NaN unknown) and its antenna object; the satellites
    without an offset are left out, as Lodestar leaves them out (never a silent zero)."""
    from lodestar.positioning.ppp.antennas import phase_centres, satellite_offsets

    pc = phase_centres(inputs.get("antex_lodestar"), inputs["sinex"])
    pco, sat, _ = satellite_offsets(pc, dual.sv, times[times.size // 2])
    return pc, pco, sat


def _sidereon_model_tables(sd, sp3, epochs, approx, pco, sat, dual, system_set) -> dict:
    """Solid Earth tide, phase wind-up and satellite antenna (IF PCO in the body frame + IF nadir PCV)
    from sidereon's own ``ppp_corrections``, keyed by the index of the raw epoch.

    Its satellite-antenna input is per frequency; Lodestar's sources give each satellite's IF offset and
    IF pattern, so both "frequencies" carry the IF values (g * x - (g - 1) * x = x, any g). Its wind-up
    takes one frequency pair per call: one call per system with that system's clock pair."""
    from lodestar.positioning.ppp.antennas import satellite_pcv_if_m

    svs = dual.sv.astype(str)
    nadir_deg = np.arange(0.0, 18.0, 1.0)  # GNSS nadir angles stay below ~14.5 deg from the ground
    pcv = satellite_pcv_if_m(sat, svs, np.radians(np.repeat(nadir_deg[:, None], len(svs), axis=1)),
                             dual.f1_hz, dual.f2_hz)
    tables = {"tide": {}, "windup_m": {}, "sat_pco_ecef": {}, "sat_pcv_m": {}}
    for letter in system_set.replace("+", ""):
        f1, f2 = IF_PAIRS_HZ[letter]
        antennas = [sd.SatelliteAntenna(sv, [sd.SatelliteAntennaFrequency(label, np.asarray(pco[j], float),
                                                                          list(zip(nadir_deg, pcv[:, j])))
                                             for label in ("IF1", "IF2")])
                    for j, sv in enumerate(svs) if sv[0] == letter and np.all(np.isfinite(pco[j]))]
        rows = [sd.PppCorrectionEpoch(c.year, c.month, c.day, c.hour, c.minute, c.second, j2000,
                                      [sd.PppCorrectionObservation(r.satellite_id, f1, f2)
                                       for r in obs_rows if r.satellite_id[0] == letter])
                for c, _, _, j2000, obs_rows in epochs]
        got = sd.ppp_corrections(sp3, rows, approx, solid_earth_tide=True, phase_windup=True,
                                 satellite_antenna=sd.SatelliteAntennaOptions("IF1", f1, "IF2", f2, antennas))
        tables["tide"].update(dict(got.tide))
        for name in ("windup_m", "sat_pco_ecef", "sat_pcv_m"):
            tables[name].update({(sv, k): v for sv, k, v in getattr(got, name)})
    return tables


def _sidereon_receiver_pcv(sd, pc, obs, system_set):
    """The receiver antenna's IF phase-centre pattern (mean over the set's systems, 5 deg grid) with a zero
    offset (the IF offset is removed from the position afterwards, as for every peer). sidereon takes one
    frequency pair for all satellites: both carry the IF pattern."""
    from lodestar.positioning.ppp.antennas import BANDS
    from lodestar.positioning.ppp.observables import if_coefficients

    rcv = pc.receiver(str(obs.attrs.get("antenna", "") or ""))
    if rcv is None or rcv.pattern is None:
        return None
    zenith, azimuth = np.meshgrid(np.arange(0.0, 91.0, 5.0), np.arange(0.0, 361.0, 5.0), indexing="ij")
    z, a = np.radians(zenith.ravel()), np.radians(azimuth.ravel())
    values = []
    for letter in system_set.replace("+", ""):
        (a1, a2), (b1, b2) = if_coefficients(*IF_PAIRS_HZ[letter]), BANDS[letter]
        values.append(a1 * np.nan_to_num(rcv.pcv_m(letter, b1, z, a)) - a2 * np.nan_to_num(rcv.pcv_m(letter, b2, z, a)))
    mean = np.mean(values, axis=0)
    samples = [sd.PppPcvSample(float(z), float(v), float(a)) for z, a, v in zip(zenith.ravel(), azimuth.ravel(), mean)]
    f1, f2 = IF_PAIRS_HZ["G"]
    return sd.PppReceiverAntennaOptions("IF1", f1, "IF2", f2, [sd.PppReceiverAntennaFrequency(label, [0.0, 0.0, 0.0], samples)
                                                               for label in ("IF1", "IF2")])


def _sidereon_clock_series(sd, inputs: dict, system_set: str):
    """The clocks Lodestar uses, as sidereon's fine clock series (GPS seconds since 1980-01-06, s): the
    CLK file's 30-s clocks for G/R/E, the BeiDou SP3's own samples for C (no CLK for BeiDou here).
    A BeiDou-only set keeps its SP3 clocks (the same values)."""
    from lodestar.io.clk import read_clk
    from lodestar.io.sp3 import read_sp3

    letters = system_set.replace("+", "")
    if letters == "C":
        return None, "the BeiDou SP3's clocks"
    series = {}

    def add(ds):
        seconds = (np.asarray(ds["time"].values, "datetime64[ns]") - GPS_EPOCH) / np.timedelta64(1, "s")
        for j, sv in enumerate(np.asarray(ds["sv"].values).astype(str)):
            if sv[0] in letters and (sv[0] != "C" or ds.attrs.get("format") == "SP3"):
                values = np.asarray(ds["clock_s"].values[:, j], float)
                ok = np.isfinite(values)
                if ok.sum() >= 2:
                    series.setdefault(sv, []).extend(zip(seconds[ok].tolist(), values[ok].tolist()))

    for path in inputs["clk"]:
        add(read_clk(path))
    if "C" in letters:
        for path in inputs["sp3_bds"]:
            add(read_sp3(path))
    series = {sv: sorted(dict(rows).items()) for sv, rows in series.items()}
    return sd.PppSatelliteClockCorrections(series), "CLK clocks" + (", the BeiDou SP3's clocks for C" if "C" in letters else "")


def _sidereon_solve(sd, sp3, raw_epochs, config_for, options, max_drops: int = 20):
    """sidereon refuses a whole solve when one satellite lacks a clock at one epoch ("missing PPP
    ephemeris for satellite C07: satellite clock is unavailable"): drop that satellite's
    observations and solve again (the adaptation is ours; the dropped satellites are reported).
    ``config_for({raw epoch index: index in this attempt})`` gives the attempt's configuration."""
    dropped: list[str] = []
    for _ in range(max_drops):
        epochs, index_of = [], {}
        for raw, (civil, whole, fraction, j2000, rows) in enumerate(raw_epochs):
            kept = [row for row in rows if row.satellite_id not in dropped]
            if kept:
                index_of[raw] = len(epochs)
                epochs.append(sd.PppEpoch(civil, whole, fraction, j2000, kept))
        try:
            return sd.solve_ppp_auto_init_float(sp3, epochs, config_for(index_of), options), dropped
        except sd.SolveError as exc:
            marker = "missing PPP ephemeris for satellite "
            if marker not in str(exc):
                raise
            dropped.append(str(exc).split(marker, 1)[1][:3])
    raise SystemExit(f"sidereon: more than {max_drops} satellites without clocks ({' '.join(dropped)})")


def _last_sp3_epoch(path: str) -> np.datetime64:
    """The last epoch of an SP3 file written by :func:`split_sp3` (its own time system)."""
    last = next(t for t in reversed(Path(path).read_text().splitlines()) if t.startswith("*"))
    y, mo, d, h, mi, sec = (float(v) for v in last[1:].split()[:6])
    return np.datetime64(f"{int(y):04d}-{int(mo):02d}-{int(d):02d}T{int(h):02d}:{int(mi):02d}:{int(sec):02d}", "ns")


def _cssrlib_products(inputs: dict, letters: str, out: Path) -> tuple[str, str]:
    """One SP3 file and one clock file for cssrlib, holding what Lodestar uses for the set.

    cssrlib interpolates an orbit over the entries of one time-sorted list, each expected to hold every
    satellite (``peph.pephpos``), so the set's single-system files of the observation day go into one
    padded SP3-d file (parsed one after the other, the second day's G after the first's E broke the
    order: no satellite at all for G+R+E+C). With a clock file loaded it takes every clock from it
    (``peph2pos``, ``nav.nc >= 2``), and reading a second one restarts its list without its counter
    (``rinex.decode_clk``), and it interpolates between neighbouring entries only (``pephclk``): so one
    file, the CLK's records with, for BeiDou (no CLK here), the BeiDou SP3's clocks interpolated linearly
    to every CLK epoch (RINEX CLOCK 3.00 ``AS`` records)."""
    from lodestar.io.sp3 import read_sp3

    # the observation day's files only: its window must hold a satellite at all its nodes, so a day
    # before without BeiDou (IAC's file is of the day) would leave BeiDou out for the first hour
    sp3 = combine_sp3(_day_sp3_files(inputs, letters), out.with_suffix(".cssrlib.sp3"), pad=True)
    lines = Path(inputs["clk"][0]).read_text().splitlines()
    extra: dict[str, list[str]] = {}
    if "C" in letters:  # linear between the SP3's samples, as Lodestar interpolates them, at the CLK's epochs
        keys = list(dict.fromkeys(text[8:34] for text in lines if text.startswith("AS ")))
        epochs = np.array([np.datetime64(f"{k[0:4]}-{int(k[4:7]):02d}-{int(k[7:10]):02d}T{int(k[10:13]):02d}:"
                                         f"{int(k[13:16]):02d}:{int(float(k[16:26])):02d}", "ns") for k in keys])
        for path in inputs["sp3_bds"]:
            ds = read_sp3(path)
            nodes = np.asarray(ds["time"].values, "datetime64[ns]")
            x = (nodes - nodes[0]) / np.timedelta64(1, "s")
            at = (epochs - nodes[0]) / np.timedelta64(1, "s")
            right = np.clip(np.searchsorted(x, at), 1, x.size - 1)
            inside = (at >= x[0]) & (at <= x[-1])
            for j, sv in enumerate(np.asarray(ds["sv"].values).astype(str)):
                if sv[0] != "C":
                    continue
                values = np.asarray(ds["clock_s"].values[:, j], float)
                finite = np.isfinite(values)
                ok = inside & finite[right - 1] & finite[right]  # NaN across a gap
                if not ok.any():
                    continue
                clock = np.interp(at, x[finite], values[finite])
                for key, value in zip(np.array(keys)[ok], clock[ok]):
                    extra.setdefault(key, []).append(f"AS {sv}  {key}  1   {value:19.12E}")
    merged, current = [], None
    for text in lines:
        key = text[8:34] if text.startswith("AS ") else None
        if current is not None and key != current:  # the epoch's AS block ended
            merged += extra.pop(current, [])
            current = None
        merged.append(text)
        if key is not None:
            current = key
    if current is not None:
        merged += extra.pop(current, [])
    clk = out.with_suffix(".cssrlib.clk")
    clk.write_text("\n".join(merged) + "\n")
    return sp3, str(clk)


CSSRLIB_SIGNALS = {  # code, phase, C/N0 per system: the pairs the GRG / IAC clocks refer to where tracked
    "G": ("GC1C", "GC2W", "GL1C", "GL2W", "GS1C", "GS2W"), "R": ("RC1C", "RC2C", "RL1C", "RL2C", "RS1C", "RS2C"),
    "E": ("EC1C", "EC5Q", "EL1C", "EL5Q", "ES1C", "ES5Q"), "C": ("CC2I", "CC6I", "CL2I", "CL6I", "CS2I", "CS6I")}


def _zero_when_missing(model):
    """cssrlib's ``antModelTx`` returns None for a satellite without an ANTEX entry, and ``zdres``
    then skips the satellite: with no satellite ANTEX every satellite was dropped. Zero instead."""

    def wrapped(nav, e, sigs, *args, **kwargs):
        value = model(nav, e, sigs, *args, **kwargs)
        return [0.0 for _ in sigs] if value is None else value

    return wrapped


class _NoBiases:
    """cssrlib's precise-product path (``nav.ephopt = 4``) asks a Bias-SINEX reader for every
    signal's OSB; there is no Bias-SINEX file for 2020-177 here, so every bias is zero."""

    def getosb(self, sat, time, signal):
        return 0.0


def _cssrlib_worker(inputs: dict, system_set: str, mode: str, out: Path) -> dict:
    """cssrlib 1.2.1 ``pppssr.pppos`` with IGS-format products (uncombined, slant ionosphere states).

    Adaptations (ours, at run time, nothing in the installed package is edited):
    - ``nav.ephopt = 4`` (precise SP3 + CLK) and a zero-bias stand-in for the Bias-SINEX reader;
    - the receiver antenna from the case's ANTEX; satellites: the IGS ANTEX is not available offline,
      so the satellites' antennas as Lodestar reads them from the case's files (SINEX / ANTEX / published
      values) are written to an ANTEX file for it (:func:`write_satellite_antex`); satellites without
      an offset are dropped by cssrlib, as by Lodestar. Until 2026-12-07 its satellite antenna table was
      left empty and every lookup answered "no offset" (``BENCH_CSSRLIB_SATELLITE_ANTEX=none``).
    """
    import cssrlib.gnss as gn
    import cssrlib.pppssr as pppssr
    from cssrlib.gnss import Nav, rSigRnx
    from cssrlib.peph import atxdec, peph, searchpcv
    from cssrlib.pppssr import pppos
    from cssrlib.rinex import rnxdec

    letters = system_set.replace("+", "")
    rnx = rnxdec()
    rnx.setSignals([rSigRnx(code) for letter in letters for code in CSSRLIB_SIGNALS[letter]])
    nav = Nav()
    # cssrlib's pmode 0 is a position without dynamics re-estimated every epoch (process noise sig_qp
    # 100 m/sqrt(s): kinematic as RTKLIB and Lodestar mean it); pmode 1 adds velocity states (and failed
    # with a singular matrix on every case here). Static: pmode 0 with no position process noise (below).
    nav.pmode = 0 if CSSRLIB_STATIC_FIX or mode == "static" else 1
    nav = rnx.decode_nav(inputs["nav"], nav)
    orb = peph()
    if CSSRLIB_PRODUCTS_FIX:
        sp3_path, clk_path = _cssrlib_products(inputs, letters, out)
        nav = orb.parse_sp3(sp3_path, nav)
        nav = rnx.decode_clk(clk_path, nav)
    else:
        for path in inputs["sp3_split"]:
            if Path(path).name.split("_")[-1][0] in letters:
                nav = orb.parse_sp3(path, nav)
        for path in inputs["clk"]:
            nav = rnx.decode_clk(path, nav)
    atx = atxdec()
    atx.readpcv(inputs["antex"])
    if rnx.decode_obsh(inputs["obs"]) < 0:
        raise SystemExit(f"cssrlib cannot read {inputs['obs']}")
    rnx.autoSubstituteSignals()
    notes = []
    if CSSRLIB_SATELLITE_ANTEX:  # the satellites' antennas as Lodestar has them; cssrlib drops the others
        atx.readpcv(inputs["sat_antex"])
        unknown = [sv for sv in inputs["sat_antex_unknown"] if sv[0] in letters]
        if unknown:
            notes.append(f"no satellite antenna offset: {' '.join(unknown)}")
    else:  # no satellite ANTEX: no offset, not no satellite
        pppssr.antModelTx = _zero_when_missing(pppssr.antModelTx)
        notes.append("no satellite antenna offsets")
    solver = pppos(nav, rnx.pos)
    if CSSRLIB_STATIC_FIX and mode == "static":  # a constant position: no process noise on it
        nav.sig_qp = 0.0
        nav.q[0:3] = 0.0
    elif not CSSRLIB_STATIC_FIX:
        notes.append("static run with its default position noise (100 m/sqrt(s))" if mode == "static" else "pmode 1")
    nav.ephopt = 4
    nav.elmin = np.deg2rad(7.0)
    nav.sat_ant = atx.pcvs
    nav.rcv_ant = searchpcv(atx.pcvr, rnx.ant, rnx.ts)
    last = None if not inputs.get("hours") else int(inputs["hours"] * 120)
    times, xyz = [], []
    obs = rnx.decode_obs()
    while obs.t.time != 0 and (last is None or len(times) < last):
        solver.process(obs, orb=orb, bsx=_NoBiases())
        good = nav.smode in (4, 5)
        times.append(gn.time2gpst(obs.t)[0] * 604800.0 + gn.time2gpst(obs.t)[1])
        xyz.append(nav.x[0:3].copy() if good else np.full(3, np.nan))
        obs = rnx.decode_obs()
    rnx.fobs.close()
    np.savez(out, time_gps_s=np.array(times), xyz_m=np.array(xyz).reshape(-1, 3))
    return {"epochs": int(np.isfinite(np.array(xyz)).all(axis=1).sum()) if xyz else 0, "note": "; ".join(notes)}


WORKERS = {"cssrlib": _cssrlib_worker, "rtklib": _rtklib_worker, "lodestar": _lodestar_worker, "sidereon": _sidereon_worker}


def _worker_main(args) -> int:
    inputs = json.loads(Path(args.inputs).read_text())
    meta = WORKERS[args.worker](inputs, args.set, args.mode, Path(args.out))
    Path(args.out).with_suffix(".json").write_text(json.dumps(meta))
    return 0


# ----------------------------------------------------------------------------- parent
def available_peers() -> dict[str, str | None]:
    """Peer name -> None if importable, else the reason it is missing."""
    import importlib.util

    modules = {"lodestar": "lodestar", "rtklib": "pyrtklib", "sidereon": "sidereon", "cssrlib": "cssrlib"}
    missing = {}
    for peer, module in modules.items():
        missing[peer] = None if importlib.util.find_spec(module) else f"{module} not installed (pip install -e .[bench])"
    if missing["lodestar"] is None:
        import lodestar

        if not hasattr(lodestar, "ppp") and importlib.util.find_spec("lodestar.positioning.ppp") is None:
            missing["lodestar"] = "lodestar.ppp not in this tree yet"
    return missing


def child_env() -> dict:
    """The environment of a timed child: this tree's ``src`` first on the path, and without
    PYTHONDONTWRITEBYTECODE (as bench_spp.py's ``_lodestar_env``): an installed package runs from
    compiled bytecode, so no timed run may recompile Lodestar's modules."""
    env = dict(os.environ, PYTHONPATH=str(HERE.parent / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_child(peer: str, inputs_path: Path, system_set: str, mode: str, out: Path) -> dict:
    """Run one peer in a child process: wall time (s), peak RSS (MB) and its own metadata."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", peer, "--inputs", str(inputs_path),
               "--set", system_set, "--mode", mode, "--out", str(out)]
    start = time.perf_counter()
    process = subprocess.Popen(command, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    meta = {"wall_s": time.perf_counter() - start, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024.0, "exit": status}
    meta_path = out.with_suffix(".json")
    if meta_path.exists():
        meta.update(json.loads(meta_path.read_text()))
    if status != 0:
        meta["note"] = "failed: " + stderr.decode(errors="replace").strip().splitlines()[-1][:200] \
            if stderr.strip() else f"failed with status {status}"
    return meta


def score(npz: Path, truth, mode: str) -> dict:
    """Error figures of one solution file against the truth (lodestar.analysis.ppp_convergence)."""
    from lodestar.analysis.ppp_convergence import enu_errors_m, solution_summary

    if not npz.exists():
        return {}
    solution = np.load(npz)
    if solution["xyz_m"].shape[0] == 0:
        return {}
    seconds = solution["time_gps_s"] - solution["time_gps_s"][0]
    enu = enu_errors_m(solution["xyz_m"], np.asarray(truth, dtype=float))
    summary = solution_summary(seconds, enu)
    if solution["xyz_m"].shape[0] == 1:  # one batch solution: no convergence to speak of
        summary.update(convergence_s=float("nan"), rms_3d_m=float("nan"), rms_enu_m=None)
    if "sigma_enu_m" in solution.files:  # the solver's own 1-sigma at the last solved epoch
        solved = np.flatnonzero(np.all(np.isfinite(solution["xyz_m"]), axis=1))
        summary["final_sigma_enu_m"] = solution["sigma_enu_m"][solved[-1]].tolist() if solved.size else None
    return summary


def run_benchmark(data: Path, sets, modes, peers, hours: float | None, stations=("ESBC",), repeat: int = 1) -> list[dict]:
    rows = []
    if "lodestar" in peers:  # an installed package runs from compiled bytecode (pip compiles it); a source
        # tree under PYTHONDONTWRITEBYTECODE (this machine) recompiled ~80 modules in every timed child,
        # 0.15-0.25 s of each Lodestar figure until 2026-12-07 (bench_spp.py had it right)
        compileall.compile_dir(str(HERE.parent / "src" / "lodestar"), quiet=1)
    for station in stations:
        with tempfile.TemporaryDirectory(prefix="bench_ppp_") as name:
            rows += _run_station(data, Path(name), CASES[station], sets, modes, peers, hours, repeat)
    return rows


def _fastest(runs) -> dict:
    """The run with the least CPU time of several (``--repeat``), its wall time the least of all.

    On a shared machine a run's wall time measures the others' load as much as the solver; the
    least of a few runs is the usual estimate of what the solver needs (the other figures of the
    runs are the same: same inputs, deterministic solvers)."""
    runs = list(runs)
    best = dict(min(runs, key=lambda r: r["cpu_s"]))
    best["wall_s"] = min(r["wall_s"] for r in runs)
    best["runs"] = len(runs)
    return best


def _run_station(data: Path, tmp: Path, case: dict, sets, modes, peers, hours, repeat=1) -> list[dict]:
    missing = available_peers()
    rows = []
    inputs = prepare_inputs(data, tmp, case)
    inputs["hours"] = hours
    inputs_path = tmp / "inputs.json"
    inputs_path.write_text(json.dumps(inputs))
    for system_set in sets:
        for mode in modes:
            outs = {}
            for peer in peers:
                row = {"station": case.get("label", case["station"]), "set": system_set, "mode": mode, "peer": peer}
                if missing.get(peer):
                    row["note"] = "missing: " + missing[peer]
                elif peer == "sidereon" and mode == "kinematic":
                    row["note"] = "no kinematic mode"
                else:
                    out = tmp / f"{peer}_{system_set.replace('+', '')}_{mode}.npz"
                    row.update(_fastest(run_child(peer, inputs_path, system_set, mode, out) for _ in range(repeat)))
                    row.update(score(out, inputs["truth"], mode))
                    outs[peer] = out
                rows.append(row)
            common = score_at_common_last_epoch(outs, inputs["truth"])
            for row in rows[-len(peers):]:
                row.update(common.get(row["peer"], {}))
                print(format_row(row), flush=True)
    return rows


def score_at_common_last_epoch(outs: dict, truth) -> dict:
    """{peer: {"common_last_epoch_s", "final_common_3d_m"}}: each solver's 3D error at the last epoch every
    solver of the row group solved (the same epoch for all; a peer whose run ends early, e.g. RTKLIB without
    the next day's SP3 at 22:45, otherwise has its \"final\" compared at another time of day)."""
    from lodestar.analysis.ppp_convergence import enu_errors_m

    solutions = {}
    for peer, npz in outs.items():
        if npz.exists():
            solution = np.load(npz)
            solved = np.all(np.isfinite(solution["xyz_m"]), axis=1)
            if solved.any():
                solutions[peer] = (np.round(solution["time_gps_s"][solved], 3), solution["xyz_m"][solved])
    if not solutions:
        return {}
    # a one-row (batch) solution is the day's estimate: it takes part at every epoch
    series = [set(t.tolist()) for t, _ in solutions.values() if t.size > 1]
    common = set.intersection(*series) if series else set()
    if not common:
        return {}
    last = max(common)
    out = {}
    for peer, (times, xyz) in solutions.items():
        k = int(np.flatnonzero(times == last)[0]) if times.size > 1 else 0
        error = enu_errors_m(xyz[k:k + 1], np.asarray(truth, dtype=float))[0]
        out[peer] = {"common_last_epoch_s": float(last), "final_common_3d_m": float(np.linalg.norm(error))}
    return out


def format_row(row: dict) -> str:
    def f(key, scale=1.0, fmt="{:.3f}"):
        value = row.get(key)
        return "-" if value is None or not np.isfinite(value) else fmt.format(value * scale)

    enu = row.get("final_error_enu_m")
    enu_text = "-" if enu is None else "/".join(f"{v:+.3f}" for v in enu)
    return (f"| {row['station']} | {row['set']} | {row['mode']} | {row['peer']} | {row.get('epochs', '-')} | "
            f"{enu_text} | {f('final_error_3d_m')} | {f('final_common_3d_m')} | {f('rms_3d_m')} | "
            f"{f('convergence_s', 1 / 60, '{:.1f}')} | "
            f"{f('wall_s', 1, '{:.1f}')} | {f('cpu_s', 1, '{:.1f}')} | {f('peak_rss_mb', 1, '{:.0f}')} | "
            f"{row.get('note', '')} |")


TABLE_HEAD = ["| station | set | mode | solver | epochs solved | final error E/N/U (m) | final 3D (m) | "
              "3D at the common last epoch (m) | 3D RMS after conv. (m) | convergence (min) | wall (s) | CPU (s) | "
              "peak RSS (MB) | note |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]


def print_speed_target(rows) -> None:
    """Issue 13's speed target: Lodestar R+C static, a day end to end, against RTKLIB's GPS PPP of
    the same day (run ``--sets G R+C --modes static --peers lodestar rtklib``): ratio <= 1."""
    def wall(set_name, peer, key="wall_s"):
        found = [r.get(key) for r in rows if r["set"] == set_name and r["mode"] == "static"
                 and r["peer"] == peer and r.get(key)]
        return found[0] if found else None

    ours, theirs = wall("R+C", "lodestar"), wall("G", "rtklib")
    if ours and theirs:
        print(f"\nspeed: Lodestar R+C static {ours:.1f} s vs RTKLIB 2.4.3 G static {theirs:.1f} s "
              f"(wall, end to end, child processes): ratio {ours / theirs:.2f} (target <= 1)")
        ours, theirs = wall("R+C", "lodestar", "cpu_s"), wall("G", "rtklib", "cpu_s")
        print(f"       CPU time (user + system, less sensitive to other load): {ours:.1f} s vs {theirs:.1f} s: "
              f"ratio {ours / theirs:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="sample-data folder")
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--peers", nargs="+", default=["lodestar", "rtklib", "sidereon", "cssrlib"])
    parser.add_argument("--hours", type=float, default=None, help="process only the first H hours")
    parser.add_argument("--stations", nargs="+", default=["ESBC"], choices=sorted(CASES),
                        help="ESBC (full day, default), WTZR, WTZZ (1 h each; -GBM: GBM's 5-min BeiDou products)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run every solver N times, report the fastest (timings on a shared machine)")
    parser.add_argument("--readme", action="store_true", help="print the table as markdown for the README")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--inputs", help=argparse.SUPPRESS)
    parser.add_argument("--set", help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return _worker_main(args)
    sys.path.insert(0, str(HERE.parent / "src"))
    from lodestar.data import data_dir

    missing = available_peers()
    for peer in args.peers:
        if missing.get(peer):
            print(f"{peer}: {missing[peer]}")
    print("\n".join(TABLE_HEAD))
    rows = run_benchmark(data_dir(args.data), args.sets, args.modes, args.peers, args.hours, tuple(args.stations),
                         max(1, args.repeat))
    print_speed_target(rows)
    if args.readme:
        print("\nREADME table (2020-177; truth ESBC ITRF2014, WTZR/WTZZ SINEX; figures measured under load):\n")
        print("\n".join(TABLE_HEAD + [format_row(r) for r in rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
