"""Interactive controls for the chapters, with a static fallback for the published site.

In a live notebook (Colab, JupyterHub, a laptop) each function returns an ``ipywidgets``
control. When the book is built (``make book`` sets ``CNNLIB_STATIC=1``) or ipywidgets is
missing, it returns a static matplotlib figure of a few representative settings instead,
because a static page has no kernel to answer the sliders.
"""
from __future__ import annotations

import os
from typing import Callable

from matplotlib.figure import Figure

from cnnlib.arithmetic import conv_macs, conv_output_size, conv_params, receptive_field

__all__ = ["is_static", "int_sliders", "conv_calculator", "receptive_field_explorer", "layer_report",
           "interactive_or_static", "plot_receptive_field_growth"]


def is_static() -> bool:
    """True while building the static site (or without ipywidgets)."""
    if os.environ.get("CNNLIB_STATIC", "") not in ("", "0"):
        return True
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return True
    return False


def int_sliders(show: Callable[..., None], **sliders: tuple):
    """``ipywidgets.interactive(show, ...)`` with one integer slider per keyword, given as
    ``name=(value, min, max, description)`` or ``(value, min, max, description, step)``."""
    import ipywidgets as w

    def slider(value, low, high, description, *step):
        return w.IntSlider(value, low, high, *step, description=description)

    return w.interactive(show, **{name: slider(*spec) for name, spec in sliders.items()})


def layer_report(size: int, c_in: int, c_out: int, kernel: int, stride: int, padding: int,
                 *, bias: bool = True) -> str:
    """One conv layer's output size, parameters, MACs and output memory, as text."""
    try:
        out = conv_output_size(size, kernel, stride, padding, strict=True)
        fits = ""
    except ValueError as err:
        if "does not fit" not in str(err):
            return f"Not a valid layer: {err}"
        out = conv_output_size(size, kernel, stride, padding)
        fits = f"  (the filter does not tile the input evenly; PyTorch floors to {out})"
    params = conv_params(c_in, c_out, kernel, bias=bias)
    macs = conv_macs(c_in, c_out, kernel, out, out)
    kb = c_out * out * out * 4 / 1024
    return (f"output: {c_out} x {out} x {out}{fits}\n"
            f"params: {params:,} ({c_out} x {c_in} x {kernel} x {kernel}"
            f"{f' + {c_out} biases' if bias else ''})\n"
            f"MACs: {macs:,} ({macs / 1e6:.1f} M) = {2 * macs / 1e6:.1f} MFLOP\n"
            f"output memory: {kb:,.1f} KB (float32)")


def _static_table(rows: list[tuple[str, str]], title: str) -> Figure:
    # Figures are built with matplotlib.figure.Figure, not pyplot: pyplot would keep them and the
    # notebook would show each one twice (once as the cell's value, once at the cell's end).
    fig = Figure(figsize=(9, 0.5 + 0.9 * len(rows)))
    ax = fig.add_subplot()
    ax.axis("off")
    ax.set_title(title + "\n(static preview: open the notebook to use the controls)", fontsize=10)
    table = ax.table(cellText=[[a, b.replace("\n", "; ")] for a, b in rows],
                     colLabels=["layer", "result"], loc="center", cellLoc="left",
                     colWidths=[0.28, 0.72])
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.scale(1, 2.2)
    fig.tight_layout()
    return fig


def conv_calculator(size: int = 227, c_in: int = 3, c_out: int = 96, kernel: int = 11,
                    stride: int = 4, padding: int = 0):
    """Sliders for one conv layer; shows output size, parameters, MACs and memory."""
    if is_static():
        examples = [(size, c_in, c_out, kernel, stride, padding), (32, 3, 10, 5, 1, 2),
                    (7, 1, 1, 3, 3, 0), (56, 64, 64, 3, 1, 1)]
        rows = [(f"{s}x{s}x{ci} -> {co} filters {k}x{k}, stride {st}, pad {p}",
                 layer_report(s, ci, co, k, st, p)) for s, ci, co, k, st, p in examples]
        return _static_table(rows, "Conv layer calculator")

    def show(size, c_in, c_out, kernel, stride, padding):
        print(layer_report(size, c_in, c_out, kernel, stride, padding))

    return int_sliders(show, size=(size, 1, 512, "input H=W"), c_in=(c_in, 1, 1024, "C in"),
                       c_out=(c_out, 1, 1024, "filters"), kernel=(kernel, 1, 15, "kernel"),
                       stride=(stride, 1, 8, "stride"), padding=(padding, 0, 7, "padding"))


def plot_receptive_field_growth(stacks: dict[str, list[tuple[int, ...]]]) -> Figure:
    """Receptive field after each layer, one line per named stack of (kernel, stride[, dil])."""
    fig = Figure(figsize=(6, 3.5))
    ax = fig.add_subplot()
    for label, layers in stacks.items():
        rf = receptive_field(layers)
        ax.plot(range(1, len(layers) + 1), rf.per_layer, marker="o", label=label)
    ax.set_xlabel("layers stacked")
    ax.set_ylabel("receptive field (input pixels)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def receptive_field_explorer(max_layers: int = 10):
    """Sliders: how the receptive field grows with depth, kernel, stride and dilation."""
    def stacks(n: int, kernel: int, stride: int, dilation: int) -> dict[str, list]:
        return {f"{kernel}x{kernel}, stride 1": [(kernel, 1)] * n,
                f"{kernel}x{kernel}, stride {stride} on layer 1": [(kernel, stride)] + [(kernel, 1)] * (n - 1),
                f"{kernel}x{kernel}, dilation {dilation}": [(kernel, 1, dilation)] * n}

    if is_static():
        return plot_receptive_field_growth(stacks(max_layers, 3, 2, 2))

    def show(n, kernel, stride, dilation):
        from IPython.display import display
        display(plot_receptive_field_growth(stacks(n, kernel, stride, dilation)))

    return int_sliders(show, n=(min(5, max_layers), 1, max_layers, "layers"),
                       kernel=(3, 1, 7, "kernel", 2), stride=(2, 1, 4, "stride"),
                       dilation=(2, 1, 4, "dilation"))


def interactive_or_static(live: Callable[[], object], static: Callable[[], Figure]):
    """Call ``live`` in a notebook with a kernel, ``static`` while building the site."""
    return static() if is_static() else live()
