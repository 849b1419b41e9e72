"""Build ``src/lodestar/models/data/nequick_ccir.npz`` from the published NeQuick-G model data.

Sources (published model data, not code):
- ``ccirXX.txt`` (XX = month + 10): ITU-R P.1239 / CCIR Atlas foF2 and M(3000)F2 spherical-harmonic
  x Fourier coefficient maps, low (R12 = 0) and high (R12 = 100) solar activity, as distributed with
  the Galileo "Ionospheric Correction Algorithm for Galileo Single Frequency Users" (issue 1.2, 2016)
  and its JRC reference implementation (NeQuickG_JRC, e.g. the ``ccir/`` folder of the PyPI sdist
  ``nequick`` 1.0.0, MIT).
- ``modip2001_wrapped.asc``: the MODIP grid (5 deg latitude x 10 deg longitude, wrapped with one
  extra row/column each side) of the same distribution.

Stored exactly: each 8-significant-digit coefficient as an int32 mantissa and an int8 decimal
exponent (value = mantissa * 10**(exponent - 8)); MODIP in hundredths of a degree (int16).

Usage: python tools/build_nequick_data.py /path/to/nequick-1.0.0 [out.npz]
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import numpy as np

F2_SHAPE = (2, 76, 13)  # solar activity (R12 0, 100) x degree x Fourier order (spec §2.5.3, F.2.3)
FM3_SHAPE = (2, 49, 9)


def _exact(tokens):
    mantissa, exponent = [], []
    for token in tokens:
        sign, digits, exp = Decimal(token).normalize().as_tuple() if Decimal(token) != 0 else (0, (0,), 0)
        value = int("".join(map(str, digits))) * (-1 if sign else 1)
        # value * 10**exp == token; rewrite as m * 10**(e - 8) with |m| < 2**31
        e = exp + 8
        mantissa.append(value)
        exponent.append(e)
    m, e = np.array(mantissa, dtype=np.int64), np.array(exponent, dtype=np.int64)
    assert np.all(np.abs(m) < 2**31) and np.all(np.abs(e) < 127)
    return m.astype(np.int32), e.astype(np.int8)


def main(root: Path, out: Path) -> None:
    months = []
    for month in range(1, 13):
        tokens = (root / "ccir" / f"ccir{month + 10}.txt").read_text().split()
        n = np.prod(F2_SHAPE) + np.prod(FM3_SHAPE)
        if len(tokens) != n:
            raise SystemExit(f"ccir{month + 10}.txt: {len(tokens)} numbers, expected {n}")
        months.append(_exact(tokens))
    modip = np.array((root / "modip" / "modip2001_wrapped.asc").read_text().split(), dtype=float).reshape(39, 39)
    np.savez_compressed(out, ccir_mantissa=np.stack([m for m, _ in months]),
                        ccir_exponent=np.stack([e for _, e in months]),
                        modip_centideg=np.round(modip * 100).astype(np.int16))
    print(f"{out}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else
         Path(__file__).resolve().parents[1] / "src/lodestar/models/data/nequick_ccir.npz")
