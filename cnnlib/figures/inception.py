"""The Inception module: where its MACs go, and how 1x1 bottlenecks cut them.

* :func:`plot_inception_branches`, :func:`plot_bottleneck_sweep` -- the MACs of each branch,
  naive and with bottlenecks, and the total against the bottleneck width
  (:func:`cnnlib.costs.inception_cost`).
* :func:`inception_calculator` -- sliders for the module (ipywidgets; static figure when the
  book is built).
* :func:`plot_module_costs` -- GoogLeNet's MACs and parameters per top-level module (stem, nine
  Inception modules, classifier), from :func:`cnnlib.costs.module_totals`.
"""
from __future__ import annotations

from typing import Sequence

from matplotlib.figure import Figure

from cnnlib.costs import BRANCHES, InceptionCost, inception_cost, module_totals
from cnnlib.summary import Summary
from cnnlib.widgets import int_sliders, is_static

__all__ = ["plot_inception_branches", "plot_bottleneck_sweep", "inception_calculator",
           "plot_module_costs"]


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

    def show(in_channels, size, c1x1, c3x3, c5x5, bottleneck):
        print(inception_cost(in_channels, size, c1x1, c3x3, c5x5, bottleneck).report())

    return int_sliders(show, in_channels=(in_channels, 1, 1024, "C in"), size=(size, 1, 112, "H=W"),
                       c1x1=(c1x1, 1, 512, "#1x1"), c3x3=(c3x3, 1, 512, "#3x3"),
                       c5x5=(c5x5, 1, 512, "#5x5"), bottleneck=(bottleneck, 1, 512, "bottleneck"))


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
