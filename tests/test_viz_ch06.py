"""Chapter 6 (ResNet): cnnlib.viz.ch06 and the chapter's errata."""
import pytest
import torch
import torchvision
from matplotlib.figure import Figure

import cnnlib
from cnnlib import conv_macs, conv_params, summarize
from cnnlib.errata import entries
from cnnlib.models.resnet import IMAGENET_RESNETS
from cnnlib.train import History
from cnnlib.viz import ch06


def _meta(name: str, **kwargs):
    with torch.device("meta"):
        return cnnlib.get_model(name, **kwargs)


@pytest.fixture(scope="module")
def resnet50_summary():
    return summarize(_meta("resnet50"), (3, 224, 224))


# ------------------------------------------------------------------- stages and layers
def test_stage_of_names():
    assert ch06.stage_of("stem.0.0") == "stem"
    assert ch06.stage_of("stages.0.2.conv1") == "stage 1"
    assert ch06.stage_of("stages.3.0.shortcut.0") == "stage 4"
    assert ch06.stage_of("fc") == ch06.stage_of("pool") == ch06.stage_of("final.0") == "head"


def test_stage_costs_add_up_to_the_network(resnet50_summary):
    parts = ch06.stage_costs(resnet50_summary)
    assert [p["part"] for p in parts] == ["stem", "stage 1", "stage 2", "stage 3", "stage 4", "head"]
    # He et al. 2015, Table 1: 3, 4, 6, 3 bottlenecks of 3 convs each
    assert [p["layers"] for p in parts] == [1, 9, 12, 18, 9, 1]
    assert sum(p["params"] for p in parts) == resnet50_summary.total_params
    assert sum(p["macs"] for p in parts) == resnet50_summary.total_macs
    assert sum(p["memory_bytes"] for p in parts) == resnet50_summary.total_memory_bytes
    head = parts[-1]
    assert head["params"] == 2048 * 1000 + 1000 and head["macs"] == 2048 * 1000
    assert parts[0]["macs"] == conv_macs(3, 64, 7, 112, 112)


@pytest.mark.parametrize("name, size, depth", [
    ("resnet18", 224, 18), ("resnet34", 224, 34), ("resnet50", 224, 50), ("resnet101", 224, 101),
    ("resnet152", 224, 152), ("resnet20", 32, 20), ("resnet56", 32, 56), ("plain56", 32, 56),
    ("preact_resnet50", 224, 50)])
def test_count_layers_is_the_depth_in_the_name(name, size, depth):
    assert ch06.count_layers(summarize(_meta(name), (3, size, size))) == depth


def test_wide_resnet_depth_convention():
    # Zagoruyko & Komodakis count the 3 projection shortcuts and not the classifier: 28 = 26 + 3 - 1
    s = summarize(_meta("wide_resnet28_10"), (3, 32, 32))
    projections = sum(r.kind == "Conv2d" and "shortcut" in r.name for r in s)
    assert (ch06.count_layers(s), projections) == (26, 3)


def test_stage_costs_rejects_other_inputs():
    with pytest.raises(ValueError, match="cnnlib.Summary"):
        ch06.stage_costs([1, 2])
    with pytest.raises(ValueError, match="ResNet-style"):
        ch06.stage_costs(summarize(_meta("nin"), (3, 32, 32)))


# ------------------------------------------------------------------------- costs
def test_model_costs_match_torchvision():
    rows = ch06.model_costs(["resnet18", "resnet50"])
    for row, tv in zip(rows, (torchvision.models.resnet18, torchvision.models.resnet50)):
        with torch.device("meta"):
            reference = tv(weights=None)
        assert row["params"] == sum(p.numel() for p in reference.parameters())
        assert row["macs"] == summarize(reference, (3, 224, 224)).total_macs
        assert row["flops"] == 2 * row["macs"]
    with pytest.raises(ValueError, match="list of model names"):
        ch06.model_costs("resnet18")


def test_summarized_macs_match_flop_counter():
    from torch.utils.flop_counter import FlopCounterMode

    model = cnnlib.get_model("resnet18", num_classes=10).eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, 3, 64, 64))
    assert 2 * ch06.model_costs(["resnet18"], (3, 64, 64), num_classes=10)[0]["macs"] == \
        counter.get_total_flops()


def test_resnet_config_costs_v1_and_v15():
    for name, (block, depths) in IMAGENET_RESNETS.items():
        v15 = ch06.resnet_config_costs(block, depths)
        v1 = ch06.resnet_config_costs(block, depths, stride_in_1x1=True)
        assert v15["layers"] == int(name[len("resnet"):])
        assert v15["params"] == v1["params"] == sum(p.numel() for p in _meta(name).parameters())
        if block == "basic":
            assert v1["macs"] == v15["macs"]
        else:  # the paper's stride placement skips 3/4 of the first 1x1 conv's positions
            assert v1["macs"] < v15["macs"]
    # ResNet-50 v1 vs v1.5: the first 1x1 conv of the three downsampling blocks (2w -> w channels)
    # runs at the full input resolution in v1.5, at half of it in v1; the 3x3 outputs match.
    v1 = ch06.resnet_config_costs("bottleneck", (3, 4, 6, 3), stride_in_1x1=True)["macs"]
    v15 = ch06.resnet_config_costs("bottleneck", (3, 4, 6, 3))["macs"]
    diff = sum(conv_macs(2 * w, w, 1, s, s) - conv_macs(2 * w, w, 1, s // 2, s // 2)
               for w, s in ((128, 56), (256, 28), (512, 14)))
    assert v15 - v1 == diff


def test_resnet_config_costs_rejects_bad_configs():
    with pytest.raises(ValueError, match="block must be one of"):
        ch06.resnet_config_costs("wide", (2, 2, 2, 2))
    with pytest.raises(ValueError, match="positive block counts"):
        ch06.resnet_config_costs("basic", (2, 0, 2, 2))
    with pytest.raises(ValueError, match="positive block counts"):
        ch06.resnet_config_costs("basic", (1, 1, 1, 1, 1))
    three = ch06.resnet_config_costs("basic", (1, 1, 1))
    assert three["layers"] == 1 + 6 + 1 and [p["part"] for p in three["stages"]][-2] == "stage 3"


# ------------------------------------------------------------------------- figures
def test_plot_stage_costs_and_family(resnet50_summary):
    parts = ch06.stage_costs(resnet50_summary)
    fig = ch06.plot_stage_costs(parts, title="x")
    assert isinstance(fig, Figure) and [len(ax.patches) for ax in fig.axes] == [6, 6]
    with pytest.raises(ValueError, match="at least one"):
        ch06.plot_stage_costs([])
    rows = [{"model": "a", "params": 1e6, "macs": 2e9, "group": "g"},
            {"model": "b", "params": 3e6, "macs": 4e9, "group": "g"},
            {"model": "c", "params": 5e6, "macs": 1e9, "group": "h"}]
    fig = ch06.plot_family(rows)
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and list(ax.lines[0].get_xdata()) == [1.0, 3.0]
    assert len(ax.texts) == 3
    fig = ch06.plot_family(rows, lines=False, annotate=False, log=True)
    ax = fig.axes[0]
    assert [line.get_linestyle() for line in ax.lines] == ["None", "None"] and not ax.texts
    assert ax.get_xscale() == ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="at least one row"):
        ch06.plot_family([])


def test_plot_step_loss_smooths_per_step_losses():
    h = History(train_loss=[1.0, 0.5], step_loss=[4.0, 2.0, 0.0, 2.0])
    fig = ch06.plot_step_loss({"run": h}, window=2)
    line = fig.axes[0].lines[0]
    assert list(line.get_ydata()) == [4.0, 3.0, 1.0, 1.0]
    assert list(line.get_xdata()) == [0.5, 1.0, 1.5, 2.0]  # in epochs
    with pytest.raises(ValueError, match="window"):
        ch06.plot_step_loss({"run": h}, window=0)
    with pytest.raises(ValueError, match="at least one"):
        ch06.plot_step_loss({})


def test_depth_explorer_static_and_live(monkeypatch):
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    fig = ch06.depth_explorer()
    assert isinstance(fig, Figure)
    assert "68-layer basic [3, 4, 23, 3]" in fig.axes[1].get_title()
    monkeypatch.setenv("CNNLIB_STATIC", "0")
    ipywidgets = pytest.importorskip("ipywidgets")
    widget = ch06.depth_explorer()
    assert isinstance(widget, ipywidgets.interactive)
    assert [c.description for c in widget.children[:-1]] == ["block", "stage 1", "stage 2", "stage 3", "stage 4"]


# ------------------------------------------------------------------------- errata
def test_chapter6_errata_compute():
    found = {e.key: e.correct for e in entries("ch06")}
    assert set(found) == {"resnet-block-flops", "resnet-table-gflop", "resnet-init-xavier",
                          "resnet-weight-decay-cs231n-2017", "resnet-weight-decay-cs231n-2023",
                          "resnet-weight-decay-senet-deck"}
    assert found["resnet-block-flops"] == ("basic 18 HWC^2 MACs = 36 HWC^2 FLOPs; "
                                           "bottleneck 17 HWC^2 MACs = 34 HWC^2 FLOPs")
    # the paper's Table 1 'FLOPs' (1.8, 3.6, 3.8, 7.6, 11.3 x 10^9) are v1 multiply-adds
    assert found["resnet-table-gflop"].startswith("v1: 1.81 / 3.66 / 3.86 / 7.57 / 11.28 G MACs")
    assert "v1.5: 1.81 / 3.66 / 4.09 / 7.80 / 11.51" in found["resnet-table-gflop"]
    assert found["resnet-weight-decay-senet-deck"].startswith("weight decay 0.0001")
    assert "He sqrt(2/fan) = 0.1179; Xavier sqrt(1/fan) = 0.0833" in found["resnet-init-xavier"]


def test_block_multiples_follow_from_the_formulas():
    c = 8
    basic = 2 * conv_params(c, c, 3, bias=False)
    bottleneck = conv_params(4 * c, c, 1, bias=False) + conv_params(c, c, 3, bias=False) \
        + conv_params(c, 4 * c, 1, bias=False)
    assert (basic / c**2, bottleneck / c**2) == (18, 17)
