"""Channel shuffle (Zhang et al., ShuffleNet, 2017, arXiv:1707.01083, Fig. 1).

After a grouped 1x1 convolution each group only sees its own channels; reshaping to
``(groups, channels_per_group)``, transposing and flattening interleaves them so the next
grouped layer mixes information across groups.
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["channel_shuffle", "ChannelShuffle"]


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    n, c, h, w = x.shape
    if groups <= 0 or c % groups:
        raise ValueError(f"groups={groups} must be positive and divide the {c} channels")
    return x.view(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class ChannelShuffle(nn.Module):
    def __init__(self, groups: int) -> None:
        super().__init__()
        if groups <= 0:
            raise ValueError(f"groups must be positive, got {groups}")
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_shuffle(x, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
