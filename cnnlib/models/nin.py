"""Network in Network (Lin, Chen, Yan, arXiv:1312.4400, ICLR 2014), the CIFAR-10 model.

An *mlpconv* block is a KxK convolution followed by two 1x1 convolutions (a small MLP applied at
every pixel), each with a ReLU. The last block outputs one map per class, and global average
pooling turns each map into that class's score: no fully-connected layers.

The paper describes the CIFAR-10 network only in words (three mlpconv layers, max pooling and
dropout between them, global average pooling; Sections 3-4.2). The widths below are those of the
authors' released CIFAR-10 configuration (github.com/mavenlin/cuda-convnet, NIN; the same net is
the Caffe Model Zoo "cifar10_nin"), the commonly reproduced one:

    block  kernel  padding  widths (conv, 1x1, 1x1)   then                 output (32x32 input)
    1      5x5     2        192, 160, 96              max pool 3x3/2, drop  96 x 16 x 16
    2      5x5     2        192, 192, 192             avg pool 3x3/2, drop 192 x  8 x  8
    3      3x3     1        192, 192, num_classes     global avg pool      num_classes
"""
from __future__ import annotations

from collections import OrderedDict
from functools import partial
from typing import NamedTuple, Optional, Sequence

import torch
from torch import nn

from cnnlib.layers import ConvNormAct, LayerFactory
from cnnlib.layers.weight_init import apply_init, he_normal_
from cnnlib.models._base import ImageClassifier
from cnnlib.registry import register_model

__all__ = ["NiN", "NinBlock", "NIN_CIFAR10", "make_mlpconv", "nin"]


class NinBlock(NamedTuple):
    kernel: int
    padding: int
    widths: tuple[int, int, int]  # the KxK conv, then two 1x1 convs; 0 = num_classes
    pool: str  # "max", "avg" or "" (3x3 / stride 2, ceil mode as in Caffe/cuda-convnet)


NIN_CIFAR10: tuple[NinBlock, ...] = (
    NinBlock(5, 2, (192, 160, 96), "max"),   # N x 96 x 32 x 32 -> pool N x 96 x 16 x 16
    NinBlock(5, 2, (192, 192, 192), "avg"),  # N x 192 x 16 x 16 -> pool N x 192 x 8 x 8
    NinBlock(3, 1, (192, 192, 0), ""),       # N x num_classes x 8 x 8
)


def make_mlpconv(
    in_channels: int,
    widths: Sequence[int],
    kernel_size: int,
    *,
    padding: int = 0,
    norm_layer: Optional[LayerFactory] = None,
    act_layer: LayerFactory = nn.ReLU,
) -> nn.Sequential:
    """One mlpconv block: a ``kernel_size`` conv to ``widths[0]`` channels, then a 1x1 conv to
    each further width, every conv followed by ``norm_layer`` (if given) and ``act_layer``."""
    if len(widths) < 1 or min(widths) < 1:
        raise ValueError(f"widths must be one or more positive channel counts, got {tuple(widths)}")
    layers = [ConvNormAct(in_channels, widths[0], kernel_size, 1, padding,
                          norm_layer=norm_layer, act_layer=act_layer)]
    for c_in, c_out in zip(widths[:-1], widths[1:]):
        layers.append(ConvNormAct(c_in, c_out, 1, norm_layer=norm_layer, act_layer=act_layer))
    return nn.Sequential(*layers)


class NiN(ImageClassifier):
    """Three mlpconv blocks with pooling and dropout between them; global average pooling head.

    As in the authors' configuration the last 1x1 conv (one map per class) is followed by a ReLU
    too, so the class scores are non-negative averages. Dropout 0.5 follows the first two pools
    (paper Section 4.1: dropout on the outputs of all but the last mlpconv layer).
    """

    def __init__(
        self,
        num_classes: int = 10,
        *,
        cfg: Sequence[NinBlock] = NIN_CIFAR10,
        in_channels: int = 3,
        norm_layer: Optional[LayerFactory] = None,
        act_layer: LayerFactory = nn.ReLU,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.num_classes = num_classes
        layers: list[tuple[str, nn.Module]] = []
        c_in = in_channels
        for i, block in enumerate(cfg, start=1):
            widths = tuple(w if w else num_classes for w in block.widths)
            layers.append((f"mlpconv{i}", make_mlpconv(
                c_in, widths, block.kernel, padding=block.padding,
                norm_layer=norm_layer, act_layer=act_layer)))
            if block.pool:
                pool_cls = nn.MaxPool2d if block.pool == "max" else nn.AvgPool2d
                layers.append((f"pool{i}", pool_cls(3, 2, ceil_mode=True)))
                layers.append((f"drop{i}", nn.Dropout(dropout)))
            c_in = widths[-1]
        self.body = nn.Sequential(OrderedDict(layers))
        self.pool = nn.AdaptiveAvgPool2d(1)  # global average pooling replaces the FC layers
        self.init_weights()

    def init_weights(self) -> None:
        """He/Kaiming normal (fan_in, ReLU; He et al. 2015, arXiv:1502.01852), zero biases.
        Our choice: the authors' configuration used hand-tuned small Gaussian stds per layer."""
        apply_init(self, conv=partial(he_normal_, mode="fan_in"))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # N x num_classes x 8 x 8 at 32x32

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(self.pool(x), 1)


@register_model
def nin(*, num_classes: int = 10, **kwargs) -> NiN:
    """Network in Network for CIFAR-10 (arXiv:1312.4400; widths from the authors' released
    configuration, see the module docstring): 192-160-96 / 192-192-192 / 192-192-classes."""
    return NiN(num_classes, **kwargs)
