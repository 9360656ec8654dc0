"""Classic architectures: LeNet-5, AlexNet (three variants), ZFNet, VGG, NiN, GoogLeNet.

Golden numbers come from outside the project: torchvision's models (parameter counts, and
FlopCounterMode / 2 for MACs), the papers' tables, and the lecture slides in shared/seeds.
Big models are checked on the ``meta`` device (shapes only), so the file stays fast.
"""
from __future__ import annotations

import inspect
import re

import pytest
import torch
from torch import nn

import cnnlib
from helpers import flop_counter_macs, meta_model, num_params, torchvision_meta
from cnnlib.arithmetic import conv_output_size, conv_params, linear_params, pool_output_size
from cnnlib.models import alexnet as alexnet_mod
from cnnlib.models import googlenet as googlenet_mod
from cnnlib.models import lenet as lenet_mod
from cnnlib.models import nin as nin_mod
from cnnlib.models import vgg as vgg_mod
from cnnlib.models import zfnet as zfnet_mod
from cnnlib.models.googlenet import GOOGLENET_TABLE1, GoogLeNetOutputs, Inception, InceptionNaive
from cnnlib.models.lenet import LENET5_C3_TABLE
from cnnlib.models.vgg import make_vgg_stage
from cnnlib.registry import get_model, get_model_builder, list_models

FAMILY_MODULES = (lenet_mod, alexnet_mod, zfnet_mod, vgg_mod, nin_mod, googlenet_mod)
EXPECTED_NAMES = {
    "lenet5", "alexnet", "alexnet_ungrouped", "alexnet_owt", "zfnet", "zfnet_cs231n",
    "vgg11", "vgg13", "vgg16", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
    "nin", "googlenet",
}
VGG_NAMES = sorted(n for n in EXPECTED_NAMES if n.startswith("vgg"))


def _ours() -> list[str]:
    modules = {m.__name__ for m in FAMILY_MODULES}
    return [n for n in list_models() if get_model_builder(n).__module__ in modules]


def _output_shapes(model: nn.Module, input_size: tuple[int, ...], *, train: bool = False):
    """Output shape (without batch) of every named module, recorded with forward hooks on a
    meta-device model: the first call of each module."""
    shapes: dict[str, tuple[int, ...]] = {}

    def hook(name):
        def record(module, args, out):
            if isinstance(out, torch.Tensor):
                shapes.setdefault(name, tuple(out.shape[1:]))
        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules() if n]
    model.train(train)
    try:
        with torch.no_grad():
            model(torch.empty(2, model.in_channels, *input_size[1:], device="meta"))
    finally:
        for h in handles:
            h.remove()
    return shapes


# ----------------------------------------------------------------------------- registry
def test_every_classic_builder_is_registered_keyword_only():
    assert set(_ours()) == EXPECTED_NAMES
    for name in EXPECTED_NAMES:
        params = inspect.signature(get_model_builder(name)).parameters
        assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params.values()), name
        assert "num_classes" in params


# ----------------------------------------------------------- forward / backward, every model
# The smallest input each model takes (AlexNet's is found by the bad-input test below), and a
# narrower FC head for the 4096-wide ones: the forward/backward check is about wiring, and
# initializing 100M+ FC weights would cost seconds per model. The full-width heads are checked
# by the parameter and MAC counts against torchvision and the papers, on the meta device.
SMALL_INPUT = {"lenet5": 32, "nin": 32, "googlenet": 64, "alexnet": 67, "alexnet_ungrouped": 67,
               "alexnet_owt": 63, "zfnet": 63, "zfnet_cs231n": 63}
NARROW_HEAD = {"hidden": 256}


def _check_forward_backward(model: nn.Module, size: int) -> None:
    x = torch.randn(2, model.in_channels, size, size)
    out = model(x)
    assert out.shape == (2, 10)
    assert torch.isfinite(out).all()
    nn.functional.cross_entropy(out, torch.tensor([1, 7])).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, f"{name} got no gradient"
        assert torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, f"{name} got an all-zero gradient"


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMES))
def test_forward_backward(name):
    torch.manual_seed(0)
    kwargs = NARROW_HEAD if name.startswith(("alexnet", "zfnet", "vgg")) else {}
    model = get_model(name, num_classes=10, **kwargs)
    _check_forward_backward(model, SMALL_INPUT.get(name, 32))


def test_lenet5_paper_sparse_c3_forward_backward():
    torch.manual_seed(0)
    _check_forward_backward(get_model("lenet5", num_classes=10, sparse_c3=True), 32)


def test_googlenet_aux_logits_train_and_eval():
    torch.manual_seed(0)
    model = get_model("googlenet", num_classes=10, aux_logits=True)
    x = torch.randn(2, 3, 64, 64)
    out = model.train()(x)
    assert isinstance(out, GoogLeNetOutputs)
    assert [o.shape for o in out] == [(2, 10)] * 3
    loss = sum(nn.functional.cross_entropy(o, torch.tensor([1, 7])) for o in out)
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    assert model.aux1.fc2.weight.grad.abs().sum() > 0 and model.aux2.fc2.weight.grad.abs().sum() > 0
    with torch.no_grad():
        logits = model.eval()(x)
    assert isinstance(logits, torch.Tensor) and logits.shape == (2, 10)


def test_googlenet_without_aux_has_no_aux_modules():
    model = meta_model("googlenet")
    assert model.aux1 is None and model.aux2 is None
    assert not any("aux" in n for n, _ in model.named_parameters())


# ------------------------------------------------------- torchvision: params and MACs exact
@pytest.mark.parametrize("name", VGG_NAMES + ["alexnet_owt"])
def test_params_and_macs_equal_torchvision(name):
    ours = meta_model(name)
    theirs = torchvision_meta("alexnet" if name == "alexnet_owt" else name)
    assert num_params(ours) == num_params(theirs)
    ours_macs = cnnlib.summarize(ours, (3, 224, 224)).total_macs
    assert ours_macs == flop_counter_macs(theirs, (3, 224, 224))


def test_vgg16_parameter_count_is_torchvisions_138m():
    # The lectures' "138M"; torchvision's documented count is 138,357,544.
    theirs = num_params(torchvision_meta("vgg16"))
    assert num_params(meta_model("vgg16")) == theirs
    assert round(theirs / 1e6) == 138


def test_googlenet_vs_torchvision_differs_only_by_the_5x5_branch():
    """torchvision's GoogLeNet has BatchNorm (no conv bias, no LRN) and a 3x3 conv where the paper
    has 5x5. Ours with BatchNorm and without LRN differs from it by exactly the 5x5 weights."""
    ours = meta_model("googlenet", norm_layer=nn.BatchNorm2d, stem_norm=None, aux_logits=True)
    theirs = torchvision_meta("googlenet", aux_logits=True, init_weights=True)
    extra_weights = sum((25 - 9) * red * c5 for (_, _, _, red, c5, _) in GOOGLENET_TABLE1.values())
    assert num_params(ours) == num_params(theirs) + extra_weights
    # MACs at 224: the extra 16 taps per output of each 5x5 conv, at that module's resolution.
    side = {"3": 28, "4": 14, "5": 7}
    extra_macs = sum((25 - 9) * red * c5 * side[name[0]] ** 2
                     for name, (_, _, _, red, c5, _) in GOOGLENET_TABLE1.items())
    ours_macs = cnnlib.summarize(ours, (3, 224, 224)).total_macs
    assert ours_macs == flop_counter_macs(theirs, (3, 224, 224)) + extra_macs


@pytest.mark.parametrize("name,size", [
    ("lenet5", 32), ("alexnet", 227), ("alexnet_ungrouped", 227), ("zfnet", 224),
    ("zfnet_cs231n", 224), ("nin", 32), ("googlenet", 224), ("vgg11_bn", 224),
])
def test_summarize_macs_agree_with_flop_counter(name, size):
    # Grouped convs (AlexNet), LRN, ceil-mode pools, concatenations: summarize's MACs must be
    # what PyTorch's own FlopCounterMode counts.
    model = meta_model(name)
    c = model.in_channels
    shape = (c, size, size)
    assert cnnlib.summarize(model, shape).total_macs == flop_counter_macs(model, shape)


# ------------------------------------------------------------------------ paper numbers
def test_alexnet_paper_parameter_count():
    # Krizhevsky et al. 2012, two-tower network with 1000 classes.
    assert num_params(meta_model("alexnet")) == 60_965_224


def test_alexnet_ungrouped_parameter_count_and_difference():
    paper, ungrouped = num_params(meta_model("alexnet")), num_params(meta_model("alexnet_ungrouped"))
    # groups=1 instead of 2 in conv2 (96 -> 256, 5x5), conv4 (384 -> 384), conv5 (384 -> 256)
    extra = sum(conv_params(c_in, c_out, k) - conv_params(c_in, c_out, k, groups=2)
                for c_in, c_out, k in [(96, 256, 5), (384, 384, 3), (384, 256, 3)])
    assert ungrouped == paper + extra
    doc = get_model_builder("alexnet_ungrouped").__doc__
    assert f"{ungrouped:,}" in doc and f"{extra:,}" in doc
    assert f"{paper:,}" in get_model_builder("alexnet").__doc__


def test_googlenet_parameter_count_in_range_and_documented():
    plain, with_aux = num_params(meta_model("googlenet")), num_params(meta_model("googlenet", aux_logits=True))
    assert 6_500_000 <= plain <= 7_100_000  # "about 7M": Table 1's layers plus the 1024 x 1000 fc
    doc = get_model_builder("googlenet").__doc__
    assert f"{plain:,}" in doc and f"{with_aux:,}" in doc
    ratio = num_params(meta_model("alexnet")) / plain
    assert f"{ratio:.1f}x" in doc


def test_googlenet_table1_channels():
    # Table 1's "output size" column: each module's depth = 1x1 + 3x3 + 5x5 + pool proj.
    expected = {"3a": 256, "3b": 480, "4a": 512, "4b": 512, "4c": 512, "4d": 528, "4e": 832,
                "5a": 832, "5b": 1024}
    model = meta_model("googlenet")
    for name, depth in expected.items():
        assert getattr(model, f"inception{name}").out_channels == depth


def test_lenet5_paper_layer_parameters():
    # LeCun et al. 1998, Section II.B: C1 156, C3 1,516 (Table I connections), C5 48,120,
    # F6 10,164 trainable parameters; S2 and S4 add a coefficient and a bias per map (12, 32);
    # the RBF output layer's parameters are fixed. Total: 60,000.
    model = meta_model("lenet5", sparse_c3=True)
    layer = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert layer(model.body.c1) == 156
    assert layer(model.body.c3) == 1_516
    assert sum(len(s) for s in LENET5_C3_TABLE) == 60
    assert layer(model.body.c5) == 48_120
    assert layer(model.classifier.f6) == 10_164
    s2, s4 = 2 * 6, 2 * 16
    assert num_params(model) - layer(model.classifier.output) + s2 + s4 == 60_000
    # Our default (full C3) has every C3 map see all six S2 maps.
    assert layer(meta_model("lenet5").body.c3) == conv_params(6, 16, 5)


def test_nin_has_no_fully_connected_layers():
    model = meta_model("nin", num_classes=10)
    assert not any(isinstance(m, nn.Linear) for m in model.modules())
    shapes = _output_shapes(model, (3, 32, 32))
    assert shapes["body.mlpconv3"] == (10, 8, 8)  # one 8x8 map per class before global pooling


def test_zfnet_widths():
    assert meta_model("zfnet").body.conv3.out_channels == 384
    cs231n = meta_model("zfnet_cs231n").body
    assert (cs231n.conv3.out_channels, cs231n.conv4.out_channels, cs231n.conv5.out_channels) \
        == (512, 1024, 512)
    assert num_params(meta_model("zfnet", widths=zfnet_mod.ZFNET_CS231N_WIDTHS)) \
        == num_params(meta_model("zfnet_cs231n"))
    # Zeiler & Fergus Fig. 3 sizes at 224: conv1 110, pool1 55, conv2 26, pool2 13, pool5 6.
    shapes = _output_shapes(meta_model("zfnet"), (3, 224, 224))
    assert [shapes[f"body.{n}"][1] for n in ("conv1", "pool1", "conv2", "pool2", "pool5")] \
        == [110, 55, 26, 13, 6]
    with pytest.raises(ValueError, match="five"):
        zfnet_mod.zfnet(widths=(96, 256))


# ------------------------------------------------------------------------ lecture numbers
def test_alexnet_conv1_and_pool1_lecture_numbers():
    s = cnnlib.summarize(meta_model("alexnet"), (3, 227, 227))
    conv1 = s.row("body.conv1")
    side = conv_output_size(227, 11, 4)
    assert conv1.output_shape == (96, 55, 55) == (96, side, side)
    assert conv1.params == (11 * 11 * 3 + 1) * 96 == 34_944  # the lecture's "35K"
    assert round(conv1.params, -3) == 35_000
    assert s.row("body.pool1").output_shape == (96, 27, 27)


def test_alexnet_cs231n_full_table():
    # CS231n "Full (simplified) AlexNet architecture" (single tower).
    rows = {r.name.split(".")[-1]: r.output_shape for r in cnnlib.summarize(
        meta_model("alexnet_ungrouped"), (3, 227, 227)).rows}
    assert rows["conv1"] == (96, 55, 55) and rows["pool1"] == (96, 27, 27)
    assert rows["conv2"] == (256, 27, 27) and rows["pool2"] == (256, 13, 13)
    assert rows["conv3"] == rows["conv4"] == (384, 13, 13)
    assert rows["conv5"] == (256, 13, 13) and rows["pool5"] == (256, 6, 6)
    assert rows["fc6"] == rows["fc7"] == (4096,) and rows["fc8"] == (1000,)


# Michigan lecture 8's per-layer table (torchvision AlexNet at 227x227): output C, H/W,
# memory (KB), params (k), MACs ("flop (M)", multiply+add counted once).
MICHIGAN_ALEXNET = [
    ("conv1", 64, 56, 784, 23, 73), ("pool1", 64, 27, 182, 0, 0),
    ("conv2", 192, 27, 547, 307, 224), ("pool2", 192, 13, 127, 0, 0),
    ("conv3", 384, 13, 254, 664, 112), ("conv4", 256, 13, 169, 885, 145),
    ("conv5", 256, 13, 169, 590, 100), ("pool5", 256, 6, 36, 0, 0),
    ("fc6", 4096, None, 16, 37_749, 38), ("fc7", 4096, None, 16, 16_777, 17),
    ("fc8", 1000, None, 4, 4_096, 4),
]


def test_alexnet_owt_matches_michigan_table():
    s = cnnlib.summarize(meta_model("alexnet_owt"), (3, 227, 227))
    by_name = {r.name.split(".")[-1]: r for r in s.rows}
    for name, c, hw, mem_kb, params_k, mmacs in MICHIGAN_ALEXNET:
        r = by_name[name]
        assert r.output_shape == ((c, hw, hw) if hw else (c,)), name
        assert round(r.memory_bytes / 1024) == mem_kb, name
        # The slide's params column counts weights only (fc6: 9216 x 4096 = 37,749k); the conv
        # rows round to the same thousands with or without their biases.
        weights = r.params - (c if r.params else 0)
        assert round(weights / 1e3) == params_k, name
        if name != "conv4":
            assert round(r.macs / 1e6) == mmacs, name
    # The slide's conv4 "145" MFLOP is a slip: 256 x 13 x 13 outputs x (384 x 3 x 3) = 149.5M.
    conv4 = by_name["conv4"]
    assert conv4.macs == (256 * 13 * 13) * (384 * 3 * 3) == 149_520_384
    assert round(conv4.macs / 1e6) == 150 != dict((n, m) for n, *_, m in MICHIGAN_ALEXNET)["conv4"]
    # the slide's worked example for conv1
    assert by_name["conv1"].macs == (64 * 56 * 56) * (3 * 11 * 11) == 72_855_552


def test_vgg16_cs231n_table():
    # CS231n's VGG16 table: per-layer outputs and weights ("not counting biases").
    s = cnnlib.summarize(meta_model("vgg16"), (3, 224, 224))
    layers = [r for r in s.rows if r.kind in ("Conv2d", "MaxPool2d", "Linear")]
    table = [(64, 224, 3), (64, 224, 64), "pool", (128, 112, 64), (128, 112, 128), "pool",
             (256, 56, 128), (256, 56, 256), (256, 56, 256), "pool",
             (512, 28, 256), (512, 28, 512), (512, 28, 512), "pool",
             (512, 14, 512), (512, 14, 512), (512, 14, 512), "pool"]
    assert len(layers) == len(table) + 3
    side, c = 224, 64
    for r, row in zip(layers, table):
        if row == "pool":
            side //= 2
            assert r.output_shape == (c, side, side) and r.params == 0
        else:
            c, hw, c_in = row
            assert r.output_shape == (c, hw, hw)
            assert r.params - c == 3 * 3 * c_in * c  # weights only
    fcs = layers[len(table):]
    assert [r.params - r.output_shape[0] for r in fcs] == [
        7 * 7 * 512 * 4096, 4096 * 4096, 4096 * 1000]
    assert fcs[0].params - 4096 == 102_760_448
    # "TOTAL memory: 24M * 4 bytes" -- the slide's own rows (input + every layer's output) add
    # up to 15.2M numbers, not 24M; the book shows both.
    numbers = 3 * 224 * 224 + sum(r.memory_bytes // 4 for r in layers)
    assert numbers == 15_237_608
    assert round(numbers / 1e6, 1) == 15.2


def test_naive_inception_lecture_example():
    # CS231n: input 28x28x256; 128 1x1, 192 3x3, 96 5x5 and a 3x3 pool -> 28x28x672, 854M ops.
    block = InceptionNaive(256, 128, 192, 96)
    assert block.out_channels == 128 + 192 + 96 + 256 == 672
    with torch.device("meta"):
        block = InceptionNaive(256, 128, 192, 96)
    s = cnnlib.summarize(block, (256, 28, 28))
    assert s.output_shape == (672, 28, 28)
    slide_terms = (28 * 28 * 128 * 1 * 1 * 256 + 28 * 28 * 192 * 3 * 3 * 256
                   + 28 * 28 * 96 * 5 * 5 * 256)
    assert s.total_macs == slide_terms == 854_196_224
    assert round(s.total_macs / 1e6) == 854


def test_bottleneck_inception_lecture_example():
    # The same module with "1x1 conv, 64 filter" bottlenecks -> 28x28x480. The slide lists six
    # conv terms and says "Total: 358M ops", but its own terms add up to 271M: the slide's
    # total is wrong, the per-layer terms (and this module) are right.
    with torch.device("meta"):
        block = Inception(256, 128, 64, 192, 64, 96, 64)
    s = cnnlib.summarize(block, (256, 28, 28))
    assert s.output_shape == (480, 28, 28)
    slide_terms = (28 * 28 * 64 * 1 * 1 * 256 * 2 + 28 * 28 * 128 * 1 * 1 * 256
                   + 28 * 28 * 192 * 3 * 3 * 64 + 28 * 28 * 96 * 5 * 5 * 64
                   + 28 * 28 * 64 * 1 * 1 * 256)
    assert s.total_macs == slide_terms == 271_351_808
    assert abs(s.total_macs - 358e6) > 80e6
    naive = cnnlib.summarize(InceptionNaive(256, 128, 192, 96).to("meta"), (256, 28, 28))
    assert naive.total_macs / s.total_macs > 3


def test_inception_5x5_branch_is_5x5():
    block = Inception(192, 64, 96, 128, 16, 32, 32)
    assert block.branch3[1][0].kernel_size == (5, 5)
    assert block.out_channels == 256
    with pytest.raises(ValueError, match="positive"):
        Inception(192, 64, 96, 128, 0, 32, 32)


def test_make_vgg_stage():
    stage = make_vgg_stage(64, 128, 2)
    assert isinstance(stage, nn.Sequential)
    assert [type(m).__name__ for m in stage] == ["ConvNormAct", "ConvNormAct", "MaxPool2d"]
    x = torch.randn(1, 64, 16, 16)
    assert stage(x).shape == (1, 128, 8, 8)
    assert num_params(stage) == conv_params(64, 128, 3) + conv_params(128, 128, 3)
    bn = make_vgg_stage(3, 8, 1, norm_layer=nn.BatchNorm2d, act_layer=nn.GELU)
    assert isinstance(bn[0][1], nn.BatchNorm2d) and isinstance(bn[0][2], nn.GELU)
    with pytest.raises(ValueError, match="num_convs"):
        make_vgg_stage(3, 8, 0)


def test_vgg_configs_depths():
    # "VGG-N" counts weight layers: convs + 3 FC.
    for name, cfg in zip(("vgg11", "vgg13", "vgg16", "vgg19"), "ABDE"):
        n_convs = sum(n for _, n in vgg_mod.VGG_CFGS[cfg])
        model = meta_model(name)
        assert sum(isinstance(m, nn.Conv2d) for m in model.modules()) == n_convs
        assert n_convs + 3 == int(name[3:])


# ------------------------------------------------------------- shape comments vs the code
# Each family file's "N x C x H x W" comments are for the input size below; every one of them
# must be the output shape of some module of the family's models (read with forward hooks).
COMMENT_CHECKS = [
    (lenet_mod, [("lenet5", {})], 32),
    (alexnet_mod, [("alexnet", {}), ("alexnet_ungrouped", {}), ("alexnet_owt", {})], 227),
    (zfnet_mod, [("zfnet", {})], 224),
    (vgg_mod, [("vgg16", {})], 224),
    (nin_mod, [("nin", {})], 32),
    (googlenet_mod, [("googlenet", {"aux_logits": True})], 224),
]


@pytest.mark.parametrize("module,models,size", COMMENT_CHECKS,
                         ids=[m.__name__.rsplit(".", 1)[-1] for m, _, _ in COMMENT_CHECKS])
def test_shape_comments_are_true(module, models, size):
    found = {tuple(int(v) for v in m) for m in
             re.findall(r"N x (\d+) x (\d+) x (\d+)", inspect.getsource(module))}
    assert found, "no shape comments found"
    shapes = set()
    for name, kwargs in models:
        model = meta_model(name, **kwargs)
        shapes |= set(_output_shapes(model, (model.in_channels, size, size), train=True).values())
    assert found <= shapes, f"comments not matched by any layer: {sorted(found - shapes)}"


def test_named_shapes_at_design_size():
    alex = _output_shapes(meta_model("alexnet"), (3, 227, 227))
    assert [alex[f"body.{n}"] for n in ("conv1", "pool1", "conv2", "pool2", "conv5", "pool5")] == [
        (96, 55, 55), (96, 27, 27), (256, 27, 27), (256, 13, 13), (256, 13, 13), (256, 6, 6)]
    assert alex["pool"] == (256, 6, 6)  # the adaptive pool is an identity at 227
    vgg = _output_shapes(meta_model("vgg16"), (3, 224, 224))
    assert [vgg[f"stages.stage{i}"] for i in range(1, 6)] == [
        (64, 112, 112), (128, 56, 56), (256, 28, 28), (512, 14, 14), (512, 7, 7)]
    gn = _output_shapes(meta_model("googlenet"), (3, 224, 224))
    assert gn["stem.pool1"] == (64, 56, 56) and gn["stem"] == (192, 28, 28)
    assert gn["inception3b"] == (480, 28, 28) and gn["pool3"] == (480, 14, 14)
    assert gn["inception4e"] == (832, 14, 14) and gn["pool4"] == (832, 7, 7)
    assert gn["inception5b"] == (1024, 7, 7)
    lenet = _output_shapes(meta_model("lenet5"), (1, 32, 32))
    assert [lenet[f"body.{n}"] for n in ("c1", "s2", "c3", "s4", "c5")] == [
        (6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120, 1, 1)]


# --------------------------------------------------------------------------- bad input
def test_alexnet_too_small_input_names_layer_and_smallest_size():
    # 32 -> conv1 (11x11/4) 6 -> pool1 (3x3/2) 2 -> conv2 (pad 2) 2 -> pool2 needs 3: fails there.
    assert pool_output_size(conv_output_size(32, 11, 4), 3, 2) == 2
    model = get_model("alexnet", num_classes=10)
    with pytest.raises(ValueError, match=r"body\.pool2") as info:
        model(torch.randn(1, 3, 32, 32))
    smallest = int(re.search(r"3x(\d+)x\1", str(info.value)).group(1))
    # ... and that size is really the smallest that goes through the network.
    meta = meta_model("alexnet")
    cnnlib.summarize(meta, (3, smallest, smallest))
    with pytest.raises(ValueError):
        cnnlib.summarize(meta, (3, smallest - 1, smallest - 1))


def test_vgg16_wrong_channel_count():
    model = meta_model("vgg16")
    with pytest.raises(ValueError, match=r"expected 3 channels, got 1"):
        model(torch.empty(1, 1, 64, 64, device="meta"))


def test_lenet5_sparse_c3_needs_one_channel():
    with pytest.raises(ValueError, match="in_channels=1"):
        get_model("lenet5", sparse_c3=True, in_channels=3)


# ------------------------------------------------------------------------------- init
def test_alexnet_paper_init():
    torch.manual_seed(0)
    model = get_model("alexnet", num_classes=10, hidden=512)
    body, cls = model.body, model.classifier
    for conv, bias in [(body.conv1, 0.0), (body.conv2, 1.0), (body.conv3, 0.0), (body.conv4, 1.0),
                       (body.conv5, 1.0), (cls.fc6, 1.0), (cls.fc7, 1.0), (cls.fc8, 0.0)]:
        assert torch.all(conv.bias == bias)
        assert abs(conv.weight.std().item() - 0.01) < 0.002
    assert isinstance(body.norm1, nn.LocalResponseNorm) and body.norm1.k == 2.0


def test_injectable_layers():
    torch.manual_seed(0)
    model = get_model("alexnet", num_classes=10, hidden=64, norm_layer=nn.BatchNorm2d,
                      act_layer=nn.GELU)
    assert isinstance(model.body.norm1, nn.BatchNorm2d) and isinstance(model.body.act1, nn.GELU)
    gn = meta_model("googlenet", norm_layer=nn.BatchNorm2d, stem_norm=None)
    assert not any(isinstance(m, nn.LocalResponseNorm) for m in gn.modules())
    assert gn.inception3a.branch1[0].bias is None  # conv bias dropped before a norm layer
    nin = meta_model("nin", act_layer=nn.GELU)
    assert any(isinstance(m, nn.GELU) for m in nin.modules())
    lenet = get_model("lenet5", act_layer=nn.ReLU, in_channels=3)
    assert lenet(torch.randn(1, 3, 32, 32)).shape == (1, 10)


def test_lenet5_linear_count():
    # F6 and the output layer: 120 -> 84 -> classes.
    model = meta_model("lenet5", num_classes=10)
    assert num_params(model.classifier) == linear_params(120, 84) + linear_params(84, 10)


# ---- the classroom miniatures (chapters 4 and 5 train them on digits) ----

def test_small_vgg_shapes_and_costs():
    model = vgg_mod.small_vgg()
    assert model(torch.randn(2, 3, 16, 16)).shape == (2, 10)
    s = cnnlib.summarize(model, (3, 16, 16))
    convs = [r for r in s.rows if r.kind == "Conv2d"]
    assert [r.output_shape[0] for r in convs] == [8, 16, 32, 32]
    # Flatten sees 32 x 2 x 2 after three halvings of 16.
    assert s.total_params == sum(p.numel() for p in model.parameters())
    assert any(r.kind == "Linear" and r.params == linear_params(32 * 2 * 2, 64) for r in s.rows)


def test_small_vgg_rejects_an_image_too_small_for_its_stages():
    with pytest.raises(ValueError, match="at least 8"):
        vgg_mod.small_vgg(image_size=4)
    with pytest.raises(ValueError, match="at least one"):
        vgg_mod.small_vgg(widths=())


def test_tiny_inception_widths_follow_the_inception_formula():
    model = googlenet_mod.tiny_inception(8)
    first, second = model[1], model[3]
    assert first.out_channels == 8 + 16 + 8 + 8
    assert second.out_channels == 16 + 32 + 16 + 16
    assert model(torch.randn(2, 3, 12, 12)).shape == (2, 10)
    with pytest.raises(ValueError, match="even integer"):
        googlenet_mod.tiny_inception(3)


# ---- the classroom builders the chapters' experiments train (cnnlib.experiments) ----

def test_lenet5_default_init_is_pytorchs_init_of_the_same_network():
    torch.manual_seed(0)
    tanh_net = lenet_mod.lenet5_default_init(nn.Tanh)
    torch.manual_seed(0)
    relu_net = lenet_mod.lenet5_default_init(nn.ReLU)
    # same seed, same initial weights whatever the activation: only the units differ
    for (name, a), b in zip(tanh_net.state_dict().items(), relu_net.state_dict().values()):
        assert torch.equal(a, b), name
    assert isinstance(relu_net.body.act1, nn.ReLU) and isinstance(tanh_net.body.act1, nn.Tanh)
    assert num_params(tanh_net) == num_params(get_model("lenet5"))
    # PyTorch's default conv init is uniform in +-1/sqrt(fan_in), not the paper's +-2.4/fan_in
    bound = 1 / (1 * 5 * 5) ** 0.5
    assert tanh_net.body.c1.weight.abs().max() <= bound
    assert tanh_net.body.c1.weight.abs().max() > 2.4 / 25
    assert lenet_mod.lenet5_default_init(nn.ReLU, in_channels=3)(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def test_first_layer_net_pair_differs_only_in_the_first_layer():
    nets = {name: zfnet_mod.first_layer_net(*first, in_channels=1)
            for name, first in zfnet_mod.FIRST_LAYERS.items()}
    a, b = (cnnlib.summarize(net, (1, 16, 16)) for net in nets.values())
    assert a.rows[0].output_shape == (16, 4, 4) and b.rows[0].output_shape == (16, 8, 8)
    assert a.total_params - b.total_params == conv_params(1, 16, 11) - conv_params(1, 16, 7)
    assert b.total_macs > a.total_macs  # the stride-2 layer leaves larger maps for the rest
    for net in nets.values():
        assert net(torch.randn(2, 1, 16, 16)).shape == (2, 10)
    assert zfnet_mod.first_layer_net(7, 2, 3)(torch.randn(1, 3, 32, 32)).shape == (1, 10)
    with pytest.raises(ValueError, match="three widths"):
        zfnet_mod.first_layer_net(7, 2, 3, widths=(8, 16))


def test_four_layer_cifar_net_shapes_and_params():
    net = alexnet_mod.four_layer_cifar_net(nn.Tanh)
    s = cnnlib.summarize(net, (3, 32, 32))
    pools = [r.output_shape for r in s.rows if r.kind in ("MaxPool2d", "AvgPool2d")]
    assert pools == [(32, 16, 16), (32, 8, 8), (64, 4, 4)]  # cuda-convnet's 32 -> 16 -> 8 -> 4
    assert s.total_params == (conv_params(3, 32, 5) + conv_params(32, 32, 5) + conv_params(32, 64, 5)
                              + linear_params(64 * 4 * 4, 10))
    assert sum(isinstance(m, nn.Tanh) for m in net.modules()) == 3
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, 10)
