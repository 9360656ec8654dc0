"""Output sizes: a conv layer's output side, and a network's map size layer by layer.

* :func:`plot_output_sizes` / :func:`output_size_explorer` -- a conv layer's output side as the
  kernel grows, for a few strides and paddings; the explorer is
  :func:`cnnlib.widgets.conv_calculator` in a live notebook and this figure on the website.
* :func:`plot_shape_trend` -- spatial size and channels after each layer of a summary (the
  "shrink the map, grow the channels" trend that LeNet-5 started).
* :func:`spatial_trace` / :func:`plot_spatial_trace` -- the height/width after each conv and pool
  layer of a model for square inputs, or the ``ValueError`` that says where the map runs out.
* :func:`input_size_explorer` -- a slider over the input size (ipywidgets; a static figure
  while the book is built).
"""
from __future__ import annotations

import math
from typing import Sequence

from matplotlib.figure import Figure
from torch import nn

from cnnlib.arithmetic import conv_output_size
from cnnlib.checks import positive_int
from cnnlib.costs import meta_model
from cnnlib.summary import Summary, smallest_input_size, summarize
from cnnlib.widgets import conv_calculator, int_sliders, is_static

__all__ = ["plot_output_sizes", "output_size_explorer", "SHAPE_KINDS", "plot_shape_trend",
           "TRACE_KINDS", "spatial_trace", "plot_spatial_trace", "input_size_explorer"]

#: Row kinds that change a network's shape: what :func:`plot_shape_trend` shows by default.
SHAPE_KINDS = ("Conv2d", "MaxPool2d", "AvgPool2d", "Linear")

#: The layers that change the spatial size (what :func:`spatial_trace` reports).
TRACE_KINDS = ("Conv2d", "MaxPool2d", "AvgPool2d")


# ------------------------------------------------------------------------------ one layer
def plot_output_sizes(size: int = 32, *, max_kernel: int = 11,
                      strides: Sequence[int] = (1, 2), title: str | None = None) -> Figure:
    """Output side of a conv layer on a ``size`` x ``size`` input against its kernel size
    (1 to ``max_kernel``): one line per stride without padding, and one with "same" padding
    ``(k - 1) // 2`` at stride 1. Kernels larger than the input are left out."""
    if max_kernel < 1 or not strides:
        raise ValueError("give max_kernel >= 1 and at least one stride")
    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = fig.subplots()
    kernels = [k for k in range(1, max_kernel + 1) if k <= size]
    for stride in strides:
        ax.plot(kernels, [conv_output_size(size, k, stride) for k in kernels], marker="o",
                label=f"stride {stride}, no padding")
    ax.plot(kernels, [conv_output_size(size, k, 1, (k - 1) // 2) for k in kernels], marker="s",
            linestyle="--", label="stride 1, padding (k-1)/2")
    for stride in strides:
        k = 5 if 5 in kernels else kernels[-1]
        out = conv_output_size(size, k, stride)
        ax.annotate(f"{out}", (k, out), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.set_xlabel("kernel size k (k x k filter)")
    ax.set_ylabel("output height = width")
    ax.set_xticks(kernels)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title or f"Output side of a conv layer on a {size} x {size} input", fontsize=10)
    return fig


def output_size_explorer(size: int = 32, c_in: int = 1, c_out: int = 6, kernel: int = 5,
                         stride: int = 1, padding: int = 0):
    """The conv-layer calculator set to LeNet-5's C1 in a live notebook; while the book is
    built, :func:`plot_output_sizes` for the same input size."""
    if is_static():
        return plot_output_sizes(size, title=f"Output side of a conv layer on a {size} x {size} input\n"
                                             "(static preview: open the notebook to use the calculator)")
    return conv_calculator(size, c_in, c_out, kernel, stride, padding)


# ------------------------------------------------------------------------------ a network
def _shape_points(summary: Summary, kinds: Sequence[str]) -> list[tuple[str, int, int]]:
    """``(layer name, side, channels)`` after each row of ``kinds``; parts of one split conv
    (LeNet's sparse C3, ``...convs.N``) merged into one point."""
    points: list[tuple[str, int, int]] = []
    for r in summary:
        if r.kind not in kinds:
            continue
        out = r.output_shape
        if ".convs." in r.name:
            parent = r.name.rsplit(".", 2)[0]
            if points and points[-1][0] == parent:
                name, side, ch = points[-1]
                points[-1] = (name, side, ch + out[0])
                continue
            points.append((parent, out[-1], out[0]))
            continue
        side = out[-1] if len(out) == 3 else 1
        points.append((r.name, side, out[0]))
    if not points:
        raise ValueError(f"the summary has no rows of kinds {list(kinds)}")
    return points


def plot_shape_trend(summary: Summary, *, kinds: Sequence[str] = SHAPE_KINDS,
                     labels: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """Height/width and channels after each layer of ``kinds`` (log scale, base 2).

    A linear layer's output counts as a 1x1 map with one channel per unit. Rows that are parts
    of one split convolution (``...convs.N``) are merged into one point.
    """
    points = _shape_points(summary, kinds)
    names = list(labels) if labels is not None else [p[0].rsplit(".", 1)[-1] for p in points]
    if len(names) != len(points):
        raise ValueError(f"labels has {len(names)} entries but there are {len(points)} layers")
    c, h, _ = summary.input_size if len(summary.input_size) == 3 else (*summary.input_size, 1, 1)
    xs = list(range(len(points) + 1))
    sides = [h] + [p[1] for p in points]
    channels = [c] + [p[2] for p in points]
    fig = Figure(figsize=(max(5.5, 0.55 * len(xs) + 2), 3.4), layout="constrained")
    ax = fig.subplots()
    ax.plot(xs, sides, marker="o", label="height = width")
    ax.plot(xs, channels, marker="s", label="channels")
    for x, s, ch in zip(xs, sides, channels):
        ax.annotate(str(s), (x, s), textcoords="offset points", xytext=(0, -12), ha="center",
                    fontsize=7, color="tab:blue")
        ax.annotate(str(ch), (x, ch), textcoords="offset points", xytext=(0, 5), ha="center",
                    fontsize=7, color="tab:orange")
    ax.set_yscale("log", base=2)
    top = max(max(sides), max(channels))
    ax.set_ylim(0.5, 2 ** (math.log2(top) + 1))
    ax.set_xticks(xs, ["input"] + names, rotation=45, ha="right", fontsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(title or f"{summary.model_name}: the map shrinks, the channels grow", fontsize=10)
    return fig


def spatial_trace(model: nn.Module, side: int, channels: int = 3, *,
                  kinds: Sequence[str] = TRACE_KINDS) -> list[tuple[str, int]]:
    """``(layer name, output height)`` for every layer of ``kinds`` on a ``channels x side x
    side`` input, traced on the meta device. Raises the ``ValueError`` of
    :func:`cnnlib.summarize` (naming the layer) when the input is too small."""
    side = positive_int("the input side", side)
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
    model = meta_model(model_name)
    smallest = smallest_input_size(model, channels, limit=max_side)
    if smallest is None:
        raise ValueError(f"no square input up to {max_side} pixels fits {model_name!r}")
    if is_static():
        sides = sorted({smallest - 1, smallest, 2 * smallest, side, 2 * side} - {0})
        return plot_spatial_trace(
            model, sides, channels,
            title=f"{model_name}: smallest input that works is {smallest} x {smallest}\n"
                  "(static preview: open the notebook to use the slider)")

    def show(side):
        print(_report(model, side, channels))

    return int_sliders(show, side=(side, 1, max_side, "input H=W"))
