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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch05_googlenet_intro", "locked": true, "schema_version": 3, "solution": false}
# # Chapter 5 exercises: GoogLeNet and the Inception module
#
# GoogLeNet (Szegedy et al., 2014) won ImageNet 2014 with 22 layers and about 12x fewer
# parameters than AlexNet. Its building block, the **Inception module**, runs 1x1,
# 3x3 and 5x5 convolutions and a 3x3 max pool side by side and concatenates their
# outputs along the channels; 1x1 "bottleneck" convolutions shrink the channels before
# the expensive 3x3 and 5x5 convolutions and after the pool. The network ends with
# global average pooling and a single linear layer instead of large FC layers.
#
# Answer in the cells marked *YOUR CODE HERE* (replace `raise NotImplementedError()`),
# then run the test cell below each answer. The visible tests catch the obvious slips;
# the grader runs more tests on other sizes and compares your modules with `cnnlib`'s
# reference implementations. Numeric answers are plain Python `int`s (counts and sizes)
# or `float`s (ratios); compute them in the cell rather than typing a number.

# %% nbgrader={"grade": false, "grade_id": "ch05_googlenet_setup", "locked": true, "schema_version": 3, "solution": false}
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    # %pip install -q "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
    import cnnlib

import math

import torch
from torch import nn

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch05_googlenet_q1", "locked": true, "schema_version": 3, "solution": false}
# ## Q1. Naive versus bottlenecked (3 points)
#
# The lecture's example: a module input of `256 x 28 x 28`. The *naive* module has a
# 1x1 conv with 128 filters, a 3x3 conv with 192, a 5x5 conv with 96 (all "same"
# padding, stride 1) and a 3x3 max pool (stride 1, padding 1) that passes all 256
# channels through. The *reduced* module adds 1x1 convs with 64 filters before the
# 3x3 and the 5x5 convs and after the pool.
#
# * `naive_out_channels`, `reduced_out_channels`: channels after concatenation;
# * `naive_macs`, `reduced_macs`: multiply-accumulates of all the module's convolutions
#   for one image.
#
# The slide gives 854M for the naive module and 358M for the reduced one. Does your
# computation agree with both?

# %% nbgrader={"grade": false, "grade_id": "ch05_googlenet_q1_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
_hw = 28 * 28
naive_out_channels = 128 + 192 + 96 + 256
naive_macs = _hw * (256 * 128 + 256 * 9 * 192 + 256 * 25 * 96)
reduced_out_channels = 128 + 192 + 96 + 64
reduced_macs = _hw * (256 * 128 + 256 * 64 + 64 * 9 * 192 + 256 * 64 + 64 * 25 * 96 + 256 * 64)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch05_googlenet_q1_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("naive_out_channels > reduced_out_channels", "the 1x1 conv after the pool should reduce the output channels",
           name="naive_out_channels > reduced_out_channels")
check.true("naive_macs > reduced_macs > 0", "the 1x1 reductions should lower the MACs",
           name="naive_macs > reduced_macs > 0")
### BEGIN HIDDEN TESTS
from cnnlib.models.googlenet import Inception as RefInception, InceptionNaive as RefInceptionNaive

hw = 28 * 28
naive = RefInceptionNaive(256, 128, 192, 96)
reduced = RefInception(256, 128, 64, 192, 64, 96, 64)
assert [naive.out_channels, reduced.out_channels] == [128 + 192 + 96 + 256, 128 + 192 + 96 + 64], \
    "cnnlib's Inception output channels"
cnnlib_naive_macs = cnnlib.summarize(naive, (256, 28, 28)).total_macs
cnnlib_reduced_macs = cnnlib.summarize(reduced, (256, 28, 28)).total_macs

check.integer("naive_out_channels", 128 + 192 + 96 + 256, hint="the naive pool branch passes all 256 input channels")
check.integer("reduced_out_channels", 128 + 192 + 96 + 64, hint="the reduced pool branch ends in a 1x1 conv")
check.integer("naive_macs", hw * 256 * (128 + 9 * 192 + 25 * 96),
              hint="multiply-accumulates, not FLOPs, of the 1x1, 3x3 and 5x5 convs on 28x28")
check.integer("reduced_macs", hw * (256 * (128 + 64 + 64 + 64) + 64 * (9 * 192 + 25 * 96)),
              hint="count all three 1x1 reductions, the one after the pool too; the 3x3 and 5x5 convs see 64 channels")
check.integer("naive_macs", cnnlib_naive_macs, name="naive_macs vs cnnlib")
check.integer("reduced_macs", cnnlib_reduced_macs, name="reduced_macs vs cnnlib")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch05_googlenet_q2", "locked": true, "schema_version": 3, "solution": false}
# ## Q2. Implement the Inception module (5 points)
#
# Write `Inception(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)`
# as in the paper (no batch normalization; every convolution has a bias and is
# followed by `nn.ReLU`; stride 1 and "same" padding everywhere):
#
# 1. branch 1: 1x1 conv to `ch1x1`;
# 2. branch 2: 1x1 conv to `ch3x3red`, then 3x3 conv to `ch3x3`;
# 3. branch 3: 1x1 conv to `ch5x5red`, then 5x5 conv to `ch5x5` (a real 5x5:
#    torchvision's version uses 3x3 here);
# 4. branch 4: `nn.MaxPool2d(3, stride=1, padding=1)`, then 1x1 conv to `pool_proj`.
#
# Concatenate the four outputs along the channels in this order.

# %% nbgrader={"grade": false, "grade_id": "ch05_googlenet_q2_answer", "locked": false, "schema_version": 3, "solution": true}
class Inception(nn.Module):
    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
        super().__init__()
        ### BEGIN SOLUTION
        def conv(c_in, c_out, k):
            return nn.Sequential(nn.Conv2d(c_in, c_out, k, padding=k // 2), nn.ReLU(inplace=True))

        self.branch1 = conv(in_channels, ch1x1, 1)
        self.branch2 = nn.Sequential(conv(in_channels, ch3x3red, 1), conv(ch3x3red, ch3x3, 3))
        self.branch3 = nn.Sequential(conv(in_channels, ch5x5red, 1), conv(ch5x5red, ch5x5, 5))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), conv(in_channels, pool_proj, 1))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], dim=1)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch05_googlenet_q2_tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.shape("tuple(Inception(192, 64, 96, 128, 16, 32, 32)(x).shape)", (1, 256, 28, 28),
            given={"x": torch.randn(1, 192, 28, 28)}, name="Inception (3a) output shape on 1 x 192 x 28 x 28",
            hint="concatenate the four branches along dim=1; 'same' padding keeps 28 x 28")
### BEGIN HIDDEN TESTS
from cnnlib.models.googlenet import Inception as RefInception

for cfg, side in (((192, 64, 96, 128, 16, 32, 32), 10), ((12, 5, 6, 7, 3, 4, 2), 9), ((8, 3, 4, 6, 2, 5, 7), 6)):
    c_in, c1, c3r, c3, c5r, c5, pp = cfg
    params = (c1 * (c_in + 1) + c3r * (c_in + 1) + c3 * (9 * c3r + 1) + c5r * (c_in + 1)
              + c5 * (25 * c5r + 1) + pp * (c_in + 1))
    x = torch.randn(2, c_in, side, side, generator=torch.Generator().manual_seed(side))
    block = f"Inception{cfg}"
    check.parameters(block, params, hint="six convs, each with a bias; branch 3 is a real 5x5 conv")
    check.module(block, reference=RefInception(*cfg), inputs=x, input_size=(c_in, side, side),
                 hint="branches in the order 1x1, 3x3, 5x5, pool; a ReLU after every conv; concatenate along dim=1")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch05_googlenet_q3", "locked": true, "schema_version": 3, "solution": false}
# ## Q3. Inception (3a) and the head (2 points)
#
# Inception (3a) takes `192 x 28 x 28` and has `ch1x1=64, ch3x3red=96, ch3x3=128,
# ch5x5red=16, ch5x5=32, pool_proj=32`.
#
# * `inception_3a_params` (biases included) and `inception_3a_macs` (one image);
# * `googlenet_head_params`: GoogLeNet's classifier, global average pooling of the
#   `1024 x 7 x 7` map and one linear layer to 1000 classes;
# * `vgg16_head_params`: VGG-16's three FC layers (FC-4096, FC-4096, FC-1000 on
#   `512 x 7 x 7`), for comparison.

# %% nbgrader={"grade": false, "grade_id": "ch05_googlenet_q3_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
_summary = cnnlib.summarize(Inception(192, 64, 96, 128, 16, 32, 32), (192, 28, 28))
inception_3a_params = _summary.total_params
inception_3a_macs = _summary.total_macs
googlenet_head_params = 1024 * 1000 + 1000
vgg16_head_params = (512 * 7 * 7 + 1) * 4096 + (4096 + 1) * 4096 + (4096 + 1) * 1000
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch05_googlenet_q3_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("googlenet_head_params < vgg16_head_params", "GoogLeNet's head should be much smaller than VGG-16's",
           name="googlenet_head_params < vgg16_head_params")
check.true("inception_3a_params > 0 and inception_3a_macs > 0", "both should be positive",
           name="inception_3a_params and inception_3a_macs")
### BEGIN HIDDEN TESTS
from cnnlib.models import googlenet as ref_googlenet

weights = 192 * 64 + 192 * 96 + 96 * 9 * 128 + 192 * 16 + 16 * 25 * 32 + 192 * 32
with torch.device("meta"):
    net = ref_googlenet.googlenet()
rows = [r for r in cnnlib.summarize(net, (3, 224, 224)).rows if r.name.startswith("inception3a.")]
assert rows, "cnnlib's googlenet has layers named inception3a.*"

check.integer("inception_3a_params", weights + 64 + 96 + 128 + 16 + 32 + 32,
              hint="six convs, biases included; the 5x5 conv is a real 5x5")
check.integer("inception_3a_macs", weights * 28 * 28, hint="multiply-accumulates, not FLOPs, on the 28x28 map")
check.integer("inception_3a_params", sum(r.params for r in rows), name="inception_3a_params vs cnnlib.googlenet")
check.integer("inception_3a_macs", sum(r.macs for r in rows), name="inception_3a_macs vs cnnlib.googlenet")
check.integer("googlenet_head_params", 1025 * 1000,
              hint="global average pooling has no parameters; the linear layer has biases")
check.integer("vgg16_head_params", 25089 * 4096 + 4097 * 4096 + 4097 * 1000,
              hint="three FC layers with biases, the first on the flattened 512 x 7 x 7 map")
### END HIDDEN TESTS
