"""Write the broadcast-vs-precise table of docs/orbits.md (ESBC 2020-06-25 navigation file).

    python tools/orbits_table.py [--data DIR] [--step 300]

Products: GRG final SP3 + 30 s CLK (G R E), IAC ``Sta21114.sp3.gz`` with its SP3 clocks (R, C incl.
the GEO C05), CODE MGEX 5-min SP3 with clocks (BeiDou C06–C16). Prints markdown.
"""

from __future__ import annotations

import argparse

from lodestar.data import data_dir
from lodestar.orbits.sisre import sisre_from_files

COLUMNS = ("sats", "orbit_3d_rms_m", "radial_rms_m", "along_rms_m", "cross_rms_m", "radial_mean_m", "clock_rms_m", "sisre_m")


def _rows(label, groups):
    for name, entry in groups.items():
        yield f"| {label} | {name} | " + " | ".join(
            str(entry[c]) if c == "sats" else f"{entry[c]:.2f}" for c in COLUMNS) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data")
    parser.add_argument("--step", type=float, default=300.0)
    args = parser.parse_args()
    esbc = data_dir(args.data) / "esbc-2020-177"
    nav = [esbc / "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"]
    runs = [
        ("GRG SP3+CLK", [esbc / "GRG0MGXFIN_20201760000_01D_15M_ORB.SP3.gz", esbc / "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"],
         [esbc / "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"], "G+R+E"),
        ("IAC SP3", [esbc / "Sta21114.sp3.gz"], [], "R+C"),
        ("CODE SP3", [esbc / "COD0MGXFIN_20201770000_01D_05M_ORB.SP3"], [], "C"),
    ]
    print("| product | system / class | sats | 3D RMS | radial | along | cross | radial mean | clock | SISRE |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, sp3, clk, systems in runs:
        result = sisre_from_files(nav, sp3, clk, systems=systems, step_s=args.step)
        groups = result["classes"] if "C" in systems else result["systems"]
        for line in _rows(label, groups):
            print(line)


if __name__ == "__main__":
    main()
