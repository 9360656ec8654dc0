"""Figures for chapter 1 (LeNet-5).

* :func:`plot_connection_table` -- the paper's Table I (which S2 maps feed each C3 map) as a grid.
* :func:`layer_pattern` -- a network's layer sequence in the lectures' notation
  (``CONV-POOL-CONV-POOL-FC-FC``), read off a :class:`cnnlib.Summary`.
* :func:`plot_shape_trend` -- spatial size and channels after each layer (the "shrink the map,
  grow the channels" trend that LeNet-5 started), for any summary (chapters 2 and 3 use it too).
* :func:`plot_output_sizes` / :func:`output_size_explorer` -- a conv layer's output side as the
  kernel grows, for a few strides and paddings; the explorer is :func:`cnnlib.widgets.conv_calculator`
  in a live notebook and this figure on the website.
"""
from __future__ import annotations

import math
from typing import Sequence

from matplotlib.figure import Figure

from cnnlib.arithmetic import conv_output_size
from cnnlib.models.lenet import LENET5_C3_TABLE
from cnnlib.summary import LayerRow, Summary
from cnnlib.widgets import conv_calculator, is_static

__all__ = ["plot_connection_table", "layer_pattern", "plot_shape_trend", "SHAPE_KINDS",
           "plot_output_sizes", "output_size_explorer"]

#: Row kinds that change a network's shape: what :func:`plot_shape_trend` shows by default.
SHAPE_KINDS = ("Conv2d", "MaxPool2d", "AvgPool2d", "Linear")

_PATTERN = {"Conv2d": "CONV", "MaxPool2d": "POOL", "AvgPool2d": "POOL", "Linear": "FC"}


def _check_table(table: Sequence[Sequence[int]]) -> tuple[tuple[int, ...], ...]:
    rows = tuple(tuple(int(i) for i in s) for s in table)
    if not rows or any(len(s) == 0 for s in rows):
        raise ValueError("the connection table needs at least one output map, and every output "
                         "map at least one input (e.g. LENET5_C3_TABLE)")
    if any(i < 0 for s in rows for i in s):
        raise ValueError(f"input map indices must be >= 0, got {rows}")
    if any(len(set(s)) != len(s) for s in rows):
        raise ValueError("an output map lists the same input map twice")
    return rows


def plot_connection_table(table: Sequence[Sequence[int]] = LENET5_C3_TABLE) -> Figure:
    """The connection table as a grid: one row per input (S2) map, one column per output (C3)
    map, a filled square where they are connected, with the number of inputs of each column."""
    rows = _check_table(table)
    n_in, n_out = max(max(s) for s in rows) + 1, len(rows)
    fig = Figure(figsize=(0.42 * n_out + 1.6, 0.42 * n_in + 1.5), layout="constrained")
    ax = fig.subplots()
    grid = [[1.0 if i in rows[j] else 0.0 for j in range(n_out)] for i in range(n_in)]
    ax.imshow(grid, cmap="Blues", vmin=0, vmax=1.25, aspect="equal")
    for i in range(n_in):
        for j in range(n_out):
            if grid[i][j]:
                ax.text(j, i, "X", ha="center", va="center", fontsize=9, color="white")
    ax.set_xticks(range(n_out), [f"{j}\n({len(rows[j])})" for j in range(n_out)], fontsize=8)
    ax.set_yticks(range(n_in), [str(i) for i in range(n_in)], fontsize=8)
    ax.set_xticks([x - 0.5 for x in range(1, n_out)], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, n_in)], minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel("C3 map (number of S2 maps it sees)")
    ax.set_ylabel("S2 map")
    used = sum(len(s) for s in rows)
    ax.set_title(f"{used} of {n_in * n_out} possible connections", fontsize=10)
    return fig


def _acts_as_fc(r: LayerRow) -> bool:
    """A conv whose kernel covers its whole (unpadded) input computes one dot product per
    filter over every input number: it is a fully-connected layer."""
    if r.kind != "Conv2d" or r.kernel is None or len(r.input_shape) != 3:
        return False
    return (tuple(r.input_shape[1:]) == tuple(r.kernel)
            and not any(r.padding or ()) and r.groups in (None, 1))


def layer_pattern(summary: Summary, *, conv_as_fc: bool = False) -> str:
    """The layers of ``summary`` as ``CONV-POOL-...-FC`` (convolutions, pools, linear layers;
    activations and the like left out). Rows of one module split in parts (LeNet's sparse C3
    is 16 small convs) count once. With ``conv_as_fc``, a convolution whose kernel covers its
    whole input is written ``FC``: it is a fully-connected layer in disguise."""
    tokens: list[str] = []
    last_parent = None
    for r in summary:
        token = _PATTERN.get(r.kind)
        if token is None:
            continue
        parent = r.name.rsplit(".", 2)[0] if ".convs." in r.name else None
        if parent is not None and parent == last_parent:
            continue  # another part of the same split convolution
        last_parent = parent
        tokens.append("FC" if conv_as_fc and _acts_as_fc(r) else token)
    if not tokens:
        raise ValueError("the summary has no Conv2d, pooling or Linear rows")
    return "-".join(tokens)


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def plot_shape_trend(summary: Summary, *, kinds: Sequence[str] = SHAPE_KINDS,
                     labels: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """Height/width and channels after each layer of ``kinds`` (log scale, base 2).

    A linear layer's output counts as a 1x1 map with one channel per unit. Rows that are parts
    of one split convolution (``...convs.N``) are merged into one point.
    """
    points: list[tuple[str, int, int]] = []
    for r in summary:
        if r.kind not in kinds:
            continue
        out = r.output_shape
        if ".convs." in r.name:  # parts of one split conv (LeNet's sparse C3): merge them
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
    names = list(labels) if labels is not None else [_short(p[0]) for p in points]
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
    """The conv-layer calculator of chapter 0 set to LeNet-5's C1 in a live notebook; while the
    book is built, :func:`plot_output_sizes` for the same input size."""
    if is_static():
        return plot_output_sizes(size, title=f"Output side of a conv layer on a {size} x {size} input\n"
                                             "(static preview: open the notebook to use the calculator)")
    return conv_calculator(size, c_in, c_out, kernel, stride, padding)
