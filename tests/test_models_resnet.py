"""ResNet family: ResNet (ImageNet + CIFAR), plain nets, ResNeXt, wide and SE ResNets,
pre-activation ResNets, WRN-28-10, DenseNet and FractalNet.

Golden numbers come from outside the project: torchvision's models (parameter counts,
outputs with copied weights, FlopCounterMode / 2 for MACs), the papers' tables, and counts
derived by hand from the papers' layer lists. Big models are checked on the ``meta`` device.
"""
from __future__ import annotations

import math

import pytest
import torch
import torchvision
from torch import nn
from torch.nn import functional as F

import cnnlib
from helpers import flop_counter_macs, meta_model, num_params, torchvision_meta
from cnnlib.layers import DropPath
from cnnlib.models import densenet as densenet_mod
from cnnlib.models import fractalnet as fractal_mod
from cnnlib.models import preact_resnet as preact_mod
from cnnlib.models import resnet as resnet_mod
from cnnlib.models.densenet import DenseBlock, DenseLayer, Transition
from cnnlib.models.fractalnet import FractalBlock, FractalNet
from cnnlib.models.preact_resnet import PreActBasicBlock, PreActBottleneck
from cnnlib.models.resnet import (
    BasicBlock, Bottleneck, PadShortcut, ResNet, build_resnet, cifar_resnet, make_shortcut,
    make_stage, make_stages,
)
from cnnlib.registry import get_model, get_model_builder, list_models

FAMILY_MODULES = (resnet_mod, preact_mod, densenet_mod, fractal_mod)
EXPECTED_NAMES = {
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnet20", "resnet32", "resnet44", "resnet56", "resnet110",
    "plain20", "plain32", "plain44", "plain56", "plain110",
    "wide_resnet28_10", "wide_resnet50_2", "wide_resnet101_2",
    "resnext50_32x4d", "resnext101_32x8d", "se_resnet50",
    "preact_resnet18", "preact_resnet34", "preact_resnet50", "preact_resnet101", "preact_resnet152",
    "densenet121", "densenet161", "densenet169", "densenet201", "fractalnet",
}
CIFAR_NAMES = {
    "resnet20", "resnet32", "resnet44", "resnet56", "resnet110",
    "plain20", "plain32", "plain44", "plain56", "plain110", "wide_resnet28_10", "fractalnet",
}
TORCHVISION_SAME = [
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "wide_resnet50_2",
    "wide_resnet101_2", "resnext50_32x4d", "resnext101_32x8d",
    "densenet121", "densenet161", "densenet169", "densenet201",
]



def _ours() -> list[str]:
    modules = {m.__name__ for m in FAMILY_MODULES}
    return [n for n in list_models() if get_model_builder(n).__module__ in modules]


def _output_shapes(model: nn.Module, input_size: tuple[int, ...], names: list[str]) -> dict:
    """Output shape (without batch) of the named modules, via forward hooks on a meta model."""
    modules = dict(model.named_modules())
    shapes: dict[str, tuple[int, ...]] = {}

    def hook(name):
        def record(module, args, out) -> None:
            shapes.setdefault(name, tuple(out.shape[1:]))
        return record

    handles = [modules[n].register_forward_hook(hook(n)) for n in names]
    model.eval()
    try:
        with torch.no_grad():
            model(torch.empty(1, *input_size, device="meta"))
    finally:
        for h in handles:
            h.remove()
    return shapes


def _copy_state(dst: nn.Module, src: nn.Module) -> None:
    """Load ``src``'s tensors into ``dst`` in registration order (the layers line up 1:1)."""
    d, s = dst.state_dict(), src.state_dict()
    assert [v.shape for v in d.values()] == [v.shape for v in s.values()]
    dst.load_state_dict(dict(zip(d.keys(), s.values())))


def _blocks(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if hasattr(m, "drop_path") and isinstance(m.drop_path, DropPath)]


# --------------------------------------------------------------------------- registry-wide
def test_every_builder_is_registered():
    assert set(_ours()) == EXPECTED_NAMES


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMES))
def test_forward_backward(name):
    kwargs = {"num_classes": 10}
    if name == "fractalnet":  # keep every column in the graph so every weight gets a gradient
        kwargs.update(local_drop_prob=0.0, global_drop_prob=0.0)
    model = get_model(name, **kwargs).train()
    side = 32 if name in CIFAR_NAMES else 64
    out = model(torch.randn(2, 3, side, side))
    assert out.shape == (2, 10)
    assert torch.isfinite(out).all()
    F.cross_entropy(out, torch.tensor([1, 7])).backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None, f"{name}: {pname} got no gradient"
        assert torch.isfinite(p.grad).all(), pname
        assert p.grad.abs().sum() > 0, f"{name}: {pname} has an all-zero gradient"


def test_builders_are_keyword_only():
    with pytest.raises(TypeError):
        get_model_builder("resnet50")(10)
    with pytest.raises(ValueError, match="num_classes"):
        meta_model("resnet18", num_classes=0)
    with pytest.raises(ValueError, match=r"unknown option\(s\) \['widht'\]"):
        meta_model("resnet50", widht=2)


# --------------------------------------------------------------------------- torchvision oracle
@pytest.mark.parametrize("name", TORCHVISION_SAME)
def test_param_count_equals_torchvision(name):
    assert num_params(meta_model(name)) == num_params(torchvision_meta(name))


def test_torchvision_reference_counts():
    # The figures the brief and torchvision's docs quote, computed here, not copied.
    assert num_params(meta_model("resnet50")) == 25_557_032
    assert num_params(meta_model("densenet121")) == 7_978_856


@pytest.mark.parametrize("name", ["resnet18", "resnext50_32x4d", "densenet121"])
def test_same_output_as_torchvision_with_copied_weights(name):
    ours = get_model(name, num_classes=10).eval()
    theirs = getattr(torchvision.models, name)(weights=None, num_classes=10).eval()
    _copy_state(ours, theirs)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "densenet121"])
def test_macs_equal_flop_counter(name):
    ours = meta_model(name)
    macs = cnnlib.summarize(ours, (3, 224, 224)).total_macs
    assert macs == flop_counter_macs(torchvision_meta(name), (3, 224, 224))


# --------------------------------------------------------------------------- shapes in comments
def test_resnet50_stage_shapes_at_224():
    s = cnnlib.summarize(meta_model("resnet50"), (3, 224, 224))
    assert s.row("stem.0.0").output_shape == (64, 112, 112)
    assert s.row("stem.1").output_shape == (64, 56, 56)
    last = [f"stages.{i}.{d - 1}.act3" for i, d in enumerate((3, 4, 6, 3))]
    assert [s.row(n).output_shape for n in last] == [
        (256, 56, 56), (512, 28, 28), (1024, 14, 14), (2048, 7, 7)
    ]
    assert s.output_shape == (1000,)


def test_resnet56_stage_shapes_at_32():
    s = cnnlib.summarize(meta_model("resnet56"), (3, 32, 32))
    assert s.row("stem.2").output_shape == (16, 32, 32)
    last = [f"stages.{i}.8.act2" for i in range(3)]
    assert [s.row(n).output_shape for n in last] == [(16, 32, 32), (32, 16, 16), (64, 8, 8)]


def test_densenet121_shapes_at_224():
    names = ["stem"] + [f"stages.{i}" for i in range(7)]
    shapes = _output_shapes(meta_model("densenet121"), (3, 224, 224), names)
    assert [shapes[n] for n in names] == [
        (64, 56, 56), (256, 56, 56), (128, 28, 28), (512, 28, 28), (256, 14, 14),
        (1024, 14, 14), (512, 7, 7), (1024, 7, 7),
    ]


def test_wide_resnet28_10_shapes_at_32():
    names = ["stem", "stages.0", "stages.1", "stages.2"]
    shapes = _output_shapes(meta_model("wide_resnet28_10"), (3, 32, 32), names)
    assert [shapes[n] for n in names] == [(16, 32, 32), (160, 32, 32), (320, 16, 16), (640, 8, 8)]


def test_fractalnet_shapes_at_32():
    names = [f"pools.{i}" for i in range(5)]
    shapes = _output_shapes(meta_model("fractalnet"), (3, 32, 32), names)
    assert [shapes[n] for n in names] == [
        (64, 16, 16), (128, 8, 8), (256, 4, 4), (512, 2, 2), (512, 1, 1)
    ]


# --------------------------------------------------------------------------- CIFAR ResNets
def _cifar_resnet_params(n: int, num_classes: int = 10) -> int:
    """He et al. 2015, Sec. 4.2, counted by hand: 3x3 convs without bias, BN (2 per channel),
    option A shortcuts (0 parameters), a fully connected layer."""
    total = 3 * 16 * 9 + 2 * 16  # first conv + BN
    c_in = 16
    for width in (16, 32, 64):
        for i in range(n):
            total += 9 * (c_in if i == 0 else width) * width + 9 * width * width + 4 * width
        c_in = width
    return total + 64 * num_classes + num_classes


# He et al. 2015, Table 6: parameters of the CIFAR-10 ResNets, in millions as printed.
PAPER_TABLE6 = {"resnet20": 0.27, "resnet32": 0.46, "resnet44": 0.66, "resnet56": 0.85, "resnet110": 1.7}


@pytest.mark.parametrize("name", sorted(PAPER_TABLE6))
def test_cifar_resnet_param_counts(name):
    depth = int(name.removeprefix("resnet"))
    count = num_params(meta_model(name))
    assert count == _cifar_resnet_params((depth - 2) // 6)
    paper = PAPER_TABLE6[name]
    decimals = len(str(paper).split(".")[1])
    assert round(count / 1e6, decimals) == paper


def test_resnet56_count():
    count = num_params(meta_model("resnet56"))
    assert count == _cifar_resnet_params(9) == 853_018
    assert 840_000 <= count <= 870_000


def test_option_a_shortcuts_are_parameter_free_identity_with_zero_padding():
    model = get_model("resnet56")
    shortcuts = [b.shortcut for b in _blocks(model)]
    assert sum(isinstance(s, PadShortcut) for s in shortcuts) == 2  # 16->32 and 32->64
    assert all(num_params(s) == 0 for s in shortcuts)
    pad = PadShortcut(16, 32, stride=2)
    x = torch.randn(2, 16, 8, 8)
    y = pad(x)
    assert y.shape == (2, 32, 4, 4)
    torch.testing.assert_close(y[:, :16], x[:, :, ::2, ::2])
    assert (y[:, 16:] == 0).all()


def test_plain_networks_have_no_shortcuts():
    plain, res = get_model("plain56"), get_model("resnet56")
    assert num_params(plain) == num_params(res)  # option A adds no parameters
    assert all(b.shortcut is None for b in _blocks(plain))
    assert all(b.shortcut is not None for b in _blocks(res))
    plain.load_state_dict(res.state_dict())  # same weights, only the wiring differs
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert not torch.allclose(plain.eval()(x), res.eval()(x))
    # a plain block is exactly conv-bn-relu-conv-bn-relu
    block = _blocks(plain)[0].eval()
    h = torch.randn(2, 16, 8, 8)
    with torch.no_grad():
        expected = F.relu(block.bn2(block.conv2(F.relu(block.bn1(block.conv1(h))))))
        torch.testing.assert_close(block(h), expected)


def test_plain_networks_reject_drop_path_and_zero_init():
    with pytest.raises(ValueError, match="shortcut"):
        get_model("plain20", drop_path_rate=0.1)
    with pytest.raises(ValueError, match="plain"):
        get_model("plain20", zero_init_residual=True)


def test_cifar_resnet_validates_depth():
    with pytest.raises(ValueError, match="6n \\+ 2"):
        cifar_resnet(21)
    assert len(_blocks(cifar_resnet(8))) == 3


# --------------------------------------------------------------------------- blocks and stages
def test_basic_block_equals_paper_formula():
    block = BasicBlock(8, 8).eval()
    x = torch.randn(2, 8, 6, 6)
    with torch.no_grad():
        branch = block.bn2(block.conv2(F.relu(block.bn1(block.conv1(x)))))
        torch.testing.assert_close(block(x), F.relu(branch + x))


def test_bottleneck_widths_and_stride_placement():
    b = Bottleneck(256, 512, stride=2, groups=32, base_width=4)
    assert b.conv2.in_channels == 32 * int(128 * 4 / 64) == 256 and b.conv2.groups == 32
    assert b.conv1.stride == (1, 1) and b.conv2.stride == (2, 2)  # v1.5
    v1 = Bottleneck(256, 512, stride=2, stride_in_1x1=True)
    assert v1.conv1.stride == (2, 2) and v1.conv2.stride == (1, 1)
    assert Bottleneck.expansion == 4 and BasicBlock.expansion == 1


def test_stride_in_1x1_keeps_params_and_saves_macs():
    v15, v1 = meta_model("resnet50"), meta_model("resnet50", stride_in_1x1=True)
    assert num_params(v15) == num_params(v1)
    s15, s1 = cnnlib.summarize(v15, (3, 224, 224)), cnnlib.summarize(v1, (3, 224, 224))
    assert s1.total_macs < s15.total_macs
    assert s1.output_shape == s15.output_shape


def test_shortcut_options():
    assert isinstance(make_shortcut("B", 64, 64, 1), nn.Identity)
    assert num_params(make_shortcut("B", 64, 128, 2)) == 64 * 128 + 2 * 128
    assert num_params(make_shortcut("C", 64, 64, 1)) == 64 * 64 + 2 * 64
    assert make_shortcut(None, 64, 128, 2) is None
    with pytest.raises(ValueError, match="shortcut must be"):
        make_shortcut("D", 64, 64)
    with pytest.raises(ValueError, match="only add channels"):
        PadShortcut(64, 32)


def test_make_stage_is_pure():
    stage = make_stage(Bottleneck, 64, 256, 3, 1, drop_path_rates=[0.0, 0.1, 0.2])
    again = make_stage(Bottleneck, 64, 256, 3, 1, drop_path_rates=[0.0, 0.1, 0.2])
    assert [type(m) for m in stage.modules()] == [type(m) for m in again.modules()]
    assert [b.conv1.in_channels for b in stage] == [64, 256, 256]
    assert [b.drop_path.p for b in stage] == [0.0, 0.1, 0.2]
    with pytest.raises(ValueError, match="drop_path_rates"):
        make_stage(BasicBlock, 64, 64, 2, drop_path_rates=[0.1])
    with pytest.raises(ValueError, match="at least one block"):
        make_stage(BasicBlock, 64, 64, 0)
    with pytest.raises(ValueError, match="one entry per stage"):
        make_stages(BasicBlock, 64, (64, 128), (2,), (1, 2))
    with pytest.raises(ValueError, match="groups=1"):
        BasicBlock(64, 64, groups=2)


def test_norm_and_act_layers_are_injectable():
    gn = lambda c: nn.GroupNorm(4, c)  # noqa: E731
    model = get_model("resnet20", norm_layer=gn, act_layer=nn.GELU)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    assert any(isinstance(m, nn.GELU) for m in model.modules())
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)


# --------------------------------------------------------------------------- variants
def test_se_resnet50_count():
    # ResNet-50 (torchvision) plus, for every bottleneck with C output channels, an SE block
    # of two 1x1 convs with biases: C -> C/16 -> C (Hu et al. 2017, Fig. 3, r = 16).
    se = sum(
        depth * (2 * c * (c // 16) + c // 16 + c)
        for c, depth in zip((256, 512, 1024, 2048), (3, 4, 6, 3))
    )
    count = num_params(meta_model("se_resnet50"))
    assert count == num_params(torchvision_meta("resnet50")) + se == 28_088_024
    assert round(count / 1e6, 1) == 28.1  # the paper's "~28.1M"


def test_se_is_applied_to_the_branch_before_the_addition():
    model = get_model("se_resnet50", num_classes=10).eval()
    block = model.stages[0][1]
    x = torch.relu(torch.randn(1, 256, 8, 8))
    with torch.no_grad():
        out = block.act2(block.bn2(block.conv2(block.act1(block.bn1(block.conv1(x))))))
        branch = block.bn3(block.conv3(out))
        torch.testing.assert_close(block(x), F.relu(block.attn(branch) + x))
        assert not torch.allclose(block.attn(branch), branch)


def _wrn_params(depth: int, k: int, num_classes: int = 10) -> int:
    """Zagoruyko & Komodakis 2016, Table 1, counted by hand: 3x3 stem conv, pre-activation
    blocks (BN-conv3x3-BN-conv3x3, 1x1 projection where the width or stride changes), final BN."""
    n = (depth - 4) // 6
    total, c_in = 3 * 16 * 9, 16
    for width in (16 * k, 32 * k, 64 * k):
        for i in range(n):
            cin = c_in if i == 0 else width
            total += 2 * cin + 9 * cin * width + 2 * width + 9 * width * width
            total += cin * width if i == 0 else 0
        c_in = width
    return total + 2 * c_in + c_in * num_classes + num_classes


def test_wide_resnet28_10_count():
    count = num_params(meta_model("wide_resnet28_10"))
    assert count == _wrn_params(28, 10) == 36_479_194
    assert 36.4e6 <= count <= 36.6e6


def test_wide_resnet_dropout_between_convs():
    model = get_model("wide_resnet28_10", dropout=0.3)
    block = model.stages[1][1]
    assert isinstance(block, PreActBasicBlock) and block.dropout.p == 0.3
    with pytest.raises(ValueError, match="6n \\+ 4"):
        preact_mod.cifar_wide_resnet(27, 10)


# --------------------------------------------------------------------------- pre-activation
def test_preact_conv_layers_match_resnet():
    # Same convolutions and classifier as the original ResNet; only the norms move.
    def weight_shapes(model: nn.Module) -> list[tuple[int, ...]]:
        layers = (nn.Conv2d, nn.Linear)
        return sorted(tuple(m.weight.shape) for m in model.modules() if isinstance(m, layers))

    for name in ("resnet18", "resnet50"):
        assert weight_shapes(meta_model(f"preact_{name}")) == weight_shapes(torchvision_meta(name))


def test_preact_block_order_and_final_activation():
    block = PreActBasicBlock(8, 8).eval()
    x = torch.randn(2, 8, 6, 6)
    with torch.no_grad():
        branch = block.conv2(F.relu(block.bn2(block.conv1(F.relu(block.bn1(x))))))
        torch.testing.assert_close(block(x), branch + x)  # identity added, no activation after
    model = get_model("preact_resnet18", num_classes=10).eval()
    assert isinstance(model.final[0], nn.BatchNorm2d) and isinstance(model.final[1], nn.ReLU)
    assert isinstance(model.stages[0][0].bn1, nn.Identity)  # first unit: stem already activated
    assert isinstance(model.stages[1][0].bn1, nn.BatchNorm2d)
    with torch.no_grad():
        assert (model.features(torch.randn(2, 3, 64, 64)) >= 0).all()


def test_preact_projection_takes_the_activated_input():
    block = PreActBottleneck(64, 256, stride=2).eval()
    x = torch.randn(2, 64, 8, 8)
    with torch.no_grad():
        pre = F.relu(block.bn1(x))
        torch.testing.assert_close(block(x), block._branch(pre) + block.shortcut(pre))


# --------------------------------------------------------------------------- init
def test_init_rules_and_zero_init_residual():
    # a one-block-per-stage bottleneck ResNet: the same blocks as resnet50, built quickly
    model = build_resnet(Bottleneck, (1, 1, 1, 1), num_classes=10, zero_init_residual=True)
    conv = model.stages[2][0].conv2
    fan_out = conv.out_channels * 9
    assert abs(conv.weight.std().item() - math.sqrt(2 / fan_out)) < 0.1 * math.sqrt(2 / fan_out)
    for block in _blocks(model):
        assert (block.bn3.weight == 0).all() and (block.bn1.weight == 1).all()
    block = Bottleneck(256, 256).eval()
    model = ResNet(nn.Identity(), nn.Sequential(block), 256, zero_init_residual=False)
    assert (block.bn3.weight == 1).all()
    model.init_weights(zero_init_residual=True)
    assert (block.bn3.weight == 0).all()
    x = torch.randn(1, 256, 8, 8)  # identity shortcut: the block starts as ReLU(x)
    with torch.no_grad():
        torch.testing.assert_close(block(x), F.relu(x))


def test_preact_zero_init_makes_blocks_identity():
    model = get_model("preact_resnet50", num_classes=10, zero_init_residual=True).eval()
    block = model.stages[1][1]
    assert (block.conv3.weight == 0).all()
    x = torch.randn(1, 512, 4, 4)
    with torch.no_grad():
        torch.testing.assert_close(block(x), x)


# --------------------------------------------------------------------------- stochastic depth
@pytest.mark.parametrize("name", ["resnet50", "resnet56", "se_resnet50", "resnext50_32x4d",
                                  "preact_resnet34", "wide_resnet28_10"])
def test_drop_path_rates_decay_linearly(name):
    rates = [b.drop_path.p for b in _blocks(meta_model(name, drop_path_rate=0.2))]
    n = len(rates)
    assert rates == pytest.approx([0.2 * (i + 1) / n for i in range(n)])
    assert rates[0] == min(rates) and rates[-1] == pytest.approx(0.2)
    assert all(b.drop_path.p == 0 for b in _blocks(meta_model(name)))


def test_drop_path_is_identity_in_eval():
    with_dp = get_model("resnet20", drop_path_rate=0.5).eval()
    without = get_model("resnet20").eval()
    without.load_state_dict(with_dp.state_dict())
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        first, second = with_dp(x), with_dp(x)
        torch.testing.assert_close(first, second, rtol=0, atol=0)
        torch.testing.assert_close(first, without(x), rtol=0, atol=0)


def test_drop_path_drops_samples_in_training():
    model = get_model("resnet20", drop_path_rate=0.99).train()
    last = _blocks(model)[-1]
    seen = {}

    def record(module, args, out) -> None:
        seen["out"] = out.detach().clone()  # the block adds the shortcut in place

    last.drop_path.register_forward_hook(record)
    model(torch.randn(8, 3, 32, 32))
    per_sample = seen["out"].flatten(1).abs().sum(1)
    assert (per_sample == 0).any()  # some samples' branches were dropped


# --------------------------------------------------------------------------- DenseNet
def test_dense_block_channels_and_connectivity():
    block = DenseBlock(3, 16, growth_rate=8, bn_size=4).eval()
    assert block.out_channels == 16 + 3 * 8
    assert [layer.conv1.in_channels for layer in block.layers] == [16, 24, 32]
    assert all(layer.conv1.out_channels == 32 for layer in block.layers)  # bn_size * k
    x = torch.randn(2, 16, 5, 5)
    with torch.no_grad():
        y = block(x)
        torch.testing.assert_close(y[:, :16], x)  # inputs pass through by concatenation
        first = block.layers[0](x)
        torch.testing.assert_close(y[:, 16:24], first)
        torch.testing.assert_close(y[:, 24:32], block.layers[1](torch.cat([x, first], 1)))
    t = Transition(40, 20)
    assert t(torch.randn(1, 40, 8, 8)).shape == (1, 20, 4, 4)
    assert isinstance(DenseLayer(8, 4), nn.Module)
    with pytest.raises(ValueError, match="compression"):
        densenet_mod.densenet121(compression=0.0)


# --------------------------------------------------------------------------- FractalNet
def _small_fractal(**kw) -> FractalNet:
    return FractalNet(num_classes=10, num_columns=3, channels=(8, 16), **kw)


def test_fractal_block_structure_and_count():
    block = FractalBlock(3, 8, 4)
    assert [len(col) for col in block.columns] == [1, 2, 4, 8]
    model = meta_model("fractalnet", num_columns=4)  # Fig. 1 layout, C = 4
    assert model.depth == 40  # B * 2**(C-1), paper Sec. 4
    expected, c_in = 10 * 512 + 10, 3  # classifier
    for c in (64, 128, 256, 512, 512):  # C first convs read the block input, the rest c -> c
        expected += 4 * (9 * c_in * c + 2 * c) + (15 - 4) * (9 * c * c + 2 * c)
        c_in = c
    assert num_params(model) == expected


def test_fractal_block_eval_matches_expansion_rule():
    # C = 3 unrolled by hand from f_{C+1}(z) = join(f_C(f_C(z)), conv(z)) with the joins that
    # meet at the same depth merged into one mean (Larsson et al. 2016, Fig. 1).
    block = FractalBlock(4, 6, 3).eval()
    a, (b1, b2), (c1, c2, c3, c4) = block.columns
    x = torch.randn(2, 4, 5, 5)
    with torch.no_grad():
        j2 = (b1(x) + c2(c1(x))) / 2
        expected = (a[0](x) + b2(j2) + c4(c3(j2))) / 3
        torch.testing.assert_close(block(x), expected)


def test_fractal_local_drop_path_keeps_at_least_one_input():
    block = FractalBlock(2, 2, 2, local_drop_prob=0.999).train()
    inputs = [torch.full((1,), float(i)) for i in range(3)]
    for _ in range(20):
        out = block.join(inputs)
        assert out.item() in (0.0, 1.0, 2.0)  # one survivor, never an empty mean
    block.eval()
    assert block.join(inputs).item() == 1.0


def test_fractal_global_drop_path_uses_a_single_column():
    model = _small_fractal(global_drop_prob=1.0).train()
    x = torch.randn(4, 3, 16, 16)
    columns = [model.forward_column(x, c) for c in range(3)]
    for _ in range(5):
        out = model(x)
        assert any(torch.equal(out, col) for col in columns)


def test_fractal_eval_uses_all_columns_and_is_deterministic():
    model = _small_fractal().eval()
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        out = model(x)
        torch.testing.assert_close(model(x), out, rtol=0, atol=0)
        for c in range(3):
            assert not torch.allclose(model.forward_column(x, c), out)
    with pytest.raises(ValueError, match="column"):
        model.forward_column(x, 3)


def test_fractal_training_is_deterministic_under_seed():
    model = _small_fractal(dropout=0.1).train()
    x = torch.randn(4, 3, 16, 16)

    def run(seed):
        torch.manual_seed(seed)
        model.zero_grad()
        out = torch.cat([model(x) for _ in range(4)])
        out.sum().backward()
        return out.detach(), [p.grad.clone() if p.grad is not None else None for p in model.parameters()]

    out0, grads0 = run(0)
    out1, grads1 = run(0)
    torch.testing.assert_close(out0, out1, rtol=0, atol=0)
    for g0, g1 in zip(grads0, grads1):
        assert (g0 is None) == (g1 is None)
        if g0 is not None:
            torch.testing.assert_close(g0, g1, rtol=0, atol=0)
    outs = {tuple(run(s)[0].flatten().tolist()) for s in range(1, 5)}
    assert len(outs) > 1  # drop-path really samples


def test_fractal_validates_arguments():
    with pytest.raises(ValueError, match="dropout rates"):
        FractalNet(channels=(8, 16), dropout=(0.1,))
    with pytest.raises(ValueError, match="num_columns"):
        FractalBlock(3, 8, 0)
    with pytest.raises(ValueError, match="local_drop_prob"):
        FractalBlock(3, 8, 2, local_drop_prob=1.0)
