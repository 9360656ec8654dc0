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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch12_comparing_intro", "locked": true, "schema_version": 3, "solution": false}
# # Chapter 12 exercises: comparing architectures
#
# Which network is "best" depends on what you pay for: parameters (storage,
# download), multiply-accumulates (energy, latency on a CPU), activation memory
# (training batch size), or wall-clock time on a given accelerator. Here you
# measure the zoo with `cnnlib.summarize` and put the costs next to the ImageNet
# top-1 accuracy that torchvision reports for its pretrained weights of the same
# architectures (`TOP1`, in percent, read from torchvision's weight metadata below;
# `cnnlib`'s versions of these models have the same layers and parameter counts).
#
# Answer in the cells marked *YOUR CODE HERE* (replace `raise NotImplementedError()`),
# then run the test cell below each answer. The visible tests catch the obvious slips;
# the grader runs more tests on other sizes and compares your modules with `cnnlib`'s
# reference implementations. Numeric answers are plain Python `int`s (counts and sizes)
# or `float`s (ratios); compute them in the cell rather than typing a number.

# %% nbgrader={"grade": false, "grade_id": "ch12_comparing_setup", "locked": true, "schema_version": 3, "solution": false}
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    # %pip install -q "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
    import cnnlib

import math

import torch
from torch import nn
import torchvision.models

# cnnlib model -> torchvision's pretrained weights of the same architecture
WEIGHTS = {
    'alexnet_owt': 'AlexNet_Weights',
    'vgg16': 'VGG16_Weights',
    'resnet18': 'ResNet18_Weights',
    'resnet50': 'ResNet50_Weights',
    'squeezenet1_0': 'SqueezeNet1_0_Weights',
    'mobilenet_v2': 'MobileNet_V2_Weights',
    'densenet121': 'DenseNet121_Weights',
    'efficientnet_b0': 'EfficientNet_B0_Weights',
    'shufflenet_v2_x1_0': 'ShuffleNet_V2_X1_0_Weights',
    'mnasnet1_0': 'MNASNet1_0_Weights',
}
TOP1 = {name: getattr(torchvision.models, w).IMAGENET1K_V1.meta["_metrics"]["ImageNet-1K"]["acc@1"]
        for name, w in WEIGHTS.items()}
TOP1


# %% [markdown] nbgrader={"grade": false, "grade_id": "ch12_comparing_q1", "locked": true, "schema_version": 3, "solution": false}
# ## Q1. Measuring a model (3 points)
#
# Write `complexity(name, input_size=(3, 224, 224))` returning `(params, macs)`: the
# learnable parameters of `cnnlib.get_model(name)` (1000 classes) and its
# multiply-accumulates for one image of `input_size`, as `int`s. Build the model
# inside `with torch.device("meta"):` so that even VGG-16 costs no memory and no
# time, and use `cnnlib.summarize`.

# %% nbgrader={"grade": false, "grade_id": "ch12_comparing_q1_answer", "locked": false, "schema_version": 3, "solution": true}
def complexity(name, input_size=(3, 224, 224)):
    ### BEGIN SOLUTION
    with torch.device("meta"):
        model = cnnlib.get_model(name)
    summary = cnnlib.summarize(model, input_size)
    return summary.total_params, summary.total_macs
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch12_comparing_q1_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.integer('complexity("resnet18")[0]', sum(p.numel() for p in cnnlib.get_model("resnet18").parameters()),
              name='complexity("resnet18") params', hint="the learnable parameters of cnnlib.get_model(name)")
check.true('complexity("resnet18")[1] > 10**9', "ResNet-18 needs more than 10**9 MACs for a 224x224 image",
           name='complexity("resnet18") MACs')
### BEGIN HIDDEN TESTS
for name, size in (("vgg16", 224), ("mobilenet_v2", 224), ("squeezenet1_0", 224), ("resnet50", 160),
                   ("efficientnet_b0", 224), ("vgg11", 224), ("resnet34", 128)):
    with torch.device("meta"):
        net = cnnlib.get_model(name)
    s = cnnlib.summarize(net, (3, size, size))
    if name in WEIGHTS and size == 224:  # cnnlib's model is torchvision's architecture
        meta = getattr(torchvision.models, WEIGHTS[name]).IMAGENET1K_V1.meta
        assert s.total_params == meta["num_params"], f"{name}: cnnlib vs torchvision parameters"
        assert abs(s.total_macs / 1e9 - meta["_ops"]) <= 0.0006, \
            f"{name}: cnnlib MACs vs torchvision's GFLOPS (which count MACs)"
    call = f"complexity({name!r}, (3, {size}, {size}))"
    check.true(f"isinstance({call}, (tuple, list)) and len({call}) == 2", "complexity returns (params, macs)",
               name=call)
    check.integer(f"{call}[0]", s.total_params, name=f"{call}[0] (params)",
                  hint="count the parameters of the model with 1000 classes")
    check.integer(f"{call}[1]", s.total_macs, name=f"{call}[1] (MACs)",
                  hint="MACs (not FLOPs) of one image of input_size, from cnnlib.summarize")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch12_comparing_q2", "locked": true, "schema_version": 3, "solution": false}
# ## Q2. Cost per accuracy point (3 points)
#
# * `table`: a dict mapping every model of `TOP1` to `(params, macs, top1)`;
# * `most_params_per_point`: the model with the most parameters per top-1 point;
# * `fewest_macs_per_point`: the model with the fewest MACs per top-1 point;
# * `best_top1_under_1_gmac`: the most accurate model that needs fewer than `10**9`
#   MACs per 224x224 image.

# %% nbgrader={"grade": false, "grade_id": "ch12_comparing_q2_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
table = {name: (*complexity(name), top1) for name, top1 in TOP1.items()}
most_params_per_point = max(table, key=lambda n: table[n][0] / table[n][2])
fewest_macs_per_point = min(table, key=lambda n: table[n][1] / table[n][2])
best_top1_under_1_gmac = max((n for n in table if table[n][1] < 10**9), key=lambda n: table[n][2])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch12_comparing_q2_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.equal("sorted(table)", sorted(TOP1), name="the models in table", hint="one entry per model of TOP1")
for test_name in ("most_params_per_point", "fewest_macs_per_point", "best_top1_under_1_gmac"):
    check.true(f"{test_name} in TOP1", "should be the name of a model of TOP1", name=test_name)
### BEGIN HIDDEN TESTS
expected = {}
for name, w in WEIGHTS.items():
    with torch.device("meta"):
        s = cnnlib.summarize(cnnlib.get_model(name), (3, 224, 224))
    top1 = getattr(torchvision.models, w).IMAGENET1K_V1.meta["_metrics"]["ImageNet-1K"]["acc@1"]
    expected[name] = (s.total_params, s.total_macs, top1)
names = sorted(expected)
most_params = max(names, key=lambda n: expected[n][0] / expected[n][2])
fewest_macs = min(names, key=lambda n: expected[n][1] / expected[n][2])
best_small = max((n for n in names if expected[n][1] < 10**9), key=lambda n: expected[n][2])

check.true("type(table) is dict", "table should be a dict", name="table")
for name, (params, macs, top1) in expected.items():
    row = f"table[{name!r}]"
    check.true(f"isinstance({row}, (tuple, list)) and len({row}) == 3", "table[name] is (params, macs, top1)", name=row)
    check.integer(f"{row}[0]", params, name=f"{row} params", hint="from complexity(name)")
    check.integer(f"{row}[1]", macs, name=f"{row} macs", hint="MACs of one 224x224 image, from complexity(name)")
    check.close(f"{row}[2]", top1, rtol=1e-9, name=f"{row} top1", hint="TOP1[name], in percent")
check.choice("most_params_per_point", most_params, hint="params / top1, the largest")
check.choice("fewest_macs_per_point", fewest_macs, hint="macs / top1, the smallest")
check.choice("best_top1_under_1_gmac", best_small, hint="the highest top1 among the models under 10**9 MACs")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch12_comparing_q3", "locked": true, "schema_version": 3, "solution": false}
# ## Q3. The Pareto front (3 points)
#
# A model is *dominated* if another one costs no more and is at least as accurate,
# and is strictly better in one of the two. Write `pareto_front(points)` where
# `points` maps names to `(cost, accuracy)`; return the sorted list of the names that
# are not dominated. Then `macs_front = pareto_front({name: (macs, top1) for ...})`
# over `table`: the models worth considering when MACs are what you pay for.

# %% nbgrader={"grade": false, "grade_id": "ch12_comparing_q3_answer", "locked": false, "schema_version": 3, "solution": true}
def pareto_front(points):
    ### BEGIN SOLUTION
    front = []
    for name, (cost, acc) in points.items():
        dominated = any(c <= cost and a >= acc and (c < cost or a > acc)
                        for other, (c, a) in points.items() if other != name)
        if not dominated:
            front.append(name)
    return sorted(front)
    ### END SOLUTION


### BEGIN SOLUTION
macs_front = pareto_front({name: (macs, top1) for name, (params, macs, top1) in table.items()})
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch12_comparing_q3_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.equal('pareto_front({"a": (1, 50), "b": (2, 60), "c": (3, 55)})', ["a", "b"],
            hint="c costs more than b and is less accurate; return a sorted list")
check.true("set(macs_front) <= set(TOP1)", "macs_front should list models of TOP1", name="macs_front")
### BEGIN HIDDEN TESTS
import random


def brute(points):
    keep = []
    for n, (c, a) in points.items():
        beaten = False
        for m, (c2, a2) in points.items():
            if m != n and c2 <= c and a2 >= a and (c2 < c or a2 > a):
                beaten = True
        if not beaten:
            keep.append(n)
    return sorted(keep)

rng = random.Random(12)
for trial in range(60):
    pts = {f"m{i}": (rng.randint(1, 6), rng.randint(1, 6)) for i in range(rng.randint(1, 9))}
    check.equal(f"pareto_front({pts!r})", brute(pts), name=f"pareto_front({pts})",
                hint="dominated: another point costs no more and is at least as accurate, strictly better in "
                     "one; ties keep both; return the sorted list of names")
real = {}
for name, w in WEIGHTS.items():
    with torch.device("meta"):
        macs = cnnlib.summarize(cnnlib.get_model(name), (3, 224, 224)).total_macs
    real[name] = (macs, getattr(torchvision.models, w).IMAGENET1K_V1.meta["_metrics"]["ImageNet-1K"]["acc@1"])
check.equal("macs_front", brute(real), hint="pareto_front over (macs, top1) of every model of table")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch12_comparing_q4", "locked": true, "schema_version": 3, "solution": false}
# ## Q4. Two lecture claims (2 points)
#
# * `vgg16_over_resnet18_macs`: how many times more MACs VGG-16 needs than ResNet-18
#   (which is *more* accurate);
# * `alexnet_over_squeezenet_params`: SqueezeNet claims "AlexNet-level accuracy with
#   50x fewer parameters". Compute the parameter ratio of `alexnet_owt` (torchvision's
#   AlexNet) to `squeezenet1_0`, and
# * `alexnet_minus_squeezenet_top1`: the top-1 difference in points (AlexNet minus
#   SqueezeNet), from `TOP1`.

# %% nbgrader={"grade": false, "grade_id": "ch12_comparing_q4_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
vgg16_over_resnet18_macs = table["vgg16"][1] / table["resnet18"][1]
alexnet_over_squeezenet_params = table["alexnet_owt"][0] / table["squeezenet1_0"][0]
alexnet_minus_squeezenet_top1 = TOP1["alexnet_owt"] - TOP1["squeezenet1_0"]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch12_comparing_q4_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("vgg16_over_resnet18_macs > 1.0", "VGG-16 needs more MACs than ResNet-18", name="vgg16_over_resnet18_macs")
check.true("alexnet_over_squeezenet_params > 1.0", "AlexNet has more parameters than SqueezeNet",
           name="alexnet_over_squeezenet_params")
### BEGIN HIDDEN TESTS
counts = {}
for name in ("vgg16", "resnet18", "alexnet_owt", "squeezenet1_0"):
    with torch.device("meta"):
        s = cnnlib.summarize(cnnlib.get_model(name), (3, 224, 224))
    counts[name] = (s.total_params, s.total_macs)
top1 = {n: getattr(torchvision.models, WEIGHTS[n]).IMAGENET1K_V1.meta["_metrics"]["ImageNet-1K"]["acc@1"]
        for n in ("alexnet_owt", "squeezenet1_0")}
check.close("vgg16_over_resnet18_macs", counts["vgg16"][1] / counts["resnet18"][1], rtol=1e-9,
            hint="VGG-16's MACs divided by ResNet-18's")
check.close("alexnet_over_squeezenet_params", counts["alexnet_owt"][0] / counts["squeezenet1_0"][0], rtol=1e-9,
            hint="alexnet_owt's parameters divided by squeezenet1_0's")
check.close("alexnet_minus_squeezenet_top1", top1["alexnet_owt"] - top1["squeezenet1_0"], rtol=1e-9, atol=1e-9,
            hint="TOP1['alexnet_owt'] - TOP1['squeezenet1_0'], in points")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch12_comparing_gpu", "locked": true, "schema_version": 3, "solution": false}
# ## Optional: latency on a GPU (not graded)
#
# MACs are not time. If you have a GPU, the cell below measures the forward time of
# a batch of 32 images for a few models; compare the order with the MAC counts of
# Q2 (depthwise convolutions, for instance, do few MACs but use the GPU poorly). It
# does nothing on a CPU-only machine and is skipped by the grader.

# %% nbgrader={"grade": false, "grade_id": "ch12_comparing_gpu_timing", "locked": true, "schema_version": 3, "solution": false}
import os
import time

def gpu_latency_ms(name, batch=32, repeats=20):
    """Mean forward time of `batch` 224x224 images, in milliseconds."""
    model = cnnlib.get_model(name).cuda().eval()
    x = torch.randn(batch, 3, 224, 224, device="cuda")
    with torch.no_grad():
        for _ in range(5):                      # warm-up: cuDNN picks its algorithms
            model(x)
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(repeats):
            model(x)
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats * 1000

latency_ms = {}
if torch.cuda.is_available() and not os.environ.get("NBGRADER_EXECUTION"):
    latency_ms = {name: round(gpu_latency_ms(name), 2)
                  for name in ("resnet18", "resnet50", "mobilenet_v2", "efficientnet_b0", "vgg16")}
latency_ms
