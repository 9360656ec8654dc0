"""cnnlib.widgets: live controls in a notebook, static figures on the built site."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from cnnlib import widgets


def test_layer_report_alexnet_conv1():
    text = widgets.layer_report(227, 3, 96, 11, 4, 0)
    assert "output: 96 x 55 x 55" in text
    assert "params: 34,944" in text
    assert "MACs: 105,415,200" in text
    assert "does not tile" not in text


def test_layer_report_filter_that_does_not_fit_and_invalid_layer():
    assert "does not tile the input evenly; PyTorch floors to 2" in widgets.layer_report(7, 1, 1, 3, 3, 0)
    assert widgets.layer_report(3, 1, 1, 5, 1, 0).startswith("Not a valid layer")


@pytest.mark.parametrize("make", [widgets.conv_calculator, widgets.receptive_field_explorer])
def test_static_previews_are_figures_pyplot_does_not_hold(monkeypatch, make):
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    before = set(plt.get_fignums())
    fig = make()
    assert isinstance(fig, Figure)
    assert fig.axes
    # a pyplot-held figure would be drawn twice in a notebook (as the value and at cell end)
    assert set(plt.get_fignums()) == before


@pytest.mark.parametrize("make", [widgets.conv_calculator, widgets.receptive_field_explorer])
def test_live_controls_are_ipywidgets(monkeypatch, make):
    ipywidgets = pytest.importorskip("ipywidgets")
    monkeypatch.delenv("CNNLIB_STATIC", raising=False)
    control = make()
    assert isinstance(control, ipywidgets.interactive)
    # moving a slider re-runs the callback without error
    control.children[0].value = 3
    assert control.result is None


def test_receptive_field_growth_lines():
    fig = widgets.plot_receptive_field_growth({"3x3": [(3, 1)] * 4, "5x5": [(5, 1)] * 2})
    lines = fig.axes[0].lines
    assert [list(line.get_ydata()) for line in lines] == [[3, 5, 7, 9], [5, 9]]
