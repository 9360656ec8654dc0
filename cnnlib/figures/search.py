"""Architecture search: NASNet cells, RegNet widths, the MnasNet reward, a search's results.

* :func:`cell_edges` / :func:`plot_cell` -- a NASNet cell (Zoph et al. 2017, arXiv:1707.07012,
  Fig. 4) drawn from its genotype, the data in :mod:`cnnlib.models.nasnet`.
* :func:`regnet_block_widths` / :func:`plot_regnet_widths` -- RegNet's linear widths before and
  after quantization (Radosavovic et al. 2020, arXiv:2003.13678, Eqs. 2-4), from
  :func:`cnnlib.models.regnet.regnet_widths`.
* :func:`plot_mnas_reward` -- MnasNet's objective (:func:`cnnlib.search.mnas_reward`) against
  latency.
* :func:`plot_pareto` -- the candidates of :func:`cnnlib.search.random_search` and their
  Pareto front.
* :func:`plot_space_sizes` / :func:`search_space_explorer` -- options -> number of
  architectures of :class:`cnnlib.search.SearchSpace` (static fallback).
"""
from __future__ import annotations

import math
from typing import Sequence

from matplotlib.figure import Figure

from cnnlib.models.nasnet import CellGenotype
from cnnlib.models.regnet import RegNetParams, regnet_widths
from cnnlib.search import Candidate, SearchSpace, mnas_reward, pareto_front
from cnnlib.widgets import is_static

__all__ = ["cell_edges", "plot_cell", "regnet_block_widths", "plot_regnet_widths",
           "plot_mnas_reward", "plot_pareto", "plot_space_sizes", "search_space_explorer"]


# ------------------------------------------------------------------------------ NASNet cells
def cell_edges(genotype: CellGenotype) -> list[tuple[int, str, int]]:
    """``(source_state, op, new_state)`` for every op of a cell; states 0, 1 are the inputs
    (``h_i``, ``h_{i-1}``), state ``2 + b`` is the output of block ``b``."""
    edges = []
    for b, (op_l, in_l, op_r, in_r) in enumerate(genotype.blocks):
        dst = 2 + b
        for op, src in ((op_l, in_l), (op_r, in_r)):
            if not 0 <= src < dst:
                raise ValueError(f"block {b} reads state {src}, which does not exist yet "
                                 f"(states 0..{dst - 1} do)")
            edges.append((src, op, dst))
    return edges


def _levels(genotype: CellGenotype) -> dict[int, int]:
    level = {0: 0, 1: 0}
    for src, _, dst in cell_edges(genotype):
        level[dst] = max(level.get(dst, 1), level[src] + 1)
    return level


_OP_COLORS = {"sep": "#8fbce6", "avg": "#f2c572", "max": "#f29b72", "ide": "#cccccc"}


def plot_cell(genotype: CellGenotype, *, title: str = "", ax=None) -> Figure:
    """Draw a cell: inputs at the bottom, each block as two ops feeding an add node, the
    concatenated output at the top. Ops are colored by kind (separable conv, pools, identity)."""
    edges = cell_edges(genotype)
    level = _levels(genotype)
    n_states = 2 + len(genotype.blocks)
    depth = max(level.values())
    by_level: dict[int, list[int]] = {}
    for s in range(2, n_states):
        by_level.setdefault(level[s], []).append(s)
    width = max(max(len(v) for v in by_level.values()), 2)
    pos = {0: (width * 0.3, 0.0), 1: (width * 0.7, 0.0)}
    for lv, states in by_level.items():
        for i, s in enumerate(states):
            pos[s] = ((i + 0.5) * width / len(states), 2.0 * lv)
    if ax is None:
        fig = Figure(figsize=(min(2.2 * width + 1, 12), 1.6 * depth + 3))
        ax = fig.subplots()
    else:
        fig = ax.figure
    box = dict(boxstyle="round,pad=0.3", ec="0.3")
    names = {0: "h_i", 1: "h_{i-1}"}
    for s, (x, y) in pos.items():
        label = f"${names[s]}$" if s in names else f"+ ({s})"
        fc = "#e8e8e8" if s in names else "white"
        ax.text(x, y, label, ha="center", va="center", fontsize=9, bbox={**box, "fc": fc}, zorder=3)
    # One op node per edge, halfway up from its source to the add node, left/right of it.
    seen: dict[int, int] = {}
    for src, op, dst in edges:
        side = seen.get(dst, 0)
        seen[dst] = side + 1
        x_dst, y_dst = pos[dst]
        x_op, y_op = x_dst + (-0.28 if side == 0 else 0.28) * width / max(len(by_level[level[dst]]), 1), y_dst - 1.0
        ax.annotate("", xy=(x_op, y_op), xytext=pos[src],
                    arrowprops=dict(arrowstyle="->", color="0.55", lw=0.8, shrinkA=9, shrinkB=9))
        ax.annotate("", xy=(x_dst, y_dst), xytext=(x_op, y_op),
                    arrowprops=dict(arrowstyle="->", color="0.2", lw=0.8, shrinkA=9, shrinkB=9))
        ax.text(x_op, y_op, op, ha="center", va="center", fontsize=8, zorder=4,
                bbox={**box, "fc": _OP_COLORS.get(op[:3], "white")})
    top = (width / 2, 2.0 * depth + 1.6)
    ax.text(*top, f"concat {list(genotype.concat)}", ha="center", va="center", fontsize=9,
            bbox={**box, "fc": "#d9ead3"}, zorder=3)
    for s in genotype.concat:
        ax.annotate("", xy=top, xytext=pos[s],
                    arrowprops=dict(arrowstyle="->", color="#6aa84f", lw=0.7, alpha=0.7,
                                    shrinkA=9, shrinkB=9, connectionstyle="arc3,rad=0.15"))
    ax.set_xlim(-0.3, width + 0.3)
    ax.set_ylim(-0.7, top[1] + 0.6)
    ax.axis("off")
    kind = "reduction" if genotype.reduction else "normal"
    ax.set_title(title or f"{kind} cell ({len(genotype.blocks)} blocks)", fontsize=10)
    return fig


# ------------------------------------------------------------------------------ RegNet widths
def regnet_block_widths(params: RegNetParams) -> dict[str, list[float]]:
    """Per-block widths: ``continuous`` u_j = w_0 + w_a j (Eq. 2) and ``quantized``, the stage
    widths of :func:`regnet_widths` repeated over each stage's blocks (what the model builds)."""
    stages = regnet_widths(params)
    quantized = [float(s.width) for s in stages for _ in range(s.depth)]
    continuous = [params.w_0 + params.w_a * j for j in range(params.depth)]
    return {"continuous": continuous, "quantized": quantized}


def plot_regnet_widths(params: RegNetParams, *, title: str = "") -> Figure:
    """The linear widths and the step function they are quantized to, per block."""
    w = regnet_block_widths(params)
    j = list(range(len(w["continuous"])))
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    ax.plot(j, w["continuous"], "o--", color="0.5", label="$u_j = w_0 + w_a j$ (continuous)")
    ax.step(j, w["quantized"], where="mid", color="C3", lw=2, label="quantized stage widths $w_j$")
    ax.plot(j, w["quantized"], "s", color="C3", ms=4)
    ax.set(xlabel="block index j", ylabel="width (channels)",
           title=title or f"RegNet widths: d={params.depth}, $w_0$={params.w_0}, "
                          f"$w_a$={params.w_a}, $w_m$={params.w_m}")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------ MnasNet
def plot_mnas_reward(*, acc: float = 0.75, target: float = 80.0,
                     settings: Sequence[tuple[str, float, float]] = (
                         ("soft: alpha = beta = -0.07", -0.07, -0.07),
                         ("hard: alpha = 0, beta = -1", 0.0, -1.0))) -> Figure:
    """Reward of a model with fixed accuracy as its latency moves around the target."""
    lat = [target * (0.25 + 0.01 * i) for i in range(176)]
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    for label, a, b in settings:
        ax.plot(lat, [mnas_reward(acc, t, target, alpha=a, beta=b) for t in lat], label=label)
    ax.axvline(target, color="0.5", ls=":", label=f"target T = {target:g} ms")
    ax.set(xlabel="latency LAT(m) (ms)", ylabel="reward",
           title=f"MnasNet objective for a model with ACC = {acc:g}")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------ a search's results
def plot_pareto(candidates: Sequence[Candidate], *, title: str = "") -> Figure:
    """Validation accuracy against MACs (log x), the Pareto front as a line."""
    if not candidates:
        raise ValueError("candidates is empty: run random_search first")
    macs = [c.macs for c in candidates]
    acc = [c.val_acc for c in candidates]
    front = pareto_front(macs, acc)
    fig = Figure(figsize=(7.5, 4.5))
    ax = fig.subplots()
    ax.scatter(macs, acc, color="C0", zorder=3, label="candidates")
    ax.plot([macs[i] for i in front], [acc[i] for i in front], "-o", color="C3", zorder=2,
            label="Pareto front")
    for c in candidates:
        ax.annotate(c.name, (c.macs, c.val_acc), fontsize=7, xytext=(4, 3),
                    textcoords="offset points")
    ax.set(xscale="log", xlabel="MACs per image", ylabel="validation accuracy",
           title=title or "Random search: accuracy against cost")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------ the control
_STATIC_SPACES = [
    ("this chapter's toy space", SearchSpace()),
    ("same, one choice for all blocks", SearchSpace(per_block=False)),
    ("+ widths 64, 128", SearchSpace(widths=(8, 16, 32, 64, 128))),
    ("+ kernel 7", SearchSpace(kernels=(3, 5, 7))),
    ("depths 1-6", SearchSpace(depths=(1, 2, 3, 4, 5, 6))),
    ("depths 1-12, widths x5, kernels x3", SearchSpace(depths=tuple(range(1, 13)),
                                                       widths=(8, 16, 32, 64, 128),
                                                       kernels=(3, 5, 7))),
]


def plot_space_sizes() -> Figure:
    """How many architectures a few variants of the toy space hold (log scale)."""
    fig = Figure(figsize=(8, 3.6))
    ax = fig.subplots()
    names = [n for n, _ in _STATIC_SPACES]
    sizes = [s.size() for _, s in _STATIC_SPACES]
    ax.barh(names, sizes, color="C0")
    for i, v in enumerate(sizes):
        ax.text(v, i, f" {v:.3g}", va="center", fontsize=8)
    ax.set(xscale="log", xlabel="number of architectures",
           title="Search-space size (static preview: open the notebook for the controls)")
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    return fig


def search_space_explorer():
    """Pick the options of the toy space and read off how many architectures it holds; on the
    static site, :func:`plot_space_sizes`."""
    if is_static():
        return plot_space_sizes()
    import ipywidgets as w

    def sel(options, value, desc):
        return w.SelectMultiple(options=options, value=value, description=desc, rows=6)

    depths = sel(list(range(1, 13)), (1, 2, 3), "depths")
    widths = sel([8, 16, 32, 64, 128, 256], (8, 16, 32), "widths")
    kernels = sel([1, 3, 5, 7], (3, 5), "kernels")
    residual = w.Checkbox(value=True, description="residual is a choice")
    per_block = w.Checkbox(value=True, description="each block chooses")
    out = w.Output()

    def show(*_):
        out.clear_output()
        with out:
            try:
                space = SearchSpace(tuple(depths.value), tuple(widths.value), tuple(kernels.value),
                                    (False, True) if residual.value else (False,), per_block.value)
            except ValueError as err:
                print(f"Not a valid space: {err}")
                return
            n = space.size()
            print(f"{space.block_choices} choices per block -> {n:,} architectures "
                  f"(~10^{math.log10(n):.1f})")

    for c in (depths, widths, kernels, residual, per_block):
        c.observe(show, names="value")
    show()
    return w.VBox([w.HBox([depths, widths, kernels]), w.HBox([residual, per_block]), out])
