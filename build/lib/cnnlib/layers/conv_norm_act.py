"""Conv -> norm -> activation, the block nearly every CNN since 2015 is made of.

(torchvision ``ops.misc.Conv2dNormActivation``, timm ``ConvNormAct``.)
"""
from __future__ import annotations

from typing import Callable, Optional

from torch import nn

__all__ = ["ConvNormAct", "LayerFactory"]

LayerFactory = Optional[Callable[..., nn.Module]]


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
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
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
            layers.append(_make_act(act_layer, inplace))
        super().__init__(*layers)
        self.out_channels = out_channels


def _make_act(act_layer: Callable[..., nn.Module], inplace: bool | None) -> nn.Module:
    """Instantiate an activation, passing ``inplace`` only to the ones that accept it."""
    if inplace is not None:
        try:
            return act_layer(inplace=inplace)
        except TypeError:
            pass
    return act_layer()
