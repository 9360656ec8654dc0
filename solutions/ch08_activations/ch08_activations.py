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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch08_activations_intro", "locked": true, "schema_version": 3, "solution": false}
# # Chapter 8 exercises: activation functions
#
# AlexNet's switch from `tanh`/sigmoid to the ReLU made deep networks train several
# times faster: its gradient is 1 for every positive input instead of saturating.
# But a ReLU whose inputs are all negative passes no gradient at all ("dying ReLU").
# Leaky ReLU keeps a small slope for negative inputs; ELU bends smoothly to
# `-alpha`; GELU weights its input by the probability that a standard normal variable
# is smaller. Here you implement two of them, with their gradients.
#
# Answer in the cells marked *YOUR CODE HERE* (replace `raise NotImplementedError()`),
# then run the test cell below each answer. The visible tests catch the obvious slips;
# the grader runs more tests on other sizes and compares your modules with `cnnlib`'s
# reference implementations. Numeric answers are plain Python `int`s (counts and sizes)
# or `float`s (ratios); compute them in the cell rather than typing a number.

# %% nbgrader={"grade": false, "grade_id": "ch08_activations_setup", "locked": true, "schema_version": 3, "solution": false}
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    # %pip install -q "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
    import cnnlib

import math

import torch
from torch import nn


# %% [markdown] nbgrader={"grade": false, "grade_id": "ch08_activations_q1", "locked": true, "schema_version": 3, "solution": false}
# ## Q1. Leaky ReLU with a hand-written backward pass (4 points)
#
# Write a `torch.autograd.Function` subclass named `LeakyReLUFunction` with static
# methods `forward(ctx, x, negative_slope)` and `backward(ctx, grad_output)`:
# `f(x) = x` for `x > 0` and `negative_slope * x` otherwise, and
# `f'(x) = 1` for `x > 0` and `negative_slope` otherwise (so `f'(0) = negative_slope`,
# as in PyTorch). `backward` returns one gradient per input of `forward` (`None` for
# `negative_slope`). Then `leaky_relu(x, negative_slope=0.01)` applies it.

# %% nbgrader={"grade": false, "grade_id": "ch08_activations_q1_answer", "locked": false, "schema_version": 3, "solution": true}
class LeakyReLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, negative_slope):
        ### BEGIN SOLUTION
        ctx.save_for_backward(x)
        ctx.negative_slope = negative_slope
        return torch.where(x > 0, x, x * negative_slope)
        ### END SOLUTION

    @staticmethod
    def backward(ctx, grad_output):
        ### BEGIN SOLUTION
        (x,) = ctx.saved_tensors
        slope = torch.where(x > 0, torch.ones_like(x), torch.full_like(x, ctx.negative_slope))
        return grad_output * slope, None
        ### END SOLUTION


def leaky_relu(x, negative_slope=0.01):
    ### BEGIN SOLUTION
    return LeakyReLUFunction.apply(x, negative_slope)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch08_activations_q1_tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

test_x = torch.tensor([-2.0, -0.5, 0.0, 0.5, 3.0])
check.close("leaky_relu(test_x, 0.1)", torch.tensor([-0.2, -0.05, 0.0, 0.5, 3.0]), rtol=1e-5, atol=1e-8,
            given={"test_x": test_x})
check.close("(leaky_relu(test_x.requires_grad_(), 0.1).sum().backward(), test_x.grad)[1]",
            torch.tensor([0.1, 0.1, 0.1, 1.0, 1.0]), rtol=1e-5, atol=1e-8, given={"test_x": test_x},
            name="test_x.grad after leaky_relu(test_x, 0.1).sum().backward()",
            hint="f'(x) is 1 for x > 0 and negative_slope otherwise, f'(0) included")
### BEGIN HIDDEN TESTS
from cnnlib.layers.activations import LeakyReLU as ScratchLeakyReLU

g = torch.Generator().manual_seed(3)
for slope, dtype in ((0.01, torch.float32), (0.2, torch.float32), (0.3, torch.float64), (1.5, torch.float64)):
    x = torch.randn(4, 7, generator=g).to(dtype)
    x[0, :3] = 0.0
    upstream = torch.randn(4, 7, generator=g).to(dtype)
    xr = x.clone().requires_grad_()
    y = torch.nn.functional.leaky_relu(xr, slope)
    y.backward(upstream)
    if slope == 0.2:  # cnnlib's LeakyReLU agrees with torch (a check of the reference)
        with torch.no_grad():
            torch.testing.assert_close(ScratchLeakyReLU(0.2)(x), y.detach())
    data = {"x": x, "upstream": upstream}
    check.close(f"leaky_relu(x.requires_grad_(), {slope!r})", y.detach(), rtol=1e-6, atol=1e-7, given=data,
                name=f"leaky_relu(x, {slope}) ({x.dtype})",
                hint="x for x > 0, negative_slope * x otherwise, in the dtype of x")
    check.equal(f"type(leaky_relu(x.requires_grad_(), {slope!r}).grad_fn).__name__", "LeakyReLUFunctionBackward",
                given=data, name=f"the output's grad_fn, slope {slope}",
                hint="leaky_relu must apply LeakyReLUFunction (LeakyReLUFunction.apply)")
    check.close(f"(leaky_relu(x.requires_grad_(), {slope!r}).backward(upstream), x.grad)[1]", xr.grad.clone(),
                rtol=1e-6, atol=1e-7, given=data, name=f"gradient of leaky_relu(x, {slope})",
                hint="backward multiplies grad_output by f'(x), with f'(0) = negative_slope, "
                     "and returns None for negative_slope")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch08_activations_q2", "locked": true, "schema_version": 3, "solution": false}
# ## Q2. ELU and its derivative (3 points)
#
# `elu(x) = x` for `x > 0` and `alpha * (exp(x) - 1)` otherwise. Write
# `elu(x, alpha=1.0)` and `elu_grad(x, alpha=1.0)`, the derivative `d elu / dx` as a
# tensor of the shape of `x` (at `x = 0` use the left branch, `alpha * exp(0)`, as
# PyTorch does). Avoid `NaN`s or infinities for large positive `x`.

# %% nbgrader={"grade": false, "grade_id": "ch08_activations_q2_answer", "locked": false, "schema_version": 3, "solution": true}
def elu(x, alpha=1.0):
    ### BEGIN SOLUTION
    return torch.where(x > 0, x, alpha * torch.expm1(torch.clamp(x, max=0.0)))
    ### END SOLUTION


def elu_grad(x, alpha=1.0):
    ### BEGIN SOLUTION
    return torch.where(x > 0, torch.ones_like(x), alpha * torch.exp(torch.clamp(x, max=0.0)))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch08_activations_q2_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

test_x = torch.tensor([-1.0, 0.0, 2.0])
check.close("elu(test_x)", torch.tensor([math.exp(-1.0) - 1.0, 0.0, 2.0]), rtol=1e-5, atol=1e-8,
            given={"test_x": test_x})
check.close("elu_grad(test_x)", torch.tensor([math.exp(-1.0), 1.0, 1.0]), rtol=1e-5, atol=1e-8,
            given={"test_x": test_x}, hint="at x = 0 use the left branch, alpha * exp(0)")
### BEGIN HIDDEN TESTS
from cnnlib.layers.activations import activation_derivative

g = torch.Generator().manual_seed(5)
for alpha in (1.0, 0.5, 2.0):
    x = torch.cat([torch.randn(20, generator=g) * 3, torch.tensor([0.0, 100.0, -100.0, 1e-3, -1e-3])])
    xr = x.clone().requires_grad_()
    y = torch.nn.functional.elu(xr, alpha)
    y.backward(torch.ones_like(x))
    # cnnlib's derivative agrees with autograd (a check of the reference)
    torch.testing.assert_close(activation_derivative("elu", x, alpha=alpha), xr.grad, rtol=1e-6, atol=1e-7)
    check.close(f"elu(x, {alpha!r})", y.detach(), rtol=1e-5, atol=1e-6, given={"x": x},
                name=f"elu(x, alpha={alpha})",
                hint="alpha * (exp(x) - 1) for x <= 0; no inf or NaN for large |x| (clamp before exp)")
    check.close(f"elu_grad(x, {alpha!r})", xr.grad.clone(), rtol=1e-5, atol=1e-6, given={"x": x},
                name=f"elu_grad(x, alpha={alpha})",
                hint="1 for x > 0, alpha * exp(x) otherwise (x = 0 included); no inf or NaN for large |x|")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch08_activations_q3", "locked": true, "schema_version": 3, "solution": false}
# ## Q3. Vanishing and dying gradients (2 points)
#
# * `sigmoid_max_grad`: the largest value of the derivative of the logistic sigmoid;
# * `sigmoid_chain_bound`: an upper bound on the factor by which 10 stacked sigmoids
#   scale a gradient (their derivatives multiply; ignore the weights);
# * `dead_relu_fraction`: if a ReLU's inputs are normally distributed with mean -1 and
#   standard deviation 1, what fraction of them pass no gradient? (Use
#   `math.erf`: the standard normal CDF is `0.5 * (1 + erf(z / sqrt(2)))`.)

# %% nbgrader={"grade": false, "grade_id": "ch08_activations_q3_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
_z = torch.linspace(-10, 10, 200001)
_s = torch.sigmoid(_z)
sigmoid_max_grad = float((_s * (1 - _s)).max())     # at z = 0: 0.5 * 0.5
sigmoid_chain_bound = sigmoid_max_grad ** 10
dead_relu_fraction = 0.5 * (1 + math.erf((0 - (-1)) / math.sqrt(2)))   # P(x <= 0)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch08_activations_q3_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("0.0 < sigmoid_max_grad < 1.0", "sigmoid_max_grad should lie between 0 and 1")
check.true("0.0 < sigmoid_chain_bound < sigmoid_max_grad",
           "sigmoid_chain_bound should be positive and smaller than sigmoid_max_grad")
check.true("0.5 < dead_relu_fraction < 1.0", "with mean -1, more than half of the inputs are negative")
### BEGIN HIDDEN TESTS
phi_1 = 0.5 * (1.0 + math.erf(1.0 / math.sqrt(2.0)))   # P(z <= 1) for a standard normal z
check.close("sigmoid_max_grad", 0.25, rtol=1e-6, hint="sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)), largest at z = 0")
check.close("sigmoid_chain_bound", 0.25 ** 10, rtol=1e-5, hint="the derivatives of 10 sigmoids multiply")
check.close("dead_relu_fraction", phi_1, rtol=1e-4,
            hint="the fraction of inputs x <= 0 for x ~ N(-1, 1): standardize 0 with z = (0 - mean) / std")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch08_activations_q4", "locked": true, "schema_version": 3, "solution": false}
# ## Q4. GELU is not monotonic (2 points)
#
# `gelu(x) = x * Phi(x)` with `Phi` the standard normal CDF (`torch.nn.functional.gelu`).
# Unlike the ReLU family it dips below zero before rising. Find `gelu_argmin`, the
# `x` where it is smallest, and `gelu_min`, its value there, to 3 decimals (a fine grid
# of `x` values is enough).

# %% nbgrader={"grade": false, "grade_id": "ch08_activations_q4_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
_x = torch.linspace(-3, 0, 300001, dtype=torch.float64)
_y = torch.nn.functional.gelu(_x)
_i = int(torch.argmin(_y))
gelu_argmin, gelu_min = float(_x[_i]), float(_y[_i])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch08_activations_q4_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import check

check.true("-3.0 < gelu_argmin < 0.0", "the minimum of gelu lies between -3 and 0")
check.true("gelu_min < 0.0", "gelu dips below zero")
### BEGIN HIDDEN TESTS
def reference_gelu(x):
    return x * 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))

# golden-section search of the minimum on [-3, 0]
lo, hi, r = -3.0, 0.0, 0.6180339887498949
for _ in range(120):
    a, b = hi - r * (hi - lo), lo + r * (hi - lo)
    if reference_gelu(a) < reference_gelu(b):
        hi = b
    else:
        lo = a
x_min = (lo + hi) / 2
check.close("gelu_argmin", x_min, rtol=0.0, atol=1e-3, hint="search a fine grid of x in [-3, 0], as a float")
check.close("gelu_min", reference_gelu(x_min), rtol=0.0, atol=1e-3, hint="gelu's value at gelu_argmin, as a float")
### END HIDDEN TESTS
