"""The closed-form formulas against the lectures and against real PyTorch layers."""
import math

import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch import nn

import cnnlib
from cnnlib import (conv_macs, conv_output_size, conv_params, linear_params,
                    pool_output_size, receptive_field)


def test_lecture_examples():
    assert conv_output_size(227, 11, stride=4) == 55        # AlexNet conv1: (227-11)/4+1
    assert pool_output_size(55, 3, stride=2) == 27          # AlexNet pool1
    assert conv_output_size(227, 11, 4, 2) == 56            # torchvision AlexNet conv1
    assert conv_output_size(7, 3, stride=1) == 5
    assert conv_output_size(7, 3, stride=2) == 3
    with pytest.raises(ValueError, match="2.333"):          # (7-3)/3+1 = 2.33: doesn't fit
        conv_output_size(7, 3, stride=3, strict=True)
    assert conv_output_size(7, 3, stride=3) == 2            # PyTorch floors
    assert conv_params(3, 96, 11) == 34_944                 # lecture "35K" (11*11*3*96 = 34,848 + bias)
    assert conv_params(3, 96, 11, bias=False) == 34_848
    assert conv_params(256, 128, 1, bias=False) == 32_768
    assert linear_params(9216, 4096) == 37_752_832
    assert conv_macs(3, 64, 11, 56, 56) == 72_855_552


def test_receptive_field():
    assert receptive_field([(3, 1)] * 3) == 7               # three 3x3 see 7x7
    assert receptive_field([(3, 1)] * 2).size == 5
    rf = receptive_field([(3, 1), (2, 2), (3, 1)])
    assert rf.size == 8 and rf.jump == 2 and rf.per_layer == [3, 4, 8]
    assert receptive_field([(3, 1, 2)]).size == 5           # dilated 3x3 covers 5


def _brute_force_rf(layers):
    """Receptive field measured with autograd: which input pixels reach the centre output."""
    # An input wide enough that the centre output's field lies inside it, away from the borders.
    rf, jump = 1, 1
    for k, s, *dd in layers:
        rf += (dd[0] if dd else 1) * (k - 1) * jump
        jump *= s
    size = 2 * rf + 4 * jump + 1
    convs = [nn.Conv2d(1, 1, k, s, dilation=d, bias=False) for k, s, *dd in layers for d in [dd[0] if dd else 1]]
    for c in convs:
        nn.init.constant_(c.weight, 1.0)
    x = torch.zeros(1, 1, size, size, requires_grad=True)
    y = nn.Sequential(*convs)(x)
    y[0, 0, y.shape[2] // 2, y.shape[3] // 2].backward()
    rows = (x.grad[0, 0].abs().sum(1) > 0).nonzero()
    return int(rows.max() - rows.min() + 1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([1, 2, 3, 5]), st.sampled_from([1, 2]),
                          st.sampled_from([1, 2])), min_size=1, max_size=4))
@example([(1, 2, 1), (1, 2, 1), (1, 2, 1), (5, 1, 2)])  # once too big for a fixed 64x64 input
def test_receptive_field_matches_autograd(layers):
    assert receptive_field(layers).size == _brute_force_rf(layers)


@settings(max_examples=150, deadline=None)
@given(size=st.integers(1, 40), kernel=st.integers(1, 7), stride=st.integers(1, 4),
       padding=st.integers(0, 3), dilation=st.integers(1, 3),
       c_in=st.integers(1, 8), c_out_mult=st.integers(1, 4), groups=st.sampled_from([1, 2]),
       bias=st.booleans())
def test_conv_formulas_match_nn_conv2d(size, kernel, stride, padding, dilation, c_in,
                                       c_out_mult, groups, bias):
    c_in *= groups
    c_out = c_out_mult * groups
    k_eff = dilation * (kernel - 1) + 1
    conv = nn.Conv2d(c_in, c_out, kernel, stride, padding, dilation, groups=groups, bias=bias)
    assert conv_params(c_in, c_out, kernel, bias=bias, groups=groups) == sum(
        p.numel() for p in conv.parameters())
    if size + 2 * padding < k_eff:
        with pytest.raises(ValueError, match="larger than the padded input"):
            conv_output_size(size, kernel, stride, padding, dilation)
        return
    out = conv(torch.zeros(1, c_in, size, size, device="meta"))
    assert conv_output_size(size, kernel, stride, padding, dilation) == out.shape[-1]
    from torch.utils.flop_counter import FlopCounterMode
    x = torch.zeros(1, c_in, size, size)
    with FlopCounterMode(display=False) as fc:
        conv(x)
    assert 2 * conv_macs(c_in, c_out, kernel, out.shape[-2], out.shape[-1], groups=groups) == fc.get_total_flops()


@settings(max_examples=150, deadline=None)
@given(size=st.integers(1, 40), kernel=st.integers(1, 6), stride=st.integers(1, 4),
       padding=st.integers(0, 3), ceil_mode=st.booleans(), avg=st.booleans())
def test_pool_formula_matches_nn_pooling(size, kernel, stride, padding, ceil_mode, avg):
    if padding > kernel // 2 or size + 2 * padding < kernel:
        with pytest.raises(ValueError):
            pool_output_size(size, kernel, stride, padding, ceil_mode=ceil_mode)
        return
    layer = (nn.AvgPool2d(kernel, stride, padding, ceil_mode=ceil_mode) if avg
             else nn.MaxPool2d(kernel, stride, padding, ceil_mode=ceil_mode))
    out = layer(torch.zeros(1, 1, size, size))
    assert pool_output_size(size, kernel, stride, padding, ceil_mode=ceil_mode) == out.shape[-1]


@pytest.mark.parametrize("call, match", [
    (lambda: conv_output_size(0, 3), "size must be >= 1, got 0"),
    (lambda: conv_output_size(-5, 3), "size must be >= 1, got -5"),
    (lambda: conv_output_size(32, 0), "kernel must be >= 1"),
    (lambda: conv_output_size(32, 3, stride=0), "stride must be >= 1"),
    (lambda: conv_output_size(32, 3, padding=-1), "padding must be >= 0"),
    (lambda: conv_output_size(5, 7), "kernel=7 .* larger than the padded input size=5"),
    (lambda: conv_output_size(32.5, 3), "size must be an integer, got 32.5"),
    (lambda: conv_params(6, 8, 3, groups=4), "groups=4 must divide both c_in=6 and c_out=8"),
    (lambda: conv_params(3.5, 8, 3), "c_in must be an integer, got 3.5"),
    (lambda: conv_params(3, 0, 3), "c_out must be >= 1, got 0"),
    (lambda: linear_params(0, 10), "n_in must be >= 1, got 0"),
    (lambda: conv_macs(3, 64, 3, 0, 5), "out_h must be >= 1"),
    (lambda: receptive_field([]), "layers is empty"),
    (lambda: receptive_field([(3,)]), r"layer 0 must be a \(kernel, stride\)"),
    (lambda: pool_output_size(8, 2, padding=2), "padding=2 must be at most half the kernel"),
    (lambda: cnnlib.activation_memory_bytes((64, 0, 56)), r"shape\[1\] must be >= 1"),
])
def test_bad_input_names_argument_and_value(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_integral_floats_are_accepted_and_bools_rejected():
    assert conv_output_size(32.0, 3) == 30
    with pytest.raises(ValueError):
        conv_params(True, 8, 3)
    assert math.isclose(cnnlib.activation_memory_bytes((64, 56, 56)) / 1024, 784)
