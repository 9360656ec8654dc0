"""Comparing architectures: many models side by side, with published accuracies.

Published numbers are *cited* (:mod:`cnnlib.published`), never measured here; parameters and
MACs are computed from the ``cnnlib`` models.

* :func:`imagenet_models` / :func:`compare` -- the zoo's ImageNet models, summarized once each,
  with their published top-1 where there is one; :func:`ranking` orders them by a column.
* :func:`plot_accuracy_vs_macs`, :func:`plot_ilsvrc`, :func:`plot_comparison`,
  :func:`model_chooser` -- figures and a control over those records.
* :func:`plot_params_vs_macs`, :func:`plot_family` -- parameters against MACs, one point per
  model (log-log, or grouped into families joined by lines).
"""
from __future__ import annotations

import inspect
from typing import Any, Mapping, Sequence

import torch
from matplotlib.figure import Figure

from cnnlib.costs import activation_memory, meta_model
from cnnlib.published import HUMAN_TOP5_ERROR, ILSVRC_WINNERS, PUBLISHED_TOP1
from cnnlib.registry import get_model_builder, list_models
from cnnlib.summary import summarize
from cnnlib.widgets import is_static

__all__ = ["imagenet_models", "input_size", "compare", "ranking", "plot_accuracy_vs_macs", "plot_ilsvrc",
           "plot_comparison", "model_chooser", "plot_params_vs_macs", "plot_family"]


def _default_classes(name: str) -> int | None:
    p = inspect.signature(get_model_builder(name)).parameters.get("num_classes")
    return None if p is None else p.default


def imagenet_models(exclude: Sequence[str] = ()) -> list[str]:
    """Registered models whose builder defaults to 1000 classes (ImageNet), minus ``exclude``."""
    unknown = set(exclude) - set(list_models())
    if unknown:
        raise ValueError(f"exclude names unknown models {sorted(unknown)}; see cnnlib.list_models()")
    return [n for n in list_models() if n not in exclude and _default_classes(n) == 1000]


def input_size(name: str, model: torch.nn.Module | None = None) -> int:
    """The side of the model's usual input: ``default_input_size`` if it has one, 227 for the
    AlexNets (their first conv's arithmetic needs it), else 224."""
    if model is not None and hasattr(model, "default_input_size"):
        return int(model.default_input_size)
    return 227 if name.startswith("alexnet") else 224


def compare(names: Sequence[str]) -> list[dict]:
    """One record per model: ``name``, ``input``, ``params``, ``macs``, activation memory
    (batch 1, float32, forward pass) counted both ways of
    :data:`cnnlib.costs.MEMORY_CONVENTIONS`: ``memory_bytes`` (every layer's output) and
    ``memory_conv_pool_fc_bytes`` (input + conv, pool and FC outputs), and ``top1`` /
    ``top1_source`` when published."""
    records = []
    for name in names:
        model = meta_model(name)
        size = input_size(name, model)
        s = summarize(model, (3, size, size))
        pub = PUBLISHED_TOP1.get(name)
        records.append({"name": name, "input": size, "params": s.total_params,
                        "macs": s.total_macs,
                        "memory_bytes": activation_memory(s, "every_layer"),
                        "memory_conv_pool_fc_bytes": activation_memory(s, "conv_pool_fc"),
                        "top1": pub.top1 if pub else None,
                        "top1_source": pub.source if pub else ""})
    return records


def ranking(records: Sequence[dict], column: str) -> list[str]:
    """The records' names from the largest ``column`` value to the smallest (ties keep the
    records' order), e.g. ``ranking(records, "macs")[0]`` is the model with the most MACs."""
    if not records:
        raise ValueError("records is empty")
    if column not in records[0]:
        raise ValueError(f"unknown column {column!r}; one of {sorted(records[0])}")
    return [r["name"] for r in sorted(records, key=lambda r: -r[column])]


def plot_accuracy_vs_macs(records: Sequence[dict]) -> Figure:
    """Published top-1 (y) against computed MACs (x, log), bubble area ~ parameters."""
    rows = [r for r in records if r.get("top1") is not None]
    if not rows:
        raise ValueError("no record has a published top-1 accuracy to plot")
    fig = Figure(figsize=(8.5, 5.5))
    ax = fig.subplots()
    for i, r in enumerate(rows):
        ax.scatter(r["macs"] / 1e9, r["top1"], s=r["params"] / 1e6 * 6, alpha=0.5,
                   color=f"C{i % 10}", edgecolor="k", linewidth=0.5)
        ax.annotate(r["name"], (r["macs"] / 1e9, r["top1"]), fontsize=7, ha="center",
                    va="center")
    ax.set(xscale="log", xlabel="GMACs per image (computed here, at the model's input size)",
           ylabel="ImageNet top-1 accuracy, % (published, see table)",
           title="Accuracy vs operations (bubble area ~ parameters)")
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def plot_ilsvrc() -> Figure:
    """Bar chart of :data:`ILSVRC_WINNERS` with the human error line."""
    fig = Figure(figsize=(9, 4))
    ax = fig.subplots()
    labels = [f"{e.year}\n{e.team.split(' (')[0] if 'SuperVision' not in e.team else e.team.split(', ')[1][:12]}"
              for e in ILSVRC_WINNERS]
    bars = ax.bar(range(len(ILSVRC_WINNERS)), [e.top5_error for e in ILSVRC_WINNERS],
                  color=["0.6" if "runner" in e.team or "5 CNNs" in e.team else "C0"
                         for e in ILSVRC_WINNERS])
    ax.bar_label(bars, fmt="%.2f", fontsize=8)
    ax.axhline(HUMAN_TOP5_ERROR.top1, color="C3", ls="--",
               label=f"human ({HUMAN_TOP5_ERROR.top1}%)")
    ax.set_xticks(range(len(ILSVRC_WINNERS)), labels, fontsize=7)
    ax.set(ylabel="top-5 error, % (published)", title="ILSVRC classification (grey: not the winning entry)")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_comparison(records: Sequence[dict], names: Sequence[str] | None = None) -> Figure:
    """Three bar panels (parameters, MACs, activation memory) for ``names`` (default all)."""
    by_name = {r["name"]: r for r in records}
    names = list(names) if names is not None else list(by_name)
    missing = [n for n in names if n not in by_name]
    if missing or not names:
        raise ValueError(f"choose models among the compared ones {sorted(by_name)}; "
                         f"missing: {missing or 'none chosen'}")
    fig = Figure(figsize=(11, 0.28 * len(names) + 1.6))
    axes = fig.subplots(1, 3, sharey=True)
    cols = (("params", 1e6, "parameters (M)"), ("macs", 1e9, "GMACs"),
            ("memory_bytes", 2**20, "activation memory (MiB, every layer's output,\nbatch 1, fp32)"))
    for ax, (col, scale, label) in zip(axes, cols):
        ax.barh(range(len(names)), [by_name[n][col] / scale for n in names], color="C0")
        ax.set(xscale="log", xlabel=label)
        ax.grid(alpha=0.3, axis="x", which="both")
    axes[0].set_yticks(range(len(names)), names, fontsize=7)
    axes[0].invert_yaxis()
    fig.tight_layout()
    return fig


def model_chooser(records: Sequence[dict], default: Sequence[str] = ()):
    """Pick models to compare (ipywidgets); the full comparison figure while building."""
    if is_static():
        return plot_comparison(records)
    import ipywidgets as w
    import matplotlib.pyplot as plt

    names = [r["name"] for r in records]
    picker = w.SelectMultiple(options=names, value=tuple(default or names[:5]), rows=12,
                              description="models")

    def show(chosen):
        if chosen:
            fig = plot_comparison(records, chosen)
            from IPython.display import display
            display(fig)
            plt.close("all")

    return w.interactive(show, chosen=picker)


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
