"""MnasNet (Tan et al., "MnasNet: Platform-Aware Neural Architecture Search for Mobile",
arXiv:1807.11626): a network found by reinforcement-learning search whose reward multiplies
ImageNet accuracy by measured phone latency, ``ACC * (LAT / T)^w`` (Eq. 2).

The search space is *factorized hierarchical* (Section 4.1, Fig. 4): the network is split into
blocks and each block picks its own op (conv, depthwise separable conv, MBConv with expansion 3
or 6), kernel (3x3 / 5x5), skip, SE and repeat count, so different stages can differ, unlike
NASNet's one repeated cell.

Architecture as data: the **MnasNet-B1** model of the authors' TensorFlow reference
(``tensorflow/tpu`` ``models/official/mnasnet/mnasnet_models.py``, ``mnasnet_b1``), which is
torchvision's ``mnasnet1_0``. Deviation from the paper's Fig. 7(a), which shows MnasNet-**A1**:
B1 has no squeeze-and-excitation and a different stage layout (24-40-80-96-192-320 channels);
it is the variant torchvision implements and publishes weights for.
"""
from __future__ import annotations

from collections import OrderedDict
from functools import partial
from typing import NamedTuple

import torch
from torch import nn

from cnnlib.layers import ConvNormAct, LayerFactory, make_divisible
from cnnlib.layers.weight_init import apply_init, he_normal_
from cnnlib.models._base import ImageClassifier
from cnnlib.registry import register_model

__all__ = ["MnasStage", "MNASNET_B1_STAGES", "MnasInvertedResidual", "MNASNet", "mnasnet1_0"]


class MnasStage(NamedTuple):
    expand_ratio: int
    kernel: int
    stride: int
    out_channels: int
    repeats: int


# mnasnet_b1 block strings ("r3_k3_s22_e3_i16_o24" = repeats 3, kernel 3, stride 2, expand 3,
# out 24). Stem: conv 3x3 / 2 to 32, then a depthwise separable conv 3x3 to 16 (its
# "r1_k3_s11_e1_i32_o16_noskip"). Shapes at 224x224 after each stage:
MNASNET_STEM, MNASNET_SEP, MNASNET_HEAD = 32, 16, 1280  # N x 32 x 112 x 112, N x 16 x 112 x 112
MNASNET_B1_STAGES: tuple[MnasStage, ...] = (
    MnasStage(3, 3, 2, 24, 3),    # N x 24 x 56 x 56
    MnasStage(3, 5, 2, 40, 3),    # N x 40 x 28 x 28
    MnasStage(6, 5, 2, 80, 3),    # N x 80 x 14 x 14
    MnasStage(6, 3, 1, 96, 2),    # N x 96 x 14 x 14
    MnasStage(6, 5, 2, 192, 4),   # N x 192 x 7 x 7
    MnasStage(6, 3, 1, 320, 1),   # N x 320 x 7 x 7
)                                 # head conv 1x1: N x 1280 x 7 x 7

# TensorFlow's batch-norm decay 0.9997 is PyTorch momentum 1 - 0.9997 (torchvision does the same).
_BN_MOMENTUM = 1 - 0.9997


class MnasInvertedResidual(nn.Module):
    """MBConv without SE: 1x1 expand + act -> depthwise k x k (stride) + act -> linear 1x1;
    identity skip when stride 1 and in == out."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        kernel_size: int,
        stride: int,
        expand_ratio: int,
        norm_layer: LayerFactory,
        act_layer: LayerFactory = nn.ReLU,
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"MnasInvertedResidual: stride must be 1 or 2, got {stride}")
        if kernel_size not in (3, 5):
            raise ValueError(f"MnasInvertedResidual: the search space has 3x3 and 5x5 kernels, "
                             f"got {kernel_size}")
        hidden = in_channels * expand_ratio
        self.block = nn.Sequential(OrderedDict([
            ("expand", ConvNormAct(in_channels, hidden, 1, norm_layer=norm_layer, act_layer=act_layer)),
            ("depthwise", ConvNormAct(hidden, hidden, kernel_size, stride, groups=hidden,
                                      norm_layer=norm_layer, act_layer=act_layer)),
            ("project", ConvNormAct(hidden, out_channels, 1, norm_layer=norm_layer, act_layer=None)),
        ]))
        self.use_residual = stride == 1 and in_channels == out_channels
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.block(x)
        return x + out if self.use_residual else out


class MNASNet(ImageClassifier):
    """Stem, separable conv, six MBConv stages (B1 table), 1x1 head conv, pool, dropout, FC."""

    def __init__(
        self,
        num_classes: int = 1000,
        *,
        width_mult: float = 1.0,
        in_channels: int = 3,
        norm_layer: LayerFactory = partial(nn.BatchNorm2d, momentum=_BN_MOMENTUM),
        act_layer: LayerFactory = nn.ReLU,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        if not width_mult > 0:
            raise ValueError(f"width_mult must be positive, got {width_mult}")
        self.in_channels = in_channels
        self.num_classes = num_classes

        def width(c: int) -> int:
            # the reference's _round_to_multiple_of(..., round_up_bias=0.9): make_divisible's rule
            return make_divisible(c * width_mult, 8)

        stem, sep = width(MNASNET_STEM), width(MNASNET_SEP)
        layers: list[tuple[str, nn.Module]] = [
            ("stem", ConvNormAct(in_channels, stem, 3, 2, norm_layer=norm_layer, act_layer=act_layer)),
            # Depthwise separable conv, no skip; the pointwise conv is linear.
            ("sep_depthwise", ConvNormAct(stem, stem, 3, groups=stem,
                                          norm_layer=norm_layer, act_layer=act_layer)),
            ("sep_pointwise", ConvNormAct(stem, sep, 1, norm_layer=norm_layer, act_layer=None)),
        ]
        c = sep
        for i, s in enumerate(MNASNET_B1_STAGES, start=1):
            out = width(s.out_channels)
            blocks = []
            for j in range(s.repeats):
                blocks.append(MnasInvertedResidual(
                    c, out, kernel_size=s.kernel, stride=s.stride if j == 0 else 1,
                    expand_ratio=s.expand_ratio, norm_layer=norm_layer, act_layer=act_layer))
                c = out
            layers.append((f"stage{i}", nn.Sequential(*blocks)))
        # The head stays at 1280 channels whatever the width multiplier (as the reference).
        layers.append(("head_conv", ConvNormAct(c, MNASNET_HEAD, 1, norm_layer=norm_layer,
                                                act_layer=act_layer)))
        self.body = nn.Sequential(OrderedDict(layers))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(MNASNET_HEAD, num_classes)
        self.init_weights()

    def init_weights(self) -> None:
        """He-normal fan_out convs (He et al. 2015, arXiv:1502.01852, ReLU nets); FC He-uniform
        fan_out with the sigmoid gain (torchvision's MnasNet rule); norm weight 1, bias 0."""
        apply_init(self, conv=he_normal_, linear=_classifier_init_)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # N x 1280 x 7 x 7 at 224x224

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(torch.flatten(self.pool(x), 1)))


def _classifier_init_(weight: torch.Tensor) -> torch.Tensor:
    """U(+-sqrt(3 / fan_out)): torchvision's MnasNet classifier (He-uniform, sigmoid gain 1)."""
    return nn.init.kaiming_uniform_(weight, mode="fan_out", nonlinearity="sigmoid")


@register_model
def mnasnet1_0(*, num_classes: int = 1000, **kwargs) -> MNASNet:
    """MnasNet-B1 1.0 (arXiv:1807.11626; TF reference ``mnasnet_b1``); parameter count equals
    torchvision's ``mnasnet1_0``."""
    return MNASNet(num_classes, **kwargs)
