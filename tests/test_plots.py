"""cnnlib.plots: figures of training runs."""
import pytest

from cnnlib.plots import plot_step_loss
from cnnlib.train import History


def test_plot_step_loss_smooths_per_step_losses():
    h = History(train_loss=[1.0, 0.5], step_loss=[4.0, 2.0, 0.0, 2.0])
    fig = plot_step_loss({"run": h}, window=2)
    line = fig.axes[0].lines[0]
    assert list(line.get_ydata()) == [4.0, 3.0, 1.0, 1.0]
    assert list(line.get_xdata()) == [0.5, 1.0, 1.5, 2.0]  # in epochs
    with pytest.raises(ValueError, match="window"):
        plot_step_loss({"run": h}, window=0)
    with pytest.raises(ValueError, match="at least one"):
        plot_step_loss({})
