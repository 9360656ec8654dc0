"""Figures and a control for chapter 2 (AlexNet).

* :func:`spatial_trace` -- the height/width after each conv and pool layer of a model for one
  square input size, or the ``ValueError`` that says where the map runs out.
* :func:`plot_spatial_trace` -- those traces for several input sizes, one line each.
* :func:`input_size_explorer` -- a slider over the input size (ipywidgets; a static figure
  while the book is built).
* :func:`param_difference` -- per-layer parameters of two variants of a network side by side
  (AlexNet with and without the two-GPU split).
"""
from __future__ import annotations

from typing import Sequence

import torch
from matplotlib.figure import Figure
from torch import nn

from cnnlib.registry import get_model
from cnnlib.summary import Summary, smallest_input_size, summarize
from cnnlib.viz.ch04 import Table
from cnnlib.widgets import is_static

__all__ = ["TRACE_KINDS", "spatial_trace", "plot_spatial_trace", "input_size_explorer",
           "param_difference"]

#: The layers that change the spatial size (what :func:`spatial_trace` reports).
TRACE_KINDS = ("Conv2d", "MaxPool2d", "AvgPool2d")


def _check_side(side) -> int:
    if isinstance(side, bool) or not isinstance(side, int) or side < 1:
        raise ValueError(f"the input side must be a positive int (pixels), got {side!r}")
    return side


def spatial_trace(model: nn.Module, side: int, channels: int = 3, *,
                  kinds: Sequence[str] = TRACE_KINDS) -> list[tuple[str, int]]:
    """``(layer name, output height)`` for every layer of ``kinds`` on a ``channels x side x
    side`` input, traced on the meta device. Raises the ``ValueError`` of
    :func:`cnnlib.summarize` (naming the layer) when the input is too small."""
    side = _check_side(side)
    s = summarize(model, (channels, side, side))
    return [(r.name.rsplit(".", 1)[-1], r.output_shape[-2]) for r in s if r.kind in kinds]


def plot_spatial_trace(model: nn.Module, sides: Sequence[int], channels: int = 3, *,
                       title: str | None = None) -> Figure:
    """Height/width after each conv and pool layer, one line per input side in ``sides``.
    Sides that are too small for the model are listed in the legend as failing."""
    if not sides:
        raise ValueError("give at least one input side, e.g. [67, 227]")
    fig = Figure(figsize=(7, 3.6), layout="constrained")
    ax = fig.subplots()
    names: list[str] = []
    failed: list[str] = []
    for side in sides:
        try:
            trace = spatial_trace(model, side, channels)
        except ValueError as err:
            where = str(err).split("'")[1] if "'" in str(err) else "?"
            failed.append(f"{side} (fails at {where.rsplit('.', 1)[-1]})")
            continue
        names = names or [n for n, _ in trace]
        ax.plot(range(len(trace) + 1), [side] + [h for _, h in trace], marker="o",
                label=f"{side} x {side}")
        ax.annotate(str(trace[-1][1]), (len(trace), trace[-1][1]), textcoords="offset points",
                    xytext=(6, -3), fontsize=8)
    if not names:
        raise ValueError(f"none of the input sides {list(sides)} fits the model")
    ax.set_xticks(range(len(names) + 1), ["input"] + names, rotation=30, ha="right")
    ax.set_yscale("log", base=2)
    ax.set_ylabel("height = width (pixels)")
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if failed:
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], linestyle="none"))
        labels.append("too small: " + ", ".join(failed))
    ax.legend(handles, labels, fontsize=8)
    ax.set_title(title or f"{type(model).__name__}: spatial size layer by layer", fontsize=10)
    return fig


def _report(model: nn.Module, side: int, channels: int) -> str:
    try:
        trace = spatial_trace(model, side, channels)
    except ValueError as err:
        smallest = smallest_input_size(model, channels)
        return f"{side} x {side}: {err}\nsmallest square input that works: {smallest} x {smallest}"
    lines = [f"{side} x {side} input"] + [f"  {name:>6}: {h} x {h}" for name, h in trace]
    return "\n".join(lines)


def input_size_explorer(model_name: str = "alexnet", channels: int = 3, side: int = 227,
                        *, max_side: int = 512):
    """A slider over the square input size of a zoo model: the map size after each conv and
    pool layer, or where the map runs out. While the book is built it returns a static figure
    of a few sizes (the smallest that works among them) instead."""
    with torch.device("meta"):
        model = get_model(model_name)
    smallest = smallest_input_size(model, channels, limit=max_side)
    if smallest is None:
        raise ValueError(f"no square input up to {max_side} pixels fits {model_name!r}")
    if is_static():
        sides = sorted({smallest - 1, smallest, 2 * smallest, side, 2 * side} - {0})
        return plot_spatial_trace(
            model, sides, channels,
            title=f"{model_name}: smallest input that works is {smallest} x {smallest}\n"
                  "(static preview: open the notebook to use the slider)")
    import ipywidgets as w

    def show(side):
        print(_report(model, side, channels))

    return w.interactive(show, side=w.IntSlider(side, 1, max_side, description="input H=W"))


def param_difference(a: Summary, b: Summary, *, names: Sequence[str] = ("a", "b"),
                     kinds: Sequence[str] = ("Conv2d", "Linear")) -> Table:
    """Parameters per layer of two summaries of the same layout (matched by layer name), their
    difference, and the totals."""
    if len(names) != 2:
        raise ValueError(f"names must be two labels, got {list(names)}")
    rows_a = [r for r in a if r.kind in kinds]
    rows_b = {r.name: r for r in b if r.kind in kinds}
    missing = [r.name for r in rows_a if r.name not in rows_b]
    if missing or len(rows_a) != len(rows_b):
        raise ValueError(f"the two summaries do not have the same {list(kinds)} layers "
                         f"(missing in the second: {missing})")
    na, nb = names
    table = []
    for r in rows_a:
        other = rows_b[r.name]
        table.append({"layer": r.name.rsplit(".", 1)[-1], f"groups {na}": r.groups or 1,
                      f"params {na}": r.params, f"params {nb}": other.params,
                      f"{nb} - {na}": other.params - r.params})
    table.append({"layer": "total", f"groups {na}": None, f"params {na}": a.total_params,
                  f"params {nb}": b.total_params, f"{nb} - {na}": b.total_params - a.total_params})
    return Table(table)
