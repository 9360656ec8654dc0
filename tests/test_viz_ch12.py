"""Tests for cnnlib.viz.ch12 (chapter 12, comparing architectures)."""
import pytest
import torch
from matplotlib.figure import Figure

import cnnlib
from cnnlib.viz import ch12


def test_imagenet_models_excludes_cifar_models():
    names = ch12.imagenet_models()
    assert "resnet50" in names and "vgg16" in names
    assert "resnet20" not in names and "lenet5" not in names
    assert "vgg16" not in ch12.imagenet_models(exclude=["vgg16"])
    with pytest.raises(ValueError, match="unknown"):
        ch12.imagenet_models(exclude=["not_a_model"])


def test_published_entries_name_registered_models_with_sources():
    for name, pub in ch12.PUBLISHED_TOP1.items():
        assert name in cnnlib.list_models()
        assert 0 < pub.top1 < 100 and pub.source


@pytest.mark.parametrize("name", [n for n, p in ch12.PUBLISHED_TOP1.items()
                                  if p.source.startswith(ch12.TORCHVISION_METRICS)
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
    recs = ch12.compare(["alexnet", "squeezenet1_1"])
    assert [r["input"] for r in recs] == [227, 224]
    assert recs[1]["top1"] == ch12.PUBLISHED_TOP1["squeezenet1_1"].top1
    assert recs[0]["top1"] is None
    assert all(r["params"] > 0 and r["macs"] > 0 and r["memory_bytes"] > 0 for r in recs)
    assert isinstance(ch12.plot_accuracy_vs_macs(recs), Figure)
    assert isinstance(ch12.plot_comparison(recs, ["alexnet"]), Figure)
    with pytest.raises(ValueError, match="missing"):
        ch12.plot_comparison(recs, ["vgg16"])
    with pytest.raises(ValueError, match="published"):
        ch12.plot_accuracy_vs_macs(recs[:1])


def test_ilsvrc_table_is_chronological():
    years = [e.year for e in ch12.ILSVRC_WINNERS]
    assert years == sorted(years) and years[0] == 2010 and years[-1] == 2017
    assert isinstance(ch12.plot_ilsvrc(), Figure)
