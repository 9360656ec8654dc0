"""Stochastic depth / drop-path (Huang et al., 2016, arXiv:1603.09382).

During training each sample's residual branch is dropped with probability ``p`` and the
survivors are scaled by ``1/(1-p)`` so the expected output is unchanged; at test time the
branch is always kept (the paper rescales at test time instead; the two are equivalent in
expectation, and this "inverted" form leaves inference untouched, as timm/torchvision do).
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["drop_path", "DropPath", "linear_drop_rates"]


def drop_path(x: torch.Tensor, p: float = 0.0, training: bool = False) -> torch.Tensor:
    """Zero whole samples of ``x`` with probability ``p`` (per sample), rescale the rest."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"drop probability p must be in [0, 1), got {p}")
    if not training or p == 0.0:
        return x
    keep = 1.0 - p
    shape = (x.shape[0],) + (1,) * (x.dim() - 1)
    mask = torch.empty(shape, dtype=x.dtype, device=x.device).bernoulli_(keep)
    return x * mask / keep


class DropPath(nn.Module):
    """Module form of :func:`drop_path`; identity in ``eval()`` mode."""

    def __init__(self, p: float = 0.0) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"drop probability p must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return drop_path(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def linear_drop_rates(max_rate: float, num_blocks: int) -> list[float]:
    """The paper's linear decay rule: block ``l`` of ``L`` drops with ``max_rate * l / L``.

    (Huang et al. 2016, Eq. 4, with p_L = max_rate; the first block drops least.)
    """
    if not 0.0 <= max_rate < 1.0:
        raise ValueError(f"drop_path_rate must be in [0, 1), got {max_rate}")
    if num_blocks <= 0:
        return []
    return [max_rate * (i + 1) / num_blocks for i in range(num_blocks)]
