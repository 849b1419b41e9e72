"""Link budget for GNSS signals received far above the constellations (at the Moon).

C/N0 [dB-Hz] = EIRP(θ) + G_rx − L_fs − L_impl − 10·log10(k·T_sys)

- ``EIRP(θ)`` [dBW]: the satellite's radiated power towards off-boresight angle θ (angle at the
  satellite between its nadir — the antenna boresight, GNSS antennas point at the Earth's centre —
  and the receiver). Built per system and orbit class from published figures, see below.
- ``G_rx``: receiver antenna gain towards the Earth (default 15 dBi, a LuGRE-class high-gain antenna
  pointed at the Earth: "peak gain up to 15 dB", EUSPA news "GNSS works on the Moon!", 2025;
  all GNSS satellites seen from the Moon lie within ~4.4° of the Earth's centre, so one gain
  serves them all).
- ``L_fs = 20·log10(4π d f / c)``: free-space loss (d ≈ 384,000 km gives ~208 dB at L1).
- ``L_impl``: receiver implementation and cable losses, 2 dB (assumption).
- ``k·T_sys``: Boltzmann constant (−228.6 dBW/K/Hz) and system noise temperature (290 K assumed,
  i.e. N0 = −204 dBW/Hz: an Earth-pointing antenna sees the 290 K Earth plus cold sky; a
  conventional figure in space-service-volume link budgets).

Transmit patterns — three regions of θ:

1. **Main lobe up to the Earth limb.** The EIRP there is the one the ICD guarantees on the ground:
   ``EIRP = P_min + L_fs(range at the ICD's lowest elevation) + 0.5 dB atmosphere``, with P_min the
   ICD minimum received power (GPS and GLONASS state it for a 3 dBi linearly polarised antenna,
   which receives a circularly polarised signal like a 0 dBic antenna; Galileo and BeiDou for
   0 dBi RHCP). Per value, see the comments in :data:`PATTERNS`. Deriving the EIRP from the
   guaranteed received power is our stated assumption, and the same construction is used for
   every system so they compare fairly (the BeiDou ICD states no EIRP, and no BeiDou gain-pattern
   table was at hand offline). Real satellites transmit a few dB above these minima (GPS IIR L1
   C/A: 25.6 W into a 13 dBi antenna ≈ 27 dBW in the frequency filing; GLONASS 25–27 dBW), so
   C/N0 here is conservative by 1–4 dB.
2. **Main lobe beyond the limb, out to the reference off-boresight angle of the GNSS Space Service
   Volume** (the angle up to which each provider states a minimum received power at GEO altitude,
   ICG booklet "The Interoperable GNSS Space Service Volume", UN ST/SPACE/75, 2018; 2nd ed. 2021).
   EIRP at that angle = that power + L_fs to a GEO-altitude receiver on the far side of the
   Earth; between the limb and that angle EIRP falls linearly in dB. Where the SSV figure gives a
   higher EIRP than the limb value (a shaped beam), the edge is capped at the limb value.
   **Unverified:** the booklet's tables could not be read offline (H9, 2026-11-25: only its
   title page, contents and the SSV definition 3,000–36,000 km were retrievable); the angles and
   powers in :data:`PATTERNS` are recalled values, kept as labelled assumptions.
3. **Side lobes** from the main-lobe edge to 90°: a constant level 15 dB below the limb EIRP
   (assumption, after measured GPS L1 transmit patterns whose side lobes lie roughly 10–20 dB
   under the main-lobe peak: Marquis & Reigh 2015, "The GPS Block IIR and IIR-M Broadcast L-band
   Antenna Panel: Its Pattern and Performance", NAVIGATION 62(4) 329–347, doi:10.1002/navi.123;
   Donaldson et al. 2020, "Characterization of On-Orbit GPS Transmit Antenna Patterns for Space
   Users" (GPS ACE, L1 received at GEO), NAVIGATION 67(2) 411, doi:10.1002/navi.361 — the
   papers exist as cited; their pattern values were not re-read here); the first null is not
   modelled. Beyond 90° (**back**): nothing is received; the satellite body shadows its antenna.

All numbers live in :data:`PATTERNS` and can be changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...constants import C_MPS, WGS84_A_M

__all__ = [
    "EARTH_RADIUS_M", "GEO_RADIUS_M", "BOLTZMANN_DBW", "TransmitPattern", "PATTERNS", "pattern_for",
    "free_space_loss_db", "LinkParameters", "cn0_dbhz", "lobe_of",
]

EARTH_RADIUS_M = WGS84_A_M  # WGS-84 equatorial radius, m (NIMA TR8350.2)
GEO_RADIUS_M = 42_164_000.0  # geostationary orbit radius (GM/ω² ^ 1/3)
BOLTZMANN_DBW = -228.6  # 10 log10(1.380649e-23 J/K)
ATMOSPHERE_LOSS_DB = 0.5  # assumption: the atmospheric loss in the ICD power budgets (recalled, not re-read)
MAIN, SIDE, BACK = "main", "side", "back"


def free_space_loss_db(distance_m, frequency_hz) -> np.ndarray:
    """Free-space path loss 20·log10(4π d f / c), dB."""
    return 20.0 * np.log10(4.0 * np.pi * np.asarray(distance_m, float) * np.asarray(frequency_hz, float) / C_MPS)


def _ground_range_m(orbit_radius_m: float, elevation_deg: float) -> tuple[float, float]:
    """Range (m) to a user on the Earth's surface at ``elevation`` and the off-boresight angle (deg)."""
    e = np.radians(elevation_deg)
    rng = np.sqrt(orbit_radius_m**2 - (EARTH_RADIUS_M * np.cos(e)) ** 2) - EARTH_RADIUS_M * np.sin(e)
    return float(rng), float(np.degrees(np.arcsin(EARTH_RADIUS_M * np.cos(e) / orbit_radius_m)))


def _geo_range_m(orbit_radius_m: float, off_boresight_deg: float) -> float:
    """Range to a GEO-altitude receiver on the far side of the Earth at an off-boresight angle."""
    t = np.radians(off_boresight_deg)
    return float(orbit_radius_m * np.cos(t) + np.sqrt(GEO_RADIUS_M**2 - (orbit_radius_m * np.sin(t)) ** 2))


@dataclass(frozen=True)
class TransmitPattern:
    """EIRP versus off-boresight angle for one system, signal and orbit class."""

    key: str
    signal: str
    frequency_hz: float
    orbit_radius_m: float
    min_power_dbw: float  # ICD minimum received power, 0 dBic
    min_power_elev_deg: float  # ... at or above this elevation
    ssv_angle_deg: float  # main-lobe edge: SSV reference off-boresight angle
    ssv_power_dbw: float  # SSV minimum received power at GEO altitude at that angle
    side_lobe_below_db: float = 15.0  # assumption (module docstring, item 3)
    source: str = ""

    @property
    def limb_anchor(self) -> tuple[float, float]:
        """(off-boresight deg, EIRP dBW) at the ICD's lowest elevation."""
        rng, theta = _ground_range_m(self.orbit_radius_m, self.min_power_elev_deg)
        return theta, self.min_power_dbw + float(free_space_loss_db(rng, self.frequency_hz)) + ATMOSPHERE_LOSS_DB

    @property
    def edge_anchor(self) -> tuple[float, float]:
        """(off-boresight deg, EIRP dBW) at the SSV reference angle (capped at the limb EIRP)."""
        rng = _geo_range_m(self.orbit_radius_m, self.ssv_angle_deg)
        eirp = self.ssv_power_dbw + float(free_space_loss_db(rng, self.frequency_hz))
        return self.ssv_angle_deg, min(eirp, self.limb_anchor[1])

    @property
    def side_lobe_eirp_dbw(self) -> float:
        return self.limb_anchor[1] - self.side_lobe_below_db

    def eirp_dbw(self, off_boresight_deg) -> np.ndarray:
        """EIRP (dBW) towards ``off_boresight_deg``; −inf in the back hemisphere."""
        theta = np.asarray(off_boresight_deg, dtype=float)
        (t0, e0), (t1, e1) = self.limb_anchor, self.edge_anchor
        main = np.interp(theta, [t0, t1], [e0, e1])  # flat inside the limb, linear in dB beyond
        out = np.where(theta <= t1, main, self.side_lobe_eirp_dbw)
        return np.where(theta > 90.0, -np.inf, out)

    def lobe(self, off_boresight_deg) -> np.ndarray:
        """``"main"``, ``"side"`` or ``"back"`` for each angle."""
        return lobe_of(off_boresight_deg, self.ssv_angle_deg)


def lobe_of(off_boresight_deg, main_lobe_edge_deg) -> np.ndarray:
    theta = np.asarray(off_boresight_deg, dtype=float)
    return np.where(theta <= main_lobe_edge_deg, MAIN, np.where(theta <= 90.0, SIDE, BACK))


# Sources, value by value. "Checked" = read in a retrievable text by H9 (2026-11-25, offline
# reference search); "not re-read" = standard figure whose document could not be opened here.
_ICD = {
    # IS-GPS-200N §3.3.1.6, Table 3-V: L1 C/A ≥ −158.5 dBW at elevation ≥ 5° (3 dBi linear antenna).
    # Not re-read; the same −158.5 dBW / ≥ 5° is tabulated from IS-GPS-200 in arXiv:2509.19551 Table 2
    # (as quoted in the kshana crate, src/leo_link/presets/gnss_meo.rs).
    "G": "IS-GPS-200N §3.3.1.6 Table 3-V (-158.5 dBW, el >= 5 deg)",
    # GLONASS ICD L1/L2 FDMA, ed. 5.1 (Moscow 2008) §3.3.1.6: L1 ≥ −161 dBW at elevation ≥ 5°
    # (3 dBi linear antenna). Document located (title page), value not re-read. Cross-check: the
    # derived limb EIRP (23.7 dBW) sits 1.3–3.3 dB under the published 25–27 dBW EIRP (Wikipedia,
    # "GLONASS", Signals/FDMA), as a guaranteed minimum should.
    "R": "GLONASS ICD ed. 5.1 (2008) §3.3.1.6 (-161 dBW, el >= 5 deg; not re-read)",
    # Galileo OS SIS ICD Issue 2.1 (Nov 2023) Table 12: E1 (B+C) minimum −157.25 dBW for elevations
    # above 5° (0 dBi RHCP), as quoted with table number in the kshana crate
    # (src/leo_link/presets/gnss_meo.rs). Issues up to 1.3 stated −157 dBW above 10°; the earlier
    # value here (−157 dBW at 10° attributed to Issue 2.1) mixed the two.
    "E": "Galileo OS SIS ICD Issue 2.1 (2023) Table 12 (-157.25 dBW, el > 5 deg)",
    # BDS-SIS-ICD-B1I-3.0 (CSNO, Feb 2019): B1I ≥ −163 dBW at elevation ≥ 5° (0 dBi RHCP).
    # Document located (Navipedia "BeiDou Signal Plan" cites it), value not re-read.
    "C": "BDS-SIS-ICD-B1I-3.0 (2019) (-163 dBW, el >= 5 deg; not re-read)",
}
# ICG booklet (UN ST/SPACE/75, 2018; 2nd ed. 2021), per-system SSV tables. Not retrievable offline:
# every (angle, power) pair below is a recalled value and an ASSUMPTION, not a checked figure.
_SSV = "ICG SSV booklet ST/SPACE/75 (2018) - angle/power recalled, unverified"

#: Patterns by key: system letter, or ``C-MEO`` / ``C-IGSO`` / ``C-GEO`` for BeiDou orbit classes.
#: Orbit radii: GPS 26,560 km, GLONASS 25,510 km, Galileo 29,600 km, BDS MEO 27,906 km,
#: BDS IGSO/GEO 42,164 km (the systems' nominal constellations, ICDs §2 / 3).
PATTERNS = {
    # ICD: -158.5 dBW at 5°; the limb anchor falls at 13.8° off nadir, the coverage angle IS-GPS-800A
    # §3.2.1.2 uses ("an angular range of 13.8 degrees from nadir", checked).
    # SSV (assumed): L1 23.5°, -184.0 dBW at GEO (GPS III figure; IS-GPS-200
    # has an SSV table, Table 3-Vc, whose title was seen but whose values were not).
    "G": TransmitPattern("G", "L1 C/A", 1575.42e6, 26_560e3, -158.5, 5.0, 23.5, -184.0,
                         source=f"{_ICD['G']}; {_SSV}"),
    # ICD: -161 dBW at 5°. SSV (assumed): L1 26°, -179.0 dBW. Caution: a secondary source (Wikipedia)
    # describes the L1 beam as a 38° cone (±19°), narrower than this 26° edge.
    "R": TransmitPattern("R", "L1OF", 1602.0e6, 25_510e3, -161.0, 5.0, 26.0, -179.0,
                         source=f"{_ICD['R']}; {_SSV}"),
    # ICD: -157.25 dBW above 5° (Issue 2.1; was -157.0 at 10°). SSV (assumed): E1 20.5°, -182.5 dBW.
    "E": TransmitPattern("E", "E1 B+C", 1575.42e6, 29_600e3, -157.25, 5.0, 20.5, -182.5,
                         source=f"{_ICD['E']}; {_SSV}"),
    # ICD: -163 dBW at 5°. SSV (assumed): MEO B1I 25°, -184.2 dBW; IGSO/GEO 19°, -185.9 dBW.
    "C-MEO": TransmitPattern("C-MEO", "B1I", 1561.098e6, 27_906e3, -163.0, 5.0, 25.0, -184.2,
                             source=f"{_ICD['C']}; {_SSV}"),
    # IGSO and GEO share orbit radius, ICD power and SSV figures: one pattern under two keys.
    **{key: TransmitPattern(key, "B1I", 1561.098e6, 42_164e3, -163.0, 5.0, 19.0, -185.9,
                            source=f"{_ICD['C']}; {_SSV}") for key in ("C-IGSO", "C-GEO")},
}


def pattern_for(system: str, beidou_class: str = "MEO") -> TransmitPattern:
    """The pattern of a system letter (BeiDou by orbit class ``MEO``/``IGSO``/``GEO``)."""
    return PATTERNS[f"C-{beidou_class}"] if system == "C" else PATTERNS[system]


@dataclass(frozen=True)
class LinkParameters:
    """Receiver side of the budget (defaults: LuGRE-class Earth-pointing high-gain antenna)."""

    rx_gain_dbi: float = 15.0  # LuGRE high-gain antenna, "peak gain up to 15 dB" (EUSPA 2025)
    system_noise_temp_k: float = 290.0  # assumption: Earth-filled beam
    implementation_loss_db: float = 2.0  # assumption

    @property
    def noise_density_dbw_hz(self) -> float:
        return BOLTZMANN_DBW + 10.0 * np.log10(self.system_noise_temp_k)


def cn0_dbhz(eirp_dbw, distance_m, frequency_hz, link: LinkParameters = LinkParameters()) -> np.ndarray:
    """Carrier-to-noise density (dB-Hz) of a signal of ``eirp_dbw`` received over ``distance_m``."""
    return (np.asarray(eirp_dbw, float) + link.rx_gain_dbi - free_space_loss_db(distance_m, frequency_hz)
            - link.implementation_loss_db - link.noise_density_dbw_hz)
