# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch10_efficient_intro", "locked": true, "schema_version": 3, "solution": false}
# # Chapter 10 exercises: efficient networks
#
# Networks for phones and embedded chips count every parameter and multiply.
# SqueezeNet's **Fire module** squeezes the channels with 1x1 convolutions before
# expanding them; MobileNet's **depthwise-separable convolution** splits a 3x3
# convolution into a per-channel 3x3 filter and a 1x1 mixing step; ShuffleNet's
# **channel shuffle** lets grouped convolutions exchange information; and the
# **MBConv** block of MobileNetV2 / EfficientNet expands, filters depthwise,
# re-weights channels (squeeze-and-excitation) and projects back down.
#
# Answer in the cells marked *YOUR CODE HERE* (replace `raise NotImplementedError()`),
# then run the test cell below each answer. The visible tests catch the obvious slips;
# the grader runs more tests on other sizes and compares your modules with `cnnlib`'s
# reference implementations. Numeric answers are plain Python `int`s (counts and sizes)
# or `float`s (ratios); compute them in the cell rather than typing a number.

# %% nbgrader={"grade": false, "grade_id": "ch10_efficient_setup", "locked": true, "schema_version": 3, "solution": false}
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    # %pip install -q "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
    import cnnlib

import math

import torch
from torch import nn


# %% [markdown] nbgrader={"grade": false, "grade_id": "ch10_efficient_q1", "locked": true, "schema_version": 3, "solution": false}
# ## Q1. The Fire module (3 points)
#
# Write `Fire(in_channels, squeeze_channels, expand1x1_channels, expand3x3_channels)`:
# a 1x1 "squeeze" conv to `squeeze_channels` + ReLU, then two parallel "expand"
# convs on its output, 1x1 to `expand1x1_channels` + ReLU and 3x3 (padding 1) to
# `expand3x3_channels` + ReLU, concatenated along the channels (1x1 first). All convs
# have biases, no normalization (as in the paper). The reference is
# `cnnlib.models.squeezenet.Fire`.

# %% nbgrader={"grade": false, "grade_id": "ch10_efficient_q1_answer", "locked": false, "schema_version": 3, "solution": true}
class Fire(nn.Module):
    def __init__(self, in_channels, squeeze_channels, expand1x1_channels, expand3x3_channels):
        super().__init__()
        ### BEGIN SOLUTION
        self.squeeze = nn.Conv2d(in_channels, squeeze_channels, 1)
        self.expand1x1 = nn.Conv2d(squeeze_channels, expand1x1_channels, 1)
        self.expand3x3 = nn.Conv2d(squeeze_channels, expand3x3_channels, 3, padding=1)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        s = torch.relu(self.squeeze(x))
        return torch.cat([torch.relu(self.expand1x1(s)), torch.relu(self.expand3x3(s))], dim=1)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch10_efficient_q1_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.shape("Fire(96, 16, 64, 64)(torch.randn(1, 96, 13, 13)).shape", (1, 128, 13, 13),
            name="Fire(96, 16, 64, 64) output shape", hint="fire2: 64 + 64 channels, 1x1 then 3x3 expand")
### BEGIN HIDDEN TESTS
from cnnlib.models.squeezenet import Fire as RefFire

for cfg in ((96, 16, 64, 64), (12, 3, 5, 7), (8, 4, 6, 2)):
    c_in, s, e1, e3 = cfg
    params = s * (c_in + 1) + e1 * (s + 1) + e3 * (9 * s + 1)
    x = torch.randn(2, c_in, 7, 7, generator=torch.Generator().manual_seed(c_in))
    check.parameters(f"Fire{cfg}", params, hint="all three convs have biases")
    check.module(f"Fire{cfg}", reference=RefFire(*cfg), inputs=x, input_size=(c_in, 7, 7),
                 hint="squeeze 1x1 + ReLU, then expand 1x1 + ReLU and 3x3 (padding 1) + ReLU, "
                      "concatenated 1x1 first")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch10_efficient_q2", "locked": true, "schema_version": 3, "solution": false}
# ## Q2. Depthwise-separable convolution (3 points)
#
# Write `DepthwiseSeparableConv(in_channels, out_channels, stride=1)` as in MobileNet
# (V1): a 3x3 depthwise conv (`groups=in_channels`, `stride`, padding 1, no bias) ->
# `nn.BatchNorm2d` -> ReLU, then a 1x1 pointwise conv to `out_channels` (no bias) ->
# `nn.BatchNorm2d` -> ReLU. The reference is
# `cnnlib.models.mobilenet.DepthwiseSeparableConv`.

# %% nbgrader={"grade": false, "grade_id": "ch10_efficient_q2_answer", "locked": false, "schema_version": 3, "solution": true}
class DepthwiseSeparableConv(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        ### BEGIN SOLUTION
        self.depthwise = nn.Sequential(
            nn.Conv2d(in_channels, in_channels, 3, stride, 1, groups=in_channels, bias=False),
            nn.BatchNorm2d(in_channels), nn.ReLU(inplace=True))
        self.pointwise = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.pointwise(self.depthwise(x))
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch10_efficient_q2_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.shape("DepthwiseSeparableConv(32, 64, stride=2)(torch.randn(1, 32, 8, 8)).shape", (1, 64, 4, 4),
            name="DepthwiseSeparableConv(32, 64, stride=2) output shape", hint="the stride is on the depthwise conv")
check.parameters("DepthwiseSeparableConv(32, 64)", 32 * 9 + 2 * 32 + 32 * 64 + 2 * 64,
                 hint="depthwise 3x3 and pointwise 1x1 without biases, each followed by BN")
### BEGIN HIDDEN TESTS
from cnnlib.models.mobilenet import DepthwiseSeparableConv as RefDSConv

for c_in, c_out, stride in ((16, 24, 1), (8, 8, 2), (12, 20, 2)):
    x = torch.randn(2, c_in, 8, 8, generator=torch.Generator().manual_seed(c_in + stride))
    params = 9 * c_in + 2 * c_in + c_in * c_out + 2 * c_out
    expr = f"DepthwiseSeparableConv({c_in}, {c_out}, {stride})"
    check.parameters(expr, params, hint="groups=in_channels, no conv biases, two BN layers")
    check.module(expr, reference=RefDSConv(c_in, c_out, stride), inputs=x, input_size=(c_in, 8, 8),
                 modes=("eval", "train"),
                 hint="depthwise 3x3 (stride, padding 1) -> BN -> ReLU -> pointwise 1x1 -> BN -> ReLU")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch10_efficient_q3", "locked": true, "schema_version": 3, "solution": false}
# ## Q3. Channel shuffle (2 points)
#
# Write `channel_shuffle(x, groups)` for an `N x C x H x W` tensor: view the channels
# as `groups x (C / groups)`, transpose to `(C / groups) x groups` and flatten back, so
# that the next grouped convolution sees channels from every group. Channel order
# `[a0, a1, b0, b1]` with 2 groups (`a`, `b`) becomes `[a0, b0, a1, b1]`. Raise
# `ValueError` if `groups` does not divide `C`.

# %% nbgrader={"grade": false, "grade_id": "ch10_efficient_q3_answer", "locked": false, "schema_version": 3, "solution": true}
def channel_shuffle(x, groups):
    ### BEGIN SOLUTION
    n, c, h, w = x.shape
    if groups <= 0 or c % groups:
        raise ValueError(f"groups={groups} must be positive and divide the {c} channels")
    return x.reshape(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch10_efficient_q3_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.equal("channel_shuffle(torch.arange(4.0).reshape(1, 4, 1, 1), 2).flatten()", torch.tensor([0.0, 2.0, 1.0, 3.0]),
            name="channel_shuffle of channels [a0, a1, b0, b1] with 2 groups", hint="expected [a0, b0, a1, b1]")
### BEGIN HIDDEN TESTS
from cnnlib.layers.channel_shuffle import channel_shuffle as ref_shuffle

g = torch.Generator().manual_seed(11)
for shape, groups in (((2, 12, 3, 3), 3), ((1, 12, 2, 2), 4), ((3, 8, 1, 5), 8), ((2, 6, 4, 4), 1)):
    x = torch.randn(*shape, generator=g)
    check.equal(f"channel_shuffle(x, {groups})", ref_shuffle(x, groups), given={"x": x},
                name=f"channel_shuffle of a {shape} tensor with {groups} groups",
                hint="view as (N, groups, C / groups, H, W), swap those two axes, flatten back")
check.raises("channel_shuffle(torch.zeros(1, 12, 2, 2), 5)", ValueError,
             name="channel_shuffle with 5 groups of 12 channels", hint="5 groups do not divide 12 channels")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch10_efficient_q4", "locked": true, "schema_version": 3, "solution": false}
# ## Q4. The MBConv block (5 points)
#
# Write `MBConv(in_channels, out_channels, expand_ratio, kernel_size, stride,
# se_ratio=0.25)` as in EfficientNet, with `hidden = in_channels * expand_ratio` (the
# grader only uses values where this is a whole number) and SiLU activations
# (`nn.SiLU`):
#
# 1. expand: 1x1 conv to `hidden` (no bias) -> BN -> SiLU; skipped when
#    `expand_ratio == 1`;
# 2. depthwise: `kernel_size x kernel_size` conv, `groups=hidden`, `stride`, padding
#    `kernel_size // 2`, no bias -> BN -> SiLU;
# 3. squeeze-and-excitation on `hidden` channels with
#    `squeeze = max(1, int(in_channels * se_ratio))` (sized from the block's *input*):
#    global average pool -> 1x1 conv (or linear) to `squeeze` with bias -> SiLU ->
#    back to `hidden` with bias -> sigmoid -> multiply;
# 4. project: 1x1 conv to `out_channels` (no bias) -> BN, *no* activation (the
#    "linear bottleneck");
# 5. add the input when `stride == 1` and `in_channels == out_channels`.
#
# All BN layers are `nn.BatchNorm2d` with default arguments. The reference is
# `cnnlib.models.efficientnet.MBConv`.

# %% nbgrader={"grade": false, "grade_id": "ch10_efficient_q4_answer", "locked": false, "schema_version": 3, "solution": true}
class MBConv(nn.Module):
    def __init__(self, in_channels, out_channels, expand_ratio, kernel_size, stride, se_ratio=0.25):
        super().__init__()
        ### BEGIN SOLUTION
        hidden = int(in_channels * expand_ratio)
        squeeze = max(1, int(in_channels * se_ratio))
        layers = []
        if expand_ratio != 1:
            layers += [nn.Conv2d(in_channels, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.SiLU()]
        layers += [nn.Conv2d(hidden, hidden, kernel_size, stride, kernel_size // 2, groups=hidden, bias=False),
                   nn.BatchNorm2d(hidden), nn.SiLU()]
        self.features = nn.Sequential(*layers)
        self.se_reduce = nn.Conv2d(hidden, squeeze, 1)
        self.se_expand = nn.Conv2d(squeeze, hidden, 1)
        self.project = nn.Sequential(nn.Conv2d(hidden, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels))
        self.use_residual = stride == 1 and in_channels == out_channels
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        h = self.features(x)
        gate = torch.sigmoid(self.se_expand(nn.functional.silu(self.se_reduce(h.mean(dim=(2, 3), keepdim=True)))))
        out = self.project(h * gate)
        return x + out if self.use_residual else out
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch10_efficient_q4_tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.shape("MBConv(16, 24, 6, 3, 2)(torch.randn(2, 16, 8, 8)).shape", (2, 24, 4, 4),
            name="MBConv(16, 24, 6, 3, 2) output shape")
check.shape("MBConv(16, 16, 1, 3, 1)(torch.randn(2, 16, 8, 8)).shape", (2, 16, 8, 8),
            name="MBConv(16, 16, 1, 3, 1) output shape")
### BEGIN HIDDEN TESTS
from cnnlib.models.efficientnet import MBConv as RefMBConv

for c_in, c_out, t, k, s in ((16, 24, 6, 3, 2), (16, 16, 1, 3, 1), (8, 8, 4, 5, 1), (24, 40, 6, 5, 2)):
    hidden, sq = c_in * t, max(1, c_in // 4)
    params = (c_in * hidden + 2 * hidden if t != 1 else 0) + k * k * hidden + 2 * hidden \
        + (hidden * sq + sq) + (sq * hidden + hidden) + hidden * c_out + 2 * c_out
    x = torch.randn(2, c_in, 8, 8, generator=torch.Generator().manual_seed(c_in + t + k))
    expr = f"MBConv({c_in}, {c_out}, {t}, {k}, {s})"
    check.parameters(expr, params, hint="no expand conv when expand_ratio is 1; the SE squeeze is sized "
                                        "from in_channels; SE convs have biases, the others do not")
    check.module(expr, reference=RefMBConv(c_in, c_out, expand_ratio=t, kernel_size=k, stride=s), inputs=x,
                 input_size=(c_in, 8, 8), modes=("eval", "train"),
                 hint="SiLU after expand and depthwise, SE gate with sigmoid, no activation after the "
                      "projection BN, residual only when stride 1 and in == out")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch10_efficient_q5", "locked": true, "schema_version": 3, "solution": false}
# ## Q5. How much does separating save? (2 points)
#
# A 3x3 convolution from 128 to 128 channels on a 56x56 map (stride 1, padding 1),
# weights only:
#
# * `standard_macs`: its multiply-accumulates for one image;
# * `separable_macs`: those of a depthwise 3x3 plus a pointwise 1x1 convolution doing
#   the same mapping;
# * `separable_ratio`: `separable_macs / standard_macs` (MobileNet's paper shows it
#   equals `1 / C_out + 1 / k^2`).

# %% nbgrader={"grade": false, "grade_id": "ch10_efficient_q5_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
_hw = 56 * 56
standard_macs = 128 * 128 * 9 * _hw
separable_macs = 128 * 9 * _hw + 128 * 128 * _hw
separable_ratio = separable_macs / standard_macs
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch10_efficient_q5_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("separable_macs < standard_macs", "a separable convolution should need fewer MACs than a standard one")
check.true("math.isclose(separable_ratio, separable_macs / standard_macs, rel_tol=1e-5)",
           "separable_ratio should be separable_macs / standard_macs", name="separable_ratio")
### BEGIN HIDDEN TESTS
standard = cnnlib.summarize(nn.Conv2d(128, 128, 3, padding=1, bias=False), (128, 56, 56)).total_macs
separable = cnnlib.summarize(nn.Sequential(nn.Conv2d(128, 128, 3, padding=1, groups=128, bias=False),
                                           nn.Conv2d(128, 128, 1, bias=False)), (128, 56, 56)).total_macs
check.integer("standard_macs", standard, hint="C_out * C_in * k * k * H_out * W_out: MACs, not FLOPs")
check.integer("separable_macs", separable, hint="depthwise: one 3x3 filter per channel; plus a 1x1 from 128 to 128")
check.close("separable_ratio", 1 / 128 + 1 / 9, rtol=1e-9, hint="1 / C_out + 1 / k^2")
### END HIDDEN TESTS
