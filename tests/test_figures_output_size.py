"""cnnlib.figures.output_size: conv output sides and map sizes through a network."""
import pytest
from matplotlib.figure import Figure

import cnnlib
from cnnlib import conv_output_size, pool_output_size, summarize
from cnnlib.costs import meta_model
from cnnlib.figures.output_size import (
    _report, input_size_explorer, output_size_explorer, plot_output_sizes, plot_shape_trend,
    plot_spatial_trace, spatial_trace,
)


def test_shape_trend_points_match_the_summary():
    s = summarize(cnnlib.get_model("lenet5", sparse_c3=True), (1, 32, 32))
    fig = plot_shape_trend(s)
    sides, channels = (line.get_ydata().tolist() for line in fig.axes[0].get_lines()[:2])
    assert sides == [32, 28, 14, 10, 5, 1, 1, 1]
    assert channels == [1, 6, 6, 16, 16, 120, 84, 10]        # sparse C3's 16 parts merged
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["input", "c1", "s2", "c3", "s4", "c5", "f6", "output"]
    with pytest.raises(ValueError, match="labels has"):
        plot_shape_trend(s, labels=["a"])
    with pytest.raises(ValueError, match="no rows"):
        plot_shape_trend(s, kinds=("BatchNorm2d",))


def test_output_sizes_follow_the_formula(monkeypatch):
    fig = plot_output_sizes(32, max_kernel=7)
    lines = fig.axes[0].get_lines()
    assert lines[0].get_ydata().tolist() == [32 - k + 1 for k in range(1, 8)]        # stride 1
    assert lines[1].get_ydata().tolist() == [(32 - k) // 2 + 1 for k in range(1, 8)]  # stride 2
    assert lines[2].get_ydata().tolist() == [32, 31, 32, 31, 32, 31, 32]   # "same" for odd k only
    with pytest.raises(ValueError, match="max_kernel"):
        plot_output_sizes(32, max_kernel=0)
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    static = output_size_explorer()
    assert isinstance(static, Figure) and "static preview" in static.axes[0].get_title()


def test_spatial_trace_matches_the_formulas():
    trace = dict(spatial_trace(meta_model("alexnet"), 227))
    c1 = conv_output_size(227, 11, 4)
    p1 = pool_output_size(c1, 3, 2)
    p2 = pool_output_size(conv_output_size(p1, 5, 1, 2), 3, 2)
    assert (trace["conv1"], trace["pool1"], trace["pool2"], trace["pool5"]) == (c1, p1, p2, 6)
    with pytest.raises(ValueError, match="too small at layer 'body.pool5'"):
        spatial_trace(meta_model("alexnet"), 66)
    with pytest.raises(ValueError, match="positive int"):
        spatial_trace(meta_model("alexnet"), 0)


def test_plot_spatial_trace_lists_failing_sizes():
    fig = plot_spatial_trace(meta_model("alexnet"), [60, 67, 227])
    assert isinstance(fig, Figure)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[:2] == ["67 x 67", "227 x 227"] and "60 (fails at" in legend[2]
    with pytest.raises(ValueError, match="none of the input sides"):
        plot_spatial_trace(meta_model("alexnet"), [10])


def test_input_size_explorer_static_preview(monkeypatch):
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    fig = input_size_explorer("alexnet")
    assert isinstance(fig, Figure) and "67 x 67" in fig.axes[0].get_title()


def test_report_names_the_smallest_input():
    text = _report(meta_model("alexnet"), 50, 3)
    assert "smallest square input that works: 67 x 67" in text
    assert "pool5:" in _report(meta_model("alexnet"), 227, 3)
