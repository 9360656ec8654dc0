"""Chapter 5 (GoogLeNet): cnnlib.viz.ch05 and the chapter's errata."""
import pytest
import torch
from matplotlib.figure import Figure

import cnnlib
from cnnlib import conv_macs, conv_params, summarize
from cnnlib.errata import entries
from cnnlib.models.googlenet import Inception
from cnnlib.viz import ch05

# The lectures' example module: 28x28x256 in, branches 1x1/128, 3x3/192, 5x5/96, 64-wide
# bottlenecks (CS231n 2017, the slide deck).
NAIVE = [(256, 128, 1), (256, 192, 3), (256, 96, 5)]
REDUCED = [(256, 128, 1), (256, 64, 1), (64, 192, 3), (256, 64, 1), (64, 96, 5), (256, 64, 1)]


def test_lecture_example_matches_the_formulas():
    cost = ch05.inception_cost(256, 28, 128, 192, 96, 64)
    assert cost.naive_out_channels == 128 + 192 + 96 + 256 == 672
    assert cost.reduced_out_channels == 128 + 192 + 96 + 64 == 480
    assert cost.naive_macs == sum(conv_macs(i, o, k, 28, 28) for i, o, k in NAIVE)
    assert cost.reduced_macs == sum(conv_macs(i, o, k, 28, 28) for i, o, k in REDUCED)
    assert cost.naive_params == sum(conv_params(i, o, k) for i, o, k in NAIVE)
    assert cost.reduced_params == sum(conv_params(i, o, k) for i, o, k in REDUCED)
    assert sum(cost.naive_branch_macs.values()) == cost.naive_macs
    assert sum(cost.reduced_branch_macs.values()) == cost.reduced_macs
    assert cost.naive_branch_macs["branch4"] == 0  # the naive pool branch has no conv
    assert cost.reduced_branch_macs["branch3"] == conv_macs(256, 64, 1, 28, 28) + conv_macs(64, 96, 5, 28, 28)
    assert "3.1x" in cost.report()


def test_reduced_module_output_is_real():
    cost = ch05.inception_cost(16, 8, 4, 8, 2, 3, pool_proj=5)
    assert cost.pool_proj == 5 and cost.reduced_out_channels == 4 + 8 + 2 + 5
    out = Inception(16, 4, 3, 8, 3, 2, 5)(torch.zeros(1, 16, 8, 8))
    assert out.shape == (1, cost.reduced_out_channels, 8, 8)


@pytest.mark.parametrize("args, match", [
    ((256, 28, 128, 192, 96, 0), "bottleneck"),
    ((256, 0, 128, 192, 96, 64), "size"),
    ((256, 28, 128.5, 192, 96, 64), "c1x1"),
])
def test_inception_cost_rejects_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        ch05.inception_cost(*args)


@pytest.fixture(scope="module")
def googlenet_summary():
    with torch.device("meta"):
        model = cnnlib.get_model("googlenet")
    return summarize(model, (3, 224, 224))


def test_module_totals_add_up(googlenet_summary):
    table = ch05.module_totals(googlenet_summary)
    names = table.column("module")
    assert names[0] == "stem" and names[-1] == "fc"
    assert [n for n in names if n.startswith("inception")] == [
        f"inception{k}" for k in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b")]
    assert sum(table.column("params")) == googlenet_summary.total_params
    assert sum(table.column("macs")) == googlenet_summary.total_macs
    stem = table.records()[0]
    assert stem["params"] == 124_416  # the Michigan lecture's "Params: 124K"
    with pytest.raises(ValueError, match="depth"):
        ch05.module_totals(googlenet_summary, depth=0)


def test_figures(googlenet_summary):
    fig = ch05.plot_module_costs(googlenet_summary)
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].patches) == 11  # stem, nine Inception modules, fc
    sweep = ch05.plot_bottleneck_sweep(widths=(16, 64))
    assert len(sweep.axes) == 2 and len(sweep.axes[0].lines) == 2
    assert len(sweep.axes[1].patches) == 8  # four branches x (naive, reduced)
    with pytest.raises(ValueError, match="widths"):
        ch05.plot_bottleneck_sweep(widths=())


def test_calculator_static_and_live(monkeypatch):
    monkeypatch.setenv("CNNLIB_STATIC", "1")
    assert isinstance(ch05.inception_calculator(), Figure)
    monkeypatch.setenv("CNNLIB_STATIC", "0")
    ipywidgets = pytest.importorskip("ipywidgets")
    assert isinstance(ch05.inception_calculator(), ipywidgets.interactive)


def test_chapter5_errata_compute():
    found = {e.key: e.correct for e in entries("ch05")}
    # the entries that were there before this chapter was written stay
    assert {"inception-naive-params", "inception-reduced-params", "inception-reduced-ops",
            "bottleneck-5x5-typo"} <= set(found)
    assert "6,998,552 parameters" in found["googlenet-5-million"]
    assert "8.7x" in found["googlenet-12x-alexnet"]
    assert "19.8x" in found["googlenet-27x-vgg16"]
    assert "477.7 M MACs" in found["googlenet-stem-mflop"] and "= 481 M" in found["googlenet-stem-mflop"]
    assert "51.3 MB" in found["googlenet-stem-vs-vgg16"] and "9,335 M MACs" in found["googlenet-stem-vs-vgg16"]
    assert "526,848" in found["inception-naive-output-numbers"]
    assert "fc6 102,764.5k" in found["gap-vs-fc-bias"]


def test_module_memory_counts_conv_pool_and_linear_outputs(googlenet_summary):
    stem = ch05.module_totals(googlenet_summary).records()[0]
    kinds = ("Conv2d", "MaxPool2d")
    expected = sum(r.memory_bytes for r in googlenet_summary
                   if r.name.startswith("stem.") and r.kind in kinds)
    assert stem["memory_bytes"] == expected
    # The Michigan lecture's stem rows: 3136 + 784 + 784 + 2352 + 588 KB.
    assert expected == (3136 + 784 + 784 + 2352 + 588) * 1024
