"""Tests for cnnlib.viz.ch10 (chapter 10, efficient networks)."""
import pytest
import torch
from matplotlib.figure import Figure

from cnnlib.arithmetic import conv_macs
from cnnlib.viz import ch10


@pytest.mark.parametrize("m,n,size", [(32, 64, 8), (16, 16, 5)])
def test_separable_ratio_matches_formula(m, n, size):
    r = ch10.separable_vs_standard(m, n, size)
    assert r["standard_params"] == 9 * m * n
    assert r["separable_params"] == 9 * m + m * n
    assert r["standard_macs"] == conv_macs(m, n, 3, size, size)
    assert r["macs_ratio"] == pytest.approx(1 / n + 1 / 9)
    assert r["params_ratio"] == pytest.approx(r["formula"])


def test_separable_rejects_bad_input():
    with pytest.raises(ValueError, match="stride"):
        ch10.separable_vs_standard(8, 8, 8, stride=3)
    with pytest.raises(ValueError, match="size"):
        ch10.separable_vs_standard(8, 8, 0)


def test_shuffle_permutation():
    assert ch10.shuffle_permutation(6, 2) == [0, 3, 1, 4, 2, 5]
    assert ch10.shuffle_permutation(5, 1) == list(range(5))
    with pytest.raises(ValueError, match="divide"):
        ch10.shuffle_permutation(6, 4)


def test_plot_channel_shuffle_returns_figure():
    fig = ch10.plot_channel_shuffle(6, 3)
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].lines) >= 6


def test_scaled_efficientnet_b0_matches_zoo():
    import cnnlib

    with torch.device("meta"):
        b0 = cnnlib.get_model("efficientnet_b0")
    assert ch10.scaled_efficientnet()["params"] == sum(p.numel() for p in b0.parameters())
    with pytest.raises(ValueError, match=">= 1"):
        ch10.scaled_efficientnet(depth=0.5)
    with pytest.raises(ValueError, match="resolution"):
        ch10.scaled_efficientnet(resolution=16)


def test_plot_params_vs_macs():
    recs = [{"name": "a", "params": 10, "macs": 100}, {"name": "b", "params": 5, "macs": 7}]
    assert isinstance(ch10.plot_params_vs_macs(recs, highlight=["b"]), Figure)
    with pytest.raises(ValueError, match="empty"):
        ch10.plot_params_vs_macs([])
    with pytest.raises(ValueError, match="positive"):
        ch10.plot_params_vs_macs([{"name": "z", "params": 0, "macs": 1}])
