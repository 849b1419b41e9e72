"""Physical constants, per system, each with its unit and its source.

Never use one system's GM for another: the ICDs differ in the last digits and the differences
reach decimetres over a GNSS orbit.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "C_MPS", "SystemConstants", "GPS", "GLONASS", "GALILEO", "BEIDOU", "QZSS", "SYSTEM_CONSTANTS",
    "WGS84_A_M", "WGS84_F", "MOON_GM_M3PS2", "MOON_RADIUS_M", "frequency_hz",
]

#: Speed of light in vacuum, m/s (IS-GPS-200N 20.3.4.3; identical in every ICD).
C_MPS = 299_792_458.0

#: WGS-84 ellipsoid semi-major axis (m) and flattening (NIMA TR8350.2, table 3.1).
WGS84_A_M = 6_378_137.0
WGS84_F = 1.0 / 298.257223563


@dataclass(frozen=True)
class SystemConstants:
    """Constants of one constellation's navigation message model."""

    name: str
    gm_m3ps2: float  # Earth gravitational constant, m^3/s^2
    omega_e_radps: float  # Earth rotation rate, rad/s
    a_m: float  # ellipsoid semi-major axis, m
    j2: float | None = None  # second zonal harmonic (GLONASS only uses it in its force model)
    relativity_f: float | None = None  # F = -2 sqrt(GM)/c^2, s/m^(1/2), for the clock term


#: GPS: IS-GPS-200N table 20-IV (GM, Omega_e); F from 20.3.3.3.3.1.
GPS = SystemConstants("GPS", 3.986005e14, 7.2921151467e-5, 6_378_137.0, relativity_f=-4.442807633e-10)
#: QZSS uses the GPS values (IS-QZSS-PNT-005, 5.7).
QZSS = GPS
#: Galileo: OS SIS ICD 2.1 (2023) §5.1.1 and table 50.
GALILEO = SystemConstants("Galileo", 3.986004418e14, 7.2921151467e-5, 6_378_137.0, relativity_f=-4.442807309e-10)
#: BeiDou: CGCS2000, BDS-SIS-ICD-B1I 3.0 §5.2.4.1 (GM, Omega_e), and §5.2.4.10 (F).
BEIDOU = SystemConstants("BeiDou", 3.986004418e14, 7.2921150e-5, 6_378_137.0, relativity_f=-4.442807309e-10)
#: GLONASS: PZ-90.11, GLONASS ICD 5.1 (2008) §3.1.3 and table 3.2 (GM, omega, a_e, J2^0).
GLONASS = SystemConstants("GLONASS", 3.9860044e14, 7.292115e-5, 6_378_136.0, j2=1.0826257e-3)

SYSTEM_CONSTANTS = {"G": GPS, "J": QZSS, "E": GALILEO, "C": BEIDOU, "R": GLONASS}

#: Moon GM, m^3/s^2 (GRGM660PRIM header, Lemoine et al. 2013) and mean radius, m (IAU WGCCRE 2015).
MOON_GM_M3PS2 = 4.9028001224453001e12
MOON_RADIUS_M = 1_737_400.0

# Carrier frequencies, Hz, by RINEX 3 band number per system (RINEX 3.05 table 4-9 and ICDs).
_BANDS = {
    "G": {"1": 1575.42e6, "2": 1227.60e6, "5": 1176.45e6},
    "J": {"1": 1575.42e6, "2": 1227.60e6, "5": 1176.45e6, "6": 1278.75e6},
    "E": {"1": 1575.42e6, "5": 1176.45e6, "7": 1207.140e6, "8": 1191.795e6, "6": 1278.75e6},
    # BeiDou: RINEX band 2 = B1I (1561.098 MHz), 1 = B1C (1575.42), 5 = B2a, 7 = B2b / B2I, 8 = B2, 6 = B3I
    "C": {"2": 1561.098e6, "1": 1575.42e6, "5": 1176.45e6, "7": 1207.14e6, "8": 1191.795e6, "6": 1268.52e6},
    "I": {"5": 1176.45e6, "9": 2492.028e6},
    "S": {"1": 1575.42e6, "5": 1176.45e6},
    # GLONASS CDMA bands (FDMA bands 1 and 2 depend on the channel, see frequency_hz)
    "R": {"3": 1202.025e6, "4": 1600.995e6, "6": 1248.06e6},
}
#: GLONASS FDMA: f = f0 + k * df, GLONASS ICD 5.1 §3.3.1.4 (L1) and the L2 analogue.
GLONASS_FDMA = {"1": (1602.0e6, 0.5625e6), "2": (1246.0e6, 0.4375e6)}


def frequency_hz(system: str, band: str, glonass_channel=None):
    """Carrier frequency for a system letter and a RINEX band digit (``"1"`` of ``C1C``).

    GLONASS bands 1 and 2 need the satellite's FDMA channel ``k`` (−7…+6); it may be an array.
    """
    if system == "R" and band in GLONASS_FDMA:
        if glonass_channel is None:
            raise ValueError("GLONASS FDMA band needs the frequency channel")
        f0, df = GLONASS_FDMA[band]
        return f0 + df * glonass_channel
    try:
        return _BANDS[system][band]
    except KeyError:
        raise KeyError(f"no carrier frequency known for system {system!r} band {band!r}") from None
