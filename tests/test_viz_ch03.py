"""Chapter 3 (ZFNet): cnnlib.viz.ch03 and the chapter's errata."""
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

import cnnlib
from cnnlib import conv_output_size, summarize
from cnnlib.errata import entries
from cnnlib.viz import ch03


def _meta(name):
    with torch.device("meta"):
        return cnnlib.get_model(name)


@pytest.mark.parametrize("size, k, s, p", [(224, 11, 4, 0), (224, 7, 2, 1), (10, 3, 4, 0), (9, 3, 1, 1)])
def test_coverage_matches_a_real_convolution(size, k, s, p):
    """Count windows per pixel with autograd: all-ones weights, gradient of the output sum."""
    conv = nn.Conv1d(1, 1, k, s, p, bias=False)
    nn.init.ones_(conv.weight)
    x = torch.zeros(1, 1, size, requires_grad=True)
    conv(x).sum().backward()
    assert ch03.coverage(size, k, s, p) == x.grad[0, 0].long().tolist()


def test_coverage_finds_unseen_pixels_and_checks_arguments():
    assert ch03.coverage(10, 3, 4) == [1, 1, 1, 0, 1, 1, 1, 0, 0, 0]
    with pytest.raises(ValueError):
        ch03.coverage(5, 7, 1)


def test_plot_coverage_titles():
    fig = ch03.plot_coverage()
    titles = [ax.get_title() for ax in fig.axes]
    assert f"{conv_output_size(224, 11, 4)} outputs, one every 4 pixels" in titles[0]
    assert "seen by 2 to 3 windows; 1 never seen" in titles[0]  # 11 / 4 = 2.75; pixel 223 is left out
    assert "seen by 3 to 4 windows" in titles[1] and "never" not in titles[1]  # 7 / 2 = 3.5
    with pytest.raises(ValueError, match="at least one"):
        ch03.plot_coverage({})


def test_first_layer_explorer_static(monkeypatch):
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    assert isinstance(ch03.first_layer_explorer(), Figure)
    report = ch03._first_layer_report(224, 3, 96, 7, 2, 1)
    assert "96 x 110 x 110" in report and "3 to 4" in report
    assert "1 pixel of a row is never seen" in ch03._first_layer_report(224, 3, 96, 11, 4, 0)


@pytest.fixture(scope="module")
def both():
    return {"AlexNet": summarize(_meta("alexnet"), (3, 227, 227)),
            "ZFNet": summarize(_meta("zfnet"), (3, 224, 224))}


def test_side_by_side_rows(both):
    t = ch03.side_by_side(both)
    rows = {r["layer"]: r for r in t.records()}
    assert rows["conv1"]["AlexNet output"] == "96 x 55 x 55"
    assert rows["conv1"]["ZFNet output"] == "96 x 110 x 110"
    assert rows["pool2"]["ZFNet output"] == rows["pool2"]["AlexNet output"] == "256 x 13 x 13"
    assert rows["total"]["ZFNet MMAC"] == pytest.approx(both["ZFNet"].total_macs / 1e6)
    assert "ZFNet MMAC" in str(t)
    with pytest.raises(ValueError, match="at least two"):
        ch03.side_by_side({"a": both["ZFNet"]})


def test_plot_side_by_side_and_filters(both):
    fig = ch03.plot_side_by_side(both)
    assert len(fig.axes) == 2
    ticks = [t.get_text() for t in fig.axes[1].get_xticklabels()]
    assert ticks == ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"]
    filters = ch03.plot_filters(torch.randn(10, 3, 7, 7), ncols=4, title="t")
    assert len(filters.axes) == 12 and len(filters.axes[0].images) == 1
    assert len(filters.axes[11].images) == 0
    with pytest.raises(ValueError, match="shape"):
        ch03.plot_filters(torch.randn(3, 7, 7))


def test_chapter_errata():
    (e,) = entries("ch03")
    assert "384, 384, 256" in e.correct and "512, 1024, 512" in e.correct
