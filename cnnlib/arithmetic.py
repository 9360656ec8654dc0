"""Closed-form CNN arithmetic: output sizes, parameters, MACs, memory, receptive fields.

Conventions (used everywhere in the course and stated in chapter 0):

* **MACs** count the multiply-accumulates of convolutions and linear layers only:
  a convolution costs ``N * C_out * (C_in / groups) * kH * kW * H_out * W_out`` MACs; a linear
  layer ``N * n_in * n_out``. Bias additions are not counted.
* **FLOPs** = 2 x MACs (one multiply and one add), which is how PyTorch's
  ``torch.utils.flop_counter.FlopCounterMode`` counts. Several lecture slides say "FLOPs" for what
  is really a MAC count; the book points this out where it happens.
* **Memory** is the size of a layer's output activations, float32 (4 bytes a number).
  KB means 1024 bytes, as in the lectures' tables.
* Pooling, normalization and activation work is reported separately (``other_ops`` in a
  :class:`cnnlib.Summary`) and never mixed silently into MACs.
"""
from __future__ import annotations

import numbers
from typing import Iterable, Sequence

__all__ = [
    "conv_output_size",
    "pool_output_size",
    "conv_params",
    "linear_params",
    "conv_macs",
    "linear_macs",
    "activation_memory_bytes",
    "receptive_field",
    "ReceptiveField",
    "BYTES_PER_FLOAT32",
]

BYTES_PER_FLOAT32 = 4


def _check_int(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as int, or raise a ValueError naming the argument."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, got the bool {value!r}")
    if not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(
                f"{name} must be an integer, got {value!r} ({type(value).__name__}); "
                f"channel counts, sizes and kernels are whole numbers"
            )
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def conv_output_size(
    size: int,
    kernel: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    *,
    strict: bool = False,
) -> int:
    """Spatial output size of a convolution along one axis: ``floor((W - K_eff + 2P) / S) + 1``.

    ``K_eff = dilation * (kernel - 1) + 1``. Floors like PyTorch. With ``strict=True`` a filter
    that does not tile the padded input evenly raises ``ValueError`` (the lectures' example:
    a 7-wide input, 3x3 filter, stride 3 gives (7 - 3) / 3 + 1 = 2.33: "doesn't fit").

    >>> conv_output_size(227, 11, stride=4)
    55
    """
    size = _check_int("size", size)
    kernel = _check_int("kernel", kernel)
    stride = _check_int("stride", stride)
    padding = _check_int("padding", padding, minimum=0)
    dilation = _check_int("dilation", dilation)
    k_eff = dilation * (kernel - 1) + 1
    padded = size + 2 * padding
    if k_eff > padded:
        raise ValueError(
            f"kernel={kernel} (effective {k_eff} with dilation={dilation}) is larger than the "
            f"padded input size={size} + 2*padding={padded}; use a smaller kernel, more padding "
            f"or a larger input"
        )
    span = padded - k_eff
    if strict and span % stride:
        raise ValueError(
            f"the filter does not fit: (size - kernel + 2*padding) / stride + 1 = "
            f"({size} - {k_eff} + 2*{padding}) / {stride} + 1 = {span / stride + 1:.4g} is not an "
            f"integer; change the padding or stride (PyTorch would floor it to {span // stride + 1})"
        )
    return span // stride + 1


def pool_output_size(
    size: int,
    kernel: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    *,
    ceil_mode: bool = False,
    strict: bool = False,
) -> int:
    """Spatial output size of max/avg pooling along one axis.

    ``stride`` defaults to ``kernel`` (as in ``nn.MaxPool2d``). PyTorch additionally requires
    ``padding <= kernel // 2``. ``ceil_mode=True`` rounds up like PyTorch, dropping a last
    window that would start entirely in the right padding.
    """
    stride = kernel if stride is None else stride
    kernel = _check_int("kernel", kernel)
    padding = _check_int("padding", padding, minimum=0)
    if padding > kernel // 2:
        raise ValueError(
            f"padding={padding} must be at most half the kernel ({kernel // 2}) for pooling"
        )
    if not ceil_mode:
        return conv_output_size(size, kernel, stride, padding, dilation, strict=strict)
    out = conv_output_size(size, kernel, stride, padding, dilation, strict=strict)
    k_eff = dilation * (kernel - 1) + 1
    span = size + 2 * padding - k_eff
    if span % stride:
        out += 1
        if (out - 1) * stride >= size + padding:
            out -= 1
    return out


def conv_params(
    c_in: int, c_out: int, kernel: int | Sequence[int], *, bias: bool = True, groups: int = 1
) -> int:
    """Learnable parameters of a 2-D convolution: ``C_out * (C_in/groups) * kH * kW (+ C_out)``."""
    c_in = _check_int("c_in", c_in)
    c_out = _check_int("c_out", c_out)
    groups = _check_int("groups", groups)
    kh, kw = _pair("kernel", kernel)
    if c_in % groups or c_out % groups:
        raise ValueError(
            f"groups={groups} must divide both c_in={c_in} and c_out={c_out}"
        )
    return c_out * (c_in // groups) * kh * kw + (c_out if bias else 0)


def linear_params(n_in: int, n_out: int, *, bias: bool = True) -> int:
    """Learnable parameters of a fully-connected layer: ``n_in * n_out (+ n_out)``."""
    n_in = _check_int("n_in", n_in)
    n_out = _check_int("n_out", n_out)
    return n_in * n_out + (n_out if bias else 0)


def conv_macs(
    c_in: int,
    c_out: int,
    kernel: int | Sequence[int],
    out_h: int,
    out_w: int,
    *,
    groups: int = 1,
    batch_size: int = 1,
) -> int:
    """Multiply-accumulates of a convolution: ``N * C_out * (C_in/groups) * kH * kW * H_out * W_out``.

    Bias additions are not counted; FLOPs are twice this number.
    """
    out_h = _check_int("out_h", out_h)
    out_w = _check_int("out_w", out_w)
    batch_size = _check_int("batch_size", batch_size)
    weights = conv_params(c_in, c_out, kernel, bias=False, groups=groups)
    return batch_size * weights * out_h * out_w


def linear_macs(n_in: int, n_out: int, *, batch_size: int = 1) -> int:
    """Multiply-accumulates of a linear layer: ``N * n_in * n_out``."""
    return _check_int("batch_size", batch_size) * linear_params(n_in, n_out, bias=False)


def activation_memory_bytes(
    shape: Sequence[int], *, batch_size: int = 1, bytes_per_element: int = BYTES_PER_FLOAT32
) -> int:
    """Bytes to store an activation of ``shape`` (without batch) for ``batch_size`` samples."""
    count = 1
    for i, d in enumerate(shape):
        count *= _check_int(f"shape[{i}]", d)
    return count * _check_int("batch_size", batch_size) * bytes_per_element


class ReceptiveField(tuple):
    """``(size, jump, start)`` of the last layer's receptive field, plus per-layer history.

    ``size`` is how many input pixels one output unit sees; ``jump`` is the distance in input
    pixels between neighbouring output units (the product of strides); ``per_layer`` lists the
    size after each layer, for plots of receptive-field growth.
    """

    per_layer: list[int]

    def __new__(cls, size: int, jump: int, per_layer: list[int]):
        obj = super().__new__(cls, (size, jump))
        obj.per_layer = per_layer
        return obj

    @property
    def size(self) -> int:
        return self[0]

    @property
    def jump(self) -> int:
        return self[1]

    def __int__(self) -> int:
        return self[0]

    def __eq__(self, other) -> bool:  # compares equal to a plain int size, too
        if isinstance(other, numbers.Integral):
            return self[0] == other
        return tuple.__eq__(self, other)

    def __hash__(self) -> int:
        return tuple.__hash__(self)

    def __repr__(self) -> str:
        return f"ReceptiveField(size={self[0]}, jump={self[1]})"


def receptive_field(layers: Iterable[Sequence[int]]) -> ReceptiveField:
    """Receptive field of a stack of layers given as ``(kernel, stride)`` or
    ``(kernel, stride, dilation)`` tuples, first layer first.

    Uses the recurrence ``r_l = r_{l-1} + (k_l_eff - 1) * j_{l-1}``, ``j_l = j_{l-1} * s_l``
    (r_0 = 1, j_0 = 1). Three stacked 3x3 stride-1 convolutions see 7x7:

    >>> receptive_field([(3, 1)] * 3).size
    7
    """
    size, jump, history = 1, 1, []
    for i, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) not in (2, 3):
            raise ValueError(
                f"layer {i} must be a (kernel, stride) or (kernel, stride, dilation) tuple, "
                f"got {layer!r}"
            )
        kernel = _check_int(f"layers[{i}] kernel", layer[0])
        stride = _check_int(f"layers[{i}] stride", layer[1])
        dilation = _check_int(f"layers[{i}] dilation", layer[2]) if len(layer) == 3 else 1
        k_eff = dilation * (kernel - 1) + 1
        size += (k_eff - 1) * jump
        jump *= stride
        history.append(size)
    if not history:
        raise ValueError("layers is empty: give at least one (kernel, stride) tuple")
    return ReceptiveField(size, jump, history)


def _pair(name: str, value) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (kH, kW), got {value!r}")
        return _check_int(f"{name}[0]", value[0]), _check_int(f"{name}[1]", value[1])
    v = _check_int(name, value)
    return v, v

