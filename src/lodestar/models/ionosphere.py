"""Broadcast ionosphere models: GPS Klobuchar and BeiDou's Klobuchar variant.

BeiDou's Klobuchar coefficients are fitted by BDS-2's ground segment for its regional service area
(55 deg S - 55 deg N, 55 deg E - 180 deg E: "China's BeiDou Navigation Satellite System", white paper
of the State Council Information Office, June 2016); outside it they are the less accurate set: over
the globe GPS's Klobuchar beats BeiDou's (Zhou R., Hu Z., Su M., Li J., Li P., Zhao Q. 2019,
"Preliminary performance evaluation of BeiDou global ionospheric delay correction model", Geomatics
and Information Science of Wuhan University 44(10): in single-point positioning BDGIM improves on
BeiDou's Klobuchar by 13 % and on GPS's by 7-10 %, which puts GPS's 3-6 % ahead). So a receiver outside the service area takes
GPS's coefficients for BeiDou too (as RTKLIB does everywhere), one inside BeiDou's own
(:data:`BDS2_SERVICE_AREA_DEG`; measured on TLSE, docs/positioning.md "The Klobuchar set for BeiDou").

Both return the group delay in metres on the model's reference frequency (GPS L1 1575.42 MHz,
BeiDou B1I 1561.098 MHz); :func:`scale_to_frequency` moves it to any signal (first-order
ionosphere delay goes as 1/f^2), e.g. a GLONASS FDMA channel's own L1 frequency.
Vectorized over any common shape of receiver/satellite arrays.
"""

from __future__ import annotations

import numpy as np

from ..constants import C_MPS, frequency_hz
from ..time import Time

__all__ = [
    "GPS_L1_HZ", "BDS_B1I_HZ", "BDS2_SERVICE_AREA_DEG", "klobuchar_gps_m", "klobuchar_bds_m", "scale_to_frequency",
    "in_bds2_service_area", "BroadcastIonosphere",
]

GPS_L1_HZ = frequency_hz("G", "1")  # 1575.42 MHz, IS-GPS-200N 3.3.1.1
BDS_B1I_HZ = frequency_hz("C", "2")  # 1561.098 MHz, BDS-SIS-ICD-B1I 3.0 §4.2 (RINEX band 2)

# BDS-SIS-ICD-B1I 3.0 §5.2.4.7: the ionospheric shell and Earth radius of the BeiDou model.
_BDS_EARTH_RADIUS_M = 6378.0e3
_BDS_SHELL_HEIGHT_M = 375.0e3
#: BDS-2 regional service area (latitude min, max; longitude min, max), degrees: the State Council
#: Information Office's white paper "China's BeiDou Navigation Satellite System" (June 2016), the area
#: whose users BDS-2's ionosphere coefficients serve.
BDS2_SERVICE_AREA_DEG = (-55.0, 55.0, 55.0, 180.0)


def in_bds2_service_area(lat_rad, lon_rad):
    """True where the receiver (geodetic lat/lon, rad) lies in BDS-2's regional service area."""
    lat, lon = np.degrees(np.asarray(lat_rad, float)), np.mod(np.degrees(np.asarray(lon_rad, float)), 360.0)
    lat_min, lat_max, lon_min, lon_max = BDS2_SERVICE_AREA_DEG
    return (lat >= lat_min) & (lat <= lat_max) & (lon >= lon_min) & (lon <= lon_max)


def klobuchar_gps_m(lat_rad, lon_rad, azimuth_rad, elevation_rad, gps_sow, alpha, beta):
    """GPS Klobuchar delay on L1 (m); IS-GPS-200N 20.3.3.5.2.5 and figure 20-4.

    ``lat_rad``/``lon_rad`` geodetic receiver position, ``gps_sow`` GPS seconds of week (any
    value; only the time of day matters), ``alpha``/``beta`` the four broadcast coefficients each.
    """
    a, b = np.asarray(alpha, float), np.asarray(beta, float)
    phi_u, lam_u = np.asarray(lat_rad) / np.pi, np.asarray(lon_rad) / np.pi  # semicircles
    el = np.asarray(elevation_rad) / np.pi
    az = np.asarray(azimuth_rad)
    psi = 0.0137 / (el + 0.11) - 0.022  # Earth-centred angle, semicircles
    phi_i = np.clip(phi_u + psi * np.cos(az), -0.416, 0.416)
    lam_i = lam_u + psi * np.sin(az) / np.cos(phi_i * np.pi)
    phi_m = phi_i + 0.064 * np.cos((lam_i - 1.617) * np.pi)  # geomagnetic latitude, semicircles
    local_s = np.mod(4.32e4 * lam_i + np.asarray(gps_sow, float), 86400.0)
    slant = 1.0 + 16.0 * (0.53 - el) ** 3
    amp = np.maximum(_poly(a, phi_m), 0.0)
    per = np.maximum(_poly(b, phi_m), 72000.0)
    x = 2.0 * np.pi * (local_s - 50400.0) / per
    day = amp * (1.0 - x**2 / 2.0 + x**4 / 24.0)
    delay_s = slant * (5.0e-9 + np.where(np.abs(x) < 1.57, day, 0.0))
    return C_MPS * delay_s


def klobuchar_bds_m(lat_rad, lon_rad, azimuth_rad, elevation_rad, bdt_sow, alpha, beta):
    """BeiDou Klobuchar delay on B1I (m); BDS-SIS-ICD-B1I 3.0 §5.2.4.7.

    Differences from GPS that matter: a 375 km shell with the exact pierce-point geometry,
    geographic (not geomagnetic) latitude, BDT time of day, the period clamped to
    [72 000, 172 800] s, a pure cosine (not its Taylor series) and the B1I reference.
    """
    a, b = np.asarray(alpha, float), np.asarray(beta, float)
    lat, lon = np.asarray(lat_rad, float), np.asarray(lon_rad, float)
    el, az = np.asarray(elevation_rad, float), np.asarray(azimuth_rad, float)
    ratio = _BDS_EARTH_RADIUS_M / (_BDS_EARTH_RADIUS_M + _BDS_SHELL_HEIGHT_M)
    psi = np.pi / 2.0 - el - np.arcsin(ratio * np.cos(el))
    phi_m = np.arcsin(np.clip(np.sin(lat) * np.cos(psi) + np.cos(lat) * np.sin(psi) * np.cos(az), -1, 1))
    lam_m = lon + np.arcsin(np.clip(np.sin(psi) * np.sin(az) / np.cos(phi_m), -1, 1))
    local_s = np.mod(np.asarray(bdt_sow, float) + lam_m * 43200.0 / np.pi, 86400.0)
    lat_sc = np.abs(phi_m / np.pi)
    a2 = np.maximum(_poly(a, lat_sc), 0.0)
    a4 = np.clip(_poly(b, lat_sc), 72000.0, 172800.0)
    day = np.where(np.abs(local_s - 50400.0) < a4 / 4.0, a2 * np.cos(2.0 * np.pi * (local_s - 50400.0) / a4), 0.0)
    vertical_s = 5.0e-9 + day
    slant = 1.0 / np.sqrt(1.0 - (ratio * np.cos(el)) ** 2)
    return C_MPS * slant * vertical_s


def scale_to_frequency(delay_m, reference_hz, frequency_hz):
    """First-order ionospheric group delay scales as (f_ref / f)^2."""
    return np.asarray(delay_m) * (np.asarray(reference_hz) / np.asarray(frequency_hz)) ** 2


def _poly(coefficients, x):
    """sum_n c_n x^n for the four broadcast coefficients."""
    return sum(c * x**n for n, c in enumerate(coefficients))


#: Ranges of the broadcast Klobuchar coefficients: 8-bit two's complement words with scale factors
#: alpha 2^-30 s, 2^-27 s/semicircle, 2^-24, 2^-24 and beta 2^11 s, 2^14, 2^16, 2^16 (IS-GPS-200N Table 20-X;
#: BeiDou's ionospheric delay model parameters in BDS-SIS-ICD-B1I 3.0 are the same words). A header value
#: outside them is not a broadcast one. RINEX prints them to 4 decimals (D12.4): an extreme word rounds
#: outward by up to half a unit of the 4th decimal (127 x 2^11 = 260096 prints as 2.6010E+05), hence the slack.
_ALPHA_SCALE = (2.0**-30, 2.0**-27, 2.0**-24, 2.0**-24)
_BETA_SCALE = (2.0**11, 2.0**14, 2.0**16, 2.0**16)
PRINTED_SLACK = 1e-4  # relative: a half unit of a D12.4 mantissa is at most 5e-5 of the value


def klobuchar_outside(alpha, beta) -> str | None:
    """Why a coefficient set cannot be a broadcast one (non-finite, or outside the 8-bit words' ranges), or None."""
    bad = []
    for name, values, scales in (("alpha", alpha, _ALPHA_SCALE), ("beta", beta, _BETA_SCALE)):
        for n, (v, scale) in enumerate(zip(np.asarray(values, float)[:4], scales)):
            low, high = -128 * scale * (1 + PRINTED_SLACK), 127 * scale * (1 + PRINTED_SLACK)
            if not low <= v <= high:  # also NaN
                bad.append(f"{name}{n} = {v:g} (broadcast range {-128 * scale:g} .. {127 * scale:g})")
    return ", ".join(bad) or None


def _gps_coefficients(iono: dict):
    alpha, beta = iono.get("GPSA"), iono.get("GPSB")
    if alpha is None or beta is None or klobuchar_outside(alpha, beta):
        return None
    return np.asarray(alpha, float)[:4], np.asarray(beta, float)[:4]


def _bds_coefficient_table(iono: dict, time):
    """(alpha (4, T, 1), beta (4, T, 1)) per epoch from the BDS sets by time mark, or None."""
    sets = [s for s in (iono.get("BDS") or []) if s.get("alpha") is not None and s.get("beta") is not None
            and not klobuchar_outside(s["alpha"], s["beta"])]
    if not sets:
        return None
    # RINEX 3.04+ time mark: A = 00-01 h ... X = 23-24 h (BDT), the hour the set was broadcast
    hours = np.array([ord(str(s.get("time_mark") or "A")[0].upper()) - ord("A") for s in sets])
    order = np.argsort(hours, kind="stable")
    hours = hours[order]
    alpha = np.array([np.asarray(sets[i]["alpha"], float)[:4] for i in order])
    beta = np.array([np.asarray(sets[i]["beta"], float)[:4] for i in order])
    epoch_hour = (Time(time).to("bdt").astype("datetime64[h]").astype(np.int64)) % 24
    pick = np.clip(np.searchsorted(hours, epoch_hour, side="right") - 1, 0, len(hours) - 1)
    return alpha[pick].T[:, :, None], beta[pick].T[:, :, None]


class BroadcastIonosphere:
    """Broadcast ionosphere per satellite column: GPS model, or BeiDou's own for BeiDou."""

    def __init__(self, time, frequency_hz, iono: dict, letters):
        """``time`` (T,) GPST epochs, ``frequency_hz`` (T, S) of each cell's signal, ``iono`` the
        navigation header coefficients (``NavData.iono``), ``letters`` (S,) system per column."""
        self.freq = frequency_hz
        self.letters = np.asarray(letters)
        _, gps_sow = Time(time).week_sow("gpst")
        self.gps_sow = gps_sow[:, None]
        self.bdt_sow = gps_sow[:, None] - 14.0  # BDT = GPST - 14 s (BDS-SIS-ICD-B1I 3.0 §4.2)
        self.gps = _gps_coefficients(iono)
        self.bds = _bds_coefficient_table(iono, time) if "C" in self.letters else None
        self._bds_used = {"beidou": False, "gps": False}  # which coefficients BeiDou's cells took, for note
        self._note = {}
        if "C" in self.letters and self.bds is None:
            self._note["C"] = ("gps-klobuchar (no BeiDou coefficients in the navigation header)"
                               if self.gps is not None else "none (no coefficients)")
        absent = "none (no GPS coefficients)"
        if iono.get("GPSA") is not None and iono.get("GPSB") is not None and self.gps is None:
            absent = (f"none (the GPS coefficients are outside the broadcast ranges: "
                      f"{klobuchar_outside(iono['GPSA'], iono['GPSB'])})")
        refused_bds = "C" in self.letters and self.bds is None and any(
            s.get("alpha") is not None and s.get("beta") is not None for s in iono.get("BDS") or [])
        if refused_bds:  # BeiDou's own sets were there, but none is a broadcast one
            self._note["C"] = (absent if self.gps is None else
                               "gps-klobuchar (the BeiDou coefficients are outside the broadcast ranges)")
        elif "C" in self.letters and self.bds is None and self.gps is None and "outside" in absent:
            self._note["C"] = absent
        for letter in [x for x in dict.fromkeys(self.letters.tolist()) if x != "C"]:  # column order, not a set's: stable JSON
            self._note[letter] = "gps-klobuchar" if self.gps is not None else absent

    @property
    def note(self) -> dict:
        """The model each system's cells took ({letter: text}), in column order; BeiDou's says which
        coefficients the receiver's position chose (:data:`BDS2_SERVICE_AREA_DEG`)."""
        note = dict(self._note)
        if "C" in self.letters and self.bds is not None:
            text = {"beidou": "beidou-klobuchar (receiver in the BDS-2 service area)",
                    "gps": "gps-klobuchar (receiver outside the BDS-2 service area, where BeiDou's coefficients "
                           "are the less accurate)"}
            used = [text[name] for name in ("beidou", "gps") if self._bds_used[name]]
            note["C"] = "; ".join(used) or "beidou-klobuchar inside the BDS-2 service area, gps-klobuchar outside"
        return {letter: note[letter] for letter in dict.fromkeys(self.letters.tolist())}

    def __call__(self, rows, lat, lon, az, el, height_m=None):
        """Delay (m) on each cell's frequency for epochs ``rows``; receiver lat/lon (rad) per row
        (``height_m``: unused, the thin-shell models do not need it)."""
        out = np.zeros(el.shape)
        lat, lon = lat[:, None], lon[:, None]
        freq = self.freq[rows]
        is_c = self.letters == "C"
        # BeiDou's own coefficients for receivers in its service area (all of them if GPS's are missing)
        own = np.zeros(np.shape(lat), bool) if self.bds is None else (
            in_bds2_service_area(lat, lon) if self.gps is not None else np.ones(np.shape(lat), bool))
        gps_cells = np.broadcast_to(~is_c, el.shape) | (is_c & ~own)  # BeiDou too where it does not take its own
        if self.gps is not None and gps_cells.any():
            cols = gps_cells.any(axis=0)  # only the columns that need it are computed
            d = klobuchar_gps_m(lat, lon, az[:, cols], el[:, cols], self.gps_sow[rows], *self.gps)
            out[:, cols] = np.where(gps_cells[:, cols], scale_to_frequency(d, GPS_L1_HZ, freq[:, cols]), 0.0)
            self._bds_used["gps"] |= bool(self.bds is not None and (is_c & ~own).any())
        if self.bds is not None and is_c.any() and own.any():
            alpha = self.bds[0][:, rows]
            beta = self.bds[1][:, rows]
            d = klobuchar_bds_m(lat, lon, az[:, is_c], el[:, is_c], self.bdt_sow[rows], alpha, beta)
            out[:, is_c] = np.where(own, scale_to_frequency(d, BDS_B1I_HZ, freq[:, is_c]), out[:, is_c])
            self._bds_used["beidou"] = True
        return np.nan_to_num(out)
