"""Conv -> norm -> activation, the block nearly every CNN since 2015 is made of.

(torchvision ``ops.misc.Conv2dNormActivation``, timm ``ConvNormAct``.)
"""
from __future__ import annotations

from typing import Optional

from torch import nn

from cnnlib.layers.factory import LayerFactory, make_activation

__all__ = ["ConvNormAct"]


class ConvNormAct(nn.Sequential):
    """``Conv2d(k, stride, groups)`` then ``norm_layer(out_channels)`` then ``act_layer()``.

    ``padding=None`` keeps the spatial size at stride 1 ("same" padding, ``(k-1)//2 * dilation``).
    The conv has no bias when a norm layer follows (the norm's shift replaces it), unless
    ``bias`` says otherwise. Pass ``norm_layer=None`` or ``act_layer=None`` to leave one out.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        padding: int | None = None,
        *,
        groups: int = 1,
        dilation: int = 1,
        norm_layer: Optional[LayerFactory] = nn.BatchNorm2d,
        act_layer: Optional[LayerFactory] = nn.ReLU,
        bias: bool | None = None,
        inplace: bool | None = True,
    ) -> None:
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers: list[nn.Module] = [
            nn.Conv2d(
                in_channels, out_channels, kernel_size, stride, padding,
                dilation=dilation, groups=groups, bias=bias,
            )
        ]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if act_layer is not None:
            layers.append(make_activation(act_layer, inplace))
        super().__init__(*layers)
        self.out_channels = out_channels

