"""Costs, figures and a control for chapter 5 (GoogLeNet).

* :func:`inception_cost` -- parameters and MACs of a naive Inception module and of the same
  module with 1x1 bottlenecks (:class:`~cnnlib.models.googlenet.InceptionNaive`,
  :class:`~cnnlib.models.googlenet.Inception`), traced with :func:`cnnlib.summarize`.
* :func:`plot_inception_branches`, :func:`plot_bottleneck_sweep` -- where the MACs go, branch by
  branch, and how they shrink with the bottleneck width.
* :func:`module_totals`, :func:`plot_module_costs` -- a summary grouped by top-level module
  (GoogLeNet's stem, nine Inception modules, classifier).
* :func:`inception_calculator` -- sliders for the module (ipywidgets; static figure when the
  book is built).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Sequence

import torch
from matplotlib.figure import Figure

from cnnlib.models.googlenet import Inception, InceptionNaive
from cnnlib.summary import Summary, summarize
from cnnlib.viz.ch04 import Table
from cnnlib.widgets import is_static

__all__ = [
    "BRANCHES", "InceptionCost", "inception_cost", "plot_inception_branches",
    "plot_bottleneck_sweep", "module_totals", "plot_module_costs", "inception_calculator",
]

# Layers whose outputs module_totals counts as memory.
_MEMORY_KINDS = ("Conv2d", "Linear", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
                 "AdaptiveMaxPool2d")

#: Display names of the four branches (``branch1`` ... ``branch4`` in both module classes).
BRANCHES = {"branch1": "1x1", "branch2": "3x3", "branch3": "5x5", "branch4": "pool"}


def _positive_int(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _branch_macs(table: Summary) -> dict[str, int]:
    out = {b: 0 for b in BRANCHES}
    for r in table:
        out[r.name.split(".")[0]] += r.macs
    return out


@dataclass(frozen=True)
class InceptionCost:
    """A naive Inception module next to the same branches with 1x1 bottlenecks, on an
    ``in_channels x size x size`` input. Parameters include the biases; MACs count the convs
    (the pools do comparisons, not multiply-adds). ``*_branch_macs`` map ``branch1`` (1x1),
    ``branch2`` (3x3), ``branch3`` (5x5) and ``branch4`` (pool) to their MACs."""

    in_channels: int
    size: int
    bottleneck: int
    pool_proj: int
    naive_out_channels: int
    reduced_out_channels: int
    naive_params: int
    reduced_params: int
    naive_macs: int
    reduced_macs: int
    naive_branch_macs: dict[str, int]
    reduced_branch_macs: dict[str, int]

    def report(self) -> str:
        """Both versions side by side, as text (what the calculator prints)."""
        def line(kind, out, params, macs):
            return (f"{kind:<16} output {out} x {self.size} x {self.size} | params {params:>11,} | "
                    f"MACs {macs / 1e6:>9,.1f} M")
        return "\n".join([
            f"input {self.in_channels} x {self.size} x {self.size}; bottleneck width "
            f"{self.bottleneck}, pool projection {self.pool_proj}",
            line("naive", self.naive_out_channels, self.naive_params, self.naive_macs),
            line("with 1x1 reduce", self.reduced_out_channels, self.reduced_params, self.reduced_macs),
            f"the bottlenecks cut MACs {self.naive_macs / self.reduced_macs:.1f}x and parameters "
            f"{self.naive_params / self.reduced_params:.1f}x",
        ])


def inception_cost(in_channels: int, size: int, c1x1: int, c3x3: int, c5x5: int,
                   bottleneck: int, *, pool_proj: int | None = None) -> InceptionCost:
    """Cost of :class:`InceptionNaive` ``(in_channels, c1x1, c3x3, c5x5)`` (the pool branch
    passes its ``in_channels`` through) and of :class:`Inception` with the same branch widths,
    ``bottleneck`` 1x1 filters before the 3x3 and the 5x5 convs and ``pool_proj`` (default:
    ``bottleneck``) after the pool. Both are built on the meta device and traced at ``size``.

    The lectures' example is ``inception_cost(256, 28, 128, 192, 96, 64)``.
    """
    in_channels = _positive_int("in_channels", in_channels)
    size = _positive_int("size", size)
    widths = {k: _positive_int(k, v) for k, v in
              dict(c1x1=c1x1, c3x3=c3x3, c5x5=c5x5, bottleneck=bottleneck).items()}
    proj = widths["bottleneck"] if pool_proj is None else _positive_int("pool_proj", pool_proj)
    with torch.device("meta"):
        naive = InceptionNaive(in_channels, widths["c1x1"], widths["c3x3"], widths["c5x5"])
        reduced = Inception(in_channels, widths["c1x1"], widths["bottleneck"], widths["c3x3"],
                            widths["bottleneck"], widths["c5x5"], proj)
    shape = (in_channels, size, size)
    sn, sr = summarize(naive, shape), summarize(reduced, shape)
    return InceptionCost(
        in_channels=in_channels, size=size, bottleneck=widths["bottleneck"], pool_proj=proj,
        naive_out_channels=sn.output_shape[0], reduced_out_channels=sr.output_shape[0],
        naive_params=sn.total_params, reduced_params=sr.total_params,
        naive_macs=sn.total_macs, reduced_macs=sr.total_macs,
        naive_branch_macs=_branch_macs(sn), reduced_branch_macs=_branch_macs(sr),
    )


def plot_inception_branches(cost: InceptionCost, ax=None) -> Figure:
    """MACs of each branch, naive next to reduced (the 1x1 reductions are counted in their
    branch)."""
    fig = None
    if ax is None:
        fig = Figure(figsize=(5.5, 3.4), layout="constrained")
        ax = fig.subplots()
    x = range(len(BRANCHES))
    naive = [cost.naive_branch_macs[b] / 1e6 for b in BRANCHES]
    reduced = [cost.reduced_branch_macs[b] / 1e6 for b in BRANCHES]
    ax.bar([i - 0.2 for i in x], naive, width=0.4, label=f"naive ({cost.naive_macs / 1e6:,.0f} M)")
    ax.bar([i + 0.2 for i in x], reduced, width=0.4,
           label=f"1x1 bottlenecks ({cost.reduced_macs / 1e6:,.0f} M)")
    ax.set_xticks(list(x), [f"{v} branch" for v in BRANCHES.values()])
    ax.set_ylabel("MACs (M)")
    ax.set_title(f"Inception module on {cost.in_channels}x{cost.size}x{cost.size}")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    return fig if fig is not None else ax.figure


def plot_bottleneck_sweep(in_channels: int = 256, size: int = 28, c1x1: int = 128,
                          c3x3: int = 192, c5x5: int = 96,
                          widths: Sequence[int] = (8, 16, 32, 48, 64, 96, 128, 192, 256)) -> Figure:
    """Left: total MACs of the reduced module against the bottleneck width (the naive module as
    a line). Right: the branches at the lectures' width 64 (or the widths' middle entry)."""
    if not widths:
        raise ValueError("widths must list at least one bottleneck width")
    costs = [inception_cost(in_channels, size, c1x1, c3x3, c5x5, b) for b in widths]
    fig = Figure(figsize=(11, 3.6), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(list(widths), [c.reduced_macs / 1e6 for c in costs], marker="o",
             label="with 1x1 bottlenecks")
    ax1.axhline(costs[0].naive_macs / 1e6, color="tab:red", linestyle="--", label="naive module")
    ax1.set_xlabel("bottleneck width (1x1 filters before 3x3, 5x5 and after the pool)")
    ax1.set_ylabel("MACs (M)")
    ax1.set_title(f"{c1x1}/{c3x3}/{c5x5} branches on {in_channels}x{size}x{size}")
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=8)
    pick = costs[list(widths).index(64)] if 64 in widths else costs[len(costs) // 2]
    plot_inception_branches(pick, ax=ax2)
    return fig


def inception_calculator(in_channels: int = 256, size: int = 28, c1x1: int = 128,
                         c3x3: int = 192, c5x5: int = 96, bottleneck: int = 64):
    """Sliders for the branch widths and the bottleneck: parameters and MACs of the naive and
    the reduced module. While the book is built (``CNNLIB_STATIC=1``) it returns the figure of
    :func:`plot_bottleneck_sweep` for the given widths instead."""
    if is_static():
        return plot_bottleneck_sweep(in_channels, size, c1x1, c3x3, c5x5)
    import ipywidgets as w

    def show(in_channels, size, c1x1, c3x3, c5x5, bottleneck):
        print(inception_cost(in_channels, size, c1x1, c3x3, c5x5, bottleneck).report())

    return w.interactive(
        show,
        in_channels=w.IntSlider(in_channels, 1, 1024, description="C in"),
        size=w.IntSlider(size, 1, 112, description="H=W"),
        c1x1=w.IntSlider(c1x1, 1, 512, description="#1x1"),
        c3x3=w.IntSlider(c3x3, 1, 512, description="#3x3"),
        c5x5=w.IntSlider(c5x5, 1, 512, description="#5x5"),
        bottleneck=w.IntSlider(bottleneck, 1, 512, description="bottleneck"),
    )


def module_totals(summary: Summary, depth: int = 1) -> Table:
    """Rows of ``summary`` grouped by the first ``depth`` parts of their names (``stem``,
    ``inception3a`` ... for GoogLeNet), in the order they run: parameters, MACs, and the memory
    of the conv, pool and linear outputs (the lectures' convention; activations and norms are
    left out, as ReLUs work in place)."""
    depth = _positive_int("depth", depth)
    totals: dict[str, dict] = {}
    for r in summary:
        key = ".".join(r.name.split(".")[:depth])
        t = totals.setdefault(key, {"module": key, "params": 0, "macs": 0, "memory_bytes": 0})
        t["params"] += r.params
        t["macs"] += r.macs
        if r.kind in _MEMORY_KINDS:
            t["memory_bytes"] += r.memory_bytes
    return Table(list(totals.values()), caption=f"{summary.model_name} by module")


def _group(name: str) -> str:
    if name.startswith("inception"):
        return f"Inception {name[len('inception')]}"
    return "stem" if name == "stem" else "classifier"


def plot_module_costs(summary: Summary, *, depth: int = 1) -> Figure:
    """MACs and parameters per top-level module (modules with neither are left out), coloured
    by group: stem, the Inception stages 3 / 4 / 5, classifier."""
    rows = [r for r in module_totals(summary, depth).records() if r["params"] or r["macs"]]
    if not rows:
        raise ValueError("no module of the summary has parameters or MACs")
    palette = {"stem": "tab:gray", "Inception 3": "tab:blue", "Inception 4": "tab:orange",
               "Inception 5": "tab:green", "classifier": "tab:red"}
    groups = [_group(r["module"]) for r in rows]
    colors = [palette.get(g, "tab:purple") for g in groups]
    fig = Figure(figsize=(11, 0.3 * len(rows) + 1.6), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    y = list(range(len(rows)))
    for ax, (key, scale, title) in zip(axes, [("macs", 1e6, "MACs (M)"),
                                             ("params", 1e6, "parameters (M)")]):
        ax.barh(y, [r[key] / scale for r in rows], color=colors)
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, [r["module"] for r in rows])
    axes[0].invert_yaxis()
    from matplotlib.patches import Patch

    seen = list(dict.fromkeys(groups))
    axes[0].legend(handles=[Patch(color=palette.get(g, "tab:purple"), label=g) for g in seen],
                   loc="lower right", fontsize=8)
    return fig
