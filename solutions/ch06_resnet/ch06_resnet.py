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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch06_resnet_intro", "locked": true, "schema_version": 3, "solution": false}
# # Chapter 6 exercises: residual networks
#
# A deeper plain network trains *worse* than a shallower one, on the training set
# too: it is an optimization problem, not overfitting. ResNet (He et al., 2015) makes
# the identity easy to learn: each block computes `relu(F(x) + x)`, so a block whose
# residual branch `F` outputs zeros passes its input through. Stages of blocks halve
# the resolution and double the channels at their first block, where the shortcut
# becomes a 1x1 projection.
#
# Answer in the cells marked *YOUR CODE HERE* (replace `raise NotImplementedError()`),
# then run the test cell below each answer. The visible tests catch the obvious slips;
# the grader runs more tests on other sizes and compares your modules with `cnnlib`'s
# reference implementations. Numeric answers are plain Python `int`s (counts and sizes)
# or `float`s (ratios); compute them in the cell rather than typing a number.

# %% nbgrader={"grade": false, "grade_id": "ch06_resnet_setup", "locked": true, "schema_version": 3, "solution": false}
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    # %pip install -q "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
    import cnnlib

import math

import torch
from torch import nn


# %% [markdown] nbgrader={"grade": false, "grade_id": "ch06_resnet_q1", "locked": true, "schema_version": 3, "solution": false}
# ## Q1. The basic block (4 points)
#
# Write `BasicBlock(in_channels, out_channels, stride=1)`:
#
# * residual branch: 3x3 conv (`stride`, padding 1, no bias) -> `nn.BatchNorm2d` ->
#   ReLU -> 3x3 conv (stride 1, padding 1, no bias) -> `nn.BatchNorm2d`;
# * shortcut: the identity if `stride == 1` and `in_channels == out_channels`,
#   otherwise a 1x1 conv (`stride`, no bias) followed by `nn.BatchNorm2d` (the paper's
#   option B);
# * output: `relu(branch(x) + shortcut(x))`.
#
# Compute the branch before the shortcut: the grader pairs your layers with the
# reference's (`cnnlib.models.resnet.BasicBlock`) in the order they run.

# %% nbgrader={"grade": false, "grade_id": "ch06_resnet_q1_answer", "locked": false, "schema_version": 3, "solution": true}
class BasicBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        ### BEGIN SOLUTION
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch06_resnet_q1_tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.shape("tuple(BasicBlock(16, 16)(x).shape)", (2, 16, 8, 8), given={"x": torch.randn(2, 16, 8, 8)},
            name="BasicBlock(16, 16) output shape on 2 x 16 x 8 x 8")
check.shape("tuple(BasicBlock(16, 32, stride=2)(x).shape)", (2, 32, 4, 4), given={"x": torch.randn(2, 16, 8, 8)},
            name="BasicBlock(16, 32, stride=2) output shape on 2 x 16 x 8 x 8",
            hint="the stride goes on the first 3x3 conv and on the 1x1 projection shortcut")
check.parameters("BasicBlock(16, 16)", 2 * 9 * 16 * 16 + 4 * 16,
                 hint="convs without bias, two BatchNorm2d; an identity shortcut when the shapes match")
### BEGIN HIDDEN TESTS
from cnnlib.models.resnet import BasicBlock as RefBasicBlock

for c_in, c_out, stride in ((8, 8, 1), (8, 12, 2), (6, 10, 1), (10, 10, 2)):
    projection = stride != 1 or c_in != c_out
    params = 9 * c_in * c_out + 9 * c_out * c_out + 4 * c_out + (c_in * c_out + 2 * c_out if projection else 0)
    x = torch.randn(2, c_in, 8, 8, generator=torch.Generator().manual_seed(c_in + c_out))
    block = f"BasicBlock({c_in}, {c_out}, {stride})"
    check.parameters(block, params, hint="convs without bias; " + ("a 1x1 conv + BatchNorm2d projection shortcut"
                                                                   if projection else "an identity shortcut"))
    check.module(block, reference=RefBasicBlock(c_in, c_out, stride), inputs=x, input_size=(c_in, 8, 8),
                 modes=("eval", "train"),
                 hint="branch conv-BN-ReLU-conv-BN, add the shortcut, then ReLU; the stride on the first conv")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch06_resnet_q2", "locked": true, "schema_version": 3, "solution": false}
# ## Q2. The bottleneck block (4 points)
#
# Write `Bottleneck(in_channels, out_channels, stride=1)` with `width = out_channels //
# 4` (the expansion factor 4):
#
# * branch: 1x1 conv to `width` -> BN -> ReLU -> 3x3 conv `width -> width` with the
#   `stride` (padding 1) -> BN -> ReLU -> 1x1 conv to `out_channels` -> BN; all convs
#   without bias. (The stride sits on the 3x3 conv, "ResNet v1.5" as in torchvision;
#   the paper puts it on the first 1x1 conv.)
# * shortcut and output as in the basic block.
#
# Again compute the branch before the shortcut.

# %% nbgrader={"grade": false, "grade_id": "ch06_resnet_q2_answer", "locked": false, "schema_version": 3, "solution": true}
class Bottleneck(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        ### BEGIN SOLUTION
        width = out_channels // 4
        self.branch = nn.Sequential(
            nn.Conv2d(in_channels, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels),
        )
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return torch.relu(self.branch(x) + self.shortcut(x))
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch06_resnet_q2_tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.shape("tuple(Bottleneck(64, 64)(x).shape)", (2, 64, 8, 8), given={"x": torch.randn(2, 64, 8, 8)},
            name="Bottleneck(64, 64) output shape on 2 x 64 x 8 x 8")
check.shape("tuple(Bottleneck(64, 128, stride=2)(x).shape)", (2, 128, 4, 4), given={"x": torch.randn(2, 64, 8, 8)},
            name="Bottleneck(64, 128, stride=2) output shape on 2 x 64 x 8 x 8",
            hint="the stride goes on the 3x3 conv and on the 1x1 projection shortcut")
### BEGIN HIDDEN TESTS
from cnnlib.models.resnet import Bottleneck as RefBottleneck

for c_in, c_out, stride in ((16, 16, 1), (16, 32, 2), (24, 16, 1), (32, 32, 2)):
    w = c_out // 4
    projection = stride != 1 or c_in != c_out
    params = (c_in * w + 9 * w * w + w * c_out + 2 * (w + w + c_out)
              + (c_in * c_out + 2 * c_out if projection else 0))
    x = torch.randn(2, c_in, 8, 8, generator=torch.Generator().manual_seed(c_in + c_out))
    block = f"Bottleneck({c_in}, {c_out}, {stride})"
    check.parameters(block, params, hint="width = out_channels // 4, convs without bias; " +
                     ("a 1x1 conv + BatchNorm2d projection shortcut" if projection else "an identity shortcut"))
    check.module(block, reference=RefBottleneck(c_in, c_out, stride), inputs=x, input_size=(c_in, 8, 8),
                 modes=("eval", "train"),
                 hint="1x1-BN-ReLU, 3x3 (with the stride)-BN-ReLU, 1x1-BN, add the shortcut, then ReLU")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch06_resnet_q3", "locked": true, "schema_version": 3, "solution": false}
# ## Q3. Basic versus bottleneck cost (2 points)
#
# The lecture: a basic block on `C` channels costs `18 H W C^2` multiply-accumulates;
# a bottleneck block on `4C` channels (1x1 to `C`, 3x3, 1x1 back to `4C`) costs
# `17 H W C^2`: more layers and more channels for less compute. Check it for
# `C = 64` on a 56x56 map, stride 1, identity shortcuts, counting convolutions only:
#
# * `basic_block_macs`, `basic_block_conv_params` (64 -> 64 channels);
# * `bottleneck_block_macs`, `bottleneck_block_conv_params` (256 -> 256 channels,
#   width 64).

# %% nbgrader={"grade": false, "grade_id": "ch06_resnet_q3_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
_hw = 56 * 56
basic_block_conv_params = 2 * 9 * 64 * 64
basic_block_macs = basic_block_conv_params * _hw
bottleneck_block_conv_params = 256 * 64 + 9 * 64 * 64 + 64 * 256
bottleneck_block_macs = bottleneck_block_conv_params * _hw
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch06_resnet_q3_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("bottleneck_block_macs < basic_block_macs", "the bottleneck block should cost fewer MACs than the basic block",
           name="bottleneck_block_macs < basic_block_macs")
### BEGIN HIDDEN TESTS
from cnnlib.models.resnet import BasicBlock as RefBasicBlock, Bottleneck as RefBottleneck

hw, c = 56 * 56, 64
s_basic = cnnlib.summarize(RefBasicBlock(64, 64), (64, 56, 56))
s_bottle = cnnlib.summarize(RefBottleneck(256, 256), (256, 56, 56))

check.integer("basic_block_macs", 18 * hw * c * c, hint="multiply-accumulates, not FLOPs, of the two 3x3 convs on 56x56")
check.integer("bottleneck_block_macs", 17 * hw * c * c,
              hint="multiply-accumulates, not FLOPs, of the 1x1, 3x3 and 1x1 convs on 56x56")
check.integer("basic_block_conv_params", 18 * c * c, hint="conv weights only: no biases, no BatchNorm")
check.integer("bottleneck_block_conv_params", 17 * c * c, hint="conv weights only: 256 -> 64 -> 64 -> 256")
check.integer("basic_block_conv_params", sum(r.params for r in s_basic.rows if r.kind == "Conv2d"),
              name="basic_block_conv_params vs cnnlib")
check.integer("bottleneck_block_conv_params", sum(r.params for r in s_bottle.rows if r.kind == "Conv2d"),
              name="bottleneck_block_conv_params vs cnnlib")
check.integer("basic_block_macs", s_basic.total_macs, name="basic_block_macs vs cnnlib")
check.integer("bottleneck_block_macs", s_bottle.total_macs, name="bottleneck_block_macs vs cnnlib")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch06_resnet_q4", "locked": true, "schema_version": 3, "solution": false}
# ## Q4. Counting layers (2 points)
#
# A ResNet's name counts its layers with weights: the stem convolution, the
# convolutions of all blocks (2 per basic block, 3 per bottleneck; shortcut
# projections are not counted) and the final linear layer.
#
# * Write `resnet_depth(block, blocks_per_stage)` with `block` being `"basic"` or
#   `"bottleneck"`; e.g. `resnet_depth("bottleneck", (3, 4, 6, 3))` is ResNet-50's
#   depth. Raise `ValueError` for another `block`.
# * `cifar_blocks_per_stage`: the CIFAR ResNets have three stages of `n` basic blocks
#   each, so depth `6n + 2`; how many blocks per stage does ResNet-110 have?

# %% nbgrader={"grade": false, "grade_id": "ch06_resnet_q4_answer", "locked": false, "schema_version": 3, "solution": true}
def resnet_depth(block, blocks_per_stage):
    """Layers with weights: stem conv + block convs + final linear layer."""
    ### BEGIN SOLUTION
    per_block = {"basic": 2, "bottleneck": 3}
    if block not in per_block:
        raise ValueError(f"block must be 'basic' or 'bottleneck', got {block!r}")
    return 1 + per_block[block] * sum(blocks_per_stage) + 1
    ### END SOLUTION


### BEGIN SOLUTION
cifar_blocks_per_stage = (110 - 2) // 6
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch06_resnet_q4_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.integer('resnet_depth("basic", (2, 2, 2, 2))', 18, hint="ResNet-18: count the stem conv and the final linear layer")
check.integer('resnet_depth("bottleneck", (3, 4, 6, 3))', 50, hint="ResNet-50: three convs per bottleneck block")
### BEGIN HIDDEN TESTS
from cnnlib.models import resnet as ref_resnet

for name, (block, blocks) in ref_resnet.IMAGENET_RESNETS.items():
    with torch.device("meta"):
        net = getattr(ref_resnet, name)()
    rows = cnnlib.summarize(net, (3, 224, 224)).rows
    depth = sum(1 for r in rows if r.kind in ("Conv2d", "Linear") and "shortcut" not in r.name)
    assert depth == int(name[len("resnet"):]), f"layers of cnnlib's {name}"
    check.integer(f"resnet_depth({block!r}, {tuple(blocks)!r})", depth,
                  hint="the stem conv, 2 convs per basic block or 3 per bottleneck, the final linear layer")
check.integer("resnet_depth('basic', (5, 5, 5))", 32, hint="a CIFAR ResNet has three stages")
check.raises("resnet_depth('plain', (2, 2))", ValueError, hint="only 'basic' and 'bottleneck' blocks exist")
check.integer("cifar_blocks_per_stage", ref_resnet.CIFAR_DEPTHS[110], hint="depth 6n + 2, as an int")
### END HIDDEN TESTS
