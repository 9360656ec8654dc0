"""Chapter 9 (improving ResNets): cnnlib.viz.ch09 and the chapter's errata."""
import pytest
import torch
import torchvision
from matplotlib.figure import Figure

import cnnlib
from cnnlib.errata import entries
from cnnlib.models.densenet import DenseBlock, DenseNet
from cnnlib.viz import ch09


def _meta(name: str, **kwargs):
    with torch.device("meta"):
        return cnnlib.get_model(name, **kwargs)


def _params(model) -> int:
    return sum(p.numel() for p in model.parameters())


# ------------------------------------------------------------------------- DenseNet
def test_dense_growth_of_densenet121():
    rows = ch09.dense_growth(_meta("densenet121"))
    layers = [r for r in rows if r["kind"] == "layer"]
    transitions = [r for r in rows if r["kind"] == "transition"]
    assert len(layers) == 6 + 12 + 24 + 16  # Huang et al. 2016, Table 1
    # block 1 starts from the 64-channel stem and grows by k = 32 per layer
    assert [r["in_channels"] for r in layers[:6]] == [64 + 32 * i for i in range(6)]
    assert all(r["growth"] == 32 for r in layers)
    # each transition halves the channels (compression 0.5): 256->128, 512->256, 1024->512
    assert [(t["in_channels"], t["out_channels"]) for t in transitions] == [(256, 128), (512, 256), (1024, 512)]
    # L(L+1)/2 connections per block
    for b, n in enumerate((6, 12, 24, 16), start=1):
        assert sum(r["inputs"] for r in layers if r["block"] == b) == n * (n + 1) // 2


def test_dense_growth_of_a_small_block_and_bad_input():
    block = DenseBlock(4, 10, 3)
    rows = ch09.dense_growth(block)
    assert [r["in_channels"] for r in rows] == [10, 13, 16, 19] and block.out_channels == 22
    with pytest.raises(ValueError, match="DenseBlocks"):
        ch09.dense_growth(_meta("resnet18"))


def test_plot_channel_growth():
    rows = ch09.dense_growth(DenseNet(4, (2, 3), 8, num_classes=3))
    fig = ch09.plot_channel_growth(rows, title="t")
    ax = fig.axes[0]
    assert [p.get_height() for p in ax.patches] == [8, 12, 8, 12, 16]  # 16 -> 8 at the transition
    assert len(ax.get_legend().get_texts()) == 2
    with pytest.raises(ValueError, match="no dense layers"):
        ch09.plot_channel_growth([])


# ------------------------------------------------------------------------- stochastic depth
def test_drop_path_rates_follow_the_linear_rule():
    rates = ch09.drop_path_rates(_meta("resnet110", drop_path_rate=0.5))
    assert len(rates) == 54
    assert rates == pytest.approx([0.5 * (i + 1) / 54 for i in range(54)])
    # Huang et al. 2016, Sec. 3: with p_L = 0.5 the expected depth is (3L - 1) / 4
    assert ch09.expected_depth(rates) == pytest.approx((3 * 54 - 1) / 4)
    assert ch09.expected_depth([0.0, 0.0]) == 2.0
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        ch09.expected_depth([0.5, 1.0])
    with pytest.raises(ValueError, match="no DropPath"):
        ch09.drop_path_rates(_meta("nin"))


def test_plot_drop_rates():
    fig = ch09.plot_drop_rates({"a": [0.1, 0.2], "b": [0.0, 0.25, 0.5]})
    ax = fig.axes[0]
    assert [len(line.get_xdata()) for line in ax.lines] == [2, 3]
    assert "2.25 survive" in ax.get_legend().get_texts()[1].get_text()
    with pytest.raises(ValueError, match="at least one"):
        ch09.plot_drop_rates({})


# ------------------------------------------------------------------------- SE and growth rate
@pytest.mark.parametrize("reduction", [16, 8, 1])
def test_se_cost_matches_the_real_models(reduction):
    added = _params(_meta("se_resnet50", reduction=reduction)) - _params(_meta("resnet50"))
    cost = ch09.se_cost(reduction)
    assert cost["params"] == added and cost["blocks"] == 16
    if reduction == 16:  # Hu et al. 2017, Sec. 4: about 2.5 million extra parameters
        assert 2.5e6 < added < 2.55e6


def test_se_cost_macs_and_errors():
    macs = cnnlib.summarize(_meta("se_resnet50"), (3, 224, 224)).total_macs \
        - cnnlib.summarize(_meta("resnet50"), (3, 224, 224)).total_macs
    assert ch09.se_cost(16)["macs"] == macs
    assert ch09.se_block_channels("resnet18") == (64,) * 2 + (128,) * 2 + (256,) * 2 + (512,) * 2
    with pytest.raises(ValueError, match="positive integer"):
        ch09.se_cost(0)
    with pytest.raises(ValueError, match="no residual stages"):
        ch09.se_cost(16, base="nin")


def test_densenet_cost_is_densenet121_at_k32():
    with torch.device("meta"):
        reference = torchvision.models.densenet121(weights=None)
    cost = ch09.densenet_cost(32)
    assert cost["params"] == _params(reference) == 7_978_856
    assert cost["num_features"] == 1024
    small = ch09.densenet_cost(8)
    assert small["params"] < cost["params"]
    assert small["num_features"] == _final_width(8)
    with pytest.raises(ValueError, match="positive integer"):
        ch09.densenet_cost(0)


def _final_width(k: int) -> int:
    c = 2 * k
    for i, n in enumerate((6, 12, 24, 16)):
        c += n * k
        if i < 3:
            c //= 2
    return c


def test_se_growth_explorer_static_and_live(monkeypatch):
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    fig = ch09.se_growth_explorer(reduction=8, growth_rate=12)
    assert isinstance(fig, Figure)
    assert "k = 12" in fig.axes[1].get_title()
    monkeypatch.setenv("CNNLIB_STATIC", "0")
    ipywidgets = pytest.importorskip("ipywidgets")
    widget = ch09.se_growth_explorer()
    assert isinstance(widget, ipywidgets.interactive)
    assert [c.description for c in widget.children[:-1]] == ["SE r", "growth k"]


# ------------------------------------------------------------------------- errata
def test_chapter9_errata_compute():
    found = {e.key: e.correct for e in entries("ch09")}
    assert found["densenet-50-vs-152"] == (
        "weighted layers (conv + FC): DenseNet-121 121, DenseNet-169 169, DenseNet-201 201; "
        "parameters: DenseNet-201 20.0 M vs ResNet-101 44.5 M")
