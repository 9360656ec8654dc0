"""Receptive fields: which input pixels a conv layer's windows cover, and how often.

* :func:`coverage` -- how many windows of a conv layer cover each input pixel along one axis.
* :func:`plot_coverage` -- the windows of a few first layers along one image row, and the count.
* :func:`first_layer_explorer` -- sliders for the first layer's kernel, stride and padding
  (ipywidgets; a static figure of three other settings while the book is built).

How the receptive field grows with depth is :func:`cnnlib.widgets.plot_receptive_field_growth`.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

from matplotlib.figure import Figure

from cnnlib.arithmetic import conv_macs, conv_output_size
from cnnlib.widgets import int_sliders, is_static

__all__ = ["FIRST_LAYERS", "coverage", "plot_coverage", "first_layer_explorer"]

#: The first layers of the two networks as (kernel, stride, padding).
FIRST_LAYERS = {"AlexNet conv1: 11x11, stride 4": (11, 4, 0),
                "ZFNet conv1: 7x7, stride 2": (7, 2, 1)}
# What the explorer's static preview shows: settings other than FIRST_LAYERS.
STATIC_TRIALS = {f"{k}x{k}, stride {s}, pad {p}": (k, s, p) for k, s, p in
                 [(5, 6, 0), (4, 4, 0), (5, 2, 2)]}


def coverage(size: int, kernel: int, stride: int, padding: int = 0) -> list[int]:
    """For each of the ``size`` input pixels along one axis, the number of windows of a
    ``kernel``-wide, ``stride``-step convolution with ``padding`` that contain it (0 means the
    layer never looks at that pixel)."""
    out = conv_output_size(size, kernel, stride, padding)  # validates the arguments
    counts = [0] * size
    for i in range(out):
        start = i * stride - padding
        for p in range(max(0, start), min(size, start + kernel)):
            counts[p] += 1
    return counts


def _interior_range(counts: Sequence[int], kernel: int) -> tuple[int, int]:
    """Smallest and largest count away from the borders (where windows thin out)."""
    inner = counts[kernel:-kernel] if len(counts) > 2 * kernel else counts
    return min(inner), max(inner)


def plot_coverage(configs: Mapping[str, tuple[int, int, int]] = FIRST_LAYERS, *,
                  size: int = 224, show: int = 40) -> Figure:
    """For each named ``(kernel, stride, padding)``: the first windows along one image row (top)
    and how many windows see each of the first ``show`` pixels (bottom)."""
    if not configs:
        raise ValueError("give at least one (kernel, stride, padding) configuration")
    if show < 1:
        raise ValueError(f"show must be >= 1 pixel, got {show}")
    show = min(show, size)
    fig = Figure(figsize=(9, 2.3 * len(configs)), layout="constrained")
    axes = fig.subplots(len(configs), 1, squeeze=False)[:, 0]
    for ax, (label, (k, s, p)) in zip(axes, configs.items()):
        counts = coverage(size, k, s, p)
        out = conv_output_size(size, k, s, p)
        levels = math.ceil(k / s)
        for i in range(out):
            start = i * s - p
            if start >= show:
                break
            y = 1.6 + 0.5 * (i % levels)
            ax.plot([start - 0.45, start + k - 0.55], [y, y], color="tab:blue", linewidth=3,
                    solid_capstyle="butt", alpha=0.8)
            ax.plot([start + (k - 1) / 2], [y], marker="|", color="black", markersize=8)
        ax.bar(range(show), [c * 0.3 for c in counts[:show]], width=0.9, color="tab:orange")
        for x in range(show):
            ax.text(x, counts[x] * 0.3 + 0.05, str(counts[x]), ha="center", fontsize=6)
        ax.set_xlim(-p - 1, show)
        ax.set_ylim(0, 1.9 + 0.5 * levels)
        ax.set_yticks([])
        lo, hi = _interior_range(counts, k)
        unseen = counts.count(0)
        ax.set_title(f"{label} on {size} pixels: {out} outputs, one every {s} pixels; inner "
                     f"pixels are seen by {lo} to {hi} windows"
                     f"{f'; {unseen} never seen' if unseen else ''}", fontsize=9)
    axes[-1].set_xlabel("input pixel (first pixels of one row); bars: windows that see it; "
                        "lines: the windows, | = centre")
    return fig


def _first_layer_report(size: int, c_in: int, c_out: int, k: int, s: int, p: int) -> str:
    out = conv_output_size(size, k, s, p)
    counts = coverage(size, k, s, p)
    lo, hi = _interior_range(counts, k)
    unseen = counts.count(0)
    return (f"output: {c_out} x {out} x {out} (one window every {s} pixels)\n"
            f"MACs: {conv_macs(c_in, c_out, k, out, out) / 1e6:,.1f} M\n"
            f"windows per inner input pixel: {lo} to {hi}"
            + (f"; {unseen} pixel{'s' if unseen > 1 else ''} of a row "
               f"{'are' if unseen > 1 else 'is'} never seen" if unseen else ""))


def first_layer_explorer(size: int = 224, c_in: int = 3, c_out: int = 96):
    """Sliders for a first conv layer's kernel, stride and padding: its output size, MACs and
    how evenly its windows cover the image. While the book is built: a static figure of three
    settings a reader might try, other than AlexNet's and ZFNet's own (:data:`FIRST_LAYERS`)."""
    if is_static():
        return plot_coverage(STATIC_TRIALS, size=size)
    from IPython.display import display

    def show(kernel, stride, padding):
        try:
            print(_first_layer_report(size, c_in, c_out, kernel, stride, padding))
        except ValueError as err:
            print(f"Not a valid layer: {err}")
            return
        fig = plot_coverage({f"{kernel}x{kernel}, stride {stride}, pad {padding}":
                             (kernel, stride, padding)}, size=size)
        display(fig)

    return int_sliders(show, kernel=(7, 1, 15, "kernel"), stride=(2, 1, 8, "stride"),
                       padding=(1, 0, 7, "padding"))
