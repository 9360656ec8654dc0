"""cnnlib.figures.inception: the Inception figures and calculator."""
import pytest
import torch
from matplotlib.figure import Figure

import cnnlib
from cnnlib import summarize
from cnnlib.figures.inception import inception_calculator, plot_bottleneck_sweep, plot_module_costs


@pytest.fixture(scope="module")
def googlenet_summary():
    with torch.device("meta"):
        model = cnnlib.get_model("googlenet")
    return summarize(model, (3, 224, 224))


def test_figures(googlenet_summary):
    fig = plot_module_costs(googlenet_summary)
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].patches) == 11  # stem, nine Inception modules, fc
    sweep = plot_bottleneck_sweep(widths=(16, 64))
    assert len(sweep.axes) == 2 and len(sweep.axes[0].lines) == 2
    assert len(sweep.axes[1].patches) == 8  # four branches x (naive, reduced)
    with pytest.raises(ValueError, match="widths"):
        plot_bottleneck_sweep(widths=())


def test_calculator_static_and_live(monkeypatch):
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    assert isinstance(inception_calculator(), Figure)
    monkeypatch.setenv("CNNLIB_STATIC", "0")
    ipywidgets = pytest.importorskip("ipywidgets")
    assert isinstance(inception_calculator(), ipywidgets.interactive)
