"""Luna-25's failed pre-landing burn (19 August 2023), reconstructed from published facts.

Published facts (each used below; nothing else is taken from the event):

- Launch 2023-08-10 23:10:57 UTC (Roscosmos); lunar orbit ~100 km, near-polar, from 16 August.
- Before the burn about 90 × 113 km (NASASpaceflight, 20 Aug 2023); one source gives
  91.4 × 112.6 km and i ≈ 82°.
- The burn into the 18 × 100 km pre-landing orbit was commanded at 11:10 UTC on 19 August; it should
  have lasted 84 s and lasted 127 s, because the BIUS-L accelerometer unit was never switched on and
  the engine was cut by time-out (Roscosmos commission, 3 October 2023).
- Contact lost ~11:57 UTC; impact 11:58 UTC (Keldysh Institute, NASA).
- LRO found the crater at 57.865° S, 61.360° E (ME frame; NASA/LROC, 31 Aug 2023), about 400 km
  short of the target site at 69.545° S, 43.544° E (NASA). Landing was planned for 21 August.
- Mass and thrust were not published.

Assumptions (class :class:`Assumptions`; the sensitivity table reruns the forward case with each
one changed): the pre-burn apsides are osculating two-body altitudes above the 1737.4 km sphere at
ignition; i = 82° to the lunar (ME) equator; the burn is retrograde, constant thrust, attitude held
in the velocity frame, starting at 11:10:00 UTC where the pre-burn orbit climbs through the planned
100 km aposelene; its thrust is whatever delivers the 18 km periselene in 84 s (full model); the
planned periselene lies on the southbound pass at the target's latitude, on an orbit plane that
carries the target under the track at 21 Aug 12:00 UTC (the Moon turns ~13°/day under the plane);
mass 1300 kg (1750 kg launch mass less ~850 m/s of corrections and capture at Isp 300 s),
Isp 300 s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FACTS", "Assumptions", "IMPACT_SIGMA_S", "CRATER_SIGMA_KM", "G0_MPS2"]

G0_MPS2 = 9.80665  # standard gravity (CGPM 1901), for Isp

#: Published facts with their sources (see the module docstring).
FACTS = {
    "launch_utc": ("2023-08-10T23:10:57", "Roscosmos"),
    "burn_start_utc": ("2023-08-19T11:10:00", "Roscosmos; NASASpaceflight 2023-08-20"),
    "planned_burn_s": (84.0, "Roscosmos commission, 2023-10-03"),
    "actual_burn_s": (127.0, "Roscosmos commission, 2023-10-03"),
    "contact_lost_utc": ("2023-08-19T11:57:00", "Roscosmos"),
    "impact_utc": ("2023-08-19T11:58:00", "Keldysh Institute of Applied Mathematics; NASA"),
    "crater_lat_lon_deg": ((-57.865, 61.360), "NASA LRO/LROC, 2023-08-31 (ME frame)"),
    "target_lat_lon_deg": ((-69.545, 43.544), "NASA (planned landing site near Boguslawsky)"),
    "pre_burn_orbit_km": ((91.4, 112.6), "published pre-burn orbit (one source; others: ~90 x 113)"),
    "inclination_deg": (82.0, "same source"),
    "planned_orbit_km": ((18.0, 100.0), "Roscosmos"),
}
IMPACT_SIGMA_S = 30.0  # impact time published to the minute
CRATER_SIGMA_KM = 1.0  # crater centre vs first contact; LROC crater ~10 m across, rim of ejecta


@dataclass(frozen=True)
class Assumptions:
    """Everything the published facts leave open (see the module docstring)."""

    inclination_deg: float = 82.0
    pre_peri_km: float = 91.4
    pre_apo_km: float = 112.6
    planned_peri_km: float = 18.0
    planned_apo_km: float = 100.0
    rising_branch: bool = True
    southbound_periselene: bool = True
    landing_utc: str = "2023-08-21T12:00:00"
    mass_kg: float = 1300.0
    isp_s: float = 300.0
    attitude: str = "vnc"
    ignition_delay_s: float = 0.0  # engine start after 11:10:00 UTC (the coast is propagated)

    def burn_end_s(self, duration_s: float) -> float:
        """End of a burn of ``duration_s``, in seconds after 11:10:00 UTC."""
        return self.ignition_delay_s + duration_s

    @property
    def mass_flow_per_newton(self) -> float:
        return 0.0 if not np.isfinite(self.isp_s) else 1.0 / (self.isp_s * G0_MPS2)
