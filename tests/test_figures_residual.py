"""cnnlib.figures.residual: ResNet stages and depth, DenseNet growth, stochastic depth, SE."""
import pytest
from matplotlib.figure import Figure

from cnnlib import summarize
from cnnlib.costs import meta_model, stage_costs
from cnnlib.figures.residual import (
    dense_growth, depth_explorer, drop_path_rates, expected_depth, plot_channel_growth,
    plot_drop_rates, plot_stage_costs, se_growth_explorer,
)
from cnnlib.models.densenet import DenseBlock, DenseNet


@pytest.fixture(scope="module")
def resnet50_summary():
    return summarize(meta_model("resnet50"), (3, 224, 224))


def test_depth_explorer_static_and_live(monkeypatch):
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    fig = depth_explorer()
    assert isinstance(fig, Figure)
    assert "68-layer basic [3, 4, 23, 3]" in fig.axes[1].get_title()
    monkeypatch.setenv("CNNLIB_STATIC", "0")
    ipywidgets = pytest.importorskip("ipywidgets")
    widget = depth_explorer()
    assert isinstance(widget, ipywidgets.interactive)
    assert [c.description for c in widget.children[:-1]] == ["block", "stage 1", "stage 2", "stage 3", "stage 4"]


def test_dense_growth_of_densenet121():
    rows = dense_growth(meta_model("densenet121"))
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
    rows = dense_growth(block)
    assert [r["in_channels"] for r in rows] == [10, 13, 16, 19] and block.out_channels == 22
    with pytest.raises(ValueError, match="DenseBlocks"):
        dense_growth(meta_model("resnet18"))


def test_plot_channel_growth():
    rows = dense_growth(DenseNet(4, (2, 3), 8, num_classes=3))
    fig = plot_channel_growth(rows, title="t")
    ax = fig.axes[0]
    assert [p.get_height() for p in ax.patches] == [8, 12, 8, 12, 16]  # 16 -> 8 at the transition
    assert len(ax.get_legend().get_texts()) == 2
    with pytest.raises(ValueError, match="no dense layers"):
        plot_channel_growth([])


def test_drop_path_rates_follow_the_linear_rule():
    rates = drop_path_rates(meta_model("resnet110", drop_path_rate=0.5))
    assert len(rates) == 54
    assert rates == pytest.approx([0.5 * (i + 1) / 54 for i in range(54)])
    # Huang et al. 2016, Sec. 3: with p_L = 0.5 the expected depth is (3L - 1) / 4
    assert expected_depth(rates) == pytest.approx((3 * 54 - 1) / 4)
    assert expected_depth([0.0, 0.0]) == 2.0
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        expected_depth([0.5, 1.0])
    with pytest.raises(ValueError, match="no DropPath"):
        drop_path_rates(meta_model("nin"))


def test_plot_drop_rates():
    fig = plot_drop_rates({"a": [0.1, 0.2], "b": [0.0, 0.25, 0.5]})
    ax = fig.axes[0]
    assert [len(line.get_xdata()) for line in ax.lines] == [2, 3]
    assert "2.25 survive" in ax.get_legend().get_texts()[1].get_text()
    with pytest.raises(ValueError, match="at least one"):
        plot_drop_rates({})


def test_se_growth_explorer_static_and_live(monkeypatch):
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    fig = se_growth_explorer(reduction=8, growth_rate=12)
    assert isinstance(fig, Figure)
    assert "k = 12" in fig.axes[1].get_title()
    monkeypatch.setenv("CNNLIB_STATIC", "0")
    ipywidgets = pytest.importorskip("ipywidgets")
    widget = se_growth_explorer()
    assert isinstance(widget, ipywidgets.interactive)
    assert [c.description for c in widget.children[:-1]] == ["SE r", "growth k"]


def test_plot_stage_costs(resnet50_summary):
    parts = stage_costs(resnet50_summary)
    fig = plot_stage_costs(parts, title="x")
    assert isinstance(fig, Figure) and [len(ax.patches) for ax in fig.axes] == [6, 6]
    with pytest.raises(ValueError, match="at least one"):
        plot_stage_costs([])
