"""Figures, cost tables and a control for chapter 6 (ResNet).

* :func:`stage_costs` -- a ResNet's :class:`cnnlib.Summary` grouped into stem, stages and head
  (parameters, MACs, memory and weighted layers of each).
* :func:`count_layers` -- the lectures' layer count of a ResNet: convolutions on the main path
  (projection shortcuts are not counted) plus fully-connected layers.
* :func:`model_costs` -- parameters, MACs and layers of zoo models, traced on the meta device.
* :func:`resnet_config_costs` -- the same for any ImageNet ResNet configuration (block type
  and blocks per stage), built with :func:`cnnlib.models.resnet.build_resnet`.
* :func:`plot_stage_costs`, :func:`plot_family`, :func:`plot_step_loss` -- figures.
* :func:`depth_explorer` -- choose the block type and blocks per stage (ipywidgets; a static
  figure when the book is built).
"""
from __future__ import annotations

import functools
from typing import Any, Mapping, Sequence

import torch
from matplotlib.figure import Figure

from cnnlib.models.resnet import (IMAGENET_RESNETS, IMAGENET_WIDTHS, BasicBlock, Bottleneck,
                                  build_resnet)
from cnnlib.registry import get_model
from cnnlib.summary import Summary, summarize
from cnnlib.widgets import is_static

__all__ = [
    "BLOCKS", "stage_of", "stage_costs", "count_layers", "model_costs", "resnet_config_costs",
    "plot_stage_costs", "plot_family", "plot_step_loss", "plot_depth_explorer", "depth_explorer",
]

#: Block types by the name the lectures' table uses.
BLOCKS = {"basic": BasicBlock, "bottleneck": Bottleneck}

_WEIGHTED = ("Conv2d", "Linear")


def stage_of(name: str) -> str:
    """The part of a ResNet a summary row belongs to: ``"stem"``, ``"stage 1"`` ... or ``"head"``.

    Rows are named by their module path (``stages.2.0.conv1``): ``stages.i`` is stage ``i + 1``
    (the paper's ``conv{i + 2}_x``); everything after the stages (final norm, pooling, fc) is the
    head.
    """
    parts = name.split(".")
    if parts[0] == "stem":
        return "stem"
    if parts[0] == "stages" and len(parts) > 1 and parts[1].isdigit():
        return f"stage {int(parts[1]) + 1}"
    return "head"


def _is_main_path(row_name: str) -> bool:
    return "shortcut" not in row_name.split(".")


def stage_costs(summary: Summary) -> list[dict[str, Any]]:
    """Parameters, MACs, output memory and weighted layers per part (stem, stages, head).

    ``layers`` counts the convolutions and linear layers on the main path, the way the lectures
    and the paper's Table 1 count depth (a projection shortcut is not a layer of the depth).
    The parts add up to the summary's totals.
    """
    if not isinstance(summary, Summary):
        raise ValueError(f"stage_costs needs a cnnlib.Summary, got {type(summary).__name__}")
    parts: dict[str, dict[str, Any]] = {}
    for r in summary:
        part = parts.setdefault(stage_of(r.name), {"part": stage_of(r.name), "params": 0, "macs": 0,
                                                   "memory_bytes": 0, "layers": 0})
        part["params"] += r.params
        part["macs"] += r.macs
        part["memory_bytes"] += r.memory_bytes
        part["layers"] += int(r.kind in _WEIGHTED and _is_main_path(r.name))
    if "stage 1" not in parts:
        raise ValueError("no rows named stages.<i>...: stage_costs expects a cnnlib ResNet-style model")
    return list(parts.values())


def count_layers(summary: Summary) -> int:
    """Weighted layers on the main path: the depth in a name like ResNet-50."""
    return sum(p["layers"] for p in stage_costs(summary))


def _meta_model(name: str, **kwargs: Any) -> torch.nn.Module:
    with torch.device("meta"):  # shapes only: no memory, no initialisation arithmetic
        return get_model(name, **kwargs)


def model_costs(names: Sequence[str], input_size: Sequence[int] = (3, 224, 224),
                **kwargs: Any) -> list[dict[str, Any]]:
    """One row per zoo model: ``model``, ``params``, ``macs`` and ``flops`` for ``input_size``.

    Models are built on the meta device and traced with :func:`cnnlib.summarize`, so even
    ResNet-152 costs a fraction of a second. ``kwargs`` go to every builder.
    """
    if isinstance(names, str):
        raise ValueError(f"names must be a list of model names, got the string {names!r}")
    rows = []
    for name in names:
        s = summarize(_meta_model(name, **kwargs), tuple(input_size))
        rows.append({"model": name, "params": s.total_params, "macs": s.total_macs,
                     "flops": s.total_flops})
    return rows


def resnet_config_costs(block: str, depths: Sequence[int], *, input_size: int = 224,
                        stride_in_1x1: bool = False) -> dict[str, Any]:
    """Cost of an ImageNet ResNet with ``depths`` blocks of type ``block`` in its stages.

    Returns ``layers`` (the depth in the network's name), ``params``, ``macs`` and
    ``stages`` (the per-part rows of :func:`stage_costs`). ``stride_in_1x1=True`` puts a
    bottleneck's stride on its first 1x1 conv, as the paper (ResNet v1) does.
    """
    if block not in BLOCKS:
        raise ValueError(f"block must be one of {sorted(BLOCKS)}, got {block!r}")
    depths = tuple(int(d) for d in depths)
    if not 1 <= len(depths) <= len(IMAGENET_WIDTHS) or min(depths) < 1:
        raise ValueError(f"depths needs 1 to {len(IMAGENET_WIDTHS)} positive block counts, got {depths}")
    kwargs = {"stride_in_1x1": True} if stride_in_1x1 and block == "bottleneck" else {}
    with torch.device("meta"):
        model = build_resnet(BLOCKS[block], depths, widths=IMAGENET_WIDTHS[: len(depths)], **kwargs)
    s = summarize(model, (3, input_size, input_size))
    stages = stage_costs(s)
    return {"block": block, "depths": depths, "layers": sum(p["layers"] for p in stages),
            "params": s.total_params, "macs": s.total_macs, "stages": stages}


# ------------------------------------------------------------------------------ figures
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


def plot_family(rows: Sequence[Mapping[str, Any]], *, title: str = "", group_key: str = "group",
                lines: bool = True, annotate: bool = True, log: bool = False) -> Figure:
    """Scatter of GMACs against parameters (M), one point per row.

    Rows need ``model``, ``params`` and ``macs``; rows with the same ``group`` share a marker
    and a legend entry and, with ``lines``, are joined in the order given (e.g. ResNet-18 ...
    ResNet-152). ``annotate`` writes each model's name next to its point; ``log`` uses
    logarithmic axes (for models of very different sizes).
    """
    if not rows:
        raise ValueError("plot_family needs at least one row")
    fig = Figure(figsize=(7, 4.4), layout="constrained")
    ax = fig.subplots()
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        groups.setdefault(str(r.get(group_key, "")), []).append(r)
    markers = "osD^vP*X"
    for i, (group, members) in enumerate(groups.items()):
        xs = [m["params"] / 1e6 for m in members]
        ys = [m["macs"] / 1e9 for m in members]
        ax.plot(xs, ys, marker=markers[i % len(markers)], markersize=7,
                linestyle="-" if lines and len(members) > 1 else "", label=group or None, alpha=0.85)
        if annotate:
            for m, x, y in zip(members, xs, ys):
                ax.annotate(m["model"], (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8)
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel("parameters (M)")
    ax.set_ylabel("MACs per image (G)  [FLOPs = 2 x MACs]")
    ax.grid(alpha=0.3, which="both" if log else "major")
    if any(groups):
        ax.legend(fontsize=8)
    ax.margins(0.12)
    if title:
        ax.set_title(title)
    return fig


def plot_step_loss(histories: Mapping[str, Any], *, window: int = 5, title: str = "",
                   styles: Mapping[str, Mapping[str, Any]] | None = None) -> Figure:
    """Training loss after every optimizer step (moving average over ``window`` steps).

    ``histories`` maps a run name to a :class:`cnnlib.train.History`; the x axis is in
    epochs, so runs with the same schedule line up. The paper's Fig. 1 and Fig. 6 plot
    against iterations the same way.
    """
    if not histories:
        raise ValueError("plot_step_loss needs at least one history")
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    fig = Figure(figsize=(7, 3.6), layout="constrained")
    ax = fig.subplots()
    for name, h in histories.items():
        losses = list(h.step_loss)
        if not losses:
            continue
        smooth = [sum(losses[max(0, i - window + 1): i + 1]) / len(losses[max(0, i - window + 1): i + 1])
                  for i in range(len(losses))]
        per_epoch = len(losses) / max(h.epochs, 1)
        kw = dict(styles.get(name, {})) if styles else {}
        ax.plot([(i + 1) / per_epoch for i in range(len(losses))], smooth, label=name, **kw)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"training loss ({window}-step average)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


# ------------------------------------------------------------------------------ widget
@functools.lru_cache(maxsize=None)
def _paper_point(name: str) -> tuple[float, float]:
    block, depths = IMAGENET_RESNETS[name]
    c = resnet_config_costs(block, depths)
    return c["params"] / 1e6, c["macs"] / 1e9


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
    label = _config_label(block, chosen["depths"], chosen["layers"])
    ax_fam.plot(chosen["params"] / 1e6, chosen["macs"] / 1e9, "*", color="tab:red", markersize=14,
                label=f"{label}: {chosen['params'] / 1e6:.1f} M params, {chosen['macs'] / 1e9:.2f} G MACs")
    ax_fam.set_xlabel("parameters (M)")
    ax_fam.set_ylabel("MACs per 224x224 image (G)")
    ax_fam.grid(alpha=0.3)
    ax_fam.legend(fontsize=8, loc="upper left")
    ax_fam.margins(0.15)

    parts = chosen["stages"]
    xs = range(len(parts))
    ax_stage.bar([x - 0.2 for x in xs], [p["params"] / 1e6 for p in parts], width=0.4,
                 label="parameters (M)", color="tab:blue")
    ax2 = ax_stage.twinx()
    ax2.bar([x + 0.2 for x in xs], [p["macs"] / 1e9 for p in parts], width=0.4,
            label="MACs (G)", color="tab:orange")
    ax_stage.set_xticks(list(xs), [f"{p['part']}\n{p['layers']} layers" for p in parts], fontsize=8)
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
