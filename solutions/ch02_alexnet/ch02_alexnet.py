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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch02_alexnet_intro", "locked": true, "schema_version": 3, "solution": false}
# # Chapter 2 exercises: AlexNet
#
#         AlexNet (Krizhevsky, Sutskever and Hinton, 2012) won ImageNet 2012 and started the
#         deep-learning era of computer vision: ReLU, dropout, data augmentation, overlapping
#         max pooling, local response normalization (LRN) and two GPUs. We work with the
#         lecture's "simplified" single-tower version (no split across GPUs), 227x227x3 input:
#
# | layer | what | output |
# |---|---|---|
# | CONV1 | 96 filters 11x11, stride 4, pad 0; ReLU; LRN | ? |
# | POOL1 | 3x3 max pool, stride 2 | ? |
# | CONV2 | 256 filters 5x5, stride 1, pad 2; ReLU; LRN | ? |
# | POOL2 | 3x3 max pool, stride 2 | ? |
# | CONV3 | 384 filters 3x3, stride 1, pad 1; ReLU | ? |
# | CONV4 | 384 filters 3x3, stride 1, pad 1; ReLU | ? |
# | CONV5 | 256 filters 3x3, stride 1, pad 1; ReLU | ? |
# | POOL3 | 3x3 max pool, stride 2 | ? |
# | FC6 | 4096 units; ReLU; dropout | 4096 |
# | FC7 | 4096 units; ReLU; dropout | 4096 |
# | FC8 | 1000 class scores | 1000 |
#
# Answer in the cells marked *YOUR CODE HERE* (replace `raise NotImplementedError()`),
# then run the test cell below each answer. The visible tests catch the obvious slips;
# the grader runs more tests on other sizes and compares your modules with `cnnlib`'s
# reference implementations. Numeric answers are plain Python `int`s (counts and sizes)
# or `float`s (ratios); compute them in the cell rather than typing a number.

# %% nbgrader={"grade": false, "grade_id": "ch02_alexnet_setup", "locked": true, "schema_version": 3, "solution": false}
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    # %pip install -q "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
    import cnnlib

import math

import torch
from torch import nn


# %% [markdown] nbgrader={"grade": false, "grade_id": "ch02_alexnet_q1", "locked": true, "schema_version": 3, "solution": false}
# ## Q1. Output shapes (2 points)
#
# Fill the "output" column: `alexnet_shapes` is a dict mapping `"conv1"`, `"pool1"`,
# `"conv2"`, `"pool2"`, `"conv3"`, `"conv4"`, `"conv5"` and `"pool3"` to
# `(channels, height, width)` tuples.

# %% nbgrader={"grade": false, "grade_id": "ch02_alexnet_q1_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
def _out(size, k, s, p=0):
    return (size + 2 * p - k) // s + 1

alexnet_shapes = {}
_side = _out(227, 11, 4)
alexnet_shapes["conv1"] = (96, _side, _side)
_side = _out(_side, 3, 2)
alexnet_shapes["pool1"] = (96, _side, _side)
_side = _out(_side, 5, 1, 2)
alexnet_shapes["conv2"] = (256, _side, _side)
_side = _out(_side, 3, 2)
alexnet_shapes["pool2"] = (256, _side, _side)
for _name, _c in (("conv3", 384), ("conv4", 384), ("conv5", 256)):
    _side = _out(_side, 3, 1, 1)
    alexnet_shapes[_name] = (_c, _side, _side)
_side = _out(_side, 3, 2)
alexnet_shapes["pool3"] = (256, _side, _side)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch02_alexnet_q1_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.equal("sorted(alexnet_shapes)", ["conv1", "conv2", "conv3", "conv4", "conv5", "pool1", "pool2", "pool3"],
            name="the keys of alexnet_shapes")
check.integer("alexnet_shapes['conv1'][0]", 96, hint="(channels, height, width): the channels come first")
### BEGIN HIDDEN TESTS
import cnnlib
from cnnlib.models.alexnet import alexnet_ungrouped

# the lecture's single-tower AlexNet, recomputed from its table
shapes, side = {}, 227
for name, c_out, k, s, p in (("conv1", 96, 11, 4, 0), ("conv2", 256, 5, 1, 2), ("conv3", 384, 3, 1, 1),
                             ("conv4", 384, 3, 1, 1), ("conv5", 256, 3, 1, 1)):
    side = (side + 2 * p - k) // s + 1
    shapes[name] = (c_out, side, side)
    if name in ("conv1", "conv2", "conv5"):
        side = (side - 3) // 2 + 1
        shapes[{"conv1": "pool1", "conv2": "pool2", "conv5": "pool3"}[name]] = (c_out, side, side)
check.shapes("alexnet_shapes", shapes,
             hint="(C, H, W) tuples; floor((n + 2p - k) / s) + 1 for the convolutions and the 3x3 stride-2 pools")
with torch.device("meta"):
    net = alexnet_ungrouped()
summary = cnnlib.summarize(net, (3, 227, 227))
for name, row in (("conv1", "body.conv1"), ("pool1", "body.pool1"), ("pool2", "body.pool2"), ("pool3", "body.pool5")):
    check.shape(f"alexnet_shapes[{name!r}]", tuple(summary.row(row).output_shape),
                name=f"alexnet_shapes[{name!r}] vs cnnlib.summarize")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch02_alexnet_q2", "locked": true, "schema_version": 3, "solution": false}
# ## Q2. Parameters (2 points)
#
# `alexnet_params`: a dict mapping `"conv1"` ... `"conv5"`, `"fc6"`, `"fc7"`, `"fc8"`
# to the number of learnable parameters of that layer, biases included. FC6 sees the
# flattened POOL3 output. `alexnet_total_params`: their sum (pooling, ReLU and LRN have
# no parameters).

# %% nbgrader={"grade": false, "grade_id": "ch02_alexnet_q2_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
alexnet_params = {}
_c_in = 3
for _name, _c_out, _k in (("conv1", 96, 11), ("conv2", 256, 5), ("conv3", 384, 3),
                          ("conv4", 384, 3), ("conv5", 256, 3)):
    alexnet_params[_name] = _c_out * (_c_in * _k * _k + 1)
    _c_in = _c_out
_n_in = 256 * alexnet_shapes["pool3"][1] * alexnet_shapes["pool3"][2]
for _name, _n_out in (("fc6", 4096), ("fc7", 4096), ("fc8", 1000)):
    alexnet_params[_name] = _n_out * (_n_in + 1)
    _n_in = _n_out
alexnet_total_params = sum(alexnet_params.values())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch02_alexnet_q2_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.equal("sorted(alexnet_params)", ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"],
            name="the keys of alexnet_params")
check.integer("alexnet_params['conv1']", (11 * 11 * 3 + 1) * 96, hint="count the biases too")
check.true("alexnet_total_params == sum(alexnet_params.values())",
           "alexnet_total_params should be the sum of alexnet_params")
### BEGIN HIDDEN TESTS
from cnnlib.models.alexnet import alexnet_ungrouped

# the lecture's single-tower AlexNet, recomputed from its table
params = {}
for name, c_in, c_out, k in (("conv1", 3, 96, 11), ("conv2", 96, 256, 5), ("conv3", 256, 384, 3),
                             ("conv4", 384, 384, 3), ("conv5", 384, 256, 3)):
    params[name] = c_out * (c_in * k * k + 1)
for name, n_in, n_out in (("fc6", 256 * 6 * 6, 4096), ("fc7", 4096, 4096), ("fc8", 4096, 1000)):
    params[name] = n_out * (n_in + 1)
with torch.device("meta"):
    net = alexnet_ungrouped()

check.true("type(alexnet_params) is dict", "alexnet_params should be a dict")
for name, value in params.items():
    check.integer(f"alexnet_params[{name!r}]", value,
                  hint="FC6 sees the flattened 256 x 6 x 6 POOL3 output" if name == "fc6" else "count the biases too")
check.integer("alexnet_total_params", sum(params.values()))
check.integer("alexnet_total_params", sum(p.numel() for p in net.parameters()), name="alexnet_total_params vs cnnlib")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch02_alexnet_q3", "locked": true, "schema_version": 3, "solution": false}
# ## Q3. Where do memory, parameters and compute go? (2 points)
#
# Answer with layer names from the table (`"conv1"` ... `"conv5"`, `"pool1"`,
# `"pool2"`, `"pool3"`, `"fc6"`, `"fc7"`, `"fc8"`):
#
# * `most_memory_layer`: the layer whose output activation is largest;
# * `most_params_layer`: the layer with the most parameters;
# * `most_macs_layer`: the layer with the most multiply-accumulates;
# * `fc_params_fraction`: the fraction (a float between 0 and 1) of all parameters that
#   sit in FC6, FC7 and FC8.
#
# (`cnnlib.summarize(cnnlib.get_model("alexnet_ungrouped"), (3, 227, 227))` prints the
# whole table, if you want to check your reasoning.)

# %% nbgrader={"grade": false, "grade_id": "ch02_alexnet_q3_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
_memory = {name: c * h * w for name, (c, h, w) in alexnet_shapes.items()}
most_memory_layer = max(_memory, key=_memory.get)
most_params_layer = max(alexnet_params, key=alexnet_params.get)
_macs = {}
_c_in = 3
for _name, _k in (("conv1", 11), ("conv2", 5), ("conv3", 3), ("conv4", 3), ("conv5", 3)):
    _c_out, _h, _w = alexnet_shapes[_name]
    _macs[_name] = _c_out * _c_in * _k * _k * _h * _w
    _c_in = _c_out
for _name, _n_out in (("fc6", 4096), ("fc7", 4096), ("fc8", 1000)):
    _macs[_name] = alexnet_params[_name] - _n_out      # weights = MACs for one image
most_macs_layer = max(_macs, key=_macs.get)
fc_params_fraction = (alexnet_params["fc6"] + alexnet_params["fc7"] + alexnet_params["fc8"]) / alexnet_total_params
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch02_alexnet_q3_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

test_names = ("conv1", "conv2", "conv3", "conv4", "conv5", "pool1", "pool2", "pool3", "fc6", "fc7", "fc8")
for test_answer in ("most_memory_layer", "most_params_layer", "most_macs_layer"):
    check.true(f"{test_answer} in {test_names!r}", f"{test_answer} should be a layer name from the table")
check.true("0.0 < fc_params_fraction < 1.0", "fc_params_fraction should be a fraction between 0 and 1")
### BEGIN HIDDEN TESTS
# the lecture's single-tower AlexNet, recomputed from its table
params, macs, memory = {}, {}, {}
side = 227
for name, c_in, c_out, k, s, p in (("conv1", 3, 96, 11, 4, 0), ("conv2", 96, 256, 5, 1, 2),
                                   ("conv3", 256, 384, 3, 1, 1), ("conv4", 384, 384, 3, 1, 1),
                                   ("conv5", 384, 256, 3, 1, 1)):
    side = (side + 2 * p - k) // s + 1
    params[name] = c_out * (c_in * k * k + 1)
    macs[name] = c_out * c_in * k * k * side * side
    memory[name] = c_out * side * side
    if name in ("conv1", "conv2", "conv5"):
        side = (side - 3) // 2 + 1
        memory[{"conv1": "pool1", "conv2": "pool2", "conv5": "pool3"}[name]] = c_out * side * side
for name, n_in, n_out in (("fc6", 256 * 6 * 6, 4096), ("fc7", 4096, 4096), ("fc8", 4096, 1000)):
    params[name] = n_out * (n_in + 1)
    macs[name] = n_in * n_out
    memory[name] = n_out

check.choice("most_memory_layer", max(memory, key=memory.get), hint="compare the C x H x W of the output shapes")
check.choice("most_params_layer", max(params, key=params.get), hint="compare the parameter counts of Q2")
check.choice("most_macs_layer", max(macs, key=macs.get),
             hint="a convolution's weights are reused at every output position; a linear layer's once")
fc = params["fc6"] + params["fc7"] + params["fc8"]
check.close("fc_params_fraction", fc / sum(params.values()), rtol=1e-3,
            hint="the parameters of FC6 + FC7 + FC8 over all the parameters")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch02_alexnet_q4", "locked": true, "schema_version": 3, "solution": false}
# ## Q4. Implement AlexNet (5 points)
#
# Write `AlexNet(num_classes=1000, hidden=4096, dropout=0.5)`, an `nn.Module` for
# `N x 3 x 227 x 227` images implementing the table above (single tower, `groups=1`),
# with:
#
# * `nn.ReLU` after every convolution and after FC6 and FC7;
# * LRN as `nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0)` right after the
#   ReLUs of CONV1 and CONV2, *before* their max pool (the paper's order; the lecture's
#   table lists NORM after the pool);
# * `nn.MaxPool2d(3, stride=2)` for the pools;
# * flatten, then FC6 and FC7 with `hidden` units, each followed by ReLU and
#   `nn.Dropout(dropout)`, and FC8 with `num_classes` outputs.
#
# An `nn.AdaptiveAvgPool2d((6, 6))` before flattening is allowed (it changes nothing at
# 227x227). The grader compares your network with `cnnlib`'s `alexnet_ungrouped`.

# %% nbgrader={"grade": false, "grade_id": "ch02_alexnet_q4_answer", "locked": false, "schema_version": 3, "solution": true}
class AlexNet(nn.Module):
    def __init__(self, num_classes=1000, hidden=4096, dropout=0.5):
        super().__init__()
        ### BEGIN SOLUTION
        def lrn():
            return nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0)

        self.features = nn.Sequential(
            nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(inplace=True), lrn(),
            nn.MaxPool2d(3, stride=2),                                 # 96 x 27 x 27
            nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(inplace=True), lrn(),
            nn.MaxPool2d(3, stride=2),                                 # 256 x 13 x 13
            nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2),                                 # 256 x 6 x 6
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(256 * 6 * 6, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.classifier(self.features(x))
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch02_alexnet_q4_tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.shape("tuple(AlexNet(num_classes=10, hidden=64).eval()(x).shape)", (1, 10),
            name="AlexNet(num_classes=10, hidden=64)(x).shape", given={"x": torch.randn(1, 3, 227, 227)},
            hint="N x num_classes scores")
### BEGIN HIDDEN TESTS
import cnnlib
from cnnlib.models.alexnet import alexnet_ungrouped

# the full-size network, analysed on the meta device (no memory, no compute)
with torch.device("meta"):
    full = alexnet_ungrouped()
full_table = sorted((r.kind, r.params, tuple(r.output_shape))
                    for r in cnnlib.summarize(full, (3, 227, 227)).rows if r.params > 0)
full_params = 96 * (3 * 121 + 1) + 256 * (96 * 25 + 1) + 384 * (256 * 9 + 1) + 384 * (384 * 9 + 1) \
    + 256 * (384 * 9 + 1) + 4096 * (9216 + 1) + 4096 * (4096 + 1) + 1000 * (4096 + 1)
check.equal("sorted((r.kind, r.params, tuple(r.output_shape)) "
            "for r in cnnlib.summarize(AlexNet(), (3, 227, 227)).rows if r.params > 0)", full_table,
            name="AlexNet(): layers with weights as (kind, params, output shape)",
            hint="single tower (groups=1), the table's filters, strides and paddings, FC6 on 256 x 6 x 6")
check.parameters("AlexNet()", full_params, hint="the table's layers with biases; FC6 and FC7 have hidden units")
# a small head, real numbers
x = torch.randn(1, 3, 227, 227, generator=torch.Generator().manual_seed(0))
check.module("AlexNet(num_classes=7, hidden=32, dropout=0.25)",
             reference=alexnet_ungrouped(num_classes=7, hidden=32, dropout=0.25), inputs=x, input_size=(3, 227, 227),
             hint="ReLU after every convolution and after FC6 and FC7; LRN after the ReLUs of CONV1 and CONV2, "
                  "before their max pool")
### END HIDDEN TESTS
