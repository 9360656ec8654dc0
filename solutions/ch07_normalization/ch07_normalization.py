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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch07_normalization_intro", "locked": true, "schema_version": 3, "solution": false}
# # Chapter 7 exercises: batch normalization
#
# Batch normalization (Ioffe and Szegedy, 2015) standardizes every channel with the
# mean and variance of the current mini-batch, then applies a learned scale `gamma`
# and shift `beta`: `y = gamma * (x - mean) / sqrt(var + eps) + beta`. At test time
# there is no batch to average over, so it uses running averages collected during
# training; BN then becomes a fixed per-channel affine map that can be folded into
# the convolution before it. Other normalizations average over other axes.
#
# Answer in the cells marked *YOUR CODE HERE* (replace `raise NotImplementedError()`),
# then run the test cell below each answer. The visible tests catch the obvious slips;
# the grader runs more tests on other sizes and compares your modules with `cnnlib`'s
# reference implementations. Numeric answers are plain Python `int`s (counts and sizes)
# or `float`s (ratios); compute them in the cell rather than typing a number.

# %% nbgrader={"grade": false, "grade_id": "ch07_normalization_setup", "locked": true, "schema_version": 3, "solution": false}
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    # %pip install -q "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
    import cnnlib

import math

import torch
from torch import nn


# %% [markdown] nbgrader={"grade": false, "grade_id": "ch07_normalization_q1", "locked": true, "schema_version": 3, "solution": false}
# ## Q1. BatchNorm2d from scratch (5 points)
#
# Write `BatchNorm2d(num_features, eps=1e-5, momentum=0.1)`, an `nn.Module` for
# `N x C x H x W` inputs that behaves like `torch.nn.BatchNorm2d` and keeps its names,
# so state dicts are interchangeable:
#
# * parameters `weight` (gamma, ones) and `bias` (beta, zeros), shape `(C,)`;
# * buffers `running_mean` (zeros), `running_var` (ones) and `num_batches_tracked`
#   (a `long` scalar tensor, 0);
# * **training mode**: normalize with the batch mean and the *biased* batch variance
#   (divide by `n = N * H * W`) over axes `(0, 2, 3)`; then update
#   `running = (1 - momentum) * running + momentum * batch_statistic`, using the
#   *unbiased* variance (divide by `n - 1`) for `running_var`, and add 1 to
#   `num_batches_tracked`. Raise `ValueError` if `n == 1`;
# * **eval mode**: normalize with `running_mean` and `running_var`;
# * raise `ValueError` if the input is not 4-D with `num_features` channels.
#
# Use tensor arithmetic and reductions; `torch.nn.functional.batch_norm` and
# `nn.BatchNorm2d` are off limits (the grader checks). Gradients must flow through
# the batch statistics in training mode (just don't `detach` them).

# %% nbgrader={"grade": false, "grade_id": "ch07_normalization_q1_answer", "locked": false, "schema_version": 3, "solution": true}
class BatchNorm2d(nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        ### BEGIN SOLUTION
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        if x.dim() != 4 or x.shape[1] != self.num_features:
            raise ValueError(f"expected N x {self.num_features} x H x W input, got {tuple(x.shape)}")
        if self.training:
            n = x.numel() // x.shape[1]
            if n == 1:
                raise ValueError("training needs more than one value per channel")
            mean = x.mean(dim=(0, 2, 3))
            var = ((x - mean[None, :, None, None]) ** 2).mean(dim=(0, 2, 3))
            with torch.no_grad():
                m = self.momentum
                self.running_mean.mul_(1 - m).add_(m * mean)
                self.running_var.mul_(1 - m).add_(m * var * n / (n - 1))
                self.num_batches_tracked.add_(1)
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + self.eps)
        return x_hat * self.weight[None, :, None, None] + self.bias[None, :, None, None]
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch07_normalization_q1_tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

test_x = torch.randn(8, 3, 4, 4) * 5 + 2
check.close("BatchNorm2d(3)(test_x).mean(dim=(0, 2, 3))", torch.zeros(3), rtol=1e-5, atol=1e-5,
            given={"test_x": test_x}, name="per-channel mean of BatchNorm2d(3)(test_x)",
            hint="training mode subtracts the batch mean over axes (0, 2, 3)")
check.close("BatchNorm2d(3)(test_x).var(dim=(0, 2, 3), correction=0)", torch.ones(3), rtol=1e-5, atol=1e-3,
            given={"test_x": test_x}, name="per-channel variance of BatchNorm2d(3)(test_x)",
            hint="divide by the square root of the biased batch variance (over N * H * W values) plus eps")
check.equal("(lambda bn: [bn(test_x), bn.num_batches_tracked][1])(BatchNorm2d(3))", torch.tensor(1),
            given={"test_x": test_x}, name="num_batches_tracked after one training batch",
            hint="add 1 in every training-mode forward pass")
### BEGIN HIDDEN TESTS
from cnnlib.layers.norms import BatchNorm2d as ScratchBatchNorm2d

C, eps, momentum = 5, 1e-4, 0.3
g = torch.Generator().manual_seed(7)
batches = [torch.randn(4, C, 3, 3, generator=g) * (i + 1.5) + i for i in range(3)]
eval_x = torch.randn(2, C, 3, 3, generator=g) * 2
upstream = torch.randn(6, C, 3, 3, generator=g)
gamma, beta = torch.rand(C, generator=g) + 0.5, torch.randn(C, generator=g) * 0.3

# Expected values: torch.nn.BatchNorm2d with this gamma and beta, trained on the three batches.
oracle = nn.BatchNorm2d(C, eps=eps, momentum=momentum)
with torch.no_grad():
    oracle.weight.copy_(gamma)
    oracle.bias.copy_(beta)
    train_out = [oracle(b) for b in batches]
    oracle.eval()
    eval_out = oracle(eval_x)
# cnnlib's from-scratch BatchNorm2d agrees with torch.nn (a check of the oracle).
scratch = ScratchBatchNorm2d(C, eps=eps, momentum=momentum)
scratch.load_state_dict(oracle.state_dict())
scratch.eval()
with torch.no_grad():
    torch.testing.assert_close(scratch(eval_x), eval_out, rtol=1e-5, atol=1e-6)
# Gradients in training mode, for an input x and an upstream gradient.
grad_x, grad_upstream = batches[0][:, :, :2, :].clone(), upstream[:4, :, :2, :].clone()
grad_bn = nn.BatchNorm2d(C, eps=eps, momentum=momentum)
with torch.no_grad():
    grad_bn.weight.copy_(gamma)
    grad_bn.bias.copy_(beta)
xg = grad_x.clone().requires_grad_()
(grad_bn(xg) * grad_upstream).sum().backward()
grads = {"input": xg.grad, "weight": grad_bn.weight.grad, "bias": grad_bn.bias.grad}


def without_batch_norm(expr):
    """`expr` evaluated while torch's batch-norm functions and nn.BatchNorm2d's forward raise
    (mock.patch used as a decorator restores them even when the student's code fails)."""
    targets = ("[(owner, name) for owner, name in ((torch.nn.functional, 'batch_norm'), (torch, 'batch_norm'), "
               "(torch, 'native_batch_norm'), (torch, '_native_batch_norm_legit'), "
               "(torch.nn.modules.batchnorm._BatchNorm, 'forward')) if hasattr(owner, name)]")
    forbid = ("__import__('unittest.mock').mock.patch.object(*target, side_effect=AssertionError("
              "target[1] + ' is off limits: compute batch norm with tensor operations'))")
    return f"__import__('functools').reduce(lambda run, target: {forbid}(run), {targets}, lambda *mocks: {expr})()"


student = f"BatchNorm2d({C}, eps={eps!r}, momentum={momentum!r})"
check.equal(f"sorted(name for name, _ in {student}.named_parameters())", ["bias", "weight"],
            name="parameters of BatchNorm2d", hint="gamma and beta are nn.Parameters named as in nn.BatchNorm2d")
check.equal(f"sorted(name for name, _ in {student}.named_buffers())",
            ["num_batches_tracked", "running_mean", "running_var"], name="buffers of BatchNorm2d",
            hint="register the running statistics and the batch counter with register_buffer, named as in nn.BatchNorm2d")
check.close(f"{student}.weight", torch.ones(C), rtol=1e-5, atol=1e-8, name="initial weight")
check.close(f"{student}.bias", torch.zeros(C), rtol=1e-5, atol=1e-8, name="initial bias")
check.close(f"{student}.running_mean", torch.zeros(C), rtol=1e-5, atol=1e-8, name="initial running_mean")
check.close(f"{student}.running_var", torch.ones(C), rtol=1e-5, atol=1e-8, name="initial running_var")
check.equal(f"{student}.num_batches_tracked", torch.tensor(0), name="initial num_batches_tracked")

# The student's module with gamma and beta loaded, trained on the three batches, then run once
# in eval mode, with torch's batch norm off limits: everything the checks below look at.
trained = without_batch_norm(
    "(lambda bn: [bn.weight.data.copy_(gamma), bn.bias.data.copy_(beta), bn.train(), "
    "{'train': [bn(b) for b in batches], 'running_mean': bn.running_mean, 'running_var': bn.running_var, "
    f"'num_batches_tracked': bn.num_batches_tracked, 'eval': bn.eval()(eval_x)}}][-1])({student})")
data = {"gamma": gamma, "beta": beta, "batches": batches, "eval_x": eval_x}
rule = "torch's batch_norm and nn.BatchNorm2d are off limits"
for i, expected in enumerate(train_out):
    check.close(f"{trained}['train'][{i}]", expected, rtol=1e-4, atol=1e-5, given=data,
                name=f"training-mode output, batch {i}",
                hint=f"normalize with the batch mean and biased variance over (0, 2, 3), then gamma and beta; {rule}")
check.close(f"{trained}['running_mean']", oracle.running_mean.clone(), rtol=1e-4, atol=1e-6,
            given=data, name="running_mean after 3 batches",
            hint="running = (1 - momentum) * running + momentum * batch mean")
check.close(f"{trained}['running_var']", oracle.running_var.clone(), rtol=1e-4, atol=1e-6, given=data,
            name="running_var after 3 batches", hint="the running variance uses the unbiased batch variance (n - 1)")
check.equal(f"{trained}['num_batches_tracked']", torch.tensor(3), given=data,
            name="num_batches_tracked after 3 batches")
check.close(f"{trained}['eval']", eval_out, rtol=1e-4, atol=1e-5, given=data, name="eval-mode output",
            hint="eval mode normalizes with running_mean and running_var, not the batch statistics")

gradients = without_batch_norm(
    "(lambda bn, x: [bn.weight.data.copy_(gamma), bn.bias.data.copy_(beta), (bn(x) * upstream).sum().backward(), "
    f"{{'input': x.grad, 'weight': bn.weight.grad, 'bias': bn.bias.grad}}][-1])({student}, x.requires_grad_())")
grad_data = {"gamma": gamma, "beta": beta, "x": grad_x, "upstream": grad_upstream}
for wrt, what in (("input", "the input (training mode)"), ("weight", "weight"), ("bias", "bias")):
    check.close(f"{gradients}[{wrt!r}]", grads[wrt], rtol=1e-3, atol=1e-5, given=grad_data,
                name=f"gradient w.r.t. {what}",
                hint=f"let gradients flow through the batch mean and variance (no detach, no torch.no_grad); {rule}")

check.raises(f"BatchNorm2d({C}).eval()(torch.zeros(2, 3, 4, 4))", ValueError, name=f"3 channels into BatchNorm2d({C})",
             hint="check that the input is N x num_features x H x W")
check.raises(f"BatchNorm2d({C}).train()(torch.zeros(1, {C}, 1, 1))", ValueError,
             name="one value per channel in training mode", hint="n = N * H * W must be more than 1 in training mode")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch07_normalization_q2", "locked": true, "schema_version": 3, "solution": false}
# ## Q2. Folding BN into the convolution (3 points)
#
# In eval mode `bn(conv(x))` is a convolution again. Write
# `fold_bn(conv_weight, conv_bias, gamma, beta, running_mean, running_var, eps=1e-5)`
# returning the new `(weight, bias)`: `weight` has the shape of `conv_weight`
# (`C_out x C_in x k x k`), `bias` has shape `(C_out,)`. `conv_bias` may be `None`
# (a convolution without bias).

# %% nbgrader={"grade": false, "grade_id": "ch07_normalization_q2_answer", "locked": false, "schema_version": 3, "solution": true}
def fold_bn(conv_weight, conv_bias, gamma, beta, running_mean, running_var, eps=1e-5):
    """Weight and bias of the convolution equal to bn(conv(x)) in eval mode."""
    ### BEGIN SOLUTION
    scale = gamma / torch.sqrt(running_var + eps)
    if conv_bias is None:
        conv_bias = torch.zeros_like(running_mean)
    weight = conv_weight * scale[:, None, None, None]
    bias = (conv_bias - running_mean) * scale + beta
    return weight, bias
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch07_normalization_q2_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

test_identity = "torch.ones(2, 1, 1, 1), None, torch.ones(2), torch.zeros(2), torch.zeros(2), torch.ones(2), eps=0.0"
check.close(f"fold_bn({test_identity})[0]", torch.ones(2, 1, 1, 1), rtol=1e-5, atol=1e-8,
            hint="an identity BN leaves the weight unchanged")
check.close(f"fold_bn({test_identity})[1]", torch.zeros(2), rtol=1e-5, atol=1e-8,
            hint="conv_bias None means a convolution without bias: zeros")
### BEGIN HIDDEN TESTS
from cnnlib.layers.bn_fold import fold_batchnorm

cases = ((3, 4, 3, True, 1e-5), (6, 5, 1, False, 1e-3), (4, 4, 5, True, 0.1))
for i, (c_in, c_out, k, bias, eps) in enumerate(cases):
    torch.manual_seed(c_out + k)
    conv, bn = nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=bias), nn.BatchNorm2d(c_out, eps=eps)
    with torch.no_grad():
        bn.weight.copy_(torch.rand(c_out) + 0.5)
        bn.running_var.copy_(torch.rand(c_out) + 0.5)
        bn.bias.copy_(torch.randn(c_out) * 0.3)
        bn.running_mean.copy_(torch.randn(c_out) * 0.3)
    bn.eval()
    fused = fold_batchnorm(conv, bn)
    x = torch.randn(2, c_in, 6, 6)
    with torch.no_grad():
        torch.testing.assert_close(fused(x), bn(conv(x)), rtol=1e-4, atol=1e-5)  # cnnlib's fold is right
    args = [t.detach().clone() if t is not None else None
            for t in (conv.weight, conv.bias, bn.weight, bn.bias, bn.running_mean, bn.running_var)]
    call = f"fold_bn(*args, eps={eps!r})"
    check.true(f"(lambda result: isinstance(result, (tuple, list)) and len(result) == 2)({call})",
               "fold_bn returns (weight, bias)", given={"args": args}, name=f"fold_bn returns a pair, case {i}")
    check.close(f"{call}[0]", fused.weight.detach().clone(), rtol=1e-5, atol=1e-6, given={"args": args},
                name=f"folded weight, case {i}",
                hint="scale each output channel's filter by gamma / sqrt(running_var + eps), eps included")
    check.close(f"{call}[1]", fused.bias.detach().clone(), rtol=1e-5, atol=1e-6, given={"args": args},
                name=f"folded bias, case {i}",
                hint="subtract the running mean from the conv bias (None: zeros) before scaling, then add beta")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch07_normalization_q3", "locked": true, "schema_version": 3, "solution": false}
# ## Q3. Which axes? (3 points)
#
# For an activation of shape `N x C x H x W = 8 x 32 x 16 x 16`, give for each
# normalization the number of means it computes (`*_num_means`) and the number of
# values each mean averages (`*_values_per_mean`):
#
# * batch norm (`bn_`): per channel, over the batch and the pixels;
# * layer norm (`ln_`): per sample, over channels and pixels;
# * instance norm (`in_`): per sample and channel, over the pixels;
# * group norm with 4 groups (`gn_`): per sample and group of `C / 4` channels.
#
# Also `bn_learnable_params` and `bn_buffer_values`: the learnable parameters and the
# number of values stored in buffers of `nn.BatchNorm2d(32)` (count
# `num_batches_tracked` as one value).

# %% nbgrader={"grade": false, "grade_id": "ch07_normalization_q3_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
_N, _C, _H, _W, _G = 8, 32, 16, 16, 4
bn_num_means, bn_values_per_mean = _C, _N * _H * _W
ln_num_means, ln_values_per_mean = _N, _C * _H * _W
in_num_means, in_values_per_mean = _N * _C, _H * _W
gn_num_means, gn_values_per_mean = _N * _G, _C // _G * _H * _W
_bn = nn.BatchNorm2d(_C)
bn_learnable_params = sum(p.numel() for p in _bn.parameters())
bn_buffer_values = sum(b.numel() for b in _bn.buffers())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch07_normalization_q3_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

for test_prefix in ("bn", "ln", "in", "gn"):
    check.integer(f"{test_prefix}_num_means * {test_prefix}_values_per_mean", 8 * 32 * 16 * 16,
                  hint="every value is used by exactly one mean")
### BEGIN HIDDEN TESTS
from cnnlib.layers.norms import normalization_axes

shape = (8, 32, 16, 16)
for prefix, kind, over in (("bn", "batch", "per channel, over N, H and W"),
                           ("ln", "layer", "per sample, over C, H and W"),
                           ("in", "instance", "per sample and channel, over H and W")):
    per_mean = math.prod(shape[a] for a in normalization_axes(kind, shape))
    check.integer(f"{prefix}_num_means", math.prod(shape) // per_mean, hint=f"{kind} norm averages {over}")
    check.integer(f"{prefix}_values_per_mean", per_mean, hint=f"{kind} norm averages {over}")
check.integer("gn_num_means", 8 * 4, hint="one mean per sample and group")
check.integer("gn_values_per_mean", 32 // 4 * 16 * 16, hint="a group holds C / 4 channels of H x W values")
reference_bn = nn.BatchNorm2d(32)
learnable = sum(p.numel() for p in reference_bn.parameters())
buffers = sum(b.numel() for b in reference_bn.buffers())
assert (learnable, buffers) == (2 * 32, 2 * 32 + 1), "nn.BatchNorm2d's parameters and buffers"
check.integer("bn_learnable_params", learnable, hint="gamma and beta, one of each per channel")
check.integer("bn_buffer_values", buffers,
              hint="running mean and running variance per channel, plus num_batches_tracked")
### END HIDDEN TESTS
