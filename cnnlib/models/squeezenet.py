"""SqueezeNet (Iandola et al., "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters
and <0.5MB model size", arXiv:1602.07360), Table 1 and Fig. 2.

The building block is the **Fire module**: a 1x1 "squeeze" conv cuts the channels, then an
"expand" layer runs 1x1 and 3x3 convs side by side on the squeezed map and concatenates them.
Few input channels to the 3x3s and many 1x1s is how the network stays at ~1.2M parameters.

The architecture as data: ``"M"`` is a 3x3 / stride-2 max pool, a tuple is a Fire module
``(squeeze, expand1x1, expand3x3)``; the Fire input channels follow from the previous row.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple, Optional, Union

import torch
from torch import nn

from cnnlib.layers import ConvNormAct, LayerFactory
from cnnlib.layers.weight_init import apply_init, he_uniform_, small_normal_
from cnnlib.models._base import ImageClassifier
from cnnlib.registry import register_model

__all__ = [
    "Fire", "SqueezeNet", "SqueezeNetConfig", "SQUEEZENET_CFGS", "squeezenet1_0", "squeezenet1_1",
]

LayerSpec = Union[str, tuple[int, int, int]]


class SqueezeNetConfig(NamedTuple):
    stem_channels: int
    stem_kernel: int
    layers: tuple[LayerSpec, ...]


SQUEEZENET_CFGS: dict[str, SqueezeNetConfig] = {
    # Iandola et al. 2016, Table 1 (v1.0): conv1 96 x 7x7 / 2, fire2..fire9, maxpools after
    # conv1, fire4 and fire8. Shapes at 227x227, the input Table 1's 111x111 conv1 implies
    # (at 224x224: 109, 54, 27, 13):
    "1_0": SqueezeNetConfig(96, 7, (
        "M",                                                    # N x 96 x 55 x 55
        (16, 64, 64), (16, 64, 64), (32, 128, 128),             # fire2-4: N x 256 x 55 x 55
        "M",                                                    # N x 256 x 27 x 27
        (32, 128, 128), (48, 192, 192), (48, 192, 192), (64, 256, 256),  # fire5-8
        "M",                                                    # N x 512 x 13 x 13
        (64, 256, 256),                                         # fire9: N x 512 x 13 x 13
    )),
    # v1.1 is not in the paper: it is from the authors' repository (github.com/forresti/
    # SqueezeNet, "SqueezeNet_v1.1"): conv1 64 x 3x3 / 2 and the pools moved earlier, for 2.4x
    # less computation at the same accuracy. Same Fire modules. Shapes at 224x224:
    "1_1": SqueezeNetConfig(64, 3, (
        "M",                                                    # N x 64 x 55 x 55
        (16, 64, 64), (16, 64, 64),                             # fire2-3: N x 128 x 55 x 55
        "M",                                                    # N x 128 x 27 x 27
        (32, 128, 128), (32, 128, 128),                         # fire4-5: N x 256 x 27 x 27
        "M",                                                    # N x 256 x 13 x 13
        (48, 192, 192), (48, 192, 192), (64, 256, 256), (64, 256, 256),  # fire6-9: 512 x 13 x 13
    )),
}


class Fire(nn.Module):
    """Fire module (Fig. 2): squeeze 1x1 -> [expand 1x1 || expand 3x3], concatenated.

    The paper's network has no normalization; pass ``norm_layer`` (e.g. ``nn.BatchNorm2d``) to
    add one after every conv, the way later re-implementations do.
    """

    def __init__(
        self,
        in_channels: int,
        squeeze_channels: int,
        expand1x1_channels: int,
        expand3x3_channels: int,
        *,
        norm_layer: Optional[LayerFactory] = None,
        act_layer: LayerFactory = nn.ReLU,
    ) -> None:
        super().__init__()
        for name, value in (("in_channels", in_channels), ("squeeze_channels", squeeze_channels),
                            ("expand1x1_channels", expand1x1_channels),
                            ("expand3x3_channels", expand3x3_channels)):
            if value <= 0:
                raise ValueError(f"Fire: {name} must be positive, got {value}")
        self.squeeze = ConvNormAct(in_channels, squeeze_channels, 1,
                                   norm_layer=norm_layer, act_layer=act_layer)
        self.expand1x1 = ConvNormAct(squeeze_channels, expand1x1_channels, 1,
                                     norm_layer=norm_layer, act_layer=act_layer)
        self.expand3x3 = ConvNormAct(squeeze_channels, expand3x3_channels, 3,
                                     norm_layer=norm_layer, act_layer=act_layer)
        self.out_channels = expand1x1_channels + expand3x3_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.squeeze(x)
        return torch.cat([self.expand1x1(s), self.expand3x3(s)], dim=1)


class SqueezeNet(ImageClassifier):
    """conv1 -> Fire modules with max pools -> dropout -> conv10 (1x1, one map per class) ->
    global average pool. There is no fully-connected layer (the NiN idea, paper Section 3.3)."""

    def __init__(
        self,
        cfg: SqueezeNetConfig,
        num_classes: int = 1000,
        *,
        in_channels: int = 3,
        norm_layer: Optional[LayerFactory] = None,
        act_layer: LayerFactory = nn.ReLU,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        if num_classes <= 0:
            raise ValueError(f"num_classes must be positive, got {num_classes}")
        self.in_channels = in_channels
        self.num_classes = num_classes
        layers: list[tuple[str, nn.Module]] = [
            ("conv1", ConvNormAct(in_channels, cfg.stem_channels, cfg.stem_kernel, stride=2,
                                  padding=0, norm_layer=norm_layer, act_layer=act_layer)),
        ]
        c, fire_index, pool_index = cfg.stem_channels, 2, 1
        for spec in cfg.layers:
            if spec == "M":
                # ceil_mode, as Caffe pools (the original framework): at 224x224 v1.0 goes
                # 109 -> 54 -> 27, where floor mode would give 54 -> 26.
                layers.append((f"pool{pool_index}", nn.MaxPool2d(3, stride=2, ceil_mode=True)))
                pool_index += 1
            else:
                fire = Fire(c, *spec, norm_layer=norm_layer, act_layer=act_layer)
                layers.append((f"fire{fire_index}", fire))
                c, fire_index = fire.out_channels, fire_index + 1
        self.body = nn.Sequential(OrderedDict(layers))
        self.classifier = nn.Sequential(OrderedDict([
            ("dropout", nn.Dropout(dropout)),  # "dropout with a ratio of 50% after fire9"
            ("conv10", nn.Conv2d(c, num_classes, 1)),
            ("act", act_layer()),
            ("pool", nn.AdaptiveAvgPool2d(1)),
            ("flatten", nn.Flatten(1)),
        ]))
        self.init_weights()

    def init_weights(self) -> None:
        """He-uniform convs (He et al. 2015, arXiv:1502.01852, for ReLU nets; torchvision does the
        same); conv10 gets N(0, 0.01) as in the authors' Caffe ``train_val.prototxt``, so the
        initial class scores are small. Biases 0; norm layers weight 1, bias 0."""
        conv10 = self.classifier.conv10.weight

        def conv_rule(weight: torch.Tensor) -> torch.Tensor:
            return small_normal_(weight) if weight is conv10 else he_uniform_(weight)

        apply_init(self, conv=conv_rule)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # N x 512 x 13 x 13 at 224x224 (both versions)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(x)  # N x num_classes


@register_model
def squeezenet1_0(*, num_classes: int = 1000, **kwargs) -> SqueezeNet:
    """SqueezeNet v1.0 (arXiv:1602.07360, Table 1); parameter count equals torchvision's."""
    return SqueezeNet(SQUEEZENET_CFGS["1_0"], num_classes, **kwargs)


@register_model
def squeezenet1_1(*, num_classes: int = 1000, **kwargs) -> SqueezeNet:
    """SqueezeNet v1.1 (authors' repository; same Fire modules as arXiv:1602.07360 Table 1,
    3x3 conv1 and earlier pools); parameter count equals torchvision's."""
    return SqueezeNet(SQUEEZENET_CFGS["1_1"], num_classes, **kwargs)
