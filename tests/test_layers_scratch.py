"""From-scratch norms and activations against their ``torch.nn`` counterparts (the oracle).

Every comparison is in float64 and covers outputs, gradients w.r.t. the input and every
parameter, and buffers (running statistics) after several training steps.
"""
from __future__ import annotations

import itertools
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from cnnlib.layers.activations import (
    ACTIVATIONS,
    ELU,
    GELU,
    SELU,
    LeakyReLU,
    Mish,
    PReLU,
    ReLU,
    SiLU,
    Swish,
    activation_derivative,
    get_activation,
)
from cnnlib.layers.bn_fold import batchnorm_as_affine, fold_batchnorm
from cnnlib.layers.conv_norm_act import ConvNormAct
from cnnlib.layers.factory import make_activation
from cnnlib.layers.norms import (
    BatchNorm1d,
    BatchNorm2d,
    GroupNorm,
    InstanceNorm2d,
    LayerNorm,
    LocalResponseNorm,
    normalization_axes,
)
from cnnlib.layers.weight_init import (
    apply_init,
    he_normal_,
    he_uniform_,
    lecun_uniform_,
    small_normal_,
    zero_init_last_norm_,
    zero_init_residuals_,
)

DT = torch.float64
HYP = settings(max_examples=20, deadline=None, database=None)


def assert_close(actual, expected, *, rtol: float = 1e-7, atol: float = 1e-9, msg: str = ""):
    """``torch.testing.assert_close`` without its first-call import cost (seconds on a busy CPU)."""
    if actual is None or expected is None:
        assert actual is None and expected is None, f"{msg}: {actual!r} vs {expected!r}"
        return
    assert actual.shape == expected.shape, f"{msg}: shape {actual.shape} vs {expected.shape}"
    assert actual.dtype == expected.dtype, f"{msg}: dtype {actual.dtype} vs {expected.dtype}"
    if not actual.is_floating_point():
        assert torch.equal(actual, expected), f"{msg}: {actual} vs {expected}"
        return
    if not torch.allclose(actual, expected, rtol=rtol, atol=atol):
        diff = (actual - expected).abs().max().item()
        raise AssertionError(f"{msg}: max abs diff {diff:.3e} (rtol={rtol}, atol={atol})")


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _randn(*shape: int, gen: torch.Generator, scale: float = 1.0, shift: float = 0.0):
    return torch.randn(*shape, generator=gen, dtype=DT) * scale + shift


def _pair(ours: nn.Module, theirs: nn.Module, gen: torch.Generator) -> tuple[nn.Module, nn.Module]:
    """Give torch's module random parameters and copy its whole state into ours."""
    theirs = theirs.to(DT)
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=DT))
    ours = ours.to(DT)
    ours.load_state_dict(theirs.state_dict())  # strict: same parameter and buffer names
    return ours, theirs


def _compare_step(
    ours: nn.Module, theirs: nn.Module, x: torch.Tensor, gen: torch.Generator, ignore=()
):
    """One forward/backward through both; outputs, grads and buffers (but ``ignore``) agree."""
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    ya, yb = ours(xa), theirs(xb)
    assert_close(ya, yb)
    g = torch.randn(yb.shape, generator=gen, dtype=DT)
    (ya * g).sum().backward()
    (yb * g).sum().backward()
    assert_close(xa.grad, xb.grad)
    params_a, params_b = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert params_a.keys() == params_b.keys()
    for name, p in params_b.items():
        assert_close(params_a[name].grad, p.grad, msg=name)
    buffers_a, buffers_b = dict(ours.named_buffers()), dict(theirs.named_buffers())
    assert buffers_a.keys() == buffers_b.keys()
    for name, b in buffers_b.items():
        if name not in ignore:
            assert_close(buffers_a[name], b, msg=name)
    ours.zero_grad()
    theirs.zero_grad()


def _train_then_eval(ours, theirs, shape, gen, steps: int = 3, ignore=()):
    ours.train()
    theirs.train()
    for step in range(steps):  # shifted, scaled inputs so running stats move far from 0 / 1
        x = _randn(*shape, gen=gen, scale=2.0 + step, shift=1.5)
        _compare_step(ours, theirs, x, gen, ignore)
    ours.eval()
    theirs.eval()
    _compare_step(ours, theirs, _randn(*shape, gen=gen, scale=3.0, shift=-1.0), gen, ignore)


# --------------------------------------------------------------------------- BatchNorm


@pytest.mark.parametrize("shape", [(4, 3, 5, 5), (2, 6, 3, 7)])
@pytest.mark.parametrize("momentum", [0.1, 0.7, None])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("track", [True, False])
def test_batchnorm2d_matches_torch(shape, momentum, affine, track):
    gen = _gen(1)
    kw = {"momentum": momentum, "affine": affine, "track_running_stats": track}
    ours, theirs = _pair(BatchNorm2d(shape[1], **kw), nn.BatchNorm2d(shape[1], **kw), gen)
    _train_then_eval(ours, theirs, shape, gen)
    if track:
        assert int(ours.num_batches_tracked) == 3
        assert not torch.allclose(ours.running_mean, torch.zeros_like(ours.running_mean))
    else:
        assert ours.running_mean is None and ours.running_var is None


def test_batchnorm2d_without_bias_and_custom_eps():
    gen = _gen(2)
    kw = {"eps": 1e-2, "bias": False}
    ours, theirs = _pair(BatchNorm2d(5, **kw), nn.BatchNorm2d(5, **kw), gen)
    assert ours.bias is None
    _train_then_eval(ours, theirs, (3, 5, 4, 4), gen)


@pytest.mark.parametrize("shape", [(8, 5), (4, 5, 7)])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm1d_matches_torch(shape, momentum):
    gen = _gen(3)
    ours, theirs = _pair(
        BatchNorm1d(5, momentum=momentum), nn.BatchNorm1d(5, momentum=momentum), gen
    )
    _train_then_eval(ours, theirs, shape, gen)


def test_batchnorm_momentum_none_is_cumulative_average():
    """momentum=None: after t batches the running mean is the plain mean of the t batch means."""
    gen = _gen(4)
    bn = BatchNorm2d(3, momentum=None, affine=False).to(DT)
    batches = [_randn(4, 3, 2, 2, gen=gen, scale=s, shift=s) for s in (1.0, 2.0, 3.0, 4.0)]
    for x in batches:
        bn(x)
    expected_mean = torch.stack([x.mean((0, 2, 3)) for x in batches]).mean(0)
    expected_var = torch.stack([x.var((0, 2, 3), unbiased=True) for x in batches]).mean(0)
    assert_close(bn.running_mean, expected_mean)
    assert_close(bn.running_var, expected_var)


def test_all_combinations_of_bn_flags_construct():
    for affine, track, bias in itertools.product([True, False], repeat=3):
        bn = BatchNorm2d(3, affine=affine, track_running_stats=track, bias=bias)
        assert (bn.weight is not None) == affine
        assert (bn.bias is not None) == (affine and bias)
        assert (bn.running_mean is not None) == track


def test_batchnorm_errors():
    bn = BatchNorm2d(4)
    with pytest.raises(ValueError, match=r"expected 4 channels \(dim 1\), got 3"):
        bn(torch.randn(2, 3, 5, 5))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\).*3-D"):
        bn(torch.randn(4, 5, 5))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(torch.randn(1, 4, 1, 1))
    assert bn.eval()(torch.randn(1, 4, 1, 1)).shape == (1, 4, 1, 1)  # fine with running stats
    with pytest.raises(ValueError, match=r"\(N, C\) or \(N, C, L\)"):
        BatchNorm1d(4)(torch.randn(2, 4, 3, 3))
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm2d(4, momentum=1.5)


# --------------------------------------------------------------------------- LayerNorm


@pytest.mark.parametrize(
    "normalized_shape, shape",
    [(8, (3, 8)), ((4, 5), (2, 3, 4, 5)), ((3, 4, 5), (2, 3, 4, 5)), ([6], (2, 7, 6))],
)
@pytest.mark.parametrize(
    "kw", [{}, {"elementwise_affine": False}, {"bias": False}, {"eps": 1e-3}]
)
def test_layernorm_matches_torch(normalized_shape, shape, kw):
    gen = _gen(5)
    ours, theirs = _pair(
        LayerNorm(normalized_shape, **kw), nn.LayerNorm(normalized_shape, **kw), gen
    )
    for training in (True, False):  # no batch statistics: both modes compute the same
        ours.train(training)
        theirs.train(training)
        _compare_step(ours, theirs, _randn(*shape, gen=gen, scale=2.0, shift=0.5), gen)


def test_layernorm_rejects_wrong_trailing_shape():
    with pytest.raises(ValueError, match=r"normalized_shape \(4, 5\).*\(2, 3, 5, 4\)"):
        LayerNorm((4, 5))(torch.randn(2, 3, 5, 4))


# --------------------------------------------------------------------------- InstanceNorm


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 4, 5)])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("track", [True, False])
@pytest.mark.parametrize("momentum", [0.1, 0.6])
def test_instancenorm2d_matches_torch(shape, affine, track, momentum):
    gen = _gen(6)
    kw = {"affine": affine, "track_running_stats": track, "momentum": momentum}
    ours, theirs = _pair(InstanceNorm2d(3, **kw), nn.InstanceNorm2d(3, **kw), gen)
    # torch's instance norm never counts batches; ours does (documented deviation).
    _train_then_eval(ours, theirs, shape, gen, ignore=("num_batches_tracked",))
    if track:
        assert int(ours.num_batches_tracked) == 3
        assert ours.running_mean.abs().min() > 0.1  # the eval step used moved statistics


def test_instancenorm_momentum_none_is_cumulative_average():
    gen = _gen(7)
    ours = InstanceNorm2d(3, momentum=None, track_running_stats=True).to(DT)
    batches = [_randn(2, 3, 4, 4, gen=gen, scale=s, shift=s) for s in (1.0, 2.0, 3.0)]
    for x in batches:
        ours(x)
    expected_mean = torch.stack([x.mean((2, 3)).mean(0) for x in batches]).mean(0)
    expected_var = torch.stack([x.var((2, 3), unbiased=True).mean(0) for x in batches]).mean(0)
    assert_close(ours.running_mean, expected_mean)
    assert_close(ours.running_var, expected_var)


def test_instancenorm_errors():
    with pytest.raises(ValueError, match=r"expected 3 channels \(dim 1\), got 4"):
        InstanceNorm2d(3)(torch.randn(2, 4, 5, 5))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        InstanceNorm2d(3)(torch.randn(2, 3, 1, 1))


# --------------------------------------------------------------------------- GroupNorm


@pytest.mark.parametrize("groups, channels", [(1, 6), (2, 6), (3, 6), (6, 6), (4, 8)])
@pytest.mark.parametrize("shape_tail, affine", [((3, 4), True), ((5,), False), ((), True)])
def test_groupnorm_matches_torch(groups, channels, shape_tail, affine):
    gen = _gen(8)
    kw = {"affine": affine}
    ours, theirs = _pair(
        GroupNorm(groups, channels, **kw), nn.GroupNorm(groups, channels, **kw), gen
    )
    for training in (True, False):
        ours.train(training)
        theirs.train(training)
        x = _randn(3, channels, *shape_tail, gen=gen, scale=2.0, shift=1.0)
        _compare_step(ours, theirs, x, gen)


def test_groupnorm_errors():
    with pytest.raises(ValueError, match=r"divisible by num_groups \(4\).*\[1, 2, 3, 6\]"):
        GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"expected \(N, 6, \*\) input, got shape \(2, 4, 3, 3\)"):
        GroupNorm(2, 6)(torch.randn(2, 4, 3, 3))


def test_groupnorm_extremes_are_layer_and_instance_norm():
    """Wu & He 2018, Sec. 3.1: G = 1 is LayerNorm over (C, H, W); G = C is InstanceNorm."""
    x = _randn(2, 6, 4, 4, gen=_gen(9))
    gn1, gn6 = GroupNorm(1, 6, affine=False).to(DT), GroupNorm(6, 6, affine=False).to(DT)
    assert_close(gn1(x), LayerNorm((6, 4, 4), elementwise_affine=False)(x))
    assert_close(gn6(x), InstanceNorm2d(6)(x))


# --------------------------------------------------------------------------- LRN


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
@pytest.mark.parametrize(
    "shape, kw",
    [
        ((2, 7, 4, 4), {}),
        ((2, 7, 5), {"alpha": 0.3, "beta": 0.6, "k": 2.0}),
        ((1, 6, 2, 3, 3), {"alpha": 0.5}),
    ],
)
def test_local_response_norm_matches_torch(size, shape, kw):
    gen = _gen(10)
    ours, theirs = _pair(LocalResponseNorm(size, **kw), nn.LocalResponseNorm(size, **kw), gen)
    _compare_step(ours, theirs, _randn(*shape, gen=gen, scale=3.0), gen)


def test_local_response_norm_window_by_hand():
    """Channel 0 of 3 with size=3: window is channels {-1 (zero pad), 0, 1}."""
    x = torch.tensor([1.0, 2.0, 3.0], dtype=DT).reshape(1, 3, 1, 1)
    out = LocalResponseNorm(3, alpha=3.0, beta=1.0, k=1.0)(x)
    # b_0 = 1 / (1 + 3/3 * (0 + 1 + 4)) = 1/6; b_2 = 3 / (1 + (4 + 9 + 0)) = 3/14
    assert_close(out[0, 0, 0, 0], torch.tensor(1 / 6, dtype=DT))
    assert_close(out[0, 2, 0, 0], torch.tensor(3 / 14, dtype=DT))
    with pytest.raises(ValueError, match="at least 3 axes"):
        LocalResponseNorm(3)(torch.randn(2, 3))


# --------------------------------------------------------------------------- axes helper


def _torch_norm(kind: str, c: int, hw: tuple[int, int]) -> nn.Module:
    return {
        "batch": lambda: nn.BatchNorm2d(c, affine=False),
        "layer": lambda: nn.LayerNorm((c, *hw), elementwise_affine=False),
        "instance": lambda: nn.InstanceNorm2d(c),
        "group": lambda: nn.GroupNorm(3, c, affine=False),
    }[kind]().to(DT)


@pytest.mark.parametrize("kind", ["batch", "layer", "instance", "group"])
def test_normalization_axes_match_what_torch_normalizes(kind):
    shape = (4, 6, 5, 5)
    axes = normalization_axes(kind, shape)
    expected = {"batch": (0, 2, 3), "layer": (1, 2, 3), "instance": (2, 3), "group": (1, 2, 3)}
    assert axes == expected[kind]
    out = _torch_norm(kind, 6, (5, 5))(_randn(*shape, gen=_gen(11), scale=3.0, shift=2.0))
    if kind == "group":  # the group axis only shows after the reshape
        out = out.reshape(4, 3, 2, 5, 5)
        axes = (2, 3, 4)
    mean = out.mean(axes)
    var = out.var(axes, unbiased=False)
    assert_close(mean, torch.zeros_like(mean), atol=1e-9, rtol=0)
    assert_close(var, torch.ones_like(var), atol=1e-3, rtol=0)  # eps=1e-5
    for dropped in axes:  # minimal: averaging over fewer axes no longer gives zero means
        fewer = tuple(a for a in axes if a != dropped)
        if fewer:
            assert out.mean(fewer).abs().max() > 1e-3


def test_normalization_axes_other_ranks_and_errors():
    assert normalization_axes("batch", (8, 16)) == (0,)
    assert normalization_axes("layer", (8, 16, 10)) == (1, 2)
    with pytest.raises(ValueError, match="spatial axis"):
        normalization_axes("instance", (8, 16))
    with pytest.raises(ValueError, match="unknown normalization kind 'weight'"):
        normalization_axes("weight", (8, 16, 4, 4))


# --------------------------------------------------------------------------- folding


def _trained_bn(bn: nn.Module, conv: nn.Conv2d, gen: torch.Generator) -> nn.Module:
    bn = bn.to(DT).train()
    with torch.no_grad():
        for _ in range(3):
            bn(conv(_randn(4, conv.in_channels, 9, 9, gen=gen, scale=2.0, shift=1.0)))
        if bn.weight is not None:
            bn.weight.copy_(torch.rand(bn.weight.shape, generator=gen, dtype=DT) + 0.5)
        if bn.bias is not None:
            bn.bias.copy_(torch.randn(bn.bias.shape, generator=gen, dtype=DT))
    return bn.eval()


@pytest.mark.parametrize("bn_cls", [nn.BatchNorm2d, BatchNorm2d])
@pytest.mark.parametrize("conv_bias", [True, False])
@pytest.mark.parametrize(
    "conv_kw", [{}, {"stride": 2, "padding": 1}, {"groups": 2, "dilation": 2, "padding": 2}]
)
def test_fold_batchnorm_equals_conv_then_bn(bn_cls, conv_bias, conv_kw):
    gen = _gen(12)
    conv = nn.Conv2d(4, 6, 3, bias=conv_bias, **conv_kw).to(DT)
    with torch.no_grad():
        for p in conv.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=DT) * 0.3)
    bn = _trained_bn(bn_cls(6), conv, gen)
    assert bn.running_mean.abs().max() > 0.1  # non-trivial running statistics
    weight_before = conv.weight.detach().clone()
    fused = fold_batchnorm(conv, bn)
    x = _randn(2, 4, 9, 9, gen=gen)
    with torch.no_grad():
        assert_close(fused(x), bn(conv(x)))
    assert fused is not conv and fused.bias is not None
    assert torch.equal(conv.weight, weight_before)  # input conv untouched
    assert (conv.bias is None) == (not conv_bias)


def test_batchnorm_as_affine_is_the_eval_map():
    gen = _gen(13)
    conv = nn.Conv2d(3, 5, 1).to(DT)
    layers = [
        nn.BatchNorm2d(5), BatchNorm2d(5), BatchNorm2d(5, affine=False), BatchNorm2d(5, bias=False)
    ]
    for bn in layers:
        bn = _trained_bn(bn, conv, gen)
        scale, shift = batchnorm_as_affine(bn)
        assert scale.shape == shift.shape == (5,) and not scale.requires_grad
        x = _randn(2, 5, 3, 3, gen=gen, scale=2.0)
        with torch.no_grad():
            expected = bn(x)
        assert_close(scale.view(1, 5, 1, 1) * x + shift.view(1, 5, 1, 1), expected)


def test_fold_batchnorm_errors():
    conv = nn.Conv2d(3, 8, 3)
    with pytest.raises(ValueError, match="8 output channels but BatchNorm2d has 6 features"):
        fold_batchnorm(conv, nn.BatchNorm2d(6))
    with pytest.raises(ValueError, match="track_running_stats=False"):
        fold_batchnorm(conv, BatchNorm2d(8, track_running_stats=False))
    with pytest.raises(ValueError, match="expects an nn.Conv2d"):
        fold_batchnorm(nn.Linear(3, 8), nn.BatchNorm1d(8))


# --------------------------------------------------------------------------- activations


def _activation_input(gen: torch.Generator) -> torch.Tensor:
    x = _randn(4, 3, 5, gen=gen, scale=3.0)
    x[0, 0, :] = torch.tensor([0.0, 40.0, -40.0, 800.0, -800.0], dtype=DT)  # kink, far tails
    return x


ACTIVATION_PAIRS = [
    (ReLU, nn.ReLU, {}),
    (LeakyReLU, nn.LeakyReLU, {}),
    (LeakyReLU, nn.LeakyReLU, {"negative_slope": 0.2}),
    (PReLU, nn.PReLU, {}),
    (PReLU, nn.PReLU, {"num_parameters": 3, "init": 0.1}),
    (ELU, nn.ELU, {}),
    (ELU, nn.ELU, {"alpha": 0.5}),
    (SELU, nn.SELU, {}),
    (GELU, nn.GELU, {}),
    (GELU, nn.GELU, {"approximate": "tanh"}),
    (SiLU, nn.SiLU, {}),
    (Swish, nn.SiLU, {}),  # Swish with beta = 1 is the SiLU
    (Mish, nn.Mish, {}),
]


@pytest.mark.parametrize(
    "ours_cls, torch_cls, kw", ACTIVATION_PAIRS, ids=lambda v: getattr(v, "__name__", str(v))
)
@pytest.mark.parametrize("training", [True, False])
def test_activation_matches_torch(ours_cls, torch_cls, kw, training):
    gen = _gen(14)
    ours, theirs = _pair(ours_cls(**kw), torch_cls(**kw), gen)
    ours.train(training)
    theirs.train(training)
    _compare_step(ours, theirs, _activation_input(gen), gen)
    if ours_cls is not Swish:
        assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.5])
def test_swish_beta_fixed_and_trainable(beta):
    """x * sigmoid(beta x) = silu(beta x) / beta; with trainable beta its gradient matches too."""
    x = _activation_input(_gen(15))
    fixed = Swish(beta)
    assert list(fixed.parameters()) == []
    assert_close(fixed(x), nn.functional.silu(beta * x) / beta)

    learned = Swish(beta, trainable=True).to(DT)
    ref_beta = torch.tensor(beta, dtype=DT, requires_grad=True)
    learned(x).square().sum().backward()
    (nn.functional.silu(ref_beta * x) / ref_beta).square().sum().backward()
    assert_close(learned.beta.grad, ref_beta.grad)


def test_selu_constants_give_the_self_normalizing_fixed_point():
    """Klambauer et al. 2017, Eq. 4-5: for z ~ N(0, 1), E[selu(z)] = 0 and E[selu(z)^2] = 1."""
    z = torch.linspace(-12.0, 12.0, 240_001, dtype=DT)  # step 1e-4, 0 is a grid point
    pdf = torch.exp(-0.5 * z.square()) / math.sqrt(2 * math.pi)
    y = SELU()(z)
    mean = torch.trapezoid(y * pdf, z)
    second_moment = torch.trapezoid(y.square() * pdf, z)
    assert abs(float(mean)) < 1e-7
    assert abs(float(second_moment) - 1.0) < 1e-7


DERIVATIVE_CASES = [
    ("relu", {}),
    ("leaky_relu", {"negative_slope": 0.2}),
    ("prelu", {"init": 0.1}),
    ("elu", {"alpha": 0.7}),
    ("selu", {}),
    ("gelu", {}),
    ("gelu", {"approximate": "tanh"}),
    ("silu", {}),
    ("swish", {"beta": 1.5}),
    ("mish", {}),
]


@pytest.mark.parametrize("name, params", DERIVATIVE_CASES)
def test_activation_derivative_matches_autograd(name, params):
    x = _activation_input(_gen(16)).requires_grad_()
    ACTIVATIONS[name](**params).to(DT)(x).sum().backward()
    assert_close(activation_derivative(name, x.detach(), **params), x.grad)


@given(x=st.floats(-30.0, 30.0), name=st.sampled_from(sorted(ACTIVATIONS)))
@HYP
def test_activation_derivative_property(x, name):
    t = torch.tensor([x], dtype=DT, requires_grad=True)
    ACTIVATIONS[name]().to(DT)(t).sum().backward()
    assert_close(activation_derivative(name, t.detach()), t.grad)


def test_registry_and_errors():
    assert get_activation("GELU") is GELU and get_activation("leaky-relu") is LeakyReLU
    for name, cls in ACTIVATIONS.items():
        assert get_activation(name) is cls
    with pytest.raises(ValueError, match="unknown activation 'tanhh'; valid names: elu, gelu"):
        get_activation("tanhh")
    with pytest.raises(ValueError, match="valid names"):
        activation_derivative("softmax", torch.zeros(3))
    with pytest.raises(ValueError, match="bad parameters"):
        activation_derivative("relu", torch.zeros(3), alpha=2.0)
    with pytest.raises(ValueError, match="approximate must be one of"):
        GELU("erf")
    with pytest.raises(ValueError, match=r"num_parameters=3 .* shape \(2, 4, 5\)"):
        PReLU(3)(torch.randn(2, 4, 5))


# --------------------------------------------------------------------------- integration


def test_layers_plug_into_conv_norm_act_and_run_on_meta():
    block = ConvNormAct(
        3, 8, norm_layer=lambda c: GroupNorm(2, c), act_layer=get_activation("mish")
    )
    assert block(torch.randn(2, 3, 8, 8)).shape == (2, 8, 8, 8)
    meta_layers = [
        BatchNorm2d(8), BatchNorm2d(8, momentum=None), InstanceNorm2d(8, track_running_stats=True),
        GroupNorm(4, 8), LayerNorm((8, 4, 4)), LocalResponseNorm(5),
        *(cls() for cls in ACTIVATIONS.values()),
    ]
    for layer in meta_layers:  # cnnlib.summarize traces on the meta device
        out = layer.to("meta")(torch.empty(2, 8, 4, 4, device="meta"))
        assert out.shape == (2, 8, 4, 4) and out.is_meta


def test_norm_reprs_match_torch():
    pairs = [
        (BatchNorm2d(8, momentum=None), nn.BatchNorm2d(8, momentum=None)),
        (BatchNorm1d(4, affine=False), nn.BatchNorm1d(4, affine=False)),
        (LayerNorm((4, 5), bias=False), nn.LayerNorm((4, 5), bias=False)),
        (InstanceNorm2d(3, affine=True), nn.InstanceNorm2d(3, affine=True)),
        (GroupNorm(2, 8), nn.GroupNorm(2, 8)),
        (LocalResponseNorm(5, k=2.0), nn.LocalResponseNorm(5, k=2.0)),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)


# --------------------------------------------------------------------------- properties


@given(
    n=st.integers(2, 4), c=st.integers(1, 4), h=st.integers(1, 4), w=st.integers(1, 4),
    eps=st.floats(1e-6, 1e-1), momentum=st.sampled_from([None, 0.1, 0.9]),
    seed=st.integers(0, 2**16),
)
@HYP
def test_batchnorm2d_property(n, c, h, w, eps, momentum, seed):
    gen = _gen(seed)
    kw = {"eps": eps, "momentum": momentum}
    ours, theirs = _pair(BatchNorm2d(c, **kw), nn.BatchNorm2d(c, **kw), gen)
    _train_then_eval(ours, theirs, (n, c, h, w), gen, steps=2)


@given(
    groups=st.integers(1, 4), per_group=st.integers(1, 3), n=st.integers(1, 3),
    spatial=st.lists(st.integers(1, 4), min_size=0, max_size=2), eps=st.floats(1e-6, 1e-1),
    seed=st.integers(0, 2**16),
)
@HYP
def test_groupnorm_property(groups, per_group, n, spatial, eps, seed):
    c = groups * per_group
    if per_group * math.prod(spatial) == 1:
        spatial = [*spatial, 2]  # a group of one value has no variance to estimate
    gen = _gen(seed)
    ours, theirs = _pair(GroupNorm(groups, c, eps=eps), nn.GroupNorm(groups, c, eps=eps), gen)
    _compare_step(ours, theirs, _randn(n, c, *spatial, gen=gen, scale=2.0), gen)


@given(
    size=st.integers(1, 7), c=st.integers(1, 8), alpha=st.floats(1e-5, 1.0),
    beta=st.floats(0.1, 1.0), k=st.floats(0.5, 3.0), seed=st.integers(0, 2**16),
)
@HYP
def test_local_response_norm_property(size, c, alpha, beta, k, seed):
    gen = _gen(seed)
    kw = {"alpha": alpha, "beta": beta, "k": k}
    ours, theirs = _pair(LocalResponseNorm(size, **kw), nn.LocalResponseNorm(size, **kw), gen)
    _compare_step(ours, theirs, _randn(2, c, 3, 3, gen=gen, scale=2.0), gen)


# --------------------------------------------------------------------------- shared helpers
def test_make_activation_passes_inplace_only_where_accepted():
    assert make_activation(nn.ReLU).inplace is True
    assert make_activation(nn.ReLU, inplace=None).inplace is False
    assert isinstance(make_activation(nn.GELU), nn.GELU)  # takes no inplace flag
    assert isinstance(make_activation(ReLU), ReLU)  # nor do the from-scratch activations


def _drawn(shape, seed, draw):
    """What ``draw`` (a plain torch distribution call) gives on a fresh tensor after ``seed``."""
    torch.manual_seed(seed)
    t = torch.empty(shape)
    draw(t)
    return t


@pytest.mark.parametrize("shape, fan_in, fan_out", [
    ((64, 32, 3, 3), 32 * 9, 64 * 9), ((64, 1, 3, 3), 9, 64 * 9), ((10, 120), 120, 10),
])
def test_init_rules_draw_their_papers_distributions(shape, fan_in, fan_out):
    rules = {  # rule -> the distribution its source gives, written out
        he_normal_: lambda t: t.normal_(0.0, math.sqrt(2.0 / fan_out)),
        lambda w: he_normal_(w, mode="fan_in"): lambda t: t.normal_(0.0, math.sqrt(2.0 / fan_in)),
        he_uniform_: lambda t: t.uniform_(-math.sqrt(6.0 / fan_in), math.sqrt(6.0 / fan_in)),
        small_normal_: lambda t: t.normal_(0.0, 0.01),
        lecun_uniform_: lambda t: t.uniform_(-2.4 / fan_in, 2.4 / fan_in),
    }
    for rule, formula in rules.items():
        ours = _drawn(shape, 3, rule)
        assert_close(ours, _drawn(shape, 3, formula), rtol=1e-6, atol=0.0)


def test_apply_init_goes_in_module_order_and_zeroes_biases():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Linear(4, 2))
    with torch.no_grad():
        model[1].weight.fill_(5.0), model[1].bias.fill_(5.0)
    torch.manual_seed(0)
    apply_init(model, conv=he_normal_, linear=small_normal_)
    torch.manual_seed(0)
    conv_w, linear_w = he_normal_(torch.empty(4, 3, 3, 3)), small_normal_(torch.empty(2, 4))
    assert torch.equal(model[0].weight, conv_w) and torch.equal(model[2].weight, linear_w)
    assert not model[0].bias.any() and not model[2].bias.any()
    assert (model[1].weight == 1).all() and not model[1].bias.any()

    before = [t.clone() for t in model[2].parameters()]
    apply_init(model, conv=he_normal_)  # no rule: the linear layer keeps what it has
    assert all(torch.equal(a, b) for a, b in zip(before, model[2].parameters()))


def test_zero_init_residuals_zeroes_each_blocks_last_norm():
    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bn = nn.BatchNorm2d(4)

        def zero_init_last(self) -> None:
            zero_init_last_norm_(self.bn)

    model = nn.Sequential(Block(), nn.Sequential(Block()), nn.BatchNorm2d(4))
    zero_init_residuals_(model)
    assert not model[0].bn.weight.any() and not model[1][0].bn.weight.any()
    assert (model[2].weight == 1).all()
    with pytest.raises(ValueError, match="needs a norm layer with a scale"):
        zero_init_last_norm_(nn.BatchNorm2d(4, affine=False))
