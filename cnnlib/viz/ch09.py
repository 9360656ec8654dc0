"""Figures, costs and a control for chapter 9 (improving ResNets).

* :func:`dense_growth` -- every dense layer's input channels (and every transition) of a
  :class:`cnnlib.models.densenet.DenseNet`, read from the model; :func:`plot_channel_growth`.
* :func:`drop_path_rates` / :func:`expected_depth` -- the stochastic-depth probability of each
  residual block of a model, and how many blocks survive on average; :func:`plot_drop_rates`.
* :func:`se_block_channels`, :func:`se_cost` -- what squeeze-and-excitation adds to a ResNet, for
  any reduction ratio.
* :func:`densenet_cost` -- parameters and MACs of DenseNet-121's layout for any growth rate.
* :func:`se_growth_explorer` -- sliders for the SE reduction ratio and the growth rate
  (ipywidgets; a static figure when the book is built).
"""
from __future__ import annotations

import functools
from typing import Any, Mapping, Sequence

import torch
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from torch import nn

from cnnlib.layers import DropPath
from cnnlib.models.densenet import DENSENETS, DenseBlock, DenseNet, Transition
from cnnlib.registry import get_model
from cnnlib.summary import summarize
from cnnlib.widgets import is_static

__all__ = [
    "dense_growth", "plot_channel_growth", "drop_path_rates", "expected_depth", "plot_drop_rates",
    "se_block_channels", "se_cost", "densenet_cost", "plot_se_growth", "se_growth_explorer",
]


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
@functools.lru_cache(maxsize=8)
def se_block_channels(base: str = "resnet50") -> tuple[int, ...]:
    """Output channels of each residual block of zoo model ``base`` (where an SE block sits)."""
    with torch.device("meta"):
        model = get_model(base)
    stages = getattr(model, "stages", None)
    if stages is None:
        raise ValueError(f"{base} has no residual stages; use a ResNet of the zoo")
    channels = []
    for stage in stages:
        for block in stage:
            branch = [m for n, m in block.named_modules()
                      if isinstance(m, nn.Conv2d) and "shortcut" not in n.split(".")]
            channels.append(branch[-1].out_channels)  # the branch's last conv: the block's width
    return tuple(channels)


def se_cost(reduction: int, *, base: str = "resnet50") -> dict[str, Any]:
    """What SE blocks with reduction ``r`` add to ``base`` (Hu et al. 2017, arXiv:1709.01507).

    Each block's SE has two 1x1 "FC" layers with biases, ``C -> C // r -> C``:
    ``2 * C * (C // r) + C // r + C`` parameters and ``2 * C * (C // r)`` MACs (they act on
    the pooled 1x1 map). Returns ``params`` and ``macs`` added, summed over the blocks of
    ``base``, and ``blocks``.
    """
    if not isinstance(reduction, int) or reduction < 1:
        raise ValueError(f"reduction must be a positive integer, got {reduction!r}")
    channels = se_block_channels(base)
    hidden = [max(1, c // reduction) for c in channels]  # as cnnlib.layers.SqueezeExcitation
    params = sum(2 * c * h + h + c for c, h in zip(channels, hidden))
    macs = sum(2 * c * h for c, h in zip(channels, hidden))
    return {"reduction": reduction, "blocks": len(channels), "params": params, "macs": macs}


@functools.lru_cache(maxsize=16)
def densenet_cost(growth_rate: int, block_config: tuple[int, ...] = DENSENETS["densenet121"][1],
                  *, input_size: int = 224) -> dict[str, Any]:
    """Parameters, MACs and final width of a DenseNet-BC with growth rate ``k``.

    The layout is DenseNet-121's (blocks of 6, 12, 24, 16 layers) with the paper's stem of
    ``2k`` channels (Huang et al. 2016, Table 1 and Sec. 3); ``k = 32`` is DenseNet-121.
    """
    if not isinstance(growth_rate, int) or growth_rate < 1:
        raise ValueError(f"growth_rate must be a positive integer, got {growth_rate!r}")
    with torch.device("meta"):
        model = DenseNet(growth_rate, tuple(block_config), 2 * growth_rate)
    s = summarize(model, (3, input_size, input_size))
    return {"growth_rate": growth_rate, "params": s.total_params, "macs": s.total_macs,
            "num_features": model.num_features}


_REDUCTIONS = (2, 4, 8, 16, 32, 64)
_GROWTH_RATES = (8, 12, 16, 24, 32, 48)


def plot_se_growth(reduction: int = 16, growth_rate: int = 32) -> Figure:
    """Left: parameters SE adds to ResNet-50 against r. Right: DenseNet-121's layout against k."""
    base = summarize(_meta("resnet50"), (3, 224, 224))
    fig = Figure(figsize=(12, 3.8), layout="constrained")
    ax_se, ax_k = fig.subplots(1, 2)
    rs = sorted(set(_REDUCTIONS) | {reduction})
    added = [se_cost(r)["params"] / 1e6 for r in rs]
    ax_se.plot(rs, added, marker="o")
    chosen = se_cost(reduction)
    ax_se.plot([reduction], [chosen["params"] / 1e6], "*", color="tab:red", markersize=14,
               label=f"r = {reduction}: +{chosen['params'] / 1e6:.2f} M params "
                     f"(+{chosen['params'] / base.total_params:.1%}), +{chosen['macs'] / 1e6:.2f} M MACs "
                     f"(+{chosen['macs'] / base.total_macs:.2%})")
    ax_se.set_xscale("log", base=2)
    ax_se.set_xlabel("SE reduction ratio r")
    ax_se.set_ylabel("parameters added to ResNet-50 (M)")
    ax_se.set_title(f"SE-ResNet-50: ResNet-50 has {base.total_params / 1e6:.1f} M params", fontsize=10)
    ax_se.grid(alpha=0.3)
    ax_se.legend(fontsize=8)

    ks = sorted(set(_GROWTH_RATES) | {growth_rate})
    costs = [densenet_cost(k) for k in ks]
    ax_k.plot(ks, [c["params"] / 1e6 for c in costs], marker="o", color="tab:blue", label="parameters (M)")
    ax2 = ax_k.twinx()
    ax2.plot(ks, [c["macs"] / 1e9 for c in costs], marker="s", color="tab:orange", label="MACs (G)")
    c = densenet_cost(growth_rate)
    ax_k.plot([growth_rate], [c["params"] / 1e6], "*", color="tab:red", markersize=14)
    ax_k.set_xlabel("growth rate k (DenseNet-121 layout, stem 2k)")
    ax_k.set_ylabel("parameters (M)", color="tab:blue")
    ax2.set_ylabel("MACs per 224x224 image (G)", color="tab:orange")
    ax_k.set_title(f"k = {growth_rate}: {c['params'] / 1e6:.2f} M params, {c['macs'] / 1e9:.2f} G MACs, "
                   f"{c['num_features']} final channels", fontsize=10)
    ax_k.grid(alpha=0.3)
    return fig


def _meta(name: str) -> nn.Module:
    with torch.device("meta"):
        return get_model(name)


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
