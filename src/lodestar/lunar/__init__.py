"""Lodestar lunar: the Moon's numerical core, analyses built on it, and the Luna-25 case study.

- :mod:`.core`: DE421 ephemerides and lunar orientation (``ephemeris``), the lunar gravity field
  (``gravity``), the orbit propagator (``propagator``), Earth orientation (``earth_orientation``),
  two-body helpers (``twobody``) and the propagator's validation against LRO (``validation``);
- :mod:`.analysis`: ILRS site visibility (``ilrs``), GNSS reception at the Moon (``moon_gnss``),
  the Queqiao-2 relay (``relay``), signal link budgets (``link_budget``), named sites (``sites``);
- :mod:`.luna25`: the Luna-25 reconstruction with its published facts and sensitivity.

Reports of all three live in :mod:`lodestar.report` (``report.lunar``, ``report.luna25``).
"""
