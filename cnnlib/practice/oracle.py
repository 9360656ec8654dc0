"""Answers of every practice-problem kind, measured on real ``torch.nn`` layers.

This is the second, independent derivation that :func:`cnnlib.practice.generate` compares with
the closed-form one (:mod:`cnnlib.practice.reference`): output shapes come from running the
layers on the ``meta`` device (shapes only, no arithmetic), parameter counts from the layers'
tensors, MACs from PyTorch's own counting formulas in ``torch.utils.flop_counter`` (which count
FLOPs = 2 x MACs) applied to the measured shapes, receptive fields from gradients through a
real stack of convolutions, and BatchNorm folding from ``torch.nn.utils.fusion``.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from contextlib import contextmanager
from typing import Any, Iterator

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_weights
from torch.utils.flop_counter import conv_flop_count, mm_flop

from cnnlib.practice.reference import DECIMALS

__all__ = ["derive", "network_table"]

META = torch.device("meta")


@contextmanager
def _one_thread() -> Iterator[None]:
    """Tiny real computations run fastest (and without thread contention) on one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _run(module: nn.Module, shape: tuple[int, ...]) -> torch.Tensor:
    return module(torch.empty(shape, device=META))


def _n_params(module: nn.Module) -> int:
    return sum(t.numel() for t in module.parameters())


def _conv_layer_macs(conv: nn.Conv2d, x_shape, out_shape) -> int:
    return conv_flop_count(list(x_shape), list(conv.weight.shape), list(out_shape)) // 2


def _conv(c_in, c_out, k, stride=1, padding=0, *, groups=1, bias=True) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, k, stride, padding, groups=groups, bias=bias, device=META)


def _same_conv(c_in, c_out, k, *, groups=1) -> nn.Conv2d:
    return _conv(c_in, c_out, k, 1, (k - 1) // 2, groups=groups, bias=False)


def _macs_of(module: nn.Module, x_shape) -> tuple[int, torch.Size]:
    """Total conv/linear MACs of ``module`` on a meta input, via forward hooks."""
    total = 0

    def hook(mod, inputs, output):
        nonlocal total
        if isinstance(mod, nn.Conv2d):
            total += _conv_layer_macs(mod, inputs[0].shape, output.shape)
        elif isinstance(mod, nn.Linear):
            total += mm_flop(inputs[0].shape, mod.weight.t().shape) // 2

    handles = [m.register_forward_hook(hook) for m in module.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        out = _run(module, x_shape)
    finally:
        for h in handles:
            h.remove()
    return total, out.shape


def _conv_volume(p) -> tuple[nn.Conv2d, torch.Size]:
    conv = _conv(p["in_channels"], p["out_channels"], p["kernel"], p["stride"], p["padding"])
    x_shape = (1, p["in_channels"], p["in_size"], p["in_size"])
    out = _run(conv, x_shape)
    if (out.shape[2] - 1) * p["stride"] + p["kernel"] != p["in_size"] + 2 * p["padding"]:
        raise ValueError("the filter does not tile the padded input: an impossible setup")
    return conv, out.shape


def _conv_output(p):
    _, (_, c, h, w) = _conv_volume(p)
    return (c, h, w)


def _pool_output(p):
    cls = nn.MaxPool2d if p["pool"] == "max" else nn.AvgPool2d
    pool = cls(p["kernel"], p["stride"], p["padding"])
    _, c, h, w = _run(pool, (1, p["channels"], p["in_size"], p["in_size"])).shape
    if (h - 1) * p["stride"] + p["kernel"] != p["in_size"] + 2 * p["padding"]:
        raise ValueError("the pooling window does not tile the input: an impossible setup")
    if _n_params(pool):
        raise AssertionError("pooling layers have no parameters")
    return (c, h, w)


def _conv_params(p):
    with_bias = _conv(p["in_channels"], p["out_channels"], p["kernel"], bias=True)
    without = _conv(p["in_channels"], p["out_channels"], p["kernel"], bias=False)
    return (_n_params(with_bias), _n_params(without))


def _conv_macs(p):
    conv, out_shape = _conv_volume(p)
    return _conv_layer_macs(conv, (1, p["in_channels"], p["in_size"], p["in_size"]), out_shape)


def _activation_memory(p):
    conv, _ = _conv_volume(p)
    x = torch.empty(p["batch_size"], p["in_channels"], p["in_size"], p["in_size"],
                    device=META, dtype=torch.float32)
    out = conv(x)
    nbytes = out.numel() * out.element_size()
    if out.element_size() != p["bytes_per_element"]:
        raise AssertionError("float32 elements are 4 bytes")
    divisor = {"KB": 1024, "MB": 1024 ** 2}[p["memory_unit"]]
    return round(nbytes / divisor, DECIMALS["activation_memory"])


def _receptive_field(p):
    # A real stack of single-channel convolutions with all-ones weights (no cancellations): the
    # input pixels that get a gradient from one output unit are exactly its receptive field.
    layers = [tuple(layer) for layer in p["layers"]]
    stack = nn.Sequential(*[nn.Conv2d(1, 1, k, s, bias=False) for k, s in layers]).double()
    for conv in stack:
        nn.init.ones_(conv.weight)
    # an input at least as large as the receptive field: 1 + sum of k_i * (strides before i)
    size = 1 + sum(k * math.prod(s for _, s in layers[:i]) for i, (k, _) in enumerate(layers))
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    with _one_thread():
        stack(x)[0, 0, 0, 0].backward()
    rows = torch.nonzero(x.grad[0, 0].abs().sum(dim=1)).flatten()
    return int(rows.max() - rows.min() + 1)


def _inception_branches(p, bottleneck: bool) -> list[nn.Module]:
    c, c1, c3, c5 = p["in_channels"], p["c1"], p["c3"], p["c5"]
    pool = nn.MaxPool2d(3, 1, 1)
    if bottleneck:
        return [_same_conv(c, c1, 1),
                nn.Sequential(_same_conv(c, p["r3"], 1), _same_conv(p["r3"], c3, 3)),
                nn.Sequential(_same_conv(c, p["r5"], 1), _same_conv(p["r5"], c5, 5)),
                nn.Sequential(pool, _same_conv(c, p["pool_proj"], 1))]
    return [_same_conv(c, c1, 1), _same_conv(c, c3, 3), _same_conv(c, c5, 5), pool]


def _inception_cost(p):
    x_shape = (1, p["in_channels"], p["in_size"], p["in_size"])
    totals = []
    for bottleneck in (False, True):
        macs = 0
        for branch in _inception_branches(p, bottleneck):
            branch_macs, out = _macs_of(branch, x_shape)
            if tuple(out[2:]) != x_shape[2:]:  # branches must line up for the concatenation
                raise AssertionError("Inception branches keep the spatial size")
            macs += branch_macs
        totals.append(macs)
    return tuple(totals)


def _resnet_block(p):
    c, s = p["channels"], p["in_size"]
    basic = nn.Sequential(_same_conv(c, c, 3), _same_conv(c, c, 3))
    bottleneck = nn.Sequential(_same_conv(4 * c, c, 1), _same_conv(c, c, 3),
                               _same_conv(c, 4 * c, 1))
    if p["quantity"] == "params":
        return (_n_params(basic), _n_params(bottleneck))
    return (_macs_of(basic, (1, c, s, s))[0], _macs_of(bottleneck, (1, 4 * c, s, s))[0])


def build_network(p: dict) -> nn.Sequential:
    """The ``which_layer`` network as a real ``nn.Sequential`` (on ``meta``), named like the table."""
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    c, flat = p["in_channels"], None
    x_shape = (1, p["in_channels"], p["input_size"], p["input_size"])
    for layer in p["layers"]:
        t = layer["type"]
        if t == "conv":
            layers[layer["name"]] = _conv(c, layer["out_channels"], layer["kernel"],
                                          layer["stride"], layer["padding"])
            c = layer["out_channels"]
        elif t in ("maxpool", "avgpool"):
            cls = nn.MaxPool2d if t == "maxpool" else nn.AvgPool2d
            layers[layer["name"]] = cls(layer["kernel"], layer["stride"])
        elif t == "fc":
            if flat is None:
                layers["flatten"] = nn.Flatten()
                flat = _run(nn.Sequential(layers), x_shape).shape[1]
            layers[layer["name"]] = nn.Linear(flat, layer["out_features"], device=META)
            flat = layer["out_features"]
        else:
            raise ValueError(f"unknown layer type {t!r}")
    return nn.Sequential(layers)


def network_table(p: dict) -> list[dict]:
    """Per-layer output shape ((C, H, W) or (features,)), params, MACs and memory, measured."""
    net = build_network(p)
    rows: list[dict] = []

    def hook(mod, inputs, output):
        name = names[mod]
        if name == "flatten":
            return
        if isinstance(mod, nn.Conv2d):
            macs = _conv_layer_macs(mod, inputs[0].shape, output.shape)
            stride = mod.stride[0]
            if (output.shape[2] - 1) * stride + mod.kernel_size[0] != (
                    inputs[0].shape[2] + 2 * mod.padding[0]):
                raise ValueError(f"{name} does not tile its input: an impossible setup")
        elif isinstance(mod, nn.Linear):
            macs = mm_flop(inputs[0].shape, mod.weight.t().shape) // 2
        else:
            macs = 0
            if (output.shape[2] - 1) * mod.stride + mod.kernel_size != inputs[0].shape[2]:
                raise ValueError(f"{name} does not tile its input: an impossible setup")
        shape = tuple(output.shape[1:])  # torch's order: (C, H, W), as the book writes it
        rows.append({"name": name, "output_shape": shape, "params": _n_params(mod), "macs": macs,
                     "memory": output.numel() * output.element_size()})

    names = {m: n for n, m in net.named_children()}
    handles = [m.register_forward_hook(hook) for m in net.children()]
    try:
        _run(net, (1, p["in_channels"], p["input_size"], p["input_size"]))
    finally:
        for h in handles:
            h.remove()
    return rows


def _which_layer(p):
    rows = network_table(p)
    values = [r[p["quantity"]] for r in rows]
    if values.count(max(values)) != 1:
        raise ValueError("two layers tie: the question is ambiguous")
    return rows[values.index(max(values))]["name"]


def _depthwise_separable(p):
    ci, co, k, s = p["in_channels"], p["out_channels"], p["kernel"], p["in_size"]
    standard = _same_conv(ci, co, k)
    separable = nn.Sequential(_same_conv(ci, ci, k, groups=ci), _same_conv(ci, co, 1))
    if p["quantity"] == "params":
        a, b = _n_params(standard), _n_params(separable)
    else:
        a, b = _macs_of(standard, (1, ci, s, s))[0], _macs_of(separable, (1, ci, s, s))[0]
    return (a, b, round(a / b, DECIMALS["depthwise_separable"]))


def _grouped_conv(p):
    ci, co, k = p["in_channels"], p["out_channels"], p["kernel"]
    grouped = _conv(ci, co, k, groups=p["groups"], bias=p["bias"])
    return (_n_params(grouped), _n_params(_conv(ci, co, k, bias=p["bias"])))


def _efficientnet(p):
    phi = p["phi"]
    mult = torch.tensor([p["alpha"], p["beta"], p["gamma"]], dtype=torch.float64) ** phi
    d_mult, w_mult, r_mult = mult.tolist()
    depth = math.ceil(p["base_depth"] * d_mult)
    # torchvision's _make_divisible(base_width * width_mult, 8)
    v = p["base_width"] * w_mult
    width = max(8, int(v + 4) // 8 * 8)
    width += 8 if width < 0.9 * v else 0
    resolution = round(p["base_resolution"] * r_mult)

    def stage_macs(d, w, r):
        stage = nn.Sequential(*[_same_conv(w, w, 3) for _ in range(d)])
        return _macs_of(stage, (1, w, r, r))[0]

    base = stage_macs(p["base_depth"], p["base_width"], p["base_resolution"])
    ratio = stage_macs(depth, width, resolution) / base
    return (depth, width, resolution, round(ratio, DECIMALS["efficientnet"]))


def _bn_fold(p):
    nd = DECIMALS["bn_fold"]
    c_in = len(p["weight"])
    conv = nn.Conv2d(c_in, 1, 1).double()
    bn = nn.BatchNorm2d(1, eps=p["eps"]).double().eval()
    with torch.no_grad(), _one_thread():
        conv.weight.copy_(torch.tensor(p["weight"], dtype=torch.float64).view(1, c_in, 1, 1))
        conv.bias.fill_(p["bias"])
        bn.weight.fill_(p["gamma"])
        bn.bias.fill_(p["beta"])
        bn.running_mean.fill_(p["mean"])
        bn.running_var.fill_(p["var"])
        # BN at test time is an affine map z -> scale * z + shift: read it off two inputs.
        z = torch.tensor([0.0, 1.0], dtype=torch.float64).view(2, 1, 1, 1)
        y0, y1 = bn(z).flatten().tolist()
        w, b = fuse_conv_bn_weights(conv.weight, conv.bias, bn.running_mean, bn.running_var,
                                    bn.eps, bn.weight, bn.bias)
        x = torch.randn(2, c_in, 3, 3, dtype=torch.float64,
                        generator=torch.Generator().manual_seed(0))
        folded = nn.functional.conv2d(x, w, b)
        if not torch.allclose(folded, bn(conv(x)), atol=1e-9):
            raise AssertionError("the folded convolution must equal conv followed by BN")
    values = (y1 - y0, y0, *w.detach().flatten().tolist(), float(b.detach()))
    return tuple(round(v, nd) for v in values)


def _filter_fit(p):
    size, k, s, pad = p["in_size"], p["kernel"], p["stride"], p["padding"]
    out = _run(nn.Conv2d(1, 1, k, s, pad, device=META), (1, 1, size, size)).shape[-1]
    # it fits when the last window ends exactly at the (padded) border: nothing is dropped
    return out if (out - 1) * s + k == size + 2 * pad else "no"


_DERIVE = {
    "conv_output": _conv_output,
    "pool_output": _pool_output,
    "conv_params": _conv_params,
    "conv_macs": _conv_macs,
    "activation_memory": _activation_memory,
    "receptive_field": _receptive_field,
    "inception_cost": _inception_cost,
    "resnet_block": _resnet_block,
    "which_layer": _which_layer,
    "depthwise_separable": _depthwise_separable,
    "grouped_conv": _grouped_conv,
    "efficientnet": _efficientnet,
    "bn_fold": _bn_fold,
    "filter_fit": _filter_fit,
}


def derive(kind: str, params: dict) -> Any:
    """The answer of a ``kind`` problem measured on torch layers (``ValueError`` if impossible)."""
    if kind not in _DERIVE:
        raise ValueError(f"unknown problem kind {kind!r}; known kinds: {', '.join(_DERIVE)}")
    return _DERIVE[kind](params)
