"""cnnlib.figures.receptive_field: window coverage against a real convolution."""
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from cnnlib import conv_output_size
from cnnlib.figures.receptive_field import (
    _first_layer_report, coverage, first_layer_explorer, plot_coverage,
)


@pytest.mark.parametrize("size, k, s, p", [(224, 11, 4, 0), (224, 7, 2, 1), (10, 3, 4, 0), (9, 3, 1, 1)])
def test_coverage_matches_a_real_convolution(size, k, s, p):
    """Count windows per pixel with autograd: all-ones weights, gradient of the output sum."""
    conv = nn.Conv1d(1, 1, k, s, p, bias=False)
    nn.init.ones_(conv.weight)
    x = torch.zeros(1, 1, size, requires_grad=True)
    conv(x).sum().backward()
    assert coverage(size, k, s, p) == x.grad[0, 0].long().tolist()


def test_coverage_finds_unseen_pixels_and_checks_arguments():
    assert coverage(10, 3, 4) == [1, 1, 1, 0, 1, 1, 1, 0, 0, 0]
    with pytest.raises(ValueError):
        coverage(5, 7, 1)


def test_plot_coverage_titles():
    fig = plot_coverage()
    titles = [ax.get_title() for ax in fig.axes]
    assert f"{conv_output_size(224, 11, 4)} outputs, one every 4 pixels" in titles[0]
    assert "seen by 2 to 3 windows; 1 never seen" in titles[0]  # 11 / 4 = 2.75; pixel 223 is left out
    assert "seen by 3 to 4 windows" in titles[1] and "never" not in titles[1]  # 7 / 2 = 3.5
    with pytest.raises(ValueError, match="at least one"):
        plot_coverage({})


def test_first_layer_explorer_static(monkeypatch):
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    assert isinstance(first_layer_explorer(), Figure)
    report = _first_layer_report(224, 3, 96, 7, 2, 1)
    assert "96 x 110 x 110" in report and "3 to 4" in report
    assert "1 pixel of a row is never seen" in _first_layer_report(224, 3, 96, 11, 4, 0)
