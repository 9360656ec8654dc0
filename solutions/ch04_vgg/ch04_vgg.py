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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch04_vgg_intro", "locked": true, "schema_version": 3, "solution": false}
# # Chapter 4 exercises: VGG
#
# VGG (Simonyan and Zisserman, 2014) replaced AlexNet's hand-tuned mix of filter
# sizes by one rule: only 3x3 convolutions with stride 1 and padding 1, and 2x2 max
# pools with stride 2. The network is five *stages*; VGG-16 (configuration D) has
# 2, 2, 3, 3 and 3 convolutions with 64, 128, 256, 512 and 512 filters, followed by
# FC-4096, FC-4096 and FC-1000 on the `512 x 7 x 7` output of the last stage.
#
# Answer in the cells marked *YOUR CODE HERE* (replace `raise NotImplementedError()`),
# then run the test cell below each answer. The visible tests catch the obvious slips;
# the grader runs more tests on other sizes and compares your modules with `cnnlib`'s
# reference implementations. Numeric answers are plain Python `int`s (counts and sizes)
# or `float`s (ratios); compute them in the cell rather than typing a number.

# %% nbgrader={"grade": false, "grade_id": "ch04_vgg_setup", "locked": true, "schema_version": 3, "solution": false}
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    # %pip install -q "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
    import cnnlib

import math

import torch
from torch import nn


# %% [markdown] nbgrader={"grade": false, "grade_id": "ch04_vgg_q1", "locked": true, "schema_version": 3, "solution": false}
# ## Q1. A VGG stage builder (4 points)
#
# Write `make_vgg_stage(in_channels, out_channels, num_convs, batch_norm=False)`
# returning an `nn.Sequential` of `num_convs` blocks `nn.Conv2d(c, out_channels, 3,
# padding=1)` (with bias; `c` is `in_channels` for the first block and
# `out_channels` after), each followed by `nn.BatchNorm2d(out_channels)` if
# `batch_norm` and by `nn.ReLU`, and finally `nn.MaxPool2d(2, stride=2)`. Raise
# `ValueError` if `num_convs < 1`. A stage maps `C_in x H x W` to
# `C_out x H/2 x W/2`.

# %% nbgrader={"grade": false, "grade_id": "ch04_vgg_q1_answer", "locked": false, "schema_version": 3, "solution": true}
def make_vgg_stage(in_channels, out_channels, num_convs, batch_norm=False):
    """num_convs x (3x3 conv [+ BN] + ReLU), then a 2x2 max pool."""
    ### BEGIN SOLUTION
    if num_convs < 1:
        raise ValueError(f"a VGG stage needs at least one conv, got {num_convs}")
    layers = []
    for i in range(num_convs):
        layers.append(nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, 3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(out_channels))
        layers.append(nn.ReLU(inplace=True))
    layers.append(nn.MaxPool2d(2, stride=2))
    return nn.Sequential(*layers)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch04_vgg_q1_tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("isinstance(make_vgg_stage(3, 64, 2), nn.Sequential)", "should return an nn.Sequential",
           name="make_vgg_stage(3, 64, 2)")
check.shape("tuple(make_vgg_stage(3, 64, 2)(x).shape)", (1, 64, 16, 16), given={"x": torch.randn(1, 3, 32, 32)},
            name="make_vgg_stage(3, 64, 2) output shape on a 1 x 3 x 32 x 32 input",
            hint="padding=1 keeps the size, the 2x2 max pool halves it")
check.parameters("make_vgg_stage(3, 64, 2)", 64 * (3 * 9 + 1) + 64 * (64 * 9 + 1),
                 hint="the first conv takes in_channels, the second out_channels; count the biases")
### BEGIN HIDDEN TESTS
from cnnlib.models.vgg import make_vgg_stage as ref_vgg_stage

for c_in, c_out, n, bn in ((3, 8, 2, False), (8, 16, 3, False), (5, 12, 1, True), (12, 6, 2, True)):
    stage = f"make_vgg_stage({c_in}, {c_out}, {n}, batch_norm={bn})"
    params = c_out * (c_in * 9 + 1) + (n - 1) * c_out * (c_out * 9 + 1) + (2 * c_out * n if bn else 0)
    x = torch.randn(2, c_in, 12, 12, generator=torch.Generator().manual_seed(n))
    check.true(f"isinstance({stage}, nn.Sequential)", "should return an nn.Sequential", name=stage)
    check.parameters(stage, params, hint="num_convs 3x3 convs with biases" +
                     (", each followed by a BatchNorm2d (2 parameters per channel)" if bn else ", no BatchNorm2d"))
    check.module(stage, reference=ref_vgg_stage(c_in, c_out, n, norm_layer=nn.BatchNorm2d if bn else None),
                 inputs=x, input_size=(c_in, 12, 12), modes=("eval", "train"),
                 hint="each block is conv, " + ("BatchNorm2d, " if bn else "") + "ReLU; the 2x2 max pool comes last")
check.raises("make_vgg_stage(3, 8, 0)", ValueError, hint="a stage needs at least one conv")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch04_vgg_q2", "locked": true, "schema_version": 3, "solution": false}
# ## Q2. Activation memory of VGG-16 (3 points)
#
# The lecture tabulates, for one 224x224 image, the size of the input and of the
# output of every conv, pool and FC layer of VGG-16 (ReLUs are applied in place and
# not counted), and quotes a total of "24M numbers, about 96 MB" per image for the
# forward pass. Compute it yourself:
#
# * `vgg16_activation_elements`: that total number of activation values (an `int`);
# * `vgg16_activation_mib`: the same in MiB of float32 (`bytes / 2**20`, a float);
# * `most_memory_stage`: which stage (1 to 5) holds the most activation values,
#   counting its convs and its pool.
#
# Is the slide's total right?

# %% nbgrader={"grade": false, "grade_id": "ch04_vgg_q2_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
_stages = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))
vgg16_activation_elements = 3 * 224 * 224
_stage_memory, _side = [], 224
for _width, _n in _stages:
    _mem = _n * _width * _side * _side       # conv outputs
    _side //= 2
    _mem += _width * _side * _side           # pool output
    _stage_memory.append(_mem)
    vgg16_activation_elements += _mem
vgg16_activation_elements += 4096 + 4096 + 1000
vgg16_activation_mib = vgg16_activation_elements * 4 / 2**20
most_memory_stage = 1 + _stage_memory.index(max(_stage_memory))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch04_vgg_q2_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("isinstance(vgg16_activation_elements, int)", "should be an int", name="vgg16_activation_elements")
check.true("math.isclose(vgg16_activation_mib, vgg16_activation_elements * 4 / 2**20, rel_tol=1e-5)",
           "should be vgg16_activation_elements float32 numbers in MiB", name="vgg16_activation_mib",
           hint="4 bytes per number, bytes / 2**20")
check.true("most_memory_stage in (1, 2, 3, 4, 5)", "should be a stage number, 1 to 5", name="most_memory_stage")
### BEGIN HIDDEN TESTS
from cnnlib.models import vgg as ref_vgg

elements, side, stage_memory = 3 * 224 * 224, 224, []      # the input image
for width, n in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
    memory = n * width * side * side                      # the stage's conv outputs
    side //= 2
    memory += width * side * side                         # its max pool output
    stage_memory.append(memory)
    elements += memory
elements += 4096 + 4096 + 1000                            # the FC outputs
with torch.device("meta"):
    net = ref_vgg.vgg16()
summary = cnnlib.summarize(net, (3, 224, 224))
counted = sum(r.memory_bytes for r in summary.rows if r.kind in ("Conv2d", "MaxPool2d", "Linear")) // 4
assert counted + 3 * 224 * 224 == elements, "cnnlib.summarize vs the table"

check.integer("vgg16_activation_elements", elements,
              hint="the input image and the output of every conv, pool and FC layer; ReLUs are in place")
check.close("vgg16_activation_mib", elements * 4 / 2**20, rtol=1e-6, hint="4 bytes per float32, bytes / 2**20")
check.integer("most_memory_stage", stage_memory.index(max(stage_memory)) + 1,
              hint="stages are numbered from 1; count a stage's conv outputs and its pool output")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch04_vgg_q3", "locked": true, "schema_version": 3, "solution": false}
# ## Q3. Parameters and compute of VGG-16 (2 points)
#
# With biases and 1000 classes:
#
# * `vgg16_params`: all learnable parameters; `vgg16_fc_params`: those of the three FC
#   layers;
# * `vgg16_macs`: multiply-accumulates for one 224x224 image (convolutions and FC
#   layers);
# * `conv_macs_fraction`: the fraction of `vgg16_macs` spent in convolutions.
#
# Memory sits early, parameters late, compute in the convolutions: three different
# answers to "which layers are expensive?".

# %% nbgrader={"grade": false, "grade_id": "ch04_vgg_q3_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
with torch.device("meta"):      # shapes only: no memory, no random init
    _model = cnnlib.get_model("vgg16")
_summary = cnnlib.summarize(_model, (3, 224, 224))
vgg16_params = _summary.total_params
vgg16_fc_params = sum(r.params for r in _summary.rows if r.kind == "Linear")
vgg16_macs = _summary.total_macs
conv_macs_fraction = sum(r.macs for r in _summary.rows if r.kind == "Conv2d") / vgg16_macs
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch04_vgg_q3_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("vgg16_fc_params < vgg16_params", "the FC layers hold only part of VGG-16's parameters",
           name="vgg16_fc_params < vgg16_params")
check.true("0.0 < conv_macs_fraction < 1.0", "should be a fraction of vgg16_macs, between 0 and 1",
           name="conv_macs_fraction")
### BEGIN HIDDEN TESTS
import torchvision

params, conv_macs, side, c_in = 0, 0, 224, 3
for width, n in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
    for i in range(n):
        params += width * (c_in * 9 + 1)
        conv_macs += width * c_in * 9 * side * side
        c_in = width
    side //= 2
fc = ((512 * 7 * 7, 4096), (4096, 4096), (4096, 1000))
fc_params = sum(n_out * (n_in + 1) for n_in, n_out in fc)
params += fc_params
macs = conv_macs + sum(n_in * n_out for n_in, n_out in fc)
assert params == torchvision.models.VGG16_Weights.IMAGENET1K_V1.meta["num_params"], \
    "the table vs torchvision's documented count"

check.integer("vgg16_params", params, hint="all 13 convs and 3 FC layers, biases included")
check.integer("vgg16_fc_params", fc_params, hint="the three FC layers, biases included")
check.integer("vgg16_macs", macs, hint="multiply-accumulates, not FLOPs, of the convs and the FC layers")
check.close("conv_macs_fraction", conv_macs / macs, rtol=1e-6, hint="the convs' MACs divided by vgg16_macs")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch04_vgg_q4", "locked": true, "schema_version": 3, "solution": false}
# ## Q4. Why 3x3? (2 points)
#
# Compare a stack of three 3x3 convolutions (stride 1, padding 1) with one 7x7
# convolution (stride 1, padding 3), both mapping 512 to 512 channels on a 14x14 map,
# weights only (no biases):
#
# * `stack_rf`: the receptive field of the three-layer stack;
# * `stack_params`, `single_params`: the weights of each option;
# * `stack_macs`, `single_macs`: their multiply-accumulates for one image.
#
# The stack sees as much, has two more non-linearities, and costs less.

# %% nbgrader={"grade": false, "grade_id": "ch04_vgg_q4_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
stack_rf = 1 + 3 * (3 - 1)
stack_params = 3 * 3 * 3 * 512 * 512
single_params = 7 * 7 * 512 * 512
stack_macs = stack_params * 14 * 14
single_macs = single_params * 14 * 14
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch04_vgg_q4_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("stack_params < single_params and stack_macs < single_macs",
           "the stack of three 3x3 convs should cost less than the 7x7 conv", name="stack vs single")
check.true("isinstance(stack_rf, int)", "should be an int", name="stack_rf")
### BEGIN HIDDEN TESTS
check.integer("stack_rf", cnnlib.receptive_field([(3, 1)] * 3).size,
              hint="the receptive field of the whole stack, not of one layer")
check.integer("stack_params", 27 * 512 * 512, hint="three 3x3 convs from 512 to 512 channels, weights only")
check.integer("single_params", 49 * 512 * 512, hint="weights only, no biases")
check.integer("stack_macs", 27 * 512 * 512 * 196, hint="multiply-accumulates, not FLOPs, on the 14x14 map")
check.integer("single_macs", 49 * 512 * 512 * 196, hint="multiply-accumulates, not FLOPs, on the 14x14 map")
### END HIDDEN TESTS
