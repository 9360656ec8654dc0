"""TinyNet: the candidates of the toy architecture search (:mod:`cnnlib.search`).

Not a published network. A candidate is a sequence of blocks, each picking a width, an odd
kernel and whether it has a shortcut, the kind of per-block choices the NAS papers search over
(Zoph et al. 2017, arXiv:1707.07012; Tan et al. 2018, arXiv:1807.11626), small enough to train
a few of them in seconds:

    block j   conv k x k (stride 1 for j = 0, else 2) + norm [+ shortcut] + ReLU
    head      global average pooling, linear classifier
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import torch
from torch import nn

from cnnlib.layers import ConvNormAct
from cnnlib.models._base import ImageClassifier
from cnnlib.registry import register_model

__all__ = ["BlockSpec", "TinyNet", "TINYNET_DEFAULT", "tinynet"]


class BlockSpec(NamedTuple):
    width: int
    kernel: int
    residual: bool

    def __str__(self) -> str:
        return f"{self.width}c{self.kernel}{'r' if self.residual else ''}"


#: What ``tinynet()`` builds without an ``arch``: three blocks of the toy space.
TINYNET_DEFAULT: tuple[BlockSpec, ...] = (BlockSpec(8, 3, False), BlockSpec(16, 3, True),
                                          BlockSpec(32, 3, True))


class _Block(nn.Module):
    """conv k x k (stride) + norm + act; with ``residual``, plus a shortcut (identity, or a 1x1
    conv + norm when the shape changes) added before the activation."""

    def __init__(self, c_in: int, spec: BlockSpec, stride: int) -> None:
        super().__init__()
        self.conv = ConvNormAct(c_in, spec.width, spec.kernel, stride, act_layer=None)
        self.residual = spec.residual
        self.shortcut: nn.Module = nn.Identity()
        if spec.residual and (stride != 1 or c_in != spec.width):
            self.shortcut = ConvNormAct(c_in, spec.width, 1, stride, act_layer=None)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        if self.residual:
            out = out + self.shortcut(x)
        return self.act(out)


class TinyNet(ImageClassifier):
    """A candidate of the toy space: blocks in order, stride 2 from the second block on, then
    global average pooling and a linear classifier."""

    def __init__(self, arch: Sequence[BlockSpec], *, in_channels: int = 3,
                 num_classes: int = 10) -> None:
        super().__init__()
        if not arch:
            raise ValueError("arch is empty: give at least one BlockSpec")
        self.in_channels = in_channels
        self.arch = tuple(BlockSpec(*b) for b in arch)
        blocks, c = [], in_channels
        for j, spec in enumerate(self.arch):
            blocks.append(_Block(c, spec, stride=1 if j == 0 else 2))
            c = spec.width
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.pool(x), 1))


@register_model
def tinynet(*, arch: Sequence[BlockSpec] = TINYNET_DEFAULT, num_classes: int = 10,
            **kwargs) -> TinyNet:
    """A toy-search candidate (not a published network; see the module docstring), by default
    :data:`TINYNET_DEFAULT`; ``arch`` is a sequence of :class:`BlockSpec`."""
    return TinyNet(arch, num_classes=num_classes, **kwargs)
