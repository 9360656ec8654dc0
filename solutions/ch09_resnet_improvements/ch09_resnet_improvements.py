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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_intro", "locked": true, "schema_version": 3, "solution": false}
# # Chapter 9 exercises: improving residual networks
#
# Three refinements of the residual block. **Pre-activation** (He et al., 2016) moves
# BN and ReLU in front of the convolutions, so nothing but an addition sits on the
# shortcut path. **Squeeze-and-excitation** (Hu et al., 2017) rescales each channel by
# a gate computed from the globally pooled feature map. **Dense blocks** (Huang et al.,
# 2017) concatenate instead of adding: every layer sees the feature maps of all
# layers before it and contributes `k` (the growth rate) new ones.
#
# Answer in the cells marked *YOUR CODE HERE* (replace `raise NotImplementedError()`),
# then run the test cell below each answer. The visible tests catch the obvious slips;
# the grader runs more tests on other sizes and compares your modules with `cnnlib`'s
# reference implementations. Numeric answers are plain Python `int`s (counts and sizes)
# or `float`s (ratios); compute them in the cell rather than typing a number.

# %% nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_setup", "locked": true, "schema_version": 3, "solution": false}
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    # %pip install -q "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
    import cnnlib

import math

import torch
from torch import nn


# %% [markdown] nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q1", "locked": true, "schema_version": 3, "solution": false}
# ## Q1. The pre-activation block (4 points)
#
# Write `PreActBlock(in_channels, out_channels, stride=1)`:
#
# * `pre = relu(bn1(x))` with `bn1 = nn.BatchNorm2d(in_channels)`;
# * branch: 3x3 conv of `pre` (`stride`, padding 1, no bias) -> BN -> ReLU -> 3x3 conv
#   (padding 1, no bias);
# * shortcut: `x` itself when `stride == 1` and `in_channels == out_channels`,
#   otherwise a 1x1 conv (`stride`, no bias, no BN) applied to `pre`;
# * output: `branch + shortcut`, with no ReLU after the addition.
#
# The reference is `cnnlib.models.preact_resnet.PreActBasicBlock`.

# %% nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q1_answer", "locked": false, "schema_version": 3, "solution": true}
class PreActBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        ### BEGIN SOLUTION
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.projection = None
        if stride != 1 or in_channels != out_channels:
            self.projection = nn.Conv2d(in_channels, out_channels, 1, stride, bias=False)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        pre = torch.relu(self.bn1(x))
        shortcut = x if self.projection is None else self.projection(pre)
        out = self.conv2(torch.relu(self.bn2(self.conv1(pre))))
        return out + shortcut
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch09_resnet_improvements_q1_tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.shape("PreActBlock(8, 8)(torch.randn(2, 8, 6, 6)).shape", (2, 8, 6, 6))
check.shape("PreActBlock(8, 16, stride=2)(torch.randn(2, 8, 6, 6)).shape", (2, 16, 3, 3),
            hint="the shortcut needs a 1x1 convolution with the stride when the shape changes")
### BEGIN HIDDEN TESTS
from cnnlib.models.preact_resnet import PreActBasicBlock

for c_in, c_out, stride in ((8, 8, 1), (6, 10, 2), (8, 12, 1), (10, 10, 2)):
    projection = stride != 1 or c_in != c_out
    params = 2 * c_in + 9 * c_in * c_out + 2 * c_out + 9 * c_out * c_out + (c_in * c_out if projection else 0)
    reference_block = PreActBasicBlock(c_in, c_out, stride)
    assert sum(p.numel() for p in reference_block.parameters()) == params
    x = torch.randn(2, c_in, 8, 8, generator=torch.Generator().manual_seed(c_in * c_out))
    block = f"PreActBlock({c_in}, {c_out}, {stride})"
    check.parameters(block, params,
                     hint="two BNs with weight and bias, convolutions without bias, a 1x1 projection only when "
                          "the stride or the channel count changes")
    check.module(block, reference=reference_block, inputs=x, input_size=(c_in, 8, 8), modes=("eval", "train"),
                 name=block, hint="BN -> ReLU before each convolution; the projection takes relu(bn1(x)); "
                                  "no ReLU after the addition")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q2", "locked": true, "schema_version": 3, "solution": false}
# ## Q2. Squeeze-and-excitation (3 points)
#
# Write `SEBlock(channels, reduction=16)`: global average pooling to one number per
# channel, a linear layer to `hidden = max(1, channels // reduction)` units (with
# bias), ReLU, a linear layer back to `channels` (with bias), sigmoid; the output is
# the input multiplied channel-wise by these gates. Use `nn.Linear` or 1x1
# `nn.Conv2d` layers, as you prefer.

# %% nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q2_answer", "locked": false, "schema_version": 3, "solution": true}
class SEBlock(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        ### BEGIN SOLUTION
        hidden = max(1, channels // reduction)
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        s = x.mean(dim=(2, 3))                                  # N x C
        gate = torch.sigmoid(self.fc2(torch.relu(self.fc1(s))))
        return x * gate[:, :, None, None]
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch09_resnet_improvements_q2_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.shape("SEBlock(32)(torch.randn(2, 32, 5, 5)).shape", (2, 32, 5, 5))
check.parameters("SEBlock(32, reduction=4)", 32 * 8 + 8 + 8 * 32 + 32, hint="count the biases of both layers")
### BEGIN HIDDEN TESTS
from cnnlib.layers.squeeze_excite import SqueezeExcitation

for c, r in ((32, 16), (24, 4), (10, 16), (64, 8)):
    h = max(1, c // r)
    reference_se = SqueezeExcitation(c, r)
    assert sum(p.numel() for p in reference_se.parameters()) == 2 * c * h + h + c
    x = torch.randn(2, c, 5, 5, generator=torch.Generator().manual_seed(c + r))
    block = f"SEBlock({c}, reduction={r})"
    check.parameters(block, 2 * c * h + h + c, hint="hidden = max(1, channels // reduction); biases included")
    check.module(block, reference=reference_se, inputs=x, input_size=(c, 5, 5), name=block,
                 hint="average pool -> linear -> ReLU -> linear -> sigmoid, then scale each channel of the input")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q3", "locked": true, "schema_version": 3, "solution": false}
# ## Q3. A dense block (4 points)
#
# Write `DenseBlock(num_layers, in_channels, growth_rate, bn_size=4)`. Layer `i`
# (from 0) takes the concatenation of the block input and the outputs of layers
# `0 .. i-1` (`in_channels + i * growth_rate` channels) and computes BN -> ReLU -> 1x1
# conv to `bn_size * growth_rate` channels -> BN -> ReLU -> 3x3 conv (padding 1) to
# `growth_rate` channels, convs without bias. The block returns the concatenation of
# its input and all layers' outputs, in that order:
# `in_channels + num_layers * growth_rate` channels. Raise `ValueError` if
# `num_layers < 1`. The reference is `cnnlib.models.densenet.DenseBlock`.

# %% nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q3_answer", "locked": false, "schema_version": 3, "solution": true}
class DenseBlock(nn.Module):
    def __init__(self, num_layers, in_channels, growth_rate, bn_size=4):
        super().__init__()
        ### BEGIN SOLUTION
        if num_layers < 1:
            raise ValueError(f"a dense block needs at least one layer, got {num_layers}")
        self.layers = nn.ModuleList()
        for i in range(num_layers):
            c = in_channels + i * growth_rate
            self.layers.append(nn.Sequential(
                nn.BatchNorm2d(c), nn.ReLU(),
                nn.Conv2d(c, bn_size * growth_rate, 1, bias=False),
                nn.BatchNorm2d(bn_size * growth_rate), nn.ReLU(),
                nn.Conv2d(bn_size * growth_rate, growth_rate, 3, padding=1, bias=False)))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        features = [x]
        for layer in self.layers:
            features.append(layer(torch.cat(features, dim=1)))
        return torch.cat(features, dim=1)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch09_resnet_improvements_q3_tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.shape("DenseBlock(3, 16, 8)(torch.randn(2, 16, 6, 6)).shape", (2, 16 + 3 * 8, 6, 6),
            hint="return the input concatenated with every layer's output")
### BEGIN HIDDEN TESTS
from cnnlib.models.densenet import DenseBlock as ReferenceDenseBlock

for layers, c_in, k, bn_size in ((3, 16, 8, 4), (2, 6, 5, 2), (4, 8, 4, 1)):
    params = 0
    for i in range(layers):
        c = c_in + i * k
        params += 2 * c + c * bn_size * k + 2 * bn_size * k + 9 * bn_size * k * k
    reference_block = ReferenceDenseBlock(layers, c_in, k, bn_size)
    assert sum(p.numel() for p in reference_block.parameters()) == params
    x = torch.randn(2, c_in, 6, 6, generator=torch.Generator().manual_seed(layers * k))
    block = f"DenseBlock({layers}, {c_in}, {k}, {bn_size})"
    check.parameters(block, params,
                     hint="layer i sees in_channels + i * growth_rate channels; BN -> ReLU -> 1x1 conv to "
                          "bn_size * growth_rate -> BN -> ReLU -> 3x3 conv, convs without bias")
    check.module(block, reference=reference_block, inputs=x, input_size=(c_in, 6, 6), modes=("eval", "train"),
                 name=block, hint="each layer takes the concatenation of the input and all earlier outputs, "
                                  "in that order")
check.raises("DenseBlock(0, 8, 4)", ValueError, hint="a dense block needs at least one layer")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q4", "locked": true, "schema_version": 3, "solution": false}
# ## Q4. What do they cost? (2 points)
#
# * `se_params_256`: the parameters (biases included) of an SE block on 256 channels
#   with reduction 16;
# * `se_resnet50_extra_params`: how many parameters SE-ResNet-50 adds to ResNet-50
#   (use `cnnlib.get_model("se_resnet50")` and `"resnet50"`; build them inside
#   `with torch.device("meta"):` to skip allocating memory);
# * `densenet121_block1_channels`: the output channels of DenseNet-121's first dense
#   block: 64 input channels, 6 layers, growth rate 32.

# %% nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q4_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
se_params_256 = sum(p.numel() for p in SEBlock(256, 16).parameters())
with torch.device("meta"):
    _se = cnnlib.get_model("se_resnet50")
    _plain = cnnlib.get_model("resnet50")
se_resnet50_extra_params = (sum(p.numel() for p in _se.parameters())
                            - sum(p.numel() for p in _plain.parameters()))
densenet121_block1_channels = 64 + 6 * 32
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch09_resnet_improvements_q4_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("se_params_256 > 0 and se_resnet50_extra_params > 0", "both counts should be positive")
check.true("isinstance(densenet121_block1_channels, int)", "densenet121_block1_channels should be an int")
### BEGIN HIDDEN TESTS
from cnnlib.models.densenet import densenet121
from cnnlib.models.resnet import resnet50, se_resnet50

with torch.device("meta"):
    se_net, plain, dense = se_resnet50(), resnet50(), densenet121()
extra = sum(p.numel() for p in se_net.parameters()) - sum(p.numel() for p in plain.parameters())
# SE after every bottleneck of ResNet-50: stages of 3, 4, 6, 3 blocks with 256, 512, 1024, 2048 channels
by_formula = sum(n * (2 * c * (c // 16) + c // 16 + c) for n, c in ((3, 256), (4, 512), (6, 1024), (3, 2048)))
assert extra == by_formula, "SE-ResNet-50 vs the formula"
block1_channels = dense.stages[0].out_channels
assert block1_channels == 64 + 6 * 32, "cnnlib's densenet121 first block"
check.integer("se_params_256", 2 * 256 * 16 + 16 + 256, hint="two linear layers 256 -> 16 -> 256, biases included")
check.integer("se_resnet50_extra_params", extra,
              hint="the difference of the total parameter counts of se_resnet50 and resnet50")
check.integer("densenet121_block1_channels", block1_channels,
              hint="the input channels plus growth rate times the number of layers")
### END HIDDEN TESTS
