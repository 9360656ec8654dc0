"""DenseNet-BC for ImageNet (Huang et al., "Densely Connected Convolutional Networks", 2016,
arXiv:1608.06993).

Inside a dense block every layer sees the concatenation of all earlier feature maps and adds
``growth_rate`` (k) new ones; a block of ``L`` layers on ``c`` input channels outputs
``c + L * k`` channels. "BC" = bottleneck (a 1x1 conv to ``bn_size * k`` channels before
each 3x3, Sec. 3) + compression (each transition halves the channels, theta = 0.5).
The layers follow torchvision exactly, so parameter counts are equal (densenet121: 7,978,856).
"""
from __future__ import annotations

from functools import partial
from typing import Any, Sequence

import torch
from torch import nn

from cnnlib.layers import ConvNormAct, LayerFactory, make_activation
from cnnlib.layers.weight_init import apply_init, he_normal_
from cnnlib.models._base import ImageClassifier, check_num_classes
from cnnlib.registry import register_model

__all__ = [
    "DENSENETS", "DenseLayer", "DenseBlock", "Transition", "DenseNet", "build_densenet",
    "densenet121", "densenet161", "densenet169", "densenet201",
]

# Huang et al. 2016, Table 1 (ImageNet, k = 32): growth rate k, layers per dense block,
# stem width (2k). DenseNet-161 (k = 48, stem 96) is not in Table 1: it is the wider ImageNet
# model released with the authors' code (and in torchvision).
DENSENETS: dict[str, tuple[int, tuple[int, ...], int]] = {
    "densenet121": (32, (6, 12, 24, 16), 64),
    "densenet161": (48, (6, 12, 36, 24), 96),
    "densenet169": (32, (6, 12, 32, 32), 64),
    "densenet201": (32, (6, 12, 48, 32), 64),
}
BN_SIZE = 4  # Sec. 3, "Bottleneck layers": the 1x1 conv produces 4k feature maps
COMPRESSION = 0.5  # Sec. 3, "Compression": theta = 0.5 in DenseNet-BC


class DenseLayer(nn.Module):
    """BN-ReLU-conv1x1 (``bn_size * k``) then BN-ReLU-conv3x3 (``k``): k new feature maps."""

    def __init__(
        self,
        in_channels: int,
        growth_rate: int,
        bn_size: int = BN_SIZE,
        *,
        drop_rate: float = 0.0,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
    ) -> None:
        super().__init__()
        if growth_rate < 1 or bn_size < 1:
            raise ValueError(f"growth_rate and bn_size must be positive, got {growth_rate}, {bn_size}")
        if not 0.0 <= drop_rate < 1.0:
            raise ValueError(f"drop_rate must be in [0, 1), got {drop_rate}")
        self.norm1 = norm_layer(in_channels)
        self.act1 = make_activation(act_layer)
        self.conv1 = nn.Conv2d(in_channels, bn_size * growth_rate, 1, bias=False)
        self.norm2 = norm_layer(bn_size * growth_rate)
        self.act2 = make_activation(act_layer)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, 3, 1, 1, bias=False)
        # Sec. 4.2: dropout after each conv when training without data augmentation.
        self.dropout = nn.Dropout(drop_rate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(self.act1(self.norm1(x)))
        out = self.conv2(self.act2(self.norm2(out)))
        return self.dropout(out)


class DenseBlock(nn.Module):
    """``num_layers`` dense layers; layer ``i`` sees ``in_channels + i * growth_rate`` channels."""

    def __init__(
        self,
        num_layers: int,
        in_channels: int,
        growth_rate: int,
        bn_size: int = BN_SIZE,
        *,
        drop_rate: float = 0.0,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
    ) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"a dense block needs at least one layer, got num_layers={num_layers}")
        self.layers = nn.ModuleList(
            DenseLayer(
                in_channels + i * growth_rate, growth_rate, bn_size,
                drop_rate=drop_rate, norm_layer=norm_layer, act_layer=act_layer,
            )
            for i in range(num_layers)
        )
        self.out_channels = in_channels + num_layers * growth_rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for layer in self.layers:
            features.append(layer(torch.cat(features, dim=1)))
        return torch.cat(features, dim=1)  # N x (in_channels + num_layers * k) x H x W


class Transition(nn.Sequential):
    """BN-ReLU-conv1x1 then 2x2 average pooling, between dense blocks (Sec. 3)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
    ) -> None:
        super().__init__(
            norm_layer(in_channels),
            make_activation(act_layer),
            nn.Conv2d(in_channels, out_channels, 1, bias=False),
            nn.AvgPool2d(2, 2),
        )
        self.out_channels = out_channels


class DenseNet(ImageClassifier):
    """Stem, dense blocks with transitions between them, final BN-ReLU, pool, classifier."""

    def __init__(
        self,
        growth_rate: int,
        block_config: Sequence[int],
        num_init_features: int,
        *,
        bn_size: int = BN_SIZE,
        compression: float = COMPRESSION,
        drop_rate: float = 0.0,
        num_classes: int = 1000,
        in_channels: int = 3,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
    ) -> None:
        super().__init__()
        check_num_classes(num_classes)
        if not 0.0 < compression <= 1.0:
            raise ValueError(f"compression must be in (0, 1], got {compression}")
        self.in_channels = in_channels
        # Table 1: 7x7/2 conv, 3x3/2 max-pool.
        self.stem = nn.Sequential(
            ConvNormAct(
                in_channels, num_init_features, 7, 2, norm_layer=norm_layer, act_layer=act_layer
            ),
            nn.MaxPool2d(3, 2, 1),
        )
        stages: list[nn.Module] = []
        channels = num_init_features
        for i, num_layers in enumerate(block_config):
            block = DenseBlock(
                num_layers, channels, growth_rate, bn_size,
                drop_rate=drop_rate, norm_layer=norm_layer, act_layer=act_layer,
            )
            stages.append(block)
            channels = block.out_channels
            if i != len(block_config) - 1:
                out = int(channels * compression)
                stages.append(Transition(channels, out, norm_layer=norm_layer, act_layer=act_layer))
                channels = out
        self.stages = nn.Sequential(*stages)
        self.final = nn.Sequential(norm_layer(channels), make_activation(act_layer))
        self.num_features = channels
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)
        self.init_weights()

    def features(self, x: torch.Tensor) -> torch.Tensor:
        # densenet121 at 224x224:
        x = self.stem(x)  # N x 64 x 56 x 56
        # block1 N x 256 x 56 x 56, transition1 N x 128 x 28 x 28,
        # block2 N x 512 x 28 x 28, transition2 N x 256 x 14 x 14,
        # block3 N x 1024 x 14 x 14, transition3 N x 512 x 7 x 7, block4 N x 1024 x 7 x 7
        x = self.stages(x)
        return self.final(x)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.pool(x), 1))

    def init_weights(self) -> None:
        """He et al. 2015 (arXiv:1502.01852, Eq. 10) normal init (fan_in) for convs, norm scale 1 /
        shift 0, classifier bias 0: the rules of the DenseNet authors' Torch code, kept by
        torchvision."""
        apply_init(self, conv=partial(he_normal_, mode="fan_in"))
        nn.init.zeros_(self.classifier.bias)  # its weight keeps PyTorch's default, as torchvision


def build_densenet(name: str, *, num_classes: int = 1000, **kwargs: Any) -> DenseNet:
    """The DenseNet-BC named ``name`` in ``DENSENETS``."""
    if name not in DENSENETS:
        raise ValueError(f"unknown DenseNet {name!r}; choose one of {sorted(DENSENETS)}")
    growth_rate, block_config, num_init_features = DENSENETS[name]
    return DenseNet(growth_rate, block_config, num_init_features, num_classes=num_classes, **kwargs)


@register_model
def densenet121(*, num_classes: int = 1000, **kwargs: Any) -> DenseNet:
    """DenseNet-121 (arXiv:1608.06993, Table 1: k = 32, blocks [6, 12, 24, 16])."""
    return build_densenet("densenet121", num_classes=num_classes, **kwargs)


@register_model
def densenet161(*, num_classes: int = 1000, **kwargs: Any) -> DenseNet:
    """DenseNet-161 (arXiv:1608.06993; k = 48, blocks [6, 12, 36, 24], stem 96, authors' code)."""
    return build_densenet("densenet161", num_classes=num_classes, **kwargs)


@register_model
def densenet169(*, num_classes: int = 1000, **kwargs: Any) -> DenseNet:
    """DenseNet-169 (arXiv:1608.06993, Table 1: k = 32, blocks [6, 12, 32, 32])."""
    return build_densenet("densenet169", num_classes=num_classes, **kwargs)


@register_model
def densenet201(*, num_classes: int = 1000, **kwargs: Any) -> DenseNet:
    """DenseNet-201 (arXiv:1608.06993, Table 1: k = 32, blocks [6, 12, 48, 32])."""
    return build_densenet("densenet201", num_classes=num_classes, **kwargs)
