"""cnnlib.figures.comparison and cnnlib.published: many models side by side, cited accuracies."""
import pytest
import torch
from matplotlib.figure import Figure

import cnnlib
from cnnlib.figures.comparison import (
    compare, imagenet_models, plot_accuracy_vs_macs, plot_comparison, plot_family, plot_ilsvrc,
    plot_params_vs_macs,
)
from cnnlib.published import ILSVRC_WINNERS, PUBLISHED_TOP1, TORCHVISION_METRICS


def test_imagenet_models_excludes_cifar_models():
    names = imagenet_models()
    assert "resnet50" in names and "vgg16" in names
    assert "resnet20" not in names and "lenet5" not in names
    assert "vgg16" not in imagenet_models(exclude=["vgg16"])
    with pytest.raises(ValueError, match="unknown"):
        imagenet_models(exclude=["not_a_model"])


def test_published_entries_name_registered_models_with_sources():
    for name, pub in PUBLISHED_TOP1.items():
        assert name in cnnlib.list_models()
        assert 0 < pub.top1 < 100 and pub.source


@pytest.mark.parametrize("name", [n for n, p in PUBLISHED_TOP1.items()
                                  if p.source.startswith(TORCHVISION_METRICS)
                                  and n in ("alexnet_owt", "squeezenet1_0", "mobilenet_v2",
                                            "shufflenet_v2_x1_0", "efficientnet_b0",
                                            "resnet18", "densenet121", "vgg11")])
def test_torchvision_accuracy_only_for_identical_architectures(name):
    tv = pytest.importorskip("torchvision")
    tv_name = "alexnet" if name == "alexnet_owt" else name
    with torch.device("meta"):
        ours = cnnlib.get_model(name)
        theirs = getattr(tv.models, tv_name)()
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())


def test_compare_records_and_plots():
    recs = compare(["alexnet", "squeezenet1_1"])
    assert [r["input"] for r in recs] == [227, 224]
    assert recs[1]["top1"] == PUBLISHED_TOP1["squeezenet1_1"].top1
    assert recs[0]["top1"] is None
    assert all(r["params"] > 0 and r["macs"] > 0 and r["memory_bytes"] > 0 for r in recs)
    assert isinstance(plot_accuracy_vs_macs(recs), Figure)
    assert isinstance(plot_comparison(recs, ["alexnet"]), Figure)
    with pytest.raises(ValueError, match="missing"):
        plot_comparison(recs, ["vgg16"])
    with pytest.raises(ValueError, match="published"):
        plot_accuracy_vs_macs(recs[:1])


def test_ilsvrc_table_is_chronological():
    years = [e.year for e in ILSVRC_WINNERS]
    assert years == sorted(years) and years[0] == 2010 and years[-1] == 2017
    assert isinstance(plot_ilsvrc(), Figure)


def test_plot_params_vs_macs():
    recs = [{"name": "a", "params": 10, "macs": 100}, {"name": "b", "params": 5, "macs": 7}]
    assert isinstance(plot_params_vs_macs(recs, highlight=["b"]), Figure)
    with pytest.raises(ValueError, match="empty"):
        plot_params_vs_macs([])
    with pytest.raises(ValueError, match="positive"):
        plot_params_vs_macs([{"name": "z", "params": 0, "macs": 1}])


def test_plot_family():
    rows = [{"model": "a", "params": 1e6, "macs": 2e9, "group": "g"},
            {"model": "b", "params": 3e6, "macs": 4e9, "group": "g"},
            {"model": "c", "params": 5e6, "macs": 1e9, "group": "h"}]
    fig = plot_family(rows)
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and list(ax.lines[0].get_xdata()) == [1.0, 3.0]
    assert len(ax.texts) == 3
    fig = plot_family(rows, lines=False, annotate=False, log=True)
    ax = fig.axes[0]
    assert [line.get_linestyle() for line in ax.lines] == ["None", "None"] and not ax.texts
    assert ax.get_xscale() == ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="at least one row"):
        plot_family([])
