"""Normalization: which numbers share one mean and variance, and what that implies.

* :func:`shared_statistic_mask` -- which elements of an ``(N, C, *spatial)`` tensor share one
  mean and variance with a given element, derived from
  :func:`cnnlib.layers.normalization_axes` (and the channel groups of GroupNorm).
* :func:`plot_normalization_cubes` -- the cube figure of Wu & He 2018 (arXiv:1803.08494,
  Fig. 2), drawn from those masks.
* :func:`batch_dependence` -- how much one image's normalized output changes with the other
  images in its batch (BatchNorm in training mode depends on them; the other norms don't).
* :func:`norm_explorer` -- batch size / group count explorer (ipywidgets, static fallback).
"""
from __future__ import annotations

import functools
import math
from typing import Sequence

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from cnnlib.checks import positive_int
from cnnlib.layers import normalization_axes, norms
from cnnlib.widgets import is_static

__all__ = [
    "NORM_TITLES", "shared_statistic_mask", "values_per_statistic", "plot_normalization_cubes",
    "batch_dependence", "digit_features", "plot_norm_explorer", "norm_explorer",
]

#: Display names of the kinds :func:`cnnlib.layers.normalization_axes` knows.
NORM_TITLES = {"batch": "BatchNorm", "layer": "LayerNorm", "instance": "InstanceNorm",
               "group": "GroupNorm"}

_HIGHLIGHT = (0.27, 0.45, 0.77, 0.95)  # the cells that share one statistic
_OTHER = (0.80, 0.80, 0.80, 0.12)


def _check_groups(kind: str, channels: int, groups: int | None) -> None:
    if kind == "group":
        if groups is None:
            raise ValueError("kind='group' needs groups= (the number of channel groups G)")
        if groups < 1 or channels % groups:
            raise ValueError(f"groups must be a positive divisor of the {channels} channels, got {groups}")
    elif groups is not None:
        raise ValueError(f"groups= only applies to kind='group', not {kind!r}")


def shared_statistic_mask(kind: str, shape: Sequence[int], *, groups: int | None = None,
                          index: Sequence[int] | None = None) -> torch.Tensor:
    """Boolean tensor of ``shape``: True where an element shares its mean and variance with
    the element at ``index`` (default: the first element) under normalization ``kind``.

    Along the axes that :func:`~cnnlib.layers.normalization_axes` averages over, every
    position shares; along the others only ``index``'s own. For ``"group"`` the channel axis
    is further cut into ``groups`` blocks of ``C // groups`` channels (Wu & He 2018, Eq. 7).
    """
    shape = tuple(int(s) for s in shape)
    axes = normalization_axes(kind, shape)  # validates kind and rank
    _check_groups(kind, shape[1], groups)
    index = tuple(index) if index is not None else (0,) * len(shape)
    if len(index) != len(shape) or any(not 0 <= i < s for i, s in zip(index, shape)):
        raise ValueError(f"index {index} is not a position in a tensor of shape {shape}")
    mask = torch.ones(shape, dtype=torch.bool)
    for dim, size in enumerate(shape):
        keep = torch.zeros(size, dtype=torch.bool)
        if dim in axes:
            keep[:] = True
        else:
            keep[index[dim]] = True
        if kind == "group" and dim == 1:
            per_group = size // groups
            first = index[1] // per_group * per_group
            keep[:] = False
            keep[first:first + per_group] = True
        view = [1] * len(shape)
        view[dim] = size
        mask &= keep.view(view)
    return mask


def values_per_statistic(kind: str, shape: Sequence[int], *, groups: int | None = None) -> int:
    """How many numbers one mean (and variance) is computed from, for an input of ``shape``."""
    shape = tuple(int(s) for s in shape)
    axes = normalization_axes(kind, shape)
    _check_groups(kind, shape[1], groups)
    count = math.prod(shape[a] for a in axes)
    return count // groups if kind == "group" else count


def _draw_cube(ax, mask: torch.Tensor, title: str) -> None:
    """One (N, C, spatial) mask as voxels: x = C, y = N, z = spatial (Wu & He's layout)."""
    filled = mask.new_ones(mask.shape).permute(1, 0, 2).numpy()  # C x N x S
    highlight = mask.permute(1, 0, 2).numpy()
    colors = [[[_HIGHLIGHT if highlight[c, n, s] else _OTHER for s in range(mask.shape[2])]
               for n in range(mask.shape[0])] for c in range(mask.shape[1])]
    ax.voxels(filled, facecolors=np.array(colors), edgecolor=(0.3, 0.3, 0.3, 0.35), linewidth=0.4)
    ax.set_xlabel("C", labelpad=-14)
    ax.set_ylabel("N", labelpad=-14)
    ax.set_zlabel("H, W", labelpad=-14)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_zticks([])
    ax.set_box_aspect(mask.permute(1, 0, 2).shape, zoom=0.85)
    ax.view_init(elev=20, azim=-60)
    ax.set_proj_type("ortho")
    ax.set_title(title, fontsize=10)


def plot_normalization_cubes(kinds: Sequence[str] = ("batch", "layer", "instance", "group"), *,
                             batch_size: int = 4, channels: int = 6, spatial: int = 4,
                             groups: int = 2) -> Figure:
    """Wu & He's cube figure: an ``(N, C, H*W)`` tensor per norm, with the numbers that share
    one mean and variance (those of the first sample's first channel) in blue."""
    if not kinds:
        raise ValueError("give at least one kind of normalization")
    for name, value in (("batch_size", batch_size), ("channels", channels), ("spatial", spatial)):
        positive_int(name, value)
    shape = (batch_size, channels, spatial)
    fig = Figure(figsize=(3.1 * len(kinds), 3.3), layout="constrained")
    for i, kind in enumerate(kinds):
        g = groups if kind == "group" else None
        mask = shared_statistic_mask(kind, shape, groups=g)
        ax = fig.add_subplot(1, len(kinds), i + 1, projection="3d")
        title = NORM_TITLES.get(kind, kind) + (f" (G = {groups})" if kind == "group" else "")
        _draw_cube(ax, mask, title)
    return fig


@torch.no_grad()
def batch_dependence(layer: nn.Module, images: torch.Tensor, batch_sizes: Sequence[int], *,
                     trials: int = 100, index: int = 0, seed: int = 0) -> dict[int, float]:
    """How much image ``index``'s output from ``layer`` depends on the rest of its batch.

    For each batch size ``n``: put the image in ``trials`` batches with ``n - 1`` other images
    drawn at random from ``images`` (``M x C x H x W``), take the standard deviation over the
    trials of each of its output numbers, and average. ``layer`` runs in the mode it is in
    (a BatchNorm in training mode normalizes with the batch's statistics).
    """
    if images.dim() != 4:
        raise ValueError(f"images must be M x C x H x W, got shape {tuple(images.shape)}")
    m = images.shape[0]
    if not 0 <= index < m:
        raise ValueError(f"index {index} is outside the {m} images")
    if trials < 2:
        raise ValueError(f"trials must be >= 2 to measure a spread, got {trials}")
    bad = [n for n in batch_sizes if not 2 <= int(n) <= m]
    if bad:
        raise ValueError(f"batch sizes must be between 2 and the {m} images, got {bad}")
    gen = torch.Generator().manual_seed(seed)
    others = torch.tensor([i for i in range(m) if i != index])
    spread = {}
    for n in batch_sizes:
        outs = []
        for _ in range(trials):
            pick = others[torch.randperm(len(others), generator=gen)[: int(n) - 1]]
            batch = torch.cat([images[index:index + 1], images[pick]])
            outs.append(layer(batch)[0])
        spread[int(n)] = float(torch.stack(outs).std(dim=0).mean())
    return spread


@functools.lru_cache(maxsize=4)
def digit_features(channels: int = 8, *, seed: int = 0) -> torch.Tensor:
    """Feature maps to normalize: the offline digits' training split (1,437 images, 1 x 8 x 8)
    through a fixed random 3x3 convolution to ``channels`` channels (``1437 x C x 8 x 8``)."""
    from cnnlib.data import digits_datasets

    if channels < 1:
        raise ValueError(f"channels must be >= 1, got {channels}")
    train, _ = digits_datasets(size=8, channels=1)
    gen = torch.Generator().manual_seed(seed)
    weight = torch.randn(channels, 1, 3, 3, generator=gen) / 3.0  # fan_in = 9
    bias = torch.randn(channels, generator=gen)
    return torch.nn.functional.conv2d(train.tensors[0], weight, bias, padding=1)


_SPREAD_SIZES = (2, 4, 8, 16, 32, 64)


@functools.lru_cache(maxsize=8)
def _bn_spread(channels: int, sizes: tuple[int, ...], trials: int, seed: int) -> dict[int, float]:
    bn = norms.BatchNorm2d(channels, affine=False, track_running_stats=False)
    return batch_dependence(bn, digit_features(channels), sizes, trials=trials, seed=seed)


def plot_norm_explorer(batch_size: int = 4, groups: int = 2, *, channels: int = 8,
                       trials: int = 100, seed: int = 0) -> Figure:
    """Three panels for one setting of batch size ``N`` and GroupNorm's group count ``G``:
    the GroupNorm cube, how many numbers each norm's statistic averages for an
    ``N x C x 8 x 8`` feature map, and how much BatchNorm's output for one image moves with
    its batch companions (GroupNorm's: not at all)."""
    if not 2 <= batch_size <= 256:
        raise ValueError(f"batch_size must be between 2 and 256, got {batch_size}")
    _check_groups("group", channels, groups)
    fig = Figure(figsize=(13, 3.6), layout="constrained")
    ax_cube = fig.add_subplot(1, 3, 1, projection="3d")
    shown_n = min(batch_size, 8)
    mask = shared_statistic_mask("group", (shown_n, channels, 4), groups=groups)
    more = f", {shown_n} of N = {batch_size} drawn" if shown_n < batch_size else f", N = {batch_size}"
    _draw_cube(ax_cube, mask, f"GroupNorm, G = {groups} of C = {channels}{more}")

    ax_bar = fig.add_subplot(1, 3, 2)
    shape = (batch_size, channels, 8, 8)
    kinds = ["batch", "layer", "instance", "group"]
    counts = [values_per_statistic(k, shape, groups=groups if k == "group" else None) for k in kinds]
    labels = [NORM_TITLES[k] + (f"\nG={groups}" if k == "group" else "") for k in kinds]
    bars = ax_bar.bar(labels, counts, color=[_HIGHLIGHT[:3]] * 4)
    ax_bar.bar_label(bars, labels=[f"{c:,}" for c in counts], fontsize=8)
    ax_bar.set_yscale("log")
    ax_bar.set_ylabel("numbers per mean")
    ax_bar.set_title(f"input N x C x H x W = {' x '.join(map(str, shape))}", fontsize=10)
    ax_bar.tick_params(axis="x", labelsize=8)

    ax_sp = fig.add_subplot(1, 3, 3)
    sizes = tuple(sorted(set(_SPREAD_SIZES) | {batch_size}))
    spread = _bn_spread(channels, sizes, trials, seed)
    ax_sp.plot(list(spread), list(spread.values()), marker="o", label="BatchNorm (training mode)")
    ax_sp.plot([batch_size], [spread[batch_size]], marker="o", markersize=11, color="tab:red",
               label=f"N = {batch_size}: {spread[batch_size]:.3f}")
    gn = nn.GroupNorm(groups, channels, affine=False)
    gn_spread = batch_dependence(gn, digit_features(channels), [batch_size], trials=20, seed=seed)
    ax_sp.set_xscale("log", base=2)
    ax_sp.set_yscale("log")
    ax_sp.set_xlabel("batch size N")
    ax_sp.set_ylabel("std of one image's output")
    ax_sp.set_title(f"GroupNorm at N = {batch_size}: {gn_spread[batch_size]:.1g}", fontsize=10)
    ax_sp.grid(alpha=0.3, which="both")
    ax_sp.legend(fontsize=8)
    return fig


def norm_explorer(batch_size: int = 4, groups: int = 2, *, channels: int = 8):
    """Sliders for the batch size and GroupNorm's group count (static figure on the site)."""
    if is_static():
        return plot_norm_explorer(batch_size, groups, channels=channels)
    import ipywidgets as w
    from IPython.display import display

    divisors = [g for g in range(1, channels + 1) if channels % g == 0]

    def show(batch_size, groups):
        display(plot_norm_explorer(batch_size, groups, channels=channels))

    return w.interactive(
        show,
        batch_size=w.IntSlider(batch_size, 2, 64, description="batch N"),
        groups=w.Dropdown(options=divisors, value=groups if groups in divisors else divisors[0],
                          description="groups G"),
    )
