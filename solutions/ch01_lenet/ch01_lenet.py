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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch01_lenet_intro", "locked": true, "schema_version": 3, "solution": false}
# # Chapter 1 exercises: LeNet-5
#
# LeNet-5 (LeCun et al., 1998) is the pattern every later network refines:
# `CONV-POOL-CONV-POOL-FC-FC`, 5x5 filters at stride 1 and 2x2 subsampling at stride 2,
# on 32x32 grey-level digits. Its layers are named C1, S2, C3, S4, C5, F6 and OUTPUT.
#
# Answer in the cells marked *YOUR CODE HERE* (replace `raise NotImplementedError()`),
# then run the test cell below each answer. The visible tests catch the obvious slips;
# the grader runs more tests on other sizes and compares your modules with `cnnlib`'s
# reference implementations. Numeric answers are plain Python `int`s (counts and sizes)
# or `float`s (ratios); compute them in the cell rather than typing a number.

# %% nbgrader={"grade": false, "grade_id": "ch01_lenet_setup", "locked": true, "schema_version": 3, "solution": false}
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    # %pip install -q "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
    import cnnlib

import math

import torch
from torch import nn

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch01_lenet_q1", "locked": true, "schema_version": 3, "solution": false}
# ## Q1. Feature map shapes (2 points)
#
# C1, C3 and C5 are 5x5 convolutions (stride 1, no padding) with 6, 16 and 120 filters;
# S2 and S4 are 2x2 subsampling layers with stride 2. Give the `(channels, height,
# width)` output shape of each layer for a `1 x 32 x 32` input:
# `c1_shape`, `s2_shape`, `c3_shape`, `s4_shape`, `c5_shape`.

# %% nbgrader={"grade": false, "grade_id": "ch01_lenet_q1_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
_h = 32 - 5 + 1
c1_shape = (6, _h, _h)
s2_shape = (6, _h // 2, _h // 2)
_h = _h // 2 - 5 + 1
c3_shape = (16, _h, _h)
s4_shape = (16, _h // 2, _h // 2)
_h = _h // 2 - 5 + 1
c5_shape = (120, _h, _h)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch01_lenet_q1_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

for test_name in ("c1_shape", "s2_shape", "c3_shape", "s4_shape", "c5_shape"):
    check.integer(f"len({test_name})", 3, hint="(channels, height, width)")
check.equal("[s[0] for s in (c1_shape, s2_shape, c3_shape, s4_shape, c5_shape)]", [6, 6, 16, 16, 120],
            name="the channels of c1_shape ... c5_shape", hint="the channels come first")
### BEGIN HIDDEN TESTS
h1 = 32 - 4
h3 = h1 // 2 - 4
h5 = h3 // 2 - 4
check.shape("c1_shape", (6, h1, h1), hint="a 5x5 convolution without padding loses 4 pixels")
check.shape("s2_shape", (6, h1 // 2, h1 // 2), hint="2x2 subsampling at stride 2 halves the size")
check.shape("c3_shape", (16, h3, h3), hint="a 5x5 convolution without padding loses 4 pixels")
check.shape("s4_shape", (16, h3 // 2, h3 // 2), hint="2x2 subsampling at stride 2 halves the size")
check.shape("c5_shape", (120, h5, h5), hint="a 5x5 convolution without padding loses 4 pixels")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch01_lenet_q2", "locked": true, "schema_version": 3, "solution": false}
# ## Q2. Parameters (2 points)
#
# Count learnable parameters, biases included (one bias per output map or unit):
#
# * `c1_params`, `c3_params`, `c5_params` for fully connected convolutions (every
#   output map sees every input map);
# * `c3_params_sparse`: the paper's C3 is *not* fully connected. Its Table I connects
#   the 16 C3 maps to 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4 and 6 of the S2 maps
#   respectively, to break symmetry and save compute. Each map still has one 5x5
#   kernel per connected input and one bias;
# * `lenet5_params`: the whole network with the fully connected C3, F6 with 84 units
#   and a 10-way linear OUTPUT layer.

# %% nbgrader={"grade": false, "grade_id": "ch01_lenet_q2_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
c1_params = 6 * (1 * 5 * 5 + 1)
c3_params = 16 * (6 * 5 * 5 + 1)
c5_params = 120 * (16 * 5 * 5 + 1)
_connections = [3] * 6 + [4] * 9 + [6]
c3_params_sparse = sum(n * 5 * 5 + 1 for n in _connections)
lenet5_params = c1_params + c3_params + c5_params + 84 * (120 + 1) + 10 * (84 + 1)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch01_lenet_q2_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("c1_params < c3_params < c5_params", "expected c1_params < c3_params < c5_params")
check.true("c3_params_sparse < c3_params", "the sparse C3 should have fewer parameters than the fully connected one")
### BEGIN HIDDEN TESTS
from cnnlib.models.lenet import SparseC3, lenet5

total = 6 * (25 + 1) + 16 * (6 * 25 + 1) + 120 * (16 * 25 + 1) + 84 * (120 + 1) + 10 * (84 + 1)
check.integer("c1_params", 6 * 26, hint="count the biases too")
check.integer("c3_params", 16 * 151, hint="every C3 map sees all 6 S2 maps; count the biases too")
check.integer("c5_params", 120 * 401, hint="every C5 unit sees all 16 S4 maps; count the biases too")
check.integer("c3_params_sparse", (6 * 3 + 9 * 4 + 6) * 25 + 16,
              hint="one 5x5 kernel per connected input map, plus one bias per C3 map")
check.integer("lenet5_params", total, hint="C1 + C3 + C5 + F6 + OUTPUT, biases included; S2 and S4 have none here")
check.integer("lenet5_params", sum(p.numel() for p in lenet5().parameters()), name="lenet5_params vs cnnlib.lenet5()")
check.integer("c3_params_sparse", sum(p.numel() for p in SparseC3().parameters()),
              name="c3_params_sparse vs cnnlib's SparseC3 (the paper's Table I)")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch01_lenet_q3", "locked": true, "schema_version": 3, "solution": false}
# ## Q3. Implement LeNet-5 (5 points)
#
# Write `LeNet5(num_classes=10)`, an `nn.Module` taking `N x 1 x 32 x 32` images and
# returning `N x num_classes` scores. Layers, in order:
#
# | layer | module |
# |---|---|
# | C1 | `nn.Conv2d(1, 6, 5)`, then `tanh` |
# | S2 | `nn.AvgPool2d(2)`, then `tanh` (the paper's subsampling squashes its output too) |
# | C3 | `nn.Conv2d(6, 16, 5)`, then `tanh` (fully connected, not the paper's Table I) |
# | S4 | `nn.AvgPool2d(2)`, then `tanh` |
# | C5 | `nn.Conv2d(16, 120, 5)`, then `tanh`, then flatten to `N x 120` |
# | F6 | `nn.Linear(120, 84)`, then `tanh` |
# | OUTPUT | `nn.Linear(84, num_classes)` (the paper uses RBF units; we use a linear layer) |
#
# Use `nn.Tanh` modules or `torch.tanh`, as you like. The grader copies the weights of
# `cnnlib`'s `lenet5` into your model and compares the outputs.

# %% nbgrader={"grade": false, "grade_id": "ch01_lenet_q3_answer", "locked": false, "schema_version": 3, "solution": true}
class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        ### BEGIN SOLUTION
        self.c1 = nn.Conv2d(1, 6, 5)
        self.s2 = nn.AvgPool2d(2)
        self.c3 = nn.Conv2d(6, 16, 5)
        self.s4 = nn.AvgPool2d(2)
        self.c5 = nn.Conv2d(16, 120, 5)
        self.f6 = nn.Linear(120, 84)
        self.output = nn.Linear(84, num_classes)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        x = torch.tanh(self.s2(torch.tanh(self.c1(x))))   # N x 6 x 14 x 14
        x = torch.tanh(self.s4(torch.tanh(self.c3(x))))   # N x 16 x 5 x 5
        x = torch.tanh(self.c5(x)).flatten(1)             # N x 120
        return self.output(torch.tanh(self.f6(x)))
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch01_lenet_q3_tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.shape("tuple(LeNet5()(x).shape)", (2, 10), name="LeNet5()(x).shape", given={"x": torch.randn(2, 1, 32, 32)},
            hint="N x num_classes scores")
check.parameters("LeNet5()", 6 * (25 + 1) + 16 * (6 * 25 + 1) + 120 * (16 * 25 + 1) + 84 * (120 + 1) + 10 * (84 + 1),
                 hint="C1, C3 and C5 are fully connected convolutions with biases")
### BEGIN HIDDEN TESTS
from cnnlib.models.lenet import lenet5

for n_classes in (10, 7):
    x = torch.randn(3, 1, 32, 32, generator=torch.Generator().manual_seed(n_classes))
    params = 6 * (25 + 1) + 16 * (6 * 25 + 1) + 120 * (16 * 25 + 1) + 84 * (120 + 1) + n_classes * (84 + 1)
    check.parameters(f"LeNet5(num_classes={n_classes})", params, hint="use num_classes for the OUTPUT layer")
    check.module(f"LeNet5(num_classes={n_classes})", reference=lenet5(num_classes=n_classes), inputs=x,
                 input_size=(1, 32, 32), seed=n_classes,
                 hint="tanh after C1, S2, C3, S4, C5 and F6; average pooling; none after OUTPUT")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch01_lenet_q4", "locked": true, "schema_version": 3, "solution": false}
# ## Q4. Where do parameters and compute go? (2 points)
#
# * `most_params_layer` and `most_macs_layer`: the name (`"C1"`, `"C3"`, `"C5"`, `"F6"`
#   or `"OUTPUT"`) of the layer with the most parameters, and of the layer with the
#   most multiply-accumulates, in your (fully connected) LeNet-5 with 10 classes.
# * `c1_padding_for_mnist`: MNIST digits are 28x28. How much zero padding must C1 use
#   so that the rest of the network sees exactly the same shapes as with 32x32 input?
#
# `cnnlib.summarize(model, (1, 32, 32))` lists `params` and `macs` per layer, if you
# want to check.

# %% nbgrader={"grade": false, "grade_id": "ch01_lenet_q4_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
# the layers with weights, in the order they run, are C1, C3, C5, F6, OUTPUT
_rows = [r for r in cnnlib.summarize(LeNet5(), (1, 32, 32)).rows if r.params > 0]
_named = dict(zip(("C1", "C3", "C5", "F6", "OUTPUT"), _rows))
most_params_layer = max(_named, key=lambda name: _named[name].params)
most_macs_layer = max(_named, key=lambda name: _named[name].macs)
c1_padding_for_mnist = (32 - 28) // 2
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch01_lenet_q4_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("most_params_layer in ('C1', 'C3', 'C5', 'F6', 'OUTPUT')",
           "most_params_layer should be one of 'C1', 'C3', 'C5', 'F6', 'OUTPUT'")
check.true("most_macs_layer in ('C1', 'C3', 'C5', 'F6', 'OUTPUT')",
           "most_macs_layer should be one of 'C1', 'C3', 'C5', 'F6', 'OUTPUT'")
check.true("isinstance(c1_padding_for_mnist, int)", "c1_padding_for_mnist should be an int")
### BEGIN HIDDEN TESTS
params = {"c1": 6 * 26, "c3": 16 * 151, "c5": 120 * 401, "f6": 84 * 121, "output": 10 * 85}
macs = {"c1": 6 * 25 * 28 * 28, "c3": 16 * 150 * 10 * 10, "c5": 120 * 400, "f6": 120 * 84, "output": 840}
padding = next(pad for pad in range(5)
               if nn.Conv2d(1, 6, 5, padding=pad)(torch.zeros(1, 1, 28, 28)).shape[-1] == 28)
check.choice("most_params_layer", max(params, key=params.get), hint="compare the parameter counts of Q2")
check.choice("most_macs_layer", max(macs, key=macs.get),
             hint="MACs grow with the output map size: a convolution's weights are reused at every position")
check.integer("c1_padding_for_mnist", padding, hint="C1's output must stay 28x28 on a 28x28 input")
### END HIDDEN TESTS
