"""Figures drawn without pyplot's global state: Lodestar never switches the process's backend.

Each figure is a :class:`matplotlib.figure.Figure` with its own Agg canvas, so importing
Lodestar leaves a notebook's inline backend (or any other) alone, and a figure that goes out of
scope is freed without ``plt.close``.
"""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["new_figure", "subplots"]


def new_figure(figsize: tuple[float, float], **kwargs) -> Figure:
    """An empty figure with its own Agg canvas (``kwargs`` go to :class:`Figure`)."""
    fig = Figure(figsize=figsize, **kwargs)
    FigureCanvasAgg(fig)
    return fig


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float], constrained_layout: bool = False,
             **kwargs):
    """``(figure, axes)`` like ``pyplot.subplots``, without pyplot (``kwargs`` go to ``Figure.subplots``)."""
    fig = new_figure(figsize, layout="constrained" if constrained_layout else None)
    return fig, fig.subplots(nrows, ncols, **kwargs)
