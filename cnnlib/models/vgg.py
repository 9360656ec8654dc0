"""VGG (Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
Recognition", arXiv:1409.1556), Table 1, configurations A, B, D and E.

The architecture as data: each configuration is five stages of ``(width, number of 3x3 convs)``;
every stage ends in a 2x2 / stride-2 max pool, then come FC-4096, FC-4096, FC-classes.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Optional, Sequence

import torch
from torch import nn

from cnnlib.layers import ConvNormAct, LayerFactory, fc_classifier
from cnnlib.layers.weight_init import apply_init, he_normal_, small_normal_
from cnnlib.models._base import ImageClassifier
from cnnlib.registry import register_model

__all__ = [
    "VGG", "VGG_CFGS", "make_vgg_stage", "small_vgg",
    "vgg11", "vgg13", "vgg16", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
]

# Simonyan & Zisserman, Table 1. (Configuration C, VGG-16 with 1x1 convs in its last three
# stages, and A-LRN are not built here.)
VGG_CFGS: dict[str, tuple[tuple[int, int], ...]] = {
    "A": ((64, 1), (128, 1), (256, 2), (512, 2), (512, 2)),  # VGG-11
    "B": ((64, 2), (128, 2), (256, 2), (512, 2), (512, 2)),  # VGG-13
    "D": ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)),  # VGG-16
    "E": ((64, 2), (128, 2), (256, 4), (512, 4), (512, 4)),  # VGG-19
}


def make_vgg_stage(
    in_channels: int,
    out_channels: int,
    num_convs: int,
    *,
    norm_layer: Optional[LayerFactory] = None,
    act_layer: LayerFactory = nn.ReLU,
    bias: bool = True,
    pool: bool = True,
) -> nn.Sequential:
    """``num_convs`` 3x3 / pad-1 convs (each followed by ``norm_layer`` if given and
    ``act_layer``), then a 2x2 / stride-2 max pool: ``C_in x H x W -> C_out x H/2 x W/2``.

    ``bias=True`` keeps the conv bias even before a norm layer, as torchvision's ``vgg*_bn`` do
    (the norm's shift makes it redundant, but it keeps parameter counts equal to torchvision's).
    """
    if num_convs < 1:
        raise ValueError(f"a VGG stage needs at least one conv, got num_convs={num_convs}")
    if in_channels < 1 or out_channels < 1:
        raise ValueError(
            f"channel counts must be positive, got in_channels={in_channels}, "
            f"out_channels={out_channels}"
        )
    layers: list[nn.Module] = [
        ConvNormAct(
            in_channels if i == 0 else out_channels, out_channels, 3, 1, 1,
            norm_layer=norm_layer, act_layer=act_layer, bias=bias,
        )
        for i in range(num_convs)
    ]
    if pool:
        layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def small_vgg(
    widths: Sequence[tuple[int, int]] = ((8, 1), (16, 1), (32, 2)),
    *,
    image_size: int = 16,
    in_channels: int = 3,
    hidden: int = 64,
    num_classes: int = 10,
) -> nn.Sequential:
    """VGG in miniature, for training in seconds (not a published network): one
    :func:`make_vgg_stage` with batch norm per ``(width, num_convs)`` in ``widths``, then
    flatten, ``Linear -> ReLU -> Dropout(0.5) -> Linear`` as in VGG's classifier (one hidden
    layer of ``hidden`` units instead of two of 4096). ``image_size`` must survive the halvings.
    """
    if not widths:
        raise ValueError("small_vgg needs at least one (width, num_convs) stage")
    side = image_size
    for _ in widths:
        side //= 2
    if side < 1:
        raise ValueError(f"image_size={image_size} is too small for {len(widths)} stages, each "
                         f"halving the side: use at least {2 ** len(widths)}")
    stages, c_in = [], in_channels
    for width, num_convs in widths:
        stages.append(make_vgg_stage(c_in, width, num_convs, norm_layer=nn.BatchNorm2d))
        c_in = width
    return nn.Sequential(*stages, nn.Flatten(), nn.Linear(c_in * side * side, hidden), nn.ReLU(),
                         nn.Dropout(0.5), nn.Linear(hidden, num_classes))


class VGG(ImageClassifier):
    """Five :func:`make_vgg_stage` stages, ``AdaptiveAvgPool2d((7, 7))``, then three FC layers.

    Deviation: the paper has no adaptive pool; at 224x224 the last stage already gives 7x7, so it
    is an identity there (torchvision has it too; it lets smaller inputs such as 32x32 through).
    ``hidden`` is the width of the two hidden FC layers (4096 in the paper).
    """

    def __init__(
        self,
        cfg: Sequence[tuple[int, int]],
        num_classes: int = 1000,
        *,
        in_channels: int = 3,
        norm_layer: Optional[LayerFactory] = None,
        act_layer: LayerFactory = nn.ReLU,
        dropout: float = 0.5,
        hidden: int = 4096,
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.num_classes = num_classes
        stages: list[tuple[str, nn.Module]] = []
        c_in = in_channels
        for i, (width, num_convs) in enumerate(cfg, start=1):
            stages.append((f"stage{i}", make_vgg_stage(
                c_in, width, num_convs, norm_layer=norm_layer, act_layer=act_layer)))
            c_in = width
        # At 224x224: stage1 N x 64 x 112 x 112, stage2 N x 128 x 56 x 56,
        # stage3 N x 256 x 28 x 28, stage4 N x 512 x 14 x 14, stage5 N x 512 x 7 x 7.
        self.stages = nn.Sequential(OrderedDict(stages))
        self.pool = nn.AdaptiveAvgPool2d((7, 7))
        # paper Section 3.1: dropout 0.5 on the first two FC layers
        self.classifier = fc_classifier(c_in * 7 * 7, num_classes, hidden=hidden, dropout=dropout,
                                        act_layer=act_layer)
        self.init_weights()

    def init_weights(self) -> None:
        """torchvision's scheme: He/Kaiming normal (fan_out, ReLU) for convs (He et al. 2015,
        arXiv:1502.01852, derived for ReLU nets; it trains deep VGG-style plain nets from
        scratch), N(0, 0.01) for linear layers, zero biases, norm weight 1 / bias 0. The paper instead trained
        configuration A from N(0, 0.01) and initialized the deeper nets from it (Section 3.1)."""
        apply_init(self, conv=he_normal_, linear=small_normal_)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(x)  # N x 512 x 7 x 7 at 224x224

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.pool(x), 1))


def _vgg(cfg: str, batch_norm: bool, num_classes: int, kwargs: dict) -> VGG:
    if batch_norm:
        kwargs.setdefault("norm_layer", nn.BatchNorm2d)
    return VGG(VGG_CFGS[cfg], num_classes, **kwargs)


@register_model
def vgg11(*, num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-11 (arXiv:1409.1556, Table 1, configuration A)."""
    return _vgg("A", False, num_classes, kwargs)


@register_model
def vgg13(*, num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-13 (arXiv:1409.1556, Table 1, configuration B)."""
    return _vgg("B", False, num_classes, kwargs)


@register_model
def vgg16(*, num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-16 (arXiv:1409.1556, Table 1, configuration D)."""
    return _vgg("D", False, num_classes, kwargs)


@register_model
def vgg19(*, num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-19 (arXiv:1409.1556, Table 1, configuration E)."""
    return _vgg("E", False, num_classes, kwargs)


@register_model
def vgg11_bn(*, num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-11 with BatchNorm after every conv (Ioffe & Szegedy, arXiv:1502.03167; not in the
    VGG paper; as torchvision's ``vgg11_bn``). Config A of arXiv:1409.1556, Table 1."""
    return _vgg("A", True, num_classes, kwargs)


@register_model
def vgg13_bn(*, num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-13 with BatchNorm after every conv (as torchvision); arXiv:1409.1556, Table 1, B."""
    return _vgg("B", True, num_classes, kwargs)


@register_model
def vgg16_bn(*, num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-16 with BatchNorm after every conv (as torchvision); arXiv:1409.1556, Table 1, D."""
    return _vgg("D", True, num_classes, kwargs)


@register_model
def vgg19_bn(*, num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-19 with BatchNorm after every conv (as torchvision); arXiv:1409.1556, Table 1, E."""
    return _vgg("E", True, num_classes, kwargs)
