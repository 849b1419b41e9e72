"""Write the broadcast-vs-precise table of docs/orbits.md (ESBC 2020-06-25 navigation file).

    python tools/orbits_table.py [--data DIR] [--step 300]

Products: GRG final SP3 + 30 s CLK (G R E), IAC ``Sta21114.sp3.gz`` with its SP3 clocks (R, C incl.
the GEO C05), CODE MGEX 5-min SP3 with clocks (BeiDou C06–C16). Prints markdown: each row with
the precise centre of mass as is ("CoM") and moved to the antenna phase centre ("APC") with the
nominal block offsets of lodestar.orbits.antenna; ``sats`` counts the satellites compared and, in
brackets, those with an offset applied. ``SISRE CoM`` is the SISRE from the raw CoM radial error.
"""

from __future__ import annotations

import argparse

from lodestar.data import data_dir
from lodestar.orbits.sisre import sisre_from_files

COLUMNS = ("orbit_3d_rms_m", "radial_rms_m", "along_rms_m", "cross_rms_m", "radial_mean_m", "clock_rms_m", "sisre_m")


def _rows(label, result, by_class):
    groups = result["classes"] if by_class else result["systems"]
    for name, entry in groups.items():
        yield f"| {label} | {name} | {entry['sats']} ({entry['pco_sats']}) | " + \
            " | ".join(f"{entry[c]:.2f}" for c in COLUMNS) + f" | {entry['sisre_com_m']:.2f} |"


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
    print("| product | system / class | sats (PCO) | offset | 3D RMS | radial | along | cross | radial mean | clock | SISRE | SISRE CoM |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for label, sp3, clk, systems in runs:
        for antenna in (False, True):
            result = sisre_from_files(nav, sp3, clk, systems=systems, step_s=args.step, antenna=antenna)
            tag = "APC" if antenna else "CoM"
            for line in _rows(label, result, "C" in systems):
                head, rest = line.split(") | ", 1)
                print(f"{head}) | {tag} | {rest}")


if __name__ == "__main__":
    main()
