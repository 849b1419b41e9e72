"""Named lunar sites: ILRS / Chang'e candidates and a few reference points, with their sources.

Coordinates are selenographic latitude and east longitude in the Moon's **mean-Earth / polar-axis
(ME)** frame, the frame of lunar maps and of the IAU Gazetteer (LOLA products are in ME). Heights
are above the 1737.4 km sphere and are zero unless a source gives one: this module does not ship
a terrain model. Where a source names a region rather than a point, the point chosen and how it
was chosen is said in ``source``; such points are good to a few kilometres, which moves Earth's
and the Sun's elevation by ~0.1° at most (1 km on the Moon = 0.033° of arc).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import LodestarError

__all__ = ["Site", "SITES", "site_by_name"]


@dataclass(frozen=True)
class Site:
    """A point on the Moon, ME frame."""

    name: str
    lat_deg: float
    lon_deg: float  # east-positive, −180…180
    height_m: float = 0.0
    source: str = ""

    def __post_init__(self):
        if not -90.0 <= self.lat_deg <= 90.0:
            raise LodestarError(f"site {self.name!r}: latitude {self.lat_deg} is outside −90…90°")
        if not -360.0 <= self.lon_deg <= 360.0:
            raise LodestarError(f"site {self.name!r}: longitude {self.lon_deg} is outside −360…360°")


_SITES = (
    Site("shackleton-rim", -88.8, 123.4, 0.0,
         "Chang'e-7 target on the sunlit rim of Shackleton crater (ILRS first phase), as stated in "
         "Lodestar issue 6 from the CNSA announcements (2024); it matches the Artemis III candidate "
         "'Peak near Shackleton'."),
    Site("shackleton-de-gerlache-ridge", -89.46, -98.6, 0.0,
         "Chang'e-8 candidate (CNSA, 2023). A region, not a point: taken as the midpoint of the gap "
         "between the rims on the line joining the crater centres of Shackleton (89.67°S 129.78°E, "
         "D 21 km) and de Gerlache (88.5°S 87.1°W, D 32 km), IAU Gazetteer of Planetary "
         "Nomenclature; derived here, good to a few km."),
    Site("leibnitz-beta", -85.42, 31.7, 0.0,
         "Chang'e-8 candidate (CNSA, 2023) and Artemis III candidate region 'Leibnitz Beta "
         "Plateau' (NASA, 2022); a region, the point is its approximate centre (±0.3°)."),
    Site("amundsen", -84.5, 82.8, 0.0,
         "Chang'e-8 candidate (CNSA, 2023); centre of Amundsen crater, IAU Gazetteer of Planetary "
         "Nomenclature (rounded to 0.1°)."),
    Site("cabeus", -84.675, -48.725, 0.0,
         "Chang'e-8 candidate (CNSA, 2023); LCROSS impact point in Cabeus, 84.675°S 311.275°E "
         "(Colaprete et al. 2010, Science 330, 463)."),
    Site("boguslawsky", -69.545, 43.544, 0.0,
         "Luna-25 primary landing target north of Boguslawsky crater, 69.545°S 43.544°E "
         "(IKI RAS / Roscosmos, 2023)."),
    Site("south-pole", -90.0, 0.0, 0.0, "The ME south pole (a reference point)."),
    Site("change-4", -45.4446, 177.5991, 0.0,
         "Chang'e-4 landing site, far side, 45.4446°S 177.5991°E (Liu et al. 2019, Nature "
         "Communications 10, 4229): Earth never rises there."),
)

#: Built-in sites by name.
SITES: dict[str, Site] = {site.name: site for site in _SITES}


def site_by_name(name: str) -> Site:
    """A built-in site; the error lists the names that exist."""
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    try:
        return SITES[key]
    except KeyError:
        raise LodestarError(f"unknown site {name!r}; built-in sites: {', '.join(SITES)}") from None
