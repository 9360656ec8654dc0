"""Layer-by-layer views of a :class:`cnnlib.Summary`: tables and bar charts.

* :func:`layer_pattern` -- a network's layer sequence in the lectures' notation
  (``CONV-POOL-CONV-POOL-FC-FC``).
* :func:`param_difference` -- per-layer parameters of two variants of a network side by side
  (AlexNet with and without the two-GPU split).
* :func:`side_by_side` / :func:`plot_side_by_side` -- two or more summaries of networks with the
  same layer names (AlexNet and ZFNet), layer by layer.
* :func:`vgg_labels`, :func:`lecture_table` -- VGG-16's rows named as in the lectures
  (``conv3-2``, ``pool3``, ``fc6``) and the Stanford lecture's memory/parameter table.
* :func:`plot_per_layer` -- per-layer bars of any summary columns.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from matplotlib.figure import Figure

from cnnlib.display import Table
from cnnlib.summary import LayerRow, Summary

__all__ = ["layer_pattern", "param_difference", "side_by_side", "plot_side_by_side", "vgg_labels",
           "lecture_table", "plot_per_layer"]

_PATTERN = {"Conv2d": "CONV", "MaxPool2d": "POOL", "AvgPool2d": "POOL", "Linear": "FC"}

# What plot_per_layer can draw: (divisor, axis label) per Summary column.
_COLUMNS = {
    "memory_bytes": (1024, "memory (KB, float32)"),
    "params": (1e6, "parameters (M)"),
    "macs": (1e6, "MACs (M)"),
    "flops": (1e6, "FLOPs (M)"),
}


def _acts_as_fc(r: LayerRow) -> bool:
    """A conv whose kernel covers its whole (unpadded) input computes one dot product per
    filter over every input number: it is a fully-connected layer."""
    if r.kind != "Conv2d" or r.kernel is None or len(r.input_shape) != 3:
        return False
    return (tuple(r.input_shape[1:]) == tuple(r.kernel)
            and not any(r.padding or ()) and r.groups in (None, 1))


def layer_pattern(summary: Summary, *, conv_as_fc: bool = False) -> str:
    """The layers of ``summary`` as ``CONV-POOL-...-FC`` (convolutions, pools, linear layers;
    activations and the like left out). Rows of one module split in parts (LeNet's sparse C3
    is 16 small convs) count once. With ``conv_as_fc``, a convolution whose kernel covers its
    whole input is written ``FC``: it is a fully-connected layer in disguise."""
    tokens: list[str] = []
    last_parent = None
    for r in summary:
        token = _PATTERN.get(r.kind)
        if token is None:
            continue
        parent = r.name.rsplit(".", 2)[0] if ".convs." in r.name else None
        if parent is not None and parent == last_parent:
            continue  # another part of the same split convolution
        last_parent = parent
        tokens.append("FC" if conv_as_fc and _acts_as_fc(r) else token)
    if not tokens:
        raise ValueError("the summary has no Conv2d, pooling or Linear rows")
    return "-".join(tokens)


def param_difference(a: Summary, b: Summary, *, names: Sequence[str] = ("a", "b"),
                     kinds: Sequence[str] = ("Conv2d", "Linear")) -> Table:
    """Parameters per layer of two summaries of the same layout (matched by layer name), their
    difference, and the totals."""
    if len(names) != 2:
        raise ValueError(f"names must be two labels, got {list(names)}")
    rows_a = [r for r in a if r.kind in kinds]
    rows_b = {r.name: r for r in b if r.kind in kinds}
    missing = [r.name for r in rows_a if r.name not in rows_b]
    if missing or len(rows_a) != len(rows_b):
        raise ValueError(f"the two summaries do not have the same {list(kinds)} layers "
                         f"(missing in the second: {missing})")
    na, nb = names
    table = []
    for r in rows_a:
        other = rows_b[r.name]
        table.append({"layer": r.name.rsplit(".", 1)[-1], f"groups {na}": r.groups or 1,
                      f"params {na}": r.params, f"params {nb}": other.params,
                      f"{nb} - {na}": other.params - r.params})
    table.append({"layer": "total", f"groups {na}": None, f"params {na}": a.total_params,
                  f"params {nb}": b.total_params, f"{nb} - {na}": b.total_params - a.total_params})
    return Table(table)


def _layers_by_name(summaries: Mapping[str, Summary], kinds: Sequence[str]
                    ) -> tuple[dict[str, dict[str, LayerRow]], list[str]]:
    """Each network's rows of ``kinds`` by short layer name (``conv1``: the last part of the
    module path), and every name in the order the networks first list it."""
    per_model = {name: {r.name.rsplit(".", 1)[-1]: r for r in s if r.kind in kinds}
                 for name, s in summaries.items()}
    order: list[str] = []
    for rows in per_model.values():
        order += [n for n in rows if n not in order]
    return per_model, order


def _shape(shape: Sequence[int]) -> str:
    return " x ".join(map(str, shape))


def side_by_side(summaries: Mapping[str, Summary], *,
                 kinds: Sequence[str] = ("Conv2d", "MaxPool2d", "Linear")) -> Table:
    """One row per layer name (``conv1``, ``pool1`` ...; the last part of the module path), with
    each network's output shape and MACs (millions) next to each other; "-" where a network has
    no such layer."""
    if len(summaries) < 2:
        raise ValueError("give at least two summaries to compare, e.g. {'AlexNet': a, 'ZFNet': z}")
    per_model, order = _layers_by_name(summaries, kinds)
    if not order:
        raise ValueError(f"the summaries have no rows of kinds {list(kinds)}")
    table = []
    for layer in order:
        row: dict = {"layer": layer}
        for name, rows in per_model.items():
            r = rows.get(layer)
            row[f"{name} output"] = _shape(r.output_shape) if r else None
            row[f"{name} MMAC"] = r.macs / 1e6 if r else None
        table.append(row)
    total: dict = {"layer": "total"}
    for name, s in summaries.items():
        total[f"{name} output"] = _shape(s.output_shape)
        total[f"{name} MMAC"] = s.total_macs / 1e6
    table.append(total)
    return Table(table, formats={k: ",.1f" for k in table[0] if k.endswith("MMAC")})


def plot_side_by_side(summaries: Mapping[str, Summary]) -> Figure:
    """Two panels of grouped bars, one bar per network: the output height/width of every conv
    and pool layer, and the MACs of every conv and FC layer."""
    if len(summaries) < 2:
        raise ValueError("give at least two summaries to compare")
    panels = [(("Conv2d", "MaxPool2d"), lambda r: r.output_shape[-1], "output height = width"),
              (("Conv2d", "Linear"), lambda r: r.macs / 1e6, "MACs (M)")]
    fig = Figure(figsize=(11, 3.6), layout="constrained")
    axes = fig.subplots(1, 2)
    width = 0.8 / len(summaries)
    for ax, (kinds, value, title) in zip(axes, panels):
        per_model, order = _layers_by_name(summaries, kinds)
        for j, (name, rows) in enumerate(per_model.items()):
            xs = [i + (j - (len(summaries) - 1) / 2) * width for i, n in enumerate(order) if n in rows]
            vals = [value(rows[n]) for n in order if n in rows]
            bars = ax.bar(xs, vals, width=width, label=name)
            ax.bar_label(bars, labels=[f"{v:,.0f}" for v in vals], fontsize=7, padding=1)
        ax.set_xticks(range(len(order)), order, rotation=30, ha="right")
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8)
    return fig


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
