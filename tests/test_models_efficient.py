"""Efficient networks and NAS models: SqueezeNet, MobileNet V1/V2, ShuffleNet V1/V2,
EfficientNet B0-B7 (released) and phi1-phi7 (Eq. 3 alone), NASNet-A mobile, MnasNet,
RegNetY-400MF.

Golden numbers come from outside the project: torchvision's models (built with
``weights=None``); the papers' tables for shapes, parameter counts and mult-adds where
torchvision has no equivalent; ``FlopCounterMode`` for MACs. The zoo-wide name checks (every
same-named torchvision model equal in parameters, documented ``num_params`` and MACs; the
papers' printed counts) are in tests/test_zoo_names.py.
"""
from __future__ import annotations

import contextlib
import copy
import functools
import math
import re
from fractions import Fraction
from unittest import mock

import pytest
import torch
import torchvision
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import cnnlib
from cnnlib.layers import channel_shuffle, make_divisible
from cnnlib.models import efficientnet as effnet
from cnnlib.models.efficientnet import (
    EFFICIENTNET_B0_STAGES, EFFICIENTNET_RELEASED, EfficientNet, EfficientNetStage, MBConv,
    compound_scaling, efficientnet_phi, phi_variant, released_variant,
)
from cnnlib.models.mnasnet import MNASNet
from cnnlib.models.mobilenet import (
    DepthwiseSeparableConv, InvertedResidual, MobileNetV1,
)
from cnnlib.models.nasnet import NASNet, SeparableConv2d
from cnnlib.models.regnet import REGNET_Y_400MF, RegNet, RegNetParams, regnet_widths
from cnnlib.models.shufflenet import ShuffleNetV1, ShuffleV1Unit, ShuffleV2Unit
from cnnlib.models.squeezenet import Fire
from cnnlib.registry import get_model_builder

FAMILIES = {"squeezenet", "mobilenet", "shufflenet", "efficientnet", "nasnet", "mnasnet", "regnet"}
MODELS = [n for n in cnnlib.list_models()
          if get_model_builder(n).__module__.rsplit(".", 1)[-1] in FAMILIES]
# Small inputs keep the forward/backward test cheap; the biggest EfficientNets go smaller still.
SMALL_INPUT = {"efficientnet_b5": 32, "efficientnet_b6": 32, "efficientnet_b7": 32,
               "efficientnet_phi1": 32}
# efficientnet_phi2..7 run the same EfficientNet code as the b-models with other multipliers
# (which the count checks cover); initializing up to 69M weights on the CPU for them would add
# seconds for no new wiring. phi1 stands for them.
FORWARD_MODELS = [n for n in MODELS if not re.fullmatch(r"efficientnet_phi[2-7]", n)]


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    # The test machine is shared; several intra-op threads per process slow everyone down.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


_INIT_FUNCTIONS = [n for n in dir(nn.init) if n.endswith("_") and not n.startswith("_")]


def on_meta(builder, **kwargs) -> nn.Module:
    """Build on the meta device with the ``nn.init`` functions switched off: shapes and counts
    without allocating or initializing (init on meta tensors is slow and means nothing)."""
    with contextlib.ExitStack() as stack:
        for name in _INIT_FUNCTIONS:
            stack.enter_context(mock.patch.object(nn.init, name, lambda tensor, *a, **k: tensor))
        stack.enter_context(torch.device("meta"))
        return builder(**kwargs)


@functools.lru_cache(maxsize=None)
def meta_model(name: str) -> nn.Module:
    """Our registered model ``name`` with default arguments, on meta (cached; don't mutate)."""
    return on_meta(get_model_builder(name))


def torchvision_model(name: str, **kwargs) -> nn.Module:
    """torchvision's model ``name`` with random weights; on the meta device except RegNets,
    whose builder computes the widths with tensors (which need data)."""
    builder = getattr(torchvision.models, name)
    return builder(weights=None, **kwargs) if name.startswith("regnet") else on_meta(
        builder, weights=None, **kwargs)


def traced_shapes(model: nn.Module, size: int, names: list[str]) -> dict[str, tuple[int, ...]]:
    """Output shapes (without batch) of the named submodules, by forward hooks during a
    ``cnnlib.summarize`` trace (meta device, no real compute)."""
    shapes: dict[str, tuple[int, ...]] = {}
    modules = dict(model.named_modules())

    def hook(name: str):
        def record(module, inputs, output) -> None:
            shapes.setdefault(name, tuple(output.shape[1:]))
        return record

    handles = [modules[n].register_forward_hook(hook(n)) for n in names]
    try:
        cnnlib.summarize(model, (3, size, size))
    finally:
        for h in handles:
            h.remove()
    return shapes


def tv_flop_macs(model: nn.Module, size: int) -> int:
    """MACs by PyTorch's FlopCounterMode (FLOPs / 2), on the meta device."""
    x = torch.empty(1, 3, size, size, device="meta")
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.eval()(x)
    return counter.get_total_flops() // 2


# ------------------------------------------------------------------------------ whole zoo
def test_every_family_registered():
    assert {get_model_builder(n).__module__.rsplit(".", 1)[-1] for n in MODELS} == FAMILIES
    expected = {"squeezenet1_0", "squeezenet1_1", "mobilenet_v1", "mobilenet_v2", "shufflenet_v1",
                "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
                "shufflenet_v2_x2_0", "nasnet_a_mobile", "mnasnet1_0", "regnet_y_400mf",
                *(f"efficientnet_b{i}" for i in range(8)),
                *(f"efficientnet_phi{i}" for i in range(1, 8))}
    assert set(MODELS) == expected


@pytest.mark.parametrize("name", FORWARD_MODELS)
def test_forward_backward(name):
    torch.manual_seed(0)
    model = cnnlib.get_model(name, num_classes=10)
    assert isinstance(model, cnnlib.models.ImageClassifier)
    size = SMALL_INPUT.get(name, 64)
    x = torch.randn(2, 3, size, size)
    out = model(x)
    assert out.shape == (2, 10)
    assert torch.isfinite(out).all()
    out.square().mean().backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert not missing, f"no gradient for {missing[:5]}"
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())


@pytest.mark.parametrize("name", MODELS)
def test_builders_are_keyword_only(name):
    with pytest.raises(TypeError):
        get_model_builder(name)(10)  # num_classes is keyword-only


ONE_PER_CLASS = ["squeezenet1_0", "mobilenet_v1", "mobilenet_v2", "shufflenet_v1",
                 "shufflenet_v2_x1_0", "efficientnet_b0", "nasnet_a_mobile", "mnasnet1_0",
                 "regnet_y_400mf"]


@pytest.mark.parametrize("name", ONE_PER_CLASS)
def test_norm_and_act_are_injectable(name):
    # norm_layer / act_layer reach every block: swap BN for GroupNorm(1), ReLU-family for GELU.
    model = on_meta(get_model_builder(name), num_classes=7, act_layer=nn.GELU,
                    norm_layer=lambda c: nn.GroupNorm(1, c))
    kinds = {type(m) for m in model.modules()}
    assert nn.GELU in kinds and nn.GroupNorm in kinds
    assert not kinds & {nn.ReLU, nn.ReLU6, nn.SiLU, nn.BatchNorm2d}
    assert cnnlib.summarize(model, (3, 64, 64)).output_shape == (7,)


# ------------------------------------------------------------------------------ parameter counts
# Equality with torchvision (parameters, documented num_params, MACs) for every same-named model:
# tests/test_zoo_names.py.
def test_brief_counts():
    # The numbers the course quotes, recomputed (they equal torchvision's, checked above).
    assert n_params(meta_model("mobilenet_v2")) == 3_504_872
    assert n_params(meta_model("efficientnet_b0")) == 5_288_548
    assert n_params(meta_model("mnasnet1_0")) == 4_383_312
    assert n_params(meta_model("regnet_y_400mf")) == 4_344_144


@pytest.mark.parametrize("width", [0.5, 0.75, 1.4])
def test_mobilenet_v2_width_mult_matches_torchvision(width):
    ours = on_meta(get_model_builder("mobilenet_v2"), width_mult=width)
    theirs = on_meta(torchvision.models.mobilenet_v2, width_mult=width)
    assert n_params(ours) == n_params(theirs)


@pytest.mark.parametrize("width,name",
                         [(0.5, "mnasnet0_5"), (0.75, "mnasnet0_75"), (1.3, "mnasnet1_3")])
def test_mnasnet_width_mult_matches_torchvision(width, name):
    assert n_params(on_meta(MNASNet, width_mult=width)) == n_params(
        torchvision_model(name))


def test_mobilenet_v1_params_and_macs_match_paper():
    summary = cnnlib.summarize(meta_model("mobilenet_v1"), (3, 224, 224))
    # Howard et al. Table 8 (1.0 MobileNet-224): 4.2M parameters, 569M mult-adds.
    assert 4_200_000 <= summary.total_params <= 4_300_000
    assert abs(summary.total_macs / 569e6 - 1) < 0.01
    # Width multiplier: cost falls roughly as alpha^2 (Section 3.3, Table 6: 0.5 -> 149M).
    half = cnnlib.summarize(on_meta(MobileNetV1, width_mult=0.5), (3, 224, 224))
    assert abs(half.total_macs / 149e6 - 1) < 0.01


def test_shufflenet_v1_params_and_macs_match_paper():
    summary = cnnlib.summarize(meta_model("shufflenet_v1"), (3, 224, 224))
    assert 1_800_000 <= summary.total_params <= 1_950_000
    # Table 1 is designed so every g costs ~140 MFLOPs (the paper's FLOPs are mult-adds).
    for g in (1, 2, 3, 4, 8):
        macs = cnnlib.summarize(on_meta(ShuffleNetV1, groups=g), (3, 224, 224)).total_macs
        assert abs(macs / 140e6 - 1) < 0.05, (g, macs)


def test_shufflenet_v2_macs_match_paper():
    # Ma et al. Table 5: 41M, 146M, 299M, 591M FLOPs (= mult-adds).
    for name, paper in (("x0_5", 41e6), ("x1_0", 146e6), ("x1_5", 299e6), ("x2_0", 591e6)):
        model = meta_model(f"shufflenet_v2_{name}")
        assert abs(cnnlib.summarize(model, (3, 224, 224)).total_macs / paper - 1) < 0.02


def test_nasnet_mobile_params_and_macs_match_paper():
    summary = cnnlib.summarize(meta_model("nasnet_a_mobile"), (3, 224, 224))
    # Zoph et al., mobile ImageNet results: NASNet-A (4 @ 1056), 5.3M params, 564M mult-adds.
    assert 5_200_000 <= summary.total_params <= 5_400_000
    assert abs(summary.total_macs / 564e6 - 1) < 0.01


def test_regnet_y_400mf_macs_match_name():
    macs = cnnlib.summarize(meta_model("regnet_y_400mf"), (3, 224, 224)).total_macs
    assert abs(macs / 400e6 - 1) < 0.05  # "400MF" counts mult-adds (paper Section 3)


@pytest.mark.parametrize("name", ["mobilenet_v2", "shufflenet_v2_x1_0", "efficientnet_b0"])
def test_macs_match_flop_counter(name):
    ours = meta_model(name)
    summary_macs = cnnlib.summarize(ours, (3, 224, 224)).total_macs
    assert summary_macs == tv_flop_macs(torchvision_model(name), 224)
    assert summary_macs == tv_flop_macs(ours, 224)


# ------------------------------------------------------------------------------ EfficientNet scaling
def test_compound_scaling_values():
    for phi in range(1, 8):
        s = compound_scaling(phi)
        assert s.depth == pytest.approx(1.2**phi)
        assert s.width == pytest.approx(1.1**phi)
        assert s.resolution_mult == pytest.approx(1.15**phi)
        assert s.resolution == round(224 * 1.15**phi)
        assert s.flops_mult == pytest.approx((1.2 * 1.1**2 * 1.15**2) ** phi)
    assert compound_scaling(0) == compound_scaling(0.0)
    base = compound_scaling(0)
    assert (base.depth, base.width, base.resolution) == (1, 1, 224)
    # Spot values: phi=1 -> 258 px, phi=7 -> 596 px (the released B7 uses 600).
    assert [compound_scaling(p).resolution for p in (1, 7)] == [258, 596]


def test_compound_scaling_is_monotonic_and_flops_double():
    scales = [compound_scaling(phi) for phi in range(8)]
    for a, b in zip(scales, scales[1:]):
        assert b.depth > a.depth and b.width > a.width and b.resolution > a.resolution
    # The constraint alpha * beta^2 * gamma^2 ~= 2 (Eq. 3): FLOPs ~double per unit of phi.
    alpha, beta, gamma = 1.2, 1.1, 1.15
    assert abs(alpha * beta**2 * gamma**2 - 2) < 0.1
    assert scales[1].flops_mult == pytest.approx(alpha * beta**2 * gamma**2)
    # The networks built from the formula grow in every dimension at every step.
    models = [on_meta(efficientnet_phi, phi=phi) for phi in range(8)]
    for a, b in zip(models, models[1:]):
        assert b.default_input_size > a.default_input_size
        assert b.fc.in_features > a.fc.in_features
        assert sum(s.repeats for s in b.stage_table) > sum(s.repeats for s in a.stage_table)
        assert all(sb.out_channels >= sa.out_channels for sa, sb in zip(a.stage_table, b.stage_table))
        assert n_params(b) > n_params(a)
        assert b.dropout.p > a.dropout.p
    # The released table's rounded steps: B1 keeps B0's width, and B1 and B2 have the same block
    # counts (depth 1.1 and 1.2 round every stage's repeats up to the same number); resolution
    # and the parameter count still grow at every step, dropout never falls.
    released = [meta_model(f"efficientnet_b{i}") for i in range(8)]
    assert released[1].fc.in_features == released[0].fc.in_features == 1280
    assert [s.repeats for s in released[1].stage_table] == [s.repeats for s in released[2].stage_table]
    for a, b in zip(released, released[1:]):
        assert b.default_input_size > a.default_input_size and n_params(b) > n_params(a)
        assert b.fc.in_features >= a.fc.in_features and b.dropout.p >= a.dropout.p


@pytest.mark.parametrize("bad", [dict(phi=-1), dict(phi=float("nan")), dict(phi=1, alpha=0.9),
                                 dict(phi=1, gamma=0), dict(phi=1, base_resolution=0)])
def test_compound_scaling_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        compound_scaling(**bad)


def test_efficientnet_variants_rejected_outside_their_range():
    for index in (-1, 8, 1.0, True):
        with pytest.raises(ValueError, match="B0..B7"):
            released_variant(index)
    for phi in (-1, 8, 0.5, True):
        with pytest.raises(ValueError, match="0..7"):
            phi_variant(phi)
        with pytest.raises(ValueError, match="0..7"):
            efficientnet_phi(phi)


def _docstring_table(prefix: str) -> dict[int, list[str]]:
    rows = re.findall(rf"^{prefix}(\d)\s+(.+)$", effnet.__doc__, flags=re.M)
    return {int(i): cols.split() for i, cols in rows}


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def test_efficientnet_docstring_tables_are_computed():
    """Every number of the module docstring's two tables, recomputed here: the released B0-B7
    from EFFICIENTNET_RELEASED, our models and torchvision's; phi1-phi7 from Eq. 3."""
    released = _docstring_table("b")
    assert sorted(released) == list(range(8))
    for i, (width, depth, res, dropout, params, macs) in released.items():
        v = released_variant(i)
        assert v is EFFICIENTNET_RELEASED[i] and v.name == f"efficientnet_b{i}"
        assert (float(width), float(depth), int(res), float(dropout)) == (
            v.width, v.depth, v.resolution, v.dropout)
        model, tv = meta_model(v.name), torchvision_model(v.name)
        assert model.default_input_size == v.resolution
        assert model.dropout.p == v.dropout == tv.classifier[0].p  # torchvision's dropout
        summary = cnnlib.summarize(model, (3, v.resolution, v.resolution))
        assert summary.total_params == n_params(tv) == _count(params)
        assert summary.total_macs == _count(macs)
    computed = _docstring_table("phi")
    assert sorted(computed) == list(range(1, 8))
    for phi, (width, depth, res, dropout, params, macs) in computed.items():
        v, s = phi_variant(phi), compound_scaling(phi)
        assert v.name == f"efficientnet_phi{phi}"
        assert (v.width, v.depth, v.resolution) == (s.width, s.depth, s.resolution)
        assert width == f"{v.width:.4f}" and depth == f"{v.depth:.4f}" and int(res) == v.resolution
        assert dropout == f"{v.dropout:.3f}" and v.dropout == pytest.approx(0.2 + 0.3 * phi / 7)
        model = meta_model(v.name)
        assert model.default_input_size == v.resolution and model.dropout.p == v.dropout
        summary = cnnlib.summarize(model, (3, v.resolution, v.resolution))
        assert summary.total_params == _count(params) and summary.total_macs == _count(macs)


def test_efficientnet_phi_family():
    """phi=0 is B0; phi=1's width and depth are the released B2's (the docstring's example);
    and torchvision's EfficientNet class built with Eq. 3's multipliers equals ours, so the
    two families differ only in their multipliers."""
    from torchvision.models.efficientnet import EfficientNet as TVEfficientNet
    from torchvision.models.efficientnet import _efficientnet_conf

    b0, phi0 = meta_model("efficientnet_b0"), on_meta(efficientnet_phi, phi=0)
    assert n_params(phi0) == n_params(b0) and phi0.default_input_size == 224
    b2, phi1 = released_variant(2), phi_variant(1)
    assert (phi1.width, phi1.depth) == pytest.approx((b2.width, b2.depth))
    assert n_params(meta_model("efficientnet_phi1")) == n_params(torchvision_model("efficientnet_b2"))
    # The module docstring's (and chapter 10's) comparison at the same index N: the released BN
    # is shallower and cheaper than phiN; its resolution passes the formula's from B5 on, its
    # width from B6 on.
    for n in range(1, 8):
        r, f = released_variant(n), phi_variant(n)
        rm, fm = meta_model(r.name), meta_model(f.name)
        assert r.depth < f.depth and n_params(rm) < n_params(fm)
        assert (cnnlib.summarize(rm, (3, r.resolution, r.resolution)).total_macs
                < cnnlib.summarize(fm, (3, f.resolution, f.resolution)).total_macs)
        assert (r.resolution > f.resolution) == (n >= 5) and (r.width > f.width) == (n >= 6)
    for phi in (3,):
        s = compound_scaling(phi)
        ours = meta_model(f"efficientnet_phi{phi}")
        setting, _ = _efficientnet_conf(f"efficientnet_b{phi}", width_mult=s.width, depth_mult=s.depth)
        with torch.device("meta"):
            theirs = TVEfficientNet(setting, dropout=0.0, last_channel=ours.fc.in_features)
        assert n_params(ours) == n_params(theirs)


def test_mbconv_structure():
    block = MBConv(40, 40, expand_ratio=6, kernel_size=5, stride=1, drop_path_rate=0.1)
    assert block.use_residual
    assert block.block.se.fc1.out_channels == 10  # squeeze = in_channels / 4 (torchvision)
    dw = block.block.depthwise[0]
    assert dw.groups == dw.in_channels == dw.out_channels == 240 and dw.kernel_size == (5, 5)
    assert isinstance(block.block.depthwise[2], nn.SiLU)
    assert len(block.block.project) == 2  # linear projection: conv + norm, no activation
    assert not MBConv(40, 80, expand_ratio=6, kernel_size=3, stride=2).use_residual
    with pytest.raises(ValueError):
        MBConv(16, 16, expand_ratio=6, kernel_size=4, stride=1)


def test_efficientnet_stochastic_depth_schedule():
    model = on_meta(get_model_builder("efficientnet_b0"), drop_path_rate=0.2)
    blocks = [b for name, b in model.named_modules() if isinstance(b, MBConv)]
    total = sum(s.repeats for s in EFFICIENTNET_B0_STAGES)
    assert len(blocks) == total == 16
    for i, b in enumerate(blocks):
        if b.use_residual:
            assert b.drop_path.p == pytest.approx(0.2 * i / total)
        else:
            assert isinstance(b.drop_path, nn.Identity)
    assert EfficientNetStage(6, 3, 2, 16, 24, 2) == EFFICIENTNET_B0_STAGES[1]


# ------------------------------------------------------------------------------ RegNet widths
REGNET_TORCHVISION = [  # (builder, d, w_0, w_a, w_m, g, se) as in torchvision / pycls configs
    ("regnet_y_400mf", 16, 48, 27.89, 2.09, 8, 0.25),
    ("regnet_y_800mf", 14, 56, 38.84, 2.4, 16, 0.25),
    ("regnet_y_1_6gf", 27, 48, 20.71, 2.65, 24, 0.25),
    ("regnet_y_3_2gf", 21, 80, 42.63, 2.66, 24, 0.25),
    ("regnet_y_8gf", 17, 192, 76.82, 2.19, 56, 0.25),
    ("regnet_y_16gf", 18, 200, 106.23, 2.48, 112, 0.25),
    ("regnet_y_32gf", 20, 232, 115.89, 2.53, 232, 0.25),
    ("regnet_x_400mf", 22, 24, 24.48, 2.54, 16, None),
    ("regnet_x_800mf", 16, 56, 35.73, 2.28, 16, None),
    ("regnet_x_1_6gf", 18, 80, 34.01, 2.25, 24, None),
    ("regnet_x_3_2gf", 25, 88, 26.31, 2.25, 48, None),
]


@pytest.mark.parametrize("name,d,w0,wa,wm,g,se", REGNET_TORCHVISION)
def test_regnet_widths_match_torchvision(name, d, w0, wa, wm, g, se):
    from torchvision.models.regnet import BlockParams

    ours = regnet_widths(RegNetParams(depth=d, w_0=w0, w_a=wa, w_m=wm, group_width=g, se_ratio=se))
    theirs = BlockParams.from_init_params(depth=d, w_0=w0, w_a=wa, w_m=wm, group_width=g)
    assert [s.width for s in ours] == theirs.widths
    assert [s.depth for s in ours] == theirs.depths
    assert [s.group_width for s in ours] == theirs.group_widths
    assert sum(s.depth for s in ours) == d
    if name in ("regnet_y_800mf", "regnet_x_400mf", "regnet_x_800mf"):  # whole model, small ones
        model = on_meta(RegNet, params=RegNetParams(depth=d, w_0=w0, w_a=wa, w_m=wm,
                                                    group_width=g, se_ratio=se))
        assert n_params(model) == n_params(torchvision_model(name))


def test_regnet_y_400mf_widths_follow_the_linear_rule():
    stages = regnet_widths(REGNET_Y_400MF)
    assert [(s.width, s.depth) for s in stages] == [(48, 1), (104, 3), (208, 6), (440, 6)]
    # Eq. 2-4 by hand for the last block: u = 48 + 27.89 * 15, s = round(log_2.09(u / 48)).
    u = 48 + 27.89 * 15
    s = round(math.log(u / 48) / math.log(2.09))
    assert round(48 * 2.09**s / 8) * 8 == stages[-1].width
    with pytest.raises(ValueError):
        regnet_widths(RegNetParams(depth=16, w_0=50, w_a=27.89, w_m=2.09, group_width=8))
    with pytest.raises(ValueError):
        regnet_widths(RegNetParams(depth=16, w_0=48, w_a=27.89, w_m=1.0, group_width=8))


# ------------------------------------------------------------------------------ shapes
def test_shapes_mobilenet():
    v1 = meta_model("mobilenet_v1")
    names = ["body.stem"] + [f"body.dwsep{i}" for i in (1, 3, 5, 11, 13)]
    # Howard et al. Table 1, output sizes at 224x224.
    assert traced_shapes(v1, 224, names) == {
        "body.stem": (32, 112, 112), "body.dwsep1": (64, 112, 112), "body.dwsep3": (128, 56, 56),
        "body.dwsep5": (256, 28, 28), "body.dwsep11": (512, 14, 14), "body.dwsep13": (1024, 7, 7)}
    v2 = meta_model("mobilenet_v2")
    names = ["body.stem", *(f"body.stage{i}" for i in range(1, 8)), "body.last"]
    # Sandler et al. Table 2: each row's input is the previous row's output.
    assert list(traced_shapes(v2, 224, names).values()) == [
        (32, 112, 112), (16, 112, 112), (24, 56, 56), (32, 28, 28), (64, 14, 14), (96, 14, 14),
        (160, 7, 7), (320, 7, 7), (1280, 7, 7)]
    # summarize's rows agree with the hooks.
    summary = cnnlib.summarize(v2, (3, 224, 224))
    assert summary.row("body.last.0").output_shape == (1280, 7, 7)
    assert summary.row("fc").output_shape == (1000,)


def test_shapes_efficientnet_b0_table_1():
    model = meta_model("efficientnet_b0")
    names = ["body.stem", *(f"body.stage{i}" for i in range(1, 8)), "body.head_conv"]
    # Tan & Le Table 1: resolutions 112, 112, 56, 28, 14, 14, 7, 7 and the 1280-channel head.
    assert list(traced_shapes(model, 224, names).values()) == [
        (32, 112, 112), (16, 112, 112), (24, 56, 56), (40, 28, 28), (80, 14, 14), (112, 14, 14),
        (192, 7, 7), (320, 7, 7), (1280, 7, 7)]


def test_shapes_shufflenets():
    v1 = meta_model("shufflenet_v1")
    names = ["stem.conv", "stem.pool", "stages.stage2", "stages.stage3", "stages.stage4"]
    # Zhang et al. Table 1 (g = 3): 112, 56, 28 x 240, 14 x 480, 7 x 960.
    assert list(traced_shapes(v1, 224, names).values()) == [
        (24, 112, 112), (24, 56, 56), (240, 28, 28), (480, 14, 14), (960, 7, 7)]
    v2 = meta_model("shufflenet_v2_x1_0")
    names = ["stem.pool", "stages.stage2", "stages.stage3", "stages.stage4", "conv5"]
    # Ma et al. Table 5 (1x): 56, 28 x 116, 14 x 232, 7 x 464, conv5 7 x 1024.
    assert list(traced_shapes(v2, 224, names).values()) == [
        (24, 56, 56), (116, 28, 28), (232, 14, 14), (464, 7, 7), (1024, 7, 7)]


def test_shapes_squeezenet_table_1():
    model = meta_model("squeezenet1_0")
    names = ["body.conv1", "body.pool1", "body.fire2", "body.fire4", "body.pool2", "body.fire6",
             "body.fire8", "body.pool3", "body.fire9", "classifier.conv10"]
    # Iandola et al. Table 1 (227x227 input): 111, 55, ..., conv10 13 x 13 x 1000.
    assert list(traced_shapes(model, 227, names).values()) == [
        (96, 111, 111), (96, 55, 55), (128, 55, 55), (256, 55, 55), (256, 27, 27),
        (384, 27, 27), (512, 27, 27), (512, 13, 13), (512, 13, 13), (1000, 13, 13)]
    # Table 1's parameter column (bias included) for fire2: 11,920 with the 1x1/3x3 split.
    fire2 = Fire(96, 16, 64, 64)
    assert n_params(fire2) == 96 * 16 + 16 + 16 * 64 + 64 + 16 * 64 * 9 + 64 == 11_920
    assert Fire(96, 16, 64, 64).out_channels == 128


def test_shapes_nasnet_mnasnet_regnet():
    nas = meta_model("nasnet_a_mobile")
    shapes = traced_shapes(nas, 224, ["stem"] + [f"cells.{i}" for i in range(16)])
    c = 1056 // 24  # 44 filters in the first stage, doubled at each reduction
    expected = [(32, 111, 111), (4 * c // 4, 56, 56), (4 * c // 2, 28, 28)]
    for stage in range(3):
        if stage:
            expected.append((4 * c * 2**stage, 28 >> stage, 28 >> stage))  # reduction cell
        expected += [(6 * c * 2**stage, 28 >> stage, 28 >> stage)] * 4    # N = 4 normal cells
    assert list(shapes.values()) == expected
    assert expected[-1] == (1056, 7, 7)

    mnas = meta_model("mnasnet1_0")
    names = ["body.sep_pointwise", *(f"body.stage{i}" for i in range(1, 7)), "body.head_conv"]
    assert list(traced_shapes(mnas, 224, names).values()) == [
        (16, 112, 112), (24, 56, 56), (40, 28, 28), (80, 14, 14), (96, 14, 14), (192, 7, 7),
        (320, 7, 7), (1280, 7, 7)]

    reg = meta_model("regnet_y_400mf")
    names = ["stem", *(f"stages.stage{i}" for i in range(1, 5))]
    assert list(traced_shapes(reg, 224, names).values()) == [
        (32, 112, 112), (48, 56, 56), (104, 28, 28), (208, 14, 14), (440, 7, 7)]


# ------------------------------------------------------------------------------ channel shuffle
def _changed_groups(branch: nn.Module, x: torch.Tensor, dx: torch.Tensor, groups: int) -> list[bool]:
    with torch.no_grad():
        delta = (branch(x + dx) - branch(x)).abs().amax(dim=(0, 2, 3))
    size = delta.numel() // groups
    return [bool(delta[g * size:(g + 1) * size].max() > 1e-6) for g in range(groups)]


def test_channel_shuffle_lets_groups_talk():
    """Perturb only the first group's input channels: with the shuffle, every output group of
    the second grouped 1x1 conv changes; without it, only the first one (Fig. 1a vs 1b)."""
    torch.manual_seed(0)
    unit = ShuffleV1Unit(48, 48, 1, groups=3).eval()
    x = torch.randn(1, 48, 8, 8)
    dx = torch.zeros_like(x)
    dx[:, :16] = torch.randn(1, 16, 8, 8)
    assert _changed_groups(unit.branch, x, dx, 3) == [True, True, True]
    no_shuffle = copy.deepcopy(unit.branch)
    no_shuffle.shuffle = nn.Identity()
    assert _changed_groups(no_shuffle, x, dx, 3) == [True, False, False]


def test_shufflenet_v1_shuffle_placement():
    model = meta_model("shufflenet_v1")
    units = [m for m in model.modules() if isinstance(m, ShuffleV1Unit)]
    assert len(units) == 16  # 4 + 8 + 4
    first = units[0].branch
    assert first.gconv1[0].groups == 1 and not hasattr(first, "shuffle")  # Table 1 note
    for unit in units[1:]:
        names = [n for n, _ in unit.branch.named_children()]
        assert names == ["gconv1", "shuffle", "depthwise", "gconv2"]
        assert unit.branch.gconv1[0].groups == unit.branch.shuffle.groups == 3
        assert unit.branch.gconv2[0].groups == 3
    with pytest.raises(ValueError, match="groups"):
        ShuffleNetV1(groups=5)


def test_shufflenet_v2_unit_splits_and_shuffles():
    torch.manual_seed(0)
    unit = ShuffleV2Unit(16, 16, 1).eval()
    x = torch.randn(2, 16, 6, 6)
    with torch.no_grad():
        expected = channel_shuffle(torch.cat([x[:, :8], unit.right(x[:, 8:])], dim=1), 2)
        assert torch.equal(unit(x), expected)
    assert unit.shuffle.groups == 2
    down = ShuffleV2Unit(16, 32, 2)
    assert down(torch.randn(1, 16, 8, 8)).shape == (1, 32, 4, 4)
    with pytest.raises(ValueError):
        ShuffleV2Unit(16, 32, 1)


# ------------------------------------------------------------------------------ depthwise convs
DEPTHWISE_COUNTS = {
    "mobilenet_v1": 13,          # Table 1: 13 "Conv dw" rows
    "mobilenet_v2": 17,          # Table 2: sum of n
    "efficientnet_b0": 16,       # Table 1: sum of #layers
    "mnasnet1_0": 1 + 16,        # separable stem + 16 MBConv blocks
    "shufflenet_v2_x1_0": 16 + 3,  # one per unit + the left branch of 3 stride-2 units
    "shufflenet_v1": 16,
}


@pytest.mark.parametrize("name", sorted(DEPTHWISE_COUNTS) + ["nasnet_a_mobile"])
def test_depthwise_convs_have_one_group_per_channel(name):
    model = meta_model(name)
    dws = [m for n, m in model.named_modules()
           if isinstance(m, nn.Conv2d) and ("depthwise" in n or "sep_depthwise" in n)]
    assert dws
    for conv in dws:
        assert conv.groups == conv.in_channels == conv.out_channels
    if name in DEPTHWISE_COUNTS:
        assert len(dws) == DEPTHWISE_COUNTS[name]
    # Apart from ShuffleNet V1's grouped 1x1 convs, the depthwise convs are the only grouped ones.
    grouped = [m for m in model.modules() if isinstance(m, nn.Conv2d) and m.groups > 1]
    if name != "shufflenet_v1":
        assert len(grouped) == len(dws)


def _conv_weights(module: nn.Module) -> int:
    return sum(m.weight.numel() for m in module.modules() if isinstance(m, nn.Conv2d))


@settings(max_examples=25, deadline=None)
@given(m=st.integers(1, 96), n=st.integers(1, 96), k=st.sampled_from([1, 3, 5, 7]))
def test_depthwise_separable_savings_ratio(m, n, k):
    """Howard et al. Eq. 5: separable / standard cost = 1/N + 1/k^2 (weights, and MACs per pixel)."""
    separable = SeparableConv2d(m, n, k) if k != 3 else DepthwiseSeparableConv(m, n)
    standard = nn.Conv2d(m, n, k, bias=False)
    ratio = Fraction(_conv_weights(separable), _conv_weights(standard))
    assert ratio == Fraction(1, n) + Fraction(1, k * k)


def test_depthwise_separable_mac_ratio():
    m, n = 32, 64
    sep = cnnlib.summarize(DepthwiseSeparableConv(m, n), (m, 14, 14))
    std = cnnlib.summarize(nn.Conv2d(m, n, 3, padding=1, bias=False), (m, 14, 14))
    assert Fraction(sep.total_macs, std.total_macs) == Fraction(1, n) + Fraction(1, 9)


# ------------------------------------------------------------------------------ misc blocks
def test_make_divisible_rule():
    values = (32 * 0.5, 24 * 0.75, 16 * 0.35, 1280 * 1.4)
    assert [make_divisible(v, 8) for v in values] == [16, 24, 8, 1792]
    assert make_divisible(83, 8) == 80  # nearest multiple ...
    assert make_divisible(10, 8) == 16  # ... unless that is more than 10% below (8 < 0.9 * 10)
    with pytest.raises(ValueError):
        make_divisible(0, 8)


def test_make_divisible_is_torchvisions_mobilenet_and_mnasnet_rounding():
    from torchvision.models._utils import _make_divisible as tv_make_divisible
    from torchvision.models.mnasnet import _round_to_multiple_of

    for divisor in (4, 8, 16):
        for value in [x / 8 for x in range(1, 8 * 600)]:
            ours = make_divisible(value, divisor)
            assert ours == tv_make_divisible(value, divisor) == _round_to_multiple_of(value, divisor)


def test_inverted_residual_linear_bottleneck():
    block = InvertedResidual(24, 24, 1, 6)
    assert block.use_residual
    assert [n for n, _ in block.block.named_children()] == ["expand", "depthwise", "project"]
    assert len(block.block.project) == 2  # no activation after the projection
    assert not InvertedResidual(24, 32, 1, 6).use_residual
    with pytest.raises(ValueError):
        InvertedResidual(24, 24, 3, 6)


def test_squeezenet_optional_norm():
    assert not any(isinstance(m, nn.BatchNorm2d) for m in meta_model("squeezenet1_1").modules())
    with_bn = on_meta(get_model_builder("squeezenet1_1"), norm_layer=nn.BatchNorm2d)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in with_bn.modules()) == 1 + 8 * 3
    with pytest.raises(ValueError):
        Fire(96, 0, 64, 64)


def test_nasnet_options_and_errors():
    model = on_meta(NASNet, drop_path_rate=0.3)
    rates = [cell.drop_path.p for cell in model.cells]
    assert rates[:2] == [0.0, 0.0]  # stem cells
    assert rates[2:] == pytest.approx([0.3 * (i + 1) / 14 for i in range(14)])
    model.set_drop_path_rate(0.0)
    assert all(cell.drop_path.p == 0.0 for cell in model.cells)
    with pytest.raises(ValueError, match="multiple of 24"):
        NASNet(penultimate_filters=1000)


def test_friendly_input_errors():
    model = cnnlib.get_model("mobilenet_v2", num_classes=10)
    with pytest.raises(ValueError, match="expects input of shape"):
        model(torch.randn(1, 1, 64, 64))


def test_small_mobilenet_pair_same_layout_cheaper_blocks():
    from cnnlib.models.mobilenet import DepthwiseSeparableConv, small_mobilenet

    torch.manual_seed(0)
    std, sep = small_mobilenet(separable=False), small_mobilenet()
    assert sum(isinstance(m, DepthwiseSeparableConv) for m in sep.modules()) == 3
    assert not any(isinstance(m, DepthwiseSeparableConv) for m in std.modules())
    a, b = cnnlib.summarize(std, (3, 8, 8)), cnnlib.summarize(sep, (3, 8, 8))
    assert b.total_params < a.total_params and b.total_macs < a.total_macs
    # the same maps come out of both: 128 channels at 1/8 of the side
    assert std.features(torch.randn(1, 3, 32, 32)).shape == sep.features(torch.randn(1, 3, 32, 32)).shape == (1, 128, 4, 4)
    assert sep(torch.randn(2, 3, 8, 8)).shape == (2, 10)
    assert small_mobilenet(widths=(8, 16), num_classes=5)(torch.randn(1, 3, 8, 8)).shape == (1, 5)
