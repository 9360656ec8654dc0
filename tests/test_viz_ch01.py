"""Chapter 1 (LeNet-5): cnnlib.viz.ch01 and the chapter's errata."""
import pytest
from matplotlib.figure import Figure
from torch import nn

import cnnlib
from cnnlib import summarize
from cnnlib.errata import entries
from cnnlib.models.lenet import LENET5_C3_TABLE
from cnnlib.viz import ch01


def test_connection_table_figure_counts_the_papers_connections():
    fig = ch01.plot_connection_table()
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert "60 of 96" in ax.get_title()                       # Table I: 60 of 6 x 16
    assert sum(t.get_text() == "X" for t in ax.texts) == 60
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0].endswith("(3)") and labels[15].endswith("(6)")


def test_connection_table_rejects_bad_tables():
    with pytest.raises(ValueError, match="at least one"):
        ch01.plot_connection_table([(0, 1), ()])
    with pytest.raises(ValueError, match="twice"):
        ch01.plot_connection_table([(0, 0)])
    with pytest.raises(ValueError, match=">= 0"):
        ch01.plot_connection_table([(-1, 2)])


def test_layer_pattern_of_lenet_dense_and_sparse():
    dense = summarize(cnnlib.get_model("lenet5"), (1, 32, 32))
    sparse = summarize(cnnlib.get_model("lenet5", sparse_c3=True), (1, 32, 32))
    for s in (dense, sparse):   # the 16 small convs of the sparse C3 count as one layer
        assert ch01.layer_pattern(s) == "CONV-POOL-CONV-POOL-CONV-FC-FC"
        assert ch01.layer_pattern(s, conv_as_fc=True) == "CONV-POOL-CONV-POOL-FC-FC-FC"


def test_layer_pattern_only_rewrites_convs_that_see_their_whole_input():
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.Conv2d(4, 8, 3, padding=1),
                        nn.Conv2d(8, 8, 3), nn.Flatten(), nn.Linear(8, 2))
    s = summarize(net, (1, 8, 8))   # 8 -> 6 -> 3 -> 3 (padded 3x3: not FC) -> 1 (3x3 on 3x3: FC)
    assert ch01.layer_pattern(s, conv_as_fc=True) == "CONV-POOL-CONV-FC-FC"
    with pytest.raises(ValueError, match="no Conv2d"):
        ch01.layer_pattern(summarize(nn.Sequential(nn.ReLU()), (1, 4, 4)))


def test_shape_trend_points_match_the_summary():
    s = summarize(cnnlib.get_model("lenet5", sparse_c3=True), (1, 32, 32))
    fig = ch01.plot_shape_trend(s)
    sides, channels = (line.get_ydata().tolist() for line in fig.axes[0].get_lines()[:2])
    assert sides == [32, 28, 14, 10, 5, 1, 1, 1]
    assert channels == [1, 6, 6, 16, 16, 120, 84, 10]        # sparse C3's 16 parts merged
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["input", "c1", "s2", "c3", "s4", "c5", "f6", "output"]
    with pytest.raises(ValueError, match="labels has"):
        ch01.plot_shape_trend(s, labels=["a"])
    with pytest.raises(ValueError, match="no rows"):
        ch01.plot_shape_trend(s, kinds=("BatchNorm2d",))


def test_chapter_errata_compute_the_pattern():
    (e,) = entries("ch01")
    assert "CONV-POOL-CONV-POOL-FC-FC-FC" in e.correct and e.claim.endswith("FC-FC]")


def test_output_sizes_follow_the_formula(monkeypatch):
    fig = ch01.plot_output_sizes(32, max_kernel=7)
    lines = fig.axes[0].get_lines()
    assert lines[0].get_ydata().tolist() == [32 - k + 1 for k in range(1, 8)]        # stride 1
    assert lines[1].get_ydata().tolist() == [(32 - k) // 2 + 1 for k in range(1, 8)]  # stride 2
    assert lines[2].get_ydata().tolist() == [32, 31, 32, 31, 32, 31, 32]   # "same" for odd k only
    with pytest.raises(ValueError, match="max_kernel"):
        ch01.plot_output_sizes(32, max_kernel=0)
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    static = ch01.output_size_explorer()
    assert isinstance(static, Figure) and "static preview" in static.axes[0].get_title()
