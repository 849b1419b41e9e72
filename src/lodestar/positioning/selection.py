"""Which observations a run uses: a time window, decimation, an SNR mask, excluded satellites.

:class:`ObservationSelection` is applied once to the observation Dataset, before any orbit is
computed (``prepare(..., selection=...)``), so a window or a decimation also saves time:

* ``start``/``end``: GPST epochs kept, both inclusive (ISO 8601 text or ``datetime64``);
* ``interval_s``: keep epochs on multiples of the interval in GPS seconds of week, within
  RTKLIB's epoch tolerance ``DTTOL`` = 0.025 s (rtklib.h; RTKLIB ``screent`` does the same);
* ``snr_mask_dbhz``: a pseudorange ``Cxy`` (with ``apply(..., phases=True)``, for PPP, also the
  carrier phase ``Lxy``) is dropped when the C/N0 of the same signal (``Sxy``) is below the mask or
  not recorded (RTKLIB ``testsnr``: no SNR fails the test); the code selection then falls back to
  another signal of the satellite only if that one passes too, so every code used has C/N0 >= the mask;
* ``exclude``: satellites left out (``R05``, ``C01``), as RTKLIB ``pos1-exclsats``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import LodestarError

__all__ = ["ObservationSelection", "parse_satellites", "EPOCH_TOLERANCE_S"]

EPOCH_TOLERANCE_S = 0.025  # RTKLIB DTTOL (rtklib.h): tolerance of time difference, s
_WEEK_NS = 604_800 * 10**9
_GPS_EPOCH = np.datetime64("1980-01-06T00:00:00", "ns")


def parse_satellites(items) -> tuple[str, ...]:
    """``["R05,C01", "G12"]`` or ``"R05 C1"`` -> ``("R05", "C01", "G12")``; anything else refused."""
    if isinstance(items, str):
        items = [items]
    out = []
    for item in items:
        for typed in str(item).replace(",", " ").split():
            token = typed.upper()
            if len(token) < 2 or token[0] not in "GRECJIS" or not token[1:].isdigit() or int(token[1:]) == 0:
                raise LodestarError(f"satellite {typed!r}: write a system letter and a number, e.g. R05 or C01")
            out.append(f"{token[0]}{int(token[1:]):02d}")
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class ObservationSelection:
    start: object = None
    end: object = None
    interval_s: float | None = None
    snr_mask_dbhz: float | None = None
    exclude: tuple = ()

    def apply(self, obs, *, phases: bool = False):
        """``obs`` (``read_obs`` Dataset) reduced to the selected epochs and satellites. ``phases``: the SNR
        mask also drops the carrier phase of a weak signal (PPP; RTKLIB ``testsnr`` drops the whole signal)."""
        keep = self._epochs(np.asarray(obs["time"].values, dtype="datetime64[ns]"))
        if not keep.all():
            obs = obs.isel(time=np.flatnonzero(keep))
        if obs.sizes["time"] == 0:
            raise LodestarError(f"{obs.attrs.get('path', 'the observations')}: no epoch left by the time "
                                f"window / interval ({self.describe()})")
        if self.exclude:
            svs = np.asarray(obs["sv"].values).astype(str)
            obs = obs.isel(sv=np.flatnonzero(~np.isin(svs, parse_satellites(self.exclude))))
        if self.snr_mask_dbhz is not None:
            obs = _snr_masked(obs, float(self.snr_mask_dbhz), "CL" if phases else "C")
        return obs

    def _epochs(self, time):
        keep = np.ones(time.shape, bool)
        if self.start is not None:
            keep &= time >= np.datetime64(self.start, "ns")
        if self.end is not None:
            keep &= time <= np.datetime64(self.end, "ns")
        if self.interval_s:
            step_ns = int(round(float(self.interval_s) * 1e9))
            offset = ((time - _GPS_EPOCH).astype(np.int64) % _WEEK_NS) % step_ns
            tolerance = int(EPOCH_TOLERANCE_S * 1e9)
            keep &= (offset <= tolerance) | (step_ns - offset <= tolerance)
        return keep

    def describe(self) -> str:
        parts = [f"from {self.start}" if self.start is not None else "", f"to {self.end}" if self.end is not None else "",
                 f"every {self.interval_s:g} s" if self.interval_s else "",
                 f"C/N0 >= {self.snr_mask_dbhz:g} dB-Hz" if self.snr_mask_dbhz is not None else "",
                 f"without {','.join(parse_satellites(self.exclude))}" if self.exclude else ""]
        return ", ".join(p for p in parts if p) or "all observations"


def _snr_masked(obs, mask_dbhz: float, kinds: str = "C"):
    """Observations of ``kinds`` (C pseudorange, L carrier phase) whose own signal's C/N0 is below
    ``mask_dbhz`` (or missing) become NaN."""
    codes = [name for name in obs.data_vars if len(name) == 3 and name[0] in kinds]
    with_snr = [c for c in codes if "S" + c[1:] in obs.data_vars]
    if codes and not with_snr:
        raise LodestarError(f"{obs.attrs.get('path', 'the observations')} records no C/N0 (S observations): "
                            "an SNR mask cannot be applied; drop --snr-mask")
    updates = {}
    for code in codes:
        snr = obs["S" + code[1:]].values if "S" + code[1:] in obs.data_vars else np.full(obs[code].shape, np.nan)
        with np.errstate(invalid="ignore"):
            weak = ~(snr >= mask_dbhz)
        updates[code] = obs[code].copy(data=np.where(weak, np.nan, obs[code].values))
    return obs.assign(updates)
