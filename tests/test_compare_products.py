"""compare with a precise product that lacks a system: those sets are skipped, the rest solve."""

from lodestar.analysis.compare import compare


def test_precise_orbits_without_beidou_skip_the_beidou_sets(esbc):
    # GRG's MGEX orbits carry G, R, E but no BeiDou (data README); the day before is needed for the
    # interpolation window of the first hour.
    result = compare(
        esbc / "ESBC00DNK_R_20201770000_01D_30S_MO_120epoch.rnx",
        esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz",
        truth="header", sets=("R", "C", "R+C"), masks=(10,),
        sp3=[esbc / "GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz", esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"],
        clk=[esbc / "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"],
    )
    rows = result.rows.set_index("systems")
    assert rows.loc["R", "status"] == "ok" and rows.loc["R", "epochs_solved"] >= 110
    for name in ("C", "R+C"):
        assert rows.loc[name, "status"] == "skipped"
        assert "BeiDou" in rows.loc[name, "reason"]
