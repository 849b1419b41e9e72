"""Reference coordinates shared by the tests, each with its source.

ESBC's header APPROX POSITION is an ETRS89 (ETRF2000) coordinate, 0.77 m from its ITRF position
(../shared/data/README.md): tests and benchmarks use the ITRF2014 truth below, never the header.
"""

#: ESBC marker on 2020-06-25, ITRF2014/IGS14, ECEF metres: the header coordinate transformed from
#: ETRF2000 (EPSG:7930) to ITRF2014 (EPSG:7789) at epoch 2020.4822 with the EUREF 14-parameter
#: transformation (../shared/data/README.md, "Reference coordinates"); uncertainty about 1-2 cm.
ESBC_ITRF2014_XYZ = (3582104.768, 532590.174, 5232755.144)
ESBC_ITRF2014_TRUTH = ",".join(f"{v:.3f}" for v in ESBC_ITRF2014_XYZ)  # for --truth X,Y,Z

#: ESBC header APPROX POSITION XYZ (ETRS89, file text): NOT a truth; kept to test `--truth header`.
ESBC_HEADER_XYZ = (3582105.2910, 532589.7313, 5232754.8054)

#: Where the Wettzell stations' (WTZR, WTZZ) truth on 2020-06-25 comes from: linear interpolation between
#: IGS's weekly SINEX solutions of 2010-01 (igs10P1565) and 2020-11 (igs20P2131), as the data README asks
#: ("interpolate linearly between two solutions"). The 2020-11 solution alone is 0.4 years from the day:
#: 0.8 cm east and 0.6 cm north of the interpolated position (Wettzell moves with Eurasia); the route
#: through IGS's 2024-02-04 daily solution agrees within 0.5 mm (tests/test_sinex.py).
WETTZELL_TRUTH_SINEX = ("sinex/igs20P2131_wocov.snx", "sinex/igs10P1565_wocov.snx")


def wettzell_truth(data, station: str, epoch: str = "2020-06-25T00:30:00"):
    """WTZR's or WTZZ's marker (ECEF m) at ``epoch`` from :data:`WETTZELL_TRUTH_SINEX` under ``data``."""
    from lodestar.io.sinex import station_position

    return station_position([data / rel for rel in WETTZELL_TRUTH_SINEX], station, epoch)
