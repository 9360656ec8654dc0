"""Tables, figures and a control for chapter 4 (VGG).

* :class:`Table` -- plain rows that render as an HTML table in a notebook and as text elsewhere
  (chapter 5 uses it too).
* :func:`vgg_stage_cost` -- parameters, MACs, memory and receptive field of one VGG stage
  (:func:`cnnlib.models.vgg.make_vgg_stage`), traced with :func:`cnnlib.summarize`.
* :func:`config_table` -- the configurations of the VGG paper's Table 1 (arXiv:1409.1556) that
  the zoo builds, with their computed size and cost.
* :func:`vgg_labels`, :func:`lecture_table` -- VGG-16's rows named as in the lectures
  (``conv3-2``, ``pool3``, ``fc6``) and the Stanford lecture's memory/parameter table.
* :func:`plot_per_layer` -- per-layer bars of any :class:`cnnlib.Summary` columns.
* :func:`stage_builder_explorer` -- sliders for one stage (ipywidgets; static figure when the
  book is built).
"""
from __future__ import annotations

import html
import numbers
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import torch
from matplotlib.figure import Figure
from torch import nn

from cnnlib.arithmetic import receptive_field
from cnnlib.models.vgg import VGG_CFGS, make_vgg_stage
from cnnlib.registry import get_model
from cnnlib.summary import LayerRow, Summary, summarize
from cnnlib.widgets import is_static

__all__ = [
    "Table", "StageCost", "vgg_stage_cost", "vgg16_stage_costs", "CONFIG_MODELS", "config_table",
    "vgg_labels", "lecture_table", "plot_per_layer", "plot_stage_costs", "plot_stage_sweep",
    "stage_builder_explorer",
]

#: The zoo's builder for each configuration of the paper's Table 1 (C and A-LRN are not built).
CONFIG_MODELS = {"A": "vgg11", "B": "vgg13", "D": "vgg16", "E": "vgg19"}

# What plot_per_layer can draw: (divisor, axis label) per Summary column.
_COLUMNS = {
    "memory_bytes": (1024, "memory (KB, float32)"),
    "params": (1e6, "parameters (M)"),
    "macs": (1e6, "MACs (M)"),
    "flops": (1e6, "FLOPs (M)"),
}


# ------------------------------------------------------------------------------ Table
class Table:
    """Rows of plain values (dicts with the same keys) that know how to show themselves.

    ``formats`` maps a column to a format spec (``",.1f"``); otherwise ints get thousands
    separators, floats two decimals and everything else ``str``.
    """

    def __init__(self, rows: Sequence[Mapping[str, Any]], *, formats: Mapping[str, str] | None = None,
                 caption: str = "") -> None:
        if not rows:
            raise ValueError("a Table needs at least one row")
        self.columns = list(rows[0])
        for i, row in enumerate(rows):
            if list(row) != self.columns:
                raise ValueError(f"row {i} has columns {list(row)}, expected {self.columns}")
        self.rows = [dict(r) for r in rows]
        self.formats = dict(formats or {})
        self.caption = caption

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> dict:
        return self.rows[index]

    def column(self, name: str) -> list:
        """All values of one column."""
        if name not in self.columns:
            raise KeyError(f"no column {name!r}; the columns are {self.columns}")
        return [r[name] for r in self.rows]

    def records(self) -> list[dict]:
        return [dict(r) for r in self.rows]

    def _fmt(self, column: str, value: Any) -> str:
        if value is None:
            return "-"
        if column in self.formats:
            return format(value, self.formats[column])
        if isinstance(value, bool) or not isinstance(value, numbers.Number):
            return str(value)
        if isinstance(value, numbers.Integral):
            return f"{value:,d}"
        return f"{value:,.2f}"

    def _cells(self) -> list[list[str]]:
        return [[self._fmt(c, r[c]) for c in self.columns] for r in self.rows]

    def __str__(self) -> str:
        cells = [self.columns, *self._cells()]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
        lines.insert(1, "-+-".join("-" * w for w in widths))
        return "\n".join(([self.caption] if self.caption else []) + lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        numeric = [all(isinstance(r[c], numbers.Number) or r[c] is None for r in self.rows)
                   for c in self.columns]
        align = ["right" if n else "left" for n in numeric]
        head = "".join(f"<th style='text-align:{a}'>{esc(c)}</th>" for c, a in zip(self.columns, align))
        body = "".join("<tr>" + "".join(f"<td style='text-align:{a}'>{esc(v)}</td>"
                                        for v, a in zip(row, align)) + "</tr>"
                       for row in self._cells())
        caption = f"<caption>{esc(self.caption)}</caption>" if self.caption else ""
        return (f"<table class='cnnlib-table'>{caption}<thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>")

    def __repr__(self) -> str:
        return f"Table({len(self.rows)} rows, columns={self.columns})"


# ------------------------------------------------------------------------- one stage
def _positive_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


@dataclass(frozen=True)
class StageCost:
    """Cost of one VGG stage on a ``in_channels x size x size`` input.

    ``params`` counts weights and biases, ``weights`` the conv weights only (the lectures'
    count); ``memory_bytes`` the float32 outputs of the convs and the pool (the ReLUs work in
    place); ``receptive_field`` is the window of the stage's input that one output of its last
    conv sees (``2 * num_convs + 1``).
    """

    in_channels: int
    out_channels: int
    num_convs: int
    size: int
    out_size: int
    params: int
    weights: int
    macs: int
    memory_bytes: int
    receptive_field: int

    @property
    def flops(self) -> int:
        return 2 * self.macs

    def report(self) -> str:
        """The stage as a few lines of text (what the explorer prints)."""
        return (
            f"stage: {self.num_convs} x [3x3 conv, {self.out_channels}] + 2x2 max pool\n"
            f"shape: {self.in_channels} x {self.size} x {self.size} -> "
            f"{self.out_channels} x {self.out_size} x {self.out_size}\n"
            f"params: {self.params:,} ({self.weights:,} weights + biases)\n"
            f"MACs: {self.macs:,} ({self.macs / 1e6:,.1f} M) = {self.flops / 1e6:,.1f} MFLOP\n"
            f"memory (conv + pool outputs): {self.memory_bytes / 1024:,.0f} KB\n"
            f"receptive field of the last conv: {self.receptive_field} x {self.receptive_field}"
            f" pixels of the stage input")


def vgg_stage_cost(in_channels: int, out_channels: int, num_convs: int, size: int) -> StageCost:
    """Build :func:`~cnnlib.models.vgg.make_vgg_stage` on the meta device (no memory), trace it
    with :func:`cnnlib.summarize` on a ``in_channels x size x size`` input and report its cost."""
    in_channels = _positive_int("in_channels", in_channels)
    out_channels = _positive_int("out_channels", out_channels)
    num_convs = _positive_int("num_convs", num_convs)
    size = _positive_int("size", size, minimum=2)  # the 2x2 / stride-2 pool needs 2 pixels
    with torch.device("meta"):
        stage = make_vgg_stage(in_channels, out_channels, num_convs)
    table = summarize(stage, (in_channels, size, size))
    shown = [r for r in table if r.kind in ("Conv2d", "MaxPool2d")]
    weights = sum(m.weight.numel() for m in stage.modules() if isinstance(m, nn.Conv2d))
    return StageCost(
        in_channels=in_channels, out_channels=out_channels, num_convs=num_convs, size=size,
        out_size=table.output_shape[-1], params=table.total_params, weights=weights,
        macs=table.total_macs, memory_bytes=sum(r.memory_bytes for r in shown),
        receptive_field=receptive_field([(3, 1)] * num_convs).size,
    )


def vgg16_stage_costs(size: int = 224) -> list[StageCost]:
    """:func:`vgg_stage_cost` of each of VGG-16's five stages (configuration D) at ``size``."""
    costs, c_in = [], 3
    for width, n in VGG_CFGS["D"]:
        costs.append(vgg_stage_cost(c_in, width, n, size))
        c_in, size = width, costs[-1].out_size
    return costs


def plot_stage_costs(costs: Sequence[StageCost]) -> Figure:
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
    max_convs = _positive_int("max_convs", max_convs)
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
    import ipywidgets as w

    def show(in_channels, out_channels, num_convs, size):
        print(vgg_stage_cost(in_channels, out_channels, num_convs, size).report())

    return w.interactive(
        show,
        in_channels=w.IntSlider(in_channels, 1, 1024, description="C in"),
        out_channels=w.IntSlider(out_channels, 1, 1024, description="C out"),
        num_convs=w.IntSlider(num_convs, 1, 6, description="3x3 convs"),
        size=w.IntSlider(size, 2, 448, step=2, description="input H=W"),
    )


# --------------------------------------------------------------------- whole networks
def _build_meta(name: str) -> nn.Module:
    with torch.device("meta"):
        return get_model(name)


def config_table(size: int = 224) -> Table:
    """The paper's Table 1 configurations that the zoo builds (A, B, D, E), each built on the
    meta device and traced at ``size``: convs per stage, weight layers, parameters, MACs."""
    size = _positive_int("size", size, minimum=32)
    rows = []
    for cfg, name in CONFIG_MODELS.items():
        s = summarize(_build_meta(name), (3, size, size))
        convs = [n for _, n in VGG_CFGS[cfg]]
        linear = sum(1 for r in s if r.kind == "Linear")
        rows.append({
            "config": cfg, "model": name,
            "convs per stage": "-".join(map(str, convs)),
            "weight layers": sum(convs) + linear,
            "params (M)": s.total_params / 1e6,
            "GMACs": s.total_macs / 1e9,
        })
    return Table(rows, formats={"params (M)": ".2f", "GMACs": ".2f"},
                 caption=f"VGG configurations (Simonyan & Zisserman, Table 1) at {size}x{size}")


def vgg_labels(rows: Sequence[LayerRow]) -> list[str]:
    """Lecture names for rows of a :class:`~cnnlib.models.vgg.VGG` summary: ``conv3-2`` for the
    second conv of stage 3, ``pool3`` for its pool, ``fc6`` ... (other rows keep their kind)."""
    labels = []
    for r in rows:
        parts = r.name.split(".")
        if r.kind == "Conv2d" and len(parts) >= 3 and parts[1].startswith("stage"):
            labels.append(f"conv{parts[1][5:]}-{int(parts[2]) + 1}")
        elif r.kind == "MaxPool2d" and len(parts) >= 2 and parts[1].startswith("stage"):
            labels.append(f"pool{parts[1][5:]}")
        elif r.kind == "Linear":
            labels.append(parts[-1])
        else:
            labels.append(r.kind)
    return labels


def _weights(r: LayerRow) -> int:
    """Weights of a conv or linear row without its biases (the lectures' parameter count)."""
    if r.kind == "Conv2d":
        k = 1
        for d in r.kernel or ():
            k *= d
        return r.output_shape[0] * (r.input_shape[0] // (r.groups or 1)) * k
    if r.kind == "Linear":
        return r.input_shape[-1] * r.output_shape[-1]
    return 0


def lecture_table(summary: Summary) -> Table:
    """The Stanford lecture's VGG table from a summary: per conv / pool / FC layer the output
    (``HxWxC``), memory as a count of numbers, and weights without biases, plus the input row."""
    rows: list[dict] = []
    c, h, w = summary.input_size
    rows.append({"layer": "input", "output": f"{h}x{w}x{c}", "memory (numbers)": c * h * w,
                 "weights (no biases)": 0, "params (with biases)": 0})
    shown = [r for r in summary if r.kind in ("Conv2d", "MaxPool2d", "Linear")]
    for label, r in zip(vgg_labels(shown), shown):
        out = r.output_shape
        rows.append({
            "layer": label,
            "output": f"{out[1]}x{out[2]}x{out[0]}" if len(out) == 3 else f"1x1x{out[0]}",
            "memory (numbers)": r.memory_bytes // 4,
            "weights (no biases)": _weights(r),
            "params (with biases)": r.params,
        })
    total = {k: sum(r[k] for r in rows) if k not in ("layer", "output") else "" for k in rows[0]}
    total["layer"] = "total"
    rows.append(total)
    return Table(rows, caption=f"{summary.model_name}: outputs and parameters per layer "
                               "(memory counts numbers; x 4 bytes in float32)")


def plot_per_layer(summary: Summary, columns: Sequence[str] = ("memory_bytes", "params"), *,
                   kinds: Sequence[str] = ("Conv2d", "MaxPool2d", "Linear"),
                   labels: Sequence[str] | None = None, groups: Sequence[str] | None = None,
                   log: bool = False) -> Figure:
    """One panel of horizontal bars per column (``memory_bytes``, ``params``, ``macs``,
    ``flops``) over the rows of ``kinds``, first layer on top. ``groups`` (one name per row)
    colours the bars, e.g. by stage."""
    bad = [c for c in columns if c not in _COLUMNS]
    if bad or not columns:
        raise ValueError(f"columns must be some of {sorted(_COLUMNS)}, got {list(columns)}")
    rows = [r for r in summary if r.kind in kinds]
    if not rows:
        raise ValueError(f"the summary has no rows of kinds {list(kinds)}")
    labels = list(labels) if labels is not None else [r.name for r in rows]
    for name, seq in (("labels", labels), ("groups", groups)):
        if seq is not None and len(seq) != len(rows):
            raise ValueError(f"{name} has {len(seq)} entries but there are {len(rows)} rows "
                             f"of kinds {list(kinds)}")
    colors = ["tab:blue"] * len(rows)
    legend: dict[str, str] = {}
    if groups is not None:
        palette = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown",
                   "tab:pink", "tab:gray", "tab:olive", "tab:cyan"]
        for g in groups:
            legend.setdefault(g, palette[len(legend) % len(palette)])
        colors = [legend[g] for g in groups]
    fig = Figure(figsize=(4.2 * len(columns) + 1, 0.25 * len(rows) + 1.4), layout="constrained")
    axes = fig.subplots(1, len(columns), sharey=True, squeeze=False)[0]
    y = list(range(len(rows)))
    for ax, col in zip(axes, columns):
        scale, title = _COLUMNS[col]
        ax.barh(y, [getattr(r, col) / scale for r in rows], color=colors)
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
        if log:
            ax.set_xscale("log")
    axes[0].set_yticks(y, labels)
    axes[0].invert_yaxis()
    if legend:
        from matplotlib.patches import Patch

        axes[-1].legend(handles=[Patch(color=c, label=g) for g, c in legend.items()],
                        loc="lower right", fontsize=8)
    return fig
