"""RegNet (Radosavovic et al., "Designing Network Design Spaces", arXiv:2003.13678).

Instead of searching for one network, the paper narrows a *design space* until a simple rule
describes the good networks: block widths grow **linearly** with the block index and are then
**quantized** to a few stage widths (Section 3.3):

* ``u_j = w_0 + w_a * j`` for blocks ``j = 0 .. d-1`` (Eq. 2), the continuous widths;
* ``s_j = round(log(u_j / w_0) / log(w_m))`` (Eq. 3), so ``u_j ~= w_0 * w_m^s_j``;
* ``w_j = w_0 * w_m^s_j`` rounded to a multiple of 8 (Eq. 4); equal neighbours form a stage.

Then each stage width is made compatible with the group width ``g`` (bottleneck width a multiple
of ``g``). Blocks are ResNeXt-style "X blocks" (1x1, 3x3 group conv, 1x1, residual);
**RegNetY** adds squeeze-and-excitation (ratio 0.25 of the block's input width).

The widths are generated, not typed in: :func:`regnet_widths` turns the five numbers of a
model into its stages. RegNetY-400MF uses d=16, w_0=48, w_a=27.89, w_m=2.09, g=8 (the paper's
Appendix, Table of RegNetY models / pycls ``RegNetY-400MF_dds_8gpu.yaml``), which gives stage
widths 48-104-208-440 with 1-3-6-6 blocks.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Optional

import torch
from torch import nn

from cnnlib.layers import ConvNormAct, LayerFactory, SqueezeExcitation, make_divisible
from cnnlib.layers.weight_init import apply_init, he_normal_, small_normal_
from cnnlib.models._base import ImageClassifier
from cnnlib.registry import register_model

__all__ = [
    "RegNetParams", "REGNET_Y_400MF", "RegNetStage", "regnet_widths", "YBlock", "RegNet",
    "regnet_y_400mf",
]


@dataclass(frozen=True)
class RegNetParams:
    """The numbers that define one RegNet (Section 3.3 and Appendix)."""

    depth: int              # d, total number of blocks
    w_0: int                # initial width
    w_a: float              # slope of the linear widths
    w_m: float              # width multiplier between stages (quantization step in log space)
    group_width: int        # g
    bottleneck_ratio: float = 1.0  # b (RegNets use 1)
    se_ratio: Optional[float] = None  # 0.25 for RegNetY, None for RegNetX
    stem_width: int = 32


# Radosavovic et al. 2020, Appendix (RegNetY-400MF; pycls RegNetY-400MF_dds_8gpu.yaml).
REGNET_Y_400MF = RegNetParams(depth=16, w_0=48, w_a=27.89, w_m=2.09, group_width=8, se_ratio=0.25)


@dataclass(frozen=True)
class RegNetStage:
    width: int
    depth: int
    group_width: int
    bottleneck_ratio: float
    stride: int = 2


def regnet_widths(params: RegNetParams, quantum: int = 8) -> tuple[RegNetStage, ...]:
    """Stage widths and depths from ``(w_0, w_a, w_m, d)`` by Eqs. 2-4, then made compatible
    with the group width (the pycls ``adjust_ws_gs_comp`` step)."""
    p = params
    if p.depth < 1:
        raise ValueError(f"depth must be >= 1, got {p.depth}")
    if p.w_a < 0 or p.w_0 <= 0 or p.w_m <= 1 or p.w_0 % quantum:
        raise ValueError(f"need w_a >= 0, w_0 > 0 and a multiple of {quantum}, w_m > 1; got "
                         f"w_0={p.w_0}, w_a={p.w_a}, w_m={p.w_m}")
    if p.group_width < 1 or p.bottleneck_ratio <= 0:
        raise ValueError(f"group_width must be >= 1 and bottleneck_ratio > 0, got "
                         f"{p.group_width}, {p.bottleneck_ratio}")
    widths_cont = [p.w_0 + p.w_a * j for j in range(p.depth)]                    # Eq. 2
    steps = [round(math.log(u / p.w_0) / math.log(p.w_m)) for u in widths_cont]  # Eq. 3
    block_widths = [int(round(p.w_0 * p.w_m**s / quantum)) * quantum for s in steps]  # Eq. 4
    # Consecutive blocks with the same width form a stage.
    stage_widths: list[int] = []
    stage_depths: list[int] = []
    for w in block_widths:
        if stage_widths and stage_widths[-1] == w:
            stage_depths[-1] += 1
        else:
            stage_widths.append(w)
            stage_depths.append(1)
    stages = []
    for w, d in zip(stage_widths, stage_depths):
        # The bottleneck width must be a multiple of the group width (a group can't exceed it).
        w_bottleneck = int(w * p.bottleneck_ratio)
        g = min(p.group_width, w_bottleneck)
        w_bottleneck = make_divisible(w_bottleneck, g)
        stages.append(RegNetStage(int(w_bottleneck / p.bottleneck_ratio), d, g, p.bottleneck_ratio))
    return tuple(stages)


class YBlock(nn.Module):
    """X block (+ SE = Y block), Fig. 4 / Section 4: 1x1 -> 3x3 group conv (stride) -> [SE] ->
    1x1, plus a shortcut (1x1 conv + norm when the shape changes), then the activation."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int,
        *,
        group_width: int,
        bottleneck_ratio: float = 1.0,
        se_ratio: Optional[float] = 0.25,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"YBlock: stride must be 1 or 2, got {stride}")
        w_b = int(round(out_channels * bottleneck_ratio))
        if w_b % group_width:
            raise ValueError(f"YBlock: bottleneck width {w_b} must be a multiple of the group "
                             f"width {group_width}; build widths with regnet_widths()")
        layers: list[tuple[str, nn.Module]] = [
            ("a", ConvNormAct(in_channels, w_b, 1, norm_layer=norm_layer, act_layer=act_layer)),
            ("b", ConvNormAct(w_b, w_b, 3, stride, groups=w_b // group_width,
                              norm_layer=norm_layer, act_layer=act_layer)),
        ]
        if se_ratio:
            # The SE width is a fraction of the block's *input* width (Section 4, "RegNetY").
            layers.append(("se", SqueezeExcitation(
                w_b, squeeze_channels=int(round(se_ratio * in_channels)), act_layer=act_layer)))
        layers.append(("c", ConvNormAct(w_b, out_channels, 1, norm_layer=norm_layer, act_layer=None)))
        self.f = nn.Sequential(OrderedDict(layers))
        if stride != 1 or in_channels != out_channels:
            self.proj: nn.Module = ConvNormAct(in_channels, out_channels, 1, stride,
                                               norm_layer=norm_layer, act_layer=None)
        else:
            self.proj = nn.Identity()
        self.act = act_layer()
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.proj(x) + self.f(x))


class RegNet(ImageClassifier):
    """Stem conv 3x3 / 2, stages of Y blocks (each starting with stride 2), pool, FC."""

    def __init__(
        self,
        params: RegNetParams,
        num_classes: int = 1000,
        *,
        in_channels: int = 3,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.params = params
        self.stage_table = regnet_widths(params)
        self.stem = ConvNormAct(in_channels, params.stem_width, 3, 2,
                                norm_layer=norm_layer, act_layer=act_layer)  # N x 32 x 112 x 112
        stages: list[tuple[str, nn.Module]] = []
        c = params.stem_width
        for i, s in enumerate(self.stage_table, start=1):
            blocks = []
            for j in range(s.depth):
                blocks.append(YBlock(c, s.width, s.stride if j == 0 else 1,
                                     group_width=s.group_width, bottleneck_ratio=s.bottleneck_ratio,
                                     se_ratio=params.se_ratio, norm_layer=norm_layer,
                                     act_layer=act_layer))
                c = s.width
            stages.append((f"stage{i}", nn.Sequential(*blocks)))
        # RegNetY-400MF at 224x224: N x 48 x 56, 104 x 28, 208 x 14, 440 x 7 after stages 1-4.
        self.stages = nn.Sequential(OrderedDict(stages))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)  # the paper trains RegNets without dropout
        self.fc = nn.Linear(c, num_classes)
        self.init_weights()

    def init_weights(self) -> None:
        """pycls's init: conv weights N(0, 2 / fan_out) (He et al. 2015, arXiv:1502.01852; pycls
        counts fan_out = k * k * out_channels for grouped convs too, as torch does); norm weight 1,
        bias 0; FC N(0, 0.01), bias 0."""
        apply_init(self, conv=he_normal_, linear=small_normal_)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(self.stem(x))  # N x 440 x 7 x 7 at 224x224 (400MF)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(torch.flatten(self.pool(x), 1)))


@register_model
def regnet_y_400mf(*, num_classes: int = 1000, **kwargs) -> RegNet:
    """RegNetY-400MF (arXiv:2003.13678, Sec. 3.3 widths, Appendix parameters); parameter count
    equals torchvision's."""
    return RegNet(REGNET_Y_400MF, num_classes, **kwargs)
