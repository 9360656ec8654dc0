"""cnnlib.figures.per_layer: layer patterns, layer-by-layer tables and bars of a Summary."""
import pytest
from matplotlib.figure import Figure
from torch import nn

import cnnlib
from cnnlib import summarize
from cnnlib.costs import meta_model
from cnnlib.figures.per_layer import (
    layer_pattern, lecture_table, param_difference, plot_per_layer, plot_side_by_side,
    side_by_side, vgg_labels,
)


def test_layer_pattern_of_lenet_dense_and_sparse():
    dense = summarize(cnnlib.get_model("lenet5"), (1, 32, 32))
    sparse = summarize(cnnlib.get_model("lenet5", sparse_c3=True), (1, 32, 32))
    for s in (dense, sparse):   # the 16 small convs of the sparse C3 count as one layer
        assert layer_pattern(s) == "CONV-POOL-CONV-POOL-CONV-FC-FC"
        assert layer_pattern(s, conv_as_fc=True) == "CONV-POOL-CONV-POOL-FC-FC-FC"


def test_layer_pattern_only_rewrites_convs_that_see_their_whole_input():
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.Conv2d(4, 8, 3, padding=1),
                        nn.Conv2d(8, 8, 3), nn.Flatten(), nn.Linear(8, 2))
    s = summarize(net, (1, 8, 8))   # 8 -> 6 -> 3 -> 3 (padded 3x3: not FC) -> 1 (3x3 on 3x3: FC)
    assert layer_pattern(s, conv_as_fc=True) == "CONV-POOL-CONV-FC-FC"
    with pytest.raises(ValueError, match="no Conv2d"):
        layer_pattern(summarize(nn.Sequential(nn.ReLU()), (1, 4, 4)))


def test_param_difference_of_the_two_gpu_split():
    a, b = summarize(meta_model("alexnet"), (3, 227, 227)), summarize(meta_model("alexnet_ungrouped"), (3, 227, 227))
    t = param_difference(a, b, names=("2 GPUs", "1 GPU"))
    rows = {r["layer"]: r for r in t.records()}
    # conv2 sees 48 of the 96 conv1 maps per GPU: ungrouping doubles its weights
    assert rows["conv2"]["1 GPU - 2 GPUs"] == 256 * 48 * 25
    assert rows["conv1"]["1 GPU - 2 GPUs"] == 0 and rows["fc6"]["1 GPU - 2 GPUs"] == 0
    assert rows["total"]["1 GPU - 2 GPUs"] == 62_378_344 - 60_965_224
    with pytest.raises(ValueError, match="same"):
        param_difference(a, summarize(meta_model("alexnet_owt"), (3, 227, 227)), kinds=("Conv2d", "LocalResponseNorm"))


@pytest.fixture(scope="module")
def both():
    return {"AlexNet": summarize(meta_model("alexnet"), (3, 227, 227)),
            "ZFNet": summarize(meta_model("zfnet"), (3, 224, 224))}


def test_side_by_side_rows(both):
    t = side_by_side(both)
    rows = {r["layer"]: r for r in t.records()}
    assert rows["conv1"]["AlexNet output"] == "96 x 55 x 55"
    assert rows["conv1"]["ZFNet output"] == "96 x 110 x 110"
    assert rows["pool2"]["ZFNet output"] == rows["pool2"]["AlexNet output"] == "256 x 13 x 13"
    assert rows["total"]["ZFNet MMAC"] == pytest.approx(both["ZFNet"].total_macs / 1e6)
    assert "ZFNet MMAC" in str(t)
    with pytest.raises(ValueError, match="at least two"):
        side_by_side({"a": both["ZFNet"]})


@pytest.fixture(scope="module")
def vgg16_summary():
    return summarize(meta_model("vgg16"), (3, 224, 224))


def test_lecture_table_has_the_slide_numbers(vgg16_summary):
    t = lecture_table(vgg16_summary)
    layers = t.column("layer")
    assert layers[:4] == ["input", "conv1-1", "conv1-2", "pool1"]
    assert layers[8:11] == ["conv3-2", "conv3-3", "pool3"] and layers[-4:] == ["fc6", "fc7", "fc8", "total"]
    row = {r["layer"]: r for r in t.records()}
    # Per-layer figures from the CS231n 2017 VGG-16 slide ("not counting biases").
    assert row["conv1-1"]["weights (no biases)"] == 1_728
    assert row["conv4-1"]["weights (no biases)"] == 1_179_648
    assert row["fc6"]["weights (no biases)"] == 102_760_448
    assert row["fc8"]["weights (no biases)"] == 4_096_000
    assert row["conv1-1"]["memory (numbers)"] == 224 * 224 * 64
    assert row["pool5"]["memory (numbers)"] == 7 * 7 * 512
    assert row["total"]["params (with biases)"] == vgg16_summary.total_params
    assert row["total"]["weights (no biases)"] == 138_344_128


def test_plot_per_layer(vgg16_summary):
    rows = [r for r in vgg16_summary if r.kind in ("Conv2d", "MaxPool2d", "Linear")]
    labels = vgg_labels(rows)
    fig = plot_per_layer(vgg16_summary, ("memory_bytes", "params", "macs"), labels=labels,
                              groups=[lab.rstrip("-0123456789") for lab in labels])
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert all(len(ax.patches) == len(rows) for ax in fig.axes)
    with pytest.raises(ValueError, match="columns"):
        plot_per_layer(vgg16_summary, ("bogus",))
    with pytest.raises(ValueError, match="labels has 2 entries"):
        plot_per_layer(vgg16_summary, labels=["a", "b"])
    with pytest.raises(ValueError, match="no rows"):
        plot_per_layer(vgg16_summary, kinds=("Conv3d",))


def test_plot_side_by_side(both):
    fig = plot_side_by_side(both)
    assert len(fig.axes) == 2
    ticks = [t.get_text() for t in fig.axes[1].get_xticklabels()]
    assert ticks == ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"]
