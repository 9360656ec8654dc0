"""Scaling: how cost grows with depth, width and resolution.

* :func:`plot_vgg_stage_costs` -- MACs, parameters and memory of VGG's stages
  (:func:`cnnlib.costs.vgg16_stage_costs`): halving the map while doubling the width.
* :func:`plot_stage_sweep` / :func:`stage_builder_explorer` -- one VGG stage's cost and receptive
  field against its number of 3x3 convs and its width (ipywidgets; static figure when the book
  is built).
* :func:`plot_scaling` / :func:`scaling_explorer` -- EfficientNet-B0 scaled in depth, width,
  resolution or all three (Tan & Le 2019, arXiv:1905.11946, Eq. 3), measured with
  :func:`cnnlib.costs.scaled_efficientnet`.
"""
from __future__ import annotations

import math
from typing import Sequence

from matplotlib.figure import Figure

from cnnlib.arithmetic import receptive_field
from cnnlib.checks import positive_int
from cnnlib.costs import StageCost, scaled_efficientnet, vgg_stage_cost
from cnnlib.models.efficientnet import EFFICIENTNET_BASE_RESOLUTION, compound_scaling
from cnnlib.widgets import int_sliders, is_static

__all__ = ["plot_vgg_stage_costs", "plot_stage_sweep", "stage_builder_explorer", "plot_scaling",
           "scaling_explorer"]


# ------------------------------------------------------------------------------ VGG stages
def plot_vgg_stage_costs(costs: Sequence[StageCost]) -> Figure:
    """MACs, parameters and memory of a sequence of stages, one labelled bar per stage."""
    if not costs:
        raise ValueError("give at least one StageCost (e.g. vgg16_stage_costs())")
    labels = [f"{c.num_convs}x{c.out_channels} @ {c.size}" for c in costs]
    fig = Figure(figsize=(11, 3.2), layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    for ax, (values, title) in zip(axes, [
            ([c.macs / 1e6 for c in costs], "MACs (M)"),
            ([c.params / 1e3 for c in costs], "parameters (k)"),
            ([c.memory_bytes / 1024 for c in costs], "memory (KB)")]):
        bars = ax.barh(labels, values, color="tab:blue")
        ax.bar_label(bars, labels=[f"{v:,.0f}" for v in values], padding=2, fontsize=8)
        ax.set_xlim(0, 1.3 * max(values))
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
    axes[0].invert_yaxis()
    axes[0].set_ylabel("stage (convs x width @ input size)")
    return fig


def plot_stage_sweep(in_channels: int = 128, out_channels: int = 256, size: int = 56, *,
                     max_convs: int = 5, widths: Sequence[int] | None = None) -> Figure:
    """What the explorer's sliders do, as curves: MACs, parameters and receptive field of one
    stage against its number of 3x3 convs, one line per width (default: half, equal to and twice
    ``out_channels``)."""
    max_convs = positive_int("max_convs", max_convs)
    if widths is None:
        widths = [w for w in (out_channels // 2, out_channels, 2 * out_channels) if w >= 1]
    if not widths:
        raise ValueError("widths must list at least one stage width")
    convs = list(range(1, max_convs + 1))
    fig = Figure(figsize=(11, 3.3), layout="constrained")
    ax_mac, ax_par, ax_rf = fig.subplots(1, 3)
    for width in widths:
        costs = [vgg_stage_cost(in_channels, width, n, size) for n in convs]
        label = f"{in_channels} -> {width} channels"
        ax_mac.plot(convs, [c.macs / 1e6 for c in costs], marker="o", label=label)
        ax_par.plot(convs, [c.params / 1e3 for c in costs], marker="o", label=label)
    ax_rf.plot(convs, [receptive_field([(3, 1)] * n).size for n in convs], marker="o",
               color="tab:gray")
    ax_mac.set(title=f"MACs (M) on {size}x{size}", xlabel="3x3 convs in the stage")
    ax_par.set(title="parameters (k)", xlabel="3x3 convs in the stage")
    ax_rf.set(title="receptive field of the last conv (pixels)", xlabel="3x3 convs in the stage")
    for ax in (ax_mac, ax_par, ax_rf):
        ax.set_xticks(convs)
        ax.grid(alpha=0.3)
    ax_mac.legend(fontsize=8)
    return fig


def stage_builder_explorer(in_channels: int = 64, out_channels: int = 128, num_convs: int = 2,
                           size: int = 112):
    """Sliders for one VGG stage: its shape, parameters, MACs, memory and receptive field.

    While the book is built (``CNNLIB_STATIC=1``) it returns :func:`plot_stage_sweep` for the
    given channels and size instead: the same quantities for 1 to 5 convs and three widths.
    """
    if is_static():
        return plot_stage_sweep(in_channels, out_channels, size)

    def show(in_channels, out_channels, num_convs, size):
        print(vgg_stage_cost(in_channels, out_channels, num_convs, size).report())

    return int_sliders(show, in_channels=(in_channels, 1, 1024, "C in"),
                       out_channels=(out_channels, 1, 1024, "C out"),
                       num_convs=(num_convs, 1, 6, "3x3 convs"), size=(size, 2, 448, "input H=W", 2))


# ------------------------------------------------------------------------------ EfficientNet
def plot_scaling(phis: Sequence[int] = (0, 1, 2)) -> Figure:
    """MACs when B0 is scaled in one dimension only versus compound scaling, each scaled so
    that the FLOPs rule ``d * w^2 * r^2`` predicts ``2^phi`` (paper Section 3.3)."""
    base = scaled_efficientnet().macs
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
            lines[key].append(run.macs / base)
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
        print(f"params {run.params / 1e6:.2f} M ({run.params / base.params:.2f}x B0)\n"
              f"MACs   {run.macs / 1e9:.3f} G ({run.macs / base.macs:.2f}x B0; "
              f"the rule d*w^2*r^2 predicts {rule:.2f}x)")

    return w.interactive(
        show,
        depth=w.FloatSlider(1.2, min=1.0, max=4.0, step=0.1, description="depth d"),
        width=w.FloatSlider(1.1, min=1.0, max=2.0, step=0.05, description="width w"),
        resolution=w.IntSlider(258, min=224, max=600, step=2, description="resolution"),
    )
