"""Test-time BatchNorm is an affine map, so it can be folded into the convolution before it.

In eval mode BN computes ``gamma * (x - mu) / sqrt(var + eps) + beta`` with fixed running
statistics ``mu, var`` (Ioffe & Szegedy 2015, arXiv:1502.03167, Algorithm 2), i.e.
``scale * x + shift`` per channel with ``scale = gamma / sqrt(var + eps)`` and
``shift = beta - mu * scale``. A conv followed by it is again a conv: scale output channel
``o``'s filter by ``scale[o]`` and set its bias to ``scale[o] * b[o] + shift[o]``. This is how
deployed CNNs drop their BN layers. Works with ``torch.nn.BatchNorm2d`` and
:class:`cnnlib.layers.norms.BatchNorm2d` (same attribute names).
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["batchnorm_as_affine", "fold_batchnorm"]


def batchnorm_as_affine(bn: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel ``(scale, shift)`` with ``bn(x) == scale * x + shift`` in eval mode.

    Both are detached ``(C,)`` tensors. Raises ``ValueError`` when ``bn`` keeps no running
    statistics (then it normalizes with batch statistics even in eval mode, not an affine map).
    """
    running_mean = getattr(bn, "running_mean", None)
    running_var = getattr(bn, "running_var", None)
    if running_mean is None or running_var is None:
        raise ValueError(
            f"{type(bn).__name__} has no running statistics (track_running_stats=False), so "
            "at test time it still uses batch statistics and is not a fixed affine map"
        )
    with torch.no_grad():
        scale = torch.rsqrt(running_var + bn.eps)
        shift = -running_mean * scale
        if getattr(bn, "weight", None) is not None:
            scale = scale * bn.weight
            shift = shift * bn.weight
        if getattr(bn, "bias", None) is not None:
            shift = shift + bn.bias
    return scale.detach().clone(), shift.detach().clone()


def fold_batchnorm(conv: nn.Conv2d, bn: nn.Module) -> nn.Conv2d:
    """A new ``nn.Conv2d`` equal to ``bn(conv(x))`` with ``bn`` in eval mode.

    The inputs are not modified. The result always has a bias (BN's shift becomes it), and
    keeps the conv's stride, padding, dilation, groups, padding mode, device and dtype.
    """
    if not isinstance(conv, nn.Conv2d):
        raise ValueError(f"fold_batchnorm expects an nn.Conv2d, got {type(conv).__name__}")
    num_features = getattr(bn, "num_features", None)
    if num_features is None:
        raise ValueError(f"expected a BatchNorm layer, got {type(bn).__name__}")
    if num_features != conv.out_channels:
        raise ValueError(
            f"conv has {conv.out_channels} output channels but {type(bn).__name__} has "
            f"{num_features} features; they must match to fold"
        )
    scale, shift = batchnorm_as_affine(bn)
    weight = conv.weight.detach()
    fused = nn.Conv2d(
        conv.in_channels,
        conv.out_channels,
        conv.kernel_size,
        stride=conv.stride,
        padding=conv.padding,
        dilation=conv.dilation,
        groups=conv.groups,
        bias=True,
        padding_mode=conv.padding_mode,
        device=weight.device,
        dtype=weight.dtype,
    )
    with torch.no_grad():
        scale = scale.to(weight.dtype)
        fused.weight.copy_(weight * scale.reshape(-1, 1, 1, 1))  # C_out x C_in/g x kH x kW
        old_bias = conv.bias.detach() if conv.bias is not None else torch.zeros_like(scale)
        fused.bias.copy_(old_bias * scale + shift.to(weight.dtype))
    fused.train(conv.training)
    return fused
