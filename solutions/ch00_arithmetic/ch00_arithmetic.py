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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch00_arithmetic_intro", "locked": true, "schema_version": 3, "solution": false}
# # Chapter 0 exercises: CNN arithmetic
#
# Before comparing architectures we need four numbers for any layer: the **output
# size**, the number of **parameters**, the amount of **compute** and the
# **activation memory**; and for a stack of layers, the **receptive field**.
# Conventions used throughout the course (the same as `cnnlib`):
#
# * **MACs** count the multiply-accumulates of convolutions and linear layers; a
#   convolution costs `C_out * (C_in / groups) * K * K * H_out * W_out` MACs for one
#   image. Bias additions are not counted.
# * **FLOPs** are `2 x MACs` (one multiply and one add). Several lecture slides say
#   "flops" for what is really a MAC count; watch for it.
# * **Memory** is the size of a layer's output activations in float32, 4 bytes per
#   number, for one image.
#
# Answer in the cells marked *YOUR CODE HERE* (replace `raise NotImplementedError()`),
# then run the test cell below each answer. The visible tests catch the obvious slips;
# the grader runs more tests on other sizes and compares your modules with `cnnlib`'s
# reference implementations. Numeric answers are plain Python `int`s (counts and sizes)
# or `float`s (ratios); compute them in the cell rather than typing a number.

# %% nbgrader={"grade": false, "grade_id": "ch00_arithmetic_setup", "locked": true, "schema_version": 3, "solution": false}
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    # %pip install -q "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
    import cnnlib

import math

import torch
from torch import nn


# %% [markdown] nbgrader={"grade": false, "grade_id": "ch00_arithmetic_q1", "locked": true, "schema_version": 3, "solution": false}
# ## Q1. Output size of a convolution (3 points)
#
# A convolution with kernel `K`, stride `S`, padding `P` and dilation `D` over an
# input of length `W` produces `floor((W + 2P - D(K-1) - 1) / S) + 1` outputs along
# that axis (PyTorch floors when the filter does not tile the input exactly).
#
# Write `conv_output_size(size, kernel, stride=1, padding=0, dilation=1)` returning
# that `int`. Raise `ValueError` (with a message saying what is wrong) when `size`,
# `kernel`, `stride` or `dilation` is not a positive `int`, when `padding` is a
# negative or non-`int` value, or when the dilated kernel is larger than the padded
# input.

# %% nbgrader={"grade": false, "grade_id": "ch00_arithmetic_q1_answer", "locked": false, "schema_version": 3, "solution": true}
def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    """Output length of a convolution along one axis."""
    ### BEGIN SOLUTION
    for name, value, low in (("size", size, 1), ("kernel", kernel, 1),
                             ("stride", stride, 1), ("padding", padding, 0),
                             ("dilation", dilation, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    effective = dilation * (kernel - 1) + 1
    if effective > size + 2 * padding:
        raise ValueError(
            f"the kernel spans {effective} pixels but the padded input has only "
            f"{size + 2 * padding}; use more padding or a smaller kernel")
    return (size + 2 * padding - effective) // stride + 1
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch00_arithmetic_q1_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.integer("conv_output_size(227, 11, stride=4)", 55, hint="AlexNet CONV1")
check.integer("conv_output_size(32, 5)", 28, hint="LeNet-5 C1")
check.integer("conv_output_size(224, 3, stride=1, padding=1)", 224)
check.integer("conv_output_size(7, 3, stride=2)", 3, hint="floor the division")
check.raises("conv_output_size(3, 5)", ValueError, hint="the kernel does not fit")
### BEGIN HIDDEN TESTS
for size in range(1, 15):
    for k in range(1, 6):
        for s in range(1, 4):
            for p in range(0, 3):
                for d in (1, 2):
                    expr = f"conv_output_size({size}, {k}, stride={s}, padding={p}, dilation={d})"
                    span = size + 2 * p - (d * (k - 1) + 1)
                    if span < 0:
                        check.raises(expr, ValueError, hint="the dilated kernel does not fit")
                    else:
                        check.integer(expr, span // s + 1)
for size, k, s, p, d in ((227, 11, 4, 0, 1), (13, 3, 2, 1, 1), (10, 3, 3, 0, 2), (31, 4, 2, 1, 1)):
    with torch.no_grad():
        out = nn.Conv2d(1, 1, k, s, p, d)(torch.zeros(1, 1, size, size))
    check.integer(f"conv_output_size({size}, {k}, {s}, {p}, {d})", out.shape[-1], hint="as nn.Conv2d computes it")
check.raises("conv_output_size(10, 3, 0)", ValueError, name="stride=0")
check.raises("conv_output_size(10, 3, 1, -1)", ValueError, name="padding=-1")
check.raises("conv_output_size(10, 0)", ValueError, name="kernel=0")
check.raises("conv_output_size(10.0, 3)", ValueError, name="a float size")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch00_arithmetic_q2", "locked": true, "schema_version": 3, "solution": false}
# ## Q2. Parameters and MACs of a convolution (3 points)
#
# A grouped convolution splits the `C_in` input and `C_out` output channels into
# `groups` groups; each output channel only sees the `C_in / groups` input channels of
# its group (`groups = C_in` is a depthwise convolution).
#
# * `conv_params(c_in, c_out, kernel, bias=True, groups=1)`: the number of learnable
#   parameters of a square `kernel x kernel` convolution. Raise `ValueError` if
#   `groups` does not divide both `c_in` and `c_out`.
# * `conv_macs(c_in, c_out, kernel, out_h, out_w, groups=1)`: its multiply-accumulates
#   for one image whose output map is `out_h x out_w`.

# %% nbgrader={"grade": false, "grade_id": "ch00_arithmetic_q2_answer", "locked": false, "schema_version": 3, "solution": true}
def conv_params(c_in, c_out, kernel, bias=True, groups=1):
    """Learnable parameters of a kernel x kernel convolution."""
    ### BEGIN SOLUTION
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must divide c_in={c_in} and c_out={c_out}")
    return c_out * (c_in // groups) * kernel * kernel + (c_out if bias else 0)
    ### END SOLUTION


def conv_macs(c_in, c_out, kernel, out_h, out_w, groups=1):
    """Multiply-accumulates of that convolution for one image."""
    ### BEGIN SOLUTION
    return conv_params(c_in, c_out, kernel, bias=False, groups=groups) * out_h * out_w
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch00_arithmetic_q2_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.integer("conv_params(3, 96, 11)", (11 * 11 * 3 + 1) * 96, hint="AlexNet CONV1: count the biases too")
check.integer("conv_params(64, 64, 3, bias=False)", 3 * 3 * 64 * 64)
check.integer("conv_params(32, 32, 3, groups=32)", 32 * 9 + 32, hint="depthwise 3x3: each filter sees C_in / groups channels")
check.integer("conv_macs(3, 96, 11, 55, 55)", 96 * 11 * 11 * 3 * 55 * 55, hint="MACs, not FLOPs")
check.raises("conv_params(10, 16, 3, groups=4)", ValueError, hint="4 does not divide 10")
### BEGIN HIDDEN TESTS
from torch.utils.flop_counter import FlopCounterMode

for c_in, c_out, k, g, bias in ((3, 96, 11, 1, True), (96, 256, 5, 2, True), (32, 32, 3, 32, False),
                                (64, 128, 1, 4, True), (6, 16, 5, 1, True), (12, 18, 3, 3, False)):
    conv = nn.Conv2d(c_in, c_out, k, groups=g, bias=bias)
    params = c_out * (c_in // g) * k * k + (c_out if bias else 0)
    assert sum(p.numel() for p in conv.parameters()) == params, "formula vs nn.Conv2d"
    with FlopCounterMode(display=False) as counter:
        y = conv(torch.zeros(1, c_in, 13, 13))
    oh, ow = y.shape[2], y.shape[3]
    check.integer(f"conv_params({c_in}, {c_out}, {k}, bias={bias}, groups={g})", params,
                  hint="C_out * (C_in / groups) * K * K weights, plus C_out biases when bias=True")
    check.integer(f"conv_macs({c_in}, {c_out}, {k}, {oh}, {ow}, groups={g})", counter.get_total_flops() // 2,
                  hint="as torch's FlopCounterMode / 2 counts them: MACs, divide C_in by groups, no biases")
check.integer("conv_macs(256, 512, 3, 28, 28)", 512 * 256 * 9 * 28 * 28)
check.raises("conv_params(10, 16, 3, True, 4)", ValueError, name="conv_params(10, 16, 3, groups=4)",
             hint="groups must divide c_in")
check.raises("conv_params(16, 10, 1, groups=4)", ValueError, hint="groups must divide c_out too")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch00_arithmetic_q3", "locked": true, "schema_version": 3, "solution": false}
# ## Q3. AlexNet's first two layers (2 points)
#
# The lecture's AlexNet takes a 227x227x3 image. CONV1 has 96 filters of 11x11 at
# stride 4 without padding; POOL1 is a 3x3 max pool at stride 2. Fill in:
#
# * `conv1_output_shape` and `pool1_output_shape`: `(channels, height, width)` tuples;
# * `conv1_params` (with biases), `conv1_macs`, `conv1_flops`;
# * `conv1_memory_bytes`: bytes of CONV1's float32 output for one image;
# * `pool1_params`.
#
# Use your functions from Q1 and Q2 (or plain arithmetic); don't type the results.

# %% nbgrader={"grade": false, "grade_id": "ch00_arithmetic_q3_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
_side = conv_output_size(227, 11, stride=4)
conv1_output_shape = (96, _side, _side)
conv1_params = conv_params(3, 96, 11)
conv1_macs = conv_macs(3, 96, 11, _side, _side)
conv1_flops = 2 * conv1_macs
conv1_memory_bytes = 96 * _side * _side * 4
_pooled = conv_output_size(_side, 3, stride=2)
pool1_output_shape = (96, _pooled, _pooled)
pool1_params = 0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch00_arithmetic_q3_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.integer("len(conv1_output_shape)", 3, hint="(channels, height, width)")
check.integer("conv1_output_shape[0]", 96, hint="the channels come first")
check.integer("pool1_output_shape[0]", 96, hint="pooling keeps the channels")
check.true("conv1_flops == 2 * conv1_macs", "conv1_flops should be 2 x conv1_macs")
### BEGIN HIDDEN TESTS
import cnnlib
from cnnlib.models.alexnet import alexnet_ungrouped

side = (227 - 11) // 4 + 1
pooled = (side - 3) // 2 + 1
with torch.device("meta"):
    net = alexnet_ungrouped()
summary = cnnlib.summarize(net, (3, 227, 227))
conv1_row, pool1_row = summary.row("body.conv1"), summary.row("body.pool1")

check.shape("conv1_output_shape", (96, side, side), hint="(channels, height, width); floor the division by the stride")
check.shape("pool1_output_shape", (96, pooled, pooled), hint="a 3x3 pool at stride 2 over CONV1's output")
check.integer("conv1_params", (11 * 11 * 3 + 1) * 96, hint="count the biases too")
check.integer("conv1_macs", 96 * 11 * 11 * 3 * side * side, hint="MACs, not FLOPs: C_out * C_in * K * K * H_out * W_out")
check.integer("conv1_flops", 2 * 96 * 11 * 11 * 3 * side * side, hint="FLOPs = 2 x MACs")
check.integer("conv1_memory_bytes", 4 * 96 * side * side, hint="4 bytes per float32 of CONV1's output, one image")
check.integer("pool1_params", 0, hint="max pooling learns nothing")
# the same numbers from cnnlib's summary of the lecture's (single-tower) AlexNet
check.integer("conv1_params", conv1_row.params, name="conv1_params vs cnnlib.summarize")
check.integer("conv1_macs", conv1_row.macs, name="conv1_macs vs cnnlib.summarize")
check.integer("conv1_memory_bytes", conv1_row.memory_bytes, name="conv1_memory_bytes vs cnnlib.summarize")
check.shape("pool1_output_shape", tuple(pool1_row.output_shape), name="pool1_output_shape vs cnnlib.summarize")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch00_arithmetic_q4", "locked": true, "schema_version": 3, "solution": false}
# ## Q4. Receptive fields (3 points)
#
# The receptive field of a unit is the patch of input pixels it depends on. For a
# stack of layers given as `(kernel, stride)` pairs, first layer first, it grows as
# `r <- r + (kernel - 1) * j` and `j <- j * stride`, starting from `r = 1`, `j = 1`
# (`j` is the distance in input pixels between neighbouring units of the current layer).
#
# * Write `receptive_field(layers)` returning `r`; raise `ValueError` if `layers` is
#   empty.
# * `rf_three_3x3`: receptive field of three stacked 3x3 stride-1 convolutions.
# * `rf_alexnet_pool1`: receptive field of a POOL1 unit of AlexNet (CONV1 11x11 stride
#   4, then POOL1 3x3 stride 2).
# * `params_three_3x3` and `params_one_7x7`: weights (no biases) of three 3x3 layers
#   with 256 input and 256 output channels each, versus one 7x7 layer with 256 in and
#   256 out: the VGG argument for small filters.

# %% nbgrader={"grade": false, "grade_id": "ch00_arithmetic_q4_answer", "locked": false, "schema_version": 3, "solution": true}
def receptive_field(layers):
    """Receptive field of a stack of (kernel, stride) layers."""
    ### BEGIN SOLUTION
    layers = list(layers)
    if not layers:
        raise ValueError("layers is empty: give at least one (kernel, stride) pair")
    size, jump = 1, 1
    for kernel, stride in layers:
        size += (kernel - 1) * jump
        jump *= stride
    return size
    ### END SOLUTION


### BEGIN SOLUTION
rf_three_3x3 = receptive_field([(3, 1)] * 3)
rf_alexnet_pool1 = receptive_field([(11, 4), (3, 2)])
params_three_3x3 = 3 * conv_params(256, 256, 3, bias=False)
params_one_7x7 = conv_params(256, 256, 7, bias=False)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch00_arithmetic_q4_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.integer("receptive_field([(3, 1)])", 3)
check.integer("receptive_field([(2, 2), (2, 2)])", 4, hint="the second layer's kernel spans jump = 2 input pixels")
check.true("rf_three_3x3 == receptive_field([(3, 1), (3, 1), (3, 1)])",
           "rf_three_3x3 should equal receptive_field([(3, 1), (3, 1), (3, 1)])")
check.true("params_three_3x3 < params_one_7x7", "three 3x3 layers should have fewer weights than one 7x7 layer")
### BEGIN HIDDEN TESTS
import random

import cnnlib

rng = random.Random(2024)
for trial in range(200):
    layers = [(rng.randint(1, 7), rng.randint(1, 3)) for _ in range(rng.randint(1, 6))]
    r, j = 1, 1
    for k, s in layers:
        r, j = r + (k - 1) * j, j * s
    check.integer(f"receptive_field({layers!r})", r,
                  hint="r grows by (kernel - 1) * jump, and the jump multiplies by the stride after each layer")
check.raises("receptive_field([])", ValueError, hint="raise ValueError for an empty stack of layers")
check.integer("rf_three_3x3", 1 + 2 + 2 + 2)
check.integer("rf_alexnet_pool1", 1 + 10 + 2 * 4, hint="POOL1's 3x3 window steps 4 input pixels (CONV1's stride)")
check.integer("rf_alexnet_pool1", cnnlib.receptive_field([(11, 4), (3, 2)])[0],
              name="rf_alexnet_pool1 vs cnnlib.receptive_field")
check.integer("params_three_3x3", 3 * 9 * 256 * 256, hint="three layers, weights only (no biases)")
check.integer("params_one_7x7", 49 * 256 * 256, hint="weights only (no biases)")
### END HIDDEN TESTS
