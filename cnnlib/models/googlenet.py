"""GoogLeNet / Inception v1 (Szegedy et al., "Going Deeper with Convolutions", arXiv:1409.4842,
CVPR 2015), Table 1 and Fig. 3, plus the naive and dimension-reduced Inception modules (Fig. 2).

The architecture as data: Table 1's Inception rows,
``(#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj)``; a 3x3 / stride-2 max pool follows
3b and 4e. Each module outputs ``#1x1 + #3x3 + #5x5 + pool proj`` channels.

Deviations from the paper, each also noted where it happens:

* The auxiliary classifiers pool with ``AdaptiveAvgPool2d((4, 4))`` instead of the paper's 5x5 /
  stride-3 average pool (same 4x4 output at 224x224, slightly different windows; works at small
  inputs). torchvision does the same.
* ``init_weights`` uses He init: the paper does not state its initialization.
* Max pools use ``ceil_mode=True`` (as Caffe, which the paper's map sizes 112 -> 56 -> 28 -> 14
  -> 7 imply; flooring would give 55 after the first pool).

torchvision's ``googlenet`` differs from the paper (and from this file): its "5x5" branch is a
3x3 conv, it has BatchNorm after every conv and no LRN.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple, Optional

import torch
from torch import nn

from cnnlib.layers import ConvNormAct, LayerFactory
from cnnlib.layers.weight_init import apply_init, he_normal_, small_normal_
from cnnlib.models._base import ImageClassifier
from cnnlib.registry import register_model

__all__ = [
    "GoogLeNet", "GoogLeNetOutputs", "Inception", "InceptionNaive", "InceptionAux",
    "GOOGLENET_TABLE1", "googlenet_lrn", "googlenet", "tiny_inception",
]

# Szegedy et al. 2014, Table 1: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
GOOGLENET_TABLE1: dict[str, tuple[int, int, int, int, int, int]] = {
    "3a": (64, 96, 128, 16, 32, 32),       # -> 256 x 28 x 28
    "3b": (128, 128, 192, 32, 96, 64),     # -> 480 x 28 x 28, then max pool 3x3/2
    "4a": (192, 96, 208, 16, 48, 64),      # -> 512 x 14 x 14 (auxiliary classifier 1 here)
    "4b": (160, 112, 224, 24, 64, 64),     # -> 512 x 14 x 14
    "4c": (128, 128, 256, 24, 64, 64),     # -> 512 x 14 x 14
    "4d": (112, 144, 288, 32, 64, 64),     # -> 528 x 14 x 14 (auxiliary classifier 2 here)
    "4e": (256, 160, 320, 32, 128, 128),   # -> 832 x 14 x 14, then max pool 3x3/2
    "5a": (256, 160, 320, 32, 128, 128),   # -> 832 x 7 x 7
    "5b": (384, 192, 384, 48, 128, 128),   # -> 1024 x 7 x 7
}
_POOL_AFTER = ("3b", "4e")


def googlenet_lrn(num_channels: int) -> nn.LocalResponseNorm:
    """The stem's local response normalization. The paper gives no constants; these (size 5,
    alpha 1e-4, beta 0.75, k 1) are the BVLC Caffe reference GoogLeNet's. ``num_channels`` is
    unused, so the function has the signature of a ``norm_layer``."""
    return nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=1.0)


class InceptionNaive(nn.Module):
    """The naive Inception module (paper Fig. 2a): 1x1, 3x3 and 5x5 convs and a 3x3 max pool side
    by side on the same input, concatenated along channels; every conv keeps the spatial size.

    ``pool_proj=None`` passes the pooled input through unchanged (so the output has
    ``c1x1 + c3x3 + c5x5 + in_channels`` channels and grows module after module: the problem the
    1x1 bottlenecks of :class:`Inception` solve); an int adds a 1x1 projection after the pool.
    """

    def __init__(
        self,
        in_channels: int,
        c1x1: int,
        c3x3: int,
        c5x5: int,
        pool_proj: Optional[int] = None,
        *,
        norm_layer: Optional[LayerFactory] = None,
        act_layer: LayerFactory = nn.ReLU,
    ) -> None:
        super().__init__()
        _check_positive(in_channels=in_channels, c1x1=c1x1, c3x3=c3x3, c5x5=c5x5)
        kw = dict(norm_layer=norm_layer, act_layer=act_layer)
        self.branch1 = ConvNormAct(in_channels, c1x1, 1, **kw)
        self.branch2 = ConvNormAct(in_channels, c3x3, 3, **kw)
        self.branch3 = ConvNormAct(in_channels, c5x5, 5, **kw)
        pool: list[nn.Module] = [nn.MaxPool2d(3, stride=1, padding=1)]
        if pool_proj is not None:
            _check_positive(pool_proj=pool_proj)
            pool.append(ConvNormAct(in_channels, pool_proj, 1, **kw))
        self.branch4 = nn.Sequential(*pool)
        self.out_channels = c1x1 + c3x3 + c5x5 + (in_channels if pool_proj is None else pool_proj)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class Inception(nn.Module):
    """Inception module with dimension reduction (paper Fig. 2b): 1x1 convs shrink the channels
    before the 3x3 and 5x5 convs and after the 3x3 max pool. Output channels:
    ``ch1x1 + ch3x3 + ch5x5 + pool_proj``.

    The 5x5 branch really is 5x5 here, as in the paper (torchvision's ``Inception`` uses a 3x3
    conv in that branch, a known slip kept for its pretrained weights).
    """

    def __init__(
        self,
        in_channels: int,
        ch1x1: int,
        ch3x3red: int,
        ch3x3: int,
        ch5x5red: int,
        ch5x5: int,
        pool_proj: int,
        *,
        norm_layer: Optional[LayerFactory] = None,
        act_layer: LayerFactory = nn.ReLU,
    ) -> None:
        super().__init__()
        _check_positive(in_channels=in_channels, ch1x1=ch1x1, ch3x3red=ch3x3red, ch3x3=ch3x3,
                        ch5x5red=ch5x5red, ch5x5=ch5x5, pool_proj=pool_proj)
        kw = dict(norm_layer=norm_layer, act_layer=act_layer)
        self.branch1 = ConvNormAct(in_channels, ch1x1, 1, **kw)
        self.branch2 = nn.Sequential(
            ConvNormAct(in_channels, ch3x3red, 1, **kw), ConvNormAct(ch3x3red, ch3x3, 3, **kw))
        self.branch3 = nn.Sequential(
            ConvNormAct(in_channels, ch5x5red, 1, **kw), ConvNormAct(ch5x5red, ch5x5, 5, **kw))
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1), ConvNormAct(in_channels, pool_proj, 1, **kw))
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


def tiny_inception(width: int = 8, *, in_channels: int = 3, num_classes: int = 10) -> nn.Sequential:
    """A two-module Inception network for training in seconds (not a published network):
    a 3x3 stem, Inception, 2x2 max pool, Inception, global average pooling, linear; batch norm
    after every conv. The branch widths keep GoogLeNet's proportions loosely (1x1 and pool
    projection narrow, the 3x3 branch widest); ``width`` must be even and at least 2.
    """
    if not (isinstance(width, int) and width >= 2 and width % 2 == 0):
        raise ValueError(f"width must be an even integer >= 2, got {width!r}")
    bn = dict(norm_layer=nn.BatchNorm2d)
    first = Inception(2 * width, width, width, 2 * width, width // 2, width, width, **bn)
    second = Inception(first.out_channels, 2 * width, 2 * width, 4 * width, width, 2 * width,
                       2 * width, **bn)
    return nn.Sequential(ConvNormAct(in_channels, 2 * width, 3, **bn), first, nn.MaxPool2d(2),
                         second, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(second.out_channels, num_classes))


class InceptionAux(nn.Module):
    """Auxiliary classifier (paper Section 5): average pool to 4x4, 1x1 conv with 128 filters and
    ReLU, FC-1024 with ReLU, dropout 0.7, linear classifier.

    Deviation: ``AdaptiveAvgPool2d((4, 4))`` instead of the paper's 5x5 / stride-3 average pool;
    both give 4x4 from the 14x14 maps of a 224x224 input, and the adaptive one also works on the
    smaller maps of small inputs (as torchvision).
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        *,
        dropout: float = 0.7,
        norm_layer: Optional[LayerFactory] = None,
        act_layer: LayerFactory = nn.ReLU,
    ) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d((4, 4))
        self.conv = ConvNormAct(in_channels, 128, 1, norm_layer=norm_layer, act_layer=act_layer)
        self.fc1 = nn.Linear(128 * 4 * 4, 1024)
        self.act = act_layer()
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(1024, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(self.pool(x))  # N x 128 x 4 x 4
        x = self.drop(self.act(self.fc1(torch.flatten(x, 1))))
        return self.fc2(x)


class GoogLeNetOutputs(NamedTuple):
    """What :class:`GoogLeNet` returns in training mode with ``aux_logits=True``. The paper adds
    the two auxiliary losses to the total loss with a weight of 0.3 (Section 5)."""

    logits: torch.Tensor
    aux_logits1: torch.Tensor  # from the classifier on inception 4a
    aux_logits2: torch.Tensor  # from the classifier on inception 4d


class GoogLeNet(ImageClassifier):
    """GoogLeNet (Table 1): stem, nine Inception modules, global average pooling, dropout 0.4,
    linear classifier. With ``aux_logits=True`` two auxiliary classifiers tap 4a and 4d; in
    training mode ``forward`` then returns :class:`GoogLeNetOutputs`, in eval mode the logits.
    """

    def __init__(
        self,
        num_classes: int = 1000,
        *,
        aux_logits: bool = False,
        in_channels: int = 3,
        norm_layer: Optional[LayerFactory] = None,
        act_layer: LayerFactory = nn.ReLU,
        stem_norm: Optional[LayerFactory] = googlenet_lrn,
        dropout: float = 0.4,
        aux_dropout: float = 0.7,
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.num_classes = num_classes
        kw = dict(norm_layer=norm_layer, act_layer=act_layer)
        stem: list[tuple[str, nn.Module]] = [
            ("conv1", ConvNormAct(in_channels, 64, 7, 2, 3, **kw)),  # N x 64 x 112 x 112
            ("pool1", nn.MaxPool2d(3, 2, ceil_mode=True)),          # N x 64 x 56 x 56
        ]
        if stem_norm is not None:
            stem.append(("norm1", stem_norm(64)))  # paper Fig. 3: LocalRespNorm
        stem += [
            ("conv2_reduce", ConvNormAct(64, 64, 1, **kw)),          # N x 64 x 56 x 56
            ("conv2", ConvNormAct(64, 192, 3, **kw)),                 # N x 192 x 56 x 56
        ]
        if stem_norm is not None:
            stem.append(("norm2", stem_norm(192)))
        stem.append(("pool2", nn.MaxPool2d(3, 2, ceil_mode=True)))  # N x 192 x 28 x 28
        self.stem = nn.Sequential(OrderedDict(stem))

        c_in = 192
        for name, row in GOOGLENET_TABLE1.items():
            block = Inception(c_in, *row, **kw)
            self.add_module(f"inception{name}", block)
            c_in = block.out_channels
            if name in _POOL_AFTER:
                self.add_module(f"pool{name[0]}", nn.MaxPool2d(3, 2, ceil_mode=True))
        # inception3a N x 256 x 28 x 28, 3b N x 480 x 28 x 28, pool3 N x 480 x 14 x 14,
        # 4a-4c N x 512 x 14 x 14, 4d N x 528 x 14 x 14, 4e N x 832 x 14 x 14,
        # pool4 N x 832 x 7 x 7, 5a N x 832 x 7 x 7, 5b N x 1024 x 7 x 7 (224x224 input).
        self.aux_logits = aux_logits
        self.aux1: Optional[InceptionAux] = None
        self.aux2: Optional[InceptionAux] = None
        if aux_logits:
            self.aux1 = InceptionAux(self.inception4a.out_channels, num_classes,
                                     dropout=aux_dropout, **kw)
            self.aux2 = InceptionAux(self.inception4d.out_channels, num_classes,
                                     dropout=aux_dropout, **kw)
        self.pool = nn.AdaptiveAvgPool2d(1)  # the paper's 7x7 / stride-1 average pool at 224
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(c_in, num_classes)
        self.init_weights()

    def init_weights(self) -> None:
        """He/Kaiming normal for convs (fan_out, ReLU; He et al. 2015, arXiv:1502.01852), N(0,
        0.01) for linear layers, zero biases, norm weight 1 / bias 0. The paper does not state its
        init (torchvision uses a truncated normal with std 0.01 together with BatchNorm)."""
        apply_init(self, conv=he_normal_, linear=small_normal_)

    def _trunk(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Run the trunk; also return the outputs of 4a and 4d (the auxiliary taps)."""
        x = self.stem(x)
        x = self.pool3(self.inception3b(self.inception3a(x)))
        tap1 = x = self.inception4a(x)
        tap2 = x = self.inception4d(self.inception4c(self.inception4b(x)))
        x = self.pool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        return x, tap1, tap2

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self._trunk(x)[0]  # N x 1024 x 7 x 7 at 224x224

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(torch.flatten(self.pool(x), 1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor | GoogLeNetOutputs:
        if not (self.training and self.aux1 is not None and self.aux2 is not None):
            return super().forward(x)
        # Training with auxiliary heads: one pass through the trunk that also feeds the taps,
        # with the base class's input checks.
        out, tap1, tap2 = self._run_checked(self._trunk, x)
        return GoogLeNetOutputs(self.head(out), self.aux1(tap1), self.aux2(tap2))


def _check_positive(**channels: int) -> None:
    bad = {k: v for k, v in channels.items() if not isinstance(v, int) or v < 1}
    if bad:
        raise ValueError(f"channel counts must be positive integers, got {bad}")


@register_model
def googlenet(*, num_classes: int = 1000, **kwargs) -> GoogLeNet:
    """GoogLeNet (Szegedy et al., arXiv:1409.4842, Table 1), paper-faithful: 5x5 branches, LRN in
    the stem, no BatchNorm, dropout 0.4; ``aux_logits=True`` adds the two auxiliary classifiers.

    Parameters with 1000 classes: 6,998,552 without the auxiliary heads, 13,378,280 with them
    (both computed in tests/test_models_classic.py). The CS231n slide's "only 5 million" and the
    paper's "12 times fewer than AlexNet" (60,965,224 / 12 = 5.1M) round more generously: the
    ratio is 8.7x with the final 1024 x 1000 classifier counted.

    Not torchvision's ``googlenet``, which adds BatchNorm, drops the LRN and uses 3x3 convs where
    Table 1 has 5x5 (tests/test_models_classic.py counts the difference exactly).
    """
    return GoogLeNet(num_classes, **kwargs)
