"""Figures, a table and a control for chapter 3 (ZFNet).

* :func:`coverage` -- how many windows of a conv layer cover each input pixel along one axis.
* :func:`plot_coverage` -- the windows of a few first layers along one image row, and the count.
* :func:`first_layer_explorer` -- sliders for the first layer's kernel, stride and padding
  (ipywidgets; a static figure of AlexNet's and ZFNet's first layers while the book is built).
* :func:`side_by_side` / :func:`plot_side_by_side` -- two or more summaries of networks with the
  same layer names (AlexNet and ZFNet), layer by layer.
* :func:`plot_filters` -- the learned filters of a convolution as small images.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import torch
from matplotlib.figure import Figure

from cnnlib.arithmetic import conv_macs, conv_output_size
from cnnlib.summary import LayerRow, Summary
from cnnlib.viz.ch04 import Table
from cnnlib.widgets import is_static

__all__ = ["coverage", "plot_coverage", "first_layer_explorer", "side_by_side",
           "plot_side_by_side", "plot_filters", "FIRST_LAYERS"]

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
    settings a reader might try (the chapter already shows AlexNet's and ZFNet's own)."""
    if is_static():
        return plot_coverage(STATIC_TRIALS, size=size)
    import ipywidgets as w
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

    return w.interactive(
        show,
        kernel=w.IntSlider(7, 1, 15, description="kernel"),
        stride=w.IntSlider(2, 1, 8, description="stride"),
        padding=w.IntSlider(1, 0, 7, description="padding"),
    )


def _layer_rows(summary: Summary, kinds: Sequence[str]) -> dict[str, LayerRow]:
    return {r.name.rsplit(".", 1)[-1]: r for r in summary if r.kind in kinds}


def _shape(shape: Sequence[int]) -> str:
    return " x ".join(map(str, shape))


def side_by_side(summaries: Mapping[str, Summary], *,
                 kinds: Sequence[str] = ("Conv2d", "MaxPool2d", "Linear")) -> Table:
    """One row per layer name (``conv1``, ``pool1`` ...; the last part of the module path), with
    each network's output shape and MACs (millions) next to each other; "-" where a network has
    no such layer."""
    if len(summaries) < 2:
        raise ValueError("give at least two summaries to compare, e.g. {'AlexNet': a, 'ZFNet': z}")
    per_model = {name: _layer_rows(s, kinds) for name, s in summaries.items()}
    order: list[str] = []
    for rows in per_model.values():
        order += [n for n in rows if n not in order]
    if not order:
        raise ValueError(f"the summaries have no rows of kinds {list(kinds)}")
    table = []
    for layer in order:
        row: dict = {"layer": layer}
        for name, rows in per_model.items():
            r = rows.get(layer)
            row[f"{name} output"] = _shape(r.output_shape) if r else None
            row[f"{name} MMAC"] = r.macs / 1e6 if r else None
        table.append(row)
    total: dict = {"layer": "total"}
    for name, s in summaries.items():
        total[f"{name} output"] = _shape(s.output_shape)
        total[f"{name} MMAC"] = s.total_macs / 1e6
    table.append(total)
    return Table(table, formats={k: ",.1f" for k in table[0] if k.endswith("MMAC")})


def plot_side_by_side(summaries: Mapping[str, Summary]) -> Figure:
    """Two panels of grouped bars, one bar per network: the output height/width of every conv
    and pool layer, and the MACs of every conv and FC layer."""
    if len(summaries) < 2:
        raise ValueError("give at least two summaries to compare")
    panels = [(("Conv2d", "MaxPool2d"), lambda r: r.output_shape[-1], "output height = width"),
              (("Conv2d", "Linear"), lambda r: r.macs / 1e6, "MACs (M)")]
    fig = Figure(figsize=(11, 3.6), layout="constrained")
    axes = fig.subplots(1, 2)
    width = 0.8 / len(summaries)
    for ax, (kinds, value, title) in zip(axes, panels):
        per_model = {name: _layer_rows(s, kinds) for name, s in summaries.items()}
        order: list[str] = []
        for rows in per_model.values():
            order += [n for n in rows if n not in order]
        for j, (name, rows) in enumerate(per_model.items()):
            xs = [i + (j - (len(summaries) - 1) / 2) * width for i, n in enumerate(order) if n in rows]
            vals = [value(rows[n]) for n in order if n in rows]
            bars = ax.bar(xs, vals, width=width, label=name)
            ax.bar_label(bars, labels=[f"{v:,.0f}" for v in vals], fontsize=7, padding=1)
        ax.set_xticks(range(len(order)), order, rotation=30, ha="right")
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8)
    return fig


def plot_filters(weight: torch.Tensor, *, ncols: int = 8, title: str | None = None) -> Figure:
    """The filters of a conv layer (``weight``: out x in x k x k) as small images, each scaled
    to its own range; filters over several input channels are averaged over them, except RGB
    filters (3 inputs), which are shown in colour."""
    if not isinstance(weight, torch.Tensor) or weight.dim() != 4:
        raise ValueError("weight must be a conv weight tensor of shape (out, in, k, k), e.g. "
                         "model.conv1.weight")
    if ncols < 1:
        raise ValueError(f"ncols must be >= 1, got {ncols}")
    w = weight.detach().float().cpu()
    n = w.shape[0]
    rows = math.ceil(n / ncols)
    fig = Figure(figsize=(1.1 * min(n, ncols) + 0.4, 1.1 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, ncols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        f = w[i]
        lo, hi = f.min(), f.max()
        f = (f - lo) / (hi - lo) if hi > lo else torch.zeros_like(f)
        if f.shape[0] == 3:
            ax.imshow(f.permute(1, 2, 0).numpy())
        else:
            ax.imshow(f.mean(0).numpy(), cmap="gray")
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
