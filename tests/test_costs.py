"""cnnlib.costs: every calculator against the closed-form formulas, the real modules and torchvision."""
import pytest
import torch
import torchvision

import cnnlib
from cnnlib import conv_macs, conv_output_size, conv_params, receptive_field, summarize
from cnnlib.costs import (
    config_table, count_layers, densenet_cost, inception_cost, meta_model, model_costs,
    module_totals, resnet_config_costs, scaled_efficientnet, se_block_channels, se_cost,
    separable_vs_standard, stage_costs, stage_of, vgg16_stage_costs, vgg_stage_cost,
)
from cnnlib.models.googlenet import Inception
from cnnlib.models.resnet import IMAGENET_RESNETS
from cnnlib.models.vgg import VGG_CFGS


@pytest.fixture(scope="module")
def vgg16_summary():
    return summarize(meta_model("vgg16"), (3, 224, 224))


@pytest.mark.parametrize("c_in, c_out, n, size", [(3, 64, 2, 224), (64, 128, 1, 15), (8, 8, 4, 2)])
def test_stage_cost_matches_the_formulas(c_in, c_out, n, size):
    cost = vgg_stage_cost(c_in, c_out, n, size)
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
    costs = vgg16_stage_costs(224)
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
        vgg_stage_cost(**kwargs)


def test_config_table_matches_torchvision():
    table = config_table()
    assert table.column("config") == ["A", "B", "D", "E"]
    assert table.column("weight layers") == [11, 13, 16, 19]
    for row in table.records():
        with torch.device("meta"):
            tv = getattr(torchvision.models, row["model"])(weights=None)
        assert row["params (M)"] * 1e6 == pytest.approx(sum(p.numel() for p in tv.parameters()), abs=1)
    with pytest.raises(ValueError, match="size"):
        config_table(size=16)


# The lectures' example module: 28x28x256 in, branches 1x1/128, 3x3/192, 5x5/96, 64-wide
# bottlenecks (CS231n 2017, the slide deck).
NAIVE = [(256, 128, 1), (256, 192, 3), (256, 96, 5)]


REDUCED = [(256, 128, 1), (256, 64, 1), (64, 192, 3), (256, 64, 1), (64, 96, 5), (256, 64, 1)]


def test_lecture_example_matches_the_formulas():
    cost = inception_cost(256, 28, 128, 192, 96, 64)
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
    cost = inception_cost(16, 8, 4, 8, 2, 3, pool_proj=5)
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
        inception_cost(*args)


@pytest.fixture(scope="module")
def googlenet_summary():
    with torch.device("meta"):
        model = cnnlib.get_model("googlenet")
    return summarize(model, (3, 224, 224))


def test_module_totals_add_up(googlenet_summary):
    table = module_totals(googlenet_summary)
    names = table.column("module")
    assert names[0] == "stem" and names[-1] == "fc"
    assert [n for n in names if n.startswith("inception")] == [
        f"inception{k}" for k in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b")]
    assert sum(table.column("params")) == googlenet_summary.total_params
    assert sum(table.column("macs")) == googlenet_summary.total_macs
    stem = table.records()[0]
    assert stem["params"] == 124_416  # the Michigan lecture's "Params: 124K"
    with pytest.raises(ValueError, match="depth"):
        module_totals(googlenet_summary, depth=0)


def test_module_memory_counts_conv_pool_and_linear_outputs(googlenet_summary):
    stem = module_totals(googlenet_summary).records()[0]
    kinds = ("Conv2d", "MaxPool2d")
    expected = sum(r.memory_bytes for r in googlenet_summary
                   if r.name.startswith("stem.") and r.kind in kinds)
    assert stem["memory_bytes"] == expected
    # The Michigan lecture's stem rows: 3136 + 784 + 784 + 2352 + 588 KB.
    assert expected == (3136 + 784 + 784 + 2352 + 588) * 1024


@pytest.fixture(scope="module")
def resnet50_summary():
    return summarize(meta_model("resnet50"), (3, 224, 224))


def test_stage_of_names():
    assert stage_of("stem.0.0") == "stem"
    assert stage_of("stages.0.2.conv1") == "stage 1"
    assert stage_of("stages.3.0.shortcut.0") == "stage 4"
    assert stage_of("fc") == stage_of("pool") == stage_of("final.0") == "head"


def test_stage_costs_add_up_to_the_network(resnet50_summary):
    parts = stage_costs(resnet50_summary)
    assert [p["part"] for p in parts] == ["stem", "stage 1", "stage 2", "stage 3", "stage 4", "head"]
    # He et al. 2015, Table 1: 3, 4, 6, 3 bottlenecks of 3 convs each
    assert [p["layers"] for p in parts] == [1, 9, 12, 18, 9, 1]
    assert sum(p["params"] for p in parts) == resnet50_summary.total_params
    assert sum(p["macs"] for p in parts) == resnet50_summary.total_macs
    assert sum(p["memory_bytes"] for p in parts) == resnet50_summary.total_memory_bytes
    head = parts[-1]
    assert head["params"] == 2048 * 1000 + 1000 and head["macs"] == 2048 * 1000
    assert parts[0]["macs"] == conv_macs(3, 64, 7, 112, 112)


@pytest.mark.parametrize("name, size, depth", [
    ("resnet18", 224, 18), ("resnet34", 224, 34), ("resnet50", 224, 50), ("resnet101", 224, 101),
    ("resnet152", 224, 152), ("resnet20", 32, 20), ("resnet56", 32, 56), ("plain56", 32, 56),
    ("preact_resnet50", 224, 50)])
def test_count_layers_is_the_depth_in_the_name(name, size, depth):
    assert count_layers(summarize(meta_model(name), (3, size, size))) == depth


def test_wide_resnet_depth_convention():
    # Zagoruyko & Komodakis count the 3 projection shortcuts and not the classifier: 28 = 26 + 3 - 1
    s = summarize(meta_model("wide_resnet28_10"), (3, 32, 32))
    projections = sum(r.kind == "Conv2d" and "shortcut" in r.name for r in s)
    assert (count_layers(s), projections) == (26, 3)


def test_stage_costs_rejects_other_inputs():
    with pytest.raises(ValueError, match="cnnlib.Summary"):
        stage_costs([1, 2])
    with pytest.raises(ValueError, match="ResNet-style"):
        stage_costs(summarize(meta_model("nin"), (3, 32, 32)))


def test_model_costs_match_torchvision():
    rows = model_costs(["resnet18", "resnet50"])
    for row, tv in zip(rows, (torchvision.models.resnet18, torchvision.models.resnet50)):
        with torch.device("meta"):
            reference = tv(weights=None)
        assert row["params"] == sum(p.numel() for p in reference.parameters())
        assert row["macs"] == summarize(reference, (3, 224, 224)).total_macs
        assert row["flops"] == 2 * row["macs"]
    with pytest.raises(ValueError, match="list of model names"):
        model_costs("resnet18")


def test_summarized_macs_match_flop_counter():
    from torch.utils.flop_counter import FlopCounterMode

    model = cnnlib.get_model("resnet18", num_classes=10).eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, 3, 64, 64))
    assert 2 * model_costs(["resnet18"], (3, 64, 64), num_classes=10)[0]["macs"] == \
        counter.get_total_flops()


def test_resnet_config_costs_v1_and_v15():
    for name, (block, depths) in IMAGENET_RESNETS.items():
        v15 = resnet_config_costs(block, depths)
        v1 = resnet_config_costs(block, depths, stride_in_1x1=True)
        assert v15["layers"] == int(name[len("resnet"):])
        assert v15["params"] == v1["params"] == sum(p.numel() for p in meta_model(name).parameters())
        if block == "basic":
            assert v1["macs"] == v15["macs"]
        else:  # the paper's stride placement skips 3/4 of the first 1x1 conv's positions
            assert v1["macs"] < v15["macs"]
    # ResNet-50 v1 vs v1.5: the first 1x1 conv of the three downsampling blocks (2w -> w channels)
    # runs at the full input resolution in v1.5, at half of it in v1; the 3x3 outputs match.
    v1 = resnet_config_costs("bottleneck", (3, 4, 6, 3), stride_in_1x1=True)["macs"]
    v15 = resnet_config_costs("bottleneck", (3, 4, 6, 3))["macs"]
    diff = sum(conv_macs(2 * w, w, 1, s, s) - conv_macs(2 * w, w, 1, s // 2, s // 2)
               for w, s in ((128, 56), (256, 28), (512, 14)))
    assert v15 - v1 == diff


def test_resnet_config_costs_rejects_bad_configs():
    with pytest.raises(ValueError, match="block must be one of"):
        resnet_config_costs("wide", (2, 2, 2, 2))
    with pytest.raises(ValueError, match="positive block counts"):
        resnet_config_costs("basic", (2, 0, 2, 2))
    with pytest.raises(ValueError, match="positive block counts"):
        resnet_config_costs("basic", (1, 1, 1, 1, 1))
    three = resnet_config_costs("basic", (1, 1, 1))
    assert three["layers"] == 1 + 6 + 1 and [p["part"] for p in three["stages"]][-2] == "stage 3"


def test_block_multiples_follow_from_the_formulas():
    c = 8
    basic = 2 * conv_params(c, c, 3, bias=False)
    bottleneck = conv_params(4 * c, c, 1, bias=False) + conv_params(c, c, 3, bias=False) \
        + conv_params(c, 4 * c, 1, bias=False)
    assert (basic / c**2, bottleneck / c**2) == (18, 17)


def _params(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("reduction", [16, 8, 1])
def test_se_cost_matches_the_real_models(reduction):
    added = _params(meta_model("se_resnet50", reduction=reduction)) - _params(meta_model("resnet50"))
    cost = se_cost(reduction)
    assert cost["params"] == added and cost["blocks"] == 16
    if reduction == 16:  # Hu et al. 2017, Sec. 4: about 2.5 million extra parameters
        assert 2.5e6 < added < 2.55e6


def test_se_cost_macs_and_errors():
    macs = cnnlib.summarize(meta_model("se_resnet50"), (3, 224, 224)).total_macs \
        - cnnlib.summarize(meta_model("resnet50"), (3, 224, 224)).total_macs
    assert se_cost(16)["macs"] == macs
    assert se_block_channels("resnet18") == (64,) * 2 + (128,) * 2 + (256,) * 2 + (512,) * 2
    with pytest.raises(ValueError, match="positive integer"):
        se_cost(0)
    with pytest.raises(ValueError, match="no residual stages"):
        se_cost(16, base="nin")


def test_densenet_cost_is_densenet121_at_k32():
    with torch.device("meta"):
        reference = torchvision.models.densenet121(weights=None)
    cost = densenet_cost(32)
    assert cost["params"] == _params(reference) == 7_978_856
    assert cost["num_features"] == 1024
    small = densenet_cost(8)
    assert small["params"] < cost["params"]
    assert small["num_features"] == _final_width(8)
    with pytest.raises(ValueError, match="positive integer"):
        densenet_cost(0)


def _final_width(k: int) -> int:
    c = 2 * k
    for i, n in enumerate((6, 12, 24, 16)):
        c += n * k
        if i < 3:
            c //= 2
    return c


@pytest.mark.parametrize("m,n,size", [(32, 64, 8), (16, 16, 5)])
def test_separable_ratio_matches_formula(m, n, size):
    r = separable_vs_standard(m, n, size)
    assert r["standard_params"] == 9 * m * n
    assert r["separable_params"] == 9 * m + m * n
    assert r["standard_macs"] == conv_macs(m, n, 3, size, size)
    assert r["macs_ratio"] == pytest.approx(1 / n + 1 / 9)
    assert r["params_ratio"] == pytest.approx(r["formula"])


def test_separable_rejects_bad_input():
    with pytest.raises(ValueError, match="stride"):
        separable_vs_standard(8, 8, 8, stride=3)
    with pytest.raises(ValueError, match="size"):
        separable_vs_standard(8, 8, 0)


def test_scaled_efficientnet_b0_matches_zoo():
    import cnnlib

    with torch.device("meta"):
        b0 = cnnlib.get_model("efficientnet_b0")
    assert scaled_efficientnet()["params"] == sum(p.numel() for p in b0.parameters())
    with pytest.raises(ValueError, match=">= 1"):
        scaled_efficientnet(depth=0.5)
    with pytest.raises(ValueError, match="resolution"):
        scaled_efficientnet(resolution=16)
