"""Field layouts of RINEX navigation records, one table per system and message.

Each layout lists, line by line, the names of the numbers a record holds (``None`` = spare).
Line 0 is the SV / epoch line (3 numbers after the epoch); the next lines are the "broadcast
orbit" lines of 4 numbers each. Sources: RINEX 2.11 Tables A4/A11/A16, RINEX 3.05 Tables
A6 (GPS), A8 (Galileo), A10 (GLONASS), A12 (QZSS), A14 (BDS), A16 (SBAS), A18 (NavIC), and
RINEX 4.00 Tables A32ff (the same layouts for LNAV, INAV/FNAV, D1/D2, FDMA, SBAS).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Layout", "layout_for", "KM_FIELDS", "REQUIRED_FIELDS", "GEO_BEIDOU", "DEFAULT_MESSAGE"]

# Orbit lines shared by every Keplerian message (GPS/QZSS LNAV, Galileo, BDS D1/D2, NavIC).
_KEPLER_CORE = (
    ("af0_s", "af1_sps", "af2_sps2"),
    ("iode", "crs_m", "delta_n_radps", "m0_rad"),
    ("cuc_rad", "e", "cus_rad", "sqrt_a_sqrtm"),
    ("toe_sow", "cic_rad", "omega0_rad", "cis_rad"),
    ("i0_rad", "crc_m", "omega_rad", "omega_dot_radps"),
)


@dataclass(frozen=True)
class Layout:
    """Where each named field of one (system, message) record is written."""

    lines: tuple[tuple[str | None, ...], ...]
    min_lines: int  # fewer lines than this is a truncated record
    keplerian: bool

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for line in self.lines for name in line if name is not None)


_GPS = Layout(
    _KEPLER_CORE
    + (
        ("idot_radps", "codes_l2", "week", "l2p_flag"),
        ("sv_accuracy_m", "health", "tgd_s", "iodc"),
        ("transmit_sow", "fit_interval_h"),
    ),
    min_lines=7,
    keplerian=True,
)
_GALILEO = Layout(
    _KEPLER_CORE
    + (
        ("idot_radps", "data_sources", "week", None),
        ("sv_accuracy_m", "health", "bgd_e5a_e1_s", "bgd_e5b_e1_s"),
        ("transmit_sow", None),
    ),
    min_lines=7,
    keplerian=True,
)
_BEIDOU = Layout(
    _KEPLER_CORE
    + (
        ("idot_radps", None, "week", None),
        ("sv_accuracy_m", "health", "tgd1_s", "tgd2_s"),
        ("transmit_sow", "aodc"),
    ),
    min_lines=7,
    keplerian=True,
)
_NAVIC = Layout(
    _KEPLER_CORE
    + (
        ("idot_radps", None, "week", None),
        ("sv_accuracy_m", "health", "tgd_s", None),
        ("transmit_sow", None),
    ),
    min_lines=7,
    keplerian=True,
)
# BeiDou-3 civil messages, RINEX 4.00 Tables A35-A37: no week (toe is taken in the BDT week
# of toc), A-dot and delta-n-dot, SISA/SISMA indices, inter-signal corrections.
_BDS_CNAV_CORE = (
    ("af0_s", "af1_sps", "af2_sps2"),
    ("adot_mps", "crs_m", "delta_n_radps", "m0_rad"),
) + _KEPLER_CORE[2:] + (
    ("idot_radps", "delta_n_dot_radps2", "sat_type", "top_sow"),
    ("sisai_oe", "sisai_ocb", "sisai_oc1", "sisai_oc2"),
)
_BDS_CNAV1 = Layout(
    _BDS_CNAV_CORE
    + (
        ("isc_b1cd_s", None, "tgd_b1cp_s", "tgd_b2ap_s"),
        ("sismai", "health", "integrity_flags", "iodc"),
        ("transmit_sow", None, None, "iode"),
    ),
    min_lines=10,
    keplerian=True,
)
_BDS_CNAV2 = Layout(
    _BDS_CNAV_CORE
    + (
        (None, "isc_b2ad_s", "tgd_b1cp_s", "tgd_b2ap_s"),
        ("sismai", "health", "integrity_flags", "iodc"),
        ("transmit_sow", None, None, "iode"),
    ),
    min_lines=10,
    keplerian=True,
)
_BDS_CNAV3 = Layout(
    _BDS_CNAV_CORE
    + (
        ("sismai", "health", "integrity_flags", "tgd_b2bi_s"),
        ("transmit_sow", None, None, None),
    ),
    min_lines=9,
    keplerian=True,
)
# GLONASS: RINEX 3.05 and 4.00 add a fourth orbit line; older files stop after three.
_GLONASS = Layout(
    (
        ("tau_n_s", "gamma_n", "frame_time_s"),
        ("x_m", "vx_mps", "ax_mps2", "health"),
        ("y_m", "vy_mps", "ay_mps2", "freq_channel"),
        ("z_m", "vz_mps", "az_mps2", "age_days"),
        ("status_flags", "delay_l1l2_s", "urai", "health_flags"),
    ),
    min_lines=4,
    keplerian=False,
)
_SBAS = Layout(
    (
        ("af0_s", "af1_sps", "transmit_sow"),
        ("x_m", "vx_mps", "ax_mps2", "health"),
        ("y_m", "vy_mps", "ay_mps2", "accuracy_m"),
        ("z_m", "vz_mps", "az_mps2", "iodn"),
    ),
    min_lines=4,
    keplerian=False,
)

# (system, message) -> layout. RINEX 2/3 messages are named here by what the record is.
_LAYOUTS = {
    ("G", "LNAV"): _GPS,
    ("J", "LNAV"): _GPS,
    ("E", "INAV"): _GALILEO,
    ("E", "FNAV"): _GALILEO,
    ("C", "D1"): _BEIDOU,
    ("C", "D2"): _BEIDOU,
    ("C", "CNV1"): _BDS_CNAV1,
    ("C", "CNV2"): _BDS_CNAV2,
    ("C", "CNV3"): _BDS_CNAV3,
    ("I", "LNAV"): _NAVIC,
    ("R", "FDMA"): _GLONASS,
    ("S", "SBAS"): _SBAS,
}

#: Fields RINEX writes in km, km/s, km/s^2 (GLONASS, SBAS); converted to m, m/s, m/s^2.
KM_FIELDS = ("x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps", "ax_mps2", "ay_mps2", "az_mps2")
#: Fields a record cannot do without: (lowest, highest, whole number -> stored as int64).
#: Weeks: GPS/Galileo/BDT, continuous or modulo 1024; channels: -7..+13, RINEX 3.05 Table A10's frequency
#: number (-7..+6 in use since the GLONASS ICD 5.0; every file of the data folder holds -7..+7). A record
#: outside is left out and named (rinex_nav._table), not the file: a wrong channel is a wrong frequency.
REQUIRED_FIELDS = {
    "week": (0, 9999, True),
    "toe_sow": (0, 604800, False),
    "freq_channel": (-7, 13, True),
}
#: BeiDou GEO satellites (BDS-2 C01-C05, BDS-3 C59-C63) broadcast D2 messages (BDS-SIS-ICD 2.1, 5.3).
GEO_BEIDOU = frozenset([f"C{n:02d}" for n in (1, 2, 3, 4, 5, 59, 60, 61, 62, 63)])

#: Message of a RINEX 2/3 record of each system (Galileo and BeiDou are refined per record).
DEFAULT_MESSAGE = {"G": "LNAV", "J": "LNAV", "I": "LNAV", "R": "FDMA", "S": "SBAS", "E": "INAV", "C": "D1"}


def layout_for(system: str, message: str) -> Layout | None:
    """The layout of a record, or ``None`` when Lodestar does not read that message."""
    return _LAYOUTS.get((system, message))
