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
