"""The house's shape: no import cycles, layers respected, no global matplotlib backend switch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import import_graph  # noqa: E402  (tools/ is not a package)


def _graph():
    return import_graph.module_imports(ROOT / "src" / "lodestar")


def test_no_import_cycles():
    graph = _graph()
    assert import_graph.cycles(graph) == []
    assert import_graph.cycles(import_graph.package_graph(graph)) == []


def test_no_layer_violations_and_lunar_below_report():
    graph = _graph()
    assert import_graph.layer_violations(graph) == []
    packages = import_graph.package_graph(graph)
    assert "report" not in packages.get("lunar", set())
    assert "lunar" in packages.get("report", set())


def test_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_graph.cycles(graph) == [["a", "b", "c"]]
    assert import_graph.layer_violations({"lodestar.io.x": {"lodestar.report.y"}}) == [
        ("lodestar.io.x", "lodestar.report.y")]


def test_importing_reports_leaves_the_matplotlib_backend_alone():
    """Issue 15: importing lodestar's reports must not switch a notebook's backend to Agg."""
    code = (
        "import matplotlib; matplotlib.use('svg'); "
        "import lodestar.report.html, lodestar.report.plots, lodestar.report.lunar, lodestar.report.luna25, "
        "lodestar.report.network, lodestar.report.map_report, lodestar.report.compare_report; "
        "from lodestar.report.figures import subplots; fig, ax = subplots(figsize=(2, 2)); ax.plot([0, 1]); "
        "from lodestar.report.html import figure_png_base64; assert len(figure_png_base64(fig)) > 100; "
        "import sys; assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'; "
        "print(matplotlib.get_backend())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "svg"
