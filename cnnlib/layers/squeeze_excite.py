"""Squeeze-and-Excitation (Hu et al., 2017, arXiv:1709.01507, Fig. 2/3).

Squeeze: global average pool to one number per channel. Excite: a two-layer bottleneck MLP
(as 1x1 convs) with a sigmoid gate that rescales each channel. Usable after any block.
"""
from __future__ import annotations

import torch
from torch import nn

from cnnlib.layers.factory import LayerFactory

__all__ = ["SqueezeExcitation"]


class SqueezeExcitation(nn.Module):
    """SE block: ``x * gate(fc2(act(fc1(avgpool(x)))))``.

    Give either ``reduction`` (paper: r=16, hidden = channels // r) or ``squeeze_channels``
    (MobileNetV3/EfficientNet size the hidden layer from the block's *input* channels).
    """

    def __init__(
        self,
        channels: int,
        reduction: int = 16,
        *,
        squeeze_channels: int | None = None,
        act_layer: LayerFactory = nn.ReLU,
        gate_layer: LayerFactory = nn.Sigmoid,
    ) -> None:
        super().__init__()
        if squeeze_channels is None:
            if reduction <= 0:
                raise ValueError(f"reduction must be positive, got {reduction}")
            squeeze_channels = max(1, channels // reduction)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze_channels, 1)
        self.act = act_layer()
        self.fc2 = nn.Conv2d(squeeze_channels, channels, 1)
        self.gate = gate_layer()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.gate(self.fc2(self.act(self.fc1(self.avgpool(x)))))
        return x * scale
