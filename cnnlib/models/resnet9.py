"""ResNet-9, the DAWNBench network of David Page ("How to train your ResNet", Myrtle.ai blog,
2018, part 4 "Architecture"; code: github.com/davidcpage/cifar10-fast, ``dawn.py``; no paper).

The architecture as data (:data:`RESNET9_STAGES`, 32x32 CIFAR input): four stages of a
3x3 conv-BN-ReLU, a 2x2 max-pool after the first conv of every stage but the first, and a
residual block of two more conv-BN-ReLU layers at the end of stages 1 and 3; then a global
max-pool, a bias-free linear layer and the logits scaled by 0.125.

Deviations from ``dawn.py``: the final ``MaxPool2d(4)`` is a global max-pool
(``AdaptiveMaxPool2d(1)``, identical on 32x32 inputs and defined for smaller ones), and
``widths`` can shrink the network for CPU demos. Weights keep PyTorch's default
initialization, as Page's code does.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import torch
from torch import nn

from cnnlib.layers import ConvNormAct
from cnnlib.models._base import ImageClassifier
from cnnlib.registry import register_model

__all__ = ["ResNet9", "RESNET9_STAGES", "RESNET9_LOGIT_SCALE", "resnet9"]

# Page's part 4 and dawn.py: stage name -> output channels, and whether the stage ends in a
# residual block of two more conv-BN-ReLU layers.
RESNET9_STAGES: tuple[tuple[str, int, bool], ...] = (
    ("prep", 64, False),      # conv-BN-ReLU,                 N x  64 x 32 x 32
    ("layer1", 128, True),    # conv-BN-ReLU, max-pool, + res  N x 128 x 16 x 16
    ("layer2", 256, False),   # conv-BN-ReLU, max-pool,        N x 256 x  8 x  8
    ("layer3", 512, True),    # conv-BN-ReLU, max-pool, + res  N x 512 x  4 x  4
)
RESNET9_LOGIT_SCALE = 0.125  # Page's net multiplies the logits by 0.125 ("Mul(weight)")


class _Residual(nn.Module):
    """``x + branch(x)``, no activation after the sum (as in Page's ``residual``)."""

    def __init__(self, branch: nn.Module) -> None:
        super().__init__()
        self.branch = branch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.branch(x)


def _make_stage(c_in: int, width: int, *, pool: bool, residual: bool,
                norm_layer: Callable[..., nn.Module],
                act_layer: Callable[..., nn.Module]) -> nn.Sequential:
    """conv-BN-ReLU, then an optional 2x2 max-pool and an optional residual block."""
    def conv(a: int, b: int) -> nn.Module:
        return ConvNormAct(a, b, 3, norm_layer=norm_layer, act_layer=act_layer)

    layers: list[nn.Module] = [conv(c_in, width)]
    if pool:
        layers.append(nn.MaxPool2d(2))
    if residual:
        layers.append(_Residual(nn.Sequential(conv(width, width), conv(width, width))))
    return nn.Sequential(*layers)


class ResNet9(ImageClassifier):
    """Page's DAWNBench ResNet-9: 8 conv layers + 1 linear, 3 max-pools, 2 residual blocks."""

    def __init__(
        self,
        *,
        num_classes: int = 10,
        in_channels: int = 3,
        widths: Sequence[int] = tuple(c for _, c, _ in RESNET9_STAGES),
        norm_layer: Callable[..., nn.Module] = nn.BatchNorm2d,
        act_layer: Callable[..., nn.Module] = nn.ReLU,
        logit_scale: float = RESNET9_LOGIT_SCALE,
    ) -> None:
        super().__init__()
        if len(widths) != len(RESNET9_STAGES) or any(int(w) < 1 for w in widths):
            raise ValueError(f"widths needs {len(RESNET9_STAGES)} positive channel counts, got {widths}")
        self.in_channels = in_channels
        stages: list[nn.Module] = []
        c_in = in_channels
        for i, ((_, _, residual), width) in enumerate(zip(RESNET9_STAGES, widths)):
            stages.append(_make_stage(c_in, width, pool=i > 0, residual=residual,
                                      norm_layer=norm_layer, act_layer=act_layer))
            c_in = width
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveMaxPool2d(1)
        self.fc = nn.Linear(c_in, num_classes, bias=False)
        self.logit_scale = logit_scale

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(x)  # N x 512 x 4 x 4 for a 32x32 input

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.pool(x), 1)) * self.logit_scale


@register_model
def resnet9(*, num_classes: int = 10, **kwargs: Any) -> ResNet9:
    """Page's DAWNBench ResNet-9 (myrtle.ai "How to train your ResNet", part 4; no arXiv id);
    stages as in :data:`RESNET9_STAGES`."""
    return ResNet9(num_classes=num_classes, **kwargs)
