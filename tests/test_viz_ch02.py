"""Chapter 2 (AlexNet): cnnlib.viz.ch02 and the chapter's errata."""
import pytest
import torch
from matplotlib.figure import Figure

import cnnlib
from cnnlib import conv_output_size, linear_params, pool_output_size, summarize
from cnnlib.errata import entries
from cnnlib.viz import ch02


def _meta(name):
    with torch.device("meta"):
        return cnnlib.get_model(name)


def test_spatial_trace_matches_the_formulas():
    trace = dict(ch02.spatial_trace(_meta("alexnet"), 227))
    c1 = conv_output_size(227, 11, 4)
    p1 = pool_output_size(c1, 3, 2)
    p2 = pool_output_size(conv_output_size(p1, 5, 1, 2), 3, 2)
    assert (trace["conv1"], trace["pool1"], trace["pool2"], trace["pool5"]) == (c1, p1, p2, 6)
    with pytest.raises(ValueError, match="too small at layer 'body.pool5'"):
        ch02.spatial_trace(_meta("alexnet"), 66)
    with pytest.raises(ValueError, match="positive int"):
        ch02.spatial_trace(_meta("alexnet"), 0)


def test_plot_spatial_trace_lists_failing_sizes():
    fig = ch02.plot_spatial_trace(_meta("alexnet"), [60, 67, 227])
    assert isinstance(fig, Figure)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[:2] == ["67 x 67", "227 x 227"] and "60 (fails at" in legend[2]
    with pytest.raises(ValueError, match="none of the input sides"):
        ch02.plot_spatial_trace(_meta("alexnet"), [10])


def test_input_size_explorer_static_preview(monkeypatch):
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    fig = ch02.input_size_explorer("alexnet")
    assert isinstance(fig, Figure) and "67 x 67" in fig.axes[0].get_title()


def test_report_names_the_smallest_input():
    text = ch02._report(_meta("alexnet"), 50, 3)
    assert "smallest square input that works: 67 x 67" in text
    assert "pool5:" in ch02._report(_meta("alexnet"), 227, 3)


def test_param_difference_of_the_two_gpu_split():
    a, b = summarize(_meta("alexnet"), (3, 227, 227)), summarize(_meta("alexnet_ungrouped"), (3, 227, 227))
    t = ch02.param_difference(a, b, names=("2 GPUs", "1 GPU"))
    rows = {r["layer"]: r for r in t.records()}
    # conv2 sees 48 of the 96 conv1 maps per GPU: ungrouping doubles its weights
    assert rows["conv2"]["1 GPU - 2 GPUs"] == 256 * 48 * 25
    assert rows["conv1"]["1 GPU - 2 GPUs"] == 0 and rows["fc6"]["1 GPU - 2 GPUs"] == 0
    assert rows["total"]["1 GPU - 2 GPUs"] == 62_378_344 - 60_965_224
    with pytest.raises(ValueError, match="same"):
        ch02.param_difference(a, summarize(_meta("alexnet_owt"), (3, 227, 227)), kinds=("Conv2d", "LocalResponseNorm"))


def test_chapter_errata():
    found = {e.key: e for e in entries("ch02")}
    assert found["alexnet-fc6-params-arithmetic"].correct.endswith(f"{linear_params(9216, 4096):,}")
    assert "37,725,832" in found["alexnet-fc6-params-arithmetic"].claim
    assert {"alexnet-conv4-flop", "alexnet-fc-bias"} <= set(found)
