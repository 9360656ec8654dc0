"""ShuffleNet V1 (Zhang et al., arXiv:1707.01083) and V2 (Ma et al., arXiv:1807.11164).

**V1** makes the 1x1 convs of a bottleneck *grouped* (they dominate the cost of a depthwise
network) and puts a **channel shuffle** between the first grouped 1x1 conv and the depthwise
conv, so the second grouped 1x1 conv sees channels from every group (Fig. 1/2). Stride-2 units
concatenate a 3x3 average-pooled shortcut instead of adding it, widening the output for free.

**V2** follows the paper's four guidelines (equal in/out widths, few groups, little
fragmentation, few element-wise ops): a stride-1 unit *splits* the channels in two, leaves one
half alone, runs 1x1 -> depthwise 3x3 -> 1x1 (all ungrouped) on the other, concatenates and
shuffles with 2 groups (Fig. 3c/d).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

import torch
from torch import nn

from cnnlib.layers import ChannelShuffle, ConvNormAct, LayerFactory
from cnnlib.layers.weight_init import apply_init, he_normal_, small_normal_
from cnnlib.models._base import ImageClassifier
from cnnlib.registry import register_model

__all__ = [
    "ShuffleV1Unit", "ShuffleNetV1", "SHUFFLENET_V1_STAGE_CHANNELS", "shufflenet_v1",
    "ShuffleV2Unit", "ShuffleNetV2", "ShuffleNetV2Config", "SHUFFLENET_V2_CFGS",
    "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0",
]

# ---------------------------------------------------------------------------- ShuffleNet V1
# Zhang et al. 2017, Table 1 (complexity 140 MFLOPs at 1x): output channels of stages 2, 3, 4
# for each number of groups g. Every stage starts with a stride-2 unit; repeats 4, 8, 4.
# Stem: conv 3x3 / 2 to 24 channels, max pool 3x3 / 2. Shapes at 224x224, g=3, 1x:
SHUFFLENET_V1_STEM = 24                                # N x 24 x 56 x 56 after the max pool
SHUFFLENET_V1_REPEATS = (4, 8, 4)
SHUFFLENET_V1_STAGE_CHANNELS: dict[int, tuple[int, int, int]] = {
    1: (144, 288, 576),
    2: (200, 400, 800),
    3: (240, 480, 960),                                # N x 240 x 28, 480 x 14, 960 x 7
    4: (272, 544, 1088),
    8: (384, 768, 1536),
}


class ShuffleV1Unit(nn.Module):
    """ShuffleNet unit (Fig. 2b stride 1, Fig. 2c stride 2).

    1x1 GConv (bottleneck = out/4) + norm + act -> channel shuffle -> 3x3 depthwise (stride) +
    norm -> 1x1 GConv + norm; then ``act(x + branch)`` (stride 1) or
    ``act(cat(avgpool3x3/2(x), branch))`` (stride 2, the branch makes ``out - in`` channels).
    No activation after the depthwise conv (Section 3.2, following Xception).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int,
        groups: int,
        *,
        group_first_conv: bool = True,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"ShuffleV1Unit: stride must be 1 or 2, got {stride}")
        if stride == 1 and in_channels != out_channels:
            raise ValueError(f"ShuffleV1Unit: a stride-1 unit adds its input, so in_channels "
                             f"({in_channels}) must equal out_channels ({out_channels})")
        branch_out = out_channels - in_channels if stride == 2 else out_channels
        mid = out_channels // 4  # "the number of bottleneck channels to 1/4 of the output"
        first_groups = groups if group_first_conv else 1
        for name, c, g in (("bottleneck", mid, groups), ("input", in_channels, first_groups),
                           ("branch output", branch_out, groups)):
            if c <= 0 or c % g:
                raise ValueError(f"ShuffleV1Unit: {name} channels {c} must be positive and "
                                 f"divisible by groups={g}; pick widths from Table 1")
        self.stride = stride
        layers: list[tuple[str, nn.Module]] = [
            ("gconv1", ConvNormAct(in_channels, mid, 1, groups=first_groups,
                                   norm_layer=norm_layer, act_layer=act_layer)),
        ]
        # Shuffle only when the first conv is grouped; after a dense conv it would be a fixed
        # permutation with no effect on what the network can learn.
        if first_groups > 1:
            layers.append(("shuffle", ChannelShuffle(groups)))
        layers += [
            ("depthwise", ConvNormAct(mid, mid, 3, stride, groups=mid,
                                      norm_layer=norm_layer, act_layer=None)),
            ("gconv2", ConvNormAct(mid, branch_out, 1, groups=groups,
                                   norm_layer=norm_layer, act_layer=None)),
        ]
        self.branch = nn.Sequential(OrderedDict(layers))
        self.shortcut = nn.AvgPool2d(3, stride=2, padding=1) if stride == 2 else nn.Identity()
        self.act = act_layer()
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1:
            return self.act(x + self.branch(x))
        return self.act(torch.cat([self.shortcut(x), self.branch(x)], dim=1))


class ShuffleNetV1(ImageClassifier):
    """Stem, three stages of ShuffleNet units (Table 1), global pool, FC."""

    def __init__(
        self,
        num_classes: int = 1000,
        *,
        groups: int = 3,
        width_mult: float = 1.0,
        in_channels: int = 3,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if groups not in SHUFFLENET_V1_STAGE_CHANNELS:
            raise ValueError(f"groups must be one of Table 1's {sorted(SHUFFLENET_V1_STAGE_CHANNELS)}, "
                             f"got {groups}")
        if not width_mult > 0:
            raise ValueError(f"width_mult (the paper's scale factor s) must be positive, "
                             f"got {width_mult}")
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.groups = groups
        # "ShuffleNet s x" scales the number of filters by s (Section 4.1.1); rounding to a
        # multiple of 4*groups keeps the bottleneck (out/4) divisible by the groups.
        quantum = 4 * groups
        widths = [max(quantum, int(round(c * width_mult / quantum)) * quantum)
                  for c in SHUFFLENET_V1_STAGE_CHANNELS[groups]]
        stem = SHUFFLENET_V1_STEM
        self.stem = nn.Sequential(OrderedDict([
            ("conv", ConvNormAct(in_channels, stem, 3, 2, norm_layer=norm_layer, act_layer=act_layer)),
            ("pool", nn.MaxPool2d(3, stride=2, padding=1)),   # N x 24 x 56 x 56
        ]))
        stages: list[tuple[str, nn.Module]] = []
        c = stem
        for i, (out, repeats) in enumerate(zip(widths, SHUFFLENET_V1_REPEATS), start=2):
            units = []
            for j in range(repeats):
                # "we do not apply group convolution on the first pointwise layer [of Stage 2]
                # because the number of input channels is relatively small" (Table 1 note).
                units.append(ShuffleV1Unit(c, out, 2 if j == 0 else 1, groups,
                                           group_first_conv=not (i == 2 and j == 0),
                                           norm_layer=norm_layer, act_layer=act_layer))
                c = out
            stages.append((f"stage{i}", nn.Sequential(*units)))
        self.stages = nn.Sequential(OrderedDict(stages))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)  # the paper uses none
        self.fc = nn.Linear(c, num_classes)
        self.init_weights()

    def init_weights(self) -> None:
        """He-normal (fan_out) convs (He et al. 2015, arXiv:1502.01852, ReLU nets); FC
        N(0, 0.01); norm weight 1, bias 0."""
        apply_init(self, conv=he_normal_, linear=small_normal_)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(self.stem(x))  # N x 960 x 7 x 7 at 224x224, g=3, 1x

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(torch.flatten(self.pool(x), 1)))


# ---------------------------------------------------------------------------- ShuffleNet V2
class ShuffleNetV2Config(NamedTuple):
    stage_channels: tuple[int, int, int]
    conv5_channels: int


# Ma et al. 2018, Table 5: stem conv 3x3 / 2 to 24 + max pool; stages 2-4 repeat 4, 8, 4
# (first unit stride 2); conv5 1x1. Shapes at 224x224 (1x): N x 24 x 56 x 56 after the pool,
# N x 116 x 28 x 28, N x 232 x 14 x 14, N x 464 x 7 x 7, conv5 N x 1024 x 7 x 7.
SHUFFLENET_V2_STEM = 24
SHUFFLENET_V2_REPEATS = (4, 8, 4)
SHUFFLENET_V2_CFGS: dict[str, ShuffleNetV2Config] = {
    "x0_5": ShuffleNetV2Config((48, 96, 192), 1024),
    "x1_0": ShuffleNetV2Config((116, 232, 464), 1024),
    "x1_5": ShuffleNetV2Config((176, 352, 704), 1024),
    "x2_0": ShuffleNetV2Config((244, 488, 976), 2048),
}


class ShuffleV2Unit(nn.Module):
    """ShuffleNet V2 unit (Fig. 3c stride 1, Fig. 3d stride 2), then shuffle with 2 groups.

    Stride 1: split channels in half; the right half goes through 1x1 + act -> dw 3x3 -> 1x1 +
    act. Stride 2: no split; the left branch is dw 3x3 / 2 -> 1x1 + act, the right branch as
    above with a stride-2 depthwise conv; each branch gives ``out/2`` channels.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int,
        *,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"ShuffleV2Unit: stride must be 1 or 2, got {stride}")
        if out_channels % 2:
            raise ValueError(f"ShuffleV2Unit: out_channels must be even (two halves), "
                             f"got {out_channels}")
        half = out_channels // 2
        if stride == 1 and in_channels != out_channels:
            raise ValueError(f"ShuffleV2Unit: a stride-1 unit splits its input in two halves of "
                             f"out/2, so in_channels ({in_channels}) must equal out_channels "
                             f"({out_channels})")
        self.stride = stride
        if stride == 2:
            self.left = nn.Sequential(OrderedDict([
                ("depthwise", ConvNormAct(in_channels, in_channels, 3, 2, groups=in_channels,
                                          norm_layer=norm_layer, act_layer=None)),
                ("pointwise", ConvNormAct(in_channels, half, 1,
                                          norm_layer=norm_layer, act_layer=act_layer)),
            ]))
        else:
            self.left = nn.Identity()
        right_in = in_channels if stride == 2 else half
        self.right = nn.Sequential(OrderedDict([
            ("pointwise1", ConvNormAct(right_in, half, 1, norm_layer=norm_layer, act_layer=act_layer)),
            ("depthwise", ConvNormAct(half, half, 3, stride, groups=half,
                                      norm_layer=norm_layer, act_layer=None)),
            ("pointwise2", ConvNormAct(half, half, 1, norm_layer=norm_layer, act_layer=act_layer)),
        ]))
        self.shuffle = ChannelShuffle(2)
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1:
            left, right = x.chunk(2, dim=1)
        else:
            left, right = x, x
        return self.shuffle(torch.cat([self.left(left), self.right(right)], dim=1))


class ShuffleNetV2(ImageClassifier):
    """Stem, three stages of V2 units, conv5 1x1, global pool, FC (Table 5)."""

    def __init__(
        self,
        cfg: ShuffleNetV2Config,
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
        stem = SHUFFLENET_V2_STEM
        self.stem = nn.Sequential(OrderedDict([
            ("conv", ConvNormAct(in_channels, stem, 3, 2, norm_layer=norm_layer, act_layer=act_layer)),
            ("pool", nn.MaxPool2d(3, stride=2, padding=1)),
        ]))
        stages: list[tuple[str, nn.Module]] = []
        c = stem
        for i, (out, repeats) in enumerate(zip(cfg.stage_channels, SHUFFLENET_V2_REPEATS), start=2):
            units = []
            for j in range(repeats):
                units.append(ShuffleV2Unit(c, out, 2 if j == 0 else 1,
                                           norm_layer=norm_layer, act_layer=act_layer))
                c = out
            stages.append((f"stage{i}", nn.Sequential(*units)))
        self.stages = nn.Sequential(OrderedDict(stages))
        self.conv5 = ConvNormAct(c, cfg.conv5_channels, 1, norm_layer=norm_layer, act_layer=act_layer)
        self.pool = nn.AdaptiveAvgPool2d(1)
        # The paper adds dropout only to its 2x model's last layer, without a rate; 0.0 here.
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(cfg.conv5_channels, num_classes)
        self.init_weights()

    def init_weights(self) -> None:
        """He-normal (fan_out) convs (He et al. 2015, arXiv:1502.01852, ReLU nets); FC
        N(0, 0.01); norm weight 1, bias 0."""
        apply_init(self, conv=he_normal_, linear=small_normal_)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv5(self.stages(self.stem(x)))  # N x 1024 x 7 x 7 at 224x224 (1x)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(torch.flatten(self.pool(x), 1)))


@register_model
def shufflenet_v1(*, num_classes: int = 1000, **kwargs) -> ShuffleNetV1:
    """ShuffleNet 1x, g=3 (arXiv:1707.01083, Table 1; the paper's 140 MFLOPs model).

    The paper gives no parameter count for it; the tests compute ~1.9M. Pass ``groups`` (1, 2,
    3, 4, 8) for Table 1's other columns and ``width_mult`` for the "s x" models.
    """
    return ShuffleNetV1(num_classes, **kwargs)


@register_model
def shufflenet_v2_x0_5(*, num_classes: int = 1000, **kwargs) -> ShuffleNetV2:
    """ShuffleNet V2 0.5x (arXiv:1807.11164, Table 5); parameter count equals torchvision's."""
    return ShuffleNetV2(SHUFFLENET_V2_CFGS["x0_5"], num_classes, **kwargs)


@register_model
def shufflenet_v2_x1_0(*, num_classes: int = 1000, **kwargs) -> ShuffleNetV2:
    """ShuffleNet V2 1x (arXiv:1807.11164, Table 5); parameter count equals torchvision's."""
    return ShuffleNetV2(SHUFFLENET_V2_CFGS["x1_0"], num_classes, **kwargs)


@register_model
def shufflenet_v2_x1_5(*, num_classes: int = 1000, **kwargs) -> ShuffleNetV2:
    """ShuffleNet V2 1.5x (arXiv:1807.11164, Table 5); parameter count equals torchvision's."""
    return ShuffleNetV2(SHUFFLENET_V2_CFGS["x1_5"], num_classes, **kwargs)


@register_model
def shufflenet_v2_x2_0(*, num_classes: int = 1000, **kwargs) -> ShuffleNetV2:
    """ShuffleNet V2 2x (arXiv:1807.11164, Table 5); parameter count equals torchvision's."""
    return ShuffleNetV2(SHUFFLENET_V2_CFGS["x2_0"], num_classes, **kwargs)
