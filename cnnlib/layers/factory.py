"""Layer factories: what ``norm_layer=`` and ``act_layer=`` arguments take, and how a block
makes its activation from one.

A factory is any callable that returns a module: a class (``nn.BatchNorm2d``, ``nn.ReLU``), a
``functools.partial`` of one (``partial(nn.BatchNorm2d, eps=1e-3)``) or a function
(``alexnet_lrn``). Norm factories are called with the channel count, activation factories with
no argument. (torchvision's and timm's ``norm_layer`` / ``act_layer``.)
"""
from __future__ import annotations

from typing import Callable

from torch import nn

__all__ = ["LayerFactory", "make_activation"]

LayerFactory = Callable[..., nn.Module]


def make_activation(act_layer: LayerFactory, inplace: bool | None = True) -> nn.Module:
    """``act_layer(inplace=inplace)`` where the activation accepts it (``nn.ReLU`` does,
    ``nn.GELU`` and the from-scratch :mod:`cnnlib.layers.activations` do not), else
    ``act_layer()``. ``inplace=None`` never passes the flag."""
    if inplace is not None:
        try:
            return act_layer(inplace=inplace)
        except TypeError:
            pass
    return act_layer()
