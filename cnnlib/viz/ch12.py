"""Data, figures and controls for chapter 12 (comparing architectures).

Published numbers are *cited*, never measured here: every value carries its source.

* :data:`PUBLISHED_TOP1` -- ImageNet top-1 accuracy (single 224 crop unless noted) of zoo
  models, with the source next to each value. Values from torchvision's documented weights
  metrics are attached only to models whose architecture equals torchvision's (the tests
  check that the parameter counts agree exactly).
* :data:`ILSVRC_WINNERS` -- the ILSVRC classification top-5 error of the winning entry (and
  the runner-up VGG in 2014), as published by the challenge and the papers.
* :func:`imagenet_models` / :func:`compare` -- the zoo's ImageNet models, summarized once each.
* :func:`plot_accuracy_vs_macs`, :func:`plot_ilsvrc`, :func:`plot_comparison`,
  :func:`model_chooser`.
"""
from __future__ import annotations

import inspect
from typing import NamedTuple, Sequence

import torch
from matplotlib.figure import Figure

from cnnlib.registry import get_model, get_model_builder, list_models
from cnnlib.summary import summarize
from cnnlib.widgets import is_static

__all__ = [
    "Published", "PUBLISHED_TOP1", "IlsvrcEntry", "ILSVRC_WINNERS", "TORCHVISION_METRICS",
    "imagenet_models", "input_size", "compare", "plot_accuracy_vs_macs", "plot_ilsvrc",
    "plot_comparison", "model_chooser",
]


class Published(NamedTuple):
    top1: float  # percent
    source: str


#: torchvision's documented ``IMAGENET1K_V1`` weights metrics ("acc@1"), listed on
#: https://pytorch.org/vision/stable/models.html (each weights enum's ``meta["_metrics"]``).
TORCHVISION_METRICS = "torchvision IMAGENET1K_V1 weights, documented acc@1"

PUBLISHED_TOP1: dict[str, Published] = {
    "alexnet_owt": Published(56.522, TORCHVISION_METRICS + " (torchvision's alexnet = 'one weird trick' AlexNet)"),
    "vgg11": Published(69.020, TORCHVISION_METRICS),
    "vgg13": Published(69.928, TORCHVISION_METRICS),
    "vgg16": Published(71.592, TORCHVISION_METRICS),
    "vgg19": Published(72.376, TORCHVISION_METRICS),
    "vgg16_bn": Published(73.360, TORCHVISION_METRICS),
    "resnet18": Published(69.758, TORCHVISION_METRICS),
    "resnet34": Published(73.314, TORCHVISION_METRICS),
    "resnet50": Published(76.130, TORCHVISION_METRICS),
    "resnet101": Published(77.374, TORCHVISION_METRICS),
    "resnet152": Published(78.312, TORCHVISION_METRICS),
    "resnext50_32x4d": Published(77.618, TORCHVISION_METRICS),
    "resnext101_32x8d": Published(79.312, TORCHVISION_METRICS),
    "wide_resnet50_2": Published(78.468, TORCHVISION_METRICS),
    "wide_resnet101_2": Published(78.848, TORCHVISION_METRICS),
    "densenet121": Published(74.434, TORCHVISION_METRICS),
    "densenet169": Published(75.600, TORCHVISION_METRICS),
    "densenet201": Published(76.896, TORCHVISION_METRICS),
    "densenet161": Published(77.138, TORCHVISION_METRICS),
    "squeezenet1_0": Published(58.092, TORCHVISION_METRICS),
    "squeezenet1_1": Published(58.178, TORCHVISION_METRICS),
    "mobilenet_v2": Published(71.878, TORCHVISION_METRICS),
    "shufflenet_v2_x0_5": Published(60.552, TORCHVISION_METRICS),
    "shufflenet_v2_x1_0": Published(69.362, TORCHVISION_METRICS),
    "shufflenet_v2_x1_5": Published(72.996, TORCHVISION_METRICS),
    "shufflenet_v2_x2_0": Published(76.230, TORCHVISION_METRICS),
    "mnasnet1_0": Published(73.456, TORCHVISION_METRICS),
    "efficientnet_b0": Published(77.692, TORCHVISION_METRICS),
    "mobilenet_v1": Published(70.6, "Howard et al. 2017 (arXiv:1704.04861), Table 8, 1.0 MobileNet-224"),
    "nasnet_a_mobile": Published(74.0, "Zoph et al. 2018 (arXiv:1707.07012), Table 2, NASNet-A (4 @ 1056)"),
    "se_resnet50": Published(76.71, "Hu et al. 2018 (arXiv:1709.01507), Table 2: top-1 error 23.29"),
}


class IlsvrcEntry(NamedTuple):
    year: int
    team: str
    top5_error: float  # percent, test set, as published
    source: str


#: ILSVRC classification, top-5 error (%) on the test set of each year's entry.
ILSVRC_WINNERS: tuple[IlsvrcEntry, ...] = (
    IlsvrcEntry(2010, "NEC-UIUC (Lin et al.)", 28.2, "ILSVRC 2010 results; Russakovsky et al. 2015 (arXiv:1409.0575), Table 7"),
    IlsvrcEntry(2011, "XRCE (Sanchez & Perronnin)", 25.8, "ILSVRC 2011 results; Russakovsky et al. 2015, Table 7"),
    IlsvrcEntry(2012, "SuperVision (AlexNet), 5 CNNs", 16.4, "Krizhevsky et al. 2012, Table 2 (5 CNNs, test)"),
    IlsvrcEntry(2012, "SuperVision (AlexNet), winning entry (7 CNNs, extra data)", 15.3, "Krizhevsky et al. 2012, Table 2 (7 CNNs*, test)"),
    IlsvrcEntry(2013, "Clarifai (Zeiler)", 11.7, "ILSVRC 2013 results; Russakovsky et al. 2015, Table 7"),
    IlsvrcEntry(2014, "VGG (runner-up)", 7.3, "Simonyan & Zisserman 2015 (arXiv:1409.1556), Table 7 (ILSVRC submission)"),
    IlsvrcEntry(2014, "GoogLeNet", 6.67, "Szegedy et al. 2015 (arXiv:1409.4842), Table 2"),
    IlsvrcEntry(2015, "MSRA (ResNet)", 3.57, "He et al. 2016 (arXiv:1512.03385), Table 5"),
    IlsvrcEntry(2016, "Trimps-Soushen (Shao et al.)", 2.99, "ILSVRC 2016 results"),
    IlsvrcEntry(2017, "WMW (SENet)", 2.251, "Hu et al. 2018 (arXiv:1709.01507), Section 7 / Table 8"),
)

#: Human top-5 error on ILSVRC (one trained annotator), Russakovsky et al. 2015, Section 6.4.
HUMAN_TOP5_ERROR = Published(5.1, "Russakovsky et al. 2015 (arXiv:1409.0575), Section 6.4")


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
    """One record per model: ``name``, ``input``, ``params``, ``macs``, ``memory_bytes``
    (activations, batch 1, float32), and ``top1`` / ``top1_source`` when published."""
    records = []
    for name in names:
        with torch.device("meta"):
            model = get_model(name)
        size = input_size(name, model)
        s = summarize(model, (3, size, size))
        pub = PUBLISHED_TOP1.get(name)
        records.append({"name": name, "input": size, "params": s.total_params,
                        "macs": s.total_macs, "memory_bytes": s.total_memory_bytes,
                        "top1": pub.top1 if pub else None,
                        "top1_source": pub.source if pub else ""})
    return records


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
            ("memory_bytes", 2**20, "activation memory (MiB, batch 1, fp32)"))
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
