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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch03_zfnet_intro", "locked": true, "schema_version": 3, "solution": false}
# # Chapter 3 exercises: ZFNet
#
# ZFNet (Zeiler and Fergus, 2013) won ImageNet 2013 by *looking* at AlexNet: their
# deconvolution visualizations showed that CONV1's 11x11 filters at stride 4 left dead
# filters and aliasing artifacts. The fix in the paper's Fig. 3 model: a 7x7 CONV1 at
# stride 2, and CONV2 at stride 2, on a 224x224 input. The CS231n slide adds wider
# CONV3-5 (512, 1024, 512 filters instead of 384, 384, 256); those widths are one of
# the variants of the paper's Table 2. `cnnlib` builds both: `zfnet` (Fig. 3) and
# `zfnet_cs231n` (the slide).
#
# ZFNet's max pools round *up* (Caffe's rule, PyTorch's `ceil_mode=True`):
# `out = ceil((n + 2p - k) / s) + 1`, minus one if the last window would start
# inside the right padding, i.e. if `(out - 1) * s >= n + p`.
#
# Answer in the cells marked *YOUR CODE HERE* (replace `raise NotImplementedError()`),
# then run the test cell below each answer. The visible tests catch the obvious slips;
# the grader runs more tests on other sizes and compares your modules with `cnnlib`'s
# reference implementations. Numeric answers are plain Python `int`s (counts and sizes)
# or `float`s (ratios); compute them in the cell rather than typing a number.

# %% nbgrader={"grade": false, "grade_id": "ch03_zfnet_setup", "locked": true, "schema_version": 3, "solution": false}
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    # %pip install -q "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
    import cnnlib

import math

import torch
from torch import nn


# %% [markdown] nbgrader={"grade": false, "grade_id": "ch03_zfnet_q1", "locked": true, "schema_version": 3, "solution": false}
# ## Q1. A smaller, denser first layer (2 points)
#
# For a 224x224 input give the side length (an `int`) of:
#
# * `zf_conv1_out`: CONV1, 96 filters 7x7, stride 2, padding 1;
# * `zf_pool1_out`: POOL1 after it, 3x3 max pool, stride 2, ceil mode;
# * `zf_conv2_out`: CONV2, 256 filters 5x5, stride 2, no padding;
# * `zf_pool2_out`: POOL2, 3x3, stride 2, ceil mode;
#
# and, for comparison, `alexnet_conv1_out`: AlexNet's CONV1 (11x11, stride 4, no
# padding) on its 227x227 input.

# %% nbgrader={"grade": false, "grade_id": "ch03_zfnet_q1_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
def _conv(n, k, s, p=0):
    return (n + 2 * p - k) // s + 1

def _pool_ceil(n, k, s, p=0):
    out = math.ceil((n + 2 * p - k) / s) + 1
    return out - 1 if (out - 1) * s >= n + p else out

zf_conv1_out = _conv(224, 7, 2, 1)
zf_pool1_out = _pool_ceil(zf_conv1_out, 3, 2)
zf_conv2_out = _conv(zf_pool1_out, 5, 2)
zf_pool2_out = _pool_ceil(zf_conv2_out, 3, 2)
alexnet_conv1_out = _conv(227, 11, 4)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch03_zfnet_q1_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

for test_answer in ("zf_conv1_out", "zf_pool1_out", "zf_conv2_out", "zf_pool2_out", "alexnet_conv1_out"):
    check.true(f"isinstance({test_answer}, int)", "sizes are ints", name=f"{test_answer} is an int")
check.true("zf_conv1_out > zf_pool1_out > zf_conv2_out > zf_pool2_out",
           "each layer should shrink the feature map: zf_conv1_out > zf_pool1_out > zf_conv2_out > zf_pool2_out")
### BEGIN HIDDEN TESTS
import cnnlib
from cnnlib.models.zfnet import zfnet


def pool_ceil(n, k, s, p):
    out = -((-(n + 2 * p - k)) // s) + 1      # ceil division
    if (out - 1) * s >= n + p:                 # the last window would start in the padding
        out -= 1
    return out


c1 = (224 + 2 - 7) // 2 + 1
p1 = pool_ceil(c1, 3, 2, 0)
c2 = (p1 - 5) // 2 + 1
p2 = pool_ceil(c2, 3, 2, 0)
check.integer("zf_conv1_out", c1, hint="convolutions floor: floor((n + 2p - k) / s) + 1")
check.integer("zf_pool1_out", p1, hint="ZFNet's pools round up (ceil mode)")
check.integer("zf_conv2_out", c2, hint="convolutions floor, on POOL1's output")
check.integer("zf_pool2_out", p2, hint="ZFNet's pools round up (ceil mode)")
check.integer("alexnet_conv1_out", (227 - 11) // 4 + 1)
with torch.device("meta"):
    net = zfnet()
summary = cnnlib.summarize(net, (3, 224, 224))
for test_answer, row in (("zf_conv1_out", "body.conv1"), ("zf_pool1_out", "body.pool1"),
                         ("zf_conv2_out", "body.conv2"), ("zf_pool2_out", "body.pool2")):
    check.integer(test_answer, summary.row(row).output_shape[-1], name=f"{test_answer} vs cnnlib.summarize(zfnet)")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch03_zfnet_q2", "locked": true, "schema_version": 3, "solution": false}
# ## Q2. Feature-map sizes of any conv/pool stack (3 points)
#
# Write `feature_map_sizes(input_size, layers)` where `layers` is a list of
# `(kind, kernel, stride, padding)` tuples, `kind` being `"conv"` (floor rule) or
# `"pool"` (max pool, ceil rule with the correction above). Return the list of side
# lengths after each layer. Raise `ValueError` for an unknown `kind` or when a layer's
# window no longer fits in its (padded) input.
#
# Example: `feature_map_sizes(224, [("conv", 7, 2, 1), ("pool", 3, 2, 0)])` gives the
# first two answers of Q1.

# %% nbgrader={"grade": false, "grade_id": "ch03_zfnet_q2_answer", "locked": false, "schema_version": 3, "solution": true}
def feature_map_sizes(input_size, layers):
    """Side length after each ("conv" | "pool", kernel, stride, padding) layer."""
    ### BEGIN SOLUTION
    sizes, n = [], input_size
    for kind, k, s, p in layers:
        if kind not in ("conv", "pool"):
            raise ValueError(f"unknown layer kind {kind!r}; use 'conv' or 'pool'")
        if k > n + 2 * p:
            raise ValueError(f"a {k}-wide window does not fit a padded input of {n + 2 * p}")
        if kind == "conv":
            n = (n + 2 * p - k) // s + 1
        else:
            out = math.ceil((n + 2 * p - k) / s) + 1
            n = out - 1 if (out - 1) * s >= n + p else out
        sizes.append(n)
    return sizes
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch03_zfnet_q2_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.equal("feature_map_sizes(227, [('conv', 11, 4, 0)])", [55], hint="a list of ints, one per layer")
check.equal("feature_map_sizes(6, [('pool', 3, 2, 0)])", [3], hint="pools round up: ceil((6 - 3) / 2) + 1")
check.integer("len(feature_map_sizes(224, [('conv', 7, 2, 1), ('pool', 3, 2, 0), ('conv', 5, 2, 0)]))", 3,
              hint="one size per layer")
### BEGIN HIDDEN TESTS
import random


def pool_ceil(n, k, s, p):
    out = -((-(n + 2 * p - k)) // s) + 1      # ceil division
    if (out - 1) * s >= n + p:                 # the last window would start in the padding
        out -= 1
    return out


rng = random.Random(7)
cases = 0
while cases < 60:
    n = rng.randint(8, 40)
    layers, modules, side = [], [], n
    for _ in range(rng.randint(1, 4)):
        kind, k, s = rng.choice(("conv", "pool")), rng.randint(1, 5), rng.randint(1, 3)
        p = rng.randint(0, k // 2)
        if k > side + 2 * p:
            break
        layers.append((kind, k, s, p))
        if kind == "conv":
            side = (side + 2 * p - k) // s + 1
            modules.append(nn.Conv2d(1, 1, k, s, p))
        else:
            side = pool_ceil(side, k, s, p)
            modules.append(nn.MaxPool2d(k, s, p, ceil_mode=True))
    if not layers:
        continue
    x, sizes = torch.zeros(1, 1, n, n), []
    with torch.no_grad():
        for m in modules:
            x = m(x)
            sizes.append(x.shape[-1])
    assert sizes[-1] == side, "the ceil rule vs PyTorch"
    check.equal(f"feature_map_sizes({n}, {layers!r})", sizes,
                hint="a list of ints as PyTorch computes them: convolutions floor, ceil-mode pools round up "
                     "unless the last window would start in the padding")
    cases += 1
check.raises("feature_map_sizes(32, [('avg', 2, 2, 0)])", ValueError, name="an unknown kind",
             hint="raise ValueError for a kind other than 'conv' or 'pool'")
check.raises("feature_map_sizes(4, [('conv', 3, 1, 0)] * 3)", ValueError, name="a window larger than the input",
             hint="raise ValueError when a layer's window does not fit its padded input")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch03_zfnet_q3", "locked": true, "schema_version": 3, "solution": false}
# ## Q3. What each POOL1 unit sees (2 points)
#
# With `r <- r + (k - 1) * j`, `j <- j * s` (from chapter 0), give the receptive
# field `r` and the jump `j` (input pixels between neighbouring units) of a POOL1
# unit: `alexnet_pool1_rf`, `alexnet_pool1_jump` (CONV1 11x11/4 then POOL1 3x3/2) and
# `zf_pool1_rf`, `zf_pool1_jump` (CONV1 7x7/2 then POOL1 3x3/2). A smaller jump means
# the first layers sample the image more densely.

# %% nbgrader={"grade": false, "grade_id": "ch03_zfnet_q3_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
def _rf(layers):
    r, j = 1, 1
    for k, s in layers:
        r, j = r + (k - 1) * j, j * s
    return r, j

alexnet_pool1_rf, alexnet_pool1_jump = _rf([(11, 4), (3, 2)])
zf_pool1_rf, zf_pool1_jump = _rf([(7, 2), (3, 2)])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch03_zfnet_q3_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("zf_pool1_rf < alexnet_pool1_rf", "ZFNet's POOL1 units should see a smaller patch than AlexNet's")
check.true("zf_pool1_jump < alexnet_pool1_jump", "ZFNet's POOL1 units should be packed more densely than AlexNet's")
### BEGIN HIDDEN TESTS
import cnnlib

alex, zf = cnnlib.receptive_field([(11, 4), (3, 2)]), cnnlib.receptive_field([(7, 2), (3, 2)])
assert [alex[0], alex[1], zf[0], zf[1]] == [1 + 10 + 2 * 4, 4 * 2, 1 + 6 + 2 * 2, 2 * 2], \
    "cnnlib.receptive_field vs the recurrence"
check.integer("alexnet_pool1_rf", alex[0], hint="the pool's 3x3 window steps CONV1's stride in input pixels")
check.integer("alexnet_pool1_jump", alex[1], hint="the jump multiplies by each layer's stride")
check.integer("zf_pool1_rf", zf[0], hint="the pool's 3x3 window steps CONV1's stride in input pixels")
check.integer("zf_pool1_jump", zf[1], hint="the jump multiplies by each layer's stride")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch03_zfnet_q4", "locked": true, "schema_version": 3, "solution": false}
# ## Q4. Wider CONV3-5 (2 points)
#
# CONV3-5 are 3x3 convolutions (stride 1, padding 1, biases) on the 256-channel
# output of CONV2/POOL2, all at the same spatial size.
#
# * `zf_conv345_params`: parameters of CONV3-5 with 384, 384, 256 filters (Fig. 3);
# * `zf_wide_conv345_params`: the same with 512, 1024, 512 filters (the slide);
# * `conv345_macs_ratio`: how many times more multiply-accumulates the wide CONV3-5 cost
#   than the Fig. 3 ones (a float).

# %% nbgrader={"grade": false, "grade_id": "ch03_zfnet_q4_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
def _stack(widths, c_in=256):
    params = macs_per_pixel = 0
    for c_out in widths:
        params += c_out * (c_in * 9 + 1)
        macs_per_pixel += c_out * c_in * 9
        c_in = c_out
    return params, macs_per_pixel

zf_conv345_params, _macs = _stack((384, 384, 256))
zf_wide_conv345_params, _wide_macs = _stack((512, 1024, 512))
conv345_macs_ratio = _wide_macs / _macs
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch03_zfnet_q4_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("zf_wide_conv345_params > zf_conv345_params", "the wide CONV3-5 should have more parameters")
check.true("conv345_macs_ratio > 1.0", "the wide CONV3-5 should cost more multiply-accumulates")
### BEGIN HIDDEN TESTS
import cnnlib
from cnnlib.models.zfnet import zfnet, zfnet_cs231n

narrow = 384 * (256 * 9 + 1) + 384 * (384 * 9 + 1) + 256 * (384 * 9 + 1)
wide = 512 * (256 * 9 + 1) + 1024 * (512 * 9 + 1) + 512 * (1024 * 9 + 1)
ratio = (512 * 256 + 1024 * 512 + 512 * 1024) / (384 * 256 + 384 * 384 + 256 * 384)
from_cnnlib = []
for builder in (zfnet, zfnet_cs231n):
    with torch.device("meta"):
        net = builder()
    summary = cnnlib.summarize(net, (3, 224, 224))
    from_cnnlib.append(sum(summary.row(f"body.conv{i}").params for i in (3, 4, 5)))
check.integer("zf_conv345_params", narrow,
              hint="each layer's input channels are the previous layer's filters (256 into CONV3); count the biases")
check.integer("zf_wide_conv345_params", wide,
              hint="each layer's input channels are the previous layer's filters (256 into CONV3); count the biases")
check.close("conv345_macs_ratio", ratio, rtol=1e-4,
            hint="wide MACs / Fig. 3 MACs; the spatial size is the same for both and cancels")
check.integer("zf_conv345_params", from_cnnlib[0], name="zf_conv345_params vs cnnlib.zfnet")
check.integer("zf_wide_conv345_params", from_cnnlib[1], name="zf_wide_conv345_params vs cnnlib.zfnet_cs231n")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch03_zfnet_q5", "locked": true, "schema_version": 3, "solution": false}
# ## Q5. The whole network (2 points)
#
# `zfnet_params`: total learnable parameters of the Fig. 3 ZFNet with 1000 classes:
# CONV1 (96, 7x7, on 3 channels), CONV2 (256, 5x5), CONV3-5 (384, 384, 256, 3x3), then
# FC6 and FC7 with 4096 units on the flattened `256 x 6 x 6` POOL5 output and FC8 with
# 1000. `zfnet_minus_alexnet_params`: how many parameters more (negative: fewer) ZFNet
# has than the single-tower AlexNet of chapter 2 (96-256-384-384-256 filters, 11x11
# CONV1, same FC layers).

# %% nbgrader={"grade": false, "grade_id": "ch03_zfnet_q5_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
_fc = 4096 * (256 * 6 * 6 + 1) + 4096 * (4096 + 1) + 1000 * (4096 + 1)
zfnet_params = 96 * (3 * 49 + 1) + 256 * (96 * 25 + 1) + zf_conv345_params + _fc
_alexnet = 96 * (3 * 121 + 1) + 256 * (96 * 25 + 1) + zf_conv345_params + _fc
zfnet_minus_alexnet_params = zfnet_params - _alexnet
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch03_zfnet_q5_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("isinstance(zfnet_params, int) and zfnet_params > 0", "zfnet_params should be a positive int")
check.true("zfnet_minus_alexnet_params < 0", "CONV1 is smaller; nothing else changes")
### BEGIN HIDDEN TESTS
from cnnlib.models.alexnet import alexnet_ungrouped
from cnnlib.models.zfnet import zfnet

fc = 4096 * (9216 + 1) + 4096 * (4096 + 1) + 1000 * (4096 + 1)
rest = 256 * (96 * 25 + 1) + 384 * (256 * 9 + 1) + 384 * (384 * 9 + 1) + 256 * (384 * 9 + 1) + fc
with torch.device("meta"):
    zf = zfnet()
    alex = alexnet_ungrouped()
zf_count = sum(p.numel() for p in zf.parameters())
alex_count = sum(p.numel() for p in alex.parameters())
check.integer("zfnet_params", 96 * (3 * 49 + 1) + rest,
              hint="CONV1 to CONV5 and FC6 to FC8, biases included; FC6 sees 256 x 6 x 6")
check.integer("zfnet_minus_alexnet_params", 96 * (3 * 49 + 1) - 96 * (3 * 121 + 1),
              hint="ZFNet minus AlexNet: only CONV1 differs")
check.integer("zfnet_params", zf_count, name="zfnet_params vs cnnlib.zfnet()")
check.integer("zfnet_minus_alexnet_params", zf_count - alex_count, name="zfnet_minus_alexnet_params vs cnnlib")
### END HIDDEN TESTS
