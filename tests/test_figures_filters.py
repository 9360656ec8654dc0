"""cnnlib.figures.filters: LeNet's connection table, channel shuffle, learned filters."""
import pytest
import torch
from matplotlib.figure import Figure

from cnnlib.figures.filters import (
    plot_channel_shuffle, plot_connection_table, plot_filters, shuffle_permutation,
)


def test_connection_table_figure_counts_the_papers_connections():
    fig = plot_connection_table()
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert "60 of 96" in ax.get_title()                       # Table I: 60 of 6 x 16
    assert sum(t.get_text() == "X" for t in ax.texts) == 60
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0].endswith("(3)") and labels[15].endswith("(6)")


def test_connection_table_rejects_bad_tables():
    with pytest.raises(ValueError, match="at least one"):
        plot_connection_table([(0, 1), ()])
    with pytest.raises(ValueError, match="twice"):
        plot_connection_table([(0, 0)])
    with pytest.raises(ValueError, match=">= 0"):
        plot_connection_table([(-1, 2)])


def test_shuffle_permutation():
    assert shuffle_permutation(6, 2) == [0, 3, 1, 4, 2, 5]
    assert shuffle_permutation(5, 1) == list(range(5))
    with pytest.raises(ValueError, match="divide"):
        shuffle_permutation(6, 4)


def test_plot_channel_shuffle_returns_figure():
    fig = plot_channel_shuffle(6, 3)
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].lines) >= 6


def test_plot_filters():
    filters = plot_filters(torch.randn(10, 3, 7, 7), ncols=4, title="t")
    assert len(filters.axes) == 12 and len(filters.axes[0].images) == 1
    assert len(filters.axes[11].images) == 0
    with pytest.raises(ValueError, match="shape"):
        plot_filters(torch.randn(3, 7, 7))
