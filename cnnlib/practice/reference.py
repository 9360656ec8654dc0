"""Reference answers of every practice-problem kind, from closed-form formulas.

``solve(kind, params)`` turns a problem's ``params`` into its answer. It is pure Python
(standard library only, no torch), so the nbgrader practice assignment can load a fresh copy of
this file inside its test cells and grade against it without trusting anything in the
student's namespace.

The per-kind logic takes its layer formulas from ``arith``: by default the small built-in
:class:`_BuiltinArithmetic` below; :func:`cnnlib.practice.generate` passes
:mod:`cnnlib.arithmetic` instead, and checks both against real torch layers
(:mod:`cnnlib.practice.oracle`). Keep this file free of imports from the rest of cnnlib.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

__all__ = ["solve", "matches", "REFERENCE_KINDS", "round_filters", "efficientnet_scaled"]

# Float answers are rounded to this many decimals, per kind (and the same everywhere: the
# question asks for them, the key shows them, the solvers round to them).
DECIMALS = {"activation_memory": 3, "depthwise_separable": 2, "efficientnet": 2, "bn_fold": 4}


class _BuiltinArithmetic:
    """The few layer formulas the solvers need (same signatures as :mod:`cnnlib.arithmetic`)."""

    @staticmethod
    def conv_output_size(size, kernel, stride=1, padding=0, dilation=1, *, strict=False):
        span = size + 2 * padding - (dilation * (kernel - 1) + 1)
        if span < 0:
            raise ValueError(f"kernel {kernel} is larger than the padded input {size + 2 * padding}")
        if strict and span % stride:
            raise ValueError(f"({span}) / {stride} + 1 is not an integer: the filter does not fit")
        return span // stride + 1

    @staticmethod
    def pool_output_size(size, kernel, stride=None, padding=0, dilation=1, *, strict=False):
        stride = kernel if stride is None else stride
        return _BuiltinArithmetic.conv_output_size(size, kernel, stride, padding, dilation,
                                                   strict=strict)

    @staticmethod
    def conv_params(c_in, c_out, kernel, *, bias=True, groups=1):
        if c_in % groups or c_out % groups:
            raise ValueError(f"groups={groups} must divide c_in={c_in} and c_out={c_out}")
        return c_out * (c_in // groups) * kernel * kernel + (c_out if bias else 0)

    @staticmethod
    def linear_params(n_in, n_out, *, bias=True):
        return n_in * n_out + (n_out if bias else 0)

    @staticmethod
    def conv_macs(c_in, c_out, kernel, out_h, out_w, *, groups=1):
        return c_out * (c_in // groups) * kernel * kernel * out_h * out_w

    @staticmethod
    def linear_macs(n_in, n_out):
        return n_in * n_out

    @staticmethod
    def receptive_field(layers):
        size, jump = 1, 1
        for kernel, stride in layers:
            size += (kernel - 1) * jump
            jump *= stride
        return size


_BUILTIN = _BuiltinArithmetic()


def _conv_out(a, p: dict, *, size_key: str = "in_size") -> int:
    return a.conv_output_size(p[size_key], p["kernel"], p["stride"], p["padding"], strict=True)


def _conv_output(p, a):
    """The output volume (C, H, W), channels first as in the book and in torch."""
    out = _conv_out(a, p)
    return (p["out_channels"], out, out)


def _pool_output(p, a):
    """The output volume (C, H, W): pooling keeps the channels."""
    out = a.pool_output_size(p["in_size"], p["kernel"], p["stride"], p["padding"], strict=True)
    return (p["channels"], out, out)


def _conv_params(p, a):
    k = p["kernel"]
    return (a.conv_params(p["in_channels"], p["out_channels"], k, bias=True),
            a.conv_params(p["in_channels"], p["out_channels"], k, bias=False))


def _conv_macs(p, a):
    out = _conv_out(a, p)
    return a.conv_macs(p["in_channels"], p["out_channels"], p["kernel"], out, out)


def _activation_memory(p, a):
    out = _conv_out(a, p)
    nbytes = out * out * p["out_channels"] * p["bytes_per_element"] * p["batch_size"]
    divisor = {"KB": 1024, "MB": 1024 ** 2}[p["memory_unit"]]
    return round(nbytes / divisor, DECIMALS["activation_memory"])


def _receptive_field(p, a):
    return int(a.receptive_field([tuple(layer) for layer in p["layers"]]))


def _same_conv_macs(a, c_in, c_out, k, size, groups=1):
    # stride 1, padding (k-1)/2: the spatial size is kept
    out = a.conv_output_size(size, k, 1, (k - 1) // 2, strict=True)
    return a.conv_macs(c_in, c_out, k, out, out, groups=groups)


def _inception_cost(p, a):
    s, c = p["in_size"], p["in_channels"]
    naive = (_same_conv_macs(a, c, p["c1"], 1, s) + _same_conv_macs(a, c, p["c3"], 3, s)
             + _same_conv_macs(a, c, p["c5"], 5, s))
    bottleneck = (_same_conv_macs(a, c, p["c1"], 1, s)
                  + _same_conv_macs(a, c, p["r3"], 1, s) + _same_conv_macs(a, p["r3"], p["c3"], 3, s)
                  + _same_conv_macs(a, c, p["r5"], 1, s) + _same_conv_macs(a, p["r5"], p["c5"], 5, s)
                  + _same_conv_macs(a, c, p["pool_proj"], 1, s))
    return (naive, bottleneck)


def _resnet_block(p, a):
    s, c = p["in_size"], p["channels"]
    if p["quantity"] == "params":
        basic = 2 * a.conv_params(c, c, 3, bias=False)
        bottleneck = (a.conv_params(4 * c, c, 1, bias=False) + a.conv_params(c, c, 3, bias=False)
                      + a.conv_params(c, 4 * c, 1, bias=False))
    else:
        basic = 2 * _same_conv_macs(a, c, c, 3, s)
        bottleneck = (_same_conv_macs(a, 4 * c, c, 1, s) + _same_conv_macs(a, c, c, 3, s)
                      + _same_conv_macs(a, c, 4 * c, 1, s))
    return (basic, bottleneck)


def network_table(p: dict, a: Any = None) -> list[dict]:
    """Per-layer output shape ((C, H, W), or (features,) after flattening), params, MACs and
    memory (bytes) of a ``which_layer`` network."""
    a = _BUILTIN if a is None else a
    c, h = p["in_channels"], p["input_size"]
    features = None  # set once flattened
    rows = []
    for layer in p["layers"]:
        t = layer["type"]
        if t == "conv":
            out = a.conv_output_size(h, layer["kernel"], layer["stride"], layer["padding"],
                                     strict=True)
            params = a.conv_params(c, layer["out_channels"], layer["kernel"], bias=True)
            macs = a.conv_macs(c, layer["out_channels"], layer["kernel"], out, out)
            c, h = layer["out_channels"], out
            shape = (c, h, h)
        elif t in ("maxpool", "avgpool"):
            h = a.pool_output_size(h, layer["kernel"], layer["stride"], 0, strict=True)
            params, macs, shape = 0, 0, (c, h, h)
        elif t == "fc":
            n_in = c * h * h if features is None else features
            params = a.linear_params(n_in, layer["out_features"], bias=True)
            macs = a.linear_macs(n_in, layer["out_features"])
            features = layer["out_features"]
            shape = (features,)
        else:
            raise ValueError(f"unknown layer type {t!r} in {layer!r}")
        rows.append({"name": layer["name"], "type": t, "output_shape": shape, "params": params,
                     "macs": macs, "memory": math.prod(shape) * p["bytes_per_element"]})
    return rows


def _which_layer(p, a):
    rows = network_table(p, a)
    values = [r[p["quantity"]] for r in rows]
    best = max(values)
    if values.count(best) != 1:
        raise ValueError(f"two layers tie for the most {p['quantity']}: the question is ambiguous")
    return rows[values.index(best)]["name"]


def _depthwise_separable(p, a):
    ci, co, k, s = p["in_channels"], p["out_channels"], p["kernel"], p["in_size"]
    if p["quantity"] == "params":
        standard = a.conv_params(ci, co, k, bias=False)
        separable = a.conv_params(ci, ci, k, bias=False, groups=ci) + a.conv_params(ci, co, 1,
                                                                                    bias=False)
    else:
        standard = _same_conv_macs(a, ci, co, k, s)
        separable = _same_conv_macs(a, ci, ci, k, s, groups=ci) + _same_conv_macs(a, ci, co, 1, s)
    return (standard, separable, round(standard / separable, DECIMALS["depthwise_separable"]))


def _grouped_conv(p, a):
    ci, co, k, bias = p["in_channels"], p["out_channels"], p["kernel"], p["bias"]
    return (a.conv_params(ci, co, k, bias=bias, groups=p["groups"]),
            a.conv_params(ci, co, k, bias=bias))


def round_filters(channels: Fraction | float, divisor: int = 8) -> int:
    """EfficientNet's channel rounding (torchvision ``_make_divisible``): nearest multiple of
    ``divisor``, never below ``divisor`` and never more than 10% below ``channels``."""
    new = max(divisor, math.floor(channels + Fraction(divisor, 2)) // divisor * divisor)
    if new < Fraction(9, 10) * channels:
        new += divisor
    return int(new)


def efficientnet_scaled(p: dict) -> tuple[int, int, int]:
    """Scaled (depth, width, resolution) with exact rational arithmetic."""
    phi = p["phi"]
    alpha, beta, gamma = (Fraction(str(p[k])) for k in ("alpha", "beta", "gamma"))
    depth = math.ceil(p["base_depth"] * alpha ** phi)
    width = round_filters(p["base_width"] * beta ** phi)
    resolution = round(p["base_resolution"] * gamma ** phi)
    return depth, width, resolution


def _efficientnet(p, a):
    d, w, r = efficientnet_scaled(p)
    d0, w0, r0 = p["base_depth"], p["base_width"], p["base_resolution"]
    base = d0 * _same_conv_macs(a, w0, w0, 3, r0)
    scaled = d * _same_conv_macs(a, w, w, 3, r)
    return (d, w, r, round(scaled / base, DECIMALS["efficientnet"]))


def _bn_fold(p, a):
    nd = DECIMALS["bn_fold"]
    scale = p["gamma"] / math.sqrt(p["var"] + p["eps"])
    shift = p["beta"] - p["mean"] * scale
    weights = [w * scale for w in p["weight"]]
    bias = p["bias"] * scale + shift
    return tuple(round(v, nd) for v in (scale, shift, *weights, bias))


def _filter_fit(p, a):
    try:
        return a.conv_output_size(p["in_size"], p["kernel"], p["stride"], p["padding"],
                                  strict=True)
    except ValueError:
        return "no"


_SOLVERS = {
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
REFERENCE_KINDS = tuple(_SOLVERS)


def solve(kind: str, params: dict, *, arith: Any = None) -> Any:
    """The answer of a ``kind`` problem with these ``params``, by closed-form formulas.

    ``arith`` supplies the layer formulas (``conv_output_size``, ``conv_params``, ...); the
    default is this file's own. Raises ``ValueError`` for an unknown kind or an impossible setup.
    """
    if kind not in _SOLVERS:
        raise ValueError(f"unknown problem kind {kind!r}; known kinds: {', '.join(_SOLVERS)}")
    return _SOLVERS[kind](params, _BUILTIN if arith is None else arith)


def matches(expected: Any, got: Any, *, abs_tol: float = 1e-9) -> bool:
    """Whether a computed answer ``got`` equals ``expected``: integers and strings exactly,
    floats within ``abs_tol``, tuples (or lists) item by item."""
    if isinstance(expected, (tuple, list)):
        return (isinstance(got, (tuple, list)) and len(got) == len(expected)
                and all(matches(e, g, abs_tol=abs_tol) for e, g in zip(expected, got)))
    if isinstance(expected, str) or isinstance(got, str):
        return isinstance(got, str) and got.strip().lower() == str(expected).lower()
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        try:  # numpy and torch scalars
            got = got.item()
        except AttributeError:
            return False
    if isinstance(expected, int):
        return got == expected
    return math.isfinite(got) and abs(got - expected) <= abs_tol
