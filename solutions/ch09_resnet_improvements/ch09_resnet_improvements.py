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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_intro", "locked": true, "schema_version": 3, "solution": false}
# # Chapter 9 exercises: improving residual networks
#
# Three refinements of the residual block. **Pre-activation** (He et al., 2016) moves
# BN and ReLU in front of the convolutions, so nothing but an addition sits on the
# shortcut path. **Squeeze-and-excitation** (Hu et al., 2017) rescales each channel by
# a gate computed from the globally pooled feature map. **Dense blocks** (Huang et al.,
# 2017) concatenate instead of adding: every layer sees the feature maps of all
# layers before it and contributes `k` (the growth rate) new ones.
#
# Answer in the cells marked *YOUR CODE HERE* (replace `raise NotImplementedError()`),
# then run the test cell below each answer. The visible tests catch the obvious slips;
# the grader runs more tests on other sizes and compares your modules with `cnnlib`'s
# reference implementations. Numeric answers are plain Python `int`s (counts and sizes)
# or `float`s (ratios); compute them in the cell rather than typing a number.

# %% nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_setup", "locked": true, "schema_version": 3, "solution": false}
# Setup: on Colab or a fresh JupyterHub, install the course library (keeps the installed torch).
try:
    import cnnlib
except ImportError:
    # %pip install -q "cnnlib @ git+https://github.com/cnn-architectures-course/cnn-architectures"
    import cnnlib

import math

import torch
from torch import nn


# %% [markdown] nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q1", "locked": true, "schema_version": 3, "solution": false}
# ## Q1. The pre-activation block (4 points)
#
# Write `PreActBlock(in_channels, out_channels, stride=1)`:
#
# * `pre = relu(bn1(x))` with `bn1 = nn.BatchNorm2d(in_channels)`;
# * branch: 3x3 conv of `pre` (`stride`, padding 1, no bias) -> BN -> ReLU -> 3x3 conv
#   (padding 1, no bias);
# * shortcut: `x` itself when `stride == 1` and `in_channels == out_channels`,
#   otherwise a 1x1 conv (`stride`, no bias, no BN) applied to `pre`;
# * output: `branch + shortcut`, with no ReLU after the addition.
#
# The reference is `cnnlib.models.preact_resnet.PreActBasicBlock`.

# %% nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q1_answer", "locked": false, "schema_version": 3, "solution": true}
class PreActBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        ### BEGIN SOLUTION
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.projection = None
        if stride != 1 or in_channels != out_channels:
            self.projection = nn.Conv2d(in_channels, out_channels, 1, stride, bias=False)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        pre = torch.relu(self.bn1(x))
        shortcut = x if self.projection is None else self.projection(pre)
        out = self.conv2(torch.relu(self.bn2(self.conv1(pre))))
        return out + shortcut
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch09_resnet_improvements_q1_tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}
from cnnlib.course.checks import assert_close, assert_equal, assert_raises, assert_shape, assert_true, reference
### BEGIN HIDDEN TESTS
import importlib as _il
from builtins import (AssertionError as _AssertionError, ValueError as _ValueError, any as _any,
                      enumerate as _enumerate, id as _id, isinstance as _isinstance, len as _len,
                      range as _range, sorted as _sorted, sum as _sum, zip as _zip)
_torch = _il.import_module("torch")
_TB = _torch._C.TensorBase  # immutable type: its methods cannot be monkeypatched
_INT, _FLOAT, _STR, _TUPLE, _LIST, _DICT = (0).__class__, (0.0).__class__, "".__class__, ().__class__, [].__class__, {}.__class__
_TYPE = _INT.__class__
_summarize = reference("cnnlib.summarize")

def _tname(value):
    return _TYPE(value).__name__

def _check_int(value, expected, what):
    assert_true(_TYPE(value) is _INT, msg=f"{what} should be an int, got {_tname(value)}")
    assert_equal(value, expected, msg=what)

def _check_float(value, expected, what, rel=1e-6, abs_tol=1e-12):
    assert_true(_TYPE(value) is _FLOAT or _TYPE(value) is _INT, msg=f"{what} should be a float, got {_tname(value)}")
    assert_close(value, expected, rtol=rel, atol=abs_tol, msg=what)

def _check_shape(value, expected, what):
    assert_true(_isinstance(value, _TUPLE), msg=f"{what} should be a tuple like {expected}, got {_tname(value)}")
    assert_equal(_TUPLE(value), expected, msg=what)

def _check_choice(value, expected, what):
    assert_true(_TYPE(value) is _STR, msg=f"{what} should be a str, got {_tname(value)}")
    assert_equal(value.strip().lower(), expected, msg=what)

def _check_raises(what, fn, *args, **kwargs):
    try:
        assert_raises(_ValueError, fn, *args, **kwargs)
    except _AssertionError as err:
        raise _AssertionError(f"{what}: {err}") from None

def _shape_of(t):
    return _TUPLE(_TB.size(t))

def _own_tensors(m):
    return [t for t in _LIST(m._parameters.values()) + _LIST(m._buffers.values()) if t is not None]

def _layers_in_call_order(model, x):
    order, seen, handles = [], {}, []
    def hook(module, args, output):
        if _id(module) not in seen:
            seen[_id(module)] = True
            order.append(module)
    for m in model.modules():
        if _own_tensors(m):
            handles.append(m.register_forward_hook(hook))
    try:
        with _torch.no_grad():
            model(_TB.clone(x))
    finally:
        for h in handles:
            h.remove()
    return order

def _pairing_key(m):
    """Kind and tensor shapes; a Linear layer counts as the equivalent 1x1 convolution."""
    kind, shapes = _tname(m), [_shape_of(t) for t in _own_tensors(m)]
    if kind == "Linear":
        kind, shapes = "Conv2d", [s + (1, 1) if _len(s) == 2 else s for s in shapes]
    return (kind, _TUPLE(shapes))

def _randomize(model, seed):
    """Seeded He-uniform weights, small biases, random norm statistics (in place)."""
    g = _torch.Generator().manual_seed(seed)
    with _torch.no_grad():
        for m in model.modules():
            for name, t in _LIST(m._parameters.items()) + _LIST(m._buffers.items()):
                if t is None or not _TB.is_floating_point(t):
                    continue
                shape = _shape_of(t)
                if name == "running_var":
                    new = _torch.rand(shape, generator=g) + 0.5
                elif name in ("running_mean", "bias"):
                    new = _torch.randn(shape, generator=g) * 0.2
                elif _len(shape) >= 2:
                    new = (_torch.rand(shape, generator=g) * 2 - 1) * (6.0 * shape[0] / _TB.numel(t)) ** 0.5
                else:
                    new = _torch.rand(shape, generator=g) + 0.5
                _TB.copy_(t, new)

def _layer_table(model, input_size):
    """Sorted (kind, params, output shape) of the layers with weights; a Linear layer is listed
    as the equivalent 1x1 convolution (a squeeze-excitation MLP may use either)."""
    rows = []
    for r in _summarize(model, input_size).rows:
        if r.params > 0:
            kind, shape = r.kind, _TUPLE(r.output_shape)
            if kind == "Linear":
                kind, shape = "Conv2d", shape + (1, 1)
            rows.append((kind, r.params, shape))
    return _sorted(rows)

def _prepare(reference_module, x, *, input_size=None, modes=("eval",), seed=0):
    """Everything the comparison needs from the reference, computed before student code runs."""
    _randomize(reference_module, seed)
    reference_module.eval()
    layers = _layers_in_call_order(reference_module, x)
    snapshot = [[_TB.clone(_TB.detach(t)) for t in _own_tensors(m)] for m in layers]
    outputs = []
    for mode in modes:  # eval first: a train-mode pass moves the running statistics
        reference_module.train(mode == "train")
        with _torch.no_grad():
            outputs.append((mode, reference_module(_TB.clone(x))))
    reference_module.eval()
    table = _layer_table(reference_module, input_size) if input_size is not None else None
    return {"keys": [_pairing_key(m) for m in layers], "snapshot": snapshot, "outputs": outputs,
            "x": _TB.clone(x), "table": table, "input_size": input_size}

def _check_structure(student, ref, what):
    """The same layers with weights as the reference: kind, parameter count, output shape."""
    mine = _layer_table(student, ref["input_size"])
    if mine != ref["table"]:
        missing = [row for row in ref["table"] if row not in mine]
        extra = [row for row in mine if row not in ref["table"]]
        raise _AssertionError(
            f"{what}: the layers with weights, as (kind, params, output shape), differ from the "
            f"reference; missing {missing}, unexpected {extra}")

def _check_against(student, ref, what, rtol=1e-4, atol=1e-5):
    """Structure (if prepared), then the reference's weights in the student's module and the
    same outputs. Layers pair by kind and tensor shapes, in the order they run."""
    if ref["table"] is not None:
        _check_structure(student, ref, what)
    student.eval()
    mine = _layers_in_call_order(student, ref["x"])
    groups = {}
    for m in mine:
        groups.setdefault(_pairing_key(m), []).append(m)
    ref_groups = {}
    for key, tensors in _zip(ref["keys"], ref["snapshot"]):
        ref_groups.setdefault(key, []).append(tensors)
    for key in _LIST(ref_groups) + _LIST(groups):
        n_mine, n_ref = _len(groups.get(key, [])), _len(ref_groups.get(key, []))
        if n_mine != n_ref:
            raise _AssertionError(
                f"{what}: the reference runs {n_ref} {key[0]} layer(s) holding tensors of shapes "
                f"{_LIST(key[1])}; your module runs {n_mine}. Yours, in the order they run: "
                f"{[_pairing_key(m) for m in mine]}")
    with _torch.no_grad():
        for key, ref_tensors in ref_groups.items():
            for module, tensors in _zip(groups[key], ref_tensors):
                for mine_t, ref_t in _zip(_own_tensors(module), tensors):
                    _TB.copy_(mine_t, _TB.reshape(ref_t, _TB.size(mine_t)))
    for mode, expected in ref["outputs"]:
        student.train(mode == "train")
        with _torch.no_grad():
            out = student(_TB.clone(ref["x"]))
        assert_close(out, expected, rtol=rtol, atol=atol, msg=f"{what}: output in {mode} mode")
    student.eval()

def _param_count(model):
    return _sum(_TB.numel(p) for p in model.parameters())

def _grader_prepare():
    ref_cls = reference("cnnlib.models.preact_resnet.PreActBasicBlock")
    refs = []
    for c_in, c_out, stride in ((8, 8, 1), (6, 10, 2), (8, 12, 1), (10, 10, 2)):
        projection = stride != 1 or c_in != c_out
        params = 2 * c_in + 9 * c_in * c_out + 2 * c_out + 9 * c_out * c_out + (c_in * c_out if projection else 0)
        x = _torch.randn(2, c_in, 8, 8, generator=_torch.Generator().manual_seed(c_in * c_out))
        refs.append(((c_in, c_out, stride), params,
                     _prepare(ref_cls(c_in, c_out, stride), x, input_size=(c_in, 8, 8), modes=("eval", "train"))))
    return dict(locals())

_grader = _grader_prepare()
### END HIDDEN TESTS
assert_shape(PreActBlock(8, 8)(torch.randn(2, 8, 6, 6)), (2, 8, 6, 6))
assert_shape(PreActBlock(8, 16, stride=2)(torch.randn(2, 8, 6, 6)), (2, 16, 3, 3))
### BEGIN HIDDEN TESTS
def _grader_hidden(c_in, c_out, params, projection, ref_cls, refs, stride, x, **_unused):
    for cfg, params, ref in refs:
        what = f"PreActBlock{cfg}"
        student = PreActBlock(*cfg)
        _check_int(_param_count(student), params, f"parameters of {what}")
        _check_against(student, ref, what)

_grader_hidden(**_grader)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q2", "locked": true, "schema_version": 3, "solution": false}
# ## Q2. Squeeze-and-excitation (3 points)
#
# Write `SEBlock(channels, reduction=16)`: global average pooling to one number per
# channel, a linear layer to `hidden = max(1, channels // reduction)` units (with
# bias), ReLU, a linear layer back to `channels` (with bias), sigmoid; the output is
# the input multiplied channel-wise by these gates. Use `nn.Linear` or 1x1
# `nn.Conv2d` layers, as you prefer.

# %% nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q2_answer", "locked": false, "schema_version": 3, "solution": true}
class SEBlock(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        ### BEGIN SOLUTION
        hidden = max(1, channels // reduction)
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        s = x.mean(dim=(2, 3))                                  # N x C
        gate = torch.sigmoid(self.fc2(torch.relu(self.fc1(s))))
        return x * gate[:, :, None, None]
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch09_resnet_improvements_q2_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}
from cnnlib.course.checks import assert_close, assert_equal, assert_raises, assert_shape, assert_true, reference
### BEGIN HIDDEN TESTS
import importlib as _il
from builtins import (AssertionError as _AssertionError, ValueError as _ValueError, any as _any,
                      enumerate as _enumerate, id as _id, isinstance as _isinstance, len as _len,
                      range as _range, sorted as _sorted, sum as _sum, zip as _zip)
_torch = _il.import_module("torch")
_TB = _torch._C.TensorBase  # immutable type: its methods cannot be monkeypatched
_INT, _FLOAT, _STR, _TUPLE, _LIST, _DICT = (0).__class__, (0.0).__class__, "".__class__, ().__class__, [].__class__, {}.__class__
_TYPE = _INT.__class__
_summarize = reference("cnnlib.summarize")

def _tname(value):
    return _TYPE(value).__name__

def _check_int(value, expected, what):
    assert_true(_TYPE(value) is _INT, msg=f"{what} should be an int, got {_tname(value)}")
    assert_equal(value, expected, msg=what)

def _check_float(value, expected, what, rel=1e-6, abs_tol=1e-12):
    assert_true(_TYPE(value) is _FLOAT or _TYPE(value) is _INT, msg=f"{what} should be a float, got {_tname(value)}")
    assert_close(value, expected, rtol=rel, atol=abs_tol, msg=what)

def _check_shape(value, expected, what):
    assert_true(_isinstance(value, _TUPLE), msg=f"{what} should be a tuple like {expected}, got {_tname(value)}")
    assert_equal(_TUPLE(value), expected, msg=what)

def _check_choice(value, expected, what):
    assert_true(_TYPE(value) is _STR, msg=f"{what} should be a str, got {_tname(value)}")
    assert_equal(value.strip().lower(), expected, msg=what)

def _check_raises(what, fn, *args, **kwargs):
    try:
        assert_raises(_ValueError, fn, *args, **kwargs)
    except _AssertionError as err:
        raise _AssertionError(f"{what}: {err}") from None

def _shape_of(t):
    return _TUPLE(_TB.size(t))

def _own_tensors(m):
    return [t for t in _LIST(m._parameters.values()) + _LIST(m._buffers.values()) if t is not None]

def _layers_in_call_order(model, x):
    order, seen, handles = [], {}, []
    def hook(module, args, output):
        if _id(module) not in seen:
            seen[_id(module)] = True
            order.append(module)
    for m in model.modules():
        if _own_tensors(m):
            handles.append(m.register_forward_hook(hook))
    try:
        with _torch.no_grad():
            model(_TB.clone(x))
    finally:
        for h in handles:
            h.remove()
    return order

def _pairing_key(m):
    """Kind and tensor shapes; a Linear layer counts as the equivalent 1x1 convolution."""
    kind, shapes = _tname(m), [_shape_of(t) for t in _own_tensors(m)]
    if kind == "Linear":
        kind, shapes = "Conv2d", [s + (1, 1) if _len(s) == 2 else s for s in shapes]
    return (kind, _TUPLE(shapes))

def _randomize(model, seed):
    """Seeded He-uniform weights, small biases, random norm statistics (in place)."""
    g = _torch.Generator().manual_seed(seed)
    with _torch.no_grad():
        for m in model.modules():
            for name, t in _LIST(m._parameters.items()) + _LIST(m._buffers.items()):
                if t is None or not _TB.is_floating_point(t):
                    continue
                shape = _shape_of(t)
                if name == "running_var":
                    new = _torch.rand(shape, generator=g) + 0.5
                elif name in ("running_mean", "bias"):
                    new = _torch.randn(shape, generator=g) * 0.2
                elif _len(shape) >= 2:
                    new = (_torch.rand(shape, generator=g) * 2 - 1) * (6.0 * shape[0] / _TB.numel(t)) ** 0.5
                else:
                    new = _torch.rand(shape, generator=g) + 0.5
                _TB.copy_(t, new)

def _layer_table(model, input_size):
    """Sorted (kind, params, output shape) of the layers with weights; a Linear layer is listed
    as the equivalent 1x1 convolution (a squeeze-excitation MLP may use either)."""
    rows = []
    for r in _summarize(model, input_size).rows:
        if r.params > 0:
            kind, shape = r.kind, _TUPLE(r.output_shape)
            if kind == "Linear":
                kind, shape = "Conv2d", shape + (1, 1)
            rows.append((kind, r.params, shape))
    return _sorted(rows)

def _prepare(reference_module, x, *, input_size=None, modes=("eval",), seed=0):
    """Everything the comparison needs from the reference, computed before student code runs."""
    _randomize(reference_module, seed)
    reference_module.eval()
    layers = _layers_in_call_order(reference_module, x)
    snapshot = [[_TB.clone(_TB.detach(t)) for t in _own_tensors(m)] for m in layers]
    outputs = []
    for mode in modes:  # eval first: a train-mode pass moves the running statistics
        reference_module.train(mode == "train")
        with _torch.no_grad():
            outputs.append((mode, reference_module(_TB.clone(x))))
    reference_module.eval()
    table = _layer_table(reference_module, input_size) if input_size is not None else None
    return {"keys": [_pairing_key(m) for m in layers], "snapshot": snapshot, "outputs": outputs,
            "x": _TB.clone(x), "table": table, "input_size": input_size}

def _check_structure(student, ref, what):
    """The same layers with weights as the reference: kind, parameter count, output shape."""
    mine = _layer_table(student, ref["input_size"])
    if mine != ref["table"]:
        missing = [row for row in ref["table"] if row not in mine]
        extra = [row for row in mine if row not in ref["table"]]
        raise _AssertionError(
            f"{what}: the layers with weights, as (kind, params, output shape), differ from the "
            f"reference; missing {missing}, unexpected {extra}")

def _check_against(student, ref, what, rtol=1e-4, atol=1e-5):
    """Structure (if prepared), then the reference's weights in the student's module and the
    same outputs. Layers pair by kind and tensor shapes, in the order they run."""
    if ref["table"] is not None:
        _check_structure(student, ref, what)
    student.eval()
    mine = _layers_in_call_order(student, ref["x"])
    groups = {}
    for m in mine:
        groups.setdefault(_pairing_key(m), []).append(m)
    ref_groups = {}
    for key, tensors in _zip(ref["keys"], ref["snapshot"]):
        ref_groups.setdefault(key, []).append(tensors)
    for key in _LIST(ref_groups) + _LIST(groups):
        n_mine, n_ref = _len(groups.get(key, [])), _len(ref_groups.get(key, []))
        if n_mine != n_ref:
            raise _AssertionError(
                f"{what}: the reference runs {n_ref} {key[0]} layer(s) holding tensors of shapes "
                f"{_LIST(key[1])}; your module runs {n_mine}. Yours, in the order they run: "
                f"{[_pairing_key(m) for m in mine]}")
    with _torch.no_grad():
        for key, ref_tensors in ref_groups.items():
            for module, tensors in _zip(groups[key], ref_tensors):
                for mine_t, ref_t in _zip(_own_tensors(module), tensors):
                    _TB.copy_(mine_t, _TB.reshape(ref_t, _TB.size(mine_t)))
    for mode, expected in ref["outputs"]:
        student.train(mode == "train")
        with _torch.no_grad():
            out = student(_TB.clone(ref["x"]))
        assert_close(out, expected, rtol=rtol, atol=atol, msg=f"{what}: output in {mode} mode")
    student.eval()

def _param_count(model):
    return _sum(_TB.numel(p) for p in model.parameters())

def _grader_prepare():
    ref_cls = reference("cnnlib.layers.squeeze_excite.SqueezeExcitation")
    refs = []
    for c, r in ((32, 16), (24, 4), (10, 16), (64, 8)):
        h = c // r if c // r > 0 else 1
        x = _torch.randn(2, c, 5, 5, generator=_torch.Generator().manual_seed(c + r))
        refs.append(((c, r), 2 * c * h + h + c, _prepare(ref_cls(c, r), x, input_size=(c, 5, 5))))
    return dict(locals())

_grader = _grader_prepare()
### END HIDDEN TESTS
test_x = torch.randn(2, 32, 5, 5)
assert_shape(SEBlock(32)(test_x), (2, 32, 5, 5))
assert_equal(sum(p.numel() for p in SEBlock(32, reduction=4).parameters()), 32 * 8 + 8 + 8 * 32 + 32)
### BEGIN HIDDEN TESTS
def _grader_hidden(c, h, r, ref_cls, refs, x, **_unused):
    for (c, r), params, ref in refs:
        what = f"SEBlock({c}, reduction={r})"
        student = SEBlock(c, reduction=r)
        _check_int(_param_count(student), params, f"parameters of {what}")
        _check_against(student, ref, what)

_grader_hidden(**_grader)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q3", "locked": true, "schema_version": 3, "solution": false}
# ## Q3. A dense block (4 points)
#
# Write `DenseBlock(num_layers, in_channels, growth_rate, bn_size=4)`. Layer `i`
# (from 0) takes the concatenation of the block input and the outputs of layers
# `0 .. i-1` (`in_channels + i * growth_rate` channels) and computes BN -> ReLU -> 1x1
# conv to `bn_size * growth_rate` channels -> BN -> ReLU -> 3x3 conv (padding 1) to
# `growth_rate` channels, convs without bias. The block returns the concatenation of
# its input and all layers' outputs, in that order:
# `in_channels + num_layers * growth_rate` channels. Raise `ValueError` if
# `num_layers < 1`. The reference is `cnnlib.models.densenet.DenseBlock`.

# %% nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q3_answer", "locked": false, "schema_version": 3, "solution": true}
class DenseBlock(nn.Module):
    def __init__(self, num_layers, in_channels, growth_rate, bn_size=4):
        super().__init__()
        ### BEGIN SOLUTION
        if num_layers < 1:
            raise ValueError(f"a dense block needs at least one layer, got {num_layers}")
        self.layers = nn.ModuleList()
        for i in range(num_layers):
            c = in_channels + i * growth_rate
            self.layers.append(nn.Sequential(
                nn.BatchNorm2d(c), nn.ReLU(),
                nn.Conv2d(c, bn_size * growth_rate, 1, bias=False),
                nn.BatchNorm2d(bn_size * growth_rate), nn.ReLU(),
                nn.Conv2d(bn_size * growth_rate, growth_rate, 3, padding=1, bias=False)))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        features = [x]
        for layer in self.layers:
            features.append(layer(torch.cat(features, dim=1)))
        return torch.cat(features, dim=1)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ch09_resnet_improvements_q3_tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}
from cnnlib.course.checks import assert_close, assert_equal, assert_raises, assert_shape, assert_true, reference
### BEGIN HIDDEN TESTS
import importlib as _il
from builtins import (AssertionError as _AssertionError, ValueError as _ValueError, any as _any,
                      enumerate as _enumerate, id as _id, isinstance as _isinstance, len as _len,
                      range as _range, sorted as _sorted, sum as _sum, zip as _zip)
_torch = _il.import_module("torch")
_TB = _torch._C.TensorBase  # immutable type: its methods cannot be monkeypatched
_INT, _FLOAT, _STR, _TUPLE, _LIST, _DICT = (0).__class__, (0.0).__class__, "".__class__, ().__class__, [].__class__, {}.__class__
_TYPE = _INT.__class__
_summarize = reference("cnnlib.summarize")

def _tname(value):
    return _TYPE(value).__name__

def _check_int(value, expected, what):
    assert_true(_TYPE(value) is _INT, msg=f"{what} should be an int, got {_tname(value)}")
    assert_equal(value, expected, msg=what)

def _check_float(value, expected, what, rel=1e-6, abs_tol=1e-12):
    assert_true(_TYPE(value) is _FLOAT or _TYPE(value) is _INT, msg=f"{what} should be a float, got {_tname(value)}")
    assert_close(value, expected, rtol=rel, atol=abs_tol, msg=what)

def _check_shape(value, expected, what):
    assert_true(_isinstance(value, _TUPLE), msg=f"{what} should be a tuple like {expected}, got {_tname(value)}")
    assert_equal(_TUPLE(value), expected, msg=what)

def _check_choice(value, expected, what):
    assert_true(_TYPE(value) is _STR, msg=f"{what} should be a str, got {_tname(value)}")
    assert_equal(value.strip().lower(), expected, msg=what)

def _check_raises(what, fn, *args, **kwargs):
    try:
        assert_raises(_ValueError, fn, *args, **kwargs)
    except _AssertionError as err:
        raise _AssertionError(f"{what}: {err}") from None

def _shape_of(t):
    return _TUPLE(_TB.size(t))

def _own_tensors(m):
    return [t for t in _LIST(m._parameters.values()) + _LIST(m._buffers.values()) if t is not None]

def _layers_in_call_order(model, x):
    order, seen, handles = [], {}, []
    def hook(module, args, output):
        if _id(module) not in seen:
            seen[_id(module)] = True
            order.append(module)
    for m in model.modules():
        if _own_tensors(m):
            handles.append(m.register_forward_hook(hook))
    try:
        with _torch.no_grad():
            model(_TB.clone(x))
    finally:
        for h in handles:
            h.remove()
    return order

def _pairing_key(m):
    """Kind and tensor shapes; a Linear layer counts as the equivalent 1x1 convolution."""
    kind, shapes = _tname(m), [_shape_of(t) for t in _own_tensors(m)]
    if kind == "Linear":
        kind, shapes = "Conv2d", [s + (1, 1) if _len(s) == 2 else s for s in shapes]
    return (kind, _TUPLE(shapes))

def _randomize(model, seed):
    """Seeded He-uniform weights, small biases, random norm statistics (in place)."""
    g = _torch.Generator().manual_seed(seed)
    with _torch.no_grad():
        for m in model.modules():
            for name, t in _LIST(m._parameters.items()) + _LIST(m._buffers.items()):
                if t is None or not _TB.is_floating_point(t):
                    continue
                shape = _shape_of(t)
                if name == "running_var":
                    new = _torch.rand(shape, generator=g) + 0.5
                elif name in ("running_mean", "bias"):
                    new = _torch.randn(shape, generator=g) * 0.2
                elif _len(shape) >= 2:
                    new = (_torch.rand(shape, generator=g) * 2 - 1) * (6.0 * shape[0] / _TB.numel(t)) ** 0.5
                else:
                    new = _torch.rand(shape, generator=g) + 0.5
                _TB.copy_(t, new)

def _layer_table(model, input_size):
    """Sorted (kind, params, output shape) of the layers with weights; a Linear layer is listed
    as the equivalent 1x1 convolution (a squeeze-excitation MLP may use either)."""
    rows = []
    for r in _summarize(model, input_size).rows:
        if r.params > 0:
            kind, shape = r.kind, _TUPLE(r.output_shape)
            if kind == "Linear":
                kind, shape = "Conv2d", shape + (1, 1)
            rows.append((kind, r.params, shape))
    return _sorted(rows)

def _prepare(reference_module, x, *, input_size=None, modes=("eval",), seed=0):
    """Everything the comparison needs from the reference, computed before student code runs."""
    _randomize(reference_module, seed)
    reference_module.eval()
    layers = _layers_in_call_order(reference_module, x)
    snapshot = [[_TB.clone(_TB.detach(t)) for t in _own_tensors(m)] for m in layers]
    outputs = []
    for mode in modes:  # eval first: a train-mode pass moves the running statistics
        reference_module.train(mode == "train")
        with _torch.no_grad():
            outputs.append((mode, reference_module(_TB.clone(x))))
    reference_module.eval()
    table = _layer_table(reference_module, input_size) if input_size is not None else None
    return {"keys": [_pairing_key(m) for m in layers], "snapshot": snapshot, "outputs": outputs,
            "x": _TB.clone(x), "table": table, "input_size": input_size}

def _check_structure(student, ref, what):
    """The same layers with weights as the reference: kind, parameter count, output shape."""
    mine = _layer_table(student, ref["input_size"])
    if mine != ref["table"]:
        missing = [row for row in ref["table"] if row not in mine]
        extra = [row for row in mine if row not in ref["table"]]
        raise _AssertionError(
            f"{what}: the layers with weights, as (kind, params, output shape), differ from the "
            f"reference; missing {missing}, unexpected {extra}")

def _check_against(student, ref, what, rtol=1e-4, atol=1e-5):
    """Structure (if prepared), then the reference's weights in the student's module and the
    same outputs. Layers pair by kind and tensor shapes, in the order they run."""
    if ref["table"] is not None:
        _check_structure(student, ref, what)
    student.eval()
    mine = _layers_in_call_order(student, ref["x"])
    groups = {}
    for m in mine:
        groups.setdefault(_pairing_key(m), []).append(m)
    ref_groups = {}
    for key, tensors in _zip(ref["keys"], ref["snapshot"]):
        ref_groups.setdefault(key, []).append(tensors)
    for key in _LIST(ref_groups) + _LIST(groups):
        n_mine, n_ref = _len(groups.get(key, [])), _len(ref_groups.get(key, []))
        if n_mine != n_ref:
            raise _AssertionError(
                f"{what}: the reference runs {n_ref} {key[0]} layer(s) holding tensors of shapes "
                f"{_LIST(key[1])}; your module runs {n_mine}. Yours, in the order they run: "
                f"{[_pairing_key(m) for m in mine]}")
    with _torch.no_grad():
        for key, ref_tensors in ref_groups.items():
            for module, tensors in _zip(groups[key], ref_tensors):
                for mine_t, ref_t in _zip(_own_tensors(module), tensors):
                    _TB.copy_(mine_t, _TB.reshape(ref_t, _TB.size(mine_t)))
    for mode, expected in ref["outputs"]:
        student.train(mode == "train")
        with _torch.no_grad():
            out = student(_TB.clone(ref["x"]))
        assert_close(out, expected, rtol=rtol, atol=atol, msg=f"{what}: output in {mode} mode")
    student.eval()

def _param_count(model):
    return _sum(_TB.numel(p) for p in model.parameters())

def _grader_prepare():
    ref_cls = reference("cnnlib.models.densenet.DenseBlock")
    refs = []
    for layers, c_in, k, bn_size in ((3, 16, 8, 4), (2, 6, 5, 2), (4, 8, 4, 1)):
        params = 0
        for i in _range(layers):
            c = c_in + i * k
            params += 2 * c + c * bn_size * k + 2 * bn_size * k + 9 * bn_size * k * k
        x = _torch.randn(2, c_in, 6, 6, generator=_torch.Generator().manual_seed(layers * k))
        refs.append(((layers, c_in, k, bn_size), params,
                     _prepare(ref_cls(layers, c_in, k, bn_size), x, input_size=(c_in, 6, 6), modes=("eval", "train"))))
    return dict(locals())

_grader = _grader_prepare()
### END HIDDEN TESTS
assert_shape(DenseBlock(3, 16, 8)(torch.randn(2, 16, 6, 6)), (2, 16 + 3 * 8, 6, 6))
### BEGIN HIDDEN TESTS
def _grader_hidden(bn_size, c, c_in, i, k, layers, params, ref_cls, refs, x, **_unused):
    for cfg, params, ref in refs:
        what = f"DenseBlock{cfg}"
        student = DenseBlock(*cfg)
        _check_int(_param_count(student), params, f"parameters of {what}")
        _check_against(student, ref, what)
    _check_raises("DenseBlock(0, 8, 4)", DenseBlock, 0, 8, 4)

_grader_hidden(**_grader)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q4", "locked": true, "schema_version": 3, "solution": false}
# ## Q4. What do they cost? (2 points)
#
# * `se_params_256`: the parameters (biases included) of an SE block on 256 channels
#   with reduction 16;
# * `se_resnet50_extra_params`: how many parameters SE-ResNet-50 adds to ResNet-50
#   (use `cnnlib.get_model("se_resnet50")` and `"resnet50"`; build them inside
#   `with torch.device("meta"):` to skip allocating memory);
# * `densenet121_block1_channels`: the output channels of DenseNet-121's first dense
#   block: 64 input channels, 6 layers, growth rate 32.

# %% nbgrader={"grade": false, "grade_id": "ch09_resnet_improvements_q4_answer", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
se_params_256 = sum(p.numel() for p in SEBlock(256, 16).parameters())
with torch.device("meta"):
    _se = cnnlib.get_model("se_resnet50")
    _plain = cnnlib.get_model("resnet50")
se_resnet50_extra_params = (sum(p.numel() for p in _se.parameters())
                            - sum(p.numel() for p in _plain.parameters()))
densenet121_block1_channels = 64 + 6 * 32
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ch09_resnet_improvements_q4_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}
from cnnlib.course.checks import assert_close, assert_equal, assert_raises, assert_shape, assert_true, reference
### BEGIN HIDDEN TESTS
import importlib as _il
from builtins import (AssertionError as _AssertionError, ValueError as _ValueError, any as _any,
                      enumerate as _enumerate, id as _id, isinstance as _isinstance, len as _len,
                      range as _range, sorted as _sorted, sum as _sum, zip as _zip)
_torch = _il.import_module("torch")
_TB = _torch._C.TensorBase  # immutable type: its methods cannot be monkeypatched
_INT, _FLOAT, _STR, _TUPLE, _LIST, _DICT = (0).__class__, (0.0).__class__, "".__class__, ().__class__, [].__class__, {}.__class__
_TYPE = _INT.__class__
_summarize = reference("cnnlib.summarize")

def _tname(value):
    return _TYPE(value).__name__

def _check_int(value, expected, what):
    assert_true(_TYPE(value) is _INT, msg=f"{what} should be an int, got {_tname(value)}")
    assert_equal(value, expected, msg=what)

def _check_float(value, expected, what, rel=1e-6, abs_tol=1e-12):
    assert_true(_TYPE(value) is _FLOAT or _TYPE(value) is _INT, msg=f"{what} should be a float, got {_tname(value)}")
    assert_close(value, expected, rtol=rel, atol=abs_tol, msg=what)

def _check_shape(value, expected, what):
    assert_true(_isinstance(value, _TUPLE), msg=f"{what} should be a tuple like {expected}, got {_tname(value)}")
    assert_equal(_TUPLE(value), expected, msg=what)

def _check_choice(value, expected, what):
    assert_true(_TYPE(value) is _STR, msg=f"{what} should be a str, got {_tname(value)}")
    assert_equal(value.strip().lower(), expected, msg=what)

def _check_raises(what, fn, *args, **kwargs):
    try:
        assert_raises(_ValueError, fn, *args, **kwargs)
    except _AssertionError as err:
        raise _AssertionError(f"{what}: {err}") from None

def _shape_of(t):
    return _TUPLE(_TB.size(t))

def _grader_prepare():
    with _torch.device("meta"):
        se_net = reference("cnnlib.models.resnet.se_resnet50")()
        plain = reference("cnnlib.models.resnet.resnet50")()
        dense = reference("cnnlib.models.densenet.densenet121")()
    extra = _sum(_TB.numel(p) for p in se_net.parameters()) - _sum(_TB.numel(p) for p in plain.parameters())
    # SE after every bottleneck of ResNet-50: stages of 3, 4, 6, 3 blocks with 256, 512, 1024, 2048 channels
    by_formula = _sum(n * (2 * c * (c // 16) + c // 16 + c) for n, c in ((3, 256), (4, 512), (6, 1024), (3, 2048)))
    assert_equal(extra, by_formula, msg="SE-ResNet-50 vs the formula")
    block1_channels = dense.stages[0].out_channels
    assert_equal(block1_channels, 64 + 6 * 32, msg="cnnlib's densenet121 first block")
    return dict(locals())

_grader = _grader_prepare()
### END HIDDEN TESTS
assert_true(se_params_256 > 0 and se_resnet50_extra_params > 0)
assert_true(isinstance(densenet121_block1_channels, int))
### BEGIN HIDDEN TESTS
def _grader_hidden(block1_channels, by_formula, dense, extra, plain, se_net, **_unused):
    _check_int(se_params_256, 2 * 256 * 16 + 16 + 256, "se_params_256")
    _check_int(se_resnet50_extra_params, extra, "se_resnet50_extra_params")
    _check_int(densenet121_block1_channels, block1_channels, "densenet121_block1_channels")

_grader_hidden(**_grader)
### END HIDDEN TESTS
