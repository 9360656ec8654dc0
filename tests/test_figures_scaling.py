"""cnnlib.figures.scaling: VGG stage costs and sweeps, the stage builder explorer."""
import pytest
from matplotlib.figure import Figure

from cnnlib.costs import vgg16_stage_costs, vgg_stage_cost
from cnnlib.figures.scaling import plot_stage_sweep, plot_vgg_stage_costs, stage_builder_explorer


def test_plot_vgg_stage_costs():
    fig = plot_vgg_stage_costs(vgg16_stage_costs())
    assert len(fig.axes) == 3 and len(fig.axes[0].patches) == 5
    with pytest.raises(ValueError, match="at least one"):
        plot_vgg_stage_costs([])


def test_plot_stage_sweep():
    fig = plot_stage_sweep(16, 32, 8, max_convs=3)
    mac, par, rf = fig.axes
    assert len(mac.lines) == len(par.lines) == 3  # widths 16, 32, 64
    assert list(rf.lines[0].get_ydata()) == [3, 5, 7]
    top = mac.lines[-1].get_ydata()[-1] * 1e6
    assert top == pytest.approx(vgg_stage_cost(16, 64, 3, 8).macs)
    with pytest.raises(ValueError, match="widths"):
        plot_stage_sweep(widths=[])
    with pytest.raises(ValueError, match="max_convs"):
        plot_stage_sweep(max_convs=0)


def test_explorer_static_and_live(monkeypatch):
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    assert isinstance(stage_builder_explorer(), Figure)
    monkeypatch.setenv("CNNLIB_STATIC", "0")
    ipywidgets = pytest.importorskip("ipywidgets")
    widget = stage_builder_explorer()
    assert isinstance(widget, ipywidgets.interactive)
    assert {c.description for c in widget.children[:-1]} == {"C in", "C out", "3x3 convs", "input H=W"}
