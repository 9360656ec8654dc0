"""Residual networks and what came after them.

* :func:`plot_stage_costs` -- a ResNet's parameters and MACs per part, from
  :func:`cnnlib.costs.stage_costs`.
* :func:`plot_depth_explorer` / :func:`depth_explorer` -- choose the block type and blocks per
  stage, next to the paper's five ImageNet ResNets (ipywidgets; a static figure when the book
  is built).
* :func:`dense_growth` / :func:`plot_channel_growth` -- every dense layer's input channels (and
  every transition) of a :class:`cnnlib.models.densenet.DenseNet`, read from the model.
* :func:`drop_path_rates` / :func:`expected_depth` / :func:`plot_drop_rates` -- the
  stochastic-depth probability of each residual block, and how many blocks survive on average.
* :func:`plot_se_growth` / :func:`se_growth_explorer` -- what squeeze-and-excitation's reduction
  ratio and DenseNet's growth rate cost (:func:`cnnlib.costs.se_cost`,
  :func:`cnnlib.costs.densenet_cost`).
"""
from __future__ import annotations

import functools
from typing import Any, Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.patches import Patch
from torch import nn

from cnnlib.costs import BLOCKS, densenet_cost, meta_model, resnet_config_costs, se_cost
from cnnlib.layers import DropPath
from cnnlib.models.densenet import DenseBlock, Transition
from cnnlib.models.resnet import IMAGENET_RESNETS
from cnnlib.summary import summarize
from cnnlib.widgets import is_static

__all__ = [
    "plot_stage_costs", "plot_depth_explorer", "depth_explorer", "dense_growth",
    "plot_channel_growth", "drop_path_rates", "expected_depth", "plot_drop_rates",
    "plot_se_growth", "se_growth_explorer",
]


# ------------------------------------------------------------------------------ ResNet
def plot_stage_costs(parts: Sequence[Mapping[str, Any]], *, title: str = "") -> Figure:
    """Bars of parameters (M) and MACs (G) per part, from :func:`stage_costs`."""
    if not parts:
        raise ValueError("plot_stage_costs needs at least one part")
    fig = Figure(figsize=(10, 3.4), layout="constrained")
    ax_p, ax_m = fig.subplots(1, 2)
    labels = [p["part"] for p in parts]
    for ax, key, scale, unit, color in ((ax_p, "params", 1e6, "parameters (M)", "tab:blue"),
                                        (ax_m, "macs", 1e9, "MACs (G)", "tab:orange")):
        values = [p[key] / scale for p in parts]
        bars = ax.bar(labels, values, color=color)
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=8)
        ax.set_ylabel(unit)
        ax.set_title(unit)
        ax.tick_params(axis="x", labelsize=8)
        ax.margins(y=0.15)
    if title:
        fig.suptitle(title)
    return fig


@functools.lru_cache(maxsize=None)
def _paper_point(name: str) -> tuple[float, float]:
    block, depths = IMAGENET_RESNETS[name]
    c = resnet_config_costs(block, depths)
    return c.params / 1e6, c.macs / 1e9


def _config_label(block: str, depths: Sequence[int], layers: int) -> str:
    return f"{layers}-layer {block} {list(depths)}"


def plot_depth_explorer(block: str = "bottleneck", depths: Sequence[int] = (3, 4, 6, 3)) -> Figure:
    """The chosen configuration's cost per stage, next to the five ResNets of the paper."""
    chosen = resnet_config_costs(block, depths)
    fig = Figure(figsize=(12, 3.8), layout="constrained")
    ax_fam, ax_stage = fig.subplots(1, 2)
    for name in IMAGENET_RESNETS:
        x, y = _paper_point(name)
        ax_fam.plot(x, y, "o", color="tab:blue")
        ax_fam.annotate(name, (x, y), textcoords="offset points", xytext=(5, -10), fontsize=8)
    label = _config_label(block, chosen.depths, chosen.layers)
    ax_fam.plot(chosen.params / 1e6, chosen.macs / 1e9, "*", color="tab:red", markersize=14,
                label=f"{label}: {chosen.params / 1e6:.1f} M params, {chosen.macs / 1e9:.2f} G MACs")
    ax_fam.set_xlabel("parameters (M)")
    ax_fam.set_ylabel("MACs per 224x224 image (G)")
    ax_fam.grid(alpha=0.3)
    ax_fam.legend(fontsize=8, loc="upper left")
    ax_fam.margins(0.15)

    parts = chosen.stages
    xs = range(len(parts))
    ax_stage.bar([x - 0.2 for x in xs], [p.params / 1e6 for p in parts], width=0.4,
                 label="parameters (M)", color="tab:blue")
    ax2 = ax_stage.twinx()
    ax2.bar([x + 0.2 for x in xs], [p.macs / 1e9 for p in parts], width=0.4,
            label="MACs (G)", color="tab:orange")
    ax_stage.set_xticks(list(xs), [f"{p.part}\n{p.layers} layers" for p in parts], fontsize=8)
    ax_stage.set_ylabel("parameters (M)", color="tab:blue")
    ax2.set_ylabel("MACs (G)", color="tab:orange")
    ax_stage.set_title(f"{label}, per stage", fontsize=10)
    return fig


def depth_explorer(block: str = "bottleneck", depths: Sequence[int] = (3, 4, 6, 3)):
    """Block type and blocks per stage -> layers, parameters and MACs (static figure on the site)."""
    if is_static():
        # The site shows a configuration the paper did not build: ResNet-101's blocks per
        # stage, but basic blocks (a 68-layer network without bottlenecks).
        return plot_depth_explorer("basic", IMAGENET_RESNETS["resnet101"][1])
    import ipywidgets as w
    from IPython.display import display

    def show(block, s1, s2, s3, s4):
        display(plot_depth_explorer(block, (s1, s2, s3, s4)))

    d = list(depths) + [1] * (4 - len(depths))
    return w.interactive(
        show,
        block=w.Dropdown(options=sorted(BLOCKS), value=block, description="block"),
        s1=w.IntSlider(d[0], 1, 12, description="stage 1"),
        s2=w.IntSlider(d[1], 1, 12, description="stage 2"),
        s3=w.IntSlider(d[2], 1, 48, description="stage 3"),
        s4=w.IntSlider(d[3], 1, 12, description="stage 4"),
    )


# ------------------------------------------------------------------------------ DenseNet
def dense_growth(model: nn.Module) -> list[dict[str, Any]]:
    """One row per dense layer and per transition of ``model``, in order.

    Dense layers: ``kind="layer"``, ``block`` and ``layer`` (1-based), ``in_channels`` (what the
    layer's BN-ReLU-conv1x1 sees: the block input plus ``growth`` maps from each earlier layer),
    ``growth`` (maps it adds) and ``inputs`` (how many feature-map groups are concatenated into
    it: the block input and every earlier layer's output). Transitions: ``kind="transition"``
    with ``in_channels`` and ``out_channels``.
    """
    blocks = [m for m in model.modules() if isinstance(m, (DenseBlock, Transition))]
    if not any(isinstance(m, DenseBlock) for m in blocks):
        raise ValueError(f"dense_growth needs a model with DenseBlocks, got {type(model).__name__}")
    rows: list[dict[str, Any]] = []
    block_index = 0
    for m in blocks:
        if isinstance(m, DenseBlock):
            block_index += 1
            for i, layer in enumerate(m.layers, start=1):
                rows.append({"kind": "layer", "block": block_index, "layer": i,
                             "in_channels": layer.conv1.in_channels,
                             "growth": layer.conv2.out_channels, "inputs": i})
        else:
            conv = next(c for c in m if isinstance(c, nn.Conv2d))
            rows.append({"kind": "transition", "block": block_index, "layer": None,
                         "in_channels": conv.in_channels, "out_channels": conv.out_channels})
    return rows


def plot_channel_growth(rows: Sequence[Mapping[str, Any]], *, title: str = "") -> Figure:
    """Channels entering each dense layer, across the network; transitions marked."""
    layers = [r for r in rows if r["kind"] == "layer"]
    if not layers:
        raise ValueError("plot_channel_growth needs the rows of dense_growth (no dense layers given)")
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots()
    x = 0
    for r in rows:
        if r["kind"] == "layer":
            x += 1
            ax.bar(x, r["in_channels"], width=0.9, color=f"C{(r['block'] - 1) % 10}")
        else:
            ax.axvline(x + 0.5, color="black", linestyle=":", linewidth=1)
            ax.annotate(f"transition\n{r['in_channels']} -> {r['out_channels']}", (x + 0.5, r["in_channels"]),
                        textcoords="offset points", xytext=(3, 2), fontsize=7)
    blocks = sorted({r["block"] for r in layers})
    handles = [Patch(color=f"C{(b - 1) % 10}", label=f"dense block {b}") for b in blocks]
    ax.set_xlabel("dense layer (in order through the network)")
    ax.set_ylabel("input channels of the layer")
    ax.set_ylim(0, 1.15 * max(r["in_channels"] for r in rows))
    ax.grid(alpha=0.3, axis="y")
    ax.legend(handles=handles, fontsize=8, loc="upper left")
    if title:
        ax.set_title(title)
    return fig


# ------------------------------------------------------------------------------ stochastic depth
def drop_path_rates(model: nn.Module) -> list[float]:
    """The drop probability of every :class:`~cnnlib.layers.DropPath` in ``model``, in order.

    In the zoo's residual networks each block holds one, so this is the per-block schedule of
    stochastic depth (``drop_path_rate`` spread linearly over the blocks).
    """
    rates = [m.p for m in model.modules() if isinstance(m, DropPath)]
    if not rates:
        raise ValueError(f"{type(model).__name__} has no DropPath modules (no stochastic depth to show)")
    return rates


def expected_depth(rates: Sequence[float]) -> float:
    """Expected number of residual blocks that run in one training step: sum of 1 - p_l."""
    if any(not 0.0 <= p < 1.0 for p in rates):
        raise ValueError(f"drop rates must be in [0, 1), got {list(rates)}")
    return float(sum(1.0 - p for p in rates))


def plot_drop_rates(rates: Mapping[str, Sequence[float]], *, title: str = "") -> Figure:
    """Each block's drop probability, one line per named model (from :func:`drop_path_rates`)."""
    if not rates:
        raise ValueError("plot_drop_rates needs at least one named list of rates")
    fig = Figure(figsize=(7, 3.4), layout="constrained")
    ax = fig.subplots()
    for name, rs in rates.items():
        ax.plot(range(1, len(rs) + 1), rs, marker="o" if len(rs) <= 30 else None, markersize=3,
                label=f"{name}: {len(rs)} blocks, {expected_depth(rs):.2f} survive on average")
    ax.set_xlabel("residual block l (input -> output)")
    ax.set_ylabel("drop probability 1 - p_l")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


# ------------------------------------------------------------------------------ SE and growth rate
_REDUCTIONS = (2, 4, 8, 16, 32, 64)
_GROWTH_RATES = (8, 12, 16, 24, 32, 48)


def plot_se_growth(reduction: int = 16, growth_rate: int = 32) -> Figure:
    """Left: parameters SE adds to ResNet-50 against r. Right: DenseNet-121's layout against k."""
    base = summarize(meta_model("resnet50"), (3, 224, 224))
    fig = Figure(figsize=(12, 3.8), layout="constrained")
    ax_se, ax_k = fig.subplots(1, 2)
    rs = sorted(set(_REDUCTIONS) | {reduction})
    added = [se_cost(r).params / 1e6 for r in rs]
    ax_se.plot(rs, added, marker="o")
    chosen = se_cost(reduction)
    ax_se.plot([reduction], [chosen.params / 1e6], "*", color="tab:red", markersize=14,
               label=f"r = {reduction}: +{chosen.params / 1e6:.2f} M params "
                     f"(+{chosen.params / base.total_params:.1%}), +{chosen.macs / 1e6:.2f} M MACs "
                     f"(+{chosen.macs / base.total_macs:.2%})")
    ax_se.set_xscale("log", base=2)
    ax_se.set_xlabel("SE reduction ratio r")
    ax_se.set_ylabel("parameters added to ResNet-50 (M)")
    ax_se.set_title(f"SE-ResNet-50: ResNet-50 has {base.total_params / 1e6:.1f} M params", fontsize=10)
    ax_se.grid(alpha=0.3)
    ax_se.legend(fontsize=8)

    ks = sorted(set(_GROWTH_RATES) | {growth_rate})
    costs = [densenet_cost(k) for k in ks]
    ax_k.plot(ks, [c.params / 1e6 for c in costs], marker="o", color="tab:blue", label="parameters (M)")
    ax2 = ax_k.twinx()
    ax2.plot(ks, [c.macs / 1e9 for c in costs], marker="s", color="tab:orange", label="MACs (G)")
    c = densenet_cost(growth_rate)
    ax_k.plot([growth_rate], [c.params / 1e6], "*", color="tab:red", markersize=14)
    ax_k.set_xlabel("growth rate k (DenseNet-121 layout, stem 2k)")
    ax_k.set_ylabel("parameters (M)", color="tab:blue")
    ax2.set_ylabel("MACs per 224x224 image (G)", color="tab:orange")
    ax_k.set_title(f"k = {growth_rate}: {c.params / 1e6:.2f} M params, {c.macs / 1e9:.2f} G MACs, "
                   f"{c.num_features} final channels", fontsize=10)
    ax_k.grid(alpha=0.3)
    return fig


def se_growth_explorer(reduction: int = 16, growth_rate: int = 32):
    """Sliders for SE's reduction ratio and DenseNet's growth rate (static figure on the site)."""
    if is_static():
        return plot_se_growth(reduction, growth_rate)
    import ipywidgets as w
    from IPython.display import display

    def show(reduction, growth_rate):
        display(plot_se_growth(reduction, growth_rate))

    return w.interactive(
        show,
        reduction=w.Dropdown(options=[1, *_REDUCTIONS, 128], value=reduction, description="SE r"),
        growth_rate=w.IntSlider(growth_rate, 4, 64, step=4, description="growth k"),
    )
