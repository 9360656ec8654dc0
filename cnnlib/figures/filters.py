"""A convolution's filters: which input channels each one reads, and what they learned.

* :func:`plot_connection_table` -- LeNet-5's sparse C3 (the paper's Table I: which S2 maps feed
  each C3 map) as a grid.
* :func:`shuffle_permutation` / :func:`plot_channel_shuffle` -- where each channel goes under
  :func:`cnnlib.layers.channel_shuffle`, so that the next grouped convolution's filters read
  every group (Zhang et al. 2017, arXiv:1707.01083, Fig. 1).
* :func:`plot_filters` -- the learned filters of a convolution as small images.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from matplotlib.figure import Figure

from cnnlib.checks import positive_int
from cnnlib.layers import channel_shuffle
from cnnlib.models.lenet import LENET5_C3_TABLE

__all__ = ["plot_connection_table", "shuffle_permutation", "plot_channel_shuffle", "plot_filters"]


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


def shuffle_permutation(channels: int, groups: int) -> list[int]:
    """``perm[j]`` = the input channel that :func:`~cnnlib.layers.channel_shuffle` puts at
    output position ``j`` (computed by shuffling a tensor whose channel ``i`` holds ``i``)."""
    positive_int("channels", channels)
    positive_int("groups", groups)
    if channels % groups:
        raise ValueError(f"groups={groups} must divide channels={channels}")
    x = torch.arange(channels, dtype=torch.float32).view(1, channels, 1, 1)
    return [int(v) for v in channel_shuffle(x, groups).flatten()]


def plot_channel_shuffle(channels: int = 12, groups: int = 3) -> Figure:
    """Input channels (left, coloured by group) joined to their output positions (right)."""
    perm = shuffle_permutation(channels, groups)
    per_group = channels // groups
    fig = Figure(figsize=(6.5, 0.32 * channels + 1.2))
    ax = fig.subplots()
    colors = [f"C{g % 10}" for g in range(groups)]
    for out_pos, in_ch in enumerate(perm):
        g = in_ch // per_group
        ax.plot([0, 1], [-in_ch, -out_pos], color=colors[g], lw=1.6, alpha=0.8)
    for i in range(channels):
        ax.scatter([0], [-i], color=colors[i // per_group], s=60, zorder=3)
        ax.text(-0.04, -i, f"ch {i} (group {i // per_group})", ha="right", va="center", fontsize=8)
        g_out = perm[i] // per_group
        ax.scatter([1], [-i], color=colors[g_out], s=60, zorder=3)
        ax.text(1.04, -i, f"position {i} <- ch {perm[i]}", ha="left", va="center", fontsize=8)
    for k in range(1, groups):  # group boundaries of the next grouped conv
        ax.axhline(-(k * per_group) + 0.5, xmin=0.55, xmax=1.0, color="0.6", ls="--", lw=0.8)
    ax.set_xlim(-0.6, 1.6)
    ax.axis("off")
    ax.set_title(f"channel_shuffle with {channels} channels, {groups} groups:\n"
                 "each group of the next grouped conv (dashed) gets one channel from every group",
                 fontsize=9)
    fig.tight_layout()
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
