"""Chapter 4 (VGG): cnnlib.viz.ch04 and the chapter's errata."""
import pytest
import torch
import torchvision
from matplotlib.figure import Figure

import cnnlib
from cnnlib import conv_macs, conv_output_size, conv_params, receptive_field, summarize
from cnnlib.errata import entries
from cnnlib.models.vgg import VGG_CFGS
from cnnlib.viz import ch04


def _meta(name: str):
    with torch.device("meta"):
        return cnnlib.get_model(name)


@pytest.fixture(scope="module")
def vgg16_summary():
    return summarize(_meta("vgg16"), (3, 224, 224))


# ------------------------------------------------------------------------- Table
def test_table_renders_and_checks_columns():
    t = ch04.Table([{"a": 1234, "b": 0.5, "c": "x"}, {"a": 7, "b": 2.25, "c": "y"}],
                   formats={"b": ".1f"}, caption="cap")
    assert t.column("a") == [1234, 7]
    text = str(t)
    assert "1,234" in text and "0.5" in text and text.startswith("cap")
    html = t._repr_html_()
    assert html.count("<tr>") == 3 and "<caption>cap</caption>" in html
    with pytest.raises(KeyError, match="no column"):
        t.column("z")
    with pytest.raises(ValueError, match="columns"):
        ch04.Table([{"a": 1}, {"b": 2}])
    with pytest.raises(ValueError, match="at least one row"):
        ch04.Table([])


# -------------------------------------------------------------------- one stage
@pytest.mark.parametrize("c_in, c_out, n, size", [(3, 64, 2, 224), (64, 128, 1, 15), (8, 8, 4, 2)])
def test_stage_cost_matches_the_formulas(c_in, c_out, n, size):
    cost = ch04.vgg_stage_cost(c_in, c_out, n, size)
    weights = conv_params(c_in, c_out, 3, bias=False) + (n - 1) * conv_params(c_out, c_out, 3, bias=False)
    assert cost.weights == weights
    assert cost.params == weights + n * c_out
    assert cost.macs == (conv_macs(c_in, c_out, 3, size, size)
                         + (n - 1) * conv_macs(c_out, c_out, 3, size, size))
    assert cost.out_size == conv_output_size(size, 2, 2)
    assert cost.memory_bytes == 4 * c_out * (n * size * size + cost.out_size ** 2)
    assert cost.receptive_field == receptive_field([(3, 1)] * n).size == 2 * n + 1
    assert cost.flops == 2 * cost.macs
    assert f"{cost.params:,}" in cost.report()


def test_vgg16_stages_add_up_to_the_network(vgg16_summary):
    costs = ch04.vgg16_stage_costs(224)
    assert [c.num_convs for c in costs] == [n for _, n in VGG_CFGS["D"]]
    convs = [r for r in vgg16_summary if r.kind == "Conv2d"]
    assert sum(c.macs for c in costs) == sum(r.macs for r in convs)
    assert sum(c.params for c in costs) == sum(r.params for r in convs)
    # The Michigan argument: halving H and W while doubling C keeps the MACs of a stage's
    # C->C convs equal, so stages 3 and 4 (three convs each) cost the same.
    assert costs[2].macs == costs[3].macs
    assert [c.out_size for c in costs] == [112, 56, 28, 14, 7]


@pytest.mark.parametrize("kwargs, match", [
    (dict(in_channels=3, out_channels=64, num_convs=0, size=32), "num_convs"),
    (dict(in_channels=3, out_channels=64, num_convs=2, size=1), "size"),
    (dict(in_channels=0, out_channels=64, num_convs=2, size=32), "in_channels"),
    (dict(in_channels=3, out_channels=64.5, num_convs=2, size=32), "out_channels"),
])
def test_stage_cost_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ch04.vgg_stage_cost(**kwargs)


# --------------------------------------------------------------- whole networks
def test_config_table_matches_torchvision():
    table = ch04.config_table()
    assert table.column("config") == ["A", "B", "D", "E"]
    assert table.column("weight layers") == [11, 13, 16, 19]
    for row in table.records():
        with torch.device("meta"):
            tv = getattr(torchvision.models, row["model"])(weights=None)
        assert row["params (M)"] * 1e6 == pytest.approx(sum(p.numel() for p in tv.parameters()), abs=1)
    with pytest.raises(ValueError, match="size"):
        ch04.config_table(size=16)


def test_lecture_table_has_the_slide_numbers(vgg16_summary):
    t = ch04.lecture_table(vgg16_summary)
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
    labels = ch04.vgg_labels(rows)
    fig = ch04.plot_per_layer(vgg16_summary, ("memory_bytes", "params", "macs"), labels=labels,
                              groups=[lab.rstrip("-0123456789") for lab in labels])
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert all(len(ax.patches) == len(rows) for ax in fig.axes)
    with pytest.raises(ValueError, match="columns"):
        ch04.plot_per_layer(vgg16_summary, ("bogus",))
    with pytest.raises(ValueError, match="labels has 2 entries"):
        ch04.plot_per_layer(vgg16_summary, labels=["a", "b"])
    with pytest.raises(ValueError, match="no rows"):
        ch04.plot_per_layer(vgg16_summary, kinds=("Conv3d",))


def test_plot_stage_costs():
    fig = ch04.plot_stage_costs(ch04.vgg16_stage_costs())
    assert len(fig.axes) == 3 and len(fig.axes[0].patches) == 5
    with pytest.raises(ValueError, match="at least one"):
        ch04.plot_stage_costs([])


def test_plot_stage_sweep():
    fig = ch04.plot_stage_sweep(16, 32, 8, max_convs=3)
    mac, par, rf = fig.axes
    assert len(mac.lines) == len(par.lines) == 3  # widths 16, 32, 64
    assert list(rf.lines[0].get_ydata()) == [3, 5, 7]
    top = mac.lines[-1].get_ydata()[-1] * 1e6
    assert top == pytest.approx(ch04.vgg_stage_cost(16, 64, 3, 8).macs)
    with pytest.raises(ValueError, match="widths"):
        ch04.plot_stage_sweep(widths=[])
    with pytest.raises(ValueError, match="max_convs"):
        ch04.plot_stage_sweep(max_convs=0)


def test_explorer_static_and_live(monkeypatch):
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    assert isinstance(ch04.stage_builder_explorer(), Figure)
    monkeypatch.setenv("CNNLIB_STATIC", "0")
    ipywidgets = pytest.importorskip("ipywidgets")
    widget = ch04.stage_builder_explorer()
    assert isinstance(widget, ipywidgets.interactive)
    assert {c.description for c in widget.children[:-1]} == {"C in", "C out", "3x3 convs", "input H=W"}


# ----------------------------------------------------------------------- errata
def test_chapter4_errata_compute():
    found = {e.key: e.correct for e in entries("ch04")}
    assert {"vgg16-total-memory", "vgg16-stage3-convs", "vgg16-total-gflop",
            "vgg16-total-memory-mb", "vgg16-table-conv3-3"} <= set(found)
    assert "15.2M numbers" in found["vgg16-total-memory"]
    assert "2-2-3-3-3" in found["vgg16-stage3-convs"] and "16 layers" in found["vgg16-stage3-convs"]
    # Leaving conv3-3 out reproduces the Michigan slide's 13.6 and 48.6 exactly.
    assert "15.47 G MACs" in found["vgg16-total-gflop"]
    assert "without conv3-3: 13.62 G MACs" in found["vgg16-total-gflop"]
    assert "without conv3-3: 48.6" in found["vgg16-total-memory-mb"]
    assert "AlexNet 1.9 MB" in found["vgg16-total-memory-mb"]
    assert "589,824" in found["vgg16-table-conv3-3"]
