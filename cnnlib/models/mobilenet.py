"""MobileNet V1 (Howard et al., arXiv:1704.04861) and V2 (Sandler et al., arXiv:1801.04381).

**V1** replaces each standard 3x3 conv with a *depthwise separable* conv: a 3x3 depthwise conv
(one filter per channel, ``groups == channels``) followed by a 1x1 pointwise conv that mixes
channels. For ``M`` input and ``N`` output channels and a ``k x k`` kernel the weights drop from
``k*k*M*N`` to ``k*k*M + M*N``, a ratio of ``1/N + 1/k^2`` (paper Eq. 5; the tests check it
against real layers). The width multiplier ``alpha`` (``width_mult``) thins every layer.

**V2** stacks *inverted residual* blocks: a 1x1 conv *expands* the channels by ``t``, a 3x3
depthwise conv filters, a *linear* 1x1 conv (no activation) projects back down, and the skip
connection joins the thin ends of two blocks.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple, Optional

import torch
from torch import nn

from cnnlib.layers import ConvNormAct, LayerFactory, make_divisible
from cnnlib.layers.weight_init import apply_init, he_normal_, small_normal_
from cnnlib.models._base import ImageClassifier
from cnnlib.registry import register_model

__all__ = [
    "DepthwiseSeparableConv", "MobileNetV1", "MOBILENET_V1_LAYERS", "mobilenet_v1",
    "InvertedResidual", "MobileNetV2", "MobileNetV2Row", "MOBILENET_V2_SETTING", "mobilenet_v2",
    "SmallMobileNet", "small_mobilenet",
]

# Howard et al. 2017, Table 1: conv 3x3 / 2 to 32 channels, then 13 depthwise separable layers
# as (pointwise out_channels, depthwise stride). Shapes at 224x224.
# Deviation: Table 1's last depthwise layer reads "Conv dw / s2" but its input and output are both
# 7x7, so its stride is 1 (the TF-slim reference implementation uses stride 1 there too).
MOBILENET_V1_STEM = 32                                # N x 32 x 112 x 112
MOBILENET_V1_LAYERS: tuple[tuple[int, int], ...] = (
    (64, 1),                                          # N x 64 x 112 x 112
    (128, 2), (128, 1),                               # N x 128 x 56 x 56
    (256, 2), (256, 1),                               # N x 256 x 28 x 28
    (512, 2), (512, 1), (512, 1), (512, 1), (512, 1), (512, 1),  # N x 512 x 14 x 14
    (1024, 2), (1024, 1),                             # N x 1024 x 7 x 7
)


class MobileNetV2Row(NamedTuple):
    t: int  # expansion factor
    c: int  # output channels
    n: int  # repeats
    s: int  # stride of the first repeat


# Sandler et al. 2018, Table 2 (t, c, n, s). Shapes at 224x224 after each row.
MOBILENET_V2_STEM, MOBILENET_V2_LAST = 32, 1280       # stem: N x 32 x 112 x 112
MOBILENET_V2_SETTING: tuple[MobileNetV2Row, ...] = (
    MobileNetV2Row(1, 16, 1, 1),                      # N x 16 x 112 x 112
    MobileNetV2Row(6, 24, 2, 2),                      # N x 24 x 56 x 56
    MobileNetV2Row(6, 32, 3, 2),                      # N x 32 x 28 x 28
    MobileNetV2Row(6, 64, 4, 2),                      # N x 64 x 14 x 14
    MobileNetV2Row(6, 96, 3, 1),                      # N x 96 x 14 x 14
    MobileNetV2Row(6, 160, 3, 2),                     # N x 160 x 7 x 7
    MobileNetV2Row(6, 320, 1, 1),                     # N x 320 x 7 x 7
)                                                     # last 1x1 conv: N x 1280 x 7 x 7


def _check_width(width_mult: float) -> None:
    if not width_mult > 0:
        raise ValueError(f"width_mult must be positive (the paper uses 0.25 to 1.4), got {width_mult}")


# ------------------------------------------------------------------------------ MobileNet V1
class DepthwiseSeparableConv(nn.Sequential):
    """3x3 depthwise conv + norm + act, then 1x1 pointwise conv + norm + act (V1 Fig. 3)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int = 1,
        *,
        norm_layer: Optional[LayerFactory] = nn.BatchNorm2d,
        act_layer: Optional[LayerFactory] = nn.ReLU,
    ) -> None:
        if stride not in (1, 2):
            raise ValueError(f"DepthwiseSeparableConv: stride must be 1 or 2, got {stride}")
        super().__init__(OrderedDict([
            ("depthwise", ConvNormAct(in_channels, in_channels, 3, stride, groups=in_channels,
                                      norm_layer=norm_layer, act_layer=act_layer)),
            ("pointwise", ConvNormAct(in_channels, out_channels, 1,
                                      norm_layer=norm_layer, act_layer=act_layer)),
        ]))
        self.out_channels = out_channels


class MobileNetV1(ImageClassifier):
    """Stem conv, 13 depthwise separable layers, global average pool, dropout, FC (Table 1)."""

    def __init__(
        self,
        num_classes: int = 1000,
        *,
        width_mult: float = 1.0,
        in_channels: int = 3,
        norm_layer: Optional[LayerFactory] = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        _check_width(width_mult)
        self.in_channels = in_channels
        self.num_classes = num_classes

        def width(c: int) -> int:
            # "the number of input channels M becomes alpha*M" (Section 3.3); TF-slim floors
            # the product and keeps at least 8 channels (its min_depth).
            return max(8, int(c * width_mult))

        c = width(MOBILENET_V1_STEM)
        layers: list[tuple[str, nn.Module]] = [
            ("stem", ConvNormAct(in_channels, c, 3, 2, norm_layer=norm_layer, act_layer=act_layer)),
        ]
        for i, (out, stride) in enumerate(MOBILENET_V1_LAYERS, start=1):
            layers.append((f"dwsep{i}", DepthwiseSeparableConv(
                c, width(out), stride, norm_layer=norm_layer, act_layer=act_layer)))
            c = width(out)
        self.body = nn.Sequential(OrderedDict(layers))
        self.pool = nn.AdaptiveAvgPool2d(1)
        # The paper uses "very little or no" regularization on the small model; dropout=0.0 by
        # default (TF-slim keeps 99.9%).
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(c, num_classes)
        self.init_weights()

    def init_weights(self) -> None:
        """He-normal (fan_out) convs (He et al. 2015, arXiv:1502.01852, ReLU nets; torchvision's
        MobileNet rule); FC N(0, 0.01); norm weight 1, bias 0."""
        apply_init(self, conv=he_normal_, linear=small_normal_)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # N x 1024 x 7 x 7 at 224x224, width 1.0

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(torch.flatten(self.pool(x), 1)))


# ------------------------------------------------------------------------------ MobileNet V2
class InvertedResidual(nn.Module):
    """Expand 1x1 (t x) -> depthwise 3x3 (stride) -> linear 1x1 project; skip when shapes match.

    The projection has no activation: the paper's "linear bottleneck" (Section 3.2), since a
    ReLU on a thin representation destroys information.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int,
        expand_ratio: float,
        *,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU6,
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"InvertedResidual: stride must be 1 or 2, got {stride}")
        if expand_ratio < 1:
            raise ValueError(f"InvertedResidual: expand_ratio must be >= 1, got {expand_ratio}")
        hidden = int(round(in_channels * expand_ratio))
        self.use_residual = stride == 1 and in_channels == out_channels
        layers: list[tuple[str, nn.Module]] = []
        if expand_ratio != 1:
            layers.append(("expand", ConvNormAct(in_channels, hidden, 1,
                                                 norm_layer=norm_layer, act_layer=act_layer)))
        layers.append(("depthwise", ConvNormAct(hidden, hidden, 3, stride, groups=hidden,
                                                norm_layer=norm_layer, act_layer=act_layer)))
        layers.append(("project", ConvNormAct(hidden, out_channels, 1,
                                              norm_layer=norm_layer, act_layer=None)))
        self.block = nn.Sequential(OrderedDict(layers))
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.block(x)
        return x + out if self.use_residual else out


class MobileNetV2(ImageClassifier):
    """Stem conv, the Table 2 rows of inverted residuals, 1x1 conv to 1280, pool, dropout, FC."""

    def __init__(
        self,
        num_classes: int = 1000,
        *,
        width_mult: float = 1.0,
        setting: tuple[MobileNetV2Row, ...] = MOBILENET_V2_SETTING,
        round_nearest: int = 8,
        in_channels: int = 3,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU6,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        _check_width(width_mult)
        if not setting:
            raise ValueError("setting must contain at least one (t, c, n, s) row")
        self.in_channels = in_channels
        self.num_classes = num_classes
        c = make_divisible(MOBILENET_V2_STEM * width_mult, round_nearest)
        # The last conv is never thinned below 1280 (paper Section 4: "for multipliers less than
        # one, we apply width multiplier to all layers except the very last").
        last = make_divisible(MOBILENET_V2_LAST * max(1.0, width_mult), round_nearest)
        layers: list[tuple[str, nn.Module]] = [
            ("stem", ConvNormAct(in_channels, c, 3, 2, norm_layer=norm_layer, act_layer=act_layer)),
        ]
        for i, row in enumerate(map(MobileNetV2Row._make, setting), start=1):
            out = make_divisible(row.c * width_mult, round_nearest)
            blocks = []
            for j in range(row.n):
                blocks.append(InvertedResidual(c, out, row.s if j == 0 else 1, row.t,
                                               norm_layer=norm_layer, act_layer=act_layer))
                c = out
            layers.append((f"stage{i}", nn.Sequential(*blocks)))
        layers.append(("last", ConvNormAct(c, last, 1, norm_layer=norm_layer, act_layer=act_layer)))
        self.body = nn.Sequential(OrderedDict(layers))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)  # torchvision's default 0.2; the paper does not say
        self.fc = nn.Linear(last, num_classes)
        self.init_weights()

    def init_weights(self) -> None:
        """He-normal (fan_out) convs (He et al. 2015, arXiv:1502.01852; torchvision's MobileNetV2
        rule); FC N(0, 0.01); norm weight 1, bias 0."""
        apply_init(self, conv=he_normal_, linear=small_normal_)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # N x 1280 x 7 x 7 at 224x224

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(torch.flatten(self.pool(x), 1)))


@register_model
def mobilenet_v1(*, num_classes: int = 1000, **kwargs) -> MobileNetV1:
    """MobileNet V1 (arXiv:1704.04861, Table 1); ``width_mult`` is the paper's alpha.

    The paper reports 4.2M parameters at alpha=1 (Table 8); the tests compute the count.
    """
    return MobileNetV1(num_classes, **kwargs)


@register_model
def mobilenet_v2(*, num_classes: int = 1000, **kwargs) -> MobileNetV2:
    """MobileNet V2 (arXiv:1801.04381, Table 2); parameter count equals torchvision's."""
    return MobileNetV2(num_classes, **kwargs)


# ------------------------------------------------------------------ a classroom miniature
class SmallMobileNet(nn.Module):
    """3x3 stem of 16 channels, one stride-2 block per width (depthwise separable or a
    standard 3x3 conv, each with BatchNorm and ReLU), global average pooling, linear."""

    def __init__(self, separable: bool = True, widths: tuple[int, ...] = (32, 64, 128),
                 num_classes: int = 10, *, in_channels: int = 3) -> None:
        super().__init__()
        self.in_channels = in_channels
        layers, c = [ConvNormAct(in_channels, 16, 3)], 16
        for w in widths:
            layers.append(DepthwiseSeparableConv(c, w, 2) if separable else ConvNormAct(c, w, 3, 2))
            c = w
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1))


def small_mobilenet(separable: bool = True, *, widths: tuple[int, ...] = (32, 64, 128),
                    num_classes: int = 10, in_channels: int = 3) -> SmallMobileNet:
    """MobileNet in miniature, with depthwise separable blocks or (``separable=False``) the
    same layout with standard 3x3 convs, like the paper's comparison of MobileNet with "Conv
    MobileNet" (Howard et al. 2017, Table 4). Not registered, not a published network: chapter
    10's classroom pair. PyTorch's default initialization.
    """
    return SmallMobileNet(separable, tuple(widths), num_classes, in_channels=in_channels)
