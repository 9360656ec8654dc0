"""Figures and controls for chapter 10 (efficient networks).

* :func:`separable_vs_standard` -- parameters and MACs of a real ``nn.Conv2d`` and a real
  :class:`~cnnlib.models.mobilenet.DepthwiseSeparableConv` with the same shapes, measured
  with :func:`cnnlib.summarize`, next to the paper's ratio ``1/N + 1/k^2`` (Howard et al.
  2017, arXiv:1704.04861, Eq. 5).
* :func:`shuffle_permutation` / :func:`plot_channel_shuffle` -- where each channel goes under
  :func:`cnnlib.layers.channel_shuffle` (Zhang et al. 2017, arXiv:1707.01083, Fig. 1).
* :func:`scaled_efficientnet` -- parameters and MACs of EfficientNet-B0 scaled by any depth,
  width and resolution multipliers (Tan & Le 2019, arXiv:1905.11946, Eq. 3).
* :func:`plot_params_vs_macs` -- log-log scatter of parameters against MACs.
* :func:`scaling_explorer` -- depth/width/resolution sliders -> MACs (static fallback).
"""
from __future__ import annotations

import functools
import math
from typing import Sequence

import torch
from matplotlib.figure import Figure
from torch import nn

from cnnlib.layers import channel_shuffle
from cnnlib.models.efficientnet import EFFICIENTNET_BASE_RESOLUTION, EfficientNet
from cnnlib.models.mobilenet import DepthwiseSeparableConv
from cnnlib.summary import summarize
from cnnlib.widgets import is_static

__all__ = [
    "separable_vs_standard", "shuffle_permutation", "plot_channel_shuffle",
    "scaled_efficientnet", "plot_params_vs_macs", "plot_scaling", "scaling_explorer",
]


def _positive_int(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def separable_vs_standard(in_channels: int, out_channels: int, size: int, *,
                          stride: int = 1) -> dict[str, float]:
    """Weights (biases not counted) and MACs of a standard 3x3 conv and of a depthwise
    separable one (3x3 depthwise + 1x1 pointwise), without norm/activation, on an
    ``in_channels x size x size`` input, measured with :func:`cnnlib.summarize`.

    Returns ``standard_params``, ``separable_params``, ``standard_macs``, ``separable_macs``,
    their ratios ``params_ratio`` / ``macs_ratio`` (separable / standard) and the paper's
    prediction ``formula = 1/N + 1/k^2`` with ``N = out_channels``, ``k = 3``.
    """
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("size", size)):
        _positive_int(name, value)
    if stride not in (1, 2):
        raise ValueError(f"stride must be 1 or 2 (as in MobileNet), got {stride!r}")
    standard = nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False)
    separable = DepthwiseSeparableConv(in_channels, out_channels, stride,
                                       norm_layer=None, act_layer=None)
    s = summarize(standard, (in_channels, size, size))
    d = summarize(separable, (in_channels, size, size))
    # DepthwiseSeparableConv without a norm layer gives its convs biases; count weights only.
    weights = sum(m.weight.numel() for m in separable.modules() if isinstance(m, nn.Conv2d))
    return {
        "standard_params": s.total_params, "separable_params": weights,
        "standard_macs": s.total_macs, "separable_macs": d.total_macs,
        "params_ratio": weights / s.total_params,
        "macs_ratio": d.total_macs / s.total_macs,
        "formula": 1 / out_channels + 1 / 9,
    }


def shuffle_permutation(channels: int, groups: int) -> list[int]:
    """``perm[j]`` = the input channel that :func:`~cnnlib.layers.channel_shuffle` puts at
    output position ``j`` (computed by shuffling a tensor whose channel ``i`` holds ``i``)."""
    _positive_int("channels", channels)
    _positive_int("groups", groups)
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


@functools.lru_cache(maxsize=64)
def scaled_efficientnet(depth: float = 1.0, width: float = 1.0,
                        resolution: int = EFFICIENTNET_BASE_RESOLUTION) -> dict[str, float]:
    """EfficientNet-B0 with its depth and width multiplied by ``depth`` / ``width`` (with the
    authors' rounding of repeats and channels) at ``resolution x resolution``: built on the
    meta device and measured with :func:`cnnlib.summarize`. Returns ``params`` and ``macs``."""
    if not (depth >= 1 and width >= 1):
        raise ValueError(f"depth and width multipliers must be >= 1 (B0 is 1.0), got "
                         f"depth={depth!r}, width={width!r}")
    _positive_int("resolution", resolution)
    if resolution < 32:
        raise ValueError(f"resolution must be at least 32 pixels (B0 downsamples by 32), "
                         f"got {resolution}")
    with torch.device("meta"):
        model = EfficientNet(width_mult=width, depth_mult=depth, default_input_size=resolution)
    s = summarize(model, (3, resolution, resolution))
    return {"params": s.total_params, "macs": s.total_macs}


def plot_params_vs_macs(records: Sequence[dict], *, highlight: Sequence[str] = ()) -> Figure:
    """Log-log scatter of ``params`` (x) against ``macs`` (y), one labelled point per record
    (dicts with ``name``, ``params``, ``macs``); names in ``highlight`` are drawn in grey."""
    if not records:
        raise ValueError("records is empty: pass dicts with name, params and macs")
    fig = Figure(figsize=(7.5, 5))
    ax = fig.subplots()
    for r in records:
        if r["params"] <= 0 or r["macs"] <= 0:
            raise ValueError(f"{r['name']}: params and macs must be positive for a log scale")
        ref = r["name"] in highlight
        ax.scatter(r["params"] / 1e6, r["macs"] / 1e6, s=45, color="0.45" if ref else "C0",
                   marker="s" if ref else "o", zorder=3)
        ax.annotate(r["name"], (r["params"] / 1e6, r["macs"] / 1e6), fontsize=7,
                    xytext=(4, 3), textcoords="offset points")
    ax.set(xscale="log", yscale="log", xlabel="parameters (millions)",
           ylabel="multiply-adds (millions)")
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def plot_scaling(phis: Sequence[int] = (0, 1, 2)) -> Figure:
    """MACs when B0 is scaled in one dimension only versus compound scaling, each scaled so
    that the FLOPs rule ``d * w^2 * r^2`` predicts ``2^phi`` (paper Section 3.3)."""
    from cnnlib.models.efficientnet import compound_scaling

    base = scaled_efficientnet()["macs"]
    lines: dict[str, list[float]] = {"depth only": [], "width only": [], "resolution only": [],
                                     "compound (alpha=1.2, beta=1.1, gamma=1.15)": []}
    for phi in phis:
        target = 2.0**phi
        c = compound_scaling(phi)
        runs = {
            "depth only": scaled_efficientnet(depth=target),
            "width only": scaled_efficientnet(width=math.sqrt(target)),
            "resolution only": scaled_efficientnet(
                resolution=int(round(EFFICIENTNET_BASE_RESOLUTION * math.sqrt(target)))),
            "compound (alpha=1.2, beta=1.1, gamma=1.15)": scaled_efficientnet(
                depth=c.depth, width=c.width, resolution=c.resolution),
        }
        for key, run in runs.items():
            lines[key].append(run["macs"] / base)
    fig = Figure(figsize=(6.5, 4))
    ax = fig.subplots()
    ax.plot(list(phis), [2.0**p for p in phis], color="k", ls="--", label="2^phi (the rule)")
    for key, values in lines.items():
        ax.plot(list(phis), values, marker="o", label=key)
    ax.set(xlabel="phi", ylabel="MACs / MACs of B0", yscale="log",
           title="Measured MACs of scaled B0 (static preview of the explorer)")
    ax.set_xticks(list(phis))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def scaling_explorer():
    """Sliders for depth, width and resolution multipliers -> parameters and MACs of the
    scaled B0 (live); :func:`plot_scaling` while the book is built."""
    if is_static():
        return plot_scaling()
    import ipywidgets as w

    base = scaled_efficientnet()

    def show(depth: float, width: float, resolution: int) -> None:
        run = scaled_efficientnet(round(depth, 2), round(width, 2), resolution)
        rule = depth * width**2 * (resolution / EFFICIENTNET_BASE_RESOLUTION) ** 2
        print(f"params {run['params'] / 1e6:.2f} M ({run['params'] / base['params']:.2f}x B0)\n"
              f"MACs   {run['macs'] / 1e9:.3f} G ({run['macs'] / base['macs']:.2f}x B0; "
              f"the rule d*w^2*r^2 predicts {rule:.2f}x)")

    return w.interactive(
        show,
        depth=w.FloatSlider(1.2, min=1.0, max=4.0, step=0.1, description="depth d"),
        width=w.FloatSlider(1.1, min=1.0, max=2.0, step=0.05, description="width w"),
        resolution=w.IntSlider(258, min=224, max=600, step=2, description="resolution"),
    )
